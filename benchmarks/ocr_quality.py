"""OCR quality on a generated corpus: character error rate per document type and per language, and what
geometry correction is worth.

Every page of every document is read the way the pipeline reads it (intake, then
:func:`stages.page_reading.read_page`: orientation, deskew, OCR with the languages the catalog gives the
document's type) and compared with the generator's ground
truth. For each page that the scanner skewed, the same scan is also read after turning it by the *true*
angles (orientation and skew from the truth): "the same page straight". The issue's figure "on a skewed
page at most 10% worse than on the same page straight" is the ratio of the two error rates over the
skewed pages.

Error rate: Levenshtein distance over the true text's length, both texts reduced to single spaces between
words. Two ways: line-aligned (each true line against the stretch of OCR text that matches it best: the
character error rate proper) and in reading order (strict; a form read column by column scores badly
though every letter is right). Both are printed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from benchmarks.samples.truth import CorpusTruth, DocumentTruth, PageTruth
from pipeline.catalog import Catalog
from stages.images import rotate_expand
from stages.intake import read_input
from stages.ocr import recognize
from stages.page_reading import read_page

SKEWED_DEG = 0.5
"""A page skewed by more than this counts as skewed for the skewed-versus-straight figure."""

_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def edit_counts(found: str, truth: str) -> tuple[int, int]:
    """(edits, true characters) in reading order: the numerator and denominator of a character error
    rate. Strict: a table read column by column instead of row by row costs as much as misread letters."""
    flat_truth = _flat(truth)
    return Levenshtein.distance(_flat(found), flat_truth), len(flat_truth)


def line_edit_counts(found: str, truth: str) -> tuple[int, int]:
    """(edits, true characters) with each true line compared with the stretch of the OCR text that
    matches it best, wherever it stands: misread characters count, reading order does not (forms and
    cards put fields side by side, and which column tesseract reads first is not a character error)."""
    flat_found = _flat(found)
    edits = chars = 0
    for line in (_flat(x) for x in truth.splitlines()):
        if not line:
            continue
        chars += len(line)
        alignment = fuzz.partial_ratio_alignment(line, flat_found) if flat_found else None
        if alignment is None:
            edits += len(line)
            continue
        edits += Levenshtein.distance(line, flat_found[alignment.dest_start : alignment.dest_end])
    return edits, chars


@dataclass(frozen=True)
class PageFigure:
    doc_id: str
    document_type: str
    language: str
    layout: str
    lang: str
    """The tesseract languages the page was read with."""
    edits: int
    """Line-aligned edits (:func:`line_edit_counts`)."""
    chars: int
    ordered_edits: int
    """Reading-order edits (:func:`edit_counts`)."""
    orientation_ok: bool
    skew_error_deg: float
    skewed: bool
    straight_edits: int | None = None
    """Edits when the same scan is turned by its true angles instead (skewed pages only)."""


@dataclass
class Rate:
    edits: int = 0
    chars: int = 0
    pages: int = 0

    def add(self, edits: int, chars: int) -> None:
        self.edits, self.chars, self.pages = self.edits + edits, self.chars + chars, self.pages + 1

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0


@dataclass
class OcrQuality:
    pages: list[PageFigure] = field(default_factory=list)

    def by(self, key: Callable[[PageFigure], str], *, ordered: bool = False) -> dict[str, Rate]:
        rates: dict[str, Rate] = defaultdict(Rate)
        for page in self.pages:
            rates[key(page)].add(page.ordered_edits if ordered else page.edits, page.chars)
        return dict(sorted(rates.items()))

    def skewed_vs_straight(self) -> tuple[Rate, Rate]:
        skewed, straight = Rate(), Rate()
        for page in self.pages:
            if page.skewed and page.straight_edits is not None:
                skewed.add(page.edits, page.chars)
                straight.add(page.straight_edits, page.chars)
        return skewed, straight

    @property
    def orientation_correct(self) -> tuple[int, int]:
        return sum(p.orientation_ok for p in self.pages), len(self.pages)

    @property
    def skew_errors(self) -> list[float]:
        return [p.skew_error_deg for p in self.pages]


def _read_document(corpus_dir: Path, truth: DocumentTruth, lang: str, engine: str, dpi: int) -> list[PageFigure]:
    figures = []
    pages = read_input((corpus_dir / truth.file).read_bytes(), truth.file, dpi=dpi).pages
    for page, page_truth in zip(pages, truth.pages, strict=True):
        if page_truth.blank:
            continue
        reading = read_page(page.image, dpi=page.dpi, page_index=page.source_index, lang=lang, engine=engine)
        geometry, ocr = reading.geometry, reading.ocr
        edits, chars = line_edit_counts(ocr.text, page_truth.text)
        ordered_edits, _ = edit_counts(ocr.text, page_truth.text)
        skewed = abs(page_truth.skew_deg) > SKEWED_DEG
        straight_edits = _straight_edits(page.image, page.dpi, page_truth, lang, engine) if skewed else None
        figures.append(PageFigure(
            doc_id=truth.doc_id, document_type=truth.document_type, language=truth.language,
            layout=truth.layout, lang=lang, edits=edits, chars=chars, ordered_edits=ordered_edits,
            orientation_ok=geometry.orientation_deg == page_truth.orientation_deg,
            skew_error_deg=abs(geometry.skew_deg - page_truth.skew_deg), skewed=skewed,
            straight_edits=straight_edits,
        ))
    return figures


def _straight_edits(scan: NDArray[np.uint8], dpi: int, truth: PageTruth, lang: str, engine: str) -> int:
    straight = rotate_expand(scan, truth.skew_deg - truth.orientation_deg)
    ocr = recognize(straight, page_index=truth.index, dpi=dpi, lang=lang, engine=engine)
    return line_edit_counts(ocr.text, truth.text)[0]


def evaluate_ocr(corpus_dir: Path, catalog: Catalog, *, engine: str, jobs: int = 2, dpi: int = 300,
                 documents: Iterable[str] | None = None,
                 on_document: Callable[[], None] | None = None) -> OcrQuality:
    corpus = CorpusTruth.model_validate_json((corpus_dir / "corpus.json").read_text(encoding="utf-8"))
    wanted = set(documents) if documents is not None else None
    chosen = [d for d in corpus.documents if wanted is None or d.doc_id in wanted]

    def one(truth: DocumentTruth) -> list[PageFigure]:
        lang = catalog.document_type(truth.document_type).languages
        figures = _read_document(corpus_dir, truth, lang, engine, dpi)  # the pipeline's DPI, as it reads
        if on_document is not None:
            on_document()
        return figures

    result = OcrQuality()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for figures in pool.map(one, chosen):
            result.pages.extend(figures)
    return result
