"""Pen and stamp remains read as words in the gap between two signatories' names.

A signature page prints its signatories side by side ("Dr. Vasiel Dushku      Dr. Xhesi Fazliu") and the
signatures and stamps go over and between them. Sparse text reads a scribble or a stamp ring's letters in
the gap as a word or two of its own: "Y- \\", "“aN", "S ,". These fragments share the line's row but not
its print: each stands after a column gap, is at most two letters or digits long, and lies off the line's
baseline (or, for capitals and digits, its cap line) by more than 0.3 of the letters' height, or has
a shape no word has (lower case before a capital), or is a symbol that print does not set on its own or
was read with almost no confidence. Print there (an initial, "e", "5", a dash in an empty cell, a lab
value's range read at 25 percent confidence) sits on the line and is kept: confidence alone does not
tell, tesseract doubts short numbers beside a dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from statistics import median

from pipeline.models import Word
from stages.columns import COLUMN_GAP

_OFF_LINE = 0.3
"""Share of the letters' height by which a fragment's foot (or, for capitals and digits, its top) misses
the line's."""
_UNSURE = 50.0
"""Confidence below which a lone symbol in a column gap is taken for a scribble."""
_SHORT = 2
"""Letters and digits at most in a fragment."""
_SOLID_CONFIDENCE = 80.0
_STANDALONE = frozenset("-‐–—.:;/%&+*()[]#§€$°")
"""Signs print sets on their own: a dash in an empty cell, a slash between dates, a currency."""
_DESCENDERS = frozenset("gjpqyçQJ,;")
_TALL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÇËbdfhklt0123456789")


def without_scribbles(words: Sequence[Word]) -> list[Word]:
    """``words`` (in :func:`stages.ocr.reading_order`'s lines) without the fragments a pen or a stamp
    left in a column gap of a line."""
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    dropped: set[int] = set()
    for row in lines.values():
        dropped |= _scribbles(sorted(row, key=lambda w: w.bbox.x0))
    return [word for word in words if id(word) not in dropped]


def _scribbles(row: Sequence[Word]) -> set[int]:
    solid = [w for w in row if _alnum(w.text) > _SHORT and w.conf >= _SOLID_CONFIDENCE]
    if len(solid) < 2:
        return set()
    top, foot = median(w.bbox.y0 for w in solid), median(w.bbox.y1 for w in solid)
    height = foot - top
    if height <= 0:
        return set()
    dropped: set[int] = set()
    kept: Word | None = None
    for word in row:
        after_gap = kept is not None and word.bbox.x0 - kept.bbox.x1 >= COLUMN_GAP * height
        if after_gap and _alnum(word.text) <= _SHORT and _fragment(word, top, foot, height):
            dropped.add(id(word))
        else:
            kept = word
    return dropped


def _fragment(word: Word, top: float, foot: float, height: float) -> bool:
    text = word.text
    core = text.strip("\"'“”‘’„«»-‐–—.,:;")
    if not _alnum(text):
        return word.conf < _UNSURE or not set(text) <= _STANDALONE
    if any(a.islower() and b.isupper() for a, b in pairwise(core)):
        return True
    below = word.bbox.y1 - foot
    if below > _OFF_LINE * height and not set(text) & _DESCENDERS:
        return True
    if -below > _OFF_LINE * height:
        return True
    return set(core) <= _TALL and abs(word.bbox.y0 - top) > _OFF_LINE * height


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)
