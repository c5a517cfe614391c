"""The orientation probe's strips are the densest windows of the page's text ink, as counting every
window's ink one by one finds them."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from stages.geometry import _Ink, _probe_windows
from tests.memory import traced_peak

DPI = 100.0


def _ink(mask: NDArray[np.bool_]) -> _Ink:
    ys, xs = np.nonzero(mask)
    return _Ink(ys=ys.astype(np.int64), xs=xs.astype(np.int64), is_text=np.ones(ys.size, dtype=np.bool_),
                height=mask.shape[0], width=mask.shape[1], dpi=DPI, ratio=float(mask.mean()))


def _densest(mask: NDArray[np.bool_], height: int, width: int) -> int:
    return int(sliding_window_view(mask.astype(np.int64), (height, width)).sum(axis=(2, 3)).max())


def test_the_first_strip_holds_the_densest_window_of_ink() -> None:
    rng = np.random.default_rng(7)
    mask = np.zeros((500, 400), dtype=np.bool_)
    for _ in range(40):  # text-like blocks of varying density
        y, x = int(rng.integers(0, 460)), int(rng.integers(0, 300))
        mask[y : y + 30, x : x + 90] |= rng.random((30, 90)) < rng.uniform(0.05, 0.6)
    window_h, window_w = round(DPI * 0.6), round(DPI * 2.5)
    x0, y0, x1, y1 = _probe_windows(_ink(mask), 0.0, 1)[0]
    strip = mask[y0:y1, x0:x1]
    assert strip.shape[0] >= window_h and strip.shape[1] >= window_w
    assert _densest(strip, window_h, window_w) == _densest(mask, window_h, window_w)


def test_further_strips_do_not_overlap_the_first() -> None:
    mask = np.zeros((500, 400), dtype=np.bool_)
    mask[40:100, 20:300] = True
    mask[300:340, 50:330] = True
    first, second = _probe_windows(_ink(mask), 0.0, 2)
    assert first[3] <= second[1] or second[3] <= first[1]
    assert first[1] <= 40 < 100 <= first[3] and second[1] <= 300 < 340 <= second[3]


def test_the_window_search_holds_one_array_of_window_sums() -> None:
    """Counting every window's ink takes one int32 array the mask's size (an integral image and its
    differences took two): it runs while the other worker thread reads a page."""
    mask = np.zeros((1750, 1240), dtype=np.bool_)  # A4 at 150 dpi, the ink's resolution
    mask[200:230, 100:900] = True
    mask[900:930, 300:1100] = True
    ink = _ink(mask)
    _probe_windows(ink, 1.5, 2)  # OpenCV's own first-call allocations out of the count
    windows, peak = traced_peak(lambda: _probe_windows(ink, 1.5, 2))
    assert len(windows) == 2
    # The turned mask and its copies (bytes a pixel), and one int32 sum a pixel; the integral made it 8+.
    assert peak < 7 * mask.size
