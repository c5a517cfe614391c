"""The read-back check of a B-T, B-LT or B-LTA signature on the bytes just written
(stages.sign_check.timestamped_signature_checks_out): it must agree with pyHanko's full validation on
fresh outputs, and let no changed file, foreign token or disallowed update through."""

from __future__ import annotations

import asyncio
import binascii
import io
from collections.abc import Callable
from typing import Any

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader

import stages.sign
from pipeline.errors import SigningError
from stages.sign import SigningSession, load_signer, validate_pdf
from stages.sign_check import (
    ExpectedSigner,
    ExpectedTimestampAuthority,
    TimestampedLevel,
    timestamped_signature_checks_out,
)
from tests.signing.conftest import LocalPki, make_pdf
from tests.signing.test_signing_pades_bb import append_page

REASON = "Kopje arkivore e skanuar nga Sportel"
LEVELS: tuple[TimestampedLevel, ...] = ("B-T", "B-LT", "B-LTA")


@pytest.fixture(scope="module")
def session(local_pki: LocalPki) -> SigningSession:
    session = SigningSession(load_signer(local_pki.config()), trust_roots=[local_pki.root_cert],
                             timestamp_url=local_pki.tsa_url)
    session.check_certificates()
    return session


@pytest.fixture(scope="module")
def original() -> bytes:
    return make_pdf(2)


@pytest.fixture(scope="module")
def signed(session: SigningSession, original: bytes) -> dict[str, bytes]:
    return {level: session.sign(original, level=level, reason=REASON)[0] for level in LEVELS}


def _authority(session: SigningSession) -> ExpectedTimestampAuthority:
    authority = session._authority
    assert authority is not None, "the session's online check pins the timestamp authority's certificate"
    return authority


def _quick(session: SigningSession, original: bytes, signed: bytes, level: TimestampedLevel) -> bool:
    return timestamped_signature_checks_out(original, signed, session._expected, _authority(session), level=level)


def _full(session: SigningSession, signed: bytes) -> bool:
    """The session's verdict when it reads a file back in full with pyHanko (its fallback)."""
    try:
        return session._full_report(stages.sign._assert_signed(signed)).valid
    except SigningError:
        return False


@pytest.mark.parametrize("level", LEVELS)
def test_accepts_a_fresh_signature_and_reports_what_pyhanko_reports(
    session: SigningSession, local_pki: LocalPki, original: bytes, signed: dict[str, bytes], level: TimestampedLevel
) -> None:
    output = signed[level]

    assert _quick(session, original, output, level)
    full = session._full_report(stages.sign._assert_signed(output))
    assert full.valid and full.level == level
    assert session._checked_timestamped_report(level) == full
    own = [r for r in validate_pdf(output, trust_roots=[local_pki.root_cert]) if r.level != "document timestamp"]
    assert [r.level for r in own] == [level]


@pytest.mark.parametrize("level", LEVELS)
def test_a_signature_checked_at_another_level_is_not_shown(
    session: SigningSession, original: bytes, signed: dict[str, bytes], level: TimestampedLevel
) -> None:
    for other in LEVELS:
        if other != level:
            assert not _quick(session, original, signed[level], other)


def _flip_covered_byte(signed: bytes) -> bytes:
    at = signed.index(b"Faqe")  # page text of the original, inside every signed byte range
    return signed[:at] + b"G" + signed[at + 1 :]


def _flip_in_tst_info(signed: bytes, tst_info: bytes) -> bytes:
    """``signed`` with one hex digit in the middle of a timestamp token's TSTInfo changed: the token still
    parses, its signed digest no longer matches."""
    at = signed.index(binascii.hexlify(tst_info).upper()) + 2 * (len(tst_info) // 2)
    digit = b"0" if signed[at : at + 1] != b"0" else b"1"
    return signed[:at] + digit + signed[at + 1 :]


def _flip_token_digit(signed: bytes) -> bytes:
    """The signature timestamp token changed."""
    [signature] = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures
    [attribute] = signature.signer_info["unsigned_attrs"]
    return _flip_in_tst_info(signed, attribute["values"][0]["content"]["encap_content_info"]["content"].contents)


def _append_bytes(signed: bytes) -> bytes:
    return signed + b"%% appended after signing\n"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    "change", [_flip_covered_byte, _flip_token_digit, append_page],
    ids=["covered byte changed", "timestamp token changed", "page added"],
)
def test_refuses_a_file_changed_after_signing(
    session: SigningSession, original: bytes, signed: dict[str, bytes], level: TimestampedLevel,
    change: Callable[[bytes], bytes],
) -> None:
    changed = change(signed[level])

    assert not _quick(session, original, changed, level)
    assert not _full(session, changed)


