"""A clean A4 page that records what it prints: every text line for the page text, every PII value with its
box. Text is DejaVu (serif, sans, condensed, mono) drawn with PIL at the page's dpi."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from benchmarks.samples.fakes import ascii_fold
from pipeline.models import BBox

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {
    "serif": "DejaVuSerif.ttf",
    "serif-bold": "DejaVuSerif-Bold.ttf",
    "serif-italic": "DejaVuSerif-Italic.ttf",
    "serif-cond": "DejaVuSerifCondensed.ttf",
    "serif-cond-bold": "DejaVuSerifCondensed-Bold.ttf",
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "sans-oblique": "DejaVuSans-Oblique.ttf",
    "sans-light": "DejaVuSans-ExtraLight.ttf",
    "cond": "DejaVuSansCondensed.ttf",
    "cond-bold": "DejaVuSansCondensed-Bold.ttf",
    "cond-oblique": "DejaVuSansCondensed-Oblique.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
}
A4_MM = (210.0, 297.0)
Fill = int | tuple[int, int, int]
Font = ImageFont.FreeTypeFont


@lru_cache(maxsize=256)
def load_font(name: str, px: int) -> Font:
    return ImageFont.truetype(f"{FONT_DIR}/{FONT_FILES[name]}", max(6, px))


@dataclass(frozen=True)
class Run:
    """A piece of text; ``entity`` names its PII type when it is personal data."""

    text: str
    entity: str | None = None
    group: int | None = None
    """Pieces of one PII value that were split into words share a group (set by ``words_of``)."""


Runs = Sequence[Run]

WRAPPABLE_ENTITIES = frozenset({"ADDRESS"})
"""PII that may break across lines, as long addresses do in real letters; each line's part is then its own
PII record. Other values are never split."""

_groups = itertools.count()


def runs(*parts: str | Run) -> list[Run]:
    return [p if isinstance(p, Run) else Run(p) for p in parts]


def pii(text: str, entity: str) -> Run:
    return Run(text, entity)


Piece = tuple[str, str | None, int]
"""Text, PII entity (or None) and PII group (-1 for plain text)."""
Word = tuple[Piece, ...]


def words_of(parts: Runs) -> list[Word]:
    """Split runs into words at spaces. A PII run stays one word (a wrappable one becomes several words of
    one group), and punctuation glued to it stays glued."""
    words: list[Word] = []
    current: list[Piece] = []
    for part in parts:
        if part.entity is not None:
            tokens = part.text.split() if part.entity in WRAPPABLE_ENTITIES else [part.text.strip()]
            group = next(_groups) if part.group is None else part.group
            for k, token in enumerate(t for t in tokens if t):
                if k > 0:
                    words.append(tuple(current))
                    current = []
                current.append((token, part.entity, group))
            continue
        chunks = part.text.split(" ")
        for i, chunk in enumerate(chunks):
            if i > 0 and current:
                words.append(tuple(current))
                current = []
            if chunk:
                current.append((chunk, None, -1))
    if current:
        words.append(tuple(current))
    return words


def _group(word: Word) -> int:
    """The PII group of a word that is part of a wrappable value, else -1."""
    for _, entity, group in word:
        if entity in WRAPPABLE_ENTITIES:
            return group
    return -1


def word_text(word: Word) -> str:
    return "".join(piece[0] for piece in word)


def words_to_runs(words: Sequence[Word]) -> list[Run]:
    out: list[Run] = []
    for i, word in enumerate(words):
        if i:
            out.append(Run(" "))
        out.extend(Run(text, entity, group if entity is not None else None) for text, entity, group in word)
    return out


@dataclass
class Page:
    """One clean page being drawn. Coordinates are pixels, origin top-left."""

    dpi: int
    color: bool
    fold: bool = False
    """Print without Albanian letters, as documents typed on a plain keyboard are."""
    paper: Fill = 255
    size_mm: tuple[float, float] = A4_MM
    lines: list[str] = field(default_factory=list)
    pii_found: list[tuple[str, str, BBox]] = field(default_factory=list)
    blank: bool = False

    def __post_init__(self) -> None:
        self.width = round(self.size_mm[0] / 25.4 * self.dpi)
        self.height = round(self.size_mm[1] / 25.4 * self.dpi)
        paper: Fill = self.paper
        if self.color and isinstance(paper, int):
            paper = (paper, paper, paper)
        if not self.color and isinstance(paper, tuple):
            paper = round(sum(paper) / 3)
        self.image = Image.new("RGB" if self.color else "L", (self.width, self.height), paper)
        self.draw = ImageDraw.Draw(self.image)

    # -------------------------------------------------------------------------------------- units
    def mm(self, value: float) -> int:
        return round(value / 25.4 * self.dpi)

    def font(self, name: str, pt: float) -> Font:
        return load_font(name, round(pt / 72 * self.dpi))

    def ink(self, kind: Literal["print", "pen", "stamp", "grey", "light"] = "print") -> Fill:
        """The colour of printed text, a ballpoint pen, a rubber stamp, or grey print."""
        colors: dict[str, tuple[Fill, Fill]] = {
            "print": ((12, 12, 14), 12),
            "pen": ((28, 42, 140), 70),
            "stamp": ((70, 60, 175), 120),
            "grey": ((110, 110, 110), 110),
            "light": ((205, 205, 200), 205),
        }
        rgb, grey = colors[kind]
        return rgb if self.color else grey

    def shown(self, text: str) -> str:
        return ascii_fold(text) if self.fold else text

    # --------------------------------------------------------------------------------------- text
    def text_width(self, text: str, font: Font) -> float:
        return float(font.getlength(self.shown(text)))

    def words_width(self, words: Sequence[Word], font: Font) -> float:
        if not words:
            return 0.0
        space = font.getlength(" ")
        return sum(self.text_width(word_text(w), font) for w in words) + space * (len(words) - 1)

    def draw_words(self, x: float, y: float, words: Sequence[Word], font: Font, fill: Fill,
                   gap: float | None = None) -> BBox | None:
        """Draw words left to right from ``(x, y)`` (top of the line box), recording PII boxes (the words
        of one wrappable value on this line make one record). Returns the box of the ink drawn, or ``None``
        when there was nothing to draw."""
        gap = font.getlength(" ") if gap is None else gap
        box: BBox | None = None
        last_group = -1
        for word in words:
            for text, entity, group in word:
                shown = self.shown(text)
                self.draw.text((x, y), shown, font=font, fill=fill, anchor="la")
                x0, y0, x1, y1 = self.draw.textbbox((x, y), shown, font=font, anchor="la")
                piece = BBox(x0=int(x0), y0=int(y0), x1=int(x1) + 1, y1=int(y1) + 1)
                box = piece if box is None else box.union(piece)
                if entity is not None:
                    if group == last_group and self.pii_found:
                        kind, value, previous = self.pii_found[-1]
                        self.pii_found[-1] = (kind, f"{value} {shown}", previous.union(piece))
                    else:
                        self.pii_found.append((entity, shown, piece))
                last_group = group if entity is not None else -1
                x += font.getlength(shown)
            x += gap
        return box

    def record_line(self, texts: Iterable[str]) -> None:
        line = " ".join(" ".join(self.shown(t).split()) for t in texts if t.strip())
        if line:
            self.lines.append(line)

    def line(self, y: float, segments: Sequence[tuple[float, Runs, Font, Fill]]) -> BBox | None:
        """One printed line made of segments placed at their own x; its text is recorded once."""
        box: BBox | None = None
        texts: list[str] = []
        for x, parts, font, fill in segments:
            words = words_of(parts)
            drawn = self.draw_words(x, y, words, font, fill)
            if drawn is not None:
                box = drawn if box is None else box.union(drawn)
            texts.extend(word_text(w) for w in words)
        self.record_line(texts)
        return box

    def write(self, x: float, y: float, parts: Runs | str, font: Font, fill: Fill | None = None,
              align: Literal["left", "center", "right"] = "left") -> BBox | None:
        """A single-segment line; ``x`` is its left edge, centre or right edge depending on ``align``."""
        if isinstance(parts, str):
            parts = [Run(parts)]
        width = self.words_width(words_of(parts), font)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        return self.line(y, [(x, parts, font, self.ink() if fill is None else fill)])

    def wrap(self, parts: Runs, font: Font, width: float) -> list[list[Word]]:
        """Break runs into lines no wider than ``width``. A wrappable PII value breaks only where at least two
        of its words stay on the line and three go on to the next, so no part is a bare city name."""
        words = words_of(parts)
        group_size = Counter(_group(w) for w in words)
        lines: list[list[Word]] = [[]]
        for index, word in enumerate(words):
            line = lines[-1]
            used = self.words_width([*line, word], font)
            if line and used > width:
                group = _group(word)
                head = 0
                while group >= 0 and head < len(line) and _group(line[-1 - head]) == group:
                    head += 1
                tail = group_size[group] - sum(1 for w in words[:index] if _group(w) == group)
                carry = 0
                if group >= 0 and head:
                    need = max(0, 3 - tail)
                    if head - need >= 2:
                        carry = need
                    elif head < len(line):
                        carry = head
                    else:
                        carry = min(need, head - 1)
                carried = line[len(line) - carry:] if carry else []
                del line[len(line) - carry:]
                lines.append([*carried, word])
            else:
                line.append(word)
        return [line for line in lines if line]

    def line_height(self, font: Font, spacing: float = 1.3) -> int:
        return round(font.size * spacing)

    # ----------------------------------------------------------------------------------- graphics
    def hline(self, x0: float, x1: float, y: float, width: int = 1, fill: Fill | None = None) -> None:
        self.draw.line([(x0, y), (x1, y)], fill=self.ink() if fill is None else fill, width=max(1, width))

    def rect(self, box: tuple[float, float, float, float], width: int = 1, fill: Fill | None = None,
             outline: Fill | None = None) -> None:
        self.draw.rectangle(box, fill=fill, outline=self.ink() if outline is None else outline,
                            width=max(1, width))

    def dotted(self, x0: float, x1: float, y: float) -> None:
        step = max(3, self.dpi // 60)
        radius = max(1, self.dpi // 300)
        x = x0
        while x < x1:
            self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=self.ink("grey"))
            x += step

    def pii_truth(self) -> list[tuple[str, str, BBox]]:
        """PII boxes clipped to the page."""
        clipped = []
        for entity, value, box in self.pii_found:
            clipped.append((entity, value, BBox(x0=max(0, box.x0), y0=max(0, box.y0),
                                                x1=min(self.width, box.x1), y1=min(self.height, box.y1))))
        return clipped
