"""Machine-readable zones (ICAO 9303) read again with the zone's own characters, kept where its check
digits confirm the reading.

The page OCR reads a zone with the page's models and dictionaries: the filler ``<`` comes out as ``c``,
``e`` or ``«`` in long runs, a final check digit ``1`` as ``]``, a line split at a gap of its own. Read
again as one line of ``A-Z 0-9 <`` (the ``eng`` model, single-line segmentation), the same crop mostly
comes out right, but not always (a ``0`` read ``9``, a filler dropped from a run). So a reading replaces
the page OCR's only when it has the zone's line length and passes every check digit the zone carries
(document number, birth and expiry dates, the composite over both lines of an ID card); a name line, which
has none, only when it is letters and fillers of the right length. What no check settles is left as read.

Used by :func:`stages.ocr.recognize`. Pure functions over words and pixels; the engine is the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.models import BBox, Word

WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
LINE_LENGTHS = {3: 30, 2: 44}
"""A zone's line length by its number of lines: TD1 (ID cards) three lines of 30; TD3 (passports) two of
44. TD2 (two of 36) is told from TD3 by the length read."""
TD2_LENGTH = 36
_CANDIDATE = re.compile(r"[A-Z0-9<]{2,}")
_WEIGHTS = (7, 3, 1)
_NAME_LINE = re.compile(r"[A-Z][A-Z<]*<<[A-Z][A-Z<]*")
MIN_FILLERS = 2
"""A run of the page OCR's words is taken for a zone line when it holds at least this many fillers."""
MAX_PITCH = 3.0
"""Line pitch of a zone, in its letters' height, at most (ICAO 9303 prints lines about twice their capitals'
height apart; a scan's boxes can be a little tight)."""
CHECKED_CONFIDENCE = 95.0
"""Confidence of a line that its check digits confirm."""

ReadLine = Callable[[NDArray[np.uint8]], str]
"""Reads a crop as one line of :data:`WHITELIST` characters (the caller's engine)."""


def check_digit(field: str) -> str:
    """ICAO 9303's check digit of ``field``: weights 7, 3, 1 over digits, letters (A=10...Z=35), ``<`` = 0."""
    total = 0
    for position, char in enumerate(field):
        value = int(char) if char.isdigit() else (ord(char) - 55 if "A" <= char <= "Z" else 0)
        total += value * _WEIGHTS[position % 3]
    return str(total % 10)


def _checked(line: str, field: slice, check: int) -> bool:
    digit = line[check]
    # A document number longer than nine characters puts "<" here and its check digit in the optional data.
    return digit == "<" or digit == check_digit(line[field])


def data_lines_valid(lines: Sequence[str]) -> bool:
    """Whether ``lines``, the lines of a zone that carry check digits (an ID card's first two, a
    passport's second), pass every one of them (document number, birth and expiry dates, the composite)
    and hold the zone's characters only: a check counts any other as a filler."""
    if not all(char in WHITELIST for line in lines for char in line):
        return False
    if len(lines) == 2:
        first, second = lines
        if len(first) != 30 or len(second) != 30:
            return False
        composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
        return (_checked(first, slice(5, 14), 14) and _checked(second, slice(0, 6), 6)
                and _checked(second, slice(8, 14), 14) and second[29] == check_digit(composite))
    if len(lines) == 1 and len(lines[0]) in (TD2_LENGTH, 44):
        (line,) = lines
        end = len(line) - 1
        personal = len(line) != 44 or _checked(line, slice(28, 42), 42)
        return (_checked(line, slice(0, 9), 9) and _checked(line, slice(13, 19), 19)
                and _checked(line, slice(21, 27), 27) and personal
                and line[end] == check_digit(line[0:10] + line[13:20] + line[21:end]))
    return False


def name_line_valid(line: str, start: int) -> bool:
    """A name line (from ``start``: after a passport's document code and state) is letters and fillers
    only, surname and given names parted by two fillers."""
    return all(char in WHITELIST and not char.isdigit() for char in line) and bool(_NAME_LINE.match(line[start:]))


def fill_to(line: str, length: int) -> str:
    """``line`` with its last run of fillers grown to ``length`` characters: OCR reads a long run of
    ``<`` one or two short, and a run's length is all it can get wrong about it that no check sees."""
    if len(line) >= length:
        return line
    runs = list(re.finditer(r"<{2,}", line))
    if not runs:
        return line
    run = runs[-1]
    return line[: run.end()] + "<" * (length - len(line)) + line[run.end() :]


