"""Key fields of a document (applicant's name, personal number, NIPT, dates, amounts, cadastral numbers),
read off its OCR words with a confidence: the data-entry view of a case.

Pages are rebuilt into visual lines from the words' boxes (a form's value can sit in another tesseract
block than its label); a wide horizontal gap becomes a ``|`` so a value stops where the next column
starts. Each field has labels, as printed on Albanian and bilingual documents, matched on folded text;
its value is what follows the label on the line, or the next line when the label stands alone (an ID
card prints labels above values). Values are checked for what they must be: a personal number by its
date and shape (``idnumbers``), a NIPT by its shape (``python-stdnum``; the check letter's algorithm is not
public), a date by the calendar.

Values may be personal data: they live in the returned models only (``repr`` hides them) and never in
logs or exception messages.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.models import CaseFlag, ExtractedField, Extraction, PageOcr, Word

FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "application_form": ("applicant_name", "personal_number", "date_of_birth"),
    "id_card_copy": ("applicant_name", "personal_number", "date_of_birth"),
    "qkb_extract": ("nipt", "registration_date"),
    "business_registration_certificate": ("nipt", "registration_date"),
    "property_certificate": ("cadastral_zone", "property_number", "registration_date"),
    "payment_slip": ("personal_number", "amount"),
    "family_certificate": ("applicant_name",),
    "local_tax_clearance": ("nipt", "personal_number"),
    "income_proof": ("nipt", "personal_number"),
    "residence_certificate": ("applicant_name", "personal_number", "date_of_birth"),
}
"""What is read off each document type; other types get :data:`DEFAULT_FIELDS`."""
DEFAULT_FIELDS = ("personal_number", "nipt")

ENTITY_OF_FIELD: dict[str, str | None] = {
    "applicant_name": "PERSON", "personal_number": "AL_PERSONAL_NUMBER", "nipt": "AL_NIPT",
    "date_of_birth": "DATE_OF_BIRTH", "registration_date": None, "amount": None, "cadastral_zone": None,
    "property_number": None,
}
"""The PII entity type of each field's value: the access policy shows or masks it like the text's."""

_GAP = 2.5
"""A horizontal gap wider than this many line heights separates columns."""

_NAME_LABELS = (
    r"emri,? mbiemri", r"emri dhe mbiemri", r"emer mbiemer", r"kryefamiljar[ie]?", r"aplikanti",
    r"kerkuesi", r"pacienti", r"patient", r"full name",
)
_FIRST_LABELS = (r"emri(?:\s*/\s*given names?)?", r"given names?")
_LAST_LABELS = (r"mbiemri(?:\s*/\s*surname)?", r"surname")
_PN_LABELS = (r"nr\.? ?personal(?:\s*/\s*(?:personal no\.?|nipt))?", r"numri personal", r"personal no\.?",
              r"personal number", r"nr\.? personal identifikimi", r"nid")
_NIPT_LABELS = (r"nipt", r"nuis")
_BIRTH_LABELS = (r"datelindja(?:\s*/\s*date of birth)?", r"data e lindjes", r"date of birth", r"lindur me",
                 r"born on")
_REGISTRATION_LABELS = (r"data e regjistrimit", r"date of registration", r"data e regjistrimit te pare")
_ZONE_LABELS = (r"zona kadastrale", r"cadastral zone")
_PROPERTY_LABELS = (r"numri i pasurise", r"nr\.? i pasurise", r"pasuria nr\.?", r"property number")
_AMOUNT_LABELS = (r"shuma(?! me fjale)", r"vlera", r"amount(?! in words)", r"totali", r"total")

_MONTHS = {m: i for i, m in enumerate(("janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht",
                                        "shtator", "tetor", "nentor", "dhjetor"), start=1)}
_MONTHS.update({m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                             "august", "september", "october", "november", "december"),
                                            start=1)})
_NUMERIC_DATE = re.compile(r"\b([0-3]?\d)\s?[./-]\s?([01]?\d)\s?[./-]\s?((?:19|20)\d\d)\b")
_WORD_DATE = re.compile(r"\b([0-3]?\d)\s+([a-z]+)\s+((?:19|20)\d\d)\b")
_AMOUNT = re.compile(r"(\d{1,3}(?:[ .,]\d{3})+|\d+)(?:[.,](\d{2}))?\s*(?:leke|lek|all)\b")
_DIGIT_LIKE = str.maketrans({"o": "0", "q": "0", "d": "0", "i": "1", "l": "1", "|": "1", "z": "2", "s": "5",
                             "b": "8", "g": "9", "a": "4", "t": "7"})
_LETTER_LIKE = str.maketrans({"0": "o", "1": "i", "2": "z", "5": "s", "8": "b", "6": "g", "4": "a", "7": "t",
                              "/": "i", "|": "i", "!": "i", ")": "j"})
_ID_TOKEN = re.compile(r"(?<![a-z0-9/])([a-z0-9/|!)](?: ?[a-z0-9|]){8} ?[a-z0-9])(?![a-z0-9])")
"""Ten characters as OCR prints a personal number or NIPT: the leading ``I`` often comes out as ``1``,
``|`` or ``/``, a ``J`` as ``)``."""
_MRZ_NUMBER = re.compile(r"I[D<]ALB[0-9O]{9}[0-9O<]([A-Z0-9]{10})")
"""Line 1 of an ID card's machine-readable zone (TD1): the card number, its check digit, then the
holder's personal number as optional data."""
_MRZ_FILLED_NUMBER = re.compile(r"([A-Z0-9]{10})<<<")
"""The personal number at the end of line 1, before its ``<`` filler, when the line is broken."""
_MRZ_BIRTH = re.compile(r"([0-9O]{6})[0-9O<][MF<][0-9O]{7}ALB")
_MRZ_NAME = re.compile(r"([A-Z]{2,}(?:<[A-Z]+)*)<<([A-Z]{2,}(?:<[A-Z]+)*)<")
_MRZ_LOOKAHEAD = 4
"""Lines after the first MRZ line where the other two are looked for (other text can come between)."""


