"""The demo PKI: made once, reused, clearly marked as a demo, trusted by an NSS store for pdfsig."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from stages.pki import ROOT_KEY_FILE, DemoPki, ensure_demo_pki, ensure_nss_trust_store


def _signer_cert(pki: DemoPki) -> x509.Certificate:
    _key, cert, _cas = pkcs12.load_key_and_certificates(pki.signer_p12.read_bytes(), pki.passphrase)
    assert cert is not None
    return cert


def test_names_say_demo_and_not_for_production(demo_pki: DemoPki) -> None:
    root = x509.load_pem_x509_certificate(demo_pki.root_cert.read_bytes())
    signer = _signer_cert(demo_pki)
    for cert in (root, signer):
        [name] = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        assert "Sportel DEMO" in str(name.value) and "(not for production)" in str(name.value)
    assert signer.issuer == root.subject
    signer.verify_directly_issued_by(root)


def test_second_call_reuses_every_file(tmp_path: Path) -> None:
    first = ensure_demo_pki(tmp_path)
    contents = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    second = ensure_demo_pki(tmp_path)

    assert second == first
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == contents


def test_key_files_are_private(demo_pki: DemoPki) -> None:
    for path in (demo_pki.signer_p12, demo_pki.root_cert.parent / ROOT_KEY_FILE):
        assert path.stat().st_mode & 0o077 == 0, path.name


def test_missing_or_expiring_signer_is_reissued_under_the_same_root(tmp_path: Path) -> None:
    pki = ensure_demo_pki(tmp_path)
    root_pem = pki.root_cert.read_bytes()
    root = x509.load_pem_x509_certificate(root_pem)
    root_key = serialization.load_pem_private_key((tmp_path / ROOT_KEY_FILE).read_bytes(), pki.passphrase)
    assert isinstance(root_key, rsa.RSAPrivateKey)

    # A signing certificate with ten days left, as a long-running demo would end up with.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    short = (
        x509.CertificateBuilder()
        .subject_name(root.subject)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=10))
        .sign(root_key, hashes.SHA256())
    )
    pki.signer_p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"short", key, short, [root], serialization.BestAvailableEncryption(pki.passphrase)
        )
    )

    renewed = ensure_demo_pki(tmp_path)
    assert renewed.root_cert.read_bytes() == root_pem
    assert _signer_cert(renewed).not_valid_after_utc - now > timedelta(days=30)

    renewed.signer_p12.unlink()
    again = ensure_demo_pki(tmp_path)
    assert again.signer_p12.exists() and again.root_cert.read_bytes() == root_pem
    _signer_cert(again).verify_directly_issued_by(root)


def test_nss_trust_store_trusts_the_root_once(demo_pki_dir: Path, demo_pki: DemoPki, demo_nss: Path) -> None:
    assert ensure_nss_trust_store(demo_pki_dir, demo_pki.root_cert) == demo_nss

    listing = subprocess.run(
        ["certutil", "-L", "-d", f"sql:{demo_nss}"], capture_output=True, text=True, check=True
    ).stdout
    anchors = [line for line in listing.splitlines() if line.startswith("Sportel trust anchor")]
    assert len(anchors) == 1
    assert anchors[0].split()[-1].startswith("CT")


def test_settings_without_a_key_sign_with_the_demo_pki(tmp_path: Path) -> None:
    from pipeline.settings import load_settings
    from stages.sign import load_signer, sign_pdf, signer_config_from_settings, validate_pdf
    from tests.signing.conftest import make_pdf

    config = signer_config_from_settings(load_settings(home=tmp_path))

    assert config.pkcs12 == tmp_path / "pki" / "demo-signer.p12"
    signed = sign_pdf(make_pdf(1), load_signer(config), reason="Demo")
    [report] = validate_pdf(signed, trust_roots=config.trust_roots)
    assert report.valid and report.trusted


def test_settings_with_a_pkcs12_file_use_it(tmp_path: Path, demo_pki: DemoPki) -> None:
    from pipeline.settings import load_settings
    from stages.sign import signer_config_from_settings

    settings = load_settings(
        home=tmp_path, sign_pkcs12=demo_pki.signer_p12, sign_pkcs12_passphrase=demo_pki.passphrase.decode()
    )

    config = signer_config_from_settings(settings)

    assert config.pkcs12 == demo_pki.signer_p12 and config.passphrase == demo_pki.passphrase
    assert not (tmp_path / "pki").exists(), "no demo key is made when a key is configured"
