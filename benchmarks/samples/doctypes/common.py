"""Pieces shared by the document types: titles, letterheads of the issuing bodies, protocol lines, dates."""

from __future__ import annotations

from datetime import date

from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.fakes import Person, format_date, format_date_en
from benchmarks.samples.layout import DocContext
from benchmarks.samples.titles import TITLES


def choose_title(ctx: DocContext, type_id: str) -> str:
    pool = TITLES[type_id][ctx.layout][ctx.language]
    title = ctx.rng.choice(pool)
    if title.isupper() and ctx.rng.random() < 0.2:
        # Some offices type titles in sentence case.
        title = title[0] + title[1:].lower().replace("qkb", "QKB")
    return title


def state_line(ctx: DocContext) -> str:
    if ctx.language == "eng":
        return "REPUBLIC OF ALBANIA"
    return "REPUBLIKA E SHQIPËRISË" if ctx.layout == "standard" else "Republika e Shqipërisë"


def municipality_contact(ctx: DocContext) -> list[Runs]:
    """Contact line of Bashkia Shkodër as printed under its letterhead (only on some documents)."""
    if ctx.rng.random() < 0.5:
        return []
    phone = ctx.fakes.landline()
    label = "Tel." if ctx.language == "sqi" else "Phone"
    return [runs(pii("Sheshi 2 Prilli, Shkodër", "ADDRESS"), f", {label} ", pii(phone, "PHONE_NUMBER"),
                 ", www.shkoder.gov.al")]


def date_text(ctx: DocContext, day: date) -> str:
    if ctx.language == "eng" and ctx.date_form != 1:
        return format_date_en(day)
    return format_date(day, ctx.date_form)


def birth_text(ctx: DocContext, person: Person) -> str:
    """A date of birth as this document writes it (one format per document)."""
    return date_text(ctx, person.birth)


def protocol(ctx: DocContext, day: date, place: str = "Shkodër") -> tuple[str, str]:
    number = ctx.rng.randrange(100, 9000)
    if ctx.language == "eng":
        return f"No. {number}/{ctx.rng.randrange(1, 9)}", f"{place}, {date_text(ctx, day)}"
    left = ctx.rng.choice((f"Nr. {number} Prot.", f"Nr. {number}/{ctx.rng.randrange(1, 9)} Prot.",
                           f"Prot. nr. {number}"))
    return left, f"{place}, më {date_text(ctx, day)}"


def he_she(person: Person, male: str, female: str) -> str:
    return female if person.female else male


def name_run(person: Person, upper: bool = False) -> Run:
    text = person.full.upper() if upper else person.full
    return pii(text, "PERSON")


def address_run(ctx: DocContext, person: Person) -> Run:
    text = person.address.written_en() if ctx.language == "eng" else person.address.written(ctx.rng.randrange(4))
    return pii(text, "ADDRESS")


def municipality_stamp(unit: str = "SHKODËR") -> tuple[str, list[str]]:
    return (f"REPUBLIKA E SHQIPËRISË * BASHKIA {unit} *", ["BASHKIA", unit])
