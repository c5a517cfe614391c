"""Build the product's catalog data (``pipeline/data/*.yaml``) from the shared reference material.

The reference (``municipal_services.yaml``, ``document_types.yaml``) records what municipal pages say, in
its own layout. This module turns it into the catalog's layout: every service and document type, the
required-document lists parsed into ``plain`` / ``one_of`` / ``conditional`` entries with their form, and
the key phrases the rule classifier looks for on a document. It is a pure data transformation; the output
is committed, and a test checks that regenerating it gives the same data.

Run ``python -m pipeline.catalog_import <reference_dir> [<out_dir>]`` after changing this module or the
reference.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.catalog import DATA_DIR
from pipeline.errors import CatalogError

UNCLASSIFIED = "unclassified"
"""The reference's type for an item it could not type (mostly items cut off on the page)."""

_FOLD = str.maketrans("ëËçÇ", "eEcC")

# Condition phrases as written on the source pages (diacritics folded, lower case) and the fact that
# decides them. ``not:<fact>`` applies when the fact is false, so one fact (``legal_person``) decides both
# the legal-person and the natural-person entries. New wording on a page needs a row here.
CONDITION_PHRASES: tuple[tuple[str, str], ...] = (
    (r"per persona(t)? juridik|personat juridik|sub\.?\s*juridik|legal persons?", "legal_person"),
    (r"per persona(t)? fizik", "not:legal_person"),
    (r"per familjet e reja", "new_family"),
    (r"per personat e divorcuar|eshte i divorcuar", "divorced"),
    (r"per nxenesit apo studentet", "student_in_family"),
    (r"kur personi komisionohet per here te pare", "first_commission"),
    (r"sa here rikomisionohet", "recommission"),
    (r"nen moshen 16", "under_16"),
    (r"mbi moshen 16", "not:under_16"),
    (r"per rinovim licence", "licence_renewal"),
    (r"nese eshte me qira", "location_rented"),
    (r"kur mjeti nuk eshte ne pronesi", "vehicle_not_owned"),
    (r"per mjetet me kapacitet mbi 3[.,]5 ton", "vehicle_over_3_5_t"),
    (r"vetem ne rast se nuk ke deklaruar", "residence_never_declared"),
    (r"per zonat ku r+egjistrimi i pronesise nuk ka perfunduar", "land_registration_unfinished"),
    (r"\(nese kane\)", "holds_land_act"),
    (r"ne rastet kur ka me tepe?r me azhornim", "survey_mismatch"),
    (r"ne qofte se ka ndryshim emri", "name_changed"),
    (r"kur paraqiten raste te tilla", "land_separate_from_household"),
    (r"per vellezerit dhe motrat", "siblings_in_school"),
    (r"kane humbur kujdestarine prinderore", "lost_parental_care"),
    (r"viktima te trafikut", "trafficking_victim"),
    (r"per studentet me aftesi te kufizuara", "student_with_disability"),
    (r"per objektet me vlere kulturore", "cultural_heritage_site"),
    (r"per njesite administrative", "administrative_unit"),
    (r"nese aplikuesi nuk eshte", "applicant_condition_cut_off"),
)

# Entries whose reference typing names two facets of ONE document: "Vërtetim si banor ..., firmoset në
# kadastër" is a residence certificate signed by the cadastre office about land, so either reading of the
# one paper satisfies it; and Tirana's "Kontratë qeraje ose dokument i pronësisë (bashkëlidhur kartelë,
# planimetri ...)" asks for a lease OR an ownership document, the plans being attachments of the latter.
ENTRY_OVERRIDES: Mapping[tuple[str, int], Mapping[str, Any]] = {
    ("shk_ndihme_ekonomike_familje_qytetare", 3): {"kind": "one_of"},
    ("shk_familje_kujdestare", 1): {"kind": "one_of"},
    ("drp_ndihme_ekonomike", 5): {"kind": "one_of"},
    ("tr_regjistrim_taksa_vendore", 3): {
        "kind": "one_of",
        "document_types": ["lease_or_use_contract", "property_certificate"],
    },
}

