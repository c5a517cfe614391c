"""Text folding for matching OCR output against catalog phrases.

Scanned Albanian documents come back from OCR with dropped diacritics (``ë`` read as ``e``), mixed case,
broken spacing and the usual glyph confusions (``0``/``o``, ``1``/``l``/``i``, ``rn``/``m``). Matching folds
both sides the same way, so a phrase and its misread copy meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

# Pairs OCR confuses on printed Latin text, mapped to one representative. Applied to both the text and
# the phrases, so a word misread either way still meets its phrase.
_OCR_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_OCR_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "$": "s"})


def fold(text: str) -> str:
    """Lower case without diacritics (``Ë``/``ë`` -> ``e``, ``Ç``/``ç`` -> ``c``), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def ocr_skeleton(text: str) -> str:
    """``fold`` plus OCR confusions merged and punctuation turned into single spaces."""
    folded = fold(text)
    for seen, meant in _OCR_SEQUENCES:
        folded = folded.replace(seen, meant)
    folded = folded.translate(_OCR_CHARS)
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", folded)).strip()


def head(text: str, *, lines: int = 6, max_chars: int = 400) -> str:
    """The first ``lines`` non-empty lines of ``text`` (where a title stands), at most ``max_chars`` long."""
    kept = [line for line in text.splitlines() if line.strip()][:lines]
    return "\n".join(kept)[:max_chars]
