"""Field labels of Albanian (and English) forms, and the value segment that follows a label.

Labels are written folded (lower case, no diacritics; see :func:`ocr_text.fold`). In a phrase a space
stands for spaces or a line break and a dot for optional dots, so ``nr. personal`` also reads ``nr personal``
and ``nr.personal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

OTHER = "OTHER"
"""Labels of fields that are not personal data: they only end the value of the field before them."""

_PHRASES: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "emri dhe mbiemri", "emri e mbiemri", "emri mbiemri", "emri, mbiemri", "emer mbiemer",
        "emer e mbiemer", "emri", "mbiemri", "atesia", "amesia", "emri i babait", "emri i nenes",
        "emer", "mbiemer", "atesi", "amesi",
        "emri i atit", "emri i bashkeshortit", "emri i bashkeshortes", "mbiemri i vajzerise", "kerkuesi",
        "kerkuesja", "kerkues", "qiradhenesi", "qiradhenesja", "qiramarresi", "qiramarresja", "qiradhenes",
        "qiramarres", "pronari", "pronarja", "bashkepronari", "administratori", "perfaqesuesi",
        "perfaqesuesja", "perfaqesues ligjor", "deshmitari", "deshmitarja", "deshmitar", "kryefamiljari",
        "kryefamiljarja", "bashkeshorti", "bashkeshortja", "shitesi", "bleresi", "aplikanti", "aplikantja",
        "i nenshkruari", "e nenshkruara", "i/e nenshkruari", "i biri i", "e bija e",
        "name", "surname", "first name", "last name", "full name", "given name", "given names",
        "family name", "name and surname", "applicant", "father's name", "mother's name", "owner",
        "landlord", "tenant", "spouse", "son of", "daughter of", "wife of", "husband of", "payer",
        "paguesi", "pagues", "paguesja", "perfituesi", "perfituesja",
        "depozituesi", "emri i plote", "emri dhe mbiemri i plote", "pacienti", "pacientja", "i semuri",
        "e semura", "patient", "noteri", "noterja",
        "notere", "noteres", "noterit", "notary",
        "ortaket", "ortaku", "ortakja", "aksioneret", "aksioneri", "pronaret", "bashkepronaret",
        "trashegimtaret", "trashegimtari", "partners", "shareholders", "owners", "heirs",
    ),
    "DATE_OF_BIRTH": (
        "datelindja", "datelindje", "data e lindjes", "dt. lindjes", "dt. e lindjes", "data lindjes",
        "i lindur", "e lindur", "i/e lindur", "lindur me", "date of birth", "birth date", "dob", "d.o.b",
        "viti i lindjes", "born on", "born", "datelindjes", "i datelindjes", "e datelindjes",
    ),
    "AL_PERSONAL_NUMBER": (
        "nr. personal", "numri personal", "numer personal", "numrin personal", "numrit personal",
        "nr. personal i identifikimit", "n. personal", "nr. i identitetit",
        "numri i identitetit", "nid", "nr. id", "nr. identifikimi", "numri i identifikimit personal",
        "nr. i kartes se identitetit", "nr. karte identiteti", "personal no", "personal number",
        "personal id", "id number", "national id",
    ),
    "AL_NIPT": ("nipt", "nuis", "nipt/nuis", "nuis/nipt", "nr. nipt", "numri nipt", "tax id", "tin"),
    "IBAN_CODE": (
        "iban", "kodi iban", "llogaria bankare", "nr. llogarise", "numri i llogarise", "llogaria",
        "bank account", "account no", "account number",
    ),
    "PHONE_NUMBER": (
        "tel", "tel.", "telefon", "telefoni", "nr. tel", "nr. telefoni", "nr. i telefonit", "cel",
        "celular", "celulari", "mob", "mobile", "phone", "telephone", "nr. kontakti", "kontakt", "kontakti",
    ),
    "EMAIL_ADDRESS": (
        "e-mail", "email", "e mail", "adresa e-mail", "adresa elektronike", "posta elektronike",
        "e-posta",
    ),
    "ADDRESS": (
        "adresa", "adresa e banimit", "adresa e vendbanimit", "adresa e selise", "adresa e pasurise",
        "vendbanimi", "vendbanim", "banues ne", "banuese ne", "banues", "banuese", "banon ne", "me banim ne",
        "banim ne", "me vendbanim ne", "me seli ne", "seli ne", "ne adresen", "adresen", "me adrese", "selia",
        "vendodhja", "address", "residence", "home address", "resident at", "residing at", "the address",
        "lives at", "registered address", "at the address", "resident at the address", "residing at the address",
        "living at the address",
    ),
    "AL_VEHICLE_PLATE": (
        "targa", "targe", "nr. targe", "nr. i targes", "numri i targes", "targa e automjetit",
        "license plate", "plate", "plate no", "registration no",
    ),
    OTHER: (
        "vendlindja", "vendi i lindjes", "place of birth", "gjinia", "gender", "sex", "shtetesia",
        "nationality", "citizenship", "statusi", "gjendja civile", "profesioni", "lidhja",
        "lidhja me kryefamiljarin", "data", "date", "data e leshimit", "data e skadimit", "leshuar nga",
        "nr. prot", "nr. protokolli", "nenshkrimi", "firma", "signature", "objekti", "lenda",
        "shuma", "tarifa", "marka", "arketari", "arketarja", "operatori", "punonjesi", "specialisti", "pjesa", "sasia",
        "teller", "cashier", "stamp", "specialist", "director", "drejtori", "beneficiary",
        "vlera", "shenime", "mjeku", "mjeku kurues", "shefi i sherbimit", "regjistruesi",
        "modeli", "ngjyra", "viti", "subjekti", "siperfaqja", "siperfaqe", "lloji i pasurise", "numri i pasurise",
        "emertimi", "forma ligjore", "kapitali", "veprimtaria", "emri tregtar", "emertimi tregtar",
        "emri i subjektit", "emri i biznesit", "emri i shoqerise", "lloji i subjektit", "emri i institucionit",
    ),
}

_SEPARATORS = " \t:.,;/-–—|=*()"
_HEADER_GAP = " \t/-|"
"""What stands between two labels of one header row (no colon: a colon would end the first's value)."""
LOOSE_OTHER_LENGTH = 8
"""First words of non-personal labels this long match with any first letter."""
DROPPED_LETTER_LENGTH = 7
"""First words of labels this long (and loose at the start) also match without their first letter."""


def _phrase_pattern(phrase: str, *, loose_start: bool = False) -> str:
    parts: list[str] = []
    # OCR loses the first letter of small print ("Mbiemri" read "Abiemri", "Emërtimi" read "Fmërtimi"): any
    # letter will do there in a long enough first word of a personal-data label, and in a long first word of
    # the other labels. Not in a short one: "[a-z]ender" of "gender" would end the street name "Qendër".
    # Or drop it altogether, where a skewed scan's edge or a rule took it ("ersonal No.:", "ddress:"), in a
    # first word long enough that the rest still says which label it is.
    first_word = phrase.split(" ")[0]
    if len(first_word) >= (6 if loose_start else LOOSE_OTHER_LENGTH) and first_word.isalpha():
        parts.append("[a-z]?" if len(first_word) >= DROPPED_LETTER_LENGTH else "[a-z]")
        phrase = phrase[1:]
    index = 0
    while index < len(phrase):
        char = phrase[index]
        index += 1
        # "rn" and "m" are one of OCR's commonest confusions, both ways ("Sumame" for "Surname").
        if phrase.startswith("rn", index - 1):
            parts.append("(?:rn|m)")
            index += 1
        elif char == "m":
            parts.append("(?:m|rn)")
        elif char in "il":
            parts.append("[il1]")  # "Atësla", "Datëllndja": i, l and 1 are one stroke to OCR
        elif char == " ":
            parts.append(r"[ \n]*")  # a label may break over two lines of prose ("i<newline>biri i")
        elif char == ".":
            parts.append(r"[.,]*")
        elif char == "-":
            parts.append(r"[- ]?")
        elif char == "'":
            parts.append(r"['’`]?")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


@cache
def label_pattern(entity: str | None = None) -> re.Pattern[str]:
    """Labels of ``entity`` (all labels when ``None``), longest first, as whole words on folded text."""
    phrases = [(p, key != OTHER) for key, values in _PHRASES.items() if entity in (None, key) for p in values]
    phrases.sort(key=lambda item: len(item[0]), reverse=True)
    body = "|".join(_phrase_pattern(p, loose_start=loose) for p, loose in phrases)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


@cache
def _entity_of_phrase() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple(
        (re.compile(rf"(?:{_phrase_pattern(p, loose_start=key != OTHER)})\Z"), key)
        for key, values in _PHRASES.items() for p in values
    )


@lru_cache(maxsize=4096)
def label_entity(folded_label: str) -> str:
    """The entity a matched label announces (``OTHER`` for non-personal fields); a page repeats the same
    few labels, so the answers are kept."""
    squeezed = folded_label.strip()
    for pattern, key in _entity_of_phrase():
        if pattern.match(squeezed):
            return key
    return OTHER


@dataclass(frozen=True)
class LabelledValue:
    """A label and the stretch of its line that holds the value (up to a tab, line end or next label)."""

    entity: str
    label_start: int
    label_end: int
    value_start: int
    value_end: int
    explicit: bool = False
    """The label is set off from its value by a colon, a bar or a column gap, as in a form; otherwise the
    label word may just be part of a sentence ("Qiradhënësi detyrohet ...")."""
    next_line: bool = False
    """The label ended its line and the value is taken from the start of the next one."""


_LABEL_TAIL = re.compile(r"(?:[ ]+[a-z'’]+){1,5}[ ]*(?=[:|])")
"""Lower-case words closing a label before its separator: "Adresa e ushtrimit të aktivitetit |"."""


def _label_tail(folded: str, index: int) -> int:
    tail = _LABEL_TAIL.match(folded, index)
    if tail is None:
        return index
    any_label = label_pattern(None)
    for word in re.finditer(r"[a-z'’]+", folded[index : tail.end()]):
        if any_label.match(folded, index + word.start()):
            return index  # the words are the next field's label, not the end of this one
    return tail.end()


_TRANSLATION = re.compile(r"[a-z'’.]+(?:[ ][a-z'’.]+){0,3}[ ]*(?=[:\t\n|]|\Z)")
"""A label's other-language half: up to four words and then the colon, the column gap or the line end."""


def translation_end(folded: str, label_end: int, start: int) -> int | None:
    """Where the second-language half of a bilingual label ends ("Mbiemri / Surname") when OCR garbled it
    past matching as a label ("Mbiemri /Surmame"): what follows a slash after a label, short and without
    digits, up to the colon, column gap or line end. ``None`` if no slash or no such words follow."""
    between = folded[label_end:start]
    if "/" not in between or ":" in between or "\n" in between:
        return None
    words = _TRANSLATION.match(folded, start)
    return words.end() if words and words.end() > start else None


def _skip_separators(folded: str, index: int) -> tuple[int, bool]:
    """Past the punctuation after a label, and whether it set the value off (colon, bar, column gap).

    A column gap without a colon is crossed unless another label follows it: then the line is a table
    header ("Emri<tab>Mbiemri<tab>Atësia"), whose values are in the rows below.
    """
    explicit = False
    colon = False
    while index < len(folded) and folded[index] in _SEPARATORS:
        char = folded[index]
        # A colon OCR read as a full stop or comma stands apart from the label ("Mbiemri . GJINAJ").
        misread_colon = char in ".,;" and folded[index - 1] == " " and folded[index + 1 : index + 2] == " "
        if char == "\t" and not colon:
            ahead = index
            while ahead < len(folded) and folded[ahead] in " \t":
                ahead += 1
            if label_pattern(None).match(folded, ahead):
                return index, False
        colon = colon or char == ":" or misread_colon
        explicit = explicit or char in ":|\t" or misread_colon
        index += 1
    return index, explicit


def labelled_values(folded: str, entity: str) -> list[LabelledValue]:
    """Every label of ``entity`` in ``folded`` text with its value segment (possibly empty)."""
    return [value for value in _labelled_values(folded) if value.entity == entity]


@lru_cache(maxsize=32)
def _labelled_values(folded: str) -> tuple[LabelledValue, ...]:
    """The labelled values of every entity: each recognizer asks for its own on the same page text, and
    scanning for labels once serves them all."""
    any_label = label_pattern(None)
    found: list[LabelledValue] = []
    # All labels at once, longest first: "Emri i subjektit" (a company's name) is not "Emri" (a person's).
    previous_end = -1
    for match in any_label.finditer(folded):
        entity = label_entity(match.group())
        after_label = previous_end >= 0 and not folded[previous_end : match.start()].strip(_HEADER_GAP)
        previous_end = match.end()
        if entity == OTHER:
            continue
        start, explicit = _skip_separators(folded, _label_tail(folded, match.end()))
        if after_label and ":" not in folded[match.end() : start]:
            continue  # a header row's next label ("LANDLORD TENANT NOTARY"): its value is below, not beside it
        # "Emri / Name:" and similar label chains: the value starts after the last label of the chain.
        chain = 0
        while chained := any_label.match(folded, start):
            start, chained_explicit = _skip_separators(folded, _label_tail(folded, chained.end()))
            explicit = explicit or chained_explicit
            chain += 1
        translated = translation_end(folded, match.end(), start) if not chain else None
        if translated is not None:
            start, chained_explicit = _skip_separators(folded, translated)
            explicit = explicit or chained_explicit
            chain += 1
        end = segment_end(folded, start)
        next_line = False
        if chain and not explicit:
            end = start  # labels in a row with no colon: a table header ("Emri Atësia Mbiemri Pjesa")
        elif end == start and not chain and folded[start : start + 1] == "\n":
            # "... me nr. personal<newline>I55701012K, banon ...": the sentence goes on below.
            start, next_line = start + 1, True
            end = segment_end(folded, start)
        found.append(LabelledValue(entity, match.start(), match.end(), start, end, explicit, next_line))
    return tuple(found)


def segment_end(folded: str, start: int) -> int:
    """Where the field value starting at ``start`` ends: tab, line end or the next label."""
    any_label = label_pattern(None)
    end = start
    while end < len(folded) and folded[end] not in "\n\t":
        end += 1
    for match in any_label.finditer(folded, start, end):
        if match.start() > start and folded[match.start() - 1] in _SEPARATORS:
            after = match.end()
            # A label inside a value ("Rruga Tel..." is rare) only ends it when a separator follows.
            if after >= end or folded[after] in _SEPARATORS:
                end = match.start()
                break
    while end > start and folded[end - 1] in " ,;:-–—|":
        end -= 1
    return end


def line_bounds(text: str, index: int) -> tuple[int, int]:
    """Start and end of the line of ``text`` holding ``index``."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return start, len(text) if end < 0 else end


def has_label_before(folded: str, index: int, entity: str, *, window: int = 48) -> bool:
    """A label of ``entity`` within ``window`` characters before ``index``: on its line, or closing the
    line above when the value opens its own ("..., personal number<newline>I25615945O")."""
    line_start, _ = line_bounds(folded, index)
    if not folded[line_start:index].strip() and line_start > 0:
        line_start, _ = line_bounds(folded, line_start - 1)
    lo = max(line_start, index - window)
    return any(match.end() <= index for match in label_pattern(entity).finditer(folded, lo, index))


@cache
def label_words() -> frozenset[str]:
    """Every word of every label, folded: never a name, and never evidence of a leak on its own."""
    words: set[str] = set()
    for values in _PHRASES.values():
        for phrase in values:
            words.update(w for w in re.split(r"[^a-z0-9]+", phrase) if w)
    return frozenset(words)
