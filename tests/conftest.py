"""Fixtures shared across the suite: a generated sample corpus and service URLs."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.samples.truth import BatchTruth, CorpusTruth
from pipeline.manifest import Manifest
from pipeline.settings import Settings, load_settings
from storage.db import temporary_database

E2E_SERVICE = "blq_strehim_invalidet"

POSTGRES_ADMIN_URL = os.environ.get("SPORTEL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SPORTEL_TEST_REDIS", "redis://127.0.0.1:6379/7")
RABBITMQ_URL = os.environ.get("SPORTEL_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    if not port_open(5432):
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (make services starts it)")
    with temporary_database(POSTGRES_ADMIN_URL, "sportel_test") as url:
        yield url


@dataclass(frozen=True)
class PipelineRun:
    settings: Settings
    corpus_dir: Path
    corpus: CorpusTruth
    batch: BatchTruth
    out_dir: Path
    manifest: Manifest


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CorpusTruth]:
    from benchmarks.samples.generate import generate_corpus
    from pipeline.catalog import load_catalog

    service = load_catalog().service(E2E_SERVICE)
    required = [entry.document_types[0] for entry in service.required_documents if entry.document_types]
    out = tmp_path_factory.mktemp("corpus")
    corpus = generate_corpus(out, count=12, seed=20261127, service_required_types=required,
                             service_id=E2E_SERVICE, case_id="C-E2E-0001", straight_twins=False)
    return out, corpus


@pytest.fixture(scope="session")
def embedded_run(sample_corpus: tuple[Path, CorpusTruth], tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    from workers.local import run_batch
    from workers.manifest import export_batch

    corpus_dir, corpus = sample_corpus
    batch = BatchTruth.model_validate(json.loads((corpus_dir / "batch.json").read_text()))
    home = tmp_path_factory.mktemp("home")
    settings = load_settings(home=home, broker="stub", worker_threads=2)
    result = run_batch(settings, [corpus_dir / batch.file], service_id=E2E_SERVICE, case_id=batch.case_id)
    out = home / "out"
    manifest = export_batch(settings, result.batch_id, out)
    return PipelineRun(settings, corpus_dir, corpus, batch, out, manifest)
