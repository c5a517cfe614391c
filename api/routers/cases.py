"""Cases: the data-entry view of a service: its checklist and documents."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.access import authorize, case_resource
from api.deps import CurrentUser, RequestId, StateDep
from pipeline.models import ChecklistItem
from storage import repository as repo

router = APIRouter(prefix="/api/cases", tags=["cases"])


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
    documents: list[CaseDocument]


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
                   extra_document_ids=checklist.extra_document_ids if checklist else [], documents=documents)


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: str, state: StateDep, user: CurrentUser, request_id: RequestId) -> CaseOut:
    authorize(state, user, case_resource(state, case_id, "metadata"), purpose=None, request_id=request_id)
    return load_case(state, case_id)
