"""Demo PKI for the embedded default: a root CA and a document-signing certificate made on first run.

Every name says "Sportel DEMO ... (not for production)", so that a demo signature can never pass for the
municipality's own: production configures a real PKCS#12 file or a PKCS#11 token instead. The files are
made once under ``<home>/pki`` and reused; a signing certificate close to its end is reissued under the
same root, so that documents signed earlier still validate against the root a reader already trusts.

Several workers may start at once, so creation holds a lock file and every file lands by atomic rename.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pipeline.errors import ConfigurationError

ROOT_CERT_FILE = "demo-root-ca.pem"
ROOT_KEY_FILE = "demo-root-ca.key.pem"
SIGNER_P12_FILE = "demo-signer.p12"
PASSPHRASE_FILE = "demo-signer.passphrase"  # noqa: S105 (a file name, not a secret)
NSS_DIR = "nssdb"
_LOCK_FILE = ".pki.lock"

ROOT_COMMON_NAME = "Sportel DEMO Root CA (not for production)"
SIGNER_COMMON_NAME = "Sportel DEMO Document Signing (not for production)"
_ORGANISATION = "Sportel DEMO (not for production)"

_ROOT_LIFETIME = timedelta(days=3650)
_SIGNER_LIFETIME = timedelta(days=825)
_REISSUE_BEFORE = timedelta(days=30)
"""A signing certificate with less than this left is reissued, so a long batch never meets its expiry."""
_BACKDATE = timedelta(minutes=5)
"""Clock skew between the machine that signs and the one that validates."""


@dataclass(frozen=True)
class DemoPki:
    root_cert: Path
    """The demo root certificate (PEM): the one trust anchor a validator needs."""
    signer_p12: Path
    """PKCS#12 with the signing key, its certificate and the root."""
    passphrase: bytes


def ensure_demo_pki(pki_dir: Path) -> DemoPki:
    """The demo PKI under ``pki_dir``: made on the first call, reused afterwards."""
    pki_dir.mkdir(parents=True, exist_ok=True)
    with _locked(pki_dir):
        root_cert_path = pki_dir / ROOT_CERT_FILE
        root_key_path = pki_dir / ROOT_KEY_FILE
        p12_path = pki_dir / SIGNER_P12_FILE
        passphrase_path = pki_dir / PASSPHRASE_FILE

        if passphrase_path.exists():
            passphrase = passphrase_path.read_bytes().strip()
        else:
            passphrase = secrets.token_urlsafe(24).encode("ascii")
            _write_atomic(passphrase_path, passphrase + b"\n")

        root_key: rsa.RSAPrivateKey | None = None
        if root_cert_path.exists() and root_key_path.exists():
            root_cert = x509.load_pem_x509_certificate(root_cert_path.read_bytes())
        else:
            root_key, root_cert = _make_root()
            _write_atomic(root_key_path, _pem_key(root_key, passphrase))
            _write_atomic(root_cert_path, root_cert.public_bytes(serialization.Encoding.PEM), mode=0o644)

        if not _usable_p12(p12_path, passphrase, root_cert):
            # Opening the root key is slow (RSA key checks): only when a signing certificate is due.
            root_key = root_key or _load_rsa_key(root_key_path.read_bytes(), passphrase)
            signer_key, signer_cert = _make_signer(root_key, root_cert)
            blob = pkcs12.serialize_key_and_certificates(
                name=SIGNER_COMMON_NAME.encode("utf-8"),
                key=signer_key,
                cert=signer_cert,
                cas=[root_cert],
                encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
            )
            _write_atomic(p12_path, blob)
    return DemoPki(root_cert=root_cert_path, signer_p12=p12_path, passphrase=passphrase)


def ensure_nss_trust_store(pki_dir: Path, root_cert: Path) -> Path:
    """An NSS database under ``pki_dir`` that trusts ``root_cert``, for ``pdfsig -nssdir``.

    Needs ``certutil`` (Debian package ``libnss3-tools``). Adding the same root twice does nothing.
    """
    certutil = shutil.which("certutil")
    if certutil is None:
        raise ConfigurationError("certutil not found: install the Debian package libnss3-tools")
    try:
        cert = x509.load_pem_x509_certificate(root_cert.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the root certificate {root_cert.name}") from exc
    nss_dir = pki_dir / NSS_DIR
    database = f"sql:{nss_dir}"
    # A nickname per root fingerprint lets a store hold the demo root and a production root side by side.
    nickname = f"Sportel trust anchor {cert.fingerprint(hashes.SHA256()).hex()[:16]}"
    pki_dir.mkdir(parents=True, exist_ok=True)
    with _locked(pki_dir):
        if not (nss_dir / "cert9.db").exists():
            nss_dir.mkdir(parents=True, exist_ok=True)
            _run([certutil, "-N", "-d", database, "--empty-password"])
        listed = subprocess.run([certutil, "-L", "-d", database, "-n", nickname], capture_output=True)
        if listed.returncode != 0:
            # C: trusted CA for client/server, T: trusted CA for signed e-mail and objects (what pdfsig uses).
            _run([certutil, "-A", "-d", database, "-n", nickname, "-t", "CT,C,CT", "-i", str(root_cert)])
    return nss_dir


# ------------------------------------------------------------------------------------------ helpers


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "AL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _make_root() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    now = datetime.now(UTC)
    name = _name(ROOT_COMMON_NAME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _ROOT_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_signer(
    root_key: rsa.RSAPrivateKey, root_cert: x509.Certificate
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    now = datetime.now(UTC)
    not_after = min(now + _SIGNER_LIFETIME, root_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_COMMON_NAME))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # No extended key usage on purpose: NSS (pdfsig) then accepts the key for document signing,
            # and non-repudiation is what pyHanko asks of a signer by default.
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _usable_p12(path: Path, passphrase: bytes, root_cert: x509.Certificate) -> bool:
    """Whether the PKCS#12 file opens, chains to ``root_cert`` and has time left."""
    if not path.exists():
        return False
    try:
        _key, cert, _cas = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except ValueError:
        return False
    if cert is None or cert.issuer != root_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(root_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - datetime.now(UTC) > _REISSUE_BEFORE


def _load_rsa_key(pem: bytes, passphrase: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"the demo root key does not open with {PASSPHRASE_FILE}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the demo root key is not an RSA key")
    return key


def _pem_key(key: rsa.RSAPrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _locked(pki_dir: Path) -> Iterator[None]:
    with (pki_dir / _LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ConfigurationError(
            f"{Path(command[0]).name} {command[1]} failed (exit {result.returncode}): {result.stderr.strip()}"
        )
