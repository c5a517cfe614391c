"""PAdES signing and validation of the pipeline's output PDFs, with pyHanko.

Every output is a *certification* signature (DocMDP, no changes allowed): a reader sees at once that the
file left the municipality as it is, and any later edit shows up as a disallowed modification. Levels:

* ``B-B``   signature with the signing certificate (PAdES, ``ETSI.CAdES.detached``);
* ``B-T``   plus an RFC 3161 timestamp from a timestamp authority, proving when it was signed;
* ``B-LT``  plus the certificates and revocation answers (OCSP, CRL) in the document security store;
* ``B-LTA`` plus a document timestamp over all of that, so the evidence itself can be renewed later.

Signing fails closed: a timestamp authority that does not answer, a revoked, expired or untrusted
certificate raise :class:`~pipeline.errors.SigningError` and no bytes come back. Only the timestamp
authority or a revocation service being down is worth a retry; a bad certificate is not
(:class:`SigningCredentialError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar, get_args

import aiohttp
from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PageObject, PdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from pipeline.errors import (
    ConfigurationError,
    CorruptInputError,
    DocumentOutcome,
    InputError,
    SigningError,
    SportelError,
)
from pipeline.models import InputSignatureReport, InputSignatures, PadesLevel, SignatureReport
from pipeline.settings import Settings
from stages.pdf_hex import use_fast_hex_strings
from stages.pki import ensure_demo_pki
from stages.sign_check import (
    ExpectedSigner,
    ExpectedTimestampAuthority,
    b_b_signature_checks_out,
    timestamped_signature_checks_out,
)
from stages.sign_loop import KeptContext, SigningThreads
from stages.sign_revinfo import revocation_data_expiry

if TYPE_CHECKING:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

__all__ = [
    "SignerConfig",
    "SigningCredentialError",
    "SigningSession",
    "build_validation_context",
    "load_signer",
    "report_input_signatures",
    "sign_pdf",
    "signer_config_from_settings",
    "validate_pdf",
]

SIGNATURE_FIELD = "SportelSignature"
STAMP_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""Debian ``fonts-dejavu-core``: covers ë and ç; a subset is embedded into each stamp."""

_PADES_SUBFILTER = "/ETSI.CAdES.detached"
_LEVELS: tuple[str, ...] = get_args(PadesLevel)
_TIMESTAMPED = frozenset({"B-T", "B-LT", "B-LTA"})
_WITH_REVOCATION_INFO = frozenset({"B-LT", "B-LTA"})
_TSA_TIMEOUT_S = 10
_DIGEST = "sha256"

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class _CoroutineRunner(Protocol):
    """Runs a coroutine to its end from synchronous code: ``asyncio.run``, or a lasting loop's ``run``."""

    def __call__(self, coroutine: Coroutine[Any, Any, _T], /) -> _T: ...


class SigningCredentialError(SigningError):
    """The signing key or certificate cannot be used (revoked, expired, untrusted, wrong passphrase).

    A retry cannot help: someone has to fix the key or its configuration.
    """

    retryable: ClassVar[bool] = False
    # mypy reads SigningError's "retry" as a literal type; overriding the outcome is the point here.
    outcome: ClassVar[DocumentOutcome] = "failed"  # type: ignore[assignment]
    code: ClassVar[str] = "signing_credential"


@dataclass(frozen=True)
class SignerConfig:
    """Where the signing key lives: a PKCS#12 file, or a PKCS#11 token (which wins when both are set)."""

    pkcs12: Path | None
    passphrase: bytes | None
    pkcs11_module: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_key_label: str | None = None
    """Label of the private key; its certificate must carry the same label on the token."""
    pkcs11_pin: str | None = None
    timestamp_url: str | None = None
    """For the caller to pass on as ``sign_pdf(timestamp_url=...)``."""
    trust_roots: tuple[Path, ...] = ()
    """Roots the signing and timestamp certificates must chain to: pass
    ``build_validation_context(config.trust_roots)`` to :func:`sign_pdf` to check before signing."""


# ------------------------------------------------------------------------------------------ signer


def load_signer(config: SignerConfig) -> Signer:
    """The pyHanko signer for ``config``, with its certificate already read (so a bad key fails here).

    A PKCS#11 signer holds a session on the token: keep one per worker thread, since a session serves
    one operation at a time.
    """
    if config.pkcs11_module is not None:
        signer = _load_pkcs11_signer(config)
    elif config.pkcs12 is not None:
        signer = _load_pkcs12_signer(config.pkcs12, config.passphrase)
    else:
        raise SigningCredentialError("no signing key configured: set a PKCS#12 file or a PKCS#11 module")
    signer.signed_attr_prov_spec = _PadesSignedAttributes(signer.signing_cert)
    return signer


class _EncodedAttribute(CMSAttributeProvider):
    """A signed attribute whose value is the same in every signature, handed out as already encoded."""

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        # A fresh parse each time (lazy, so nearly free): asn1crypto values are mutable, and would be shared.
        return cms.CMSAttribute.load(self._der)


class _PadesSignedAttributes(SignedAttributeProviderSpec):
    """The signed attributes pyHanko gives a PAdES signature (its CAdES spec), but for the signing-
    certificate-v2 attribute, which depends on the certificate only: encoded once per key instead of
    built and encoded again for every signature, about a third of a B-B signature's CPU time with
    asn1crypto. Content type and message digest are added by pyHanko per signature, as before.

    What pyHanko's spec adds beyond this (a signing time for plain CAdES, CAdES signer attributes or
    content timestamps from the signature metadata) Sportel never asks for: PAdES forbids the former.
    """

    def __init__(self, certificate: asn1_x509.Certificate | None) -> None:
        if certificate is None:
            raise SigningCredentialError("the signer has no certificate")
        attribute = simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_certificate_v2", as_signing_certificate_v2(certificate, hash_algo=_DIGEST)
        )
        self._signing_certificate: bytes = attribute.dump()

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str) -> Iterator[CMSAttributeProvider]:
        yield _EncodedAttribute(self._signing_certificate)

    def attributes(self, data_digest: bytes) -> cms.CMSAttributes:
        """What pyHanko's ``format_signed_attributes`` makes of this spec, in its order: content type,
        message digest, then the providers' attributes (here the one signing certificate)."""
        return cms.CMSAttributes([
            simple_cms_attribute("content_type", "data"),  # type: ignore[no-untyped-call]
            simple_cms_attribute("message_digest", data_digest),  # type: ignore[no-untyped-call]
            cms.CMSAttribute.load(self._signing_certificate),
        ])


