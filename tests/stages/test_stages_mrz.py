"""Machine-readable zones read again and kept where ICAO 9303's check digits confirm them (stages/mrz.py)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.models import BBox, Word
from stages.mrz import check_digit, confirm_data_lines, data_lines_valid, fill_to, name_line_valid, read_zones
from stages.ocr import recognize
from tests.stages.conftest import DPI, Gray, render_lines, scan_like

# ICAO 9303's own specimens (part 5 TD1, part 6 TD2, part 4 TD3).
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_check_digits_of_the_icao_specimens() -> None:
    assert (check_digit("D23145890"), check_digit("740812"), check_digit("120415")) == ("7", "2", "9")
    assert data_lines_valid(TD1[:2]) and data_lines_valid(TD2[1:]) and data_lines_valid(TD3[1:])
    assert name_line_valid(TD1[2], 0) and name_line_valid(TD2[0], 5) and name_line_valid(TD3[0], 5)


@pytest.mark.parametrize("lines", [
    [TD1[0].replace("D23", "D28"), TD1[1]],  # document number against its check digit
    [TD1[0], TD1[1].replace("740812", "740813")],  # birth date
    [TD1[0], TD1[1][:-1] + "5"],  # the composite
    [TD1[0].replace("<<<<<<<<<<<<<<<", "<<<<<<<<<<<<<<1"), TD1[1]],  # optional data, seen by the composite only
    [TD1[0], TD1[1].replace("UTO<", "UTO«")],  # a check counts "«" as a filler: the line is not the zone's
    [TD1[0][:-1], TD1[1]],  # one character short
])
def test_a_misread_character_fails_the_checks(lines: list[str]) -> None:
    assert not data_lines_valid(lines)


def test_a_run_of_fillers_read_short_is_grown_to_the_line_length() -> None:
    assert fill_to("ERIKSSON<<ANNA<MARIA<<<<<", 30) == TD1[2]
    assert fill_to("7408122F1204159UTO<<<<<<<<6", 30) == TD1[1]
    assert fill_to("NOFILLERS", 30) == "NOFILLERS"


def test_dates_and_check_digits_are_digits_and_one_swap_in_the_personal_number_is_confirmed() -> None:
    # Albanian card: the personal number's decade letter "J" read "3", the composite "0" read "Q".
    first, second = "IDALB8071471165395302444C<<<<<", "9903023F3208209ALB<<<<<<<<<<<Q"
    assert confirm_data_lines([(first, first), (second, second)]) == [
        "IDALB8071471165J95302444C<<<<<", "9903023F3208209ALB<<<<<<<<<<<0"]
    # The re-reading is taken when it passes, the first reading where only it does.
    misread = TD1[1].replace("740812", "740B12")
    assert confirm_data_lines([(TD1[0], TD1[0]), (misread.replace("B", "9"), TD1[1])]) == TD1[:2]
    # Nothing passes: nothing is made up.
    assert confirm_data_lines([(TD1[0], TD1[0]), ("7408122F1204159UTO<<<<<<<<<<<5",) * 2]) is None


def _word(text: str, x0: int, y0: int, line: int) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, y0=y0, x1=x0 + 20 * len(text), y1=y0 + 30), conf=90.0, line=line)


def _never_read(_: Gray) -> str:
    raise AssertionError("a page without a zone must not be read again")


def test_pages_without_a_zone_are_not_read_again() -> None:
    words = [_word("Numri", 100, 100, 0), _word("<<", 300, 100, 0), _word("Emri:", 100, 160, 1),
             _word("A<B", 300, 160, 1)]
    assert read_zones(words, np.full((400, 800), 255, dtype=np.uint8), _never_read) == words


@pytest.mark.parametrize(("zone", "pt"), [
    (["IDALB1271189470I15313114K<<<<<", "8103136F3206205ALB<<<<<<<<<<<9", "PALOKA<<ANDJA<<<<<<<<<<<<<<<<<"], 9.0),
    (["IDALB1271189470I15313114K<<<<<", "8103136F3206205ALB<<<<<<<<<<<9", "PALOKA<<ANDJA<<<<<<<<<<<<<<<<<"], 10.0),
    (["IDALB8071471165J95302444C<<<<<", "9903023F3208209ALB<<<<<<<<<<<0", "KULLA<<ELEKTRA<<<<<<<<<<<<<<<<"], 9.0),
])
def test_an_id_cards_zone_is_read_exactly(zone: list[str], pt: float) -> None:
    """The page OCR alone reads these scans with a decade letter as a digit ("I" as "1", "J" as "3"), a
    filler as "«", a check digit as "Q" and a run of fillers as "c<cccc<c<"."""
    page = scan_like(render_lines(["Republika e Shqipërisë / Republic of Albania", *zone], font="DejaVuSansMono.ttf",
                                  pt=pt, height_in=3.0, spacing=1.6), seed=3)
    read = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr").text.splitlines()
    assert read[1:] == zone
