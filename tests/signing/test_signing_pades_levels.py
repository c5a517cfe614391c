"""PAdES B-T, B-LT and B-LTA against a real local PKI (certomancer over HTTP on 127.0.0.1)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from pipeline.models import PadesLevel
from stages.sign import build_validation_context, load_signer, sign_pdf, validate_pdf
from tests.signing.conftest import LocalPki, pdfsig

REASON = "Arkivim i dokumentit"


@pytest.fixture(scope="module")
def signed_at(local_pki: LocalPki, sample_pdf: bytes) -> dict[str, bytes]:
    signer = load_signer(local_pki.config())
    return {
        level: sign_pdf(
            sample_pdf,
            signer,
            level=level,
            reason=REASON,
            timestamp_url=local_pki.tsa_url,
            validation_context=build_validation_context([local_pki.root_cert]),
        )
        for level in ("B-T", "B-LT", "B-LTA")
    }


@pytest.mark.parametrize("level", ["B-T", "B-LT", "B-LTA"])
def test_level_is_reported_and_valid(signed_at: dict[str, bytes], local_pki: LocalPki, level: PadesLevel) -> None:
    reports = validate_pdf(signed_at[level], trust_roots=[local_pki.root_cert])

    signature = reports[0]
    assert signature.level == level
    assert signature.signer == "Sportel TEST Signer"
    assert signature.valid and signature.intact and signature.trusted and signature.covers_whole_file
    expected_changes = "none" if level == "B-T" else "long-term validation data only"
    assert signature.modification_level == expected_changes


def test_b_t_carries_a_signature_timestamp(signed_at: dict[str, bytes]) -> None:
    [signature] = PdfFileReader(io.BytesIO(signed_at["B-T"])).embedded_signatures
    unsigned = signature.signer_info["unsigned_attrs"]
    assert any(attr["type"].native == "signature_time_stamp_token" for attr in unsigned)


def test_b_lt_embeds_ocsp_and_crls_in_the_dss(signed_at: dict[str, bytes]) -> None:
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed_at["B-LT"])))
    assert dss.ocsps, "OCSP response for the signing certificate"
    assert dss.crls, "CRLs for the issuing CA and the timestamp authority"
    assert len(dss.certs) >= 3


def test_b_lta_ends_with_a_document_timestamp(signed_at: dict[str, bytes], local_pki: LocalPki) -> None:
    reports = validate_pdf(signed_at["B-LTA"], trust_roots=[local_pki.root_cert])

    assert [r.level for r in reports] == ["B-LTA", "document timestamp"]
    timestamp = reports[1]
    assert timestamp.signer == "Sportel TEST Timestamp Authority"
    assert timestamp.valid and timestamp.trusted and timestamp.covers_whole_file


@pytest.mark.parametrize("level", ["B-T", "B-LT", "B-LTA"])
def test_pdfsig_validates_each_level(
    signed_at: dict[str, bytes], local_pki: LocalPki, level: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{level}.pdf"
    path.write_bytes(signed_at[level])

    out = pdfsig(path, local_pki.nss_dir)

    signature_block = out.split("Signature #2")[0]
    assert "Signature Validation: Signature is Valid." in signature_block
    assert "Certificate Validation: Certificate is Trusted." in signature_block


def test_page_added_after_b_lta_is_disallowed(signed_at: dict[str, bytes], local_pki: LocalPki) -> None:
    from tests.signing.test_signing_pades_bb import append_page

    reports = validate_pdf(append_page(signed_at["B-LTA"]), trust_roots=[local_pki.root_cert])

    assert [r.modification_level for r in reports] == ["disallowed", "disallowed"]
    assert not any(r.valid or r.covers_whole_file for r in reports)


def test_unreadable_pdf_is_a_clear_input_error(local_pki: LocalPki) -> None:
    from pipeline.errors import CorruptInputError

    with pytest.raises(CorruptInputError, match="cannot read the PDF to validate"):
        validate_pdf(b"not a pdf at all", trust_roots=[local_pki.root_cert])
