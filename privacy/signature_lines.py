"""The printed name under a signature line: a person's name, even where a pen stroke or a stamp over it
leaves OCR nothing to read.

Signature blocks put a short horizontal rule under the pen signature and the signer's name right below
it, often with the office stamp pressed over both. The rule is found in the pixels (a long thin
horizontal run of ink, shorter than a table's), the signature by ink above it that no confidently read
word accounts for, and the name as the dark ink of the one text line below it.
"""

from __future__ import annotations

from statistics import median

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.models import BBox, PageOcr
from stages.images import darkest_half

MM_PER_INCH = 25.4
RULE_MM = (15.0, 90.0)
"""A signature line is this long: longer is a table rule or a page rule, shorter an underline."""
RULE_MAX_THICKNESS_MM = 1.2
ABOVE_MM = 12.0
"""The pen signature is in this band above the line."""
SIDE_MM = 12.0
"""The printed name may stick out this far past the line's ends."""
DARK = 110
"""Printed ink is darker than this; stamps are lighter."""
LINE_INK = 200
"""A thin rule, blurred by the scan, and a pen signature in colour are only this dark."""
NEIGHBOUR_GAP_MM = 10.0
"""A rule with another on its row closer than this is a table's, broken up by its columns."""
MIN_SIGNATURE_INK = 0.004
WELL_READ = 60.0
MAX_LINES = 12


def _gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return image if image.ndim == 2 else np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _rules(inked_half: NDArray[np.uint8], dpi: int) -> list[BBox]:
    """Signature lines, found on the half-size ink mask (``dpi`` is the page's), in page pixels."""
    mm = dpi / MM_PER_INCH
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(RULE_MM[0] * mm / 2), 1))
    runs = cv2.morphologyEx(inked_half, cv2.MORPH_OPEN, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(runs)
    runs_found = [BBox(x0=2 * int(x), y0=2 * int(y), x1=2 * int(x + w), y1=2 * int(y + h))
                  for x, y, w, h, _ in stats[1:count]]
    rules = []
    for rule in runs_found:
        if not (RULE_MM[0] * mm <= rule.width <= RULE_MM[1] * mm and rule.height <= RULE_MAX_THICKNESS_MM * mm):
            continue
        crowded = any(other is not rule and abs(other.y0 - rule.y0) <= RULE_MAX_THICKNESS_MM * mm
                      and max(other.x0 - rule.x1, rule.x0 - other.x1) < NEIGHBOUR_GAP_MM * mm for other in runs_found)
        if not crowded:
            rules.append(rule)
    return rules[:MAX_LINES]


def _signed_above(page: PageOcr, gray: NDArray[np.uint8], rule: BBox, mm: float) -> bool:
    """Ink above the line that no well-read word explains: a pen signature, not a form's blank."""
    top = max(0, rule.y0 - int(ABOVE_MM * mm))
    band = BBox(x0=rule.x0, y0=top, x1=rule.x1, y1=max(top + 1, rule.y0 - 1))
    region = (gray[band.y0 : band.y1, band.x0 : band.x1] < LINE_INK).astype(np.uint8)
    for word in page.words:
        if word.conf >= WELL_READ and word.bbox.x1 > band.x0 and word.bbox.x0 < band.x1 \
                and word.bbox.y1 > band.y0 and word.bbox.y0 < band.y1:
            x0, x1 = max(word.bbox.x0, band.x0) - band.x0, min(word.bbox.x1, band.x1) - band.x0
            y0, y1 = max(word.bbox.y0, band.y0) - band.y0, min(word.bbox.y1, band.y1) - band.y0
            region[y0:y1, x0:x1] = 0
    return bool(region.size) and float(region.mean()) >= MIN_SIGNATURE_INK


def signature_names(page: PageOcr, image: NDArray[np.uint8]) -> list[BBox]:
    """Boxes of the printed names under the page's signature lines."""
    gray = _gray(image)
    if gray.shape != (page.height, page.width):
        return []
    mm = page.dpi / MM_PER_INCH
    inked_half = (darkest_half(gray) < LINE_INK).astype(np.uint8)
    heights = [w.bbox.height for w in page.words if w.conf >= WELL_READ]
    line_height = int(median(heights)) if heights else int(4 * mm)
    boxes = []
    for rule in _rules(inked_half, page.dpi):
        if not _signed_above(page, gray, rule, mm):
            continue
        below = BBox(x0=max(0, rule.x0 - int(SIDE_MM * mm)), y0=min(page.height, rule.y1 + 1),
                     x1=min(page.width, rule.x1 + int(SIDE_MM * mm)),
                     y1=min(page.height, rule.y1 + 1 + int(2.2 * line_height)))
        ink = gray[below.y0 : below.y1, below.x0 : below.x1] < DARK
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        if rows.size == 0:
            continue
        pad = max(2, line_height // 4)
        boxes.append(BBox(x0=max(0, below.x0 + int(cols[0]) - pad), y0=max(0, below.y0 + int(rows[0]) - pad),
                          x1=min(page.width, below.x0 + int(cols[-1]) + 1 + pad),
                          y1=min(page.height, below.y0 + int(rows[-1]) + 1 + pad)))
    return boxes
