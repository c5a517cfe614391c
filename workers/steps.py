"""The pipeline's steps as plain functions: load by id, call a stage, store the result, name what's next.

No broker here: each step returns the :class:`Next` messages to send, and the actor wrapper sends them.
That keeps every step testable with a database and a blob folder only.

Idempotency: every stage result is saved under (subject id, step, version). A redelivered message finds
its result and does not redo the work; it still names the next steps, since the crash may have come
between saving and sending. Downstream steps are idempotent in the same way, so a duplicate is harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pipeline.errors import RedactionVerificationError, SportelError
from pipeline.models import Classification, GeometryResult, PageOcr, PiiFinding, RedactionReport, SheetInfo
from pipeline.plan import STEP_VERSIONS, Step
from stages.images import decode_png, encode_png
from storage import repository as repo
from workers.context import WorkerContext

if TYPE_CHECKING:
    from stages.classify import TextModel

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Next:
    step: Step
    subject_id: str


# ------------------------------------------------------------------------------------------- helpers


@contextmanager
def timed(ctx: WorkerContext, step: Step, batch_id: str, subject_id: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    with repo.session_scope(ctx.session_factory) as session:
        repo.record_timing(session, batch_id, subject_id, step, time.perf_counter() - start)


def _load(session: Session, subject_id: str, step: Step, model: type[T]) -> T | None:
    return repo.load_step_result(session, subject_id, step, STEP_VERSIONS[step], model)


def _save(session: Session, subject_id: str, step: Step, result: BaseModel) -> None:
    repo.save_step_result(session, subject_id, step, STEP_VERSIONS[step], result)


# -------------------------------------------------------------------------------------------- intake


@dataclass
class _IntakenPage:
    input_file_id: str
    source_index: int
    dpi: int
    image: NDArray[np.uint8] | None = None
    error_code: str | None = None
    sheet: SheetInfo | None = None
    text_layer: PageOcr | None = None


def _read_files(ctx: WorkerContext, files: list[tuple[str, str, str]]) -> list[_IntakenPage]:
    from stages.intake import read_input
    from stages.split import inspect_sheet

    pages: list[_IntakenPage] = []
    for file_id, filename, blob_key in files:
        try:
            result = read_input(ctx.blobs.get(blob_key), filename, dpi=ctx.settings.dpi)
        except SportelError as exc:
            # One unreadable file does not sink the batch: it is recorded and the others go on.
            log.warning("input file %s unreadable: %s", file_id, exc.code)
            pages.append(_IntakenPage(file_id, 0, ctx.settings.dpi, error_code=exc.code))
            continue
        for error in result.errors:
            pages.append(_IntakenPage(file_id, error.source_index, ctx.settings.dpi, error_code=error.code))
        for page in result.pages:
            pages.append(_IntakenPage(file_id, page.source_index, page.dpi, image=page.image,
                                      sheet=inspect_sheet(page.image), text_layer=page.text_layer))
    return pages


def intake(ctx: WorkerContext, batch_id: str) -> list[Next]:
    """Normalise every input file of the batch to page images and split them into documents.

    All rows are written in one transaction at the end, so a redelivered message either finds the batch
    untouched or fully taken in.
    """
    from stages.split import split_batch

    with repo.session_scope(ctx.session_factory) as session:
        batch = repo.get_batch(session, batch_id)
        if batch.status != "received":
            return [Next("process_page", p.id) for p in repo.pending_pages_of_batch(session, batch_id)]
        files = [(f.id, f.filename, f.blob_key) for f in repo.input_files_of_batch(session, batch_id)]

    start = time.perf_counter()
    intaken = _read_files(ctx, files)
    readable = [p for p in intaken if p.image is not None]
    split = split_batch([p.sheet for p in readable if p.sheet is not None])
    blobs = [ctx.blobs.put(encode_png(p.image)) if p.image is not None else None for p in intaken]

    next_steps: list[Next] = []
    with repo.session_scope(ctx.session_factory) as session:
        batch = repo.get_batch(session, batch_id)
        if split.case_id and split.case_id != batch.case_id:
            repo.route_batch_to_case(session, batch, split.case_id, split.service_id)
        rows = []
        for batch_index, (item, blob) in enumerate(zip(intaken, blobs, strict=True)):
            height, width = item.image.shape[:2] if item.image is not None else (0, 0)
            row = repo.add_page(
                session, batch_id=batch_id, input_file_id=item.input_file_id,
                source_index=item.source_index, batch_index=batch_index, dpi=item.dpi,
                width=width, height=height, image_blob=blob,
                status="failed" if item.error_code else "pending", error_code=item.error_code,
                sheet_kind=item.sheet.kind if item.sheet else None,
            )
            if item.text_layer is not None:
                _save(session, row.id, "text_layer", item.text_layer)
            if item.image is not None:
                rows.append(row)
        for index, span in enumerate(split.documents):
            members = [rows[i] for i in span.page_indices]
            document = repo.create_document(
                session, batch_id=batch_id, case_id=batch.case_id, index_in_batch=index,
                first_page=members[0].batch_index, last_page=members[-1].batch_index,
                page_count=len(members),
            )
            for row in members:
                row.document_id = document.id
                next_steps.append(Next("process_page", row.id))
        batch.status = "processing" if next_steps else "done"
        batch.page_count = len(readable)
        repo.record_timing(session, batch_id, batch_id, "intake", time.perf_counter() - start)
    return next_steps


# ------------------------------------------------------------------------------------ page: geometry+OCR


def process_page(ctx: WorkerContext, page_id: str) -> list[Next]:
    """Turn a page upright, straighten it, and read it. Fans in to its document when it is the last."""
    from stages.geometry import correct_page
    from stages.ocr import recognize

    with repo.session_scope(ctx.session_factory) as session:
        page = repo.get_page(session, page_id)
        batch_id, document_id, image_blob, dpi = page.batch_id, page.document_id, page.image_blob, page.dpi
        batch_index = page.batch_index
        already_done = page.status == "done"
        geometry = _load(session, page_id, "geometry", GeometryResult)
        ocr = _load(session, page_id, "ocr", PageOcr)
        text_layer = _load(session, page_id, "text_layer", PageOcr)
        language = _document_language(ctx, session, document_id)
    if document_id is None or image_blob is None:
        return []

    if not already_done:
        start = time.perf_counter()
        image = decode_png(ctx.blobs.get(image_blob))
        geometry_result, corrected = correct_page(image, dpi=dpi)
        geometry_seconds = time.perf_counter() - start
        corrected_blob = ctx.blobs.put(encode_png(corrected))
        start = time.perf_counter()
        if geometry is None:
            geometry = geometry_result
        if ocr is None:
            if text_layer is not None and geometry.orientation_deg == 0 and abs(geometry.skew_deg) < 0.01:
                ocr = text_layer  # born-digital: its own text, no OCR
            elif geometry.blank:
                ocr = PageOcr(page_index=batch_index, width=corrected.shape[1],
                              height=corrected.shape[0], dpi=dpi, lang=language, words=[],
                              mean_confidence=0.0)
            else:
                ocr = recognize(corrected, page_index=batch_index, dpi=dpi, lang=language,
                                engine=ctx.settings.ocr_engine)
        ocr_seconds = time.perf_counter() - start
        with repo.session_scope(ctx.session_factory) as session:
            _save(session, page_id, "geometry", geometry)
            _save(session, page_id, "ocr", ocr)
            repo.update_page(session, page_id, corrected_blob=corrected_blob,
                             orientation_deg=geometry.orientation_deg, skew_deg=geometry.skew_deg,
                             blank=geometry.blank, ocr_mean_confidence=ocr.mean_confidence, status="done")
            repo.record_timing(session, batch_id, page_id, "geometry", geometry_seconds)
            repo.record_timing(session, batch_id, page_id, "ocr", ocr_seconds)

    with repo.session_scope(ctx.session_factory) as session:
        done, total = repo.count_done_pages(session, document_id)
        if done < total:
            return []
        claimed = repo.claim_document_step(session, document_id, "pending", "ocr_done")
    # A redelivered message re-sends even without the claim: the crash may have lost the first send.
    return [Next("classify_document", document_id)] if claimed or already_done else []


def _document_language(ctx: WorkerContext, session: Session, document_id: str | None) -> str:
    return ctx.settings.ocr_languages


# ---------------------------------------------------------------------------------------- document


def _document_pages(ctx: WorkerContext, session: Session, document_id: str) -> list[tuple[str, PageOcr, str]]:
    result = []
    for page in repo.pages_of_document(session, document_id):
        ocr = _load(session, page.id, "ocr", PageOcr)
        if ocr is None or page.corrected_blob is None:
            raise SportelError(f"page {page.id} of document {document_id} has no OCR result yet")
        result.append((page.id, ocr, page.corrected_blob))
    return result


def classify_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    from stages.classify import classify

    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        existing = _load(session, document_id, "classify", Classification)
        if existing is None:
            pages = _document_pages(ctx, session, document_id)
    with timed(ctx, "classify_document", batch_id, document_id):
        if existing is None:
            text = "\n\f".join(ocr.text for _, ocr, _ in pages)
            existing = classify(text, ctx.catalog, model=ctx_model(ctx))
            with repo.session_scope(ctx.session_factory) as session:
                _save(session, document_id, "classify", existing)
                repo.update_document(session, document_id, document_type=existing.document_type,
                                     confidence=existing.confidence, model_version=existing.model_version,
                                     uncertain=existing.uncertain, status="classified")
    return [Next("redact_document", document_id)]


def ctx_model(ctx: WorkerContext) -> TextModel | None:
    """The text model in use, when one has been trained (``sportel retrain``); rules only otherwise."""
    from workers.models import current_text_model

    return current_text_model(ctx)


class _Findings(BaseModel):
    findings: list[PiiFinding]


def redact_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Find personal data, burn it out, rebuild the PDF without it, and prove the redaction."""
    from privacy.detect import detect_pii
    from privacy.redact import build_redacted_pdf
    from privacy.verify import verify_redaction
    from stages.textlayer import build_pdf

    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        report = _load(session, document_id, "redact", RedactionReport)
        if report is not None:
            return [Next("sign_document", document_id)]
        pages = _document_pages(ctx, session, document_id)

    with timed(ctx, "redact_document", batch_id, document_id):
        images = [decode_png(ctx.blobs.get(blob)) for _, _, blob in pages]
        searchable = build_pdf([(image, ocr) for image, (_, ocr, _) in zip(images, pages, strict=True)])
        findings_per_page: list[list[PiiFinding]] = []
        for image, (_, ocr, _) in zip(images, pages, strict=True):
            findings_per_page.append(detect_pii(ocr, image, ctx.analyzer))
        redacted_pdf, redacted_images = build_redacted_pdf(
            [(image, ocr, found) for image, (_, ocr, _), found in zip(images, pages, findings_per_page, strict=True)]
        )
        all_findings = [f for found in findings_per_page for f in found]
        report = verify_redaction(redacted_pdf, all_findings, redacted_images, lang=ctx.settings.ocr_languages,
                                  page_indices=[ocr.page_index for _, ocr, _ in pages])
        searchable_blob = ctx.blobs.put(searchable)
        redacted_blob = ctx.blobs.put(redacted_pdf) if report.verified else None
        with repo.session_scope(ctx.session_factory) as session:
            repo.replace_pii_findings(session, document_id, all_findings)
            _save(session, document_id, "redact", report)
            repo.update_document(
                session, document_id, searchable_pdf_blob=searchable_blob, redacted_pdf_blob=redacted_blob,
                redaction_verified=report.verified, status="redacted" if report.verified else "review",
                error_code=None if report.verified else RedactionVerificationError.code,
            )
    return [Next("sign_document", document_id)]


