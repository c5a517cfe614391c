"""Submitting a batch and waiting for its case: in-process (the embedded default's stub broker with
worker threads running the same actors as production) or against a production broker whose workers run
elsewhere. Settings decide which; the code path is the same."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from pipeline.errors import BatchStalledError, InputError, QueueUnavailableError
from pipeline.settings import Settings
from storage import repository as repo
from workers.bootstrap import build
from workers.context import WorkerContext
from workers.stalls import StallSweeper

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}


@dataclass(frozen=True)
class Progress:
    pages_done: int
    pages_total: int
    documents_done: int
    documents_total: int
    batch_status: str


@dataclass(frozen=True)
class RunResult:
    case_id: str
    batch_id: str
    seconds: float
    """From the call to the batch's end: the workers' start included."""
    batch_seconds: float = 0.0
    """From the batch's submission to its end: intake to signed case, the workers already running."""
    batch_cpu_seconds: float = 0.0
    """CPU time of this whole process (every thread) over :attr:`batch_seconds`; with a production broker
    the work is done elsewhere and this is only the waiting."""


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and the supported files inside folders, in a stable order."""
    files: list[Path] = []
    for position, path in enumerate(paths, start=1):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            # File names at a desk often carry the citizen's name: say which argument, not its name.
            raise InputError(f"input argument {position} is neither a file nor a folder")
    if not files:
        raise InputError("no input files (PDF, TIFF, PNG or JPEG) given")
    return files


def submit_batch(context: WorkerContext, broker: dramatiq.Broker, files: Sequence[Path], *,
                 service_id: str, case_id: str | None, station: str = "cli") -> tuple[str, str]:
    """Store the files as blobs, record the case and batch, and enqueue the intake. Returns (case, batch)."""
    context.catalog.service(service_id)  # unknown service: a clear error before anything is stored
    with repo.session_scope(context.session_factory) as session:
        case = repo.get_or_create_case(session, case_id, service_id)
        batch = repo.create_batch(session, case_id=case.id, station=station)
        for path in files:
            data = path.read_bytes()
            repo.add_input_file(session, batch_id=batch.id, filename=path.name, data_sha256=context.blobs.put(data),
                                size_bytes=len(data))
        case_id, batch_id = case.id, batch.id
    try:
        broker.get_actor("intake").send(batch_id)
    except Exception as exc:  # redis', pika's and dramatiq's connection errors have no common base
        with repo.session_scope(context.session_factory) as session:
            repo.fail_batch(session, batch_id, QueueUnavailableError.code)
        log.error("batch %s could not be queued (%s); it is recorded as failed", batch_id, type(exc).__name__)
        raise QueueUnavailableError(
            f"the {type(broker).__name__} could not take batch {batch_id}; upload it again once the broker is back"
        ) from None
    return case_id, batch_id


PROGRESS_POLL_S = 0.5
"""How often the batch's progress is read: often enough for a progress bar, seldom enough that the
queries take no noticeable share of the CPU the worker threads beside them need (at 0.2 s they took a few
per cent of a run). With the in-process workers it is also read as soon as a step that may end the batch
ends (:class:`BatchMayHaveEnded`)."""


class BatchMayHaveEnded(Middleware):
    """Wakes the waiting caller when a message that may have ended a batch is done: a document attached to
    its case (the last one ends the batch), or a message that failed (a failed intake ends it). Without it
    the caller would notice the end up to a poll interval late, a quarter of a second on average that a
    one-off ``sportel process`` waits with both cores idle."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *, result: object = None,
                              exception: BaseException | None = None) -> None:
        if exception is not None or message.actor_name == "attach_document":
            self.event.set()


def progress_of(context: WorkerContext, batch_id: str) -> Progress:
    with repo.session_scope(context.session_factory) as session:
        return Progress(*repo.batch_progress(session, batch_id))