class _LoadedKeySigner(SimpleSigner):
    """pyHanko's in-memory signer, with the private key opened once and the CMS parts that never change
    encoded once.

    ``SimpleSigner.sign_raw`` re-opens the key from DER on every call, and a signature calls it twice (a
    dry run sizes the signature container): with RSA that is two full key consistency checks, about
    90 ms each on this class of machine, for nothing. RSA PKCS#1 v1.5 (what the certificates here
    declare) signs with the key opened at load; any other mechanism goes the library's way.

    pyHanko also builds the signer identifier, the algorithm identifiers and a wrapper for each embedded
    certificate anew for every signature, and asn1crypto copies each certificate's parsed tree to wrap
    it: they are the same in every signature of this key, so they are encoded here once and reused as
    parsed copies (same structure and bytes as pyHanko's own, see ``tests/signing``).
    """

    def __init__(self, *, key: RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._opened_key = key
        cert = self.signing_cert
        if cert is None:
            raise SigningCredentialError("the PKCS#12 key comes without its certificate")
        registry = [c for c in self.cert_registry if self.embed_roots or c.self_signed == "no"]
        choices = [cms.CertificateChoices(name="certificate", value=c).dump() for c in [*registry, cert]]
        self._certificates = tuple(dict.fromkeys(choices))
        self._signer_id = cms.SignerIdentifier({
            "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                {"issuer": cert.issuer, "serial_number": cert.serial_number}
            )
        }).dump()
        self._digest_algorithm = algos.DigestAlgorithm({"algorithm": _DIGEST}).dump()
        self._signature_algorithm = self.get_signature_mechanism_for_digest(_DIGEST).dump()

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pkcs1v15":
            signature: bytes = self._opened_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return signature
        return bytes(super().sign_raw(data, digest_algorithm))

    async def signed_attrs(self, data_digest: bytes, digest_algorithm: str, attr_settings: Any = None,
                           content_type: str = "data", use_pades: bool = False, timestamper: Any = None,
                           dry_run: bool = False, is_pdf_sig: bool = True) -> cms.CMSAttributes:
        # pyHanko gathers the attributes through asyncio.as_completed, a task and a queue for each, which
        # takes the event loop several turns (each a system call) per signature; these are ready at once.
        # The same attributes in the same order: tests/signing compares them with stock pyHanko's.
        spec = self.signed_attr_prov_spec
        if isinstance(spec, _PadesSignedAttributes) and content_type == "data":
            return spec.attributes(data_digest)
        attributes: cms.CMSAttributes = await super().signed_attrs(
            data_digest, digest_algorithm, attr_settings=attr_settings, content_type=content_type,
            use_pades=use_pades, timestamper=timestamper, dry_run=dry_run, is_pdf_sig=is_pdf_sig,
        )
        return attributes

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> cms.SignerInfo:
        if digest_algorithm != _DIGEST:
            return super().signer_info(digest_algorithm, signed_attrs, signature)
        return cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier.load(self._signer_id),
            "digest_algorithm": algos.DigestAlgorithm.load(self._digest_algorithm),
            "signature_algorithm": algos.SignedDigestAlgorithm.load(self._signature_algorithm),
            "signed_attrs": signed_attrs,
            "signature": signature,
        })

    def _package_signature(self, *, digest_algorithm: str, cms_version: Any, signed_attrs: Any, signature: bytes,
                           unsigned_attrs: Any, encap_content_info: Any) -> cms.ContentInfo:
        # pyHanko 0.38's SignedData, from the parts encoded at load (pinned in pyproject: a new pyHanko
        # version is checked against tests/signing before it is taken).
        if digest_algorithm != _DIGEST or self.attribute_certs:
            package: cms.ContentInfo = super()._package_signature(
                digest_algorithm=digest_algorithm, cms_version=cms_version, signed_attrs=signed_attrs,
                signature=signature, unsigned_attrs=unsigned_attrs, encap_content_info=encap_content_info,
            )
            return package
        signer_info = self.signer_info(digest_algorithm, signed_attrs, signature)
        if unsigned_attrs is not None:
            signer_info["unsigned_attrs"] = unsigned_attrs
        return cms.ContentInfo({
            "content_type": cms.ContentType("signed_data"),
            "content": cms.SignedData({
                "version": cms_version,
                "digest_algorithms": cms.DigestAlgorithms((algos.DigestAlgorithm.load(self._digest_algorithm),)),
                "encap_content_info": encap_content_info or {"content_type": "data"},
                "certificates": [cms.CertificateChoices.load(c) for c in self._certificates],
                "signer_infos": [signer_info],
            }),
        })


def _load_pkcs12_signer(path: Path, passphrase: bytes | None) -> Signer:
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningCredentialError(f"cannot read the PKCS#12 file {path.name}: {exc.strerror}") from exc
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        raise SigningCredentialError(
            f"cannot open the PKCS#12 file {path.name}: wrong passphrase or not a PKCS#12 key file"
        ) from exc
    if key is None or cert is None:
        raise SigningCredentialError(f"the PKCS#12 file {path.name} holds no key with its certificate")
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    registry.register_multiple([translate_pyca_cryptography_cert_to_asn1(c) for c in chain])
    common: dict[str, Any] = {
        "signing_cert": translate_pyca_cryptography_cert_to_asn1(cert),
        "signing_key": translate_pyca_cryptography_key_to_asn1(key),
        "cert_registry": registry,
    }
    if isinstance(key, RSAPrivateKey):
        return _LoadedKeySigner(key=key, **common)
    signer: Signer = SimpleSigner(**common)
    return signer


