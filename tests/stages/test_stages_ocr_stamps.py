"""A stamp pressed over a signatory's title and name, and numbers whose check says how OCR misread them:
personal numbers, IBAN check digits, the "+" of an international phone number."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.models import BBox, Word
from stages.iban_digits import restore_iban_check_digits
from stages.ocr import recognize
from stages.personal_numbers import personal_numbers
from stages.phone_plus import restore_plus
from stages.stamp_ink import stain_share, stained
from tests.stages.conftest import DPI, SIGNATORY_TITLE, Gray, scan_like, signature_block, stamp_layer

_TITLE = SIGNATORY_TITLE


def _stamped_signature_block(stamp_grey: int | None) -> Gray:
    """A title and a name in black, and (unless ``stamp_grey`` is None) a round stamp in mid-grey ink
    multiplied over them, as a rubber stamp's ink lies over print."""
    printed = signature_block().astype(np.float32)
    if stamp_grey is None:
        return np.asarray(printed, dtype=np.uint8)
    stamped = printed * np.asarray(stamp_layer("L", stamp_grey), dtype=np.float32) / 255.0
    return np.asarray(np.clip(stamped, 0, 255), dtype=np.uint8)


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
@pytest.mark.parametrize("grey", [130, 150])
def test_a_title_under_a_grey_stamp_is_read(engine: str, grey: int) -> None:
    # The stamp's ring and letters crossing the print were read with it as one shape ("fs Admini or of
    # the Sector"); read again with the lighter ink taken away, the title comes out whole. (A word the
    # stamp hides so wholly that it is not read at all, as "Xhib" of the name here, is not looked for.)
    page = scan_like(_stamped_signature_block(grey), seed=21)
    lines = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine).text.splitlines()
    assert _TITLE in lines


def test_grey_ink_over_print_stains_a_line_and_print_alone_does_not() -> None:
    clean = scan_like(_stamped_signature_block(None), seed=22)
    stamped = scan_like(_stamped_signature_block(150), seed=22)
    crossed = BBox(x0=round(2.6 * DPI), y0=round(0.5 * DPI), x1=round(4.0 * DPI), y1=round(0.66 * DPI))
    assert stain_share(clean, crossed, DPI) < 0.002
    assert stained(stamped, crossed, DPI)
    assert not stained(clean, crossed, DPI)


def _words(*texts: str) -> list[Word]:
    return [Word(text=text, bbox=BBox(x0=100 * n, y0=0, x1=100 * n + 90, y1=30), conf=95.0, block=0, line=0)
            for n, text in enumerate(texts)]


def _texts(words: list[Word]) -> list[str]:
    return [w.text for w in words]


@pytest.mark.parametrize(("read", "meant"), [("JOO214665Q,", "J00214665Q,"), ("HO59210771", "H05921077I"),
                                              ("JOS719170P", "J05719170P")])
def test_a_personal_numbers_zeros_read_as_letters_are_put_back(read: str, meant: str) -> None:
    assert _texts(personal_numbers(_words("number", read))) == ["number", meant]


@pytest.mark.parametrize("text", ["JO2901605V", "NOOSBIZOOA", "AB12345678"])
def test_letters_in_what_is_no_personal_number_stay(text: str) -> None:
    # A tax number (no such month), and runs that give no valid number with their letters as digits.
    assert _texts(personal_numbers(_words("number", text))) == ["number", text]


@pytest.mark.parametrize(("read", "meant"), [
    ("ALSO 2053 6653 7698 7275 9911 1593", "AL50 2053 6653 7698 7275 9911 1593"),
    ("ALIA 2058 9503 4579 7120 0675 1824 at Banka", "AL14 2058 9503 4579 7120 0675 1824 at Banka"),
    ("DEB9 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
])
def test_iban_check_digits_read_as_letters_are_put_back(read: str, meant: str) -> None:
    assert " ".join(_texts(restore_iban_check_digits(_words(*read.split())))) == meant


@pytest.mark.parametrize("text", ["ALSO 2053 6653 7698 7275 9911 1594", "ALSO THE BANK", "AL50 2053 6653 7698"])
def test_what_fails_the_iban_check_stays_as_read(text: str) -> None:
    assert " ".join(_texts(restore_iban_check_digits(_words(*text.split())))) == text


@pytest.mark.parametrize(("read", "meant"), [("Tel. t355 69 183 4972", "Tel. +355 69 183 4972"),
                                              ("phone t 355691834972", "phone + 355691834972"),
                                              ("T4930 901820", "+4930 901820")])
def test_the_plus_of_an_international_number_is_put_back(read: str, meant: str) -> None:
    assert " ".join(_texts(restore_plus(_words(*read.split())))) == meant


@pytest.mark.parametrize("text", ["t355 12", "at 355 69 183 4972", "t2 engine", "Tel. 069 183 4972"])
def test_a_t_before_no_valid_international_number_stays(text: str) -> None:
    assert " ".join(_texts(restore_plus(_words(*text.split())))) == text
