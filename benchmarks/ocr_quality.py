"""OCR quality on a generated corpus: character error rate per document type and per language, and what
geometry correction is worth.

Every page of every document is read the way the pipeline reads it (intake, then
:func:`stages.page_reading.read_page`: orientation, deskew, OCR with the languages the catalog gives the
document's type) and compared with the generator's ground
truth. The error-rate tables, orientation and deskew figures cover the single documents (``docs/``).

Skewed against straight (:meth:`OcrQuality.skew_figure`). The figure "on a skewed page at most 10% worse
than on the same page straight" is the pipeline's error on the skewed pages over its error on *the same
pages scanned straight*: for every page skewed by more than :data:`SKEWED_DEG` the generator writes a
straight twin (:attr:`benchmarks.samples.truth.PageTruth.straight_twin`): the same clean page through the
same scanner, with the same settings, noise seed and file kind (a bilevel TIFF's twin is bilevel too), only
not skewed. The twin is read through the pipeline like any page. This is the reading of "the same page
straight" that holds everything but the skew fixed, so the ratio charges the pipeline with exactly what
skew costs it: the angle it finds, the resampling of its rotation, and what a crooked scan lost before the
pipeline saw it (letters binarised or compressed at a slant do not come back whole).

A second figure, kept because it tells those apart: the skewed scan itself turned back by the *true*
angles (from the truth) and OCR'd, against the pipeline's reading of it ("turned by the true angle"). It
prices only the pipeline's angle error; the twin ratio over it prices the rotation and the crooked scan.
It is not the issue's figure: it compares two readings of one slanted scan, and its reference is already
a rotated, resampled image, not a straight page.

Both ratios are summed over all skewed pages of the corpus, the documents of ``batch.pdf`` and
``stack.pdf`` included (about 55 pages a corpus of 36 documents instead of 35): tesseract drops or keeps a
whole line on a hair's difference of angle, so a handful of pages can move a small sample's ratio by tens
of percent. The page count, a bootstrap interval over pages and every page's figures (worst first) are
reported so that a swing can be told from a change.

Measured (``sportel samples --count 36``, tesseract 5.5.4 through tesserocr, 2 jobs): seeds 4242, 3131 and
5151 pooled, 164 skewed pages: 1.12 (90% page bootstrap 1.00-1.27) before smoothing bilevel pages after
their deskew (:func:`stages.geometry._deskewed`), 1.07 (0.97-1.17) after; per seed 1.02, 1.18, 1.01;
turned by the true angle 1.08. Held out, seed 7171, 53 pages: 1.54 (0.99-2.56), one bilevel page with a
ruled table holding 160 of its 524 edits (3 on its twin); 1.08 without it. Grey pages alone (pdf, png,
jpeg, tiff): 1.01 on 152 tuning pages, 1.07 on 51 held-out ones. The pages that cost most are bilevel
ones with ruled tables.

Error rate: Levenshtein distance over the true text's length, both texts reduced to single spaces between
words. Two ways: line-aligned (the character error rate proper: true lines matched with OCR lines wherever
they stand, a line whose parts were read apart matched part by part, no OCR text used twice; see
:func:`align_lines`) and in reading order (strict; a form read column by column scores badly though every
letter is right). Both are printed, and so is the OCR text matched with no true text ("spurious": stamps,
photos and rules read as letters), which neither rate counts.

The line-aligned rate used to compare each true line with the best-matching stretch of the whole page
text. That let two true lines count the same OCR text (a payment slip's two copies, table rows alike
but for a figure, a personal number printed on a card and again in its machine-readable zone), and it
charged a line whose parts stood in different places of the OCR text (a reference number left and a
date right, two signature blocks side by side, a table row whose cells were read column by column) as
misread although every letter was right.
"""

from __future__ import annotations

import functools
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pikepdf
from numpy.typing import NDArray
from PIL import Image
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from benchmarks.samples.generate import STRAIGHT_TWIN_SKEW_DEG
from benchmarks.samples.truth import BatchDocument, CorpusTruth, DocumentTruth, PageTruth
from pipeline.catalog import Catalog
from stages.images import fit_mask, rotate_expand
from stages.intake import read_input
from stages.ocr import recognize
from stages.page_reading import read_page

