"""The committed catalog data: it loads, validates, covers the whole reference, and is what the importer
builds from the reference today."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.catalog import DATA_DIR, Catalog, load_catalog
from pipeline.catalog_import import build_catalog_data

REPO = Path(__file__).resolve().parents[2]
REFERENCE_CANDIDATES = (Path("/work/shared/reference"), REPO.parent / "shared" / "reference")


def _reference_dir() -> Path | None:
    return next((p for p in REFERENCE_CANDIDATES if (p / "municipal_services.yaml").is_file()), None)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_catalog_loads_all_84_services_and_57_document_types(catalog: Catalog) -> None:
    assert len(catalog.services) == 84
    assert len(catalog.document_types) == 57


def test_every_document_type_has_names_gloss_and_key_phrases(catalog: Catalog) -> None:
    for doc_type in catalog.document_types:
        assert doc_type.names_sq, doc_type.id
        assert doc_type.gloss_en, doc_type.id
        assert doc_type.key_phrases, doc_type.id
        assert doc_type.sources and all(s.startswith("http") for s in doc_type.sources), doc_type.id


def test_every_service_keeps_its_source_tier_and_institution(catalog: Catalog) -> None:
    tiers = {s.tier for s in catalog.services}
    assert tiers == {"shkoder", "vau_i_dejes", "malesi_e_madhe", "other_albania", "kosovo"}
    for service in catalog.services:
        assert service.source.startswith("http"), service.id
        assert service.institution, service.id


def test_shkodra_services_belong_to_bashkia_shkoder(catalog: Catalog) -> None:
    shkodra = [s for s in catalog.services if s.tier == "shkoder"]
    assert len(shkodra) == 16
    assert {s.institution for s in shkodra} == {"Bashkia Shkodër"}
    transport = catalog.service("shk_transport_linje_qytetese")
    assert transport.department == "SHËRBIMI I TRANSPORTIT"


def test_services_without_a_list_are_kept_and_marked_incomplete(catalog: Catalog) -> None:
    permit = catalog.service("shk_leje_ndertimi")
    assert permit.required_documents == []
    assert permit.documents_complete is False
    assert permit.department == "Drejtoria e Kontrollit dhe Zhvillimit të Territorit"


def test_cut_off_lists_mark_their_last_entry_and_the_service(catalog: Catalog) -> None:
    service = catalog.service("shk_transport_linje_qytetese")
    assert service.documents_complete is False
    assert [e.incomplete for e in service.required_documents] == [False, False, True]
    assert catalog.service("blq_strehim_invalidet").documents_complete is True


def test_kosovo_services_name_the_municipality_and_directorate(catalog: Catalog) -> None:
    service = catalog.service("ks_gjl_murale")
    assert service.institution == "Komuna e Gjilanit"
    assert service.department == "Drejtoria për Shërbime Publike"
    assert service.tier == "kosovo"


def test_committed_yaml_is_what_the_importer_builds_from_the_reference() -> None:
    reference = _reference_dir()
    if reference is None:
        pytest.skip("shared reference material is not present")
    types, services = build_catalog_data(reference)
    assert types == yaml.safe_load((DATA_DIR / "document_types.yaml").read_text(encoding="utf-8"))
    assert services == yaml.safe_load((DATA_DIR / "services.yaml").read_text(encoding="utf-8"))
