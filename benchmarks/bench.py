"""Throughput and memory benchmark: Sportel end to end against the bare OCR engine and OCRmyPDF.

All three run in the same invocation, on the same pages, with the same number of parallel processes, so
that the figures are ratios that survive a noisy 2-core machine:

- **floor**: the OCR engine the pipeline uses, run bare (the tesserocr binding with its model loaded once
  per process, or the ``tesseract`` command; one thread per process, ``OMP_THREAD_LIMIT=1``) on the
  batch's page images, one process per job; run before and after Sportel and averaged;
- **sportel**: ``sportel process`` on the batch PDF, intake to signed case, redaction verification
  included, in a fresh embedded home; its peak RSS is the kernel's ``ru_maxrss`` of that process;
- **ocrmypdf**: ``ocrmypdf --deskew -l sqi+eng --jobs N`` on the same PDF.

Sportel and the floor are each timed twice. Cold: from nothing, process start-up and model loading on
the clock, as a one-off ``sportel process`` pays them. Steady ("sportel-steady", "floor-steady"): the
workers already running, as a deployment meets a batch (a worker starts once and serves batch after batch):
Sportel runs a warm-up batch of two of the corpus's single documents first and the clock covers the batch
after it, from submission to signed case; the floor reads the pages again with its processes started and
models loaded. OCRmyPDF is a one-off command and has only the cold figure. With ``--production`` the
production shape (PostgreSQL, Redis, separate worker processes) is timed both ways too, each on fresh
workers and a fresh database ("sportel-production", "sportel-production-steady").

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
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
from sqlalchemy import func, select

from pipeline.settings import load_settings
from stages.intake import read_input
from stages.ocr import tessdata_dir
from stages.pki import ensure_demo_pki
from storage.db import make_engine, make_session_factory, session_scope, temporary_database
from storage.tables import StageTiming


@dataclass
class RunFigure:
    name: str
    seconds: float
    pages: int
    cpu_seconds: float = 0.0
    """User plus system CPU time of the run's processes: what a noisy machine's other load barely moves."""
    peak_rss_mb: float | None = None
    steps_cpu: dict[str, float] = field(default_factory=dict)
    """Thread CPU seconds by pipeline step, where the run records them (the steady Sportel run)."""

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
    """Peak RSS of each worker process of the production runs (the steady run's marked so)."""
    steady_steps_cpu: dict[str, float] = field(default_factory=dict)
    """Thread CPU seconds of each step over the steady batch, as the pipeline records them, largest first:
    where Sportel's time goes beyond the floor's."""

    def figure(self, name: str) -> RunFigure | None:
        return next((r for r in self.runs if r.name == name), None)

    def ratios(self) -> dict[str, float]:
        floor, ocrmypdf = self.figure("floor"), self.figure("ocrmypdf")
        out: dict[str, float] = {}
        steady_floor = self.figure("floor-steady")
        for steady in (self.figure("sportel-steady"), self.figure("sportel-production-steady")):
            if steady_floor and steady:
                out[f"{steady.name}_vs_floor-steady"] = steady.pages_per_minute / steady_floor.pages_per_minute
                out[f"{steady.name}_vs_floor-steady_cpu"] = (steady.pages_per_cpu_minute
                                                              / steady_floor.pages_per_cpu_minute)
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
            "steady_steps_cpu": {k: round(v, 3) for k, v in self.steady_steps_cpu.items()},
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


def _floor_read(path: str, dpi: int) -> float:
    """Read one page; returns the CPU seconds it took this process."""
    cpu = time.process_time()
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise RuntimeError("a floor page image could not be read back")
    height, width = image.shape
    _floor_api.SetImageBytes(image.tobytes(), width, height, 1, width)
    _floor_api.SetSourceResolution(dpi)
    _floor_api.Recognize()
    _floor_api.GetTSVText(0)
    return time.process_time() - cpu


def _floor_ready(_: int) -> int:
    """Answered by a pool process once its engine is loaded (the initializer ran): its pid."""
    time.sleep(0.2)  # long enough that a process that is ready does not take every probe
    return os.getpid()


def run_floor(pdf: Path, work: Path, *, jobs: int, lang: str, dpi: int,
              engine: str) -> tuple[RunFigure, RunFigure | None]:
    """The OCR engine the pipeline uses, bare, on the batch's page images: the fastest this machine can
    read these pages. ``tesseract-cli``: the command, a process a page; ``tesserocr``: the same binding,
    one process per job with its model loaded once, fed decoded pixels.

    Returns the run from a cold start (processes started and models loaded on the clock) and, with
    ``tesserocr``, the steady run: the same pages read once every process has its model loaded, its CPU
    time summed over the page reads (``None`` with the command, which has no steady state)."""
    paths = _page_images(pdf, work, dpi)
    env = _single_thread_env()
    cpu, start = _children_cpu(), time.perf_counter()
    if engine == "tesserocr":
        os.environ["OMP_THREAD_LIMIT"] = "1"
        context = multiprocessing.get_context("spawn")  # a clean process, as a worker host would have
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_floor_start,
                                 initargs=(lang, str(tessdata_dir()))) as processes:
            list(processes.map(_floor_read, [str(p) for p in paths], [dpi] * len(paths)))
            cold_seconds = time.perf_counter() - start
            ready: set[int] = set()
            while len(ready) < jobs:
                ready.update(processes.map(_floor_ready, range(jobs)))
            steady_start = time.perf_counter()
            page_cpu = list(processes.map(_floor_read, [str(p) for p in paths], [dpi] * len(paths)))
            steady = RunFigure("floor-steady", time.perf_counter() - steady_start, len(paths),
                               cpu_seconds=sum(page_cpu))
        # The children's CPU is known once they have ended: the steady pass's own is taken off.
        return RunFigure("floor", cold_seconds, len(paths),
                         cpu_seconds=_children_cpu() - cpu - steady.cpu_seconds), steady

    def ocr(path: Path) -> None:
        subprocess.run(["tesseract", str(path), str(path.with_suffix("")), "--dpi", str(dpi), "-l", lang,
                        "tsv"], env=env, check=True, capture_output=True)

    with ThreadPoolExecutor(max_workers=jobs) as threads:
        list(threads.map(ocr, paths))
    return RunFigure("floor", time.perf_counter() - start, len(paths), cpu_seconds=_children_cpu() - cpu), None