def _load_pkcs11_signer(config: SignerConfig) -> Signer:
    # Imported here: python-pkcs11 is a compiled extension that PKCS#12 deployments never need.
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    if not config.pkcs11_key_label:
        raise SigningCredentialError("PKCS#11 signing needs the label of the key (sign_pkcs11_key_label)")
    module = config.pkcs11_module
    assert module is not None
    if not module.is_file():
        raise SigningCredentialError(f"PKCS#11 module not found: {module}")
    criteria = TokenCriteria(label=config.pkcs11_token) if config.pkcs11_token else None
    try:
        try:
            session = open_pkcs11_session(str(module), token_criteria=criteria, user_pin=config.pkcs11_pin)
        except pkcs11.UserAlreadyLoggedIn:
            # PKCS#11 logs in per process, not per session: another signer of this process already did.
            session = open_pkcs11_session(str(module), token_criteria=criteria, user_pin=None)
    except pkcs11.PKCS11Error as exc:
        raise SigningCredentialError(
            f"cannot open a session on PKCS#11 token {config.pkcs11_token!r}: {type(exc).__name__}"
        ) from exc
    # other_certs_to_pull=None pulls every certificate on the token, so the chain goes into the signature.
    signer = PKCS11Signer(session, key_label=config.pkcs11_key_label, other_certs_to_pull=None)
    try:
        # Reading the certificate loads key and chain now: a missing key fails at start, not mid-batch.
        _ = signer.signing_cert
    except (pkcs11.PKCS11Error, PyHankoSigningError) as exc:
        session.close()
        raise SigningCredentialError(
            f"PKCS#11 token {config.pkcs11_token!r} has no usable key and certificate labelled "
            f"{config.pkcs11_key_label!r}: {type(exc).__name__}"
        ) from exc
    return signer


def signer_config_from_settings(settings: Settings) -> SignerConfig:
    """The signing key the settings name: a PKCS#11 token, a PKCS#12 file, or else the demo PKI under
    ``<home>/pki`` (made on first use), whose root then becomes the trust root."""
    if settings.sign_pkcs11_module is not None:
        return SignerConfig(
            pkcs12=None,
            passphrase=None,
            pkcs11_module=settings.sign_pkcs11_module,
            pkcs11_token=settings.sign_pkcs11_token,
            pkcs11_key_label=settings.sign_pkcs11_key_label,
            pkcs11_pin=settings.sign_pkcs11_pin,
            timestamp_url=settings.timestamp_url,
            trust_roots=settings.sign_trust_roots,
        )
    if settings.sign_pkcs12 is not None:
        passphrase = settings.sign_pkcs12_passphrase
        return SignerConfig(
            pkcs12=settings.sign_pkcs12,
            passphrase=passphrase.encode("utf-8") if passphrase is not None else None,
            timestamp_url=settings.timestamp_url,
            trust_roots=settings.sign_trust_roots,
        )
    demo = ensure_demo_pki(settings.pki_dir)
    return SignerConfig(
        pkcs12=demo.signer_p12,
        passphrase=demo.passphrase,
        timestamp_url=settings.timestamp_url,
        trust_roots=(demo.root_cert, *settings.sign_trust_roots),
    )


def build_validation_context(trust_roots: Sequence[Path], *, online: bool = True,
                             http: aiohttp.ClientSession | None = None) -> ValidationContext:
    """A validation context that trusts exactly ``trust_roots`` (never the system's TLS roots).

    ``online`` fetches OCSP responses and CRLs and treats an unreachable revocation service as a failure
    (``hard-fail``): what signing needs. Offline it uses only what the document carries. A context
    collects state (fetched responses, validated paths): build one per signing call, or keep one only
    while that state stands (:mod:`stages.sign_revinfo`). ``http``: the HTTP client to fetch with (the caller's
    to close; see :class:`stages.sign_loop.SigningThreads`), instead of one the context opens and closes.
    """
    roots = [_load_certificate(path) for path in trust_roots]
    if online:
        backend = AIOHttpFetcherBackend(session=http) if http is not None else None
        return ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="hard-fail",
                                 fetcher_backend=backend)
    return ValidationContext(trust_roots=roots, allow_fetching=False)


# ------------------------------------------------------------------------------------------ signing


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    level: PadesLevel = "B-B",
    reason: str,
    location: str = "Shkodër",
    certify: bool = True,
    timestamp_url: str | None = None,
    validation_context: ValidationContext | None = None,
    stamp_text: str | None = None,
) -> bytes:
    """``pdf`` signed at PAdES ``level``; a certification signature forbidding changes unless ``certify``
    is false.

    ``B-T`` and up need ``timestamp_url``; ``B-LT`` and up need ``validation_context`` (see
    :func:`build_validation_context`), which, when given at any level, also checks the signing certificate
    (chain and revocation) before anything is signed. ``stamp_text`` adds a visible stamp at the foot
    of the last page, followed by the signing time.
    """
    signed = _sign(
        pdf, signer, level=level, reason=reason, location=location, certify=certify,
        timestamp_url=timestamp_url, validation_context=validation_context, stamp_text=stamp_text,
    )
    _assert_signed(signed)
    return signed


def _sign(
    pdf: bytes,
    signer: Signer,
    *,
    level: PadesLevel,
    reason: str,
    location: str,
    certify: bool,
    timestamp_url: str | None,
    validation_context: ValidationContext | None,
    stamp_text: str | None,
    run: _CoroutineRunner = asyncio.run,
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """:func:`sign_pdf` without the read-back check: the caller checks the bytes before release.

    pyHanko signs in coroutines; ``run`` runs them (a :class:`SigningSession` passes its thread's
    lasting event loop: ``asyncio.run`` makes and closes a loop each time, see
    :class:`stages.sign_loop.SigningThreads`), and ``timestamper`` is the client of ``timestamp_url`` to
    use (the thread's, on that loop) instead of the process's.
    """
    if level not in _LEVELS:
        raise ConfigurationError(f"unknown PAdES level {level!r}; expected one of {', '.join(_LEVELS)}")
    if level in _TIMESTAMPED and not timestamp_url:
        raise ConfigurationError(f"PAdES {level} needs a timestamp authority URL (timestamp_url)")
    if level in _WITH_REVOCATION_INFO and validation_context is None:
        raise ConfigurationError(f"PAdES {level} needs a validation context to collect revocation data")

    first_writer = _open_for_signing(pdf)
    _check_certificate_dates(signer)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm=_DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        validation_context=validation_context,
        embed_validation_info=level in _WITH_REVOCATION_INFO,
        use_pades_lta=level == "B-LTA",
    )
    if level not in _TIMESTAMPED or not timestamp_url:
        timestamper = None
    elif timestamper is None:
        timestamper = _timestamper(timestamp_url)

    def attempt(writer: IncrementalPdfFileWriter, reserved: int | None) -> bytes:
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=timestamper,
            stamp_style=_stamp_style(stamp_text) if stamp_text else None,
            new_field_spec=_stamp_field(writer) if stamp_text else None,
        )

        async def signing() -> bytes:
            # What pyHanko's synchronous sign_pdf does, on the caller's event loop: sign, then release the
            # HTTP sessions the validation context opened, while the loop that opened them still runs.
            try:
                output = await pdf_signer.async_sign_pdf(writer, bytes_reserved=reserved)
                return bytes(output.getvalue())
            finally:
                if validation_context is not None:
                    await validation_context.aclose()  # type: ignore[no-untyped-call]

        return run(signing())

    try:
        try:
            signed = attempt(first_writer, _reserved_hex_digits(signer, timestamper, run))
        except PyHankoSigningError as exc:
            if "larger than expected" not in str(exc):
                raise
            # A signature bigger than sized for (an unusual token or chain): let pyHanko size it.
            signed = attempt(_open_for_signing(pdf), None)
    except Exception as exc:
        raise _signing_failure(exc) from exc
    return signed


