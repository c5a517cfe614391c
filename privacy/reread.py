"""A second, closer look at a labelled field whose value did not validate.

Tesseract's Albanian model misreads field values that are not words: ``+355`` as ``1355``, ``@`` as
``0``, the letters of a personal number as digits. Behind a label we know what kind of value to expect,
so the value region (the words right of the label, on its line) is cropped from the page image and read
again with the English model, one text line, and only the characters such a value can hold.
"""

from __future__ import annotations

import string

import cv2
import numpy as np
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine

from pipeline.models import BBox
from privacy.page_text import PageText, PlacedWord, TextHit
from privacy.recognizers.base import LANGUAGE, VALIDATED
from privacy.recognizers.labels import labelled_values
from privacy.recognizers.ocr_text import fold
from privacy.tess import SINGLE_LINE, read_text

_UPPER_DIGITS = string.ascii_uppercase + string.digits
WHITELISTS: dict[str, str] = {
    "EMAIL_ADDRESS": string.ascii_letters + string.digits + "@._-+",
    "PHONE_NUMBER": string.digits + "+ ()-/.",
    "AL_PERSONAL_NUMBER": _UPPER_DIGITS,
    "AL_NIPT": _UPPER_DIGITS,
    "IBAN_CODE": _UPPER_DIGITS + " ",
    "AL_VEHICLE_PLATE": _UPPER_DIGITS + " -",
    "DATE_OF_BIRTH": string.digits + "./-",
}
"""Entities worth a re-read, and the characters their values are made of."""

REREAD_LANGUAGES = ("eng", "sqi+eng")
"""English first (it knows ``+`` and ``@``); Albanian with English second, for glyphs the English model
gets wrong in some fonts (DejaVu's descending ``J`` comes out as ``)`` and is dropped). The second is the
page OCR's own pair, so a worker thread loads no third model for it (same recall and precision as
``eng+sqi`` on two 24-document corpora, seeds 555 and 556 unseen layout)."""

TARGET_LINE_HEIGHT = 48
"""Crops are scaled so a text line is about this tall in pixels, where tesseract reads best."""


def _read_line(crop: NDArray[np.uint8], whitelist: str, lang: str) -> str:
    text = read_text(crop, lang=lang, psm=SINGLE_LINE, whitelist=whitelist).strip()
    # Stray marks at the crop's edges come out as punctuation; values neither start nor end with it.
    return text.strip("_.-/ ")


def _region(image: NDArray[np.uint8], box: BBox, left_limit: int, right_limit: int) -> BBox:
    """The value's words' box, wider sideways (OCR may have dropped a faint first or last character from
    the word box), but never into the neighbouring words (the label on the left would be read too)."""
    height, width = image.shape[:2]
    side, top = max(6, box.height), max(4, box.height // 4)
    return BBox(x0=max(0, left_limit, box.x0 - side), y0=max(0, box.y0 - top),
                x1=min(width, right_limit, box.x1 + side), y1=min(height, box.y1 + top))


def _crop(image: NDArray[np.uint8], grown: BBox, box: BBox) -> NDArray[np.uint8]:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    crop = np.ascontiguousarray(gray[grown.y0 : grown.y1, grown.x0 : grown.x1])
    scale = min(3.0, max(1.0, TARGET_LINE_HEIGHT / max(1, box.height)))
    if scale > 1.0:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return np.asarray(cv2.copyMakeBorder(crop, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255), dtype=np.uint8)


def reread_fields(layout: PageText, image: NDArray[np.uint8], analyzer: AnalyzerEngine,
                  hits: list[TextHit]) -> list[TextHit]:
    """``hits`` with each unvalidated labelled value replaced by its re-read, where the re-read validates."""
    folded = fold(layout.text)
    result = list(hits)
    for entity, whitelist in WHITELISTS.items():
        for field in labelled_values(folded, entity):
            if field.value_end <= field.value_start:
                continue
            overlapping = [h for h in result if h.start < field.value_end and field.value_start < h.end]
            same = [h for h in overlapping if h.entity == entity]
            # A value that validated as another entity of a shared label ("Nr. personal / NIPT:") is read.
            if any(h.validated and h.entity in WHITELISTS for h in overlapping):
                continue
            words = layout.words_between(field.value_start, field.value_end)
            if not words or len({w.line for w in words}) != 1:
                continue
            box = layout.words[words[0].index].bbox
            for placed in words[1:]:
                box = box.union(layout.words[placed.index].bbox)
            left, right = _neighbour_edges(layout, words[0], words[-1])
            region = _region(image, box, left, right)
            crop = _crop(image, region, box)
            label = layout.text[field.label_start : field.label_end]
            found = None
            for lang in REREAD_LANGUAGES:
                found = _validated_value(analyzer, label, _read_line(crop, whitelist, lang), entity)
                if found is not None:
                    break
            if found is None:
                continue
            result = [h for h in result if h not in same]
            start, end = words[0].start, words[-1].end
            # A re-read longer than the words found characters OCR had left out of their boxes: the value
            # then reaches into the region read, and the box must too.
            longer = len(found[0].replace(" ", "")) > len(layout.text[start:end].replace(" ", ""))
            result.append(TextHit(entity, start, end, found[1], True, value=found[0], box=region if longer else None))
    return result


def _neighbour_edges(layout: PageText, first: PlacedWord, last: PlacedWord) -> tuple[int, int]:
    """The right edge of the word before ``first`` and the left edge of the word after ``last``, on
    their line (page edges where there is none)."""
    order = layout.placed.index(first), layout.placed.index(last)
    left, right = 0, 1 << 30
    if order[0] > 0 and layout.placed[order[0] - 1].line == first.line:
        left = layout.words[layout.placed[order[0] - 1].index].bbox.x1 + 2
    if order[1] + 1 < len(layout.placed) and layout.placed[order[1] + 1].line == last.line:
        right = layout.words[layout.placed[order[1] + 1].index].bbox.x0 - 2
    return left, right


def _validated_value(analyzer: AnalyzerEngine, label: str, value: str, entity: str) -> tuple[str, float] | None:
    prefix = label + ": "
    for found in analyzer.analyze(prefix + value, language=LANGUAGE, entities=[entity]):
        if found.start >= len(prefix) and (found.recognition_metadata or {}).get(VALIDATED):
            return (prefix + value)[found.start : found.end], found.score
    return None
