"""PKCS#11 keys (SoftHSM2), chosen by configuration only: the same calls sign with a token or a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from stages.pki import DemoPki
from stages.sign import SignerConfig, SigningCredentialError, load_signer, sign_pdf, validate_pdf
from tests.signing.conftest import SoftHsmToken, pdfsig


def _config(hsm: SoftHsmToken, **changes: str) -> SignerConfig:
    values = {"token": hsm.token, "key_label": hsm.key_label, "pin": hsm.pin, **changes}
    return SignerConfig(
        pkcs12=None,
        passphrase=None,
        pkcs11_module=hsm.module,
        pkcs11_token=values["token"],
        pkcs11_key_label=values["key_label"],
        pkcs11_pin=values["pin"],
    )


def test_token_key_signs_and_validates(
    softhsm_token: SoftHsmToken, sample_pdf: bytes, demo_pki: DemoPki, demo_nss: Path, tmp_path: Path
) -> None:
    signer = load_signer(_config(softhsm_token))

    signed = [sign_pdf(sample_pdf, signer, reason="Nënshkrim me token") for _ in range(2)]

    for index, document in enumerate(signed):
        [report] = validate_pdf(document, trust_roots=[demo_pki.root_cert])
        assert report.valid and report.trusted and report.covers_whole_file
        assert report.signer == "Sportel DEMO Document Signing (not for production)"
        path = tmp_path / f"token-{index}.pdf"
        path.write_bytes(document)
        out = pdfsig(path, demo_nss)
        assert "Signature Validation: Signature is Valid." in out
        assert "Certificate Validation: Certificate is Trusted." in out


def test_token_wins_over_a_pkcs12_file_when_both_are_set(softhsm_token: SoftHsmToken, demo_pki: DemoPki) -> None:
    from pyhanko.sign.pkcs11 import PKCS11Signer

    config = _config(softhsm_token)
    both = SignerConfig(**{**config.__dict__, "pkcs12": demo_pki.signer_p12, "passphrase": demo_pki.passphrase})
    assert isinstance(load_signer(both), PKCS11Signer)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pin": "000000", "token": "fresh"}, "cannot open a session.*PinIncorrect"),
        ({"token": "no-such-token"}, "cannot open a session"),
        ({"key_label": "no-such-key"}, "no usable key"),
    ],
    ids=["wrong PIN", "unknown token", "unknown key"],
)
def test_token_problems_are_credential_errors(
    softhsm_token: SoftHsmToken, change: dict[str, str], message: str
) -> None:
    if change.get("token") == "fresh":
        change = {**change, "token": softhsm_token.fresh_token}
    with pytest.raises(SigningCredentialError, match=message) as caught:
        load_signer(_config(softhsm_token, **change))
    assert softhsm_token.pin not in str(caught.value)
    assert not caught.value.retryable
