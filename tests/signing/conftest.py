"""Fixtures for the signing tests: a small PDF, the demo PKI, a real local PKI over HTTP, a SoftHSM token.

The local PKI is certomancer's Animator (CA certificates, CRLs, OCSP responder, RFC 3161 timestamp
authority) served by a real werkzeug HTTP server on a free 127.0.0.1 port, in a thread of the test process.
Its certificates carry that port in their OCSP and CRL URLs, so the server binds first and the
configuration is built after.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from stages.pki import DemoPki, ensure_demo_pki, ensure_nss_trust_store
from stages.sign import SignerConfig, load_signer

STAMP_TEXT = "Nënshkruar elektronikisht nga Bashkia Shkodër"
ARCH = "sportel-test"
_KEYS = ("root", "interm", "interm-ocsp", "tsa", "signer", "signer-revoked", "signer-expired", "signer-offline")
SIGNER_LABELS = ("signer", "signer-revoked", "signer-expired", "signer-offline")


def make_pdf(pages: int = 2) -> bytes:
    """A small A4 PDF with Albanian text, made by reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    # Uncompressed page streams, so that a test can find and change a signed byte.
    sheet = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    for page in range(1, pages + 1):
        sheet.setFont("Helvetica", 14)
        sheet.drawString(72, 760, "Bashkia Shkoder - Vertetim")
        sheet.drawString(72, 730, f"Faqe {page} nga {pages}")
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return make_pdf(2)


# ---------------------------------------------------------------------------------------- demo PKI


@pytest.fixture(scope="session")
def demo_pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-pki")


@pytest.fixture(scope="session")
def demo_pki(demo_pki_dir: Path) -> DemoPki:
    return ensure_demo_pki(demo_pki_dir)


@pytest.fixture(scope="session")
def demo_nss(demo_pki_dir: Path, demo_pki: DemoPki) -> Path:
    return ensure_nss_trust_store(demo_pki_dir, demo_pki.root_cert)


@pytest.fixture(scope="session")
def demo_signer(demo_pki: DemoPki) -> Any:
    return load_signer(SignerConfig(pkcs12=demo_pki.signer_p12, passphrase=demo_pki.passphrase))


def pdfsig(path: Path, nss_dir: Path) -> str:
    result = subprocess.run(["pdfsig", "-nssdir", str(nss_dir), str(path)], capture_output=True, text=True)
    return result.stdout


# --------------------------------------------------------------------------------- local HTTP PKI


@dataclass(frozen=True)
class LocalPki:
    url: str
    """``http://127.0.0.1:<port>``"""
    root_cert: Path
    signer_p12: dict[str, Path]
    """PKCS#12 file per label in :data:`SIGNER_LABELS`."""
    passphrase: bytes
    nss_dir: Path
    requests: list[str] = field(default_factory=list)
    """The path of every request the PKI has answered, oldest first (``/<arch>/ocsp/...``,
    ``/<arch>/crls/...``, ``/<arch>/tsa/...``)."""

    def services_asked_since(self, start: int) -> list[str]:
        """The service (``ocsp``, ``crls``, ``tsa``, ...) of each request after the first ``start``."""
        return [path.split("/")[2] for path in self.requests[start:] if path.count("/") >= 2]

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def config(self, label: str = "signer", **extra: Any) -> SignerConfig:
        return SignerConfig(
            pkcs12=self.signer_p12[label], passphrase=self.passphrase, trust_roots=(self.root_cert,), **extra
        )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _key_usage(*bits: str) -> dict[str, Any]:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(bits)}}


def _crl_url(*repos: str) -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": list(repos)}},
    }


