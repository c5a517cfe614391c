"""What tesseract is handed: the page cropped to its ink, table walls whitened (sparse text reads them as
"|"), hand-written letters on their baseline rule left whole; words still boxed in the page's pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks.ocr_quality import line_edit_counts
from stages.ocr import recognize
from stages.ocr_image import content_box, even_contrast, without_vertical_rules
from tests.memory import traced_peak
from tests.stages.conftest import DPI, FONT_DIR, Gray, rotate_content, scan_like

ROWS = [("Nr", "Emri", "Mbiemri", "Atësia", "Lidhja"), ("1", "Albert", "Gjergji", "Ditmir", "Kryefamiljar"),
        ("2", "Elona", "Gjergji", "Petrit", "Bashkëshorte")]
COLUMNS = [300, 420, 820, 1220, 1620, 2180]


def _table(row_height: int = 70) -> Gray:
    """A ruled table (two-pixel rules) of short rows, as certificates print their family members."""
    page = Image.new("L", (2480, 200 + row_height * len(ROWS) + 200), 255)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(10 * DPI / 72))
    top = 200
    for number, row in enumerate(ROWS):
        draw.rectangle([COLUMNS[0], top, COLUMNS[-1], top + row_height], outline=0, width=2)
        for x in COLUMNS[1:-1]:
            draw.line([(x, top), (x, top + row_height)], fill=0, width=2)
        for x, cell in zip(COLUMNS, row, strict=False):
            draw.text((x + 15, top + 18), cell, font=face, fill=0 if number else 40)
        top += row_height
    return np.asarray(page, dtype=np.uint8)


def test_table_walls_are_whitened_and_the_letters_kept() -> None:
    evened = even_contrast(scan_like(rotate_content(_table(), 0.05), seed=2), dpi=DPI)
    cleaned = without_vertical_rules(evened, dpi=DPI)
    ink_before, ink_after = evened < 128, cleaned < 128
    walls = np.zeros_like(ink_before)
    for x in COLUMNS:
        walls[:, x - 6 : x + 8] = True
    inside = np.zeros_like(ink_before)  # the cells, away from the horizontal rules, which stay
    for number in range(len(ROWS)):
        inside[200 + 70 * number + 12 : 200 + 70 * (number + 1) - 12] = True
    assert ink_before[walls & inside].sum() > 1000
    assert ink_after[walls & inside].sum() < 0.02 * ink_before[walls & inside].sum()
    assert ink_after[~walls].sum() == ink_before[~walls].sum()  # nothing but the walls whitened


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
def test_a_ruled_table_reads_without_bars(engine: str) -> None:
    # On generated certificates, sparse text read such rows as "1 | Albert | Gjergji | ...": the walls
    # are gone before tesseract looks, and the letters beside them are read as before.
    ocr = recognize(scan_like(_table(), seed=3), page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    assert "|" not in ocr.text
    edits, chars = line_edit_counts(ocr.text, "\n".join(" ".join(row) for row in ROWS))
    assert edits / chars < 0.02


def _strokes_on_rules() -> Gray:
    """Thin pen strokes of letter height: three standing on one baseline rule (the stems of hand-written
    "l", "d", "h"), three reaching from one rule to the next (the walls of a one-line boxed field)."""
    page = np.full((600, 1200), 255, np.uint8)
    cv2.line(page, (100, 200), (1100, 200), 0, 2)  # a value's baseline rule
    for x in (300, 340, 380):
        cv2.line(page, (x, 160), (x, 199), 0, 2)
    cv2.line(page, (100, 400), (1100, 400), 0, 2)  # a boxed field, 40 pixels high
    cv2.line(page, (100, 440), (1100, 440), 0, 2)
    for x in (600, 640, 680):
        cv2.line(page, (x, 400), (x, 440), 0, 2)
    return page


def test_a_stroke_standing_on_one_rule_stays_and_a_wall_between_two_goes() -> None:
    cleaned = without_vertical_rules(_strokes_on_rules(), dpi=DPI)
    for x in (300, 340, 380):
        assert (cleaned[165:195, x - 1 : x + 2] < 128).sum() > 40
    for x in (600, 640, 680):
        assert (cleaned[405:435, x - 3 : x + 4] < 128).sum() == 0
    for y in (200, 400, 440):  # the rules stay, but for a pixel or two where a wall met them
        assert (cleaned[y - 1 : y + 2, 100:1100] < 128).any(axis=0).mean() > 0.99


def test_the_content_box_holds_the_ink_and_leaves_specks_and_margins_out() -> None:
    page = np.full((3508, 2480), 255, np.uint8)
    page[2000:2100, 1500:2000] = 0
    page[50, 60] = page[3400, 2400] = page[51, 61] = 0  # scanner specks
    x0, y0, x1, y1 = content_box(page, dpi=DPI)
    assert 1400 < x0 < 1500 and 1900 < y0 < 2000 and 2000 < x1 < 2100 and 2100 < y1 < 2200
    assert content_box(np.full((100, 100), 255, np.uint8), dpi=DPI) == (0, 0, 100, 100)


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
def test_words_of_a_cropped_read_are_boxed_in_the_page(engine: str) -> None:
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(11 * DPI / 72))
    canvas = Image.fromarray(np.full((3508, 2480), 255, np.uint8))
    ImageDraw.Draw(canvas).text((1400, 2500), "Bashkia Shkodër", font=face, fill=0)
    page = scan_like(np.asarray(canvas, dtype=np.uint8), seed=5)
    ocr = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    assert ocr.text == "Bashkia Shkodër"
    for word in ocr.words:
        assert word.bbox.x0 >= 1390 and 2490 <= word.bbox.y0 <= word.bbox.y1 <= 2600
        assert (page[word.bbox.y0 : word.bbox.y1, word.bbox.x0 : word.bbox.x1] < 100).any()


def test_the_content_box_is_found_without_a_page_sized_mask() -> None:
    """Ink counted a band of rows at a time: the same box as one mask of the whole page, at a fraction of
    its memory (it runs at the page OCR's peak of memory)."""
    rng = np.random.default_rng(5)
    page = np.full((3507, 2481), 255, dtype=np.uint8)
    page[700:2900, 400:2100] = np.where(rng.random((2200, 1700)) < 0.02, 0, 255)
    page[255:258, 30] = 0  # three specks across a band's edge: a column of 3 dark pixels counts as ink
    page[3506, 2480] = 0  # a speck in the last row and column
    ink = page < 128
    rows = np.flatnonzero(np.count_nonzero(ink, axis=1) > 2)
    cols = np.flatnonzero(np.count_nonzero(ink, axis=0) > 2)
    margin = round(0.1 * DPI)
    expected = (max(0, int(cols[0]) - margin), max(0, int(rows[0]) - margin),
                min(page.shape[1], int(cols[-1]) + 1 + margin), min(page.shape[0], int(rows[-1]) + 1 + margin))
    content_box(page, dpi=DPI)
    box, peak = traced_peak(lambda: content_box(page, dpi=DPI))
    assert box == expected and box[0] == 30 - margin
    assert peak < 0.25 * page.nbytes


def test_whitening_the_rules_lets_go_of_its_half_size_masks_before_labelling() -> None:
    """The rule finder's half-size masks are dropped once used: the label image (int32, the page's size in
    bytes) and the whitened copy are then most of what it holds at once."""
    evened = even_contrast(_table(), dpi=DPI)
    without_vertical_rules(evened, dpi=DPI)  # OpenCV's own first-call allocations out of the count
    _, peak = traced_peak(lambda: without_vertical_rules(evened, dpi=DPI))
    # The copy, the label image and three half-size masks (a quarter of the page each); four before.
    assert peak < 2.8 * evened.nbytes


def _ticked_table() -> Gray:
    """A table of dashed rules whose walls are only short ticks at each row's corners (a dashed pattern
    with long gaps), too short for :func:`without_vertical_rules` to take for walls."""
    row_height = 80
    page = Image.new("L", (2480, 200 + row_height * len(ROWS) + 200), 255)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(10 * DPI / 72))
    top = 200
    for row in ROWS:
        for x in range(COLUMNS[0], COLUMNS[-1], 40):
            draw.line([(x, top), (x + 24, top)], fill=0, width=2)
        for x in COLUMNS:
            draw.line([(x, top + 30), (x, top + 54)], fill=0, width=3)
        for x, cell in zip(COLUMNS, row, strict=False):
            draw.text((x + 15, top + 18), cell, font=face, fill=0)
        top += row_height
    return np.asarray(page, dtype=np.uint8)


