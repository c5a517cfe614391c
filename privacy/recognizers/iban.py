"""IBAN_CODE: bank account numbers, accepted only with valid IBAN check digits (``stdnum.iban``).

Albanian IBANs have 28 characters and are usually printed in groups of four. OCR confuses ``0``/``O``,
``1``/``I`` and similar inside the account part, whose characters are almost always digits: the number
is checked as printed and with look-alikes read as digits. Behind an IBAN label a value that fails the
check is still taken, at a lower score.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before
from privacy.recognizers.ocr_text import ALNUM, DIGITISH, as_digits, as_letters, compact, digit_share

_RUN = re.compile(rf"(?<![a-z0-9]){ALNUM}{ALNUM}[ ]?{DIGITISH}[ ]?{DIGITISH}(?:[ ]?{ALNUM}){{11,32}}")
_FALLBACK = re.compile(r"(?<![a-z0-9])[a-z0-9|!](?:[ ]?[a-z0-9|!]){13,33}")


def _readings(bban: str) -> Iterator[str]:
    """The account part as printed, then with every digit look-alike taken as a digit.

    Only these two: trying each ambiguous character both ways would make about one string in a hundred
    pass the mod-97 check by chance for every seven ambiguous characters.
    """
    yield bban.upper().replace("|", "1").replace("!", "1")
    digits = as_digits(bban)
    if digits is not None:
        yield digits


def read_iban(chars: str) -> str | None:
    """The valid IBAN that ``chars`` (compact, exact length) stands for, or ``None``."""
    country, check = as_letters(chars[:2]), as_digits(chars[2:4])
    if country is None or check is None:
        return None
    for bban in _readings(chars[4:]):
        if iban.is_valid(country + check + bban):
            return country + check + bban
    return None


def _find_in_run(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """The longest valid IBAN beginning at ``start`` inside ``folded[start:end]``, as a span."""
    positions = [index for index in range(start, end) if folded[index] != " "]
    chars = "".join(folded[index] for index in positions)
    for length in range(min(34, len(chars)), 14, -1):
        # A value ends at a group boundary, never inside the next word.
        if length < len(chars) and folded[positions[length - 1] + 1] != " ":
            continue
        if read_iban(chars[:length]) is not None:
            return positions[0], positions[length - 1] + 1
    return None


class IbanRecognizer(SportelRecognizer):
    ENTITY = "IBAN_CODE"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for run in _RUN.finditer(folded):
            starts = [run.start()] + [i + 1 for i in range(run.start(), run.end()) if folded[i] == " "]
            for start in starts:
                if overlaps(Candidate(start, start + 1, 0, False), found):
                    continue
                span = _find_in_run(folded, start, run.end())
                if span:
                    labelled = has_label_before(folded, span[0], self.ENTITY)
                    found.append(Candidate(span[0], span[1], 0.98 if labelled else 0.9, validated=True))
                    break
        return found + [
            c for c in self.labelled_fallback(folded, found, _FALLBACK, 0.6)
            if digit_share(compact(folded[c.start : c.end])) >= 0.6 and not overlaps(c, found)
        ]
