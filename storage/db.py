"""Engines and sessions: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite writer waits for another one to commit before giving up."""


def _is_memory_sqlite(database: str | None) -> bool:
    return database in (None, "", ":memory:") or (database or "").startswith("file::memory:")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Put the file in WAL mode, which lets the worker threads read while one of them writes.

    Processes that open a new file together all ask for WAL; while one of them switches the file, SQLite
    answers another "database is locked" at once, without its busy handler (10 of 180 upgrades failed so,
    three processes migrating each of 60 fresh files). So the switch is retried here, within the same busy
    timeout as any other write.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def make_engine(url: str) -> Engine:
    """An engine for ``url``, tuned for its backend.

    SQLite: WAL, foreign keys, a busy timeout, and connections usable from the in-process broker's worker
    threads. PostgreSQL: connections checked before use, so a database restart costs no failed message.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    if _is_memory_sqlite(parsed.database):
        # One shared connection, or every thread would see its own empty in-memory database.
        engine = create_engine(parsed, connect_args=connect_args, poolclass=StaticPool)
    else:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args=connect_args)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Rows stay readable after their session commits: steps read ids and fields once the scope closed.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def temporary_database(admin_url: str, prefix: str = "sportel_tmp") -> Iterator[str]:
    """A new, empty PostgreSQL database ``<prefix>_<random>`` beside the one ``admin_url`` names (its account
    may create databases), yielded as a URL and dropped afterwards, open connections and all: for tests and
    benchmarks that must not touch anyone's data."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()
