"""The throughput benchmark's process accounting: which processes a worker command started, and the
peak memory the kernel recorded for each."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.bench import BenchResult, RunFigure, _cpu_seconds, _descendants, _peak_rss_mb

_CHILD = "import time; block = bytearray(80 * 2**20); block[::4096] = b'x' * 20480; time.sleep(30)"
_GROW_AND_WAIT = f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {_CHILD!r}])
time.sleep(30)
"""


def test_descendants_and_their_peak_memory_are_found() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _GROW_AND_WAIT])
    try:
        import time

        deadline = time.monotonic() + 20
        while len(_descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the child touches its 80 MB
        pids = _descendants(parent.pid)
        assert pids[0] == parent.pid and len(pids) == 2
        peaks = {pid: _peak_rss_mb(pid) for pid in pids}
        assert peaks[pids[1]] >= 80 > peaks[parent.pid]
    finally:
        for pid in reversed(_descendants(parent.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait(timeout=30)
    assert _peak_rss_mb(parent.pid) == 0.0  # gone: nothing to read, and no error


def test_ratios_name_each_sportel_run_against_the_floor() -> None:
    result = BenchResult(pages=10, jobs=2, engine="tesserocr", runs=[
        RunFigure("floor", 10.0, 10, cpu_seconds=20.0),
        RunFigure("sportel", 20.0, 10, cpu_seconds=30.0, peak_rss_mb=500.0),
        RunFigure("sportel-production", 25.0, 10, cpu_seconds=40.0, peak_rss_mb=300.0),
    ])
    ratios = result.ratios()
    assert ratios["sportel_vs_floor"] == 0.5
    assert ratios["sportel-production_vs_floor"] == 0.4
    assert ratios["sportel_vs_floor_cpu"] == 20.0 / 30.0
    assert "sportel_vs_ocrmypdf" not in ratios


def test_steady_runs_are_each_set_against_the_steady_floor() -> None:
    result = BenchResult(pages=10, jobs=2, engine="tesserocr", runs=[
        RunFigure("floor", 10.0, 10, cpu_seconds=20.0),
        RunFigure("floor-steady", 8.0, 10, cpu_seconds=16.0),
        RunFigure("sportel-steady", 10.0, 10, cpu_seconds=20.0),
        RunFigure("sportel-production-steady", 16.0, 10, cpu_seconds=32.0),
    ])
    ratios = result.ratios()
    assert ratios["sportel-steady_vs_floor-steady"] == 0.8
    assert ratios["sportel-production-steady_vs_floor-steady"] == 0.5
    assert ratios["sportel-production-steady_vs_floor-steady_cpu"] == 0.5
    assert "sportel-production-steady_vs_floor" not in ratios


_SPIN = "import time\nwhile time.process_time() < 0.6:\n    pass\ntime.sleep(30)"


def test_cpu_seconds_of_running_processes_are_read_from_proc() -> None:
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN])
    try:
        import time

        deadline = time.monotonic() + 60
        while _cpu_seconds([spinner.pid]) < 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        spent = _cpu_seconds([spinner.pid])
        assert 0.5 <= spent < 2.0  # the spin (0.6 s, counted in whole clock ticks), then only sleep
        assert _cpu_seconds([spinner.pid, 2**22 + 1]) == spent  # a process that is gone counts nothing
    finally:
        spinner.kill()
        spinner.wait(timeout=30)
