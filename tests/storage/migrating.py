"""Test helper: a database brought to one given revision by Alembic, as an older release left it."""

from __future__ import annotations

from alembic import command

from storage.db import make_engine
from storage.migrate import alembic_config


def migrate_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
