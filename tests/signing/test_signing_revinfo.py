"""A signing thread keeps the revocation data of its B-LT and B-LTA signatures while the responses stand
(:mod:`stages.sign_revinfo`), and every output still carries all it needs to validate offline."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import ocsp, pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext

import stages.sign_revinfo
from pipeline.errors import SigningError
from pipeline.models import PadesLevel
from pipeline.settings import load_settings
from stages.sign import TRUST_RECHECK_S, SigningSession, build_validation_context, load_signer
from stages.sign_revinfo import NEXT_UPDATE_MARGIN, revocation_data_expiry
from tests.signing.conftest import LocalPki, closed_port, make_pdf, pdfsig
from workers.context import WorkerContext
from workers.signing import close_signing_thread, sign_and_validate

REASON = "Kopje arkivore e skanuar nga Sportel"
REVOCATION_SERVICES = {"ocsp", "crls"}


def _session(local_pki: LocalPki, recheck_s: float = TRUST_RECHECK_S) -> SigningSession:
    return SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                          timestamp_url=local_pki.tsa_url, recheck_s=recheck_s)


def _worker_context(local_pki: LocalPki, home: Path, **settings: Any) -> WorkerContext:
    """A worker's adapters signing with the local PKI's key, ``settings`` on top."""
    return WorkerContext.from_settings(load_settings(
        home=home, sign_pkcs12=local_pki.signer_p12["signer"], sign_pkcs12_passphrase=local_pki.passphrase.decode(),
        sign_trust_roots=(local_pki.root_cert,), timestamp_url=local_pki.tsa_url, **settings,
    ))


def _root(local_pki: LocalPki) -> x509.Certificate:
    _, _, der = pem.unarmor(local_pki.root_cert.read_bytes())
    return x509.Certificate.load(der)


def _revocation_fetches(local_pki: LocalPki, start: int) -> int:
    return sum(service in REVOCATION_SERVICES for service in local_pki.services_asked_since(start))


def _validates_offline_with_revocation_required(signed: bytes, local_pki: LocalPki) -> bool:
    """Every signature of ``signed`` checks out against the root with no fetching allowed and revocation
    status required (``hard-fail``): only what the file's own document security store holds counts."""
    reader = PdfFileReader(io.BytesIO(signed))
    root = _root(local_pki)
    settings: dict[str, Any] = {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    for signature in reader.embedded_signatures:
        context = dss.as_validation_context(settings) if dss else ValidationContext(
            trust_roots=[root], allow_fetching=False, revocation_mode="hard-fail", ocsps=[], crls=[]
        )
        if signature.sig_object_type == "/DocTimeStamp":
            timestamp = validate_pdf_timestamp(signature, context)
            if not (timestamp.valid and timestamp.trusted):
                return False
        elif not validate_pdf_signature(signature, context, context).bottom_line:
            return False
    return True


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_one_thread_fetches_revocation_data_once_and_every_output_carries_it(
    local_pki: LocalPki, level: PadesLevel, tmp_path: Path
) -> None:
    session = _session(local_pki)
    try:
        start = len(local_pki.requests)
        first, _ = session.sign(make_pdf(1), level=level, reason=REASON)
        after_first = len(local_pki.requests)
        later = [session.sign(make_pdf(1), level=level, reason=REASON)[0] for _ in range(2)]
    finally:
        session.close_thread()

    assert _revocation_fetches(local_pki, start) > 0
    assert _revocation_fetches(local_pki, after_first) == 0
    # A timestamp per signature, and a document timestamp at B-LTA: those are never reused.
    assert local_pki.services_asked_since(after_first).count("tsa") == 2 * (2 if level == "B-LTA" else 1)
    for signed in (first, *later):
        assert _validates_offline_with_revocation_required(signed, local_pki)
    path = tmp_path / "later.pdf"
    path.write_bytes(later[-1])
    signature_block = pdfsig(path, local_pki.nss_dir).split("Signature #2")[0]
    assert "Signature Validation: Signature is Valid." in signature_block
    assert "Certificate Validation: Certificate is Trusted." in signature_block


def test_the_offline_check_fails_a_file_without_revocation_data(local_pki: LocalPki) -> None:
    # The check above means something: a B-T file carries no revocation data and fails it.
    session = _session(local_pki)
    try:
        signed, report = session.sign(make_pdf(1), level="B-T", reason=REASON)
    finally:
        session.close_thread()
    assert report.valid
    assert not _validates_offline_with_revocation_required(signed, local_pki)


def _fetches_for_the_second_signature(session: SigningSession, local_pki: LocalPki, level: PadesLevel) -> int:
    try:
        session.sign(make_pdf(1), level=level, reason=REASON)
        start = len(local_pki.requests)
        session.sign(make_pdf(1), level=level, reason=REASON)
    finally:
        session.close_thread()
    return _revocation_fetches(local_pki, start)


def test_revocation_data_near_its_next_update_is_fetched_again(
    local_pki: LocalPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    # certomancer's OCSP responses stand for ten minutes: with a margin that long, none is kept.
    monkeypatch.setattr(stages.sign_revinfo, "NEXT_UPDATE_MARGIN", timedelta(minutes=10))
    assert _fetches_for_the_second_signature(_session(local_pki), local_pki, "B-LTA") > 0


def test_kept_revocation_data_goes_no_further_than_the_certificate_check(local_pki: LocalPki) -> None:
    assert _fetches_for_the_second_signature(_session(local_pki, recheck_s=0.0), local_pki, "B-LT") > 0


@pytest.mark.parametrize(("reuse_s", "fetched_again"), [(0.0, True), (300.0, False)])
def test_the_setting_bounds_how_long_a_worker_reuses_revocation_data(
    local_pki: LocalPki, tmp_path: Path, reuse_s: float, fetched_again: bool
) -> None:
    ctx = _worker_context(local_pki, tmp_path, sign_revocation_reuse_s=reuse_s)
    try:
        sign_and_validate(ctx, make_pdf(1), level="B-LT", reason=REASON)
        start = len(local_pki.requests)
        _, report = sign_and_validate(ctx, make_pdf(1), level="B-LT", reason=REASON)
    finally:
        close_signing_thread(ctx)
    assert report.valid
    assert (_revocation_fetches(local_pki, start) > 0) is fetched_again


def test_a_failed_signature_lets_go_of_the_kept_revocation_data(local_pki: LocalPki) -> None:
    session = _session(local_pki)
    try:
        session.sign(make_pdf(1), level="B-LTA", reason=REASON)
        session.timestamp_url = f"http://127.0.0.1:{closed_port()}/tsa"
        with pytest.raises(SigningError, match="timestamp authority"):
            session.sign(make_pdf(1), level="B-LTA", reason=REASON)
        session.timestamp_url = local_pki.tsa_url
        start = len(local_pki.requests)
        _, report = session.sign(make_pdf(1), level="B-LTA", reason=REASON)
    finally:
        session.close_thread()
    assert report.valid
    assert _revocation_fetches(local_pki, start) > 0


def test_each_thread_keeps_its_own_revocation_data(local_pki: LocalPki) -> None:
    session = _session(local_pki)
    try:
        session.sign(make_pdf(1), level="B-LTA", reason=REASON)
        start = len(local_pki.requests)

        def sign_elsewhere() -> None:
            try:
                session.sign(make_pdf(1), level="B-LTA", reason=REASON)
            finally:
                session.close_thread()

        other = threading.Thread(target=sign_elsewhere)
        other.start()
        other.join()
    finally:
        session.close_thread()
    # The other thread's HTTP client and loop are its own: it fetched for itself.
    assert _revocation_fetches(local_pki, start) > 0


# ----------------------------------------------------------------------------- revocation_data_expiry


@pytest.fixture(scope="module")
def fetched(local_pki: LocalPki) -> ValidationContext:
    """A context that has checked the signer online: certomancer's OCSP response and CRLs in it."""
    session = _session(local_pki)
    context = build_validation_context([local_pki.root_cert], http=session._threads.http())
    try:
        session._threads.run(session._check_signer(context))
    finally:
        session.close_thread()
    assert context.ocsps and context.crls
    return context


def _without_next_update(response: ocsp.OCSPResponse) -> ocsp.OCSPResponse:
    copy = ocsp.OCSPResponse.load(response.dump())
    basic = ocsp.BasicOCSPResponse.load(copy["response_bytes"]["response"].parsed.dump())
    single = basic["tbs_response_data"]["responses"][0]
    basic["tbs_response_data"]["responses"][0] = ocsp.SingleResponse(
        {name: single[name] for name in ("cert_id", "cert_status", "this_update")}
    )
    copy["response_bytes"]["response"] = basic
    return ocsp.OCSPResponse.load(copy.dump())


def test_expiry_is_the_earliest_next_update_less_the_margin(fetched: ValidationContext) -> None:
    ocsp_updates = [
        single["next_update"].native
        for response in fetched.ocsps
        for single in response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"]
    ]
    crl_updates = [c["tbs_cert_list"]["next_update"].native for c in fetched.crls]

    expiry = revocation_data_expiry(fetched)

    assert expiry == min(ocsp_updates + crl_updates) - NEXT_UPDATE_MARGIN
    # certomancer's OCSP answers stand ten minutes, its CRLs for weeks: the OCSP response decides.
    assert expiry is not None
    assert timedelta(minutes=7) < expiry - datetime.now(UTC) < timedelta(minutes=10)


def test_a_response_without_next_update_is_not_kept(fetched: ValidationContext, local_pki: LocalPki) -> None:
    root = _root(local_pki)
    bare = [_without_next_update(response) for response in fetched.ocsps]
    assert all(
        single["next_update"].native is None
        for response in bare
        for single in response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"]
    )
    context = ValidationContext(trust_roots=[root], ocsps=bare, crls=fetched.crls)

    assert revocation_data_expiry(context) is None


def test_nothing_fetched_is_not_kept(local_pki: LocalPki) -> None:
    root = _root(local_pki)
    assert revocation_data_expiry(ValidationContext(trust_roots=[root])) is None
