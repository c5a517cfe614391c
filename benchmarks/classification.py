"""Classification accuracy on a generated corpus, read the way the pipeline reads it: intake, geometry and
OCR of every page, then the classifier (rules plus the text model in use). Prints a confusion matrix.

Generate the corpus from a seed the shipped model was not trained on (it used seed 1000), with and
without ``--unseen-layout``.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from benchmarks.samples.truth import CorpusTruth, DocumentTruth
from pipeline.catalog import Catalog
from pipeline.models import GeometryResult, PageOcr, SheetInfo
from stages.classify import TextModel, classify
from stages.geometry import correct_page
from stages.intake import RasterPage, read_input
from stages.ocr import recognize


@dataclass
class ClassificationFigures:
    total: int = 0
    correct: int = 0
    uncertain: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    documents: list[ReadDocument] = field(default_factory=list)
    """Every document as read (its pages' OCR), for the split and extraction figures that reuse it."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ReadDocument:
    truth: DocumentTruth
    pages: list[PageOcr]
    blank: list[bool]

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page, blank in zip(self.pages, self.blank, strict=True) if not blank)


@dataclass(frozen=True)
class ReadPage:
    """One page as the pipeline reads it: turned upright and straightened, then OCRed (``ocr`` is
    ``None`` for a blank page)."""

    source_index: int
    dpi: int
    image: NDArray[np.uint8]
    """The corrected page image; OCR boxes refer to it."""
    geometry: GeometryResult
    ocr: PageOcr | None


def read_document(path: Path, lang: str = "sqi+eng", *, engine: str = "tesseract-cli") -> list[ReadPage]:
    """Every page of a scanned file, read like the pipeline reads it (intake, geometry, OCR)."""
    pages: list[ReadPage] = []
    for page in read_input(path.read_bytes(), path.name).pages:
        geometry, upright = correct_page(page.image, dpi=page.dpi)
        ocr = None if geometry.blank else recognize(upright, page_index=page.source_index, dpi=page.dpi,
                                                     lang=lang, engine=engine)
        pages.append(ReadPage(page.source_index, page.dpi, upright, geometry, ocr))
    return pages


def _read_document(path: Path, truth: DocumentTruth, lang: str) -> ReadDocument:
    pages: list[PageOcr] = []
    blank: list[bool] = []
    for page in read_document(path, lang):
        height, width = page.image.shape[:2]
        pages.append(page.ocr or PageOcr(page_index=page.source_index, width=width, height=height,
                                         dpi=page.dpi, lang=lang, words=[], mean_confidence=0.0))
        blank.append(page.ocr is None)
    return ReadDocument(truth, pages, blank)


def evaluate(corpus_dir: Path, catalog: Catalog, model: TextModel | None, *, jobs: int = 2,
             lang: str = "sqi+eng", on_document: Callable[[], None] | None = None) -> ClassificationFigures:
    corpus = CorpusTruth.model_validate_json((corpus_dir / "corpus.json").read_text(encoding="utf-8"))

    def one(truth: DocumentTruth) -> ReadDocument:
        read = _read_document(corpus_dir / truth.file, truth, lang)
        if on_document is not None:
            on_document()
        return read

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        documents = list(pool.map(one, corpus.documents))
    figures = ClassificationFigures(documents=documents)
    for read in documents:
        result = classify(read.text, catalog, model=model)
        figures.total += 1
        figures.correct += result.document_type == read.truth.document_type
        figures.uncertain += result.uncertain
        figures.confusion[(read.truth.document_type, result.document_type)] += 1
    return figures


@dataclass(frozen=True)
class SplitFigures:
    f1: float
    true_documents: int
    found_documents: int
    pages: int
    false_splits: int
    missed_splits: int
    errors: list[str] = field(default_factory=list)
    """Each wrong cut as ``false split inside <type> (page k of n)`` or ``missed start of <type> after
    <type>``: types and page positions only."""


