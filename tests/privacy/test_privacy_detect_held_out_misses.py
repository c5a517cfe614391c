"""What corpora the recognizers had not been tuned on showed them missing or mistaking: a personal number of
the 1990s whose descending "J" opens it as ")" behind "numër personal"; an MRZ given name with a letter
read as a digit ("SUL0") or a surname split twice; a bank's name in a name column ("RAIFFEISEN BANK"); a
photo's edge read as words beside an ID card's stacked label; a verification code taken for a plate; what
stamps do to signature blocks and tables (a name split, a stamp's letters in a name column, a tall
garbled box in a row); a surer reading over one OCR did not believe."""

from __future__ import annotations

import datetime as dt

import numpy as np
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import BBox, Word
from privacy.detect import detect_pii
from privacy.recognizers.lexicon import first_names
from privacy.recognizers.mrz import mrz_fields
from privacy.recover import RECOVERED_LINE_BASE, with_recovered
from tests.privacy.conftest import Fakes, synthetic_page
from tests.privacy.conftest import synthetic_word as _word


def _of(analyzer: AnalyzerEngine, text: str, entity: str) -> list[str]:
    return [text[r.start : r.end] for r in sorted(analyzer.analyze(text, language="sq"), key=lambda r: r.start)
            if r.entity_type == entity]


def test_a_nineties_personal_number_whose_j_opens_as_a_bracket(analyzer: AnalyzerEngine) -> None:
    fakes = Fakes(2406)
    number = fakes.personal_number(dt.date(1997, 6, 30), female=True)
    assert number.startswith("J")
    read = ")" + number[1:]
    sentence = f"Unë e nënshkruara {fakes.first_name()} {fakes.surname()}, e lindur më 30/06/1997 në Shkodër, me\n" \
               f"numër personal {read}, banuese në Rruga Qendër, Nr. 8, Koplik, deklaroj"
    assert _of(analyzer, sentence, "AL_PERSONAL_NUMBER") == [read]
    # The bracket alone, without a label, still needs the shape: a date in brackets is not one.
    assert _of(analyzer, "Data )3006199 7E", "AL_PERSONAL_NUMBER") == []


def test_a_machine_readable_given_name_with_a_letter_read_as_a_digit() -> None:
    fakes = Fakes(2407)
    surname = fakes.surname().upper()
    given = next(name for name in iter(fakes.first_name, None) if "O" in name.upper()[1:]).upper()
    misread = given[0] + given[1:].replace("O", "0")
    zone = (f"IDALB8774319175H40430883W<<<<<\n7404308M3101115ALB<<<<<<<<<<<7\n"
            f"{surname}<<{misread}<<<<<<<cc<<<<<<<<<")
    folded = zone.lower()
    names = [folded[f.start : f.end] for f in mrz_fields(folded) if f.entity == "PERSON"]
    assert len(names) == 1 and names[0].startswith(f"{surname}<<{misread}".lower())


def test_the_zones_number_lines_are_no_name() -> None:
    folded = "idalb8774319175h40430883w<<<<<\n7404308m3101115alb<<<<<<<<<<<7\n".lower()
    assert [f for f in mrz_fields(folded) if f.entity == "PERSON"] == []


def test_a_bank_in_a_name_column_is_no_person(analyzer: AnalyzerEngine) -> None:
    fakes = Fakes(6)
    payer = f"{fakes.first_name()} {fakes.surname()}"
    assert _of(analyzer, "Paguesi RAIFFEISEN BANK", "PERSON") == []
    assert _of(analyzer, "Përfituesi: Raiffeisen Bank", "PERSON") == []
    assert _of(analyzer, f"Paguesi: {payer}", "PERSON") == [payer]


def test_words_beside_a_stacked_label_are_not_its_value(analyzer: AnalyzerEngine) -> None:
    """An ID card: the top edge of the holder's photo, left of "Mbiemri / Surname", read as "EER LEE," on
    the line between the label and the surname."""
    surname = Fakes(1).surname().upper()
    words = [_word("Mbiemri", 1017, 503, 4, height=16), _word("/", 1103, 503, 4, height=16),
             _word("Surname", 1114, 503, 4, height=16),
             _word("EER", 727, 522, 5, conf=17.0, height=10), _word("LEE,", 800, 522, 5, conf=0.0, height=10),
             _word(surname, 1016, 545, 6, height=26)]
    people = [f.bbox for f in detect_pii(synthetic_page(words), None, analyzer) if f.entity_type == "PERSON"]
    assert coverage(words[-1].bbox, people) == 1.0
    assert coverage(words[3].bbox, people) == 0.0 and coverage(words[4].bbox, people) == 0.0


