"""The audit log in the database: append under a lock, read ranges, look up by data subject, officer,
period or purpose, export to CSV, and write signed checkpoints to a folder outside the database."""

from __future__ import annotations

import csv
import io
import itertools
import random
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from sqlalchemy import Connection, Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import ConfigurationError
from storage.audit_chain import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    AuditIntegrityError,
    Checkpoint,
    append_checkpoint_file,
    chain_problems,
    compute_entry_hash,
    format_time,
    merkle_root_hex,
    sign_checkpoint,
    subject_key,
)
from storage.audit_tables import AuditCheckpointRow, AuditEntryRow, AuditHeadRow

_MAX_ATTEMPTS = 30
_MAX_COLLISIONS = 10
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock
CSV_COLUMNS: tuple[str, ...] = tuple(AuditEntry.model_fields)
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AuditStore:
    """Append-only, hash-chained audit entries in the database.

    ``subject_key`` is the secret of the keyed hash that stands for a data subject (``settings.audit_key``
    encoded): the log holds the hash, never the personal number.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, subject_key: bytes) -> None:
        if not subject_key:
            raise ConfigurationError("the audit subject key is empty")
        self._sessions = session_factory
        self._subject_key = subject_key

    def subject_key_of(self, personal_number: str) -> str:
        return subject_key(self._subject_key, personal_number)

    # ------------------------------------------------------------------------------------------- write

    def append(self, event: AuditEvent) -> AuditEntry:
        """Write exactly one entry, chained to the one before it, and return it.

        Appenders queue on the head row (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite: ``BEGIN
        IMMEDIATE`` takes the single write lock), so concurrent processes never fork the chain. Lock
        contention that the database reports as an error is retried with backoff.
        """
        collisions = 0
        for attempt in itertools.count(1):
            try:
                return self._append_once(event)
            except OperationalError as exc:
                if attempt >= _MAX_ATTEMPTS or not _is_contention(exc):
                    raise
            except IntegrityError as exc:
                # A racing appender that read the same head loses on the seq key and simply retries
                # (only where the driver could not lock first); a head row that stays behind is damage.
                collisions += 1
                if collisions >= _MAX_COLLISIONS:
                    raise AuditIntegrityError(
                        "audit append keeps colliding with a stored entry: the head row disagrees with the "
                        "entries (run the audit verification)"
                    ) from exc
            # Jitter spreads out appenders that collided; it is not security-relevant.
            time.sleep(min(0.25, 0.005 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311
        raise AssertionError("unreachable")  # pragma: no cover

    def _append_once(self, event: AuditEvent) -> AuditEntry:
        with self._sessions() as session, session.begin():
            head = self._lock_head(session)
            occurred_at = (event.occurred_at or datetime.now(UTC)).astimezone(UTC)
            unsigned = AuditEntry(
                seq=head.tree_size,
                entry_id=uuid.uuid4().hex,
                occurred_at=occurred_at,
                **event.model_dump(exclude={"occurred_at"}),
                subject_key=(self.subject_key_of(event.subject_personal_number)
                             if event.subject_personal_number else None),
                prev_hash=head.head_hash,
                entry_hash="",
            )
            entry = unsigned.model_copy(update={"entry_hash": compute_entry_hash(unsigned)})
            session.add(AuditEntryRow(**entry.model_dump()))
            head.tree_size = entry.seq + 1
            head.head_hash = entry.entry_hash
        return entry

    def _lock_head(self, session: Session) -> AuditHeadRow:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            _begin_immediate(connection)
        locked = select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
        head = session.scalars(locked).one_or_none()
        if head is None:
            _create_head(session, connection)
            head = session.scalars(locked).one()
        return head

    def checkpoint(self, checkpoints_dir: Path, private_key: PrivateKeyTypes) -> Checkpoint:
        """Sign the current tree head and append it to ``checkpoints_dir`` (outside the database), then
        keep a copy in the database. Refuses to sign a log whose chain is already broken."""
        with self._sessions() as session:
            size, head_hash = _read_head(session)
            entries = [_entry(row) for row in session.scalars(_range(0, size))]
            problems = chain_problems(entries)
            if len(entries) != size or (entries and entries[-1].entry_hash != head_hash):
                problems.append(f"head row says {size} entries, the log holds {len(entries)} below it")
            if problems:
                raise AuditIntegrityError(
                    f"refusing to sign a checkpoint over a broken log: {len(problems)} problem(s), first: "
                    f"{problems[0]}"
                )
        signed = sign_checkpoint(size, merkle_root_hex(entries), datetime.now(UTC), private_key)
        # The file is the trusted copy: write it first, so a failed database write loses nothing.
        append_checkpoint_file(checkpoints_dir, signed)
        with self._sessions() as session, session.begin():
            session.add(AuditCheckpointRow(**signed.model_dump()))
        return signed

    # -------------------------------------------------------------------------------------------- read

    def entries(self, start: int = 0, end: int | None = None) -> list[AuditEntry]:
        """Entries with ``start <= seq < end`` in ``seq`` order."""
        with self._sessions() as session:
            return [_entry(row) for row in session.scalars(_range(start, end))]

    def head(self) -> tuple[int, str] | None:
        """The head row's (tree size, last entry hash), or None before the first append."""
        with self._sessions() as session:
            row = session.get(AuditHeadRow, 1)
            return None if row is None else (row.tree_size, row.head_hash)

    def recorded_checkpoints(self) -> list[Checkpoint]:
        """The database's copies of the signed checkpoints, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(AuditCheckpointRow).order_by(AuditCheckpointRow.id))
            return [
                Checkpoint(tree_size=r.tree_size, root_hash=r.root_hash, created_at=_utc(r.created_at),
                           key_id=r.key_id, algorithm=r.algorithm,
                           signature=r.signature)
                for r in rows
            ]

    def query(
        self,
        *,
        subject_personal_number: str | None = None,
        user_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        purpose: str | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every given filter, in ``seq`` order; ``since`` inclusive, ``until`` exclusive.

        A data subject is found through the keyed hash of the personal number, never the number itself.
        """
        statement = select(AuditEntryRow).order_by(AuditEntryRow.seq)
        if subject_personal_number is not None:
            key = self.subject_key_of(subject_personal_number)
            statement = statement.where(AuditEntryRow.subject_key == key)
        if user_id is not None:
            statement = statement.where(AuditEntryRow.user_id == user_id)
        if purpose is not None:
            statement = statement.where(AuditEntryRow.purpose == purpose)
        if since is not None:
            statement = statement.where(AuditEntryRow.occurred_at >= _aware_utc(since, "since"))
        if until is not None:
            statement = statement.where(AuditEntryRow.occurred_at < _aware_utc(until, "until"))
        with self._sessions() as session:
            return [_entry(row) for row in session.scalars(statement)]

    def export_csv(self, entries: Sequence[AuditEntry]) -> str:
        """The entries as CSV with a header row, every field of the entry, times in UTC.

        A cell that a spreadsheet would run as a formula gets a leading apostrophe.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in entries:
            values: dict[str, Any] = entry.model_dump()
            values["occurred_at"] = format_time(entry.occurred_at)
            writer.writerow(_csv_cell(values[column]) for column in CSV_COLUMNS)
        return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- helpers


def _begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock before reading the head, so two appenders never both read it and then
    race to upgrade (which SQLite answers with an immediate 'database is locked')."""
    driver = connection.connection.dbapi_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_head(session: Session, connection: Connection) -> None:
    """Insert the head row, continuing after any entries already there; a concurrent creator wins."""
    last = session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(1)).one_or_none()
    values = {"id": 1, "tree_size": last.seq + 1 if last else 0,
              "head_hash": last.entry_hash if last else GENESIS_HASH}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(AuditHeadRow).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(AuditHeadRow).values(values).on_conflict_do_nothing())
    else:
        session.add(AuditHeadRow(**values))
        session.flush()