SKEWED_DEG = STRAIGHT_TWIN_SKEW_DEG
"""A page skewed by more than this counts as skewed for the skewed-versus-straight figure (and has a
straight twin)."""

_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def edit_counts(found: str, truth: str) -> tuple[int, int]:
    """(edits, true characters) in reading order: the numerator and denominator of a character error
    rate. Strict: a table read column by column instead of row by row costs as much as misread letters."""
    flat_truth = _flat(truth)
    return Levenshtein.distance(_flat(found), flat_truth), len(flat_truth)


_MIN_PIECE = 4
"""A part of a true line is matched on its own, the rest of the line being looked for elsewhere, only if it
is at least this long: a shorter part would find its match by chance somewhere on any page."""
_PIECE_ERROR_RATE = 0.25
"""... and only if at most this share of its characters is wrong: splitting is for text read apart, not for
patching a misread line together out of unrelated OCR text."""
_ANCHOR = 2
"""Characters in a row that two texts must share for their overlap to start or end there."""


@dataclass(frozen=True)
class LineMatch:
    truth: str
    found: str
    edits: int


@dataclass(frozen=True)
class LineAlignment:
    """The true lines of a page matched with its OCR lines (:func:`align_lines`)."""

    edits: int
    chars: int
    """True characters, lines reduced to single spaces between words."""
    spurious: int
    """OCR characters matched with no true text: graphics read as letters, noise, rules read as ``|``."""
    matches: tuple[LineMatch, ...]
    missing: tuple[str, ...]
    """True text matched with nothing: not read, or misread beyond recognition."""


@dataclass(frozen=True)
class _Overlap:
    truth: tuple[int, int]
    found: tuple[int, int]
    edits: int
    whole: bool
    """All of the true piece is in the overlap."""

    @property
    def score(self) -> int:
        return self.truth[1] - self.truth[0] - 2 * self.edits


def _overlap(truth: str, found: str) -> _Overlap | None:
    """Where a true piece and an OCR piece overlap: the shorter slid along the longer (rapidfuzz), the
    overlap then trimmed to start and end on shared characters and widened to whole words, so that what
    either text holds beyond it is left over for other matches instead of being counted as misread."""
    shorter_is_truth = len(truth) <= len(found)
    shorter, longer = (truth, found) if shorter_is_truth else (found, truth)
    rough = fuzz.partial_ratio_alignment(shorter, longer)
    if rough is None:
        return None
    if shorter_is_truth:
        t0, t1, f0, f1 = rough.src_start, rough.src_end, rough.dest_start, rough.dest_end
    else:
        f0, f1, t0, t1 = rough.src_start, rough.src_end, rough.dest_start, rough.dest_end
    # Room around the slid window for the text that insertions and deletions push past its ends.
    slack = 3 + min(len(truth), len(found)) // 4 + abs((t1 - t0) - (f1 - f0))
    t0, t1 = max(0, t0 - slack), min(len(truth), t1 + slack)
    f0, f1 = max(0, f0 - slack), min(len(found), f1 + slack)
    shared = [op for op in Levenshtein.opcodes(truth[t0:t1], found[f0:f1]) if op.tag == "equal"]
    anchors = [op for op in shared if op.src_end - op.src_start >= _ANCHOR] or shared
    if not anchors:
        return None
    # Out to whole words: a word misread at its edge is misread, not a piece of text read elsewhere.
    ts, te = _word_start(truth, t0 + anchors[0].src_start), _word_end(truth, t0 + anchors[-1].src_end)
    fs, fe = _word_start(found, f0 + anchors[0].dest_start), _word_end(found, f0 + anchors[-1].dest_end)
    edits = Levenshtein.distance(truth[ts:te], found[fs:fe])
    whole = not truth[:ts].strip() and not truth[te:].strip()
    if edits >= te - ts or (not whole and (te - ts < _MIN_PIECE or edits > _PIECE_ERROR_RATE * (te - ts))):
        return None
    return _Overlap(truth=(ts, te), found=(fs, fe), edits=edits, whole=whole)


