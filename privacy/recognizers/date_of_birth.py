"""DATE_OF_BIRTH: a calendar date behind a birth label ("Datëlindja", "Data e lindjes", "i/e lindur",
"Date of birth", "DOB"). Other dates on a page (issue dates, protocol dates) are not personal data."""

from __future__ import annotations

import datetime as dt
import re

from privacy.recognizers.base import Candidate, SportelRecognizer
from privacy.recognizers.labels import labelled_values
from privacy.recognizers.lexicon import MONTHS
from privacy.recognizers.mrz import mrz_fields
from privacy.recognizers.ocr_text import DIGITISH, as_digits

_SEP = r"(?:[ ]?[./\-,][ ]?|[ ])"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMERIC_DMY = rf"(?P<d>{DIGITISH}{{1,2}}){_SEP}(?P<m>{DIGITISH}{{1,2}}){_SEP}(?P<y>{DIGITISH}{{4}})"
_NUMERIC_YMD = rf"(?P<y2>{DIGITISH}{{4}}){_SEP}(?P<m2>{DIGITISH}{{1,2}}){_SEP}(?P<d2>{DIGITISH}{{1,2}})"
_NAMED = rf"(?P<d3>{DIGITISH}{{1,2}})\.?[ ]*(?P<mn>{_MONTH_NAMES})\.?[ ,]*(?P<y3>{DIGITISH}{{4}})"
DATE = re.compile(rf"(?<![a-z0-9])(?:{_NUMERIC_DMY}|{_NUMERIC_YMD}|{_NAMED})(?![a-z0-9])")
_YEAR_ONLY = re.compile(rf"(?<![a-z0-9]){DIGITISH}{{4}}(?![a-z0-9])")
_FALLBACK = re.compile(r"(?<![a-z0-9])[0-9][0-9 ./\-,]{3,12}[0-9]")


def _month_number(name: str) -> int:
    index = MONTHS.index(name)
    if index < 24:
        return index % 12 + 1
    short = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
    return (1, 2, 3, 4, 6, 7, 8, 9, 9, 10, 11, 12)[short.index(name)]


def read_date(match: re.Match[str], *, today: dt.date | None = None) -> dt.date | None:
    """The past calendar date a :data:`DATE` match stands for, or ``None``."""
    groups = match.groupdict()
    if groups["y"]:
        day, month, year = as_digits(groups["d"]), as_digits(groups["m"]), as_digits(groups["y"])
    elif groups["y2"]:
        day, month, year = as_digits(groups["d2"]), as_digits(groups["m2"]), as_digits(groups["y2"])
    else:
        day, year = as_digits(groups["d3"]), as_digits(groups["y3"])
        month = str(_month_number(groups["mn"]))
    return _past_date(day, month, year, today=today)


def _past_date(day: str | None, month: str | None, year: str | None, *,
               today: dt.date | None = None) -> dt.date | None:
    """The calendar date of these digits if it is one, from 1900 up to ``today``; else ``None``."""
    if day is None or month is None or year is None:
        return None
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if date.year >= 1900 and date <= (today or dt.date.today()) else None


def _is_year(match: re.Match[str]) -> bool:
    digits = as_digits(match.group())
    return digits is not None and sum(c.isdigit() for c in match.group()) >= 3 and 1900 <= int(digits) <= (
        dt.date.today().year
    )


_SLASHES_READ = re.compile(
    rf"(?<![a-z0-9])(?P<d>{DIGITISH}{{2}})[1l|i7](?P<m>{DIGITISH}{{2}})[1l|i7](?P<y>{DIGITISH}{{4}})(?![a-z0-9])"
)
"""A day-month-year date whose slashes OCR read as ones ("22/08/1951" as "2210811951")."""


def _slashed_date(match: re.Match[str]) -> bool:
    day, month, year = (as_digits(match.group(key)) for key in ("d", "m", "y"))
    return _past_date(day, month, year) is not None


VALIDITY_YEARS = 20
"""Documents expire within this many years: a date that far ahead, or nearer, is an expiry date. One further
ahead is a misread birth date ("12.03.2199")."""


def _date_shaped(match: re.Match[str]) -> bool:
    """A garbled date, not some other number: digit groups as a date has them (or the six or eight digits of
    one printed without separators, or ten with its slashes read as ones), and not a whole calendar date
    that failed only for lying a few years ahead (an expiry date in the birth date's column)."""
    groups = re.findall(r"[0-9]+", match.group())
    if len(groups) == 1:
        digits = groups[0]
        return len(digits) in (6, 8) or (len(digits) == 10 and digits[2] in "17" and digits[5] in "17")
    if len(groups) != 3 or not any(len(group) in (2, 4) for group in groups):
        return False
    whole = DATE.fullmatch(match.group())
    date = read_date(whole, today=dt.date.max) if whole else None
    today = dt.date.today()
    return date is None or not today < date <= today + dt.timedelta(days=365 * VALIDITY_YEARS)


class DateOfBirthRecognizer(SportelRecognizer):
    ENTITY = "DATE_OF_BIRTH"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        found = [Candidate(f.start, f.end, 0.85, validated=True) for f in mrz_fields(folded) if f.entity == self.ENTITY]
        for field in labelled_values(folded, self.ENTITY):
            dates = [m for m in DATE.finditer(folded, field.value_start, field.value_end) if read_date(m)]
            if dates:
                found.append(Candidate(dates[0].start(), dates[0].end(), 0.95, validated=True))
                continue
            slashed = [m for m in _SLASHES_READ.finditer(folded, field.value_start, field.value_end)
                       if _slashed_date(m)]
            if slashed:
                found.append(Candidate(slashed[0].start(), slashed[0].end(), 0.9, validated=True))
                continue
            # A garbled date ("64.06.1978") is taken whole; failing that, a year alone ("Viti i lindjes: 1978").
            years = [m for m in _YEAR_ONLY.finditer(folded, field.value_start, field.value_end) if _is_year(m)]
            garbled = [m for m in _FALLBACK.finditer(folded, field.value_start, field.value_end) if _date_shaped(m)]
            fallback = garbled[0] if garbled else (years[0] if years else None)
            if fallback:
                found.append(Candidate(fallback.start(), fallback.end(), 0.55, validated=False))
        return found
