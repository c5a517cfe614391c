"""What tesseract is handed: the page's grey levels spread around a local threshold
(:func:`even_contrast`), the part of it that holds ink (:func:`content_box`) and its vertical rules
whitened (:func:`without_vertical_rules`). Pure image functions of :func:`stages.ocr.recognize`'s first
steps; see :mod:`stages.ocr` for what each was measured to change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from stages.stamp_ink import INKED

_CONTRAST_WINDOW_IN = 0.33
_CONTRAST_K = 0.34
_CONTRAST_RANGE = 128.0
"""Sauvola's local threshold, with tesseract's own defaults (``thresholding_window_size``,
``thresholding_kfactor``): the threshold is the window's mean, lowered where the window is flat."""
_CONTRAST_GAIN = 2
"""How steeply grey levels around the local threshold are spread out. Gently: the recogniser reads the
grey image, and a faint diaeresis or i-dot left light grey is still seen, where a hard cut would drop it."""
_CONTRAST_STEP = 8
"""The threshold surface is computed on blocks of this many pixels a side and interpolated: it varies
over a third of an inch, and computing it at full size costs five times as much."""
_CONTRAST_BAND_CELLS = 64
"""Rows of cells :func:`even_contrast` filters at once (256 half-page rows: 1.3 MB of float32 on A4)."""
_CONTRAST_NEAR_IN = 0.08
"""How far (inches, about a line of body text) the darkest and lightest grey that cap the threshold are
looked for: far enough to see both a stroke and the paper beside it, near enough that grey labels a line
away from bold black values keep their own."""

_RULE_INK = 192
"""Grey level under which a pixel of the evened page counts as ink when looking for rules: a one-pixel
rule that a slight slant spreads over two columns is mid-grey in both."""
_RULE_MAX_WIDTH_IN = 0.025
"""Thickest vertical rule removed (7 pixels at 300 dpi); letter stems of body text are thinner, but a
rule is never thicker."""
_RULE_LONG_IN = 0.4
"""A thin vertical run this long is a rule wherever it stands: no letter of body text or headings is so
tall."""
_RULE_CELL_IN = 0.12
"""A shorter thin vertical run is a rule when it reaches from one horizontal rule to another (the wall of
a one-row table cell or a boxed field). Touching a single rule is not enough: the stem of a hand-written
letter standing on its baseline rule does that."""
_RULE_GAP_IN = 0.02
"""Gaps this wide (inches) in a rule are bridged: a thin rule scanned light breaks into dashes."""
_RULE_END_IN = 0.012
"""How near (inches, across and along) a horizontal rule a vertical run's end must come to meet it."""

_CONTENT_MARGIN_IN = 0.1
"""White kept around a page's ink when it is cropped for tesseract."""
_SPECK_PIXELS = 2
"""Dark pixels a row or column of the page may hold and still count as blank (scanner specks)."""
_CONTENT_BAND_ROWS = 256
"""Rows of the page :func:`content_box` looks at at once (a band's mask: 0.6 MB of an A4 page at 300 dpi)."""