def sign_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Seal the archival copy, and the redacted copy when its redaction was proven."""
    from workers.signing import sign_and_validate

    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        if document.signed_searchable_blob is not None:
            return [Next("attach_document", document_id)]
        searchable_blob, redacted_blob = document.searchable_pdf_blob, document.redacted_pdf_blob
    if searchable_blob is None:
        raise SportelError(f"document {document_id} has no searchable PDF to sign")
    with timed(ctx, "sign_document", batch_id, document_id):
        signed_searchable, report = sign_and_validate(
            ctx, ctx.blobs.get(searchable_blob), level=ctx.settings.pades_level_archival,
            reason="Kopje arkivore e skanuar nga Sportel",
        )
        signed_redacted_blob = None
        valid = report.valid
        if redacted_blob is not None:
            signed_redacted, redacted_report = sign_and_validate(
                ctx, ctx.blobs.get(redacted_blob), level=ctx.settings.pades_level_redacted,
                reason="Kopje e anonimizuar nga Sportel",
            )
            signed_redacted_blob = ctx.blobs.put(signed_redacted)
            valid = valid and redacted_report.valid
        with repo.session_scope(ctx.session_factory) as session:
            _save(session, document_id, "sign", report)
            repo.update_document(session, document_id, signed_searchable_blob=ctx.blobs.put(signed_searchable),
                                 signed_redacted_blob=signed_redacted_blob, signature_valid=valid)
    return [Next("attach_document", document_id)]


def attach_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Attach the document to its case: release it, recompute the service's checklist."""
    start = time.perf_counter()
    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        if document.status not in ("review", "failed"):
            repo.update_document(session, document_id, status="released")
    recompute_checklist(ctx, document_id)
    with repo.session_scope(ctx.session_factory) as session:
        repo.finish_batch_if_done(session, batch_id)
        repo.record_timing(session, batch_id, document_id, "attach_document", time.perf_counter() - start)
    return []


