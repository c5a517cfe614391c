"""PHONE_NUMBER: Albanian (+355 6x mobiles, 0xx landlines) and international numbers, checked against
the numbering plan with ``phonenumbers``.

OCR misreads the plus sign as ``1``, ``4`` or ``7`` (``1355 69 ...``) and digits as look-alike letters;
both are repaired before the number is parsed. A number without ``+``/``00`` or a leading trunk ``0`` is
only taken behind a phone label.
"""

from __future__ import annotations

import re

import phonenumbers

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before, labelled_values
from privacy.recognizers.ocr_text import DIGITISH, as_digits, digit_share

REGION = "AL"
_RUN = re.compile(rf"(?<![a-z0-9+])(?:\+[ ]?|\(\+?)?{DIGITISH}(?:[ ./\-()]{{0,2}}{DIGITISH}){{5,16}}(?![a-z0-9])")
_GROUP = re.compile(rf"{DIGITISH}+")
_PLUS_MISREAD = ("1355", "4355", "7355", "t355")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
"""A calendar date ("05.11.2020"): its digits can spell a valid landline, but no phone is printed so."""


def read_phone(chars: str, *, labelled: bool) -> str | None:
    """The E.164 number ``chars`` stands for, or ``None``."""
    if _DATE.match(chars.strip()):
        return None
    plus = chars.lstrip("(").startswith("+")
    body = "".join(char for char in chars if char not in " ./-()+")
    digits = as_digits(body)
    if digits is None or len(digits) < 6 or digit_share(body) < 0.7:
        return None
    if not labelled and sum(char.isalpha() for char in body) > 1:
        return None  # letters among the digits, unlabelled: a code ("D046381A733D"), not a misread phone
    if not plus:
        if body[:4] in _PLUS_MISREAD and len(digits) >= 11:
            plus, digits = True, digits[1:]
        elif digits.startswith("00"):
            plus, digits = True, digits[2:]
        elif digits.startswith("355") and len(digits) >= 11:
            plus = True
        elif not digits.startswith("0") and not labelled:
            return None
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _spans(folded: str, run: re.Match[str]) -> list[tuple[int, int]]:
    """Sub-spans of a run from group boundary to group boundary, earliest and longest first.

    A run may begin with a word OCR made digit-like, or carry a date or a second number behind the phone.
    """
    groups = list(_GROUP.finditer(folded, run.start(), run.end()))
    starts = [run.start()] + [g.start() for g in groups[1:]]
    ends = [g.end() for g in groups]
    return [(lo, hi) for lo in starts for hi in reversed(ends) if hi > lo]


class PhoneRecognizer(SportelRecognizer):
    ENTITY = "PHONE_NUMBER"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        labelled_spans = [(f.value_start, f.value_end) for f in labelled_values(folded, self.ENTITY)]
        found: list[Candidate] = []
        for run in _RUN.finditer(folded):
            labelled = any(lo <= run.start() < hi for lo, hi in labelled_spans) or has_label_before(
                folded, run.start(), self.ENTITY
            )
            taken_until = run.start()
            for lo, hi in _spans(folded, run):
                if lo >= taken_until and read_phone(folded[lo:hi], labelled=labelled):
                    found.append(Candidate(lo, hi, 0.95 if labelled else 0.8, validated=True))
                    taken_until = hi
        fallback = re.compile(rf"[+(]?{DIGITISH}(?:[ ./\-()]{{0,2}}{DIGITISH}){{6,16}}")
        return found + [
            c for c in self.labelled_fallback(folded, found, fallback, 0.55)
            if digit_share(folded[c.start : c.end]) >= 0.6 and not overlaps(c, found)
        ]
