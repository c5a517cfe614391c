"""The pipeline's steps as plain functions: load by id, call a stage, store the result, name what's next.

No broker here: each step returns the :class:`Next` messages to send, and the actor wrapper sends them.
That keeps every step testable with a database and a blob folder only. The intake may also be handed a
sender (:data:`Emit`) to send each page's reading as soon as the page is recorded.

Idempotency: every stage result is saved under (subject id, step, version). A redelivered message finds
its result and does not redo the work; it still names the next steps, since the crash may have come
between saving and sending. Downstream steps are idempotent in the same way, so a duplicate is harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pipeline.errors import RedactionVerificationError, SportelError
from pipeline.models import (
    Classification,
    DocumentSplit,
    Extraction,
    InputSignatures,
    PageOcr,
    PiiFinding,
    RedactionReport,
    SheetInfo,
)
from pipeline.plan import STEP_VERSIONS, Step
from stages.images import decode_mask, decode_page, encode_mask, encode_page, is_jpeg
from storage import repository as repo
from storage.tables import new_id
from workers.context import WorkerContext
from workers.storing import put_all

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from stages.classify import TextModel
    from stages.textlayer import JpegPage

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Next:
    step: Step
    subject_id: str


# ------------------------------------------------------------------------------------------- helpers


@contextmanager
def timed(ctx: WorkerContext, step: Step, batch_id: str, subject_id: str) -> Iterator[None]:
    """Record the block's wall seconds and the CPU seconds of this thread (what the step cost, without
    the waits for a core or the GIL while other worker threads run)."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    yield
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - start_cpu
    with repo.session_scope(ctx.session_factory) as session:
        repo.record_timing(session, batch_id, subject_id, step, seconds, cpu_seconds)


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
    blob: str | None = None
    """The stored page image; ``None`` when the page could not be read."""
    height: int = 0
    width: int = 0
    error_code: str | None = None
    sheet: SheetInfo | None = None
    text_layer: PageOcr | None = None
    colour_ink_blob: str | None = None


def _read_pages(ctx: WorkerContext, files: list[tuple[str, str, str]],
                signatures: dict[str, InputSignatures]) -> Iterator[_IntakenPage]:
    """Every page of the files, in order, each stored as it is read (only one page image is in memory at
    a time); each file's blob is fetched once, and the signatures on each signed PDF handed in are put in
    ``signatures``.

    A file's signatures are read after its pages, and pyHanko imported only then: when a worker starts,
    its signing thread is importing pyHanko (:class:`workers.bootstrap.OpenSigningAtStart`) as the first
    batch's intake begins, and reading the pages first lets them go on (their drawing, decoding and
    storing are native code that lets go of the GIL) instead of waiting for that import to finish."""
    from stages.intake import RasterPage, iter_input
    from stages.split import inspect_sheet

    for file_id, _filename, blob_key in files:
        data = ctx.blobs.get(blob_key)
        read_any = False
        try:
            for item in iter_input(data, dpi=ctx.settings.dpi):
                read_any = True
                if not isinstance(item, RasterPage):
                    yield _IntakenPage(file_id, item.source_index, ctx.settings.dpi, error_code=item.code)
                    continue
                height, width = item.image.shape[:2]
                page = _IntakenPage(
                    file_id, item.source_index, item.dpi, blob=ctx.blobs.put(item.encoded or encode_page(item.image)),
                    height=height, width=width, sheet=inspect_sheet(item.image), text_layer=item.text_layer,
                    colour_ink_blob=None if item.colour_ink is None else ctx.blobs.put(encode_mask(item.colour_ink)),
                )
                del item  # the page image goes now, not when the next page replaces it
                yield page
        except SportelError as exc:
            # One unreadable file does not sink the batch: it is recorded and the others go on.
            log.warning("input file %s unreadable: %s", file_id, exc.code)
            if not read_any:  # else each of its pages already carries its own error
                yield _IntakenPage(file_id, 0, ctx.settings.dpi, error_code=exc.code)
        from workers.signing import input_signatures  # here, not above: see the docstring

        found = input_signatures(ctx, data)
        if found is not None:
            signatures[file_id] = found


Emit = Callable[[list[Next]], None]
"""Sends messages at once, while the step goes on (the actor's sender)."""