def closed_port() -> int:
    """A loopback port nobody listens on: bound, then released, so connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _certomancer_config(url: str, key_dir: Path) -> dict[str, Any]:
    now = datetime.now(UTC)
    long = {"valid-from": _iso(now - timedelta(days=365)), "valid-to": _iso(now + timedelta(days=3650))}
    signer_extensions = [
        _key_usage("digital_signature", "non_repudiation"),
        _crl_url("interm"),
        {
            "id": "authority_information_access",
            "smart-value": {
                "schema": "aia-urls",
                "params": {"ocsp-responder-names": ["interm"], "ca-issuer-links": [{"repo": "interm"}]},
            },
        },
    ]
    return {
        "external-url-prefix": url,
        "keysets": {"test": {"path-prefix": str(key_dir), "keys": {k: {"path": f"{k}.key.pem"} for k in _KEYS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": "test",
                "entity-defaults": {"country-name": "AL", "organization-name": "Sportel TEST PKI"},
                "entities": {
                    "root": {"common-name": "Sportel TEST Root CA"},
                    "interm": {"common-name": "Sportel TEST Issuing CA"},
                    "interm-ocsp": {"common-name": "Sportel TEST OCSP Responder"},
                    "tsa": {"common-name": "Sportel TEST Timestamp Authority"},
                    "signer": {"common-name": "Sportel TEST Signer"},
                    "signer-revoked": {"common-name": "Sportel TEST Revoked Signer"},
                    "signer-expired": {"common-name": "Sportel TEST Expired Signer"},
                    "signer-offline": {"common-name": "Sportel TEST Signer Without Reachable OCSP"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": long,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": long,
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                            _crl_url("root"),
                            {
                                "id": "authority_information_access",
                                "smart-value": {
                                    "schema": "aia-urls",
                                    "params": {"ca-issuer-links": [{"repo": "root"}]},
                                },
                            },
                        ],
                    },
                    "interm-ocsp": {
                        "issuer": "interm",
                        "validity": long,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": long,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                            _crl_url("root"),
                        ],
                    },
                    "signer": {"issuer": "interm", "validity": long, "extensions": signer_extensions},
                    "signer-revoked": {
                        "issuer": "interm",
                        "validity": long,
                        "extensions": signer_extensions,
                        "revocation": {"revoked-since": _iso(now - timedelta(days=1)), "reason": "key_compromise"},
                    },
                    # Its OCSP responder is a port where nothing listens: revocation status is unobtainable.
                    "signer-offline": {
                        "issuer": "interm",
                        "validity": long,
                        "extensions": [
                            _key_usage("digital_signature", "non_repudiation"),
                            {
                                "id": "authority_information_access",
                                "value": [
                                    {
                                        "access_method": "ocsp",
                                        "access_location": {
                                            "uniform_resource_identifier": f"http://127.0.0.1:{closed_port()}/ocsp"
                                        },
                                    }
                                ],
                            },
                        ],
                    },
                    "signer-expired": {
                        "issuer": "interm",
                        "extensions": signer_extensions,
                        "validity": {
                            "valid-from": _iso(now - timedelta(days=730)),
                            "valid-to": _iso(now - timedelta(days=365)),
                        },
                    },
                },
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "interm-ocsp",
                            "signing-key": "interm-ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P30D",
                        },
                    },
                    "cert-repo": {
                        "root": {"for-issuer": "root", "publish-issued-certs": True},
                        "interm": {"for-issuer": "interm", "publish-issued-certs": False},
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def _nss_friendly(app: Callable[..., Any]) -> Callable[..., Any]:
    """Two adjustments so that NSS (pdfsig) can check revocation against certomancer, as it would
    against a production CA:

    * answers stamped with whole seconds: certomancer's clock has microseconds, which NSS rejects in
      an OCSP response's GeneralizedTime as a malformed response;
    * OCSP over GET (RFC 6960 A.1) as well as POST: NSS asks with GET first.
    """

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ = {**environ, "HTTP_X_CERTOMANCER_FAKE_TIME": datetime.now(UTC).replace(microsecond=0).isoformat()}
        parts = environ.get("PATH_INFO", "").split("/")
        if environ["REQUEST_METHOD"] == "GET" and len(parts) > 4 and parts[2] == "ocsp":
            body = base64.b64decode(unquote("/".join(parts[4:])))
            environ.update(
                {
                    "REQUEST_METHOD": "POST",
                    "PATH_INFO": "/".join(parts[:4]),
                    "CONTENT_TYPE": "application/ocsp-request",
                    "CONTENT_LENGTH": str(len(body)),
                    "wsgi.input": io.BytesIO(body),
                }
            )
        return app(environ, start_response)

    return wsgi


def _key_keeping_backend() -> Any:
    """certomancer's crypto backend, but keeping each private key once loaded.

    certomancer loads its signing key from DER, with the RSA key's full consistency check, for every
    answer it signs: about 37 ms of its 50 ms per timestamp, OCSP response or CRL on this machine. A
    production timestamp authority or OCSP responder holds its key loaded (often in an HSM), so the
    benchmarks that time signing against this PKI would otherwise charge Sportel for a cost no real
    service has. Only the key loading changes: certomancer still builds and signs every answer.
    """
    from asn1crypto import algos, keys
    from certomancer.crypto_utils import PycaCryptographyBackend
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    class KeyKeepingBackend(PycaCryptographyBackend):
        def __init__(self) -> None:
            self._loaded: dict[bytes, Any] = {}
            self._lock = threading.Lock()

        def generic_sign(
            self, private_key: keys.PrivateKeyInfo, tbs_bytes: bytes, sd_algo: algos.SignedDigestAlgorithm
        ) -> bytes:
            if sd_algo.signature_algo != "rsassa_pkcs1v15":
                return super().generic_sign(private_key, tbs_bytes, sd_algo)
            der = private_key.dump()
            with self._lock:
                key = self._loaded.get(der)
                if key is None:
                    key = self._loaded[der] = serialization.load_der_private_key(der, password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return key.sign(tbs_bytes, padding.PKCS1v15(), getattr(hashes, sd_algo.hash_algo.upper())())

    return KeyKeepingBackend()


def _to_pyca(cert: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


@pytest.fixture(scope="session")
def local_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPki]:
    """certomancer CA + OCSP + TSA over real HTTP on 127.0.0.1, for the whole session."""
    from certomancer import crypto_utils
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    shipped_backend = crypto_utils.CRYPTO_BACKEND
    crypto_utils.CRYPTO_BACKEND = _key_keeping_backend()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    workdir = tmp_path_factory.mktemp("local-pki")
    key_dir = workdir / "keys"
    key_dir.mkdir()
    private_keys = {}
    for label in _KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_keys[label] = key
        (key_dir / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    app: dict[str, Callable[..., Any]] = {}
    requests: list[str] = []

    def logged(environ: dict[str, Any], start: Callable[..., Any]) -> Any:
        requests.append(environ.get("PATH_INFO", ""))
        return app["wsgi"](environ, start)

    server = make_server("127.0.0.1", 0, logged, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig(_certomancer_config(url, key_dir), key_search_dir=str(workdir))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    app["wsgi"] = _nss_friendly(Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, name="certomancer", daemon=True)
    thread.start()

    root = _to_pyca(arch.get_cert(CertLabel("root")))
    interm = _to_pyca(arch.get_cert(CertLabel("interm")))
    root_path = workdir / "root.pem"
    root_path.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    passphrase = b"test-passphrase"
    p12_paths = {}
    for label in SIGNER_LABELS:
        blob = pkcs12.serialize_key_and_certificates(
            name=label.encode(),
            key=private_keys[label],
            cert=_to_pyca(arch.get_cert(CertLabel(label))),
            cas=[interm, root],
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
        )
        p12_paths[label] = workdir / f"{label}.p12"
        p12_paths[label].write_bytes(blob)
    nss_dir = ensure_nss_trust_store(workdir, root_path)
    try:
        yield LocalPki(url=url, root_cert=root_path, signer_p12=p12_paths, passphrase=passphrase, nss_dir=nss_dir,
                       requests=requests)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        crypto_utils.CRYPTO_BACKEND = shipped_backend


# ---------------------------------------------------------------------------------------- SoftHSM2

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class SoftHsmToken:
    module: Path
    token: str
    key_label: str
    pin: str
    fresh_token: str
    """A second token nobody in this process logs into (PKCS#11 logins are per process, per token)."""


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory, demo_pki: DemoPki) -> Iterator[SoftHsmToken]:
    """A SoftHSM2 token holding the demo signing key, its certificate and the demo root."""
    if not SOFTHSM_MODULE.is_file() or shutil.which("softhsm2-util") is None:
        pytest.fail("SoftHSM2 is not installed (apt-get install softhsm2)")
    workdir = tmp_path_factory.mktemp("softhsm")
    (workdir / "tokens").mkdir()
    conf = workdir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {workdir / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    # The module reads this when it is first loaded; the token lives in this session's temp folder.
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token, key_label, pin = "sportel-test", "sportel-signing", "246810"

    key, cert, cas = pkcs12.load_key_and_certificates(demo_pki.signer_p12.read_bytes(), demo_pki.passphrase)
    assert key is not None and cert is not None
    key_file = workdir / "key.pk8.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", token, "--so-pin", "13579", "--pin", pin],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "sportel-fresh", "--so-pin", "13579", "--pin", pin],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(key_file),
            "--token",
            token,
            "--label",
            key_label,
            "--id",
            "01",
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    key_file.unlink()

    # softhsm2-util imports keys only; the certificates go in through PKCS#11 itself.
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    library = pkcs11.lib(str(SOFTHSM_MODULE))
    with library.get_token(token_label=token).open(rw=True, user_pin=pin) as session:
        for label, certificate, object_id in (
            (key_label, cert, b"\x01"),
            *((f"ca-{i}", ca, bytes([16 + i])) for i, ca in enumerate(cas)),
        ):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: object_id,
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                }
            )
    try:
        yield SoftHsmToken(
            module=SOFTHSM_MODULE, token=token, key_label=key_label, pin=pin, fresh_token="sportel-fresh"
        )
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
