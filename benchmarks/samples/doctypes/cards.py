"""Photocopies of small official documents on A4: the identity card (front and back, with the MRZ) and the
vehicle registration certificate (leje qarkullimi, DPSHTRR)."""

from __future__ import annotations

from datetime import date

from benchmarks.samples import graphics
from benchmarks.samples.canvas import Font, Page, Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import choose_title, date_text, state_line
from benchmarks.samples.fakes import Person, ascii_fold, format_date
from benchmarks.samples.layout import Doc, DocContext, fld
from benchmarks.samples.titles import TITLES

_MRZ_WEIGHTS = (7, 3, 1)


def mrz_check(field: str) -> str:
    """ICAO 9303 check digit."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            value = int(ch)
        elif ch.isalpha():
            value = ord(ch.upper()) - 55
        else:
            value = 0
        total += value * _MRZ_WEIGHTS[i % 3]
    return str(total % 10)


def _yymmdd(day: date) -> str:
    return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def _mrz_lines(person: Person, card_number: str, expiry: date) -> list[list[Run]]:
    line1 = [Run(f"IDALB{card_number}{mrz_check(card_number)}"), pii(person.nid, "AL_PERSONAL_NUMBER"),
             Run("<" * 5)]
    birth = _yymmdd(person.birth)
    sex = "F" if person.female else "M"
    rest = f"{mrz_check(birth)}{sex}{_yymmdd(expiry)}{mrz_check(_yymmdd(expiry))}ALB" + "<" * 11
    # ICAO 9303's composite covers line 1 from the document number on and line 2's checked fields, the
    # fillers included (they count 0, but shift the weights of what follows).
    composite = mrz_check(card_number + mrz_check(card_number) + person.nid + "<" * 5 + birth + mrz_check(birth)
                          + _yymmdd(expiry) + mrz_check(_yymmdd(expiry)) + "<" * 11)
    line2 = [pii(birth, "DATE_OF_BIRTH"), Run(rest + composite)]
    name = ascii_fold(f"{person.last}<<{person.first}").upper().replace(" ", "<").replace("-", "<")
    line3 = [pii(name, "PERSON"), Run("<" * max(0, 30 - len(name)))]
    return [line1, line2, line3]


def _card_outline(page: Page, box: tuple[float, float, float, float], ctx: DocContext) -> None:
    radius = page.mm(3)
    page.draw.rounded_rectangle(box, radius=radius, outline=page.ink("grey"), width=max(1, page.dpi // 150))
    inset = page.mm(1.5)
    graphics.guilloche(page, (box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset), ctx.rng)


def _labelled(page: Page, x: float, y: float, columns: list[tuple[float, str, Runs]], label_font: Font,
              value_font: Font) -> float:
    """A row of card fields: small bilingual labels on one line, values under them on the next."""
    page.line(y, [(x + dx, runs(label), label_font, page.ink("grey")) for dx, label, _ in columns])
    y += label_font.size * 1.15
    page.line(y, [(x + dx, value, value_font, page.ink()) for dx, _, value in columns])
    return y + value_font.size * 1.45


def id_card_copy(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    page = doc.page
    f = ctx.fakes
    person = f.person(min_age=16)
    issued = f.date_between(date(2016, 1, 1), date(2025, 6, 30))
    expiry = issued.replace(year=issued.year + 10)
    card_number = f"{ctx.rng.randrange(10**8, 10**9):09d}"
    unseen = ctx.layout == "unseen"
    scale = ctx.rng.uniform(1.0, 1.12) if unseen else ctx.rng.uniform(1.0, 1.45)
    w, h = page.mm(85.6 * scale), page.mm(54 * scale)
    fronts: tuple[tuple[float, float], tuple[float, float]]
    if unseen:
        gap = page.mm(6)
        x_front = (page.width - 2 * w - gap) / 2
        fronts = ((x_front, page.mm(30)), (x_front + w + gap, page.mm(30)))
    else:
        x_front = (page.width - w) / 2 + page.mm(ctx.rng.uniform(-15, 15))
        top = page.mm(ctx.rng.uniform(20, 40))
        fronts = ((x_front, top), (x_front + page.mm(ctx.rng.uniform(-6, 6)), top + h + page.mm(18)))
    pt = scale
    tiny = page.font("sans", 4.3 * pt)
    small = page.font("sans-bold", 6.2 * pt)
    value = page.font("sans-bold", 7.4 * pt)
    heading = page.font("sans-bold", 7.6 * pt)
    title = ctx.rng.choice(TITLES["id_card_copy"][ctx.layout]["sqi"])
    birth = format_date(person.birth)

    # Front
    x, y = fronts[0]
    _card_outline(page, (x, y, x + w, y + h), ctx)
    graphics.emblem(page, x + page.mm(7 * pt), y + page.mm(7 * pt), page.mm(9 * pt))
    page.write(x + w / 2 + page.mm(4), y + page.mm(2.5 * pt), state_line(ctx).upper(), heading, align="center")
    page.write(x + w / 2 + page.mm(4), y + page.mm(6.2 * pt), "REPUBLIC OF ALBANIA", tiny, align="center")
    title_text = f"{title} / IDENTITY CARD" if title != "IDENTITY CARD" else title
    box = page.write(x + w / 2 + page.mm(4), y + page.mm(8.8 * pt), title_text, small, align="center")
    doc.title, doc.title_bbox = page.shown(title_text), box
    graphics.photo(page, (x + page.mm(4 * pt), y + page.mm(15 * pt), x + page.mm(27 * pt), y + page.mm(45 * pt)))
    graphics.signature(page, x + page.mm(4 * pt), y + page.mm(45.5 * pt), page.mm(22 * pt), page.mm(6 * pt),
                       ctx.rng, fill=page.ink())
    fx = x + page.mm(30 * pt)
    col = page.mm(27.5 * pt)
    rows: list[list[tuple[float, str, Runs]]] = [
        [(0, "Mbiemri / Surname", [pii(person.last.upper(), "PERSON")])],
        [(0, "Emri / Given name", [pii(person.first.upper(), "PERSON")])],
        [(0, "Shtetësia / Nationality", runs("SHQIPTARE")),
         (col, "Datëlindja / Date of birth", [pii(birth, "DATE_OF_BIRTH")])],
        [(0, "Gjinia / Sex", runs("F" if person.female else "M")),
         (col, "Nr. personal / Personal No.", [pii(person.nid, "AL_PERSONAL_NUMBER")])],
        [(0, "Data e lëshimit / Date of issue", runs(format_date(issued))),
         (col, "Data e skadimit / Date of expiry", runs(format_date(expiry)))],
    ]
    if unseen:
        rows = [rows[3], rows[0], rows[1], rows[2], rows[4]]
    doc.key_fields.update(applicant_name=f"{person.first} {person.last}", personal_number=person.nid,
                          date_of_birth=person.birth.isoformat())
    fy: float = y + page.mm(14 * pt)
    for row in rows:
        fy = _labelled(page, fx, fy, row, tiny, value)
    page.write(x + w - page.mm(3 * pt), y + h - page.mm(5 * pt), f"Nr. {card_number}", small, align="right")

    # Back
    x, y = fronts[1]
    _card_outline(page, (x, y, x + w, y + h), ctx)
    by: float = y + page.mm(4 * pt)
    by = _labelled(page, x + page.mm(5 * pt), by,
                   [(0, "Vendlindja / Place of birth", runs(f"{person.birthplace.upper()}, ALB"))], tiny, value)
    by = _labelled(page, x + page.mm(5 * pt), by,
                   [(0, "Autoriteti / Authority", runs("MINISTRIA E BRENDSHME"))], tiny, value)
    graphics.barcode(page, x + w - page.mm(36 * pt), y + page.mm(4 * pt), page.mm(31 * pt), page.mm(8 * pt),
                     card_number)
    mono = page.font("mono", 8.2 * pt)
    my: float = y + h - page.mm(17.5 * pt)
    for parts in _mrz_lines(person, card_number, expiry):
        page.line(my, [(x + page.mm(4 * pt), parts, mono, page.ink())])
        my += mono.size * 1.3

    doc.y = max(fronts[1][1], fronts[0][1]) + h + page.mm(12)
    if ctx.rng.random() < 0.55:
        _certified_copy(doc, ctx)
    if ctx.rng.random() < 0.5:
        graphics.speckles(page, ctx.rng, ctx.rng.randrange(80, 400))
    return doc


def _certified_copy(doc: Doc, ctx: DocContext) -> None:
    """The clerk's rectangular stamp certifying the copy, with a date and signature."""
    page = doc.page
    x0 = doc.left + page.mm(ctx.rng.uniform(5, 60))
    y0 = doc.y
    ink = page.ink("stamp")
    font = page.font("sans-bold", 10)
    small = page.font("sans", 8.5)
    box_w, box_h = page.mm(70), page.mm(24)
    page.rect((x0, y0, x0 + box_w, y0 + box_h), width=max(2, page.dpi // 100), outline=ink)
    page.write(x0 + box_w / 2, y0 + page.mm(2.5), "NJËSOJ ME ORIGJINALIN", font, fill=ink, align="center")
    page.write(x0 + box_w / 2, y0 + page.mm(8), f"Shkodër, më {date_text(ctx, ctx.fakes.recent_date(20))}", small,
               fill=ink, align="center")
    graphics.signature(page, x0 + page.mm(15), y0 + page.mm(12), page.mm(40), page.mm(10), ctx.rng)
    doc.y = y0 + box_h + page.mm(5)


_VEHICLES = (
    ("VOLKSWAGEN", "GOLF", "WVW", "M1"), ("MERCEDES-BENZ", "E 220 CDI", "WDD", "M1"), ("TOYOTA", "YARIS", "JTD", "M1"),
    ("FIAT", "PUNTO", "ZFA", "M1"), ("OPEL", "ASTRA", "W0L", "M1"), ("FORD", "TRANSIT", "WF0", "N1"),
    ("RENAULT", "CLIO", "VF1", "M1"), ("BMW", "320D", "WBA", "M1"), ("HYUNDAI", "TUCSON", "KMH", "M1"),
    ("IVECO", "DAILY", "ZCF", "N1"),
)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vehicle_registration(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    owner = f.person(min_age=19)
    make, model, wmi, category = ctx.rng.choice(_VEHICLES)
    first_reg = f.date_between(date(2003, 1, 1), date(2024, 12, 31))
    registered = f.date_between(first_reg, date(2025, 9, 30))
    page = doc.page
    frame_top = doc.y
    doc.y += page.mm(3)
    doc.header([state_line(ctx), "MINISTRIA E INFRASTRUKTURËS DHE ENERGJISË",
                "DREJTORIA E PËRGJITHSHME E SHËRBIMEVE TË TRANSPORTIT RRUGOR"], emblem=True)
    doc.set_title(choose_title(ctx, "vehicle_registration"),
                  subtitle=f"Nr. i dokumentit: AL{ctx.rng.randrange(10**6, 10**7)}")
    plate = f.plate()
    entries = [
        fld("A. Targa", plate, "AL_VEHICLE_PLATE"),
        fld("B. Data e regjistrimit të parë", format_date(first_reg)),
        fld("C.1.1 Mbiemri / Emërtimi", owner.last.upper(), "PERSON"),
        fld("C.1.2 Emri", owner.first.upper(), "PERSON"),
        fld("C.1.3 Adresa", owner.address.written(2).upper(), "ADDRESS"),
        fld("C.1.4 Nr. personal / NIPT", owner.nid, "AL_PERSONAL_NUMBER"),
        fld("D.1 Marka", make),
        fld("D.3 Modeli", model),
        fld("E. Nr. i shasisë (VIN)", wmi + "".join(ctx.rng.choice(_VIN_CHARS) for _ in range(14))),
        fld("F.1 Masa maksimale (kg)", str(ctx.rng.randrange(1400, 3500))),
        fld("G. Masa e mjetit (kg)", str(ctx.rng.randrange(900, 2200))),
        fld("J. Kategoria", category),
        fld("P.1 Cilindrata (cm³)", str(ctx.rng.choice((1248, 1398, 1598, 1896, 1968, 2143, 2287)))),
        fld("P.3 Karburanti", ctx.rng.choice(("Naftë", "Benzinë", "Benzinë/Gaz", "Hibrid"))),
        fld("R. Ngjyra", ctx.rng.choice(("Gri", "E zezë", "E bardhë", "Blu", "E kuqe"))),
        fld("S.1 Nr. i vendeve", str(ctx.rng.choice((2, 3, 5, 5, 5, 7, 9)))),
        fld("I. Data e regjistrimit", format_date(registered)),
    ]
    doc.fields(entries, mode="two_column" if ctx.layout == "standard" else "grid", scale=0.92)
    page = doc.page
    graphics.stamp(page, doc.right - page.mm(35), doc.y + page.mm(14), page.mm(16),
                   "DPSHTRR * REPUBLIKA E SHQIPËRISË *", ["SHKODËR"], ctx.rng)
    graphics.signature(page, doc.right - page.mm(75), doc.y + page.mm(6), page.mm(35), page.mm(12), ctx.rng)
    doc.y += page.mm(32)
    page.rect((doc.left - page.mm(4), frame_top, doc.right + page.mm(4), doc.y), width=max(1, page.dpi // 150),
              outline=page.ink("grey"))
    if ctx.rng.random() < 0.5:
        graphics.speckles(page, ctx.rng, ctx.rng.randrange(80, 300))
    return doc
