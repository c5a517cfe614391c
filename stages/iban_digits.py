"""The check digits of an IBAN, put back where OCR read them as the letters they look like.

An IBAN opens with two letters (the country) and two check digits ("AL50 2053 6653 ..."); both models
read the digits right after the letters as letters too ("ALSO", "ALIA", "ALO7"). Check digits are digits
by the standard (ISO 13616), so a letter there is a misreading; which digit it stands for is settled by
the check the digits exist for: the whole IBAN, read with the digit put back, must be valid
(``stdnum.iban``: the mod-97 test, and the country's length and format). Only a candidate that passes,
and is the only one that does, is taken.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from stdnum import iban

from pipeline.models import Word

_LOOKALIKE_DIGITS: dict[str, str] = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "A": "4",
                                     "S": "5", "G": "6", "T": "7", "B": "8"}
"""Digits a letter read in their place may stand for (upper case: IBANs are printed in capitals)."""
_MAX_LENGTH = 34
"""The longest IBAN (ISO 13616)."""
_MIN_LENGTH = 15
"""The shortest (Norway's)."""


def _alphanumeric(text: str) -> str | None:
    core = text.rstrip(".,;")
    return core if core.isalnum() and core.isascii() else None


def _check_candidates(pair: str) -> list[str]:
    options = [[ch] if ch.isdigit() else ([_LOOKALIKE_DIGITS[ch]] if ch in _LOOKALIKE_DIGITS else []) for ch in pair]
    return ["".join(choice) for choice in itertools.product(*options)]


def _restored_head(words: Sequence[Word], index: int) -> str | None:
    """The first group of an IBAN starting at ``words[index]`` with its check digits put back, if the
    groups that follow on its line make an IBAN that passes only so."""
    first = words[index]
    head = _alphanumeric(first.text)
    if head is None or not head[:2].isalpha() or not head[:2].isupper() or len(head) < 4:
        return None
    if head[2:4].isdigit():
        return None
    groups = [head]
    for word in words[index + 1 :]:
        group = _alphanumeric(word.text)
        if word.line != first.line or group is None or len("".join(groups)) + len(group) > _MAX_LENGTH:
            break
        groups.append(group)
    found: set[str] = set()
    for digits in _check_candidates(head[2:4]):
        # The IBAN may end before the line does (a bank's name after it): every whole-group ending.
        for end in range(1, len(groups) + 1):
            body = head[:2] + digits + head[4:] + "".join(groups[1:end])
            if _MIN_LENGTH <= len(body) <= _MAX_LENGTH and iban.is_valid(body):
                found.add(digits)
    if len(found) != 1:
        return None
    return head[:2] + found.pop() + first.text[4:]


def restore_iban_check_digits(words: Sequence[Word]) -> list[Word]:
    """``words`` (in reading order, ``line`` numbering visual lines) with the check digits of IBANs that
    OCR read as letters put back (see the module's docstring)."""
    fixed = list(words)
    for index, word in enumerate(words):
        restored = _restored_head(words, index)
        if restored is not None:
            fixed[index] = word.model_copy(update={"text": restored})
    return fixed
