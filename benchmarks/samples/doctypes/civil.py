"""Civil-status and municipal certificates about a person: family certificate, residence certificate,
self-declaration, certificate of economic aid."""

from __future__ import annotations

from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import (
    address_run,
    birth_text,
    choose_title,
    date_text,
    he_she,
    municipality_contact,
    municipality_stamp,
    name_run,
    protocol,
    state_line,
)
from benchmarks.samples.fakes import Person, group_thousands
from benchmarks.samples.layout import Doc, DocContext, Signer, fld

_ADMIN_UNITS = ("Nr. 1", "Nr. 2", "Nr. 3", "Nr. 4", "Nr. 5", "Postribë", "Rrethinat", "Velipojë", "Bërdicë")
_PURPOSES = ("Zyrës me Një Ndalesë, Bashkia Shkodër", "Drejtorisë së Strehimit Social",
             "Drejtorisë së Shërbimeve Sociale", "Agjencisë Shtetërore të Kadastrës", "institucioneve shtetërore")


def _civil_header(ctx: DocContext) -> list[str]:
    if ctx.language == "eng":
        return [state_line(ctx), "MINISTRY OF INTERIOR", "GENERAL DIRECTORATE OF CIVIL STATUS",
                "Civil Status Office Shkodër"]
    office = ctx.rng.choice(("ZYRA E GJENDJES CIVILE SHKODËR", "Zyra e Gjendjes Civile, Bashkia Shkodër"))
    return [state_line(ctx), "MINISTRIA E BRENDSHME", "DREJTORIA E PËRGJITHSHME E GJENDJES CIVILE", office]


def _family(ctx: DocContext) -> list[tuple[Person, str, str, str]]:
    """Household members with their relation to the head and their father's and mother's first names."""
    f = ctx.fakes
    head = f.person(min_age=32, max_age=78, female=ctx.rng.random() < 0.25)
    members = [(head, he_she(head, "Kryefamiljar", "Kryefamiljare"), head.father, head.mother)]
    age = 2025 - head.birth.year
    father, mother = (head.first, f.first_name(True)) if not head.female else (f.first_name(False), head.first)
    if ctx.rng.random() < 0.85:
        spouse_surname = head.last if ctx.rng.random() < 0.7 else None
        spouse = f.person(female=not head.female, surname=spouse_surname, min_age=max(20, age - 8),
                          max_age=age + 4, address=head.address)
        members.append((spouse, he_she(spouse, "Bashkëshort", "Bashkëshorte"), spouse.father, spouse.mother))
        father, mother = (head.first, spouse.first) if not head.female else (spouse.first, head.first)
    for _ in range(ctx.rng.randrange(0, 4) if age > 24 else 0):
        child = f.person(surname=head.last, min_age=0, max_age=min(age - 20, 30), address=head.address)
        members.append((child, he_she(child, "Djalë", "Vajzë"), father, mother))
    if ctx.rng.random() < 0.15 and age < 55:
        parent = f.person(surname=head.last, min_age=age + 20, max_age=age + 32, address=head.address)
        members.append((parent, he_she(parent, "Baba", "Nënë"), parent.father, parent.mother))
    return members