@dataclass(frozen=True)
class _Line:
    text: str
    """The visual line's words, single-spaced; ``|`` marks a column gap."""
    folded: str
    """``text`` folded character by character (same length): lower case, no diacritics."""
    conf: float
    page_index: int
    columns: tuple[tuple[int, int], ...] = ()
    """Per column (runs of words between ``|`` gaps): its first character's offset in ``text`` and its
    left edge in page pixels."""
    word_ends: tuple[tuple[int, int], ...] = ()
    """Per word: the offset in ``text`` just past it, and its right edge in page pixels."""

    def column_at(self, offset: int) -> int:
        """Left edge (pixels) of the column holding the character at ``offset``."""
        return max((c for c in self.columns if c[0] <= offset), default=(0, 0))[1]

    def column_text_near(self, x: int) -> str:
        """The text of the column whose left edge is nearest ``x``, without its words that end left of
        ``x``: a value printed under its label starts where the label does, and a scrap beside it (the
        edge of an ID card's photo read as "kj") is not part of it."""
        if not self.columns:
            return self.text.split("|")[0]
        index = min(range(len(self.columns)), key=lambda i: abs(self.columns[i][1] - x))
        parts = self.text.split("|")
        if index >= len(parts):
            return ""
        start = self.columns[index][0]
        skip = max((end for end, right in self.word_ends if start <= end <= start + len(parts[index])
                    and right < x), default=start)
        return self.text[skip : start + len(parts[index])] if skip > start else parts[index]


def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).casefold()
    return base if len(base) == 1 else char.lower()


def _visual_lines(page: PageOcr) -> list[_Line]:
    """Words grouped into lines by their vertical centre, left to right, across tesseract's blocks."""
    words = sorted((w for w in page.words if w.text.strip()), key=lambda w: (w.bbox.y0 + w.bbox.y1) / 2)
    rows: list[list[Word]] = []
    for word in words:
        centre = (word.bbox.y0 + word.bbox.y1) / 2
        if rows:
            last = rows[-1]
            top = sum(w.bbox.y0 for w in last) / len(last)
            bottom = sum(w.bbox.y1 for w in last) / len(last)
            if abs(centre - (top + bottom) / 2) <= 0.5 * max(bottom - top, 1):
                last.append(word)
                continue
        rows.append([word])
    lines: list[_Line] = []
    for row in rows:
        row.sort(key=lambda w: w.bbox.x0)
        height = max(1.0, sum(w.bbox.height for w in row) / len(row))
        text = row[0].text.replace("|", "l")
        columns = [(0, row[0].bbox.x0)]
        word_ends = [(len(text), row[0].bbox.x1)]
        for before, word in itertools.pairwise(row):
            if word.bbox.x0 - before.bbox.x1 > _GAP * height:
                text += " |"
                columns.append((len(text) + 1, word.bbox.x0))
            text += " " + word.text.replace("|", "l")
            word_ends.append((len(text), word.bbox.x1))
        lines.append(_Line(text, "".join(_fold_char(c) for c in text), sum(w.conf for w in row) / len(row) / 100.0,
                           page.page_index, tuple(columns), tuple(word_ends)))
    return lines


