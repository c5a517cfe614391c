"""Time-limited grants to see originals: issued by an administrator to an assigned officer, for one
case and one purpose. Every grant (and every refused one) writes an audit entry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from api.access import case_resource
from api.deps import CurrentUser, RequestId, StateDep
from privacy.audit import grant_event
from privacy.policy import Grant, decide_grant
from storage import repository as repo

router = APIRouter(prefix="/api/grants", tags=["grants"])


class GrantIn(BaseModel):
    user_id: str
    case_id: str
    purpose: str
    expires_at: datetime


class GrantOut(BaseModel):
    grant_id: str
    expires_at: datetime


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GrantOut)
def issue_grant(body: GrantIn, state: StateDep, user: CurrentUser, request_id: RequestId) -> GrantOut:
    case_resource(state, body.case_id, "original")  # 404 for an unknown case
    grant = Grant(grant_id=uuid.uuid4().hex, user_id=body.user_id, case_id=body.case_id, purpose=body.purpose,
                  expires_at=body.expires_at if body.expires_at.tzinfo else body.expires_at.replace(tzinfo=UTC))
    decision = decide_grant(state.policy, user, grant, now=datetime.now(UTC))
    state.audit.append(grant_event(user, grant, decision, request_id=request_id))
    if not decision.allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"grant refused: {decision.reason}")
    with repo.session_scope(state.context.session_factory) as session:
        repo.add_grant(session, grant_id=grant.grant_id, user_id=grant.user_id, case_id=grant.case_id,
                       purpose=grant.purpose, expires_at=grant.expires_at, issued_by=user.user_id)
    return GrantOut(grant_id=grant.grant_id, expires_at=grant.expires_at)
