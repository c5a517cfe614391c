"""The rule classifier on document texts as OCR returns them: noisy, diacritics lost, Albanian or English."""

from __future__ import annotations

import pytest

from pipeline.catalog import Catalog, load_catalog
from stages.classify import DEFAULT_THRESHOLD, RULES_VERSION, UNCLASSIFIED, classify, rule_scores, title_match
from stages.text_normalize import fold, ocr_skeleton
from tests.classify.doc_texts import ALBANIAN, ENGLISH, OTHER_TYPES, ocr_noise

MAIN_TYPES = ["id_card_copy", "family_certificate", "property_certificate", "qkb_extract", "application_form",
              "payment_slip", "self_declaration", "residence_certificate", "vehicle_registration",
              "local_tax_clearance", "lease_or_use_contract", "medical_documents"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_the_samples_cover_the_twelve_main_types() -> None:
    assert sorted(ALBANIAN) == sorted(MAIN_TYPES)


@pytest.mark.parametrize("doc_type", MAIN_TYPES)
def test_clean_albanian_documents_are_recognised_confidently(catalog: Catalog, doc_type: str) -> None:
    result = classify(ALBANIAN[doc_type], catalog)
    assert result.document_type == doc_type
    assert not result.uncertain
    assert result.confidence >= DEFAULT_THRESHOLD
    assert (result.method, result.model_version) == ("rules", RULES_VERSION)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("doc_type", MAIN_TYPES)
def test_noisy_albanian_documents_are_recognised(catalog: Catalog, doc_type: str, seed: int) -> None:
    noisy = ocr_noise(ALBANIAN[doc_type], rate=0.1, seed=seed)
    assert noisy != ALBANIAN[doc_type]
    assert classify(noisy, catalog).document_type == doc_type


@pytest.mark.parametrize("doc_type", sorted(ENGLISH))
def test_english_documents_are_recognised(catalog: Catalog, doc_type: str) -> None:
    result = classify(ocr_noise(ENGLISH[doc_type], rate=0.05, seed=4), catalog)
    assert result.document_type == doc_type


@pytest.mark.parametrize("doc_type", sorted(OTHER_TYPES))
def test_documents_outside_the_main_types_are_named_for_what_they_are(catalog: Catalog, doc_type: str) -> None:
    result = classify(ocr_noise(OTHER_TYPES[doc_type], rate=0.06, seed=5), catalog)
    assert result.document_type == doc_type


def test_lost_diacritics_and_capitals_change_nothing(catalog: Catalog) -> None:
    text = ALBANIAN["family_certificate"]
    plain = fold(text).upper()
    assert "Ë" not in plain
    assert classify(plain, catalog).document_type == classify(text, catalog).document_type == "family_certificate"


def test_empty_or_unrelated_text_is_unclassified_and_uncertain(catalog: Catalog) -> None:
    for text in ("", "   \n ", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."):
        result = classify(text, catalog)
        assert result.document_type == UNCLASSIFIED
        assert result.uncertain


def test_probabilities_and_alternatives_are_well_formed(catalog: Catalog) -> None:
    result = classify(ocr_noise(ALBANIAN["payment_slip"], rate=0.2, seed=9), catalog)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.alternatives) == 3
    assert result.document_type not in [t for t, _ in result.alternatives]
    probabilities = [result.confidence, *(p for _, p in result.alternatives)]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0 + 1e-6


def test_a_per_type_threshold_decides_uncertainty(catalog: Catalog) -> None:
    text = ALBANIAN["qkb_extract"]
    confident = classify(text, catalog)
    strict = classify(text, catalog, thresholds={"qkb_extract": 1.01})
    assert not confident.uncertain
    assert strict.uncertain
    assert strict.document_type == confident.document_type


def test_a_form_listing_attachments_is_still_a_form(catalog: Catalog) -> None:
    scores = rule_scores(ALBANIAN["application_form"], catalog)
    assert scores["family_certificate"] > 0  # the attachment list names it...
    assert classify(ALBANIAN["application_form"], catalog).document_type == "application_form"  # ...the title wins


def test_title_match_finds_first_pages_and_not_continuations(catalog: Catalog) -> None:
    for doc_type in MAIN_TYPES:
        found = title_match(ALBANIAN[doc_type], catalog)
        assert found is not None, doc_type
    continuation = "Neni 4 Detyrimet e palëve\nQiramarrësi paguan faturat e energjisë dhe ujit.\nNeni 5 Zgjidhja"
    assert title_match(continuation, catalog) is None


def test_ocr_skeleton_brings_misreadings_together() -> None:
    assert fold("ËSHTË  Çështje\tE RE") == "eshte ceshtje e re"
    assert ocr_skeleton("Letërnjoftim") == ocr_skeleton("LETERNJOFT1M")
    assert ocr_skeleton("Nr. i familjes:") == ocr_skeleton("nr i famiIjes")
    assert ocr_skeleton("Numri personal") == ocr_skeleton("Nurnri pers0nal")


def test_scraps_of_a_failed_ocr_are_not_taken_for_a_document(catalog: Catalog) -> None:
    for scrap in ("copy f°", "ID", "e ", "Nr. 12", "~~ ;; ,"):
        assert classify(scrap, catalog).uncertain, scrap
