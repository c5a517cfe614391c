"""AL_PERSONAL_NUMBER: the 10-character personal number (NID) of Albanian ID cards and certificates.

Shape (see the ``idnumbers`` package): a decade letter, a year digit, the month (01-12, or 51-62 for women),
the day, a 3-digit serial and a check letter whose algorithm is not public. OCR turns the letters into
look-alike digits (``I`` -> ``1``) and back, so each position is read as the kind it must be and the result
is checked as a calendar date.
"""

from __future__ import annotations

import re
from functools import lru_cache

from idnumbers.nationalid.ALB import IdentityNumber

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before
from privacy.recognizers.mrz import mrz_fields
from privacy.recognizers.ocr_text import ALNUM, DIGITISH, as_digits, as_letters, compact, digit_share, digitish_count

_LETTER = rf"(?:{ALNUM}|\))"
"""The decade letter or the check letter: a descending ``J`` may come out as ``)`` (its top lost), and ``J``
is the decade of everyone born in the 1990s."""
ID_SHAPE = re.compile(rf"(?<![a-z0-9]){_LETTER}(?:[ ]?{DIGITISH}){{8}}[ ]?{_LETTER}(?![a-z0-9])")
"""Ten characters, letter-digit*8-letter as OCR may print them (folded text; spaces inside tolerated)."""
_ONE_TOO_MANY = re.compile(rf"(?<![a-z0-9]){ALNUM}{{2}}{DIGITISH}{{8}}{ALNUM}(?![a-z0-9])|"
                           rf"(?<![a-z0-9]){ALNUM}{DIGITISH}{{8}}{ALNUM}{{2}}(?![a-z0-9])")
"""Eleven characters: OCR doubled the first or last letter ("1I55701012K")."""

_GROUP_BEFORE = re.compile(r"[0-9][ ]\Z")


def inside_grouped_number(folded: str, match: re.Match[str]) -> bool:
    """Ten characters read across the groups of a longer number ("... 4103 9803 1974 at" of an IBAN): the
    match has a group space inside and a digit group right before it."""
    return " " in match.group() and bool(_GROUP_BEFORE.search(folded, max(0, match.start() - 2), match.start()))


_DECADES = "ABCDEFGHIJKLM"
"""Decade letters of people alive now (A = 1900s ... M = 2020s)."""

_FALLBACK = re.compile(r"(?<![a-z0-9])[a-z0-9|!)](?:[ ]?[a-z0-9|!]){7,11}(?![a-z0-9])")


@lru_cache(maxsize=4096)
def read_personal_number(chars: str, *, labelled: bool = False) -> str | None:
    """The personal number ``chars`` stands for (upper case, compact), or ``None`` if it cannot be one.

    Unlabelled, most of the middle must be real digits; behind a label the calendar check suffices
    (OCR can turn half of ``00804`` into ``OOBOA``).
    """
    raw = compact(chars)
    if len(raw) != 10 or digit_share(raw[1:9]) < (0.25 if labelled else 0.75):
        return None
    head, body, tail = as_letters(raw[0]), as_digits(raw[1:9]), as_letters(raw[9])
    if head is None or body is None or tail is None or head not in _DECADES:
        return None
    number = head + body + tail
    return number if IdentityNumber.validate(number) else None


def read_mrz_number(chars: str) -> str | None:
    """The personal number in the optional-data field of an MRZ line as OCR read it: ten characters, or
    eleven when OCR read a filler as a letter or doubled a character (the field's place in the line says
    what it is, so one character may be dropped)."""
    raw = compact(chars)
    if len(raw) == 10:
        return read_personal_number(raw, labelled=True)
    if len(raw) != 11:
        return None
    for index in (10, *range(10)):
        number = read_personal_number(raw[:index] + raw[index + 1 :], labelled=True)
        if number is not None:
            return number
    return None


class AlPersonalNumberRecognizer(SportelRecognizer):
    ENTITY = "AL_PERSONAL_NUMBER"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for match in ID_SHAPE.finditer(folded):
            if inside_grouped_number(folded, match):
                continue
            labelled = has_label_before(folded, match.start(), self.ENTITY)
            if read_personal_number(match.group(), labelled=labelled) is None:
                continue
            if not labelled and not any(c.isalpha() for c in (match.group()[0], match.group()[-1])):
                continue  # ten digits that happen to spell a date ("Data: 1211012025") are not a number
            # An individual's NIPT has the same shape: a NIPT label alone gives it to AlNiptRecognizer;
            # "Nr. personal / NIPT:" keeps it a personal number.
            if not labelled and has_label_before(folded, match.start(), "AL_NIPT"):
                continue
            found.append(Candidate(match.start(), match.end(), 0.95 if labelled else 0.8, validated=True))
        for match in _ONE_TOO_MANY.finditer(folded):
            chars = match.group()
            for trimmed in (chars[1:], chars[:-1]):
                if read_personal_number(trimmed) and any(c.isalpha() for c in (trimmed[0], trimmed[-1])):
                    found.append(Candidate(match.start(), match.end(), 0.7, validated=True))
                    break
        for field in mrz_fields(folded):
            if field.entity != self.ENTITY or overlaps(Candidate(field.start, field.end, 0, False), found):
                continue
            # The field's place in the line says what it holds: taken even when OCR garbled it past reading.
            valid = read_mrz_number(folded[field.start : field.end]) is not None
            found.append(Candidate(field.start, field.end, 0.9 if valid else 0.6, validated=valid))
        return found + [
            c for c in self.labelled_fallback(folded, found, _FALLBACK, 0.55) if _digit_rich(folded, c)
            and not overlaps(c, found)
        ]


def _digit_rich(folded: str, candidate: Candidate) -> bool:
    return digitish_count(compact(folded[candidate.start : candidate.end])) >= 6