@dataclass(frozen=True)
class _Value:
    text: str
    line: _Line
    labelled: bool


def _after_labels(lines: Sequence[_Line], labels: Sequence[str], *, depth: int = 1) -> Iterator[_Value]:
    """What follows each label: the rest of its column on the line, or what stands below it in its column
    on the next line (and, with ``depth`` > 1, the lines after that: on an ID card another label can come
    between; only callers that check what they get ask for more)."""
    pattern = re.compile(rf"(?<![a-z])(?:{'|'.join(labels)})(?![a-z])\s*[:.]?")
    for index, line in enumerate(lines):
        for match in pattern.finditer(line.folded):
            rest = line.text[match.end():].lstrip(" :.-|/")
            value = rest.split("|")[0].strip(" :")
            if value:
                yield _Value(value, line, True)
            else:
                # A label alone (an ID card's, a grid's header): its value is below it, in its column.
                for following in lines[index + 1 : index + 1 + depth]:
                    if following.page_index != line.page_index:
                        break
                    below = following.column_text_near(line.column_at(match.start()))
                    yield _Value(below.strip(" :"), following, True)


# ------------------------------------------------------------------------------------------- values


def _as_digits(chars: str) -> str:
    return chars.lower().translate(_DIGIT_LIKE)


def _as_letter(char: str) -> str:
    return char.lower().translate(_LETTER_LIKE)


def personal_number(chars: str) -> str | None:
    """The personal number ``chars`` stands for (OCR look-alikes mended, upper case), or ``None``."""
    from idnumbers.nationalid.ALB import IdentityNumber

    raw = re.sub(r"\s", "", chars.lower())
    if len(raw) != 10:
        return None
    number = (_as_letter(raw[0]) + _as_digits(raw[1:9]) + _as_letter(raw[9])).upper()
    if not re.fullmatch(r"[A-M]\d{8}[A-Z]", number):
        return None
    return number if IdentityNumber.validate(number) else None


def nipt(chars: str) -> str | None:
    """The NIPT ``chars`` stands for (decade letter, eight digits, a letter), or ``None``."""
    from stdnum.al import nipt as stdnum_nipt

    raw = re.sub(r"\s", "", chars.lower())
    if len(raw) != 10:
        return None
    number = (_as_letter(raw[0]) + _as_digits(raw[1:9]) + _as_letter(raw[9])).upper()
    return number if stdnum_nipt.is_valid(number) else None


def parse_date(text: str) -> date | None:
    """The first calendar date in ``text`` (``12.03.1984``, ``12/03/1984``, ``12 mars 1984``)."""
    folded = "".join(_fold_char(c) for c in text)
    candidates: list[tuple[int, int, int, int]] = []
    for match in _NUMERIC_DATE.finditer(folded):
        candidates.append((match.start(), int(match.group(1)), int(match.group(2)), int(match.group(3))))
    for match in _WORD_DATE.finditer(folded):
        month = _MONTHS.get(match.group(2))
        if month:
            candidates.append((match.start(), int(match.group(1)), month, int(match.group(3))))
    for _, day, month, year in sorted(candidates):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def _name(text: str) -> str | None:
    words = []
    for word in text.replace(",", " ").split():
        if not word.replace("-", "").isalpha():
            break
        words.append(word)
    if not 1 <= len(words) <= 4 or any(len(w) < 2 for w in words):
        return None
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


def _tokens(lines: Sequence[_Line], read: Callable[[str], str | None]) -> Iterator[tuple[str, _Line]]:
    """Numbers standing anywhere, unlabelled. Ten digits in a row are not taken: OCR reads a letter at
    one end as a digit now and then, at both ends hardly ever, while a date whose slashes were read as
    ``1`` ("13/10/2025" as "1311012025"), a reference or an account number is ten digits and can pass
    the personal number's check by chance."""
    for line in lines:
        for match in _ID_TOKEN.finditer(line.folded):
            raw = match.group(1).replace(" ", "")
            if raw[0].isdigit() and raw[-1].isdigit():
                continue
            value = read(raw)
            if value is not None:
                yield value, line


