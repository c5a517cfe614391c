"""Fake people, companies and identifiers that pass the same checks real ones do.

NIPT, IBAN and phone numbers are drawn until python-stdnum and phonenumbers accept them. The personal
number (NID) follows the public layout (decade letter, year digit, month with +50 for women, day, 3-digit
serial, check letter) and is accepted by the ``idnumbers`` parser; its check-letter algorithm is not
public, so the letter is random and only the format is valid.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.al import nipt as stdnum_nipt

NAMES_FILE = Path(__file__).with_name("names.json")

REFERENCE_DAY = date(2025, 10, 15)
"""Documents are dated around this day, so that output never depends on the clock."""

_DECADE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRST"  # 1800s .. 2090s, as idnumbers reads them
_NID_CHECK_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVW"
_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVXZ"

BANKS: tuple[tuple[str, str], ...] = (
    ("202", "Raiffeisen Bank"),
    ("205", "Banka Kombëtare Tregtare"),
    ("208", "Intesa Sanpaolo Bank Albania"),
    ("212", "Banka Credins"),
)

SHKODER_QUARTERS = (
    "Vasil Shanto", "Qemal Stafa", "Perash", "Tophana", "Partizani", "Kiras", "Mark Lule", "Skënderbeg",
    "Ndre Mjeda", "3 Heronjtë", "Guerrile", "Dobraç", "Rus", "Arra e Madhe", "Salo Halili", "Vojo Kushi",
)
SHKODER_STREETS = (
    "Rruga Kolë Idromeno", "Rruga 13 Dhjetori", "Rruga Gjuhadol", "Rruga Marin Barleti", "Rruga Ndre Mjeda",
    "Rruga Bujar Bishanaku", "Rruga Hasan Riza Pasha", "Rruga Vaso Pasha", "Rruga Qemal Draçini",
    "Rruga At Gjergj Fishta", "Rruga Dom Nikoll Kaçorri", "Rruga Studenti", "Rruga Çlirimi", "Rruga Teuta",
    "Rruga Shtjefën Gjeçovi", "Rruga Pjetër Bogdani", "Rruga Oso Kuka", "Bulevardi Zogu i Parë",
    "Rruga Bratislava", "Rruga Besnik Ceka", "Rruga Ismail Qemali", "Rruga Fushë Çelë", "Rruga Ali Lacej",
    "Bulevardi Skënderbeu",
)
SHKODER_UNITS = {
    "Rrethinat": ("Shtoj i Ri", "Shtoj i Vjetër", "Golem", "Dobraç"),
    "Postribë": ("Drisht", "Mes", "Boks", "Ura e Shtrenjtë"),
    "Velipojë": ("Baks", "Pulaj", "Gomsiqe", "Luarzë"),
    "Bërdicë": ("Trush", "Bërdicë e Madhe", "Mali i Jushit"),
    "Ana e Malit": ("Oblikë", "Muriqan", "Velinaj"),
    "Dajç": ("Belaj", "Suka", "Shirq"),
    "Guri i Zi": ("Juban", "Rragam", "Ganjollë"),
}
OTHER_CITIES = {
    "Tiranë": ("Rruga e Kavajës", "Rruga Myslym Shyri", "Bulevardi Zogu I", "Rruga e Durrësit",
               "Rruga Sami Frashëri", "Rruga Him Kolli"),
    "Lezhë": ("Rruga Gjergj Fishta", "Rruga Besëlidhja", "Rruga Skënderbeg"),
    "Durrës": ("Rruga Skënderbeg", "Rruga Tregtare", "Rruga Pavarësia"),
    "Vau i Dejës": ("Rruga Ded Gjo Luli", "Rruga Kodra"),
    "Koplik": ("Rruga Gjergj Kastrioti", "Rruga Qendër"),
}
POSTCODES = {"Shkodër": "4001", "Tiranë": "1001", "Lezhë": "4501", "Durrës": "2001", "Vau i Dejës": "4007",
             "Koplik": "4301"}
BIRTHPLACES = ("Shkodër", "Shkodër", "Shkodër", "Tiranë", "Lezhë", "Pukë", "Vau i Dejës", "Koplik",
               "Durrës", "Ulqin", "Malësi e Madhe")

_COMPANY_STEMS = ("Rozafa", "Drini", "Buna", "Taraboshi", "Velipoja", "Alb-Tek", "Shkodra Trans",
                  "Marubi", "Kiri", "Cukali", "Liqeni", "Mes-Bridge", "Vllaznia", "Bardha")
_COMPANY_TRADES = ("Ndërtim", "Trans", "Market", "Konsulting", "Group", "Invest", "Agro", "Servis",
                   "Farma", "Print")


def ascii_fold(text: str) -> str:
    """Text as typed on a keyboard without Albanian letters (ë -> e, ç -> c)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1)
