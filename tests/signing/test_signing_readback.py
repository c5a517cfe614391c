"""The B-B read-back check on the bytes just written (stages.sign_check), and the CMS parts the signer
encodes once: both must agree with pyHanko's own, and a changed file must never get through."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pikepdf
import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.signers.pdf_cms import SimpleSigner

import stages.sign
from pipeline.errors import SigningError
from stages.pki import DemoPki
from stages.sign import SigningSession, load_signer, sign_pdf, validate_pdf
from stages.sign_check import ExpectedSigner, b_b_signature_checks_out
from tests.signing.conftest import STAMP_TEXT, LocalPki, make_pdf
from tests.signing.test_signing_pades_bb import append_page

REASON = "Kopje arkivore e skanuar nga Sportel"


def _with_object_streams(pdf: bytes) -> bytes:
    """The same document saved with compressed object and cross-reference streams (as pikepdf and many
    scanners write), so the signature's update is written in that style too."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


@pytest.fixture(scope="module")
def expected(demo_signer: Any) -> ExpectedSigner:
    return ExpectedSigner.of(demo_signer.signing_cert)


@pytest.fixture(scope="module")
def demo_session(demo_signer: Any, demo_pki: DemoPki) -> SigningSession:
    return SigningSession(demo_signer, trust_roots=[demo_pki.root_cert])


def full_read_back_accepts(session: SigningSession, signed: bytes) -> bool:
    """The session's B-B verdict when it reads a file back in full with pyHanko (its fallback)."""
    try:
        return session._b_b_report(stages.sign._assert_signed(signed)).valid
    except SigningError:
        return False


@pytest.mark.parametrize(
    ("original", "stamp"),
    [(make_pdf(1), None), (make_pdf(3), STAMP_TEXT), (_with_object_streams(make_pdf(2)), None)],
    ids=["plain", "with stamp", "object streams"],
)
def test_accepts_a_fresh_b_b_signature_that_pyhanko_validates(
    demo_signer: Any, demo_pki: DemoPki, demo_session: SigningSession, expected: ExpectedSigner, original: bytes,
    stamp: str | None,
) -> None:
    signed = sign_pdf(original, demo_signer, reason=REASON, stamp_text=stamp)

    assert b_b_signature_checks_out(original, signed, expected)
    assert full_read_back_accepts(demo_session, signed)
    [report] = validate_pdf(signed, trust_roots=[demo_pki.root_cert])
    assert report.valid and report.covers_whole_file and report.level == "B-B"


def _flip_covered_byte(signed: bytes) -> bytes:
    at = signed.index(b"Faqe")  # page text of the original, inside the signed byte range
    return signed[:at] + b"G" + signed[at + 1 :]


def _flip_signature_digit(signed: bytes) -> bytes:
    # A digit near the end of the DER (the signature value), well before the zero padding.
    start = signed.rindex(b"/Contents <") + len(b"/Contents <")
    der_end = start + 2 * len(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0].pkcs7_content.rstrip(b"\0"))
    at = der_end - 10
    digit = b"0" if signed[at : at + 1] != b"0" else b"1"
    return signed[:at] + digit + signed[at + 1 :]


def _append_bytes(signed: bytes) -> bytes:
    return signed + b"%% appended after signing\n"


@pytest.mark.parametrize(
    "change", [_flip_covered_byte, _flip_signature_digit, _append_bytes, append_page],
    ids=["covered byte changed", "signature value changed", "bytes appended", "page added"],
)
def test_refuses_a_file_changed_after_signing(
    demo_signer: Any, demo_session: SigningSession, expected: ExpectedSigner, change: Callable[[bytes], bytes]
) -> None:
    original = make_pdf(1)
    changed = change(sign_pdf(original, demo_signer, reason=REASON))

    assert not b_b_signature_checks_out(original, changed, expected)
    assert not full_read_back_accepts(demo_session, changed)


