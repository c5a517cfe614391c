"""Personal data in table columns: a header row of field labels ("Nr.  Emri  Mbiemri  Atësia  Datëlindja")
labels every cell under it. Each cell is analyzed as "<header> <cell>", so the same recognizers and
their label rules apply as for a label written in a sentence.

Columns come from the labels' positions in the header line, not from gaps: OCR may set "Nr." and "Emri"
closer together than a column gap. Rows are the lines below, word by word, until the table ends: a wide
vertical gap, a new header, or running text whose words flow across column edges.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine

from pipeline.models import Word
from privacy.analysis import analyze
from privacy.page_text import PageText, PlacedWord, TextHit
from privacy.recognizers.base import VALIDATED
from privacy.recognizers.labels import OTHER, label_entity, label_pattern, translation_end
from privacy.recognizers.lexicon import generic_words, known_name
from privacy.recognizers.ocr_text import fold

MAX_ROW_GAP = 3.0
"""Rows further below the previous one than this many row heights are no longer the table."""
PHRASE_GAP = 1.0
"""Words closer than this many line heights belong to one phrase; a phrase crossing columns is prose."""
MIN_LABEL_SHARE = 0.6
"""A header line is mostly labels: at least this share of its characters."""
MAX_STACKED_WORDS = 4
MAX_PASSED = 2
"""Labels of neighbouring fields a stacked label's value may lie beyond."""
WELL_READ = 60.0
SCRIBBLE_HEIGHT = 2.0
"""A pen stroke OCR read as a word is more than this many printed text heights tall."""
SPECK_HEIGHT = 0.5
"""Specks OCR read as a word are less than this many printed text heights tall."""
PROSE_WORDS = 4
"""A cell of this many words that also flows into the next column is a sentence, not a table cell."""


@dataclass(frozen=True)
class _Column:
    entity: str
    header_start: int
    header_end: int
    x0: int


def _lines(layout: PageText) -> list[list[PlacedWord]]:
    lines: list[list[PlacedWord]] = []
    for placed in layout.placed:
        if not lines or lines[-1][-1].line != placed.line:
            lines.append([])
        lines[-1].append(placed)
    return lines


def _stacked_label(layout: PageText, folded: str, words: list[PlacedWord]) -> bool:
    """A short line opening with one field label, its value on the line below (ID cards:
    "Mbiemri / Surname" over "KAZAZI")."""
    content = [w for w in words if any(c.isalnum() for c in layout.text[w.start : w.end])]
    match = label_pattern(None).match(folded, words[0].start)
    if not match or len(content) > MAX_STACKED_WORDS or label_entity(match.group()) == OTHER:
        return False
    # Nothing but labels on the line ("7" and "1" are OCR's slashes), or a label and its other-language
    # half garbled ("Mbiemri /Surmame"): the value is not beside it.
    labels = [(m.start(), m.end()) for m in label_pattern(None).finditer(folded, words[0].start, words[-1].end)]
    after = match.end()
    while after < words[-1].end and folded[after] in " /":
        after += 1
    translated = translation_end(folded, match.end(), after)
    if translated is not None:
        labels.append((match.end(), translated))
    return all(any(lo <= w.start < hi for lo, hi in labels) or w.end - w.start <= 1 for w in content)


def _colon_with_value(folded: str, start: int, end: int) -> bool:
    """A colon followed by something other than the next label: a filled-in form line, not a header
    ("Datëlindja / Date of birth:" ends a header line; "Emri: Arben" is a field)."""
    for colon in re.finditer(":", folded[start:end]):
        after = start + colon.end()
        while after < end and folded[after] in " \t":
            after += 1
        if after < end and not label_pattern(None).match(folded, after):
            return True
    return False


def _value_beside(folded: str, start: int, end: int) -> bool:
    """A cell after a column gap between ``start`` and ``end`` that holds no label: a value."""
    cells = folded[start:end].split("\t")[1:]
    return any(any(c.isalnum() for c in cell) and not label_pattern(None).search(cell) for cell in cells)


def _label_line(folded: str, words: list[PlacedWord]) -> bool:
    """A line made mostly of labels, of any fields: where the table above it ends."""
    labels = label_pattern(None).finditer(folded, words[0].start, words[-1].end)
    return sum(m.end() - m.start() for m in labels) >= MIN_LABEL_SHARE * sum(w.end - w.start for w in words)


