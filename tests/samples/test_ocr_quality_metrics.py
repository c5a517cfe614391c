"""The OCR benchmark's error rates count misread characters, and the line-aligned one forgives reading
order but nothing else."""

from __future__ import annotations

from benchmarks.ocr_quality import align_lines, edit_counts, line_edit_counts

TRUTH = "Emri: Arben\nMbiemri: Hoxha\nNr. personal: J81231234K"


def test_a_perfect_read_has_no_error() -> None:
    assert edit_counts(TRUTH.replace("\n", "  "), TRUTH) == (0, len(" ".join(TRUTH.split())))
    assert line_edit_counts(TRUTH, TRUTH)[0] == 0


def test_misread_characters_count_once_each() -> None:
    misread = TRUTH.replace("Arben", "Arbcn").replace("J812", "J8l2")
    assert edit_counts(misread, TRUTH)[0] == 2
    assert line_edit_counts(misread, TRUTH)[0] == 2


def test_reading_order_costs_only_in_the_strict_rate() -> None:
    lines = TRUTH.splitlines()
    shuffled = "\n".join([lines[2], lines[0], lines[1]])
    assert edit_counts(shuffled, TRUTH)[0] > 10
    assert line_edit_counts(shuffled, TRUTH)[0] == 0


def test_a_missing_line_counts_whole() -> None:
    edits, chars = line_edit_counts("Emri: Arben\nMbiemri: Hoxha", TRUTH)
    assert chars == sum(len(x) for x in TRUTH.splitlines())
    assert edits >= len("Nr. personal: J81231234K") - 4  # at best a few characters happen to align


def test_a_line_whose_parts_were_read_apart_costs_nothing() -> None:
    # A reference number printed left and a date right, read by tesseract as two lines far apart.
    truth = "Nr. 1940 Prot. Shkodër, më 13.10.2025\nVërtetim banimi"
    found = "Shkodër, më 13.10.2025\nVërtetim banimi\nNr. 1940 Prot."
    assert line_edit_counts(found, truth)[0] == 0
    assert edit_counts(found, truth)[0] > 10


def test_ocr_text_counts_for_one_true_line_only() -> None:
    # Two copies of a slip, the second not read: its lines are missing, not matched with the first copy's.
    truth = "Data: 07/09/2025\nShuma: 1500 lekë\nData: 07/09/2025\nShuma: 1500 lekë"
    edits, chars = line_edit_counts("Data: 07/09/2025\nShuma: 1500 lekë", truth)
    assert (edits, chars) == (chars // 2, chars)


def test_text_that_matches_no_true_line_is_spurious_not_an_error() -> None:
    alignment = align_lines("Emri: Arben\n~ ee ee |\nMbiemri: Hoxha", "Emri: Arben\nMbiemri: Hoxha")
    assert (alignment.edits, alignment.spurious) == (0, len("~ ee ee |"))


def test_a_misread_line_is_not_patched_together_from_unrelated_text() -> None:
    # "Klaus" is not on the page; pieces of other lines that share a few letters with it do not stand in.
    truth = "Klaus Ferizi\nRegjistri i pasurisë"
    alignment = align_lines("Regjistri i pasurisë\nFerizi\nKlinika e Shkodrës", truth)
    assert alignment.missing == ("Klaus",) and alignment.edits == len("Klaus")


def test_misread_characters_at_a_line_edge_count_once_each() -> None:
    assert line_edit_counts("Nr. personal: 175313263E", "Nr. personal: I75313263E")[0] == 1
    assert line_edit_counts("ate: 07/09/2025", "Date: 07/09/2025")[0] == 1
