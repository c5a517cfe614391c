"""Splitting a scanned batch into documents.

Each page is first looked at on its own (:func:`inspect_sheet`): a Sportel cover or separator sheet (its
QR code), a blank page, or content. :func:`split_batch` then cuts the batch: a cover routes it to a case
and service, separator sheets (and, when asked, blank pages) end one document and start the next, and the
sheets themselves belong to no document. A batch scanned without separators is cut where the pages say so:
page numbers ("Faqe 1 nga 2"), a first page announcing itself with a title or letterhead, the start of
another multi-page input file, or a change of document type between pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.catalog import Catalog, load_catalog
from pipeline.errors import InputError
from pipeline.models import DocumentSpan, SheetInfo, SplitResult
from stages.classify import UNCLASSIFIED, TextModel, classify, title_match
from stages.sheets import read_sheet_codes
from stages.text_normalize import fold

BLANK_INK_RATIO = 0.0002
"""Below this share of dark pixels (after dropping specks and the border) a page is blank. A line of text
on A4 is about 0.001, a lone page number ("Faqe 2 nga 2") about 0.0003; scanner dust stays under 0.0001."""
_BORDER = 0.04
"""Share of each edge ignored: scanner shadows and punched holes live there."""
_DARK = 160
_SPECK_AREA_AT_A4_300DPI = 30
"""Connected dark areas smaller than this many pixels (at 300 dpi on A4) are dust, not ink."""
_A4_SHORT_SIDE_300DPI = 2480

Boundary = Literal["separator", "cover", "auto", "batch"]


def _grayscale(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.dtype != np.uint8 or image.size == 0:
        raise InputError(f"page image must be non-empty uint8, got {image.dtype} of size {image.size}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return np.asarray(cv2.cvtColor(image, code), dtype=np.uint8)
    raise InputError(f"page image has an unsupported shape {image.shape}")


def ink_ratio(gray: NDArray[np.uint8]) -> float:
    """Share of the page (border excluded) covered by dark marks larger than dust."""
    height, width = gray.shape
    top, left = round(height * _BORDER), round(width * _BORDER)
    inner = gray[top : height - top, left : width - left]
    if inner.size == 0:
        return 0.0
    # Dust and salt noise are small connected specks; strokes of text, even thin ones, join into larger
    # components. (A median filter would also erase the one-pixel strokes of a low-resolution scan.)
    dark = (inner < _DARK).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    scale = (min(height, width) / _A4_SHORT_SIDE_300DPI) ** 2
    min_area = max(2.0, _SPECK_AREA_AT_A4_300DPI * scale)
    areas = stats[1:count, cv2.CC_STAT_AREA]
    return float(areas[areas >= min_area].sum()) / float(inner.size)


def inspect_sheet(image: NDArray[np.uint8], *, blank_ink_ratio: float = BLANK_INK_RATIO) -> SheetInfo:
    """What a page is for splitting: a cover or separator sheet, a blank page, or content."""
    gray = _grayscale(image)
    codes = read_sheet_codes(gray)
    ratio = ink_ratio(gray)
    cover = next((c for c in codes if c.kind == "cover"), None)
    if cover is not None:
        return SheetInfo(kind="cover", case_id=cover.case_id, service_id=cover.service_id, ink_ratio=ratio)
    if any(c.kind == "separator" for c in codes):
        return SheetInfo(kind="separator", ink_ratio=ratio)
    return SheetInfo(kind="blank" if ratio < blank_ink_ratio else "content", ink_ratio=ratio)


# --------------------------------------------------------------------------------------------- cutting


_DIGITS = str.maketrans({"l": "1", "i": "1", "o": "0"})
_NUM = r"([0-9lio]{1,3})"
_PAGE_NUMBER = re.compile(
    rf"\b(?:faq(?:e|ja|ia)?|page|fl(?:eta|ete))\.?\s*{_NUM}\s*(?:nga|prej|of|/)\s*{_NUM}\b"
)


def page_number(text: str) -> tuple[int, int] | None:
    """``(page, total)`` from a "Faqe 1 nga 2", "Faqja 2/3" or "Page 1 of 2" in the first or last lines, or
    a bare "1/2" alone on one of the last lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    edges = fold("\n".join(lines[:3] + lines[-3:]))
    for match in _PAGE_NUMBER.finditer(edges):
        number, total = (int(g.translate(_DIGITS)) for g in match.groups())
        if 1 <= number <= total:
            return number, total
    for line in lines[-_BARE_NUMBER_LINES:]:
        bare = _BARE_PAGE_NUMBER.fullmatch(fold(line))
        if bare:
            number, total = (int(g.translate(_DIGITS)) for g in bare.groups())
            if 1 <= number <= total <= _BARE_MAX_PAGES:
                return number, total
    return None


