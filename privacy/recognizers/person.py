"""PERSON: people's names, found four ways.

1. Behind a field label (Emri, Mbiemri, Atësia, Amësia, Emri i babait, Kërkuesi, Qiradhënësi, Name, ...):
   in a form ("Emri: arben") the words up to the end of the field in any case (OCR and typists both
   write lower case); where the label word sits in a sentence, capitalised words only.
2. Around a phrase that names someone: before "i/e lindur", "born", "i biri i", "me nr. personal",
   "personal number" ("Arben Hoxha, i lindur më ...", "Tafil Malaj, personal number ...") and after
   "Unë", "Z.", "Znj.", "Shtetasi", "Dr.", "përfaqësuar nga", "represented by": capitalised words only.
3. Anywhere, two or three capitalised words that the name lists (privacy/data) know as a first name and a
   surname, in either order; a first name with an unknown word only if that word is shaped like an
   Albanian surname and no company form ("SH.P.K.") follows.
4. The name line of an ID card's machine-readable zone (:mod:`privacy.recognizers.mrz`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from privacy.recognizers.base import Candidate, SportelRecognizer, overlaps
from privacy.recognizers.labels import labelled_values, line_bounds, segment_end
from privacy.recognizers.lexicon import (
    ORGANISATION_WORDS,
    first_names,
    generic_words,
    known_name,
    never_names,
    surnames,
)
from privacy.recognizers.mrz import mrz_fields
from privacy.recognizers.ocr_text import fold, is_upper_initial

_TOKEN = re.compile(r"[^\s,;:()\[\]\"“”„«»/|]+")
_NAME_WORD = re.compile(r"[a-z][a-z'’\-]*[a-z]|[a-z]\.?")
_SMALL_WORDS = frozenset(("i", "e", "te", "se", "dhe", "me", "ne", "per", "nga", "u", "si", "ka", "and", "of"))
_INTRODUCER = re.compile(
    r"(?<![a-z])(?:une|z\.|znj\.|zoti|zonja|zonjes|zotit|shtetasi|shtetasja|shtetasit|shtetases|mr\.?|mrs\.?"
    r"|ms\.?|dr\.|prof\.|av\.|represented[ ]+by|perfaqesuar[ ]+(?:nga|prej))(?:[ ,]+|[ ]*$)",
    re.MULTILINE,
)
_IDENTIFIED = re.compile(
    r",?[ ]+(?:(?:i/e|[ie])[ ]+(?:lindur|datelindjes)|i[ ]+biri[ ]+i|e[ ]+bija[ ]+e|born|son[ ]+of|daughter[ ]+of"
    r"|me[ ]+(?:nr\.?|numer|numri|numrin)[ ]+personal|me[ ]+nid|(?:with[ ]+)?personal[ ]+(?:number|no|id))(?![a-z])"
)
"""What follows a person's name in running text: birth, parentage, personal number ("Tafil Malaj, personal
number ...", "Azbije Dervishi, me nr. personal ...", "Arben Hoxha, i lindur më ...")."""
_MAX_WORDS = 4


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str
    """Folded text of the token."""
    capitalised: bool
    shaped: bool = True
    """Cased as a name is: not OCR's mixed case of a scribble ("GcC")."""

    @property
    def name_like(self) -> bool:
        return self.shaped and bool(_NAME_WORD.fullmatch(self.word)) and self.word not in never_names() | _SMALL_WORDS

    @property
    def known(self) -> bool:
        return known_name(self.word)


def _tokens(text: str, folded: str, start: int, end: int) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text, start, end):
        lo, hi = match.span()
        # A full stop after a word ends the name ("Luan Vehapi. nr. personal ..."); an initial keeps it.
        while hi - lo > 2 and text[hi - 1] == ".":
            hi -= 1
        tokens.append(_Token(lo, hi, folded[lo:hi], is_upper_initial(match.group()), _cased_as_name(text[lo:hi])))
    return tokens


