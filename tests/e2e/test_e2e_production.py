"""The same pipeline on the production parts: PostgreSQL, Redis and separate `sportel worker` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from benchmarks.samples.truth import BatchTruth, CorpusTruth
from pipeline.settings import load_settings
from tests.conftest import E2E_SERVICE, REDIS_URL, port_open

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.xdist_group("e2e")]


def test_batch_runs_on_postgres_and_redis_with_separate_worker_processes(
    sample_corpus: tuple[Path, CorpusTruth], postgres_url: str, tmp_path: Path
) -> None:
    from storage.migrate import upgrade
    from workers.local import run_batch
    from workers.manifest import build_manifest

    assert port_open(6379), "Redis is not running on 127.0.0.1:6379 (make services starts it)"
    redis.Redis.from_url(REDIS_URL).flushdb()
    corpus_dir, _ = sample_corpus
    batch = BatchTruth.model_validate(json.loads((corpus_dir / "batch.json").read_text()))
    env = {
        **os.environ,
        "SPORTEL_HOME": str(tmp_path / "home"),
        "SPORTEL_DATABASE_URL": postgres_url,
        "SPORTEL_BROKER": "redis",
        "SPORTEL_BROKER_URL": REDIS_URL,
        "SPORTEL_BLOB_DIR": str(tmp_path / "blobs"),
    }
    settings = load_settings(home=tmp_path / "home", database_url=postgres_url, broker="redis",
                             broker_url=REDIS_URL, blob_dir=tmp_path / "blobs")
    upgrade(postgres_url)
    sportel = str(Path(sys.executable).with_name("sportel"))
    workers = [
        # As the README deploys them: intake with the page work, the documents' steps apart.
        subprocess.Popen([sportel, "worker", "--processes", "1", "--threads", "1", "--queue", "pages",
                          "--queue", "intake"], env=env),
        subprocess.Popen([sportel, "worker", "--processes", "1", "--threads", "2", "--queue", "documents"],
                         env=env),
    ]
    try:
        result = run_batch(settings, [corpus_dir / batch.file], service_id=E2E_SERVICE,
                           case_id="C-PROD-0001", timeout_s=1200)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    manifest = build_manifest(settings, result.batch_id)
    assert manifest.batch_status == "done"
    by_range = {tuple(d.page_range): d for d in manifest.documents}
    for truth in batch.documents:
        document = by_range[(truth.first_page, truth.last_page)]
        assert document.type == truth.document_type
        assert document.redaction_verified is True
        assert document.signature is not None and document.signature.valid
    assert {item.status for item in manifest.checklist} <= {"present", "missing"}