def _mean_floor(first: RunFigure, second: RunFigure) -> RunFigure:
    """The floor measured before and after Sportel, averaged: load that comes and goes on a shared
    machine then weighs on both sides of the ratio alike."""
    return RunFigure(first.name, (first.seconds + second.seconds) / 2, first.pages,
                     cpu_seconds=(first.cpu_seconds + second.cpu_seconds) / 2)


def run_sportel(pdf: Path, work: Path, *, jobs: int, service_id: str, pages: int, engine: str,
                warm_up: Sequence[Path] = ()) -> RunFigure:
    """``sportel process`` end to end in a fresh embedded home, as a separate process: the embedded
    default runs the workers' actors in that one process, so its peak RSS is a worker process's.

    Without ``warm_up``: the whole process on the clock, start-up included ("sportel"). With it: those
    files go through the same process first as a batch of their own, and the clock and CPU count cover
    only the batch after them, from its submission to its signed case ("sportel-steady": the workers
    running, models loaded, as a deployment meets a batch)."""
    home = work / ("sportel-home-steady" if warm_up else "sportel-home")
    env = {**_single_thread_env(), "SPORTEL_WORKER_THREADS": str(jobs), "SPORTEL_OCR_ENGINE": engine}
    sportel = str(Path(sys.executable).with_name("sportel"))
    # The demo key pair is made once per installation, not per batch (as in benchmarks.signing).
    if not env.get("SPORTEL_SIGN_PKCS12") and not env.get("SPORTEL_SIGN_PKCS11_MODULE"):
        ensure_demo_pki(home / "pki")
    timings = work / "sportel-timings.json"
    command = [sportel, "process", str(pdf), "--service", service_id, "--home", str(home),
               "--out", str(work / "sportel-out"), "--timings", str(timings)]
    for path in warm_up:
        command += ["--warm-up", str(path)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"sportel process exited with {proc.returncode}")
    peak = round(usage.ru_maxrss / 1024, 1)
    if not warm_up:
        return RunFigure("sportel", seconds, pages, cpu_seconds=usage.ru_utime + usage.ru_stime, peak_rss_mb=peak)
    batch = json.loads(timings.read_text(encoding="utf-8"))
    return RunFigure("sportel-steady", batch["batch_seconds"], pages, cpu_seconds=batch["batch_cpu_seconds"],
                     peak_rss_mb=peak, steps_cpu=steps_cpu(load_settings(home=home).resolved_database_url,
                                                           batch["batch_id"]))


