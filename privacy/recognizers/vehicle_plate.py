"""AL_VEHICLE_PLATE: Albanian number plates, current ``AA 123 BB`` and pre-2011 ``SH 1234 A`` (town code).

Without a plate label the value must be printed in capitals with real letters and digits in most places;
behind a label, case and OCR look-alikes are forgiven.
"""

from __future__ import annotations

import re

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before
from privacy.recognizers.ocr_text import ALNUM, DIGITISH, as_digits, as_letters

_CURRENT = re.compile(
    rf"(?<![a-z0-9])(?P<a>{ALNUM}{{2}})[ \-]?(?P<n>{DIGITISH}{{3}})[ \-]?(?P<b>{ALNUM}{{2}})(?![a-z0-9])"
)
_TOWN_CODES = ("tr", "sh", "dr", "el", "fr", "ko", "vl", "br", "le", "ku", "gj", "lu", "ka", "po", "sr", "lb",
               "mt", "dv", "ps", "pg", "ks", "ms", "ht", "tp", "kr", "kc", "bc", "gr", "mr", "pr", "pu", "ku")
_OLD = re.compile(
    rf"(?<![a-z0-9])(?P<a>{'|'.join(_TOWN_CODES)})[ \-]?(?P<n>{DIGITISH}{{4}})[ \-]?(?P<b>{ALNUM})(?![a-z0-9])"
)
_FALLBACK = re.compile(r"(?<![a-z0-9])[a-z0-9](?:[ \-]?[a-z0-9]){4,8}(?![a-z0-9])")


def read_plate(match: re.Match[str], original: str, *, labelled: bool) -> str | None:
    """The plate a match stands for, or ``None``; ``original`` is the unfolded matched text."""
    letters = (as_letters(match.group("a")), as_letters(match.group("b")))
    digits = as_digits(match.group("n"))
    if letters[0] is None or letters[1] is None or digits is None:
        return None
    if not labelled:
        real_letters = sum(c.isalpha() for c in match.group("a") + match.group("b"))
        real_digits = sum(c.isdigit() for c in match.group("n"))
        # The digits must be real: a code of letters and digits ("FF6D18F", a verification code) reads as
        # a plate if a "D" may stand for a 0.
        # Printed without spaces, a run of capitals and digits is a code far more often than a plate
        # ("Kodi i verifikimit: 89847 BB7603C"): then no letter may be a digit read as one.
        forgiven = 1 if any(c in " -" for c in original) else 0
        if not original.isupper() or real_letters < len(letters[0] + letters[1]) - forgiven or (
                real_digits < len(digits)):
            return None
    return f"{letters[0]} {digits} {letters[1]}"


class VehiclePlateRecognizer(SportelRecognizer):
    ENTITY = "AL_VEHICLE_PLATE"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for pattern in (_CURRENT, _OLD):
            for match in pattern.finditer(folded):
                labelled = has_label_before(folded, match.start(), self.ENTITY)
                if read_plate(match, text[match.start() : match.end()], labelled=labelled) is None:
                    continue
                candidate = Candidate(match.start(), match.end(), 0.95 if labelled else 0.6, validated=True)
                if not overlaps(candidate, found):
                    found.append(candidate)
        return found + [c for c in self.labelled_fallback(folded, found, _FALLBACK, 0.5)
                        if any(ch.isdigit() for ch in folded[c.start : c.end]) and not overlaps(c, found)]