def test_refuses_another_original(demo_signer: Any, expected: ExpectedSigner) -> None:
    signed = sign_pdf(make_pdf(1), demo_signer, reason=REASON)

    assert not b_b_signature_checks_out(make_pdf(2), signed, expected)


def test_refuses_an_approval_signature(
    demo_signer: Any, demo_session: SigningSession, expected: ExpectedSigner
) -> None:
    original = make_pdf(1)
    signed = sign_pdf(original, demo_signer, reason=REASON, certify=False)

    assert not b_b_signature_checks_out(original, signed, expected)
    assert not full_read_back_accepts(demo_session, signed)


def test_refuses_another_signer(local_pki: LocalPki, demo_session: SigningSession, expected: ExpectedSigner) -> None:
    original = make_pdf(1)
    signed = sign_pdf(original, load_signer(local_pki.config()), reason=REASON)

    assert not b_b_signature_checks_out(original, signed, expected)
    assert not full_read_back_accepts(demo_session, signed)


class _ExtraAttributeSigner(SimpleSigner):
    """pyHanko's signer with one more signed attribute (a signing time) than Sportel's signer writes."""

    async def signed_attrs(self, *args: Any, **kwargs: Any) -> cms.CMSAttributes:
        attributes = await super().signed_attrs(*args, **kwargs)
        signing_time = simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_time", cms.Time({"utc_time": datetime.now(UTC)})
        )
        return cms.CMSAttributes([*attributes, signing_time])


def test_leaves_other_signed_attributes_to_the_full_read_back(
    demo_pki: DemoPki, demo_session: SigningSession, expected: ExpectedSigner
) -> None:
    # A sound signature by the expected key, whose signed attributes are not exactly those Sportel writes:
    # the quick check does not vouch for it (it compares them byte for byte), the full read-back decides.
    stock = SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
        str(demo_pki.signer_p12), passphrase=demo_pki.passphrase
    )
    signer = _ExtraAttributeSigner(
        signing_cert=stock.signing_cert, signing_key=stock.signing_key, cert_registry=stock.cert_registry
    )
    original = make_pdf(1)
    signed = sign_pdf(original, signer, reason=REASON)
    [signature] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert "signing_time" in {a["type"].native for a in signature.signer_info["signed_attrs"]}

    assert not b_b_signature_checks_out(original, signed, expected)
    assert full_read_back_accepts(demo_session, signed)


def test_session_never_releases_bytes_corrupted_after_signing(
    demo_session: SigningSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign = stages.sign._sign
    # The fault is injected into the signing call the session makes, not into the check under test.
    monkeypatch.setattr(stages.sign, "_sign", lambda *a, **k: _flip_covered_byte(sign(*a, **k)))

    with pytest.raises(SigningError):
        demo_session.sign(make_pdf(1), level="B-B", reason=REASON)


def test_signer_builds_the_same_cms_as_pyhanko(demo_pki: DemoPki, demo_signer: Any) -> None:
    stock = SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
        str(demo_pki.signer_p12), passphrase=demo_pki.passphrase
    )
    ours, theirs = (
        PdfFileReader(io.BytesIO(sign_pdf(make_pdf(1), signer, reason=REASON))).embedded_signatures[0]
        for signer in (demo_signer, stock)
    )

    def parts(signature: Any) -> dict[str, object]:
        data, info = signature.signed_data, signature.signer_info
        attributes = {a["type"].native: a.dump() for a in info["signed_attrs"]}
        return {
            "version": data["version"].native,
            "digest algorithms": data["digest_algorithms"].dump(),
            "content type": data["encap_content_info"]["content_type"].native,
            "certificates": sorted(c.dump() for c in data["certificates"]),
            "signer id": info["sid"].dump(),
            "digest algorithm": info["digest_algorithm"].dump(),
            "signature algorithm": info["signature_algorithm"].dump(),
            "signed attribute types": sorted(attributes),
            "signing certificate": attributes["signing_certificate_v2"],
            "unsigned attributes": info["unsigned_attrs"].native,
        }

    assert parts(ours) == parts(theirs)
