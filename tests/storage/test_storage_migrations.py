"""Migrations: a fresh database reaches head on SQLite and PostgreSQL, matching the ORM tables."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import storage.tables
from storage.base import Base
from storage.db import make_engine, temporary_database
from storage.migrate import alembic_config, upgrade

OUR_TABLES = {
    "cases", "batches", "input_files", "pages", "documents", "pii_findings", "step_results", "checklists",
    "stage_timings",
}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _table_of(diff: Any) -> str:
    """The table an autogenerate diff is about (diffs are tuples, or lists of tuples for modifications)."""
    item = diff[0] if isinstance(diff, list) else diff
    kind: str = item[0]
    if kind in ("add_table", "remove_table"):
        return str(item[1].name)
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return str(item[2])
    return str(item[1].table.name)  # indexes, constraints, foreign keys


def _schema_differences(url: str) -> list[object]:
    """What autogenerate would still change in our tables: nothing, if the migrations match the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    return [diff for diff in diffs if _table_of(diff) in OUR_TABLES]


def _current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _upgrade_in_process(url: str) -> str | None:
    upgrade(url)
    return _current_revision(url)


def _check_fresh_database(url: str) -> None:
    assert _current_revision(url) is None
    upgrade(url)
    assert _current_revision(url) == _head()
    assert _table_names(url) >= OUR_TABLES
    assert _schema_differences(url) == []
    upgrade(url)  # at head already: nothing to do, no error
    assert _current_revision(url) == _head()


def test_models_know_all_tables() -> None:
    assert {table.name for table in Base.metadata.sorted_tables} >= OUR_TABLES
    assert storage.tables.Document.__tablename__ == "documents"


def test_upgrade_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'sportel.db'}"  # missing folder is created
    _check_fresh_database(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_downgrade_to_base_and_back_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sportel.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
    finally:
        engine.dispose()
    assert not (OUR_TABLES & _table_names(url))
    upgrade(url)
    assert _current_revision(url) == _head()


def test_concurrent_upgrades_on_one_fresh_sqlite_file(tmp_path: Path) -> None:
    # Several rounds in processes already started, so that the three upgrades really begin together: the
    # race of switching a new file to WAL failed about one round in six before storage.db retried it.
    urls = [f"sqlite:///{tmp_path / f'sportel{round_}.db'}" for round_ in range(12)]
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        for url in urls:
            revisions = list(pool.map(_upgrade_in_process, [url] * 3))
            assert revisions == [_head()] * 3
    for url in urls:
        assert _schema_differences(url) == []


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own (the session's database is already migrated)."""
    with temporary_database(postgres_url, "sportel_mig") as url:
        yield url


@pytest.mark.services
def test_upgrade_fresh_postgresql(fresh_postgres_url: str) -> None:
    _check_fresh_database(fresh_postgres_url)


@pytest.mark.services
def test_concurrent_upgrades_on_one_fresh_postgresql(fresh_postgres_url: str) -> None:
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        revisions = list(pool.map(_upgrade_in_process, [fresh_postgres_url] * 3))
    assert revisions == [_head()] * 3
    assert _schema_differences(fresh_postgres_url) == []
