"""Classification accuracy on a generated corpus, read the way the pipeline reads it: intake, geometry and
OCR of every page, then the classifier (rules plus the text model in use). Prints a confusion matrix.

Generate the corpus from a seed the shipped model was not trained on (it used seed 1000), with and
without ``--unseen-layout``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.samples.truth import CorpusTruth
from pipeline.catalog import Catalog
from pipeline.models import SheetInfo
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

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _document_text(path: Path, lang: str) -> str:
    result = read_input(path.read_bytes(), path.name)
    texts = []
    for page in result.pages:
        geometry, upright = correct_page(page.image, dpi=page.dpi)
        if not geometry.blank:
            texts.append(recognize(upright, page_index=page.source_index, dpi=page.dpi, lang=lang).text)
    return "\n\f".join(texts)


def evaluate(corpus_dir: Path, catalog: Catalog, model: TextModel | None, *, jobs: int = 2,
             lang: str = "sqi+eng", on_document: Callable[[], None] | None = None) -> ClassificationFigures:
    corpus = CorpusTruth.model_validate_json((corpus_dir / "corpus.json").read_text(encoding="utf-8"))

    def one(doc_file: str) -> str:
        text = _document_text(corpus_dir / doc_file, lang)
        if on_document is not None:
            on_document()
        return text

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        texts = list(pool.map(one, [d.file for d in corpus.documents]))
    figures = ClassificationFigures()
    for truth, text in zip(corpus.documents, texts, strict=True):
        result = classify(text, catalog, model=model)
        figures.total += 1
        figures.correct += result.document_type == truth.document_type
        figures.uncertain += result.uncertain
        figures.confusion[(truth.document_type, result.document_type)] += 1
    return figures


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