def recompute_checklist(ctx: WorkerContext, document_id: str) -> None:
    """The checklist of the document's case from every classified document of the case (officers'
    corrections included, since they update the document's type)."""
    from stages.checklist import build_checklist

    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_case(session, repo.get_document(session, document_id).case_id)
        classified = [
            (doc.id, Classification(document_type=doc.document_type, confidence=doc.confidence or 0.0,
                                    method="stored", model_version=doc.model_version or "",
                                    uncertain=doc.uncertain))
            for doc in repo.documents_of_case(session, case.id)
            if doc.document_type is not None and doc.status != "failed"
        ]
        repo.set_checklist(session, case.id, build_checklist(ctx.catalog.service(case.service_id), classified))


STEPS = {
    "intake": intake,
    "process_page": process_page,
    "classify_document": classify_document,
    "redact_document": redact_document,
    "sign_document": sign_document,
    "attach_document": attach_document,
}


def record_failure(ctx: WorkerContext, step: Step, subject_id: str, code: str) -> list[Next]:
    """Record that ``step`` failed for good on ``subject_id`` and name what still has to happen, so that
    one broken page or document never sinks its batch."""
    with repo.session_scope(ctx.session_factory) as session:
        if step == "intake":
            repo.fail_batch(session, subject_id, code)
            return []
        if step == "process_page":
            page = repo.get_page(session, subject_id)
            repo.update_page(session, subject_id, status="failed", error_code=code)
            document_id = page.document_id
            if document_id is None:
                return []
            done, total = repo.count_done_pages(session, document_id)
            if done < total:
                return []
            if repo.count_failed_pages(session, document_id) == total:
                repo.update_document(session, document_id, status="failed", error_code=code)
                return [Next("attach_document", document_id)]
            claimed = repo.claim_document_step(session, document_id, "pending", "ocr_done")
            return [Next("classify_document", document_id)] if claimed else []
        document = repo.get_document(session, subject_id)
        status = "review" if code == RedactionVerificationError.code else "failed"
        repo.update_document(session, subject_id, status=status, error_code=code)
        if step == "attach_document":
            repo.finish_batch_if_done(session, document.batch_id)
            return []
        return [Next("attach_document", subject_id)]