def _columns(layout: PageText, folded: str, words: list[PlacedWord]) -> list[_Column] | None:
    start, end = words[0].start, words[-1].end
    if _colon_with_value(folded, start, end):
        return None
    labels = list(label_pattern(None).finditer(folded, start, end))
    entities = [label_entity(m.group()) for m in labels]
    if all(e == OTHER for e in entities):
        return None
    if sum(e != OTHER for e in entities) == 1 and _value_beside(folded, labels[-1].end(), end):
        return None  # one field and its value across a gap ("Mbiemri / Emërtimi<tab>GEGA"): a form line
    stacked = _stacked_label(layout, folded, words)
    if len(labels) < 2 and not stacked:
        return None
    label_chars = sum(m.end() - m.start() for m in labels)
    if label_chars < MIN_LABEL_SHARE * sum(w.end - w.start for w in words) and not stacked:
        return None
    columns: list[_Column] = []
    label_of: dict[int, tuple[re.Match[str], str]] = {}
    for match, entity in zip(labels, entities, strict=True):
        for placed in words:
            if match.start() <= _core_start(layout, placed) < match.end():
                label_of.setdefault(placed.start, (match, entity))
    for placed in words:
        if not any(c.isalnum() for c in layout.text[placed.start : placed.end]):
            continue  # "/" between the Albanian and English header, or a rule: no column of its own
        if placed.start in label_of:
            match, entity = label_of[placed.start]
            if match.start() == _core_start(layout, placed):
                columns.append(_Column(entity, match.start(), match.end(), layout.words[placed.index].bbox.x0))
        elif not columns or columns[-1].entity != OTHER or columns[-1].header_end < placed.start - 1:
            columns.append(_Column(OTHER, placed.start, placed.end, layout.words[placed.index].bbox.x0))
    return columns


def _core_start(layout: PageText, placed: PlacedWord) -> int:
    """Where a word's letters begin: a table rule printed against it reads as "(", "|" or "[" first."""
    start = placed.start
    while start < placed.end - 1 and not layout.text[start].isalnum():
        start += 1
    return start


def _noise(text: str) -> bool:
    """A rule or a speck read as a token ("|", "I", "ea" between two cells): it separates cells and is
    no cell of its own. Numbers ("2", the row number) are cells."""
    core = text.strip("|[](){}.,;:'\"")
    return not any(c.isalnum() for c in core) or (len(core) <= 2 and not core.isdigit()
                                                  and fold(core) not in _SHORT_WORDS)


SPLIT_GAP = 0.25
"""A word split by OCR leaves a gap narrower than this many of its heights (a space is about a third)."""


def _split_off(layout: PageText, words: list[PlacedWord], number: int) -> bool:
    """Two letters, a capital and a small one, tight against the next word: the start of a word OCR split
    where a stamp or a pen stroke crossed it ("Gj olë Hoxha" for "Gjolek Hoxha"), not a speck."""
    text = layout.text[words[number].start : words[number].end]
    if number + 1 >= len(words) or not (len(text) == 2 and text[0].isupper() and text[1].islower()):
        return False
    box, after = layout.words[words[number].index].bbox, layout.words[words[number + 1].index].bbox
    return 0 <= after.x0 - box.x1 <= SPLIT_GAP * box.height


_SHORT_WORDS = frozenset(("te", "se", "me", "ne", "si", "ka", "ku", "do", "of", "to", "in", "at", "on", "by", "is"))
"""Two-letter words of running text (Albanian and English): words, not specks, so that a sentence under a
table is seen to flow across its columns ("Hipotekë në favor të Raiffeisen Bank")."""
_RULES = "|[]"
"""How OCR reads a table's vertical rules, alone or glued to a cell's first letter."""


def _column_index(columns: list[_Column], x_center: float) -> int:
    index = 0
    for number, column in enumerate(columns):
        if x_center >= column.x0 - 8:
            index = number
    return index


def _row_cells(
    layout: PageText, columns: list[_Column], words: list[PlacedWord]
) -> list[tuple[int, list[PlacedWord]]] | None:
    """The row's words grouped by column, or ``None`` if the line is running text, not a row.

    Running text crosses column edges with ordinary word gaps, again and again; a tight table crosses one
    now and then, or has a rule ("|") between its cells.
    """
    # The row's line height, from the words OCR read well: a stamp or a pen stroke read as a word (a box
    # several lines tall) would make every gap between cells look like one between words.
    read = [layout.words[w.index] for w in words]
    height = max(word.bbox.height for word in [w for w in read if w.conf >= WELL_READ] or read)
    cells: list[tuple[int, list[PlacedWord]]] = []
    flowing = 0
    previous: PlacedWord | None = None
    for number, placed in enumerate(words):
        if _noise(layout.text[placed.start : placed.end]) and not _split_off(layout, words, number):
            previous = placed  # a rule or a speck of dirt: no column's, but it separates cells
            continue
        box = layout.words[placed.index].bbox
        column = _column_index(columns, (box.x0 + box.x1) / 2)
        if cells and cells[-1][0] == column:
            cells[-1][1].append(placed)
        else:
            if cells and previous is cells[-1][1][-1]:
                # Overlapping boxes are OCR's garbage, not a word gap of running text.
                flowing += 0 <= box.x0 - layout.words[previous.index].bbox.x1 < PHRASE_GAP * height
            cells.append((column, [placed]))
        previous = placed
    wordy = any(len(cell) >= PROSE_WORDS for _, cell in cells)
    # Rules printed between the cells ("2 | Enerjeta | Jashari | ...") make a row whatever its spacing.
    ruled = sum(layout.text[w.start] in _RULES for w in words) >= 2
    return None if (flowing >= 2 or (flowing and wordy)) and not ruled else cells


