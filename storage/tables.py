"""The tables: cases, their batches, input files, pages and documents, and what the steps stored.

Ids are UUID4 hex strings, except case ids, which people read and type (``C-2026-000123``). Timestamps
are timezone-aware UTC on every backend. Personal data is not stored here: PII findings keep their entity
type and box, never the value; OCR text lives only in step results.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

BatchStatus = Literal["received", "processing", "done", "failed"]
PageStatus = Literal["pending", "done", "failed"]
DocumentStatus = Literal[
    "pending", "ocr_done", "classified", "redacted", "signed", "released", "review", "failed",
]

BATCH_STATUSES: tuple[BatchStatus, ...] = get_args(BatchStatus)
PAGE_STATUSES: tuple[PageStatus, ...] = get_args(PageStatus)
DOCUMENT_STATUSES: tuple[DocumentStatus, ...] = get_args(DocumentStatus)
FINAL_DOCUMENT_STATUSES: tuple[DocumentStatus, ...] = ("released", "review", "failed")
"""A document in one of these needs no more work; its batch is done when all its documents are."""

ID = String(64)


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, also on SQLite (which keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (_one_of("status", BATCH_STATUSES),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    station: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[BatchStatus] = mapped_column(String(16), default="received")
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))


class InputFile(Base):
    __tablename__ = "input_files"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    filename: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    blob_key: Mapped[str] = mapped_column(String(64))


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("batch_id", "batch_index"),
        _one_of("status", PAGE_STATUSES),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"))
    input_file_id: Mapped[str] = mapped_column(ForeignKey("input_files.id"))
    source_index: Mapped[int] = mapped_column(Integer)
    batch_index: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image_blob: Mapped[str | None] = mapped_column(String(64))
    """The page normalised to ``dpi`` (PNG); none when the page could not be read."""
    corrected_blob: Mapped[str | None] = mapped_column(String(64))
    """The page turned upright and deskewed (PNG); every box refers to this image."""
    colour_ink_blob: Mapped[str | None] = mapped_column(String(64))
    """Where a colour scan's page has coloured ink (a stamp, a pen): a two-valued PNG mask of the page as
    scanned, in its proportions at a size of its own; none for a gray page
    (:attr:`stages.intake.RasterPage.colour_ink`)."""
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), index=True)
    sheet_kind: Mapped[str | None] = mapped_column(String(16))
    orientation_deg: Mapped[int | None] = mapped_column(Integer)
    skew_deg: Mapped[float | None] = mapped_column(Float)
    blank: Mapped[bool | None]
    ocr_mean_confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[PageStatus] = mapped_column(String(16), default="pending")
    error_code: Mapped[str | None] = mapped_column(String(64))


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (_one_of("status", DOCUMENT_STATUSES),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    index_in_batch: Mapped[int] = mapped_column(Integer)
    first_page: Mapped[int] = mapped_column(Integer)
    last_page: Mapped[int] = mapped_column(Integer)
    """First and last page as batch indices, inclusive."""
    page_count: Mapped[int] = mapped_column(Integer)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    """Pages processed so far: the fan-in counter (see ``repository.mark_page_done_and_count``)."""
    document_type: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(128))
    uncertain: Mapped[bool] = mapped_column(default=False)
    status: Mapped[DocumentStatus] = mapped_column(String(16), default="pending")
    error_code: Mapped[str | None] = mapped_column(String(64))
    searchable_pdf_blob: Mapped[str | None] = mapped_column(String(64))
    redacted_pdf_blob: Mapped[str | None] = mapped_column(String(64))
    signed_searchable_blob: Mapped[str | None] = mapped_column(String(64))
    signed_redacted_blob: Mapped[str | None] = mapped_column(String(64))
    redaction_verified: Mapped[bool | None]
    signature_valid: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PiiFindingRow(Base):
    """Where personal data was found: entity type, page and box. The value itself is never stored."""

    __tablename__ = "pii_findings"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    page_index: Mapped[int] = mapped_column(Integer)
    """The page's batch index."""
    entity_type: Mapped[str] = mapped_column(String(64))
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)


class StepResult(Base):
    """A stage's output for a page or document, keyed so that a redelivered message finds it."""

    __tablename__ = "step_results"
    __table_args__ = (UniqueConstraint("subject_id", "step", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ID)
    step: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    """The result model's ``model_dump_json()``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChecklistRow(Base):
    __tablename__ = "checklists"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    """A :class:`pipeline.models.Checklist` as JSON."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class StageTiming(Base):
    """How long one step took on one subject: wall seconds, and the CPU seconds of the thread that ran it.

    Wall time includes waiting for a core or the GIL while other worker threads run; CPU time is what the
    step itself cost. ``cpu_seconds`` is ``None`` on timings recorded before it existed. A page's reading
    times geometry and OCR apart in wall time only: its CPU time is on the page's ``ocr`` row, decoding
    and storing the image on its ``geometry`` row (the page's total is exact).
    """

    __tablename__ = "stage_timings"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ID)
    step: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[float] = mapped_column(Float)
    cpu_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccessGrant(Base):
    """A time-limited permission for one officer to see the originals of one case, for one purpose."""

    __tablename__ = "access_grants"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RedactionChange(Base):
    """An officer's change to a document's redaction boxes: who, when, which box, added or removed, and
    why (a reason code, never free text). Kept after the boxes themselves are replaced."""

    __tablename__ = "redaction_changes"
    __table_args__ = (CheckConstraint("action IN ('add', 'remove')", name="action_valid"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(8))
    page_index: Mapped[int] = mapped_column(Integer)
    entity_type: Mapped[str] = mapped_column(String(64))
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    verified: Mapped[bool] = mapped_column(default=False)
    """Whether the redaction with this change applied was proven (and so released)."""


class ClassificationCorrection(Base):
    """An officer's correction of a document's type: applied to the case and used by ``sportel retrain``."""

    __tablename__ = "classification_corrections"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    document_type: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
