"""Partial views (issue 5): a document redacted except for the entity types a reader may see, built from
the unredacted pages by the same redaction and proven by the same verification as the redacted copy.

Checked on the embedded pipeline's batch (generated documents, real OCR, boxes as stored: without
values) against the documents' ground truth."""

from __future__ import annotations

import subprocess
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from benchmarks.samples.truth import DocumentTruth
from pipeline.models import BBox, PageOcr, PiiFinding
from pipeline.plan import STEP_VERSIONS
from privacy.views import build_partial_view, findings_version, shown_types, visible_key
from storage import repository as repo
from tests.conftest import PipelineRun

Page = tuple[NDArray[np.uint8], PageOcr]


def _finding(entity: str, page: int = 0, x0: int = 10, value: str = "") -> PiiFinding:
    return PiiFinding(entity_type=entity, page_index=page, bbox=BBox(x0=x0, y0=10, x1=x0 + 50, y1=30), score=0.9,
                      value=value)


# ------------------------------------------------------------------------------------------------ keys


def test_findings_version_follows_the_boxes_and_pages_not_their_order_or_values() -> None:
    findings = [_finding("PERSON"), _finding("AL_PERSONAL_NUMBER", x0=100), _finding("PERSON", page=1)]
    pages = ["a" * 64, "b" * 64]
    version = findings_version(findings, pages)
    assert findings_version(list(reversed(findings)), pages) == version
    assert findings_version([f.model_copy(update={"value": "x"}) for f in findings], pages) == version
    moved = [findings[0].model_copy(update={"bbox": BBox(x0=11, y0=10, x1=60, y1=30)}), *findings[1:]]
    relabelled = [findings[0].model_copy(update={"entity_type": "ADDRESS"}), *findings[1:]]
    assert len({version, findings_version(moved, pages), findings_version(relabelled, pages),
                findings_version(findings[1:], pages), findings_version(findings, ["c" * 64, "b" * 64])}) == 5


def test_a_view_shows_only_visible_types_the_document_has() -> None:
    findings = [_finding("PERSON"), _finding("AL_NIPT", x0=100)]
    assert shown_types(findings, {"PERSON", "IBAN_CODE"}) == {"PERSON"}
    assert shown_types(findings, {"IBAN_CODE"}) == frozenset()
    assert visible_key({"PERSON", "AL_NIPT"}) == visible_key(["AL_NIPT", "PERSON", "PERSON"]) == "AL_NIPT,PERSON"
    assert visible_key(()) == ""


