"""Short document texts written after real Albanian documents (layouts and labels as printed; the
people, numbers and addresses are invented), and an OCR-like noise maker for them."""

from __future__ import annotations

import random

ALBANIAN: dict[str, str] = {
    "id_card_copy": """REPUBLIKA E SHQIPËRISË
REPUBLIC OF ALBANIA
LETËRNJOFTIM / IDENTITY CARD
Mbiemri / Surname
KOLA
Emri / Given name
ARBEN
Shtetësia / Nationality SHQIPTARE / ALB
Data e lindjes / Date of birth 12.03.1985
Gjinia / Sex M
Vendlindja / Place of birth SHKODËR
Numri personal / Personal No I50312045K
Data e lëshimit / Date of issue 04.05.2019
Data e skadimit / Date of expiry 03.05.2029
Autoriteti / Authority DPGJC
IDALB0123456784<<<<<<<<<<<<<<<""",
    "family_certificate": """REPUBLIKA E SHQIPËRISË
MINISTRIA E BRENDSHME
DREJTORIA E PËRGJITHSHME E GJENDJES CIVILE
ZYRA E GJENDJES CIVILE SHKODËR
CERTIFIKATË FAMILJARE
Nr. i familjes: 1234 Adresa: Lagjja Qemal Stafa, Rruga Ali Lacej, Shkodër
Nr Emri Atësia Mbiemri Datëlindja Lidhja me kryefamiljarin Numri personal
1 Gjergj Pjetër Marku 14.02.1970 Kryefamiljar G00214031L
2 Mira Ndue Marku 03.07.1974 Bashkëshorte G45703022P
3 Leon Gjergj Marku 21.09.2001 Bir M10921047S
Certifikata lëshohet me kërkesë të shtetasit për t'u përdorur pranë Bashkisë.
Nëpunësi i Gjendjes Civile""",
    "property_certificate": """REPUBLIKA E SHQIPËRISË
AGJENCIA SHTETËRORE E KADASTRËS
DREJTORIA VENDORE SHKODËR
CERTIFIKATË PËR VËRTETIMIN E PRONËSISË
Zona kadastrale: 8572 Nr. pasurie: 12/45 Vol. 18 Faqe 112
Lloji i pasurisë: Apartament Sipërfaqja: 85 m2
Pronari: Besnik Hoxha, atësia Ramiz
Kufizimet: Nuk ka Barrët: Nuk ka
Kjo certifikatë lëshohet në bazë të kartelës së pasurisë në regjistrin e pasurive të paluajtshme.""",
    "qkb_extract": """QENDRA KOMBËTARE E BIZNESIT
EKSTRAKT I REGJISTRIT TREGTAR
EKSTRAKT I THJESHTË
Për subjektin: TRANS VELIPOJA SHPK
NIPT: L81234567A
Forma ligjore: Shoqëri me Përgjegjësi të Kufizuar
Data e regjistrimit: 12/05/2008
Kapitali: 100 000 Lekë
Administrator: Artan Gjoni
Adresa e selisë: Shkodër, Rruga 13 Dhjetori
Objekti i veprimtarisë: Për transport udhëtarësh brenda vendit
Statusi: Aktiv""",
    "application_form": """BASHKIA SHKODËR
ZYRA ME NJË NDALESË
FORMULAR APLIKIMI
Drejtuar: Drejtorisë së Shërbimeve Sociale
Kërkuesi: Emri Valbona Mbiemri Dushi
Adresa: Lagjja Perash, Shkodër Tel: 069 123 4567
Lloji i shërbimit: Ndihmë ekonomike
Objekti i kërkesës: trajtim me ndihmë ekonomike për familjen
Dokumentet bashkëlidhur: 1. Certifikatë familjare 2. Fotokopje e kartës së identitetit
Data e aplikimit: 12.10.2024
Nënshkrimi i aplikantit""",
    "payment_slip": """MANDAT PAGESE / URDHËR PAGESE
Banka: Raiffeisen Bank Sh.a. Dega: Shkodër
Paguesi / Payer: Ilir Shabani
IBAN i paguesit: AL47 2121 1009 0000 0002 3569 8741
Përfituesi / Beneficiary: BASHKIA SHKODËR
IBAN i përfituesit: AL35 2021 1109 0000 0000 0104 4721
Shuma / Amount: 1 000 Lekë
Përshkrimi i pagesës: Tarifë për çertifikatë transporti
Data: 12.10.2024 Nr. reference: 0045871
Vula dhe nënshkrimi i bankës""",
    "self_declaration": """VETËDEKLARIM
Unë i nënshkruari Pjetër Gjoka, lindur më 02.02.1968, me nr. personal F80202101N,
në cilësinë e përfaqësuesit ligjor të subjektit TRANS VELIPOJA SHPK,
deklaroj nën përgjegjësinë time ligjore se gëzoj reputacion të mirë dhe nuk jam dënuar
me vendim gjykate të formës së prerë.
Deklaroj se të dhënat e mësipërme janë të vërteta.
Data 10.10.2024
Nënshkrimi i deklaruesit""",
    "residence_certificate": """BASHKIA SHKODËR
NJËSIA ADMINISTRATIVE NR. 2
VËRTETIM BANIMI
Vërtetohet se shtetasi Alban Cani, i biri i Gjonit, lindur më 05.05.1990,
banon në adresën Lagjja Vasil Shanto, Rruga Hasan Riza Pasha nr. 14, Shkodër,
dhe është banor i kësaj njësie administrative.
Ky vërtetim lëshohet për t'u përdorur pranë Zyrës me Një Ndalesë.
Administratori i Njësisë""",
    "vehicle_registration": """REPUBLIKA E SHQIPËRISË
DREJTORIA E PËRGJITHSHME E SHËRBIMEVE TË TRANSPORTIT RRUGOR
LEJE QARKULLIMI / CERTIFIKATË REGJISTRIMI
A. Targa: SH 1234 B
B. Data e regjistrimit të parë: 15.06.2012
C.1 Pronari: Gjon Pali
D.1 Marka: MERCEDES-BENZ D.3 Modeli: SPRINTER
E. Numri i shasisë (VIN): WDB9066331S123456
F.2 Masa maksimale: 3500 kg
J. Kategoria e mjetit: M2
P.1 Vëllimi i motorit: 2143 cm3
P.3 Lloji i karburantit: Naftë
R. Ngjyra: E bardhë""",
    "local_tax_clearance": """BASHKIA SHKODËR
DREJTORIA E TAKSAVE DHE TARIFAVE VENDORE
VËRTETIM
Vërtetohet se familja Leka me kryefamiljar Ndue Leka ka shlyer të gjitha detyrimet vendore
(taksa e ndërtesës, tarifa e pastrimit, tarifa e ndriçimit) deri më 31.12.2023
dhe nuk ka detyrime të papaguara ndaj Bashkisë Shkodër.
Ky vërtetim lëshohet për t'u paraqitur pranë Zyrës me Një Ndalesë.
Përgjegjësi i Sektorit të Taksave""",
    "lease_or_use_contract": """KONTRATË QIRAJE
Nr. Rep. 1234 Nr. Kol. 567
Sot më 10.01.2024, para meje, noter Mark Deda, në zyrën time në Shkodër, u paraqitën palët:
QIRADHËNËSI: Luigj Vata, banues në Shkodër
QIRAMARRËSI: Blerina Hasa, banuese në Shkodër
Neni 1 Objekti i kontratës: Qiradhënësi i jep me qira qiramarrësit apartamentin në Lagjen Tepe.
Neni 2 Afati i kontratës: 1 (një) vit
Neni 3 Çmimi i qirasë: 25 000 lekë në muaj""",
    "medical_documents": """SPITALI RAJONAL SHKODËR
SHËRBIMI I NEUROLOGJISË
EPIKRIZË
Pacienti: Zef Prenga Mosha: 54 vjeç
Data e shtrimit: 02.03.2024 Data e daljes: 12.03.2024
Diagnoza: Paraplegji pas traume vertebrale
Anamneza: i shtruar pas aksidentit rrugor
Trajtimi: medikamentoz dhe fizioterapi
Rekomandohet komisionim në KEMP.
Mjeku kurues: Dr. Ardian Toma""",
}

