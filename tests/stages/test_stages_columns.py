"""A line's columns: two signatories side by side, or a card's title and, across the gap, the other card's
label, are one visual line in two columns; a column of grey print stays when the line is read again
without its lighter ink."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.models import BBox, Word
from stages.columns import apart, split_columns
from stages.ocr import recognize
from tests.stages.conftest import DPI, Gray


def _word(text: str, x0: int, x1: int) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, y0=100, x1=x1, y1=130), conf=95.0)


def test_a_line_is_cut_at_gaps_of_two_letter_heights() -> None:
    words = [_word("Dushku", 778, 903), _word("Dr.", 605, 647), _word("Vasiel", 662, 762),
             _word("Dr.", 1688, 1730), _word("Fazliu", 1854, 1948), _word("Xhesi", 1745, 1839)]
    assert [[w.text for w in c] for c in split_columns(words, 30)] == [
        ["Dr.", "Vasiel", "Dushku"], ["Dr.", "Xhesi", "Fazliu"]]
    assert [[w.text for w in c] for c in split_columns(words, 500)] == [
        ["Dr.", "Vasiel", "Dushku", "Dr.", "Xhesi", "Fazliu"]]


def test_a_column_is_apart_from_words_beyond_a_gap_only() -> None:
    column = [_word("Autoriteti", 1337, 1430), _word("Authority", 1450, 1540)]
    assert apart(column, [_word("CARD", 1000, 1100), _word("MINISTRIA", 1700, 1900)], 30)
    assert not apart(column, [_word("aa", 1400, 1420)], 30)
    assert not apart(column, [_word("CARD", 1000, 1300)], 30)


ID_CARD = Path(__file__).parents[1] / "data" / "generated" / "id_card_label_across_a_gap.jpg"
"""A straightened crop of Sportel's own generated sample (``sportel samples --seed 6262 --unseen-layout``,
doc029, a copy of both sides of an identity card scanned as JPEG, skewed 1.57 degrees, at 300 dpi; the
person is made up). The front's title "KARTË IDENTITETI / IDENTITY CARD" and the back's grey label
"Autoriteti / Authority" share a row: read again without its lighter ink for the grey label, the line
lost the label (4b73544)."""


def test_a_grey_label_across_the_gap_from_a_title_is_kept() -> None:
    read = cv2.imread(str(ID_CARD), cv2.IMREAD_GRAYSCALE)
    assert read is not None
    image: Gray = np.asarray(read, dtype=np.uint8)
    words = [w.text for w in recognize(image, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr").words]
    assert {"KARTË", "IDENTITETI", "IDENTITY", "CARD"} <= set(words)
    assert "Autoriteti" in words and "Authority" in words, words
