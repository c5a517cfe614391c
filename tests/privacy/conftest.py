"""Generated Albanian documents with seeded personal data, OCR'd once per test session.

Each page is drawn with PIL at 300 dpi in DejaVu fonts; every seeded value's ink box is recorded as ground
truth, so detection and redaction are checked against what was really printed, after real OCR.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import phonenumbers
import pytest
from idnumbers.nationalid.ALB import IdentityNumber
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from presidio_analyzer import AnalyzerEngine
from stdnum import iban
from stdnum.al import nipt

from benchmarks.privacy import EntityScore, area, coverage
from pipeline.models import BBox, PageOcr, PiiFinding, Word

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DATA_DIR = Path(__file__).resolve().parents[2] / "privacy" / "data"
DPI = 300
PAGE_SIZE = (1748, 2480)  # A5 at 300 dpi: small pages keep OCR fast


@dataclass(frozen=True)
class Seeded:
    entity: str
    value: str
    bbox: BBox


@dataclass
class Rendered:
    name: str
    image: NDArray[np.uint8]
    truth: list[Seeded]
    plain: list[str] = field(default_factory=list)
    """Everything else printed on the page (labels, headings, prose): visible, and meant to be."""


# ----------------------------------------------------------------------------------------- fake values


class Fakes:
    """Valid-looking Albanian personal data from a seeded generator."""

    STREETS = ("Marin Barleti", "Ndre Mjeda", "Kolë Idromeno", "Gjergj Fishta", "Hasan Riza Pasha",
               "Ismail Qemali", "Migjeni", "Oso Kuka", "Jeronim De Rada", "Dedë Gjo Luli")
    QUARTERS = ("Vasil Shanto", "Qemal Stafa", "Tophanë", "Perash", "Dudas", "Partizani", "Guerrila")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.first = [n for n in _lines("albanian_first_names.txt") if len(n) >= 4 and n.isascii()]
        self.last = [n for n in _lines("albanian_surnames.txt") if n.isascii()]

    def first_name(self) -> str:
        return self.rng.choice(self.first)

    def surname(self) -> str:
        return self.rng.choice(self.last)

    def birth_date(self) -> dt.date:
        return dt.date(self.rng.randint(1950, 2004), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def personal_number(self, born: dt.date | None = None, *, female: bool = False) -> str:
        born = born or self.birth_date()
        decade = "ABCDEFGHIJKLM"[(born.year - 1900) // 10]
        month = born.month + (50 if female else 0)
        number = (f"{decade}{born.year % 10}{month:02d}{born.day:02d}{self.rng.randint(0, 999):03d}"
                  f"{self.rng.choice('ABCDEFGHJKLMNPRSTUVW')}")
        assert IdentityNumber.validate(number)
        return number

    def nipt(self) -> str:
        # Business NIPTs: the month field over 12 keeps them from reading as a personal number.
        number = f"{self.rng.choice('JKL')}{self.rng.randint(0, 9)}{self.rng.randint(13, 49)}" \
                 f"{self.rng.randint(0, 99999):05d}{self.rng.choice(string.ascii_uppercase)}"
        assert nipt.is_valid(number)
        return number

    def iban(self, *, grouped: bool = True) -> str:
        bban = f"{self.rng.randint(0, 99999999):08d}{self.rng.randint(0, 10**16 - 1):016d}"
        number = f"AL{iban.calc_check_digits('AL00' + bban)}{bban}"
        assert iban.is_valid(number)
        return " ".join(number[i : i + 4] for i in range(0, 28, 4)) if grouped else number

    def mobile(self, *, international: bool) -> str:
        while True:  # not every 7-digit block is allocated: draw until the numbering plan accepts one
            prefix, rest = self.rng.choice("789"), f"{self.rng.randint(0, 9999999):07d}"
            number = f"+355 6{prefix} {rest[:3]} {rest[3:]}" if international else f"06{prefix} {rest[:3]} {rest[3:]}"
            if phonenumbers.is_valid_number(phonenumbers.parse(number, "AL")):
                return number

    def landline(self) -> str:
        while True:
            rest = f"{self.rng.randint(200000, 299999)}"
            number = f"022 {rest[:3]} {rest[3:]}"
            if phonenumbers.is_valid_number(phonenumbers.parse(number, "AL")):
                return number

    def email(self, first: str, last: str) -> str:
        domain = self.rng.choice(("gmail.com", "yahoo.com", "hotmail.com", "abcom.al"))
        return f"{first.lower()}.{last.lower()}{self.rng.randint(1, 99)}@{domain}"

    def address(self, town: str = "Shkodër") -> str:
        street, quarter = self.rng.choice(self.STREETS), self.rng.choice(self.QUARTERS)
        form = self.rng.randint(0, 2)
        if form == 0:
            return f'Rruga "{street}", Nr. {self.rng.randint(1, 90)}, {town}'
        if form == 1:
            return f'Lagjja "{quarter}", Pallati {self.rng.randint(1, 40)}, Shkalla {self.rng.randint(1, 4)}, ' \
                   f"Ap. {self.rng.randint(1, 30)}"
        return f'Rr. "{street}", Pall. {self.rng.randint(1, 40)}, Ap. {self.rng.randint(1, 30)}, {town}'

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPRSTUVXZ"
        pick = self.rng.choice
        return f"{pick(letters)}{pick(letters)} {self.rng.randint(100, 999)} {pick(letters)}{pick(letters)}"


def _lines(filename: str) -> list[str]:
    return [line.strip() for line in (DATA_DIR / filename).read_text(encoding="utf-8").splitlines() if line.strip()]


def dmy(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


# ---------------------------------------------------------------------------------------- page drawing

Part = str | tuple[str, str]
"""Plain text, or (text, entity) for a seeded value."""


@dataclass
class PageBuilder:
    name: str
    font_file: str = "DejaVuSans.ttf"
    size: int = 40
    margin: int = 130
    image: Image.Image = field(init=False)
    truth: list[Seeded] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    y: int = 130

    def __post_init__(self) -> None:
        self.image = Image.new("L", PAGE_SIZE, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.font = ImageFont.truetype(str(FONT_DIR / self.font_file), self.size)
        bold_file = self.font_file.replace(".ttf", "-Bold.ttf")
        self.bold = ImageFont.truetype(str(FONT_DIR / bold_file), self.size) \
            if (FONT_DIR / bold_file).exists() else self.font

    def skip(self, lines: float = 1.0) -> None:
        self.y += int(self.size * 1.6 * lines)

    def title(self, text: str) -> None:
        self.plain.append(text)
        self.draw.text((self.margin, self.y), text, font=self.bold, fill=0)
        self.skip(1.5)

    def line(self, *parts: Part, x: int | None = None) -> None:
        cursor = self.margin if x is None else x
        for part in parts:
            text, entity = (part, None) if isinstance(part, str) else part
            if entity is None:
                self.plain.append(text)
            else:
                left, top, right, bottom = self.draw.textbbox((cursor, self.y), text, font=self.font)
                self.truth.append(Seeded(entity, text, BBox(x0=left, y0=top, x1=right, y1=bottom)))
            self.draw.text((cursor, self.y), text, font=self.font, fill=0)
            cursor += int(self.draw.textlength(text, font=self.font))
        assert cursor < PAGE_SIZE[0] - 40, f"line too long on page {self.name}"
        self.skip()

    def field(self, label: str, value: str, entity: str | None, *, column: int = 560) -> None:
        self.plain.append(label)
        self.draw.text((self.margin, self.y), label, font=self.bold, fill=0)
        self.line((value, entity) if entity else value, x=column)

    def table(self, headers: list[str], rows: list[list[tuple[str, str | None]]], columns: list[int]) -> None:
        self.plain.extend(headers)
        for header, x in zip(headers, columns, strict=True):
            self.draw.text((x, self.y), header, font=self.bold, fill=0)
        self.skip(1.2)
        for row in rows:
            for (text, entity), x in zip(row, columns, strict=True):
                if entity is None:
                    self.plain.append(text)
                else:
                    left, top, right, bottom = self.draw.textbbox((x, self.y), text, font=self.font)
                    self.truth.append(Seeded(entity, text, BBox(x0=left, y0=top, x1=right, y1=bottom)))
                self.draw.text((x, self.y), text, font=self.font, fill=0)
            self.skip()

    def render(self, *, blur: float = 0.0, noise: float = 0.0, seed: int = 0) -> Rendered:
        image = self.image.filter(ImageFilter.GaussianBlur(blur)) if blur else self.image
        pixels = np.asarray(image, dtype=np.float64)
        if noise:
            pixels = pixels + np.random.default_rng(seed).normal(0.0, noise, pixels.shape)
        return Rendered(self.name, np.clip(pixels, 0, 255).astype(np.uint8), list(self.truth), list(self.plain))


def header(page: PageBuilder, title: str) -> None:
    page.line("REPUBLIKA E SHQIPËRISË")
    page.line("BASHKIA SHKODËR")
    page.skip(0.5)
    page.title(title)


def personal_certificate(f: Fakes, *, font: str = "DejaVuSans.ttf", name: str = "certifikate") -> PageBuilder:
    page = PageBuilder(name, font_file=font)
    header(page, "CERTIFIKATË PERSONALE")
    born, female = f.birth_date(), f.rng.random() < 0.5
    for label, value, entity in (
        ("Emri:", f.first_name(), "PERSON"), ("Mbiemri:", f.surname(), "PERSON"),
        ("Atësia:", f.first_name(), "PERSON"), ("Amësia:", f.first_name(), "PERSON"),
        ("Datëlindja:", dmy(born), "DATE_OF_BIRTH"), ("Vendlindja:", "Shkodër", None),
        ("Nr. personal:", f.personal_number(born, female=female), "AL_PERSONAL_NUMBER"),
        ("Gjinia:", "Femër" if female else "Mashkull", None), ("Shtetësia:", "Shqiptare", None),
        ("Adresa:", f.address(), "ADDRESS"),
    ):
        page.field(label, value, entity, column=520)
    page.skip()
    page.line("Lëshuar për të gjitha përdorimet ligjore.")
    page.line("Shkodër, më 15.05.2024          Nr. Prot. 2345/2")
    return page


def request_letter(f: Fakes) -> PageBuilder:
    page = PageBuilder("kerkese", font_file="DejaVuSerif.ttf", size=38)
    page.line("Drejtuar: Bashkisë Shkodër")
    page.line("Lënda: Kërkesë për vërtetim pronësie")
    page.skip()
    first, last, born = f.first_name(), f.surname(), f.birth_date()
    page.line("Unë, i nënshkruari ", (f"{first} {last}", "PERSON"), ", i lindur më ", (dmy(born), "DATE_OF_BIRTH"), ",")
    page.line("me nr. personal ", (f.personal_number(born), "AL_PERSONAL_NUMBER"), ", banues në")
    page.line((f.address(), "ADDRESS"), ",")
    page.line("kërkoj lëshimin e vërtetimit të pronësisë për banesën")
    page.line("time, sipas dokumenteve bashkëlidhur kësaj kërkese.")
    page.skip()
    page.line("Tel: ", (f.mobile(international=False), "PHONE_NUMBER"))
    page.line("E-mail: ", (f.email(first, last), "EMAIL_ADDRESS"))
    page.skip()
    page.line("Kërkuesi: ", (f"{first} {last}", "PERSON"))
    page.line("Data: 03.06.2024")
    return page


def lease(f: Fakes) -> PageBuilder:
    page = PageBuilder("kontrate", font_file="DejaVuSansCondensed.ttf", size=40)
    page.title("KONTRATË QIRAJEJE")
    page.line("Sot, më 01.07.2024, në Shkodër, lidhet kjo kontratë midis:")
    landlord, tenant = (f.first_name(), f.surname()), (f.first_name(), f.surname())
    page.line("Qiradhënësi: ", (" ".join(landlord), "PERSON"), ", nr. personal ",
              (f.personal_number(), "AL_PERSONAL_NUMBER"))
    page.line("Qiramarrësi: ", (" ".join(tenant), "PERSON"), ", NIPT ", (f.nipt(), "AL_NIPT"))
    page.line("Adresa e pasurisë: ", (f.address(), "ADDRESS"))
    page.line("Qiraja mujore prej 30 000 lekësh paguhet në llogarinë")
    page.line("IBAN: ", (f.iban(), "IBAN_CODE"))
    page.line("Cel: ", (f.mobile(international=True), "PHONE_NUMBER"))
    page.line("Kontrata hyn në fuqi ditën e nënshkrimit.")
    return page


def business_extract(f: Fakes) -> PageBuilder:
    page = PageBuilder("ekstrakt", font_file="DejaVuSansMono.ttf", size=36)
    page.title("EKSTRAKT I REGJISTRIT TREGTAR")
    first, last = f.first_name(), f.surname()
    for label, value, entity in (
        ("Emërtimi:", "Shkodra Tech SHPK", None), ("NIPT:", f.nipt(), "AL_NIPT"),
        ("Administratori:", f"{first} {last}", "PERSON"), ("Adresa e selisë:", f.address(), "ADDRESS"),
        ("IBAN:", f.iban(grouped=False), "IBAN_CODE"), ("E-mail:", f.email(first, last), "EMAIL_ADDRESS"),
        ("Tel:", f.landline(), "PHONE_NUMBER"), ("Kapitali:", "100 000 lekë", None),
    ):
        page.field(label, value, entity, column=520)
    return page


def family_certificate(f: Fakes) -> PageBuilder:
    page = PageBuilder("familjare", size=36)
    header(page, "CERTIFIKATË FAMILJARE")
    surname = f.surname()
    page.line("Kryefamiljari: ", (f"{f.first_name()} {surname}", "PERSON"))
    page.skip(0.5)
    rows = []
    for number, relation in enumerate(("Kryefamiljar", "Bashkëshorte", "Bir", "Bijë"), start=1):
        rows.append([(str(number), None), (f.first_name(), "PERSON"), (surname, "PERSON"),
                     (f.first_name(), "PERSON"), (dmy(f.birth_date()), "DATE_OF_BIRTH"), (relation, None)])
    page.table(["Nr.", "Emri", "Mbiemri", "Atësia", "Datëlindja", "Lidhja"], rows,
               [130, 230, 520, 810, 1080, 1350])
    page.skip()
    page.line("Certifikata lëshohet me kërkesë të shtetasit.")
    return page


def transport_permit(f: Fakes) -> PageBuilder:
    page = PageBuilder("leje", font_file="DejaVuSerif.ttf", size=40)
    page.title("LEJE PËR TRANSPORTIN E MALLRAVE")
    for label, value, entity in (
        ("Pronari:", f"{f.first_name()} {f.surname()}", "PERSON"),
        ("Nr. personal:", f.personal_number(female=True), "AL_PERSONAL_NUMBER"),
        ("Targa:", f.plate(), "AL_VEHICLE_PLATE"), ("Marka:", "Mercedes-Benz", None),
        ("Celulari:", f.mobile(international=True), "PHONE_NUMBER"), ("Adresa:", f.address(), "ADDRESS"),
    ):
        page.field(label, value, entity, column=520)
    page.skip()
    page.line("Automjeti me targë ", (f.plate(), "AL_VEHICLE_PLATE"), " lejohet të qarkullojë")
    page.line("në territorin e Bashkisë Shkodër deri më 31.12.2025.")
    return page


def english_form(f: Fakes) -> PageBuilder:
    page = PageBuilder("english", size=40)
    page.title("APPLICATION FORM")
    first, last, born = f.first_name(), f.surname(), f.birth_date()
    for label, value, entity in (
        ("Name:", first, "PERSON"), ("Surname:", last, "PERSON"),
        ("Date of birth:", f"{born.day} {born.strftime('%B')} {born.year}", "DATE_OF_BIRTH"),
        ("Personal number:", f.personal_number(born), "AL_PERSONAL_NUMBER"),
        ("Address:", f.address("Tiranë"), "ADDRESS"), ("Phone:", f.mobile(international=True), "PHONE_NUMBER"),
        ("Email:", f.email(first, last), "EMAIL_ADDRESS"),
    ):
        page.field(label, value, entity, column=560)
    page.skip()
    page.line("I confirm that the information above is correct.")
    return page


def declaration(f: Fakes) -> PageBuilder:
    """Names in running text, without field labels: in capitals, after titles, before "e lindur"."""
    page = PageBuilder("deklarate", font_file="DejaVuSerif.ttf", size=38)
    page.title("DEKLARATË NOTERIALE")
    a_first, a_last, b_first, b_last = f.first_name(), f.surname(), f.first_name(), f.surname()
    born = f.birth_date()
    page.line("Para meje, noterit, u paraqit shtetasi ", (f"{a_first} {a_last}".upper(), "PERSON"), ",")
    page.line("i cili deklaroi se ia shet pasurinë bashkëshortes së tij,")
    page.line((f"{b_first} {b_last}", "PERSON"), ", e lindur më ", (dmy(born), "DATE_OF_BIRTH"), ", me")
    page.line("banim në ", (f.address(), "ADDRESS"), ".")
    page.line("Dëshmitar: Z. ", (f"{f.first_name()} {f.surname()}", "PERSON"), ", tel. ",
              (f.mobile(international=False), "PHONE_NUMBER"))
    page.line("Pasuria ndodhet në Zonën Kadastrale nr. 8596, Shkodër.")
    page.line("Vendimi i Këshillit të Ministrave nr. 1234, datë 12.12.2019.")
    return page


def residence_certificate(f: Fakes) -> PageBuilder:
    """An address that runs over two lines: one finding per line."""
    page = PageBuilder("vertetim-banimi", size=40)
    header(page, "VËRTETIM BANIMI")
    page.line("Vërtetohet se shtetasja ", (f"{f.first_name()} {f.surname()}", "PERSON"), ",")
    page.line("me nr. personal ", (f.personal_number(female=True), "AL_PERSONAL_NUMBER"), ", banon në")
    street = f.rng.choice(Fakes.STREETS)
    page.line((f'Lagjja "{f.rng.choice(Fakes.QUARTERS)}", Rruga "{street}"', "ADDRESS"), ",")
    page.line((f"Pallati {f.rng.randint(1, 40)}, Shkalla {f.rng.randint(1, 4)}, Ap. {f.rng.randint(1, 30)}, "
               "Shkodër", "ADDRESS"), ".")
    page.line("Vërtetimi lëshohet për t'u paraqitur në Bankë.")
    return page


def stamped_certificate(f: Fakes) -> PageBuilder:
    """The official's name under a signature, half covered by the office's grey stamp."""
    page = PageBuilder("vertetim-me-vule", font_file="DejaVuSerif.ttf", size=38)
    header(page, "VËRTETIM")
    page.line("Vërtetohet se shtetasi ", (f"{f.first_name()} {f.surname()}", "PERSON"), " nuk ka detyrime")
    page.line("ndaj Bashkisë Shkodër deri më 30.06.2024.")
    page.skip(2)
    page.line("Përgjegjësi i Sektorit", x=980)
    page.skip(1.5)
    signer_y = page.y
    page.line((f"{f.first_name()} {f.surname()}", "PERSON"), x=1000)
    # A signature scribble over the name line and a round stamp printed in grey across it.
    page.draw.line([(960, signer_y - 20), (1120, signer_y - 70), (1180, signer_y - 10), (1400, signer_y - 40)],
                   fill=0, width=4)
    # Stamp ink darkens the paper and leaves the print under it black: drawn apart, laid on with min().
    stamp = Image.new("L", PAGE_SIZE, 255)
    ink = ImageDraw.Draw(stamp)
    centre = (1010, signer_y - 10)
    for radius, width in ((150, 9), (110, 5)):
        ink.ellipse([centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius],
                    outline=150, width=width)
    small = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 30)
    ink.text((centre[0] - 85, centre[1] - 20), "BASHKIA", font=small, fill=150)
    ink.text((centre[0] - 85, centre[1] + 15), "SHKODËR", font=small, fill=150)
    page.image = Image.fromarray(np.minimum(np.asarray(page.image), np.asarray(stamp)))
    return page


def municipal_notice(f: Fakes) -> PageBuilder:
    """Official text with dates, numbers and place names that are not personal data."""
    page = PageBuilder("njoftim", size=38)
    header(page, "NJOFTIM PËR SHËRBIMET")
    page.line("Sportelet e Zyrës me Një Ndalesë janë të hapura")
    page.line("nga e hëna në të premten, ora 08:00 - 16:00.")
    page.line("Tarifa për certifikatën familjare: 100 lekë.")
    page.line("Ligji nr. 139/2015, datë 17.12.2015, neni 12.")
    page.line("Nr. Prot. 4521/3, Shkodër, më 20.06.2024")
    page.line("Pallati i Kulturës dhe Sheshi Demokracia mbeten")
    page.line("të mbyllura për punime deri më 01.09.2024.")
    page.line("Kërkesat dorëzohen pranë Njësisë Administrative Rrethina")
    page.line("ose online në portalin e-Albania.")
    page.skip()
    page.line("Kryetari i Bashkisë")
    return page


PAGE_MAKERS: tuple[Callable[[Fakes], PageBuilder], ...] = (
    personal_certificate, request_letter, lease, business_extract, family_certificate, transport_permit,
    english_form, declaration, residence_certificate, stamped_certificate, municipal_notice,
)


def build_pages(seed: int = 20240515) -> list[Rendered]:
    fakes = Fakes(seed)
    pages = [make(fakes).render() for make in PAGE_MAKERS]
    # A worn copy: blurred and grainy, the way a photocopy of a photocopy scans.
    worn = personal_certificate(fakes, font="DejaVuSerif.ttf", name="certifikate-kopje")
    pages.append(worn.render(blur=1.1, noise=14.0, seed=seed))
    small = lease(fakes)
    small.name = "kontrate-e-zbehte"
    pages.append(_faded(small.render(blur=0.9, noise=10.0, seed=seed + 1)))
    for number, make in enumerate((english_form, business_extract, family_certificate)):
        scanned = make(fakes)
        scanned.name += "-skanim-i-dobet"
        pages.append(_poor_scan(scanned.render(), seed=seed + 2 + number))
    return pages


def _poor_scan(rendered: Rendered, *, seed: int) -> Rendered:
    """A low-resolution, grainy, heavily compressed scan (about 150 dpi of detail, JPEG quality 30)."""
    image = Image.fromarray(rendered.image).filter(ImageFilter.GaussianBlur(1.0))
    width, height = image.size
    image = image.resize((width // 2, height // 2), Image.Resampling.BILINEAR).resize(
        (width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float64) + np.random.default_rng(seed).normal(0.0, 25.0, (height, width))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=30)
    return Rendered(rendered.name, np.asarray(Image.open(buffer).convert("L"), dtype=np.uint8), rendered.truth,
                    rendered.plain)


def _faded(rendered: Rendered) -> Rendered:
    """A light grey print scanned at low contrast."""
    pixels = 110 + rendered.image.astype(np.float64) * (145 / 255)
    return Rendered(rendered.name, np.clip(pixels, 0, 255).astype(np.uint8), rendered.truth, rendered.plain)


# ------------------------------------------------------------------------------------------- fixtures


def ocr(image: NDArray[np.uint8], page_index: int = 0) -> PageOcr:
    from stages.ocr import recognize

    return recognize(image, page_index=page_index, dpi=DPI, lang="sqi+eng")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _words(text: str) -> set[str]:
    return {w for w in (re.sub(r"[^a-z0-9]", "", _fold(chunk)) for chunk in text.split()) if w}


def leaked(text: str, pages: list[Rendered]) -> list[str]:
    """Seeded values of ``pages`` that show in ``text``: the whole value (case, accents and spaces
    ignored), or any of its words of 4+ characters that is not also printed elsewhere on the pages."""
    squeezed = re.sub(r"[^a-z0-9]", "", _fold(text))
    found_words = _words(text)
    background = set().union(*(_words(" ".join(p.plain)) for p in pages))
    found = []
    for page in pages:
        for seeded in page.truth:
            whole = re.sub(r"[^a-z0-9]", "", _fold(seeded.value))
            words = {w for w in _words(seeded.value) if len(w) >= 4} - background
            if (len(whole) >= 6 and whole in squeezed) or words & found_words:
                found.append(seeded.value)
    return found


@dataclass(frozen=True)
class OcrPage:
    rendered: Rendered
    page: PageOcr


@pytest.fixture(scope="session")
def analyzer() -> AnalyzerEngine:
    from privacy.analyzer import build_analyzer

    return build_analyzer()


@pytest.fixture(scope="session")
def ocr_pages() -> list[OcrPage]:
    return [OcrPage(rendered, ocr(rendered.image, index)) for index, rendered in enumerate(build_pages())]


@pytest.fixture(scope="session")
def detections(ocr_pages: list[OcrPage], analyzer: AnalyzerEngine) -> list[list[PiiFinding]]:
    from privacy.detect import detect_pii

    return [detect_pii(p.page, p.rendered.image, analyzer) for p in ocr_pages]


# ------------------------------------------------------------------------------------------- scoring




RECALL_COVERAGE = 0.9
"""A seeded value counts as found when findings of its type cover this share of its ink box."""
PRECISION_OVERLAP = 0.5
"""A finding counts as right when it and a seeded value of its type overlap by this share of the smaller box
(OCR boxes of a noisy scan are taller than the ink: specks stick to the letters)."""




def score_pages(pages: list[OcrPage], detections: list[list[PiiFinding]]) -> dict[str, EntityScore]:
    scores: dict[str, EntityScore] = {}
    for ocr_page, findings in zip(pages, detections, strict=True):
        for seeded in ocr_page.rendered.truth:
            score = scores.setdefault(seeded.entity, EntityScore())
            score.seeded += 1
            boxes = [f.bbox for f in findings if f.entity_type == seeded.entity]
            score.found += coverage(seeded.bbox, boxes) >= RECALL_COVERAGE
        for finding in findings:
            score = scores.setdefault(finding.entity_type, EntityScore())
            score.findings += 1
            truth = [s.bbox for s in ocr_page.rendered.truth if s.entity == finding.entity_type]
            score.correct += any(
                finding.bbox.intersection_area(box) >= PRECISION_OVERLAP * min(area(finding.bbox), area(box))
                for box in truth
            )
    return scores


def iter_seeded(pages: list[OcrPage]) -> Iterator[tuple[int, Seeded]]:
    for index, page in enumerate(pages):
        for seeded in page.rendered.truth:
            yield index, seeded


# ---------------------------------------------------------------------------------- hand-laid pages


def synthetic_word(text: str, x: int, y: int, line: int, *, conf: float = 92.0, height: int = 40) -> Word:
    """An OCR word laid by hand at (``x``, ``y``), 22 px a character wide; ``line`` // 100 is its block."""
    return Word(text=text, bbox=BBox(x0=x, y0=y, x1=x + 22 * len(text), y1=y + height), conf=conf,
                block=line // 100, line=line)


def synthetic_page(words: list[Word], *, width: int = 2400, height: int = 1400) -> PageOcr:
    """A 300 dpi page of hand-laid words."""
    return PageOcr(page_index=0, width=width, height=height, dpi=300, lang="sqi+eng", words=words,
                   mean_confidence=90.0)
