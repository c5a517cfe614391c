"""Reading a finished batch back as a :class:`~pipeline.manifest.Manifest`, and exporting its files."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.manifest import (
    Manifest,
    ManifestChecklistItem,
    ManifestDocument,
    ManifestFiles,
    ManifestInputFile,
    ManifestInputSignature,
    ManifestPage,
    ManifestPageError,
    ManifestPii,
    ManifestSignature,
)
from pipeline.models import BBox, InputSignatures, SignatureReport
from pipeline.plan import STEP_VERSIONS
from pipeline.settings import Settings
from storage import repository as repo
from storage.blobs import BlobStore, open_blob_store
from storage.db import make_engine, make_session_factory

OUTPUT_NAMES = {
    "searchable_pdf": "searchable.pdf",
    "redacted_pdf": "redacted.pdf",
    "signed_searchable_pdf": "searchable.signed.pdf",
    "signed_redacted_pdf": "redacted.signed.pdf",
}


def build_manifest(settings: Settings, batch_id: str, out_dir: Path | None = None,
                   blobs: BlobStore | None = None) -> Manifest:
    """The manifest of a batch; with ``out_dir``, the output files are written there too."""
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    blobs = blobs or open_blob_store(settings)
    with repo.session_scope(factory) as session:
        batch = repo.get_batch(session, batch_id)
        case = repo.get_case(session, batch.case_id)
        input_files = repo.input_files_of_batch(session, batch_id)
        files_by_id = {f.id: f.filename for f in input_files}
        manifest_inputs = [_input_file(session, f.id, f.sha256, f.size_bytes) for f in input_files]
        page_errors = [
            ManifestPageError(batch_index=p.batch_index, input_file=files_by_id.get(p.input_file_id, "?"),
                              source_index=p.source_index, error_code=p.error_code or "unknown")
            for p in repo.pages_of_batch(session, batch_id) if p.status == "failed"
        ]
        documents = []
        for document in repo.documents_of_batch(session, batch_id):
            pages = repo.pages_of_document(session, document.id)
            index_of = {p.batch_index: i for i, p in enumerate(pages)}
            pii = [
                ManifestPii(entity_type=f.entity_type, page=index_of.get(f.page_index, f.page_index),
                            bbox=BBox(x0=f.x0, y0=f.y0, x1=f.x1, y1=f.y1), score=f.score)
                for f in repo.pii_findings_of_document(session, document.id)
            ]
            signature = repo.load_step_result(session, document.id, "sign", STEP_VERSIONS["sign"],
                                              SignatureReport)
            files = ManifestFiles()
            blob_of = {
                "searchable_pdf": document.searchable_pdf_blob,
                "redacted_pdf": document.redacted_pdf_blob,
                "signed_searchable_pdf": document.signed_searchable_blob,
                "signed_redacted_pdf": document.signed_redacted_blob,
            }
            if out_dir is not None:
                doc_dir = out_dir / document.id
                doc_dir.mkdir(parents=True, exist_ok=True)
                for field, blob_key in blob_of.items():
                    if blob_key is not None:
                        (doc_dir / OUTPUT_NAMES[field]).write_bytes(blobs.get(blob_key))
                        setattr(files, field, f"{document.id}/{OUTPUT_NAMES[field]}")
            documents.append(ManifestDocument(
                id=document.id, type=document.document_type, confidence=document.confidence,
                uncertain=document.uncertain, status=document.status, error_code=document.error_code,
                page_range=(document.first_page, document.last_page),
                pages=[ManifestPage(index=i, batch_index=p.batch_index, skew_deg=p.skew_deg or 0.0,
                                    orientation_deg=p.orientation_deg or 0,
                                    ocr_mean_confidence=p.ocr_mean_confidence or 0.0, blank=bool(p.blank))
                       for i, p in enumerate(pages)],
                pii=pii, redaction_verified=document.redaction_verified, files=files,
                signature=ManifestSignature(level=signature.level, signer=signature.signer,
                                            valid=signature.valid) if signature else None,
            ))
        checklist = repo.get_checklist(session, case.id)
        timings: dict[str, float] = defaultdict(float)
        for step, seconds in repo.timings_of_batch(session, batch_id):
            timings[step] += seconds
        return Manifest(
            case_id=case.id, service_id=case.service_id, batch_id=batch_id, batch_status=batch.status,
            documents=documents,
            checklist=[
                ManifestChecklistItem(document_type=" | ".join(item.document_types),
                                      document_types=item.document_types, slot=item.slot,
                                      status=item.status, document_ids=item.document_ids)
                for item in (checklist.items if checklist else [])
            ],
            extra_document_ids=checklist.extra_document_ids if checklist else [],
            page_errors=page_errors, timings={k: round(v, 4) for k, v in sorted(timings.items())},
            input_files=manifest_inputs,
        )


def _input_file(session: Session, file_id: str, sha256: str, size_bytes: int) -> ManifestInputFile:
    found = repo.load_step_result(session, file_id, "input_signatures", STEP_VERSIONS["input_signatures"],
                                  InputSignatures)
    return ManifestInputFile(
        id=file_id, sha256=sha256, size_bytes=size_bytes,
        signatures=[ManifestInputSignature(**s.model_dump()) for s in found.signatures] if found else [],
        signatures_readable=found.readable if found else True,
    )


def export_batch(settings: Settings, batch_id: str, out_dir: Path) -> Manifest:
    """Write ``out_dir/manifest.json`` and ``out_dir/<document id>/*.pdf`` for a batch."""
    if out_dir.exists():
        for child in out_dir.iterdir():
            if child.is_dir() and len(child.name) == 32:
                shutil.rmtree(child)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = build_manifest(settings, batch_id, out_dir)
    (out_dir / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return manifest
