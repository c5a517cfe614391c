"""Throughput and memory benchmark: Sportel end to end against the bare OCR engine and OCRmyPDF.

All three run in the same invocation, on the same pages, with the same number of parallel processes, so
that the figures are ratios that survive a noisy 2-core machine:

- **floor**: the OCR engine the pipeline uses, run bare (the tesserocr binding with its model loaded once
  per process, or the ``tesseract`` command; one thread per process, ``OMP_THREAD_LIMIT=1``) on the
  batch's page images, one process per job; run before and after Sportel and averaged;
- **sportel**: ``sportel process`` on the batch PDF, intake to signed case, redaction verification
  included, in a fresh embedded home; its peak RSS is the kernel's ``ru_maxrss`` of that process;
- **ocrmypdf**: ``ocrmypdf --deskew -l sqi+eng --jobs N`` on the same PDF.

Each run gives pages per minute of wall time (the figure the issue names) and pages per CPU-minute of
its processes (user + system, from the kernel's rusage): on a machine shared with other work, the
second barely moves with the load while the first can swing by half.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2

from stages.intake import read_input
from stages.ocr import tessdata_dir
from stages.pki import ensure_demo_pki
from storage.db import temporary_database


@dataclass
class RunFigure:
    name: str
    seconds: float
    pages: int
    cpu_seconds: float = 0.0
    """User plus system CPU time of the run's processes: what a noisy machine's other load barely moves."""
    peak_rss_mb: float | None = None

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def pages_per_cpu_minute(self) -> float:
        return 60.0 * self.pages / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


@dataclass
class BenchResult:
    pages: int
    jobs: int
    engine: str
    runs: list[RunFigure] = field(default_factory=list)
    worker_peaks_mb: dict[str, float] = field(default_factory=dict)
    """Peak RSS of each worker process of the production run."""

    def figure(self, name: str) -> RunFigure | None:
        return next((r for r in self.runs if r.name == name), None)

    def ratios(self) -> dict[str, float]:
        floor, ocrmypdf = self.figure("floor"), self.figure("ocrmypdf")
        out: dict[str, float] = {}
        for sportel in (self.figure("sportel"), self.figure("sportel-production")):
            if sportel is None:
                continue
            if floor:
                out[f"{sportel.name}_vs_floor"] = sportel.pages_per_minute / floor.pages_per_minute
                out[f"{sportel.name}_vs_floor_cpu"] = sportel.pages_per_cpu_minute / floor.pages_per_cpu_minute
            if ocrmypdf:
                out[f"{sportel.name}_vs_ocrmypdf"] = sportel.pages_per_minute / ocrmypdf.pages_per_minute
                out[f"{sportel.name}_vs_ocrmypdf_cpu"] = sportel.pages_per_cpu_minute / ocrmypdf.pages_per_cpu_minute
        return out

    def to_json(self) -> str:
        return json.dumps({
            "pages": self.pages, "jobs": self.jobs, "engine": self.engine,
            "runs": [{**asdict(r), "pages_per_minute": round(r.pages_per_minute, 2),
                      "pages_per_cpu_minute": round(r.pages_per_cpu_minute, 2)} for r in self.runs],
            "ratios": {k: round(v, 3) for k, v in self.ratios().items()},
            "worker_peaks_mb": self.worker_peaks_mb,
        }, indent=2)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _single_thread_env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _page_images(pdf: Path, work: Path, dpi: int) -> list[Path]:
    result = read_input(pdf.read_bytes(), pdf.name, dpi=dpi)
    paths = []
    for page in result.pages:
        path = work / f"floor-{page.source_index:04d}.pgm"  # uncompressed: reading it costs nothing
        cv2.imwrite(str(path), page.image)
        paths.append(path)
    return paths


_floor_api: Any = None


def _floor_start(lang: str, tessdata: str) -> None:
    global _floor_api
    import tesserocr

    _floor_api = tesserocr.PyTessBaseAPI(path=tessdata, lang=lang, psm=3)


def _floor_read(path: str, dpi: int) -> int:
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise RuntimeError("a floor page image could not be read back")
    height, width = image.shape
    _floor_api.SetImageBytes(image.tobytes(), width, height, 1, width)
    _floor_api.SetSourceResolution(dpi)
    _floor_api.Recognize()
    return len(_floor_api.GetTSVText(0) or "")


def run_floor(pdf: Path, work: Path, *, jobs: int, lang: str, dpi: int, engine: str) -> RunFigure:
    """The OCR engine the pipeline uses, bare, on the batch's page images: the fastest this machine can
    read these pages. ``tesseract-cli``: the command, a process a page; ``tesserocr``: the same binding,
    one process per job with its model loaded once, fed decoded pixels."""
    paths = _page_images(pdf, work, dpi)
    env = _single_thread_env()
    cpu, start = _children_cpu(), time.perf_counter()
    if engine == "tesserocr":
        os.environ["OMP_THREAD_LIMIT"] = "1"
        context = multiprocessing.get_context("spawn")  # a clean process, as a worker host would have
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_floor_start,
                                 initargs=(lang, str(tessdata_dir()))) as processes:
            list(processes.map(_floor_read, [str(p) for p in paths], [dpi] * len(paths)))
    else:
        def ocr(path: Path) -> None:
            subprocess.run(["tesseract", str(path), str(path.with_suffix("")), "--dpi", str(dpi), "-l", lang,
                            "tsv"], env=env, check=True, capture_output=True)

        with ThreadPoolExecutor(max_workers=jobs) as threads:
            list(threads.map(ocr, paths))
    return RunFigure("floor", time.perf_counter() - start, len(paths), cpu_seconds=_children_cpu() - cpu)


def _mean_floor(first: RunFigure, second: RunFigure) -> RunFigure:
    """The floor measured before and after Sportel, averaged: load that comes and goes on a shared
    machine then weighs on both sides of the ratio alike."""
    return RunFigure("floor", (first.seconds + second.seconds) / 2, first.pages,
                     cpu_seconds=(first.cpu_seconds + second.cpu_seconds) / 2)


def run_sportel(pdf: Path, work: Path, *, jobs: int, service_id: str, pages: int, engine: str) -> RunFigure:
    """``sportel process`` end to end in a fresh embedded home, as a separate process: the embedded
    default runs the workers' actors in that one process, so its peak RSS is a worker process's."""
    home = work / "sportel-home"
    env = {**_single_thread_env(), "SPORTEL_WORKER_THREADS": str(jobs), "SPORTEL_OCR_ENGINE": engine}
    sportel = str(Path(sys.executable).with_name("sportel"))
    # The demo key pair is made once per installation, not per batch (as in benchmarks.signing).
    if not env.get("SPORTEL_SIGN_PKCS12") and not env.get("SPORTEL_SIGN_PKCS11_MODULE"):
        ensure_demo_pki(home / "pki")
    start = time.perf_counter()
    proc = subprocess.Popen([sportel, "process", str(pdf), "--service", service_id, "--home", str(home),
                             "--out", str(work / "sportel-out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"sportel process exited with {proc.returncode}")
    return RunFigure("sportel", seconds, pages, cpu_seconds=usage.ru_utime + usage.ru_stime,
                     peak_rss_mb=round(usage.ru_maxrss / 1024, 1))


@dataclass(frozen=True)
class ProductionParts:
    """Where the production run finds its servers: a PostgreSQL account that may create databases (a
    fresh one is made for the run and dropped after) and a Redis database it may empty."""

    postgres_admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    redis_url: str = "redis://127.0.0.1:6379/13"


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def _peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of resident memory of one process (``VmHWM``), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_sportel_production(pdf: Path, work: Path, *, jobs: int, service_id: str, pages: int, engine: str,
                           parts: ProductionParts) -> tuple[RunFigure, dict[str, float]]:
    """The production shape on this one host: PostgreSQL, Redis and separate ``sportel worker``
    processes, ``jobs`` for the ``pages`` queue (one thread each, as the floor has one process per job) and
    one for ``intake`` and ``documents``; ``sportel process`` submits the batch and waits for it.

    The clock and the CPU count start before the workers do (their start-up is paid here, although a
    real deployment pays it once a day). Returns the run and each worker process's peak RSS
    (``VmHWM``, read just before it is stopped), keyed ``pages-1``..., ``documents``."""
    import redis

    from storage.migrate import upgrade

    redis.Redis.from_url(parts.redis_url).flushdb()
    sportel = str(Path(sys.executable).with_name("sportel"))
    with temporary_database(parts.postgres_admin_url, "sportel_bench") as database_url:
        upgrade(database_url)  # before the workers start: they would all migrate at once otherwise
        if not os.environ.get("SPORTEL_SIGN_PKCS12") and not os.environ.get("SPORTEL_SIGN_PKCS11_MODULE"):
            ensure_demo_pki(work / "prod-home" / "pki")
        env = {**_single_thread_env(), "SPORTEL_OCR_ENGINE": engine, "SPORTEL_HOME": str(work / "prod-home"),
               "SPORTEL_DATABASE_URL": database_url, "SPORTEL_BROKER": "redis",
               "SPORTEL_BROKER_URL": parts.redis_url, "SPORTEL_BLOB_DIR": str(work / "prod-blobs")}
        cpu, start = _children_cpu(), time.perf_counter()
        workers = {f"pages-{n + 1}": subprocess.Popen(
            [sportel, "worker", "--processes", "1", "--threads", "1", "--queue", "pages"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(jobs)}
        workers["documents"] = subprocess.Popen(
            [sportel, "worker", "--processes", "1", "--threads", "1", "--queue", "intake", "--queue",
             "documents"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks: dict[str, float] = {}
        try:
            completed = subprocess.run(
                [sportel, "process", str(pdf), "--service", service_id, "--out", str(work / "prod-out")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            seconds = time.perf_counter() - start
            for name, worker in workers.items():
                peaks[name] = round(max(_peak_rss_mb(pid) for pid in _descendants(worker.pid)), 1)
        finally:
            for worker in workers.values():
                worker.terminate()
            for worker in workers.values():
                worker.wait(timeout=120)
        if completed.returncode != 0:
            raise RuntimeError(f"sportel process exited with {completed.returncode}: {completed.stderr[-1500:]}")
    figure = RunFigure("sportel-production", seconds, pages, cpu_seconds=_children_cpu() - cpu,
                       peak_rss_mb=max(peaks.values()))
    return figure, peaks


def run_ocrmypdf(pdf: Path, work: Path, *, jobs: int, lang: str, pages: int) -> RunFigure:
    ocrmypdf = str(Path(sys.executable).with_name("ocrmypdf"))
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run([ocrmypdf, "--deskew", "-l", lang, "--jobs", str(jobs), "--output-type", "pdf",
                    str(pdf), str(work / "ocrmypdf.pdf")], env=_single_thread_env(), check=True,
                   capture_output=True)
    return RunFigure("ocrmypdf", time.perf_counter() - start, pages, cpu_seconds=_children_cpu() - cpu)


def run_benchmark(pdf: Path, *, service_id: str, jobs: int = os.cpu_count() or 1, lang: str = "sqi+eng",
                  dpi: int = 300, with_ocrmypdf: bool = True, engine: str = "tesserocr",
                  production: ProductionParts | None = None) -> BenchResult:
    """Floor, Sportel embedded (and, given ``production``, Sportel on PostgreSQL and Redis with separate
    worker processes), then the floor again, then OCRmyPDF."""
    with tempfile.TemporaryDirectory(prefix="sportel-bench-") as tmp:
        work = Path(tmp)
        before = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        sportel = run_sportel(pdf, work, jobs=jobs, service_id=service_id, pages=before.pages, engine=engine)
        runs = [sportel]
        if production is not None:
            shaped, peaks = run_sportel_production(pdf, work, jobs=jobs, service_id=service_id,
                                                   pages=before.pages, engine=engine, parts=production)
            runs.append(shaped)
        after = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        result = BenchResult(pages=before.pages, jobs=jobs, engine=engine, runs=[_mean_floor(before, after), *runs])
        if production is not None:
            result.worker_peaks_mb = peaks
        if with_ocrmypdf:
            result.runs.append(run_ocrmypdf(pdf, work, jobs=jobs, lang=lang, pages=before.pages))
    return result