def steps_cpu(database_url: str, batch_id: str) -> dict[str, float]:
    """Thread CPU seconds of each step of one batch, from the ``stage_timings`` the pipeline recorded,
    largest first."""
    factory = make_session_factory(make_engine(database_url))
    with session_scope(factory) as session:
        rows = session.execute(
            select(StageTiming.step, func.sum(StageTiming.cpu_seconds)).where(StageTiming.batch_id == batch_id)
            .group_by(StageTiming.step)
        ).all()
    return dict(sorted(((step, float(cpu or 0.0)) for step, cpu in rows), key=lambda item: -item[1]))


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


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time so far of the running processes ``pids`` (``/proc/<pid>/stat``)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: the stat line's 14th and 15th fields
    return total / ticks


def _workers_cpu_seconds(workers: Iterable[subprocess.Popen[bytes]]) -> float:
    """:func:`_cpu_seconds` of the worker commands and every process they started (read anew each time:
    dramatiq's worker command forks its worker processes)."""
    return _cpu_seconds([pid for worker in workers for pid in _descendants(worker.pid)])


def run_sportel_production(pdf: Path, work: Path, *, jobs: int, service_id: str, pages: int, engine: str,
                           parts: ProductionParts, warm_up: Sequence[Path] = ()
                           ) -> tuple[RunFigure, dict[str, float]]:
    """The production shape on this one host: PostgreSQL, Redis and separate ``sportel worker``
    processes, ``jobs`` for the ``pages`` and ``intake`` queues (one thread each, as the floor has one
    process per job) and one for ``documents``; ``sportel process`` submits the batch and waits for it.
    Intake goes with the page work, as the README's deployment does: both only handle images, and a
    batch's intake (its file and one page at a time, about 120 MB at its height for 18 pages) on top of
    the documents worker's resident models (Presidio, spaCy, pyHanko) took that worker to 407 MB.

    Without ``warm_up`` ("sportel-production"): the clock and the CPU count start before the workers do
    (their start-up is paid here, although a real deployment pays it once a day). With it
    ("sportel-production-steady"): those files go through the started workers first as a batch of their
    own; then the clock covers the batch from its submission to its signed case (the submitting command's
    own start-up left out, as in :func:`run_sportel`), and the CPU count is the worker processes' over
    that batch. Returns the run and each worker process's peak RSS (``VmHWM``, read just before it is
    stopped), keyed ``pages-1``..., ``documents``."""
    import redis

    from storage.migrate import upgrade

    redis.Redis.from_url(parts.redis_url).flushdb()
    sportel = str(Path(sys.executable).with_name("sportel"))
    shape = "prod-steady" if warm_up else "prod"
    with temporary_database(parts.postgres_admin_url, "sportel_bench") as database_url:
        upgrade(database_url)  # before the workers start: they would all migrate at once otherwise
        if not os.environ.get("SPORTEL_SIGN_PKCS12") and not os.environ.get("SPORTEL_SIGN_PKCS11_MODULE"):
            ensure_demo_pki(work / f"{shape}-home" / "pki")
        env = {**_single_thread_env(), "SPORTEL_OCR_ENGINE": engine, "SPORTEL_HOME": str(work / f"{shape}-home"),
               "SPORTEL_DATABASE_URL": database_url, "SPORTEL_BROKER": "redis",
               "SPORTEL_BROKER_URL": parts.redis_url, "SPORTEL_BLOB_DIR": str(work / f"{shape}-blobs")}
        cpu, start = _children_cpu(), time.perf_counter()
        workers = {f"pages-{n + 1}": subprocess.Popen(
            [sportel, "worker", "--processes", "1", "--threads", "1", "--queue", "pages", "--queue", "intake"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(jobs)}
        workers["documents"] = subprocess.Popen(
            [sportel, "worker", "--processes", "1", "--threads", "1", "--queue", "documents"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks: dict[str, float] = {}

        def submit(files: Sequence[Path], *options: str) -> None:
            completed = subprocess.run(
                [sportel, "process", *map(str, files), "--service", service_id, "--out", str(work / f"{shape}-out"),
                 *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if completed.returncode != 0:
                raise RuntimeError(f"sportel process exited with {completed.returncode}: {completed.stderr[-1500:]}")

        try:
            if warm_up:
                submit(warm_up)
                timings = work / f"{shape}-timings.json"
                workers_cpu = _workers_cpu_seconds(workers.values())
                submit([pdf], "--timings", str(timings))
                seconds = json.loads(timings.read_text(encoding="utf-8"))["batch_seconds"]
                cpu_seconds = _workers_cpu_seconds(workers.values()) - workers_cpu
            else:
                submit([pdf])
                seconds = time.perf_counter() - start
            for name, worker in workers.items():
                peaks[name] = round(max(_peak_rss_mb(pid) for pid in _descendants(worker.pid)), 1)
        finally:
            for worker in workers.values():
                worker.terminate()
            for worker in workers.values():
                worker.wait(timeout=120)
    if not warm_up:
        cpu_seconds = _children_cpu() - cpu
    figure = RunFigure("sportel-production-steady" if warm_up else "sportel-production", seconds, pages,
                       cpu_seconds=cpu_seconds, peak_rss_mb=max(peaks.values()))
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
                  production: ProductionParts | None = None, warm_up: Sequence[Path] = ()) -> BenchResult:
    """Floor, Sportel embedded (and, given ``production``, Sportel on PostgreSQL and Redis with separate
    worker processes), then the floor again, then OCRmyPDF. Given ``warm_up`` files (not the batch's own
    pages), Sportel embedded, and the production shape when given, also run steady (see
    :func:`run_sportel` and :func:`run_sportel_production`), against the floor's steady run."""
    with tempfile.TemporaryDirectory(prefix="sportel-bench-") as tmp:
        work = Path(tmp)
        before, steady_before = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        sportel = run_sportel(pdf, work, jobs=jobs, service_id=service_id, pages=before.pages, engine=engine)
        runs = [sportel]
        if warm_up and steady_before is not None:
            runs.append(run_sportel(pdf, work, jobs=jobs, service_id=service_id, pages=before.pages,
                                    engine=engine, warm_up=warm_up))
        if production is not None:
            shaped, peaks = run_sportel_production(pdf, work, jobs=jobs, service_id=service_id,
                                                   pages=before.pages, engine=engine, parts=production)
            runs.append(shaped)
            if warm_up and steady_before is not None:
                steady_shaped, steady_peaks = run_sportel_production(
                    pdf, work, jobs=jobs, service_id=service_id, pages=before.pages, engine=engine, parts=production,
                    warm_up=warm_up)
                runs.append(steady_shaped)
                peaks = {**peaks, **{f"{name} (steady run)": peak for name, peak in steady_peaks.items()}}
        after, steady_after = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        floors = [_mean_floor(before, after)]
        if any(run.name.endswith("-steady") for run in runs) and steady_before and steady_after:
            floors.append(_mean_floor(steady_before, steady_after))
        result = BenchResult(pages=before.pages, jobs=jobs, engine=engine, runs=[*floors, *runs])
        result.steady_steps_cpu = next((r.steps_cpu for r in runs if r.steps_cpu), {})
        if production is not None:
            result.worker_peaks_mb = peaks
        if with_ocrmypdf:
            result.runs.append(run_ocrmypdf(pdf, work, jobs=jobs, lang=lang, pages=before.pages))
    return result
