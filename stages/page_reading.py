"""One page from scan to words: turned upright, straightened, read; the orientation check folded into the
OCR pass.

:func:`stages.geometry.straighten` lays the text lines level but, on most pages, cannot tell upright from
upside down by the lines' shape. Instead of probing every such page (two small tesseract reads, half the
geometry stage's time), the page is read as it lies and probed only when that reading is poor: upright
pages read at 84-96 letter-weighted confidence, upside-down ones at 31-50 (generated scans, 12 pages).
A page that was upside down after all is read a second time, the right way up. So is a page the probe
leaves as it lies although it read poorly, and the better-read way up kept: the probe reads two small
crops, and a page of little text (a contract's signature page, three names under a stamp) gives it too
little to go by (one such page of 30 English pages, seed 6363, was read upside down: 71 edits on 75
characters). Where the lines' shape does tell, a page it turned over that then reads poorly is probed too:
on a page of little text the shape can mislead (a lease's signature page of seed 8484, unseen layout,
three names under signatures and a stamp in a serif face, upright and taken for upside down at 0.65: 67
edits on 69 characters, the held-out corpus's English 1.58%). Pages it left as they lie are not probed
again: a page that reads poorly the right way up (stamps, a photo) is common, an upside-down one rare,
and each probe costs two small reads and, below :data:`OVERRULE_BELOW`, a whole second one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.models import GeometryResult, PageOcr
from stages.geometry import apply_geometry, settle_up_down, straighten
from stages.images import fit_mask
from stages.ocr import letter_confidence, recognize

UPRIGHT_CONFIDENCE = 70.0
"""Letter-weighted OCR confidence from which a page left open, or turned over by its lines' shape, by
:func:`straighten` is taken as read the right way up; halfway between the two groups measured above."""

OVERRULE_BELOW = 55.0
"""Letter-weighted confidence under which a page the probe says lies the right way up is read turned over
too: upside-down pages read at 31-50, so a page reading above this (a tax certificate of stamps and dashed
rules at 67) was not upside down, and a second read would only cost time."""
OVERRULE_MARGIN = 10.0
"""How much better (letter-weighted confidence) the page must read turned over to overrule the probe that
said it lies the right way up: a page of stamps and signatures reads poorly either way, and a few points
either way are chance (the signature page above: 41 as it lay, 70 turned)."""

TEXT_LAYER_SKEW_DEG = 0.01


@dataclass(frozen=True)
class PageReading:
    geometry: GeometryResult
    image: NDArray[np.uint8]
    """The corrected page (``is`` the input when nothing was turned or straightened: :attr:`turned`)."""
    ocr: PageOcr
    geometry_seconds: float
    ocr_seconds: float
    turned: bool = True
    """``image`` is a new array (the page was turned or straightened), not the one given."""


def _kept(image: NDArray[np.uint8]) -> Callable[[], NDArray[np.uint8]]:
    return lambda: image


def _turned(colour_ink: Callable[[], NDArray[np.uint8] | None] | None, geometry: GeometryResult,
            shape: tuple[int, ...]) -> Callable[[], NDArray[np.uint8] | None]:
    """``colour_ink``'s mask, when the OCR asks for it, turned as ``geometry`` turned the page and laid on
    the page of ``shape``."""

    def turned() -> NDArray[np.uint8] | None:
        mask = colour_ink() if colour_ink is not None else None
        return None if mask is None else fit_mask(apply_geometry(mask, geometry, fill=0), shape)

    return turned


def read_page(image: NDArray[np.uint8], *, dpi: int, page_index: int, lang: str, engine: str,
              text_layer: PageOcr | None = None,
              scanned: Callable[[], NDArray[np.uint8]] | None = None,
              colour_ink: Callable[[], NDArray[np.uint8] | None] | None = None) -> PageReading:
    """Geometry and words of one page. A born-digital page (``text_layer``) that needs no turning keeps
    its own words; a blank page gets none.

    ``scanned`` gives ``image`` again (decodes it anew). With it, the page as scanned is let go of once
    it is straightened and asked for again only if the reading is poor and the page must be probed the
    other way up (an upside-down page). A caller that hands over its only reference to ``image``
    (``read_page(decode(data), scanned=lambda: decode(data), ...)``) thus frees one page image (8.7 MB
    at 300 dpi) for the whole OCR, which is a worker thread's peak of memory.

    ``colour_ink`` gives the mask of the page's coloured ink as scanned, at any size in its proportions
    (:attr:`stages.intake.RasterPage.colour_ink`, stored by the intake), or ``None`` for a page without
    colour: the OCR asks for it, turned and straightened like the page, when the page has lines."""
    start = time.perf_counter()
    straightened = straighten(image, dpi=dpi)
    geometry, corrected, up_down_open = straightened.result, straightened.image, straightened.up_down_open
    check_up_down = up_down_open or straightened.turned_over_by_shape
    del straightened
    if up_down_open and text_layer is not None:
        # No OCR to judge by: a born-digital page's own words are only right if it lies upright.
        geometry, corrected = settle_up_down(image, dpi=dpi, open_result=geometry)
    turned = corrected is not image
    as_scanned = scanned if scanned is not None else _kept(image)
    del image
    geometry_seconds = time.perf_counter() - start
    start = time.perf_counter()
    if geometry.blank:
        words = PageOcr(page_index=page_index, width=corrected.shape[1], height=corrected.shape[0], dpi=dpi,
                        lang=lang, words=[], mean_confidence=0.0)
        return PageReading(geometry, corrected, words, geometry_seconds, time.perf_counter() - start, turned)
    if text_layer is not None and geometry.orientation_deg == 0 and abs(geometry.skew_deg) < TEXT_LAYER_SKEW_DEG:
        return PageReading(geometry, corrected, text_layer, geometry_seconds, 0.0, turned)
    ocr = recognize(corrected, page_index=page_index, dpi=dpi, lang=lang, engine=engine,
                    colour_ink=_turned(colour_ink, geometry, corrected.shape))
    ocr_seconds = time.perf_counter() - start
    if check_up_down and text_layer is None and letter_confidence(ocr.words) < UPRIGHT_CONFIDENCE:
        start = time.perf_counter()
        original = as_scanned()
        settled, settled_image = settle_up_down(original, dpi=dpi, open_result=geometry)
        geometry_seconds += time.perf_counter() - start
        margin = 0.0
        if settled.orientation_deg == geometry.orientation_deg:
            if letter_confidence(ocr.words) >= OVERRULE_BELOW:
                return PageReading(settled, corrected, ocr, geometry_seconds, ocr_seconds, turned)
            # The probe reads two small crops and agrees with the page as it lies, yet the whole page read
            # as poorly as an upside-down one: a page of little text (a contract's signature page: three
            # names, a stamp and a footer) gives the probe too little to go by. The page read the other
            # way up is the stronger witness.
            geometry = settled  # same turn, now with the probe's confidence
            settled = settled.model_copy(update={"orientation_deg": (settled.orientation_deg + 180) % 360,
                                                 "orientation_confidence": 0.0})
            settled_image = np.ascontiguousarray(np.rot90(corrected, 2))
            margin = OVERRULE_MARGIN
        start = time.perf_counter()
        again = recognize(settled_image, page_index=page_index, dpi=dpi, lang=lang, engine=engine,
                          colour_ink=_turned(colour_ink, settled, settled_image.shape))
        ocr_seconds += time.perf_counter() - start
        if letter_confidence(again.words) > letter_confidence(ocr.words) + margin:
            geometry, corrected, ocr, turned = settled, settled_image, again, settled_image is not original
    return PageReading(geometry, corrected, ocr, geometry_seconds, ocr_seconds, turned)
