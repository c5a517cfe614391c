"""Signing as the workers use it: which key (settings), and sign-then-validate so that nothing leaves
unproven."""

from __future__ import annotations

from pipeline.errors import SigningError
from pipeline.models import PadesLevel, SignatureReport
from pipeline.settings import Settings
from stages.pki import ensure_demo_pki
from stages.sign import SignerConfig, load_signer, sign_pdf, validate_pdf
from workers.context import WorkerContext


def signer_config_from_settings(settings: Settings) -> SignerConfig:
    """PKCS#11 when a module is configured, else the configured PKCS#12, else the demo key."""
    if settings.sign_pkcs11_module is not None:
        return SignerConfig(
            pkcs12=None, passphrase=None, pkcs11_module=settings.sign_pkcs11_module,
            pkcs11_token=settings.sign_pkcs11_token, pkcs11_key_label=settings.sign_pkcs11_key_label,
            pkcs11_pin=settings.sign_pkcs11_pin, timestamp_url=settings.timestamp_url,
        )
    if settings.sign_pkcs12 is not None:
        passphrase = settings.sign_pkcs12_passphrase
        return SignerConfig(pkcs12=settings.sign_pkcs12,
                            passphrase=passphrase.encode() if passphrase is not None else None,
                            timestamp_url=settings.timestamp_url)
    demo = ensure_demo_pki(settings.pki_dir)
    return SignerConfig(pkcs12=demo.signer_p12, passphrase=demo.passphrase,
                        timestamp_url=settings.timestamp_url, trust_roots=(demo.root_cert,))


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
