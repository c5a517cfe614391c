"""Property documents: the cadastre's ownership certificate (ASHK) and the notarised lease contract."""

from __future__ import annotations

import math

from stdnum import iban as stdnum_iban

from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import (
    address_run,
    birth_text,
    choose_title,
    date_text,
    he_she,
    name_run,
    protocol,
    state_line,
)
from benchmarks.samples.fakes import BANKS, Person, format_date_words_sq, group_thousands
from benchmarks.samples.layout import Doc, DocContext, Signer, fld

_KINDS = ("Apartament", "Truall", "Arë", "Ndërtesë", "Njësi shërbimi", "Shtëpi banimi")


def _parcel(ctx: DocContext) -> str:
    return f"{ctx.rng.randrange(1, 40)}/{ctx.rng.randrange(10, 600)}" + (
        f"+{ctx.rng.randrange(1, 9)}-{ctx.rng.randrange(1, 30)}" if ctx.rng.random() < 0.4 else "")


def property_certificate(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    owners = [f.person(min_age=25)]
    for _ in range(ctx.rng.choice((0, 0, 1, 1, 2))):
        owners.append(f.person(surname=owners[0].last if ctx.rng.random() < 0.6 else None, min_age=20))
    issued = f.recent_date()
    office = ctx.rng.choice(("DREJTORIA VENDORE SHKODËR", "DREJTORIA VENDORE E KADASTRËS SHKODËR"))
    if ctx.layout == "standard":
        doc.header([state_line(ctx), "AGJENCIA SHTETËRORE E KADASTRËS", office])
    else:
        doc.header([state_line(ctx), "ASHK - Agjencia Shtetërore e Kadastrës", "Drejtoria Vendore Shkodër"],
                   emblem=False)
    doc.ref_line(*protocol(ctx, issued))
    doc.set_title(choose_title(ctx, "property_certificate"))
    parcel = _parcel(ctx)
    zone = str(ctx.rng.randrange(8500, 8600))
    kind = ctx.rng.choice(_KINDS)
    area = f"{ctx.rng.randrange(45, 900)},{ctx.rng.randrange(0, 10)} m²"
    location = f.address(rural=kind in ("Arë", "Truall") and ctx.rng.random() < 0.6)
    doc.key_fields.update(cadastral_zone=zone, property_number=parcel)
    doc.fields([
        fld("Zona kadastrale", f"{zone} (Shkodër)"),
        fld("Numri i pasurisë", parcel),
        fld("Volumi / Faqja", f"{ctx.rng.randrange(1, 80)} / {ctx.rng.randrange(1, 250)}"),
        fld("Lloji i pasurisë", kind),
        fld("Sipërfaqja", area),
        fld("Vendndodhja", location.written(ctx.rng.randrange(4)), "ADDRESS"),
        fld("Data e regjistrimit", date_text(ctx, f.date_between(issued.replace(year=1996), issued))),
    ])
    doc.heading("Pronarët" if len(owners) == 1 else "Bashkëpronarët")
    share = {1: "1/1", 2: "1/2", 3: "1/3"}[len(owners)]
    rows: list[list[Runs | str]] = [
        [str(i), [pii(o.first, "PERSON")], [pii(o.father, "PERSON")], [pii(o.last, "PERSON")],
         [pii(o.nid, "AL_PERSONAL_NUMBER")], share]
        for i, o in enumerate(owners, start=1)
    ]
    doc.table(["Nr", "Emri", "Atësia", "Mbiemri", "Nr. personal", "Pjesa"], rows, [3, 12, 11, 12, 13, 6])
    doc.heading("Barrët dhe kufizimet")
    if ctx.rng.random() < 0.7:
        doc.paragraph(runs("Nuk ka barrë siguri, hipotekë apo kufizim të regjistruar mbi këtë pasuri."))
    else:
        bank = ctx.rng.choice(BANKS)[1]
        since = date_text(ctx, f.date_between(issued.replace(year=2010), issued))
        doc.paragraph(runs(f"Hipotekë në favor të {bank}, sipas kontratës nr. {ctx.rng.randrange(100, 9999)} "
                           f"Rep., regjistruar më {since}."))
    doc.paragraph(runs("Kjo certifikatë lëshohet në bazë të të dhënave të regjistrit të pasurive të paluajtshme "
                       "dhe pasqyron gjendjen juridike të pasurisë në datën e lëshimit."), scale=0.9)
    registrar = f.person(min_age=30, max_age=64)
    stamp = ("AGJENCIA SHTETËRORE E KADASTRËS *", ["DV", "SHKODËR"])
    two_pages = ctx.rng.random() < 0.6
    doc.signatures([Signer("Regjistruesi", [name_run(registrar)], stamp=None if two_pages else stamp)])
    if two_pages:
        doc.new_page()
        doc.heading(ctx.rng.choice(("HARTË TREGUESE E PASURISË", "PLANI I PASURISË")), scale=1.15)
        neighbours = [_parcel(ctx) for _ in range(3)]
        _parcel_sketch(doc, parcel, neighbours)
        doc.fields([
            fld("Veri", f"pasuria nr. {neighbours[0]}"),
            fld("Jug", "rrugë automobilistike"),
            fld("Lindje", f"pasuria nr. {neighbours[1]}"),
            fld("Perëndim", f"pasuria nr. {neighbours[2]}"),
        ], mode="tab")
        doc.paragraph(runs(f"Shkalla 1:{ctx.rng.choice((500, 1000, 2500))}. Hartëzimi sipas sistemit "
                           "KRGJSH 2010."), scale=0.9)
        doc.signatures([Signer("Regjistruesi", [name_run(registrar)], stamp=stamp)])
    return doc


def _parcel_sketch(doc: Doc, parcel: str, neighbours: list[str]) -> None:
    """A cadastral sketch: the parcel outline, boundary lines to its neighbours, their numbers, a north
    arrow."""
    page = doc.page
    rng = doc.ctx.rng
    top = doc.y + page.mm(4)
    width = doc.right - doc.left
    height = page.mm(95)
    thin = max(1, page.dpi // 150)
    page.rect((doc.left, top, doc.right, top + height), width=thin)
    cx, cy = doc.left + width / 2, top + height / 2
    corners = []
    n = rng.randrange(4, 7)
    for k in range(n):
        angle = math.tau * k / n + rng.uniform(-0.25, 0.25)
        radius = page.mm(rng.uniform(24, 34))
        corners.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle) * 0.8))
    for x, y in corners:
        # Each corner's boundary runs on out to the frame, splitting the neighbours' plots.
        dx, dy = x - cx, y - cy
        scale = min((width / 2 - page.mm(1)) / max(abs(dx), 1), (height / 2 - page.mm(1)) / max(abs(dy), 1))
        page.draw.line([(x, y), (cx + dx * scale, cy + dy * scale)], fill=page.ink("grey"), width=thin)
    page.draw.polygon(corners, outline=page.ink(), width=max(2, page.dpi // 100))
    bold = page.font(doc.style.bold, doc.style.body_pt * 1.1)
    page.write(cx, cy - bold.size / 2, parcel, bold, align="center")
    small = page.font(doc.style.body, doc.style.body_pt * 0.8)
    for k, number in enumerate(neighbours):
        angle = math.tau * (k + 0.5) / n + math.pi / 2
        page.write(cx + math.cos(angle) * page.mm(55), cy + math.sin(angle) * page.mm(38), number, small,
                   align="center")
    arrow_x, arrow_y = doc.right - page.mm(10), top + page.mm(6)
    page.draw.line([(arrow_x, arrow_y + page.mm(12)), (arrow_x, arrow_y)], fill=page.ink(), width=thin * 2)
    page.draw.polygon([(arrow_x, arrow_y - page.mm(2)), (arrow_x - page.mm(1.5), arrow_y + page.mm(2)),
                       (arrow_x + page.mm(1.5), arrow_y + page.mm(2))], fill=page.ink())
    page.write(arrow_x, arrow_y + page.mm(13), "V", small, align="center")
    doc.y = top + height + page.mm(6)


_ARTICLES_SQ = (
    ("Neni 1 - Objekti i kontratës", "object"),
    ("Neni 2 - Afati i kontratës", "term"),
    ("Neni 3 - Çmimi dhe mënyra e pagesës", "price"),
    ("Neni 4 - Detyrimet e qiradhënësit", "Qiradhënësi detyrohet t'ia dorëzojë qiramarrësit sendin në gjendje "
     "të mirë për përdorim, ta mbajë atë në këtë gjendje gjatë gjithë kohëzgjatjes së kontratës dhe të kryejë "
     "riparimet e nevojshme që nuk janë për shkak të përdorimit të zakonshëm."),
    ("Neni 5 - Detyrimet e qiramarrësit", "Qiramarrësi detyrohet ta përdorë sendin me kujdes, sipas "
     "destinacionit të tij, të paguajë rregullisht qiranë, si dhe shpenzimet e energjisë elektrike, ujit dhe "
     "pastrimit. Qiramarrësi nuk mund ta japë sendin me nënqira pa pëlqimin me shkrim të qiradhënësit."),
    ("Neni 6 - Zgjidhja e kontratës", "Secila palë mund ta zgjidhë kontratën para afatit, duke njoftuar palën "
     "tjetër me shkrim të paktën 30 ditë përpara. Mospagimi i qirasë për dy muaj radhazi përbën shkak për "
     "zgjidhjen e menjëhershme të kontratës."),
    ("Neni 7 - Zgjidhja e mosmarrëveshjeve", "Mosmarrëveshjet që mund të lindin nga zbatimi i kësaj kontrate "
     "zgjidhen me mirëkuptim ndërmjet palëve, e në të kundërt nga Gjykata e Rrethit Gjyqësor Shkodër."),
    ("Neni 8 - Dispozita të fundit", "Kjo kontratë u lexua dhe u shpjegua palëve nga noteri, të cilat e "
     "pranuan dhe e nënshkruan para meje. Kontrata hartohet në tre kopje me fuqi të barabartë juridike."),
)
_ARTICLES_EN = (
    ("Article 1 - Subject matter", "object"),
    ("Article 2 - Term", "term"),
    ("Article 3 - Rent and payment", "price"),
    ("Article 4 - Obligations of the landlord", "The landlord shall hand over the premises in good condition, "
     "keep them fit for use during the whole term and carry out any repairs not caused by ordinary use."),
    ("Article 5 - Obligations of the tenant", "The tenant shall use the premises with care and for their "
     "intended purpose, pay the rent on time and bear the costs of electricity, water and cleaning. The tenant "
     "may not sublet the premises without the landlord's written consent."),
    ("Article 6 - Termination", "Either party may terminate this agreement early by giving the other party "
     "at least 30 days' written notice. Failure to pay the rent for two consecutive months is a ground for "
     "immediate termination."),
    ("Article 7 - Disputes", "Any dispute arising from this agreement shall be settled amicably, failing "
     "which it shall be brought before the District Court of Shkodër."),
    ("Article 8 - Final provisions", "This agreement is made in three copies of equal legal force, one for "
     "each party and one for the notary's records."),
)


def _party(ctx: DocContext, role: str, person: Person) -> list[Run]:
    if ctx.language == "eng":
        return runs(f"{role}: ", name_run(person), f", {'daughter' if person.female else 'son'} of ",
                    pii(person.father, "PERSON"), ", born on ", pii(birth_text(ctx, person), "DATE_OF_BIRTH"),
                    f" in {person.birthplace}, personal number ", pii(person.nid, "AL_PERSONAL_NUMBER"),
                    ", residing at ", address_run(ctx, person), ", phone ", pii(person.phone, "PHONE_NUMBER"),
                    ".")
    return runs(f"{role}: ", name_run(person), f", {he_she(person, 'i biri i', 'e bija e')} ",
                pii(person.father, "PERSON"), ", lindur më ", pii(birth_text(ctx, person), "DATE_OF_BIRTH"),
                f", në {person.birthplace}, me nr. personal ", pii(person.nid, "AL_PERSONAL_NUMBER"),
                f", {he_she(person, 'banues', 'banuese')} në ", address_run(ctx, person), ", tel. ",
                pii(person.phone, "PHONE_NUMBER"), ".")


def lease_or_use_contract(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    eng = ctx.language == "eng"
    landlord, tenant, notary = f.person(min_age=30), f.person(), f.person(min_age=35, max_age=68)
    day = f.recent_date(200)
    notarised = ctx.rng.random() < 0.75
    if notarised:
        office = f.address(city="Shkodër", rural=False)
        doc.header(["NOTARY OFFICE" if eng else "ZYRA NOTERIALE"],
                   [runs(pii(notary.full.upper(), "PERSON"), ", ", pii(office.written(2), "ADDRESS"),
                         ", tel. ", pii(f.mobile(), "PHONE_NUMBER"))], emblem=False)
        doc.ref_line(f"Nr. {ctx.rng.randrange(100, 9999)} Rep.", f"Nr. {ctx.rng.randrange(100, 9999)} Kol.")
    else:
        doc.space(10)
    doc.set_title(choose_title(ctx, "lease_or_use_contract"))
    if eng:
        opening = runs(f"Today, {date_text(ctx, day)}, in Shkodër, ")
        if notarised:
            opening += runs("before me, notary ", name_run(notary), ", ")
        opening += runs("the following parties appeared:")
        roles = ("LANDLORD", "TENANT")
    else:
        opening = runs(f"Sot, më {format_date_words_sq(day)}, në Shkodër, ")
        if notarised:
            opening += runs(f"para meje, {he_she(notary, 'noterit', 'noteres')} ", name_run(notary), ", ")
        opening += runs("u paraqitën palët:")
        roles = ("QIRADHËNËS", "QIRAMARRËS") if ctx.layout == "standard" else ("PALA E PARË", "PALA E DYTË")
    doc.paragraph(opening, indent_mm=8)
    doc.paragraph(_party(ctx, roles[0], landlord), indent_mm=4)
    doc.paragraph(_party(ctx, roles[1], tenant), indent_mm=4)
    doc.paragraph(runs("The parties, of their own free will, have agreed on the following terms:" if eng else
                       "Palët, me vullnetin e tyre të lirë, lidhën këtë kontratë me kushtet e mëposhtme:"),
                  indent_mm=8)
    kind = ctx.rng.choice(("apartment", "shop")) if eng else ctx.rng.choice(("apartamentin", "dyqanin"))
    area = ctx.rng.randrange(35, 140)
    rent = ctx.rng.choice((15000, 20000, 25000, 30000, 40000))
    months = ctx.rng.choice((6, 12, 24, 36))
    bank_code, bank = ctx.rng.choice(BANKS)
    iban = f.iban(bank_code)
    iban_text = stdnum_iban.format(iban) if ctx.rng.random() < 0.6 else iban
    rented = f.address(rural=False)
    for heading, body in (_ARTICLES_EN if eng else _ARTICLES_SQ):
        doc.heading(heading, scale=0.95)
        parts: list[Run]
        if body == "object":
            parts = (runs(f"The landlord lets to the tenant the {kind} of {area} m², property no. {_parcel(ctx)}, "
                          "located at ", pii(rented.written_en(), "ADDRESS"), ", owned by the landlord.")
                     if eng else
                     runs(f"Qiradhënësi i jep me qira qiramarrësit {kind} me sipërfaqe {area} m², me nr. pasurie "
                          f"{_parcel(ctx)}, ndodhur në ", pii(rented.written(ctx.rng.randrange(4)), "ADDRESS"),
                          ", pronë e qiradhënësit sipas certifikatës së pronësisë."))
        elif body == "term":
            parts = runs(f"This agreement is made for {months} months, starting on {date_text(ctx, day)}." if eng
                         else f"Kontrata lidhet për një afat prej {months} muajsh, duke filluar nga data "
                         f"{date_text(ctx, day)}, me të drejtë përtëritjeje me marrëveshje të palëve.")
        elif body == "price":
            parts = (runs(f"The monthly rent is {group_thousands(rent)} ALL, paid by the 5th of each month into "
                          "the landlord's account IBAN ", pii(iban_text, "IBAN_CODE"), f" at {bank}.")
                     if eng else
                     runs(f"Qiraja mujore është {group_thousands(rent)} lekë dhe paguhet deri më datë 5 të çdo "
                          "muaji në llogarinë e qiradhënësit IBAN ", pii(iban_text, "IBAN_CODE"),
                          f", pranë {bank}."))
        elif heading.endswith(("Dispozita të fundit", "Final provisions")) and not notarised:
            parts = runs("This agreement is made in two copies, one for each party, and enters into force on the "
                         "day it is signed." if eng else "Kjo kontratë hartohet në dy kopje, një për secilën palë, "
                         "dhe hyn në fuqi në datën e nënshkrimit.")
        else:
            parts = runs(body)
        doc.paragraph(parts, scale=0.95)
    signers = [Signer("LANDLORD" if eng else roles[0], [name_run(landlord)]),
               Signer("TENANT" if eng else roles[1], [name_run(tenant)])]
    if notarised:
        signers.append(Signer("NOTARY" if eng else f"NOTER{'JA' if notary.female else 'I'}", [name_run(notary)],
                              stamp=("REPUBLIKA E SHQIPËRISË * NOTER *", ["SHKODËR"])))
    doc.space(4)
    doc.signatures(signers)
    return doc
