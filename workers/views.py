"""A reader's view of a document: the released redacted copy, or a partial view built, proven, signed and
cached for the entity types the policy lets the reader see.

A partial view is built once per (document, findings version, visible types) and kept: the signed PDF
in the blob store, and a record of it as a step result (subject: the document; step: ``view.`` and a
digest of the visible types; version: the findings version), so a second read costs a lookup. An
officer's box change gives the document a new findings version, so no view made before it is served
after it. A view whose verification fails is recorded as such (the next read does not redo the work),
never served, and the document goes to the officers' review queue.

Signing: a partial view is signed like the redacted copy (same PAdES level, certification that allows
no change) when it is first built. It carries personal data and leaves the system like the other
outputs, so it is sealed like them; the cost is paid once per variant, since it is cached.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from pipeline.errors import RedactionVerificationError, SportelError
from pipeline.models import BBox, PageOcr, PiiFinding, RedactionReport
from pipeline.plan import STEP_VERSIONS
from privacy.views import build_partial_view, findings_version, shown_types, visible_key
from stages.images import decode_page
from storage import repository as repo
from storage.tables import PiiFindingRow
from workers.context import WorkerContext
from workers.signing import sign_and_validate

log = logging.getLogger(__name__)

VIEW_STEP = "view"
SIGN_REASON = "Kopje e anonimizuar pjesërisht nga Sportel, sipas politikës së aksesit"
"""Albanian: a partially anonymised copy, per the access policy."""


class ViewNotReleasedError(SportelError):
    """The document has no released redacted copy (in review or processing): no view of it either."""

    code = "not_released"


class PartialViewUnverifiedError(RedactionVerificationError):
    """A partial view still reveals a hidden value: it is never served, and the document goes to review."""

    code = "partial_view_unverified"


class ViewRecord(BaseModel):
    """What is kept of a built view: never a value (the report names counts and entity types)."""

    model_config = ConfigDict(frozen=True)

    visible_entities: list[str]
    findings_version: str
    verified: bool
    signed_blob: str | None
    hidden: int
    report: RedactionReport


@dataclass(frozen=True)
class View:
    pdf: bytes
    partial: bool
    """False: the released redacted copy (no finding of a visible type on the document)."""
    shown: frozenset[str]
    """Entity types left readable (those of the visible types the document has findings of)."""
    cached: bool


class _BuildLocks:
    """One lock per view key, so that concurrent first reads of one view in a process build it once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def of(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def view_step(shown: Collection[str]) -> str:
    """The step name of a view: step names are short, so the visible types enter as a digest (the record
    lists them in full)."""
    return f"{VIEW_STEP}.{hashlib.sha256(visible_key(shown).encode()).hexdigest()[:32]}"


def _stored_findings(rows: Collection[PiiFindingRow]) -> list[PiiFinding]:
    return [PiiFinding(entity_type=row.entity_type, page_index=row.page_index,
                       bbox=BBox(x0=row.x0, y0=row.y0, x1=row.x1, y1=row.y1), score=row.score) for row in rows]


def document_view(ctx: WorkerContext, document_id: str, visible: Collection[str]) -> View:
    """The copy of the document for a reader who may see ``visible`` entity types unredacted.

    Raises :class:`ViewNotReleasedError` when the redacted copy is not released, and
    :class:`PartialViewUnverifiedError` (after sending the document to review) when the partial view
    could not be proven.
    """
    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        released = document.signed_redacted_blob
        findings = _stored_findings(repo.pii_findings_of_document(session, document_id))
        pages = [(page.id, page.corrected_blob) for page in repo.pages_of_document(session, document_id)]
    if released is None:
        raise ViewNotReleasedError(f"document {document_id} has no released redacted copy")
    shown = shown_types(findings, visible)
    if not shown:
        return View(pdf=ctx.blobs.get(released), partial=False, shown=shown, cached=True)
    if any(blob is None for _, blob in pages):
        raise SportelError(f"document {document_id} has a page without a corrected image")
    version = findings_version(findings, [blob for _, blob in pages if blob is not None])
    step, key = view_step(shown), version[:32]
    record, cached = _load(ctx, document_id, step, key), True
    if record is None:
        locks = ctx.cached("view_build_locks", _BuildLocks)
        with locks.of(f"{document_id}/{step}/{key}"):
            record = _load(ctx, document_id, step, key)
            if record is None:
                record, cached = _build(ctx, document_id, findings, shown, version), False
    if not record.verified or record.signed_blob is None:
        _send_to_review(ctx, document_id)
        raise PartialViewUnverifiedError(
            f"document {document_id}: the view showing {visible_key(shown)} is not proven; sent to review")
    return View(pdf=ctx.blobs.get(record.signed_blob), partial=True, shown=shown, cached=cached)


def _load(ctx: WorkerContext, document_id: str, step: str, key: str) -> ViewRecord | None:
    with repo.session_scope(ctx.session_factory) as session:
        return repo.load_step_result(session, document_id, step, key, ViewRecord)


def _build(ctx: WorkerContext, document_id: str, findings: list[PiiFinding], shown: frozenset[str],
           version: str) -> ViewRecord:
    with repo.session_scope(ctx.session_factory) as session:
        pages = []
        for page in repo.pages_of_document(session, document_id):
            ocr = repo.load_step_result(session, page.id, "ocr", STEP_VERSIONS["ocr"], PageOcr)
            if ocr is None or page.corrected_blob is None:
                raise SportelError(f"page {page.id} of document {document_id} has no OCR result")
            pages.append((page.corrected_blob, ocr))
    images = [(decode_page(ctx.blobs.get(blob)), ocr) for blob, ocr in pages]
    view = build_partial_view(images, findings, shown, lang=ctx.settings.ocr_languages)
    signed_blob = None
    if view.report.verified:
        signed, _ = sign_and_validate(ctx, view.pdf, level=ctx.settings.pades_level_redacted, reason=SIGN_REASON)
        signed_blob = ctx.blobs.put(signed)
    record = ViewRecord(visible_entities=sorted(shown), findings_version=version, verified=view.report.verified,
                        signed_blob=signed_blob, hidden=view.hidden, report=view.report)
    step = view_step(shown)
    with repo.session_scope(ctx.session_factory) as session:
        # Another process may have stored this view meanwhile: the first record stands and is served.
        repo.save_step_result(session, document_id, step, version[:32], record)
        stored = repo.load_step_result(session, document_id, step, version[:32], ViewRecord)
    failed = [check.name for check in view.report.checks if not check.passed]
    log.info("document %s: partial view showing %s built, %d boxes, %s", document_id, visible_key(shown),
             view.hidden, "proven" if view.report.verified else f"NOT proven ({', '.join(failed)})")
    return stored or record


def _send_to_review(ctx: WorkerContext, document_id: str) -> None:
    """Flag the document for the officers' review queue. Its released redacted copy stays proven and
    served; an officer's box change gives it a new findings version, and the view is tried again."""
    with repo.session_scope(ctx.session_factory) as session:
        # Conditional moves: a step releasing the document meanwhile cannot undo the flag, nor this
        # overwrite a status a step has just set.
        for status in ("released", "signed", "redacted"):
            if repo.claim_document_step(session, document_id, status, "review"):
                break
        repo.update_document(session, document_id, error_code=PartialViewUnverifiedError.code)
