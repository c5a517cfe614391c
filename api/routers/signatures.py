"""Validating any PDF's signatures (a citizen's signed document, or one of ours years later)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile, status

from api.deps import CurrentUser, StateDep
from pipeline.errors import SportelError
from pipeline.models import SignatureReport

router = APIRouter(prefix="/api/signatures", tags=["signatures"])

MAX_PDF_BYTES = 256 * 1024 * 1024


@router.post("/validate", response_model=list[SignatureReport])
def validate(state: StateDep, user: CurrentUser,
             file: Annotated[UploadFile, File(description="A signed PDF")]) -> list[SignatureReport]:
    """Every signature of the PDF, validated by pyHanko (integrity, trust, modification analysis)."""
    from stages.sign import validate_pdf

    data = file.file.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "file too large")
    try:
        return validate_pdf(data, trust_roots=state.context.signer_config.trust_roots)
    except SportelError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code) from None