def _word_start(text: str, index: int) -> int:
    return text.rfind(" ", 0, index) + 1


def _word_end(text: str, index: int) -> int:
    end = text.find(" ", index)
    return len(text) if end < 0 else end


def align_lines(found: str, truth: str) -> LineAlignment:
    """Match the true lines with the OCR lines wherever they stand, after the flexible character accuracy
    of Clausner, Pletschacher and Antonacopoulos (Pattern Recognition Letters 131, 2020): the best
    overlap of any true piece with any OCR piece is taken first, and what either has beyond it goes back
    as new pieces. So a line whose parts tesseract read apart (a form's left and right halves, table
    cells, signature blocks side by side) is matched part by part, whole words at a time, and no OCR text
    counts for two true lines. Misread characters inside an overlap are edits; true text matched with
    nothing counts whole."""
    truths = [line for line in (_flat(x) for x in truth.splitlines()) if line]
    founds = [line for line in (_flat(x) for x in found.splitlines()) if line]
    chars = sum(len(line) for line in truths)
    edits = 0
    matches: list[LineMatch] = []
    missing: list[str] = []
    known: dict[tuple[str, str], _Overlap | None] = {}
    while truths and founds:
        best: tuple[_Overlap, int, int] | None = None
        for i, true_piece in enumerate(truths):
            for j, found_piece in enumerate(founds):
                key = (true_piece, found_piece)
                if key not in known:
                    known[key] = _overlap(true_piece, found_piece)
                overlap = known[key]
                if overlap is not None and (best is None or overlap.score > best[0].score):
                    best = (overlap, i, j)
        if best is None:
            break
        overlap, i, j = best
        true_piece, found_piece = truths.pop(i), founds.pop(j)
        (ts, te), (fs, fe) = overlap.truth, overlap.found
        edits += overlap.edits
        matches.append(LineMatch(true_piece[ts:te], found_piece[fs:fe], overlap.edits))
        truths.extend(rest.strip() for rest in (true_piece[:ts], true_piece[te:]) if rest.strip())
        founds.extend(rest.strip() for rest in (found_piece[:fs], found_piece[fe:]) if rest.strip())
    edits += sum(len(piece) for piece in truths)
    missing.extend(truths)
    return LineAlignment(edits=edits, chars=chars, spurious=sum(len(piece) for piece in founds),
                         matches=tuple(matches), missing=tuple(missing))


def line_edit_counts(found: str, truth: str) -> tuple[int, int]:
    """(edits, true characters) with true lines matched with OCR lines wherever they stand
    (:func:`align_lines`): misread characters count, reading order and line breaks do not."""
    alignment = align_lines(found, truth)
    return alignment.edits, alignment.chars


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
    spurious: int = 0
    """OCR characters matched with no true text (:attr:`LineAlignment.spurious`)."""
    ocr_seconds: float = 0.0
    """The OCR part of reading the page through the pipeline (wall clock)."""
    alignment: LineAlignment | None = field(default=None, repr=False, compare=False)
    page_index: int = 0
    true_skew_deg: float = 0.0
    file_kind: str = ""
    """How the page was stored: pdf, tiff, tiff-g4 (bilevel), png or jpeg."""
    single: bool = True
    """From ``docs/``; False for a document of ``batch.pdf`` or ``stack.pdf``, read only for the skew
    figure."""
    twin_edits: int | None = None
    """Edits on the page's straight twin read through the pipeline (skewed pages with a twin only)."""


@dataclass
class Rate:
    edits: int = 0
    chars: int = 0
    pages: int = 0
    spurious: int = 0

    def add(self, edits: int, chars: int, spurious: int = 0) -> None:
        self.edits, self.chars, self.pages = self.edits + edits, self.chars + chars, self.pages + 1
        self.spurious += spurious

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0