_CASE_PART = re.compile(r"[A-ZÀ-Þ]?[^A-ZÀ-Þ]*")


def _cased_as_name(word: str) -> bool:
    """ "Arben", "ARBEN", "arben", glued "SuloNdoj" or "Gjon-Marku"; not "GcC" (a capital after one letter)
    nor "SHkop" (two capitals, then small letters: a stamp's letters run together)."""
    if word.isupper() or word.islower():
        return True
    parts = [part for part in _CASE_PART.findall(word) if part]
    if len(parts) > 1 and parts[0].isupper() and parts[0].isalpha() and parts[1][1:].islower():
        return False
    return all(len(part) >= 2 or not part.isalpha() for part in parts[1:])


def _unglued(text: str, folded: str, token: _Token) -> list[_Token]:
    """A signature line's name OCR'd without its space ("SuloNdoj") as its two words."""
    word = text[token.start : token.end]
    cuts = [i for i in range(1, len(word)) if word[i].isupper() and word[i - 1].islower()]
    if not cuts:
        return [token]
    bounds = [0, *cuts, len(word)]
    return [_Token(token.start + a, token.start + b, folded[token.start + a : token.start + b], True)
            for a, b in itertools.pairwise(bounds)]


def _joined(text: str, left: _Token, right: _Token, *, loose: bool = False) -> bool:
    """Two tokens belong to one name: only spaces or a hyphen between them, on one line and column.

    ``loose`` also forgives one stray mark, as OCR leaves in signatures ("Elisa) Veliaj"), and a few small
    letters of the first word that a stamp split off ("Brix da Kapllani" for "Brixhilda Kapllani").
    """
    first, second = (left, right) if left.start < right.start else (right, left)
    between = text[first.end : second.start]
    stray = [char for char in between if char not in " -"]
    return not stray or (loose and ((len(stray) == 1 and stray[0] in ").(`'" and " " in between)
                                    or _split_tail(between)))


_TAIL = re.compile(r"[a-zçë]{1,3}[ ]+")


def _split_tail(between: str) -> bool:
    """The end of the word before, set apart by OCR: a space, one to three small letters that are no word
    of their own, a space."""
    tail = between[1:] if between[:1] == " " else ""
    return bool(_TAIL.fullmatch(tail)) and fold(tail.strip()) not in _SMALL_WORDS


def _leading_name(
    text: str, tokens: list[_Token], *, capitalised_only: bool, known_first: bool = False
) -> list[_Token]:
    """The name at the start of ``tokens``. Where only capitalised words count, a known name that OCR
    printed in lower case still continues one ("Driselda jusufi"), and with ``known_first`` (behind a
    label) may also start one ("jerina jashari" in a table)."""
    name: list[_Token] = []
    for token in tokens:
        case_ok = not capitalised_only or token.capitalised or (token.known and (bool(name) or known_first))
        if len(name) == _MAX_WORDS or not token.name_like or not case_ok:
            break
        if name and not _joined(text, name[-1], token):
            break
        name.append(token)
    # Two-letter fragments ("FA QI") are OCR of stamps and scribbles more often than names.
    return name if any(len(token.word) >= 3 for token in name) else []


_INNER_L = re.compile(r"(?<=[^\W\d_])[/|!1](?=[a-zçë]{2})")
"""An "l" OCR read as a slash, bar or one inside a word ("E/sid", "Ke1mendi")."""
_GLUED_PAIR = re.compile(r"(?<=[a-zçë])[/|](?=[A-ZÇË][a-zçë])")
"""A stamp over the space of a printed name reads as a slash between its words ("Elvi/Paloka")."""


def _unnoised(text: str) -> str:
    """``text`` with the marks OCR puts inside names read as what they stand for; same length."""
    if not any(char in text for char in "/|!1"):
        return text
    return _INNER_L.sub("l", _GLUED_PAIR.sub(" ", text))