def _record_page(ctx: WorkerContext, batch_id: str, batch_index: int, item: _IntakenPage) -> str:
    """The page's row, in a transaction of its own; a cover sheet routes the batch to its case at once, so
    that the pages after it are read in that case's service's languages."""
    with repo.session_scope(ctx.session_factory) as session:
        sheet = item.sheet
        if sheet is not None and sheet.kind == "cover" and sheet.case_id:
            batch = repo.get_batch(session, batch_id)
            if sheet.case_id != batch.case_id:
                repo.route_batch_to_case(session, batch, sheet.case_id, sheet.service_id)
        row = repo.add_page(
            session, batch_id=batch_id, input_file_id=item.input_file_id,
            source_index=item.source_index, batch_index=batch_index, dpi=item.dpi,
            width=item.width, height=item.height, image_blob=item.blob,
            status="failed" if item.error_code else "pending", error_code=item.error_code,
            sheet_kind=sheet.kind if sheet else None, colour_ink_blob=item.colour_ink_blob,
        )
        if item.text_layer is not None:
            _save(session, row.id, "text_layer", item.text_layer)
        return row.id


def intake(ctx: WorkerContext, batch_id: str, emit: Emit | None = None) -> list[Next]:
    """Normalise every input file of the batch to page images and split them into documents.

    Each page is recorded as soon as it is read, and with ``emit`` (the actor passes its sender) a content
    page's reading is sent at once: the page workers read the first pages while the intake reads the rest,
    instead of waiting for the whole batch. The documents are cut at the end, once every sheet is known
    (a separator or cover sheet may come last); a document whose pages were all read by then is handed on
    from here, the others by their last page (:func:`process_page`). Without ``emit`` every reading is
    returned at the end.

    A redelivered intake (the batch still "received", so it never reached its end) reads the files again,
    passes over the pages already recorded (a page is known by its place in the batch) and sends their
    reading again where it is still pending.
    """
    from stages.split import split_batch

    with repo.session_scope(ctx.session_factory) as session:
        batch = repo.get_batch(session, batch_id)
        if batch.status != "received":
            return [Next("process_page", p.id) for p in repo.pending_pages_of_batch(session, batch_id)]
        files = [(f.id, f.filename, f.blob_key) for f in repo.input_files_of_batch(session, batch_id)]
        recorded = {p.batch_index: (p.id, p.status) for p in repo.pages_of_batch(session, batch_id)}

    start, start_cpu = time.perf_counter(), time.thread_time()
    signatures: dict[str, InputSignatures] = {}
    readable: list[tuple[str, SheetInfo]] = []
    sent: set[str] = set()
    for batch_index, item in enumerate(_read_pages(ctx, files, signatures)):
        page_id, status = recorded.get(batch_index) or (_record_page(ctx, batch_id, batch_index, item), "pending")
        if item.blob is None or item.sheet is None:
            continue
        readable.append((page_id, item.sheet))
        if emit is not None and status == "pending" and item.sheet.kind == "content":
            emit([Next("process_page", page_id)])
            sent.add(page_id)
    split = split_batch([sheet for _, sheet in readable])

    next_steps: list[Next] = []
    with repo.session_scope(ctx.session_factory) as session:
        batch = repo.get_batch(session, batch_id)
        if split.case_id and split.case_id != batch.case_id:
            repo.route_batch_to_case(session, batch, split.case_id, split.service_id)
        pages = {p.id: p for p in repo.pages_of_batch(session, batch_id)}
        documents = []
        for index, span in enumerate(split.documents):
            members = [pages[readable[i][0]] for i in span.page_indices]
            document = repo.create_document(
                session, batch_id=batch_id, case_id=batch.case_id, index_in_batch=index,
                first_page=members[0].batch_index, last_page=members[-1].batch_index,
                page_count=len(members),
            )
            documents.append(document.id)
            for row in members:
                row.document_id = document.id
                if row.id not in sent:
                    next_steps.append(Next("process_page", row.id))
        session.flush()
        # Pages sent early may all be read already: their last one found no document to hand on.
        for document_id in documents:
            done, total = repo.count_done_pages(session, document_id)
            if done == total and repo.claim_document_step(session, document_id, "pending", "ocr_done"):
                next_steps.append(Next("classify_document", document_id))
        batch.status = "processing" if documents else "done"
        batch.page_count = len(readable)
        for file_id, found in signatures.items():
            _save(session, file_id, "input_signatures", found)
        repo.record_timing(session, batch_id, batch_id, "intake", time.perf_counter() - start,
                           time.thread_time() - start_cpu)
    return next_steps


# ------------------------------------------------------------------------------------ page: geometry+OCR


