"""AL_NIPT: the Albanian tax number (NIPT / NUIS), validated with ``stdnum.al.nipt``.

An individual's NIPT has the shape of a personal number; without a NIPT label such a value is left to
the personal-number recognizer.
"""

from __future__ import annotations

import re

from stdnum.al import nipt

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before
from privacy.recognizers.ocr_text import ALNUM, DIGITISH, as_digits, as_letters, compact, digit_share, digitish_count
from privacy.recognizers.personal_number import ID_SHAPE, inside_grouped_number, read_personal_number

# "NIPTK94807871B": OCR sometimes loses the narrow space between the label and the value.
_GLUED = re.compile(rf"(?<![a-z0-9])(?:nipt|nuis)[:.]?(?P<value>{ALNUM}(?:[ ]?{DIGITISH}){{8}}[ ]?{ALNUM})(?![a-z0-9])")
_FALLBACK = re.compile(r"(?<![a-z0-9])[a-z0-9|!](?:[ ]?[a-z0-9|!]){7,11}(?![a-z0-9])")


def read_nipt(chars: str) -> str | None:
    """The NIPT ``chars`` stands for (upper case, compact), or ``None``."""
    raw = compact(chars)
    if len(raw) != 10 or digit_share(raw[1:9]) < 0.75:
        return None
    head, body, tail = as_letters(raw[0]), as_digits(raw[1:9]), as_letters(raw[9])
    if head is None or body is None or tail is None:
        return None
    number = head + body + tail
    return number if nipt.is_valid(number) else None


def _letters_at_ends(chars: str) -> bool:
    """Unlabelled, only real letters at both ends: else any 10-digit number would pass as a NIPT."""
    raw = compact(chars)
    return raw[0].isalpha() and raw[-1].isalpha()


def _personal_number_field(folded: str, candidate: Candidate) -> bool:
    """ "Nr. personal / NIPT: <a valid personal number>": the personal-number recognizer's."""
    return has_label_before(folded, candidate.start, "AL_PERSONAL_NUMBER") and read_personal_number(
        folded[candidate.start : candidate.end], labelled=True
    ) is not None


class AlNiptRecognizer(SportelRecognizer):
    ENTITY = "AL_NIPT"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for match in ID_SHAPE.finditer(folded):
            if inside_grouped_number(folded, match) or read_nipt(match.group()) is None:
                continue
            labelled = has_label_before(folded, match.start(), self.ENTITY)
            personal_label = has_label_before(folded, match.start(), "AL_PERSONAL_NUMBER")
            personal = read_personal_number(match.group(), labelled=personal_label) is not None
            if personal and (personal_label or not labelled):
                continue
            if not labelled and not _letters_at_ends(match.group()):
                continue
            found.append(Candidate(match.start(), match.end(), 0.95 if labelled else 0.75, validated=True))
        for match in _GLUED.finditer(folded):
            if read_nipt(match.group("value")) is not None:
                found.append(Candidate(match.start("value"), match.end("value"), 0.95, validated=True))
        return found + [
            c for c in self.labelled_fallback(folded, found, _FALLBACK, 0.55)
            if digitish_count(compact(folded[c.start : c.end])) >= 6 and not overlaps(c, found)
            and not _personal_number_field(folded, c)
        ]
