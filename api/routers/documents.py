"""Documents: the redacted and original copies, the reader's (partial) view, page images (redacted, and
original for officers placing boxes), OCR text, metadata, and corrections."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel

from api.access import authorize, decide_read, deny, document_resource, record
from api.deps import CurrentUser, RequestId, StateDep
from pipeline.errors import NotFoundError, SportelError
from pipeline.models import PageOcr
from pipeline.plan import STEP_VERSIONS
from privacy.views import visible_key
from stages.images import is_jpeg
from storage import repository as repo
from storage.audit_chain import ResourceKind
from storage.tables import Document

router = APIRouter(prefix="/api/documents", tags=["documents"])

PurposeQuery = Annotated[str | None, Query(description="Stated purpose code (see the policy's purposes)")]
_PDF = "application/pdf"
_OCTETS = "application/octet-stream"


class DocumentOut(BaseModel):
    id: str
    case_id: str
    document_type: str | None
    confidence: float | None
    uncertain: bool
    status: str
    page_count: int
    redaction_verified: bool | None
    signature_valid: bool | None
    pii_counts: dict[str, int]


class CorrectionIn(BaseModel):
    document_type: str


def _document_or_404(state: StateDep, document_id: str) -> Document:
    with repo.session_scope(state.context.session_factory) as session:
        try:
            return repo.get_document(session, document_id)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document") from None


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId) -> DocumentOut:
    authorize(state, user, document_resource(state, document_id, "metadata"), purpose=None, request_id=request_id)
    document = _document_or_404(state, document_id)
    with repo.session_scope(state.context.session_factory) as session:
        counts: dict[str, int] = {}
        for finding in repo.pii_findings_of_document(session, document_id):
            counts[finding.entity_type] = counts.get(finding.entity_type, 0) + 1
    return DocumentOut(id=document.id, case_id=document.case_id, document_type=document.document_type,
                       confidence=document.confidence, uncertain=document.uncertain, status=document.status,
                       page_count=document.page_count, redaction_verified=document.redaction_verified,
                       signature_valid=document.signature_valid, pii_counts=counts)


def _signed_copy(state: StateDep, user: CurrentUser, request_id: str, purpose: str | None, document_id: str,
                 kind: ResourceKind) -> Response:
    """One signed copy, after the gate: ``redacted`` (released only when its redaction was proven) or
    ``original`` (the archival copy)."""
    # The redacted copy shows no entity type unredacted, whatever the policy would allow (see /view).
    authorize(state, user, document_resource(state, document_id, kind), purpose=purpose, request_id=request_id,
              visible=frozenset() if kind == "redacted" else None)
    document = _document_or_404(state, document_id)
    blob = document.signed_redacted_blob if kind == "redacted" else document.signed_searchable_blob
    if blob is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no released {kind} copy (in review or processing)")
    return Response(state.context.blobs.get(blob), media_type=_PDF)


@router.get("/{document_id}/redacted", response_class=Response, responses={200: {"content": {_PDF: {}}}})
def get_redacted(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId,
                 purpose: PurposeQuery = None) -> Response:
    """The signed redacted copy. Released only when its redaction was proven."""
    return _signed_copy(state, user, request_id, purpose, document_id, "redacted")


@router.get("/{document_id}/original", response_class=Response, responses={200: {"content": {_PDF: {}}}})
def get_original(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId,
                 purpose: PurposeQuery = None) -> Response:
    """The signed archival (unredacted) copy: assigned officers, stated purpose, unexpired grant."""
    return _signed_copy(state, user, request_id, purpose, document_id, "original")


@router.get("/{document_id}/pages/{page}/image", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def get_page_image(document_id: str, page: int, state: StateDep, user: CurrentUser, request_id: RequestId,
                   purpose: PurposeQuery = None) -> Response:
    """A page of the redacted copy as PNG (rendered from the signed redacted PDF)."""
    import pypdfium2

    authorize(state, user, document_resource(state, document_id, "page_image"), purpose=purpose,
              request_id=request_id, visible=frozenset())
    document = _document_or_404(state, document_id)
    if document.signed_redacted_blob is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no released redacted copy")
    pdf = pypdfium2.PdfDocument(state.context.blobs.get(document.signed_redacted_blob))
    try:
        if not 0 <= page < len(pdf):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such page")
        image = pdf[page].render(scale=100 / 72).to_pil()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), media_type="image/png")


@router.get("/{document_id}/view", response_class=Response, responses={200: {"content": {_PDF: {}}}})
def get_view(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId,
             purpose: PurposeQuery = None) -> Response:
    """The copy this reader may see: redacted except for the entity types the policy lets the role see
    unredacted on this type of document (header ``X-Sportel-Visible-Entities``). Such a partial view is
    built, proven like the redacted copy and signed on its first read, then served from the cache; where
    the policy shows nothing the document has, it is the released redacted copy. A view that cannot be
    proven is never served (409) and sends the document to review."""
    from workers.views import PartialViewUnverifiedError, ViewNotReleasedError, document_view

    resource = document_resource(state, document_id, "redacted")
    decision = decide_read(state, user, resource, purpose=purpose)
    if not decision.allowed:
        record(state, user, resource, decision, purpose=purpose, request_id=request_id)
        raise deny(decision)
    try:
        view = document_view(state.context, document_id, decision.visible_entities)
    except Exception as exc:
        # Exactly one entry, written once it is known what was served: a view not served is no read.
        code = exc.code if isinstance(exc, SportelError) else "view_failed"
        record(state, user, resource, replace(decision, allowed=False, reason=code), purpose=purpose,
               request_id=request_id)
        if isinstance(exc, ViewNotReleasedError):
            raise HTTPException(status.HTTP_409_CONFLICT, "no released redacted copy (in review or processing)") \
                from None
        if isinstance(exc, PartialViewUnverifiedError):
            raise HTTPException(status.HTTP_409_CONFLICT, f"{exc.code}: this view of the document could not be "
                                "proven, so it is not served; the document was sent to review") from None
        if isinstance(exc, NotFoundError):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document") from None
        raise
    record(state, user, resource, decision, purpose=purpose, request_id=request_id)
    return Response(view.pdf, media_type=_PDF, headers={
        "X-Sportel-Visible-Entities": visible_key(decision.visible_entities),
        "X-Sportel-View": "partial" if view.partial else "redacted",
        "Cache-Control": "private, no-store",
    })


@router.get("/{document_id}/pages/{page}/original", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})
def get_original_page_image(document_id: str, page: int, state: StateDep, user: CurrentUser,
                            request_id: RequestId, purpose: PurposeQuery = None) -> Response:
    """A page as scanned, turned upright and deskewed, unredacted: the image whose pixels every redaction
    box refers to, for officers placing boxes. Authorized like the original (assigned officer, stated
    purpose, unexpired grant); ``page`` is 0-based within the document."""
    authorize(state, user, document_resource(state, document_id, "original"), purpose=purpose,
              request_id=request_id)
    with repo.session_scope(state.context.session_factory) as session:
        blobs = [row.corrected_blob for row in repo.pages_of_document(session, document_id)]
    if not 0 <= page < len(blobs):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such page")
    blob = blobs[page]
    if blob is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the page has no corrected image yet")
    data = state.context.blobs.get(blob)
    media = "image/jpeg" if is_jpeg(data) else "image/png" if data.startswith(b"\x89PNG") else _OCTETS
    # An unredacted image: no cache on the way may keep it.
    return Response(data, media_type=media, headers={"Cache-Control": "private, no-store"})


@router.get("/{document_id}/text")
def get_text(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId,
             purpose: PurposeQuery = None) -> dict[str, list[str]]:
    """The OCR text per page, with every word inside a PII box masked unless the policy lets this role
    see that entity type."""
    decision = authorize(state, user, document_resource(state, document_id, "ocr_text"), purpose=purpose,
                         request_id=request_id)
    with repo.session_scope(state.context.session_factory) as session:
        findings = [f for f in repo.pii_findings_of_document(session, document_id)
                    if f.entity_type not in decision.visible_entities]
        pages: list[str] = []
        for row in repo.pages_of_document(session, document_id):
            ocr = repo.load_step_result(session, row.id, "ocr", STEP_VERSIONS["ocr"], PageOcr)
            if ocr is None:
                pages.append("")
                continue
            boxes = [f for f in findings if f.page_index == ocr.page_index]
            words = [
                w if not any(w.bbox.x0 < b.x1 and b.x0 < w.bbox.x1 and w.bbox.y0 < b.y1 and b.y0 < w.bbox.y1
                             for b in boxes) else w.model_copy(update={"text": "█████"})
                for w in ocr.words
            ]
            pages.append(ocr.model_copy(update={"words": words}).text)
    return {"pages": pages}


@router.post("/{document_id}/classification", status_code=status.HTTP_202_ACCEPTED)
def correct_classification(document_id: str, body: CorrectionIn, state: StateDep, user: CurrentUser,
                           request_id: RequestId) -> dict[str, str]:
    """An officer's correction of a document's type: applied to the case and kept for ``sportel retrain``."""
    authorize(state, user, document_resource(state, document_id, "metadata"), purpose=None,
              request_id=request_id)
    state.context.catalog.document_type(body.document_type)
    with repo.session_scope(state.context.session_factory) as session:
        repo.add_correction(session, document_id=document_id, user_id=user.user_id,
                            document_type=body.document_type)
        repo.update_document(session, document_id, document_type=body.document_type, uncertain=False,
                             confidence=1.0, model_version="officer")
    from workers.steps import recompute_checklist

    recompute_checklist(state.context, document_id)
    return {"status": "corrected"}
