"""Columns of one visual line: runs of words parted by a gap far wider than a word space.

Sparse text and :func:`stages.ocr.reading_order` put on one line whatever shares a row of the page: two
signatories side by side, a card's title and, across the gap, the other card's label. A gap of
:data:`COLUMN_GAP` letter heights parts them (a word space is about a third of one)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.models import Word

COLUMN_GAP = 2.0
"""A gap this many letter heights wide, or wider, parts two columns of a line."""


def split_columns(words: Sequence[Word], height: float) -> list[list[Word]]:
    """``words`` of one line, left to right, cut into columns at gaps of :data:`COLUMN_GAP` ``height``."""
    columns: list[list[Word]] = []
    right = None
    for word in sorted(words, key=lambda w: w.bbox.x0):
        if right is None or word.bbox.x0 - right >= COLUMN_GAP * height:
            columns.append([])
        columns[-1].append(word)
        right = word.bbox.x1 if right is None else max(right, word.bbox.x1)
    return columns


def apart(column: Sequence[Word], others: Sequence[Word], height: float) -> bool:
    """No word of ``others`` comes within a column gap of ``column``'s span."""
    x0, x1 = min(w.bbox.x0 for w in column), max(w.bbox.x1 for w in column)
    gap = COLUMN_GAP * height
    return all(w.bbox.x1 <= x0 - gap or w.bbox.x0 >= x1 + gap for w in others)
