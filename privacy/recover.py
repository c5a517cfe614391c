"""Text the page OCR did not see or barely read: names under a stamp, beside a signature, in a corner of
an ID card.

Tesseract's page layout analysis skips regions it takes for pictures, and a stamp printed over a name
makes the name one, or garbles it ("Alb “t Gjergji"). Such text is still readable by anyone who looks at
the page, so before detection the ink that no confidently read OCR word accounts for is gathered into
regions, cleaned of grey (stamps are printed lighter than text), and read in one OCR pass over all
regions stacked into one image. The words found replace the poorly read words they overlap, for
detection only; the text layer is built from the page's own OCR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.models import BBox, PageOcr, Word
from privacy.components import component_stats
from privacy.tess import SPARSE, read_words
from stages.images import darkest_half, stack_crops

DARK = 110
"""Text ink is darker than this; stamps, guilloche and paper texture are lighter."""
MAX_REGIONS = 40
MAX_REGION_SHARE = 0.15
"""Regions larger than this share of the page are pictures (a photo on an ID card), not text."""
MIN_CONFIDENCE = 40.0
WELL_READ = 60.0
"""Page OCR words this confident are taken as read; the ink of the others is read again."""
GAP = 24
RECOVERED_LINE_BASE = 1_000_000
"""Line ids of recovered words start here: they never join the page OCR's own lines."""