def _name_pools() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    data = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    excluded = set(data["excluded"]["names"])
    firsts = tuple(n for n in data["first_names"]["names"] if len(n) >= 3 and n not in excluded)
    female = tuple(n for n in firsts if _looks_female(n))
    male = tuple(n for n in firsts if not _looks_female(n))
    surnames = tuple(n for n in data["surnames"]["names"] + data["extra_surnames"]["names"] if n not in excluded)
    return female, male, surnames


def _looks_female(name: str) -> bool:
    # The name list carries no gender; Albanian women's names overwhelmingly end in -a or -e.
    return name[-1].lower() in "ae"


@dataclass(frozen=True)
class Address:
    city: str
    street: str
    number: str
    quarter: str | None = None
    unit: str | None = None
    village: str | None = None
    building: str | None = None

    def written(self, form: int = 0) -> str:
        """The address as printed, in one of a few house styles."""
        postcode = POSTCODES.get(self.city, "")
        if self.village is not None:
            return f"Njësia Administrative {self.unit}, fshati {self.village}, {self.city}"
        short = self.street.replace("Rruga ", "Rr. ", 1)
        if form % 4 == 1 and self.quarter:
            return f"{short}, {self.building or 'Nr. ' + self.number}, L. {self.quarter}, {self.city}"
        if form % 4 == 2:
            return f"{self.street}, Nr. {self.number}, {self.city} {postcode}".strip()
        if form % 4 == 3 and self.building and self.quarter:
            return f"Lagjja {self.quarter}, {self.street}, {self.building}, {self.city}"
        quarter = f"Lagjja {self.quarter}, " if self.quarter else ""
        return f"{quarter}{self.street}, Nr. {self.number}, {self.city}"

    def written_en(self) -> str:
        if self.village is not None:
            return f"Village {self.village}, {self.unit} Administrative Unit, {self.city}, Albania"
        return f"{self.street}, No. {self.number}, {self.city}, Albania"


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool
    birth: date
    nid: str
    father: str
    mother: str
    birthplace: str
    address: Address
    phone: str
    email: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Company:
    name: str
    nipt: str
    address: Address
    legal_form: str
    registered: date
    administrator: Person
    phone: str
    email: str