_BARE_PAGE_NUMBER = re.compile(rf"[-–(\s]*{_NUM}\s?/\s?{_NUM}[-–)\s]*")
_BARE_NUMBER_LINES = 2
_BARE_MAX_PAGES = 20
"""A bare "1/2" counts only alone on one of the last lines and with a small total: a parcel number such as
"7/349" printed on a map stands alone too, but with a large second part."""


_LETTERHEAD = re.compile(
    r"^(?:republika e shqiperise|republic of albania|bashkia \w+|municipality of|ministria e|ministry of|"
    r"zyra noteriale|notary office|noter(?:i)? \w+|agjencia (?:shteterore|kombetare)|qendra kombetare|"
    r"gjykata e|court of|prefektura|instituti i sigurimeve|spitali|hospital|klinika|clinic|banka|bank)\b"
)
"""A letterhead line: the state, a municipality, a ministry, a notary, an agency, a court, a hospital, a
bank. Official documents print it at the top of their first page."""
_TITLE_NOUNS = (
    "vertetim", "certifikate", "deklarate", "vetdeklarim", "autodeklarim", "kontrate", "kerkese",
    "formular", "formulari", "ekstrakt", "leje", "licence", "autorizim", "prokure", "mandat", "fature",
    "raport", "akt", "marreveshje", "proces-verbal", "procesverbal", "vendim", "deftese", "kartel",
    "libreze", "pasaporte", "fotokopje", "epikrize", "diplome", "deshmi", "certificate", "declaration",
    "agreement", "contract", "application", "statement", "report", "receipt", "invoice", "extract",
    "license", "permit", "discharge",
)
_TITLE_MAX_WORDS = 7
_FIRST_LINES = 6


def opens_a_document(text: str) -> bool:
    """Whether a page reads like the first page of a document: a letterhead among its first lines, or a
    short line there that starts with a document noun ("VËRTETIM", "DEKLARATË", "TENANCY AGREEMENT").

    Titles and letterheads of real documents vary far beyond the catalog's names, so this looks for the
    kind of line, not for a known one. A later page starts with running text, an article or a table.
    """
    lines = [fold(line) for line in text.splitlines() if line.strip()][:_FIRST_LINES]
    for position, line in enumerate(lines):
        if position < 3 and _LETTERHEAD.match(line):
            return True
        words = re.sub(r"[^\w\s-]", " ", line).split()
        if not words or len(words) > _TITLE_MAX_WORDS:
            continue
        if words[0] in _TITLE_NOUNS or (len(words) <= 3 and any(w in _TITLE_NOUNS for w in words)):
            return True
    return False


@lru_cache(maxsize=1)
def _default_catalog() -> Catalog:
    return load_catalog()


def file_starts(files: Sequence[str]) -> frozenset[int]:
    """Indices where another input file begins (``files`` names each page's file, in batch order) and one
    of the two files has more than one page.

    A multi-page PDF or TIFF is one scan of a stack: it rarely ends in the middle of a document. Single
    images are different: an ID card's front and back often come as two photos, so between two single
    images the pages' texts decide alone.
    """
    pages_per_file: dict[str, int] = {}
    for file in files:
        pages_per_file[file] = pages_per_file.get(file, 0) + 1
    return frozenset(
        index for index in range(1, len(files))
        if files[index] != files[index - 1]
        and max(pages_per_file[files[index]], pages_per_file[files[index - 1]]) > 1
    )


