"""Tables of the audit log: the append-only entries, the head row appends lock, and a copy of the signed
checkpoints (the trusted copy is the checkpoint file outside the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

_ID = 128
_CODE = 64
_HASH = 64


class AuditEntryRow(Base):
    """One access, denial or grant. Never updated or deleted: the hash chain shows it if it is."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[str] = mapped_column(String(32), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[str] = mapped_column(String(_ID), index=True)
    role: Mapped[str] = mapped_column(String(_CODE))
    action: Mapped[str] = mapped_column(String(16))
    resource_kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
    document_id: Mapped[str | None] = mapped_column(String(_ID))
    purpose: Mapped[str | None] = mapped_column(String(_CODE), index=True)
    request_id: Mapped[str | None] = mapped_column(String(_ID))
    reason: Mapped[str | None] = mapped_column(String(_CODE))
    grant_id: Mapped[str | None] = mapped_column(String(_ID))
    target_user_id: Mapped[str | None] = mapped_column(String(_ID))
    subject_key: Mapped[str | None] = mapped_column(String(_HASH), index=True)
    """HMAC-SHA256 of the data subject's personal number under the audit key; never the number."""
    prev_hash: Mapped[str] = mapped_column(String(_HASH))
    entry_hash: Mapped[str] = mapped_column(String(_HASH), unique=True)
    visible_entities: Mapped[str | None] = mapped_column(String(512))
    """Entity types shown unredacted, comma-separated (codes, never values); NULL when no content."""


class AuditHeadRow(Base):
    """The single row every append locks (``SELECT ... FOR UPDATE``), holding the next sequence number and
    the last entry hash, so that concurrent appenders queue up instead of forking the chain."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(_HASH))


class AuditCheckpointRow(Base):
    """A copy of each signed checkpoint, so that a checkpoint file that lost lines is noticed."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(_HASH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(_HASH))
    algorithm: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(Text)
