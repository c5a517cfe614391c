"""Alembic environment: Sportel's metadata, one transaction per upgrade, batch mode on SQLite.

:func:`storage.migrate.upgrade` hands in a connection that already holds the migration lock; the
``alembic`` command line gets its own connection from ``sqlalchemy.url`` or Sportel's settings.
"""

from __future__ import annotations

import importlib
import importlib.util

from alembic import context
from sqlalchemy import Connection

import storage.tables  # noqa: F401  (registers the tables on Base.metadata)
from storage.base import Base

# Another module may add audit tables; their migrations live here too, so their metadata must be known.
if importlib.util.find_spec("storage.audit_tables") is not None:
    importlib.import_module("storage.audit_tables")

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from pipeline.settings import load_settings

    return load_settings().resolved_database_url


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if context.is_offline_mode():
        url = _database_url()
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        return
    from storage.db import make_engine

    engine = make_engine(_database_url())
    try:
        with engine.connect() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


main()
