"""Medical documents: a hospital report, discharge summary (epikrizë) or referral to the disability
commission (KEMP), in Albanian or English."""

from __future__ import annotations

from datetime import timedelta

from benchmarks.samples.canvas import Run, Runs, pii, runs
from benchmarks.samples.doctypes.common import (
    address_run,
    birth_text,
    choose_title,
    date_text,
    name_run,
    state_line,
)
from benchmarks.samples.layout import Doc, DocContext, Signer, fld

_CASES = (
    ("Hipertension arterial esencial (I10)", "Essential arterial hypertension (I10)", "Kardiologjisë",
     "Cardiology"),
    ("Diabet mellitus tip 2 me komplikacione (E11.7)", "Type 2 diabetes mellitus with complications (E11.7)",
     "Endokrinologjisë", "Endocrinology"),
    ("Insuficiencë kardiake kronike (I50.0)", "Chronic heart failure (I50.0)", "Kardiologjisë", "Cardiology"),
    ("Sëmundje pulmonare obstruktive kronike (J44.1)", "Chronic obstructive pulmonary disease (J44.1)",
     "Pneumologjisë", "Pulmonology"),
    ("Sekuela të insultit cerebral (I69.4)", "Sequelae of stroke (I69.4)", "Neurologjisë", "Neurology"),
    ("Gonartrozë bilaterale (M17.0)", "Bilateral primary gonarthrosis (M17.0)", "Ortopedisë", "Orthopaedics"),
    ("Paralizë cerebrale spastike (G80.0)", "Spastic cerebral palsy (G80.0)", "Neurologjisë", "Neurology"),
)
_HOSPITALS = (
    ("SPITALI RAJONAL SHKODËR", "SHKODËR REGIONAL HOSPITAL"),
    ("QENDRA SPITALORE UNIVERSITARE \"NËNË TEREZA\"", "\"MOTHER TERESA\" UNIVERSITY HOSPITAL CENTRE"),
    ("QENDRA SHËNDETËSORE NR. 2 SHKODËR", "HEALTH CENTRE NO. 2 SHKODËR"),
)
_LABS = (("Glicemia", "mg/dl", 70, 110, 65, 240), ("Kreatinina", "mg/dl", 0.6, 1.2, 0.5, 2.4),
         ("Hemoglobina", "g/dl", 12.0, 16.0, 9.0, 17.0), ("Kolesteroli total", "mg/dl", 120, 200, 130, 310),
         ("Tensioni arterial", "mmHg", 0, 0, 0, 0))


