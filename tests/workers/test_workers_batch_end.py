"""With the in-process workers, the caller waiting for a batch is woken as soon as a step that may have
ended the batch is done, instead of at its next poll."""

from __future__ import annotations

from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from workers.local import BatchMayHaveEnded


@pytest.fixture
def running() -> Iterator[tuple[StubBroker, BatchMayHaveEnded]]:
    broker = StubBroker()
    for middleware in [m for m in broker.middleware if isinstance(m, Retries)]:
        broker.middleware.remove(middleware)
    watch = BatchMayHaveEnded()
    broker.add_middleware(watch)
    for name in ("classify_document", "attach_document"):
        dramatiq.actor(actor_name=name, broker=broker)(lambda subject_id: None)

    def intake(subject_id: str) -> None:
        raise RuntimeError("the batch's files are gone")

    dramatiq.actor(actor_name="intake", broker=broker)(intake)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        yield broker, watch
    finally:
        worker.stop()
        broker.close()


def _after(broker: StubBroker, watch: BatchMayHaveEnded, actor: str) -> bool:
    watch.event.clear()
    broker.get_actor(actor).send("subject")
    broker.join(broker.get_actor(actor).queue_name, fail_fast=False)
    return watch.event.is_set()


def test_an_attached_document_or_a_failed_step_wakes_the_caller(running: tuple[StubBroker, BatchMayHaveEnded]) -> None:
    broker, watch = running
    assert _after(broker, watch, "attach_document")
    assert _after(broker, watch, "intake")


def test_a_step_that_cannot_end_a_batch_does_not(running: tuple[StubBroker, BatchMayHaveEnded]) -> None:
    broker, watch = running
    assert not _after(broker, watch, "classify_document")