def process_page(ctx: WorkerContext, page_id: str) -> list[Next]:
    """Turn a page upright, straighten it, and read it. Fans in to its document when it is the last."""
    from stages.page_reading import read_page

    with repo.session_scope(ctx.session_factory) as session:
        page = repo.get_page(session, page_id)
        batch_id, document_id, image_blob, dpi = page.batch_id, page.document_id, page.image_blob, page.dpi
        batch_index, colour_ink_blob = page.batch_index, page.colour_ink_blob
        already_done = page.status == "done"
        batch = repo.get_batch(session, batch_id)
        # A content page is read as soon as the intake has it, before the documents are cut (unless the
        # intake has failed since: no document will ever take it); other sheets outside a document
        # (cover, separator, a lone blank) are never read.
        readable = document_id is not None or (page.sheet_kind == "content" and batch.status != "failed")
        text_layer = _load(session, page_id, "text_layer", PageOcr)
        language = _page_language(ctx, session, batch.case_id)
    if not readable or image_blob is None:
        return []

    if not already_done:
        start, start_cpu = time.perf_counter(), time.thread_time()
        decoded = [decode_page(ctx.blobs.get(image_blob))]
        decode_seconds = time.perf_counter() - start
        read_start_cpu = time.thread_time()
        # The page image is handed over (popped), not kept here: read_page lets go of it once the page is
        # straightened, one page image less through the OCR, and decodes it again if it needs it.
        reading = read_page(decoded.pop(), dpi=dpi, page_index=batch_index, lang=language,
                            engine=ctx.settings.ocr_engine, text_layer=text_layer,
                            scanned=lambda: decode_page(ctx.blobs.get(image_blob)),
                            colour_ink=lambda: _colour_ink(ctx, colour_ink_blob))
        read_cpu = time.thread_time() - read_start_cpu
        start = time.perf_counter()
        # A page that needed no turning or straightening is its own corrected copy: no second blob.
        corrected_blob = ctx.blobs.put(encode_page(reading.image)) if reading.turned else image_blob
        store_seconds = time.perf_counter() - start
        # read_page times geometry and OCR apart in wall time only: its CPU time (both) goes on the ocr
        # row, decoding and storing on the geometry row, so that the page's total is exact.
        other_cpu = time.thread_time() - start_cpu - read_cpu
        geometry, ocr = reading.geometry, reading.ocr
        with repo.session_scope(ctx.session_factory) as session:
            _save(session, page_id, "geometry", geometry)
            _save(session, page_id, "ocr", ocr)
            repo.update_page(session, page_id, corrected_blob=corrected_blob,
                             orientation_deg=geometry.orientation_deg, skew_deg=geometry.skew_deg,
                             blank=geometry.blank, ocr_mean_confidence=ocr.mean_confidence, status="done")
            repo.record_timing(session, batch_id, page_id, "geometry",
                               decode_seconds + reading.geometry_seconds + store_seconds, other_cpu)
            repo.record_timing(session, batch_id, page_id, "ocr", reading.ocr_seconds, read_cpu)

    with repo.session_scope(ctx.session_factory) as session:
        # Read again: the intake may have cut the documents while the page was read. If it has not, it
        # finds this page done when it does (see intake).
        document_id = repo.get_page(session, page_id).document_id
        if document_id is None:
            return []
        done, total = repo.count_done_pages(session, document_id)
        if done < total:
            return []
        claimed = repo.claim_document_step(session, document_id, "pending", "ocr_done")
    # A redelivered message re-sends even without the claim: the crash may have lost the first send.
    return [Next("classify_document", document_id)] if claimed or already_done else []


def _colour_ink(ctx: WorkerContext, blob: str | None) -> NDArray[np.uint8] | None:
    """The page's coloured-ink mask as the intake stored it (:func:`stages.images.encode_mask`); ``None``
    for a gray page, or one whose mask cannot be read: the page is then read by grey alone, as before."""
    if blob is None:
        return None
    try:
        return decode_mask(ctx.blobs.get(blob))
    except SportelError as exc:  # an aid to reading, never a reason for the page to fail
        log.warning("page colour mask not read (%s); its stamps are told apart by grey", exc.code)
        return None


def _page_language(ctx: WorkerContext, session: Session, case_id: str) -> str:
    """The languages a page is read with: its batch's case's service's, from the catalog (a page is read
    before its document's type is known, so the type's own languages serve the benchmarks and re-reads,
    not this first pass); the settings' default when the service is not in the catalog."""
    service_id = repo.get_case(session, case_id).service_id
    try:
        return ctx.catalog.service(service_id).languages
    except SportelError:
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


