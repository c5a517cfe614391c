"""How the importer reads a municipal page's list: plain, alternatives, conditions, original or copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.catalog import Catalog, RequiredDocument, load_catalog
from pipeline.catalog_import import build_catalog_data, write_catalog_data

_TYPES = ["id_card_copy", "residence_certificate", "lease_or_use_contract", "property_certificate",
          "business_registration_certificate", "vehicle_registration", "family_certificate", "amtp",
          "land_certificate", "payment_slip"]


def _reference(tmp_path: Path, documents: list[tuple[str, str]], status: str = "full") -> Path:
    """A one-service reference folder in the reference's own layout."""
    services = {"services": {"shkoder": [{
        "id": "svc", "name_sq": "Shërbim provë", "municipality": "Shkodër", "tier": "shkoder",
        "directorate": "Drejtoria e Provave", "required_documents": [d for d, _ in documents],
        "required_document_types": [t for _, t in documents], "documents_status": status,
        "source": "https://example.invalid/svc"}]}}
    types = {"document_types": [{"id": t, "names_sq": [t], "gloss_en": t, "services": ["svc"]} for t in _TYPES]}
    (tmp_path / "municipal_services.yaml").write_text(yaml.safe_dump(services, allow_unicode=True), "utf-8")
    (tmp_path / "document_types.yaml").write_text(yaml.safe_dump(types, allow_unicode=True), "utf-8")
    return tmp_path


def _entries(tmp_path: Path, documents: list[tuple[str, str]], status: str = "full") -> list[dict[str, Any]]:
    _, services = build_catalog_data(_reference(tmp_path, documents, status))
    entries: list[dict[str, Any]] = services["services"][0]["required_documents"]
    return entries


def test_plain_entries_keep_their_text_and_all_their_types(tmp_path: Path) -> None:
    text = "Leja e qarkullimit dhe kontrata e sigurimit të automjetit;"
    [entry] = _entries(tmp_path, [(text, "vehicle_registration,payment_slip")])
    assert entry["text"] == text
    assert entry["kind"] == "plain"
    assert entry["document_types"] == ["vehicle_registration", "payment_slip"]
    assert "condition" not in entry


@pytest.mark.parametrize("text", [
    "kontratë qiraje e noterizuar ose vërtetim pronësie",
    "Kontrata e qirasë apo certifikata e pronësisë",
    "Kontratë qiraje / Certifikatë pronësie",
    "Lease contract or ownership certificate (Copy)",
])
def test_alternatives_between_listed_types_make_a_one_of_entry(tmp_path: Path, text: str) -> None:
    [entry] = _entries(tmp_path, [(text, "lease_or_use_contract,property_certificate")])
    assert entry["kind"] == "one_of"
    assert entry["document_types"] == ["lease_or_use_contract", "property_certificate"]


def test_an_alternative_inside_one_type_stays_plain(tmp_path: Path) -> None:
    [entry] = _entries(tmp_path, [("Vërtetim nga Gjykata ose prokuroria.", "id_card_copy")])
    assert entry["kind"] == "plain"


@pytest.mark.parametrize(("text", "condition"), [
    ("Çertifikatën e regjistrimit të biznesit (kur kërkesa parashtrohët nga Personat Juridik) (Kopje)",
     "legal_person"),
    ("Business registration certificate (when the request is submitted by Legal Persons) (Copy)",
     "legal_person"),
    ("Fotokopje e Kartës së Identitetit dhe Vërtetim banimi (për persona fizikë);", "not:legal_person"),
    ("Për familjet e reja (shënohet data e ndasisë familjare dhe kurorëzimi)", "new_family"),
    ("Kontrat per shfrytim te lokacionit (nese është me qira) (Origjinal)", "location_rented"),
    ("Fletë drejtimi për KEMP, kur personi komisionohet për herë të parë.", "first_commission"),
])
def test_conditions_become_conditional_entries_with_their_fact(tmp_path: Path, text: str, condition: str) -> None:
    [entry] = _entries(tmp_path, [(text, "business_registration_certificate")])
    assert entry["kind"] == "conditional"
    assert entry["condition"] == condition


@pytest.mark.parametrize(("text", "form"), [
    ("Letërnjoftimi (Kopje)", "copy"),
    ("ID card (Copy)", "copy"),
    ("Fotokopje e kartës së identitetit", "copy"),
    ("Leje e qarkullimit (fotokopje e noteruar)", "copy"),
    ("KONTRATË QIRAJE E NOTERIZUAR", "copy"),
    ("Vërtetimi për pagesën e Tatimit në Pronë (Origjinal)", "original"),
    ("Proof of no outstanding taxes (Original)", "original"),
    ("Vertetimi i KMCAP-së, me vulën e njomë", "original"),
    ("Studimi urbanistik ne shkallen 1 : 500 ne 3 kopje origjinale.", "original"),
    ("Vërtetimin e kryerjes së taksave komunale (Origjinal, Kopje e vertetuar)", "any"),
    ("Inventarin e dokumentacionit ne 2 kopje", "any"),
    ("Çertifikatë familjare.", "any"),
])
def test_original_or_copy_is_read_from_the_markers(tmp_path: Path, text: str, form: str) -> None:
    [entry] = _entries(tmp_path, [(text, "id_card_copy")])
    assert entry["form"] == form


def test_a_cut_off_entry_is_incomplete_and_so_is_the_service(tmp_path: Path) -> None:
    reference = _reference(tmp_path, [("Çertifikatë familjare.", "family_certificate"),
                                      ("Vertetim nga [...]", "unclassified")])
    _, services = build_catalog_data(reference)
    [service] = services["services"]
    assert service["documents_complete"] is False
    assert "incomplete" not in service["required_documents"][0]
    assert service["required_documents"][1]["incomplete"] is True
    assert service["required_documents"][1]["document_types"] == []


def test_written_files_load_as_a_valid_catalog(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    reference = _reference(tmp_path / "ref", [("Letërnjoftimi (Kopje)", "id_card_copy")])
    write_catalog_data(reference, tmp_path / "out")
    catalog = load_catalog(tmp_path / "out")
    service = catalog.service("svc")
    assert service.institution == "Bashkia Shkodër"
    assert service.department == "Drejtoria e Provave"
    assert service.required_documents == [RequiredDocument(text="Letërnjoftimi (Kopje)",
                                                           document_types=["id_card_copy"], form="copy")]
    assert all(t.key_phrases for t in catalog.document_types)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_the_real_catalog_has_every_kind_of_entry(catalog: Catalog) -> None:
    entry = catalog.service("blsh_aplikim_certifikate_pronesie").required_documents[1]
    assert (entry.kind, entry.document_types) == ("one_of", ["amtp", "land_certificate"])
    entry = catalog.service("pv_licence_taksi").required_documents[9]
    assert (entry.kind, entry.condition) == ("conditional", "not:legal_person")
    assert entry.document_types == ["id_card_copy", "residence_certificate"]
    entry = catalog.service("pv_licence_taksi").required_documents[4]
    assert entry.kind == "plain"
    assert entry.document_types == ["vehicle_registration", "vehicle_insurance", "passenger_insurance"]
    kinds = {e.kind for s in catalog.services for e in s.required_documents}
    forms = {e.form for s in catalog.services for e in s.required_documents}
    assert kinds == {"plain", "one_of", "conditional"}
    assert forms == {"original", "copy", "any"}
