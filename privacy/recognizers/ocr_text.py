"""OCR-tolerant text helpers shared by the recognizers.

Every recognizer matches on :func:`fold` of the page text, which has exactly the length of the original so
that match offsets point into the original text unchanged.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Tesseract's usual confusions between digits and letters, in both directions. Mapped generously: every
# identifier that uses them is validated afterwards (checksum, calendar date or number plan).
_DIGIT_FOR: dict[str, str] = {
    "o": "0", "d": "0", "q": "0", "i": "1", "l": "1", "|": "1", "!": "1", "[": "1", "]": "1",
    "z": "2", "s": "5", "b": "8", "g": "9", "t": "7", "a": "4",
}
_LETTER_FOR: dict[str, str] = {
    "0": "O", "1": "I", "|": "I", "!": "I", "[": "I", "]": "I", "2": "Z", "3": "B", "4": "A", "5": "S", "6": "G",
    "7": "T", "8": "B", "9": "G", ")": "J",
}
"""``)`` is a descending ``J`` (DejaVu's and similar fonts) with its top lost."""

DIGITISH = r"[0-9odqilzsbgta|!\[\]]"
"""A character class (for folded text) of characters that may be an OCR'd digit."""
ALNUM = r"[0-9a-z|!\[\]]"
"""A character class (for folded text) of characters that may be an OCR'd letter or digit."""


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lowered = char.lower()
    if len(lowered) != 1:
        lowered = char
    base = unicodedata.normalize("NFKD", lowered)[:1] or lowered
    return base.lower() if base.isascii() else lowered


class _FoldTable(dict[int, str]):
    """``str.translate`` table that learns each character the first time it meets it: folding runs over
    every string of every redacted PDF, where a generator per character cost a second a document."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case with diacritics dropped (``Ë`` -> ``e``), one output character per input character."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


def as_digits(chars: str) -> str | None:
    """The digits ``chars`` most likely stood for, or ``None`` if some character cannot be a digit."""
    out: list[str] = []
    for char in chars.lower():
        if char.isdigit():
            out.append(char)
        elif char in _DIGIT_FOR:
            out.append(_DIGIT_FOR[char])
        else:
            return None
    return "".join(out)


def as_letters(chars: str) -> str | None:
    """The upper-case letters ``chars`` most likely stood for, or ``None``."""
    out: list[str] = []
    for char in chars:
        if char.isascii() and char.isalpha():
            out.append(char.upper())
        elif char in _LETTER_FOR:
            out.append(_LETTER_FOR[char])
        else:
            return None
    return "".join(out)


def digit_share(chars: str) -> float:
    """Share of real digits among ``chars``: guards digit patterns against ordinary words."""
    return sum(char.isdigit() for char in chars) / len(chars) if chars else 0.0


def digitish_count(chars: str) -> int:
    """Characters that are digits or may be OCR'd digits; 0 unless at least three are real digits (a
    word such as "regjistrimit" is made of look-alikes alone)."""
    if sum(char.isdigit() for char in chars) < 3:
        return 0
    return sum(char.isdigit() or char.lower() in _DIGIT_FOR for char in chars)


def compact(text: str) -> str:
    """``text`` without spaces (numbers are often printed in groups)."""
    return "".join(text.split())


def is_upper_initial(word: str) -> bool:
    """``Word`` or ``WORD``: how names and place names are printed."""
    letters = [char for char in word if char.isalpha()]
    return bool(letters) and letters[0].isupper()