def _gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return image if image.ndim == 2 else np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _regions(dark_half: NDArray[np.uint8], line_height: int) -> list[BBox]:
    """Boxes (in page pixels) of the leftover ink that could be words, found on the half-size ink mask: a
    line high or a little more, wider than tall."""
    half = max(4, line_height // 2)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(2, half), max(2, half // 3)))
    joined = np.asarray(cv2.dilate(dark_half, kernel), dtype=np.uint8)
    height, width = dark_half.shape
    boxes = []
    for x, y, w, h, _area in component_stats(joined):
        if not (0.6 * half <= h <= 4 * half and w >= 1.5 * half):
            continue
        if w * h > MAX_REGION_SHARE * width * height:
            continue
        boxes.append(BBox(x0=2 * int(x), y0=2 * int(y), x1=2 * int(x + w), y1=2 * int(y + h)))
    boxes.sort(key=lambda b: b.width * b.height, reverse=True)
    return boxes[:MAX_REGIONS]


def _erase_rules(dark_half: NDArray[np.uint8], line_height: int) -> None:
    """Table and form rules out of the half-size ink mask, dashed ones too, across and down: no text
    hides in them, and left in they would make every ruled row and every cell's corner a region to read.
    A rule is ink that, with a dash's gaps closed, runs on for several line heights while staying
    thinner than a line of text is tall."""
    half = max(4, line_height // 2)
    gap, run, thickness = max(3, half // 2), 3 * half, max(2, half // 3)
    # Down is across with every kernel turned: the same pixels as the across pass on the transposed mask,
    # without OpenCV copying that strided view first (three times slower).
    for turned in (False, True):
        closed = cv2.morphologyEx(dark_half, cv2.MORPH_CLOSE, _line_kernel(gap, 1, turned))
        runs = cv2.morphologyEx(closed, cv2.MORPH_OPEN, _line_kernel(run, 1, turned))
        # A run as tall as a text line is a line of text whose letters the closing joined, not a rule.
        text_rows = cv2.morphologyEx(runs, cv2.MORPH_OPEN, _line_kernel(1, thickness, turned))
        rules = cv2.dilate(cv2.subtract(runs, text_rows), np.ones((3, 3), np.uint8))
        # Zeroed where a rule is, in place: a multiplication costs a fifth of a masked assignment.
        np.multiply(dark_half, rules == 0, out=dark_half, casting="unsafe")


def _line_kernel(length: int, thickness: int, turned: bool) -> NDArray[np.uint8]:
    """A kernel ``length`` across and ``thickness`` down, or, ``turned``, as long down and as thick across."""
    return np.ones((length, thickness) if turned else (thickness, length), np.uint8)


def _stack(gray: NDArray[np.uint8], boxes: list[BBox]) -> tuple[NDArray[np.uint8], list[int]]:
    """The regions one under another on white, each cleaned of ink lighter than text."""
    return stack_crops([np.where(gray[box.y0 : box.y1, box.x0 : box.x1] < DARK, 0, 255) for box in boxes], GAP)


FAINT_MARGIN = 60
"""A word whose darkest ink is this much lighter than the page's printed words' is a stamp's."""
TEXT_SAMPLE = 40
"""Well-read words whose ink tells how dark the page's print is."""


@dataclass
class InkCheck:
    """Whether a word's ink is a stamp's: printed lighter than text. Its darkest pixels (all of a letter's
    stroke is ink) stay lighter than :data:`DARK`, and well lighter than the page's printed words (a faded
    scan's text is light too). Measured on demand: only a few words ever need it."""

    image: NDArray[np.uint8]
    page: PageOcr
    _text_dark: float | None = field(default=None, init=False)

    def _darkest(self, box: BBox) -> float:
        crop = self.image[box.y0 : box.y1, box.x0 : box.x1]
        return float(np.percentile(crop, 5)) if crop.size else 255.0

    def _text(self) -> float:
        if self._text_dark is None:
            sample = [w for w in self.page.words if w.conf >= WELL_READ and len(w.text) >= 3][:TEXT_SAMPLE]
            self._text_dark = median(self._darkest(w.bbox) for w in sample) if sample else 0.0
        return self._text_dark

    def faint(self, word: Word) -> bool:
        darkest = self._darkest(word.bbox)
        return darkest >= DARK and darkest >= self._text() + FAINT_MARGIN


def ink_check(page: PageOcr, image: NDArray[np.uint8]) -> InkCheck | None:
    """An :class:`InkCheck` of ``page``, or ``None`` if ``image`` is not the page the OCR read."""
    gray = _gray(image)
    return InkCheck(gray, page) if gray.shape == (page.height, page.width) else None


def with_recovered(page: PageOcr, recovered: list[Word]) -> PageOcr:
    """``page`` with the recovered words. Where recovered words lie over poorly read page words (the two
    readings of one stretch of ink), the recovered reading takes its place if it is surer, about as long
    and as wide ("Klara Kadriu" for "EDafa,Kadriu"); otherwise the page's reading stays. A shorter reading
    may have read only part of the stretch ("Admir" of "Administrator"), and its words would then stand for
    all of it. The box of page words OCR barely believed is no measure of width: it often takes in a
    table's rules and a row's number ("OT" for "1 | F10404397M")."""
    kept: list[Word] = []
    replaced: set[int] = set()
    for group_old, group_new in _overlapping_groups(page.words, recovered):
        if not group_old:
            kept.extend(group_new)
            continue
        olds = [page.words[i] for i in group_old]
        surer = min(w.conf for w in group_new) > max(w.conf for w in olds)
        garbled = all(w.conf < MIN_CONFIDENCE for w in olds)
        as_long = sum(len(w.text) for w in group_new) >= 0.7 * sum(len(w.text) for w in olds)
        as_wide = _width(group_new) >= 0.5 * _width(olds)
        if surer and as_long and (as_wide or garbled):
            kept.extend(group_new)
            replaced.update(group_old)
    words = [w for i, w in enumerate(page.words) if i not in replaced]
    return page.model_copy(update={"words": [*words, *kept]})


def _overlapping_groups(old: list[Word], new: list[Word]) -> list[tuple[list[int], list[Word]]]:
    """Recovered words grouped with the page words they overlap, transitively."""
    groups: list[tuple[set[int], list[Word]]] = []
    for word in new:
        under = {i for i, o in enumerate(old) if o.bbox.intersects(word.bbox)}
        joined = [g for g in groups if g[0] & under]
        merged_old = under.union(*(g[0] for g in joined))
        merged_new = [*(w for g in joined for w in g[1]), word]
        groups = [g for g in groups if all(g is not j for j in joined)] + [(merged_old, merged_new)]
    return [(sorted(o), n) for o, n in groups]


def _width(words: list[Word]) -> int:
    return max(w.bbox.x1 for w in words) - min(w.bbox.x0 for w in words)


def _read_sparse(canvas: NDArray[np.uint8], *, dpi: int, lang: str) -> list[Word]:
    """Tesseract in sparse-text mode: the regions are scraps among scribbles, where its page layout
    analysis (the page OCR's mode) finds no text block at all."""
    return read_words(canvas, lang=lang, psm=SPARSE, dpi=dpi)


def recover_words(page: PageOcr, image: NDArray[np.uint8], *, half: NDArray[np.uint8] | None = None) -> list[Word]:
    """Words in the page image that ``page``'s OCR left out or read poorly, in page pixels. ``half`` is
    :func:`stages.images.darkest_half` of the page when the caller has it already."""
    gray = _gray(image)
    if gray.shape != (page.height, page.width):
        return []
    dark_half = ((darkest_half(gray) if half is None else half) < DARK).astype(np.uint8)
    for word in page.words:
        if word.conf >= WELL_READ:
            box = word.bbox.grow(3, page.width, page.height)
            dark_half[box.y0 // 2 : (box.y1 + 1) // 2, box.x0 // 2 : (box.x1 + 1) // 2] = 0
    line_height = int(median(w.bbox.height for w in page.words)) if page.words else page.dpi // 8
    _erase_rules(dark_half, max(8, line_height))
    boxes = [box.grow(0, page.width, page.height) for box in _regions(dark_half, max(8, line_height))]
    if not boxes:
        return []
    canvas, tops = _stack(gray, boxes)
    words = []
    for word in _read_sparse(canvas, dpi=page.dpi, lang=page.lang):
        if word.conf < MIN_CONFIDENCE or not any(c.isalnum() for c in word.text):
            continue
        number = max((i for i, top in enumerate(tops) if top <= word.bbox.y0 + word.bbox.height // 2), default=0)
        dx, dy = boxes[number].x0 - GAP, boxes[number].y0 - tops[number]
        bbox = BBox(x0=word.bbox.x0 + dx, y0=word.bbox.y0 + dy, x1=word.bbox.x1 + dx, y1=word.bbox.y1 + dy).grow(
            0, page.width, page.height)
        words.append(word.model_copy(update={"bbox": bbox, "line": RECOVERED_LINE_BASE + word.line}))
    return words