@functools.lru_cache(maxsize=8)
def _timestamper(url: str) -> timestamps.HTTPTimeStamper:
    """One timestamp client per URL and process: it keeps the size of the authority's tokens after the
    first request, which would otherwise cost a second round trip per signature. It holds no connection
    (each request opens and closes its own), so threads can share it."""
    return timestamps.HTTPTimeStamper(url, timeout=_TSA_TIMEOUT_S)


_CMS_ALLOWANCE = 1024
"""Bytes for the CMS structure and signed attributes around certificates, signature value and token
(about 500 with the attributes pyHanko writes)."""


def _reserved_hex_digits(
    signer: Signer, timestamper: timestamps.TimeStamper | None, run: _CoroutineRunner = asyncio.run
) -> int:
    """Room for the signature container, in hex digits, sized from what goes into it.

    pyHanko would otherwise size it by building and signing a throw-away container before every
    signature. The certificates, the signature value (room for an ECDSA one, twice the key size) and a
    timestamp token (pyHanko keeps one sample token per timestamp client) make up the bulk. Tokens vary
    a little from one request to the next: a quarter of one is added. Room left over costs reading
    time later (the hex string is parsed digit by digit), hence no wider margin; a container that does
    not fit is signed again with pyHanko's own sizing.
    """
    cert = signer.signing_cert
    assert cert is not None  # checked by _check_certificate_dates
    certificates = sum(len(c.dump()) for c in signer.cert_registry) + len(cert.dump())
    signature_value = 2 * int(cert.public_key.bit_size) // 8 + 16
    token = 0
    if timestamper is not None:
        token = len(run(timestamper.async_dummy_response("sha256")).dump())
    return 2 * (certificates + signature_value + token + token // 4 + _CMS_ALLOWANCE)


def _open_for_signing(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise CorruptInputError(f"cannot read the PDF to sign ({type(exc).__name__})") from exc
    if writer.prev.encrypted:
        raise InputError("the PDF to sign is encrypted; Sportel only signs the PDFs it produced")
    existing = len(writer.prev.embedded_signatures)
    if existing:
        # Signed originals (a citizen's e-signature) are kept byte for byte by the pipeline, never re-signed.
        raise InputError(f"the PDF already carries {existing} signature(s); it is kept as is, not re-signed")
    return writer


def _check_certificate_dates(signer: Signer) -> None:
    cert = signer.signing_cert
    if cert is None:
        raise SigningCredentialError("the signer has no certificate")
    now = datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    if now > not_after:
        raise SigningCredentialError(f"the signing certificate expired on {not_after:%Y-%m-%d}")
    if now < not_before:
        raise SigningCredentialError(f"the signing certificate is not valid before {not_before:%Y-%m-%d}")


def _signing_failure(exc: Exception) -> SportelError:
    """Our error for whatever pyHanko or the token raised: retryable only when a service was down."""
    if isinstance(exc, SportelError):
        return exc
    if isinstance(exc, timestamps.TimestampRequestError):
        return SigningError("the timestamp authority did not answer or refused the request; try again later")
    cause = exc.__cause__ if isinstance(exc, PyHankoSigningError) else None
    if cause is not None and (found := _certificate_failure(cause)) is not None:
        return found
    if type(exc).__module__.startswith("pkcs11"):
        return SigningError(f"the PKCS#11 token failed while signing ({type(exc).__name__})")
    return SigningError(f"signing failed ({type(exc).__name__})")


def _certificate_failure(cause: BaseException) -> SportelError | None:
    """Our error for a failed check of the signing certificate; ``None`` if ``cause`` is no such failure."""
    if isinstance(cause, cv_errors.RevokedError):
        return SigningCredentialError("the signing certificate is revoked")
    if isinstance(cause, cv_errors.ExpiredError | cv_errors.NotYetValidError):
        return SigningCredentialError("the signing certificate is expired or not yet valid")
    if isinstance(cause, cv_errors.InsufficientRevinfoError):
        return SigningError("the revocation status of the signing certificate could not be obtained")
    if isinstance(cause, cv_errors.PathBuildingError):
        return SigningCredentialError("the signing certificate does not chain to a trusted root")
    if isinstance(cause, cv_errors.PathValidationError):
        return SigningCredentialError(f"the signing certificate failed validation ({type(cause).__name__})")
    return None


def _assert_signed(signed: bytes) -> EmbeddedPdfSignature:
    """Never hand back a file whose new signature does not check out: fail closed.

    Reads the output back and checks the last signature cryptographically (digest of the signed byte
    ranges and signature value); trust was settled before signing. Returns that signature.
    """
    try:
        reader = PdfFileReader(BytesIO(signed), strict=False)
        signatures = reader.embedded_regular_signatures
        ok = bool(signatures) and _signature_checks_out(signatures[-1])
    except Exception as exc:
        raise SigningError(f"the signed PDF does not read back ({type(exc).__name__})") from exc
    if not ok:
        raise SigningError("the signed PDF failed its integrity self-check")
    last: EmbeddedPdfSignature = signatures[-1]
    return last


def _signature_checks_out(signature: EmbeddedPdfSignature) -> bool:
    intact, valid = validate_sig_integrity(
        signature.signer_info, signature.signer_cert, "data", signature.compute_digest()
    )
    return bool(intact and valid)


# ------------------------------------------------------------------------------------------ session

TRUST_RECHECK_S = 300.0
"""How long an online check of the signing certificate (chain to the roots, revocation) stands."""


def _run_blocking(coroutine: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a check to its end from synchronous code, also when the caller's thread already runs an event
    loop (``sportel serve`` starts its embedded workers from the server's loop, where ``asyncio.run``
    refuses): the coroutine then runs on a thread of its own."""
    _off_running_loop(lambda: asyncio.run(coroutine()))


def _off_running_loop(work: Callable[[], None]) -> None:
    """``work()`` on this thread, or on a thread of its own when this one runs an event loop (where no
    other loop may run)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


class SigningSession:
    """One loaded key signing output after output, each checked before it is released.

    Every signature is certified (no changes allowed) and read back from its bytes: digest and signature
    value must verify. On top of that:

    * the signing certificate is checked online against ``trust_roots`` (chain, validity, revocation,
      fail closed) by :meth:`check_certificates` when a worker starts, or else on the first signature,
      and again whenever :data:`TRUST_RECHECK_S` has passed, instead of before every signature; the
      timestamp authority's certificate likewise, for the timestamped levels. B-LT and B-LTA fetch
      revocation data to put into the file, and a thread keeps it for its next such signatures while
      the responses stand and the check does (:mod:`stages.sign_revinfo`);
    * a ``B-B`` output must cover the whole file, carry the no-changes certification and the certificate
      that was checked: with nothing appended after the signature there is nothing for a modification
      analysis to find. It is checked on the bytes just written (:mod:`stages.sign_check`), or read back
      in full with pyHanko when that check cannot tell;
    * ``B-T`` and up: the signature's update as for B-B, the timestamp token against the authority's
      certificate the online check validated, at B-LTA the document timestamp, and pyHanko's
      modification analysis of what follows the signature
      (:func:`~stages.sign_check.timestamped_signature_checks_out`); anything that check does not
      recognise is validated in full with :func:`validate_pdf`.

    Threads may share a session with a key held in memory (PKCS#12): their signatures run side by
    side. With a PKCS#11 key they take turns, since a token session serves one operation at a time;
    better one session per worker thread.
    """

    def __init__(
        self,
        signer: Signer,
        *,
        trust_roots: Sequence[Path],
        timestamp_url: str | None = None,
        stamp_text: str | None = None,
        recheck_s: float = TRUST_RECHECK_S,
        revocation_reuse_s: float = TRUST_RECHECK_S,
    ) -> None:
        if not trust_roots:
            raise SigningCredentialError(
                "no trust root configured for the signing certificate (settings: sign_trust_roots)"
            )
        if signer.signing_cert is None:
            raise SigningCredentialError("the signer has no certificate")
        use_fast_hex_strings()  # every output is read back; see stages.pdf_hex
        self.signer = signer
        self.trust_roots = tuple(trust_roots)
        self.timestamp_url = timestamp_url
        self.stamp_text = stamp_text
        self._recheck_s = recheck_s
        self._revocation_reuse_s = min(recheck_s, revocation_reuse_s)
        self._signer_checked_until = float("-inf")
        self._timestamp_authority_checked_until = float("-inf")
        # Guards the session's own state only: two worker threads sign side by side (one waits on the
        # timestamp authority while the other computes), with a key held in memory. A key on a token
        # (PKCS#11) serves one operation at a time: its signatures take turns.
        self._lock = threading.Lock()
        self._key_lock: contextlib.AbstractContextManager[object] = (
            contextlib.nullcontext() if isinstance(signer, SimpleSigner) else threading.Lock()
        )
        # Per process, not per signature: what a B-B output must name, and the roots to validate against.
        self._expected = ExpectedSigner.of(signer.signing_cert)
        # The timestamp authority's certificate as last checked online; None until then.
        self._authority: ExpectedTimestampAuthority | None = None
        self._roots: list[asn1_x509.Certificate] | None = None
        # One event loop and HTTP client per signing thread for the life of the session.
        self._threads = SigningThreads(_TSA_TIMEOUT_S)

    def check_certificates(self) -> None:
        """Check the signing certificate online now (chain to the trust roots, validity, revocation), and
        the timestamp authority's when one is set, as the first signature would; also prepare what every
        signature of this process reuses (the stamp's font). A worker calls this when it starts, so that
        no document's signing pays for it.

        Fails closed as signing does: raises :class:`~pipeline.errors.SigningError` (retryable) or
        :class:`SigningCredentialError`, and the session then checks again before its next signature.
        """
        with self._lock:
            if self.stamp_text:
                _stamp_font_program()
            context = build_validation_context(self.trust_roots)
            _run_blocking(lambda: self._check_signer(context))
            self._signer_checked_until = time.monotonic() + self._recheck_s
            if self.timestamp_url:
                url = self.timestamp_url
                _run_blocking(lambda: self._check_timestamp_authority(context, url))
                self._timestamp_authority_checked_until = time.monotonic() + self._recheck_s

    async def _check_signer(self, context: ValidationContext) -> None:
        # What pyHanko checks of the signer before signing with a validation context.
        validator = CertificateValidator(
            self.signer.signing_cert, intermediate_certs=self.signer.cert_registry, validation_context=context
        )
        try:
            await validator.async_validate_usage(signers.DEFAULT_SIGNER_KEY_USAGE)  # type: ignore[no-untyped-call]
        except (cv_errors.PathBuildingError, cv_errors.PathValidationError) as exc:
            raise (_certificate_failure(exc) or SigningError("the signing certificate check failed")) from exc

    async def _check_timestamp_authority(self, context: ValidationContext, url: str) -> None:
        # pyHanko's own pre-signing check of the authority (a sample token, then its certificate's path).
        try:
            async for _path in _timestamper(url).validation_paths(context):  # type: ignore[no-untyped-call]
                pass
            self._authority = await _authority_of(_timestamper(url))
        except timestamps.TimestampRequestError as exc:
            raise SigningError("the timestamp authority did not answer or refused the request") from exc
        except (cv_errors.PathBuildingError, cv_errors.PathValidationError) as exc:
            raise SigningCredentialError(
                f"the timestamp authority's certificate failed validation ({type(exc).__name__})"
            ) from exc

    def warm_up(self) -> None:
        """Sign a blank page once and discard it, so that the worker's start, not its first document,
        pays for what a process's first signature loads (pyHanko's lazily imported modules, first-call
        caches: some 10 ms of CPU on a quiet machine, more under load). B-B whatever the settings: no
        timestamp authority is asked and nothing leaves the process. Checked like any output before it is
        discarded: raises as :meth:`sign` would."""

        def sign_blank_page() -> None:
            try:
                self.sign(_blank_page_pdf(), level="B-B", reason="Sportel")
            finally:
                # The thread that starts the worker signs nothing else: its event loop goes with it.
                self.close_thread()

        _off_running_loop(sign_blank_page)

    def _online_check_due(self, level: PadesLevel) -> bool:
        now = time.monotonic()
        if level in _WITH_REVOCATION_INFO or now >= self._signer_checked_until:
            return True
        return level in _TIMESTAMPED and now >= self._timestamp_authority_checked_until

    def sign(self, pdf: bytes, *, level: PadesLevel, reason: str) -> tuple[bytes, SignatureReport]:
        """``pdf`` signed at ``level`` and the report of its signature; raises rather than release a file
        whose signature does not validate."""
        try:
            return self._sign_checked(pdf, level=level, reason=reason)
        except BaseException:
            # Whatever failed (an authority down, a certificate revoked since), the next signature
            # fetches its revocation data afresh.
            self._threads.keep_context(None)
            raise

    def _sign_checked(self, pdf: bytes, *, level: PadesLevel, reason: str) -> tuple[bytes, SignatureReport]:
        threads = self._threads
        kept = threads.kept_context() if level in _WITH_REVOCATION_INFO else None
        with self._lock:
            online_check = kept is None and self._online_check_due(level)
        checked_at = time.monotonic()
        context = kept.context if kept is not None else (
            build_validation_context(self.trust_roots, http=threads.http()) if online_check else None
        )
        timestamper = threads.timestamper(self.timestamp_url) if (
            level in _TIMESTAMPED and self.timestamp_url) else None
        with self._key_lock:
            signed = _sign(
                pdf, self.signer, level=level, reason=reason, location="Shkodër", certify=True,
                timestamp_url=self.timestamp_url, validation_context=context, stamp_text=self.stamp_text,
                run=threads.run, timestamper=timestamper,
            )
        checked_authority = threads.run(_authority_of(timestamper)) if (
            online_check and timestamper is not None) else None
        with self._lock:
            if online_check:
                # Reached only when pyHanko's pre-signing check (signer, and the authority when it
                # timestamps) passed with this context.
                until = checked_at + self._recheck_s
                self._signer_checked_until = until
                if timestamper is not None:
                    self._timestamp_authority_checked_until = until
                    self._authority = checked_authority
            authority = self._authority
        if online_check and context is not None and level in _WITH_REVOCATION_INFO:
            threads.keep_context(self._to_keep(context, checked_at))
        if level == "B-B" and b_b_signature_checks_out(pdf, signed, self._expected):
            report = self._checked_b_b_report()
        elif level != "B-B" and authority is not None and timestamped_signature_checks_out(
            pdf, signed, self._expected, authority, level=level
        ):
            report = self._checked_timestamped_report(level)
        else:
            signature = _assert_signed(signed)
            report = self._b_b_report(signature) if level == "B-B" else self._full_report(signature)
        if not report.valid:
            raise SigningError("a freshly signed output does not validate; it is not released")
        return signed, report

    def _to_keep(self, context: ValidationContext, checked_at: float) -> KeptContext | None:
        """``context`` to keep for this thread's next B-LT and B-LTA signatures: until its revocation data
        nears its ``nextUpdate``, and no longer than the online check of the certificates stands, nor than
        ``revocation_reuse_s``."""
        expiry = revocation_data_expiry(context)
        if expiry is None:
            return None
        now = time.monotonic()
        until = min(checked_at + self._revocation_reuse_s, now + (expiry - datetime.now(UTC)).total_seconds())
        return KeptContext(context, until) if until > now else None

    def close_thread(self) -> None:
        """Let go of this thread's event loop, HTTP client and kept revocation data (a worker thread about
        to end)."""
        self._threads.close()

    def _checked_timestamped_report(self, level: PadesLevel) -> SignatureReport:
        """The report of an output that passed :func:`~stages.sign_check.timestamped_signature_checks_out`:
        what :meth:`_full_report` gives such a file."""
        whole = "covers the whole file." if level == "B-T" else (
            "covers the whole file but for long-term validation data."
        )
        return SignatureReport(
            level=level, signer=_common_name(self._expected.certificate), valid=True, intact=True,
            trusted=True, covers_whole_file=True,
            modification_level="none" if level == "B-T" else _MODIFICATION_WORDS[ModificationLevel.LTA_UPDATES],
            summary=f"Valid PAdES {level} certification signature: intact, certificate trusted, {whole}",
        )

    def _checked_b_b_report(self) -> SignatureReport:
        """The report of a B-B output that passed :func:`~stages.sign_check.b_b_signature_checks_out`:
        the same as :meth:`_b_b_report` gives a valid one."""
        return SignatureReport(
            level="B-B", signer=_common_name(self._expected.certificate), valid=True, intact=True,
            trusted=True, covers_whole_file=True, modification_level="none",
            summary="Valid PAdES B-B certification signature: intact, certificate trusted, covers the whole file.",
        )

    def _b_b_report(self, signature: EmbeddedPdfSignature) -> SignatureReport:
        expected = self.signer.signing_cert
        problems: list[str] = []
        if signature.evaluate_signature_coverage() != SignatureCoverageLevel.ENTIRE_FILE:
            problems.append("the signature does not cover the whole file")
        if signature.docmdp_level != fields.MDPPerm.NO_CHANGES:
            problems.append("not a certification forbidding changes")
        if expected is None or signature.signer_cert.dump() != expected.dump():
            problems.append("signed with a certificate other than the one checked")
        if signature.sig_object.get("/SubFilter") != _PADES_SUBFILTER:
            problems.append("not a PAdES signature")
        valid = not problems
        summary = (
            "Valid PAdES B-B certification signature: intact, certificate trusted, covers the whole file."
            if valid
            else "INVALID PAdES B-B certification signature: " + "; ".join(problems) + "."
        )
        return SignatureReport(
            level="B-B", signer=_common_name(signature.signer_cert), valid=valid, intact=True,
            trusted=valid, covers_whole_file=valid, modification_level="none", summary=summary,
        )

    def _full_report(self, signature: EmbeddedPdfSignature) -> SignatureReport:
        # The signed bytes as already read back: validate_pdf on the same bytes, without parsing them again.
        if self._roots is None:
            self._roots = [_load_certificate(path) for path in self.trust_roots]
        reader = signature.reader
        reports = _validate_signatures(reader, list(reader.embedded_signatures), self._roots)
        own = [r for r in reports if r.level != "document timestamp"]
        if not own:
            raise SigningError("the signed PDF carries no signature on reading back")
        if all(r.valid for r in reports):
            return own[-1]
        return own[-1].model_copy(update={"valid": False})


async def _authority_of(timestamper: timestamps.TimeStamper) -> ExpectedTimestampAuthority | None:
    """The certificate of the sample token whose path pyHanko's check of the authority has just validated
    (the client keeps that token: no request is made here)."""
    return ExpectedTimestampAuthority.of_token(await timestamper.async_dummy_response(_DIGEST))


@functools.lru_cache(maxsize=1)
def _blank_page_pdf() -> bytes:
    """A one-page A4 PDF with nothing on its page, for :meth:`SigningSession.warm_up`."""
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    contents = writer.add_object(generic.StreamObject(stream_data=b""))
    writer.insert_page(PageObject(contents=contents, media_box=(0, 0, 595, 842)))  # type: ignore[no-untyped-call]
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


# ------------------------------------------------------------------------------------------- stamp


def _stamp_field(writer: IncrementalPdfFileWriter) -> fields.SigFieldSpec:
    page_ref, _resources = writer.find_page_for_modification(-1)  # type: ignore[no-untyped-call]
    x0, y0, x1, _y1 = (float(v) for v in page_ref.get_object()["/MediaBox"])
    margin = 28.0
    width = min(300.0, x1 - x0 - 2 * margin)
    box = (int(x0 + margin), int(y0 + margin), int(x0 + margin + width), int(y0 + margin + 54))
    return fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD, on_page=-1, box=box)


def _stamp_style(text: str) -> TextStampStyle:
    # The caller's text is literal: escape the template marker; the signing time is pyHanko's %(ts)s.
    template = text.replace("%", "%%") + "\n%(ts)s"
    return TextStampStyle(
        stamp_text=template,
        # The same size for shaping and layout, or every line after the first drifts sideways.
        text_box_style=TextBoxStyle(
            font=_StampFont(_stamp_font_program(), _STAMP_FONT_SIZE), font_size=_STAMP_FONT_SIZE
        ),
        border_width=1,
        timestamp_format="%Y-%m-%d %H:%M %Z",
    )


_STAMP_FONT_SIZE = 9


@dataclass(frozen=True)
class _StampFont(FontEngineFactory):
    """Embeds (a subset of) an in-memory font program; pyHanko's own factory reads only from a path."""

    program: bytes
    font_size: int

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: Any = None) -> GlyphAccumulator:
        # Imported here: fontTools' subsetter and OpenType tables, which only a visible stamp needs (16 MB
        # resident on their own, 5 MB beyond what pikepdf's PDF/A support loads of fontTools).
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return GlyphAccumulator(
            writer=writer, font_handle=BytesIO(self.program), font_size=self.font_size, obj_stream=obj_stream
        )


@functools.lru_cache(maxsize=1)
def _stamp_font_program() -> bytes:
    """DejaVu Sans cut to Latin script and rescaled to 1000 units per em.

    pyHanko writes glyph widths in font units where PDF expects thousandths of an em, so a 2048-unit
    font such as DejaVu comes out letter-spaced and clipped; a 1000-unit copy renders true. Cutting to
    Latin (Albanian needs ë and ç) first keeps this at a fraction of a second, once per process.
    """
    # fontTools ships no type information (and pyproject's mypy overrides do not list it).
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fontTools.ttLib.scaleUpem import scale_upem  # type: ignore[import-untyped]

    if not STAMP_FONT.is_file():
        raise ConfigurationError(f"stamp font not found: {STAMP_FONT} (Debian package fonts-dejavu-core)")
    font = TTFont(str(STAMP_FONT))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[*range(0x20, 0x250), *range(0x2000, 0x2070), 0x20AC])
    cutter.subset(font)
    scale_upem(font, 1000)
    program = BytesIO()
    font.save(program)
    return program.getvalue()


