"""Cases: the data-entry view of a service: its checklist, documents, key fields and the front-desk
receipt. Every route goes through :func:`api.access.authorize` (one audit entry per read or denial)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.access import authorize, case_resource
from api.deps import CurrentUser, RequestId, StateDep
from api.state import AppState
from pipeline.models import CaseFlag, ChecklistItem, Extraction
from pipeline.plan import STEP_VERSIONS
from privacy.policy import Principal
from storage import repository as repo
from workers.context import WorkerContext

router = APIRouter(prefix="/api/cases", tags=["cases"])

DESK_TIME_ZONE = "Europe/Tirane"


class CaseDocument(BaseModel):
    id: str
    document_type: str | None
    confidence: float | None
    uncertain: bool
    status: str
    page_count: int


class CaseOut(BaseModel):
    id: str
    service_id: str
    service_name: str
    status: str
    checklist: list[ChecklistItem]
    extra_document_ids: list[str]
    flags: list[CaseFlag]
    """Cross-document checks that failed; they name fields and documents, never values."""
    documents: list[CaseDocument]


class FieldOut(BaseModel):
    name: str
    value: str | None
    """``None`` when the policy masks this field's entity type for the reader."""
    masked: bool
    confidence: float
    page_index: int


class DocumentFieldsOut(BaseModel):
    document_id: str
    document_type: str | None
    fields: list[FieldOut]


class CaseFieldsOut(BaseModel):
    case_id: str
    flags: list[CaseFlag]
    documents: list[DocumentFieldsOut]


def load_case(state: StateDep, case_id: str) -> CaseOut:
    with repo.session_scope(state.context.session_factory) as session:
        case = repo.get_case(session, case_id)
        checklist = repo.get_checklist(session, case_id)
        documents = [
            CaseDocument(id=d.id, document_type=d.document_type, confidence=d.confidence, uncertain=d.uncertain,
                         status=d.status, page_count=d.page_count)
            for d in repo.documents_of_case(session, case_id)
        ]
    service = state.context.catalog.services_by_id.get(case.service_id)
    return CaseOut(id=case.id, service_id=case.service_id, service_name=service.name_sq if service else "?",
                   status=case.status, checklist=checklist.items if checklist else [],
                   extra_document_ids=checklist.extra_document_ids if checklist else [],
                   flags=checklist.flags if checklist else [], documents=documents)


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: str, state: StateDep, user: CurrentUser, request_id: RequestId) -> CaseOut:
    authorize(state, user, case_resource(state, case_id, "metadata"), purpose=None, request_id=request_id)
    return load_case(state, case_id)


def load_fields(state: AppState, user: Principal, case_id: str, department: str | None) -> CaseFieldsOut:
    """The case's extracted fields, each value shown only when the policy lets ``user``'s role see its
    entity type unredacted on that type of document (the same rule as the documents' OCR text)."""
    with repo.session_scope(state.context.session_factory) as session:
        checklist = repo.get_checklist(session, case_id)
        rows = [(d.id, d.document_type, repo.load_step_result(session, d.id, "extract", STEP_VERSIONS["extract"],
                                                              Extraction))
                for d in repo.documents_of_case(session, case_id)]
    documents = []
    for document_id, document_type, extraction in rows:
        visible = state.policy.visibility_for(user.role, department, document_type).unredacted
        fields = [
            FieldOut(name=f.name, value=f.value if shown else None, masked=not shown, confidence=f.confidence,
                     page_index=f.page_index)
            for f in (extraction.fields if extraction else [])
            for shown in (f.entity_type is None or f.entity_type in visible,)
        ]
        documents.append(DocumentFieldsOut(document_id=document_id, document_type=document_type, fields=fields))
    return CaseFieldsOut(case_id=case_id, flags=checklist.flags if checklist else [], documents=documents)


@router.get("/{case_id}/fields", response_model=CaseFieldsOut)
def get_fields(case_id: str, state: StateDep, user: CurrentUser, request_id: RequestId,
               purpose: str | None = None) -> CaseFieldsOut:
    """Key fields read off the case's documents (the data-entry view). Values are OCR text: the read is
    an ``ocr_text`` read, and personal values the role may not see come back masked."""
    resource = case_resource(state, case_id, "ocr_text")
    authorize(state, user, resource, purpose=purpose, request_id=request_id,
              visible=_visible_on_case(state, user, case_id, resource.department))
    return load_fields(state, user, case_id, resource.department)


def _visible_on_case(state: AppState, user: Principal, case_id: str, department: str | None) -> set[str]:
    """The entity types the fields read may show unredacted: each document's type has its own rule, so the
    audit entry names every type shown on any of the case's documents."""
    with repo.session_scope(state.context.session_factory) as session:
        types = {d.document_type for d in repo.documents_of_case(session, case_id)}
    return {entity for document_type in types
            for entity in state.policy.visibility_for(user.role, department, document_type).unredacted}


def build_case_receipt(context: WorkerContext, case_id: str, *, issued_at: datetime | None = None) -> bytes:
    """The front-desk receipt of a case (see :mod:`stages.receipt`), dated in the desk's time zone. No
    access check here: the API route checks, and the command line runs on the desk's own machine."""
    from stages.receipt import ReceivedDocument, build_receipt

    catalog = context.catalog
    with repo.session_scope(context.session_factory) as session:
        case = repo.get_case(session, case_id)
        checklist = repo.get_checklist(session, case_id)
        documents = [ReceivedDocument(d.id, d.document_type, d.uncertain, d.page_count)
                     for d in repo.documents_of_case(session, case_id) if d.status != "failed"]
    names = {t.id: t.names_sq[0] for t in catalog.document_types}
    return build_receipt(case_id=case.id, service=catalog.service(case.service_id), checklist=checklist,
                         documents=documents, type_names=names, issued_at=issued_at or _desk_now())


def _desk_now() -> datetime:
    try:
        return datetime.now(ZoneInfo(DESK_TIME_ZONE))
    except ZoneInfoNotFoundError:
        return datetime.now(UTC)


@router.get("/{case_id}/receipt", response_class=Response)
def get_receipt(case_id: str, state: StateDep, user: CurrentUser, request_id: RequestId) -> Response:
    """The front-desk receipt (PDF, Albanian): what was received, what is missing, what is uncertain.
    It holds no personal data, so it is a metadata read."""
    authorize(state, user, case_resource(state, case_id, "metadata"), purpose=None, request_id=request_id)
    pdf = build_case_receipt(state.context, case_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="deftese-{case_id}.pdf"'})
