"""The recognizers on text as OCR gives it: labels misspelt the way OCR misspells them, marks inside names,
dates whose slashes became ones, machine-readable zones read in pieces, and names found by what surrounds
them rather than by the name lists (the names used here are in none of them)."""

from __future__ import annotations

import pytest
from presidio_analyzer import AnalyzerEngine

from privacy.recognizers.labels import label_entity, label_pattern
from privacy.recognizers.lexicon import first_names, surnames
from privacy.recognizers.ocr_text import fold
from privacy.recognizers.personal_number import read_mrz_number

UNKNOWN = ("Zorbet", "Qyrani", "Flutur", "Brisku", "Dakaj")


def found(analyzer: AnalyzerEngine, text: str) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start : r.end]) for r in sorted(analyzer.analyze(text, language="sq"),
                                                                      key=lambda r: r.start)]


def people(analyzer: AnalyzerEngine, text: str) -> list[str]:
    return [value for entity, value in found(analyzer, text) if entity == "PERSON"]


def test_the_names_used_here_are_unknown_to_the_name_lists() -> None:
    assert not {fold(name) for name in UNKNOWN} & (first_names() | surnames())


# ------------------------------------------------------------------------------------------------ labels


@pytest.mark.parametrize(("read", "entity"), [
    ("sumame", "PERSON"),  # "Surname" with "rn" read as "m"
    ("ernri", "PERSON"),  # "Emri" with "m" read as "rn"
    ("fmertimi", "OTHER"),  # "Emërtimi" with its first letter misread
    ("abiemri", "PERSON"),
    ("atesla", "PERSON"),  # "Atësia" with "i" read as "l"
    ("date11ndja", "DATE_OF_BIRTH"),
])
def test_labels_are_read_through_ocr_misspellings(read: str, entity: str) -> None:
    match = label_pattern(None).fullmatch(read)
    assert match is not None and label_entity(match.group()) == entity


def test_a_short_label_keeps_its_first_letter() -> None:
    """ "[a-z]ender" would end the street name "Qendër"."""
    assert label_pattern(None).fullmatch("qender") is None


def test_a_colon_read_as_a_free_standing_stop_still_sets_the_value_off(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "C.1.1 Mbiemri, Emërtimi . QYRANI\nA. Targa: AA 123 BB") == ["QYRANI"]


# ------------------------------------------------------------------------------------------------ names


def test_an_l_read_as_a_slash_or_a_one_inside_a_name(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "Emri: E/sid\nMbiemri: Ke1mendi") == ["E/sid", "Ke1mendi"]


def test_a_slash_between_the_words_of_a_name_is_a_space(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "Administratori\nElvi/Paloka") == ["Elvi/Paloka"]


def test_slashes_of_labels_are_left_alone(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "Flutur Brisku, i/e lindur më 12.03.1980") == ["Flutur Brisku"]


@pytest.mark.parametrize("text", [
    "The Directorate certifies that Zorbet Qyrani, personal number I55701012K, residing at",
    "Vërtetojmë se Zorbet Qyrani, me nr. personal I55701012K, është e punësuar",
    "Zorbet Qyrani, i biri i Flutur, i lindur në Shkodër",
    "certifies that Bardha Servis sh.a., represented by Zorbet Qyrani, with seat at",
    "... përfaqësuar nga administratori\nZorbet Qyrani, me seli në Rruga Gjuhadol",
])
def test_an_unknown_name_is_found_by_the_words_around_it(analyzer: AnalyzerEngine, text: str) -> None:
    assert "Zorbet Qyrani" in people(analyzer, text)


@pytest.mark.parametrize("text", [
    "Bashkia Shkodër, me nr. personal të aplikantit",
    "... përfaqësuar nga Drini Agro SH.P.K., me seli në",
    "The landlord has the following obligations towards the tenant\nArticle 5 - Term",
])
def test_a_town_a_company_or_a_heading_is_no_name(analyzer: AnalyzerEngine, text: str) -> None:
    assert people(analyzer, text) == []


def test_every_name_of_a_labelled_list(analyzer: AnalyzerEngine) -> None:
    text = "Ortakët: Zorbet Qyrani (50%); Flutur Brisku (30%);\nBesim Dakaj (20%)\nStatusi: Aktiv"
    assert people(analyzer, text) == ["Zorbet Qyrani", "Flutur Brisku", "Besim Dakaj"]


