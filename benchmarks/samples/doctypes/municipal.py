"""Documents of the municipality itself: the application form filled in by hand, the local tax clearance."""

from __future__ import annotations

from benchmarks.samples import graphics
from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import (
    address_run,
    birth_text,
    choose_title,
    date_text,
    municipality_contact,
    municipality_stamp,
    name_run,
    protocol,
    state_line,
)
from benchmarks.samples.fakes import group_thousands
from benchmarks.samples.layout import Doc, DocContext, Signer, fld

_SERVICES = (
    "Programi i strehimit social (bonus qiraje)",
    "Regjistrimi i pasurisë bujqësore",
    "Leje për zënie të hapësirës publike",
    "Ndihmë ekonomike për familjet në nevojë",
    "Leje për transport qytetar (taksi)",
    "Pajisje me vërtetim banimi",
)
_ATTACHMENTS = (
    "Fotokopje e kartës së identitetit",
    "Çertifikatë familjare",
    "Vërtetim banimi",
    "Certifikatë pronësie",
    "Mandat pagese i tarifës",
    "Kontratë qiraje e noterizuar",
    "Vërtetim për shlyerjen e detyrimeve vendore",
    "Raport mjekësor",
    "Vetëdeklarim",
)


def _checklist(doc: Doc, entries: list[tuple[str, bool]]) -> None:
    page = doc.page
    font = doc.font("body", 0.95)
    size = page.mm(3.5)
    height = page.line_height(font, 1.5)
    for text, checked in entries:
        doc.ensure(height)
        page = doc.page
        graphics.checkbox(page, doc.left + page.mm(3), doc.y + font.size * 0.15, size, checked)
        page.line(doc.y, [(doc.left + page.mm(10), runs(text), font, page.ink())])
        doc.y += height
    doc.y += page.mm(2)


