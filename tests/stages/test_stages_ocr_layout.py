"""How a page's words come out of sparse-text OCR: in visual lines, whatever order tesseract found their
runs in, and read off a contrast that keeps a letter printed close to a rule apart from it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from pipeline.models import BBox, PageOcr, Word
from stages.ocr import reading_order, recognize
from stages.ocr_image import even_contrast
from tests.stages.conftest import DPI, FONT_DIR, Gray


def _word(text: str, box: tuple[int, int, int, int], run: int) -> Word:
    x0, y0, x1, y1 = box
    return Word(text=text, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), conf=90.0, block=run + 1, line=run)


def test_runs_read_apart_come_out_as_visual_lines_top_to_bottom_left_to_right() -> None:
    # As sparse text returns a payment slip: a value as a run of its own, found before its label and a
    # little off its level; a big title with small print beside it, level with the title's lower half.
    words = [
        _word("13/10/2025", (900, 352, 1100, 382), 0),
        _word("Data:", (300, 350, 400, 380), 1),
        _word("Realdo", (900, 401, 1030, 431), 2),
        _word("Aliaj", (1040, 402, 1120, 432), 2),
        _word("Paguesi:", (298, 400, 450, 430), 3),
        _word("Kopje", (2000, 232, 2090, 257), 4),
        _word("URDHËR", (1400, 180, 1640, 240), 5),
        _word("PAGESE", (1660, 181, 1900, 240), 5),
    ]
    ordered = reading_order(words)
    page = PageOcr(page_index=0, width=2480, height=1200, dpi=300, lang="sqi+eng", words=ordered,
                   mean_confidence=90.0)
    assert page.text.splitlines() == ["URDHËR PAGESE", "Kopje", "Data: 13/10/2025", "Paguesi: Realdo Aliaj"]
    assert [w.line for w in ordered] == [0, 0, 1, 2, 2, 3, 3, 3]
    assert sorted(w.text for w in ordered) == sorted(w.text for w in words)


def test_a_descender_reaching_the_next_line_does_not_join_it() -> None:
    words = [_word("gjyqi", (300, 100, 420, 150), 0), _word("Shkodër", (300, 142, 470, 172), 1)]
    assert [w.line for w in reading_order(words)] == [0, 1]


def _boxed_form() -> Gray:
    """Labels left and values right in a frame, as a bank's payment order prints them."""
    page = Image.new("L", (round(8.27 * DPI), round(3.6 * DPI)), 255)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(11 * DPI / 72))
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(11 * DPI / 72))
    draw.rectangle([200, 100, page.width - 200, page.height - 100], outline=0, width=2)
    for row, (label, value) in enumerate(FORM):
        y = 180 + row * 75
        draw.text((240, y), label, font=bold, fill=0)
        draw.text((1000, y + row % 3), value, font=face, fill=0)  # values a pixel or two off level
    return np.asarray(page, dtype=np.uint8)


FORM = [("Paguesi:", "Realdo Aliaj"), ("Nr. personal:", "F81019042S"), ("Adresa:", "Rruga Qendër, Nr. 159"),
        ("Përfituesi:", "Bashkia Shkodër"), ("Shuma:", "3.000,00 ALL"), ("Nr. reference:", "7168642570")]


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
def test_a_form_reads_each_label_with_its_value_on_one_line(engine: str) -> None:
    # Sparse text finds each label and each value as a run of its own; the order is rebuilt by position.
    ocr = recognize(_boxed_form(), page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    lines = ocr.text.splitlines()
    assert len(lines) == len(FORM)
    for line, (label, value) in zip(lines, FORM, strict=True):
        assert line.startswith(label.split()[0])
        assert Levenshtein.distance(line, f"{label} {value}") <= 2  # a misread letter, not another order


def _rule_and_letters(gap: int) -> Gray:
    """A 2-pixel rule with bold labels ``gap`` pixels to its right, blurred as a scanner does."""
    page = Image.new("L", (900, 420), 250)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(11 * DPI / 72))
    draw.rectangle([200, 20, 201, 400], fill=10)
    for row, label in enumerate(["Data:", "Paguesi:", "Nr. personal:", "Adresa:", "Llogaria:"]):
        left = draw.textbbox((0, 0), label, font=face)[0]
        draw.text((202 + gap - left, 40 + 70 * row), label, font=face, fill=10)
    return np.asarray(cv2.GaussianBlur(np.asarray(page, dtype=np.uint8), (0, 0), 1.0), dtype=np.uint8)


@pytest.mark.parametrize("gap", [1, 2, 3])
def test_a_letter_close_to_a_rule_stays_apart_from_it(gap: int) -> None:
    # Through Sauvola's threshold alone the light fringe between the rule and a letter one pixel away
    # turned to ink: rule and labels fused into one shape 39 pixels wide, and tesseract dropped the
    # first letter of each label ("ata:" for "Data:").
    evened = even_contrast(_rule_and_letters(gap), dpi=DPI)
    ink = (evened < 128).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    rule = labels[10 + 200 // 2, 200]
    assert rule != 0 and stats[rule, cv2.CC_STAT_WIDTH] <= 4
    assert stats[rule, cv2.CC_STAT_HEIGHT] > 350  # the rule itself is kept whole
    assert ink[:, 210:400].sum() > 0.2 * ink[:, 210:400].size * 0.5  # the letters are still ink