def medical_documents(ctx: DocContext) -> Doc:
    doc = Doc(ctx)
    f = ctx.fakes
    eng = ctx.language == "eng"
    patient = f.person(min_age=5, max_age=88)
    case = ctx.rng.choice(_CASES)
    hospital = ctx.rng.choice(_HOSPITALS)
    discharged = f.recent_date(90)
    admitted = discharged - timedelta(days=ctx.rng.randrange(2, 15))
    if eng:
        doc.header([state_line(ctx), "MINISTRY OF HEALTH AND SOCIAL PROTECTION", hospital[1],
                    f"Department of {case[3]}"])
    else:
        doc.header([state_line(ctx), "MINISTRIA E SHËNDETËSISË DHE MBROJTJES SOCIALE", hospital[0],
                    f"Shërbimi i {case[2]}"], emblem=ctx.layout == "standard")
    record = f"{ctx.rng.randrange(100, 9999)}/{discharged.year}"
    doc.ref_line(f"Record no. {record}" if eng else f"Nr. kartele {record}",
                 date_text(ctx, discharged) if eng else f"Data: {date_text(ctx, discharged)}")
    doc.set_title(choose_title(ctx, "medical_documents"))
    if eng:
        entries = [fld("Patient", [name_run(patient)]),
                   fld("Date of birth", birth_text(ctx, patient), "DATE_OF_BIRTH"),
                   fld("Personal No.", patient.nid, "AL_PERSONAL_NUMBER"),
                   fld("Address", [address_run(ctx, patient)]),
                   fld("Admitted", date_text(ctx, admitted)), fld("Discharged", date_text(ctx, discharged))]
    else:
        separate = ctx.rng.random() < 0.5
        entries = ([fld("Emri", patient.first, "PERSON"), fld("Mbiemri", patient.last, "PERSON")] if separate
                   else [fld("Pacienti", [name_run(patient)])])
        entries += [fld("Datëlindja", birth_text(ctx, patient), "DATE_OF_BIRTH"),
                    fld("Nr. personal", patient.nid, "AL_PERSONAL_NUMBER"),
                    fld("Adresa", [address_run(ctx, patient)]),
                    fld("Data e shtrimit", date_text(ctx, admitted)),
                    fld("Data e daljes", date_text(ctx, discharged))]
        if ctx.rng.random() < 0.4:
            entries.insert(4, fld("Tel.", patient.phone, "PHONE_NUMBER"))
    doc.fields(entries)
    sections: list[tuple[str, Runs]]
    if eng:
        sections = [
            ("Diagnosis", runs(case[1])),
            ("History", runs("The patient was admitted with worsening symptoms over the previous weeks, fatigue "
                             "and reduced exercise tolerance. Known to our service for several years.")),
            ("Treatment", runs("Medical therapy was adjusted, with monitoring of vital signs and laboratory "
                               "values. The patient's condition improved during the stay.")),
            ("Recommendations", runs("Continue the prescribed therapy, follow-up with the family doctor in 30 days, "
                                     "low-salt diet, avoid heavy physical effort. Reassessment in six months.")),
        ]
    else:
        sections = [
            ("Diagnoza", runs(case[0])),
            ("Anamneza", runs("Pacienti paraqitet me përkeqësim të simptomave gjatë javëve të fundit, lodhje "
                              "dhe ulje të tolerancës ndaj sforcimit. I njohur për shërbimin tonë prej disa "
                              "vitesh.")),
            ("Ekzaminimet", runs("Ekzaminimi objektiv dhe analizat laboratorike si më poshtë:")),
            ("Trajtimi", runs("U bë korrigjimi i terapisë medikamentoze, me monitorim të shenjave vitale dhe të "
                              "parametrave laboratorikë. Gjendja e pacientit u përmirësua gjatë shtrimit.")),
            ("Rekomandime", runs("Vazhdim i terapisë së përshkruar, kontroll te mjeku i familjes pas 30 ditësh, "
                                 "dietë me pak kripë, shmangie e sforcimit fizik. Rivlerësim pas gjashtë muajsh.")),
        ]
    for heading, body in sections:
        doc.heading(heading + ":", scale=0.95)
        doc.paragraph(body, scale=0.95)
        if heading == "Ekzaminimet":
            rows: list[list[Runs | str]] = []
            for name, unit, low, high, lo, hi in ctx.rng.sample(_LABS, 3):
                if unit == "mmHg":
                    rows.append([name, f"{ctx.rng.randrange(110, 180)}/{ctx.rng.randrange(65, 105)} {unit}",
                                 "120/80"])
                else:
                    result = ctx.rng.uniform(lo, hi)
                    rows.append([name, f"{result:.1f} {unit}", f"{low} - {high}"])
            doc.table(["Ekzaminimi", "Rezultati", "Norma"], rows, [5, 4, 4])
    if not eng and "KEMP" in doc.title.upper():
        doc.paragraph(runs("Pacienti drejtohet për vlerësim pranë Komisionit Mjekësor të Caktimit të Aftësisë "
                           "për Punë (KEMP), për caktimin e statusit të invaliditetit."), kind="bold")
    doctor = f.person(min_age=30, max_age=66)
    chief = f.person(min_age=40, max_age=68)
    stamp = (f"{hospital[0]} *", ["SHKODËR"])
    doc.signatures([
        Signer("Attending physician" if eng else "Mjeku kurues", [Run("Dr. "), name_run(doctor)]),
        Signer("Head of department" if eng else "Shefi i shërbimit", [Run("Dr. "), pii(chief.full, "PERSON")],
               stamp=stamp),
    ])
    return doc
