"""Reading and writing rows. Every function takes the caller's :class:`Session` and never commits: the
caller's ``session_scope`` decides the transaction.

The functions steps race on are single statements that the database makes atomic on SQLite and
PostgreSQL alike: ``save_step_result`` (insert or nothing), ``mark_page_done_and_count`` (increment and
read back) and ``claim_document_step`` (compare and set). That is what lets redelivered or concurrent
messages do no harm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pipeline.errors import ConfigurationError, InputError, NotFoundError
from pipeline.models import Checklist, PiiFinding
from storage.base import Base
from storage.db import session_scope as session_scope
from storage.tables import (
    FINAL_DOCUMENT_STATUSES,
    AccessGrant,
    Batch,
    Case,
    ChecklistRow,
    ClassificationCorrection,
    Document,
    DocumentStatus,
    InputFile,
    Page,
    PiiFindingRow,
    RedactionChange,
    StageTiming,
    StepResult,
    new_id,
    utcnow,
)

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R", bound=Base)

_KIND_OF_SUFFIX = {
    ".pdf": "pdf", ".tif": "tiff", ".tiff": "tiff", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg",
}


def _get(session: Session, model: type[R], row_id: str) -> R:
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{model.__tablename__} row {row_id} not found")
    return row


def _set_fields(row: Base, fields: dict[str, object]) -> None:
    columns = set(row.__table__.columns.keys()) - {"id"}
    unknown = sorted(set(fields) - columns)
    if unknown:
        raise ValueError(f"{row.__tablename__} has no updatable column(s) {', '.join(unknown)}")
    for name, value in fields.items():
        setattr(row, name, value)


def _insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT: both dialects spell it the same, but each has its own class."""
    # Each dialect's module imported when its database is in use: the embedded default (SQLite) never
    # loads PostgreSQL's, a tenth of a second of CPU at every start.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(model)
    raise ConfigurationError(f"unsupported database dialect {dialect}")


# ---------------------------------------------------------------------------------------------- cases

_CASE_ID = re.compile(r"C-(\d{4})-(\d{6})")


def create_case(session: Session, *, service_id: str, case_id: str | None = None) -> Case:
    """A new case; without ``case_id`` it gets the next free ``C-<year>-<nnnnnn>``."""
    if case_id is not None:
        case = Case(id=case_id, service_id=service_id, created_at=utcnow())
        session.add(case)
        session.flush()
        return case
    year = datetime.now(UTC).year
    prefix = f"C-{year}-"
    last = session.execute(
        select(func.max(Case.id)).where(Case.id.like(f"{prefix}%"), func.length(Case.id) == len(prefix) + 6)
    ).scalar_one_or_none()
    number = int(last[len(prefix):]) + 1 if last else 1
    # Two submissions may pick the same number; the loser moves on to the next one.
    while True:
        candidate = f"{prefix}{number:06d}"
        inserted = session.execute(
            _insert(session, Case)
            .values(id=candidate, service_id=service_id, created_at=utcnow(), status="open")
            .on_conflict_do_nothing(index_elements=[Case.id])
            .returning(Case.id)
        ).scalar_one_or_none()
        if inserted is not None:
            return get_case(session, candidate)
        number += 1


def get_case(session: Session, case_id: str) -> Case:
    return _get(session, Case, case_id)


def get_or_create_case(session: Session, case_id: str | None, service_id: str) -> Case:
    """The case ``case_id`` (created if new), or a new numbered case when ``case_id`` is None.

    A case belongs to one service: naming an existing case with another service is an input error.
    """
    if case_id is None:
        return create_case(session, service_id=service_id)
    session.execute(
        _insert(session, Case)
        .values(id=case_id, service_id=service_id, created_at=utcnow(), status="open")
        .on_conflict_do_nothing(index_elements=[Case.id])
    )
    case = get_case(session, case_id)
    if case.service_id != service_id:
        raise InputError(f"case {case_id} belongs to service {case.service_id}, not {service_id}")
    return case


# -------------------------------------------------------------------------------------------- batches