@dataclass
class OcrQuality:
    pages: list[PageFigure] = field(default_factory=list)

    @property
    def singles(self) -> list[PageFigure]:
        return [p for p in self.pages if p.single]

    def by(self, key: Callable[[PageFigure], str], *, ordered: bool = False) -> dict[str, Rate]:
        rates: dict[str, Rate] = defaultdict(Rate)
        for page in self.singles:
            rates[key(page)].add(page.ordered_edits if ordered else page.edits, page.chars, page.spurious)
        return dict(sorted(rates.items()))

    def skewed_vs_straight(self) -> tuple[Rate, Rate]:
        """Single documents' skewed pages: the pipeline against the scan turned by its true angles (the
        figure this benchmark printed first; :meth:`skew_figure` holds the issue's)."""
        skewed, straight = Rate(), Rate()
        for page in self.singles:
            if page.skewed and page.straight_edits is not None:
                skewed.add(page.edits, page.chars)
                straight.add(page.straight_edits, page.chars)
        return skewed, straight

    def skew_figure(self) -> SkewFigure:
        """Every skewed page of the corpus that has a straight twin: see the module docstring."""
        return SkewFigure(tuple(p for p in self.pages if p.skewed and p.twin_edits is not None))

    @property
    def orientation_correct(self) -> tuple[int, int]:
        return sum(p.orientation_ok for p in self.singles), len(self.singles)

    @property
    def skew_errors(self) -> list[float]:
        return [p.skew_error_deg for p in self.singles]


def _ratio(edits: int, reference: int) -> float:
    if reference:
        return edits / reference
    return 1.0 if edits == 0 else float("inf")


_BOOTSTRAP_ROUNDS = 2000


@dataclass(frozen=True)
class SkewFigure:
    """The pipeline's errors on skewed pages against the same pages' straight twins (and against the
    skewed scans turned by the true angles). Both sides count the same true characters, so a ratio of
    error rates is a ratio of edits."""

    pages: tuple[PageFigure, ...]

    @property
    def chars(self) -> int:
        return sum(p.chars for p in self.pages)

    @property
    def edits(self) -> int:
        return sum(p.edits for p in self.pages)

    @property
    def twin_edits(self) -> int:
        return sum(p.twin_edits or 0 for p in self.pages)

    @property
    def turned(self) -> tuple[PageFigure, ...]:
        return tuple(p for p in self.pages if p.straight_edits is not None)

    @property
    def ratio(self) -> float:
        """The issue's figure: skewed CER over straight-twin CER (at most 1.10 to pass)."""
        return _ratio(self.edits, self.twin_edits)

    @property
    def turned_ratio(self) -> float:
        """Skewed CER over the CER of the same scans turned by the true angles."""
        return _ratio(sum(p.edits for p in self.turned), sum(p.straight_edits or 0 for p in self.turned))

    def interval(self, share: float = 0.9) -> tuple[float, float]:
        """Central ``share`` of the twin ratio over pages drawn again with replacement (fixed seed): how
        far the figure would move on another corpus of as many pages."""
        if not self.pages:
            return 1.0, 1.0
        edits = np.array([p.edits for p in self.pages], dtype=np.float64)
        twins = np.array([p.twin_edits or 0 for p in self.pages], dtype=np.float64)
        draws = np.random.default_rng(0).integers(0, len(self.pages), (_BOOTSTRAP_ROUNDS, len(self.pages)))
        ratios = edits[draws].sum(axis=1) / np.maximum(twins[draws].sum(axis=1), 1.0)
        low, high = np.quantile(ratios, [(1 - share) / 2, (1 + share) / 2])
        return float(low), float(high)

    def by(self, key: Callable[[PageFigure], str]) -> dict[str, SkewFigure]:
        groups: dict[str, list[PageFigure]] = defaultdict(list)
        for page in self.pages:
            groups[key(page)].append(page)
        return {name: SkewFigure(tuple(pages)) for name, pages in sorted(groups.items())}

    def summary(self) -> list[str]:
        """Lines for the console."""
        low, high = self.interval()
        chars = max(self.chars, 1)
        lines = [
            f"skewed pages ({len(self.pages)}, every skewed page of the corpus): CER {100 * self.edits / chars:.2f}% "
            f"against {100 * self.twin_edits / chars:.2f}% on the same pages scanned straight "
            f"(ratio {self.ratio:.2f}, 90% page bootstrap {low:.2f}-{high:.2f}; issue: at most 1.10)",
            f"  the same skewed scans turned by the true angles: ratio {self.turned_ratio:.2f} "
            f"({len(self.turned)} pages)",
        ]
        for name, group in self.by(lambda p: p.file_kind).items():
            lines.append(f"  {name}: {len(group.pages)} pages, {group.edits} edits against {group.twin_edits} "
                         f"straight (ratio {group.ratio:.2f})")
        return lines

    def to_json(self) -> dict[str, object]:
        low, high = self.interval()
        chars = max(self.chars, 1)
        worst_first = sorted(self.pages, key=lambda p: (p.twin_edits or 0) - p.edits)
        return {
            "skewed_pages_all": len(self.pages),
            "skewed_cer_all": self.edits / chars,
            "straight_twin_cer": self.twin_edits / chars,
            "skewed_vs_straight_twin": self.ratio,
            "skewed_vs_straight_twin_90pct": [low, high],
            "skewed_vs_turned_by_true_angle": self.turned_ratio,
            "skewed_vs_straight_twin_by_file_kind": {
                name: {"pages": len(g.pages), "edits": g.edits, "straight_edits": g.twin_edits, "ratio": g.ratio}
                for name, g in self.by(lambda p: p.file_kind).items()},
            "skewed_page_figures": [
                {"doc_id": p.doc_id, "page": p.page_index, "file_kind": p.file_kind, "skew_deg": p.true_skew_deg,
                 "skew_error_deg": round(p.skew_error_deg, 4), "chars": p.chars, "edits": p.edits,
                 "straight_twin_edits": p.twin_edits, "turned_by_true_angle_edits": p.straight_edits}
                for p in worst_first],
        }


