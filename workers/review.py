"""An officer's changes to a document's redaction boxes: applied, proven, re-signed, recorded, and the
redacted copy released only when its redaction is proven again.

The boxes stored for the document (:func:`storage.repository.pii_findings_of_document`) are the current
redaction; the changes are applied to them by :func:`privacy.review.apply_box_changes`, which builds and
verifies the redacted PDF again from the unredacted corrected page images. Every change is recorded
(who, when, box, add or remove, reason code, and whether the result was proven), whatever the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.errors import InputError, RedactionVerificationError
from pipeline.models import BBox, PageOcr, PiiFinding, RedactionReport
from pipeline.plan import STEP_VERSIONS
from privacy.review import BoxChange, apply_box_changes
from stages.images import decode_page
from storage import repository as repo
from workers.context import WorkerContext
from workers.signing import sign_and_validate

log = logging.getLogger(__name__)

REVIEWABLE = ("review", "redacted", "signed", "released")
"""Statuses whose redaction an officer may change: redaction has run. A released document's new
redacted copy replaces the released one, and only if it is proven."""


@dataclass(frozen=True)
class ReviewOutcome:
    verified: bool
    released: bool
    boxes: int
    report: RedactionReport


def _stored_findings(ctx: WorkerContext, document_id: str) -> list[PiiFinding]:
    with repo.session_scope(ctx.session_factory) as session:
        return [PiiFinding(entity_type=row.entity_type, page_index=row.page_index,
                           bbox=BBox(x0=row.x0, y0=row.y0, x1=row.x1, y1=row.y1), score=row.score)
                for row in repo.pii_findings_of_document(session, document_id)]


def finding_box(ctx: WorkerContext, document_id: str, finding_id: str) -> tuple[int, BBox, str]:
    """Page index, box and entity type of one of the document's stored findings."""
    with repo.session_scope(ctx.session_factory) as session:
        for row in repo.pii_findings_of_document(session, document_id):
            if row.id == finding_id:
                return row.page_index, BBox(x0=row.x0, y0=row.y0, x1=row.x1, y1=row.y1), row.entity_type
    raise InputError("no such redaction box on the document")


def review_redaction(ctx: WorkerContext, document_id: str, *, user_id: str, changes: Sequence[BoxChange],
                     request_id: str | None) -> ReviewOutcome:
    """Apply ``changes`` to the document's redaction; release the re-signed redacted copy if proven,
    otherwise withdraw it and send the document to review."""
    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        if document.status not in REVIEWABLE:
            raise InputError("the document's redaction has not run yet")
        archival_signed = document.signed_searchable_blob is not None
        pages = []
        for page in repo.pages_of_document(session, document_id):
            ocr = repo.load_step_result(session, page.id, "ocr", STEP_VERSIONS["ocr"], PageOcr)
            if ocr is not None and page.corrected_blob is not None:
                pages.append((page.corrected_blob, ocr))
    images = [(decode_page(ctx.blobs.get(blob)), ocr) for blob, ocr in pages]
    redacted = apply_box_changes(images, _stored_findings(ctx, document_id), changes,
                                 lang=ctx.settings.ocr_languages)
    verified = redacted.report.verified
    redacted_blob = signed_blob = None
    if verified:
        signed, _ = sign_and_validate(ctx, redacted.pdf, level=ctx.settings.pades_level_redacted,
                                      reason="Kopje e anonimizuar nga Sportel, rishikuar nga zyrtari")
        redacted_blob, signed_blob = ctx.blobs.put(redacted.pdf), ctx.blobs.put(signed)
    released = verified and archival_signed
    with repo.session_scope(ctx.session_factory) as session:
        repo.replace_pii_findings(session, document_id, redacted.all_findings)
        for change in changes:
            box = change.bbox
            repo.add_redaction_change(session, document_id=document_id, user_id=user_id, action=change.action,
                                      page_index=change.page_index, entity_type=change.entity_type,
                                      box=(box.x0, box.y0, box.x1, box.y1), reason=change.reason,
                                      request_id=request_id, verified=verified)
        repo.update_document(
            session, document_id, redacted_pdf_blob=redacted_blob, signed_redacted_blob=signed_blob,
            redaction_verified=verified,
            status="released" if released else "redacted" if verified else "review",
            error_code=None if verified else RedactionVerificationError.code,
        )
    log.info("document %s: %d box changes by an officer, redaction %s", document_id, len(changes),
             "proven" if verified else "NOT proven")
    return ReviewOutcome(verified=verified, released=released, boxes=len(redacted.all_findings),
                         report=redacted.report)