def test_a_scribble_in_mixed_case_is_no_name(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "Qiramarrësi GcC") == []
    assert people(analyzer, "Emri: SuloNdoj") == ["SuloNdoj"]  # a name OCR glued together stays one


# ------------------------------------------------------------------------------------------------ dates


def test_a_birth_date_whose_slashes_were_read_as_ones(analyzer: AnalyzerEngine) -> None:
    results = analyzer.analyze("Datëlindja: 2210811951", language="sq")
    assert [(r.entity_type, r.recognition_metadata["validated"]) for r in results] == [("DATE_OF_BIRTH", True)]


@pytest.mark.parametrize("value", ["874692535", "28.04.2032"])
def test_a_number_or_an_expiry_date_under_a_birth_label_is_no_birth_date(analyzer: AnalyzerEngine,
                                                                          value: str) -> None:
    assert found(analyzer, f"Datëlindja: {value}") == []


# --------------------------------------------------------------------------------- machine-readable zone


@pytest.mark.parametrize("line", [
    "13.12.2024\t13.12.2034\tIDALB2540827503H91118108K<<<<<",  # beside the printed dates, after a gap
    "IDALB254082750 3H91118 108K<<<<<",  # split by OCR at a gap
    "IDALB2540827503H911181088K<<<<<",  # one character doubled
    "IDALB2540827 503H91118 108K<<<<<",  # split inside the document number too
])
def test_the_personal_number_of_a_machine_readable_zone(analyzer: AnalyzerEngine, line: str) -> None:
    numbers = [value for entity, value in found(analyzer, line) if entity == "AL_PERSONAL_NUMBER"]
    assert len(numbers) == 1 and numbers[0].replace(" ", "").upper().startswith("H911181")


def test_an_unreadable_zone_number_is_still_taken_unvalidated(analyzer: AnalyzerEngine) -> None:
    results = analyzer.analyze("IDALB2540827503HXYWV8108K<<<<<", language="sq")
    assert [(r.entity_type, r.recognition_metadata["validated"]) for r in results] == [
        ("AL_PERSONAL_NUMBER", False)]


def test_a_zone_number_with_one_character_too_many_is_read_without_it() -> None:
    assert read_mrz_number("g640127388w") == "G40127388W"
    assert read_mrz_number("h91118108kc") == "H91118108K"  # a filler read as a letter
    assert read_mrz_number("h9111") is None


@pytest.mark.parametrize("line", [
    "22.08.2020\t22.08.2030\t5807204M3008225ALB<<<<<<<<<<<1",  # beside the printed dates
    "22.08.2020 22.08.2030 5807204M3008 225ALB<<<<<<<<<<<1",  # split by OCR inside the expiry date
])
def test_a_zone_birth_date(analyzer: AnalyzerEngine, line: str) -> None:
    assert ("DATE_OF_BIRTH", "580720") in found(analyzer, line)


# ---------------------------------------------------------------------------------- numbers and places


def test_a_code_of_letters_and_digits_is_no_phone(analyzer: AnalyzerEngine) -> None:
    assert found(analyzer, "Kodi i verifikimit: D046381A733D") == []
    assert found(analyzer, "Tel: 069 895 0500") == [("PHONE_NUMBER", "069 895 0500")]


def test_an_address_ends_at_its_town_when_stamp_letters_follow(analyzer: AnalyzerEngine) -> None:
    text = "Adresa e selisë\tRruga Ali Lacej, Nr. 85, Shkodër 4001 ËR E Re"
    addresses = [value for entity, value in found(analyzer, text) if entity == "ADDRESS"]
    assert addresses == ["Rruga Ali Lacej, Nr. 85, Shkodër 4001"]


def test_a_surname_that_is_also_a_word_of_the_page_stays_a_name(analyzer: AnalyzerEngine) -> None:
    assert people(analyzer, "Pacienti: Zorbet Vula\nNënshkrimi dhe vula") == ["Zorbet Vula"]


def test_an_address_cut_inside_a_town_name_goes_on_to_the_next_line(analyzer: AnalyzerEngine) -> None:
    text = "residing at Rruga Ded Gjo Luli, No. 70, Vau\ni Dejës, Albania, phone +355677530721."
    addresses = [value for entity, value in found(analyzer, text) if entity == "ADDRESS"]
    assert addresses == ["Rruga Ded Gjo Luli, No. 70, Vau\ni Dejës, Albania"]
