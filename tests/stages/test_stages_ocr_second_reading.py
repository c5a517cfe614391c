"""Characters the Albanian model cannot write ("/", "w", "@", "%", "+"): a page read ``sqi+eng`` keeps the
English model's reading of the words that hold them."""

from __future__ import annotations

import pytest

from benchmarks.ocr_quality import line_edit_counts
from stages.ocr import recognize
from tests.stages.conftest import DPI, render_lines, scan_like

ALBANIAN_WITH_SYMBOLS = [
    "Nr. 604 Prot. Shkodër, më 13/08/2025",
    "Numri i pasurisë: 36/281, Volumi 11, Faqja 69",
    "Data e regjistrimit: 26/02/2021",
    "Pjesa takuese 1/3 e pasurisë, sipërfaqja 887,9 m2",
    "Sheshi 2 Prilli, Shkodër, Tel. 022 237923, www.shkoder.gov.al",
    "Kjo certifikatë lëshohet në bazë të të dhënave të regjistrit.",
]
ENGLISH_WITH_W = [
    "The patient was admitted with worsening symptoms over the previous weeks.",
    "The tenant shall use the premises with care and follow the rules below.",
    "Record no. 9381/2025, discharged on 03/10/2025 after two weeks.",
    "Dr. Markela Berisha, Head of department",
]


@pytest.fixture(scope="module", params=["tesserocr", "tesseract-cli"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_albanian_page_keeps_the_slashes_of_dates_and_numbers(engine: str) -> None:
    # Read sqi+eng in one pass, three of these four came out without their slashes ("1310812025"): the
    # sqi model, which has no "/", wrote "1" with a confidence that never sent the word to the English model.
    page = scan_like(render_lines(ALBANIAN_WITH_SYMBOLS, font="DejaVuSans.ttf", pt=11, height_in=4.0), seed=7)
    ocr = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    for date in ("13/08/2025", "36/281", "26/02/2021", "1/3"):
        assert date in ocr.text
    assert "www.shkoder.gov.al" in ocr.text
    assert "ë" in ocr.text  # the Albanian words stay the Albanian model's
    edits, chars = line_edit_counts(ocr.text, "\n".join(ALBANIAN_WITH_SYMBOLS))
    assert edits / chars < 0.01


def test_english_page_read_with_both_models_keeps_its_w(engine: str) -> None:
    page = scan_like(render_lines(ENGLISH_WITH_W, font="DejaVuSans.ttf", pt=9, height_in=3.0), seed=8)
    ocr = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    assert "vv" not in ocr.text.lower()
    assert "9381/2025" in ocr.text and "03/10/2025" in ocr.text
    edits, chars = line_edit_counts(ocr.text, "\n".join(ENGLISH_WITH_W))
    assert edits / chars < 0.01


def test_a_page_read_with_one_model_is_read_once() -> None:
    # The second reading is for words one model of two may have misread; with Albanian alone there is no
    # other model, and its reading stands ("/" then stays unread: the model has no such character).
    page = scan_like(render_lines(ALBANIAN_WITH_SYMBOLS[:3], font="DejaVuSerif.ttf", pt=10, height_in=2.0), seed=9)
    ocr = recognize(page, page_index=0, dpi=DPI, lang="sqi", engine="tesserocr")
    assert "/" not in ocr.text
