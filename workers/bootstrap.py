"""The composition root of a worker process: settings -> adapters -> broker -> actors.

``sportel worker`` starts dramatiq's own worker CLI with ``workers.bootstrap:setup`` as its broker
callable; dramatiq calls it in every worker process it forks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from pipeline.settings import Settings, load_settings
from storage.migrate import upgrade
from workers.actors import QUEUES, declare_actors
from workers.broker import make_broker
from workers.context import WorkerContext


class OpenSigningAtStart(Middleware):
    """Open the signing key and check its certificate online when a worker starts, not inside the first
    document's sign step: that is set-up of the process, and cost the first document up to a tenth of
    its pipeline time.

    Only a worker that consumes the queue of the sign step opens it (a ``--queue pages`` host never
    signs). A PKCS#12 key is opened once before the worker threads start; a PKCS#11 token gets a session
    per thread, opened in each thread as it starts. Failing here does not stop the worker: the sign
    steps then fail closed with the same error (:func:`workers.signing.open_signing_session`).
    """

    def __init__(self, context: Callable[[], WorkerContext]) -> None:
        self.context = context
        self.signs = False

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        queues = getattr(worker, "consumer_whitelist", None)
        self.signs = not queues or QUEUES["sign_document"] in queues
        if self.signs and not self._per_thread():
            self._open()

    def after_worker_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        if self.signs and self._per_thread():
            self._open()

    def _per_thread(self) -> bool:
        # The settings' own test (a PKCS#11 module wins over a PKCS#12 file), without touching the key.
        return self.context().settings.sign_pkcs11_module is not None

    def _open(self) -> None:
        # Imported here: a process that never starts a worker (`sportel receipt`) need not load pyHanko.
        from workers.signing import open_signing_session

        open_signing_session(self.context())


def build(settings: Settings, *, migrate: bool = True) -> tuple[dramatiq.Broker, WorkerContext]:
    """Wire one process: run migrations, build adapters and the broker, declare the actors."""
    if migrate:
        upgrade(settings.resolved_database_url)
    context = WorkerContext.from_settings(settings)
    broker = make_broker(settings)
    declare_actors(broker, lambda: context)
    broker.add_middleware(OpenSigningAtStart(lambda: context))
    return broker, context


def setup() -> None:
    """Entry point for dramatiq's CLI: settings come from the environment (``SPORTEL_*``)."""
    build(load_settings())
