"""Splitting a batch: sheets read from real rendered pages, then every way a batch is cut."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from pipeline.catalog import Catalog, load_catalog
from pipeline.errors import InputError
from pipeline.models import SheetInfo
from stages.sheets import render_cover_sheet, render_separator_sheet
from stages.split import (
    boundary_f1,
    document_starts,
    file_starts,
    inspect_sheet,
    opens_a_document,
    page_number,
    split_batch,
)
from tests.classify.doc_texts import ALBANIAN, ocr_noise

DPI = 100
A4 = (round(297 / 25.4 * DPI), round(210 / 25.4 * DPI))

COVER = SheetInfo(kind="cover", case_id="C-7", service_id="blq_strehim_invalidet")
SEPARATOR = SheetInfo(kind="separator")
BLANK = SheetInfo(kind="blank")
CONTENT = SheetInfo(kind="content", ink_ratio=0.05)


def _white() -> NDArray[np.uint8]:
    return np.full(A4, 255, dtype=np.uint8)


def _text_page(lines: list[str]) -> NDArray[np.uint8]:
    page = _white()
    for i, line in enumerate(lines):
        cv2.putText(page, line, (80, 120 + 30 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1, cv2.LINE_AA)
    return page


def _speckled_blank(seed: int) -> NDArray[np.uint8]:
    page = _white()
    rng = np.random.default_rng(seed)
    page.flat[rng.integers(0, page.size, page.size // 400)] = 0  # dust
    page[:, : A4[1] // 60] = 70  # the scanner lid's shadow along one edge
    return page


def _spans(result: object) -> list[tuple[int, int, str]]:
    return [(d.start, d.end, d.boundary) for d in result.documents]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# ----------------------------------------------------------------------------------------- inspect_sheet


def test_cover_sheet_is_read_with_its_case_and_service() -> None:
    info = inspect_sheet(render_cover_sheet("C-2024-0042", "pv_licence_taksi", dpi=DPI))
    assert (info.kind, info.case_id, info.service_id) == ("cover", "C-2024-0042", "pv_licence_taksi")


def test_separator_sheet_is_read() -> None:
    assert inspect_sheet(render_separator_sheet(dpi=DPI)).kind == "separator"


@pytest.mark.parametrize("seed", [0, 1])
def test_a_dusty_page_with_a_dark_edge_is_blank(seed: int) -> None:
    info = inspect_sheet(_speckled_blank(seed))
    assert info.kind == "blank"
    assert info.ink_ratio < 0.0002


def test_a_page_with_one_line_of_text_is_content() -> None:
    info = inspect_sheet(_text_page(["Ky vertetim leshohet per tu perdorur prane Zyres me Nje Ndalese."]))
    assert info.kind == "content"
    assert info.ink_ratio > 0.0002


def test_colour_pages_are_read_too() -> None:
    cover = np.asarray(cv2.cvtColor(render_cover_sheet("C-9", "ks_gjl_murale", dpi=DPI), cv2.COLOR_GRAY2BGR),
                       dtype=np.uint8)
    assert inspect_sheet(cover).kind == "cover"


def test_images_that_are_not_pages_get_a_clear_error() -> None:
    with pytest.raises(InputError):
        inspect_sheet(np.zeros((10, 10), dtype=np.float32))
    with pytest.raises(InputError):
        inspect_sheet(np.zeros((0, 0), dtype=np.uint8))


# ------------------------------------------------------------------------------------------ split_batch


def test_cover_routes_the_batch_and_separators_cut_it() -> None:
    result = split_batch([COVER, CONTENT, CONTENT, SEPARATOR, CONTENT, SEPARATOR, CONTENT])
    assert (result.case_id, result.service_id) == ("C-7", "blq_strehim_invalidet")
    assert _spans(result) == [(1, 3, "cover"), (4, 5, "separator"), (6, 7, "separator")]
    assert len(result.sheets) == 7


def test_blank_pages_inside_a_document_are_kept_by_default() -> None:
    result = split_batch([CONTENT, BLANK, CONTENT, SEPARATOR, CONTENT, BLANK])
    assert _spans(result) == [(0, 3, "batch"), (4, 6, "separator")]


def test_blank_pages_separate_when_asked() -> None:
    result = split_batch([CONTENT, BLANK, CONTENT, CONTENT, BLANK, BLANK, CONTENT], blank_separates=True)
    assert _spans(result) == [(0, 1, "batch"), (2, 4, "separator"), (6, 7, "separator")]


def test_runs_of_sheets_and_blank_pages_make_no_document() -> None:
    result = split_batch([COVER, SEPARATOR, BLANK, SEPARATOR, CONTENT, SEPARATOR])
    assert _spans(result) == [(4, 5, "separator")]


def test_without_separators_or_texts_the_batch_is_one_document() -> None:
    assert _spans(split_batch([CONTENT, CONTENT, BLANK, CONTENT])) == [(0, 4, "batch")]


def test_covers_of_two_cases_in_one_batch_are_refused() -> None:
    other = SheetInfo(kind="cover", case_id="C-8", service_id="blq_strehim_invalidet")
    with pytest.raises(InputError):
        split_batch([COVER, CONTENT, other, CONTENT])


def test_page_texts_must_match_the_pages() -> None:
    with pytest.raises(InputError):
        split_batch([CONTENT, CONTENT], ["only one"])


LEASE_PAGE_2 = """Neni 4 Detyrimet e palëve
Qiramarrësi paguan faturat e energjisë dhe ujit.
Neni 5 Zgjidhja e kontratës
Kontrata zgjidhet me njoftim një muaj përpara.
QIRADHËNËSI QIRAMARRËSI
NOTERI"""


def test_page_numbers_cut_a_batch_without_separators(catalog: Catalog) -> None:
    texts = [
        ALBANIAN["lease_or_use_contract"] + "\nFaqe 1 nga 2",
        LEASE_PAGE_2 + "\nFaqe 2 nga 2",
        ALBANIAN["lease_or_use_contract"] + "\nFaqja 1/3",
        "Neni 7 Të tjera\nKjo kontratë hartohet në tre kopje.\nFaqja 2/3",
        "Neni 9 Dispozita të fundit\nFaqja 3/3",
    ]
    result = split_batch([CONTENT] * 5, texts, catalog=catalog)
    assert [d.start for d in result.documents] == [0, 2]
    assert [d.boundary for d in result.documents] == ["batch", "auto"]


def test_titles_and_a_change_of_type_cut_a_batch(catalog: Catalog) -> None:
    texts = [
        ocr_noise(ALBANIAN["family_certificate"], rate=0.05, seed=1),
        ocr_noise(ALBANIAN["lease_or_use_contract"], rate=0.05, seed=2),
        ocr_noise(LEASE_PAGE_2, rate=0.05, seed=3),
        "",
        ocr_noise(ALBANIAN["id_card_copy"], rate=0.05, seed=4),
        ocr_noise(ALBANIAN["payment_slip"], rate=0.05, seed=5),
    ]
    sheets = [CONTENT, CONTENT, CONTENT, BLANK, CONTENT, CONTENT]
    result = split_batch(sheets, texts, catalog=catalog)
    assert [(d.start, d.end) for d in result.documents] == [(0, 1), (1, 4), (4, 5), (5, 6)]
    assert boundary_f1([0, 1, 4, 5], [d.start for d in result.documents]) == 1.0


def test_document_starts_of_a_span_keep_leading_and_inner_blank_pages(catalog: Catalog) -> None:
    """What the worker calls on one provisional document: starts relative to the span, the first page
    always one even when blank, blank pages never a start."""
    texts = ["", ocr_noise(ALBANIAN["family_certificate"], rate=0.05, seed=6), "",
             ocr_noise(ALBANIAN["id_card_copy"], rate=0.05, seed=7)]
    blank = [True, False, True, False]
    assert document_starts(texts, blank, catalog=catalog) == [0, 3]
    assert document_starts(["", ""], [True, True], catalog=catalog) == [0]
    assert document_starts([], [], catalog=catalog) == []
    with pytest.raises(InputError):
        document_starts(["a"], [False, False], catalog=catalog)


@pytest.mark.parametrize(("text", "first"), [
    ("Republika e Shqiperise\nBASHKIA SHKODER\nDEKLARATË\nUnë i nënshkruari ...", True),
    ("NOTARY OFFICE SHERIF DIBRA, Bulevardi Skënderbeu\nNr. 1846 Rep.\nTENANCY AGREEMENT\nToday ...", True),
    ("VERTETIM\nDrejtoria vërteton se familja e shtetasit ...", True),
    ("Formulari tip i autodeklarimit\nUnë i nënshkruari ...", True),
    (LEASE_PAGE_2, False),
    ("HARTË TREGUESE E PASURISË\n15/353+5-15\n2124-43-22", False),
    ("Qiramarrësi paguan faturat e energjisë dhe ujit sipas kontratës\nNeni 6", False),
    ("", False),
])
def test_a_first_page_is_known_by_its_letterhead_or_a_title_line(text: str, first: bool) -> None:
    assert opens_a_document(text) is first


def test_two_documents_of_one_type_in_a_row_are_two(catalog: Catalog) -> None:
    """Two household members' declarations one after the other: same type, no page numbers; the second
    one's letterhead and title cut it off. A numbered second page stays, heading or not."""
    declaration = "Republika e Shqipërisë\nBASHKIA SHKODËR\nDEKLARATË\nUnë i nënshkruari deklaroj se ..."
    assert document_starts([declaration, declaration], [False, False], catalog=catalog) == [0, 1]
    numbered = [declaration + "\nFaqe 1 nga 2", "DEKLARATË E ANËTARËVE\nTjetër tekst\nFaqe 2 nga 2"]
    assert document_starts(numbered, [False, False], catalog=catalog) == [0]


