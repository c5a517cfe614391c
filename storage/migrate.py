"""Bring a database's schema to the newest migration; every entry point calls this at start-up."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from storage.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"

_PG_MIGRATION_LOCK = int.from_bytes(b"SPORTEL", "big")
"""Advisory lock key ("SPORTEL") held while migrating, so that processes starting together take turns."""


def alembic_config() -> Config:
    from alembic.config import Config

    return Config(str(ALEMBIC_INI))


_REVISION = re.compile(r"""^revision(?:\s*:[^=]*)?\s*=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision(?:\s*:[^=]*)?\s*=\s*(None|['"]([^'"]+)['"])\s*$""", re.MULTILINE)


@cache
def shipped_head() -> str | None:
    """The newest revision of the migrations shipped in ``migrations/versions``, read off the scripts'
    ``revision`` and ``down_revision`` lines without loading Alembic (with PostgreSQL's dialect, which it
    brings, a quarter of a second of CPU at every worker start); ``None`` when that reading is not certain
    (a script whose lines are not plain string literals, a merge, several heads): the caller then asks
    Alembic."""
    revisions: dict[str, str | None] = {}
    for script in VERSIONS_DIR.glob("*.py"):
        if script.name == "__init__.py":
            continue
        source = script.read_text(encoding="utf-8")
        found, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(found) != 1 or len(down) != 1 or found[0] in revisions:
            return None
        revisions[found[0]] = down[0][1] if down[0][0] != "None" else None
    heads = set(revisions) - {down for down in revisions.values() if down is not None}
    return heads.pop() if len(heads) == 1 else None


def _at_head(connection: Connection) -> bool:
    """Whether the database records exactly the shipped head revision (no table yet: no)."""
    head = shipped_head()
    if head is None:
        return False
    try:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    finally:
        connection.rollback()  # the read's transaction ends here; the migration opens its own
    return list(rows) == [head]


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
    """Run every pending migration on ``database_url`` (SQLite or PostgreSQL) in one transaction.

    A database already at the shipped head (every start but the first) is only read: one query instead
    of loading Alembic and its scripts. A database at another revision, or one that cannot be told, is
    migrated by Alembic under the migration lock as before; processes racing to a fresh database all take
    that path, and Alembic finds it at head after the first."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if _at_head(connection):
                return
            from alembic import command

            _lock(connection)
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()
