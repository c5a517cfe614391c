"""House styles and the block layout shared by the document types.

A ``Style`` is a layout family: fonts, margins, how the letterhead sits, how labelled fields are set out
(tab-aligned, dotted form lines, a grid, two columns) and how pages are numbered. The ``standard`` family
has a few house styles; ``unseen`` is a clearly different family kept out of anything a classifier trains
on. ``Doc`` lays blocks out top to bottom and opens a new page when one is full.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from benchmarks.samples import graphics
from benchmarks.samples.canvas import Fill, Font, Page, Run, Runs, runs, word_text, words_of, words_to_runs
from benchmarks.samples.fakes import Fakes
from pipeline.models import BBox

FieldMode = Literal["tab", "flow", "dotted", "grid", "two_column"]
Layout = Literal["standard", "unseen"]
Language = Literal["sqi", "eng"]


@dataclass(frozen=True)
class Style:
    name: str
    body: str
    bold: str
    italic: str
    body_pt: float
    title_pt: float
    margins_mm: tuple[float, float, float, float]
    """left, top, right, bottom."""
    header_align: Literal["center", "left"]
    title_align: Literal["center", "left"]
    field_mode: FieldMode
    page_label: str
    """Format with ``{i}`` and ``{n}``; empty for none."""
    page_label_align: Literal["center", "right", "left"]
    rule_under_header: bool
    title_band: bool = False
    shuffle_fields: bool = False
    label_bold: bool = False


STANDARD_STYLES = (
    Style("civil-serif", "serif", "serif-bold", "serif-italic", 11, 15, (25, 18, 20, 18), "center", "center",
          "tab", "Faqe {i} nga {n}", "center", False, label_bold=False),
    Style("office-sans", "sans", "sans-bold", "sans-oblique", 10, 14, (22, 16, 20, 16), "center", "center",
          "flow", "Faqe {i} nga {n}", "right", True, label_bold=True),
    Style("registry-grid", "serif", "serif-bold", "serif-italic", 10, 14, (20, 15, 18, 16), "center",
          "center", "grid", "Faqe {i} nga {n}", "center", True, label_bold=True),
)
UNSEEN_STYLES = (
    Style("letterhead-cond", "cond", "cond-bold", "cond-oblique", 10, 13, (15, 12, 15, 14), "left", "left",
          "two_column", "{i}/{n}", "right", True, shuffle_fields=True, label_bold=True),
    Style("band-serifcond", "serif-cond", "serif-cond-bold", "serif-italic", 10.5, 14, (18, 14, 14, 12),
          "left", "left", "grid", "Faqe {i}/{n}", "left", False, title_band=True, shuffle_fields=True),
)


def pick_style(layout: Layout, rng: random.Random) -> Style:
    return rng.choice(STANDARD_STYLES if layout == "standard" else UNSEEN_STYLES)


@dataclass(frozen=True)
class Field:
    label: str
    value: Runs


def fld(label: str, value: str | Runs, entity: str | None = None) -> Field:
    if isinstance(value, str):
        return Field(label, [Run(value, entity)])
    return Field(label, value)


@dataclass(frozen=True)
class Signer:
    role: str
    name: Runs = ()
    stamp: tuple[str, list[str]] | None = None
    """Ring text and centre lines of the stamp pressed over this signature."""


@dataclass
class DocContext:
    """Everything a document type needs to build one document."""

    rng: random.Random
    fakes: Fakes
    style: Style
    layout: Layout
    language: Language
    dpi: int
    color: bool
    fold: bool
    date_form: int = 0
    """How this document writes dates (``fakes.format_date`` forms); one per document, as offices do."""


@dataclass
class Doc:
    ctx: DocContext
    pages: list[Page] = field(default_factory=list)
    y: float = 0.0
    title: str = ""
    title_bbox: BBox | None = None
    key_fields: dict[str, str] = field(default_factory=dict)
    """Truth of the key fields a data-entry clerk would type off this document."""

    def __post_init__(self) -> None:
        self.new_page()

    # ------------------------------------------------------------------------------------- pages
    @property
    def page(self) -> Page:
        return self.pages[-1]

    @property
    def style(self) -> Style:
        return self.ctx.style

    def new_page(self) -> Page:
        paper: Fill = (252, 251, 246) if self.ctx.color else 255
        self.pages.append(Page(dpi=self.ctx.dpi, color=self.ctx.color, fold=self.ctx.fold, paper=paper))
        self.y = float(self.page.mm(self.style.margins_mm[1]))
        return self.page

    @property
    def left(self) -> float:
        return float(self.page.mm(self.style.margins_mm[0]))

    @property
    def right(self) -> float:
        return float(self.page.width - self.page.mm(self.style.margins_mm[2]))

    @property
    def bottom(self) -> float:
        # Room is kept for the page number line.
        return float(self.page.height - self.page.mm(self.style.margins_mm[3] + 8))

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def space(self, mm: float) -> None:
        self.y += self.page.mm(mm)

    def font(self, kind: Literal["body", "bold", "italic"] = "body", scale: float = 1.0) -> Font:
        name = {"body": self.style.body, "bold": self.style.bold, "italic": self.style.italic}[kind]
        return self.page.font(name, self.style.body_pt * scale)

    # ------------------------------------------------------------------------------------ blocks
    def header(self, lines: Sequence[str], contact: Sequence[Runs] = (), emblem: bool = True) -> None:
        """The issuing body's letterhead: emblem, state, institution lines and, sometimes, contacts."""
        page = self.page
        bold = self.font("bold", 1.0)
        small = self.font("body", 0.8)
        size = page.mm(15)
        if self.style.header_align == "center":
            if emblem:
                graphics.emblem(page, page.width / 2, self.y + size / 2, size)
                self.y += size + page.mm(3)
            for i, text in enumerate(lines):
                font = bold if i < 3 else self.font("body", 0.95)
                page.write(page.width / 2, self.y, text, font, align="center")
                self.y += page.line_height(font, 1.25)
            for contact_line in contact:
                page.write(page.width / 2, self.y, contact_line, small, align="center")
                self.y += page.line_height(small, 1.2)
        else:
            top = self.y
            x = self.left
            if emblem:
                graphics.emblem(page, x + size / 2, top + size / 2, size)
                x += size + page.mm(4)
            widest = 0.0
            for i, text in enumerate(lines):
                font = bold if i < 2 else self.font("body", 0.92)
                page.write(x, self.y, text, font)
                widest = max(widest, page.text_width(text, font))
                self.y += page.line_height(font, 1.2)
            contact_width = max((page.words_width(words_of(c), small) for c in contact), default=0.0)
            beside = x + widest + page.mm(8) + contact_width <= self.right
            cy = top if beside else max(self.y, top + size) + page.mm(1)
            for contact_line in contact:
                if beside:
                    page.write(self.right, cy, contact_line, small, align="right")
                else:
                    page.write(self.left, cy, contact_line, small)
                cy += page.line_height(small, 1.2)
            self.y = max(self.y, top + size, cy)
        self.y += page.mm(2)
        if self.style.rule_under_header:
            page.hline(self.left, self.right, self.y, width=max(1, page.dpi // 150))
            self.y += page.mm(3)
        self.y += page.mm(3)

    def ref_line(self, left: Runs | str, right: Runs | str) -> None:
        page = self.page
        font = self.font("body", 0.95)
        y = self.y
        left_runs = runs(left) if isinstance(left, str) else left
        right_runs = runs(right) if isinstance(right, str) else right
        right_x = self.right - page.words_width(words_of(right_runs), font)
        page.line(y, [(self.left, left_runs, font, page.ink()), (right_x, right_runs, font, page.ink())])
        self.y += page.line_height(font, 1.6)

    def set_title(self, text: str, subtitle: str | None = None, scale: float = 1.0) -> None:
        page = self.page
        font = page.font(self.style.bold, self.style.title_pt * scale)
        self.y += page.mm(3)
        height = page.line_height(font, 1.3)
        inset = page.mm(2) if self.style.title_band else 0
        lines = page.wrap(runs(text), font, self.right - self.left - 2 * inset)
        if self.style.title_band:
            band: Fill = (225, 225, 222) if page.color else 225
            page.draw.rectangle((self.left, self.y - page.mm(1.5), self.right,
                                 self.y + height * len(lines) + page.mm(0.5)), fill=band)
        box: BBox | None = None
        for words in lines:
            line_text = " ".join(word_text(w) for w in words)
            if self.style.title_align == "center":
                drawn = page.write(page.width / 2, self.y, line_text, font, align="center")
            else:
                drawn = page.write(self.left + inset, self.y, line_text, font)
            if drawn is not None:
                box = drawn if box is None else box.union(drawn)
            self.y += height
        if self.title_bbox is None and len(self.pages) == 1:
            self.title, self.title_bbox = page.shown(" ".join(text.split())), box
        if subtitle:
            sub = self.font("body", 1.0)
            if self.style.title_align == "center":
                page.write(page.width / 2, self.y, subtitle, sub, align="center")
            else:
                page.write(self.left, self.y, subtitle, sub)
            self.y += page.line_height(sub, 1.4)
        self.y += page.mm(4)

    def heading(self, text: str, scale: float = 1.0) -> None:
        font = self.font("bold", scale)
        self.ensure(self.page.line_height(font) * 3)
        self.y += self.page.mm(1.5)
        self.page.write(self.left, self.y, text, font)
        self.y += self.page.line_height(font, 1.5)

    def paragraph(self, parts: Runs, *, scale: float = 1.0, indent_mm: float = 0.0,
                  justify: bool = True, spacing: float = 1.35, kind: Literal["body", "bold", "italic"] = "body",
                  after_mm: float = 2.0) -> None:
        page = self.page
        font = self.font(kind, scale)
        x0 = self.left + page.mm(indent_mm)
        width = self.right - x0
        lines = page.wrap(parts, font, width)
        height = page.line_height(font, spacing)
        for i, words in enumerate(lines):
            self.ensure(height)
            page = self.page
            gap = None
            if justify and i < len(lines) - 1 and len(words) > 1:
                natural = page.words_width(words, font)
                gap = font.getlength(" ") + (width - natural) / (len(words) - 1)
            page.draw_words(x0, self.y, words, font, page.ink(), gap=gap)
            page.record_line(word_text(w) for w in words)
            self.y += height
        self.y += page.mm(after_mm)

    def items(self, entries: Sequence[Runs], numbered: bool = True, scale: float = 1.0) -> None:
        for i, entry in enumerate(entries, start=1):
            marker = f"{i}." if numbered else "-"
            self.paragraph([Run(marker + " "), *entry], scale=scale, indent_mm=4, after_mm=1.0)

    def fields(self, entries: Sequence[Field], mode: FieldMode | None = None, scale: float = 1.0) -> None:
        entries = list(entries)
        if self.style.shuffle_fields:
            self.ctx.rng.shuffle(entries)
        mode = mode or self.style.field_mode
        if mode == "grid":
            self._fields_grid(entries, scale)
        elif mode == "two_column":
            self._fields_two_column(entries, scale)
        else:
            self._fields_lines(entries, mode, scale)
        self.y += self.page.mm(3)

    def _label_font(self, scale: float) -> Font:
        return self.font("bold" if self.style.label_bold else "body", scale)

    def _fields_lines(self, entries: Sequence[Field], mode: FieldMode, scale: float) -> None:
        page = self.page
        label_font = self._label_font(scale)
        value_font = self.font("body", scale)
        if mode == "dotted":
            value_font = page.font("sans-oblique", self.style.body_pt * scale * 1.05)
        height = page.line_height(value_font, 1.55 if mode == "dotted" else 1.4)
        tab = max(page.text_width(e.label + ":", label_font) for e in entries) + page.mm(4)
        tab = min(tab, (self.right - self.left) * 0.45)
        for entry in entries:
            self.ensure(height)
            page = self.page
            label = [Run(entry.label + ":")]
            if mode == "tab":
                x_value = max(self.left + tab, self.left + page.text_width(entry.label + ":", label_font)
                              + page.mm(2))
            else:
                x_value = self.left + page.text_width(entry.label + ": ", label_font) + (
                    page.mm(2) if mode == "dotted" else 0)
            value_lines = page.wrap(entry.value, value_font, self.right - x_value)
            ink = page.ink("pen") if mode == "dotted" else page.ink()
            first = True
            for words in value_lines or [[]]:
                segments: list[tuple[float, Runs, Font, Fill]] = []
                if first:
                    segments.append((self.left, label, label_font, page.ink()))
                segments.append((x_value, words_to_runs(words), value_font, ink))
                page.line(self.y, segments)
                if mode == "dotted":
                    page.dotted(x_value - page.mm(1), self.right, self.y + value_font.size * 1.05)
                self.y += height
                first = False

    def _fields_grid(self, entries: Sequence[Field], scale: float) -> None:
        page = self.page
        label_font = self._label_font(scale * 0.95)
        value_font = self.font("body", scale)
        label_width = min(max(page.text_width(e.label, label_font) for e in entries) + page.mm(5),
                          (self.right - self.left) * 0.42)
        pad = page.mm(1.5)
        shade: Fill = (236, 236, 232) if page.color else 236
        line_w = max(1, page.dpi // 200)
        for entry in entries:
            value_lines = page.wrap(entry.value, value_font, self.right - self.left - label_width - 2 * pad)
            label_lines = page.wrap([Run(entry.label)], label_font, label_width - 2 * pad)
            n = max(len(value_lines), len(label_lines), 1)
            lh = page.line_height(value_font, 1.25)
            height = n * lh + 2 * pad
            self.ensure(height)
            page = self.page
            top = self.y
            page.draw.rectangle((self.left, top, self.left + label_width, top + height), fill=shade)
            page.rect((self.left, top, self.right, top + height), width=line_w)
            page.draw.line([(self.left + label_width, top), (self.left + label_width, top + height)],
                           fill=page.ink(), width=line_w)
            for k in range(n):
                segments: list[tuple[float, Runs, Font, Fill]] = []
                if k < len(label_lines):
                    segments.append((self.left + pad, words_to_runs(label_lines[k]), label_font, page.ink()))
                if k < len(value_lines):
                    segments.append((self.left + label_width + pad, words_to_runs(value_lines[k]), value_font,
                                     page.ink()))
                page.line(top + pad + k * lh, segments)
            self.y = top + height

    def _fields_two_column(self, entries: Sequence[Field], scale: float) -> None:
        page = self.page
        label_font = self._label_font(scale * 0.9)
        value_font = self.font("body", scale)
        half = (self.right - self.left) / 2
        height = page.line_height(value_font, 1.45)
        pending: list[Field] = []

        def fits(entry: Field) -> bool:
            width = page.text_width(entry.label + ": ", label_font) + page.words_width(
                words_of(entry.value), value_font)
            return width < half - page.mm(4)

        rows: list[list[Field]] = []
        for entry in entries:
            if not fits(entry):
                rows.append([entry])
                continue
            pending.append(entry)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
        if pending:
            rows.append(pending)
        for row in rows:
            if len(row) == 1 and not fits(row[0]):
                entry = row[0]
                x_value = self.left + page.text_width(entry.label + ": ", label_font)
                for k, words in enumerate(page.wrap(entry.value, value_font, self.right - x_value)):
                    self.ensure(height)
                    page = self.page
                    segments: list[tuple[float, Runs, Font, Fill]] = []
                    if k == 0:
                        segments.append((self.left, [Run(entry.label + ":")], label_font, page.ink()))
                    segments.append((x_value, words_to_runs(words), value_font, page.ink()))
                    page.line(self.y, segments)
                    self.y += height
                continue
            self.ensure(height)
            page = self.page
            segments = []
            for col, entry in enumerate(row):
                x = self.left + col * half
                segments.append((x, [Run(entry.label + ":")], label_font, page.ink()))
                segments.append((x + page.text_width(entry.label + ": ", label_font), entry.value, value_font,
                                 page.ink()))
            page.line(self.y, segments)
            self.y += height

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Runs | str]], widths: Sequence[float],
              scale: float = 0.9, header_shade: bool = True) -> None:
        """A ruled table; ``widths`` are shares of the text width. Each printed row of text is a line."""
        page = self.page
        total = sum(widths)
        xs = [self.left]
        for w in widths:
            xs.append(xs[-1] + (self.right - self.left) * w / total)
        pad = page.mm(1.2)
        cells: list[list[Runs]] = [[runs(h) for h in headers]]
        cells += [[runs(c) if isinstance(c, str) else c for c in row] for row in rows]
        probe = self.font("body", scale)
        fit = 1.0
        for row_cells in cells:
            for i, cell in enumerate(row_cells):
                # Words are never broken inside a cell, so the longest one sets the type size.
                widest = max((page.text_width(word_text(w), probe) for w in words_of(cell)), default=0.0)
                if widest > 0:
                    fit = min(fit, (xs[i + 1] - xs[i] - 2 * pad) / widest)
        scale *= max(0.7, min(1.0, fit))
        body = self.font("body", scale)
        head = self.font("bold", scale * 0.95)
        lh = page.line_height(body, 1.22)
        line_w = max(1, page.dpi // 200)
        shade: Fill = (230, 230, 226) if page.color else 230

        def draw_row(cells: Sequence[Runs], font: Font, shaded: bool) -> None:
            page = self.page
            wrapped = [page.wrap(cell, font, xs[i + 1] - xs[i] - 2 * pad) for i, cell in enumerate(cells)]
            n = max((len(w) for w in wrapped), default=1) or 1
            height = n * lh + 2 * pad
            if self.y + height > self.bottom:
                self.new_page()
                page = self.page
            top = self.y
            if shaded:
                page.draw.rectangle((xs[0], top, xs[-1], top + height), fill=shade)
            page.rect((xs[0], top, xs[-1], top + height), width=line_w)
            for x in xs[1:-1]:
                page.draw.line([(x, top), (x, top + height)], fill=page.ink(), width=line_w)
            for k in range(n):
                segments: list[tuple[float, Runs, Font, Fill]] = []
                for i, lines in enumerate(wrapped):
                    if k < len(lines):
                        segments.append((xs[i] + pad, words_to_runs(lines[k]), font, page.ink()))
                page.line(top + pad + k * lh, segments)
            self.y = top + height

        draw_row(cells[0], head, header_shade)
        for row_cells in cells[1:]:
            draw_row(row_cells, body, False)
        self.y += page.mm(4)

    def signatures(self, signers: Sequence[Signer], *, date_line: Runs | None = None) -> None:
        """Signature blocks side by side: role, pen signature over a line, printed name, maybe a stamp."""
        page = self.page
        font = self.font("body", 0.95)
        bold = self.font("bold", 0.95)
        block_h = page.mm(30)
        self.ensure(block_h + page.mm(8))
        page = self.page
        if date_line is not None:
            page.write(self.left, self.y, date_line, font)
            self.y += page.line_height(font, 1.8)
        n = len(signers)
        col = (self.right - self.left) / n
        top = self.y
        role_segments: list[tuple[float, Runs, Font, Fill]] = []
        name_segments: list[tuple[float, Runs, Font, Fill]] = []
        for i, signer in enumerate(signers):
            cx = self.left + col * (i + 0.5) if n > 1 else self.right - col * 0.3
            role_w = page.text_width(signer.role, bold)
            role_segments.append((cx - role_w / 2, [Run(signer.role)], bold, page.ink()))
            if signer.name:
                name_w = page.words_width(words_of(signer.name), font)
                name_segments.append((cx - name_w / 2, signer.name, font, page.ink()))
        page.line(top, role_segments)
        line_y = top + page.mm(16)
        for i in range(n):
            cx = self.left + col * (i + 0.5) if n > 1 else self.right - col * 0.3
            half = min(col * 0.4, page.mm(30))
            page.hline(cx - half, cx + half, line_y, width=max(1, page.dpi // 200))
            graphics.signature(page, cx - half * 0.8, line_y - page.mm(11), half * 1.5, page.mm(12),
                               self.ctx.rng)
        if name_segments:
            page.line(line_y + page.mm(1.5), name_segments)
        for i, signer in enumerate(signers):
            if signer.stamp is not None:
                cx = self.left + col * (i + 0.5) if n > 1 else self.right - col * 0.3
                ring, center = signer.stamp
                graphics.stamp(page, cx - page.mm(14) + self.ctx.rng.uniform(-1, 1) * page.mm(5),
                               line_y - page.mm(2), page.mm(17), ring, center, self.ctx.rng)
        self.y = top + block_h

    def qr(self, payload: str, caption: str | None = None, side_mm: float = 22) -> None:
        page = self.page
        side = page.mm(side_mm)
        self.ensure(side + page.mm(8))
        page = self.page
        graphics.qr_code(page, self.left, self.y, side, payload)
        if caption:
            font = self.font("body", 0.75)
            lines = page.wrap(runs(caption), font, self.right - self.left - side - page.mm(5))
            cy = self.y + page.mm(2)
            for words in lines:
                page.draw_words(self.left + side + page.mm(5), cy, words, font, page.ink())
                page.record_line(word_text(w) for w in words)
                cy += page.line_height(font, 1.25)
        self.y += side + page.mm(4)

    def finish(self) -> list[Page]:
        """Number the pages (when the style does and there is more than one) and hand them over."""
        n = len(self.pages)
        if n > 1 and self.style.page_label:
            for i, page in enumerate(self.pages, start=1):
                label = self.style.page_label.format(i=i, n=n)
                if self.ctx.language == "eng":
                    label = label.replace("Faqe", "Page").replace(" nga ", " of ")
                font = page.font(self.style.body, self.style.body_pt * 0.85)
                y = page.height - page.mm(self.style.margins_mm[3] + 4)
                left = page.mm(self.style.margins_mm[0])
                right = page.width - page.mm(self.style.margins_mm[2])
                if self.style.page_label_align == "center":
                    page.write(page.width / 2, y, label, font, align="center")
                elif self.style.page_label_align == "right":
                    page.write(right, y, label, font, align="right")
                else:
                    page.write(left, y, label, font)
        return self.pages