# ------------------------------------------------------------------------------------------ validate

ModificationWords = Literal[
    "none", "long-term validation data only", "form filling", "annotations", "disallowed", "unknown"
]

_MODIFICATION_WORDS: dict[ModificationLevel, ModificationWords] = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "long-term validation data only",
    ModificationLevel.FORM_FILLING: "form filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    # pyHanko files every change it cannot explain (content, pages) here: never allowed.
    ModificationLevel.OTHER: "disallowed",
}


def validate_pdf(pdf: bytes, *, trust_roots: Sequence[Path]) -> list[SignatureReport]:
    """One report per signature and document timestamp in ``pdf``, in signing order; ``[]`` if unsigned.

    Offline: trust comes from ``trust_roots`` only, revocation data from what the file carries (its
    document security store). In a report, ``valid`` is the overall verdict (intact, cryptographically
    sound, trusted, timestamp sound, no disallowed change); ``covers_whole_file`` also holds when all that
    was added after the signature is long-term validation data (a DSS and document timestamps), which
    PAdES B-LT and B-LTA append by design.
    """
    reader, embedded = _read_signatures(pdf)
    return _validate_signatures(reader, embedded, [_load_certificate(path) for path in trust_roots])


def _read_signatures(pdf: bytes) -> tuple[PdfFileReader, list[EmbeddedPdfSignature]]:
    use_fast_hex_strings()
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        return reader, list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise CorruptInputError(f"cannot read the PDF to validate ({type(exc).__name__})") from exc