def _split_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Cut a provisional document (the pages between two sheets) into the documents its pages' texts show,
    when the batch was scanned without separator sheets. Returns the messages classifying the documents
    split off; the provisional document keeps the first one.

    The cut is stored under the document before any row changes, in the same transaction: of two
    deliveries racing here, only the one that stored it creates documents and moves pages."""
    from stages.split import document_starts

    with repo.session_scope(ctx.session_factory) as session:
        split = _load(session, document_id, "split", DocumentSplit)
        if split is None:
            document = repo.get_document(session, document_id)
            separated = any(p.sheet_kind == "separator" for p in repo.pages_of_batch(session, document.batch_id))
            pages = repo.pages_of_document(session, document_id)
            texts = [ocr.text if (ocr := _load(session, p.id, "ocr", PageOcr)) is not None else "" for p in pages]
            blank = [bool(p.blank) or p.sheet_kind == "blank" or not text for p, text in zip(pages, texts, strict=True)]
            indices = [p.batch_index for p in pages]
            files = [p.input_file_id for p in pages]
    if split is not None:
        return [Next("classify_document", d) for d in split.document_ids[1:]]
    starts = [0] if separated or not pages else document_starts(texts, blank, catalog=ctx.catalog,
                                                                model=ctx_model(ctx), files=files)
    ends = [*starts[1:], len(indices)]
    split = DocumentSplit(document_ids=[document_id, *(new_id() for _ in starts[1:])],
                          first_pages=[indices[s] for s in starts], last_pages=[indices[e - 1] for e in ends])
    with repo.session_scope(ctx.session_factory) as session:
        if not repo.save_step_result(session, document_id, "split", STEP_VERSIONS["split"], split):
            stored = _load(session, document_id, "split", DocumentSplit)
            return [Next("classify_document", d) for d in (stored.document_ids[1:] if stored else [])]
        if len(starts) > 1:
            document = repo.get_document(session, document_id)
            parts = zip(split.document_ids, split.first_pages, split.last_pages, starts, ends, strict=True)
            for part_id, first, last, start, end in list(parts)[1:]:
                repo.create_document(session, batch_id=document.batch_id, case_id=document.case_id,
                                     index_in_batch=document.index_in_batch, first_page=first, last_page=last,
                                     page_count=end - start, document_id=part_id, status="ocr_done")
                repo.move_pages(session, document_id, part_id, first, last)
                _save(session, part_id, "split", DocumentSplit(document_ids=[part_id], first_pages=[first],
                                                               last_pages=[last]))
            repo.update_document(session, document_id, last_page=split.last_pages[0], page_count=ends[0])
            log.info("document %s split into %d documents from its page texts", document_id, len(starts))
    return [Next("classify_document", d) for d in split.document_ids[1:]]


def classify_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    from stages.classify import classify

    split_off = _split_document(ctx, document_id)
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
        _extract_document_fields(ctx, document_id, existing.document_type)
    return [Next("redact_document", document_id), *split_off]


def _extract_document_fields(ctx: WorkerContext, document_id: str, document_type: str) -> None:
    """Read the document's key fields off its OCR and store them under the document (values are personal
    data: they stay in the step result, never in a log line)."""
    from stages.extract import extract_fields

    with repo.session_scope(ctx.session_factory) as session:
        if _load(session, document_id, "extract", Extraction) is not None:
            return
        pages = [ocr for _, ocr, _ in _document_pages(ctx, session, document_id)]
    extraction = extract_fields(document_type, pages)
    with repo.session_scope(ctx.session_factory) as session:
        _save(session, document_id, "extract", extraction)


def ctx_model(ctx: WorkerContext) -> TextModel | None:
    """The text model in use, when one has been trained (``sportel retrain``); rules only otherwise."""
    from workers.models import current_text_model

    return current_text_model(ctx)


class _Findings(BaseModel):
    findings: list[PiiFinding]


def _stored_page(data: bytes, ocr: PageOcr) -> JpegPage:
    """A stored page as the archival copy embeds it: its JPEG as it is; any other format re-encoded."""
    from stages.textlayer import JpegPage

    return JpegPage.of(data if is_jpeg(data) else encode_page(decode_page(data)), ocr)


def redact_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Find personal data, burn it out, rebuild the PDF without it, and prove the redaction."""
    from privacy.document import redact_document_pages
    from stages.textlayer import build_pdf_from_jpegs

    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        report = _load(session, document_id, "redact", RedactionReport)
        if report is not None:
            return [Next("sign_document", document_id)]
        pages = _document_pages(ctx, session, document_id)

    with timed(ctx, "redact_document", batch_id, document_id):
        stored = [ctx.blobs.get(blob) for _, _, blob in pages]
        # The archival copy: PDF/A-2b, each page's stored JPEG embedded as it is, none of them decoded.
        searchable = build_pdf_from_jpegs([_stored_page(data, ocr) for data, (_, ocr, _) in
                                           zip(stored, pages, strict=True)], pdfa=True)
        # Redaction decodes the pages one at a time: a long document's images are never all in memory.
        redacted = redact_document_pages(((decode_page(data), ocr) for data, (_, ocr, _) in
                                          zip(stored, pages, strict=True)),
                                         ctx.analyzer, lang=ctx.settings.ocr_languages)
        redacted_pdf, report, all_findings = redacted.pdf, redacted.report, redacted.all_findings
        keys = put_all(ctx.blobs, [searchable, redacted_pdf] if report.verified else [searchable])
        searchable_blob, redacted_blob = keys[0], keys[1] if report.verified else None
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
    from sqlalchemy import update

    from storage.tables import Document, utcnow
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
        signed_redacted = None
        valid = report.valid
        if redacted_blob is not None:
            signed_redacted, redacted_report = sign_and_validate(
                ctx, ctx.blobs.get(redacted_blob), level=ctx.settings.pades_level_redacted,
                reason="Kopje e anonimizuar nga Sportel",
            )
            valid = valid and redacted_report.valid
        # Stored once both are signed (a failed signature leaves nothing stored) and before the transaction
        # opens: a file's fsync inside it would hold the database's write lock.
        signed = [signed_searchable] if signed_redacted is None else [signed_searchable, signed_redacted]
        keys = put_all(ctx.blobs, signed)
        signed_searchable_blob, signed_redacted_blob = keys[0], None if signed_redacted is None else keys[1]
        with repo.session_scope(ctx.session_factory) as session:
            _save(session, document_id, "sign", report)
            # One UPDATE by id: repo.update_document loads the whole row (22 columns) through the ORM first,
            # and Python 3.11's sqlite3 lets go of the GIL for every column it reads, each time a chance to
            # wait for it while the worker thread beside this one runs Python.
            updated = session.execute(
                update(Document).where(Document.id == document_id).values(
                    signed_searchable_blob=signed_searchable_blob, signed_redacted_blob=signed_redacted_blob,
                    signature_valid=valid, updated_at=utcnow(),
                )
            )
            if updated.rowcount != 1:  # type: ignore[attr-defined]
                raise SportelError(f"document {document_id} is gone; its signed outputs are not recorded")
    return [Next("attach_document", document_id)]


