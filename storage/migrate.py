"""Bring a database's schema to the newest migration; every entry point calls this at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from storage.db import make_engine

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")

_PG_MIGRATION_LOCK = int.from_bytes(b"SPORTEL", "big")
"""Advisory lock key ("SPORTEL") held while migrating, so that processes starting together take turns."""


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def _lock(connection: Connection) -> None:
    """Begin the migration transaction holding a database-wide lock, released at commit.

    Worker processes start at the same time and all call :func:`upgrade`; the first migrates, the others
    wait and then find the schema at head.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        # The sqlite3 driver would not open a transaction for DDL; an immediate one also makes every
        # other writer wait (busy timeout) until the schema is complete.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(database_url: str) -> None:
    """Run every pending migration on ``database_url`` (SQLite or PostgreSQL) in one transaction."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            _lock(connection)
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()