def test_a_compact_code_with_a_digit_for_a_letter_is_no_plate(analyzer: AnalyzerEngine) -> None:
    plate = Fakes(555).plate()
    assert _of(analyzer, "Kodi i verifikimit: 89847 BB7603C", "AL_VEHICLE_PLATE") == []
    assert _of(analyzer, f"Automjeti {plate} lejohet", "AL_VEHICLE_PLATE") == [plate]
    spaced = plate[:-2] + "8" + plate[-1]  # one letter read as a digit, the groups still apart
    assert _of(analyzer, f"Automjeti {spaced} lejohet", "AL_VEHICLE_PLATE") == [spaced]


def test_a_first_name_a_stamp_split_before_a_known_surname(analyzer: AnalyzerEngine) -> None:
    fakes = Fakes(556)
    first, surname = fakes.first_name(), fakes.surname()
    broken = f"{first[:4]} {first[-2:].lower()} {surname}"  # "Brix da Kapllani" for "Brixhilda Kapllani"
    assert _of(analyzer, f"{fakes.first_name()} {fakes.surname()}\t{broken}", "PERSON")[-1] == broken
    assert _of(analyzer, f"Shkodra dhe {surname}", "PERSON") == []  # a word between, not a fragment


def _signature_table(cell_words: list[tuple[str, int, float]], surname: str) -> list[Word]:
    """A signature block: three role labels, what lies between them and the names, and the names."""
    words = [_word("LANDLORD", 400, 700, 1), _word("TENANT", 1100, 700, 1), _word("NOTARY", 1800, 700, 1)]
    words += [_word(text, x, 780, 2, conf=conf) for text, x, conf in cell_words]
    words += [_word("Arta", 400, 860, 3), _word(surname, 510, 860, 3)]
    return words


def test_a_word_split_by_a_stamp_stays_in_its_name_cell(analyzer: AnalyzerEngine) -> None:
    """ "Gj olë Hoxha" for "Gjolek Hoxha": the two letters tight against the rest are its start, no speck."""
    surname = Fakes(600).surname()
    words = [_word("LANDLORD", 400, 700, 1), _word("TENANT", 1100, 700, 1), _word("NOTARY", 1800, 700, 1),
             _word("Gj", 1800, 780, 2, height=43), _word("olë", 1851, 780, 2, height=43),
             _word(surname, 1940, 780, 2, height=43)]
    people = [f.bbox for f in detect_pii(synthetic_page(words), None, analyzer) if f.entity_type == "PERSON"]
    assert coverage(words[3].bbox, people) == 1.0 and coverage(words[-1].bbox, people) == 1.0


def test_a_barely_read_word_in_a_name_column_is_no_name(analyzer: AnalyzerEngine) -> None:
    surname = Fakes(558).surname()
    words = _signature_table([("Pre", 1250, 24.0)], surname)
    people = [f.bbox for f in detect_pii(synthetic_page(words), None, analyzer) if f.entity_type == "PERSON"]
    assert coverage(words[3].bbox, people) == 0.0
    assert coverage(words[-1].bbox, people) == 1.0


def test_a_stamps_light_word_in_a_name_column_is_no_name(analyzer: AnalyzerEngine) -> None:
    """ "SHKI" of a grey stamp's "SHKODËR", read well, under "TENANT": its ink is lighter than print."""
    surname = Fakes(2407).surname()
    words = _signature_table([("SHKI", 1250, 73.0)], surname)
    image = np.full((1400, 2400), 255, dtype=np.uint8)
    for word in words:
        box = word.bbox
        image[box.y0 + 8 : box.y1 - 8, box.x0 + 4 : box.x1 - 4] = 140 if word.text == "SHKI" else 20
    page = synthetic_page(words)
    people = [f.bbox for f in detect_pii(page, image, analyzer) if f.entity_type == "PERSON"]
    assert coverage(words[3].bbox, people) == 0.0
    assert coverage(words[-1].bbox, people) == 1.0
    # Printed as dark as the rest, the same word in that place is taken for a name.
    image[words[3].bbox.y0 + 8 : words[3].bbox.y1 - 8, words[3].bbox.x0 + 4 : words[3].bbox.x1 - 4] = 20
    people = [f.bbox for f in detect_pii(page, image, analyzer) if f.entity_type == "PERSON"]
    assert coverage(words[3].bbox, people) == 1.0


