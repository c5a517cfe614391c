"""PAdES B-B certification signatures with the demo PKCS#12 key, validated by pyHanko and poppler."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm

from pipeline.errors import InputError, SigningError
from stages.pki import DemoPki, ensure_demo_pki
from stages.sign import SignerConfig, SigningCredentialError, load_signer, sign_pdf, validate_pdf
from tests.signing.conftest import pdfsig

REASON = "Kopje e njësuar e dokumentit të skanuar"


@pytest.fixture(scope="module")
def signed_bb(sample_pdf: bytes, demo_signer: Any) -> bytes:
    return sign_pdf(sample_pdf, demo_signer, reason=REASON)


def test_b_b_signature_validates_with_pyhanko(signed_bb: bytes, demo_pki: DemoPki) -> None:
    [report] = validate_pdf(signed_bb, trust_roots=[demo_pki.root_cert])

    assert report.level == "B-B"
    assert report.signer == "Sportel DEMO Document Signing (not for production)"
    assert report.valid and report.intact and report.trusted and report.covers_whole_file
    assert report.modification_level == "none"
    assert report.summary.startswith("Valid PAdES B-B certification signature")


def test_b_b_signature_is_a_certification_forbidding_changes(signed_bb: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed_bb))
    [signature] = reader.embedded_signatures

    assert signature.docmdp_level == MDPPerm.NO_CHANGES
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == REASON
    assert signature.sig_object["/Location"] == "Shkodër"
    assert len(reader.root["/Pages"]["/Kids"]) == 2


def test_b_b_signature_validates_with_pdfsig(signed_bb: bytes, demo_nss: Path, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_bb)

    out = pdfsig(path, demo_nss)

    assert "Signature Type: ETSI.CAdES.detached" in out
    assert "Total document signed" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


def test_pdfsig_without_the_demo_root_does_not_trust_it(signed_bb: bytes, tmp_path: Path) -> None:
    from stages.pki import ensure_nss_trust_store

    other = ensure_demo_pki(tmp_path / "other-pki")
    nss = ensure_nss_trust_store(tmp_path / "other-pki", other.root_cert)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_bb)

    out = pdfsig(path, nss)

    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." not in out


def test_untrusted_root_is_reported_untrusted(signed_bb: bytes, tmp_path: Path) -> None:
    other = ensure_demo_pki(tmp_path / "other-pki")

    [report] = validate_pdf(signed_bb, trust_roots=[other.root_cert])

    assert report.intact and not report.trusted and not report.valid
    assert "certificate not trusted" in report.summary


def append_page(signed: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Extra) Tj ET"))
    page = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(list(map(generic.NumberObject, (0, 0, 595, 842)))),
            generic.pdf_name("/Contents"): stream,
            generic.pdf_name("/Resources"): generic.DictionaryObject(),  # type: ignore[no-untyped-call]
        }
    )
    writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _overlay_box(signed: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    overlay = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 50 re f"))
    writer.add_stream_to_page(0, overlay)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


@pytest.mark.parametrize("modify", [append_page, _overlay_box], ids=["page added", "content changed"])
def test_incremental_update_after_signing_is_disallowed(signed_bb: bytes, demo_pki: DemoPki, modify: Any) -> None:
    modified = modify(signed_bb)
    assert modified.startswith(signed_bb), "an incremental update keeps the signed bytes"

    [report] = validate_pdf(modified, trust_roots=[demo_pki.root_cert])

    assert report.intact and report.trusted
    assert not report.valid
    assert not report.covers_whole_file
    assert report.modification_level == "disallowed"
    assert "modified after signing" in report.summary


def test_changed_signed_bytes_break_integrity(signed_bb: bytes, demo_pki: DemoPki) -> None:
    tampered = bytearray(signed_bb)
    tampered[signed_bb.index(b"Faqe 1 nga 2")] = ord("X")

    [report] = validate_pdf(bytes(tampered), trust_roots=[demo_pki.root_cert])

    assert not report.intact and not report.valid
    assert "no longer matches" in report.summary


def test_approval_signature_when_not_certifying(sample_pdf: bytes, demo_signer: Any, demo_pki: DemoPki) -> None:
    signed = sign_pdf(sample_pdf, demo_signer, reason=REASON, certify=False)

    [report] = validate_pdf(signed, trust_roots=[demo_pki.root_cert])

    assert report.valid and "approval signature" in report.summary
    assert PdfFileReader(io.BytesIO(signed)).embedded_signatures[0].docmdp_level is None


def test_unsigned_pdf_has_no_reports(sample_pdf: bytes, demo_pki: DemoPki) -> None:
    assert validate_pdf(sample_pdf, trust_roots=[demo_pki.root_cert]) == []


def test_already_signed_pdf_is_not_re_signed(signed_bb: bytes, demo_signer: Any) -> None:
    with pytest.raises(InputError, match="already carries 1 signature"):
        sign_pdf(signed_bb, demo_signer, reason=REASON)


def test_wrong_passphrase_is_a_credential_error(demo_pki: DemoPki) -> None:
    with pytest.raises(SigningCredentialError, match="wrong passphrase") as caught:
        load_signer(SignerConfig(pkcs12=demo_pki.signer_p12, passphrase=b"not-it"))
    assert isinstance(caught.value, SigningError) and not caught.value.retryable


def test_missing_key_configuration_is_a_credential_error() -> None:
    with pytest.raises(SigningCredentialError, match="no signing key configured"):
        load_signer(SignerConfig(pkcs12=None, passphrase=None))