def _text_height(layout: PageText) -> int:
    """The height of a well-read printed word on the page."""
    heights = sorted(w.bbox.height for w in layout.words if w.conf >= WELL_READ) or sorted(
        w.bbox.height for w in layout.words) or [1]
    return heights[len(heights) // 2]


def _not_text(layout: PageText, words: list[PlacedWord], text_height: int) -> bool:
    """A line OCR made of a pen signature or of specks (a photo's edge): poorly read "words" far taller or
    far flatter than the page's printed ones."""
    read = [layout.words[w.index] for w in words if not _noise(layout.text[w.start : w.end])]
    if not read or any(word.conf >= WELL_READ for word in read):
        return False
    # A scrawl's "words" come with short ones beside the tallest ("Clos on", "(KL “SS", "FALLOT Se “E").
    tallest = max(layout.words[w.index].bbox.height for w in words)
    return tallest > SCRIBBLE_HEIGHT * text_height or all(
        word.bbox.height < SPECK_HEIGHT * text_height for word in read)


def table_hits(layout: PageText, analyzer: AnalyzerEngine, faint: Callable[[Word], bool] | None = None
               ) -> list[TextHit]:
    """Findings in the cells of tables of field labels; ``faint`` tells a stamp's words (printed lighter
    than text), which are no one's name even in a name column."""
    hits: list[TextHit] = []
    lines = _lines(layout)
    folded = fold(layout.text)
    number = 0
    text_height = _text_height(layout)
    while number < len(lines):
        columns = _columns(layout, folded, lines[number])
        number += 1
        if columns is None:
            continue
        # Under a lone stacked label only the next line is its value; below that come other things.
        header = lines[number - 1]
        stacked = len(columns) == 1 or _stacked_label(layout, folded, header)
        last_row = number + 1 if stacked else len(lines)
        previous_bottom = max(layout.words[w.index].bbox.y1 for w in header)
        passed = beside = 0
        while number < min(last_row, len(lines)):
            words = lines[number]
            boxes = [layout.words[w.index].bbox for w in words]
            height = max(b.height for b in boxes)
            if min(b.y0 for b in boxes) - previous_bottom > MAX_ROW_GAP * height:
                break
            if stacked and passed < MAX_PASSED and _beside(layout, header, words) and (
                    _columns(layout, folded, words) is not None or _label_line(folded, words)):
                # The label of the field beside this one, set a little higher or lower on a page not quite
                # level ("Nr. personal / Personal No." read before "Gjinia / Sex"): the value is further down.
                passed += 1
                last_row += 1
                number += 1
                continue
            if _not_text(layout, words, text_height):
                # A pen signature between a role and the signer's printed name ("Aplikanti", a scrawl,
                # "Petrit Rrahmani"), or specks between a label and its value: no row of their own, and
                # the line below is still the label's value.
                last_row += 1
                previous_bottom = max(b.y1 for b in boxes)
                number += 1
                continue
            if stacked:
                words = _under(layout, header, words)
                if not words and beside < MAX_PASSED:
                    # Ink beside the label's column (an ID card photo's edge read as "EER LEE"): the value
                    # is still to come below.
                    beside += 1
                    last_row += 1
                    previous_bottom = max(b.y1 for b in boxes)
                    number += 1
                    continue
                if not words:
                    break
            if _columns(layout, folded, words) is not None or _label_line(folded, words):
                break
            cells = _row_cells(layout, columns, words)
            if cells is None:
                break
            for column_number, cell in cells:
                if columns[column_number].entity != OTHER:
                    hits.extend(_analyze_cell(layout, analyzer, columns[column_number], cell, faint))
            previous_bottom = max(b.y1 for b in boxes)
            number += 1
        if passed:
            number = lines.index(header) + 1  # the labels passed over are read as labels in turn
    return hits


def _under(layout: PageText, header: list[PlacedWord], words: list[PlacedWord]) -> list[PlacedWord]:
    """The words of a line below a stacked label that can be its value: not wholly left of the label (a
    value is printed under its label, aligned with it or centred; what lies left of it is another column,
    a photo or a stamp)."""
    label = layout.words[header[0].index].bbox
    left = label.x0 - label.height
    return [w for w in words if layout.words[w.index].bbox.x1 >= left]


def _beside(layout: PageText, header: list[PlacedWord], words: list[PlacedWord]) -> bool:
    """No word of ``words`` lies under the label line ``header``: they belong to a column beside it."""
    x0 = min(layout.words[w.index].bbox.x0 for w in header)
    x1 = max(layout.words[w.index].bbox.x1 for w in header)
    return all(layout.words[w.index].bbox.x1 < x0 or layout.words[w.index].bbox.x0 > x1 for w in words)


_RULE_LETTER = re.compile(r"^[|\[(JIl1](?=[A-ZÇË][a-zçë])")
"""A table rule glued to a capitalised name reads as one more letter: "JZyhdi", "|Amantia", "lRodiona"."""
NAME_CELL_SCORE = 0.7


def _name_cell(layout: PageText, cell: list[PlacedWord]) -> TextHit | None:
    """A cell of a name column that OCR garbled at its edge ("JZyhdi", "|Amantia") or that sits in a row
    OCR broke up: a name when its words are letters only (a rule glued to the first letter aside), no
    label among them, and each a known name or, outside the document vocabulary, in title case (or in lower
    case, beside one that is)."""
    # A lone mark that is no letter ("0" of "'Gjergi 0") is a speck or a rule beside the name.
    raw = [text for text in (layout.text[w.start : w.end] for w in cell) if len(text) > 1 or text.isalpha()]
    if any(word.endswith(":") for word in raw):
        return None
    words = [_RULE_LETTER.sub("", word).strip(".,;:'\"|[]()") for word in raw]
    words = [w for w in words if w]
    if not words or any(not w.replace("-", "").isalpha() for w in words) or len("".join(words)) < 3:
        return None
    if any(label_pattern(None).fullmatch(fold(w)) for w in words):
        return None  # the next field's label, not a value ("Atësia" under a stacked "Emri")
    # A known name, or names as they are printed in such tables ("Klajdjola"), never an organisation in
    # capitals or an ordinary word. The column says the cell is a name, so OCR's lower case ("trakli" for
    # "Irakli") is forgiven beside a word that reads as one.
    vocabulary = generic_words()

    def name_word(word: str, *, lower_ok: bool) -> bool:
        title = word[:1].isupper() and word[1:].islower()
        lower = lower_ok and word.islower() and len(word) >= 3
        return known_name(fold(word)) or ((title or lower) and fold(word) not in vocabulary)

    # A word in lower case passes beside a name in capitals ("trakli Zogaj"), not alone ("vendeve").
    anchored = any(name_word(w, lower_ok=False) for w in words)
    if not all(name_word(w, lower_ok=anchored) for w in words):
        return None
    return TextHit("PERSON", _core_start(layout, cell[0]), cell[-1].end, NAME_CELL_SCORE, validated=True)


BARELY_READ = 40.0
"""OCR confidence under which a word is as likely a stamp's letters or a pen stroke as print."""


def _stamp_letters(layout: PageText, cell: list[PlacedWord]) -> bool:
    """A name column's cell that OCR barely read and no name list knows: a stamp's letters or a
    signature's loops between the header and the names ("Pre" read from a pen stroke under "QIRAMARRËS")."""
    words = [layout.words[placed.index] for placed in cell]
    return all(word.conf < BARELY_READ for word in words) and not any(
        known_name(fold(word.text.strip(".,;:'\"|[]()"))) for word in words)


def _analyze_cell(layout: PageText, analyzer: AnalyzerEngine, column: _Column, cell: list[PlacedWord],
                  faint: Callable[[Word], bool] | None) -> list[TextHit]:
    if column.entity == "PERSON" and faint is not None:
        cell = [placed for placed in cell if not faint(layout.words[placed.index])]
    if not cell or (column.entity == "PERSON" and _stamp_letters(layout, cell)):
        return []
    if column.entity == "PERSON":
        hit = _name_cell(layout, cell)
        if hit is not None:
            return [hit]
    # No colon: as for a label inside a sentence, a name must look like one (capitals or a known name),
    # so a line of running text under the table yields nothing.
    prefix = layout.text[column.header_start : column.header_end].rstrip(" :") + " "
    start, end = cell[0].start, cell[-1].end
    synthetic = prefix + layout.text[start:end]
    shift = start - len(prefix)
    hits = []
    for result in analyze(analyzer, synthetic, [column.entity]):
        if result.start < len(prefix):
            continue
        validated = bool((result.recognition_metadata or {}).get(VALIDATED, False))
        hits.append(TextHit(result.entity_type, result.start + shift, result.end + shift, result.score, validated))
    return hits
