"""Signing's share of pipeline time, per document and overall, from the timings the pipeline records.

``sportel process`` runs on a sample batch as a separate process (as in :mod:`benchmarks.bench`), in a fresh
embedded home; then its ``stage_timings`` table is read back. A document's time is what its own steps took
(classification, redaction, signing, attachment), plus geometry and OCR of its pages, plus its share of the
batch's intake by page count. Signing is the ``sign_document`` step: both outputs sealed at their PAdES
level, and each checked before release. The embedded default's demo key pair is made before the run
starts: it is made once per installation, not per batch.

Each share is given twice: on wall seconds (a step's time includes waiting for a core or the GIL while
the other worker threads run OCR or redaction, so it depends on what ran beside it) and on CPU seconds
(the thread CPU time of each step, what the step itself cost).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from stages.pki import ensure_demo_pki
from storage.db import make_engine, make_session_factory, session_scope
from storage.tables import Document, Page, StageTiming

SIGN_STEP = "sign_document"
_PAGE_STEPS = frozenset({"geometry", "ocr", "process_page"})


@dataclass(frozen=True)
class DocumentShare:
    document_id: str
    pages: int
    signatures: int
    total_seconds: float
    signing_seconds: float
    total_cpu_seconds: float = 0.0
    signing_cpu_seconds: float = 0.0

    @property
    def share(self) -> float:
        return _ratio(self.signing_seconds, self.total_seconds)

    @property
    def cpu_share(self) -> float:
        return _ratio(self.signing_cpu_seconds, self.total_cpu_seconds)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


@dataclass
class SigningShare:
    wall_seconds: float
    documents: list[DocumentShare] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(d.total_seconds for d in self.documents)

    @property
    def signing_seconds(self) -> float:
        return sum(d.signing_seconds for d in self.documents)

    @property
    def share(self) -> float:
        return _ratio(self.signing_seconds, self.total_seconds)

    @property
    def total_cpu_seconds(self) -> float:
        return sum(d.total_cpu_seconds for d in self.documents)

    @property
    def signing_cpu_seconds(self) -> float:
        return sum(d.signing_cpu_seconds for d in self.documents)

    @property
    def cpu_share(self) -> float:
        return _ratio(self.signing_cpu_seconds, self.total_cpu_seconds)

    @property
    def signatures(self) -> int:
        return sum(d.signatures for d in self.documents)

    @property
    def ms_per_signature(self) -> float:
        return 1000.0 * self.signing_seconds / self.signatures if self.signatures else 0.0

    @property
    def cpu_ms_per_signature(self) -> float:
        return 1000.0 * self.signing_cpu_seconds / self.signatures if self.signatures else 0.0

    @property
    def worst_document_share(self) -> float:
        return max((d.share for d in self.documents), default=0.0)

    @property
    def worst_document_cpu_share(self) -> float:
        return max((d.cpu_share for d in self.documents), default=0.0)

    def to_json(self) -> str:
        return json.dumps({
            "wall_seconds": round(self.wall_seconds, 2),
            "total_step_seconds": round(self.total_seconds, 3),
            "signing_seconds": round(self.signing_seconds, 3),
            "signing_share": round(self.share, 4),
            "worst_document_share": round(self.worst_document_share, 4),
            "total_step_cpu_seconds": round(self.total_cpu_seconds, 3),
            "signing_cpu_seconds": round(self.signing_cpu_seconds, 3),
            "signing_cpu_share": round(self.cpu_share, 4),
            "worst_document_cpu_share": round(self.worst_document_cpu_share, 4),
            "signatures": self.signatures,
            "ms_per_signature": round(self.ms_per_signature, 1),
            "cpu_ms_per_signature": round(self.cpu_ms_per_signature, 1),
            "documents": [{"id": d.document_id, "pages": d.pages, "signatures": d.signatures,
                           "total_seconds": round(d.total_seconds, 3),
                           "signing_seconds": round(d.signing_seconds, 3), "share": round(d.share, 4),
                           "total_cpu_seconds": round(d.total_cpu_seconds, 3),
                           "signing_cpu_seconds": round(d.signing_cpu_seconds, 3),
                           "cpu_share": round(d.cpu_share, 4)}
                          for d in self.documents],
        }, indent=2)


def signing_share(database_url: str, batch_id: str, *, wall_seconds: float = 0.0) -> SigningShare:
    """Signing seconds over all recorded step seconds, per document of ``batch_id`` and overall, on wall
    and on CPU time. A timing without CPU time (recorded before it was) counts as none."""
    factory = make_session_factory(make_engine(database_url))
    with session_scope(factory) as session:
        timings = session.execute(
            select(StageTiming.subject_id, StageTiming.step, StageTiming.seconds, StageTiming.cpu_seconds)
            .where(StageTiming.batch_id == batch_id)
        ).all()
        page_rows = session.execute(select(Page.id, Page.document_id).where(Page.batch_id == batch_id)).all()
        documents = session.execute(
            select(Document.id, Document.signed_searchable_blob, Document.signed_redacted_blob)
            .where(Document.batch_id == batch_id).order_by(Document.index_in_batch)
        ).all()
    document_of_page = {page_id: document_id for page_id, document_id in page_rows if document_id}
    pages_of: dict[str, int] = defaultdict(int)
    for document_id in document_of_page.values():
        pages_of[document_id] += 1
    total_pages = sum(pages_of.values())

    own: dict[str, float] = defaultdict(float)
    signing: dict[str, float] = defaultdict(float)
    own_cpu: dict[str, float] = defaultdict(float)
    signing_cpu: dict[str, float] = defaultdict(float)
    intake = intake_cpu = 0.0
    for subject_id, step, seconds, cpu_seconds in timings:
        cpu = cpu_seconds or 0.0
        if step == "intake":
            intake += seconds
            intake_cpu += cpu
            continue
        document_id = document_of_page.get(subject_id, subject_id) if step in _PAGE_STEPS else subject_id
        own[document_id] += seconds
        own_cpu[document_id] += cpu
        if step == SIGN_STEP:
            signing[document_id] += seconds
            signing_cpu[document_id] += cpu

    result = SigningShare(wall_seconds=wall_seconds)
    for document_id, searchable, redacted in documents:
        pages = pages_of.get(document_id, 0)
        part = pages / total_pages if total_pages else 0.0
        result.documents.append(DocumentShare(
            document_id=document_id, pages=pages,
            signatures=int(searchable is not None) + int(redacted is not None),
            total_seconds=own[document_id] + intake * part, signing_seconds=signing[document_id],
            total_cpu_seconds=own_cpu[document_id] + intake_cpu * part, signing_cpu_seconds=signing_cpu[document_id],
        ))
    return result


def run_signing_benchmark(samples_dir: Path, *, service_id: str, jobs: int,
                          home: Path | None = None) -> SigningShare:
    """``sportel process`` on ``samples_dir/batch.pdf`` in a fresh home (or ``home``), then its shares.

    ``SPORTEL_*`` variables of the caller pass through, so the same command measures other PAdES levels,
    a timestamp authority or a PKCS#11 token.
    """
    import time

    with tempfile.TemporaryDirectory(prefix="sportel-bench-signing-") as tmp:
        home = home or Path(tmp) / "home"
        out = Path(tmp) / "out"
        sportel = str(Path(sys.executable).with_name("sportel"))
        env = {**os.environ, "SPORTEL_WORKER_THREADS": str(jobs), "SPORTEL_HOME": str(home)}
        for embedded_only in ("SPORTEL_DATABASE_URL", "SPORTEL_BROKER", "SPORTEL_BROKER_URL", "SPORTEL_BLOB_BACKEND"):
            env.pop(embedded_only, None)
        # The demo key pair is made once per installation, not per batch: made here, before the clock runs.
        if not env.get("SPORTEL_SIGN_PKCS12") and not env.get("SPORTEL_SIGN_PKCS11_MODULE"):
            ensure_demo_pki(home / "pki")
        start = time.perf_counter()
        completed = subprocess.run(
            [sportel, "process", str(samples_dir / "batch.pdf"), "--service", service_id, "--home", str(home),
             "--out", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        wall = time.perf_counter() - start
        if completed.returncode != 0:
            raise RuntimeError(f"sportel process exited with {completed.returncode}: {completed.stderr[-2000:]}")
        batch_id = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["batch_id"]
        return signing_share(f"sqlite:///{home / 'sportel.db'}", batch_id, wall_seconds=wall)