_INSTITUTIONS: Mapping[str, str] = {
    "Gjilan (Kosovo)": "Komuna e Gjilanit",
    "Prishtinë (Kosovo)": "Komuna e Prishtinës",
    "Gjakovë (Kosovo)": "Komuna e Gjakovës",
    "Tiranë (DPTTV)": "Bashkia Tiranë",
    "Lezhë (old website)": "Bashkia Lezhë",
}
_GENERIC_MUNICIPALITY = "generic"

STATE_LETTERHEAD = ("Republika e Shqipërisë", "Republic of Albania")
"""The state heading over every document an Albanian public body issues (in English on translations)."""
STATE_ISSUED = frozenset({
    "id_card_copy", "driving_licence", "family_certificate", "personal_certificate_photo", "birth_certificate",
    "death_certificate", "marriage_certificate", "civil_status_other", "same_person_certificate",
    "property_certificate", "amtp", "land_certificate", "court_decision", "court_prosecution_certificate",
    "vehicle_registration", "vehicle_technical_inspection", "local_tax_clearance", "residence_certificate",
    "social_assistance_certificate", "unemployment_certificate", "kmcap_decision", "tax_office_certificate",
    "business_registration_certificate", "qkb_extract", "school_certificate", "orphan_status",
    "previous_permit_or_decision", "professional_competence_certificate",
})

