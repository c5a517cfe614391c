"""EMAIL_ADDRESS: e-mail addresses, including the ones OCR broke (``@`` read as ``0``, ``©``, ``(a)`` or
``(o``, spaces around the dots)."""

from __future__ import annotations

import re

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import has_label_before, labelled_values

_LOCAL = r"[a-z0-9][a-z0-9_%+\-]*(?:[ ]?\.[ ]?[a-z0-9_%+\-]+)*"
_DOMAIN = r"[a-z0-9][a-z0-9\-]*(?:[ ]?\.[ ]?[a-z0-9][a-z0-9\-]*)*[ ]?\.[ ]?[a-z]{2,10}"
_EMAIL = re.compile(rf"(?<![a-z0-9._%+\-]){_LOCAL}[ ]?(?:@|\(at\)|\[at\])[ ]?{_DOMAIN}(?![a-z0-9\-])")
_PROVIDERS = (
    "gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "icloud", "aol", "protonmail", "gmx",
    "abcom", "albtelecom", "vodafone", "one", "posta", "mail", "shkoder", "bashkiashkoder", "akshi",
)
# "@" misread as a glyph: only believed before a known mail provider, where the split is unambiguous.
_BROKEN_AT = re.compile(
    rf"(?<![a-z0-9._%+\-])(?P<local>{_LOCAL}?)[ ]?(?:[0o©®&ga9q]|\([a@o0]\)?)[ ]?"
    rf"(?:{'|'.join(_PROVIDERS)})[ ]?\.[ ]?(?:com|al|net|org|it|de|gov\.al|edu\.al)(?![a-z0-9\-])"
)
_FALLBACK = re.compile(r"[^\s]+(?:[ ]?[^\s]+){0,3}")


def _whole_field(folded: str, candidate: Candidate) -> Candidate:
    """Behind an e-mail label the whole short value is the address: OCR splits addresses at dots
    ("enjo.shalal 5@yahoo.com", "lurjand fazliu86@abcom.al") and the part before the split counts too."""
    for field in labelled_values(folded, EmailRecognizer.ENTITY):
        value = folded[field.value_start : field.value_end]
        if field.value_start <= candidate.start and candidate.end <= field.value_end and len(value.split()) <= 3:
            return Candidate(field.value_start, field.value_end, candidate.score, candidate.validated)
    return candidate


class EmailRecognizer(SportelRecognizer):
    ENTITY = "EMAIL_ADDRESS"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for match in _EMAIL.finditer(folded):
            labelled = has_label_before(folded, match.start(), self.ENTITY)
            found.append(Candidate(match.start(), match.end(), 1.0 if labelled else 0.9, validated=True))
        for match in _BROKEN_AT.finditer(folded):
            candidate = Candidate(match.start(), match.end(), 0.7, validated=False)
            if not overlaps(candidate, found):
                found.append(candidate)
        found = [_whole_field(folded, candidate) for candidate in found]
        return found + [c for c in self.labelled_fallback(folded, found, _FALLBACK, 0.55)
                        if "." in folded[c.start : c.end] and c.end - c.start >= 6 and not overlaps(c, found)]
