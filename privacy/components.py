"""Bounding boxes of a mask's connected components without a labels image the size of the mask.

OpenCV's ``connectedComponentsWithStats`` labels every pixel on the way, in 32 bits: for the half-size ink
masks of a page's redaction that labels image (8.7 MB for A4 at 300 dpi, 14.5 MB for a page turned by
ten degrees) was the largest array of the step. Components never cross a row without ink, so the mask is
labelled a band of inked rows at a time; a band starts on an even row, where OpenCV's two-row blocks
start, so the components come out in the order a whole-mask labelling gives them.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def component_stats(mask: NDArray[np.uint8]) -> NDArray[np.int32]:
    """``connectedComponentsWithStats(mask)[2][1:]`` (8-connected): one row (x, y, width, height, area)
    per component, background left out, in the same order."""
    inked = np.flatnonzero(mask.any(axis=1))
    if inked.size == 0:
        return np.zeros((0, cv2.CC_STAT_MAX), dtype=np.int32)
    # A band ends where the next inked row is two or more rows on (an empty row between).
    ends = np.flatnonzero(np.diff(inked) > 1)
    starts, stops = np.r_[inked[0], inked[ends + 1]], np.r_[inked[ends], inked[-1]] + 1
    found: list[NDArray[np.int32]] = []
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        top = start - start % 2
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask[top:stop], connectivity=8)
        band = np.asarray(stats[1:count], dtype=np.int32)
        band[:, cv2.CC_STAT_TOP] += top
        found.append(band)
    return np.concatenate(found)
