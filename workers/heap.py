"""The process's memory allocator: one heap for all threads (see :func:`use_one_heap`)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util

M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter: how many heaps (arenas) the threads of the process allocate from."""


def use_one_heap() -> None:
    """Let every thread of this process allocate from one heap (glibc's ``MALLOC_ARENA_MAX=1``).

    By default glibc gives each thread a heap of its own, and what a thread frees stays in its heap for
    its own later use: the embedded default's two worker threads each kept the memory of their own worst
    step (a page's OCR, a document's redaction), and the peak was the sum. On one heap what one thread
    frees the other reuses, and tesseract's small leftovers fragment one heap, not two. Embedded run of
    18 pages, two worker threads, runs alternated on a busy machine: peak 497-532 MB with a heap per
    thread (16 runs), 459-486 with one (this alone, 6 runs). Measured again on a quiet machine, three
    pairs alternated: 500-518 MB -> 475-489 MB, at 1-4% more CPU time (the threads now take turns at one
    allocator lock): a trade of a little speed for memory on the embedded default; a production worker
    process runs one worker thread and is not slowed.

    Called first thing by the process's entry points (``sportel``'s ``main``, and
    :func:`workers.bootstrap.setup` in each process dramatiq's worker command forks), before any thread
    but the main one has allocated: a thread keeps the heap it was first given, and glibc reads the limit
    only when it would make a new heap (set when the actors are declared, after the CLI's progress thread
    had its own heap: 490 MB). Not at import: importing a module has no side effects here."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS): nothing to set
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(M_ARENA_MAX, 1)
