"""The OCR benchmark's error rates count misread characters, and the line-aligned one forgives reading
order but nothing else."""

from __future__ import annotations

from benchmarks.ocr_quality import edit_counts, line_edit_counts

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