# Phrases printed ON documents of each type in Albania (and Kosovo for the Kosovo-only types): issuing
# bodies, headings, field labels, as they are written; bilingual labels where the document is bilingual.
# They feed the rule classifier, which matches them diacritic-insensitively and tolerates OCR errors.
KEY_PHRASES: Mapping[str, Sequence[str]] = {
    "id_card_copy": [
        "Letërnjoftim", "Identity card", "Kartë identiteti", "Numri personal", "Personal No", "Mbiemri",
        "Surname", "Given name", "Data e lindjes", "Date of birth", "Data e lëshimit", "Date of issue",
        "Data e skadimit", "Date of expiry", "Autoriteti", "Authority", "Shtetësia", "Nationality",
        "Vendlindja", "Place of birth", "Gjinia", "IDALB", "Republika e Kosovës", "Letërnjoftimi",
    ],
    "property_certificate": [
        "Agjencia Shtetërore e Kadastrës", "Certifikatë për vërtetimin e pronësisë", "Certifikatë pronësie",
        "Zyra Vendore e Regjistrimit të Pasurive të Paluajtshme", "Hipoteka", "Nr. pasurie",
        "Zona kadastrale", "Kartela e pasurisë", "Lloji i pasurisë", "Sipërfaqja", "Vol.", "Pronari",
        "Kufizimet", "Barrët", "Regjistri i pasurive të paluajtshme", "Fleta poseduese",
        "Agjencia Kadastrale e Kosovës", "Numri i parcelës", "Certificate of ownership", "Cadastral zone",
        "State Cadastre Agency", "Property number",
    ],
    "business_registration_certificate": [
        "Certifikatë regjistrimi", "Qendra Kombëtare e Regjistrimit", "Qendra Kombëtare e Biznesit", "NIPT",
        "NUIS", "Numri unik i identifikimit të subjektit", "Emri i subjektit", "Data e regjistrimit",
        "Drejtoria e Përgjithshme e Tatimeve", "Agjencia për Regjistrimin e Bizneseve në Kosovë",
        "Certifikata e regjistrimit të biznesit", "Numri unik identifikues", "Numri fiskal",
        "Business Registration Certificate",
    ],
    "vehicle_registration": [
        "Leje qarkullimi", "Certifikatë regjistrimi",
        "Drejtoria e Përgjithshme e Shërbimeve të Transportit Rrugor", "DPSHTRR", "Targa", "Numri i shasisë",
        "VIN", "Marka", "Modeli", "Data e regjistrimit të parë", "Kategoria e mjetit", "Masa maksimale",
        "Vëllimi i motorit", "Lloji i karburantit", "Ngjyra", "Libreza e qarkullimit",
        "Certifikata e regjistrimit të automjetit", "Vehicle registration", "Registration certificate",
        "Date of first registration", "General Directorate of Road Transport Services", "Chassis number",
    ],
    "property_tax_proof": [
        "Tatimi në pronë", "Vërtetim për pagesën e tatimit në pronë", "Fatura e tatimit në pronë",
        "Drejtoria e Buxhetit dhe Financave", "Numri i pronës", "Obligimi", "Borxhi", "Viti fiskal",
        "Property tax",
    ],
    "family_certificate": [
        "Certifikatë familjare", "Ministria e Brendshme", "Drejtoria e Përgjithshme e Gjendjes Civile",
        "Gjendja Civile", "Zyra e Gjendjes Civile", "Lidhja me kryefamiljarin", "Kryefamiljar",
        "Numri personal", "Atësia", "Amësia", "Datëlindja", "Vendlindja", "Nr. i familjes",
        "Përbërja familjare", "Family certificate", "Head of household",
        "General Directorate of Civil Status", "Civil Status Office", "Relationship to the head of household",
    ],
    "plans_technical_project": [
        "Planimetria", "Plan vendosja", "Shkalla 1:500", "Projekt teknik", "Relacion teknik", "Projektuesi",
        "Hartoi", "Kontrolloi", "Porositësi", "Fasada", "Prerja", "Kati", "Rilevim topografik",
        "Kopja e planit", "Site plan",
    ],
    "local_tax_clearance": [
        "Vërtetim", "Drejtoria e Taksave dhe Tarifave Vendore", "Sektori i Taksave",
        "taksat dhe tarifat vendore", "detyrimet vendore", "nuk ka detyrime të papaguara", "ka shlyer",
        "taksa e ndërtesës", "tarifa e pastrimit", "Njësia Administrative", "taksave komunale",
        "Tax clearance", "no outstanding local taxes", "Directorate of Local Taxes and Fees",
        "local taxes and fees",
    ],
    "application_form": [
        "Formular aplikimi", "Formulari tip i aplikimit", "Kërkesë", "Drejtuar", "Kërkuesi",
        "Emri i aplikantit", "Objekti i kërkesës", "Lloji i shërbimit", "Dokumentet bashkëlidhur",
        "Nënshkrimi i aplikantit", "Zyra me Një Ndalesë", "Data e aplikimit", "Nr. protokolli",
        "Application form", "Applicant", "Signature of the applicant", "Type of service",
        "Attached documents",
    ],
    "residence_certificate": [
        "Vërtetim banimi", "Vërtetim vendbanimi", "vërtetohet se", "banon në adresën", "banor i",
        "Adresa e vendbanimit", "Njësia Administrative", "Dëshmi e vendbanimit", "Certificate of residence",
        "resides at", "Administrative Unit",
    ],
    "lease_or_use_contract": [
        "Kontratë qiraje", "Qiradhënësi", "Qiramarrësi", "Objekti i kontratës", "Çmimi i qirasë",
        "Afati i kontratës", "Noter", "Nr. Rep.", "Nr. Kol.", "Palët", "Neni 1", "Lease agreement",
        "Landlord", "Tenant", "Monthly rent", "Lease contract", "Rental agreement",
    ],
    "driving_licence": [
        "Leje drejtimi", "Patentë shoferi", "Driving licence", "Permis de conduire", "DPSHTRR",
        "Data e lëshimit", "Data e skadimit", "Leja e vozitjes",
    ],
    "qkb_extract": [
        "Qendra Kombëtare e Biznesit", "Ekstrakt i regjistrit tregtar", "Ekstrakt i thjeshtë",
        "Ekstrakt historik", "NIPT", "Forma ligjore", "Data e regjistrimit", "Kapitali", "Administrator",
        "Objekti i veprimtarisë", "Adresa e selisë", "Statusi", "Emri i subjektit", "Ortakët",
        "Extract of the commercial register", "National Business Center", "Legal form", "Commercial register",
    ],
    "medical_documents": [
        "Epikrizë", "Raport mjekësor", "Spitali Rajonal", "Diagnoza", "Mjeku", "Pacienti", "Data e shtrimit",
        "Data e daljes", "Anamneza", "Trajtimi", "Fletë drejtimi", "KEMP", "Qendra Shëndetësore",
        "Raport mjeko-ligjor", "Medical report", "Discharge summary", "Diagnosis", "Patient", "Hospital",
    ],
    "vehicle_technical_inspection": [
        "Certifikatë e kontrollit teknik", "Kontrolli teknik periodik", "Qendra e kontrollit teknik", "Targa",
        "Numri i shasisë", "Kilometrazhi", "Rezultati", "Kaloi", "Afati i kontrollit të ardhshëm",
        "Technical inspection",
    ],
    "land_certificate": [
        "Vërtetim", "Ligji nr. 7501", "tokë bujqësore", "Kategoria e tokës", "Zërat kadastralë",
        "Nr. i ngastrës", "Sipërfaqja", "Drejtoria e Administrimit dhe Mbrojtjes së Tokës",
        "Këshilli i Qarkut", "Ara", "Pemëtore", "Vreshtë",
    ],
    "self_declaration": [
        "Vetëdeklarim", "Formular vetëdeklarimi", "Deklaroj", "Unë i nënshkruari", "nën përgjegjësinë time",
        "reputacion të mirë", "Deklaroj se të dhënat e mësipërme janë të vërteta", "Nënshkrimi i deklaruesit",
        "Deklarata për gjendjen social-ekonomike", "Self-declaration", "I, the undersigned", "hereby declare",
        "under my responsibility",
    ],
    "court_prosecution_certificate": [
        "Vërtetim", "Gjykata e Rrethit Gjyqësor", "Prokuroria pranë Gjykatës", "nuk ka procedim penal",
        "nuk figuron", "Dëshmi penaliteti", "Gjendja gjyqësore", "Gjykata Themelore",
        "Certificate of no pending cases",
    ],
    "passenger_insurance": [
        "Policë sigurimi", "Sigurimi i pasagjerëve", "Sigurimi i udhëtarëve nga aksidentet", "Siguruesi",
        "I siguruari", "Shuma e siguruar", "Primi", "Periudha e sigurimit", "Passenger insurance",
    ],
    "declaration_notarial_or_witness": [
        "Deklaratë noteriale", "Noter", "Nr. Rep.", "Nr. Kol.", "Para meje", "Deklaruesi", "dëshmitarët",
        "nën përgjegjësinë penale", "Notarial declaration",
    ],
    "kmcap_decision": [
        "Komisioni Mjekësor i Caktimit të Aftësisë për Punë", "KMCAP", "Vendim",
        "Instituti i Sigurimeve Shoqërore", "grupi i invaliditetit", "aftësi të kufizuar", "Diagnoza",
        "Afati i rikomisionimit",
    ],
    "vehicle_insurance": [
        "Policë sigurimi", "Sigurimi i detyrueshëm", "përgjegjësisë ndaj palëve të treta", "TPL",
        "Kartoni i Gjelbër", "Siguruesi", "Targa", "Periudha e sigurimit", "Motor insurance",
    ],
    "school_certificate": [
        "Vërtetim", "Shkolla e Mesme", "Universiteti", "Fakulteti", "Dëftesë", "ndjek rregullisht",
        "viti akademik", "viti shkollor", "Sekretaria mësimore", "Drejtori i shkollës", "Klasa",
        "Certificate of enrolment",
    ],
    "amtp": [
        "Akt i marrjes së tokës në pronësi", "AMTP", "Ligji nr. 7501", "Komisioni i ndarjes së tokës",
        "Nr. i ngastrës", "Sipërfaqja", "Zona kadastrale", "Kryefamiljari", "familja bujqësore",
    ],
    "comfort_assessment": [
        "Akt-vlerësim", "kushtet e komoditetit", "DPSHTRR", "numri i ulëseve", "Targa", "Kondicioner",
        "Komisioni i vlerësimit",
    ],
    "court_decision": [
        "Gjykata e Rrethit Gjyqësor", "Vendim", "Nr. Vendimi", "Nr. Akti", "Në emër të Republikës", "Gjyqtar",
        "Paditës", "I paditur", "Vendosi", "formë të prerë", "Gjykata Themelore", "Aktgjykim",
    ],
    "personal_certificate_photo": [
        "Certifikatë personale", "Ministria e Brendshme", "Gjendja Civile", "Numri personal", "Atësia",
        "Amësia", "Datëlindja", "Vendlindja", "Gjendja martesore", "Fotografia",
    ],
    "income_proof": [
        "Vërtetim page", "Vërtetim të ardhurash", "Paga bruto", "Paga neto", "Punëdhënësi", "Pozicioni",
        "të ardhurat mujore", "Pension", "Income statement",
    ],
    "tachograph": [
        "Tahograf", "Karta e drejtuesit", "Kartë tahografi", "Certifikatë kalibrimi", "Tachograph",
        "Driver card", "Numri i serisë",
    ],
    "disability_booklet": ["Librezë", "Invalid", "paraplegjik", "tetraplegjik", "Nr. i librezës", "KMCAP"],
    "financial_guarantee": [
        "Garanci bankare", "Garantuesi", "Përfituesi", "Shuma e garancisë", "Letër garancie",
        "Bank guarantee",
    ],
    "payment_slip": [
        "Mandat pagese", "Urdhër pagese", "Mandat arkëtimi", "Fletëpagesë", "IBAN", "Shuma", "Paguesi",
        "Përfituesi", "Payer", "Beneficiary", "Amount", "Payment order", "Përshkrimi i pagesës", "Llogaria",
        "Nr. reference", "Lekë",
    ],
    "social_assistance_certificate": [
        "Ndihma ekonomike", "Vërtetim", "Zyra e Ndihmës Ekonomike", "Shërbimi Social Shtetëror",
        "përfitues i ndihmës ekonomike", "Drejtoria Rajonale e Shërbimit Social", "masa e ndihmës",
    ],
    "taximeter_certificate": [
        "Drejtoria e Përgjithshme e Metrologjisë", "Taksimetër", "verifikim", "plumbosje",
        "Certifikatë verifikimi", "Targa",
    ],
    "unemployment_certificate": [
        "Zyra e Punës", "Shërbimi Kombëtar i Punësimit", "Agjencia Kombëtare e Punësimit dhe Aftësive",
        "punëkërkues i papunë", "Vërtetim", "pagesë papunësie", "data e regjistrimit",
    ],
    "previous_permit_or_decision": [
        "Vendim", "Nr. i lejes", "Afati i vlefshmërisë", "Kryetari i Bashkisë", "Leje ndërtimi",
    ],
    "cadastral_identification": [
        "Certifikata për identifikimin e paluajtshmërisë", "Zyra Kadastrale Komunale", "Njësia kadastrale",
        "Numri i parcelës", "Zona kadastrale", "Agjencia Kadastrale e Kosovës",
    ],
    "property_transaction_contract": [
        "Kontratë shitblerjeje", "Shitësi", "Blerësi", "Kontratë këmbimi", "mbajtje të përjetshme", "Noter",
        "Çmimi i shitjes", "pasuria e paluajtshme",
    ],
    "third_party_consents": [
        "Pëlqim", "Miratim", "nuk kemi kundërshtim", "Leje mjedisore", "Kushtet ndërtimore",
        "mbrojtje nga zjarri", "Pëlqim sanitar",
    ],
    "civil_status_other": [
        "shpallje martese", "lidhje martese", "Gjendja Civile", "Asistencë lindje",
        "Nëpunësi i Gjendjes Civile",
    ],
    "employment_contract": [
        "Kontratë pune", "Punëdhënësi", "Punëmarrësi", "Kodi i Punës", "Paga", "Orari i punës",
        "Periudha e provës",
    ],
    "photo": ["Fotografi 3x4", "3x4 cm"],
    "professional_competence_certificate": [
        "Certifikatë e kompetencës profesionale", "CKP", "DPSHTRR", "transport rrugor",
        "Certificate of professional competence",
    ],
    "tax_office_certificate": [
        "Drejtoria e Përgjithshme e Tatimeve", "Drejtoria Rajonale Tatimore", "Vërtetim", "NIPT",
        "nuk ushtron aktivitet", "detyrime tatimore",
    ],
    "work_booklet": [
        "Librezë pune", "Libreza e punës", "Punëdhënësi", "Data e fillimit", "Data e largimit",
        "Vjetërsia në punë",
    ],
    "owner_authorization": [
        "Prokurë", "Prokurë e posaçme", "Autorizim", "autorizoj", "të më përfaqësojë", "Noter",
    ],
    "professional_licences": [
        "Licencë profesionale", "Nr. licence", "projektim", "mbikëqyrje", "topograf", "inxhinier", "arkitekt",
    ],
    "birth_certificate": [
        "Certifikatë lindjeje", "Certifikata e lindjes", "Akti i lindjes", "Data e lindjes",
        "Vendi i lindjes", "Agjencia e Regjistrimit Civil", "Birth certificate",
    ],
    "death_certificate": [
        "Certifikatë vdekjeje", "Certifikata e vdekjes", "Data e vdekjes", "Vendi i vdekjes",
        "Akti i vdekjes", "Death certificate",
    ],
    "document_inventory": [
        "Inventar", "Lista e dokumenteve", "Emërtimi i dokumentit", "Nr. faqesh", "Dorëzoi",
        "Mori në dorëzim",
    ],
    "marriage_certificate": [
        "Certifikatë martese", "Akti i martesës", "Bashkëshorti", "Bashkëshortja", "Data e martesës",
        "Gjendja Civile", "Marriage certificate",
    ],
    "orphan_status": ["Statusi i jetimit", "jetim", "Vërtetim", "Shërbimi Social Shtetëror"],
    "same_person_certificate": [
        "Vërtetim", "i njëjti person", "ndryshim emri", "ndryshim mbiemri", "Gjendja Civile",
        "Numri personal",
    ],
    "social_insurance_proof": [
        "Instituti i Sigurimeve Shoqërore", "Listëpagesa", "sigurimet shoqërore", "sigurimet shëndetësore",
        "Kontributet",
    ],
    "transport_contract": ["Agjenci transporti", "Organizatori i transportit", "Lista e udhëtarëve", "Palët"],
    "fire_extinguisher": ["Aparat zjarrfikës", "Fikës zjarri", "Afati i vlefshmërisë", "Fire extinguisher"],
    "technical_attest": ["Atest teknik", "Atest", "Statika", "Pesha e ekranit", "instalim elektrik"],
}


