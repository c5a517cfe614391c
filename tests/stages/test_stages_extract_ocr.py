"""Key fields read off OCR as sparse text gives it: a label can lose its first letter where it touches a
frame, and a date read without its slashes is ten digits that can pass a personal number's check."""

from __future__ import annotations

from pipeline.models import BBox, PageOcr, Word
from stages.extract import extract_fields, personal_number

DATE_AS_DIGITS = "1311012025"
"""13/10/2025 with both slashes read as 1: valid as the personal number I31101202S."""


def _page(lines: list[list[tuple[int, str]]]) -> PageOcr:
    words = []
    for row, line in enumerate(lines):
        y = 100 + row * 60
        for x, text in line:
            words.append(Word(text=text, bbox=BBox(x0=x, y0=y, x1=x + 18 * len(text), y1=y + 40), conf=90.0,
                              block=row, line=row))
    return PageOcr(page_index=0, width=2480, height=3508, dpi=300, lang="sqi+eng", words=words,
                   mean_confidence=90.0)


def _values(page: PageOcr, document_type: str = "payment_slip") -> dict[str, str]:
    return {f.name: f.value for f in extract_fields(document_type, [page]).fields}


def test_a_date_read_as_ten_digits_is_never_taken_for_a_personal_number() -> None:
    assert personal_number(DATE_AS_DIGITS) is not None  # the trap: it passes the check
    page = _page([
        [(300, "ata:"), (900, DATE_AS_DIGITS)],  # "Data:" with its D lost against the frame
        [(300, "aguesi:"), (900, "Realdo"), (1040, "Aliaj")],
        [(300, "r."), (344, "personal:"), (900, "F81019042S")],
    ])
    assert _values(page).get("personal_number") == "F81019042S"


def test_with_no_number_on_the_page_a_date_gives_none() -> None:
    page = _page([[(300, "ata:"), (900, DATE_AS_DIGITS)], [(300, "Shuma:"), (900, "3.000,00"), (1080, "ALL")]])
    assert "personal_number" not in _values(page)


def test_a_number_whose_first_letter_was_read_as_a_digit_is_still_found_unlabelled() -> None:
    # I85602889B printed in running text and read "185602889B": one end a digit is OCR's usual slip.
    page = _page([[(300, "me"), (360, "nr."), (440, "personal"), (640, "185602889B,"), (880, "me"), (940, "banim")]])
    assert _values(page, "residence_certificate").get("personal_number") == "I85602889B"


def test_a_labelled_value_still_reads_both_ends_as_letters() -> None:
    # Behind its label a value is taken even when OCR gave digits at both ends (I...I read as 1...1).
    page = _page([[(300, "Nr."), (360, "personal:"), (900, "1806234031")]])
    assert _values(page).get("personal_number") == "I80623403I"
