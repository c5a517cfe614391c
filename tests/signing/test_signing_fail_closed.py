"""Signing fails closed: no timestamp, a revoked, expired or untrusted certificate means no signed bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ConfigurationError, SigningError
from pipeline.models import PadesLevel
from stages.pki import DemoPki, ensure_demo_pki
from stages.sign import SigningCredentialError, build_validation_context, load_signer, sign_pdf
from tests.signing.conftest import LocalPki, closed_port

REASON = "Arkivim i dokumentit"


@pytest.mark.parametrize("level", ["B-T", "B-LTA"])
def test_timestamp_authority_down_is_a_retryable_signing_error(
    sample_pdf: bytes, local_pki: LocalPki, level: PadesLevel
) -> None:
    signer = load_signer(local_pki.config())
    with pytest.raises(SigningError, match="timestamp authority did not answer") as caught:
        sign_pdf(
            sample_pdf,
            signer,
            level=level,
            reason=REASON,
            timestamp_url=f"http://127.0.0.1:{closed_port()}/tsa",
            validation_context=build_validation_context([local_pki.root_cert]),
        )
    assert caught.value.retryable
    assert not isinstance(caught.value, SigningCredentialError)


def test_revoked_certificate_is_refused(sample_pdf: bytes, local_pki: LocalPki) -> None:
    signer = load_signer(local_pki.config("signer-revoked"))
    with pytest.raises(SigningCredentialError, match="revoked") as caught:
        sign_pdf(
            sample_pdf,
            signer,
            level="B-B",
            reason=REASON,
            validation_context=build_validation_context([local_pki.root_cert]),
        )
    assert not caught.value.retryable


@pytest.mark.parametrize("with_context", [True, False], ids=["checked online", "dates only"])
def test_expired_certificate_is_refused(sample_pdf: bytes, local_pki: LocalPki, with_context: bool) -> None:
    signer = load_signer(local_pki.config("signer-expired"))
    context = build_validation_context([local_pki.root_cert]) if with_context else None
    with pytest.raises(SigningCredentialError, match="expired") as caught:
        sign_pdf(sample_pdf, signer, reason=REASON, validation_context=context)
    assert not caught.value.retryable


def test_certificate_outside_the_trusted_roots_is_refused(
    sample_pdf: bytes, local_pki: LocalPki, demo_pki: DemoPki
) -> None:
    signer = load_signer(local_pki.config())
    with pytest.raises(SigningCredentialError, match="does not chain to a trusted root"):
        sign_pdf(sample_pdf, signer, reason=REASON, validation_context=build_validation_context([demo_pki.root_cert]))


def test_revocation_service_down_is_retryable(sample_pdf: bytes, local_pki: LocalPki) -> None:
    signer = load_signer(local_pki.config("signer-offline"))
    with pytest.raises(SigningError, match="revocation status") as caught:
        sign_pdf(sample_pdf, signer, reason=REASON, validation_context=build_validation_context([local_pki.root_cert]))
    assert caught.value.retryable


@pytest.mark.parametrize(("level", "missing"), [("B-T", "timestamp"), ("B-LT", "validation context")])
def test_missing_configuration_for_a_level(
    sample_pdf: bytes, demo_signer: Any, local_pki: LocalPki, level: PadesLevel, missing: str
) -> None:
    kwargs: dict[str, Any] = {"timestamp_url": local_pki.tsa_url} if level == "B-LT" else {}
    with pytest.raises(ConfigurationError, match=missing):
        sign_pdf(sample_pdf, demo_signer, level=level, reason=REASON, **kwargs)


def test_not_a_pdf_is_a_clear_input_error(demo_signer: Any) -> None:
    from pipeline.errors import CorruptInputError

    with pytest.raises(CorruptInputError, match="cannot read the PDF to sign"):
        sign_pdf(b"%PDF-1.7\nnot really a pdf", demo_signer, reason=REASON)


def test_demo_pki_signer_passes_online_checks(sample_pdf: bytes, demo_signer: Any, demo_pki: DemoPki) -> None:
    """The demo certificates carry no revocation URL, so a hard-fail online check accepts them."""
    signed = sign_pdf(
        sample_pdf, demo_signer, reason=REASON, validation_context=build_validation_context([demo_pki.root_cert])
    )
    assert signed.startswith(sample_pdf)


def test_reused_demo_pki_is_the_same(demo_pki_dir: Path, demo_pki: DemoPki) -> None:
    assert ensure_demo_pki(demo_pki_dir) == demo_pki