def _fold(text: str) -> str:
    return text.translate(_FOLD).lower()


def _condition(text: str) -> str | None:
    folded = _fold(text)
    for pattern, fact in CONDITION_PHRASES:
        if re.search(pattern, folded):
            return fact
    return None


_ALTERNATIVE = re.compile(r"\bose\b|\bapo\b|\bor\b|/")
_ORIGINAL = re.compile(r"origjinal|original|vul[ae]n? e njome|per shikim")
_COPY = re.compile(
    r"foto?t?ko?pj|kopje\b|\bcopy\b|\bkopj[ae]n? e\b|e noter[iu]zuar|e noteruar|te noter[iu]zuara"
)
_SHORT_PAREN = re.compile(r"\(([^()]{1,40})\)")


def _form(text: str) -> str:
    """``original``/``copy``/``any`` from the page's markers: a short parenthesis first, then the text."""
    # "ne 3 kopje origjinale" asks for three originals and "ne 2 kopje" for two of them: counts, not forms.
    folded = re.sub(r"\d+\s+kopje\b", "", _fold(text).replace("kopje origjinale", "origjinale"))
    marks = [m for m in _SHORT_PAREN.findall(folded) if _ORIGINAL.search(m) or _COPY.search(m)]
    scope = " ".join(marks) if marks else folded
    original, copy = bool(_ORIGINAL.search(scope)), bool(_COPY.search(scope))
    if original and not copy:
        return "original"
    if copy and not original:
        return "copy"
    return "any"