def _validate_signatures(
    reader: PdfFileReader, embedded: list[EmbeddedPdfSignature], roots: Sequence[asn1_x509.Certificate]
) -> list[SignatureReport]:
    dss = _read_dss(reader)
    reports: list[SignatureReport] = []
    for index, signature in enumerate(embedded):
        context = (
            dss.as_validation_context({"trust_roots": list(roots), "allow_fetching": False})
            if dss is not None
            else ValidationContext(trust_roots=roots, allow_fetching=False)
        )
        later = embedded[index + 1 :]
        try:
            if signature.sig_object_type == "/DocTimeStamp":
                reports.append(_timestamp_report(validate_pdf_timestamp(signature, context)))
            else:
                status = validate_pdf_signature(signature, context, context)
                dss_after = _dss_added_after(signature, dss)
                level = _pades_level(signature, status, dss_after=dss_after, later=later)
                reports.append(_signature_report(signature, status, level))
        except Exception as exc:  # a malformed signature is a finding, not a crash
            reports.append(_unreadable_report(signature, exc))
    return reports


def report_input_signatures(
    data: bytes, *, trust_roots: Callable[[], Sequence[Path]]
) -> InputSignatures | None:
    """The signatures of a handed-in file, validated offline (:func:`validate_pdf`, modification analysis
    included); ``None`` when the file is not a PDF. Never raises on what the file holds: a file that
    does not read is reported as such. ``trust_roots`` is called only when there is a signature to check.

    Signer names are left out: on a citizen's document they are personal data.
    """
    if b"%PDF-" not in data[:1024]:
        return None
    digest = hashlib.sha256(data).hexdigest()
    try:
        reader, embedded = _read_signatures(data)
        roots = [_load_certificate(path) for path in trust_roots()] if embedded else []
        reports = _validate_signatures(reader, embedded, roots) if embedded else []
    except Exception:  # a hostile or broken file is a finding about the file, never a failed intake
        return InputSignatures(sha256=digest, signatures=[], readable=False)
    return InputSignatures(
        sha256=digest,
        signatures=[InputSignatureReport(**r.model_dump(exclude={"signer"})) for r in reports],
    )


