"""Officers' review pages: server-rendered HTML over the same gate as the API (token in a cookie)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.access import authorize, case_resource, decide_read, document_resource, record
from api.deps import CurrentUser, RequestId, StateDep
from api.routers.cases import load_case
from api.state import AppState
from pipeline.models import PII_ENTITY_TYPES
from privacy.policy import Principal, Role
from privacy.review import BoxReason
from storage import repository as repo
from storage.audit_chain import ResourceKind

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
STATIC_DIR = Path(__file__).parent.parent / "static"
STATIC_FILES = {"redactions.js": "text/javascript", "redactions.css": "text/css"}
"""The only files served from ``STATIC_DIR``: a fixed list, so no path from a URL reaches the disk."""

REVIEW_ROLES = {Role.BACK_OFFICE_OFFICER, Role.FRONT_DESK, Role.DATA_PROTECTION_OFFICER}

# The redaction page shows unredacted scans: nothing may come from elsewhere, nothing may run inline,
# and no cache on the way may keep it.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}
ENTITY_LABELS = {"PERSON": "Emër personi", "AL_PERSONAL_NUMBER": "Numër personal", "AL_NIPT": "NIPT",
                 "IBAN_CODE": "IBAN", "PHONE_NUMBER": "Telefon", "EMAIL_ADDRESS": "Email",
                 "DATE_OF_BIRTH": "Datëlindje", "ADDRESS": "Adresë", "AL_VEHICLE_PLATE": "Targë automjeti",
                 "OTHER": "Tjetër"}
REASON_LABELS = {"missed_personal_data": "Të dhëna personale të pazbuluara",
                 "not_personal_data": "Nuk janë të dhëna personale",
                 "third_party_data": "Të dhëna të palëve të treta", "public_record": "Regjistër publik",
                 "legal_basis": "Bazë ligjore", "unreadable_region": "Zonë e palexueshme", "other": "Tjetër"}
PurposeCode = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]
"""A purpose is a policy code (``case_processing``): the pattern keeps free text out of URLs."""


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


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    media = STATIC_FILES.get(name)
    if media is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    return FileResponse(STATIC_DIR / name, media_type=media)


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
    purposes = _redaction_purposes(state, user, case_id, [d.id for d in case.documents])
    return templates.TemplateResponse(request, "case.html", {"user": user, "case": case, "names": names,
                                                             "doc_types": sorted(types),
                                                             "redaction_purposes": purposes})


def _redaction_purposes(state: AppState, user: Principal, case_id: str,
                        document_ids: list[str]) -> dict[str, list[str]]:
    """Per document, the purposes for which ``user`` may change its boxes now: one per grant the user holds
    on the case that the policy accepts. A check of the policy that reads nothing, so it writes no audit
    entry; opening the page is the read, and is audited."""
    with repo.session_scope(state.context.session_factory) as session:
        held = sorted({g.purpose for g in repo.grants_of_user(session, user.user_id) if g.case_id == case_id})
    if not held:
        return {}
    allowed: dict[str, list[str]] = {}
    for document_id in document_ids:
        resource = document_resource(state, document_id, "original")
        usable = [p for p in held if decide_read(state, user, resource, purpose=p).allowed]
        if usable:
            allowed[document_id] = usable
    return allowed


def _gate(request: Request, state: AppState, user: Principal, document_id: str, kind: ResourceKind,
          purpose: str | None, request_id: str) -> Response | None:
    """The page's one audit entry; an HTML 403 page when the policy refuses. The page itself shows no
    value (each page image is its own audited read of the original), so the entry names none."""
    resource = document_resource(state, document_id, kind)
    decision = decide_read(state, user, resource, purpose=purpose)
    record(state, user, resource, decision, purpose=purpose, request_id=request_id, visible=frozenset())
    if decision.allowed:
        return None
    return templates.TemplateResponse(request, "denied.html", {"user": user, "reason": decision.reason},
                                      status_code=status.HTTP_403_FORBIDDEN, headers=PAGE_HEADERS)


@router.get("/documents/{document_id}/redactions", response_class=HTMLResponse)
def redaction_page(document_id: str, request: Request, state: StateDep, user: CurrentUser,
                   request_id: RequestId, purpose: PurposeCode = None) -> Response:
    """An officer's review of a document's redaction boxes over its upright page images. Opening it is
    authorized like a read of the original (assigned officer, stated purpose, unexpired grant), as
    changing the boxes is; without a purpose, the officer is asked for one first."""
    kind: ResourceKind = "original" if purpose else "metadata"
    denied = _gate(request, state, user, document_id, kind, purpose, request_id)
    if denied is not None:
        return denied
    with repo.session_scope(state.context.session_factory) as session:
        document = repo.get_document(session, document_id)
        info = {"id": document.id, "case_id": document.case_id, "status": document.status,
                "document_type": document.document_type}
        page_count = len(repo.pages_of_document(session, document_id))
    if not purpose:
        return templates.TemplateResponse(request, "purpose.html", {
            "user": user, "document": info, "purposes": state.policy.purposes}, headers=PAGE_HEADERS)
    types = state.context.catalog.types_by_id
    type_name = types[info["document_type"]].names_sq[0] if info["document_type"] in types else None
    entities = [(code, ENTITY_LABELS.get(code, code)) for code in (*PII_ENTITY_TYPES, "OTHER")]
    reasons = [(code, REASON_LABELS.get(code, code)) for code in get_args(BoxReason)]
    return templates.TemplateResponse(request, "redactions.html", {
        "user": user, "document": info, "type_name": type_name, "purpose": purpose,
        "pages": range(page_count), "entities": entities, "reasons": reasons}, headers=PAGE_HEADERS)