@contextmanager
def local_workers(settings: Settings) -> Iterator[tuple[dramatiq.Broker, WorkerContext, threading.Event | None]]:
    """The broker and adapters of this process, with the in-process broker's worker threads running
    while the block lasts (with Redis or RabbitMQ the workers are ``sportel worker`` processes); and, with
    those threads, an event set whenever a batch may have ended (:class:`BatchMayHaveEnded`)."""
    broker, context = build(settings)
    worker, ended = None, None
    if settings.broker == "stub":
        # Added last: it runs after the failure recorder has recorded a failed message's end.
        watch = BatchMayHaveEnded()
        broker.add_middleware(watch)
        ended = watch.event
        worker = dramatiq.Worker(broker, worker_threads=settings.worker_threads, worker_timeout=100)
        worker.start()
    try:
        yield broker, context, ended
    finally:
        if worker is not None:
            worker.stop()
        broker.close()


def run_batch(settings: Settings, files: Sequence[Path], *, service_id: str, case_id: str | None = None,
              on_progress: Callable[[Progress], None] | None = None, timeout_s: float = 3600.0,
              station: str = "cli", warm_up: Sequence[Path] = ()) -> RunResult:
    """Run one batch to the end and return its case. With the stub broker the work happens in this
    process; with Redis or RabbitMQ it is done by ``sportel worker`` processes anywhere.

    ``warm_up``: files run first as a batch of their own (a case of their own) through the same workers,
    so that the batch that follows meets them as a long-running deployment would: models loaded, keys
    opened, caches filled. For measuring steady throughput (``sportel bench``)."""
    start = time.perf_counter()
    with local_workers(settings) as (broker, context, ended):
        if warm_up:
            _, warm_batch = submit_batch(context, broker, warm_up, service_id=service_id, case_id=None,
                                         station=station)
            _wait_for(context, warm_batch, None, start + timeout_s, ended, broker)
        submitted, submitted_cpu = time.perf_counter(), time.process_time()
        case_id, batch_id = submit_batch(context, broker, files, service_id=service_id, case_id=case_id,
                                         station=station)
        _wait_for(context, batch_id, on_progress, start + timeout_s, ended, broker)
        done, done_cpu = time.perf_counter(), time.process_time()
    return RunResult(case_id=case_id, batch_id=batch_id, seconds=time.perf_counter() - start,
                     batch_seconds=done - submitted, batch_cpu_seconds=done_cpu - submitted_cpu)


def _wait_for(context: WorkerContext, batch_id: str, on_progress: Callable[[Progress], None] | None,
              deadline: float, ended: threading.Event | None = None, broker: dramatiq.Broker | None = None) -> None:
    """Until the batch is done or failed: its progress read every poll interval, and at once when
    ``ended`` is set.

    With the in-process broker, a batch left unfinished while the broker has stayed idle for the stall
    delay can never end (no message is left to move it on): it is sent again or given up
    as :mod:`workers.stalls` says (:class:`~workers.stalls.StallSweeper`, the same as ``sportel serve``'s),
    and a batch given up (failed as ``batch_stalled``) raises
    :class:`~pipeline.errors.BatchStalledError` rather than waiting out ``deadline``."""
    watch = None if broker is None else StallSweeper(context, broker, among=[batch_id])
    while True:
        if ended is not None:
            ended.clear()  # before reading: an end that comes after the read sets it again
        progress = progress_of(context, batch_id)
        if on_progress is not None:
            on_progress(progress)
        if progress.batch_status in ("done", "failed"):
            return
        if watch is not None and batch_id in watch.sweep():
            raise BatchStalledError(
                f"batch {batch_id} stalled: no message is queued or being processed, yet "
                f"{progress.pages_total - progress.pages_done} pages and "
                f"{progress.documents_total - progress.documents_done} documents are unfinished"
            )
        now = time.perf_counter()
        if now > deadline:
            raise TimeoutError(f"batch {batch_id} did not finish in time")
        if ended is not None:
            ended.wait(PROGRESS_POLL_S)
        else:
            time.sleep(PROGRESS_POLL_S)
