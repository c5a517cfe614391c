"""Milliseconds per signed output on the workers' path (``workers.signing.sign_and_validate``: sign, then
check before release), per PAdES level.

Not a test (no timed assertions in the suite): run ``.venv/bin/python -m tests.signing.measure_worker_signing
[PDF]``. Without a PDF it signs a 2-page scanned-like PDF (300 dpi grayscale JPEG pages). B-B uses the
embedded default's demo key; B-T, B-LT and B-LTA the certomancer PKI of the tests (CA, OCSP, CRLs and
timestamp authority over HTTP on 127.0.0.1). The same call exists under the same name before and after the
signing changes, so ``PYTHONPATH=<older tree>`` measures an older version with this script.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import workers.signing
from pipeline.settings import load_settings
from tests.signing import conftest
from tests.signing.measure_signing_time import _Factory, scanned_pdf
from workers.context import WorkerContext
from workers.signing import sign_and_validate

ROUNDS = 15


def _median_ms(ctx: WorkerContext, pdf: bytes, level: Any) -> tuple[float, float, float]:
    """First call, then medians of wall and of this thread's CPU time (the machine is shared: CPU time is
    what signing itself costs, wall time adds waiting for a core)."""
    start = time.perf_counter()
    sign_and_validate(ctx, pdf, level=level, reason="Kopje arkivore")
    first = (time.perf_counter() - start) * 1000
    wall, cpu = [], []
    for _ in range(ROUNDS):
        start, start_cpu = time.perf_counter(), time.thread_time()
        sign_and_validate(ctx, pdf, level=level, reason="Kopje arkivore")
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return first, statistics.median(wall), statistics.median(cpu)


def _close(ctx: WorkerContext) -> None:
    # An older tree (PYTHONPATH) keeps no HTTP client per thread and has nothing to close.
    close = getattr(workers.signing, "close_signing_thread", None)
    if close is not None:
        close(ctx)


def _line(label: str, figures: tuple[float, float, float]) -> str:
    first, wall, cpu = figures
    return f"  {label:<44} first {first:6.0f} ms   median {wall:6.0f} ms wall, {cpu:5.0f} ms CPU"


def main() -> None:
    pdf = Path(sys.argv[1]).read_bytes() if len(sys.argv) > 1 else scanned_pdf(2)
    print(f"{len(pdf) / 1e6:.2f} MB PDF, median of {ROUNDS} after a first call (key loading, first check)")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        demo_ctx = WorkerContext.from_settings(load_settings(home=base / "demo"))
        print(_line("B-B   demo PKCS#12 key (RSA-3072)", _median_ms(demo_ctx, pdf, "B-B")))
        _close(demo_ctx)
        local_gen = conftest.local_pki.__wrapped__(_Factory(base))  # type: ignore[attr-defined]
        local = next(local_gen)
        settings = load_settings(
            home=base / "local", sign_pkcs12=local.signer_p12["signer"],
            sign_pkcs12_passphrase=local.passphrase.decode(), timestamp_url=local.tsa_url,
        )
        # Older trees know no sign_trust_roots setting: hand the root to the signer configuration directly.
        ctx = WorkerContext.from_settings(settings)
        ctx.__dict__["signer_config"] = local.config(timestamp_url=local.tsa_url)
        try:
            for level in ("B-B", "B-T", "B-LT", "B-LTA"):
                print(_line(f"{level:<5} certomancer key (RSA-2048), local HTTP", _median_ms(ctx, pdf, level)))
        finally:
            _close(ctx)
            next(local_gen, None)


if __name__ == "__main__":
    main()
