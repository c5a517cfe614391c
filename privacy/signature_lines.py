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
from privacy.components import component_stats
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
MIN_NAME_HEIGHT = 0.5
"""The printed name's dark ink is at least this many text-line heights tall."""
NAME_BAND = 2.2
"""The printed name is within this many text-line heights under its signature line."""
CLEAR_ABOVE_MM = (0.3, 1.0)
MAX_INK_ABOVE = 0.5
"""Share of a signature line's length with ink just above it (0.3-1 mm up): at most 0.4 where a signature
and a stamp cross it; the feet of a bold text line or a QR code's row have ink above them nearly
throughout (0.6-0.9)."""
LINE_GAP_MM = 3.0
"""A line's pieces (dashes, breaks where a stamp is pressed over it) are closer than this."""
FRAME_MM = 2.5
FRAME_SIDE_MM = 1.0
MIN_FRAME_INK = 0.6
"""A box's side runs on for :data:`FRAME_MM` from its top or bottom edge, within :data:`FRAME_SIDE_MM` of the
edge's end, with ink along this share of it (dashed frames too; slanted lines meeting at a corner)."""
MAX_NAME_INK = 0.3
"""Letters cover at most this share of their line's box (printed names: 5-16 %); a QR code's modules,
whose runs look like a signature line, cover about half."""
WELL_READ = 60.0
MAX_LINES = 12


def _gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return image if image.ndim == 2 else np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _rules(inked_half: NDArray[np.uint8], dpi: int) -> list[BBox]:
    """Signature lines, found on the half-size ink mask (``dpi`` is the page's), in page pixels."""
    mm = dpi / MM_PER_INCH
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(RULE_MM[0] * mm / 2), 1))
    runs = cv2.morphologyEx(inked_half, cv2.MORPH_OPEN, kernel)
    runs_found = [BBox(x0=2 * int(x), y0=2 * int(y), x1=2 * int(x + w), y1=2 * int(y + h))
                  for x, y, w, h, _ in component_stats(np.asarray(runs, dtype=np.uint8))]
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


def _text_baseline(gray: NDArray[np.uint8], rule: BBox, mm: float) -> bool:
    """A "rule" that is the joined feet of a line of bold print or a row of a QR code: ink right above it
    (a few tenths of a millimetre up) along most of its length, where a signature crosses a rule only
    here and there."""
    top, bottom = max(0, rule.y0 - int(CLEAR_ABOVE_MM[1] * mm)), max(0, rule.y0 - int(CLEAR_ABOVE_MM[0] * mm))
    band = gray[top:bottom, rule.x0 : rule.x1] < LINE_INK
    return band.size > 0 and float(band.any(axis=0).mean()) > MAX_INK_ABOVE


def _extent(gray: NDArray[np.uint8], rule: BBox, mm: float) -> BBox:
    """The whole line a found rule is part of: ink along its row, on both sides, up to a gap of
    :data:`LINE_GAP_MM`. A stamp pressed over a signature line breaks it into pieces (the rule found is one
    of them); a form's row rule, dashed or broken by the scan, runs on across the form."""
    y0, y1 = max(0, rule.y0 - 2), rule.y1 + 3
    inked: NDArray[np.bool_] = np.asarray((gray[y0:y1] < LINE_INK).any(axis=0), dtype=np.bool_)
    gap = max(1, int(LINE_GAP_MM * mm))
    x0, x1 = rule.x0, rule.x1
    while x0 > 0:
        before = np.flatnonzero(inked[max(0, x0 - gap) : x0])
        if before.size == 0:
            break
        x0 = max(0, x0 - gap) + int(before[0])
    while x1 < inked.size:
        after = np.flatnonzero(inked[x1 : x1 + gap])
        if after.size == 0:
            break
        x1 = x1 + int(after[-1]) + 1
    return BBox(x0=x0, y0=rule.y0, x1=x1, y1=rule.y1)


def _framed(gray: NDArray[np.uint8], rule: BBox, mm: float) -> bool:
    """An edge of a box or of a drawing (a certification stamp's frame, a form's field, a parcel on a map):
    at both ends other lines run on up or down from it, where a signature line's ends are free (a stamp
    may cross one of them)."""
    reach, side = int(FRAME_MM * mm), max(1, int(FRAME_SIDE_MM * mm))
    ends = 0
    for x in (rule.x0, rule.x1):
        strip = gray[:, max(0, x - side) : x + side]
        for y0, y1 in ((rule.y1 + 1, rule.y1 + 1 + reach), (max(0, rule.y0 - reach), rule.y0)):
            rows = strip[y0:y1] < LINE_INK
            if rows.size and float(rows.any(axis=1).mean()) >= MIN_FRAME_INK:
                ends += 1
                break
    return ends == 2


def _rule_below(rule: BBox, rules: list[BBox], line_height: int) -> bool:
    """Another rule right under this one, where the name would be: this one is a straight pen stroke of
    the signature, and the line below is the signature line."""
    for other in rules:
        overlap = min(rule.x1, other.x1) - max(rule.x0, other.x0)
        if other is not rule and 0 < other.y0 - rule.y1 <= NAME_BAND * line_height \
                and overlap >= 0.5 * min(rule.width, other.width):
            return True
    return False


def signature_names(page: PageOcr, image: NDArray[np.uint8], *, half: NDArray[np.uint8] | None = None) -> list[BBox]:
    """Boxes of the printed names under the page's signature lines. ``half`` is
    :func:`stages.images.darkest_half` of the page when the caller has it already."""
    gray = _gray(image)
    if gray.shape != (page.height, page.width):
        return []
    mm = page.dpi / MM_PER_INCH
    inked_half = ((darkest_half(gray) if half is None else half) < LINE_INK).astype(np.uint8)
    heights = [w.bbox.height for w in page.words if w.conf >= WELL_READ]
    line_height = int(median(heights)) if heights else int(4 * mm)
    boxes: list[BBox] = []
    rules = _rules(inked_half, page.dpi)
    for found in rules:
        rule = _extent(gray, found, mm)
        if rule.width > RULE_MM[1] * mm or _text_baseline(gray, found, mm) or _framed(gray, rule, mm) \
                or _rule_below(found, rules, line_height):
            continue
        if not _signed_above(page, gray, rule, mm):
            continue
        below = BBox(x0=max(0, rule.x0 - int(SIDE_MM * mm)), y0=min(page.height, rule.y1 + 1),
                     x1=min(page.width, rule.x1 + int(SIDE_MM * mm)),
                     y1=min(page.height, rule.y1 + 1 + int(NAME_BAND * line_height)))
        ink = gray[below.y0 : below.y1, below.x0 : below.x1] < DARK
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        # Dark ink less than half a text line tall is a stroke or the dark edge of a stamp, not a printed
        # name (letters are darker than stamps all the way up).
        if rows.size == 0 or rows[-1] - rows[0] + 1 < MIN_NAME_HEIGHT * line_height:
            continue
        body = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        if float(body.mean()) > MAX_NAME_INK:
            continue  # a QR code's or a filled block's rows, not letters
        pad = max(2, line_height // 4)
        box = BBox(x0=max(0, below.x0 + int(cols[0]) - pad), y0=max(0, below.y0 + int(rows[0]) - pad),
                   x1=min(page.width, below.x0 + int(cols[-1]) + 1 + pad),
                   y1=min(page.height, below.y0 + int(rows[-1]) + 1 + pad))
        if box not in boxes:  # the pieces of one line broken by a stamp give one name
            boxes.append(box)
    return boxes
