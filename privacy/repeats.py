"""A value found once in a document is personal data wherever else the document prints it: a surname in a
trade name or on a signature line, the birth date of an ID card's machine-readable zone in its printed form,
the birth date a personal number encodes printed in a table row without a header, a contract's parties and
notary named on page 1 and again under the stamp of its signature page. Those other places often lack the
label or the shape that found the first one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from pipeline.models import BBox, PageOcr, PiiFinding
from privacy.recognizers.lexicon import generic_words
from privacy.recognizers.ocr_text import as_digits, fold, is_upper_initial
from privacy.recognizers.personal_number import read_personal_number

REPEAT_MIN_LENGTH = 4
REPEAT_PAD = 0.3
"""Boxes of repeated values reach this many word heights sideways (a faint first or last letter)."""
REPEAT_SCORE = 0.6
COVERED_SHARE = 0.8
_PUNCTUATION = ".,;:()[]|'\""
_PRINTED_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_DECADES = "ABCDEFGHIJKLM"


def mostly_inside(word: BBox, box: BBox) -> bool:
    return word.intersection_area(box) >= COVERED_SHARE * max(1, word.width * word.height)


def _half_inside(word: BBox, box: BBox) -> bool:
    return 2 * word.intersection_area(box) >= max(1, word.width * word.height)


def _name_words(findings: Sequence[PiiFinding]) -> set[str]:
    vocabulary = generic_words()
    words = set()
    for finding in findings:
        if finding.entity_type != "PERSON":
            continue
        # An MRZ name joins surname and given names with fillers and has no spaces: "BEGOLLI<<PETRIT", and
        # "XHAFERI<<FLORJ ON" is OCR's split of "FLORJON".
        machine_readable = any(filler in finding.value for filler in "<«")
        chunks = [chunk.replace(" ", "") for chunk in re.split(r"[<«]+", finding.value)] if machine_readable else (
            finding.value.split())
        for chunk in chunks:
            word = chunk.strip(_PUNCTUATION)
            if len(word) >= REPEAT_MIN_LENGTH and is_upper_initial(word) and fold(word) not in vocabulary:
                words.add(fold(word))
    return words


def _as_date(text: str) -> dt.date | None:
    """A printed date (``18.09.1989``) or an MRZ one (``890918``)."""
    printed = _PRINTED_DATE.fullmatch(text.strip(_PUNCTUATION))
    try:
        if printed:
            return dt.date(int(printed.group(3)), int(printed.group(2)), int(printed.group(1)))
        digits = as_digits(text.strip(_PUNCTUATION).replace(" ", ""))
        if digits is not None and len(digits) == 6:
            year = int(digits[:2])
            century = 2000 if 2000 + year <= dt.date.today().year else 1900
            return dt.date(century + year, int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return None
    return None


def _encoded_birth(value: str) -> dt.date | None:
    """The birth date an Albanian personal number encodes: decade letter, year digit, month (plus 50 for
    women), day."""
    number = read_personal_number(value.strip(_PUNCTUATION), labelled=True)
    if number is None:
        return None
    month = int(number[2:4])
    try:
        return dt.date(1900 + 10 * _DECADES.index(number[0]) + int(number[1]), month - 50 if month > 50 else month,
                       int(number[4:6]))
    except ValueError:
        return None


def _birth_dates(findings: Sequence[PiiFinding]) -> set[dt.date]:
    """Birth dates found, and those the personal numbers found encode."""
    days = {_as_date(f.value) for f in findings if f.entity_type == "DATE_OF_BIRTH"}
    days |= {_encoded_birth(f.value) for f in findings if f.entity_type == "AL_PERSONAL_NUMBER"}
    return {day for day in days if day is not None}


def repeated_values(page: PageOcr, findings: list[PiiFinding],
                    earlier: Sequence[PiiFinding] = ()) -> list[PiiFinding]:
    """Findings for every other word of ``page`` that repeats a name word or a birth date of ``findings``
    (this page's) or of ``earlier`` (the document's pages before it)."""
    known = [*findings, *earlier]
    names, births = _name_words(known), _birth_dates(known)
    if not names and not births:
        return []
    boxes = [f.bbox for f in findings]
    repeated = []
    for word in page.words:
        text = word.text.strip(_PUNCTUATION)
        if fold(text) in names:
            entity = "PERSON"
        elif births and _PRINTED_DATE.fullmatch(text) and _as_date(text) in births:
            entity = "DATE_OF_BIRTH"
        else:
            continue
        if any(mostly_inside(word.bbox, box) for box in boxes):
            continue
        if any(f.entity_type == entity and _half_inside(word.bbox, f.bbox) for f in findings):
            continue  # the same place, read again (a recovered word's box is often taller than the finding's)
        pad = int(REPEAT_PAD * word.bbox.height)
        bbox = BBox(x0=word.bbox.x0 - pad, y0=word.bbox.y0 - pad // 2, x1=word.bbox.x1 + pad,
                    y1=word.bbox.y1 + pad // 2)
        repeated.append(PiiFinding(entity_type=entity, page_index=page.page_index,
                                   bbox=bbox.grow(0, page.width, page.height), score=REPEAT_SCORE, value=text))
    return repeated
