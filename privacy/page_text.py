"""The page as text for the analyzer, with every character traceable to the OCR word it came from.

Tesseract splits a form into blocks its own way: often the label column and the value column come out
as separate blocks, so "Emri:" and "Arben" end up far apart in its reading order. The text here is
rebuilt in *visual* lines instead (words whose boxes share a horizontal band, left to right), so a label
and its value stay together. A wide gap inside a line (a form's value column, a table's next cell) is
written as a tab: recognizers never let a value run across one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from statistics import median

from pipeline.models import BBox, PageOcr, Word

COLUMN_GAP = 1.8
"""A gap wider than this many line heights separates columns (written as a tab), not words."""
JUSTIFIED_GAP = 2.5
"""In a line of three gaps or more, a column gap is also this many times the line's median gap."""
EDGE_PAD = 0.8
"""Boxes reach this many line heights (about a character) past the words' ends, short of the next word:
tesseract's word boxes sometimes leave out a faint first or last letter."""
BAND_PAD = (0.15, 0.3)
"""And this much above and below the line's usual band (a word box can be flatter than its letters);
more below, for descenders ("ç", "q", "j") in a line whose typical word has none."""


_RULE_GLUED = re.compile(r"^[|\[(!1IJl](?=[A-ZÇË][a-zçë])")
"""A table or form rule printed against a word reads as a letter glued to it ("INr.", "|Paguesi", "JZyhdi"):
written as a space, so that labels and names read as themselves (the word keeps its place and length)."""


@dataclass(frozen=True)
class PlacedWord:
    index: int
    """Index of the word in ``PageOcr.words``."""
    line: int
    """Visual line number, top to bottom."""
    start: int
    end: int
    """Character span of the word in :attr:`PageText.text`."""
    order: int
    """Position in :attr:`PageText.placed`."""


@dataclass(frozen=True)
class PageText:
    text: str
    placed: tuple[PlacedWord, ...]
    """In text order."""
    words: tuple[Word, ...]
    bands: tuple[tuple[int, int], ...]
    """Per visual line, the median top and bottom of its words."""

    def words_between(self, start: int, end: int) -> list[PlacedWord]:
        """The words any character of ``text[start:end]`` belongs to."""
        return [p for p in self.placed if p.start < end and start < p.end]

    def _neighbour(self, placed: PlacedWord, step: int) -> Word | None:
        order = placed.order + step
        if 0 <= order < len(self.placed) and self.placed[order].line == placed.line:
            return self.words[self.placed[order].index]
        return None

    def widen(self, box: BBox, first: PlacedWord, last: PlacedWord) -> BBox:
        """``box`` reaching :data:`EDGE_PAD` further sideways, never into a neighbouring word, and covering
        its line's band."""
        top, bottom = self.bands[first.line]
        height = max(box.height, bottom - top)
        pad = int(EDGE_PAD * height)
        x0, x1 = box.x0, box.x1
        before, after = self._neighbour(first, -1), self._neighbour(last, 1)
        x0 = max(0, x0 - pad, before.bbox.x1 + 1 if before else 0)
        x1 = max(x1, min(x1 + pad, after.bbox.x0 - 1 if after else x1 + pad))
        above, below = int(BAND_PAD[0] * height), int(BAND_PAD[1] * height)
        return BBox(x0=min(x0, box.x0), y0=max(0, min(box.y0, top - above)), x1=x1, y1=max(box.y1, bottom + below))

    def box(self, placed: PlacedWord, start: int, end: int) -> BBox:
        """The part of a word's box holding characters ``start:end`` of the text.

        Tesseract sometimes glues a label to its value ("Tel:+35569..."); the value's share of the word is
        estimated from character positions, widened by one character so that no value pixel is left out.
        """
        bbox = self.words[placed.index].bbox
        length = placed.end - placed.start
        lo, hi = max(start, placed.start) - placed.start, min(end, placed.end) - placed.start
        if lo == 0 and hi == length:
            return bbox
        per_char = bbox.width / length
        x0 = bbox.x0 + int((lo - 1) * per_char) if lo > 0 else bbox.x0
        x1 = bbox.x0 + int((hi + 1) * per_char + 0.999) if hi < length else bbox.x1
        return BBox(x0=max(bbox.x0, x0), y0=bbox.y0, x1=min(bbox.x1, x1), y1=bbox.y1)