@dataclass(frozen=True)
class _Mrz:
    personal_number: str | None
    birth: date | None
    surname: str | None
    given: str | None
    line: _Line


def _mrz(lines: Sequence[_Line]) -> _Mrz | None:
    """The holder's personal number, birth date and name from an ID card's machine-readable zone."""
    # Spaces go (OCR splits MRZ runs), column gaps stay: a match never joins two columns.
    compact = [(line, re.sub(r"\s", "", line.text.upper()).replace("«", "<")) for line in lines]
    for index, (line, text) in enumerate(compact):
        match = _MRZ_NUMBER.search(text) or _MRZ_FILLED_NUMBER.search(text)
        if match is None:
            continue
        number = personal_number(match.group(1))
        if number is None and _MRZ_NUMBER.search(text) is None:
            continue
        birth = surname = given = None
        following = [text for _, text in compact[index + 1 : index + 1 + _MRZ_LOOKAHEAD]]
        b = next((m for t in following if (m := _MRZ_BIRTH.search(t))), None)
        n = next((m for t in following if (m := _MRZ_NAME.search(t))), None)
        if b is not None:
            digits = b.group(1).replace("O", "0")
            year = int(digits[:2])
            # The card holder is alive: a two-digit year past this century's is the last century's.
            century = 2000 if year <= date.today().year % 100 else 1900
            try:
                birth = date(century + year, int(digits[2:4]), int(digits[4:6]))
            except ValueError:
                birth = None
        if n is not None:
            surname, given = n.group(1).replace("<", " "), n.group(2).replace("<", " ")
        return _Mrz(number, birth, surname, given, line)
    return None


def _with_diacritics(name: str, lines: Sequence[_Line]) -> str:
    """An MRZ name (A-Z only) spelt as the card's visual zone prints it, ë and ç included, when found."""
    spelt: dict[str, str] = {}
    for line in lines:
        for word in re.findall(r"[^\W\d_]+", line.text):
            spelt.setdefault("".join(_fold_char(c) for c in word), word)
    # A stray mark OCR glued to the front of an MRZ name ("LHYSENI") is dropped when the rest is printed.
    return " ".join(spelt.get(part.lower()) or spelt.get(part[1:].lower()) or part for part in name.split())


# ------------------------------------------------------------------------------------------- fields


def _field(name: str, value: str, line: _Line, confidence: float) -> ExtractedField:
    return ExtractedField(name=name, value=value, confidence=round(max(0.0, min(1.0, confidence)), 3),
                          page_index=line.page_index, entity_type=ENTITY_OF_FIELD.get(name))


def _checked(name: str, lines: Sequence[_Line], labels: Sequence[str],
             read: Callable[[str], str | None]) -> ExtractedField | None:
    """A validated number: behind its label first, else the first one anywhere."""
    for value in _after_labels(lines, labels, depth=3):
        for match in _ID_TOKEN.finditer("".join(_fold_char(c) for c in value.text)):
            number = read(match.group(1))
            if number is not None:
                return _field(name, number, value.line, 0.5 + 0.5 * value.line.conf)
    mrz = _mrz(lines) if name == "personal_number" else None
    if mrz is not None and mrz.personal_number is not None:
        return _field(name, mrz.personal_number, mrz.line, 0.45 + 0.5 * mrz.line.conf)
    for number, line in _tokens(lines, read):
        return _field(name, number, line, 0.35 + 0.4 * line.conf)
    return None


def _applicant_name(lines: Sequence[_Line]) -> ExtractedField | None:
    first = next((v for v in _after_labels(lines, _FIRST_LABELS) if _name(v.text)), None)
    last = next((v for v in _after_labels(lines, _LAST_LABELS) if _name(v.text)), None)
    if first is not None and last is not None:
        full = f"{_name(first.text)} {_name(last.text)}"
        return _field("applicant_name", full, first.line, 0.4 + 0.25 * (first.line.conf + last.line.conf))
    for value in _after_labels(lines, _NAME_LABELS):
        labelled = _name(value.text)
        # A full name has two words at least; a lone word under "Aplikanti" is a signature's scrawl.
        if labelled is not None and len(labelled.split()) >= 2:
            return _field("applicant_name", labelled, value.line, 0.4 + 0.5 * value.line.conf)
    mrz = _mrz(lines)
    if mrz is not None and mrz.surname and mrz.given:
        name = _with_diacritics(f"{mrz.given} {mrz.surname}", lines)
        return _field("applicant_name", _name(name) or name, mrz.line, 0.3 + 0.5 * mrz.line.conf)
    return None


