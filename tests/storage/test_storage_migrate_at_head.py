"""A database already at the shipped head is recognised with one query, without loading Alembic; any
other database is still migrated by Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from storage.db import make_engine
from storage.migrate import alembic_config, shipped_head, upgrade
from tests.storage.migrating import migrate_to


def _revision(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_the_shipped_head_read_off_the_scripts_is_alembics() -> None:
    assert shipped_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


_PROBE = """
import sys
import storage.repository
from storage.migrate import upgrade
upgrade(sys.argv[1])
print("alembic" in sys.modules, "sqlalchemy.dialects.postgresql" in sys.modules)
"""


def _upgrade_in_a_new_process(url: str) -> str:
    return subprocess.run([sys.executable, "-c", _PROBE, url], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_database_at_head_is_not_migrated_again_and_alembic_stays_unloaded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sportel.db'}"
    assert _upgrade_in_a_new_process(url) == "True True"  # a fresh database: Alembic migrates it
    assert _revision(url) == [shipped_head()]
    # At head: one query, and neither Alembic nor PostgreSQL's dialect (which Alembic brings) is loaded.
    assert _upgrade_in_a_new_process(url) == "False False"
    assert _revision(url) == [shipped_head()]


def test_a_database_behind_the_head_is_still_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sportel.db'}"
    head = shipped_head()
    assert head is not None
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    migrate_to(url, previous)
    assert _revision(url) == [previous]

    upgrade(url)

    assert _revision(url) == [head]
