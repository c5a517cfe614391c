"""Generate a corpus of synthetic scans with exact ground truth.

``out_dir`` receives:

- ``docs/<doc_id>.<ext>``: one scanned document per file (mostly image-only PDF, some TIFF, PNG, JPEG) and
  ``truth/<doc_id>.json`` for each;
- ``batch.pdf`` + ``batch.json``: a scanning-station batch, a cover sheet then the documents with a
  separator sheet between each two;
- ``stack.pdf`` + ``stack.json``: documents of the same kinds, scanned as one stack with no sheets at all;
- ``corpus.json``: the :class:`CorpusTruth`;
- ``straight/<doc_id>-<page>.<ext>``: for each page skewed by more than :data:`STRAIGHT_TWIN_SKEW_DEG`, its
  straight twin: the same clean page through the same scanner (settings, noise seed, file kind) with the
  skew left out, named by :attr:`PageTruth.straight_twin`. The OCR benchmark compares the pipeline's reading
  of the skewed page with its reading of the twin. Drawing a twin takes nothing from the corpus's random
  streams, so every other file is the same with or without twins.

Every random choice comes from generators seeded by ``seed`` and the document's place in the corpus (no
global random state, no clock), so the same call writes the same bytes.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from benchmarks.samples.canvas import Page
from benchmarks.samples.doctypes import BUILDERS, CORE_TYPES, ENGLISH_TYPES
from benchmarks.samples.fakes import Fakes
from benchmarks.samples.layout import DocContext, Language, Layout, pick_style
from benchmarks.samples.scan import ScannedPage, draw_settings, scan, show_through
from benchmarks.samples.truth import BatchDocument, BatchTruth, CorpusTruth, DocumentTruth, PageTruth, PiiTruth
from benchmarks.samples.writers import SCANNER_SOFTWARE, write_jpeg, write_pdf, write_png, write_tiff
from stages.sheets import render_cover_sheet, render_separator_sheet

FileKind = Literal["pdf", "tiff", "tiff-g4", "png", "jpeg"]
_EXTENSIONS: dict[FileKind, str] = {"pdf": "pdf", "tiff": "tif", "tiff-g4": "tif", "png": "png", "jpeg": "jpg"}

_SINGLES, _BATCH, _STACK, _CORPUS = 1, 2, 3, 0
"""Seed streams: each part of the corpus draws from its own generators."""

STRAIGHT_TWIN_SKEW_DEG = 0.5
"""A page skewed by more than this gets a straight twin (``straight/``); below it a rotation barely
changes what OCR sees."""
_TWIN_PRODUCER = SCANNER_SOFTWARE[0]
"""Scanner software named in a twin PDF (picking one at random would take from the corpus's streams)."""


@dataclass(frozen=True)
class _Plan:
    doc_id: str
    type_id: str
    language: Language
    layout: Layout
    stream: int
    index: int


@dataclass(frozen=True)
class _Rendered:
    truth: DocumentTruth
    scans: list[ScannedPage]
    twins: dict[int, ScannedPage] = field(default_factory=dict)
    """Page index -> the page scanned without skew (:data:`STRAIGHT_TWIN_SKEW_DEG`)."""


def _generators(seed: int, *key: int) -> tuple[random.Random, np.random.Generator]:
    state = np.random.SeedSequence([seed, *key]).generate_state(2, dtype=np.uint64)
    return random.Random(int(state[0])), np.random.default_rng(int(state[1]))


def _english_choice(types: Sequence[str], rng: random.Random) -> set[int]:
    """Indices of documents printed in English: about one in six, at least one when any type allows it."""
    capable = [i for i, t in enumerate(types) if t in ENGLISH_TYPES]
    if not capable:
        return set()
    wanted = min(len(capable), max(1, round(len(types) / 6)))
    return set(rng.sample(capable, wanted))


def _plans(types: Sequence[str], prefix: str, stream: int, layout: Layout, seed: int) -> list[_Plan]:
    rng, _ = _generators(seed, _CORPUS, stream)
    english = _english_choice(types, rng)
    return [_Plan(doc_id=f"{prefix}{i + 1:03d}", type_id=t, language="eng" if i in english else "sqi",
                  layout=layout, stream=stream, index=i) for i, t in enumerate(types)]


def _render(plan: _Plan, seed: int, dpi: int, file: str, *, vary_dpi: bool, with_twins: bool = True) -> _Rendered:
    rng, noise = _generators(seed, plan.stream, plan.index)
    doc_dpi = 200 if vary_dpi and dpi > 200 and rng.random() < 0.25 else dpi
    color = rng.random() < 0.35
    fold = plan.type_id not in ("id_card_copy", "vehicle_registration") and rng.random() < 0.1
    ctx = DocContext(rng=rng, fakes=Fakes(rng), style=pick_style(plan.layout, rng), layout=plan.layout,
                     language=plan.language, dpi=doc_dpi, color=color, fold=fold,
                     date_form=rng.choice((0, 0, 0, 1)))
    doc = BUILDERS[plan.type_id](ctx)
    pages = doc.finish()
    if rng.random() < 0.1:
        pages.append(_blank_back(pages[-1], rng))
    page_truths: list[PageTruth] = []
    pii: list[PiiTruth] = []
    scans: list[ScannedPage] = []
    twins: dict[int, ScannedPage] = {}
    for i, page in enumerate(pages):
        settings = draw_settings(rng, blank=page.blank)
        # The twin's noise comes from a copy of the stream as it stands before this page's scan: the same
        # noise seed, and the corpus's own stream goes on as if there were no twin.
        twin_noise = copy.deepcopy(noise) if with_twins and _wants_twin(settings.skew_deg, page.blank) else None
        scans.append(scan(page.image, settings, noise, doc_dpi))
        if twin_noise is not None:
            twins[i] = scan(page.image, replace(settings, skew_deg=0.0), twin_noise, doc_dpi)
        page_truths.append(PageTruth(index=i, orientation_deg=settings.orientation, skew_deg=settings.skew_deg,
                                     text="\n".join(page.lines), blank=page.blank, width=page.width,
                                     height=page.height))
        pii.extend(PiiTruth(entity_type=entity, value=value, page=i, bbox=box)
                   for entity, value, box in page.pii_truth())
    truth = DocumentTruth(doc_id=plan.doc_id, document_type=plan.type_id, language=plan.language,
                          layout=plan.layout, file=file, dpi=doc_dpi, pages=page_truths, pii=pii, title=doc.title,
                          title_bbox=doc.title_bbox, color=color, key_fields=dict(doc.key_fields))
    return _Rendered(truth=truth, scans=scans, twins=twins)


def _wants_twin(skew_deg: float, blank: bool) -> bool:
    return not blank and abs(skew_deg) > STRAIGHT_TWIN_SKEW_DEG


def _write_twins(out_dir: Path, rendered: _Rendered, kind: FileKind, producer: str) -> DocumentTruth:
    """Write the straight twins in the document's own file kind (a bilevel TIFF's twin is bilevel too) and
    return the truth that names them."""
    truth = rendered.truth
    if not rendered.twins:
        return truth
    (out_dir / "straight").mkdir(exist_ok=True)
    pages = list(truth.pages)
    for index, twin in sorted(rendered.twins.items()):
        relative = f"straight/{truth.doc_id}-{index}.{_EXTENSIONS[kind]}"
        _write_single(out_dir / relative, kind, [twin], producer)
        pages[index] = pages[index].model_copy(update={"straight_twin": relative})
    return truth.model_copy(update={"pages": pages})


def _blank_back(front: Page, rng: random.Random) -> Page:
    """The blank back of the last sheet, as a duplex scan picks it up (sometimes with show-through)."""
    back = Page(dpi=front.dpi, color=front.color, paper=front.paper)
    back.blank = True
    if rng.random() < 0.5:
        back.image = show_through(front.image, back.image, rng.uniform(0.03, 0.07))
    return back


def _file_kind(page_count: int, rng: random.Random) -> FileKind:
    roll = rng.random()
    if page_count > 1:
        return "pdf" if roll < 0.75 else ("tiff" if roll < 0.88 else "tiff-g4")
    if roll < 0.55:
        return "pdf"
    if roll < 0.65:
        return "tiff" if roll < 0.61 else "tiff-g4"
    return "png" if roll < 0.8 else "jpeg"


def _write_single(path: Path, kind: FileKind, scans: list[ScannedPage], producer: str) -> None:
    if kind == "pdf":
        write_pdf(path, scans, producer)
    elif kind in ("tiff", "tiff-g4"):
        write_tiff(path, scans, bilevel=kind == "tiff-g4")
    elif kind == "png":
        write_png(path, scans[0])
    else:
        write_jpeg(path, scans[0])


def _scan_sheet(image: npt.NDArray[np.uint8], rng: random.Random, noise: np.random.Generator, dpi: int) -> ScannedPage:
    return scan(Image.fromarray(image), draw_settings(rng, sheet=True), noise, dpi)


def _batch_types(service_required_types: Sequence[str] | None, rng: random.Random
                 ) -> tuple[list[str], list[str], list[str]]:
    """Types in the batch, required types left out, and the extra type the service does not ask for."""
    if service_required_types is None:
        return rng.sample(CORE_TYPES, 6), [], []
    required = list(dict.fromkeys(service_required_types))
    renderable = [t for t in required if t in BUILDERS]
    included = list(renderable)
    if len(renderable) >= 2:
        included.remove(rng.choice(renderable))
    missing = [t for t in required if t not in included]
    others = [t for t in BUILDERS if t not in required]
    extra = [rng.choice(others)] if others else []
    types = included + extra
    rng.shuffle(types)
    return types, missing, extra


def _assemble(rendered: list[_Rendered], *, out_dir: Path, name: str, case_id: str, service_id: str | None,
              separators: bool, dpi: int, seed: int, stream: int, missing: list[str], extra: list[str]
              ) -> BatchTruth:
    rng, noise = _generators(seed, _CORPUS, stream, 99)
    pages: list[ScannedPage] = []
    if separators and service_id is not None:
        pages.append(_scan_sheet(render_cover_sheet(case_id, service_id, dpi=dpi), rng, noise, dpi))
    documents: list[BatchDocument] = []
    for i, item in enumerate(rendered):
        if separators and i > 0:
            pages.append(_scan_sheet(render_separator_sheet(dpi=dpi), rng, noise, dpi))
        first = len(pages)
        pages.extend(item.scans)
        documents.append(BatchDocument(doc_id=item.truth.doc_id, document_type=item.truth.document_type,
                                       first_page=first, last_page=len(pages) - 1))
    write_pdf(out_dir / f"{name}.pdf", pages, rng.choice(SCANNER_SOFTWARE))
    truth = BatchTruth(case_id=case_id, service_id=service_id, file=f"{name}.pdf", separators=separators,
                       documents=documents, missing_types=missing, extra_types=extra, page_count=len(pages),
                       dpi=dpi)
    (out_dir / f"{name}.json").write_text(truth.model_dump_json(indent=1), encoding="utf-8")
    return truth


def generate_corpus(out_dir: Path, *, count: int = 12, seed: int = 0, unseen_layout: bool = False,
                    dpi: int = 300, service_required_types: Sequence[str] | None = None,
                    service_id: str | None = None, case_id: str = "C-DEMO-0001",
                    straight_twins: bool = True) -> CorpusTruth:
    """Write a corpus to ``out_dir`` and return its ground truth (also in ``out_dir/corpus.json``).

    ``count`` single documents cycle through the types (``count=12`` gives one of each core type). The batch
    holds the renderable types of ``service_required_types`` less one (``missing_types``) plus one type the
    service does not ask for; without a service it holds six core types. Without ``service_id`` the batch
    has no cover sheet. ``straight_twins=False`` leaves out ``straight/`` (every other file stays the same).
    """
    out_dir = Path(out_dir)
    (out_dir / "docs").mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    layout: Layout = "unseen" if unseen_layout else "standard"
    all_types = list(BUILDERS)

    singles: list[DocumentTruth] = []
    single_types = [all_types[i % len(all_types)] if count > len(CORE_TYPES) else CORE_TYPES[i % len(CORE_TYPES)]
                    for i in range(count)]
    for plan in _plans(single_types, "doc", _SINGLES, layout, seed):
        pick, _ = _generators(seed, _CORPUS, _SINGLES, plan.index)
        rendered = _render(plan, seed, dpi, file="", vary_dpi=True, with_twins=straight_twins)
        kind = _file_kind(len(rendered.scans), pick)
        relative = f"docs/{plan.doc_id}.{_EXTENSIONS[kind]}"
        producer = pick.choice(SCANNER_SOFTWARE)
        _write_single(out_dir / relative, kind, rendered.scans, producer)
        truth = _write_twins(out_dir, rendered, kind, producer).model_copy(update={"file": relative})
        _write_truth(out_dir, truth)
        singles.append(truth)

    chooser, _ = _generators(seed, _CORPUS, _BATCH)
    batch_types, missing, extra = _batch_types(service_required_types, chooser)
    batches: list[BatchTruth] = []
    for name, stream, prefix, separators, types in (
        ("batch", _BATCH, "batch", True, batch_types),
        ("stack", _STACK, "stack", False, chooser.sample(batch_types, len(batch_types))),
    ):
        rendered_docs = [_render(plan, seed, dpi, f"{name}.pdf", vary_dpi=False, with_twins=straight_twins)
                         for plan in _plans(types, prefix, stream, layout, seed)]
        for item in rendered_docs:
            _write_truth(out_dir, _write_twins(out_dir, item, "pdf", _TWIN_PRODUCER))
        batches.append(_assemble(rendered_docs, out_dir=out_dir, name=name, case_id=case_id,
                                 service_id=service_id, separators=separators, dpi=dpi, seed=seed, stream=stream,
                                 missing=missing, extra=extra))

    corpus = CorpusTruth(seed=seed, documents=singles, batches=batches)
    (out_dir / "corpus.json").write_text(corpus.model_dump_json(indent=1), encoding="utf-8")
    return corpus


def _write_truth(out_dir: Path, truth: DocumentTruth) -> None:
    (out_dir / "truth" / f"{truth.doc_id}.json").write_text(truth.model_dump_json(indent=1), encoding="utf-8")
