"""Batches: what scanning stations push, and how far the pipeline got with them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel

from api.deps import CurrentUser, StateDep
from pipeline.errors import NotFoundError, QueueUnavailableError, SportelError
from privacy.policy import Role
from storage import repository as repo
from workers.local import submit_batch

router = APIRouter(prefix="/api/batches", tags=["batches"])

UPLOAD_ROLES = {Role.SCANNING_STATION, Role.FRONT_DESK}
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class BatchAccepted(BaseModel):
    batch_id: str
    case_id: str


class BatchStatus(BaseModel):
    batch_id: str
    case_id: str
    status: str
    pages_done: int
    pages_total: int
    documents_done: int
    documents_total: int


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BatchAccepted)
def upload_batch(
    state: StateDep, user: CurrentUser,
    files: Annotated[list[UploadFile], File(description="PDF, TIFF, PNG or JPEG scans")],
    service_id: Annotated[str, Form()],
    case_id: Annotated[str | None, Form()] = None,
) -> BatchAccepted:
    if user.role not in UPLOAD_ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only scanning stations and the front desk upload")
    with tempfile.TemporaryDirectory(prefix="sportel-upload-") as tmp:
        paths = []
        for index, upload in enumerate(files):
            data = upload.file.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "file too large")
            # The client's file name may carry a citizen's name: keep only its extension on disk.
            suffix = Path(upload.filename or "").suffix.lower()[:6]
            path = Path(tmp) / f"upload-{index:03d}{suffix}"
            path.write_bytes(data)
            paths.append(path)
        try:
            case, batch = submit_batch(state.context, state.broker, paths, service_id=service_id,
                                       case_id=case_id, station=user.user_id)
        except QueueUnavailableError as exc:  # not the upload's fault: the station may send it again
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{exc.code}: {exc}") from None
        except SportelError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{exc.code}: {exc}") from None
    return BatchAccepted(batch_id=batch, case_id=case)


@router.get("/{batch_id}", response_model=BatchStatus)
def batch_status(batch_id: str, state: StateDep, user: CurrentUser) -> BatchStatus:
    """Progress of a batch (no document content): for the station that pushed it and the front desk."""
    if user.role not in UPLOAD_ROLES | {Role.BACK_OFFICE_OFFICER, Role.ADMINISTRATOR}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed")
    with repo.session_scope(state.context.session_factory) as session:
        try:
            batch = repo.get_batch(session, batch_id)
        except NotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch") from None
        progress = repo.batch_progress(session, batch_id)
        return BatchStatus(batch_id=batch_id, case_id=batch.case_id, status=batch.status,
                           pages_done=progress.pages_done, pages_total=progress.pages_total,
                           documents_done=progress.documents_done, documents_total=progress.documents_total)
