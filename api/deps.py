"""Dependencies as annotated aliases: ``StateDep``, ``CurrentUser``, ``RequestId``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from api.state import AppState
from privacy.policy import Principal, Role


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.sportel
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def request_id(x_request_id: Annotated[str | None, Header()] = None) -> str:
    """The caller's request id when it is a plain token, else a fresh one: it goes into the audit log."""
    if x_request_id and x_request_id.isascii() and x_request_id.replace("-", "").isalnum() and len(x_request_id) <= 64:
        return x_request_id
    return uuid.uuid4().hex


RequestId = Annotated[str, Depends(request_id)]


def current_principal(state: StateDep, request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
    else:
        token = request.cookies.get("sportel_token", "")
    user = state.users.authenticate(token) if token else None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or unknown token",
                            headers={"WWW-Authenticate": "Bearer"})
    return Principal(user_id=user.user_id, role=Role(user.role), departments=frozenset(user.departments),
                     services=frozenset(user.services))


CurrentUser = Annotated[Principal, Depends(current_principal)]


def assigned_cases(state: AppState, principal: Principal) -> frozenset[str]:
    for user in state.users.all():
        if user.user_id == principal.user_id:
            return frozenset(user.assigned_cases)
    return frozenset()
