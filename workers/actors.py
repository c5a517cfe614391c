"""The dramatiq actors: one per step of :data:`pipeline.plan.ACTOR_STEPS`, a few lines each.

Actors carry ids, never file contents. They are declared on an explicit broker by
:func:`declare_actors`, not at import, so importing this module has no side effects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware

from pipeline.errors import SportelError
from pipeline.plan import ACTOR_STEPS, Step
from workers.context import WorkerContext
from workers.steps import EMITTING_STEPS, STEPS, Next, record_failure

log = logging.getLogger(__name__)

QUEUES: dict[Step, str] = {step: "documents" for step in ACTOR_STEPS}
QUEUES["intake"] = "intake"
QUEUES["process_page"] = "pages"  # OCR-heavy: scale these workers out on their own hosts


def send(broker: dramatiq.Broker, steps: list[Next]) -> None:
    for item in steps:
        broker.get_actor(item.step).send(item.subject_id)


class FailureRecorder(Middleware):
    """When a message has failed for good, record the failure on its page or document so the batch
    finishes and the case shows it, instead of the message vanishing into the dead-letter queue."""

    def __init__(self, context: Callable[[], WorkerContext]) -> None:
        self.context = context

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *, result: object = None,
                              exception: BaseException | None = None) -> None:
        if exception is None or not message.failed:
            return
        step = message.actor_name
        if step not in STEPS:
            return
        subject_id = str(message.args[0])
        code = exception.code if isinstance(exception, SportelError) else "internal"
        log.error("step %s failed for good on %s: %s", step, subject_id, code)
        send(broker, record_failure(self.context(), step, subject_id, code))


class ReleaseMemory(Middleware):
    """Hand the memory a step freed back to the system after every message.

    Tesseract allocates and frees hundreds of thousands of small blocks a page; glibc keeps freed blocks
    in each thread's arena, so a worker's resident size ratchets up to the worst page each thread ever
    read. ``malloc_trim`` returns the free pages (one measurement of a two-thread embedded run on a busy
    machine: 686 MB peak without, 617 MB with).
    """

    def __init__(self) -> None:
        self._trim: Callable[[int], int] | None = None
        try:
            self._trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            self._trim = None  # not glibc (musl, macOS): nothing to trim

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *, result: object = None,
                              exception: BaseException | None = None) -> None:
        if self._trim is not None:
            self._trim(0)


def declare_actors(broker: dramatiq.Broker, context: Callable[[], WorkerContext]) -> None:
    """Declare one actor per step on ``broker``; ``context`` gives the process's adapters."""
    broker.add_middleware(FailureRecorder(context))
    broker.add_middleware(ReleaseMemory())
    for step in ACTOR_STEPS:
        dramatiq.actor(actor_name=step, queue_name=QUEUES[step], broker=broker)(
            _actor_fn(broker, context, STEPS[step], step)
        )


def _actor_fn(broker: dramatiq.Broker, context: Callable[[], WorkerContext],
              run: Callable[[WorkerContext, str], list[Next]], step: Step) -> Callable[[str], None]:
    emitting = EMITTING_STEPS.get(step)

    def emit(steps: list[Next]) -> None:
        send(broker, steps)

    def actor_fn(subject_id: str) -> None:
        if emitting is not None:
            send(broker, emitting(context(), subject_id, emit))
        else:
            send(broker, run(context(), subject_id))

    actor_fn.__name__ = run.__name__
    return actor_fn