def _visual_lines(words: list[Word]) -> list[list[int]]:
    """Word indices grouped into visual lines, top to bottom, each left to right."""
    segments: dict[int, list[int]] = {}
    for index, word in enumerate(words):
        segments.setdefault(word.line, []).append(index)
    spans = []
    for members in segments.values():
        # The band of a line is that of its letters; specks OCR read as "a" or "." would drag it off.
        typical = median(words[i].bbox.height for i in members)
        letters = [i for i in members if words[i].bbox.height >= 0.6 * typical] or members
        y0 = median(words[i].bbox.y0 for i in letters)
        y1 = median(words[i].bbox.y1 for i in letters)
        spans.append((y0, y1, members))
    spans.sort(key=lambda s: (s[0] + s[1]) / 2)
    lines: list[tuple[float, float, list[int]]] = []
    for y0, y1, members in spans:
        center = (y0 + y1) / 2
        for number, (ly0, ly1, line_members) in enumerate(lines[-4:], start=max(0, len(lines) - 4)):
            if ly0 <= center <= ly1 and y0 <= (ly0 + ly1) / 2 <= y1:
                lines[number] = (min(ly0, y0), max(ly1, y1), line_members + members)
                break
        else:
            lines.append((y0, y1, list(members)))
    return [sorted(members, key=lambda i: words[i].bbox.x0) for _, _, members in lines]


def build_page_text(page: PageOcr) -> PageText:
    words = [w for w in page.words if w.text.strip()]
    parts: list[str] = []
    placed: list[PlacedWord] = []
    bands: list[tuple[int, int]] = []
    offset = 0
    for number, members in enumerate(_visual_lines(words)):
        bands.append((int(median(words[i].bbox.y0 for i in members)), int(median(words[i].bbox.y1 for i in members))))
        if number:
            parts.append("\n")
            offset += 1
        height = median(words[i].bbox.height for i in members) or 1
        gaps = [words[b].bbox.x0 - words[a].bbox.x1 for a, b in itertools.pairwise(members)]
        typical_gap = median(gaps) if len(gaps) >= 3 else 0
        previous: Word | None = None
        for index in members:
            word = words[index]
            if previous is not None:
                gap = word.bbox.x0 - previous.bbox.x1
                # In a justified line every gap is wide: only one far wider than the rest is a column.
                column = gap > COLUMN_GAP * height and gap > JUSTIFIED_GAP * typical_gap
                parts.append("\t" if column else " ")
                offset += 1
            text = _RULE_GLUED.sub(" ", word.text.strip())
            parts.append(text)
            placed.append(PlacedWord(index, number, offset, offset + len(text), len(placed)))
            offset += len(text)
            previous = word
    return PageText("".join(parts), tuple(placed), tuple(words), tuple(bands))


@dataclass(frozen=True)
class TextHit:
    """An entity found in :attr:`PageText.text` (``start:end``); ``value`` overrides the page's own text
    when a closer re-read of the image recovered what OCR garbled."""

    entity: str
    start: int
    end: int
    score: float
    validated: bool
    value: str | None = None
    box: BBox | None = None
    """Where the value is when that is more than its words' boxes (a re-read found more characters)."""


@dataclass(frozen=True)
class Cell:
    """A stretch of a visual line between column gaps."""

    start: int
    end: int
    bbox: BBox


def line_cells(layout: PageText) -> list[list[Cell]]:
    """The cells of every visual line, top to bottom."""
    lines: list[list[Cell]] = []
    current: list[PlacedWord] = []

    def close() -> None:
        cells: list[Cell] = []
        group: list[PlacedWord] = []
        for placed in current:
            if group and layout.text[group[-1].end : placed.start] != " ":
                cells.append(_cell(layout, group))
                group = []
            group.append(placed)
        if group:
            cells.append(_cell(layout, group))
        lines.append(cells)

    for placed in layout.placed:
        if current and placed.line != current[-1].line:
            close()
            current = []
        current.append(placed)
    if current:
        close()
    return lines


def _cell(layout: PageText, group: list[PlacedWord]) -> Cell:
    bbox = layout.words[group[0].index].bbox
    for placed in group[1:]:
        bbox = bbox.union(layout.words[placed.index].bbox)
    return Cell(group[0].start, group[-1].end, bbox)


def words_inside(page: PageOcr, box: BBox, share: float = 0.5) -> str:
    """The OCR words lying at least ``share`` inside ``box``, in reading order."""
    def inside(word: BBox) -> float:
        return word.intersection_area(box) / max(1, word.width * word.height)

    return " ".join(w.text for w in page.words if w.text.strip() and inside(w.bbox) >= share)