class BatchProgress(NamedTuple):
    pages_done: int
    """Pages of the batch's documents that are done or failed."""
    pages_total: int
    documents_done: int
    """Documents released, in review or failed."""
    documents_total: int
    batch_status: str


def create_batch(session: Session, *, case_id: str, station: str) -> Batch:
    batch = Batch(id=new_id(), case_id=case_id, station=station, status="received", page_count=0,
                  created_at=utcnow())
    session.add(batch)
    session.flush()
    return batch


def get_batch(session: Session, batch_id: str) -> Batch:
    return _get(session, Batch, batch_id)


def route_batch_to_case(session: Session, batch: Batch, case_id: str, service_id: str | None) -> Case:
    """Move a batch (and its documents) to the case its cover sheet names, creating that case if new."""
    service = service_id or get_case(session, batch.case_id).service_id
    case = get_or_create_case(session, case_id, service)
    batch.case_id = case.id
    session.execute(update(Document).where(Document.batch_id == batch.id).values(case_id=case.id))
    session.flush()
    return case


def fail_batch(session: Session, batch_id: str, error_code: str) -> None:
    batch = get_batch(session, batch_id)
    batch.status = "failed"
    batch.error_code = error_code
    session.flush()


def finish_batch_if_done(session: Session, batch_id: str) -> bool:
    """Mark the batch done once every one of its documents is final. True if it is done now."""
    # Locking the batch row serialises the last documents' checks on PostgreSQL, so the last one to
    # finish sees the others' committed statuses. SQLite serialises writers anyway.
    batch = session.execute(
        select(Batch).where(Batch.id == batch_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if batch is None:
        raise NotFoundError(f"batches row {batch_id} not found")
    if batch.status in ("done", "failed"):
        return batch.status == "done"
    unfinished = session.execute(
        select(func.count()).select_from(Document)
        .where(Document.batch_id == batch_id, Document.status.not_in(FINAL_DOCUMENT_STATUSES))
    ).scalar_one()
    if unfinished:
        return False
    batch.status = "done"
    session.flush()
    return True


def batch_progress(session: Session, batch_id: str) -> BatchProgress:
    batch = get_batch(session, batch_id)
    pages_done, pages_total = session.execute(
        select(func.count().filter(Page.status != "pending"), func.count())
        .where(Page.batch_id == batch_id, Page.document_id.is_not(None))
    ).one()
    documents_done, documents_total = session.execute(
        select(func.count().filter(Document.status.in_(FINAL_DOCUMENT_STATUSES)), func.count())
        .where(Document.batch_id == batch_id)
    ).one()
    return BatchProgress(pages_done, pages_total, documents_done, documents_total, batch.status)


# ---------------------------------------------------------------------------------------- input files


def add_input_file(session: Session, *, batch_id: str, filename: str, data_sha256: str, size_bytes: int,
                   kind: str | None = None, page_count: int | None = None) -> InputFile:
    """Record a file handed in. ``data_sha256`` is the digest of its bytes, which is also its blob key."""
    row = InputFile(
        id=new_id(), batch_id=batch_id, filename=filename, sha256=data_sha256, blob_key=data_sha256,
        size_bytes=size_bytes, page_count=page_count,
        kind=kind or _KIND_OF_SUFFIX.get(PurePath(filename).suffix.lower()),
    )
    session.add(row)
    session.flush()
    return row


def input_files_of_batch(session: Session, batch_id: str) -> list[InputFile]:
    return list(session.scalars(
        select(InputFile).where(InputFile.batch_id == batch_id).order_by(InputFile.filename, InputFile.id)
    ))


# ---------------------------------------------------------------------------------------------- pages


def add_page(session: Session, *, batch_id: str, input_file_id: str, source_index: int, batch_index: int,
             dpi: int, width: int, height: int, image_blob: str | None, status: str = "pending",
             error_code: str | None = None, sheet_kind: str | None = None,
             document_id: str | None = None, colour_ink_blob: str | None = None) -> Page:
    page = Page(id=new_id(), batch_id=batch_id, input_file_id=input_file_id, source_index=source_index,
                batch_index=batch_index, dpi=dpi, width=width, height=height, image_blob=image_blob,
                status=status, error_code=error_code, sheet_kind=sheet_kind, document_id=document_id,
                colour_ink_blob=colour_ink_blob)
    session.add(page)
    session.flush()
    return page


def get_page(session: Session, page_id: str) -> Page:
    return _get(session, Page, page_id)


def update_page(session: Session, page_id: str, **fields: object) -> Page:
    """Set columns of a page by name, e.g. ``update_page(s, pid, status="done", skew_deg=0.4)``."""
    page = get_page(session, page_id)
    _set_fields(page, fields)
    session.flush()
    return page


def pages_of_batch(session: Session, batch_id: str) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.batch_id == batch_id).order_by(Page.batch_index)))


