"""What a worker process sets up when it starts, and only then (no side effects at import or build)."""

from __future__ import annotations

import gc
from pathlib import Path

import dramatiq

from pipeline.settings import load_settings
from workers.bootstrap import build


def test_a_starting_worker_and_each_adapter_it_builds_settle_the_heap(tmp_path: Path) -> None:
    """What lives as long as the process is moved out of the cyclic collector's walks (gc.freeze): when
    the worker starts, and after each costly adapter is built."""
    gc.unfreeze()
    broker, context = build(load_settings(home=tmp_path / "home"))
    # The pages queue only: a worker that never signs opens no key.
    worker = dramatiq.Worker(broker, queues={"pages"}, worker_threads=1, worker_timeout=100)
    try:
        assert gc.get_freeze_count() == 0  # building the broker changes nothing
        worker.start()
        at_start = gc.get_freeze_count()
        assert at_start > 0
        built = context.cached("an adapter", lambda: [[n] for n in range(1000)])  # lists: tracked by the collector
        assert gc.get_freeze_count() >= at_start + len(built)
    finally:
        worker.stop()
        broker.close()
        gc.unfreeze()