def long_stack_split(documents: Sequence[ReadDocument], catalog: Catalog, model: TextModel | None, *,
                     seed: int, rounds: int = 3) -> SplitFigures:
    """Boundary F1 of automatic splitting on long stacks: the corpus's single documents (every type,
    scanned at their own resolution and file kind) put one after the other with no sheet between them,
    in ``rounds`` seeded random orders. Pages are the ones already read for classification."""
    from stages.split import document_starts

    true_total = found_total = hits = pages = 0
    errors: list[str] = []
    for round_index in range(rounds):
        order = list(documents)
        random.Random(seed * 1000 + round_index).shuffle(order)
        texts: list[str] = []
        blank: list[bool] = []
        true_starts: set[int] = set()
        owner: list[tuple[int, int]] = []
        for position, read in enumerate(order):
            true_starts.add(len(texts))
            texts.extend(page.text for page in read.pages)
            blank.extend(read.blank)
            owner.extend((position, page) for page in range(len(read.pages)))
        found = set(document_starts(texts, blank, catalog=catalog, model=model))
        for start in sorted(found - true_starts):
            position, page = owner[start]
            errors.append(f"false split inside {order[position].truth.document_type} "
                          f"({order[position].truth.layout}, page {page + 1} of {len(order[position].pages)})")
        for start in sorted(true_starts - found):
            position, _ = owner[start]
            errors.append(f"missed start of {order[position].truth.document_type} after "
                          f"{order[position - 1].truth.document_type}")
        true_total, found_total = true_total + len(true_starts), found_total + len(found)
        hits += len(true_starts & found)
        pages += len(texts)
    precision = hits / found_total if found_total else 0.0
    recall = hits / true_total if true_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return SplitFigures(f1=f1, true_documents=true_total, found_documents=found_total, pages=pages,
                        false_splits=found_total - hits, missed_splits=true_total - hits, errors=errors)


@dataclass
class FieldFigures:
    expected: int = 0
    found: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.expected if self.expected else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0


def _same(name: str, found: str, truth: str) -> bool:
    if name == "applicant_name":
        return found.casefold().split() == truth.casefold().split()
    return found.strip().upper() == truth.strip().upper()


def extraction_figures(documents: Sequence[ReadDocument]) -> dict[str, FieldFigures]:
    """Per key field: documents whose truth has it, those where a value was extracted, and those where
    the extracted value is exactly the truth (names: case-insensitive, diacritics count). Extraction is
    given the true type, so these figures are extraction alone, not classification."""
    from stages.extract import extract_fields

    figures: dict[str, FieldFigures] = defaultdict(FieldFigures)
    for read in documents:
        if not read.truth.key_fields:
            continue
        extracted = {f.name: f.value for f in extract_fields(read.truth.document_type, read.pages).fields}
        for name, truth in read.truth.key_fields.items():
            entry = figures[name]
            entry.expected += 1
            if name in extracted:
                entry.found += 1
                entry.correct += _same(name, extracted[name], truth)
    return dict(sorted(figures.items()))


def stack_boundary_f1(corpus_dir: Path, catalog: Catalog, model: TextModel | None, *, jobs: int = 2,
                      lang: str = "sqi+eng") -> tuple[float, int, int]:
    """Boundary F1 of automatic splitting on the corpus's ``stack.pdf`` (no cover, no separators), read
    like the pipeline reads it. Returns (F1, true documents, predicted documents)."""
    from benchmarks.samples.truth import BatchTruth
    from stages.split import boundary_f1, inspect_sheet, split_batch

    truth = BatchTruth.model_validate_json((corpus_dir / "stack.json").read_text(encoding="utf-8"))
    pages = read_input((corpus_dir / truth.file).read_bytes(), truth.file).pages

    def read(page_image: RasterPage) -> tuple[SheetInfo, str]:
        geometry, upright = correct_page(page_image.image, dpi=page_image.dpi)
        text = "" if geometry.blank else recognize(upright, page_index=page_image.source_index,
                                                   dpi=page_image.dpi, lang=lang).text
        return inspect_sheet(upright), text

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        read_pages = list(pool.map(read, pages))
    sheets = [sheet for sheet, _ in read_pages]
    texts = [text for _, text in read_pages]
    result = split_batch(sheets, texts, catalog=catalog, model=model)
    true_starts = [d.first_page for d in truth.documents]
    predicted = [span.start for span in result.documents]
    return boundary_f1(true_starts, predicted), len(true_starts), len(predicted)
