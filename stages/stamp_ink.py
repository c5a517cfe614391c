"""Lighter ink over printed text (a rubber stamp, a coloured pen) found and taken away, so the text
under it can be read again.

A stamp is pressed over the signatory's title and name; where its ring and letters cross a line of
print, tesseract reads the two inks as one shape ("Përgjegjësi" as "Përg SË ii"). On a scan the two
inks differ in grey: print is near black, stamp ink (blue, violet, red; or a grey scan of them) is
mid-grey, lighter the less ink the stamp took. :func:`stages.ocr_image.even_contrast` spreads grey levels around a
*local* threshold, and a stamp's strokes that stand alone come out as dark as print, so it cannot keep
them apart; the page as scanned can.

A line is stained when its box holds much mid-grey ink that is not the soft edge of a print stroke
(not beside print-dark pixels). Only stained lines are cleaned and read again: there, every pixel of
the scan lighter than halfway between the line's print and its paper goes white, which is where the
edge of a blurred print stroke is anyway, so print keeps its shape and lighter ink is gone.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.models import BBox

INKED = 128
"""Darker than this on the evened page (:func:`stages.ocr_image.even_contrast`) is ink."""
_PRINT_PERCENTILE = 2.0
"""The darkest grey of a line's box that counts as its print (a few pixels darker, noise, are ignored)."""
_PAPER_PERCENTILE = 90.0
_CUT = 0.45
"""Where between print and paper (share of the way) a cleaned line's ink ends: near the middle of a
blurred stroke's edge, so print keeps its width."""
_MID_GREY = (0.3, 0.7)
"""Grey levels (share of the way from print to paper) that count as lighter ink: darker is print,
lighter is paper, a print edge's fringe or a faint background."""
_EDGE_IN = 0.013
"""Mid-grey pixels this close (inches; 4 pixels at 300 dpi) to a print-dark pixel are the soft edge of a
print stroke: a scan blurs an edge over that much."""
_STAINED_SHARE = 0.02
"""Share of a line box's pixels that must be lighter ink, away from print, for the line to be read
again: an unstained line of scanned print holds well under 1%."""
_MIN_CONTRAST = 80.0
"""Print and paper this far apart (grey levels) at least; a faint line has no second ink to tell."""


def _levels(crop: NDArray[np.uint8]) -> tuple[float, float] | None:
    # Every other pixel each way: a line's grey levels are as well known from a quarter of its pixels,
    # and the percentiles (a sort) are most of this module's time.
    ink, paper = (float(v) for v in np.percentile(crop[::2, ::2], (_PRINT_PERCENTILE, _PAPER_PERCENTILE)))
    return (ink, paper) if paper - ink >= _MIN_CONTRAST else None


def stain_share(page: NDArray[np.uint8], box: BBox, dpi: int) -> float:
    """Share of ``box``'s pixels of ``page`` (the scan, not evened) that are mid-grey ink away from any
    print-dark pixel: a stamp's or a pen's strokes over or beside the print."""
    crop = page[box.y0 : box.y1, box.x0 : box.x1]
    if crop.size == 0:
        return 0.0
    levels = _levels(crop)
    if levels is None:
        return 0.0
    ink, paper = levels
    span = paper - ink
    dark = (crop < ink + _MID_GREY[0] * span).astype(np.uint8)
    reach = max(1, round(_EDGE_IN * dpi))
    near_dark = cv2.dilate(dark, np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    mid = (crop >= ink + _MID_GREY[0] * span) & (crop < ink + _MID_GREY[1] * span) & ~near_dark
    return float(np.count_nonzero(mid)) / crop.size


def stained(page: NDArray[np.uint8], box: BBox, dpi: int) -> bool:
    return stain_share(page, box, dpi) >= _STAINED_SHARE


def colour_stained(coloured: NDArray[np.uint8], box: BBox) -> bool:
    """Coloured ink (``coloured``: the mask of what no word written in it accounts for) over or beside
    the print of ``box``, however dark its grey."""
    crop = coloured[box.y0 : box.y1, box.x0 : box.x1]
    return crop.size > 0 and np.count_nonzero(crop) >= _STAINED_SHARE * crop.size


_COLOURED_WORD = 0.5
"""A word whose ink is at least this share coloured is written in coloured ink."""


def in_colour(evened: NDArray[np.uint8], coloured: NDArray[np.uint8], box: BBox) -> bool:
    """The ink of ``box`` (dark on the evened page) is mostly coloured (``coloured``: the mask)."""
    inked = evened[box.y0 : box.y1, box.x0 : box.x1] < INKED
    count = int(np.count_nonzero(inked))
    if count == 0:
        return False
    return np.count_nonzero(inked & (coloured[box.y0 : box.y1, box.x0 : box.x1] > 0)) >= _COLOURED_WORD * count


def without_colour(page: NDArray[np.uint8], coloured: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The scan ``page`` with the ink its mask ``coloured`` marks made paper-white, so that what the grey
    cut of :func:`without_light_ink` keeps is print. Ink pressed hard (a violet of grey 45) is coloured
    but not light; where a stamp crosses print, the two inks multiply to black, no longer coloured, and
    stay."""
    cleaned = page.copy()
    cleaned[coloured > 0] = 255
    return cleaned


def without_light_ink(evened: NDArray[np.uint8], page: NDArray[np.uint8], box: BBox) -> float | None:
    """Whiten in ``evened`` (in place, within ``box``) every pixel the scan ``page`` shows lighter than
    the cut between the box's print and paper (:func:`cut_level`); returns that cut."""
    cut = cut_level(page, box)
    if cut is None:
        return None
    region = evened[box.y0 : box.y1, box.x0 : box.x1]
    region[page[box.y0 : box.y1, box.x0 : box.x1] > cut] = 255
    return cut


def cut_level(page: NDArray[np.uint8], box: BBox) -> float | None:
    """The grey level under which the scan's ink in ``box`` is print (None: too faint to tell inks)."""
    crop = page[box.y0 : box.y1, box.x0 : box.x1]
    levels = _levels(crop) if crop.size else None
    if levels is None:
        return None
    ink, paper = levels
    return ink + _CUT * (paper - ink)


_PRINT_SHARE = 0.1
"""A word whose ink holds less than this share of print-dark pixels is written in the lighter ink."""


def light_only(evened: NDArray[np.uint8], page: NDArray[np.uint8], box: BBox, cut: float) -> bool:
    """The ink of ``box`` (dark on the evened page) is all lighter than ``cut`` on the scan: a stamp's
    letters, not print."""
    inked = evened[box.y0 : box.y1, box.x0 : box.x1] < INKED
    count = int(np.count_nonzero(inked))
    if count == 0:
        return False
    dark = np.count_nonzero(inked & (page[box.y0 : box.y1, box.x0 : box.x1] < cut))
    return dark < _PRINT_SHARE * count
