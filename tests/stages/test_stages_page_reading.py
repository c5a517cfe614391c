"""Reading a page with the up-or-down check folded into its OCR: right on pages in every orientation,
and no probe on a page that reads well as it lies."""

from __future__ import annotations

import numpy as np
import pytest

import stages.geometry as geometry
from pipeline.models import PageOcr
from stages.ocr import letter_confidence
from stages.page_reading import UPRIGHT_CONFIDENCE, read_page
from tests.stages.conftest import ALBANIAN, Gray, rotate_content, scan_like


def _probes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = geometry._probe

    def counting(*args: object, **kwargs: object) -> dict[int, float]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(geometry, "_probe", counting)
    return calls


@pytest.mark.parametrize("quarters", [0, 1, 2, 3])
def test_every_orientation_comes_out_upright_and_read(albanian_page: Gray, quarters: int) -> None:
    turned = np.ascontiguousarray(np.rot90(scan_like(albanian_page, seed=quarters), quarters))
    skewed = rotate_content(turned, 2.5)
    reading = read_page(skewed, dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr")
    assert reading.geometry.orientation_deg == (90 * quarters) % 360  # np.rot90 turns counter-clockwise
    assert letter_confidence(reading.ocr.words) >= UPRIGHT_CONFIDENCE
    assert ALBANIAN[0].split()[1] in reading.ocr.text


def _undecided_line_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on most scans: the lines' shape does not tell upright from upside down."""
    monkeypatch.setattr(geometry, "_up_or_down", lambda frame, angle: (None, 0.0))


def test_an_upright_page_is_read_once_without_a_probe(albanian_page: Gray, monkeypatch: pytest.MonkeyPatch) -> None:
    _undecided_line_shape(monkeypatch)
    calls = _probes(monkeypatch)
    reading = read_page(rotate_content(albanian_page, -1.5), dpi=300, page_index=0, lang="sqi+eng",
                        engine="tesserocr")
    assert (reading.geometry.orientation_deg, calls) == (0, [])


def test_an_upside_down_page_is_probed_and_read_the_right_way(albanian_page: Gray,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _undecided_line_shape(monkeypatch)
    calls = _probes(monkeypatch)
    reading = read_page(np.ascontiguousarray(np.rot90(albanian_page, 2)), dpi=300, page_index=0, lang="sqi+eng",
                        engine="tesserocr")
    assert reading.geometry.orientation_deg == 180 and len(calls) == 1
    assert ALBANIAN[1].split()[0] in reading.ocr.text


def test_a_page_the_lines_shape_wrongly_turned_over_is_probed_and_turned_back(
        albanian_page: Gray, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape's verdict is not the last word: an upright page it took for upside down reads poorly
    turned over, and is probed like a page the shape left open."""
    monkeypatch.setattr(geometry, "_up_or_down", lambda frame, angle: (180, 0.65))
    assert geometry.straighten(albanian_page, dpi=300).turned_over_by_shape
    calls = _probes(monkeypatch)
    reading = read_page(rotate_content(albanian_page, -1.5), dpi=300, page_index=0, lang="sqi+eng",
                        engine="tesserocr")
    assert reading.geometry.orientation_deg == 0 and len(calls) == 1
    assert ALBANIAN[1].split()[0] in reading.ocr.text


def test_blank_page_gets_no_words() -> None:
    reading = read_page(np.full((3508, 2480), 255, dtype=np.uint8), dpi=300, page_index=3, lang="sqi+eng",
                        engine="tesserocr")
    assert reading.geometry.blank and reading.ocr.words == [] and reading.ocr.page_index == 3


def test_born_digital_page_keeps_its_own_words(albanian_page: Gray) -> None:
    own = PageOcr(page_index=0, width=albanian_page.shape[1], height=albanian_page.shape[0], dpi=300,
                  lang="sqi+eng", words=[], mean_confidence=100.0)
    reading = read_page(albanian_page, dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr", text_layer=own)
    assert reading.ocr is own and reading.ocr_seconds == 0.0
