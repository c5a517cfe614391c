"""The one gate every read goes through: policy decision, then exactly one audit entry, then the answer.

Routes call :func:`authorize` before touching content; a denial raises 403 *after* its audit entry is
written, so the log holds every read and every denial once. A route whose answer can still fail after
the decision (a partial view that must first be proven) decides with :func:`decide_read` and writes the
one entry with :func:`record` once it knows what it served. Each entry of a read of content names the
entity types the response showed unredacted.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from fastapi import HTTPException, status

from api.deps import assigned_cases
from api.state import AppState
from pipeline.errors import NotFoundError
from privacy.audit import event_for
from privacy.policy import CONTENTLESS_KINDS, Decision, Grant, Principal, Resource, decide
from storage import repository as repo
from storage.audit_chain import AuditAction, ResourceKind


def document_resource(state: AppState, document_id: str, kind: ResourceKind) -> Resource:
    with repo.session_scope(state.context.session_factory) as session:
        try:
            document = repo.get_document(session, document_id)
            case = repo.get_case(session, document.case_id)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document") from None
        return _resource(state, kind, case.id, case.service_id, document.id, document.document_type)


def case_resource(state: AppState, case_id: str, kind: ResourceKind) -> Resource:
    with repo.session_scope(state.context.session_factory) as session:
        try:
            case = repo.get_case(session, case_id)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such case") from None
        return _resource(state, kind, case.id, case.service_id, None, None)


def _resource(state: AppState, kind: ResourceKind, case_id: str, service_id: str, document_id: str | None,
              document_type: str | None) -> Resource:
    service = state.context.catalog.services_by_id.get(service_id)
    department = (service.department or service.institution) if service else None
    return Resource(kind=kind, case_id=case_id, document_id=document_id, document_type=document_type,
                    service_id=service_id, department=department)


def _grants(state: AppState, principal: Principal) -> list[Grant]:
    with repo.session_scope(state.context.session_factory) as session:
        return [Grant(grant_id=g.id, user_id=g.user_id, case_id=g.case_id, purpose=g.purpose,
                      expires_at=g.expires_at) for g in repo.grants_of_user(session, principal.user_id)]


def decide_read(state: AppState, principal: Principal, resource: Resource, *, purpose: str | None) -> Decision:
    """The policy's decision on a read, without writing anything: the caller records it (:func:`record`)
    exactly once. Routes that can decide and answer at once use :func:`authorize`."""
    return decide(state.policy, principal, resource, purpose=purpose, grants=_grants(state, principal),
                  assigned_case_ids=assigned_cases(state, principal), now=datetime.now(UTC))


def record(state: AppState, principal: Principal, resource: Resource, decision: Decision, *,
           purpose: str | None, request_id: str, action: AuditAction = "read",
           subject_personal_number: str | None = None, visible: Collection[str] | None = None) -> None:
    """Write the one audit entry of a read. ``visible``: the entity types the response shows unredacted
    (default: those the decision allows, for reads of content; none recorded for metadata)."""
    if visible is None and resource.kind not in CONTENTLESS_KINDS:
        visible = decision.visible_entities
    state.audit.append(event_for(principal, resource, decision, action=action, purpose=purpose,
                                 request_id=request_id, subject_personal_number=subject_personal_number,
                                 visible_entities=visible))


def deny(decision: Decision) -> HTTPException:
    """The 403 of a denied decision (its entry already written)."""
    return HTTPException(status.HTTP_403_FORBIDDEN, f"access denied: {decision.reason}")


def authorize(state: AppState, principal: Principal, resource: Resource, *, purpose: str | None,
              request_id: str, action: AuditAction = "read",
              subject_personal_number: str | None = None, visible: Collection[str] | None = None) -> Decision:
    """Decide, write the one audit entry, and raise 403 on a denial. ``visible``: see :func:`record`."""
    decision = decide_read(state, principal, resource, purpose=purpose)
    record(state, principal, resource, decision, purpose=purpose, request_id=request_id, action=action,
           subject_personal_number=subject_personal_number, visible=visible)
    if not decision.allowed:
        raise deny(decision)
    return decision
