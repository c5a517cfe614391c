"""``read_page`` lets go of the page as scanned before its OCR when the caller can give it again, and
reads the same words either way."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import stages.geometry as geometry
import stages.page_reading as page_reading
from pipeline.models import PageOcr
from stages.ocr import recognize
from stages.page_reading import read_page
from tests.stages.conftest import Gray, rotate_content


def test_the_scan_handed_over_is_freed_before_the_ocr(albanian_page: Gray, monkeypatch: pytest.MonkeyPatch) -> None:
    handed = [rotate_content(albanian_page, -1.5)]
    scan = weakref.ref(handed[0])
    freed: list[bool] = []

    def watching(image: Gray, **kwargs: object) -> PageOcr:
        freed.append(scan() is None)
        return recognize(image, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(page_reading, "recognize", watching)
    reading = read_page(handed.pop(), dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr",
                        scanned=lambda: pytest.fail("an upright page that reads well is not decoded again"))
    assert freed == [True] and reading.turned


def test_a_page_probed_the_other_way_up_is_asked_for_again_and_read_the_same(
        albanian_page: Gray, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geometry, "_up_or_down", lambda frame, angle: (None, 0.0))  # as on most scans
    upside_down = np.ascontiguousarray(np.rot90(albanian_page, 2))
    asked: list[int] = []

    def again() -> Gray:
        asked.append(1)
        return upside_down.copy()

    kept = read_page(upside_down, dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr")
    handed = read_page(upside_down.copy(), dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr", scanned=again)
    assert asked == [1] and handed.turned and kept.turned
    assert (handed.geometry, handed.ocr) == (kept.geometry, kept.ocr)
    assert np.array_equal(handed.image, kept.image)


def test_a_page_left_as_it_is_is_not_turned() -> None:
    blank = np.full((3508, 2480), 255, dtype=np.uint8)
    assert not read_page(blank, dpi=300, page_index=0, lang="sqi+eng", engine="tesserocr").turned