def attach_document(ctx: WorkerContext, document_id: str) -> list[Next]:
    """Attach the document to its case: release it, recompute the service's checklist."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    with repo.session_scope(ctx.session_factory) as session:
        document = repo.get_document(session, document_id)
        batch_id = document.batch_id
        if document.status not in ("review", "failed"):
            repo.update_document(session, document_id, status="released")
    recompute_checklist(ctx, document_id)
    with repo.session_scope(ctx.session_factory) as session:
        repo.finish_batch_if_done(session, batch_id)
        repo.record_timing(session, batch_id, document_id, "attach_document", time.perf_counter() - start,
                           time.thread_time() - start_cpu)
    return []


def recompute_checklist(ctx: WorkerContext, document_id: str) -> None:
    """The checklist of the document's case from every classified document of the case (officers'
    corrections included, since they update the document's type)."""
    from stages.checklist import build_checklist
    from stages.extract import cross_check

    with repo.session_scope(ctx.session_factory) as session:
        case = repo.get_case(session, repo.get_document(session, document_id).case_id)
        classified = [
            (doc.id, Classification(document_type=doc.document_type, confidence=doc.confidence or 0.0,
                                    method="stored", model_version=doc.model_version or "",
                                    uncertain=doc.uncertain))
            for doc in repo.documents_of_case(session, case.id)
            if doc.document_type is not None and doc.status != "failed"
        ]
        checklist = build_checklist(ctx.catalog.service(case.service_id), classified)
        extractions = [(doc_id, extraction.model_copy(update={"document_type": result.document_type}))
                       for doc_id, result in classified
                       if (extraction := _load(session, doc_id, "extract", Extraction)) is not None]
        checklist = checklist.model_copy(update={"flags": cross_check(extractions)})
        repo.set_checklist(session, case.id, checklist)


STEPS: dict[Step, Callable[[WorkerContext, str], list[Next]]] = {
    "intake": intake,
    "process_page": process_page,
    "classify_document": classify_document,
    "redact_document": redact_document,
    "sign_document": sign_document,
    "attach_document": attach_document,
}
EMITTING_STEPS: dict[Step, Callable[[WorkerContext, str, Emit], list[Next]]] = {"intake": intake}
"""Steps the actor also hands its sender, to send messages before the step ends."""


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