ENGLISH: dict[str, str] = {
    "id_card_copy": """REPUBLIC OF ALBANIA
IDENTITY CARD
Surname DUKA
Given name ELIRA
Nationality ALB
Date of birth 02.11.1992
Sex F
Place of birth LEZHE
Personal No J25102033B
Date of issue 10.02.2021 Date of expiry 09.02.2031
Authority DPGJC""",
    "payment_slip": """PAYMENT ORDER
Bank: Credins Bank
Payer: Andi Marku
IBAN: AL47 2121 1009 0000 0002 3569 8741
Beneficiary: Municipality of Shkoder
Amount: 1,000 ALL
Payment description: fee for certificate
Date: 12.10.2024""",
    "medical_documents": """REGIONAL HOSPITAL OF SHKODER
MEDICAL REPORT
Patient: Gezim Lici Age: 61
Diagnosis: chronic heart failure
Treatment: outpatient, medication as prescribed
Physician: Dr. Eda Kraja""",
    "residence_certificate": """MUNICIPALITY OF SHKODER
CERTIFICATE OF RESIDENCE
It is hereby certified that Mr. Klodian Rama, born 01.01.1980,
resides at Rruga Gjergj Fishta 22, Shkoder, within this administrative unit.
Issued at the request of the citizen.""",
    "qkb_extract": """NATIONAL BUSINESS CENTER
EXTRACT OF THE COMMERCIAL REGISTER
Subject: DRINI TRANS SHPK
NIPT: K91234567B
Legal form: limited liability company
Date of registration: 02.03.2009
Status: active""",
}

