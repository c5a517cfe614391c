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

    def figure(self, name: str) -> RunFigure | None:
        return next((r for r in self.runs if r.name == name), None)

    def ratios(self) -> dict[str, float]:
        floor, sportel, ocrmypdf = self.figure("floor"), self.figure("sportel"), self.figure("ocrmypdf")
        out: dict[str, float] = {}
        if floor and sportel:
            out["sportel_vs_floor"] = sportel.pages_per_minute / floor.pages_per_minute
            out["sportel_vs_floor_cpu"] = sportel.pages_per_cpu_minute / floor.pages_per_cpu_minute
        if ocrmypdf and sportel:
            out["sportel_vs_ocrmypdf"] = sportel.pages_per_minute / ocrmypdf.pages_per_minute
            out["sportel_vs_ocrmypdf_cpu"] = sportel.pages_per_cpu_minute / ocrmypdf.pages_per_cpu_minute
        return out

    def to_json(self) -> str:
        return json.dumps({
            "pages": self.pages, "jobs": self.jobs, "engine": self.engine,
            "runs": [{**asdict(r), "pages_per_minute": round(r.pages_per_minute, 2),
                      "pages_per_cpu_minute": round(r.pages_per_cpu_minute, 2)} for r in self.runs],
            "ratios": {k: round(v, 3) for k, v in self.ratios().items()},
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


def run_ocrmypdf(pdf: Path, work: Path, *, jobs: int, lang: str, pages: int) -> RunFigure:
    ocrmypdf = str(Path(sys.executable).with_name("ocrmypdf"))
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run([ocrmypdf, "--deskew", "-l", lang, "--jobs", str(jobs), "--output-type", "pdf",
                    str(pdf), str(work / "ocrmypdf.pdf")], env=_single_thread_env(), check=True,
                   capture_output=True)
    return RunFigure("ocrmypdf", time.perf_counter() - start, pages, cpu_seconds=_children_cpu() - cpu)


def run_benchmark(pdf: Path, *, service_id: str, jobs: int = os.cpu_count() or 1, lang: str = "sqi+eng",
                  dpi: int = 300, with_ocrmypdf: bool = True, engine: str = "tesserocr") -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="sportel-bench-") as tmp:
        work = Path(tmp)
        before = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        sportel = run_sportel(pdf, work, jobs=jobs, service_id=service_id, pages=before.pages, engine=engine)
        after = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi, engine=engine)
        result = BenchResult(pages=before.pages, jobs=jobs, engine=engine, runs=[_mean_floor(before, after), sportel])
        if with_ocrmypdf:
            result.runs.append(run_ocrmypdf(pdf, work, jobs=jobs, lang=lang, pages=before.pages))
    return result
