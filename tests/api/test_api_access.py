"""Issue 5: every API route that returns document content goes through the policy, writes exactly one
audit entry per read or denial, and gives a role without the right nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

TOKENS = {
    "station": "demo-station", "desk": "demo-desk", "officer": "demo-officer", "officer_other": "demo-officer-other",
    "dpo": "demo-dpo", "admin": "demo-admin", "external": "demo-external",
}


@dataclass(frozen=True)
class Api:
    client: TestClient
    run: PipelineRun

    def get(self, who: str, url: str, **params: str) -> object:
        return self.client.get(url, params=params, headers={"Authorization": f"Bearer {TOKENS[who]}"})

    def post(self, who: str, url: str, body: dict[str, object]) -> object:
        return self.client.post(url, json=body, headers={"Authorization": f"Bearer {TOKENS[who]}"})

    def audit_size(self) -> int:
        return len(self.client.app.state.sportel.audit.entries())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def api(embedded_run: PipelineRun) -> Iterator[Api]:
    app = create_app(embedded_run.settings)
    with TestClient(app) as client:
        yield Api(client, embedded_run)


def _released_document(api: Api) -> str:
    return next(d.id for d in api.run.manifest.documents if d.files.signed_redacted_pdf)


def _content_routes(api: Api) -> list[tuple[str, str, dict[str, str]]]:
    doc = _released_document(api)
    case = api.run.manifest.case_id
    return [
        ("metadata", f"/api/documents/{doc}", {}),
        ("metadata", f"/api/cases/{case}", {}),
        ("metadata", f"/api/cases/{case}/receipt", {}),
        ("ocr_text", f"/api/cases/{case}/fields", {}),
        ("redacted", f"/api/documents/{doc}/redacted", {}),
        ("page_image", f"/api/documents/{doc}/pages/0/image", {}),
        ("ocr_text", f"/api/documents/{doc}/text", {}),
        ("original", f"/api/documents/{doc}/original", {"purpose": "case_processing"}),
        ("redacted", f"/api/documents/{doc}/view", {}),
        ("original", f"/api/documents/{doc}/pages/0/original", {"purpose": "case_processing"}),
        ("metadata", f"/ui/cases/{case}", {}),
        ("metadata", f"/api/documents/{doc}/redactions", {}),
    ]


def test_every_content_read_writes_exactly_one_audit_entry(api: Api) -> None:
    case = api.run.manifest.case_id
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    granted = api.post("admin", "/api/grants", {"user_id": "officer-1", "case_id": case,
                                                "purpose": "case_processing", "expires_at": expires})
    assert granted.status_code == 201  # type: ignore[attr-defined]
    for _, url, params in _content_routes(api):
        before = api.audit_size()
        response = api.get("officer", url, **params)
        assert response.status_code == 200, (url, response.status_code)  # type: ignore[attr-defined]
        assert response.content  # type: ignore[attr-defined]
        assert api.audit_size() == before + 1, url
    entries = api.client.app.state.sportel.audit.entries()  # type: ignore[attr-defined]
    assert {e.outcome for e in entries[-len(_content_routes(api)):]} == {"allowed"}


@pytest.mark.parametrize("who", ["station", "external", "officer_other", "admin"])
def test_a_role_without_the_right_gets_nothing_and_the_denial_is_audited(api: Api, who: str) -> None:
    for kind, url, params in _content_routes(api):
        if who == "admin" and kind == "metadata":
            continue  # administrators run the system: metadata only, which they may read
        before = api.audit_size()
        response = api.get(who, url, **params)
        assert response.status_code == 403, (who, url, response.status_code)  # type: ignore[attr-defined]
        content = response.content  # type: ignore[attr-defined]
        assert b"%PDF" not in content and b"PNG" not in content and b"\xff\xd8\xff" not in content
        assert api.audit_size() == before + 1
        assert api.client.app.state.sportel.audit.entries()[-1].outcome == "denied"  # type: ignore[attr-defined]


def test_every_content_read_names_the_entity_types_it_showed(api: Api) -> None:
    """Reads of content name what the response showed unredacted: nothing for redacted copies and page
    images, every type for originals; metadata reads and denials name nothing."""
    from pipeline.models import PII_ENTITY_TYPES

    case = api.run.manifest.case_id
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    api.post("admin", "/api/grants", {"user_id": "officer-1", "case_id": case, "purpose": "case_processing",
                                      "expires_at": expires})
    state = api.client.app.state.sportel  # type: ignore[attr-defined]
    everything = ",".join(sorted(PII_ENTITY_TYPES))
    for kind, url, params in _content_routes(api):
        assert api.get("officer", url, **params).status_code == 200, url  # type: ignore[attr-defined]
        shown = state.audit.entries()[-1].visible_entities
        if kind == "metadata":
            assert shown is None, url
        elif kind == "original":
            assert shown == everything, url
        elif url.endswith(("/redacted", "/image")):
            assert shown == "", url
        else:
            assert shown is not None, url
    assert api.get("desk", f"/api/documents/{_released_document(api)}/original").status_code == 403  # type: ignore[attr-defined]
    assert state.audit.entries()[-1].visible_entities is None


def test_original_needs_a_current_grant_and_a_purpose(api: Api) -> None:
    doc = _released_document(api)
    for url in (f"/api/documents/{doc}/original", f"/api/documents/{doc}/pages/0/original"):
        assert api.get("officer", url).status_code == 403  # type: ignore[attr-defined]
        assert api.get("dpo", url, purpose="case_processing").status_code == 403  # type: ignore[attr-defined]


def test_ocr_text_masks_every_entity_type_the_role_may_not_see(api: Api) -> None:
    import unicodedata

    from benchmarks.samples.truth import DocumentTruth
    from privacy.policy import Role

    def fold(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())

    state = api.client.app.state.sportel  # type: ignore[attr-defined]
    checked = 0
    for truth_doc in api.run.batch.documents:
        document = next(d for d in api.run.manifest.documents
                        if tuple(d.page_range) == (truth_doc.first_page, truth_doc.last_page))
        truth_file = api.run.corpus_dir / "truth" / f"{truth_doc.doc_id}.json"
        truth = DocumentTruth.model_validate_json(truth_file.read_text())
        service = state.context.catalog.service(api.run.manifest.service_id)
        visible = state.policy.visibility_for(Role.BACK_OFFICE_OFFICER, service.department or service.institution,
                                              document.type).unredacted
        response = api.get("officer", f"/api/documents/{document.id}/text")
        assert response.status_code == 200  # type: ignore[attr-defined]
        text = fold(" ".join(response.json()["pages"]))  # type: ignore[attr-defined]
        hidden = [p for p in truth.pii if p.entity_type not in visible and len(fold(p.value)) >= 5]
        leaked = [p.entity_type for p in hidden if fold(p.value) in text]
        assert not leaked, f"{len(leaked)} hidden values readable in OCR text: {sorted(set(leaked))}"
        checked += len(hidden)
    assert checked > 10


def test_dpo_queries_and_exports_the_audit_with_a_purpose(api: Api) -> None:
    before = api.audit_size()
    response = api.post("dpo", "/api/audit/query", {"purpose": "audit_review", "user_id": "officer-1"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert all(e["user_id"] == "officer-1" for e in response.json())  # type: ignore[attr-defined]
    assert api.audit_size() == before + 1
    csv = api.post("dpo", "/api/audit/export.csv", {"purpose": "audit_review"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("seq")  # type: ignore[attr-defined]
    assert api.post("officer", "/api/audit/query", {"purpose": "audit_review"}).status_code == 403  # type: ignore[attr-defined]


def test_signature_validation_call_reports_a_signed_output_and_a_tampered_one(api: Api) -> None:
    signed = api.run.out_dir / next(d.files.signed_redacted_pdf for d in api.run.manifest.documents
                                    if d.files.signed_redacted_pdf)
    headers = {"Authorization": f"Bearer {TOKENS['officer']}"}
    reports = api.client.post("/api/signatures/validate", headers=headers,
                              files={"file": ("x.pdf", signed.read_bytes(), "application/pdf")}).json()
    assert reports and all(r["valid"] and r["intact"] and r["trusted"] for r in reports)
    tampered = bytearray(signed.read_bytes())
    middle = len(tampered) // 2
    tampered[middle] = (tampered[middle] + 1) % 256
    reports = api.client.post("/api/signatures/validate", headers=headers,
                              files={"file": ("x.pdf", bytes(tampered), "application/pdf")}).json()
    assert isinstance(reports, dict) or not all(r["intact"] for r in reports)
