"""Batches the in-process broker can no longer finish, and what is done about them.

A production broker (Redis, RabbitMQ) keeps its messages outside the workers and delivers again what no
worker acknowledged. The embedded default's stub broker keeps them in the process's memory: a message
lost to a fault, or every message of a ``sportel serve`` that was stopped or lost its power, leaves a
batch that no message will ever move on. What the database says of the batch is enough to move it on
again (:func:`unfinished_work`), and every step is idempotent, so work already done is passed over.

A batch counts as stalled when the broker has held no message at all (:func:`idle`) for
:data:`STALLED_AFTER_S` and the batch is still unfinished. Its unfinished work is sent again
(:data:`RESENDS_WHEN_STALLED` times); a batch that stalls once more is failed with the code
``batch_stalled``, so that its station sees it end instead of waiting on it for ever.

Two callers: ``sportel process`` watches its own batch (:func:`workers.local.run_batch`), and ``sportel
serve`` sweeps every unfinished batch (:class:`StallSweeper`), which also takes on, once started, the
batches an earlier run of it left unfinished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from datetime import datetime, timedelta

import dramatiq
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from storage import repository as repo
from storage.tables import Batch, utcnow
from workers.actors import send
from workers.context import WorkerContext
from workers.steps import Next

log = logging.getLogger(__name__)

STALLED_AFTER_S = 2.0
"""How long the in-process broker must stay idle, with a batch unfinished, before the batch counts as
stalled."""
RESENDS_WHEN_STALLED = 1
"""How many times a stalled batch's unfinished work is sent again before the batch is given up."""
SWEEP_S = 1.0
"""How often :class:`StallSweeper` looks at the broker: a query of the broker's queues in memory, and of
the unfinished batches only once the broker has been idle for :data:`STALLED_AFTER_S`."""


def idle(broker: dramatiq.Broker) -> bool:
    """Whether the in-process broker holds no message at all: none queued, none waiting out a retry's
    delay, none taken by a worker thread and not yet acknowledged (a message counts as unfinished from
    its enqueueing to its acknowledgement, which comes after its step has sent the next messages).
    ``False`` for a production broker, whose queues live elsewhere."""
    return isinstance(broker, StubBroker) and all(queue.unfinished_tasks == 0 for queue in broker.queues.values())


def unfinished_work(context: WorkerContext, batch_id: str) -> list[Next]:
    """The messages that take every unfinished part of the batch on from where it stands: the intake of a
    batch not yet taken in; each pending page's reading; for a document whose pages are all read, its
    last page's step again, which (done already) hands the document on to its next step, each later
    step passing over what it finds done; the attachment of a failed document, which also ends the batch
    when it is the last."""
    with repo.session_scope(context.session_factory) as session:
        if repo.get_batch(session, batch_id).status == "received":
            return [Next("intake", batch_id)]
        pages = repo.pages_of_batch(session, batch_id)
        work: list[Next] = []
        for document in repo.documents_of_batch(session, batch_id):
            if document.status == "released":
                continue
            if document.status == "failed":
                work.append(Next("attach_document", document.id))
                continue
            own = [page for page in pages if page.document_id == document.id]
            pending = [Next("process_page", page.id) for page in own if page.status == "pending"]
            if pending:
                work += pending
            elif own:
                work.append(Next("process_page", own[-1].id))
        return work


def resend_or_give_up(context: WorkerContext, broker: dramatiq.Broker, batch_id: str, resent: int) -> bool:
    """Act on a stalled batch that has had its work sent again ``resent`` times already: send it again
    (``True``) or, past :data:`RESENDS_WHEN_STALLED`, fail the batch as ``batch_stalled`` (``False``)."""
    if resent < RESENDS_WHEN_STALLED:
        work = unfinished_work(context, batch_id)
        log.warning("batch %s stalled with no message left; its unfinished work is sent again (%d messages)",
                    batch_id, len(work))
        send(broker, work)
        return True
    with repo.session_scope(context.session_factory) as session:
        if repo.get_batch(session, batch_id).status not in ("done", "failed"):
            repo.fail_batch(session, batch_id, "batch_stalled")
    log.error("batch %s stalled again after its work was sent again; it is failed as batch_stalled", batch_id)
    return False


def unfinished_batches(context: WorkerContext, *, created_before: datetime,
                       among: Collection[str] | None = None) -> list[str]:
    """Ids of the batches neither done nor failed that were recorded before ``created_before`` (only those
    ``among`` these, when given), oldest first. A batch recorded later may be one whose upload has not yet
    sent its intake."""
    query = select(Batch.id).where(Batch.status.in_(("received", "processing")), Batch.created_at < created_before)
    if among is not None:
        query = query.where(Batch.id.in_(list(among)))
    with repo.session_scope(context.session_factory) as session:
        return list(session.scalars(query.order_by(Batch.created_at)))


class StallSweeper:
    """Moves every stalled batch on again, or gives it up (see the module's text): as a thread beside
    ``sportel serve``'s in-process workers (started after them, stopped before them), or called by
    ``sportel process``'s wait for its own batch (``among``), without the thread."""

    def __init__(self, context: WorkerContext, broker: dramatiq.Broker, *,
                 stalled_after_s: float = STALLED_AFTER_S, every_s: float = SWEEP_S,
                 among: Collection[str] | None = None) -> None:
        self._context, self._broker, self._among = context, broker, among
        self._stalled_after = timedelta(seconds=stalled_after_s)
        self._every_s = every_s
        self._resent: dict[str, int] = {}
        self._idle_since: datetime | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sportel-stall-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._every_s):
            try:
                self.sweep()
            except Exception:  # a database that is away for a moment must not end the sweeping
                log.exception("the stall sweep failed; it runs again in %.0f s", self._every_s)

    def sweep(self) -> list[str]:
        """One look: once the broker has been idle for the stall delay, each batch recorded before the
        idle began and still unfinished is sent again or given up. Returns the batches given up."""
        if not idle(self._broker):
            self._idle_since = None
            return []
        now = utcnow()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self._stalled_after:
            return []
        stalled = unfinished_batches(self._context, created_before=self._idle_since, among=self._among)
        self._resent = {batch_id: n for batch_id, n in self._resent.items() if batch_id in stalled}
        given_up = []
        for batch_id in stalled:
            resent = self._resent.get(batch_id, 0)
            if resend_or_give_up(self._context, self._broker, batch_id, resent):
                self._resent[batch_id] = resent + 1
            else:
                self._resent.pop(batch_id, None)
                given_up.append(batch_id)
        self._idle_since = None  # what was sent must be given its time before the next look
        return given_up
