"""The workers' signing session: one opened key for many outputs, checks that stay fail-closed, and a cheap
B-B check that agrees with pyHanko's full validation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.errors import SigningError
from stages.pki import DemoPki
from stages.sign import SigningCredentialError, SigningSession, load_signer, validate_pdf
from tests.signing.conftest import LocalPki, closed_port, make_pdf
from tests.signing.test_signing_pades_bb import append_page


@pytest.fixture(scope="module")
def demo_session(demo_signer: Any, demo_pki: DemoPki) -> SigningSession:
    return SigningSession(demo_signer, trust_roots=[demo_pki.root_cert])


def test_b_b_report_agrees_with_full_validation(demo_session: SigningSession, demo_pki: DemoPki) -> None:
    for pages in (1, 3):
        signed, report = demo_session.sign(make_pdf(pages), level="B-B", reason="Kopje")

        assert report == validate_pdf(signed, trust_roots=[demo_pki.root_cert])[0]
        assert report.valid and report.level == "B-B"


def test_one_key_signs_many_outputs_with_the_same_certificate(demo_session: SigningSession) -> None:
    certificates = set()
    for pages in (1, 2, 3):
        signed, _ = demo_session.sign(make_pdf(pages), level="B-B", reason="Kopje")
        [signature] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
        certificates.add(signature.signer_cert.dump())
    assert len(certificates) == 1


def test_b_b_check_flags_a_file_changed_after_signing(demo_session: SigningSession) -> None:
    signed, _ = demo_session.sign(make_pdf(1), level="B-B", reason="Kopje")
    [signature] = PdfFileReader(io.BytesIO(append_page(signed))).embedded_signatures

    report = demo_session._b_b_report(signature)

    assert not report.valid
    assert "does not cover the whole file" in report.summary


def test_b_b_check_flags_another_certificate(demo_session: SigningSession, local_pki: LocalPki) -> None:
    other = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert])
    signed, _ = other.sign(make_pdf(1), level="B-B", reason="Kopje")
    [signature] = PdfFileReader(io.BytesIO(signed)).embedded_signatures

    report = demo_session._b_b_report(signature)

    assert not report.valid and "other than the one checked" in report.summary


def test_revoked_certificate_fails_on_the_first_signature(local_pki: LocalPki) -> None:
    session = SigningSession(load_signer(local_pki.config("signer-revoked")), trust_roots=[local_pki.root_cert])
    with pytest.raises(SigningCredentialError, match="revoked"):
        session.sign(make_pdf(1), level="B-B", reason="Kopje")


def test_certificate_outside_the_roots_fails(local_pki: LocalPki, demo_pki: DemoPki) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[demo_pki.root_cert])
    with pytest.raises(SigningCredentialError, match="does not chain"):
        session.sign(make_pdf(1), level="B-B", reason="Kopje")


def test_no_trust_root_is_a_credential_error(demo_signer: Any) -> None:
    with pytest.raises(SigningCredentialError, match="no trust root"):
        SigningSession(demo_signer, trust_roots=[])


def test_timestamp_authority_down_is_retryable_after_earlier_successes(local_pki: LocalPki) -> None:
    signer = load_signer(local_pki.config())
    session = SigningSession(signer, trust_roots=[local_pki.root_cert], timestamp_url=local_pki.tsa_url)
    _, report = session.sign(make_pdf(1), level="B-T", reason="Kopje")
    assert report.valid and report.level == "B-T"

    down = SigningSession(signer, trust_roots=[local_pki.root_cert],
                          timestamp_url=f"http://127.0.0.1:{closed_port()}/tsa")
    with pytest.raises(SigningError, match="timestamp authority") as caught:
        down.sign(make_pdf(1), level="B-T", reason="Kopje")
    assert caught.value.retryable


def test_b_lta_session_reports_the_signature_not_the_document_timestamp(local_pki: LocalPki) -> None:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                             timestamp_url=local_pki.tsa_url)
    for _ in range(2):  # the second signature fetches revocation data again: it goes into the file
        signed, report = session.sign(make_pdf(1), level="B-LTA", reason="Kopje")
        assert report.level == "B-LTA" and report.valid
        assert [r.level for r in validate_pdf(signed, trust_roots=[local_pki.root_cert])] == [
            "B-LTA", "document timestamp"]


def _sign_from_two_threads(session: SigningSession, monkeypatch: pytest.MonkeyPatch, inside: Any) -> list[Any]:
    """Two threads sign with ``session`` at once; ``inside`` runs in place of pyHanko's signing call."""
    import threading

    import stages.sign

    def signing(pdf: bytes, *_args: Any, **_kwargs: Any) -> bytes:
        inside()
        return pdf

    monkeypatch.setattr(stages.sign, "_sign", signing)
    outcomes: list[Any] = []

    def sign() -> None:
        try:
            outcomes.append(session.sign(make_pdf(1), level="B-B", reason="Kopje"))
        except Exception as exc:  # the unsigned bytes fail the session's check: expected here
            outcomes.append(exc)

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_threads_sign_side_by_side_with_a_key_in_memory(
    demo_signer: Any, demo_pki: DemoPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread's signature waits on the timestamp authority while the other's computes: the session
    does not make them take turns. Each signing call here waits until both are inside it."""
    import threading

    both_inside = threading.Barrier(2, timeout=10)
    session = SigningSession(demo_signer, trust_roots=[demo_pki.root_cert])
    session._signer_checked_until = float("inf")  # no online check: the demo root has no OCSP

    outcomes = _sign_from_two_threads(session, monkeypatch, both_inside.wait)

    assert len(outcomes) == 2
    assert not any(isinstance(o, threading.BrokenBarrierError) for o in outcomes)
    # What came back unsigned is refused by the check after the call, as it must be.
    assert all(isinstance(o, SigningError) for o in outcomes)


def test_a_token_key_signs_one_output_at_a_time(
    demo_signer: Any, demo_pki: DemoPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key on a PKCS#11 token serves one operation at a time: a signer that is not held in memory
    (here pyHanko's ExternalSigner, as a stand-in for its PKCS11Signer) signs in turns."""
    import threading
    import time

    from pyhanko.sign.signers import ExternalSigner

    token = ExternalSigner(demo_signer.signing_cert, demo_signer.cert_registry, signature_value=b"\0" * 384)
    session = SigningSession(token, trust_roots=[demo_pki.root_cert])
    session._signer_checked_until = float("inf")
    inside, most = [0], [0]
    count = threading.Lock()

    def one_at_a_time() -> None:
        with count:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        with count:
            inside[0] -= 1

    outcomes = _sign_from_two_threads(session, monkeypatch, one_at_a_time)

    assert len(outcomes) == 2 and most[0] == 1
