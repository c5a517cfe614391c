"""Scanner output that our generator did not make: OCRmyPDF's public test scans (tests/data/ocrmypdf, see its
README). Bilevel CCITT G4 and JBIG2 pages, images placed turned on the page, a page in each of the four
orientations: each is read, turned upright and read the same as the others."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from stages.intake import read_input
from stages.page_reading import read_page

SCANS = Path(__file__).resolve().parents[1] / "data" / "ocrmypdf"
PDFS = ("ccitt.pdf", "jbig2.pdf", "linn.pdf", "skew.pdf", "rotated_skew.pdf", "cardinal.pdf")


@cache
def _text(name: str, page: int = 0) -> tuple[int, str]:
    """Orientation found and the words read, of one page of a scan (English)."""
    result = read_input((SCANS / name).read_bytes(), name, dpi=300)
    reading = read_page(result.pages[page].image, dpi=300, page_index=page, lang="eng", engine="tesserocr")
    return reading.geometry.orientation_deg, " ".join(word.text for word in reading.ocr.words)


@pytest.mark.parametrize("name", PDFS)
def test_every_page_of_a_public_scan_is_read(name: str) -> None:
    result = read_input((SCANS / name).read_bytes(), name, dpi=300)

    assert result.errors == []
    assert result.pages
    for page in result.pages:
        assert sorted(page.image.shape) == [2550, 3301]  # US letter at 300 dpi
        assert (page.image < 128).mean() > 0.01  # the scan's ink is there


@pytest.mark.parametrize("name", ["ccitt.pdf", "jbig2.pdf", "skew.pdf", "rotated_skew.pdf"])
def test_the_same_page_reads_the_same_whatever_the_encoding_or_placement(name: str) -> None:
    _, upright = _text("linn.pdf")
    orientation, text = _text(name)

    assert upright.startswith("The LinnSequencer 32 Track MIDI Sequence Recorder")
    assert orientation == 0
    assert fuzz.ratio(text, upright) > 97


@pytest.mark.parametrize(("page", "turned"), [(0, 0), (1, 270), (2, 180), (3, 90)])
def test_a_page_in_each_orientation_comes_out_upright(page: int, turned: int) -> None:
    _, upright = _text("linn.pdf")
    orientation, text = _text("cardinal.pdf", page)

    assert orientation == turned
    assert fuzz.ratio(text, upright) > 97
