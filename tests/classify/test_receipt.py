"""The front-desk receipt: a PDF whose text (read back with pdftotext, as a citizen's PDF reader would)
names the service and the received and missing documents with their Albanian letters intact, and carries
no personal data."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.models import Classification
from stages.checklist import build_checklist
from stages.receipt import ReceivedDocument, build_receipt

SERVICE = "blq_strehim_invalidet"
ISSUED = datetime(2026, 3, 9, 10, 42, tzinfo=ZoneInfo("Europe/Tirane"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _classified(document_type: str, *, uncertain: bool = False) -> Classification:
    return Classification(document_type=document_type, confidence=0.4 if uncertain else 0.95, method="test",
                          model_version="t", uncertain=uncertain,
                          alternatives=[("income_proof", 0.3)] if uncertain else [])


def _receipt_text(catalog: Catalog, documents: list[tuple[str, str, bool]], tmp_path: Path) -> str:
    service = catalog.service(SERVICE)
    checklist = build_checklist(service, [(doc_id, _classified(t, uncertain=u)) for doc_id, t, u in documents])
    received = [ReceivedDocument(doc_id, t, u, 2) for doc_id, t, u in documents]
    names = {t.id: t.names_sq[0] for t in catalog.document_types}
    pdf = build_receipt(case_id="C-2026-000123", service=service, checklist=checklist, documents=received,
                        type_names=names, issued_at=ISSUED)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def test_receipt_names_service_received_missing_and_uncertain_documents_with_diacritics(
        catalog: Catalog, tmp_path: Path) -> None:
    documents = [("d1", "family_certificate", False), ("d2", "id_card_copy", False),
                 ("d3", "self_declaration", False), ("d4", "social_assistance_certificate", True)]
    text = _receipt_text(catalog, documents, tmp_path)
    assert "DËFTESË PRANIMI" in text
    assert "C-2026-000123" in text
    assert catalog.service(SERVICE).name_sq in text
    assert "09.03.2026 10:42" in text
    received, _, rest = text.partition("Dokumentet që mungojnë")
    missing, _, rest = rest.partition("Dokumentet për t'u verifikuar")
    uncertain, _, present = rest.partition("Dokumentet e kërkuara të dorëzuara")
    # Received documents under their Albanian type names; the extra one is said to be not required.
    assert "Çertifikatë familjare" in received and "Fotokopje e kartës së identitetit" in received
    assert "Vetëdeklarim" in received and "nuk kërkohet për këtë shërbim" in received
    # Missing: the service's own wording of each entry nobody handed in.
    for slot in ("VËRTETIM QË JE BANOR I QYTETIT", "VËRTETIM NGA HIPOTEKA", "KONTRATË QIRAJE E NOTERIZUAR",
                 "TË ARDHURAT FAMILJARE", "FOTOKOPJE E RAPORTIT MJEKSOR"):
        assert slot in missing, slot
    assert "VËRTETIM NGA ZYRA E NDIHMËS EKONOMIKE" in uncertain
    assert "ÇERTIFIKATË FAMILJARE" in present and "FOTOKOPJE E KARTËS SË IDENTITETIT" in present
    assert "ÇERTIFIKATË FAMILJARE" not in missing


def test_receipt_carries_no_personal_number_or_document_id(catalog: Catalog, tmp_path: Path) -> None:
    text = _receipt_text(catalog, [("0f3c9a7e5b1d4e2f8a6b0c9d7e5f3a1b", "id_card_copy", False)], tmp_path)
    assert not re.search(r"\b[A-M]\d{8}[A-Z]\b", text)
    assert "0f3c9a7e" not in text


def test_an_empty_case_says_nothing_was_received_and_everything_is_missing(catalog: Catalog,
                                                                            tmp_path: Path) -> None:
    text = _receipt_text(catalog, [], tmp_path)
    assert "Asnjë dokument nuk është pranuar ende." in text
    missing = text.partition("Dokumentet që mungojnë")[2].partition("Dokumentet për t'u verifikuar")[0]
    assert all(entry.text in missing for entry in catalog.service(SERVICE).required_documents)