def pending_pages_of_batch(session: Session, batch_id: str) -> list[Page]:
    """Pages of the batch's documents still waiting for geometry and OCR (cover and separator sheets
    belong to no document and are never processed)."""
    return list(session.scalars(
        select(Page)
        .where(Page.batch_id == batch_id, Page.status == "pending", Page.document_id.is_not(None))
        .order_by(Page.batch_index)
    ))


def pages_of_document(session: Session, document_id: str) -> list[Page]:
    return list(session.scalars(
        select(Page).where(Page.document_id == document_id).order_by(Page.batch_index)
    ))


# ------------------------------------------------------------------------------------------ documents


def create_document(session: Session, *, batch_id: str, case_id: str, index_in_batch: int, first_page: int,
                    last_page: int, page_count: int, document_id: str | None = None,
                    status: DocumentStatus = "pending") -> Document:
    now = utcnow()
    document = Document(id=document_id or new_id(), batch_id=batch_id, case_id=case_id, index_in_batch=index_in_batch,
                        first_page=first_page, last_page=last_page, page_count=page_count, pages_done=0,
                        uncertain=False, status=status, created_at=now, updated_at=now)
    session.add(document)
    session.flush()
    return document


def get_document(session: Session, document_id: str) -> Document:
    return _get(session, Document, document_id)


def update_document(session: Session, document_id: str, **fields: object) -> Document:
    """Set columns of a document by name; ``updated_at`` follows."""
    document = get_document(session, document_id)
    _set_fields(document, fields)
    session.flush()
    return document


def documents_of_case(session: Session, case_id: str) -> list[Document]:
    return list(session.scalars(
        select(Document)
        .where(Document.case_id == case_id)
        .order_by(Document.created_at, Document.index_in_batch, Document.first_page)
    ))


def documents_of_batch(session: Session, batch_id: str) -> list[Document]:
    return list(session.scalars(
        select(Document).where(Document.batch_id == batch_id)
        .order_by(Document.index_in_batch, Document.first_page)
    ))


def move_pages(session: Session, from_document_id: str, to_document_id: str, first_page: int,
               last_page: int) -> int:
    """Give the pages of ``from_document_id`` with batch indices ``first_page..last_page`` (inclusive) to
    ``to_document_id``; returns how many moved. Used when one scanned span turns out to hold several
    documents."""
    moved = session.execute(
        update(Page)
        .where(Page.document_id == from_document_id, Page.batch_index >= first_page,
               Page.batch_index <= last_page)
        .values(document_id=to_document_id)
        .returning(Page.id)
    ).scalars().all()
    session.flush()
    return len(moved)


def mark_page_done_and_count(session: Session, document_id: str) -> tuple[int, int]:
    """Count one more processed page of the document; returns ``(pages_done, page_count)`` after it.

    One atomic ``UPDATE .. RETURNING``: of several workers finishing the last pages at once, exactly one
    sees ``pages_done == page_count``. Not idempotent: call it once per page, in the transaction that
    marks the page done (``count_done_pages`` is the idempotent alternative).
    """
    row = session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(pages_done=Document.pages_done + 1, updated_at=utcnow())
        .returning(Document.pages_done, Document.page_count)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"documents row {document_id} not found")
    return int(row[0]), int(row[1])