def test_a_dashed_tables_corner_ticks_are_not_read_as_bars() -> None:
    words = [w.text for w in recognize(scan_like(_ticked_table(), seed=3), page_index=0, dpi=DPI,
                                       lang="sqi+eng", engine="tesserocr").words]
    assert not [w for w in words if set(w) <= set("|¦")], words
    assert {"Albert", "Gjergji", "Kryefamiljar", "Bashkëshorte"} <= set(words)


def test_a_bar_between_capitals_is_the_article_i_and_elsewhere_a_wall() -> None:
    from pipeline.models import BBox, Word
    from stages.ocr import without_walls

    def word(text: str, x: int, line: int) -> Word:
        return Word(text=text, bbox=BBox(x0=x, y0=100 * line, x1=x + 20 * len(text), y1=100 * line + 40),
                    conf=90.0, block=line, line=line)

    heading = [word("EKSTRAKT", 100, 1), word("|", 300, 1), word("THJESHTË", 340, 1), word("|", 520, 1),
               word("REGJISTRIT", 560, 1)]
    row = [word("|", 50, 2), word("F20422001E", 100, 2), word("|", 330, 2), word("Dushku", 360, 2),
           word("Brian", 500, 2), word("|", 620, 2)]
    after_row = [word("|", 50, 3), word("KLEDIAN", 100, 3)]
    assert [w.text for w in without_walls([*heading, *row, *after_row])] == [
        "EKSTRAKT", "I", "THJESHTË", "I", "REGJISTRIT", "F20422001E", "Dushku", "Brian", "KLEDIAN"]
