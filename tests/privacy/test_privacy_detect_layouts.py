"""Detection on layouts where the text alone says too little: a name repeated without its label, a birth
date printed again beside an ID card's machine-readable zone, a table row with a rule glued to a name,
a date that spells a valid phone number, and the printed name under a signature line."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.detect import detect_pii
from privacy.recognizers.phone import read_phone
from privacy.repeats import repeated_values
from privacy.signature_lines import signature_names
from tests.privacy.conftest import FONT_DIR, synthetic_page
from tests.privacy.conftest import synthetic_word as _word

DPI = 300


def _page(words: list[Word]) -> PageOcr:
    return synthetic_page(words, width=2000, height=1200)


def test_a_found_name_is_found_wherever_else_the_page_prints_it() -> None:
    words = [_word("Pronari:", 100, 100, 1), _word("Arben", 400, 100, 1), _word("Kolaj", 560, 100, 1),
             _word("Emri", 100, 200, 2), _word("tregtar", 220, 200, 2), _word("Kolaj", 420, 200, 2),
             _word("Bar-Kafe", 560, 200, 2), _word("Qarku", 100, 300, 3), _word("Shkodër", 260, 300, 3)]
    page = _page(words)
    found = [PiiFinding(entity_type="PERSON", page_index=0, bbox=BBox(x0=390, y0=95, x1=700, y1=145), score=0.9,
                        value="Arben Kolaj")]
    repeated = repeated_values(page, found)
    assert [(f.entity_type, f.value) for f in repeated] == [("PERSON", "Kolaj")]
    assert repeated[0].bbox.x0 <= words[5].bbox.x0 and repeated[0].bbox.x1 >= words[5].bbox.x1


def test_the_names_of_the_machine_readable_zone_mark_them_where_their_labels_were_not_read() -> None:
    words = [_word("BEGOLLI", 100, 100, 1), _word("PETRIT", 100, 170, 2), _word("SHQIPTARE", 100, 240, 3),
             _word("BEGOLLI<<PETRIT<<<<<<<<", 100, 600, 6)]
    mrz_name = PiiFinding(entity_type="PERSON", page_index=0, bbox=words[3].bbox, score=0.85,
                          value="BEGOLLI<<PETRIT")
    repeated = repeated_values(_page(words), [mrz_name])
    assert sorted(f.value for f in repeated) == ["BEGOLLI", "PETRIT"]


def test_a_birth_date_from_the_machine_readable_zone_marks_its_printed_form() -> None:
    words = [_word("SHQIPTARE", 100, 100, 1), _word("18.09.1989", 500, 100, 1), _word("29.04.2022", 100, 200, 2),
             _word("8909187F3204290ALB<<<<", 100, 400, 4)]
    mrz_birth = PiiFinding(entity_type="DATE_OF_BIRTH", page_index=0, bbox=BBox(x0=100, y0=400, x1=240, y1=440),
                           score=0.85, value="890918")
    repeated = repeated_values(_page(words), [mrz_birth])
    assert [(f.entity_type, f.value) for f in repeated] == [("DATE_OF_BIRTH", "18.09.1989")]


def test_a_table_rule_glued_to_a_name_does_not_hide_it(analyzer: AnalyzerEngine) -> None:
    header = [_word("Nr", 100, 100, 1), _word("Emri", 250, 100, 1), _word("Mbiemri", 600, 100, 1),
              _word("Datëlindja", 1000, 100, 1)]
    row = [_word("1", 100, 170, 2), _word("JZyhdi", 250, 170, 2), _word("Ymeri", 600, 170, 2),
           _word("18.04.1953", 1000, 170, 2)]
    findings = detect_pii(_page(header + row), None, analyzer)
    people = [f.bbox for f in findings if f.entity_type == "PERSON"]
    assert coverage(row[1].bbox, people) == 1.0 and coverage(row[2].bbox, people) == 1.0
    assert coverage(row[0].bbox, people) == 0.0  # the row number stays
    assert ("DATE_OF_BIRTH", "18.04.1953") in {(f.entity_type, f.value) for f in findings}


def test_a_date_is_no_phone_number() -> None:
    assert read_phone("05.11.2020 |", labelled=False) is None
    assert read_phone("069 281 1606", labelled=False) == "+355692811606"


def _signature_page(*, signed: bool, rules: int = 1) -> tuple[PageOcr, NDArray[np.uint8], BBox]:
    image = Image.new("L", (2400, 1400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 40)
    draw.text((1300, 300), "Nëpunësi", font=font, fill=0)
    width = 700 // rules
    for number in range(rules):
        x0 = 1100 + number * (width + 40)
        draw.line((x0, 600, x0 + width, 600), fill=40, width=3)
    if signed:
        draw.line([(1200, 560), (1300, 480), (1380, 585), (1500, 470), (1600, 580)], fill=90, width=6)
    draw.text((1250, 620), "Mikela Luli", font=font, fill=0)
    left, top, right, bottom = draw.textbbox((1250, 620), "Mikela Luli", font=font)
    words = [Word(text="Nëpunësi", bbox=BBox(x0=1300, y0=305, x1=1480, y1=345), conf=95.0, block=1, line=1),
             Word(text="kela", bbox=BBox(x0=1330, y0=628, x1=1420, y1=665), conf=40.0, block=2, line=2)]
    page = PageOcr(page_index=0, width=2400, height=1400, dpi=DPI, lang="sqi+eng", words=words, mean_confidence=70.0)
    return page, np.asarray(image, dtype=np.uint8), BBox(x0=left, y0=top, x1=right, y1=bottom)


def test_the_name_under_a_signature_line_is_boxed() -> None:
    page, image, name = _signature_page(signed=True)
    (box,) = signature_names(page, image)
    assert box.x0 <= name.x0 and box.y0 <= name.y0 and box.x1 >= name.x1 and box.y1 >= name.y1
    assert box.y0 > 600 - 5 and box.height < 3 * name.height


def test_an_unsigned_line_or_a_table_rule_is_no_signature_line() -> None:
    page, image, _ = _signature_page(signed=False)
    assert signature_names(page, image) == []
    page, image, _ = _signature_page(signed=True, rules=4)
    assert signature_names(page, image) == []
