"""The composition root of a worker process: settings -> adapters -> broker -> actors.

``sportel worker`` starts dramatiq's own worker CLI with ``workers.bootstrap:setup`` as its broker
callable; dramatiq calls it in every worker process it forks.
"""

from __future__ import annotations

import dramatiq

from pipeline.settings import Settings, load_settings
from storage.migrate import upgrade
from workers.actors import declare_actors
from workers.broker import make_broker
from workers.context import WorkerContext


def build(settings: Settings, *, migrate: bool = True) -> tuple[dramatiq.Broker, WorkerContext]:
    """Wire one process: run migrations, build adapters and the broker, declare the actors."""
    if migrate:
        upgrade(settings.resolved_database_url)
    context = WorkerContext.from_settings(settings)
    broker = make_broker(settings)
    declare_actors(broker, lambda: context)
    return broker, context


def setup() -> None:
    """Entry point for dramatiq's CLI: settings come from the environment (``SPORTEL_*``)."""
    build(load_settings())