def storage_kind(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("tif", "tiff"):
        with Image.open(io.BytesIO(data)) as picture:
            return "tiff-g4" if picture.info.get("compression") == "group4" else "tiff"
    return {"jpg": "jpeg"}.get(suffix, suffix)


def _document_file(corpus_dir: Path, truth: DocumentTruth, place: BatchDocument | None) -> bytes:
    """The document's file; for a document of a batch, its pages cut out of the batch PDF."""
    data = (corpus_dir / truth.file).read_bytes()
    if place is None:
        return data
    with pikepdf.open(io.BytesIO(data)) as batch:
        part = pikepdf.new()
        part.pages.extend(batch.pages[place.first_page:place.last_page + 1])
        out = io.BytesIO()
        part.save(out)
        return out.getvalue()


def _read_document(corpus_dir: Path, truth: DocumentTruth, lang: str, engine: str, dpi: int,
                   place: BatchDocument | None = None) -> list[PageFigure]:
    figures = []
    data = _document_file(corpus_dir, truth, place)
    kind = storage_kind(truth.file, data)
    pages = read_input(data, truth.file, dpi=dpi).pages
    for page, page_truth in zip(pages, truth.pages, strict=True):
        if page_truth.blank:
            continue
        skewed = abs(page_truth.skew_deg) > SKEWED_DEG
        if place is not None and not skewed:
            continue  # batch documents are read for the skew figure alone
        colour_ink = functools.partial(_given, page.colour_ink)
        reading = read_page(page.image, dpi=page.dpi, page_index=page.source_index, lang=lang, engine=engine,
                            colour_ink=colour_ink)
        geometry, ocr = reading.geometry, reading.ocr
        alignment = align_lines(ocr.text, page_truth.text)
        ordered_edits, _ = edit_counts(ocr.text, page_truth.text)
        straight_edits = _straight_edits(page.image, page.dpi, page_truth, lang, engine, colour_ink) if skewed else None
        twin_edits = (_twin_edits(corpus_dir, page_truth, lang, engine, dpi)
                      if skewed and page_truth.straight_twin else None)
        figures.append(PageFigure(
            doc_id=truth.doc_id, document_type=truth.document_type, language=truth.language,
            layout=truth.layout, lang=lang, edits=alignment.edits, chars=alignment.chars,
            ordered_edits=ordered_edits, orientation_ok=geometry.orientation_deg == page_truth.orientation_deg,
            skew_error_deg=abs(geometry.skew_deg - page_truth.skew_deg), skewed=skewed,
            straight_edits=straight_edits, spurious=alignment.spurious, ocr_seconds=reading.ocr_seconds,
            alignment=alignment, page_index=page_truth.index, true_skew_deg=page_truth.skew_deg,
            file_kind=kind, single=place is None, twin_edits=twin_edits,
        ))
    return figures


def _given(mask: NDArray[np.uint8] | None) -> NDArray[np.uint8] | None:
    return mask


def _twin_edits(corpus_dir: Path, truth: PageTruth, lang: str, engine: str, dpi: int) -> int:
    """Edits on the page's straight twin, read the way the pipeline reads any page."""
    assert truth.straight_twin is not None
    data = (corpus_dir / truth.straight_twin).read_bytes()
    (page,) = read_input(data, truth.straight_twin, dpi=dpi).pages
    reading = read_page(page.image, dpi=page.dpi, page_index=truth.index, lang=lang, engine=engine,
                        colour_ink=functools.partial(_given, page.colour_ink))
    return line_edit_counts(reading.ocr.text, truth.text)[0]


def _straight_edits(scan: NDArray[np.uint8], dpi: int, truth: PageTruth, lang: str, engine: str,
                    colour_ink: Callable[[], NDArray[np.uint8] | None]) -> int:
    turn = truth.skew_deg - truth.orientation_deg
    straight = rotate_expand(scan, turn)

    def straight_colour_ink() -> NDArray[np.uint8] | None:
        mask = colour_ink()
        return None if mask is None else fit_mask(rotate_expand(mask, turn, fill=0), straight.shape)

    ocr = recognize(straight, page_index=truth.index, dpi=dpi, lang=lang, engine=engine,
                    colour_ink=straight_colour_ink)
    return line_edit_counts(ocr.text, truth.text)[0]


def batch_documents(corpus_dir: Path, corpus: CorpusTruth) -> list[tuple[DocumentTruth, BatchDocument]]:
    """The documents of the corpus's batch files, with where each stands in its batch."""
    found = []
    for batch in corpus.batches:
        for place in batch.documents:
            text = (corpus_dir / "truth" / f"{place.doc_id}.json").read_text(encoding="utf-8")
            found.append((DocumentTruth.model_validate_json(text), place))
    return found


def evaluate_ocr(corpus_dir: Path, catalog: Catalog, *, engine: str, jobs: int = 2, dpi: int = 300,
                 documents: Iterable[str] | None = None,
                 on_document: Callable[[], None] | None = None) -> OcrQuality:
    corpus = CorpusTruth.model_validate_json((corpus_dir / "corpus.json").read_text(encoding="utf-8"))
    wanted = set(documents) if documents is not None else None
    chosen: list[tuple[DocumentTruth, BatchDocument | None]] = [
        (d, None) for d in corpus.documents if wanted is None or d.doc_id in wanted]
    chosen += [item for item in batch_documents(corpus_dir, corpus) if wanted is None or item[0].doc_id in wanted]

    def one(item: tuple[DocumentTruth, BatchDocument | None]) -> list[PageFigure]:
        truth, place = item
        lang = catalog.document_type(truth.document_type).languages
        figures = _read_document(corpus_dir, truth, lang, engine, dpi, place)  # the pipeline's DPI, as it reads
        if on_document is not None:
            on_document()
        return figures

    result = OcrQuality()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for figures in pool.map(one, chosen):
            result.pages.extend(figures)
    return result