def _read_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _dss_added_after(signature: EmbeddedPdfSignature, dss: DocumentSecurityStore | None) -> bool:
    if dss is None:
        return False
    reader = signature.reader
    dss_ref = reader.root.raw_get("/DSS")
    if isinstance(dss_ref, generic.Reference):
        return bool(reader.xrefs.get_last_change(dss_ref) > signature.signed_revision)
    return "/DSS" not in reader.get_historical_root(signature.signed_revision)


def _pades_level(
    signature: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    *,
    dss_after: bool,
    later: Sequence[EmbeddedPdfSignature],
) -> str:
    if signature.sig_object.get("/SubFilter") != _PADES_SUBFILTER:
        return "PKCS#7 (not PAdES)"
    if status.timestamp_validity is None:
        return "B-B"
    if not dss_after:
        return "B-T"
    if any(other.sig_object_type == "/DocTimeStamp" for other in later):
        return "B-LTA"
    return "B-LT"


def _signature_report(signature: EmbeddedPdfSignature, status: PdfSignatureStatus, level: str) -> SignatureReport:
    modification = _modification_words(status.modification_level, status.docmdp_ok)
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        and bool(status.docmdp_ok)
    )
    signer = _common_name(status.signing_cert)
    kind = "certification" if signature.docmdp_level is not None else "approval"
    valid = bool(status.bottom_line)
    problems: list[str] = []
    if not status.intact:
        problems.append("the signed content no longer matches the signature")
    elif not status.valid:
        problems.append("the signature value is wrong")
    if not status.trusted:
        problems.append("revoked certificate" if status.revoked else "certificate not trusted")
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        problems.append("the signature timestamp does not check out")
    if modification == "disallowed":
        problems.append("the file was modified after signing in a way the signature does not allow")
    elif not covers:
        problems.append("the signature does not cover the whole file")
    # The signer's name stays in its own field: a citizen's signature would make it personal data.
    profile = f"PAdES {level}" if level.startswith("B-") else level
    summary = f"{'Valid' if valid else 'INVALID'} {profile} {kind} signature"
    if problems:
        summary += ": " + "; ".join(problems) + "."
    elif status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        summary += ": intact, certificate trusted, covers the whole file."
    else:
        summary += ": intact, certificate trusted, covers the whole file but for long-term validation data."
    return SignatureReport(
        level=level,
        signer=signer,
        valid=valid,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=covers,
        modification_level=modification,
        summary=summary,
    )