class PersonRecognizer(SportelRecognizer):
    ENTITY = "PERSON"

    def candidates(self, text: str, folded: str) -> list[Candidate]:
        cleaned = _unnoised(text)
        if cleaned != text:
            text, folded = cleaned, fold(cleaned)
        found: list[Candidate] = []
        machine_readable = [Candidate(f.start, f.end, 0.85, validated=True) for f in mrz_fields(folded)
                            if f.entity == self.ENTITY]
        for candidate in (*machine_readable, *self._labelled(text, folded), *self._introduced(text, folded),
                          *self._born(text, folded), *self._gazetteer(text, folded)):
            if not overlaps(candidate, found):
                found.append(candidate)
        return found

    def _labelled(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for field in labelled_values(folded, self.ENTITY):
            tokens = _tokens(text, folded, field.value_start, field.value_end)
            if field.explicit:
                tokens = _split_capital(text, tokens)
            # In a form ("Emri: arben") any case goes; a label word inside a sentence needs a real name.
            name = _leading_name(text, tokens, capitalised_only=not field.explicit, known_first=True)
            if name and field.next_line and not any(token.known for token in name) and not _sentence_goes_on(
                folded, name[-1].end
            ):
                continue  # "... obligations of the tenant<newline>Article 5": a heading, not a name
            if name and _company_follows(folded, name[-1].end):
                continue  # "Përfituesi: Raiffeisen Bank": an organisation
            if name:
                trusted = any(token.capitalised or token.known for token in name)
                found.append(Candidate(name[0].start, name[-1].end, 0.85 if trusted else 0.6, validated=True))
                if field.explicit:
                    found.extend(self._listed(text, folded, name[-1].end, field.value_end))
        return found

    def _listed(self, text: str, folded: str, start: int, end: int) -> list[Candidate]:
        """The further names of a labelled list ("Ortakët: Mitiol Kelmendi (50%); Hydajet Luli (30%);
        <newline>Henrik Rrudhani (20%)"): after each comma or semicolon, and on the next line when the list
        ends its line with one."""
        found: list[Candidate] = []
        while True:
            for separator in re.finditer(r"[;,]", folded[start:end]):
                after = start + separator.end()
                name = _leading_name(text, _tokens(text, folded, after, end), capitalised_only=True)
                if name and _opens_name(name):
                    found.append(Candidate(name[0].start, name[-1].end, 0.75, validated=True))
            _, line_end = line_bounds(folded, end)
            if not folded[start:line_end].rstrip().endswith((";", ",")) or line_end >= len(folded):
                return found
            start = line_end + 1
            end = segment_end(folded, start)
            name = _leading_name(text, _tokens(text, folded, start, end), capitalised_only=True)
            if not name or not _opens_name(name):
                return found
            found.append(Candidate(name[0].start, name[-1].end, 0.75, validated=True))
            start = name[-1].end

    def _introduced(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for match in _INTRODUCER.finditer(folded):
            start = match.end()
            _, line_end = line_bounds(folded, start)
            if not folded[start:line_end].strip() and line_end < len(folded):
                start = line_end + 1  # "... vërteton se shtetasi" / "Lavdimir Zhubi, i biri i ..."
                _, line_end = line_bounds(folded, start)
            name = _leading_name(text, _tokens(text, folded, start, line_end), capitalised_only=True)
            if name and not _company_follows(folded, name[-1].end):
                score = 0.8 if len(name) > 1 or name[0].known else 0.6
                found.append(Candidate(name[0].start, name[-1].end, score, validated=True))
        return found

    def _born(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        for match in _IDENTIFIED.finditer(folded):
            line_start, _ = line_bounds(folded, match.start())
            before = _tokens(text, folded, line_start, match.start())
            name = _leading_name(text, before[::-1], capitalised_only=True)
            if name and _opens_name(name):
                found.append(Candidate(name[-1].start, name[0].end, 0.8, validated=True))
        return found

    def _gazetteer(self, text: str, folded: str) -> list[Candidate]:
        found: list[Candidate] = []
        tokens = [t for token in _tokens(text, folded, 0, len(text)) for t in _unglued(text, folded, token)
                  if t.capitalised and t.name_like]
        index = 0
        while index < len(tokens):
            best: tuple[float, int] | None = None
            for size in (3, 2):
                window = tokens[index : index + size]
                joined = all(_joined(text, a, b, loose=True) for a, b in itertools.pairwise(window))
                if len(window) < size or not joined:
                    continue
                score = _pair_score(window[0].word, window[-1].word)
                if score and (best is None or score > best[0]):
                    best = (score, size)
            if best is None:
                index += 1
                continue
            window = tokens[index : index + best[1]]
            if not _company_follows(folded, window[-1].end):
                found.append(Candidate(window[0].start, window[-1].end, best[0], validated=True))
            index += best[1]
        return found


def _split_capital(text: str, tokens: list[_Token]) -> list[_Token]:
    """A name in capitals whose first letter OCR set apart ("E RVINA" for "ERVINA") as one token: in a
    field's value a lone capital before a word in capitals is no word of its own ("E" is one in prose)."""
    if len(tokens) < 2:
        return tokens
    first, second = tokens[0], tokens[1]
    lone = text[first.start : first.end]
    rest = text[second.start : second.end]
    if not (len(lone) == 1 and lone.isupper() and len(rest) >= 3 and rest.isupper()
            and text[first.end : second.start] == " "):
        return tokens
    return [_Token(first.start, second.end, first.word + second.word, True), *tokens[2:]]


def _sentence_goes_on(folded: str, end: int) -> bool:
    """A comma after a name on the line below its label: the sentence goes on ("... përfaqësuar nga
    administratori<newline>Amant Shuaipi, me seli në ..."), as a heading's would not."""
    return folded[end : end + 2].lstrip(" ")[:1] in (",", ";")


def _opens_name(name: list[_Token]) -> bool:
    """Not a town or an address word ("..., Shkodër, me nr. personal", "..., Rruga Ismail Qemali"): what
    the words around a name may also hold."""
    return name[0].known or name[0].word not in generic_words()


_COMPANY_FORM = re.compile(r"[ ,]*(?:sh\.?[ ]?p\.?[ ]?k|sh\.?[ ]?a|ltd|llc|gmbh|s\.?r\.?l|s\.?p\.?a)\b\.?")
_ORGANISATION_WORD = re.compile(rf"[ ]+(?:{'|'.join(ORGANISATION_WORDS)})(?![a-z])")


def _company_follows(folded: str, end: int) -> bool:
    """ "Drini Agro SH.P.K.", "Raiffeisen Bank": a name in a company's name, not a person (a legal form or a
    word such as "Bank" or "Invest" right after it, on its line)."""
    if _ORGANISATION_WORD.match(folded, end):
        return True
    return bool(_COMPANY_FORM.match(folded, end))


def _surname_shaped(word: str) -> bool:
    """Albanian surnames end in a vowel or in -j ("Hoxha", "Kelmendi", "Gjokaj"); company words such as
    "Invest", "Print" or "Konsulting" do not."""
    return len(word) >= 3 and word[-1] in "aeiouyj"


def _pair_score(first: str, last: str) -> float:
    """How surely ``first ... last`` is a name, given the name lists; 0 if not believed at all."""
    given, family = first_names(), surnames()
    if first in given and last in family:
        return 0.85
    if first in family and last in given:
        return 0.75
    if first in given and last in given:
        return 0.6
    vocabulary = generic_words()
    if (first in given and _surname_shaped(last) and last not in vocabulary) or (
        last in family and len(first) >= 3 and first not in vocabulary
    ):
        return 0.5
    return 0.0
