"""Detection on page structures that OCR blurs: a rule glued to a label, table rows with rules between their
cells, lower-case names in a name column, form lines that look like table headers, names under signature
lines, and an ID card whose machine-readable zone was read only in part (re-read from the image)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.detect import _not_a_name, detect_pii
from privacy.page_text import build_page_text
from privacy.recognizers.lexicon import first_names, generic_words, surnames
from privacy.repeats import repeated_values
from privacy.reread import reread_mrz_number
from tests.privacy.conftest import FONT_DIR
from tests.privacy.conftest import synthetic_page as _page
from tests.privacy.conftest import synthetic_word as _word

DPI = 300


def _boxes(findings: list[PiiFinding], entity: str) -> list[BBox]:
    return [f.bbox for f in findings if f.entity_type == entity]


def test_a_rule_glued_to_a_label_leaves_the_label_readable(analyzer: AnalyzerEngine) -> None:
    # Only behind their labels are these values taken: a number this garbled, a name in lower case.
    words = [_word("INr.", 100, 100, 1), _word("personal:", 200, 100, 1), _word("I5S7O1O12K", 700, 100, 1),
             _word("JEmri:", 100, 200, 2), _word("zorbet", 700, 200, 2), _word("qyrani", 860, 200, 2)]
    findings = detect_pii(_page(words), None, analyzer)
    assert coverage(words[2].bbox, _boxes(findings, "AL_PERSONAL_NUMBER")) == 1.0
    assert coverage(words[4].bbox.union(words[5].bbox), _boxes(findings, "PERSON")) == 1.0
    assert coverage(words[0].bbox, [f.bbox for f in findings]) < 0.5  # the label stays


def _family_table(row: list[Word]) -> list[Word]:
    header = [_word("Nr", 100, 100, 1), _word("Emri", 250, 100, 1), _word("Mbiemri", 600, 100, 1),
              _word("Atësia", 950, 100, 1), _word("Amësia", 1300, 100, 1), _word("Datëlindja", 1650, 100, 1),
              _word("Lidhja", 2000, 100, 1)]
    return header + row


def test_a_row_with_rules_between_its_cells_is_a_row_however_tight(analyzer: AnalyzerEngine) -> None:
    # Cells that run into the next column with an ordinary word gap, as running text does, but with rules.
    row = [_word("2", 100, 170, 2), _word("|", 200, 170, 2), _word("Flutur", 250, 170, 2), _word("|", 560, 170, 2),
           _word("Brisku", 600, 170, 2), _word("|", 900, 170, 2), _word("Zorbet", 1158, 170, 2),
           _word("(Dakaj", 1300, 170, 2), _word("13/11/1966", 1650, 170, 2), _word("Bashkëshorte", 1880, 170, 2)]
    findings = detect_pii(_page(_family_table(row)), None, analyzer)
    people = _boxes(findings, "PERSON")
    for word in (row[2], row[4], row[6]):
        assert coverage(word.bbox, people) == 1.0, word.text
    assert coverage(row[8].bbox, _boxes(findings, "DATE_OF_BIRTH")) == 1.0


def test_a_name_in_lower_case_beside_one_in_capitals(analyzer: AnalyzerEngine) -> None:
    row = [_word("2", 100, 170, 2), _word("trakli", 250, 170, 2), _word("Qyrani", 400, 170, 2),
           _word("Brisku", 600, 170, 2)]
    findings = detect_pii(_page(_family_table(row)), None, analyzer)
    assert coverage(row[1].bbox.union(row[2].bbox), _boxes(findings, "PERSON")) == 1.0


def test_a_word_in_lower_case_alone_in_a_name_column_is_no_name(analyzer: AnalyzerEngine) -> None:
    row = [_word("S.1", 100, 170, 2), _word("vendeve", 250, 170, 2), _word("5", 1650, 170, 2)]
    findings = detect_pii(_page(_family_table(row)), None, analyzer)
    assert _boxes(findings, "PERSON") == []


def test_a_label_under_a_stacked_label_is_not_its_value(analyzer: AnalyzerEngine) -> None:
    words = [_word("Emri", 100, 100, 1), _word("Atësia", 100, 170, 2), _word("Klevi", 600, 170, 2)]
    findings = detect_pii(_page(words), None, analyzer)
    people = _boxes(findings, "PERSON")
    assert coverage(words[1].bbox, people) == 0.0 and coverage(words[2].bbox, people) == 1.0


def test_a_form_line_with_its_value_is_no_table_header(analyzer: AnalyzerEngine) -> None:
    words = [_word("C.1.1", 100, 100, 1), _word("Mbiemri", 250, 100, 1), _word(")", 420, 100, 1),
             _word("Emërtimi", 450, 100, 1), _word("GEGA", 900, 100, 1),
             _word("J.", 100, 170, 2), _word("Kategoria", 250, 170, 2), _word("MI", 900, 170, 2),
             _word("F.1", 100, 240, 3), _word("Masa", 250, 240, 3), _word("maksimale", 360, 240, 3),
             _word("2657", 900, 240, 3)]
    findings = detect_pii(_page(words), None, analyzer)
    people = _boxes(findings, "PERSON")
    assert coverage(words[4].bbox, people) == 1.0
    assert all(coverage(words[i].bbox, people) == 0.0 for i in (6, 9, 10))


def test_a_zone_name_split_by_ocr_marks_the_printed_name() -> None:
    words = [_word("XHAFERI", 100, 100, 1), _word("FLORJON", 100, 170, 2),
             _word("XHAFERI<<FLORJ", 100, 600, 6), _word("ON<<<<<<<<", 420, 600, 6)]
    mrz_name = PiiFinding(entity_type="PERSON", page_index=0, bbox=words[2].bbox.union(words[3].bbox), score=0.85,
                          value="XHAFERI<<FLORJ ON")
    assert sorted(f.value for f in repeated_values(_page(words), [mrz_name])) == ["FLORJON", "XHAFERI"]


def test_what_is_written_under_a_signature_line() -> None:
    known, vocabulary = first_names() | surnames(), generic_words()
    for name in (["Zorbet", "Qyrani"], ["oci"], ["Rajis", "5", "pi"]):
        assert not _not_a_name(name, known, vocabulary), name  # unknown, garbled or partly legible names
    for text in (["Arkëtari"], ["E-mail"], ["(nënshkrimi", "dhe", "vula)"], ["Tel.", "022", "243", "567"]):
        assert _not_a_name(text, known, vocabulary), text  # roles, labels and numbers


# ---------------------------------------------------------------------------------------- re-reads


def _render(lines: list[tuple[int, int, str]], font_file: str, size: int) -> NDArray[np.uint8]:
    image = Image.new("L", (2400, 1200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / font_file), size)
    for x, y, text in lines:
        draw.text((x, y), text, font=font, fill=0)
    return np.asarray(image, dtype=np.uint8)


def test_a_zone_line_the_page_ocr_missed_is_read_again() -> None:
    lines = ["IDALB4688026808F05327952G<<<<<", "5003279F3208298ALB<<<<<<<<<<<4", "KULLA<<ELIZABETA<<<<<<<<<<<<<<"]
    image = _render([(400, 400 + 60 * n, line) for n, line in enumerate(lines)], "DejaVuSansMono.ttf", 44)
    width = 30 * 26  # DejaVu Sans Mono at 44 px: about 26.5 px a character
    # The page OCR read the second and third lines only, as it does when the first is printed over.
    words = [Word(text=lines[1], bbox=BBox(x0=400, y0=470, x1=400 + width, y1=500), conf=30.0, block=1, line=1),
             Word(text=lines[2], bbox=BBox(x0=400, y0=530, x1=400 + width, y1=560), conf=30.0, block=1, line=2)]
    page = PageOcr(page_index=0, width=2400, height=1200, dpi=DPI, lang="sqi+eng", words=words,
                   mean_confidence=30.0)
    (finding,) = reread_mrz_number(page, build_page_text(page), image)
    assert finding.entity_type == "AL_PERSONAL_NUMBER" and finding.value == "F05327952G"
    number = BBox(x0=400 + 15 * 26, y0=410, x1=400 + 25 * 27, y1=445)
    assert coverage(number, [finding.bbox]) == 1.0


def test_a_zone_read_whole_needs_no_second_look() -> None:
    lines = ["IDALB4688026808F05327952G<<<<<", "5003279F3208298ALB<<<<<<<<<<<4"]
    image = _render([(400, 400 + 60 * n, line) for n, line in enumerate(lines)], "DejaVuSansMono.ttf", 44)
    words = [Word(text=line, bbox=BBox(x0=400, y0=410 + 60 * n, x1=1180, y1=440 + 60 * n), conf=90.0, block=1,
                  line=n + 1) for n, line in enumerate(lines)]
    page = PageOcr(page_index=0, width=2400, height=1200, dpi=DPI, lang="sqi+eng", words=words,
                   mean_confidence=90.0)
    assert reread_mrz_number(page, build_page_text(page), image) == []


def test_a_value_of_a_shared_label_keeps_the_type_it_validated_as(analyzer: AnalyzerEngine) -> None:
    """ "Nr. personal / NIPT:" over a valid personal number (and a speck OCR read as a quote): the NIPT
    label's re-read of the value must not take it over."""
    texts = ["C.1.4", "Nr.", "personal", "/", "NIPT:", "E56030221E", "'"]
    starts = [150, 300, 400, 600, 650, 820, 1120]
    image = _render([(x, 300, text) for x, text in zip(starts, texts, strict=True)], "DejaVuSans.ttf", 40)
    words = [Word(text=text, bbox=BBox(x0=x, y0=308, x1=x + 22 * len(text), y1=340), conf=90.0, block=1, line=1)
             for x, text in zip(starts, texts, strict=True)]
    page = PageOcr(page_index=0, width=2400, height=1200, dpi=DPI, lang="sqi+eng", words=words,
                   mean_confidence=90.0)
    assert {f.entity_type for f in detect_pii(page, image, analyzer)} == {"AL_PERSONAL_NUMBER"}
