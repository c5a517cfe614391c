"""The recognizers on text: clean values, the OCR noise they must tolerate, and look-alikes they must not take."""

from __future__ import annotations

import subprocess
import sys

import pytest
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import SlimSpacyNlpEngine

from pipeline.models import PII_ENTITY_TYPES
from privacy.recognizers.labels import labelled_values
from privacy.recognizers.lexicon import first_names, surnames
from privacy.recognizers.ocr_text import fold
from privacy.registry import sportel_recognizers


def found(analyzer: AnalyzerEngine, text: str) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start : r.end]) for r in sorted(analyzer.analyze(text, language="sq"),
                                                                      key=lambda r: r.start)]


def assert_found(analyzer: AnalyzerEngine, text: str, entity: str, value: str) -> None:
    results = found(analyzer, text)
    assert (entity, value) in results, f"{entity} {value!r} not in {results}"


# ------------------------------------------------------------------------------------------ the engine


def test_one_recognizer_per_entity_type() -> None:
    entities = [entity for recognizer in sportel_recognizers() for entity in recognizer.supported_entities]
    assert sorted(entities) == sorted(PII_ENTITY_TYPES)


def test_analyzer_runs_on_a_blank_albanian_pipeline(analyzer: AnalyzerEngine) -> None:
    assert isinstance(analyzer.nlp_engine, SlimSpacyNlpEngine)
    assert analyzer.nlp_engine.get_supported_languages() == ["sq"]
    pipelines = analyzer.nlp_engine.nlp
    assert pipelines is not None and pipelines["sq"].pipe_names == []  # a blank pipeline: no model
    assert sorted(analyzer.get_supported_entities("sq")) == sorted(PII_ENTITY_TYPES)


