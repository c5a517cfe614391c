"""The "+" of an international phone number, put back where OCR read it as a letter.

The ``sqi`` model has no "+" and writes its nearest letter, "t", for it (see ``_NOT_IN_SQI_MODEL`` in
:mod:`stages.ocr`): "+355 69 183 4972" may come out "t355 69 183 4972", and the ``eng`` model is asked
only when the ``sqi`` reading is poor. A
"t" glued to a run of digits is no word in either language, but a "t" before digits is not proof of a
phone number either: the digits after it, with those of the words that follow on the same line, must
make a valid international number (country code, length and number plan checked by the
``phonenumbers`` library) for the "+" to be put back. Numbers of any country are recognised alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers

from pipeline.models import Word

_PLUS_LOOKALIKES = frozenset("tT")
"""What the models write for a "+" they lack, or misread."""
_MAX_DIGITS = 15
"""An international number has at most 15 digits (ITU-T E.164)."""
_MAX_PARTS = 5
"""Words a printed number may be split into by its spaces ("+355 69 183 4972" is four)."""


def _digits(text: str) -> str | None:
    """The digits of a word that is a group of a phone number (digits, perhaps a trailing comma or full
    stop), else None."""
    core = text.rstrip(".,;")
    return core if core.isdigit() else None


def _valid(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))


def _starts_a_number(words: Sequence[Word], index: int) -> bool:
    """``words[index]`` (its first character a look-alike of "+") begins a valid international number
    with the digit groups that follow it on its line."""
    first = words[index]
    head = first.text[1:]
    number = "+"
    parts = [head] if head else []
    following = words[index + 1 : index + _MAX_PARTS + 1]
    parts += [w.text for w in following if w.line == first.line]
    for part in parts[:_MAX_PARTS]:
        digits = _digits(part)
        if digits is None:
            break
        number += digits
        if len(number) - 1 > _MAX_DIGITS:
            break
        if _valid(number):
            return True
    return False


def restore_plus(words: Sequence[Word]) -> list[Word]:
    """``words`` (in reading order, ``line`` numbering visual lines) with a "+" put back for the letter
    OCR wrote in its place at the head of a valid international phone number. A lone look-alike before
    the digits ("t 355 69 ...") becomes a lone "+"."""
    fixed = list(words)
    for index, word in enumerate(words):
        text = word.text
        if not text or text[0] not in _PLUS_LOOKALIKES or (len(text) > 1 and _digits(text[1:]) is None):
            continue
        if _starts_a_number(words, index):
            fixed[index] = word.model_copy(update={"text": "+" + text[1:]})
    return fixed