def test_another_multi_page_file_starts_a_document(catalog: Catalog) -> None:
    """Two leases, each a two-page PDF whose title was lost under a stamp and with no page numbers: alike
    texts of one type. The texts alone keep the four pages together; the files cut them."""
    first_page = "Qiradhënësi i jep me qira qiramarrësit banesën në adresën e mësipërme.\n" + LEASE_PAGE_2
    texts = [first_page, LEASE_PAGE_2] * 2
    blank = [False] * 4
    assert document_starts(texts, blank, catalog=catalog) == [0]
    assert document_starts(texts, blank, catalog=catalog, files=["a", "a", "b", "b"]) == [0, 2]


def test_a_file_start_waits_for_content_and_gives_way_to_page_numbers(catalog: Catalog) -> None:
    # The new file's first page is blank: its document starts on its first page with content.
    texts = [ALBANIAN["lease_or_use_contract"], LEASE_PAGE_2, "", LEASE_PAGE_2]
    starts = document_starts(texts, [False, False, True, False], catalog=catalog, files=["a", "a", "b", "b"])
    assert starts == [0, 3]
    # One contract scanned into two files: its page number says the second file goes on with it.
    numbered = [ALBANIAN["lease_or_use_contract"] + "\nFaqe 1 nga 3", LEASE_PAGE_2 + "\nFaqe 2 nga 3",
                "Neni 9 Dispozita të fundit\nFaqe 3 nga 3"]
    assert document_starts(numbered, [False] * 3, catalog=catalog, files=["a", "a", "b"]) == [0]


