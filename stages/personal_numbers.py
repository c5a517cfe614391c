"""Albanian personal numbers (NID) that OCR misread: the letters it read as digits, and the digits as
letters, put back where the number then validates (:func:`personal_numbers`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from idnumbers.nationalid.ALB import IdentityNumber

from pipeline.models import Word

_PERSONAL_NUMBER = re.compile(r"([0-9A-Z])([0-9OISBZ]{8})([0-9A-Z])([.,;:)]*)")
"""A word shaped like an Albanian personal number (NID): a decade letter, eight digits (year, month, day,
serial) and a check letter, as OCR may print the letters and the digits; punctuation after it kept
apart."""
_AS_DIGIT = str.maketrans("OISBZ", "01582")
"""Letters OCR writes for the digits they look like, inside a run of digits: a personal number's 0 after
its letter is read as O most of all ("JOO214665Q", "HO5921077I"), the letter's shape pulling the next
character to letters."""
_DECADE_LETTERS = "ABCDEFGHIJKLM"
"""Decade letters of people alive now (A = 1900s ... M = 2020s)."""
_AS_DECADE_LETTER = {"1": "I"}
"""The digit both models write for the decade letter of the 1980s: "I" at the head of a run of digits is
read as the digit by the run's context (measured: every "I" that headed a personal number on English pages
of four generated corpora came out "1")."""
_AS_CHECK_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "6": "G"}
"""Check letters OCR writes as the digit they look like, at the tail of a run of digits."""
_NUMBER_LABELS = frozenset({"personal", "nid", "nisht", "nish"})
"""Words of the labels a personal number stands behind ("Nr. personal", "Personal No.", "personal
number", "NID"): ten digits are taken for a number read without its letters only behind one."""
_LABEL_REACH = 3
"""How many words before a number its label may end (a label's other words and a colon between)."""


def personal_numbers(words: Sequence[Word]) -> list[Word]:
    """``words`` (in reading order) with the letters of personal numbers that OCR read as digits put
    back: "1" at the head, a look-alike digit at the tail; and digits read as the letters they look like
    in between. Both models read the ten characters as one run
    of digits, and with a printed font the run's context outweighs the shape. A word is changed only
    where the result is a valid number (decade letter, a real birth date, check letter) and, when both
    ends were digits, only behind a personal number's label: ten digits alone may be any number."""
    fixed = list(words)
    for index, word in enumerate(words):
        shape = _PERSONAL_NUMBER.fullmatch(word.text)
        if shape is None:
            continue
        head, read_body, tail, after = shape.groups()
        body = read_body.translate(_AS_DIGIT)
        if head.isalpha() and tail.isalpha() and body == read_body:
            continue
        if head.isdigit() and tail.isdigit() and not _labelled(words, index):
            continue
        number = (head if head.isalpha() else _AS_DECADE_LETTER.get(head, head)) + body + (
            tail if tail.isalpha() else _AS_CHECK_LETTER.get(tail, tail))
        if number[0] in _DECADE_LETTERS and number[-1].isalpha() and IdentityNumber.validate(number):
            fixed[index] = word.model_copy(update={"text": number + after})
    return fixed


def _labelled(words: Sequence[Word], index: int) -> bool:
    before = words[max(0, index - _LABEL_REACH) : index]
    return any(w.text.lower().strip(".:,;/") in _NUMBER_LABELS for w in before)
