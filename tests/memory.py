"""Peak Python-visible allocations of one call, for tests that bound how much a function holds at once.

numpy and OpenCV report their buffers to tracemalloc, so the peak covers the page-sized arrays that matter.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def traced_peak(call: Callable[[], T]) -> tuple[T, int]:
    """Run ``call`` under tracemalloc; return its result and the peak bytes allocated while it ran."""
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak
