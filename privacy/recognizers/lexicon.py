"""Word lists the recognizers share: places, address words, months, names. All folded, loaded lazily."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from privacy.recognizers.labels import label_words
from privacy.recognizers.ocr_text import fold

_DATA = Path(__file__).resolve().parent.parent / "data"
"""Package data of ``privacy`` (name lists with their licences)."""

CITIES: tuple[str, ...] = (
    "shkoder", "shkodra", "shkodres", "tirane", "tirana", "tiranes", "durres", "durresi", "vlore", "vlora",
    "elbasan", "elbasani", "fier", "fieri", "korce", "korca", "berat", "berati", "lushnje", "lushnja",
    "kavaje", "kavaja", "pogradec", "pogradeci", "gjirokaster", "gjirokastra", "sarande", "saranda", "lezhe",
    "lezha", "kukes", "kukesi", "lac", "kamez", "koplik", "puke", "fushe-arrez", "shengjin", "kruje",
    "burrel", "peshkopi", "librazhd", "gramsh", "permet", "tepelene", "delvine", "erseke", "bulqize",
    "rreshen", "tropoje", "krume", "velipoje", "bushat", "dajc", "postribe", "gruemire", "kastrat",
    "kelmend", "shkrel", "vau i dejes", "malesi e madhe", "bajram curri", "ana e malit", "guri i zi",
    "rrethinat", "prishtine", "prishtina", "prizren", "peje", "gjakove", "ulqin", "tuz",
)
"""Towns of Albania (Shkodër region first) and nearby Albanian-speaking towns, indefinite and definite."""

COUNTRIES: tuple[str, ...] = (
    "albania", "shqiperi", "shqiperia", "kosova", "kosovo", "mali i zi", "montenegro", "maqedonia e veriut",
    "north macedonia", "greqia", "greece", "italia", "italy",
)
"""Countries that close an address ("..., Vau i Dejës, Albania")."""

ADDRESS_KEYWORDS: tuple[str, ...] = (
    r"rruga", r"rr\.", r"rr(?=[ ]+[\"'“”„a-z])", r"la[gq](?:jj|ji|ij|j|i)[ae]", r"lgj\.",
    r"l\.(?=[ ]*[\"“„0-9a-z])", r"njesia[ ]+administrative", r"njesia[ ]+bashkiake", r"nj\.[ ]*adm\.?",
    r"bulevardi", r"blv\.", r"bul\.", r"pallati", r"pall\.", r"shkalla", r"shk\.(?=[ ]*[0-9a-z])",
    r"apartamenti", r"ap\.", r"hyrja", r"kati", r"fshati", r"sheshi", r"zona kadastrale", r"street",
    r"str\.", r"avenue", r"apartment", r"apt\.", r"building", r"entrance", r"floor", r"village",
    r"administrative[ ]+unit",
)
"""Patterns (folded text) of the words that open or continue an Albanian address."""

ADMINISTRATIVE_KEYWORDS: tuple[str, ...] = (
    r"njesia[ ]+administrative", r"njesia[ ]+bashkiake", r"nj\.[ ]*adm\.?", r"fshati", r"zona kadastrale",
    r"village", r"administrative[ ]+unit",
)
"""Address words naming an area, not a home: alone (an office's "Njësia Administrative Nr. 4") they are
no one's address."""

ADDRESS_PART_WORDS: frozenset[str] = frozenset(
    ("nr", "numer", "numri", "no", "kodi", "postar", "zip", "pll", "sh", "ap", "kt", "k")
)
"""Words that may start a comma-separated part of an address without being an address keyword."""

MONTHS: tuple[str, ...] = (
    "janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht", "shtator", "tetor", "nentor",
    "dhjetor", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec",
)

ORGANISATION_WORDS: tuple[str, ...] = (
    "bank", "banka", "banke", "bankes", "invest", "group", "grup", "holding", "market", "servis", "service",
    "services", "construction", "consulting", "trade", "trading", "company", "center", "studio", "tech",
    "travel", "transport", "import", "export", "energy", "partners", "insurance", "sigurime",
)
"""Words that, after a name, make it an organisation's ("Raiffeisen Bank", "Gjoka Invest")."""

_COMMON_WORDS: tuple[str, ...] = (
    "republika", "shqiperise", "shqiperia", "bashkia", "bashkise", "ministria", "drejtoria", "drejtori",
    "zyra", "zyres", "sektori", "kryetari", "kryetarja", "sekretari", "specialisti", "gjendjes", "civile",
    "certifikate", "certifikata", "vertetim", "vertetimi", "kerkese", "kerkesa", "kontrate", "kontrata",
    "qiraje", "deklarate", "deklarata", "sherbimi", "sherbimeve", "regjistrimi", "nje", "ndalese",
    "familjare", "perberja", "personale", "qendra", "kombetare", "biznesit", "publike", "publik", "shtetit",
    "gjykata", "noteri", "noterit", "banka", "bankes", "kombetar", "agjencia", "kadastres", "kadastra",
    "pasurise", "pasuria", "tatimore", "tatimeve", "leje", "lejes", "transportit", "automjetit", "neni",
    "ligjit", "ligji", "vendimi", "vendimit", "dokumenti", "dokumentit", "faqe", "page", "data", "ora",
    "shqiptare", "shqiptar", "mashkull", "femer", "bir", "bije", "vajze", "djale", "nena", "babai",
    "bashkeshort", "bashkeshorte", "motra", "vellai", "gjyshi", "gjyshja", "mbesa", "nipi", "republic",
    "albania", "municipality", "certificate", "office", "kryefamiljar", "pronar", "pranuar", "pranoi",
    "dorezoi", "konfirmoj", "deklaroj", "kerkoj", "une", "ju", "ai", "ajo", "ne", "ata", "kjo", "ky",
    *ORGANISATION_WORDS, "shpk", "sha", "noteri", "notere", "noteres", "avokat", "avokati",
    "njesia", "njesise", "sektori", "sektorit", "sherbimit", "sherbimi", "drejtorise", "bashkise", "zyres",
    "shefi", "shef", "pergjegjes", "pergjegjesi", "pergjegjesja", "nepunesi", "nepunesja", "mjeku", "kurues",
    "administratori", "administratorja", "regjistruesi", "specialiste", "inspektori", "kryeinspektori",
    "njesoj", "origjinalin", "origjinal", "kopje", "nenshkrimi", "pasurise",
)
"""Capitalised words of official documents that name no one (headers, titles, kinship terms)."""


@cache
def _name_list(filename: str) -> frozenset[str]:
    text = (_DATA / filename).read_text(encoding="utf-8")
    return frozenset(fold(line.strip()) for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """Folded words that are never a person's name and never, alone, evidence that a value leaked."""
    words = set(label_words()) | set(_COMMON_WORDS) | set(MONTHS)
    for city in CITIES:
        words.update(city.split())
    for keyword in ("rruga", "lagjja", "lagja", "lagjia", "lagje", "njesia", "administrative", "bashkiake",
                    "bulevardi", "pallati", "shkalla", "apartamenti", "hyrja", "kati", "fshati", "sheshi",
                    "zona", "kadastrale", "street", "avenue", "apartment", "building", "entrance", "floor"):
        words.add(keyword)
    return frozenset(words)


@lru_cache(maxsize=1)
def never_names() -> frozenset[str]:
    """Label words and document vocabulary. Towns stay possible: "Kavaja" is a surname too."""
    return label_words() | frozenset(_COMMON_WORDS)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _name_list("albanian_first_names.txt") - never_names()


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return _name_list("albanian_surnames.txt") - never_names()


_CAPITAL_I_READ = "l1|!"
"""How OCR reads a capital I that opens a word ("llirjan", "1smail"): one stroke, like them."""


@lru_cache(maxsize=8192)
def known_name(folded: str) -> bool:
    """``folded`` is a listed first name or surname, also when OCR read its opening capital I as an l, a one
    or a bar ("llirjan" for "Ilirjan")."""
    if folded in first_names() or folded in surnames():
        return True
    if len(folded) < 4 or folded[0] not in _CAPITAL_I_READ:
        return False
    variant = "i" + folded[1:]
    return variant in first_names() or variant in surnames()
