"""ADDRESS: postal addresses, from an address word (Rruga, Rr., Lagjja, L., Njësia Administrative,
Bulevardi, Pallati, Shkalla, Ap., ...) or an address label (Adresa, Vendbanimi, banues në, ...) on,
through the comma-separated parts that still read as an address (names in quotes or capitals, numbers,
towns). A town alone ("Bashkia Shkodër", "Shkodër, më 12.05.2024") is not an address.
"""

from __future__ import annotations

import re

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.date_of_birth import DATE
from privacy.recognizers.labels import label_pattern, labelled_values, line_bounds, segment_end
from privacy.recognizers.lexicon import (
    ADDRESS_KEYWORDS,
    ADDRESS_PART_WORDS,
    ADMINISTRATIVE_KEYWORDS,
    CITIES,
    COUNTRIES,
    known_name,
)
from privacy.recognizers.ocr_text import fold, is_upper_initial

_KEYWORD = re.compile(
    "(?<![a-z0-9])(?:"
    + "|".join(k if k.endswith((".", ")")) else k + "(?![a-z0-9])" for k in ADDRESS_KEYWORDS)
    + ")"
)


def _place_pattern(place: str) -> str:
    """A place name as OCR may print it: the small words inside a name ("Vau i Dejës", "Malësi e Madhe")
    are one thin letter, read as "1", "l" or "|" as often as not ("Vau 1 Dejës")."""
    words = place.split(" ")
    return "[ ]+".join("[il1|]" if w == "i" else re.escape(w) for w in words)


_CITY = re.compile(r"(?<![a-z])(?:" + "|".join(_place_pattern(c) for c in CITIES + COUNTRIES)
                   + r")(?![a-z])(?:[ ]+\d{4})?")
"""A town, with its postal code if printed ("Shkodër 4001"), or a country."""
_TRAILING_KEYWORD = re.compile(r"(?:administrative[ ]+unit|street|avenue|boulevard|square)(?![a-z])")
"""English address words that follow the name they qualify ("Postribë Administrative Unit", "Main Street")."""
_AREA = re.compile("(?<![a-z0-9])(?:" + "|".join(ADMINISTRATIVE_KEYWORDS) + ")")
_QUOTES = "\"'“”„«»"
_RATIO = re.compile(r"\d[ ]?:[ ]?\d")
"""A map scale ("Shkalla 1:1000") or a time is no address."""
_SMALL = frozenset(("i", "e", "te", "se", "dhe", "of", "the"))
_WORD = re.compile(r"[^\s,;]+")


def _prose_cut(text: str, start: int, end: int) -> int:
    """Where running text begins inside a part: the first lower-case word that is no address word, nor a
    known name whose capital OCR read small ("Rruga ismail Qemali")."""
    for word in _WORD.finditer(text, start, end):
        token = word.group().strip(_QUOTES + ".")
        opening = len(word.group()) - len(word.group().lstrip(_QUOTES))
        if sum(text[start : word.start() + opening].count(q) for q in _QUOTES) % 2:
            continue  # inside a quoted street or quarter name, whatever its case
        if (token and token[0].islower() and token.lower() not in _SMALL and not _KEYWORD.match(token.lower())
                and token.lower() not in ADDRESS_PART_WORDS and word.start() > start and not known_name(fold(token))):
            return word.start()
    return end


def _part_kind(text: str, folded: str, start: int, end: int) -> str | None:
    """How a comma-separated part reads: ``strong`` (keyword, number, quote, town), ``name`` (only
    capitalised words) or ``None`` (prose: the address ended before it)."""
    part, low = text[start:end].strip(), folded[start:end].strip()
    words = _WORD.findall(part)
    if not words or len(words) > 7 or DATE.search(low) or _RATIO.search(low):
        return None
    first = low.split()[0].strip(".")
    if (_KEYWORD.match(low) or first in ADDRESS_PART_WORDS or part[0] in _QUOTES or part[0].isdigit()
            or _CITY.fullmatch(low.strip(_QUOTES + ". "))):
        return "strong"
    content = [w for w in words if w.lower() not in _SMALL]
    if content and len(content) <= 4 and all(_name_cased(w.strip(_QUOTES)) for w in content):
        return "name"
    return None