def _timestamp_report(status: DocumentTimestampStatus) -> SignatureReport:
    modification = _modification_words(status.modification_level, status.docmdp_ok)
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    )
    sound = bool(status.intact and status.valid and status.trusted)
    valid = sound and modification != "disallowed"
    verdict = "Valid" if valid else "INVALID"
    return SignatureReport(
        level="document timestamp",
        signer=_common_name(status.signing_cert),
        valid=valid,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=covers,
        modification_level=modification,
        summary=f"{verdict} document timestamp of {status.timestamp:%Y-%m-%d %H:%M:%S %Z}.",
    )


def _unreadable_report(signature: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    kind = "document timestamp" if signature.sig_object_type == "/DocTimeStamp" else "signature"
    return SignatureReport(
        level="unknown",
        signer="unknown",
        valid=False,
        intact=False,
        trusted=False,
        covers_whole_file=False,
        modification_level="unknown",
        summary=f"INVALID {kind}: it could not be validated ({type(exc).__name__}).",
    )


def _modification_words(level: ModificationLevel | None, docmdp_ok: bool | None) -> ModificationWords:
    if docmdp_ok is False:
        return "disallowed"
    if level is None:
        return "unknown"
    return _MODIFICATION_WORDS[level]


def _common_name(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return "unknown"
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _load_certificate(path: Path) -> asn1_x509.Certificate:
    try:
        cert: asn1_x509.Certificate = load_cert_from_pemder(str(path))  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the trust root certificate {path.name}") from exc
    return cert
