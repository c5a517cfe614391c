"""Stage timings: wall and CPU seconds in and out on SQLite and PostgreSQL, and the migration that added
the CPU column keeps the timings recorded before it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage import repository as repo
from storage.db import make_engine, make_session_factory
from storage.migrate import alembic_config, upgrade
from storage.tables import StageTiming
from tests.storage.migrating import migrate_to

CPU_REVISION = "0005_timing_cpu"


def test_timings_keep_wall_and_cpu_seconds(session_factory: sessionmaker[Session]) -> None:
    with repo.session_scope(session_factory) as session:
        case = repo.get_or_create_case(session, None, "svc_test")
        batch_id = repo.create_batch(session, case_id=case.id, station="scanner-1").id
        repo.record_timing(session, batch_id, batch_id, "intake", 0.5, 0.25)
        repo.record_timing(session, batch_id, batch_id, "ocr", 1.5)
    with repo.session_scope(session_factory) as session:
        rows = session.execute(select(StageTiming.step, StageTiming.seconds, StageTiming.cpu_seconds)
                               .where(StageTiming.batch_id == batch_id).order_by(StageTiming.step)).all()
        assert [tuple(row) for row in rows] == [("intake", 0.5, 0.25), ("ocr", 1.5, None)]
        assert sorted(repo.timings_of_batch(session, batch_id)) == [("intake", 0.5), ("ocr", 1.5)]


def test_adding_the_cpu_column_keeps_earlier_timings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sportel.db'}"
    before = ScriptDirectory.from_config(alembic_config()).get_revision(CPU_REVISION).down_revision
    assert isinstance(before, str)
    migrate_to(url, before)
    engine = make_engine(url)
    try:
        # Case and batch through the repository (their tables are unchanged); the timing as the earlier
        # schema stores it, without the CPU column.
        with repo.session_scope(make_session_factory(engine)) as session:
            case = repo.get_or_create_case(session, None, "svc_test")
            batch_id = repo.create_batch(session, case_id=case.id, station="scanner-1").id
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO stage_timings (id, batch_id, subject_id, step, seconds, created_at) "
                        "VALUES ('t1', :batch, :batch, 'intake', 2.5, :at)"),
                {"batch": batch_id, "at": "2026-11-27 10:00:00.000000"},
            )
        upgrade(url)
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT step, seconds, cpu_seconds FROM stage_timings")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("intake", 2.5, None)]