def _parts(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    lo = start
    for index in range(start, end + 1):
        if index == end or folded[index] in ",;":
            bounds.append((lo, index))
            lo = index + 1
    return [(a, b) for a, b in bounds if folded[a:b].strip()]


def _extend(text: str, folded: str, start: int, end: int, *, first_relaxed: bool) -> int:
    """End of the address that begins at ``start`` within ``[start, end)``; ``start`` if none."""
    reached = start
    for index, (lo, hi) in enumerate(_parts(folded, start, end)):
        cut = _prose_cut(text, lo, hi)
        if cut <= lo or (_part_kind(text, folded, lo, cut) is None and not (index == 0 and first_relaxed)):
            town = _town_opening(folded, lo, cut) if index else None
            if town is not None:
                reached = town  # "..., Shkodër 4001 ËR E Re": a stamp's letters read on after the town
            break
        reached = cut
        if cut < hi:
            break
    return _trim(folded, start, reached)


def _town_opening(folded: str, start: int, end: int) -> int | None:
    """The end of the town (and postal code) that opens ``folded[start:end]``, if one does."""
    lo = start
    while lo < end and folded[lo] in " " + _QUOTES:
        lo += 1
    town = _CITY.match(folded, lo, end)
    return town.end() if town else None


def _trim(folded: str, start: int, end: int) -> int:
    while end > start and folded[end - 1] in " ,;.-\t":
        end -= 1
    return end


def _continue_on_next_line(text: str, folded: str, end: int) -> int:
    """An address cut by a line break goes on to the next line when the break is mid-address: after a
    comma, with the next line opening on an address part; or inside a street name, with the next line
    opening on the rest of the name and then an address part. A heading such as "NJËSIA ADMINISTRATIVE
    NR. 1" over the office's own "Sheshi 2 Prilli, Shkodër" is two things, not one address."""
    _, line_end = line_bounds(folded, end)
    if folded[end:line_end].strip(" ,;.") or line_end >= len(folded):
        return end
    next_start = line_end + 1
    if label_pattern(None).match(folded, next_start):
        return end
    next_end = segment_end(folded, next_start)
    parts = _parts(folded, next_start, next_end)
    if not parts:
        return end
    opening = folded[parts[0][0] : parts[0][1]].strip()
    strong = _KEYWORD.match(opening) or _CITY.fullmatch(opening.strip(_QUOTES + ". ")) or opening[0] in _QUOTES
    numbered = opening.split()[0].strip(".") in ADDRESS_PART_WORDS or opening[0].isdigit()
    # "..., Rruga Pjetër Bogdani,<newline>Nr. 82, Shkodër": a trailing comma says the address goes on;
    # so does a number's word waiting for its number ("Rruga Oso Kuka, No.<newline>84, Shkodër").
    line = folded[:line_end].rstrip()
    awaiting_number = line.split()[-1].strip(".") in ADDRESS_PART_WORDS and opening[0].isdigit()
    after_comma = (line.endswith(",") and (strong or numbered)) or awaiting_number
    # "... Rruga Dom<newline>Nikoll Kaçorri, Pallati 52, ...": a name cut by the line break, then more.
    cut_name = len(parts) > 1 and _part_kind(text, folded, *parts[0]) == "name" and _part_kind(
        text, folded, *parts[1]) == "strong"
    # "... Village Mes, Postribë<newline>Administrative Unit, Shkodër": English puts the kind of place after
    # its name, so a line opening with it finishes the name above.
    trailing = _TRAILING_KEYWORD.match(opening) is not None
    if not (after_comma or cut_name or trailing):
        return end
    return _extend(text, folded, next_start, next_end, first_relaxed=False)


class AddressRecognizer(SportelRecognizer):
    ENTITY = "ADDRESS"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for field in labelled_values(folded, self.ENTITY):
            end = _extend(text, folded, field.value_start, field.value_end, first_relaxed=field.explicit)
            if end > field.value_start:
                end = _continue_on_next_line(text, folded, end)
                found.append(Candidate(field.value_start, end, 0.9, validated=True))
        for match in _KEYWORD.finditer(folded):
            if overlaps(Candidate(match.start(), match.end(), 0, False), found) or not _opens_address(text, match):
                continue
            end = _extend(text, folded, match.start(), segment_end(folded, match.start()), first_relaxed=False)
            # Unlabelled, a bare place name ("Sheshi Demokracia") is a landmark; a home address has a
            # number or several parts (street and building).
            if end > match.end():
                end = _continue_on_next_line(text, folded, end)
            if end > match.end() and _specific(folded[match.start() : end]):
                found.append(Candidate(match.start(), end, 0.75, validated=True))
        return found


def _specific(address: str) -> bool:
    keywords = _KEYWORD.findall(address)
    areas = _AREA.findall(address)
    street_level = len(keywords) > len(areas)
    return len(keywords) >= 2 or (street_level and any(char.isdigit() for char in address))


_LINKED_NAME = re.compile(r"(?:e|i|të|te)[ ]+(?=[A-ZÇË])")
_STREET = re.compile(r"rruga|rr\.?|bulevardi|blv\.|bul\.")


def _opens_address(text: str, match: re.Match[str]) -> bool:
    """An address word is followed by a name, a number or another address word, not by prose."""
    rest = text[match.end() : match.end() + 40].lstrip(" .")
    # Street names in the genitive open with a small word ("Rruga e Kavajës", "Bulevardi i Ri"): not prose.
    # Only a street's: "Pallati i Kulturës" is a landmark.
    linked = _LINKED_NAME.match(rest)
    if linked and _STREET.fullmatch(match.group()):
        rest = rest[linked.end() :]
    if not rest:
        return False
    return (rest[0] in _QUOTES or rest[0].isdigit() or rest[0].isupper()
            or known_name(fold(rest.split(maxsplit=1)[0].strip(",."))) or bool(_KEYWORD.match(rest.lower())))


def _name_cased(word: str) -> bool:
    """Printed as a street's or a town's name is: capitalised, or a known name whose capital OCR read small
    ("Rruga ismail Qemali": a capital I read as an i)."""
    return is_upper_initial(word) or known_name(fold(word))
