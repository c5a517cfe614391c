"""Signing as the workers use it: sign, then validate, so that nothing leaves unproven."""

from __future__ import annotations

from pipeline.errors import SigningError
from pipeline.models import PadesLevel, SignatureReport
from stages.sign import load_signer, sign_pdf, validate_pdf
from workers.context import WorkerContext


def sign_and_validate(
    ctx: WorkerContext, pdf: bytes, *, level: PadesLevel, reason: str
) -> tuple[bytes, SignatureReport]:
    config = ctx.signer_config
    signer = ctx.cached("signer", lambda: load_signer(config))
    signed = sign_pdf(pdf, signer, level=level, reason=reason, timestamp_url=config.timestamp_url)
    reports = validate_pdf(signed, trust_roots=config.trust_roots)
    if not reports or not reports[-1].valid:
        raise SigningError("a freshly signed output does not validate; it is not released")
    return signed, reports[-1]
