"""How often the process's threads hand the GIL over (see :func:`hand_over_the_gil_often`)."""

from __future__ import annotations

import sys

SWITCH_INTERVAL_SECONDS = 0.001
"""CPython's default is 0.005."""


def hand_over_the_gil_often() -> None:
    """Make a thread that runs Python give the GIL up after 1 ms, not 5, when another thread waits for it.

    Signing lets go of the GIL many times a signature (RSA, the digests, zlib each release it inside their
    C code) and each time waits to get it back. Beside a worker thread running Python (redaction, intake),
    that wait lasts up to the switch interval: a signature took 14-20 ms alone and 44-62 ms beside such a
    thread, and on the benchmark most of a document's signing time was these waits. OCR and image work run
    in C without the GIL and are not slowed; a thread running Python beside another is interrupted at most
    1000 times a second. Embedded runs of ``sportel bench-signing`` on three corpora, alternated, on a busy
    machine (24 runs, 192 documents): 36.8 -> 33.8 ms median wall a signature, the steps' CPU time
    12.86 -> 12.90 s a run (noise).

    Called by the process's entry points, as :func:`workers.heap.use_one_heap` is; not at import."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