def _dated(name: str, lines: Sequence[_Line], labels: Sequence[str]) -> ExtractedField | None:
    for value in _after_labels(lines, labels, depth=3):
        day = parse_date(value.text)
        if day is not None:
            return _field(name, day.isoformat(), value.line, 0.5 + 0.45 * value.line.conf)
    mrz = _mrz(lines) if name == "date_of_birth" else None
    if mrz is not None and mrz.birth is not None:
        return _field(name, mrz.birth.isoformat(), mrz.line, 0.4 + 0.5 * mrz.line.conf)
    return None


def _amount(lines: Sequence[_Line]) -> ExtractedField | None:
    candidates = [(v.text, v.line, 0.55) for v in _after_labels(lines, _AMOUNT_LABELS)]
    candidates += [(line.text, line, 0.35) for line in lines]
    for text, line, base in candidates:
        match = _AMOUNT.search("".join(_fold_char(c) for c in text))
        if match:
            whole = re.sub(r"[ .,]", "", match.group(1))
            return _field("amount", str(int(whole)), line, base + 0.4 * line.conf)
    return None


def _plain(name: str, lines: Sequence[_Line], labels: Sequence[str],
           pattern: re.Pattern[str]) -> ExtractedField | None:
    for value in _after_labels(lines, labels):
        match = pattern.search(value.text)
        if match:
            return _field(name, match.group(0), value.line, 0.5 + 0.45 * value.line.conf)
    return None


_ZONE = re.compile(r"\b\d{3,5}\b")
_PROPERTY = re.compile(r"\b\d{1,5}(?:\s?[/+-]\s?\d{1,5})*")
"""A property number as the cadastre writes it: ``36/94``, ``36/94+1-28``."""

_EXTRACTORS: dict[str, Callable[[Sequence[_Line]], ExtractedField | None]] = {
    "applicant_name": _applicant_name,
    "personal_number": lambda lines: _checked("personal_number", lines, _PN_LABELS, personal_number),
    "nipt": lambda lines: _checked("nipt", lines, _NIPT_LABELS, nipt),
    "date_of_birth": lambda lines: _dated("date_of_birth", lines, _BIRTH_LABELS),
    "registration_date": lambda lines: _dated("registration_date", lines, _REGISTRATION_LABELS),
    "amount": _amount,
    "cadastral_zone": lambda lines: _plain("cadastral_zone", lines, _ZONE_LABELS, _ZONE),
    "property_number": lambda lines: _plain("property_number", lines, _PROPERTY_LABELS, _PROPERTY),
}


def extract_fields(document_type: str, pages: Sequence[PageOcr]) -> Extraction:
    """The key fields of a document of ``document_type`` from its pages' OCR; a field not found is left
    out rather than guessed."""
    lines = [line for page in pages for line in _visual_lines(page)]
    wanted = FIELDS_BY_TYPE.get(document_type, DEFAULT_FIELDS)
    found = [field for name in wanted if (field := _EXTRACTORS[name](lines)) is not None]
    return Extraction(document_type=document_type, fields=found)


def cross_check(extractions: Sequence[tuple[str, Extraction]]) -> list[CaseFlag]:
    """Case-level flags from the documents' fields: the personal number on the application form must be
    the one on the ID card copy. Flags name fields and documents, never values."""

    def numbers(type_id: str) -> list[tuple[str, str]]:
        return [(doc_id, f.value) for doc_id, e in extractions if e.document_type == type_id
                for f in e.fields if f.name == "personal_number"]

    forms, cards = numbers("application_form"), numbers("id_card_copy")
    if not forms or not cards:
        return []
    card_numbers = {value for _, value in cards}
    mismatched = [doc_id for doc_id, value in forms if value not in card_numbers]
    if not mismatched:
        return []
    return [CaseFlag(code="personal_number_mismatch", field="personal_number",
                     document_ids=[*mismatched, *(doc_id for doc_id, _ in cards)],
                     message_sq="Numri personal në formularin e aplikimit nuk përputhet me atë të kartës "
                                "së identitetit.")]