def family_certificate(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    members = _family(ctx)
    head = members[0][0]
    issued = ctx.fakes.recent_date()
    doc.header(_civil_header(ctx))
    doc.ref_line(*protocol(ctx, issued))
    doc.set_title(choose_title(ctx, "family_certificate"))
    unit = ctx.rng.choice(_ADMIN_UNITS)
    doc.fields([
        fld("Qarku", "Shkodër"),
        fld("Bashkia", "Shkodër"),
        fld("Njësia Administrative", unit),
        fld("Adresa", [address_run(ctx, head)]),
        fld("Nr. i familjes", str(ctx.rng.randrange(10, 4000))),
        fld("Kryefamiljari", [name_run(head)]),
    ])
    doc.paragraph(runs("Sipas të dhënave të Regjistrit Kombëtar të Gjendjes Civile, familja përbëhet nga "
                       "anëtarët e mëposhtëm:"), justify=False)
    rows: list[list[Runs | str]] = []
    for i, (person, relation, father, mother) in enumerate(members, start=1):
        rows.append([
            str(i),
            [pii(person.first, "PERSON")],
            [pii(person.last, "PERSON")],
            [pii(father, "PERSON")],
            [pii(mother, "PERSON")],
            [pii(date_text(ctx, person.birth), "DATE_OF_BIRTH")],
            relation,
            [pii(person.nid, "AL_PERSONAL_NUMBER")],
        ])
    if ctx.layout == "standard":
        doc.table(["Nr", "Emri", "Mbiemri", "Atësia", "Amësia", "Datëlindja", "Lidhja", "Nr. personal"], rows,
                  [4, 13, 13, 11, 11, 13, 14, 15], scale=0.8)
    else:
        order = [0, 7, 2, 1, 3, 4, 5, 6]
        headers = ["Nr", "NID", "Mbiemër", "Emër", "Atësi", "Amësi", "Dt. lindjes", "Lidhja me kryefamiljarin"]
        doc.table(headers, [[row[k] for k in order] for row in rows], [4, 15, 13, 12, 10, 10, 13, 17],
                  scale=0.78, header_shade=False)
    purpose = ctx.rng.choice(_PURPOSES)
    doc.paragraph(runs(f"Kjo çertifikatë lëshohet me kërkesë të të interesuarit për t'u paraqitur pranë "
                       f"{purpose}."), scale=0.95)
    if ctx.rng.random() < 0.5:
        code = "".join(ctx.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
        doc.qr(f"https://e-albania.al/eAlbaniaServices/VerifyDocument.aspx?code={code}",
               f"Dokument i gjeneruar elektronikisht nga portali e-Albania, i nënshkruar me vulë elektronike. "
               f"Kodi i verifikimit: {code}")
    else:
        official = ctx.fakes.person(min_age=28, max_age=64)
        doc.signatures([Signer("Nëpunësi i Gjendjes Civile", [name_run(official)],
                               stamp=("REPUBLIKA E SHQIPËRISË * ZYRA E GJENDJES CIVILE *", ["SHKODËR"]))])
    return doc


def _unit_header(ctx: DocContext, unit: str) -> list[str]:
    if ctx.language == "eng":
        return [state_line(ctx), "MUNICIPALITY OF SHKODËR", f"ADMINISTRATIVE UNIT {unit.upper()}"]
    return [state_line(ctx), "BASHKIA SHKODËR", f"NJËSIA ADMINISTRATIVE {unit.upper()}"]


def residence_certificate(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    person = ctx.fakes.person()
    unit = person.address.unit or ctx.rng.choice(_ADMIN_UNITS[:5])
    issued = ctx.fakes.recent_date()
    doc.header(_unit_header(ctx, unit), municipality_contact(ctx))
    doc.ref_line(*protocol(ctx, issued))
    doc.set_title(choose_title(ctx, "residence_certificate"))
    since = ctx.rng.randrange(max(person.birth.year, 1995), 2024)
    if ctx.language == "eng":
        title = "Ms." if person.female else "Mr."
        doc.paragraph(runs(
            f"The Administrative Unit {unit} of the Municipality of Shkodër certifies that {title} ",
            name_run(person), f", {'daughter' if person.female else 'son'} of ", pii(person.father, "PERSON"),
            ", born on ", pii(birth_text(ctx, person), "DATE_OF_BIRTH"), ", personal number ",
            pii(person.nid, "AL_PERSONAL_NUMBER"), ", has been a resident at the address ",
            address_run(ctx, person), f" since {since}."), indent_mm=8)
        doc.paragraph(runs("This certificate is issued at the request of the person concerned, to be submitted "
                           "to the municipal one-stop shop."), indent_mm=8)
        doc.signatures([Signer("Administrator", [name_run(ctx.fakes.person(min_age=30, max_age=64))],
                               stamp=municipality_stamp())], date_line=None)
        return doc
    citizen = he_she(person, "shtetasi", "shtetasja")
    child = he_she(person, "i biri i", "e bija e")
    if ctx.layout == "standard":
        doc.paragraph(runs(
            f"Njësia Administrative {unit}, pranë Bashkisë Shkodër, vërteton se {citizen} ", name_run(person),
            f", {child} ", pii(person.father, "PERSON"), f", {he_she(person, 'i', 'e')} datëlindjes ",
            pii(birth_text(ctx, person), "DATE_OF_BIRTH"), ", me nr. personal ",
            pii(person.nid, "AL_PERSONAL_NUMBER"), ", banon në adresën: ", address_run(ctx, person), "."),
            indent_mm=8)
        doc.paragraph(runs(f"Sipas regjistrit të gjendjes civile, {citizen} ka vendbanim në këtë adresë që "
                           f"prej vitit {since}."), indent_mm=8)
    else:
        doc.paragraph(runs(f"Vërtetohet se {citizen} me të dhënat e mëposhtme është "
                           f"{he_she(person, 'banor i', 'banore e')} kësaj njësie:"))
        doc.fields([
            fld("Emri, Mbiemri", [name_run(person)]),
            fld("Atësia", person.father, "PERSON"),
            fld("Datëlindja", birth_text(ctx, person), "DATE_OF_BIRTH"),
            fld("Nr. personal", person.nid, "AL_PERSONAL_NUMBER"),
            fld("Adresa e banimit", [address_run(ctx, person)]),
            fld("Banor që prej", str(since)),
        ])
    doc.paragraph(runs(f"Ky vërtetim lëshohet me kërkesë të të {he_she(person, 'interesuarit', 'interesuarës')} "
                       f"për t'iu paraqitur {ctx.rng.choice(_PURPOSES)}."), indent_mm=8)
    doc.space(6)
    doc.signatures([Signer("ADMINISTRATORI I NJËSISË", [name_run(ctx.fakes.person(min_age=30, max_age=64))],
                           stamp=municipality_stamp())])
    return doc


_DECLARATIONS = (
    "Nuk jam i dënuar penalisht me vendim gjykate të formës së prerë.",
    "Nuk kam në pronësi banesë apo truall në territorin e Republikës së Shqipërisë.",
    "Të ardhurat mujore të familjes sime nuk e kalojnë nivelin e përcaktuar nga Këshilli Bashkiak.",
    "Nuk përfitoj nga asnjë program tjetër strehimi apo ndihme nga shteti.",
    "Familja ime nuk ka në pronësi automjet me vlerë mbi 1 000 000 lekë.",
    "Të dhënat dhe dokumentet që kam paraqitur janë të vërteta dhe të plota.",
    "Nuk kam detyrime të papaguara ndaj Bashkisë Shkodër.",
)


def self_declaration(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    person = ctx.fakes.person()
    day = ctx.fakes.recent_date(60)
    if ctx.rng.random() < 0.5:
        doc.header([state_line(ctx), "BASHKIA SHKODËR"], emblem=ctx.rng.random() < 0.5)
    else:
        doc.space(15)
    title = choose_title(ctx, "self_declaration")
    doc.set_title(title, subtitle=ctx.rng.choice((None, "(sipas nenit 5 të ligjit nr. 22/2018)",
                                                  "(plotësohet nga kërkuesi)")))
    undersigned = he_she(person, "i nënshkruari", "e nënshkruara")
    born = he_she(person, "i lindur", "e lindur")
    resident = he_she(person, "banues", "banuese")
    parts: list[Run] = runs(f"Unë {undersigned} ", name_run(person), f", {born} më ",
                            pii(birth_text(ctx, person), "DATE_OF_BIRTH"), f" në {person.birthplace}, me numër "
                            "personal ", pii(person.nid, "AL_PERSONAL_NUMBER"), f", {resident} në ",
                            address_run(ctx, person))
    if ctx.rng.random() < 0.6:
        parts += runs(", tel. ", pii(person.phone, "PHONE_NUMBER"))
    parts += runs(", deklaroj nën përgjegjësinë time personale se:")
    doc.paragraph(parts, indent_mm=8)
    chosen = ctx.rng.sample(_DECLARATIONS, ctx.rng.randrange(3, 6))
    members = ctx.rng.randrange(1, 7)
    chosen.insert(1, f"Familja ime përbëhet nga {members} anëtarë, të cilët banojnë në të njëjtën adresë.")
    if person.female:
        chosen = [c.replace("i dënuar", "e dënuar") for c in chosen]
    doc.items([runs(c) for c in chosen])
    doc.paragraph(runs("Jam në dijeni se deklarimi i rremë përbën vepër penale sipas nenit 190 të Kodit Penal "
                       "dhe se institucioni ka të drejtë të verifikojë të dhënat e deklaruara."), indent_mm=8)
    doc.space(4)
    doc.signatures([Signer("Deklaruesi" if not person.female else "Deklaruesja", [name_run(person)])],
                   date_line=runs(f"Shkodër, më {date_text(ctx, day)}"))
    return doc


def social_assistance_certificate(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    person = ctx.fakes.person(min_age=25, max_age=80)
    issued = ctx.fakes.recent_date()
    doc.header([state_line(ctx), "BASHKIA SHKODËR", "DREJTORIA E SHËRBIMEVE SOCIALE",
                "Sektori i Ndihmës Ekonomike"], municipality_contact(ctx))
    doc.ref_line(*protocol(ctx, issued))
    doc.set_title(choose_title(ctx, "social_assistance_certificate"))
    receives = ctx.rng.random() < 0.7
    amount = ctx.rng.choice((3000, 4500, 6000, 7800, 9000))
    members = ctx.rng.randrange(1, 7)
    parts = runs("Drejtoria e Shërbimeve Sociale vërteton se familja e ", he_she(person, "shtetasit ", "shtetases "),
                 name_run(person), ", me nr. personal ", pii(person.nid, "AL_PERSONAL_NUMBER"),
                 ", me banim në ", address_run(ctx, person), f", me {members} anëtarë, ")
    if receives:
        parts += runs(f"është përfituese e ndihmës ekonomike me masë mujore {group_thousands(amount)} lekë, "
                      f"sipas vendimit të Këshillit Bashkiak.")
    else:
        parts += runs("nuk është përfituese e ndihmës ekonomike dhe nuk ka aplikuar për këtë skemë gjatë "
                      "vitit të fundit.")
    doc.paragraph(parts, indent_mm=8)
    if receives:
        months = ("Maj", "Qershor", "Korrik", "Gusht", "Shtator", "Tetor")
        statuses = ("Paguar",) * 5 + ("Pezulluar",)
        rows: list[list[Runs | str]] = [[m + " 2025", group_thousands(amount), ctx.rng.choice(statuses)]
                                        for m in months[-ctx.rng.randrange(3, 7):]]
        doc.table(["Muaji", "Masa (lekë)", "Statusi"], rows, [4, 3, 3])
    doc.paragraph(runs("Vërtetimi lëshohet për t'u përdorur pranë Zyrës me Një Ndalesë."), indent_mm=8)
    doc.signatures([Signer("Përgjegjësi i Sektorit", [name_run(ctx.fakes.person(min_age=30, max_age=64))],
                           stamp=municipality_stamp())])
    return doc
