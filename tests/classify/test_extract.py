"""Key-field extraction from OCR words laid out the way forms and ID cards print them, including OCR
look-alike characters, and the case-level cross-check of personal numbers."""

from __future__ import annotations

import random
from datetime import date

from benchmarks.samples.fakes import Fakes
from pipeline.models import BBox, Extraction, PageOcr, Word
from stages.extract import cross_check, extract_fields, nipt, parse_date, personal_number

LINE_HEIGHT = 40


def _page(lines: list[list[tuple[int, str]]], *, page_index: int = 0, block_per_word: bool = False) -> PageOcr:
    """Words at (x, text) per line; each word its own tesseract block when asked (as a dotted form's
    value often is)."""
    words = []
    for row, line in enumerate(lines):
        y = 100 + row * 60
        for n, (x, text) in enumerate(line):
            width = 18 * len(text)
            words.append(Word(text=text, bbox=BBox(x0=x, y0=y, x1=x + width, y1=y + LINE_HEIGHT), conf=91.0,
                              block=(row * 10 + n) if block_per_word else row, line=0))
    return PageOcr(page_index=page_index, width=2480, height=3508, dpi=300, lang="sqi+eng", words=words,
                   mean_confidence=91.0)


def _values(extraction: Extraction) -> dict[str, str]:
    return {f.name: f.value for f in extraction.fields}


def _nid(seed: int, born: date, female: bool = False) -> str:
    return Fakes(random.Random(seed)).nid(born, female)


def test_application_form_fields_behind_their_labels_across_blocks() -> None:
    number = _nid(1, date(1984, 3, 12))
    page = _page([
        [(200, "FORMULARI"), (420, "I"), (460, "APLIKIMIT")],
        [(200, "Emri:"), (700, "Arbër")],
        [(200, "Mbiemri:"), (700, "Çela")],
        [(200, "Datëlindja:"), (700, "12.03.1984")],
        [(200, "Nr."), (260, "personal:"), (700, number)],
    ], block_per_word=True)
    extraction = extract_fields("application_form", [page])
    assert _values(extraction) == {"applicant_name": "Arbër Çela", "personal_number": number,
                                   "date_of_birth": "1984-03-12"}
    assert all(0.0 < f.confidence <= 1.0 for f in extraction.fields)
    entity = {f.name: f.entity_type for f in extraction.fields}
    assert entity == {"applicant_name": "PERSON", "personal_number": "AL_PERSONAL_NUMBER",
                      "date_of_birth": "DATE_OF_BIRTH"}


def test_id_card_labels_above_values_and_ocr_look_alikes() -> None:
    number = _nid(2, date(1990, 11, 5), female=True)
    misread = number[0].lower().replace("i", "1") + number[1:5].replace("0", "O") + number[5:]
    page = _page([
        [(300, "Mbiemri"), (420, "/"), (450, "Surname")],
        [(300, "HOXHA")],
        [(300, "Emri"), (380, "/"), (410, "Given"), (520, "name")],
        [(300, "ELIRA")],
        [(300, "Shtetësia"), (480, "/"), (510, "Nationality"), (1000, "Datëlindja"), (1190, "/"), (1220, "Date"),
         (1310, "of"), (1360, "birth")],
        [(300, "SHQIPTARE"), (1000, "05.11.1990")],
        [(300, "Gjinia"), (420, "/"), (450, "Sex"), (1000, "Nr."), (1060, "personal"), (1220, "/"),
         (1250, "Personal"), (1400, "No.")],
        [(300, "F"), (1000, misread)],
    ])
    values = _values(extract_fields("id_card_copy", [page]))
    assert values["applicant_name"] == "Elira Hoxha"
    assert values["personal_number"] == number
    assert values["date_of_birth"] == "1990-11-05"


def test_numbers_that_fail_their_checks_are_not_taken() -> None:
    assert personal_number("K12345678L") is None  # month 34 does not exist
    assert personal_number("K10231012L") is None  # month 02, day 31: no such date
    valid = Fakes(random.Random(3)).nipt()
    assert nipt(valid) == valid
    assert nipt("Z" + valid[1:]) is None  # no decade letter Z
    assert nipt(valid[:-1]) is None
    page = _page([[(200, "NUIS:"), (500, "Z" + valid[1:])]])
    assert "nipt" not in _values(extract_fields("qkb_extract", [page]))


