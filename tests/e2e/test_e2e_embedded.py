"""Issue 2's done-when figures, on a fresh sample batch through the embedded default (SQLite, local blob
folder, in-process dramatiq broker with worker threads)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from benchmarks.samples.truth import DocumentTruth
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _truth(run: PipelineRun, doc_id: str) -> DocumentTruth:
    return next(d for d in run.corpus.documents if d.doc_id == doc_id) if any(
        d.doc_id == doc_id for d in run.corpus.documents) else DocumentTruth.model_validate_json(
        (run.corpus_dir / "truth" / f"{doc_id}.json").read_text())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _tokens(text: str) -> list[str]:
    """Folded words: a value leaks when its words appear in a row, not when its letters hide inside
    another word ("Rama" in "qiramarrësi")."""
    return [t for t in (_fold(w) for w in re.split(r"[\s,.;:/()]+", text)) if t]


def _leaks(values: list[list[str]], text: str) -> int:
    """Values found as words in a row; values with digits (numbers, IBANs, phones) also found anywhere in
    the text with spaces removed, since grouping changes between a form and its extraction."""
    tokens = _tokens(text)
    joined = " " + " ".join(tokens) + " "
    compact = "".join(tokens)
    found = 0
    for value in values:
        whole = "".join(value)
        if " " + " ".join(value) + " " in joined or (any(c.isdigit() for c in whole) and len(whole) >= 6
                                                       and whole in compact):
            found += 1
    return found


def _documents_by_range(run: PipelineRun) -> dict[tuple[int, int], object]:
    return {d.page_range: d for d in run.manifest.documents}


def test_every_document_is_found_and_gets_its_true_type(embedded_run: PipelineRun) -> None:
    by_range = _documents_by_range(embedded_run)
    assert len(embedded_run.manifest.documents) == len(embedded_run.batch.documents)
    for truth in embedded_run.batch.documents:
        document = by_range.get((truth.first_page, truth.last_page))
        assert document is not None, f"no document spans pages {truth.first_page}-{truth.last_page}"
        assert document.type == truth.document_type  # type: ignore[attr-defined]


def test_deskew_error_under_half_a_degree_and_pages_upright(embedded_run: PipelineRun) -> None:
    by_range = _documents_by_range(embedded_run)
    for truth_doc in embedded_run.batch.documents:
        document = by_range[(truth_doc.first_page, truth_doc.last_page)]
        truth = _truth(embedded_run, truth_doc.doc_id)
        for page, page_truth in zip(document.pages, truth.pages, strict=True):  # type: ignore[attr-defined]
            assert page.orientation_deg == page_truth.orientation_deg
            assert abs(page.skew_deg - page_truth.skew_deg) < 0.5


def test_no_seeded_pii_in_redacted_pdfs_by_text_or_ocr(embedded_run: PipelineRun, tmp_path: Path) -> None:
    import pytesseract
    from PIL import Image

    by_range = _documents_by_range(embedded_run)
    checked = 0
    for truth_doc in embedded_run.batch.documents:
        document = by_range[(truth_doc.first_page, truth_doc.last_page)]
        truth = _truth(embedded_run, truth_doc.doc_id)
        values = [_tokens(p.value) for p in truth.pii if len(_fold(p.value)) >= 4]
        for name in ("redacted_pdf", "signed_redacted_pdf"):
            relative = getattr(document.files, name)  # type: ignore[attr-defined]
            assert relative is not None, f"document {document.id} has no {name}"  # type: ignore[attr-defined]
            pdf = embedded_run.out_dir / relative
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            leaked = _leaks(values, text)
            assert not leaked, f"{leaked} PII values extractable from {relative}"
        prefix = tmp_path / document.id  # type: ignore[attr-defined]
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(embedded_run.out_dir / document.files.redacted_pdf),  # type: ignore[attr-defined]
                        str(prefix)], check=True)
        ocr = "".join(pytesseract.image_to_string(Image.open(png), lang="sqi+eng")
                      for png in sorted(tmp_path.glob(f"{document.id}*.png")))  # type: ignore[attr-defined]
        leaked = _leaks(values, ocr)
        assert not leaked, f"{leaked} PII values readable by OCR in a redacted PDF"
        checked += len(values)
    assert checked > 20, "the sample batch should seed plenty of PII"


def test_signed_pdfs_validate_with_pyhanko_and_pdfsig(embedded_run: PipelineRun) -> None:
    from stages.pki import ensure_demo_pki, ensure_nss_trust_store
    from stages.sign import validate_pdf

    pki = ensure_demo_pki(embedded_run.settings.pki_dir)
    nss = ensure_nss_trust_store(embedded_run.settings.pki_dir, pki.root_cert)
    signed = [embedded_run.out_dir / p for d in embedded_run.manifest.documents
              for p in (d.files.signed_searchable_pdf, d.files.signed_redacted_pdf) if p]
    assert len(signed) == 2 * len(embedded_run.manifest.documents)
    for path in signed:
        reports = validate_pdf(path.read_bytes(), trust_roots=[pki.root_cert])
        assert reports and all(r.valid and r.intact and r.trusted and r.covers_whole_file for r in reports)
        out = subprocess.run(["pdfsig", "-nssdir", str(nss), str(path)], capture_output=True, text=True)
        assert "Signature Validation: Signature is Valid." in out.stdout
        assert "Certificate Validation: Certificate is Trusted." in out.stdout


def test_checklist_matches_the_batch(embedded_run: PipelineRun) -> None:
    present_types = {d.document_type for d in embedded_run.batch.documents}
    manifest = embedded_run.manifest
    assert manifest.checklist, "the service has required documents"
    for item in manifest.checklist:
        expected = "present" if set(item.document_types) & present_types else "missing"
        assert item.status == expected, f"{item.document_type}: {item.status} != {expected}"
    extra_types = {d.type for d in manifest.documents if d.id in manifest.extra_document_ids}
    required = {t for item in manifest.checklist for t in item.document_types}
    assert extra_types == present_types - required


def test_manifest_validates_against_its_schema(embedded_run: PipelineRun) -> None:
    import json

    import jsonschema

    from pipeline.manifest_schema import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(json.loads((embedded_run.out_dir / "manifest.json").read_text()), schema)
    assert "value" not in (embedded_run.out_dir / "manifest.json").read_text()
