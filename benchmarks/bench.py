"""Throughput and memory benchmark: Sportel end to end against the bare OCR engine and OCRmyPDF.

All three run in the same invocation, on the same pages, with the same number of parallel processes, so
that the figures are ratios that survive a noisy 2-core machine:

- **floor**: the OCR engine the pipeline uses, run bare (the ``tesseract`` command, one thread per
  process, ``OMP_THREAD_LIMIT=1``) on the batch's page images, one process per job;
- **sportel**: ``sportel process`` on the batch PDF, intake to signed case, redaction verification
  included, in a fresh embedded home; its peak RSS (VmHWM) is read from ``/proc`` while it runs;
- **ocrmypdf**: ``ocrmypdf --deskew -l sqi+eng --jobs N`` on the same PDF.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2

from stages.intake import read_input


@dataclass
class RunFigure:
    name: str
    seconds: float
    pages: int
    peak_rss_mb: float | None = None

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.pages / self.seconds if self.seconds > 0 else 0.0


@dataclass
class BenchResult:
    pages: int
    jobs: int
    runs: list[RunFigure] = field(default_factory=list)

    def figure(self, name: str) -> RunFigure | None:
        return next((r for r in self.runs if r.name == name), None)

    def ratios(self) -> dict[str, float]:
        floor, sportel, ocrmypdf = self.figure("floor"), self.figure("sportel"), self.figure("ocrmypdf")
        out: dict[str, float] = {}
        if floor and sportel:
            out["sportel_vs_floor"] = sportel.pages_per_minute / floor.pages_per_minute
        if ocrmypdf and sportel:
            out["sportel_vs_ocrmypdf"] = sportel.pages_per_minute / ocrmypdf.pages_per_minute
        return out

    def to_json(self) -> str:
        return json.dumps({
            "pages": self.pages, "jobs": self.jobs,
            "runs": [{**asdict(r), "pages_per_minute": round(r.pages_per_minute, 2)} for r in self.runs],
            "ratios": {k: round(v, 3) for k, v in self.ratios().items()},
        }, indent=2)


def _single_thread_env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def run_floor(pdf: Path, work: Path, *, jobs: int, lang: str, dpi: int) -> RunFigure:
    """Bare tesseract on the batch's page images: the fastest this machine can read these pages."""
    result = read_input(pdf.read_bytes(), pdf.name, dpi=dpi)
    paths = []
    for page in result.pages:
        path = work / f"floor-{page.source_index:04d}.png"
        cv2.imwrite(str(path), page.image)
        paths.append(path)
    env = _single_thread_env()

    def ocr(path: Path) -> None:
        subprocess.run(["tesseract", str(path), str(path.with_suffix("")), "-l", lang, "tsv"],
                       env=env, check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(ocr, paths))
    return RunFigure("floor", time.perf_counter() - start, len(paths))


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_sportel(pdf: Path, work: Path, *, jobs: int, service_id: str, pages: int) -> RunFigure:
    """``sportel process`` end to end in a fresh embedded home, as a separate process."""
    home = work / "sportel-home"
    env = {**_single_thread_env(), "SPORTEL_WORKER_THREADS": str(jobs)}
    sportel = str(Path(sys.executable).with_name("sportel"))
    start = time.perf_counter()
    proc = subprocess.Popen([sportel, "process", str(pdf), "--service", service_id, "--home", str(home),
                             "--out", str(work / "sportel-out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _peak_rss_mb(proc.pid) or 0.0)
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sportel process exited with {proc.returncode}")
    return RunFigure("sportel", seconds, pages, peak_rss_mb=round(peak, 1))


def run_ocrmypdf(pdf: Path, work: Path, *, jobs: int, lang: str, pages: int) -> RunFigure:
    ocrmypdf = str(Path(sys.executable).with_name("ocrmypdf"))
    start = time.perf_counter()
    subprocess.run([ocrmypdf, "--deskew", "-l", lang, "--jobs", str(jobs), "--output-type", "pdf",
                    str(pdf), str(work / "ocrmypdf.pdf")], env=_single_thread_env(), check=True,
                   capture_output=True)
    return RunFigure("ocrmypdf", time.perf_counter() - start, pages)


def run_benchmark(pdf: Path, *, service_id: str, jobs: int = os.cpu_count() or 1, lang: str = "sqi+eng",
                  dpi: int = 300, with_ocrmypdf: bool = True) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="sportel-bench-") as tmp:
        work = Path(tmp)
        floor = run_floor(pdf, work, jobs=jobs, lang=lang, dpi=dpi)
        result = BenchResult(pages=floor.pages, jobs=jobs, runs=[floor])
        result.runs.append(run_sportel(pdf, work, jobs=jobs, service_id=service_id, pages=floor.pages))
        if with_ocrmypdf:
            result.runs.append(run_ocrmypdf(pdf, work, jobs=jobs, lang=lang, pages=floor.pages))
    return result
