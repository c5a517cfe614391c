"""The machine-readable zone of an Albanian ID card (ICAO 9303 TD1: three lines of 30 characters).

Copies of ID cards are the document most services ask for, and their MRZ repeats the holder's personal
number (line 1, optional data), birth date (line 2, YYMMDD) and name (line 3, ``SURNAME<<GIVEN<NAMES``).
OCR reads the filler ``<`` as ``«``, ``(``, ``c``, ``e`` or ``k``; the patterns allow for it, and for two
MRZ lines read as one text line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from privacy.recognizers.ocr_text import DIGITISH, as_digits

_FILL = r"[<«(\[{]"
_START = r"(?:^[^a-z0-9\n]*|(?<=[ \t]))"
"""An MRZ line opens its text line, or follows a column gap: the visual line may also hold the printed
fields beside the zone ("13.12.2024<tab>13.12.2034<tab>IDALB2540...")."""
_LINE1 = re.compile(
    rf"(?m){_START}i[d0o][<« ]?alb[ ]?[0-9a-z](?:[ ]?[0-9a-z]){{8}}[ ]?[0-9a-z][ ]?"
    r"(?P<number>[0-9a-z|!](?:[ ]?[0-9a-z|!]){8,9}[ ]?[0-9a-z|!)])"
)
"""OCR splits the zone's lines at gaps of its own ("IDALB2888417 288H0111817 1A"), and may read one
character too many in the number ("7G640127388W", or a filler read as a letter): up to eleven characters
are taken, and :func:`privacy.recognizers.personal_number.read_mrz_number` finds the number in them."""
_DIGITS_6 = rf"{DIGITISH}(?:[ ]?{DIGITISH}){{5}}"
"""Six digits as OCR may print them ("5Q0122" for "500122"): the line's shape and the calendar check
(birth date) keep other text out."""
_LINE2 = re.compile(
    rf"(?m){_START}(?P<birth>{_DIGITS_6})[ ]?[0-9a-z][ ]?[mf<][ ]?{_DIGITS_6}[ ]?[0-9a-z][ ]?alb"
)
_NAME_PART = r"[a-z0-9|!]+"
"""A name between fillers as OCR may print it: the zone's letters read as look-alike digits ("SUL0" for
"SULO", "1LIR" for "ILIR"); :func:`_lettered` keeps the zone's other lines out."""
_LINE3 = re.compile(
    rf"(?m){_START}(?P<name>{_NAME_PART}(?:[ ]{_NAME_PART}){{0,2}}(?:{_FILL}{_NAME_PART})*[ ]?{_FILL}{{2}}"
    rf"[ ]?{_NAME_PART}(?:(?:{_FILL}|[ ]){_NAME_PART})*)(?={_FILL}|[ ]|$)"
)
"""OCR may split the line at gaps ("KADRIU<<ENT ELA<<<", "JUSU FI<<ERLIS<<<", "BYT YQ I<<BEKIM<<<", "BALAJ
<<ORTENCA<<<"): spaces inside the given names or the surname, or before the fillers, are part of them."""
MIN_LETTER_SHARE = 0.75
"""Names are letters; the first two lines of the zone (document number, dates, check digits) are mostly
digits."""


def _lettered(name: str) -> bool:
    chars = [char for char in name if char.isalnum()]
    return sum(char.isalpha() for char in chars) >= MIN_LETTER_SHARE * len(chars)


_FILLERS = re.compile(rf"(?:[ ]?{_FILL})+")


@dataclass(frozen=True)
class MrzField:
    entity: str
    start: int
    end: int


def _birth_date(yymmdd: str) -> bool:
    digits = as_digits(yymmdd.replace(" ", ""))
    if digits is None:
        return False
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    today = dt.date.today()
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        return dt.date(century + year, month, day) <= today
    except ValueError:
        return False


def mrz_fields(folded: str) -> list[MrzField]:
    """Personal number, birth date and name in MRZ lines of ``folded`` text."""
    fields = [MrzField("AL_PERSONAL_NUMBER", m.start("number"), m.end("number")) for m in _LINE1.finditer(folded)]
    fields.extend(MrzField("DATE_OF_BIRTH", m.start("birth"), m.end("birth")) for m in _LINE2.finditer(folded)
                  if _birth_date(m.group("birth")))
    for m in _LINE3.finditer(folded):
        if not _lettered(m.group("name")):
            continue
        # The fillers after the name go with it: OCR's box of the name's word is often shorter than its
        # ink (the zone is monospaced, tesseract's boxes are not), and the fillers' box starts where it ends.
        fillers = _FILLERS.match(folded, m.end("name"))
        fields.append(MrzField("PERSON", m.start("name"), fillers.end() if fillers else m.end("name")))
    return fields
