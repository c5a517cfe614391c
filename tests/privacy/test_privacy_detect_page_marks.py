"""Marks on a page that OCR reads as text or that look like signature lines: a box's edge, a form row's
broken rule, a QR code's rows, a straight pen stroke above the real line; a pen signature or specks between
a label and the value under it; a sentence of short words under a table; a name read twice in one place."""

from __future__ import annotations

import random

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.detect import _recovered_names, detect_pii
from privacy.recognizers.lexicon import first_names
from privacy.recover import RECOVERED_LINE_BASE, with_recovered
from privacy.repeats import repeated_values
from privacy.signature_lines import signature_names
from tests.privacy.conftest import FONT_DIR
from tests.privacy.conftest import synthetic_page as _page
from tests.privacy.conftest import synthetic_word as _word

DPI = 300
RECOVERED = RECOVERED_LINE_BASE + 1
RULE = (1100, 600, 1800)
"""x0, y, x1 of the signature line."""


def _signature_page(extra: str | None = None) -> tuple[PageOcr, NDArray[np.uint8], BBox]:
    """A signed line with a name under it, and one more mark: a frame whose top edge the line is, dashes
    going on along its row, lines of a drawing meeting its ends, a stamp's gaps in it, a QR code with a
    dark row elsewhere, or a straight pen stroke just above it."""
    image = Image.new("L", (2400, 1400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 40)
    draw.text((1300, 300), "Nëpunësi", font=font, fill=0)
    x0, y, x1 = RULE
    draw.line((x0, y, x1, y), fill=40, width=3)
    draw.line([(1200, 560), (1300, 480), (1380, 585), (1500, 470), (1600, 580)], fill=90, width=6)
    draw.text((1250, 620), "Mikela Luli", font=font, fill=0)
    if extra == "frame":
        draw.rectangle((x0, y, x1, y + 160), outline=40, width=3)
    elif extra == "dashes":
        for start in range(x1 + 8, 2350, 36):
            draw.line((start, y, start + 30, y), fill=40, width=3)
    elif extra == "stroke":
        draw.line((1300, 575, 1500, 575), fill=90, width=4)
    elif extra == "broken":  # a stamp pressed over the middle of the line leaves it in pieces
        draw.line((x0, y, x1, y), fill=255, width=3)
        draw.line((x0, y, 1400, y), fill=40, width=3)
        draw.line((1600, y, x1, y), fill=40, width=3)
        for start in range(1400, 1600, 14):
            draw.line((start, y, start + 9, y), fill=40, width=3)
    elif extra == "drawing":  # a parcel's edge on a map: other lines meet it at both ends
        draw.line((x0, y, x0 - 150, y - 200), fill=40, width=3)
        draw.line((x0, y, x0 - 150, y + 200), fill=40, width=3)
        draw.line((x1, y - 250, x1, y + 250), fill=40, width=3)
    elif extra == "qr":
        rng = random.Random(3)
        for row in range(24):
            for column in range(24):
                if row == 12 or rng.random() < 0.5:
                    draw.rectangle((300 + 12 * column, 900 + 12 * row, 311 + 12 * column, 911 + 12 * row), fill=0)
    left, top, right, bottom = draw.textbbox((1250, 620), "Mikela Luli", font=font)
    words = [Word(text="Nëpunësi", bbox=BBox(x0=1300, y0=305, x1=1480, y1=345), conf=95.0, block=1, line=1)]
    page = PageOcr(page_index=0, width=2400, height=1400, dpi=DPI, lang="sqi+eng", words=words, mean_confidence=90.0)
    return page, np.asarray(image, dtype=np.uint8), BBox(x0=left, y0=top, x1=right, y1=bottom)


def test_the_plain_signature_line_is_found() -> None:
    page, image, name = _signature_page()
    (box,) = signature_names(page, image)
    assert coverage(name, [box]) == 1.0


def test_a_straight_pen_stroke_above_the_line_is_not_a_second_line() -> None:
    page, image, name = _signature_page("stroke")
    (box,) = signature_names(page, image)
    assert coverage(name, [box]) == 1.0 and box.y0 > RULE[1] - 5


def test_a_signature_line_broken_by_a_stamp_is_one_line() -> None:
    page, image, name = _signature_page("broken")
    (box,) = signature_names(page, image)
    assert coverage(name, [box]) == 1.0


def test_a_frames_edge_a_broken_row_rule_a_drawing_or_a_qr_codes_row_is_no_signature_line() -> None:
    for extra in ("frame", "dashes", "drawing"):
        page, image, _ = _signature_page(extra)
        assert signature_names(page, image) == [], extra
    page, image, name = _signature_page("qr")
    (box,) = signature_names(page, image)  # the signature line's, none from the code's dark row
    assert coverage(name, [box]) == 1.0


# ------------------------------------------------------------------------------------------------ tables


def _people(findings: list[PiiFinding]) -> list[BBox]:
    return [f.bbox for f in findings if f.entity_type == "PERSON"]


def test_a_pen_signature_between_a_role_and_the_printed_name(analyzer: AnalyzerEngine) -> None:
    words = [_word("Data:", 100, 100, 1), _word("06.10.2025", 240, 100, 1),
             _word("Aplikanti", 1600, 180, 2), _word("GSH", 1460, 250, 3, conf=33.0, height=112),
             _word("Zorbet", 1540, 390, 4), _word("Qyrani", 1700, 390, 4)]
    people = _people(detect_pii(_page(words), None, analyzer))
    assert coverage(words[4].bbox.union(words[5].bbox), people) == 1.0
    assert coverage(words[3].bbox, people) < 0.5


def test_specks_between_a_stacked_label_and_its_value(analyzer: AnalyzerEngine) -> None:
    words = [_word("Mbiemri", 1190, 580, 1), _word("/", 1370, 580, 1), _word("Surname", 1400, 580, 1),
             _word("PTT", 940, 632, 2, conf=33.0, height=8), _word("QYRANI", 1190, 660, 3),
             _word("Emri", 1190, 740, 4), _word("/", 1290, 740, 4), _word("Given", 1320, 740, 4),
             _word("name", 1450, 740, 4), _word("ZORBET", 1190, 800, 5)]
    people = _people(detect_pii(_page(words), None, analyzer))
    assert coverage(words[4].bbox, people) == 1.0 and coverage(words[9].bbox, people) == 1.0
    assert coverage(words[3].bbox, people) == 0.0


def _placed(line: int, y: int, *words: tuple[str, int, int]) -> list[Word]:
    return [Word(text=text, bbox=BBox(x0=x0, y0=y, x1=x1, y1=y + 34), conf=92.0, block=1, line=line)
            for text, x0, x1 in words]


def test_a_sentence_of_short_words_under_a_table_is_no_row(analyzer: AnalyzerEngine) -> None:
    """Word places as OCR gave them on a land registry extract: the short words ("në", "të", "më") are words,
    and with them the sentence is seen to run across the columns."""
    header = _placed(1, 1100, ("Nr", 324, 365), ("Emri", 436, 515), ("Atësia", 881, 994), ("Mbiemri", 1294, 1439),
                     ("Nr.", 1741, 1786), ("personal", 1803, 1957), ("Pjesa", 2226, 2320))
    row = _placed(2, 1174, ("1", 325, 341), ("Zorbet", 436, 536), ("Flutur", 882, 997), ("Qyrani", 1293, 1406),
                  ("11", 2227, 2276))
    heading = _placed(3, 1298, ("Barrët", 310, 443), ("dhe", 457, 534), ("kufizimet", 551, 747))
    sentence = _placed(4, 1362, ("Hipotekë", 311, 474), ("në", 491, 534), ("favor", 547, 645), ("të", 656, 693),
                       ("Raiffeisen", 709, 889), ("Bank,", 907, 1008), ("sipas", 1024, 1118),
                       ("kontratës", 1135, 1309), ("nr.", 1326, 1366), ("1250", 1385, 1476), ("Rep.,", 1493, 1583),
                       ("regjistruar", 1601, 1794), ("më", 1809, 1863), ("03.10.2011.", 1880, 2102))
    people = _people(detect_pii(_page(header + row + heading + sentence), None, analyzer))
    assert all(coverage(word.bbox, people) == 1.0 for word in row[1:4])
    assert all(coverage(word.bbox, people) == 0.0 for word in sentence)


def test_a_name_read_twice_in_one_place_is_not_repeated_there() -> None:
    finding = PiiFinding(entity_type="PERSON", page_index=0, bbox=BBox(x0=1427, y0=2057, x1=1821, y1=2132),
                         score=0.6, value="Zorbet Qyrani")
    reread = Word(text="Zorbet", bbox=BBox(x0=1455, y0=2025, x1=1637, y1=2130), conf=40.0, block=9, line=9)
    elsewhere = Word(text="Zorbet", bbox=BBox(x0=300, y0=400, x1=440, y1=440), conf=95.0, block=1, line=1)
    page = PageOcr(page_index=0, width=2400, height=3000, dpi=DPI, lang="sqi+eng", words=[reread, elsewhere],
                   mean_confidence=70.0)
    (repeat,) = repeated_values(page, [finding])
    assert coverage(elsewhere.bbox, [repeat.bbox]) == 1.0


def test_a_stacked_labels_value_below_the_label_of_the_field_beside_it(analyzer: AnalyzerEngine) -> None:
    """A page not quite level: "Gjinia / Sex", beside and a little lower, comes between "Nr. personal" and
    its value in reading order."""
    words = [*_placed(1, 735, ("Nr.", 1156, 1179), ("personal", 1189, 1270), ("/", 1278, 1284),
                      ("Personal", 1291, 1372), ("No.", 1381, 1410)),
             *_placed(2, 760, ("Gjinia", 808, 861), ("/", 869, 874), ("Sex", 882, 914)),
             *_placed(3, 800, ("M", 810, 839), ("155701012)", 1157, 1361))]  # its I and J misread
    numbers = [f for f in detect_pii(_page(words), None, analyzer) if f.entity_type == "AL_PERSONAL_NUMBER"]
    assert coverage(words[-1].bbox, [f.bbox for f in numbers]) == 1.0


def test_a_garbled_second_language_half_of_a_label_is_no_value(analyzer: AnalyzerEngine) -> None:
    words = [*_placed(1, 700, ("Mbiemri", 567, 643), ("/Surmame", 664, 749)),
             *_placed(2, 760, ("QYRANI", 569, 697)),
             *_placed(3, 830, ("Emri", 569, 623), ("/", 632, 640), ("Given", 650, 700), ("name", 710, 748)),
             *_placed(4, 890, ("ZORBET", 569, 700))]
    people = _people(detect_pii(_page(words), None, analyzer))
    assert coverage(words[2].bbox, people) == 1.0 and coverage(words[-1].bbox, people) == 1.0
    assert coverage(words[1].bbox, people) == 0.0


def test_a_known_name_read_again_over_a_garbled_stretch(analyzer: AnalyzerEngine) -> None:
    """The page OCR's "SHK@baFa driu" under a stamp, read again as "Klara Kac": the whole stretch is the
    name's place. A name read again over a well-read word ("Admir" over "nistrator") is not one."""
    known = sorted(first_names())[0].capitalize()
    page_words = [Word(text="SHK@baFa", bbox=BBox(x0=927, y0=770, x1=1103, y1=799), conf=0.0, block=9, line=9),
                  Word(text="driu", bbox=BBox(x0=1169, y0=770, x1=1245, y1=799), conf=91.0, block=9, line=10),
                  Word(text="nistrator", bbox=BBox(x0=1981, y0=1526, x1=2172, y1=1555), conf=93.0, block=8, line=8)]
    recovered = [Word(text=known, bbox=BBox(x0=1002, y0=770, x1=1103, y1=799), conf=93.3, block=1, line=RECOVERED),
                 Word(text="Kac", bbox=BBox(x0=1118, y0=771, x1=1180, y1=799), conf=91.2, block=1, line=RECOVERED),
                 Word(text=known, bbox=BBox(x0=1866, y0=1524, x1=1992, y1=1555), conf=94.0, block=1,
                      line=RECOVERED + 1)]
    page = PageOcr(page_index=0, width=2400, height=3000, dpi=DPI, lang="sqi+eng", words=page_words,
                   mean_confidence=60.0)
    (finding,) = _recovered_names(page, with_recovered(page, recovered), recovered)
    assert coverage(BBox(x0=1000, y0=770, x1=1245, y1=799), [finding.bbox]) == 1.0