def test_nipt_registration_date_amount_and_cadastral_numbers() -> None:
    code = Fakes(random.Random(4)).nipt()
    qkb = _page([[(200, "NUIS:"), (500, code[:5] + " " + code[5:])],
                 [(200, "Data"), (290, "e"), (320, "regjistrimit:"), (700, "3"), (730, "mars"), (820, "2015")]])
    assert _values(extract_fields("qkb_extract", [qkb])) == {"nipt": code, "registration_date": "2015-03-03"}
    slip = _page([[(200, "Shuma"), (320, "me"), (380, "fjalë:"), (700, "Një"), (780, "mijë"), (860, "lekë")],
                  [(200, "Shuma:"), (700, "1.500,00"), (900, "ALL")]])
    assert _values(extract_fields("payment_slip", [slip]))["amount"] == "1500"
    parcel = _page([[(200, "Zona"), (300, "kadastrale:"), (700, "8543"), (800, "(Shkodër)")],
                    [(200, "Numri"), (300, "i"), (330, "pasurisë:"), (700, "12/345")]])
    values = _values(extract_fields("property_certificate", [parcel]))
    assert (values["cadastral_zone"], values["property_number"]) == ("8543", "12/345")


def test_dates_in_every_printed_form() -> None:
    assert parse_date("lindur më 05/11/1990 në Shkodër") == date(1990, 11, 5)
    assert parse_date("05-11-1990") == date(1990, 11, 5)
    assert parse_date("Date of birth 5 November 1990") == date(1990, 11, 5)
    assert parse_date("31.02.1990") is None


def test_cross_check_flags_a_form_whose_personal_number_is_not_the_id_cards() -> None:
    mine, other = _nid(5, date(1975, 1, 2)), _nid(6, date(1980, 7, 8))

    def doc(doc_type: str, number: str) -> Extraction:
        page = _page([[(200, "Nr."), (260, "personal:"), (700, number)]])
        return extract_fields(doc_type, [page])

    assert cross_check([("f", doc("application_form", mine)), ("c", doc("id_card_copy", mine))]) == []
    flags = cross_check([("f", doc("application_form", other)), ("c", doc("id_card_copy", mine))])
    assert [(f.code, f.document_ids) for f in flags] == [("personal_number_mismatch", ["f", "c"])]
    assert mine not in flags[0].model_dump_json() and other not in flags[0].model_dump_json()
    # Nothing to compare with: no flag rather than a guess.
    assert cross_check([("f", doc("application_form", other))]) == []


def test_extracted_values_stay_out_of_repr() -> None:
    number = _nid(7, date(1999, 9, 9))
    extraction = extract_fields("payment_slip", [_page([[(200, "Nr."), (260, "personal:"), (700, number)]])])
    assert extraction.fields and number not in repr(extraction)


def test_id_card_whose_tiny_labels_are_lost_is_read_from_its_machine_readable_zone() -> None:
    number = _nid(8, date(1977, 8, 14), female=True)
    page = _page([
        [(300, "LETËRNJOFTIM"), (560, "/"), (600, "IDENTITY"), (800, "CARD")],
        [(600, "ÇELA")],
        [(600, "ARBËRESHA")],
        [(600, "SHQIPTARE"), (1100, "14.08.1977.")],
        [(300, f"IDALB4746490051{number}<<<<<")],
        [(300, "7708143F2604099ALB<<<<<<<<<<<Q")],
        [(300, "CELA<<ARBERESHA<<<<<<<<<<<<<<<")],
    ])
    values = _values(extract_fields("id_card_copy", [page]))
    assert values == {"applicant_name": "Arbëresha Çela", "personal_number": number, "date_of_birth": "1977-08-14"}


def test_a_scrap_left_of_a_value_under_its_label_is_not_part_of_it() -> None:
    """The edge of an ID card's photo, read as "kj" a little left of the surname and on its line, was taken
    into the name ("Petrit Kj Begolli"): a value printed under its label starts where the label does."""
    page = _page([
        [(1198, "Mbiemri"), (1340, "/"), (1370, "Surname")],
        [(1114, "kj"), (1199, "BEGOLLI")],
        [(1198, "Emri"), (1290, "/"), (1320, "Given"), (1430, "name")],
        [(1199, "PETRIT")],
    ])
    assert _values(extract_fields("id_card_copy", [page]))["applicant_name"] == "Petrit Begolli"