class Fakes:
    """A seeded source of fake people and identifiers; one per document."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # ---------------------------------------------------------------------------------------- names
    def first_name(self, female: bool) -> str:
        women, men, _ = _name_pools()
        return self.rng.choice(women if female else men)

    def surname(self) -> str:
        return self.rng.choice(_name_pools()[2])

    # ---------------------------------------------------------------------------------------- dates
    def date_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def birth_date(self, min_age: int = 18, max_age: int = 85) -> date:
        start = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - max_age)
        end = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - min_age)
        return self.date_between(start, end)

    def recent_date(self, max_days: int = 120) -> date:
        return REFERENCE_DAY - timedelta(days=self.rng.randrange(max_days))

    # ---------------------------------------------------------------------------------- identifiers
    def nid(self, birth: date, female: bool) -> str:
        decade = _DECADE_CHARS[(birth.year - 1800) // 10]
        month = birth.month + (50 if female else 0)
        serial = self.rng.randrange(1, 1000)
        check = self.rng.choice(_NID_CHECK_LETTERS)
        return f"{decade}{birth.year % 10}{month:02d}{birth.day:02d}{serial:03d}{check}"

    def nipt(self) -> str:
        while True:
            first = self.rng.choice("JKLM")
            digits = "".join(self.rng.choice("0123456789") for _ in range(8))
            candidate = f"{first}{digits}{self.rng.choice('ABCDEFGHIJKLMNOPRSTUVW')}"
            if stdnum_nipt.is_valid(candidate):
                return candidate

    def iban(self, bank_code: str | None = None) -> str:
        """An Albanian IBAN, compact; the national check digit and mod-97 check digits are right."""
        bank = bank_code or self.rng.choice(BANKS)[0]
        branch = f"{self.rng.randrange(1000, 10000)}"
        bank_branch = bank + branch
        national = (10 - sum(int(d) * w for d, w in zip(bank_branch, (9, 7, 3, 1, 9, 7, 3), strict=True))
                    % 10) % 10
        account = "".join(self.rng.choice("0123456789") for _ in range(16))
        bban = f"{bank_branch}{national}{account}"
        check = stdnum_iban.calc_check_digits(f"AL00{bban}")
        number = f"AL{check}{bban}"
        stdnum_iban.validate(number)
        return number

    def mobile(self) -> str:
        """A mobile number in one of the ways people write it."""
        while True:
            national = f"6{self.rng.choice('789')}{self.rng.randrange(1_000_000, 10_000_000)}"
            if phonenumbers.is_valid_number(phonenumbers.parse("0" + national, "AL")):
                break
        form = self.rng.randrange(5)
        if form == 0:
            return f"+355 {national[:2]} {national[2:5]} {national[5:]}"
        if form == 1:
            return f"0{national[:2]} {national[2:5]} {national[5:]}"
        if form == 2:
            return f"0{national}"
        if form == 3:
            return f"+355{national}"
        return f"+355 {national[:2]} {national[2:]}"

    def landline(self) -> str:
        while True:
            national = f"22{self.rng.randrange(200_000, 300_000)}"
            if phonenumbers.is_valid_number(phonenumbers.parse("0" + national, "AL")):
                break
        if self.rng.random() < 0.5:
            return f"+355 {national[:2]} {national[2:5]} {national[5:]}"
        return f"0{national[:2]} {national[2:]}"

    def email(self, first: str, last: str) -> str:
        f, s = ascii_fold(first).lower(), ascii_fold(last).lower()
        domain = self.rng.choice(("gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com"))
        form = self.rng.randrange(4)
        if form == 0:
            return f"{f}.{s}@{domain}"
        if form == 1:
            return f"{f}{s}{self.rng.randrange(1, 99)}@{domain}"
        if form == 2:
            return f"{f[0]}.{s}@{domain}"
        return f"{s}_{f}@{domain}"

    def plate(self) -> str:
        letters = _PLATE_LETTERS
        return (f"{self.rng.choice(letters)}{self.rng.choice(letters)} {self.rng.randrange(100, 1000)} "
                f"{self.rng.choice(letters)}{self.rng.choice(letters)}")

    # ------------------------------------------------------------------------------------ addresses
    def address(self, *, city: str | None = None, rural: bool | None = None) -> Address:
        city = city or ("Shkodër" if self.rng.random() < 0.8 else self.rng.choice(list(OTHER_CITIES)))
        building = None
        if self.rng.random() < 0.4:
            building = (f"Pallati {self.rng.randrange(1, 60)}, Shkalla {self.rng.randrange(1, 4)}, "
                        f"Ap. {self.rng.randrange(1, 40)}")
        if city == "Shkodër":
            if rural if rural is not None else self.rng.random() < 0.2:
                unit = self.rng.choice(list(SHKODER_UNITS))
                return Address(city=city, street="", number="", unit=unit,
                               village=self.rng.choice(SHKODER_UNITS[unit]))
            return Address(city=city, street=self.rng.choice(SHKODER_STREETS),
                           number=str(self.rng.randrange(1, 120)), quarter=self.rng.choice(SHKODER_QUARTERS),
                           building=building)
        return Address(city=city, street=self.rng.choice(OTHER_CITIES[city]),
                       number=str(self.rng.randrange(1, 200)), building=building)

    # --------------------------------------------------------------------------------------- people
    def person(self, *, female: bool | None = None, surname: str | None = None, min_age: int = 18,
               max_age: int = 85, address: Address | None = None) -> Person:
        female = self.rng.random() < 0.5 if female is None else female
        first = self.first_name(female)
        last = surname or self.surname()
        birth = self.birth_date(min_age, max_age)
        return Person(first=first, last=last, female=female, birth=birth, nid=self.nid(birth, female),
                      father=self.first_name(False), mother=self.first_name(True),
                      birthplace=self.rng.choice(BIRTHPLACES), address=address or self.address(),
                      phone=self.mobile(), email=self.email(first, last))

    def company(self) -> Company:
        name = f"{self.rng.choice(_COMPANY_STEMS)} {self.rng.choice(_COMPANY_TRADES)}"
        form = self.rng.choice(("sh.p.k.", "SHPK", "sh.a."))
        legal = "Shoqëri Aksionare" if form == "sh.a." else "Shoqëri me Përgjegjësi të Kufizuar"
        admin = self.person(min_age=28, max_age=70)
        return Company(name=f"{name} {form}", nipt=self.nipt(), address=self.address(rural=False),
                       legal_form=legal, registered=self.date_between(date(1996, 1, 1), date(2023, 12, 31)),
                       administrator=admin, phone=self.mobile(),
                       email=f"info@{ascii_fold(name).lower().replace(' ', '').replace('-', '')}.al")


def format_date(day: date, form: int = 0) -> str:
    if form == 1:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if form == 2:
        return f"{day.day:02d}.{day.month:02d}.{day.year}".replace(".", "-")
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
MONTHS_SQ = ("janar", "shkurt", "mars", "prill", "maj", "qershor", "korrik", "gusht", "shtator", "tetor",
             "nëntor", "dhjetor")


def format_date_en(day: date) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_date_words_sq(day: date) -> str:
    return f"{day.day} {MONTHS_SQ[day.month - 1]} {day.year}"


AMOUNTS_SQ = {500: "pesëqind", 700: "shtatëqind", 1000: "një mijë", 1500: "një mijë e pesëqind",
              2000: "dy mijë", 3000: "tre mijë", 5000: "pesë mijë", 10000: "dhjetë mijë"}
AMOUNTS_EN = {500: "five hundred", 700: "seven hundred", 1000: "one thousand",
              1500: "one thousand five hundred", 2000: "two thousand", 3000: "three thousand",
              5000: "five thousand", 10000: "ten thousand"}


def group_thousands(amount: int, sep: str = " ") -> str:
    return f"{amount:,}".replace(",", sep)
