"""The case's front-desk receipt and its key fields over the API, on the embedded pipeline's batch: one
audit entry per read, values masked unless the policy shows them, and a personal-number mismatch between
the application form and the ID card copy flagged on the case."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from benchmarks.samples.truth import DocumentTruth
from pipeline.models import ExtractedField, Extraction
from pipeline.plan import STEP_VERSIONS
from privacy.policy import DEFAULT_POLICY_FILE
from storage import repository as repo
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

HEADERS = {role: {"Authorization": f"Bearer demo-{role}"} for role in ("desk", "officer", "admin", "external")}


def _policy_showing_id_card_numbers(tmp: Path) -> Path:
    """The shipped policy plus one rule: officers of the demo service's institution see names and
    personal numbers on ID card copies and application forms."""
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    for doc_type in ("id_card_copy", "application_form"):
        policy["visibility"].append({"role": "back_office_officer", "department": "Bashkia Bulqizë",
                                     "document_type": doc_type, "unredacted": ["PERSON", "AL_PERSONAL_NUMBER"]})
    path = tmp / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def client(embedded_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    policy = _policy_showing_id_card_numbers(tmp_path_factory.mktemp("policy"))
    app = create_app(embedded_run.settings.model_copy(update={"policy_file": policy}))
    with TestClient(app) as test_client:
        yield test_client


def _audit_size(client: TestClient) -> int:
    return len(client.app.state.sportel.audit.entries())  # type: ignore[attr-defined]


def _truth(run: PipelineRun, doc_id: str) -> DocumentTruth:
    return DocumentTruth.model_validate_json((run.corpus_dir / "truth" / f"{doc_id}.json").read_text())


def test_receipt_pdf_lists_received_and_missing_documents_in_albanian(
        client: TestClient, embedded_run: PipelineRun, tmp_path: Path) -> None:
    case = embedded_run.manifest.case_id
    before = _audit_size(client)
    response = client.get(f"/api/cases/{case}/receipt", headers=HEADERS["desk"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert _audit_size(client) == before + 1
    path = tmp_path / "receipt.pdf"
    path.write_bytes(response.content)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    state = client.app.state.sportel  # type: ignore[attr-defined]
    catalog = state.context.catalog
    service = catalog.service(embedded_run.manifest.service_id)
    assert service.name_sq in text and case in text
    received = text.partition("Dokumentet që mungojnë")[0]
    for document in embedded_run.batch.documents:
        assert catalog.types_by_id[document.document_type].names_sq[0] in received, document.document_type
    missing = text.partition("Dokumentet që mungojnë")[2].partition("Dokumentet për t'u verifikuar")[0]
    for entry in service.required_documents:
        expected_missing = not set(entry.document_types) & {d.document_type for d in embedded_run.batch.documents}
        assert (entry.text in missing) == expected_missing, entry.text
    for truth_doc in embedded_run.batch.documents:
        for value in _truth(embedded_run, truth_doc.doc_id).key_fields.values():
            assert value not in text


def test_fields_show_what_the_policy_allows_and_mask_the_rest(client: TestClient,
                                                               embedded_run: PipelineRun) -> None:
    case = embedded_run.manifest.case_id
    before = _audit_size(client)
    response = client.get(f"/api/cases/{case}/fields", headers=HEADERS["officer"])
    assert response.status_code == 200
    assert _audit_size(client) == before + 1
    by_id = {d["document_id"]: d for d in response.json()["documents"]}
    shown = masked = 0
    for truth_doc in embedded_run.batch.documents:
        document = next(d for d in embedded_run.manifest.documents
                        if tuple(d.page_range) == (truth_doc.first_page, truth_doc.last_page))
        truth = _truth(embedded_run, truth_doc.doc_id)
        fields = {f["name"]: f for f in by_id[document.id]["fields"]}
        for name, value in truth.key_fields.items():
            field = fields.get(name)
            if field is None:
                continue
            visible = name in ("amount", "cadastral_zone", "property_number") or (
                name in ("personal_number", "applicant_name")
                and truth.document_type in ("id_card_copy", "application_form"))
            if visible:
                assert field["value"] == value or field["value"].casefold() == value.casefold(), name
                shown += 1
            else:
                assert field["value"] is None and field["masked"], name
                masked += 1
    assert shown >= 2 and masked >= 1
    assert "AL_PERSONAL_NUMBER" not in response.text  # entity types stay server-side


@pytest.mark.parametrize("who", ["desk", "admin", "external"])
def test_fields_are_refused_to_roles_without_ocr_text_and_the_denial_is_audited(client: TestClient,
                                                                                 embedded_run: PipelineRun,
                                                                                 who: str) -> None:
    before = _audit_size(client)
    response = client.get(f"/api/cases/{embedded_run.manifest.case_id}/fields", headers=HEADERS[who])
    assert response.status_code == 403
    assert _audit_size(client) == before + 1


def test_a_personal_number_mismatch_is_flagged_on_the_case(client: TestClient, embedded_run: PipelineRun) -> None:
    from workers.steps import recompute_checklist

    state = client.app.state.sportel  # type: ignore[attr-defined]
    context = state.context
    form_number, card_number = "J05101012K", "I55202034A"
    with repo.session_scope(context.session_factory) as session:
        case = repo.create_case(session, service_id=embedded_run.manifest.service_id, case_id="C-FLAG-0001")
        batch = repo.create_batch(session, case_id=case.id, station="test")
        ids = []
        for index, (doc_type, number) in enumerate((("application_form", form_number),
                                                    ("id_card_copy", card_number))):
            document = repo.create_document(session, batch_id=batch.id, case_id=case.id, index_in_batch=index,
                                            first_page=index, last_page=index, page_count=1)
            repo.update_document(session, document.id, document_type=doc_type, confidence=0.9, status="released")
            field = ExtractedField(name="personal_number", value=number, confidence=0.9, page_index=index,
                                   entity_type="AL_PERSONAL_NUMBER")
            repo.save_step_result(session, document.id, "extract", STEP_VERSIONS["extract"],
                                  Extraction(document_type=doc_type, fields=[field]))
            ids.append(document.id)
    recompute_checklist(context, ids[0])
    response = client.get("/api/cases/C-FLAG-0001", headers=HEADERS["officer"])
    assert response.status_code == 200
    flags = response.json()["flags"]
    assert [(f["code"], sorted(f["document_ids"])) for f in flags] == [("personal_number_mismatch", sorted(ids))]
    assert form_number not in response.text and card_number not in response.text
    page = client.get("/ui/cases/C-FLAG-0001", headers=HEADERS["officer"])
    assert page.status_code == 200 and "personal_number_mismatch" in page.text


def test_receipt_command_writes_the_same_receipt(embedded_run: PipelineRun, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    out = tmp_path / "deftese.pdf"
    result = CliRunner().invoke(app, ["receipt", "--case", embedded_run.manifest.case_id, "--home",
                                      str(embedded_run.settings.home), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "DËFTESË PRANIMI" in text and embedded_run.manifest.case_id in text
