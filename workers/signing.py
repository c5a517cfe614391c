"""Signing as the workers use it: one loaded key per worker thread, every output checked before release."""

from __future__ import annotations

import logging
import threading

from pipeline.errors import SportelError
from pipeline.models import InputSignatures, PadesLevel, SignatureReport
from stages.sign import SigningSession, load_signer
from workers.context import WorkerContext

log = logging.getLogger(__name__)


def signing_session(ctx: WorkerContext) -> SigningSession:
    """The signing session of this process, made on first use: the key is opened once, not per signature.

    A PKCS#12 key is shared by the in-process broker's threads (their signatures run side by side).
    A PKCS#11 token gets one session per thread, since a token session serves one operation at a time.
    """
    if ctx.signer_config.pkcs11_module is None:
        return ctx.cached("signing_session", lambda: _new_session(ctx))
    per_thread = ctx.cached("signing_sessions", threading.local)
    session: SigningSession | None = getattr(per_thread, "session", None)
    if session is None:
        session = per_thread.session = _new_session(ctx)
    return session


def open_signing_session(ctx: WorkerContext) -> bool:
    """Open this process's signing session (this thread's, with a PKCS#11 token) now: the key opened, the
    signing certificate checked online, and one blank page signed and discarded
    (:meth:`~stages.sign.SigningSession.warm_up`). Workers call it when they start, so that the first
    document signed does not pay for it. Returns whether the session is ready.

    A failure is logged (its code only) and not raised: the worker still starts (its other queues need no
    key), and signing stays fail-closed, since the sign steps then open the key or check the certificate
    themselves and fail with the same error, retried while it is retryable.
    """
    try:
        session = signing_session(ctx)
        session.check_certificates()
        session.warm_up()
    except Exception as exc:  # a worker that cannot sign yet still starts: see above
        code = exc.code if isinstance(exc, SportelError) else type(exc).__name__
        log.warning("signing session not ready at worker start (%s); signing steps will try again", code)
        return False
    return True


def close_signing_thread(ctx: WorkerContext) -> None:
    """Let go of what this thread's signing kept (its event loop and HTTP client), when a worker thread
    ends; nothing when it never signed."""
    session = ctx.built("signing_session")
    if isinstance(session, SigningSession):
        session.close_thread()
    per_thread = ctx.built("signing_sessions")
    own = getattr(per_thread, "session", None)
    if isinstance(own, SigningSession):
        own.close_thread()


def _new_session(ctx: WorkerContext) -> SigningSession:
    config, settings = ctx.signer_config, ctx.settings
    return SigningSession(
        load_signer(config),
        trust_roots=config.trust_roots,
        timestamp_url=config.timestamp_url,
        stamp_text=settings.signature_stamp_text if settings.signature_stamp else None,
        revocation_reuse_s=settings.sign_revocation_reuse_s,
    )


def sign_and_validate(
    ctx: WorkerContext, pdf: bytes, *, level: PadesLevel, reason: str
) -> tuple[bytes, SignatureReport]:
    """``pdf`` signed at ``level``, with the report of its signature; raises instead of releasing a file
    whose signature does not validate (:class:`~pipeline.errors.SigningError`, retried later)."""
    return signing_session(ctx).sign(pdf, level=level, reason=reason)


def input_signatures(ctx: WorkerContext, pdf: bytes) -> InputSignatures | None:
    """The signatures on a handed-in file (``None`` when it is no signed PDF). The bytes are only read:
    what a citizen handed in stays byte for byte as it came."""
    from stages.sign import report_input_signatures

    return report_input_signatures(pdf, trust_roots=lambda: ctx.signer_config.trust_roots)
