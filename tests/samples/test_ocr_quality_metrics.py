"""The OCR benchmark's error rates count misread characters, and the line-aligned one forgives reading
order but nothing else."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from benchmarks.ocr_quality import (
    OcrQuality,
    PageFigure,
    SkewFigure,
    align_lines,
    edit_counts,
    line_edit_counts,
    storage_kind,
)

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


def _skewed_page(doc_id: str, edits: int, twin: int, turned: int, kind: str = "pdf") -> PageFigure:
    return PageFigure(doc_id=doc_id, document_type="family_certificate", language="sqi", layout="standard",
                      lang="sqi+eng", edits=edits, chars=1000, ordered_edits=edits, orientation_ok=True,
                      skew_error_deg=0.01, skewed=True, straight_edits=turned, file_kind=kind, twin_edits=twin,
                      true_skew_deg=3.0)


def test_the_skew_figure_is_the_skewed_pages_error_over_their_straight_twins() -> None:
    quality = OcrQuality(pages=[
        _skewed_page("a", 30, 20, 25), _skewed_page("b", 10, 10, 10, kind="tiff-g4"),
        _skewed_page("c", 5, 10, 5, kind="tiff-g4"),
        # Not skewed, or no twin: not part of the figure.
        replace(_skewed_page("d", 90, 1, 1), skewed=False), replace(_skewed_page("e", 90, 1, 1), twin_edits=None),
    ])
    figure = quality.skew_figure()
    assert [p.doc_id for p in figure.pages] == ["a", "b", "c"]
    assert figure.ratio == pytest.approx(45 / 40)
    assert figure.turned_ratio == pytest.approx(45 / 40)
    assert figure.by(lambda p: p.file_kind)["tiff-g4"].ratio == pytest.approx(15 / 20)
    data = figure.to_json()
    assert data["skewed_pages_all"] == 3
    pages = data["skewed_page_figures"]
    assert isinstance(pages, list) and [p["doc_id"] for p in pages] == ["a", "b", "c"]  # most extra edits first


def test_the_skew_figure_interval_widens_with_fewer_and_more_uneven_pages() -> None:
    even = SkewFigure(tuple(_skewed_page(str(i), 11, 10, 10) for i in range(60)))
    low, high = even.interval()
    assert low == pytest.approx(1.1) and high == pytest.approx(1.1)
    # One page that tesseract misread wholesale moves a small corpus's ratio far: the interval shows it.
    uneven = SkewFigure(tuple(_skewed_page(str(i), 100 if i == 0 else 10, 10, 10) for i in range(20)))
    low, high = uneven.interval()
    assert low <= 1.0 < uneven.ratio < high and high - low > 0.5


def test_a_bilevel_tiff_is_told_from_a_greyscale_one() -> None:
    pixels = np.full((40, 60), 255, dtype=np.uint8)
    pixels[10:30, 20:40] = 0
    files = {}
    for kind, image, compression in (("tiff-g4", Image.fromarray(pixels > 128), "group4"),
                                     ("tiff", Image.fromarray(pixels), "tiff_lzw")):
        buffer = io.BytesIO()
        image.save(buffer, format="TIFF", compression=compression)
        files[kind] = buffer.getvalue()
    assert {kind: storage_kind("docs/doc001.tif", data) for kind, data in files.items()} == {
        "tiff-g4": "tiff-g4", "tiff": "tiff"}
    assert storage_kind("docs/doc002.jpg", b"") == "jpeg"