def test_only_multi_page_files_cut() -> None:
    # An ID card's front and back as two photos: between single images the texts decide alone.
    assert file_starts(["front.jpg", "back.jpg"]) == frozenset()
    assert file_starts(["a.pdf", "a.pdf", "b.jpg", "c.jpg", "d.pdf", "d.pdf"]) == {2, 4}
    assert file_starts([]) == frozenset()
    with pytest.raises(InputError):
        split_batch([CONTENT, CONTENT], ["a", "b"], files=["a.pdf"])


def test_separators_win_over_automatic_cuts(catalog: Catalog) -> None:
    texts = [ALBANIAN["family_certificate"], ALBANIAN["id_card_copy"], "", ALBANIAN["payment_slip"]]
    result = split_batch([CONTENT, CONTENT, SEPARATOR, CONTENT], texts, catalog=catalog)
    assert _spans(result) == [(0, 2, "batch"), (3, 4, "separator")]


def test_a_cover_then_automatic_cuts(catalog: Catalog) -> None:
    texts = ["", ALBANIAN["family_certificate"], ALBANIAN["residence_certificate"]]
    result = split_batch([COVER, CONTENT, CONTENT], texts, catalog=catalog)
    assert _spans(result) == [(1, 2, "cover"), (2, 3, "auto")]


def test_whole_batch_from_rendered_pages() -> None:
    pages = [
        render_cover_sheet("C-3", "prm_terheqje_gjendje_civile", dpi=DPI),
        _text_page(["KERKESE", "Drejtuar: Zyra e Gjendjes Civile"]),
        _speckled_blank(3),
        _text_page(["Faqe 2 nga 2"]),
        render_separator_sheet(dpi=DPI),
        _text_page(["VERTETIM BANIMI", "Vertetohet se shtetasi banon ne adresen"]),
    ]
    result = split_batch([inspect_sheet(p) for p in pages])
    assert result.case_id == "C-3"
    assert _spans(result) == [(1, 4, "cover"), (5, 6, "separator")]


# ------------------------------------------------------------------------------------- cues and scoring


@pytest.mark.parametrize(("text", "expected"), [
    ("KONTRATË\n...\nFaqe 1 nga 2", (1, 2)),
    ("Faqja 2/3\ntekst", (2, 3)),
    ("text\nPage 3 of 3", (3, 3)),
    ("tekst\nfaqe l nga 2", (1, 2)),
    ("Zona kadastrale 8572 Vol. 18 Faqe 112\ntekst", None),
    ("tekst pa numër faqeje", None),
    ("Faqe 4 nga 2", None),
    ("tekst\nIrlind Marashi\n1/2", (1, 2)),
    ("PLANI I PASURISË\nShkalla 1:500\n- 2/2 -", (2, 2)),
    ("HARTË TREGUESE\nVeri: pasuria nr. 7/349\n7/349", None),
    ("1/2\ntekst në mes\nfundi", None),
])
def test_page_number_cues(text: str, expected: tuple[int, int] | None) -> None:
    assert page_number(text) == expected


def test_boundary_f1() -> None:
    assert boundary_f1([0, 2, 5], [0, 2, 5]) == 1.0
    assert boundary_f1([0, 2, 5], [0, 2, 4]) == pytest.approx(2 / 3)
    assert boundary_f1([0, 3], [0]) == pytest.approx(2 / 3)
    assert boundary_f1([0], [1]) == 0.0
    assert boundary_f1([], []) == 1.0
