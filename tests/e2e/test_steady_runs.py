"""The steady runs of the throughput benchmark: a batch timed after a warm-up batch through the same
running workers, and the floor timed with its models loaded. Figures are not asserted (2 noisy cores):
only that each run measures what it says."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from benchmarks.samples.truth import CorpusTruth
from pipeline.settings import load_settings
from storage import repository as repo
from storage.tables import Batch
from tests.conftest import E2E_SERVICE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _one_page_documents(corpus_dir: Path, corpus: CorpusTruth) -> list[Path]:
    return [corpus_dir / d.file for d in corpus.documents if len(d.pages) == 1 and d.file.endswith(".pdf")]


def test_a_warm_up_batch_runs_first_in_a_case_of_its_own_and_off_the_clock(
    sample_corpus: tuple[Path, CorpusTruth], tmp_path: Path
) -> None:
    from sqlalchemy import select

    from benchmarks.bench import steps_cpu
    from workers.bootstrap import build
    from workers.local import run_batch

    corpus_dir, corpus = sample_corpus
    warm_up, measured = _one_page_documents(corpus_dir, corpus)[:2]
    settings = load_settings(home=tmp_path, broker="stub", worker_threads=2)
    before = time.perf_counter()
    result = run_batch(settings, [measured], service_id=E2E_SERVICE, case_id="C-STEADY", warm_up=[warm_up])
    elapsed = time.perf_counter() - before

    broker, context = build(settings)
    try:
        with repo.session_scope(context.session_factory) as session:
            batches = session.execute(select(Batch.id, Batch.case_id, Batch.status, Batch.created_at)
                                      .order_by(Batch.created_at)).all()
            measured_documents = repo.documents_of_batch(session, result.batch_id)
            assert len(measured_documents) == 1 and measured_documents[0].status in ("released", "review")
    finally:
        broker.close()
    assert len(batches) == 2, "the warm-up is a batch of its own"
    warm_batch, timed_batch = batches
    assert timed_batch.id == result.batch_id and timed_batch.case_id == "C-STEADY"
    assert warm_batch.case_id != "C-STEADY", "the warm-up must not add documents to the measured case"
    assert warm_batch.status == "done" and timed_batch.status == "done"
    # The clock covers the measured batch only: less than the whole call, which also ran the warm-up.
    assert 0 < result.batch_seconds < result.seconds <= elapsed
    assert result.batch_cpu_seconds > 0

    # The bench's breakdown of the measured batch: its steps only, within the process's CPU over the span.
    steps = steps_cpu(settings.resolved_database_url, result.batch_id)
    assert {"intake", "ocr", "classify_document", "redact_document", "sign_document"} <= steps.keys()
    assert all(cpu > 0 for cpu in steps.values())
    assert list(steps.values()) == sorted(steps.values(), reverse=True)
    assert sum(steps.values()) <= result.batch_cpu_seconds


def test_the_floor_reads_every_page_cold_and_steady(sample_corpus: tuple[Path, CorpusTruth], tmp_path: Path) -> None:
    from benchmarks.bench import run_floor

    corpus_dir, corpus = sample_corpus
    pdf = _one_page_documents(corpus_dir, corpus)[0]
    cold, steady = run_floor(pdf, tmp_path, jobs=1, lang="sqi+eng", dpi=300, engine="tesserocr")
    assert steady is not None
    assert cold.pages == steady.pages == 1
    # The cold run also started a process and loaded a model: it cannot have cost less CPU than one read.
    assert 0 < steady.cpu_seconds < cold.cpu_seconds
    assert steady.seconds > 0


@pytest.mark.services
def test_the_production_shape_runs_steady_on_workers_it_starts(sample_corpus: tuple[Path, CorpusTruth],
                                                               tmp_path: Path) -> None:
    from benchmarks.bench import ProductionParts, run_sportel_production
    from tests.conftest import POSTGRES_ADMIN_URL, port_open

    assert port_open(5432) and port_open(6379), "PostgreSQL and Redis must run (make services starts them)"
    corpus_dir, corpus = sample_corpus
    warm_up, measured = _one_page_documents(corpus_dir, corpus)[:2]
    parts = ProductionParts(POSTGRES_ADMIN_URL, "redis://127.0.0.1:6379/14")
    before = time.perf_counter()
    figure, peaks = run_sportel_production(measured, tmp_path, jobs=1, service_id=E2E_SERVICE, pages=1,
                                           engine="tesserocr", parts=parts, warm_up=[warm_up])
    elapsed = time.perf_counter() - before

    assert figure.name == "sportel-production-steady"
    # The clock covers the measured batch from its submission: not the workers' start, the warm-up batch
    # (a call of its own before it) nor the submitting command's set-up (its whole call, in its timings).
    timings = json.loads((tmp_path / "prod-steady-timings.json").read_text(encoding="utf-8"))
    assert 0 < figure.seconds == timings["batch_seconds"] < timings["seconds"] < elapsed
    assert figure.cpu_seconds > 0  # the worker processes' over that batch
    assert set(peaks) == {"pages-1", "documents"} and all(peak > 100 for peak in peaks.values())
    assert figure.peak_rss_mb == max(peaks.values())
