"""The pipeline's sign step (``workers.steps.sign_document``) at the PAdES levels the settings choose,
against the certomancer PKI on 127.0.0.1, and with the visible stamp switched on."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm

from pipeline.models import SignatureReport
from pipeline.plan import STEP_VERSIONS
from pipeline.settings import Settings, load_settings
from stages.pki import ensure_demo_pki, ensure_nss_trust_store
from stages.sign import validate_pdf
from storage import repository as repo
from storage.migrate import upgrade
from tests.signing.conftest import STAMP_TEXT, LocalPki, make_pdf, pdfsig
from workers.context import WorkerContext


@dataclass(frozen=True)
class SignedDocument:
    settings: Settings
    archival: bytes
    redacted: bytes
    stored_report: SignatureReport | None
    signature_valid: bool | None
    next_steps: list[Any]


def run_sign_step(settings: Settings) -> SignedDocument:
    """A document with a searchable and a redacted PDF, through the real sign step."""
    from workers.steps import sign_document

    upgrade(settings.resolved_database_url)
    ctx = WorkerContext.from_settings(settings)
    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_or_create_case(session, None, "blq_strehim_invalidet")
        batch = repo.create_batch(session, case_id=case.id, station="test")
        document = repo.create_document(session, batch_id=batch.id, case_id=case.id, index_in_batch=0,
                                        first_page=0, last_page=1, page_count=2)
        repo.update_document(session, document.id, searchable_pdf_blob=ctx.blobs.put(make_pdf(2)),
                             redacted_pdf_blob=ctx.blobs.put(make_pdf(2)), status="redacted")
        document_id = document.id

    next_steps = sign_document(ctx, document_id)

    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        assert document.signed_searchable_blob and document.signed_redacted_blob
        stored = repo.load_step_result(session, document_id, "sign", STEP_VERSIONS["sign"], SignatureReport)
        return SignedDocument(settings, ctx.blobs.get(document.signed_searchable_blob),
                              ctx.blobs.get(document.signed_redacted_blob), stored, document.signature_valid,
                              next_steps)


@pytest.fixture(scope="module")
def signed_lta_and_t(local_pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> SignedDocument:
    settings = load_settings(
        home=tmp_path_factory.mktemp("sign-step"),
        sign_pkcs12=local_pki.signer_p12["signer"],
        sign_pkcs12_passphrase=local_pki.passphrase.decode(),
        sign_trust_roots=(local_pki.root_cert,),
        timestamp_url=local_pki.tsa_url,
        pades_level_archival="B-LTA",
        pades_level_redacted="B-T",
    )
    return run_sign_step(settings)


def test_archival_copy_is_b_lta_and_validates_with_pyhanko(signed_lta_and_t: SignedDocument,
                                                          local_pki: LocalPki) -> None:
    reports = validate_pdf(signed_lta_and_t.archival, trust_roots=[local_pki.root_cert])

    assert [r.level for r in reports] == ["B-LTA", "document timestamp"]
    assert all(r.valid and r.intact and r.trusted and r.covers_whole_file for r in reports)
    assert reports[0].modification_level == "long-term validation data only"
    assert reports[0].signer == "Sportel TEST Signer"


def test_redacted_copy_is_b_t_and_validates_with_pyhanko(signed_lta_and_t: SignedDocument,
                                                        local_pki: LocalPki) -> None:
    [report] = validate_pdf(signed_lta_and_t.redacted, trust_roots=[local_pki.root_cert])

    assert report.level == "B-T"
    assert report.valid and report.intact and report.trusted and report.covers_whole_file
    assert report.modification_level == "none"


def test_step_stores_the_archival_report_and_moves_on(signed_lta_and_t: SignedDocument) -> None:
    stored = signed_lta_and_t.stored_report
    assert stored is not None and stored.level == "B-LTA" and stored.valid
    assert signed_lta_and_t.signature_valid is True
    assert [(n.step, len(n.subject_id)) for n in signed_lta_and_t.next_steps] == [("attach_document", 32)]


@pytest.mark.parametrize("output", ["archival", "redacted"])
def test_both_outputs_validate_with_pdfsig(signed_lta_and_t: SignedDocument, local_pki: LocalPki, output: str,
                                           tmp_path: Path) -> None:
    path = tmp_path / f"{output}.pdf"
    path.write_bytes(getattr(signed_lta_and_t, output))

    first_signature = pdfsig(path, local_pki.nss_dir).split("Signature #2")[0]

    assert "Signature Validation: Signature is Valid." in first_signature
    assert "Certificate Validation: Certificate is Trusted." in first_signature
    assert "Signature Type: ETSI.CAdES.detached" in first_signature


@pytest.mark.parametrize("output", ["archival", "redacted"])
def test_outputs_are_certified_with_no_changes_allowed(signed_lta_and_t: SignedDocument, output: str) -> None:
    reader = PdfFileReader(io.BytesIO(getattr(signed_lta_and_t, output)))
    [signature] = reader.embedded_regular_signatures

    assert signature.docmdp_level == MDPPerm.NO_CHANGES
    assert "/DocMDP" in reader.root["/Perms"]


def test_a_change_after_the_certification_is_reported_disallowed(signed_lta_and_t: SignedDocument,
                                                                local_pki: LocalPki) -> None:
    from tests.signing.test_signing_pades_bb import append_page

    [report] = validate_pdf(append_page(signed_lta_and_t.redacted), trust_roots=[local_pki.root_cert])

    assert report.modification_level == "disallowed" and not report.valid


# ------------------------------------------------------------------------------------- visible stamp


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory) -> SignedDocument:
    """The embedded default (demo PKI, B-B) with the stamp switched on, as SPORTEL_SIGNATURE_STAMP=true."""
    return run_sign_step(load_settings(home=tmp_path_factory.mktemp("stamp-step"), signature_stamp=True,
                                       signature_stamp_text=STAMP_TEXT))


def _stamp_box(pdf: bytes) -> tuple[float, float, float, float]:
    reader = PdfFileReader(io.BytesIO(pdf))
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    [widget] = [a.get_object() for a in last_page.get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    return x0, y0, x1, y1


def _render_last_page(pdf: bytes, tmp_path: Path, dpi: int) -> Image.Image:
    path = tmp_path / "stamped.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "2", "-l", "2", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    return Image.open(png).convert("L")


@pytest.mark.parametrize("output", ["archival", "redacted"])
def test_stamp_box_has_ink_and_the_rest_of_the_foot_has_none(stamped: SignedDocument, output: str,
                                                             tmp_path: Path) -> None:
    pdf = getattr(stamped, output)
    page = np.asarray(_render_last_page(pdf, tmp_path, dpi=100))
    x0, y0, x1, y1 = _stamp_box(pdf)
    scale, height = 100 / 72, page.shape[0]
    inside = page[int(height - y1 * scale) + 2: int(height - y0 * scale) - 2, int(x0 * scale) + 2: int(x1 * scale) - 2]
    right_of_it = page[int(height - y1 * scale): int(height - y0 * scale), int(x1 * scale) + 10:]

    assert (inside < 128).mean() > 0.02, "the stamp's text and border draw dark pixels in its box"
    assert (right_of_it < 128).mean() == 0.0


def test_stamp_text_reads_back_in_albanian(stamped: SignedDocument, tmp_path: Path) -> None:
    import pytesseract
    from rapidfuzz import fuzz

    page = _render_last_page(stamped.archival, tmp_path, dpi=200)
    foot = page.crop((0, int(page.height * 0.85), page.width, page.height))
    text = " ".join(pytesseract.image_to_string(foot, lang="sqi").split())

    assert fuzz.partial_ratio(STAMP_TEXT, text) >= 90, text


@pytest.mark.parametrize("output", ["archival", "redacted"])
def test_stamped_outputs_validate_with_pyhanko_and_pdfsig(stamped: SignedDocument, output: str,
                                                          tmp_path: Path) -> None:
    pki = ensure_demo_pki(stamped.settings.pki_dir)
    pdf = getattr(stamped, output)
    [report] = validate_pdf(pdf, trust_roots=[pki.root_cert])
    assert report.valid and report.covers_whole_file and report.level == "B-B"

    path = tmp_path / "stamped.pdf"
    path.write_bytes(pdf)
    out = pdfsig(path, ensure_nss_trust_store(stamped.settings.pki_dir, pki.root_cert))
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


def test_without_the_setting_there_is_no_stamp(signed_lta_and_t: SignedDocument) -> None:
    last_page = PdfFileReader(io.BytesIO(signed_lta_and_t.archival)).root["/Pages"]["/Kids"][-1].get_object()
    widgets = [a.get_object() for a in last_page.get("/Annots", [])]
    assert all(float(w["/Rect"][2]) == float(w["/Rect"][0]) for w in widgets if w.get("/FT") == "/Sig")


def test_sportel_verify_trusts_the_roots_the_settings_name(signed_lta_and_t: SignedDocument, local_pki: LocalPki,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the API's validation does: without ``--trust``, the command trusts SPORTEL_SIGN_TRUST_ROOTS."""
    from typer.testing import CliRunner

    from api.cli import app

    path = tmp_path / "archival.pdf"
    path.write_bytes(signed_lta_and_t.archival)
    command = ["verify", str(path), "--home", str(tmp_path / "home")]
    monkeypatch.delenv("SPORTEL_SIGN_TRUST_ROOTS", raising=False)
    untrusted = CliRunner().invoke(app, command)
    monkeypatch.setenv("SPORTEL_SIGN_TRUST_ROOTS", json.dumps([str(local_pki.root_cert)]))
    trusted = CliRunner().invoke(app, command)

    assert untrusted.exit_code == 1 and "certificate not trusted" in untrusted.output
    assert trusted.exit_code == 0, trusted.output
    assert "NOT valid" not in trusted.output
