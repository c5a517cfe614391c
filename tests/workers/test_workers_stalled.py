"""With the in-process broker, a batch that can no longer end (no message left anywhere, work unfinished)
has its unfinished work sent again, as a production broker redelivers; stalled again, it is reported at
once instead of the caller waiting out its timeout (an hour by default)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

import workers.steps
from pipeline.errors import BatchStalledError
from pipeline.settings import load_settings
from storage import repository as repo
from tests.conftest import E2E_SERVICE
from tests.workers.conftest import text_page
from workers.context import WorkerContext
from workers.local import run_batch
from workers.stalls import idle
from workers.steps import Next


@pytest.fixture
def stub() -> Iterator[StubBroker]:
    broker = StubBroker()
    for middleware in [m for m in broker.middleware if isinstance(m, Retries)]:
        broker.middleware.remove(middleware)
    broker.add_middleware(Retries(max_retries=1, min_backoff=60_000, max_backoff=60_000))
    yield broker
    broker.close()


def test_a_queued_message_a_running_one_and_a_delayed_retry_are_not_idle(stub: StubBroker) -> None:
    release, started = threading.Event(), threading.Event()

    def slow(subject_id: str) -> None:
        started.set()
        release.wait(30)

    def failing(subject_id: str) -> None:
        raise RuntimeError("tried again in a minute")

    dramatiq.actor(actor_name="slow", broker=stub)(slow)
    dramatiq.actor(actor_name="failing", broker=stub)(failing)
    assert idle(stub)

    stub.get_actor("slow").send("subject")
    assert not idle(stub)  # queued, no worker yet
    worker = dramatiq.Worker(stub, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        assert started.wait(30)
        assert not idle(stub)  # taken by a worker thread, not yet acknowledged
        release.set()
        stub.join("default", fail_fast=False)
        assert idle(stub)

        stub.get_actor("failing").send("subject")
        deadline = time.monotonic() + 30
        while stub.queues["default"].unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stub.queues["default"].unfinished_tasks == 0  # failed once, acknowledged
        assert not idle(stub)  # its retry waits out a minute's delay
    finally:
        worker.stop()


def test_a_production_broker_is_never_taken_for_idle() -> None:
    class Elsewhere(dramatiq.Broker):
        pass

    assert not idle(Elsewhere())


def test_a_batch_whose_last_step_never_ends_it_is_reported_stalled(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    attached: list[str] = []

    def attach_nothing(ctx: WorkerContext, document_id: str) -> list[Next]:
        attached.append(document_id)
        return []  # a fault: the document is never attached, so the batch can never end

    monkeypatch.setitem(workers.steps.STEPS, "attach_document", attach_nothing)
    settings = load_settings(home=tmp_path / "home", broker="stub", worker_threads=1)

    with pytest.raises(BatchStalledError, match=r"stalled: no message .* 0 pages and 1 documents are unfinished"):
        run_batch(settings, [text_page(tmp_path / "page.png")], service_id=E2E_SERVICE, timeout_s=300)
    # Sent again once, from its last page through the steps already done, and stalled again.
    assert len(attached) == 2 and len(set(attached)) == 1
    assert "stalled with no message left; its unfinished work is sent again (1 messages)" in caplog.text
    context = WorkerContext.from_settings(settings)
    with repo.session_scope(context.session_factory) as session:  # given up, not left "processing"
        [batch_id] = [m.group(1) for m in re.finditer(r"batch (\S+) stalled again", caplog.text)]
        batch = repo.get_batch(session, batch_id)
        assert (batch.status, batch.error_code) == ("failed", "batch_stalled")


def test_a_lost_message_is_sent_again_and_the_batch_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = workers.steps.STEPS["classify_document"]
    calls: list[str] = []

    def classify_losing_its_first_message(ctx: WorkerContext, document_id: str) -> list[Next]:
        calls.append(document_id)
        following = real(ctx, document_id)
        return [] if len(calls) == 1 else following  # the first time, the next message is lost

    monkeypatch.setitem(workers.steps.STEPS, "classify_document", classify_losing_its_first_message)
    settings = load_settings(home=tmp_path / "home", broker="stub", worker_threads=1)

    result = run_batch(settings, [text_page(tmp_path / "page.png")], service_id=E2E_SERVICE, timeout_s=300)

    context = WorkerContext.from_settings(settings)
    with repo.session_scope(context.session_factory) as session:
        assert repo.get_batch(session, result.batch_id).status == "done"
        [document] = repo.documents_of_batch(session, result.batch_id)
        assert document.status == "released" and document.signed_searchable_blob is not None
    assert len(calls) == 2  # classified once; the second call found the result and moved on