@dataclass(frozen=True)
class ZoneLine:
    """A run of the page OCR's words on one visual line that looks like a zone line."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return "".join(word.text for word in self.words)

    @property
    def box(self) -> BBox:
        """Across the words, and vertically where they all overlap: a word's box also takes in a stray
        mark above or below it (a box twice the line's height), and a line read in a crop that tall comes
        out worse ("TDALB")."""
        top, bottom = max(w.bbox.y0 for w in self.words), min(w.bbox.y1 for w in self.words)
        if bottom <= top:
            top, bottom = min(w.bbox.y0 for w in self.words), max(w.bbox.y1 for w in self.words)
        return BBox(x0=min(w.bbox.x0 for w in self.words), y0=top, x1=max(w.bbox.x1 for w in self.words), y1=bottom)


def zone_lines(words: Sequence[Word]) -> list[ZoneLine]:
    """Runs of words that look like zone lines: on one visual line (``line``), side by side, each mostly
    ``A-Z 0-9 <``, together holding a few fillers. The page OCR's junk for fillers ("cceeec") is not
    ``A-Z``: a word is taken if the zone's characters make up most of it."""
    rows: dict[int, list[Word]] = {}
    for word in words:
        rows.setdefault(word.line, []).append(word)
    found = []
    for row in rows.values():
        row.sort(key=lambda w: w.bbox.x0)
        run: list[Word] = []
        ended: list[Word | None] = [*row, None]
        for item in ended:
            if item is not None and _zone_like(item) and (not run or _beside(run[-1], item)):
                run.append(item)
                continue
            if run and sum(w.text.count("<") for w in run) >= MIN_FILLERS:
                found.append(ZoneLine(tuple(run)))
            run = [item] if item is not None and _zone_like(item) else []
    return sorted(found, key=lambda z: z.box.y0)


def _zone_like(word: Word) -> bool:
    text = word.text
    return len(text) >= 2 and sum(len(m.group()) for m in _CANDIDATE.finditer(text)) >= 0.6 * len(text)


def _beside(left: Word, right: Word) -> bool:
    return right.bbox.x0 - left.bbox.x1 <= 2 * max(left.bbox.height, right.bbox.height)


def zones(lines: Sequence[ZoneLine]) -> list[list[ZoneLine]]:
    """Zone lines grouped into zones: each line under the one before, at most :data:`MAX_PITCH` of its
    letters' height lower, starting about where it starts."""
    grouped: list[list[ZoneLine]] = []
    for line in lines:
        if grouped:
            last = grouped[-1][-1].box
            if 0 < line.box.y0 - last.y0 <= MAX_PITCH * last.height and abs(line.box.x0 - last.x0) <= 2 * last.height:
                grouped[-1].append(line)
                continue
        grouped.append([line])
    return grouped


def crop(image: NDArray[np.uint8], box: BBox) -> NDArray[np.uint8]:
    """The line's region with half a line height around it, on a white border (tesseract reads a line
    best with a margin)."""
    pad = max(4, box.height // 2)
    height, width = image.shape
    region = image[max(0, box.y0 - pad) : min(height, box.y1 + pad), max(0, box.x0 - pad) : min(width, box.x1 + pad)]
    border = max(4, box.height // 3)
    return np.pad(region, border, constant_values=255)


def read_zones(words: Sequence[Word], image: NDArray[np.uint8], read_line: ReadLine) -> list[Word]:
    """``words`` with the lines of each machine-readable zone replaced by their re-reading where it
    passes the zone's checks (else by the first reading joined, where that does); each such line becomes
    one word over the line's box. The lines with check digits are settled together, the name line alone."""
    replaced: dict[int, Word] = {}
    dropped: set[int] = set()
    for zone in zones(zone_lines(words)):
        if len(zone) not in LINE_LENGTHS:
            continue
        readings = [read_line(crop(image, line.box)).replace(" ", "") for line in zone]
        length = LINE_LENGTHS[len(zone)]
        if len(zone) == 2 and abs(len(readings[1]) - TD2_LENGTH) < abs(len(readings[1]) - length):
            length = TD2_LENGTH
        options = [(fill_to(again, length), fill_to(line.text, length))
                   for again, line in zip(readings, zone, strict=True)]
        name_at, start = (2, 0) if len(zone) == 3 else (0, 5)
        data = [option for number, option in enumerate(options) if number != name_at]
        name = next((text for text in options[name_at] if name_line_valid(text, start)), None)
        settled = {name_at: name} if name is not None else {}
        data_at = [number for number in range(len(zone)) if number != name_at]
        settled.update(zip(data_at, confirm_data_lines(data) or [], strict=False))
        for number, text in settled.items():
            line = zone[number]
            first = line.words[0]
            # A name line has no check digit: it is as sure as the page OCR was of it.
            conf = sum(w.conf for w in line.words) / len(line.words) if number == name_at else CHECKED_CONFIDENCE
            replaced[id(first)] = first.model_copy(update={"text": text, "bbox": line.box, "conf": conf})
            dropped.update(id(word) for word in line.words[1:])
    return [replaced.get(id(word), word) for word in words if id(word) not in dropped]


def confirm_data_lines(options: Sequence[tuple[str, str]]) -> list[str] | None:
    """One of each line's readings (re-read, first read), in the first combination, re-readings first,
    that passes the check digits, with the digits-only fields as digits (:func:`_as_digits`); else the one
    combination that passes once a single character of an ID card's optional data (the personal number)
    is swapped for its look-alike (:func:`_one_swap`); ``None`` if none does."""
    combinations = []
    for choice in range(2 ** len(options)):
        lines = _as_digits([option[(choice >> index) & 1] for index, option in enumerate(options)])
        if data_lines_valid(lines):
            return lines
        combinations.append(lines)
    return _one_swap(combinations)


_DIGIT_FIELDS = {2: ((1, slice(0, 7)), (1, slice(8, 15)), (1, slice(29, 30)), (0, slice(14, 15))),
                 1: ((0, slice(13, 20)), (0, slice(21, 28)), (0, slice(-1, None)), (0, slice(9, 10)))}
"""Per zone shape (data lines): fields that are digits (or ``<``): dates and check digits."""
_AS_DIGIT = str.maketrans("OQDIlJZSBG]", "00011325861")
_LOOK_ALIKE = {"1": "I", "I": "1", "0": "O", "O": "0", "3": "J", "5": "S", "S": "5", "8": "B", "B": "8",
               "2": "Z", "Z": "2", "6": "G", "G": "6"}


def _as_digits(lines: list[str]) -> list[str]:
    """``lines`` with letters read in digits-only fields turned into the digits they look like: a date or
    a check digit is never a letter, whatever the page OCR made of it ("Q" for 0, "]" for 1)."""
    fixed = list(lines)
    for number, field in _DIGIT_FIELDS.get(len(lines), ()):
        line = fixed[number]
        if len(line) in (30, TD2_LENGTH, 44):
            fixed[number] = line[: field.start or 0] + line[field].translate(_AS_DIGIT) + (
                line[field.stop :] if field.stop is not None else "")
    return fixed


def _one_swap(combinations: Sequence[list[str]]) -> list[str] | None:
    """The only way, if there is exactly one, to pass the checks by swapping one character of an ID
    card's optional data (line 1 from position 15: Albanian cards keep the personal number there, its
    decade letter read as a digit, "I" as "1") for its look-alike; the composite check digit confirms it.
    One check digit passes a random swap one time in ten: on an Albanian card only swaps that give the
    personal number its shape (letter, eight digits, letter) are tried."""
    passing = set()
    for lines in combinations:
        if len(lines) != 2 or len(lines[0]) != 30:
            continue
        first = lines[0]
        for position in range(15, 30):
            swapped = _LOOK_ALIKE.get(first[position])
            if swapped is None or (first[2:5] == "ALB" and not _fits_personal_number(position, swapped)):
                continue
            candidate = [first[:position] + swapped + first[position + 1 :], lines[1]]
            if data_lines_valid(candidate):
                passing.add(tuple(candidate))
    return list(passing.pop()) if len(passing) == 1 else None


def _fits_personal_number(position: int, char: str) -> bool:
    """Whether ``char`` belongs at ``position`` of an Albanian card's line 1, whose optional data is the
    personal number: a decade letter, eight digits, a check letter, then fillers."""
    if position in (15, 24):
        return char.isalpha()
    return char.isdigit() if 15 < position < 24 else False
