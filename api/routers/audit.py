"""The data-protection officer's view of the audit log: queries, CSV export, verification.

A data subject is looked up by personal number in the request *body* (never in a URL); the store turns
it into the keyed hash the entries carry.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from api.access import authorize
from api.deps import CurrentUser, RequestId, StateDep
from privacy.policy import Resource
from storage.audit_chain import AuditEntry

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditQuery(BaseModel):
    purpose: str
    """Why the DPO is looking (a policy purpose code, e.g. ``audit_review``)."""
    subject_personal_number: str | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    for_purpose: str | None = None


def _audit_resource(kind: str = "audit") -> Resource:
    return Resource(kind=kind, case_id="*", document_id=None, document_type=None, service_id="*",  # type: ignore[arg-type]
                    department=None)


def _query(state: StateDep, body: AuditQuery) -> list[AuditEntry]:
    return state.audit.query(subject_personal_number=body.subject_personal_number, user_id=body.user_id,
                             since=body.since, until=body.until, purpose=body.for_purpose)


@router.post("/query", response_model=list[AuditEntry])
def query_audit(body: AuditQuery, state: StateDep, user: CurrentUser, request_id: RequestId) -> list[AuditEntry]:
    authorize(state, user, _audit_resource(), purpose=body.purpose, request_id=request_id, action="search",
              subject_personal_number=body.subject_personal_number)
    return _query(state, body)


@router.post("/export.csv", response_class=PlainTextResponse)
def export_audit(body: AuditQuery, state: StateDep, user: CurrentUser, request_id: RequestId) -> PlainTextResponse:
    authorize(state, user, _audit_resource(), purpose=body.purpose, request_id=request_id, action="export",
              subject_personal_number=body.subject_personal_number)
    return PlainTextResponse(state.audit.export_csv(_query(state, body)), media_type="text/csv")