def even_contrast(image: NDArray[np.uint8], *, dpi: int) -> NDArray[np.uint8]:
    """The page with its grey levels spread around a local threshold: ink darker than its surroundings
    goes dark, paper, shading and faint backgrounds go white, whatever the page's overall brightness.
    Tesseract then splits ink from paper with one global (Otsu) threshold, which on its own loses small
    grey print on a tinted or patterned background (card labels over a guilloche), joins faint background
    patterns to the text and drops the lines they touch.

    The threshold is Sauvola's, but never above halfway between the darkest and the lightest grey close
    by (:data:`_CONTRAST_NEAR_IN`). Sauvola's alone sits high wherever the window holds much ink: it takes
    the light fringe between two strokes for ink, so a letter printed against a frame or a table rule, a
    hand-written value on its dotted line and bold letters close together fuse into one shape, which
    tesseract then drops or misreads ("Data:" beside a frame read as "ata:"). Halfway between local ink
    and paper is where a blurred edge really is; grey print on a pattern keeps Sauvola's threshold, as
    its darkest grey is itself light. Tesseract's own Sauvola (``thresholding_method=2``) fused the same
    and cost 20% more OCR time; this costs about 3%."""
    height, width = image.shape
    step = _CONTRAST_STEP
    cell = step // 2
    # Halved (each pixel the mean of four), then read in cells of step x step page pixels; the edges are
    # repeated to fill the last cells. Filters anchored at a cell's corner and sampled once a cell give
    # each cell's mean, mean square, darkest and lightest grey.
    half = cv2.resize(image, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_LINEAR)
    rows, cols = -(-height // step), -(-width // step)
    half = cv2.copyMakeBorder(half, 0, rows * cell - half.shape[0], 0, cols * cell - half.shape[1],
                              cv2.BORDER_REPLICATE)
    box, corner = (cell, cell), (0, 0)
    window = max(3, round(_CONTRAST_WINDOW_IN * dpi / step) | 1)
    ones = np.ones(box, np.uint8)
    mean = cv2.boxFilter(_cell_samples(half, cell, lambda band: cv2.boxFilter(band, cv2.CV_32F, box, anchor=corner)),
                         -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    mean_sq = cv2.boxFilter(_cell_samples(half, cell, lambda band: cv2.sqrBoxFilter(band, cv2.CV_32F, box,
                                                                                     anchor=corner)),
                            -1, (window, window), borderType=cv2.BORDER_REPLICATE)
    darkest = _cell_samples(half, cell, lambda band: cv2.erode(band, ones, anchor=corner))
    lightest = _cell_samples(half, cell, lambda band: cv2.dilate(band, ones, anchor=corner))
    del half
    deviation = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    sauvola = mean * (1.0 + _CONTRAST_K * (deviation / _CONTRAST_RANGE - 1.0))
    near = np.ones((max(1, round(_CONTRAST_NEAR_IN * dpi / step) | 1),) * 2, np.uint8)
    darkest = cv2.erode(darkest, near, borderType=cv2.BORDER_REPLICATE).astype(np.float32)
    lightest = cv2.dilate(lightest, near, borderType=cv2.BORDER_REPLICATE).astype(np.float32)
    threshold = np.minimum(sauvola, (darkest + lightest) / 2)
    del mean, mean_sq, deviation, sauvola, darkest, lightest  # a third of a page, before the surface is made
    surface = cv2.resize(np.clip(threshold, 0, 255).astype(np.uint8), (cols * step, rows * step),
                         interpolation=cv2.INTER_LINEAR)[:height, :width]
    # Written over the threshold surface, each pixel after it is read: one page-sized array less at the
    # page OCR's peak of memory than a new one.
    cv2.addWeighted(image, _CONTRAST_GAIN, surface, -_CONTRAST_GAIN, 128.0, dst=surface)  # saturates at 0, 255
    return np.asarray(surface, dtype=np.uint8)


def _cell_samples(half: NDArray[Any], cell: int,
                  cell_filter: Callable[[NDArray[Any]], NDArray[Any]]) -> NDArray[Any]:
    """``cell_filter(half)[::cell, ::cell]`` for a filter anchored at a cell's top left corner, filtered a
    band of cells at a time. The whole half page filtered to float32 is the page's size in bytes (8.7 MB at
    300 dpi), and the sampled views kept whole filtered half pages alive: even_contrast held 1.46 page
    sizes at its peak, now 1.1 (traced). The same figures: a sampled cell reads only its own rows, and
    OpenCV sums 8-bit pixels in integers before it scales them."""
    rows = cell * _CONTRAST_BAND_CELLS
    # Each band's samples copied out, so that the filtered band they are a view of is let go of at once.
    return np.concatenate([np.ascontiguousarray(cell_filter(half[top : top + rows])[::cell, ::cell])
                           for top in range(0, half.shape[0], rows)])


def without_vertical_rules(image: NDArray[np.uint8], *, dpi: int) -> NDArray[np.uint8]:
    """The evened page with its vertical rules whitened, for tesseract only (the page image other steps
    use keeps them). Sparse text, unlike automatic layout, does not remove rules: it reads each wall of a
    table or boxed field as "|" (family certificates, lab results, property tables). Horizontal rules stay:
    they read as nothing, and a signature line or a value's baseline rule taken out leaves the letters and
    pen strokes that touched it as loose fragments, which tesseract then reads into the words beside them.

    Found on a half-size copy, thin vertical runs widened by a pixel either side so that a rule slanted
    by the deskew's last hundredths of a degree, which steps from one pixel column to the next, still
    runs unbroken; only the pixels of each rule found are whitened on the page."""
    height, width = image.shape
    scale = dpi / 2
    half = cv2.resize(image, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_LINEAR)
    ink = (half < _RULE_INK).astype(np.uint8)
    # Each half-size mask is let go of once used: alongside the label image (int32, the page's size in
    # bytes) and the whitened copy they made a table page's peak 3.3 page sizes instead of 2.5 (traced).
    del half
    long_run = max(3, round(_RULE_LONG_IN * scale))
    cell_run = max(3, round(_RULE_CELL_IN * scale))
    thickest = max(1, round(_RULE_MAX_WIDTH_IN * scale)) + 2  # the widening adds a pixel either side
    end = max(1, round(_RULE_END_IN * scale))
    box = cv2.MORPH_RECT
    gap = max(1, round(_RULE_GAP_IN * scale))
    horizontal = cv2.morphologyEx(cv2.dilate(ink, cv2.getStructuringElement(box, (1, 3))), cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(box, (gap + 1, 1)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_OPEN, cv2.getStructuringElement(box, (long_run, 1)))
    meets = cv2.dilate(horizontal, cv2.getStructuringElement(box, (2 * end + 1, 2 * end + 1)))
    vertical = cv2.morphologyEx(cv2.dilate(ink, cv2.getStructuringElement(box, (3, 1))), cv2.MORPH_CLOSE,
                                cv2.getStructuringElement(box, (1, gap + 1)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_OPEN, cv2.getStructuringElement(box, (1, cell_run)))
    del ink
    count, labels, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    del vertical
    cleaned = image.copy()
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        centre = x + w // 2
        if w > thickest or not (h >= long_run or (meets[y, centre] and meets[y + h - 1, centre])):
            continue
        rule = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
        # One half-size pixel more down and right: the full-size rule's edge pixels fall there. The
        # horizontal rules it meets stay whole.
        rule = cv2.dilate(rule, np.ones((2, 2), np.uint8), anchor=(0, 0))
        rule[horizontal[y : y + h, x : x + w] > 0] = 0
        full = cv2.resize(rule, (2 * w, 2 * h), interpolation=cv2.INTER_NEAREST)
        region = cleaned[2 * y : 2 * (y + h), 2 * x : 2 * (x + w)]
        region[full[: region.shape[0], : region.shape[1]] > 0] = 255
    return cleaned


def content_box(evened: NDArray[np.uint8], *, dpi: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the part of an evened page that holds ink, with a margin: what tesseract is
    given. Its thresholding, blob finding and layout analysis cost by the pixel, blank paper included;
    a page's margins and the blank half of a short letter are a third of its pixels or more, and leaving
    them out cut OCR time by 13% (generated A4 pages, same words read). A row or column counts as inked
    from a few dark pixels on, so that a scanner's single specks in the margin do not hold it open."""
    height, width = evened.shape
    # Counted a band of rows at a time: a whole page's ink mask (8.7 MB at 300 dpi) would be one more page
    # at the page OCR's peak of memory.
    row_counts = np.empty(height, dtype=np.intp)
    col_counts = np.zeros(width, dtype=np.intp)
    for top in range(0, height, _CONTENT_BAND_ROWS):
        ink = evened[top : top + _CONTENT_BAND_ROWS] < INKED
        row_counts[top : top + ink.shape[0]] = np.count_nonzero(ink, axis=1)
        col_counts += np.count_nonzero(ink, axis=0)
    rows = np.flatnonzero(row_counts > _SPECK_PIXELS)
    cols = np.flatnonzero(col_counts > _SPECK_PIXELS)
    if rows.size == 0 or cols.size == 0:
        return 0, 0, width, height
    margin = round(_CONTENT_MARGIN_IN * dpi)
    return (max(0, int(cols[0]) - margin), max(0, int(rows[0]) - margin),
            min(width, int(cols[-1]) + 1 + margin), min(height, int(rows[-1]) + 1 + margin))