def application_form(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    person = ctx.fakes.person()
    day = ctx.fakes.recent_date(30)
    doc.header([state_line(ctx), "BASHKIA SHKODËR", "ZYRA ME NJË NDALESË"], municipality_contact(ctx),
               emblem=ctx.rng.random() < 0.7)
    doc.set_title(choose_title(ctx, "application_form"),
                  subtitle=ctx.rng.choice((None, "Drejtuar: Bashkisë Shkodër", "(plotësohet nga aplikanti)")))
    doc.heading(ctx.rng.choice(("1. Të dhënat e aplikantit", "TË DHËNAT E KËRKUESIT")))
    entries = [
        fld("Emri", person.first, "PERSON"),
        fld("Mbiemri", person.last, "PERSON"),
        fld("Atësia", person.father, "PERSON"),
        fld("Datëlindja", birth_text(ctx, person), "DATE_OF_BIRTH"),
        fld("Nr. personal", person.nid, "AL_PERSONAL_NUMBER"),
        fld("Adresa", [address_run(ctx, person)]),
        fld("Nr. telefoni", person.phone, "PHONE_NUMBER"),
    ]
    if ctx.rng.random() < 0.7:
        entries.append(fld("E-mail", person.email, "EMAIL_ADDRESS"))
    doc.fields(entries, mode="dotted" if ctx.layout == "standard" else None)
    doc.key_fields.update(applicant_name=f"{person.first} {person.last}", personal_number=person.nid,
                          date_of_birth=person.birth.isoformat())
    doc.heading(ctx.rng.choice(("2. Shërbimi që kërkohet", "SHËRBIMI I KËRKUAR")))
    services = ctx.rng.sample(_SERVICES, 3)
    _checklist(doc, [(s, i == 0) for i, s in enumerate(services)])
    doc.heading(ctx.rng.choice(("3. Dokumentet bashkëlidhur", "DOKUMENTET QË DORËZOHEN")))
    attached = ctx.rng.sample(_ATTACHMENTS, ctx.rng.randrange(3, 7))
    _checklist(doc, [(a, ctx.rng.random() < 0.8) for a in attached])
    doc.paragraph(runs("Deklaroj se të dhënat e mësipërme janë të vërteta dhe jap pëlqimin për përpunimin e të "
                       "dhënave personale për qëllim të shqyrtimit të kësaj kërkese."), scale=0.9)
    doc.signatures([Signer("Aplikanti", [name_run(person)])], date_line=runs(f"Data: {date_text(ctx, day)}"))
    return doc


_TAXES = ("Taksa e ndërtesës", "Tarifa e pastrimit", "Tarifa e ndriçimit", "Tarifa e gjelbërimit",
          "Taksa e tokës bujqësore", "Tarifa e ujësjellësit")
_TAXES_EN = ("Building tax", "Cleaning fee", "Street lighting fee", "Green areas fee", "Agricultural land tax",
             "Water supply fee")


def local_tax_clearance(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    person = f.person(min_age=25)
    issued = f.recent_date()
    eng = ctx.language == "eng"
    if eng:
        doc.header([state_line(ctx), "MUNICIPALITY OF SHKODËR", "DIRECTORATE OF LOCAL TAXES AND FEES"])
    else:
        doc.header([state_line(ctx), "BASHKIA SHKODËR",
                    ctx.rng.choice(("DREJTORIA E TAKSAVE DHE TARIFAVE VENDORE", "DREJTORIA E TË ARDHURAVE VENDORE"))],
                   municipality_contact(ctx))
    doc.ref_line(*protocol(ctx, issued))
    doc.set_title(choose_title(ctx, "local_tax_clearance"))
    until = date_text(ctx, issued)
    business = ctx.rng.random() < 0.3
    subject: list[Run]
    if business:
        company = f.company()
        subject = runs(company.name, ", NIPT " if not eng else ", NUIS ", pii(company.nipt, "AL_NIPT"),
                       ", represented by " if eng else ", përfaqësuar nga administratori ",
                       name_run(company.administrator), ", with seat at " if eng else ", me seli në ",
                       pii(company.address.written(1), "ADDRESS"))
    else:
        subject = runs("" if eng else "familja e shtetasit ", name_run(person),
                       ", personal number " if eng else ", me nr. personal ", pii(person.nid, "AL_PERSONAL_NUMBER"),
                       ", residing at " if eng else ", me adresë ", address_run(ctx, person))
    if eng:
        doc.paragraph(runs("The Directorate of Local Taxes and Fees certifies that ", *subject,
                           f", has paid all local taxes and fees due to the Municipality of Shkodër up to {until}."),
                      indent_mm=8)
    else:
        doc.paragraph(runs("Drejtoria vërteton se ", *subject, ", ka shlyer të gjitha detyrimet për taksat dhe "
                           f"tarifat vendore ndaj Bashkisë Shkodër deri më {until}."), indent_mm=8)
    names = _TAXES_EN if eng else _TAXES
    rows: list[list[Runs | str]] = []
    for year in range(2025 - ctx.rng.randrange(1, 4), 2026):
        for k in sorted(ctx.rng.sample(range(len(names) - 2), 3)):
            due = ctx.rng.choice((600, 1200, 1800, 2400, 3600, 4800, 7200))
            rows.append([str(year), names[k], group_thousands(due), group_thousands(due), "0"])
    headers = (["Year", "Tax or fee", "Due (ALL)", "Paid (ALL)", "Balance"] if eng else
               ["Viti", "Lloji i detyrimit", "Detyrimi (lekë)", "Paguar (lekë)", "Mbetur"])
    doc.table(headers, rows, [2, 6, 3, 3, 2], scale=0.85)
    doc.paragraph(runs("This certificate is valid for 30 days from the date of issue." if eng else
                       "Ky vërtetim është i vlefshëm 30 ditë nga data e lëshimit."), indent_mm=8)
    officer = f.person(min_age=30, max_age=64)
    director = f.person(min_age=35, max_age=64)
    doc.signatures([
        Signer("Specialist" if eng else "Specialisti", [name_run(officer)]),
        Signer("Director" if eng else "DREJTORI", [name_run(director)], stamp=municipality_stamp()),
    ])
    return doc
