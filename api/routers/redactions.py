"""Officers' review of a document's redaction boxes before release: list them, add or remove boxes.

Reading the boxes (page, box, entity type; never a value) is a metadata read. Changing them shows the
officer what is under a box, so it is authorized like a read of the original (assigned officer, stated
purpose, unexpired grant) and audited with the action ``redact``: one entry per call, allowed or denied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from api.access import authorize, document_resource
from api.deps import CurrentUser, RequestId, StateDep
from pipeline.errors import InputError
from pipeline.models import BBox
from privacy.review import BoxChange, BoxReason
from storage import repository as repo

router = APIRouter(prefix="/api/documents", tags=["redactions"])

MAX_CHANGES = 200


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class BoxOut(BaseModel):
    id: str
    page: int
    """0-based page of the document."""
    entity_type: str
    bbox: BBox
    """In the pixels of the page's corrected image."""


class ChangeOut(BaseModel):
    user_id: str
    created_at: datetime
    action: str
    page: int
    entity_type: str
    bbox: BBox
    reason: str
    verified: bool


class RedactionsOut(BaseModel):
    boxes: list[BoxOut]
    changes: list[ChangeOut]


class BoxChangeIn(_In):
    action: Literal["add", "remove"]
    reason: BoxReason
    page: int | None = Field(default=None, ge=0)
    """``add``: 0-based page of the document."""
    bbox: BBox | None = None
    """``add``: the box, in the pixels of the page's corrected image."""
    entity_type: str = "OTHER"
    box_id: str | None = Field(default=None, max_length=64)
    """``remove``: the id of one of the document's boxes (``GET .../redactions``)."""


class RedactionChangesIn(_In):
    purpose: str = Field(max_length=64)
    changes: list[BoxChangeIn] = Field(min_length=1, max_length=MAX_CHANGES)


class ReviewOut(BaseModel):
    verified: bool
    released: bool
    boxes: int
    checks: dict[str, bool]


def _page_indices(state: StateDep, document_id: str) -> list[int]:
    with repo.session_scope(state.context.session_factory) as session:
        return [page.batch_index for page in repo.pages_of_document(session, document_id)]


@router.get("/{document_id}/redactions", response_model=RedactionsOut)
def list_redactions(document_id: str, state: StateDep, user: CurrentUser, request_id: RequestId) -> RedactionsOut:
    """The document's redaction boxes and the officers' changes to them."""
    authorize(state, user, document_resource(state, document_id, "metadata"), purpose=None, request_id=request_id)
    position = {index: number for number, index in enumerate(_page_indices(state, document_id))}
    with repo.session_scope(state.context.session_factory) as session:
        boxes = [BoxOut(id=row.id, page=position.get(row.page_index, -1), entity_type=row.entity_type,
                        bbox=BBox(x0=row.x0, y0=row.y0, x1=row.x1, y1=row.y1))
                 for row in repo.pii_findings_of_document(session, document_id)]
        changes = [ChangeOut(user_id=row.user_id, created_at=row.created_at, action=row.action,
                             page=position.get(row.page_index, -1), entity_type=row.entity_type,
                             bbox=BBox(x0=row.x0, y0=row.y0, x1=row.x1, y1=row.y1), reason=row.reason,
                             verified=row.verified)
                   for row in repo.redaction_changes_of_document(session, document_id)]
    return RedactionsOut(boxes=boxes, changes=changes)


def _box_change(state: StateDep, document_id: str, pages: list[int], change: BoxChangeIn) -> BoxChange:
    from workers.review import finding_box

    if change.action == "remove":
        if change.box_id is None:
            raise InputError("a removal names the box_id to remove")
        page_index, box, entity = finding_box(state.context, document_id, change.box_id)
        return BoxChange(action="remove", page_index=page_index, bbox=box, entity_type=entity, reason=change.reason)
    if change.page is None or change.bbox is None or not change.page < len(pages):
        raise InputError("an added box needs a page of the document and a bbox")
    try:
        return BoxChange(action="add", page_index=pages[change.page], bbox=change.bbox,
                         entity_type=change.entity_type, reason=change.reason)
    except ValueError:
        raise InputError("an added box needs an area and a known entity type (or OTHER)") from None


@router.post("/{document_id}/redactions", response_model=ReviewOut)
def change_redactions(document_id: str, body: RedactionChangesIn, state: StateDep, user: CurrentUser,
                      request_id: RequestId) -> ReviewOut:
    """Add or remove redaction boxes; the redacted copy is rebuilt, verified and re-signed, and released
    only if the verification passes (otherwise the document goes to review and no redacted copy is
    served)."""
    from workers.review import review_redaction

    authorize(state, user, document_resource(state, document_id, "original"), purpose=body.purpose,
              request_id=request_id, action="redact")
    pages = _page_indices(state, document_id)
    try:
        changes = [_box_change(state, document_id, pages, change) for change in body.changes]
        outcome = review_redaction(state.context, document_id, user_id=user.user_id, changes=changes,
                                   request_id=request_id)
    except InputError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code) from None
    return ReviewOut(verified=outcome.verified, released=outcome.released, boxes=outcome.boxes,
                     checks={check.name: check.passed for check in outcome.report.checks})