@pytest.mark.parametrize("level", LEVELS)
def test_is_stricter_than_pyhanko_on_bytes_after_the_last_revision(
    session: SigningSession, original: bytes, signed: dict[str, bytes], level: TimestampedLevel
) -> None:
    # pyHanko lets a comment after the last %%EOF pass (it adds no revision, so changes nothing); the
    # quick check does not vouch for it, and the session then goes by pyHanko's full read-back.
    changed = _append_bytes(signed[level])

    assert not _quick(session, original, changed, level)
    assert _full(session, changed)


def _flip_document_timestamp_digit(signed: bytes) -> bytes:
    """The document timestamp's token changed."""
    [timestamp] = PdfFileReader(io.BytesIO(signed)).embedded_timestamp_signatures
    return _flip_in_tst_info(signed, timestamp.signed_data["encap_content_info"]["content"].contents)


def test_refuses_a_changed_document_timestamp(
    session: SigningSession, original: bytes, signed: dict[str, bytes]
) -> None:
    changed = _flip_document_timestamp_digit(signed["B-LTA"])

    assert not _quick(session, original, changed, "B-LTA")
    assert not _full(session, changed)


def test_refuses_a_page_added_where_long_term_validation_data_belong(
    session: SigningSession, original: bytes, signed: dict[str, bytes]
) -> None:
    # As many updates as a B-LT file, and the signature's update untouched: only pyHanko's modification
    # analysis of the second update can tell that it adds a page instead of validation data.
    changed = append_page(signed["B-T"])

    assert not _quick(session, original, changed, "B-LT")
    assert not _full(session, changed)


def test_refuses_a_token_of_another_authority(
    session: SigningSession, local_pki: LocalPki, original: bytes, signed: dict[str, bytes]
) -> None:
    # The signer's own certificate in the authority's place: a sound token, from a certificate not checked.
    certificate = load_signer(local_pki.config()).signing_cert
    assert certificate is not None
    sid = cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
        {"issuer": certificate.issuer, "serial_number": certificate.serial_number})})
    other = ExpectedTimestampAuthority(certificate=certificate, issuer_serial_der=sid.dump())

    for level in LEVELS:
        assert not timestamped_signature_checks_out(original, signed[level], session._expected, other, level=level)


def test_refuses_another_original_or_signer(
    session: SigningSession, local_pki: LocalPki, original: bytes, signed: dict[str, bytes]
) -> None:
    revoked = load_signer(local_pki.config("signer-revoked")).signing_cert
    assert revoked is not None
    for level in LEVELS:
        assert not _quick(session, make_pdf(3), signed[level], level)
        assert not timestamped_signature_checks_out(
            original, signed[level], ExpectedSigner.of(revoked), _authority(session), level=level
        )


@pytest.mark.parametrize("level", LEVELS)
def test_session_never_releases_bytes_corrupted_after_signing(
    session: SigningSession, monkeypatch: pytest.MonkeyPatch, level: TimestampedLevel
) -> None:
    sign = stages.sign._sign
    # The fault is injected into the signing call the session makes, not into the check under test.
    monkeypatch.setattr(stages.sign, "_sign", lambda *a, **k: _flip_covered_byte(sign(*a, **k)))

    with pytest.raises(SigningError):
        session.sign(make_pdf(1), level=level, reason=REASON)


def test_the_authority_is_the_certificate_of_the_token(session: SigningSession, signed: dict[str, bytes]) -> None:
    [signature] = PdfFileReader(io.BytesIO(signed["B-T"])).embedded_regular_signatures
    token: Any = signature.signer_info["unsigned_attrs"][0]["values"][0]
    found = ExpectedTimestampAuthority.of_token(token)

    assert found is not None
    assert found.certificate.dump() == _authority(session).certificate.dump()
    assert found.certificate.dump() != session._expected.certificate_der


def test_the_check_at_worker_start_pins_the_authority_also_under_a_running_event_loop(local_pki: LocalPki) -> None:
    # `sportel serve` starts its embedded workers from the server's event loop.
    session = SigningSession(
        load_signer(local_pki.config()), trust_roots=[local_pki.root_cert], timestamp_url=local_pki.tsa_url
    )

    async def start_worker() -> None:
        session.check_certificates()

    asyncio.run(start_worker())

    authority = _authority(session)
    original = make_pdf(1)
    signed, report = session.sign(original, level="B-T", reason=REASON)
    assert report.valid
    assert timestamped_signature_checks_out(original, signed, session._expected, authority, level="B-T")
