"""Business and money documents: the QKB register extract, a bank payment slip, an employer's income proof."""

from __future__ import annotations

from stdnum import iban as stdnum_iban

from benchmarks.samples import graphics
from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import (
    address_run,
    choose_title,
    date_text,
    he_she,
    name_run,
    protocol,
    state_line,
)
from benchmarks.samples.fakes import AMOUNTS_EN, AMOUNTS_SQ, BANKS, MONTHS_SQ, group_thousands
from benchmarks.samples.layout import Doc, DocContext, Field, Signer, fld
from pipeline.models import BBox

_ACTIVITIES = (
    "Tregti me pakicë e produkteve ushqimore dhe industriale, import-eksport i mallrave të ndryshme.",
    "Transport udhëtarësh brenda vendit me autobusë dhe taksi, shërbime turistike.",
    "Ndërtim i objekteve civile dhe industriale, punime rikonstruksioni, prodhim dhe tregtim i materialeve "
    "të ndërtimit.",
    "Shërbime bar-restorant, akomodim turistik dhe organizim aktivitetesh.",
    "Konsulencë në fushën e kontabilitetit, auditimit dhe administrimit të bizneseve.",
    "Prodhim dhe përpunim i produkteve bujqësore e blegtorale, tregtim me shumicë.",
)


