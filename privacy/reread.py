"""A second, closer look at a labelled field whose value did not validate.

Tesseract's Albanian model misreads field values that are not words: ``+355`` as ``1355``, ``@`` as
``0``, the letters of a personal number as digits. Behind a label we know what kind of value to expect,
so the value region (the words right of the label, on its line) is cropped from the page image and read
again with the English model, one text line, and only the characters such a value can hold.

The first line of an ID card's machine-readable zone (the one with the personal number) gets the same
second look when the page OCR read the zone's second line but not a valid first one: its place is known
from the second line's, one line pitch above.
"""

from __future__ import annotations

import string

import cv2
import numpy as np
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine

from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.analysis import analyze
from privacy.page_text import PageText, PlacedWord, TextHit
from privacy.recognizers.base import VALIDATED
from privacy.recognizers.labels import labelled_values
from privacy.recognizers.mrz import mrz_fields
from privacy.recognizers.ocr_text import fold
from privacy.recognizers.personal_number import read_mrz_number
from privacy.tess import SINGLE_LINE, read_text
from stages.mrz import LINE_LENGTHS
from stages.mrz import WHITELIST as MRZ_CHARACTERS

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
    for found in analyze(analyzer, prefix + value, [entity]):
        if found.start >= len(prefix) and (found.recognition_metadata or {}).get(VALIDATED):
            return (prefix + value)[found.start : found.end], found.score
    return None


MRZ_CHARS = LINE_LENGTHS[3]
"""Every line of an ID card's machine-readable zone (TD1) is 30 characters of a monospaced font."""
MRZ_PITCH = 1.5
"""Line pitch of the zone in line heights, when only its second line was read."""


def reread_mrz_number(page: PageOcr, layout: PageText, image: NDArray[np.uint8]) -> list[PiiFinding]:
    """The personal number of an ID card's machine-readable zone whose first line the page OCR missed or
    garbled past reading, while it read the second (the birth date's): that line's region, one pitch
    above, read again with the zone's own characters."""
    folded = fold(layout.text)
    fields = mrz_fields(folded)
    if any(f.entity == "AL_PERSONAL_NUMBER" and read_mrz_number(folded[f.start : f.end]) for f in fields):
        return []
    births = [f for f in fields if f.entity == "DATE_OF_BIRTH"]
    names = [f for f in fields if f.entity == "PERSON"]
    if not births:
        return []
    word = _word_at(layout, births[0].start)
    second = word.bbox
    per_char = second.width / max(1, len(word.text.strip()))
    pitch = MRZ_PITCH * second.height
    if names:
        third = _word_at(layout, names[0].start).bbox
        if second.height < third.y0 - second.y0 < 3 * second.height:
            pitch = third.y0 - second.y0
    top = int(second.y0 - pitch - 0.35 * second.height)
    bottom = int(second.y1 - pitch + 0.35 * second.height)
    height, width = image.shape[:2]
    region = BBox(x0=max(0, int(second.x0 - per_char)), y0=max(0, top),
                  x1=min(width, int(second.x0 + (MRZ_CHARS + 1) * per_char)), y1=min(height, max(top + 1, bottom)))
    if region.width <= 0 or region.height <= 0:
        return []
    read = _read_line(_crop(image, region, second), MRZ_CHARACTERS, "eng")
    line = fold(read)
    for field in mrz_fields(line):
        if field.entity != "AL_PERSONAL_NUMBER" or read_mrz_number(line[field.start : field.end]) is None:
            continue
        share = region.width / max(1, len(line))
        box = BBox(x0=max(0, region.x0 + int((field.start - 1) * share)), y0=region.y0,
                   x1=min(width, region.x0 + int((field.end + 1) * share) + 1), y1=region.y1)
        return [PiiFinding(entity_type="AL_PERSONAL_NUMBER", page_index=page.page_index, bbox=box, score=0.8,
                           value=read[field.start : field.end])]
    return []


def _word_at(layout: PageText, start: int) -> Word:
    """The word holding character ``start`` of the page text."""
    return layout.words[layout.words_between(start, start + 1)[0].index]
