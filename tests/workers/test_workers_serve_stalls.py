"""``sportel serve`` with the in-process broker: the batches a stopped run left unfinished are taken on
again when it starts, a lost message is sent again, and a batch that can never end is failed as
``batch_stalled`` rather than shown "processing" for ever."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import dramatiq
import pytest

import workers.steps
from api.state import AppState
from pipeline.settings import Settings, load_settings
from storage import repository as repo
from storage.tables import utcnow
from tests.conftest import E2E_SERVICE
from tests.workers.conftest import text_page
from workers.bootstrap import build
from workers.context import WorkerContext
from workers.local import submit_batch
from workers.stalls import StallSweeper, unfinished_batches
from workers.steps import Next


def _settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home", broker="stub", worker_threads=1)


def _wait_for_end(context: WorkerContext, batch_id: str, timeout_s: float = 240.0) -> tuple[str, str | None]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with repo.session_scope(context.session_factory) as session:
            batch = repo.get_batch(session, batch_id)
            if batch.status in ("done", "failed"):
                return batch.status, batch.error_code
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} did not end in {timeout_s} s")


def _queued(broker: dramatiq.Broker) -> list[tuple[str, str]]:
    """(step, subject) of every message waiting in the in-process broker's queues."""
    found = []
    for queue in broker.queues.values():
        for data in list(queue.queue):
            message = dramatiq.Message.decode(data)
            found.append((message.actor_name, str(message.args[0])))
    return found


def test_unfinished_batches_are_those_neither_done_nor_failed_recorded_before_the_moment(tmp_path: Path) -> None:
    broker, context = build(_settings(tmp_path))
    with repo.session_scope(context.session_factory) as session:
        case = repo.get_or_create_case(session, None, E2E_SERVICE)
        received, processing, done, failed = (repo.create_batch(session, case_id=case.id, station="s").id
                                              for _ in range(4))
        repo.get_batch(session, processing).status = "processing"
        repo.get_batch(session, done).status = "done"
        repo.fail_batch(session, failed, "input_unreadable")
    moment = utcnow() + timedelta(milliseconds=5)
    time.sleep(0.01)
    with repo.session_scope(context.session_factory) as session:
        later = repo.create_batch(session, case_id=case.id, station="s").id

    assert unfinished_batches(context, created_before=moment) == [received, processing]
    assert later in unfinished_batches(context, created_before=utcnow() + timedelta(seconds=1))
    broker.close()


def test_a_batch_recorded_after_the_broker_fell_idle_is_left_to_its_upload(tmp_path: Path) -> None:
    """An upload records its batch, then sends its intake: a batch recorded while the broker was idle may
    be one whose intake is on its way, and sending it again would read it in twice."""
    broker, context = build(_settings(tmp_path))  # no worker threads: what is sent stays queued
    sweeper = StallSweeper(context, broker, stalled_after_s=0.3)
    sweeper.sweep()  # idle from now on
    with repo.session_scope(context.session_factory) as session:
        case = repo.get_or_create_case(session, None, E2E_SERVICE)
        batch_id = repo.create_batch(session, case_id=case.id, station="s").id
    time.sleep(0.4)

    sweeper.sweep()  # idle long enough, but the batch came after the idle began
    assert _queued(broker) == []
    sweeper.sweep()  # a new idle spell begins: the batch was recorded before it
    time.sleep(0.4)
    sweeper.sweep()
    assert _queued(broker) == [("intake", batch_id)]
    broker.close()


@pytest.mark.slow
def test_serve_takes_on_the_batch_a_stopped_run_left_unfinished(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    stopped, context = build(settings)  # a run that stopped before its workers took the batch
    _, batch_id = submit_batch(context, stopped, [text_page(tmp_path / "page.png")], service_id=E2E_SERVICE,
                               case_id=None)
    stopped.close()

    state = AppState.start(settings)
    try:
        assert _wait_for_end(state.context, batch_id) == ("done", None)
    finally:
        state.stop()
    with repo.session_scope(state.context.session_factory) as session:
        [document] = repo.documents_of_batch(session, batch_id)
        assert document.status == "released" and document.signed_searchable_blob is not None


@pytest.mark.slow
def test_serve_sends_a_lost_message_again_and_gives_up_a_batch_that_cannot_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = workers.steps.STEPS["classify_document"]
    classified: list[str] = []
    attached: list[str] = []

    def classify_losing_its_first_message(ctx: WorkerContext, document_id: str) -> list[Next]:
        classified.append(document_id)
        following = real(ctx, document_id)
        return [] if len(classified) == 1 else following

    def attach_nothing(ctx: WorkerContext, document_id: str) -> list[Next]:
        attached.append(document_id)
        return []  # a fault: the document is never attached, so its batch can never end

    monkeypatch.setitem(workers.steps.STEPS, "classify_document", classify_losing_its_first_message)
    monkeypatch.setitem(workers.steps.STEPS, "attach_document", attach_nothing)
    state = AppState.start(_settings(tmp_path))
    try:
        _, batch_id = submit_batch(state.context, state.broker, [text_page(tmp_path / "page.png")],
                                   service_id=E2E_SERVICE, case_id=None)
        assert _wait_for_end(state.context, batch_id) == ("failed", "batch_stalled")
    finally:
        state.stop()
    # The lost message was sent again; the batch, already sent again once, was given up at its next stall.
    assert len(classified) == 2 and len(attached) == 1
