"""Officers' review pages: server-rendered HTML over the same gate as the API (token in a cookie)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.access import authorize, case_resource
from api.deps import CurrentUser, RequestId, StateDep
from api.routers.cases import load_case
from privacy.policy import Role
from storage import repository as repo

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")

REVIEW_ROLES = {Role.BACK_OFFICE_OFFICER, Role.FRONT_DESK, Role.DATA_PROTECTION_OFFICER}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {})


@router.post("/login")
def login(token: Annotated[str, Form()], state: StateDep) -> Response:
    if state.users.authenticate(token) is None:
        return RedirectResponse("/ui/login?failed=1", status_code=303)
    response = RedirectResponse("/ui/review", status_code=303)
    response.set_cookie("sportel_token", token, httponly=True, samesite="strict")
    return response


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, state: StateDep, user: CurrentUser) -> Response:
    """Documents waiting for an officer: uncertain classification or unproven redaction."""
    if user.role not in REVIEW_ROLES:
        return HTMLResponse("Not allowed", status_code=403)
    with repo.session_scope(state.context.session_factory) as session:
        waiting = [d for d in repo.documents_needing_review(session)
                   if "*" in user.services or repo.get_case(session, d.case_id).service_id in user.services]
    return templates.TemplateResponse(request, "review.html", {"user": user, "documents": waiting})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, state: StateDep, user: CurrentUser, request_id: RequestId) -> Response:
    authorize(state, user, case_resource(state, case_id, "metadata"), purpose=None, request_id=request_id)
    case = load_case(state, case_id)
    types = state.context.catalog.types_by_id
    names = {t: types[t].names_sq[0] for t in types}
    return templates.TemplateResponse(request, "case.html", {"user": user, "case": case, "names": names,
                                                             "doc_types": sorted(types)})