def count_done_pages(session: Session, document_id: str) -> tuple[int, int]:
    """``(finished, page_count)``: pages of the document that are done or failed, out of all of them.

    Recounted from the page rows, so a redelivered message counts nothing twice. Two workers may both
    see the last page finished; ``claim_document_step`` then lets only one of them go on.
    """
    document = get_document(session, document_id)
    finished = session.execute(
        select(func.count()).select_from(Page)
        .where(Page.document_id == document_id, Page.status.in_(("done", "failed")))
    ).scalar_one()
    return int(finished), document.page_count


def count_failed_pages(session: Session, document_id: str) -> int:
    return int(session.execute(
        select(func.count()).select_from(Page).where(Page.document_id == document_id, Page.status == "failed")
    ).scalar_one())


def claim_document_step(session: Session, document_id: str, from_status: DocumentStatus,
                        to_status: DocumentStatus) -> bool:
    """Move the document from ``from_status`` to ``to_status``; True only for the one caller that did."""
    claimed = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == from_status)
        .values(status=to_status, updated_at=utcnow())
        .returning(Document.id)
    ).scalar_one_or_none()
    return claimed is not None


# ------------------------------------------------------------------------------------- step results


def save_step_result(session: Session, subject_id: str, step: str, version: str, model: BaseModel) -> bool:
    """Store a stage's result unless one is already stored for (subject, step, version).

    True if this call stored it, False if it was there already (a redelivered message): the first result
    stands, so downstream steps never see two different answers.
    """
    stored = session.execute(
        _insert(session, StepResult)
        .values(id=new_id(), subject_id=subject_id, step=step, version=version,
                payload=model.model_dump_json(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[StepResult.subject_id, StepResult.step, StepResult.version])
        .returning(StepResult.id)
    ).scalar_one_or_none()
    return stored is not None


def load_step_result(session: Session, subject_id: str, step: str, version: str,
                     model_type: type[T]) -> T | None:
    payload = session.execute(
        select(StepResult.payload)
        .where(StepResult.subject_id == subject_id, StepResult.step == step, StepResult.version == version)
    ).scalar_one_or_none()
    return None if payload is None else model_type.model_validate_json(payload)


# --------------------------------------------------------------------------------------- PII findings


def add_pii_findings(session: Session, document_id: str, findings: Iterable[PiiFinding]) -> int:
    """Store where personal data was found (type, page, box, score; never the value). Returns the count."""
    rows = [
        PiiFindingRow(id=new_id(), document_id=document_id, page_index=f.page_index,
                      entity_type=f.entity_type, x0=f.bbox.x0, y0=f.bbox.y0, x1=f.bbox.x1, y1=f.bbox.y1,
                      score=f.score)
        for f in findings
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def replace_pii_findings(session: Session, document_id: str, findings: Iterable[PiiFinding]) -> int:
    """The document's findings become exactly ``findings``: a redelivered redaction does not double them."""
    session.execute(delete(PiiFindingRow).where(PiiFindingRow.document_id == document_id))
    return add_pii_findings(session, document_id, findings)


def pii_findings_of_document(session: Session, document_id: str) -> list[PiiFindingRow]:
    return list(session.scalars(
        select(PiiFindingRow).where(PiiFindingRow.document_id == document_id)
        .order_by(PiiFindingRow.page_index, PiiFindingRow.y0, PiiFindingRow.x0, PiiFindingRow.id)
    ))


# ----------------------------------------------------------------------------------------- checklists


def set_checklist(session: Session, case_id: str, checklist: Checklist) -> None:
    """Store the case's checklist, replacing the previous one (an upsert: attachments race on it)."""
    now = utcnow()
    statement = _insert(session, ChecklistRow).values(
        case_id=case_id, service_id=checklist.service_id, payload=checklist.model_dump_json(), updated_at=now,
    )
    session.execute(statement.on_conflict_do_update(
        index_elements=[ChecklistRow.case_id],
        set_={"service_id": statement.excluded.service_id, "payload": statement.excluded.payload,
              "updated_at": statement.excluded.updated_at},
    ))


def get_checklist(session: Session, case_id: str) -> Checklist | None:
    payload = session.execute(
        select(ChecklistRow.payload).where(ChecklistRow.case_id == case_id)
    ).scalar_one_or_none()
    return None if payload is None else Checklist.model_validate_json(payload)


# -------------------------------------------------------------------------------------------- timings


def record_timing(session: Session, batch_id: str, subject_id: str, step: str, seconds: float,
                  cpu_seconds: float | None = None) -> None:
    """Record ``step`` on ``subject_id``: wall ``seconds`` and, when measured, the CPU seconds of the
    thread that ran it (``time.thread_time``)."""
    session.add(StageTiming(id=new_id(), batch_id=batch_id, subject_id=subject_id, step=step,
                            seconds=float(seconds), created_at=utcnow(),
                            cpu_seconds=None if cpu_seconds is None else float(cpu_seconds)))
    session.flush()


def timings_of_batch(session: Session, batch_id: str) -> list[tuple[str, float]]:
    """``(step, seconds)`` for every timed step of the batch, in the order they were recorded."""
    rows: Sequence[Any] = session.execute(
        select(StageTiming.step, StageTiming.seconds)
        .where(StageTiming.batch_id == batch_id)
        .order_by(StageTiming.created_at, StageTiming.id)
    ).all()
    return [(str(step), float(seconds)) for step, seconds in rows]



# ------------------------------------------------------------------------------- grants, corrections


def add_grant(session: Session, *, grant_id: str, user_id: str, case_id: str, purpose: str,
              expires_at: datetime, issued_by: str) -> AccessGrant:
    grant = AccessGrant(id=grant_id, user_id=user_id, case_id=case_id, purpose=purpose, issued_by=issued_by,
                        issued_at=utcnow(), expires_at=expires_at)
    session.add(grant)
    session.flush()
    return grant


def grants_of_user(session: Session, user_id: str) -> list[AccessGrant]:
    return list(session.execute(select(AccessGrant).where(AccessGrant.user_id == user_id)).scalars())


def add_correction(session: Session, *, document_id: str, user_id: str, document_type: str) -> None:
    session.add(ClassificationCorrection(id=new_id(), document_id=document_id, user_id=user_id,
                                         document_type=document_type, created_at=utcnow()))
    session.flush()


def corrections(session: Session) -> list[ClassificationCorrection]:
    """Every officer's correction, oldest first (the latest for a document wins when retraining)."""
    return list(session.execute(
        select(ClassificationCorrection).order_by(ClassificationCorrection.created_at)
    ).scalars())


def add_redaction_change(session: Session, *, document_id: str, user_id: str, action: str, page_index: int,
                         entity_type: str, box: tuple[int, int, int, int], reason: str, request_id: str | None,
                         verified: bool) -> RedactionChange:
    x0, y0, x1, y1 = box
    row = RedactionChange(id=new_id(), document_id=document_id, user_id=user_id, created_at=utcnow(),
                          action=action, page_index=page_index, entity_type=entity_type, x0=x0, y0=y0, x1=x1,
                          y1=y1, reason=reason, request_id=request_id, verified=verified)
    session.add(row)
    session.flush()
    return row


def redaction_changes_of_document(session: Session, document_id: str) -> list[RedactionChange]:
    """Officers' box changes to a document, oldest first."""
    return list(session.scalars(
        select(RedactionChange).where(RedactionChange.document_id == document_id)
        .order_by(RedactionChange.created_at, RedactionChange.id)
    ))


def documents_needing_review(session: Session) -> list[Document]:
    """Documents an officer should look at: uncertain type or a redaction that was not proven."""
    return list(session.execute(
        select(Document).where((Document.uncertain.is_(True)) | (Document.status == "review"))
        .order_by(Document.created_at)
    ).scalars())
