"""Detection of personal data on a generated corpus, measured the way the pipeline reads it: intake,
geometry and OCR of every page (:func:`benchmarks.classification.read_document`), then
:func:`privacy.detect.detect_pii` with the page image, scored against the corpus's seeded ground truth.

Per entity type:

- **recall**: seeded values whose ink box findings of their type cover (:data:`RECALL_COVERAGE`);
- **precision**: findings that overlap a seeded value of their type (:data:`PRECISION_OVERLAP` of the
  smaller box);
- **covered**: seeded values whose ink lies inside the redaction boxes of any type (what redaction needs).

A value not found is a miss of detection unless the scoring cannot tell: on a page the geometry stage
turned the wrong way (``missed-geometry``: read upside down, nothing on it can be found, and the seeded
boxes are not where the page shows them), or where no OCR word lies in the seeded box while a finding of
the value's type and text lies elsewhere (``misaligned``: the seeded box, not the detection, is off). Both
still count against recall, and are counted apart so that they are seen for what they are.

With ``timing`` each document also goes through the whole redaction the worker runs
(:func:`privacy.document.redact_document_pages`: detection, redacted PDF, verification), and the cost per
page of each part is reported beside the page's own OCR. Generate the corpus from a seed the recognizers
were not tuned on, with and without ``--unseen-layout``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from presidio_analyzer import AnalyzerEngine

from benchmarks.classification import ReadPage, read_document
from benchmarks.samples.truth import CorpusTruth, DocumentTruth, PiiTruth
from pipeline.models import PII_ENTITY_TYPES, BBox, PiiFinding, Word

RECALL_COVERAGE = 0.9
"""A seeded value is found when findings of its type cover this share of its ink box."""
PRECISION_OVERLAP = 0.5
"""A finding is right when it and a seeded value of its type overlap by this share of the smaller box."""
COVER_MARGIN_PX = 4
"""Redaction grows every box by this much (``privacy.redact.redact_image``)."""
COVERED = 0.999


@dataclass
class EntityScore:
    seeded: int = 0
    found: int = 0
    covered: int = 0
    findings: int = 0
    correct: int = 0
    misaligned: int = 0
    """Misses whose seeded box is not where the page shows the value (see the module's docstring)."""
    geometry: int = 0
    """Misses on pages the geometry stage turned the wrong way."""

    @property
    def recall(self) -> float:
        return self.found / self.seeded if self.seeded else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.findings if self.findings else 1.0

    def add(self, other: EntityScore) -> None:
        self.seeded += other.seeded
        self.found += other.found
        self.covered += other.covered
        self.findings += other.findings
        self.correct += other.correct
        self.misaligned += other.misaligned
        self.geometry += other.geometry


@dataclass(frozen=True)
class Miss:
    """A seeded value not found (``kind="missed"``, or ``"missed-geometry"`` and ``"misaligned"`` when the
    scoring cannot blame detection) or a finding matching nothing (``kind="spurious"``). Values are
    synthetic; they are printed only on request, for tuning, and never written to the JSON."""

    kind: str
    doc_id: str
    page: int
    entity: str
    value: str


@dataclass
class PrivacyFigures:
    documents: int = 0
    pages: int = 0
    scores: dict[str, EntityScore] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    """Summed wall time per part: ``ocr`` (intake, geometry and OCR), ``detect``, and with timing
    ``redact`` and ``verify``."""
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """The same parts in CPU time of this process and its tesseract children: steadier than wall time on a
    shared machine, and exact with one job (with several, parts overlap and each takes the others' share)."""
    unverified_documents: int = 0
    failed_checks: list[str] = field(default_factory=list)

    def score(self, entity: str) -> EntityScore:
        return self.scores.setdefault(entity, EntityScore())

    def ms_per_page(self, cpu: bool = False) -> dict[str, float]:
        times = self.cpu_seconds if cpu else self.seconds
        return {part: round(1000 * total / self.pages, 1) for part, total in times.items()} if self.pages else {}

    def to_json(self, **extra: object) -> str:
        entities = {
            entity: {"seeded": s.seeded, "found": s.found, "recall": round(s.recall, 4), "findings": s.findings,
                     "correct": s.correct, "precision": round(s.precision, 4), "covered": s.covered,
                     "misaligned": s.misaligned, "geometry": s.geometry}
            for entity, s in sorted(self.scores.items())
        }
        return json.dumps({**extra, "documents": self.documents, "pages": self.pages, "entities": entities,
                           "unverified_documents": self.unverified_documents,
                           "failed_checks": dict(Counter(self.failed_checks)),
                           "ms_per_page": self.ms_per_page(), "cpu_ms_per_page": self.ms_per_page(cpu=True)},
                          indent=2)


# -------------------------------------------------------------------------------------------- scoring


def area(box: BBox) -> int:
    return max(0, box.width) * max(0, box.height)


def coverage(target: BBox, boxes: list[BBox]) -> float:
    """Share of ``target``'s pixels inside the union of ``boxes``."""
    if area(target) == 0:
        return 1.0
    mask = np.zeros((target.height, target.width), dtype=bool)
    for box in boxes:
        x0, y0 = max(box.x0, target.x0) - target.x0, max(box.y0, target.y0) - target.y0
        x1, y1 = min(box.x1, target.x1) - target.x0, min(box.y1, target.y1) - target.y0
        if x1 > x0 and y1 > y0:
            mask[y0:y1, x0:x1] = True
    return float(mask.mean())


def truth_in_page(item: PiiTruth, truth: DocumentTruth, page: ReadPage) -> BBox:
    """The seeded box in the corrected page's pixels: the clean page is scaled to the intake's dpi and
    sits centred in the corrected scan (deskewing pads evenly on both sides), turned by what deskewing
    got wrong (the estimated skew less the true one), so that a geometry error does not pass for a
    detection error."""
    clean = truth.pages[item.page]
    scale = page.dpi / truth.dpi
    height, width = page.image.shape[:2]
    cx, cy = width / 2, height / 2
    residual = math.radians(page.geometry.skew_deg - clean.skew_deg)
    cos, sin = math.cos(residual), math.sin(residual)
    box = item.bbox
    xs, ys = [], []
    for x, y in ((box.x0, box.y0), (box.x1, box.y0), (box.x0, box.y1), (box.x1, box.y1)):
        dx, dy = (x - clean.width / 2) * scale, (y - clean.height / 2) * scale
        xs.append(cx + dx * cos + dy * sin)
        ys.append(cy - dx * sin + dy * cos)
    return BBox(x0=max(0, int(min(xs))), y0=max(0, int(min(ys))), x1=min(width, math.ceil(max(xs))),
                y1=min(height, math.ceil(max(ys))))


def _same_text(a: str, b: str) -> bool:
    def squeeze(text: str) -> str:
        return "".join(char for char in text.casefold() if char.isalnum())

    return squeeze(a) == squeeze(b)


def _near(a: BBox, b: BBox, reach: int) -> bool:
    return max(a.x0 - b.x1, b.x0 - a.x1) <= reach and max(a.y0 - b.y1, b.y0 - a.y1) <= reach


def _miss_kind(item: PiiTruth, box: BBox, seeded: list[tuple[PiiTruth, BBox]], findings: list[PiiFinding],
               words: list[Word] | None, turned: bool) -> str:
    """Why a seeded value counts as not found: ``missed`` unless the seeded box itself is in doubt: no OCR
    word in it, and right beside it a finding of its type and text that no other seeded box accounts for
    (a value printed twice, as on an ID card, is not a shifted box)."""
    if turned:
        return "missed-geometry"
    if words is None or any(word.bbox.intersection_area(box) >= 0.3 * max(1, area(word.bbox)) for word in words):
        return "missed"
    others = [other for other, other_box in seeded if other is not item]
    for finding in findings:
        if finding.entity_type != item.entity_type or not _same_text(finding.value, item.value):
            continue
        accounted = any(finding.bbox.intersection_area(other_box) > 0 for other, other_box in seeded
                        if other in others and other.entity_type == item.entity_type)
        if not accounted and _near(finding.bbox, box, 2 * box.height):
            return "misaligned"
    return "missed"


def score_page(figures: PrivacyFigures, doc_id: str, page_number: int, seeded: list[tuple[PiiTruth, BBox]],
               findings: list[PiiFinding], width: int, height: int, *, words: list[Word] | None = None,
               turned: bool = False) -> None:
    """Scores one page; ``words`` (the page's OCR) and ``turned`` (the geometry stage turned the page
    otherwise than the truth) only sort the misses by cause."""
    grown = [f.bbox.grow(COVER_MARGIN_PX, width, height) for f in findings]
    for item, box in seeded:
        score = figures.score(item.entity_type)
        score.seeded += 1
        same = [f.bbox for f in findings if f.entity_type == item.entity_type]
        if coverage(box, same) >= RECALL_COVERAGE:
            score.found += 1
        else:
            kind = _miss_kind(item, box, seeded, findings, words, turned)
            score.misaligned += kind == "misaligned"
            score.geometry += kind == "missed-geometry"
            figures.misses.append(Miss(kind, doc_id, page_number, item.entity_type, item.value))
        score.covered += coverage(box, grown) >= COVERED
    for finding in findings:
        score = figures.score(finding.entity_type)
        score.findings += 1
        if any(finding.bbox.intersection_area(box) >= PRECISION_OVERLAP * min(area(finding.bbox), area(box))
               for item, box in seeded if item.entity_type == finding.entity_type):
            score.correct += 1
        else:
            figures.misses.append(Miss("spurious", doc_id, page_number, finding.entity_type, finding.value))


# ---------------------------------------------------------------------------------------------- runs


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _evaluate_document(corpus_dir: Path, truth: DocumentTruth, analyzer: AnalyzerEngine, *, lang: str,
                       engine: str, timing: bool) -> PrivacyFigures:
    from privacy.detect import detect_pii
    from privacy.document import redact_document_pages

    figures = PrivacyFigures(documents=1)
    start, cpu = time.perf_counter(), _cpu()
    read = [page for page in read_document(corpus_dir / truth.file, lang, engine=engine) if page.ocr is not None]
    figures.seconds["ocr"], figures.cpu_seconds["ocr"] = time.perf_counter() - start, _cpu() - cpu
    figures.pages = len(read)
    if timing and read:
        redacted = redact_document_pages([(page.image, page.ocr) for page in read if page.ocr is not None],
                                         analyzer, lang=lang)
        found = redacted.findings
        figures.seconds.update(redacted.seconds)
        figures.cpu_seconds.update(redacted.cpu_seconds)
        figures.unverified_documents = int(not redacted.report.verified)
        if not redacted.report.verified:
            figures.failed_checks.extend(f"{truth.doc_id}:{c.name}" for c in redacted.report.checks if not c.passed)
    else:
        start, cpu = time.perf_counter(), _cpu()
        found = [detect_pii(page.ocr, page.image, analyzer) for page in read if page.ocr is not None]
        figures.seconds["detect"], figures.cpu_seconds["detect"] = time.perf_counter() - start, _cpu() - cpu
    for page, findings in zip(read, found, strict=True):
        seeded = [(item, truth_in_page(item, truth, page)) for item in truth.pii if item.page == page.source_index]
        height, width = page.image.shape[:2]
        turned = page.geometry.orientation_deg != truth.pages[page.source_index].orientation_deg
        score_page(figures, truth.doc_id, page.source_index, seeded, findings, width, height,
                   words=page.ocr.words if page.ocr is not None else None, turned=turned)
    return figures


def evaluate_privacy(corpus_dir: Path, analyzer: AnalyzerEngine, *, jobs: int = 2, lang: str = "sqi+eng",
                     engine: str = "tesseract-cli", timing: bool = False,
                     on_document: Callable[[], None] | None = None) -> PrivacyFigures:
    """Figures over every single document of the corpus (``docs/``)."""
    corpus = CorpusTruth.model_validate_json((corpus_dir / "corpus.json").read_text(encoding="utf-8"))

    def one(truth: DocumentTruth) -> PrivacyFigures:
        result = _evaluate_document(corpus_dir, truth, analyzer, lang=lang, engine=engine, timing=timing)
        if on_document is not None:
            on_document()
        return result

    total = PrivacyFigures()
    for entity in PII_ENTITY_TYPES:
        total.score(entity)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(one, corpus.documents):
            total.documents += part.documents
            total.pages += part.pages
            total.unverified_documents += part.unverified_documents
            total.failed_checks.extend(part.failed_checks)
            total.misses.extend(part.misses)
            for entity, score in part.scores.items():
                total.score(entity).add(score)
            for name, seconds in part.seconds.items():
                total.seconds[name] = total.seconds.get(name, 0.0) + seconds
            for name, seconds in part.cpu_seconds.items():
                total.cpu_seconds[name] = total.cpu_seconds.get(name, 0.0) + seconds
    return total
