"""The recognizers on what OCR does to values and labels it reads in part: a label's first letter lost at a
skewed scan's edge, a town's "i" read as a one, a closing "J" read as ")", a capital I read as an l, a name's
first letter set apart, an MRZ surname split at a gap, "@" read as "(o"; and on what only looks like a
value: a run of ten characters across an IBAN's groups, a header row's labels, a verification code."""

from __future__ import annotations

import datetime as dt

import pytest
from idnumbers.nationalid.ALB import IdentityNumber
from presidio_analyzer import AnalyzerEngine

from privacy.recognizers.lexicon import first_names, known_name, surnames
from tests.privacy.conftest import Fakes


def found(analyzer: AnalyzerEngine, text: str) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start : r.end]) for r in sorted(analyzer.analyze(text, language="sq"),
                                                                      key=lambda r: r.start)]


def of(analyzer: AnalyzerEngine, text: str, entity: str) -> list[str]:
    return [value for kind, value in found(analyzer, text) if kind == entity]


# ------------------------------------------------------------------------------------------------ labels


def test_a_label_that_lost_its_first_letter(analyzer: AnalyzerEngine) -> None:
    number = Fakes(5).personal_number(dt.date(1982, 2, 20))[:-1] + "O"
    assert IdentityNumber.validate(number)
    digits_only = "1" + number[1:-1] + "0"  # its I and O read as digits: only a label makes it a number
    text = f"ayer:\tZorbet Qyrani\nersonal No.:\t{digits_only}\nddress:\tRruga Ded Gjo Luli, No. 13, Koplik"
    assert of(analyzer, text, "AL_PERSONAL_NUMBER") == [digits_only]
    assert of(analyzer, text, "ADDRESS") == ["Rruga Ded Gjo Luli, No. 13, Koplik"]


def test_a_short_label_keeps_needing_its_first_letter(analyzer: AnalyzerEngine) -> None:
    """ "mri" is not "Emri": only first words of seven letters or more may lose theirs."""
    assert of(analyzer, "mri:\tzorbet", "PERSON") == []


@pytest.mark.parametrize("text", [
    "LANDLORD TENANT RE TARY",  # the notary's label half read, in a row of labels
    "QIRADHËNËS\tQIRAMARRËS\tKO PE PN QFERJA",  # a stamp's letters beside the header
])
def test_a_header_rows_next_label_takes_no_value_beside_it(analyzer: AnalyzerEngine, text: str) -> None:
    assert of(analyzer, text, "PERSON") == []


def test_two_labels_of_one_field_read_as_a_phrase(analyzer: AnalyzerEngine) -> None:
    text = "has been a resident at the address Village Boks, Postribë Administrative\nUnit, Shkodër, Albania since"
    assert of(analyzer, text, "ADDRESS") == ["Village Boks, Postribë Administrative\nUnit, Shkodër, Albania"]


# ------------------------------------------------------------------------------------------------ places


def test_a_town_whose_small_word_was_read_as_a_one(analyzer: AnalyzerEngine) -> None:
    text = "banues në Rruga Kodra, Nr. 2, Vau 1 Dejës, tel. 0678689398"
    assert of(analyzer, text, "ADDRESS") == ["Rruga Kodra, Nr. 2, Vau 1 Dejës"]


def test_a_street_named_in_the_genitive(analyzer: AnalyzerEngine) -> None:
    text = "dyqanin ndodhur në Rruga e Kavajës, Nr. 15, Tiranë, pronë e qiradhënësit"
    assert of(analyzer, text, "ADDRESS") == ["Rruga e Kavajës, Nr. 15, Tiranë"]
    assert of(analyzer, "rruga e re do të shtrohet me asfalt vitin që vjen", "ADDRESS") == []


def test_an_english_place_kind_opening_the_next_line_finishes_the_address(analyzer: AnalyzerEngine) -> None:
    text = "personal number F20101846D, residing at Village Mes, Postribë\nAdministrative Unit, Shkodër, Albania, has"
    assert of(analyzer, text, "ADDRESS") == ["Village Mes, Postribë\nAdministrative Unit, Shkodër, Albania"]


# ----------------------------------------------------------------------------------------------- numbers


def test_a_closing_j_read_as_a_parenthesis(analyzer: AnalyzerEngine) -> None:
    number = Fakes(7).personal_number()[:-1] + "J"
    assert IdentityNumber.validate(number)
    read = number[:-1] + ")"
    assert of(analyzer, f"Nr. personal: {read}", "AL_PERSONAL_NUMBER") == [read]
    zone = f"IDALB7550622151{read} <<<<<"
    assert [value.replace(" ", "") for value in of(analyzer, zone, "AL_PERSONAL_NUMBER")] == [read]


def test_ten_characters_across_an_ibans_groups_are_no_personal_number(analyzer: AnalyzerEngine) -> None:
    text = "në llogarinë IBAN\nAL51 2026 1568 2765 4103 9803 1974 at Raiffeisen Bank, personal number"
    assert [entity for entity, _ in found(analyzer, text)] == ["IBAN_CODE"]


def test_a_verification_code_is_no_plate(analyzer: AnalyzerEngine) -> None:
    assert of(analyzer, "Kodi i verifikimit: 28099 FF6D18F", "AL_VEHICLE_PLATE") == []
    assert of(analyzer, "automjeti AB 123 CD u regjistrua", "AL_VEHICLE_PLATE") == ["AB 123 CD"]


def test_an_at_sign_read_as_a_parenthesis_and_a_letter(analyzer: AnalyzerEngine) -> None:
    assert of(analyzer, "Kontakt: zorbet.qyrani80(ooutlook.com", "EMAIL_ADDRESS") == ["zorbet.qyrani80(ooutlook.com"]


# ------------------------------------------------------------------------------------------------- names


def test_a_capital_i_read_as_an_l_is_still_a_known_name() -> None:
    listed = sorted(name for name in first_names() | surnames() if name.startswith("i") and len(name) >= 5)
    assert listed, "the lists hold names in I"
    assert known_name("l" + listed[0][1:]) and known_name("1" + listed[0][1:])
    assert not known_name("llogaria")


def test_a_name_whose_first_capital_ocr_set_apart(analyzer: AnalyzerEngine) -> None:
    assert of(analyzer, "C.1.2 Emri\tE RVINA\nB. Data", "PERSON") == ["E RVINA"]
    assert of(analyzer, "Emri: Zorbet E Qyrani", "PERSON") == ["Zorbet"]  # a lone capital inside stays out


def test_a_zone_surname_split_at_a_gap(analyzer: AnalyzerEngine) -> None:
    text = "4302012M3109203ALB<<<<<<<<<<<0\nQYRA NI<<ZORBET <<<<<<<<<<<<<<<<"
    # The fillers go with the name: OCR's box of the name's word often falls short of its ink.
    assert of(analyzer, text, "PERSON") == ["QYRA NI<<ZORBET <<<<<<<<<<<<<<<<"]


def test_a_zone_birth_date_with_a_zero_read_as_a_q(analyzer: AnalyzerEngine) -> None:
    line = "16.11.2023\t16.11.2033\t5Q01220F3311167ALB<<<<<<<<<<<9"
    assert of(analyzer, line, "DATE_OF_BIRTH") == ["5Q0122"]