def test_a_table_row_beside_a_stamp_read_as_a_tall_word_is_still_a_row(analyzer: AnalyzerEngine) -> None:
    """A family table's row whose third name OCR read as a box two lines tall ("peri"): the row's height
    comes from its well-read words, so its cells are not taken for running text."""
    fakes = Fakes(601)
    header = [_word("Nr", 230, 1048, 1, height=24), _word("NID", 326, 1048, 1, height=24),
              _word("Mbiemri", 657, 1048, 1, height=24), _word("Emri", 951, 1048, 1, height=24),
              _word("Atësia", 1205, 1048, 1, height=24), _word("Amësia", 1447, 1048, 1, height=24)]
    first, mother, surname = fakes.first_name(), fakes.first_name(), fakes.surname()
    row = [_word("3", 227, 1110, 2, height=25), _word(fakes.personal_number(), 310, 1110, 2, height=25),
           _word(surname, 656, 1110, 2, height=32), _word(first, 951, 1110, 2, height=25),
           _word("peri", 1203, 1090, 2, conf=26.0, height=78), _word("1", 1413, 1086, 2, conf=27.0, height=103),
           Word(text=mother, bbox=BBox(x0=1446, y0=1110, x1=1446 + 22 * len(mother), y1=1141), conf=96.0,
                block=0, line=2)]
    people = [f.bbox for f in detect_pii(synthetic_page(header + row), None, analyzer)
              if f.entity_type == "PERSON"]
    assert all(coverage(word.bbox, people) == 1.0 for word in (row[2], row[3], row[6]))


def test_a_surer_reading_over_a_reading_ocr_did_not_believe_takes_its_place() -> None:
    """ "OT" (confidence 16) for a table row's number, its rule and a personal number: the recovered
    number is much narrower than that box, and taken. Over a well-read word a shorter reading is
    not ("Admir" read over "Administrator")."""
    number = Fakes(601).personal_number()
    garbled = Word(text="OT", bbox=BBox(x0=210, y0=1101, x1=622, y1=1203), conf=16.0, block=1, line=15)
    well_read = Word(text="Administrator", bbox=BBox(x0=1000, y0=1101, x1=1300, y1=1140), conf=55.0, block=1,
                     line=15)
    recovered = [Word(text=number, bbox=BBox(x0=317, y0=1130, x1=507, y1=1156), conf=89.0, block=1,
                      line=RECOVERED_LINE_BASE),
                 Word(text="Admir", bbox=BBox(x0=1000, y0=1101, x1=1110, y1=1140), conf=94.0, block=1,
                      line=RECOVERED_LINE_BASE + 1)]
    page = synthetic_page([garbled, well_read])
    texts = [w.text for w in with_recovered(page, recovered).words]
    assert number in texts and "OT" not in texts
    assert "Administrator" in texts and "Admir" not in texts


def test_a_machine_readable_surname_split_twice() -> None:
    surname, given = Fakes(2).surname().upper(), Fakes(3).first_name().upper()
    assert len(surname) >= 5
    split = f"{surname[:3]} {surname[3:5]} {surname[5:]}".rstrip()
    folded = f"8701071M3302082ALB<<<<<<<<<<<7\n{split}<<{given}c<<<cccccceececec<".lower()
    names = [folded[f.start : f.end] for f in mrz_fields(folded) if f.entity == "PERSON"]
    assert len(names) == 1 and names[0].startswith(f"{split}<<{given}".lower())


def test_a_speck_beside_a_name_in_its_column(analyzer: AnalyzerEngine) -> None:
    """ "'Gjergi 0": a name read with a letter short, and a rule read as a zero beside it."""
    surname = Fakes(4).surname()
    misread = surname[:-1]
    header = [_word("Nr", 230, 1048, 1), _word("Mbiemri", 657, 1048, 1), _word("Emri", 1151, 1048, 1)]
    row = [_word("5", 227, 1110, 2), _word(f"'{misread}", 656, 1110, 2), _word("0", 1000, 1110, 2),
           _word(Fakes(5).first_name(), 1151, 1110, 2)]
    people = [f.bbox for f in detect_pii(synthetic_page(header + row), None, analyzer) if f.entity_type == "PERSON"]
    assert coverage(row[1].bbox, people) == 1.0 and coverage(row[3].bbox, people) == 1.0


def test_a_machine_readable_surname_set_apart_from_its_fillers() -> None:
    surname, given = Fakes(7).surname().upper(), Fakes(8).first_name().upper()
    folded = f"0008235F3110094ALB<<<<<<<<<<<8\n{surname} <<{given}<<<<<<<<<<<<<<<<".lower()
    names = [folded[f.start : f.end] for f in mrz_fields(folded) if f.entity == "PERSON"]
    assert len(names) == 1 and names[0].startswith(f"{surname} <<{given}".lower())


def test_a_street_named_after_someone_whose_capital_ocr_read_small(analyzer: AnalyzerEngine) -> None:
    """ "Rruga ismail Qemali": the capital I read as an i; the street's name is a known first name."""
    first = next(name for name in sorted(first_names()) if name.startswith("i") and len(name) >= 5)
    street = f"Rruga {first} Qemali, Nr. 81, Shkodër 4001"
    text = f"me numër personal G25605263D, banuese në {street}, tel.\n+355 69 443 3402"
    assert _of(analyzer, text, "ADDRESS") == [street]
    assert _of(analyzer, "Rruga ishte e mbyllur për punime.", "ADDRESS") == []
