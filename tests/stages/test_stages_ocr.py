"""OCR accuracy (character error rate against the rendered text) and the engine contract."""

from __future__ import annotations

import os

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from pipeline.errors import ConfigurationError
from pipeline.models import PageOcr
from stages.geometry import correct_page
from stages.ocr import ENGINES, probe_confidence, recognize
from tests.stages.conftest import ALBANIAN, ENGLISH, Gray, rotate_content, scan_like


def character_error_rate(recognized: str, truth: str) -> float:
    """Levenshtein distance over the truth's length, whitespace runs counted as one space."""
    got, expected = " ".join(recognized.split()), " ".join(truth.split())
    return Levenshtein.distance(got, expected) / len(expected)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def albanian_ocr(engine: str, short_albanian_page: Gray) -> PageOcr:
    return recognize(short_albanian_page, page_index=3, dpi=300, lang="sqi+eng", engine=engine)


def test_albanian_cer_below_one_percent(albanian_ocr: PageOcr) -> None:
    assert character_error_rate(albanian_ocr.text, "\n".join(ALBANIAN)) < 0.01
    assert "ë" in albanian_ocr.text and "ç" in albanian_ocr.text.lower()


def test_english_cer_below_half_a_percent(engine: str, short_english_page: Gray) -> None:
    ocr = recognize(short_english_page, page_index=0, dpi=300, lang="sqi+eng", engine=engine)
    assert character_error_rate(ocr.text, "\n".join(ENGLISH)) < 0.005


def test_words_carry_boxes_lines_and_confidences(albanian_ocr: PageOcr, short_albanian_page: Gray) -> None:
    height, width = short_albanian_page.shape
    assert (albanian_ocr.page_index, albanian_ocr.width, albanian_ocr.height) == (3, width, height)
    assert albanian_ocr.source == "ocr" and albanian_ocr.lang == "sqi+eng"
    assert len({(w.block, w.line) for w in albanian_ocr.words}) == len(ALBANIAN)
    for word in albanian_ocr.words:
        assert 0 <= word.bbox.x0 < word.bbox.x1 <= width and 0 <= word.bbox.y0 < word.bbox.y1 <= height
        assert 0.0 <= word.conf <= 100.0
        crop = short_albanian_page[word.bbox.y0 : word.bbox.y1, word.bbox.x0 : word.bbox.x1]
        assert (crop < 128).any()
    mean = sum(w.conf for w in albanian_ocr.words) / len(albanian_ocr.words)
    assert albanian_ocr.mean_confidence == pytest.approx(mean, abs=0.01)
    assert albanian_ocr.mean_confidence > 80


def test_word_text_stays_out_of_repr(albanian_ocr: PageOcr) -> None:
    assert "Shkodër" not in repr(albanian_ocr)


def test_tesseract_runs_single_threaded(albanian_ocr: PageOcr) -> None:
    assert os.environ.get("OMP_THREAD_LIMIT") == "1"


def test_blank_image_reads_as_no_words(engine: str) -> None:
    ocr = recognize(np.full((600, 800), 255, dtype=np.uint8), page_index=0, dpi=300, engine=engine)
    assert ocr.words == [] and ocr.mean_confidence == 0.0


def test_missing_language_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        recognize(np.full((100, 100), 255, dtype=np.uint8), page_index=0, dpi=300, lang="xyz")


def test_unknown_engine_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        recognize(np.full((100, 100), 255, dtype=np.uint8), page_index=0, dpi=300, engine="abbyy")


def test_probe_tells_upright_from_upside_down(short_english_page: Gray) -> None:
    strip = np.ascontiguousarray(short_english_page[150:500, 250:1400])
    upright = probe_confidence(strip, dpi=300)
    upside_down = probe_confidence(np.ascontiguousarray(strip[::-1, ::-1]), dpi=300)
    assert upright > upside_down + 20


def test_skewed_and_turned_page_reads_as_well_once_corrected(short_albanian_page: Gray) -> None:
    scanned = scan_like(rotate_content(np.ascontiguousarray(np.rot90(short_albanian_page, 2)), -8.0), seed=4)
    geometry, corrected = correct_page(scanned, dpi=300)
    assert geometry.orientation_deg == 180
    ocr = recognize(corrected, page_index=0, dpi=300, engine="tesserocr")
    assert character_error_rate(ocr.text, "\n".join(ALBANIAN)) < 0.01