OTHER_TYPES: dict[str, str] = {
    "marriage_certificate": """REPUBLIKA E SHQIPËRISË
ZYRA E GJENDJES CIVILE SHKODËR
CERTIFIKATË MARTESE
Bashkëshorti: Ermal Dedaj Bashkëshortja: Klea Gjini
Data e martesës: 14.06.2019 Vendi: Shkodër
Akti i martesës nr. 412 viti 2019
Nëpunësi i Gjendjes Civile""",
    "driving_licence": """REPUBLIKA E SHQIPËRISË
LEJE DREJTIMI
PERMIS DE CONDUIRE DRIVING LICENCE
1. PRENGA 2. NIKOLL 3. 11.11.1979 SHKODËR
4a. 03.02.2020 4b. 02.02.2030 4c. DPSHTRR
5. 0012345678
9. B C1 D""",
    "court_decision": """REPUBLIKA E SHQIPËRISË
GJYKATA E RRETHIT GJYQËSOR SHKODËR
VENDIM
Nr. Akti 1024 Nr. Vendimi 877
NË EMËR TË REPUBLIKËS
Gjykata, e përbërë nga gjyqtar Arta Mema, mori në shqyrtim çështjen me palë:
Paditës: Dritan Kraja I paditur: Mirela Kraja
Objekti: zgjidhje martese
VENDOSI: zgjidhjen e martesës; fëmijët lihen në ngarkim të nënës.""",
}


def ocr_noise(text: str, *, rate: float = 0.06, seed: int = 0) -> str:
    """``text`` as a mediocre scan reads back: lost diacritics, confused glyphs, dropped letters, case slips."""
    rng = random.Random(seed)
    swaps = {"ë": "e", "ç": "c", "Ë": "E", "Ç": "C", "o": "0", "l": "1", "i": "l", "m": "rn", "e": "c",
             "a": "o", "n": "r", "S": "5", "O": "0", "h": "b", "u": "v"}
    out: list[str] = []
    for ch in text:
        roll = rng.random()
        if (ch in "ëçËÇ" and roll < 0.7) or (roll < rate * 0.5 and ch in swaps):
            out.append(swaps[ch])
        elif roll < rate * 0.65 and ch.isalpha():
            continue
        elif roll < rate * 0.8 and ch.isalpha():
            out.append(ch.swapcase())
        elif roll < rate * 0.9 and ch == " ":
            out.append("  ")
        else:
            out.append(ch)
    return "".join(out)