# ------------------------------------------------------------------------------- on the embedded batch


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def _pdftotext(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "view.pdf"
        path.write_bytes(pdf)
        return _fold(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode())


def _document(run: PipelineRun, doc_type: str) -> tuple[str, DocumentTruth]:
    for truth_doc in run.batch.documents:
        document = next(d for d in run.manifest.documents
                        if tuple(d.page_range) == (truth_doc.first_page, truth_doc.last_page))
        if document.type == doc_type and document.files.signed_redacted_pdf:
            truth_file = run.corpus_dir / "truth" / f"{truth_doc.doc_id}.json"
            return document.id, DocumentTruth.model_validate_json(truth_file.read_text())
    raise AssertionError(f"no released {doc_type} in the batch")


def _stored(run: PipelineRun, document_id: str) -> tuple[list[Page], list[PiiFinding], str]:
    """The document's pages (corrected image, OCR), its boxes as stored (no values), and the text of its
    released redacted copy."""
    from stages.images import decode_page
    from workers.context import WorkerContext

    ctx = WorkerContext.from_settings(run.settings)
    with repo.session_scope(ctx.session_factory) as session:
        rows = repo.pages_of_document(session, document_id)
        ocr = [repo.load_step_result(session, row.id, "ocr", STEP_VERSIONS["ocr"], PageOcr) for row in rows]
        blobs = [row.corrected_blob for row in rows]
        findings = [PiiFinding(entity_type=r.entity_type, page_index=r.page_index, score=r.score,
                               bbox=BBox(x0=r.x0, y0=r.y0, x1=r.x1, y1=r.y1))
                    for r in repo.pii_findings_of_document(session, document_id)]
        redacted_blob = repo.get_document(session, document_id).signed_redacted_blob
    assert redacted_blob is not None and all(o is not None for o in ocr) and all(b is not None for b in blobs)
    pages = [(decode_page(ctx.blobs.get(blob)), page) for blob, page in zip(blobs, ocr, strict=True)
             if blob is not None and page is not None]
    return pages, findings, _pdftotext(ctx.blobs.get(redacted_blob))


@pytest.mark.slow
@pytest.mark.parametrize(("doc_type", "visible"), [
    ("id_card_copy", {"PERSON"}),
    ("family_certificate", {"PERSON", "AL_PERSONAL_NUMBER"}),
    ("lease_or_use_contract", {"ADDRESS", "PHONE_NUMBER"}),
])
def test_a_partial_view_shows_the_visible_types_and_proves_the_others_hidden(
        embedded_run: PipelineRun, doc_type: str, visible: set[str]) -> None:
    document_id, truth = _document(embedded_run, doc_type)
    pages, findings, redacted = _stored(embedded_run, document_id)
    view = build_partial_view(pages, findings, visible, lang=embedded_run.settings.ocr_languages)

    assert view.report.verified, [c for c in view.report.checks if not c.passed]
    assert view.hidden == sum(1 for f in findings if f.entity_type not in visible) > 0
    text = _pdftotext(view.pdf)
    # Values of the visible types that the redacted copy hides are readable (OCR misreads a few).
    shown = [p for p in truth.pii if p.entity_type in visible and len(_fold(p.value)) >= 5
             and _fold(p.value) not in redacted]
    readable = [p for p in shown if _fold(p.value) in text]
    assert shown and len(readable) >= max(1, len(shown) // 2)
    assert {p.entity_type for p in readable} == visible & {p.entity_type for p in shown}
    # None of the other types' values the redacted copy hides is.
    hidden = [p for p in truth.pii if p.entity_type not in visible and len(_fold(p.value)) >= 5
              and _fold(p.value) not in redacted]
    assert hidden
    leaked = sorted({p.entity_type for p in hidden if _fold(p.value) in text})
    assert not leaked, f"hidden values readable in the partial view: {leaked}"


@pytest.mark.slow
def test_the_verification_sees_the_values_a_view_leaves_readable(embedded_run: PipelineRun) -> None:
    """The proof is not vacuous: asked about every box, the visible ones included, the same verification
    finds the visible values in the view's text and fails it."""
    from privacy.review import box_value
    from privacy.verify import verify_redaction

    document_id, _ = _document(embedded_run, "id_card_copy")
    pages, findings, _ = _stored(embedded_run, document_id)
    view = build_partial_view(pages, findings, {"PERSON"}, lang=embedded_run.settings.ocr_languages)
    assert view.report.verified
    by_index = {ocr.page_index: (image, ocr) for image, ocr in pages}
    valued = [f.model_copy(update={"value": box_value(*by_index[f.page_index], f.bbox)}) for f in findings]
    every_box = verify_redaction(view.pdf, [f for f in valued if f.value.strip()], view.images,
                                 lang=embedded_run.settings.ocr_languages,
                                 page_indices=[ocr.page_index for _, ocr in pages])
    failed = {c.name: c.detail for c in every_box.checks if not c.passed}
    assert not every_box.verified
    assert "pdftotext" in failed and "PERSON" in failed["pdftotext"]
    assert "AL_PERSONAL_NUMBER" not in failed["pdftotext"]


@pytest.mark.slow
def test_a_view_showing_nothing_burns_every_box_like_the_redacted_copy(embedded_run: PipelineRun) -> None:
    document_id, truth = _document(embedded_run, "id_card_copy")
    pages, findings, redacted = _stored(embedded_run, document_id)
    view = build_partial_view(pages, findings, set(), lang=embedded_run.settings.ocr_languages)
    assert view.report.verified and view.hidden == len(findings)
    text = _pdftotext(view.pdf)
    assert not [p.entity_type for p in truth.pii if len(_fold(p.value)) >= 5
                and _fold(p.value) not in redacted and _fold(p.value) in text]