def qkb_extract(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    day = f.recent_date()
    individual = ctx.rng.random() < 0.3
    doc.header([state_line(ctx), "QENDRA KOMBËTARE E BIZNESIT", "Regjistri Tregtar"],
               emblem=ctx.layout == "standard")
    number = f"QKB-{day.year}-{ctx.rng.randrange(10000, 999999)}"
    doc.ref_line(f"Nr. i ekstraktit: {number}", f"Data: {date_text(ctx, day)}")
    doc.set_title(choose_title(ctx, "qkb_extract"))
    entries: list[Field]
    if individual:
        owner = f.person(min_age=22, max_age=70)
        nipt = f.nipt()
        doc.key_fields["nipt"] = nipt
        entries = [
            fld("NUIS", nipt, "AL_NIPT"),
            fld("Lloji i subjektit", "Person fizik"),
            fld("Emri, Mbiemri", [name_run(owner)]),
            fld("Emri tregtar", [pii(owner.last, "PERSON"),
                                 Run(f" {ctx.rng.choice(('Market', 'Servis', 'Bar-Kafe', 'Print'))}")]),
            fld("Data e regjistrimit", date_text(ctx, f.date_between(day.replace(year=2005), day))),
            fld("Adresa e ushtrimit të aktivitetit", [address_run(ctx, owner)]),
            fld("Objekti i veprimtarisë", ctx.rng.choice(_ACTIVITIES)),
            fld("Telefon", owner.phone, "PHONE_NUMBER"),
            fld("Statusi", "Aktiv"),
        ]
    else:
        company = f.company()
        doc.key_fields["nipt"] = company.nipt
        partners = [company.administrator] + [f.person(min_age=25, max_age=75)
                                              for _ in range(ctx.rng.randrange(0, 3))]
        shares = {1: ["100%"], 2: ["60%", "40%"], 3: ["50%", "30%", "20%"]}[len(partners)]
        partner_runs: list[Run] = []
        for i, (partner, share) in enumerate(zip(partners, shares, strict=True)):
            partner_runs += runs("; " if i else "", name_run(partner), f" ({share})")
        entries = [
            fld("NUIS", company.nipt, "AL_NIPT"),
            fld("Emri i subjektit", company.name),
            fld("Forma ligjore", company.legal_form),
            fld("Data e regjistrimit", date_text(ctx, company.registered)),
            fld("Kohëzgjatja", "E pacaktuar"),
            fld("Kapitali (lekë)", group_thousands(ctx.rng.choice((100, 100000, 500000, 2000000)))),
            fld("Adresa e selisë", company.address.written(ctx.rng.randrange(4)), "ADDRESS"),
            fld("Administratori", [name_run(company.administrator)]),
            fld("Ortakët", partner_runs),
            fld("Objekti i veprimtarisë", ctx.rng.choice(_ACTIVITIES)),
            fld("E-mail", company.email, "EMAIL_ADDRESS"),
            fld("Statusi", ctx.rng.choice(("Aktiv", "Aktiv", "Aktiv", "Pezulluar"))),
        ]
    doc.fields(entries, mode="grid" if ctx.layout == "standard" else "tab")
    if ctx.rng.random() < 0.5:
        doc.heading("Ndryshimet e regjistruara")
        rows: list[list[Runs | str]] = []
        for _ in range(ctx.rng.randrange(2, 6)):
            when = f.date_between(day.replace(year=2012), day)
            rows.append([date_text(ctx, when), ctx.rng.choice(("Ndryshim adrese", "Ndryshim i objektit",
                                                               "Rritje kapitali", "Emërim administratori",
                                                               "Hapje njësie vendore")),
                         f"QKB-{when.year}-{ctx.rng.randrange(10000, 999999)}"])
        doc.table(["Data", "Ndryshimi", "Nr. i aplikimit"], rows, [3, 6, 4])
    code = "".join(ctx.rng.choice("0123456789ABCDEF") for _ in range(12))
    doc.qr(f"https://qkb.gov.al/verifiko?kodi={code}",
           f"Ky ekstrakt është gjeneruar elektronikisht nga sistemi i Qendrës Kombëtare të Biznesit dhe është i "
           f"vlefshëm pa vulë dhe nënshkrim. Kodi i verifikimit: {code}")
    return doc


def _slip(doc: Doc, data: dict[str, list[Run]], copy_label: str, title: str, bank: str, eng: bool) -> None:
    """One copy of the slip: a framed form with the bank's name, the title and the payment fields."""
    page = doc.page
    ctx = doc.ctx
    top = doc.y
    bold = doc.font("bold", 1.05)
    title_x = doc.left + (doc.right - doc.left) * 0.58
    title_y = doc.y + page.mm(3)
    page.line(title_y, [(doc.left + page.mm(3), runs(bank.upper()), bold, page.ink()),
                        (title_x, runs(title), bold, page.ink())])
    if doc.title_bbox is None:
        x0, y0, x1, y1 = page.draw.textbbox((title_x, title_y), page.shown(title), font=bold, anchor="la")
        doc.title = page.shown(title)
        doc.title_bbox = BBox(x0=int(x0), y0=int(y0), x1=int(x1) + 1, y1=int(y1) + 1)
    doc.y = title_y + page.line_height(bold, 1.5)
    small = doc.font("body", 0.8)
    page.write(doc.right - page.mm(3), doc.y, copy_label, small, align="right")
    doc.y += page.line_height(small, 1.4)
    entries = [Field(label, value) for label, value in data.items()]
    doc.fields(entries, mode="grid" if ctx.layout == "unseen" else "tab", scale=0.9)
    line_y = doc.y + page.mm(12)
    roles = ("Payer", "Teller") if eng else ("Paguesi", "Arkëtari")
    for x, role in ((doc.left + page.mm(5), roles[0]), (doc.left + (doc.right - doc.left) * 0.55, roles[1])):
        page.hline(x, x + page.mm(50), line_y, width=max(1, page.dpi // 200))
        graphics.signature(page, x + page.mm(5), line_y - page.mm(10), page.mm(38), page.mm(10), ctx.rng)
        page.write(x, line_y + page.mm(1), role, small)
    graphics.stamp(page, doc.right - page.mm(25), line_y - page.mm(3), page.mm(14),
                   f"{bank.upper()} * SHKODËR *", ["ARKA"], ctx.rng)
    doc.y = line_y + page.mm(8)
    page.rect((doc.left, top, doc.right, doc.y), width=max(1, page.dpi // 150))
    doc.y += page.mm(6)


def payment_slip(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    eng = ctx.language == "eng"
    payer = f.person()
    bank_code, bank = ctx.rng.choice(BANKS)
    amount = ctx.rng.choice(tuple(AMOUNTS_SQ))
    day = f.recent_date(40)
    municipality_iban = f.iban(bank_code)
    payer_iban = f.iban(ctx.rng.choice(BANKS)[0]) if ctx.rng.random() < 0.6 else None
    title = choose_title(ctx, "payment_slip").upper()
    ref = f"{ctx.rng.randrange(10**9, 10**10)}"
    service = ctx.rng.choice(("tarifë shërbimi, Zyra me Një Ndalesë", "taksë e ndërtesës 2025",
                              "tarifë për leje zënie hapësire publike", "tarifë për vërtetim"))
    amount_text = f"{group_thousands(amount, '.')},00 ALL" if ctx.rng.random() < 0.5 else f"{amount:.2f} Lekë"
    doc.key_fields.update(personal_number=payer.nid, amount=str(amount))
    data: dict[str, list[Run]]
    if eng:
        data = {
            "Date": runs(date_text(ctx, day)),
            "Payer": [name_run(payer)],
            "Personal No.": [pii(payer.nid, "AL_PERSONAL_NUMBER")],
            "Address": [address_run(ctx, payer)],
            "Beneficiary": runs("Municipality of Shkodër"),
            "Beneficiary IBAN": [pii(stdnum_iban.format(municipality_iban), "IBAN_CODE")],
            "Amount": runs(amount_text),
            "Amount in words": runs(f"{AMOUNTS_EN[amount]} lek"),
            "Purpose of payment": runs("service fee, one-stop shop"),
            "Reference": runs(ref),
        }
        if payer_iban:
            data["Payer account (IBAN)"] = [pii(stdnum_iban.format(payer_iban), "IBAN_CODE")]
    else:
        data = {
            "Data": runs(date_text(ctx, day)),
            "Paguesi": [name_run(payer)],
            "Nr. personal": [pii(payer.nid, "AL_PERSONAL_NUMBER")],
            "Adresa": [address_run(ctx, payer)],
            "Përfituesi": runs("BASHKIA SHKODËR"),
            "IBAN i përfituesit": [pii(stdnum_iban.format(municipality_iban), "IBAN_CODE")],
            "Shuma": runs(amount_text),
            "Shuma me fjalë": runs(f"{AMOUNTS_SQ[amount]} lekë".capitalize()),
            "Përshkrimi i pagesës": runs(service.capitalize()),
            "Nr. reference": runs(ref),
        }
        if payer_iban:
            data["Llogaria e paguesit (IBAN)"] = [pii(payer_iban, "IBAN_CODE")]
        if ctx.rng.random() < 0.4:
            data["Tel."] = [pii(payer.phone, "PHONE_NUMBER")]
    copies = ctx.rng.choice((1, 2)) if ctx.layout == "standard" else 1
    labels = (("Copy for the client", "Copy for the bank") if eng else
              ("Kopje për klientin", "Kopje për bankën"))
    for i in range(copies):
        start = doc.y
        _slip(doc, data, labels[i], title, bank, eng)
        if i == 0 and doc.y + (doc.y - start) > doc.bottom:
            break
        if i == 0 and copies == 2:
            page = doc.page
            for x in range(int(doc.left), int(doc.right), page.mm(3)):
                page.hline(x, x + page.mm(1.5), doc.y - page.mm(3), fill=page.ink("grey"))
    return doc


def income_proof(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    company = f.company()
    employee = f.person(min_age=20, max_age=64)
    day = f.recent_date(45)
    doc.header([company.name.upper()],
               [runs("NIPT: ", pii(company.nipt, "AL_NIPT")),
                runs(pii(company.address.written(2), "ADDRESS")),
                runs("Tel. ", pii(company.phone, "PHONE_NUMBER"), ", ", pii(company.email, "EMAIL_ADDRESS"))],
               emblem=False)
    doc.ref_line(*protocol(ctx, day))
    doc.set_title(choose_title(ctx, "income_proof"))
    position = ctx.rng.choice(("shitës", "shofer", "kontabiliste" if employee.female else "kontabilist",
                               "punëtor ndërtimi", "kamariere" if employee.female else "kamarier",
                               "specialist IT", "magazinier"))
    since = f.date_between(day.replace(year=2012), day.replace(year=2024))
    doc.paragraph(runs("Vërtetojmë se ", name_run(employee), ", me nr. personal ",
                       pii(employee.nid, "AL_PERSONAL_NUMBER"),
                       f", është {he_she(employee, 'i punësuar', 'e punësuar')} pranë shoqërisë sonë në "
                       f"pozicionin {position} që nga data {date_text(ctx, since)}, me kontratë pune me afat të "
                       f"pacaktuar. Të ardhurat e {he_she(employee, 'tij', 'saj')} për gjashtë muajt e fundit janë:"),
                  indent_mm=8)
    gross = ctx.rng.randrange(40, 120) * 1000
    rows: list[list[Runs | str]] = []
    for k in range(6, 0, -1):
        month = (day.month - k - 1) % 12
        contributions = round(gross * 0.112)
        tax = max(0, round((gross - 40000) * 0.13))
        rows.append([f"{MONTHS_SQ[month].capitalize()} {day.year if month < day.month else day.year - 1}",
                     group_thousands(gross), group_thousands(contributions), group_thousands(tax),
                     group_thousands(gross - contributions - tax)])
    doc.table(["Muaji", "Paga bruto", "Sigurime (11,2%)", "Tatimi", "Paga neto"], rows, [4, 3, 3, 3, 3])
    doc.paragraph(runs("Vërtetimi lëshohet me kërkesë të punonjësit për t'u paraqitur pranë Bashkisë Shkodër."),
                  indent_mm=8)
    doc.signatures([Signer("Administratori", [name_run(company.administrator)],
                           stamp=(f"{company.name.upper()} *", ["SHKODËR"]))])
    return doc
