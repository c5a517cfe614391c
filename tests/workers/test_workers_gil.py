"""The entry points make threads hand the GIL over after 1 ms (:mod:`workers.gil`), which signing beside a
thread running Python waits on; CPython's default is 5 ms."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workers import bootstrap
from workers.gil import SWITCH_INTERVAL_SECONDS

_PROBE = """
import atexit, sys
atexit.register(lambda: print(sys.getswitchinterval()))
sys.argv = ["sportel", "--help"]
from api.cli import main
main()
"""


def test_the_command_line_sets_the_switch_interval_before_any_command_runs() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False)
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(SWITCH_INTERVAL_SECONDS)
    assert SWITCH_INTERVAL_SECONDS < 0.005


def test_a_dramatiq_worker_process_sets_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    before = sys.getswitchinterval()
    monkeypatch.setattr(bootstrap, "build", lambda settings: None)  # no broker or database: only the setting
    monkeypatch.setattr(bootstrap, "use_one_heap", lambda: None)  # keep this test process's allocator as it is
    try:
        sys.setswitchinterval(0.005)
        bootstrap.setup()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
    finally:
        sys.setswitchinterval(before)