def _read_head(session: Session) -> tuple[int, str]:
    row = session.get(AuditHeadRow, 1)
    if row is None:
        count = session.scalar(select(func.count()).select_from(AuditEntryRow)) or 0
        if count:
            raise AuditIntegrityError(f"the audit head row is missing while {count} entries exist")
        return 0, GENESIS_HASH
    return row.tree_size, row.head_hash


def _range(start: int, end: int | None) -> Select[AuditEntryRow]:
    statement = select(AuditEntryRow).where(AuditEntryRow.seq >= start).order_by(AuditEntryRow.seq)
    if end is not None:
        statement = statement.where(AuditEntryRow.seq < end)
    return statement


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store only ever writes UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _aware_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")
    return value.astimezone(UTC)


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq, entry_id=row.entry_id, occurred_at=_utc(row.occurred_at), user_id=row.user_id,
        role=row.role, action=row.action, resource_kind=row.resource_kind, outcome=row.outcome,
        case_id=row.case_id, document_id=row.document_id, purpose=row.purpose, request_id=row.request_id,
        reason=row.reason, grant_id=row.grant_id, target_user_id=row.target_user_id,
        subject_key=row.subject_key, prev_hash=row.prev_hash, entry_hash=row.entry_hash,
        visible_entities=row.visible_entities,
    )


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _is_contention(exc: OperationalError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message