def _required_document(service_id: str, index: int, text: str, types_field: str) -> dict[str, Any]:
    types = [t.strip() for t in types_field.split(",") if t.strip() and t.strip() != UNCLASSIFIED]
    condition = _condition(text)
    if condition is not None:
        kind = "conditional"
    elif len(types) > 1 and _ALTERNATIVE.search(_fold(text)):
        kind = "one_of"
    else:
        kind = "plain"
    entry: dict[str, Any] = {"text": text, "document_types": types, "kind": kind}
    entry.update(ENTRY_OVERRIDES.get((service_id, index), {}))
    if condition is not None:
        entry["condition"] = condition
    entry["form"] = _form(text)
    if "[...]" in text:
        entry["incomplete"] = True
    return entry


def _clean_department(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = re.sub(r"\s*\((kush është përgjegjës|per description)\)$", "", value).strip()
    return None if cleaned == "Bashkia" else cleaned


def _institution(municipality: str) -> str:
    if municipality.startswith(_GENERIC_MUNICIPALITY):
        return "Bashkia"
    return _INSTITUTIONS.get(municipality, f"Bashkia {municipality}")


def _service(raw: Mapping[str, Any]) -> dict[str, Any]:
    texts: list[str] = raw.get("required_documents") or []
    types: list[str] = raw.get("required_document_types") or []
    if len(texts) != len(types):
        raise CatalogError(f"service {raw['id']}: {len(texts)} documents but {len(types)} types")
    pairs = enumerate(zip(texts, types, strict=True))
    entries = [_required_document(raw["id"], i, text, t) for i, (text, t) in pairs]
    municipality: str = raw["municipality"]
    complete = raw["documents_status"] == "full" and not any(e.get("incomplete") for e in entries)
    return {
        "id": raw["id"],
        "name_sq": raw["name_sq"],
        "institution": _institution(municipality),
        "department": _clean_department(raw.get("directorate") or raw.get("section")),
        "municipality": None if municipality.startswith(_GENERIC_MUNICIPALITY) else municipality,
        "tier": raw["tier"],
        "required_documents": entries,
        "documents_complete": complete,
        "source": raw["source"],
    }


def _document_type(raw: Mapping[str, Any], source_urls: Iterable[str]) -> dict[str, Any]:
    phrases = list(KEY_PHRASES.get(raw["id"], ()))
    if not phrases:
        raise CatalogError(f"document type {raw['id']} has no key phrases")
    if raw["id"] in STATE_ISSUED:
        phrases += [p for p in STATE_LETTERHEAD if p not in phrases]
    return {
        "id": raw["id"],
        "names_sq": list(raw["names_sq"]),
        "gloss_en": raw["gloss_en"],
        "variants": list(raw.get("variants_as_written") or []),
        "key_phrases": phrases,
        "sources": sorted(set(source_urls)),
    }


def build_catalog_data(reference_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``document_types.yaml`` and ``services.yaml`` contents built from the reference files."""
    services_ref = yaml.safe_load((reference_dir / "municipal_services.yaml").read_text(encoding="utf-8"))
    types_ref = yaml.safe_load((reference_dir / "document_types.yaml").read_text(encoding="utf-8"))
    raw_services = [s for tier in services_ref["services"].values() for s in tier]
    source_of = {s["id"]: s["source"] for s in raw_services}
    document_types = [
        _document_type(t, (source_of[sid] for sid in t.get("services", [])))
        for t in types_ref["document_types"]
    ]
    services = [_service(s) for s in raw_services]
    return {"document_types": document_types}, {"services": services}


_HEADER = (
    "# Generated by pipeline/catalog_import.py from the shared reference ({name}); see SOURCES.md.\n"
    "# Change the importer (or the reference) and regenerate: tests compare this file with a fresh build.\n"
)


def write_catalog_data(reference_dir: Path, out_dir: Path = DATA_DIR) -> None:
    """Build the catalog data from ``reference_dir`` and write both YAML files into ``out_dir``."""
    types, services = build_catalog_data(reference_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for filename, data, source in (
        ("document_types.yaml", types, "document_types.yaml"),
        ("services.yaml", services, "municipal_services.yaml"),
    ):
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
        (out_dir / filename).write_text(_HEADER.format(name=source) + body, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("reference_dir", type=Path)
    parser.add_argument("out_dir", type=Path, nargs="?", default=DATA_DIR)
    args = parser.parse_args(argv)
    write_catalog_data(args.reference_dir, args.out_dir)


if __name__ == "__main__":
    main()
