"""The composition root of a worker process: settings -> adapters -> broker -> actors.

``sportel worker`` starts dramatiq's own worker CLI with ``workers.bootstrap:setup`` as its broker
callable; dramatiq calls it in every worker process it forks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from pipeline.settings import Settings, load_settings
from storage.migrate import upgrade
from workers.actors import QUEUES, declare_actors
from workers.broker import make_broker
from workers.context import WorkerContext, settle_heap
from workers.heap import use_one_heap

OPEN_SIGNING_THREAD = "sportel-open-signing"


class OpenSigningAtStart(Middleware):
    """Open the signing session when a worker starts (key opened, certificate checked online), in a
    thread of its own, not inside the first document's sign step; until it is open a sign step waits for
    it (:meth:`WorkerContext.cached`).

    In the background because nothing signs in a batch's first seconds: a batch starts with its intake,
    which keeps one worker thread busy while the others wait, and opening the key takes that idle core
    instead of delaying the start by a second. The PII analyzer is not built here: it would hold its
    60 MB through the pages' OCR, the worker's peak of memory, which the first redaction comes after.

    Only a worker that consumes the queue of the sign step opens it (a ``--queue pages`` host never
    signs). A PKCS#12 key is opened once; a PKCS#11 token gets a session per thread, opened in each
    worker thread as it starts. Failing here does not stop the worker: the sign steps then fail closed
    with the same error (:func:`workers.signing.open_signing_session`).
    """

    def __init__(self, context: Callable[[], WorkerContext]) -> None:
        self.context = context
        self.signs = False

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        queues = getattr(worker, "consumer_whitelist", None)
        self.signs = not queues or QUEUES["sign_document"] in queues
        if self.signs and not self._per_thread():
            threading.Thread(target=self._open_signing, name=OPEN_SIGNING_THREAD, daemon=True).start()

    def after_worker_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        if self.signs and self._per_thread():
            self._open_signing()

    def before_worker_thread_shutdown(self, broker: dramatiq.Broker, thread: Any) -> None:
        if self.signs:
            from workers.signing import close_signing_thread

            close_signing_thread(self.context())

    def _per_thread(self) -> bool:
        # The settings' own test (a PKCS#11 module wins over a PKCS#12 file), without touching the key.
        return self.context().settings.sign_pkcs11_module is not None

    def _open_signing(self) -> None:
        # Imported here: a process that never starts a worker (`sportel receipt`) need not load pyHanko.
        from workers.signing import open_signing_session

        open_signing_session(self.context())  # logs and swallows its own failure


class SettleHeapAtStart(Middleware):
    """Settle the heap built so far when a worker starts (:func:`workers.context.settle_heap`), not at
    import: only a worker process wants it."""

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        settle_heap()


def build(settings: Settings, *, migrate: bool = True) -> tuple[dramatiq.Broker, WorkerContext]:
    """Wire one process: run migrations, build adapters and the broker, declare the actors."""
    if migrate:
        upgrade(settings.resolved_database_url)
    context = WorkerContext.from_settings(settings)
    broker = make_broker(settings)
    declare_actors(broker, lambda: context)
    broker.add_middleware(OpenSigningAtStart(lambda: context))
    broker.add_middleware(SettleHeapAtStart())
    return broker, context


def setup() -> None:
    """Entry point for dramatiq's CLI: settings come from the environment (``SPORTEL_*``)."""
    use_one_heap()  # before dramatiq starts this process's worker threads
    build(load_settings())