def test_import_builds_nothing() -> None:
    code = (
        "import privacy.analyzer, privacy.detect, privacy.redact, privacy.verify, privacy.registry\n"
        "assert privacy.analyzer.build_analyzer.cache_info().currsize == 0\n"
        "from privacy.recognizers import lexicon\n"
        "assert lexicon.first_names.cache_info().currsize == 0, 'name lists loaded at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_analyzer_is_built_once(analyzer: AnalyzerEngine) -> None:
    from privacy.analyzer import build_analyzer

    assert build_analyzer() is analyzer


def test_name_lists_are_loaded_without_label_words() -> None:
    assert len(first_names()) > 2000 and len(surnames()) > 90
    assert {"gashi", "kelmendi", "shala"} <= surnames()
    assert "emri" not in first_names()  # "Emri" (the label "Name") is in the published list


# --------------------------------------------------------------------------------------- clean values

CLEAN = [
    ("Emri: Arben", "PERSON", "Arben"),
    ("Mbiemri: Kelmendi", "PERSON", "Kelmendi"),
    ("Atësia: Gjergj", "PERSON", "Gjergj"),
    ("Amësia: Drita", "PERSON", "Drita"),
    ("Emri i babait: Pjetër", "PERSON", "Pjetër"),
    ("Emër Mbiemër: Valbona Shala", "PERSON", "Valbona Shala"),
    ("Kërkuesi: Ilir Gashi", "PERSON", "Ilir Gashi"),
    ("Qiradhënësi: Mark Marku, Qiramarrësi: Besa Rama", "PERSON", "Besa Rama"),
    ("Name: John   Surname: Smith", "PERSON", "Smith"),
    ("Unë, Agim Berisha, i lindur në Shkodër", "PERSON", "Agim Berisha"),
    ("Sot u paraqit Drini Kastrati në zyrë.", "PERSON", "Drini Kastrati"),
    ("Datëlindja: 12.03.1985", "DATE_OF_BIRTH", "12.03.1985"),
    ("Data e lindjes: 1985-03-12", "DATE_OF_BIRTH", "1985-03-12"),
    ("e lindur më 5 mars 1990 në Tiranë", "DATE_OF_BIRTH", "5 mars 1990"),
    ("Date of birth: 14 February 1979", "DATE_OF_BIRTH", "14 February 1979"),
    ("DOB: 03/11/2001", "DATE_OF_BIRTH", "03/11/2001"),
    ("Nr. personal: I50312045K", "AL_PERSONAL_NUMBER", "I50312045K"),
    ("me numër personal J65615001A", "AL_PERSONAL_NUMBER", "J65615001A"),
    ("NIPT: K22218003V", "AL_NIPT", "K22218003V"),
    ("NUIS L91402501L", "AL_NIPT", "L91402501L"),
    ("IBAN: AL47 2121 1009 0000 0002 3569 8741", "IBAN_CODE", "AL47 2121 1009 0000 0002 3569 8741"),
    ("llogaria AL47212110090000000235698741 pranë bankës", "IBAN_CODE", "AL47212110090000000235698741"),
    ("IBAN: DE89 3704 0044 0532 0130 00", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("Tel: +355 69 123 4567", "PHONE_NUMBER", "+355 69 123 4567"),
    ("Cel. 069 234 5678", "PHONE_NUMBER", "069 234 5678"),
    ("telefoni 022 243 567 (zyra)", "PHONE_NUMBER", "022 243 567"),
    ("E-mail: arben.hoxha@gmail.com", "EMAIL_ADDRESS", "arben.hoxha@gmail.com"),
    ("shkruani në info.zyra@bashkiashkoder.gov.al", "EMAIL_ADDRESS", "info.zyra@bashkiashkoder.gov.al"),
    ('Adresa: Rruga "Marin Barleti", Pallati 12, Shkalla 2, Ap. 5, Shkodër', "ADDRESS",
     'Rruga "Marin Barleti", Pallati 12, Shkalla 2, Ap. 5, Shkodër'),
    ('banues në Lagjja "Vasil Shanto", Rr. "Ndre Mjeda", Nr. 14, Shkodër, kërkoj vërtetim', "ADDRESS",
     'Lagjja "Vasil Shanto", Rr. "Ndre Mjeda", Nr. 14, Shkodër'),
    ("Njësia Administrative Nr. 2, Bulevardi Zogu I, Tiranë", "ADDRESS",
     "Njësia Administrative Nr. 2, Bulevardi Zogu I, Tiranë"),
    ("Targa: AA 123 BB", "AL_VEHICLE_PLATE", "AA 123 BB"),
    ("automjeti me targë SH 1234 A", "AL_VEHICLE_PLATE", "SH 1234 A"),
]


@pytest.mark.parametrize(("text", "entity", "value"), CLEAN)
def test_clean_value(analyzer: AnalyzerEngine, text: str, entity: str, value: str) -> None:
    assert_found(analyzer, text, entity, value)


def test_labels_stay_out_of_values(analyzer: AnalyzerEngine) -> None:
    text = "Emri: Arben\tMbiemri: Hoxha\nNr. personal: I50312045K\nTel: 069 123 4567"
    for _, value in found(analyzer, text):
        assert not any(label in fold(value) for label in ("emri", "mbiemri", "personal", "tel"))


# ------------------------------------------------------------------------------------------ OCR noise

NOISY = [
    # ID letters read as digits and back, lower case, spaces inside
    ("Nr. personal: 150312045K", "AL_PERSONAL_NUMBER", "150312045K"),
    ("Numri personal: i5O3l2045k", "AL_PERSONAL_NUMBER", "i5O3l2045k"),
    ("nr personal I503 12045 K", "AL_PERSONAL_NUMBER", "I503 12045 K"),
    ("Nr, personal: J6561500lA", "AL_PERSONAL_NUMBER", "J6561500lA"),
    ("NIPT: K222l8OO3V", "AL_NIPT", "K222l8OO3V"),
    ("nipt k 22218003 v", "AL_NIPT", "k 22218003 v"),
    ("NIPT: 322218003V", "AL_NIPT", "322218003V"),
    # IBAN with O for 0, lost spaces, lower case, a B for an 8
    ("IBAN: AL47 2121 1OO9 OOOO OOO2 3569 874l", "IBAN_CODE", "AL47 2121 1OO9 OOOO OOO2 3569 874l"),
    ("iban al4721211009000000023569874l", "IBAN_CODE", "al4721211009000000023569874l"),
    ("IBAN: AL47 2121 1009 0000 0002 3569 B741", "IBAN_CODE", "AL47 2121 1009 0000 0002 3569 B741"),
    # "+" read as 1, letters for digits
    ("Tel: 1355 69 123 4567", "PHONE_NUMBER", "1355 69 123 4567"),
    ("Cel: O69 l23 4567", "PHONE_NUMBER", "O69 l23 4567"),
    ("Telefon: 0692345678", "PHONE_NUMBER", "0692345678"),
    ("Tel: 00355 68 765 4321", "PHONE_NUMBER", "00355 68 765 4321"),
    # "@" read as 0, (a), spaces around the dot
    ("E-mail: arben.hoxha0gmail.com", "EMAIL_ADDRESS", "arben.hoxha0gmail.com"),
    ("Email: arben.hoxha(a)yahoo.com", "EMAIL_ADDRESS", "arben.hoxha(a)yahoo.com"),
    ("E-mail: arben.hoxha@gmail. com", "EMAIL_ADDRESS", "arben.hoxha@gmail. com"),
    # dates with look-alikes and a comma
    ("Datelindja: l2.O3.1985", "DATE_OF_BIRTH", "l2.O3.1985"),
    ("Datëlindja: 12,03.1985", "DATE_OF_BIRTH", "12,03.1985"),
    ("DATELINDJA 12 03 1985", "DATE_OF_BIRTH", "12 03 1985"),
    # diacritics lost, lower case
    ("emri: arben", "PERSON", "arben"),
    ("MBIEMRI: HOXHA", "PERSON", "HOXHA"),
    ("Atesia: Gjergj", "PERSON", "Gjergj"),
    ("Adresa: rruga Kole Idromeno, nr. 5, Shkoder", "ADDRESS", "rruga Kole Idromeno, nr. 5, Shkoder"),
    ("targa: aa 123 bb", "AL_VEHICLE_PLATE", "aa 123 bb"),
    ("Targa: AA-l23-BB", "AL_VEHICLE_PLATE", "AA-l23-BB"),
]


@pytest.mark.parametrize(("text", "entity", "value"), NOISY)
def test_noisy_value(analyzer: AnalyzerEngine, text: str, entity: str, value: str) -> None:
    assert_found(analyzer, text, entity, value)


def test_garbled_labelled_values_are_still_taken(analyzer: AnalyzerEngine) -> None:
    """Past validation, a labelled value is still personal data: taken at a lower score."""
    text = "Nr. personal: Fë51O24765\nIBAN: AL12 3456 7890 1234 5678 9012 3456\nTel: 06x 123 45"
    results = {r.entity_type: r for r in analyzer.analyze(text, language="sq")}
    assert results["AL_PERSONAL_NUMBER"].score < 0.8
    assert text[results["IBAN_CODE"].start : results["IBAN_CODE"].end] == "AL12 3456 7890 1234 5678 9012 3456"
    assert results["IBAN_CODE"].recognition_metadata["validated"] is False


# ----------------------------------------------------------------------------------------- look-alikes

NOT_PERSONAL = [
    "REPUBLIKA E SHQIPËRISË\nBASHKIA SHKODËR\nZyra me Një Ndalesë",
    "Shkodër, më 15.05.2024, Nr. Prot. 1234/5",
    "Ligji nr. 139/2015, datë 17.12.2015, neni 12",
    "Tarifa: 1 000 lekë. Afati: 15 ditë pune.",
    "Pallati i Kulturës dhe Sheshi Demokracia janë të mbyllura.",
    "Kërkesat dorëzohen pranë Njësisë Administrative Rrethina.",
    "Kodi i shërbimit: 2024 1234 5678",
    "Nr. serial 1234567890",
    "Shifra kontrolli e gabuar: AL48 2121 1009 0000 0002 3569 8741",
    "Data: 03.06.2024",
    "Sportelet janë të hapura 08:00 - 16:00",
]


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_no_personal_data(analyzer: AnalyzerEngine, text: str) -> None:
    assert found(analyzer, text) == []


def test_business_nipt_is_not_a_personal_number(analyzer: AnalyzerEngine) -> None:
    results = found(analyzer, "Subjekti K22218003V")
    assert results == [("AL_NIPT", "K22218003V")]


def test_nipt_label_decides_for_a_personal_shape(analyzer: AnalyzerEngine) -> None:
    assert found(analyzer, "NIPT: I50312045K") == [("AL_NIPT", "I50312045K")]
    assert found(analyzer, "Nr. personal: I50312045K") == [("AL_PERSONAL_NUMBER", "I50312045K")]


def test_only_birth_dates(analyzer: AnalyzerEngine) -> None:
    text = "Datëlindja: 12.03.1985\nData e lëshimit: 15.05.2024"
    assert found(analyzer, text) == [("DATE_OF_BIRTH", "12.03.1985")]


@pytest.mark.parametrize("date", ["31.02.1985", "64.06.1978", "12.03.2199"])
def test_impossible_birth_dates_are_taken_unvalidated(analyzer: AnalyzerEngine, date: str) -> None:
    """Behind the label an impossible date is a misread one: still redacted, but not claimed valid."""
    results = analyzer.analyze(f"Datëlindja: {date}", language="sq")
    assert [(r.entity_type, r.recognition_metadata["validated"]) for r in results] == [("DATE_OF_BIRTH", False)]


def test_table_header_is_not_a_value() -> None:
    text = fold("Emri\tMbiemri\tAtësia\tDatëlindja")
    assert all(field.value_start == field.value_end for field in labelled_values(text, "PERSON"))
