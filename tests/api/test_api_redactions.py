"""Officers add or remove redaction boxes before release: one audit entry per call (allowed or denied),
changes recorded, the redacted copy rebuilt, verified, re-signed and released only when proven, and no
seeded value readable in it that a box still covers."""

from __future__ import annotations

import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from benchmarks.samples.truth import DocumentTruth
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

TOKENS = {"officer": "demo-officer", "officer_other": "demo-officer-other", "desk": "demo-desk",
          "external": "demo-external", "admin": "demo-admin"}


@dataclass(frozen=True)
class Api:
    client: TestClient
    run: PipelineRun

    def call(self, method: str, who: str, url: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.request(method, url, json=body, headers={"Authorization": f"Bearer {TOKENS[who]}"})

    @property
    def audit(self) -> Any:
        return self.client.app.state.sportel.audit  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def api(embedded_run: PipelineRun) -> Iterator[Api]:
    with TestClient(create_app(embedded_run.settings)) as client:
        api = Api(client, embedded_run)
        expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        grant = {"user_id": "officer-1", "case_id": embedded_run.manifest.case_id, "purpose": "case_processing",
                 "expires_at": expires}
        granted = api.call("POST", "admin", "/api/grants", grant)
        assert granted.status_code == 201
        yield api


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def _document(api: Api) -> tuple[str, DocumentTruth]:
    """A released document of the batch with several boxes, and its ground truth."""
    for truth_doc in api.run.batch.documents:
        document = next(d for d in api.run.manifest.documents
                        if tuple(d.page_range) == (truth_doc.first_page, truth_doc.last_page))
        truth = DocumentTruth.model_validate_json(
            (api.run.corpus_dir / "truth" / f"{truth_doc.doc_id}.json").read_text())
        if document.files.signed_redacted_pdf and len(document.pii) >= 4:
            return document.id, truth
    raise AssertionError("no released document with boxes in the batch")


def _readable(api: Api, document_id: str, truth: DocumentTruth) -> list[str]:
    """Seeded values of ``truth`` in the text of the released signed redacted copy."""
    response = api.call("GET", "officer", f"/api/documents/{document_id}/redacted")
    assert response.status_code == 200
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "copy.pdf"
        path.write_bytes(response.content)
        text = _fold(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode())
    return [p.value for p in truth.pii if len(_fold(p.value)) >= 5 and _fold(p.value) in text]


def test_listing_boxes_is_one_metadata_read(api: Api) -> None:
    document_id, _ = _document(api)
    before = len(api.audit.entries())
    response = api.call("GET", "officer", f"/api/documents/{document_id}/redactions")
    assert response.status_code == 200
    boxes = response.json()["boxes"]
    assert boxes and all(set(b) == {"id", "page", "entity_type", "bbox"} for b in boxes)
    assert len(api.audit.entries()) == before + 1


@pytest.mark.parametrize("who", ["officer_other", "desk", "external", "admin"])
def test_a_role_without_the_right_changes_nothing_and_is_audited(api: Api, who: str) -> None:
    document_id, _ = _document(api)
    boxes = api.call("GET", "officer", f"/api/documents/{document_id}/redactions").json()["boxes"]
    before_doc = api.call("GET", "officer", f"/api/documents/{document_id}/redacted").content
    before = len(api.audit.entries())
    body = {"purpose": "case_processing",
            "changes": [{"action": "remove", "box_id": boxes[0]["id"], "reason": "not_personal_data"}]}
    response = api.call("POST", who, f"/api/documents/{document_id}/redactions", body)
    assert response.status_code == 403
    entries = api.audit.entries()
    assert len(entries) == before + 1
    assert (entries[-1].outcome, entries[-1].action) == ("denied", "redact")
    after = api.call("GET", "officer", f"/api/documents/{document_id}/redactions").json()["boxes"]
    assert after == boxes
    assert api.call("GET", "officer", f"/api/documents/{document_id}/redacted").content == before_doc


def test_an_officer_moves_a_box_and_then_removes_one(api: Api) -> None:
    document_id, truth = _document(api)
    url = f"/api/documents/{document_id}/redactions"
    assert _readable(api, document_id, truth) == []
    boxes = api.call("GET", "officer", url).json()["boxes"]
    first = boxes[0]
    wider = {k: v + d for (k, v), d in zip(first["bbox"].items(), (-3, -3, 3, 3), strict=True)}

    # Replace a box with a slightly larger one: everything stays hidden, the copy is re-signed.
    before = len(api.audit.entries())
    body = {"purpose": "case_processing", "changes": [
        {"action": "remove", "box_id": first["id"], "reason": "other"},
        {"action": "add", "page": first["page"], "bbox": wider, "entity_type": first["entity_type"],
         "reason": "missed_personal_data"},
    ]}
    response = api.call("POST", "officer", url, body)
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["verified"] and outcome["released"] and outcome["boxes"] == len(boxes)
    assert len(api.audit.entries()) == before + 1
    assert (api.audit.entries()[-1].action, api.audit.entries()[-1].outcome) == ("redact", "allowed")
    assert _readable(api, document_id, truth) == []
    signed = api.call("GET", "officer", f"/api/documents/{document_id}/redacted").content
    reports = api.client.post("/api/signatures/validate", headers={"Authorization": f"Bearer {TOKENS['officer']}"},
                              files={"file": ("x.pdf", signed, "application/pdf")}).json()
    assert reports and all(r["valid"] and r["intact"] for r in reports)

    # Remove the boxes over one value: that value, and only values under removed boxes, become readable.
    listed = api.call("GET", "officer", url).json()
    assert [(c["action"], c["reason"], c["user_id"], c["verified"]) for c in listed["changes"]] == [
        ("remove", "other", "officer-1", True), ("add", "missed_personal_data", "officer-1", True)]
    target = next(b for b in listed["boxes"] if b["entity_type"] in ("AL_PERSONAL_NUMBER", "PHONE_NUMBER",
                                                                       "IBAN_CODE", "EMAIL_ADDRESS"))
    response = api.call("POST", "officer", url, {"purpose": "case_processing", "changes": [
        {"action": "remove", "box_id": target["id"], "reason": "not_personal_data"}]})
    assert response.status_code == 200 and response.json()["verified"]
    readable = _readable(api, document_id, truth)
    assert len(readable) >= 1
    assert {p.entity_type for p in truth.pii if p.value in readable} == {target["entity_type"]}


def test_changes_need_a_purpose_and_valid_boxes(api: Api) -> None:
    document_id, _ = _document(api)
    url = f"/api/documents/{document_id}/redactions"
    add = {"action": "add", "page": 0, "bbox": {"x0": 10, "y0": 10, "x1": 60, "y1": 40}, "reason": "other"}
    before = len(api.audit.entries())
    assert api.call("POST", "officer", url, {"purpose": "", "changes": [add]}).status_code == 403
    assert len(api.audit.entries()) == before + 1
    bad_page = {**add, "page": 99}
    assert api.call("POST", "officer", url, {"purpose": "case_processing", "changes": [bad_page]}).status_code == 422
    free_text = {**add, "reason": "the applicant asked"}
    assert api.call("POST", "officer", url, {"purpose": "case_processing", "changes": [free_text]}).status_code == 422
