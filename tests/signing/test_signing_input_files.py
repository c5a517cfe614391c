"""A signed PDF that a citizen hands in: kept byte for byte, its signature reported at intake and in the
manifest, through the embedded pipeline (SQLite, local blobs, in-process broker)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.manifest import Manifest
from pipeline.settings import Settings, load_settings
from stages.pki import ensure_demo_pki
from stages.sign import load_signer, report_input_signatures, sign_pdf, validate_pdf
from storage.blobs import open_blob_store
from tests.signing.conftest import LocalPki, make_pdf
from tests.signing.test_signing_pades_bb import append_page

pytestmark = [pytest.mark.slow]

SERVICE = "blq_strehim_invalidet"


@dataclass(frozen=True)
class Handed:
    settings: Settings
    out_dir: Path
    manifest: Manifest
    intact: bytes
    tampered: bytes


@pytest.fixture(scope="module")
def handed_in(local_pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> Handed:
    from workers.local import run_batch
    from workers.manifest import export_batch

    signer = load_signer(local_pki.config())
    # A citizen's e-signature: an approval signature with a timestamp, as a qualified signing tool makes.
    intact = sign_pdf(make_pdf(2), signer, level="B-T", reason="Kërkesë", certify=False,
                      timestamp_url=local_pki.tsa_url)
    tampered = append_page(sign_pdf(make_pdf(1), signer, level="B-B", reason="Kërkesë", certify=False))
    inputs = tmp_path_factory.mktemp("handed-in")
    (inputs / "a-signed.pdf").write_bytes(intact)
    (inputs / "b-changed-after-signing.pdf").write_bytes(tampered)

    home = tmp_path_factory.mktemp("home")
    settings = load_settings(home=home, broker="stub", worker_threads=2, sign_trust_roots=(local_pki.root_cert,))
    result = run_batch(settings, [inputs / "a-signed.pdf", inputs / "b-changed-after-signing.pdf"],
                       service_id=SERVICE, timeout_s=600)
    out = home / "out"
    manifest = export_batch(settings, result.batch_id, out)
    return Handed(settings, out, manifest, intact, tampered)


def _entry(handed: Handed, data: bytes) -> object:
    digest = hashlib.sha256(data).hexdigest()
    [entry] = [f for f in handed.manifest.input_files if f.sha256 == digest]
    return entry


def test_manifest_reports_the_valid_citizen_signature(handed_in: Handed) -> None:
    entry = _entry(handed_in, handed_in.intact)

    [signature] = entry.signatures  # type: ignore[attr-defined]
    assert signature.level == "B-T"
    assert signature.valid and signature.intact and signature.trusted and signature.covers_whole_file
    assert signature.modification_level == "none"
    assert signature.summary.startswith("Valid PAdES B-T approval signature")
    assert entry.size_bytes == len(handed_in.intact)  # type: ignore[attr-defined]


def test_manifest_reports_a_change_after_signing(handed_in: Handed) -> None:
    [signature] = _entry(handed_in, handed_in.tampered).signatures  # type: ignore[attr-defined]

    assert not signature.valid
    assert signature.intact, "the signed revision itself is untouched"
    assert signature.modification_level == "disallowed"
    assert "modified after signing" in signature.summary


def test_handed_in_files_are_kept_byte_for_byte(handed_in: Handed) -> None:
    blobs = open_blob_store(handed_in.settings)
    for original in (handed_in.intact, handed_in.tampered):
        assert blobs.get(hashlib.sha256(original).hexdigest()) == original


def test_outputs_are_separate_files_signed_by_the_pipeline(handed_in: Handed) -> None:
    pki = ensure_demo_pki(handed_in.settings.pki_dir)
    documents = handed_in.manifest.documents
    assert documents, "the handed-in pages became documents"
    originals = {handed_in.intact, handed_in.tampered}
    for document in documents:
        for name in ("searchable_pdf", "signed_searchable_pdf"):
            relative = getattr(document.files, name)
            assert relative is not None
            assert (handed_in.out_dir / relative).read_bytes() not in originals
        assert document.files.signed_searchable_pdf is not None
        signed = (handed_in.out_dir / document.files.signed_searchable_pdf).read_bytes()
        [report] = validate_pdf(signed, trust_roots=[pki.root_cert])
        assert report.valid and report.signer.startswith("Sportel DEMO")
    # The citizen's own signature still holds on the kept original.
    [citizen] = validate_pdf(handed_in.intact, trust_roots=handed_in.settings.sign_trust_roots)
    assert citizen.valid


def test_manifest_names_no_signer(handed_in: Handed) -> None:
    text = (handed_in.out_dir / "manifest.json").read_text(encoding="utf-8")
    assert "Sportel TEST Signer" not in text
    assert json.loads(text)["input_files"]


def test_unsigned_and_non_pdf_inputs(local_pki: LocalPki) -> None:
    unsigned = report_input_signatures(make_pdf(1), trust_roots=lambda: pytest.fail("no signature to trust"))
    assert unsigned is not None and unsigned.signatures == [] and unsigned.readable
    assert report_input_signatures(b"\x89PNG\r\n\x1a\n....", trust_roots=lambda: []) is None
    broken = report_input_signatures(b"%PDF-1.7\n garbage", trust_roots=lambda: [local_pki.root_cert])
    assert broken is not None and not broken.readable


def test_every_step_of_the_run_records_its_cpu_time(handed_in: Handed) -> None:
    from collections import defaultdict

    from sqlalchemy import select

    from storage.db import make_engine, make_session_factory, session_scope
    from storage.tables import StageTiming

    factory = make_session_factory(make_engine(handed_in.settings.resolved_database_url))
    with session_scope(factory) as session:
        rows = session.execute(select(StageTiming.subject_id, StageTiming.step, StageTiming.seconds,
                                      StageTiming.cpu_seconds)
                               .where(StageTiming.batch_id == handed_in.manifest.batch_id)).all()

    assert {step for _, step, _, _ in rows} >= {"intake", "geometry", "ocr", "classify_document", "redact_document",
                                                "sign_document", "attach_document"}
    assert all(cpu is not None and cpu >= 0 for _, _, _, cpu in rows)
    # One thread's CPU time never exceeds the wall time it ran for (a page's geometry and OCR rows split
    # read_page's time differently in wall and CPU, so they are summed per subject).
    wall: dict[str, float] = defaultdict(float)
    cpu_time: dict[str, float] = defaultdict(float)
    for subject, _, seconds, cpu in rows:
        wall[subject] += seconds
        cpu_time[subject] += cpu or 0.0
    assert all(cpu_time[s] <= wall[s] + 0.01 for s in wall)