def _auto_starts(pages: Sequence[int], sheets: Sequence[SheetInfo], texts: Sequence[str],
                 catalog: Catalog, model: TextModel | None, new_files: frozenset[int] = frozenset()) -> list[int]:
    """Batch indices, among ``pages``, where a new document starts (the first page always does)."""
    starts = [pages[0]]
    previous_number: tuple[int, int] | None = None
    current_type: str | None = None
    has_content = False
    in_new_file = False
    for index in pages:
        in_new_file = in_new_file or index in new_files
        if sheets[index].kind == "blank":
            continue  # a blank page inside a document stays with it
        text = texts[index]
        number = page_number(text)
        result = classify(text, catalog, model=model)
        confident = not result.uncertain and result.document_type != UNCLASSIFIED
        confident_type = result.document_type if confident else None
        if has_content:
            if number is not None:
                new = number[0] == 1
            elif previous_number is not None and previous_number[0] < previous_number[1]:
                new = False  # the page before said more pages follow
            elif in_new_file or title_match(text, catalog) is not None or opens_a_document(text):
                new = True
            else:
                new = None not in (confident_type, current_type) and confident_type != current_type
            if new:
                starts.append(index)
                current_type = None
        has_content = True
        in_new_file = False
        previous_number = number
        if current_type is None:
            current_type = confident_type
    return starts


def split_batch(
    sheets: Sequence[SheetInfo],
    page_texts: Sequence[str] | None = None,
    *,
    blank_separates: bool = False,
    catalog: Catalog | None = None,
    model: TextModel | None = None,
    files: Sequence[str] | None = None,
) -> SplitResult:
    """Cut a batch (one :class:`SheetInfo` per page, in scan order) into documents.

    Separator sheets, and blank pages when ``blank_separates`` is set, cut; otherwise blank pages stay in
    the document around them. With no separators and ``page_texts`` given (one OCR text per page), the
    cuts come from the pages themselves, and from ``files`` (each page's input file, see
    :func:`file_starts`) when given; with neither, the whole batch is one document.
    """
    if files is not None and len(files) != len(sheets):
        raise InputError(f"{len(sheets)} pages but {len(files)} input file names")
    if page_texts is not None and len(page_texts) != len(sheets):
        raise InputError(f"{len(sheets)} pages but {len(page_texts)} page texts")
    case_id: str | None = None
    service_id: str | None = None
    runs: list[tuple[list[int], Boundary]] = []
    current: list[int] = []
    boundary: Boundary = "batch"
    separated = False

    def close() -> None:
        if any(sheets[i].kind != "blank" for i in current):
            runs.append((list(current), boundary))
        current.clear()

    for index, sheet in enumerate(sheets):
        if sheet.kind == "cover":
            if case_id is None:
                case_id, service_id = sheet.case_id, sheet.service_id
            elif (sheet.case_id, sheet.service_id) != (case_id, service_id):
                raise InputError("batch holds cover sheets of two different cases")
            close()
            boundary = "cover"
        elif sheet.kind == "separator" or (sheet.kind == "blank" and blank_separates):
            close()
            boundary = "separator"
            separated = True
        else:
            current.append(index)
    close()

    documents: list[DocumentSpan] = []
    for pages, run_boundary in runs:
        starts = [pages[0]]
        if page_texts is not None and not separated:
            starts = _auto_starts(pages, sheets, page_texts, catalog or _default_catalog(), model,
                                  file_starts(files) if files is not None else frozenset())
        ends = [*starts[1:], pages[-1] + 1]
        for position, (start, end) in enumerate(zip(starts, ends, strict=True)):
            kind: Boundary = run_boundary if position == 0 else "auto"
            documents.append(DocumentSpan(start=start, end=end, boundary=kind))
    return SplitResult(case_id=case_id, service_id=service_id, documents=documents, sheets=list(sheets))


def boundary_f1(true_starts: Sequence[int], predicted_starts: Sequence[int]) -> float:
    """F1 of predicted document starts (batch page indices) against the true ones."""
    truth, predicted = set(true_starts), set(predicted_starts)
    if not truth and not predicted:
        return 1.0
    hits = len(truth & predicted)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


def document_starts(texts: Sequence[str], blank: Sequence[bool], *, catalog: Catalog | None = None,
                    model: TextModel | None = None, files: Sequence[str] | None = None) -> list[int]:
    """Where documents start (0-based) in a run of pages scanned with no sheet between them, from the
    pages' OCR texts and, when given, their input ``files`` (:func:`file_starts`). Blank pages (``blank``)
    stay with the document around them; the first page always starts one."""
    if len(texts) != len(blank):
        raise InputError(f"{len(texts)} page texts but {len(blank)} blank flags")
    if not texts:
        return []
    sheets = [SheetInfo(kind="blank" if is_blank else "content") for is_blank in blank]
    spans = split_batch(sheets, texts, catalog=catalog, model=model, files=files).documents
    return [0, *(span.start for span in spans[1:])]
