"""Turn a page upright and straighten it, for a few tens of milliseconds instead of tesseract's OSD.

Everything is measured on a cleaned ink mask at 150 dpi (``_ink``): the page is area-averaged down,
thresholded (Otsu, capped so that paper noise never counts as ink), and connected components that are
specks, touch the image edge, or lie wholly in the outer border band (scanner shadows, punch holes)
are dropped. Its share of the page is :func:`ink_ratio`; below :data:`BLANK_INK_RATIO` a page is blank.

Skew (:func:`estimate_skew`): a projection profile of the ink pixels' coordinates, searched coarse to
fine. The angle that makes the row profile spikiest (the largest sum of squared bin counts) lays the
text lines flat: first every 0.5 degree over +-16 degrees at 75 dpi (of near-equal peaks, the one that
also lays the lines flat within each 2-inch strip: blocks side by side fake peaks), then +-0.6 degree
in 0.1 steps and +-0.1 in 0.02 steps at 150 dpi, refined by a parabola through the best three.
Projecting the points costs a ``bincount`` per angle, no image rotation.

Orientation (:func:`estimate_orientation`), in two cheap decisions and one rarely needed costly one:

1. Line direction (0/180 against 90/270): the coarse search runs on the page and on the page turned a
   quarter. Text lines give the across-line profile empty rows between lines ("gaps") and a much
   spikier profile; a page of one or two lines shows it in spikiness, a dense page in gaps.
2. Up or down (0 against 180): in Latin script ascenders (b d f h k l t, capitals, the dots of ë) far
   outnumber descenders (g j p q y, ç). In each text line of the deskewed profile, ink reaches about a
   third of the x-height above the core on an upright page and hardly below it; upside down the
   other way round (:class:`_LineEvidence`).
3. When either signal is weak (all-capital or numeric text, an ID card with a photo, a lone logo),
   tesseract reads the densest 0.6 by 2.5 inch strip of the straightened page both ways up (psm 11,
   :func:`stages.ocr.probe_confidence`, about 50-100 ms for the pair; four readings when the line
   direction is unknown too) and the orientation it reads with the higher confidence wins.
   Tesseract's own OSD was no fallback: it costs more and turned all-capital pages upside down.

The corrected image is produced by one rotation of the original: an exact quarter turn when no skew is
left (``cv2.rotate``), else one bilinear ``warpAffine`` onto a canvas grown so nothing is cut, filled
white; a bilevel page (CCITT, JBIG2) is smoothed after that turn (:func:`_deskewed`).

Conventions: ``orientation_deg`` is the clockwise rotation applied to make the page upright;
``skew_deg`` the rotation corrected after it, counter-clockwise positive, degrees.

Measured on generated A4 pages at 300 dpi, 2-core machine: six DejaVu faces (sans, serif, mono,
condensed, bold, italic), 8-16 pt, 1-13 lines of Albanian, English, all-capital Albanian or tables of
figures, clean or scan-like (blurred, grey noisy paper, JPEG 60), skew uniform in +-15 degrees, each in
all four quarter turns; four random draws of 384 pages:

- orientation: 1536 of 1536 upright (one earlier miss, a 16 pt table of figures read equally well both
  ways up, led to the tie rule in :func:`_best`);
- skew error: median 0.008, 95th percentile 0.030-0.043, worst 0.07-0.09 degree;
- cost: mixed-case pages 45-55 ms median (3-16% of them need the probe), of which 19 ms is the final
  rotation; all-capital and figure pages 200-250 ms median (the probe runs on 77-100% of them).
  Tesseract's OSD alone took 800 ms a page (CLI) and 170-230 ms in-process.

On the document corpus (``sportel samples``: forms, tables, cards, stamps and signatures, both layouts;
seeds 4242, 2301, 5151, 6262, 7373, 8484 and 9595 unseen, 266 pages; 1212 unseen held out, 39 pages):
every page upright (before the rotation-independent rule test, the second probe strip and the reach
limit of :class:`_LineEvidence`: 4 of 266 upside down, 3 of them by a wrong line-shape verdict that the
pipeline never checks); skew error median 0.009, 95th percentile 0.032, worst 0.34 degree (before: 2.3;
held out: 0.12, before 2.05). The worst is an identity card copied front and back side by side: the fine
search on the whole page is pulled by the other side's lines; refining strip by strip cured it but
doubled the median error everywhere else. Later, on the unseen layout's identity card copies, the coarse
angle was up to 2 degrees off (small print running together at 75 dpi), out of the fine search's reach:
3 of 549 pages of 12 corpora off by 1.1-2.0 degrees, 18 of 120 generated card copies off by more than
0.3. The fine search now walks on past its window's edge and looks 2.5 degrees either side for a higher,
strip-checked peak (:func:`_leave_wrong_basin`): those 3 pages within 0.01 degree, no other page of the
549 moved, 0 of the 120 cards off by more than 0.3. ``straighten`` costs about 70 ms of CPU a page on a
loaded 2-core machine, half of it the final rotation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.models import GeometryResult
from stages.images import downscale, expand_matrix, rotate_clockwise, rotate_expand, rotated_region

Orientation = Literal[0, 90, 180, 270]

BLANK_INK_RATIO = 2e-5
"""Share of the page covered by cleaned ink below which a page is blank: about one 10 pt letter on A4.
Specks and scanner edges are gone by then, so a page with a single word is content, not blank."""

SKEW_LIMIT_DEG = 15.0
"""The largest skew the search is built for; the search itself runs a degree further."""

DESKEW_DEADBAND_DEG = 0.03
"""A skew this small is left alone: it moves the far edge of an A4 page by about one pixel at 300 dpi,
and a rotation would only blur the page (and make a born-digital page look scanned)."""

_ANALYSIS_DPI = 150.0
_COARSE_FACTOR = 2
_SEARCH_LIMIT_DEG = SKEW_LIMIT_DEG + 1.0
_COARSE_STEP_DEG = 0.5
_FINE_PASSES = ((0.6, 0.1), (0.1, 0.02))
_WALK_LIMIT = 4
_WALK_SPAN_DEG = 2.5
"""A fine pass whose best angle lies on its window's edge moves the window on, up to this many times and
this far from where it started: the fine profile's peak can lie beyond the coarse angle's window."""
_BASIN_SPAN_DEG = 2.5
_BASIN_STEP_DEG = 0.25
_BASIN_GAIN = 1.1
"""How much a far angle's fine profile must beat the found one's (sum of squared row counts) to be tried."""
_PEAK_SHARE = 0.7
"""Coarse peaks scoring at least this share of the best are candidates for the strip test."""
_STRIP_IN = 2.0
"""Strip width of the strip test: narrower than a card or a column, wide enough to hold whole words."""
_INK_LEVEL_CAP = 180
"""Otsu's threshold on a nearly blank page lands inside the paper noise; ink is never lighter than this."""
_BORDER_BAND = 0.03
_SPECK_AREA_AT_150 = 4
_RULE_ELONGATION = 15.0
"""A component this many times longer than thick is a rule or a frame's side, not a letter or a word."""
_MAX_EXTENT = 20000.0
"""Pixels: longer than any page side at the analysis resolution (a 3 m scroll at 150 dpi)."""
_MIN_POINTS = 150
"""Fewer ink pixels than this (at 150 dpi) carry no usable line structure."""

_SPIKY_RATIO = 4.0
_GAP_MARGIN = 0.05
_FLAT_LOG_RATIO = math.log(1.25)
_ZONE_DENSITY = 0.1
"""A row belongs to a line's reach when it holds a tenth of the line's peak ink."""
_ZONE_TALL = 0.2
_ZONE_REACH = 1.0
"""Beyond this many core heights a line's ink is no letter's ascender or descender (99% of 3786 generated
text lines reach less far on both sides)."""
_ZONE_DIFFERENCE = 0.12
_VOTE_SHARE = 0.8
_PROBE_TIE = 0.05
_PROBE_UNSURE = 15.0
"""Confidence points between the best and second best reading of a probe strip below which it decides
nothing alone. Upright text leads by 20 points and more (generated pages: 188 probed, 3 below that)."""


@dataclass(frozen=True)
class _Ink:
    """Cleaned ink of a page at ``dpi`` (at most 150), as point coordinates."""

    ys: NDArray[np.int64]
    xs: NDArray[np.int64]
    """Ink that can carry line structure: everything kept but photos and solid logos."""
    is_text: NDArray[np.bool_]
    """Points of components shaped like characters and words, not rules, frames or photos."""
    height: int
    width: int
    dpi: float
    ratio: float

    def mask(self, *, text_only: bool = False) -> NDArray[np.bool_]:
        mask = np.zeros((self.height, self.width), dtype=np.bool_)
        if text_only:
            mask[self.ys[self.is_text], self.xs[self.is_text]] = True
        else:
            mask[self.ys, self.xs] = True
        return mask


@dataclass(frozen=True)
class _Frame:
    """The ink seen in one of the two line directions: as scanned, or turned a quarter clockwise."""

    quarter: int
    ys: NDArray[np.float64]
    xs: NDArray[np.float64]
    text_ys: NDArray[np.float64]
    text_xs: NDArray[np.float64]
    coarse_ys: NDArray[np.float64]
    coarse_xs: NDArray[np.float64]


@dataclass(frozen=True)
class _Coarse:
    angle: float
    score: float
    gaps: float


# ------------------------------------------------------------------------------------------ ink mask


def _threshold(small: NDArray[np.uint8]) -> int:
    otsu, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return min(int(otsu), _INK_LEVEL_CAP)


def _elongated(ys: NDArray[np.int64], xs: NDArray[np.int64], component: NDArray[np.int32],
               candidates: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which ``candidates`` components are rules: :data:`_RULE_ELONGATION` times longer than thick.

    Measured on the spread of their pixels along and across their main axis (second moments), so a
    rule is a rule at any tilt: a bounding box's width-to-height test lets the rules of a table skewed
    by a few degrees pass for text (a 300 pixel rule at 7 degrees has a box 8 times wider than high),
    and their rows then outweigh every text line in the line-shape test. For an upright solid bar the
    two tests agree (the spreads' ratio is its width over its height).
    """
    rule = np.zeros(candidates.shape, dtype=np.bool_)
    chosen = candidates[component]
    if not chosen.any():
        return rule
    labels = component[chosen]
    y, x = ys[chosen].astype(np.float64), xs[chosen].astype(np.float64)
    size = candidates.size
    count = np.maximum(np.bincount(labels, minlength=size), 1).astype(np.float64)
    mean_x, mean_y = np.bincount(labels, x, size) / count, np.bincount(labels, y, size) / count
    # A pixel is a unit square, not a point: 1/12 keeps a one-pixel-thick bar's thickness finite.
    var_x = np.bincount(labels, x * x, size) / count - mean_x * mean_x + 1.0 / 12.0
    var_y = np.bincount(labels, y * y, size) / count - mean_y * mean_y + 1.0 / 12.0
    cov = np.bincount(labels, x * y, size) / count - mean_x * mean_y
    half_trace = 0.5 * (var_x + var_y)
    spread = np.sqrt(np.maximum(half_trace * half_trace - (var_x * var_y - cov * cov), 0.0))
    along, across = half_trace + spread, np.maximum(half_trace - spread, 1e-9)
    rule[candidates] = along[candidates] > _RULE_ELONGATION**2 * across[candidates]
    return rule


@dataclass(frozen=True)
class _Components:
    """The page's ink at the analysis resolution, as connected components, and which of them count."""

    raw: NDArray[np.uint8]
    labels: NDArray[np.int32]
    stats: NDArray[np.int32]
    keep: NDArray[np.bool_]
    """Not touching the edge, not in the border band, not a speck (label 0, the paper, never)."""
    dpi: float

    @property
    def ratio(self) -> float:
        height, width = self.raw.shape
        return float(self.stats[self.keep, cv2.CC_STAT_AREA].sum()) / float(height * width)


def _components(image: NDArray[np.uint8], dpi: int) -> _Components:
    analysis_dpi = min(float(dpi), _ANALYSIS_DPI)
    small = downscale(image, analysis_dpi / dpi)
    raw = (small <= _threshold(small)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(raw, connectivity=8)
    height, width = raw.shape
    x, y, w, h, area = (stats[:, i] for i in range(5))
    band_x, band_y = width * _BORDER_BAND, height * _BORDER_BAND
    touches_edge = (x == 0) | (y == 0) | (x + w >= width) | (y + h >= height)
    in_band = (x + w <= band_x) | (x >= width - band_x) | (y + h <= band_y) | (y >= height - band_y)
    speck = area < max(2.0, _SPECK_AREA_AT_150 * (analysis_dpi / _ANALYSIS_DPI) ** 2)
    keep = ~(touches_edge | in_band | speck)
    keep[0] = False
    return _Components(raw, np.asarray(labels, dtype=np.int32), np.asarray(stats, dtype=np.int32), keep, analysis_dpi)


def _ink(image: NDArray[np.uint8], dpi: int) -> _Ink:
    found = _components(image, dpi)
    raw, labels, stats, keep, analysis_dpi = found.raw, found.labels, found.stats, found.keep, found.dpi
    height, width = raw.shape
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    text, lines = keep.copy(), keep.copy()
    # OpenCV lists the inked pixels in the same row-major order as np.nonzero, three times as fast.
    points = cv2.findNonZero(raw)
    coordinates = (np.zeros((0, 2), dtype=np.int64) if points is None
                   else points.reshape(-1, 2).astype(np.int64))
    ys, xs = coordinates[:, 1], coordinates[:, 0]
    component: NDArray[np.int32] = np.asarray(labels[ys, xs], dtype=np.int32)
    if keep.any():
        # A thin rule on a tilted page breaks up at this resolution into a staircase of one-pixel-high
        # dashes (a 6.9 degree table: 1943 of 3206 components), which would set the median "letter"
        # height to one pixel and pass for text. No letter is one pixel thick.
        sliver = np.minimum(w, h) <= 1
        letters = keep & ~sliver
        median_height = float(np.median(h[letters])) if letters.any() else float(np.median(h[keep]))
        tall = h > 4.0 * max(median_height, 1.0)
        rule = _elongated(ys, xs, component, keep & ~tall & ~sliver)
        solid = area > 0.3 * w * h
        text &= ~(tall | rule | sliver)
        # Photos and filled logos have no line structure and drown the text lines' signal.
        lines &= ~(tall & solid)
    kept = lines[component]
    return _Ink(ys=ys[kept], xs=xs[kept], is_text=text[component[kept]], height=height, width=width,
                dpi=analysis_dpi, ratio=found.ratio)


def ink_ratio(image: NDArray[np.uint8]) -> float:
    """Share of the page covered by ink after dropping specks and border noise (0 to 1), as the geometry
    step measures it, from the components alone: a third less CPU (4 ms a page) and 9 MB less at its
    height than the whole analysis, whose ink coordinates the ratio does not need.

    The image is assumed to be at 300 dpi; the figure barely depends on it.
    """
    return _components(image, 300).ratio


# ---------------------------------------------------------------------------------------- projection


def _jitter(size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sub-pixel offsets for :func:`_turn`: seeded, so results are reproducible."""
    rng = np.random.default_rng(0)
    return rng.uniform(-0.5, 0.5, size), rng.uniform(-0.5, 0.5, size)


def _turn(ys: NDArray[np.int64], xs: NDArray[np.int64], quarter: int, height: int,
          jitter: tuple[NDArray[np.float64], NDArray[np.float64]] | None) -> tuple[NDArray[np.float64],
                                                                                   NDArray[np.float64]]:
    """Point coordinates as seen with the page turned ``quarter`` quarters clockwise, dithered by
    ``jitter`` (:func:`_jitter` of as many points).

    Pixel centres sit on a grid, and projecting a grid aliases: at angles where a long edge shears by
    exactly one bin the profile sharpens again, and short lines leave flat plateaus around the true
    angle. A fixed sub-pixel jitter turns that into small noise; measured it halved the median error
    and cut the worst from 0.073 to 0.030 degree.
    """
    if quarter == 0:
        rows, columns = ys.astype(np.float64), xs.astype(np.float64)
    else:
        # Turned a quarter clockwise: row = old column, column = height-1-old row.
        rows, columns = xs.astype(np.float64), (height - 1 - ys).astype(np.float64)
    if jitter is None:
        return rows, columns
    return rows + jitter[0], columns + jitter[1]


def _coarse_points(ink: _Ink) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Text ink at half the analysis resolution: cells with at least two of four pixels inked.

    Half, not a third: at 50 dpi the lines of an identity card's small print run together and the
    true angle was no peak of the coarse profile at all, so no choice among its peaks (:func:`_coarse`)
    could find it. At 75 dpi it is one; this costs about 5 ms a page.

    Text alone, when there is enough of it: a frame or a table's rules fill the gaps between lines
    that tell the line direction. All ink on pages that are mostly rules.
    """
    text_share = float(ink.is_text.mean()) if ink.is_text.size else 0.0
    use_text = text_share >= 0.2 and int(ink.is_text.sum()) >= _MIN_POINTS
    ys, xs = (ink.ys[ink.is_text], ink.xs[ink.is_text]) if use_text else (ink.ys, ink.xs)
    cells_w = ink.width // _COARSE_FACTOR + 1
    cells_h = ink.height // _COARSE_FACTOR + 1
    cell = (ys // _COARSE_FACTOR) * cells_w + xs // _COARSE_FACTOR
    counts = np.bincount(cell, minlength=cells_w * cells_h)
    inked = np.nonzero(counts >= 2)[0]
    return inked // cells_w, inked % cells_w, cells_h


def _profile(ys: NDArray[np.float64], xs: NDArray[np.float64], angle: float) -> NDArray[np.int64]:
    """Row histogram of the points after rotating them counter-clockwise by ``angle`` degrees.

    The bin grid is fixed (not shifted to each angle's minimum) so that quantisation does not favour
    one angle over its neighbour.
    """
    radians = math.radians(angle)
    projected = ys * math.cos(radians) - xs * math.sin(radians) + _MAX_EXTENT
    return np.bincount(np.rint(projected).astype(np.int64))


def _score(ys: NDArray[np.float64], xs: NDArray[np.float64], angle: float) -> float:
    profile = _profile(ys, xs, angle)
    return float(np.dot(profile, profile))


def _gap_share(profile: NDArray[np.int64]) -> float:
    """Share of rows inside the ink's extent that are (nearly) empty: the gaps between text lines."""
    occupied = np.nonzero(profile)[0]
    if occupied.size == 0:
        return 0.0
    span = profile[occupied[0] : occupied[-1] + 1]
    return float(np.mean(span < 0.05 * float(np.median(span[span > 0]))))


def _strip_score(ys: NDArray[np.float64], xs: NDArray[np.float64], angle: float, width: float) -> float:
    """:func:`_score` summed over vertical strips ``width`` wide, each projected on its own.

    Text set in blocks side by side (the two sides of an identity card copied next to each other, two
    columns) has a whole-page profile that also peaks where one block's lines happen to fall on the
    rows of the other's: a coincidence of the two line pitches, 2 degrees off on such a page, that
    outscored the true angle. Within a strip no such coincidence adds up.
    """
    radians = math.radians(angle)
    rows = np.rint(ys * math.cos(radians) - xs * math.sin(radians)).astype(np.int64)
    rows -= int(rows.min())
    strip = (np.maximum(xs, 0.0) // width).astype(np.int64)
    counts = np.bincount(strip * (int(rows.max()) + 1) + rows)
    return float(np.dot(counts, counts))


def _coarse(ys: NDArray[np.float64], xs: NDArray[np.float64]) -> _Coarse:
    """The best angle every :data:`_COARSE_STEP_DEG` over the search range, at the coarse resolution.

    Of the whole-page profile's peaks that come close to the best (:data:`_PEAK_SHARE`), the one that
    also lays the lines level strip by strip (:func:`_strip_score`) is taken.
    """
    angles = np.arange(-_SEARCH_LIMIT_DEG, _SEARCH_LIMIT_DEG + 1e-9, _COARSE_STEP_DEG)
    scores = [_score(ys, xs, float(a)) for a in angles]
    best = int(np.argmax(scores))
    last = len(scores) - 1
    peaks = [i for i, score in enumerate(scores) if score >= _PEAK_SHARE * scores[best]
             and (i == 0 or score >= scores[i - 1]) and (i == last or score >= scores[i + 1])]
    if len(peaks) > 1:
        width = _STRIP_IN * _ANALYSIS_DPI / _COARSE_FACTOR
        best = max(peaks, key=lambda i: _strip_score(ys, xs, float(angles[i]), width))
    angle = float(angles[best])
    return _Coarse(angle=angle, score=scores[best], gaps=_gap_share(_profile(ys, xs, angle)))


def _refine(ys: NDArray[np.float64], xs: NDArray[np.float64], start: float) -> float:
    angle = start
    best, scores, step = 0, [0.0], 0.0
    for half_width, step in _FINE_PASSES:
        for _ in range(_WALK_LIMIT + 1):
            angles = angle + np.arange(-half_width, half_width + 1e-9, step)
            scores = [_score(ys, xs, float(a)) for a in angles]
            best = int(np.argmax(scores))
            angle = float(angles[best])
            if 0 < best < len(scores) - 1 or abs(angle - start) > _WALK_SPAN_DEG:
                break
    if 0 < best < len(scores) - 1:
        left, middle, right = scores[best - 1], scores[best], scores[best + 1]
        curvature = left - 2.0 * middle + right
        if curvature < 0:
            angle += 0.5 * step * (left - right) / curvature
    return angle


@dataclass(frozen=True)
class _Points:
    """What both line directions are measured on, computed once a page."""

    ink: _Ink
    jitter: tuple[NDArray[np.float64], NDArray[np.float64]]
    coarse_ys: NDArray[np.int64]
    coarse_xs: NDArray[np.int64]
    coarse_height: int
    coarse_jitter: tuple[NDArray[np.float64], NDArray[np.float64]]


def _points(ink: _Ink) -> _Points:
    coarse_ys, coarse_xs, coarse_height = _coarse_points(ink)
    return _Points(ink, _jitter(ink.ys.size), coarse_ys, coarse_xs, coarse_height, _jitter(coarse_ys.size))


def _frame(points: _Points, quarter: int) -> _Frame:
    ink = points.ink
    ys, xs = _turn(ink.ys, ink.xs, quarter, ink.height, points.jitter)
    coarse_ys, coarse_xs = _turn(points.coarse_ys, points.coarse_xs, quarter, points.coarse_height,
                                 points.coarse_jitter)
    # The line-shape profile wants exact pixel rows: jitter blurs the x-height edges of small type.
    text_ys, text_xs = _turn(ink.ys[ink.is_text], ink.xs[ink.is_text], quarter, ink.height, None)
    return _Frame(quarter, ys, xs, text_ys, text_xs, coarse_ys, coarse_xs)


def _fine_skew(frame: _Frame, coarse: _Coarse) -> float:
    return _leave_wrong_basin(frame, _refine(frame.ys, frame.xs, coarse.angle))


def _leave_wrong_basin(frame: _Frame, angle: float) -> float:
    """``angle``, or a better one the fine search could not reach from the coarse angle.

    The coarse search sees text alone at 75 dpi. On an identity card copy its small print runs together
    there, the coarse profile is flat over degrees, and its best angle can be 2 degrees off; the fine
    search, 0.6 degree either side of it, then settles on the wrong slope. The full-resolution profile of
    all line ink (the card's print, its frame, the MRZ lines) still peaks sharply at the true angle. So the
    fine profile is also taken every :data:`_BASIN_STEP_DEG` out to :data:`_BASIN_SPAN_DEG` either side;
    an angle that beats the found one by :data:`_BASIN_GAIN` and also lays the lines level strip by strip
    (:func:`_strip_score`, which no coincidence of two blocks' line pitches fools) is refined instead.
    """
    here = _score(frame.ys, frame.xs, angle)
    offsets = np.arange(-_BASIN_SPAN_DEG, _BASIN_SPAN_DEG + 1e-9, _BASIN_STEP_DEG)
    candidates = [angle + float(o) for o in offsets if abs(o) > _FINE_PASSES[0][0]]
    scores = [_score(frame.ys, frame.xs, a) for a in candidates]
    best = int(np.argmax(scores))
    if scores[best] < _BASIN_GAIN * here:
        return angle
    width = _STRIP_IN * _ANALYSIS_DPI
    if _strip_score(frame.ys, frame.xs, candidates[best], width) <= _strip_score(frame.ys, frame.xs, angle, width):
        return angle
    return _refine(frame.ys, frame.xs, candidates[best])


# ------------------------------------------------------------------------------------- orientation


def _line_direction(upright: _Coarse, turned: _Coarse) -> tuple[int | None, float]:
    """Quarter turns (0 or 1) that lay the text lines horizontal, with a confidence; ``None`` if unsure.

    Two signals: how much spikier the best across-line profile is (decisive for a page of one or two
    lines, whose gaps are few), and how many empty rows it has between lines (decisive for a dense page,
    whose spikiness barely differs between directions). Tables of figures have empty columns too, so
    when the signals disagree nothing is decided here.
    """
    ratio = upright.score / max(turned.score, 1.0)
    gap_difference = upright.gaps - turned.gaps
    if ratio >= _SPIKY_RATIO or ratio <= 1.0 / _SPIKY_RATIO:
        return (0 if ratio > 1.0 else 1), 1.0
    confidence = min(1.0, abs(gap_difference) / 0.2)
    if abs(gap_difference) >= _GAP_MARGIN and (ratio > 1.0) == (gap_difference > 0):
        return (0 if ratio > 1.0 else 1), confidence
    if max(upright.gaps, turned.gaps) < _GAP_MARGIN and abs(math.log(ratio)) >= math.log(2.0):
        # Small type set tight shows no gaps at 75 dpi either way: spikiness alone, if clear, decides.
        return (0 if ratio > 1.0 else 1), 0.5
    if abs(math.log(ratio)) < _FLAT_LOG_RATIO and abs(gap_difference) >= 2 * _GAP_MARGIN:
        return (0 if gap_difference > 0 else 1), confidence
    return None, 0.0


def _split_band(band: NDArray[np.float64]) -> list[tuple[int, int, int, int]]:
    """(start, core_start, core_end, end) of each text line in a band of the row profile.

    The core is the x-height zone (rows at least half the band's peak); lines whose ascenders and
    descenders touch share a band and are split at the emptiest row between their cores.
    """
    peak = float(band.max())
    dense = band >= 0.5 * peak
    cores: list[tuple[int, int]] = []
    row = 0
    while row < band.size:
        if dense[row]:
            end = row
            while end + 1 < band.size and dense[end + 1]:
                end += 1
            if end - row >= 1:
                cores.append((row, end))
            row = end + 1
        else:
            row += 1
    # Capitals put dense rows at their top, middle and foot strokes: rows between them still hold the
    # stems (a third of the peak and more), while rows between two lines fall well below a quarter.
    merged: list[tuple[int, int]] = []
    for core in cores:
        if merged and float(band[merged[-1][1] + 1 : core[0]].min(initial=peak)) >= 0.25 * peak:
            merged[-1] = (merged[-1][0], core[1])
        else:
            merged.append(core)
    cores = merged
    lines: list[tuple[int, int, int, int]] = []
    start = 0
    for i, (core_start, core_end) in enumerate(cores):
        if i + 1 < len(cores):
            next_start = cores[i + 1][0]
            stop = next_start
            if next_start > core_end + 1:
                stop = core_end + 1 + int(np.argmin(band[core_end + 1 : next_start]))
        else:
            stop = band.size
        lines.append((start, core_start, core_end, stop))
        start = stop
    return lines


@dataclass(frozen=True)
class _LineEvidence:
    """Per text line, how far its ink reaches above and below its x-height core, in core heights."""

    above: list[float]
    below: list[float]

    def verdict(self) -> tuple[int | None, float]:
        """0 (upright), 180 (upside down) or ``None`` (no reliable signal), with a confidence.

        Mixed-case Latin text reaches a third of its x-height above it (ascenders, capitals, the dots
        of ë) and barely below (descenders are few and thin: they rarely reach a tenth of the line's
        peak density); upside down, the other way round. Capitals and figures fill their core and reach
        neither way (medians 0.06-0.08), so they never pass :data:`_ZONE_TALL` and go to the probe.
        Measured on generated pages (six faces, 8-16 pt, 1-13 lines, clean to blurred and noisy):
        no wrong verdict on 768 pages; 4-6% of mixed-case pages left to the probe.
        """
        above, below = np.array(self.above), np.array(self.below)
        # Letters reach at most about half their x-height beyond it; a line that reaches further has a
        # signature, a stamp or a rule hanging on it (the printed names under a signature page's pen
        # strokes "reached" 2.5 and 4.3 core heights below), and says nothing of which way is up.
        lettered = np.maximum(above, below) <= _ZONE_REACH
        above, below = above[lettered], below[lettered]
        if not above.size:
            return None, 0.0
        reach_above, reach_below = float(np.median(above)), float(np.median(below))
        difference = reach_above - reach_below
        votes = float(np.mean(above > below)) if difference > 0 else float(np.mean(below > above))
        if max(reach_above, reach_below) < _ZONE_TALL or abs(difference) < _ZONE_DIFFERENCE or votes < _VOTE_SHARE:
            return None, 0.0
        confidence = min(1.0, abs(difference) / 0.3) * min(1.0, (votes - 0.5) * 2.0)
        return (0 if difference > 0 else 180), confidence


def _line_evidence(raw_profile: NDArray[np.float64]) -> _LineEvidence:
    profile = np.convolve(raw_profile, np.ones(3) / 3.0, mode="same").astype(np.float64)
    occupied = profile > 0.02 * float(profile.max())
    evidence = _LineEvidence([], [])
    row = 0
    while row < profile.size:
        if not occupied[row]:
            row += 1
            continue
        end = row
        while end < profile.size and occupied[end]:
            end += 1
        band = profile[row:end]
        if band.size >= 4:
            for start, core_start, core_end, stop in _split_band(band):
                line = band[start:stop]
                inked = np.nonzero(line >= _ZONE_DENSITY * float(line.max()))[0]
                core_height = float(core_end - core_start + 1)
                evidence.above.append((core_start - (start + int(inked[0]))) / core_height)
                evidence.below.append((start + int(inked[-1]) - core_end) / core_height)
        row = end
    return evidence


def _up_or_down(frame: _Frame, angle: float) -> tuple[int | None, float]:
    """Whether the deskewed text lines of ``frame`` stand upright (0) or upside down (180)."""
    if frame.text_ys.size < _MIN_POINTS:
        return None, 0.0
    return _line_evidence(_profile(frame.text_ys, frame.text_xs, angle).astype(np.float64)).verdict()


def _probe_windows(ink: _Ink, ccw_degrees: float, count: int) -> list[tuple[int, int, int, int]]:
    """Where the densest text is once the page is turned by ``ccw_degrees``: up to ``count`` strips of
    about 0.6 by 2.5 inches, densest first and none overlapping, as ``(x0, y0, x1, y1)`` in the turned
    page's pixels at the ink's resolution.

    Small on purpose: tesseract reads one both ways up in 50-100 ms (a 1 by 3.5 inch strip took 250-300)
    and two or three lines still separate upright from upside down by 40 points of confidence. Found
    on the turned ink mask, not on a turned copy of the page: turning a 150 dpi mask costs a fraction of
    turning the 300 dpi page and finding its ink again.
    """
    source = ink.mask(text_only=bool(ink.is_text.any())).astype(np.uint8)
    matrix, turned_w, turned_h = expand_matrix(ink.width, ink.height, ccw_degrees)
    mask = cv2.warpAffine(source, matrix, (turned_w, turned_h), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    del source
    height, width = mask.shape
    window_h = min(height, round(ink.dpi * 0.6))
    window_w = min(width, round(ink.dpi * 2.5))
    windows: list[tuple[int, int, int, int]] = []
    while len(windows) < count:
        # The ink of the window whose top left corner is (y, x): one int32 array the mask's size, where an
        # integral image and its differences were two (17 MB at 150 dpi, live while the other worker
        # thread reads a page). Windows that would stick out of the page count nothing, in place (argmax
        # copies a strided view); the first densest window is the same one.
        sums = cv2.boxFilter(mask, cv2.CV_32S, (window_w, window_h), anchor=(0, 0), normalize=False,
                             borderType=cv2.BORDER_CONSTANT)
        sums[height - window_h + 1 :] = 0
        sums[:, width - window_w + 1 :] = 0
        if windows and int(sums.max()) == 0:
            break
        top_index, left_index = np.unravel_index(int(np.argmax(sums)), sums.shape)
        del sums  # before the next window's sums are made
        top, left = int(top_index), int(left_index)
        # Grow to whole lines: a line cut in half reads as garbage whichever way up it is.
        rows_inked: NDArray[np.bool_] = np.asarray(mask[:, left : left + window_w].any(axis=1), dtype=np.bool_)
        bottom, reach = top + window_h, round(0.3 * ink.dpi)
        while top > 0 and rows_inked[top - 1] and reach > 0:
            top, reach = top - 1, reach - 1
        reach = round(0.3 * ink.dpi)
        while bottom < height and rows_inked[bottom] and reach > 0:
            bottom, reach = bottom + 1, reach - 1
        margin = round(0.05 * ink.dpi)
        window = (max(0, left - margin), max(0, top - margin), min(width, left + window_w + margin),
                  min(height, bottom + margin))
        windows.append(window)
        mask[window[1] : window[3], window[0] : window[2]] = 0
    return windows


def _probe(image: NDArray[np.uint8], dpi: int, ink: _Ink, ccw_degrees: float, turns: list[int]) -> dict[int, float]:
    """Tesseract's confidence reading the densest strip of ``image`` (turned by ``ccw_degrees``, then
    clockwise by each of ``turns``).

    When that strip reads about as badly every way (within :data:`_PROBE_UNSURE` points: a signature
    page's densest ink is a stamp and the signatures over it, whose letters read poorly both ways up),
    the next densest strip is read too and each turn's two confidences are averaged.
    """
    from stages.ocr import probe_confidence

    scale = dpi / ink.dpi
    windows = _probe_windows(ink, ccw_degrees, 2)
    totals = dict.fromkeys(turns, 0.0)
    read = 0
    for x0, y0, x1, y1 in windows:
        region = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
        window = rotated_region(image, ccw_degrees, region)
        for turn in turns:
            totals[turn] += probe_confidence(rotate_clockwise(window, turn), dpi=dpi)
        read += 1
        ranked = sorted(totals.values(), reverse=True)
        if len(ranked) < 2 or (ranked[0] - ranked[1]) / read >= _PROBE_UNSURE:
            break
    return {turn: total / max(read, 1) for turn, total in totals.items()}


def _best(scores: dict[int, float]) -> tuple[int, float]:
    """The best-read turn, with the margin over the runner-up as confidence (0-1).

    A near tie (figures such as 0, 1, 8 read upside down too) goes to turn 0, which costs nothing and
    is what most pages need: scanners feed pages upright far more often than not.
    """
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = max(0.0, (ranked[0][1] - runner_up) / 100.0)
    if margin < _PROBE_TIE and 0 in scores and scores[0] >= runner_up:
        return 0, margin
    return ranked[0][0], margin


@dataclass(frozen=True)
class _Decision:
    orientation: Orientation
    confidence: float
    skew: float
    up_down_open: bool = False
    turned_over_by_shape: bool = False


def _as_orientation(degrees: int) -> Orientation:
    turn = degrees % 360
    if turn == 90:
        return 90
    if turn == 180:
        return 180
    if turn == 270:
        return 270
    return 0


def _decide(image: NDArray[np.uint8], dpi: int, ink: _Ink, detect_orientation: bool,
            defer_up_down: bool = False) -> _Decision:
    points = _points(ink)
    upright = _frame(points, 0)
    if upright.ys.size < _MIN_POINTS:
        return _Decision(0, 0.0, 0.0)
    upright_coarse = _coarse(upright.coarse_ys, upright.coarse_xs)
    if not detect_orientation:
        return _Decision(0, 1.0, _fine_skew(upright, upright_coarse))
    turned = _frame(points, 1)
    turned_coarse = _coarse(turned.coarse_ys, turned.coarse_xs)
    quarter, direction_confidence = _line_direction(upright_coarse, turned_coarse)
    if quarter is None:
        # Each line direction straightened by its own skew, then read both ways up: four probes.
        skews = {0: _fine_skew(upright, upright_coarse), 1: _fine_skew(turned, turned_coarse)}
        scores: dict[int, float] = {}
        for family, family_skew in skews.items():
            for flip, score in _probe(image, dpi, ink, family_skew - family * 90, [0, 180]).items():
                scores[family * 90 + flip] = score
        turn, confidence = _best(scores)
        return _Decision(_as_orientation(turn), confidence, skews[(turn // 90) % 2])
    frame = upright if quarter == 0 else turned
    skew = _fine_skew(frame, upright_coarse if quarter == 0 else turned_coarse)
    verdict, verdict_confidence = _up_or_down(frame, skew)
    if verdict is not None:
        return _Decision(_as_orientation(quarter * 90 + verdict), min(direction_confidence, verdict_confidence), skew,
                         turned_over_by_shape=verdict == 180)
    if defer_up_down:
        return _Decision(_as_orientation(quarter * 90), 0.0, skew, up_down_open=True)
    flip, confidence = _best(_probe(image, dpi, ink, skew - quarter * 90, [0, 180]))
    return _Decision(_as_orientation(quarter * 90 + flip), min(confidence, direction_confidence), skew)


# ------------------------------------------------------------------------------------------- public


def estimate_skew(image: NDArray[np.uint8], *, dpi: int) -> float:
    """The counter-clockwise rotation (degrees, within about +-16) that lays the text lines of ``image``
    horizontal. The lines are assumed to run roughly across the image (orientation 0 or 180)."""
    frame = _frame(_points(_ink(image, dpi)), 0)
    if frame.ys.size < _MIN_POINTS:
        return 0.0
    return _fine_skew(frame, _coarse(frame.coarse_ys, frame.coarse_xs))


def estimate_orientation(image: NDArray[np.uint8], *, dpi: int) -> tuple[int, float]:
    """The clockwise rotation (0, 90, 180, 270) that makes ``image`` upright, and a confidence in [0, 1]."""
    ink = _ink(image, dpi)
    if ink.ratio < BLANK_INK_RATIO:
        return 0, 0.0
    decision = _decide(image, dpi, ink, True)
    return decision.orientation, decision.confidence


def correct_page(image: NDArray[np.uint8], *, dpi: int,
                 detect_orientation: bool = True) -> tuple[GeometryResult, NDArray[np.uint8]]:
    """Turn ``image`` upright and straighten it. Blank pages are flagged and returned untouched.

    With ``detect_orientation=False`` the page is taken as upright (orientation 0, confidence 1) and
    only straightened.
    """
    straightened = _correct(image, dpi=dpi, detect_orientation=detect_orientation, defer_up_down=False)
    return straightened.result, straightened.image


@dataclass(frozen=True)
class Straightened:
    result: GeometryResult
    image: NDArray[np.uint8]
    up_down_open: bool
    """The text lines lie level but their shape could not tell upright from upside down, and no probe
    was read: the caller's OCR of ``image`` decides (:func:`settle_up_down` when it reads poorly)."""
    turned_over_by_shape: bool = False
    """The lines' shape, not a probe, said the page lies upside down (in its quarter turn) and it was
    turned over: a page of little text can mislead it, and the caller's OCR checks it as for an open
    page."""


def straighten(image: NDArray[np.uint8], *, dpi: int) -> Straightened:
    """:func:`correct_page` without the up-or-down probe, for a caller that OCRs the page anyway.

    The line-shape test leaves most pages undecided (21 of 23 generated pages), and the probe that then
    settles them costs two small tesseract reads, about half of this stage's time. Scanners feed pages
    upright far more often than not, and the page's own OCR shows it: upright pages read at 84-96
    letter-weighted confidence, the same pages upside down at 31-50. So the page is taken as it lies and
    probed only if its OCR reads poorly.
    """
    return _correct(image, dpi=dpi, detect_orientation=True, defer_up_down=True)


def settle_up_down(image: NDArray[np.uint8], *, dpi: int,
                   open_result: GeometryResult) -> tuple[GeometryResult, NDArray[np.uint8]]:
    """Decide upright or upside down for a page :func:`straighten` left open, by the probe
    :func:`correct_page` would have read."""
    ink = _ink(image, dpi)
    quarter = open_result.orientation_deg // 90
    flip, confidence = _best(_probe(image, dpi, ink, open_result.skew_deg - quarter * 90, [0, 180]))
    decision = _Decision(_as_orientation(quarter * 90 + flip), confidence, open_result.skew_deg)
    return _apply(image, decision, dpi)


def _correct(image: NDArray[np.uint8], *, dpi: int, detect_orientation: bool, defer_up_down: bool) -> Straightened:
    ink = _ink(image, dpi)
    height, width = image.shape[:2]
    if ink.ratio < BLANK_INK_RATIO:
        result = GeometryResult(orientation_deg=0, orientation_confidence=0.0, skew_deg=0.0,
                                width=width, height=height, blank=True)
        return Straightened(result, image, up_down_open=False)
    decision = _decide(image, dpi, ink, detect_orientation, defer_up_down)
    result, corrected = _apply(image, decision, dpi)
    return Straightened(result, corrected, up_down_open=decision.up_down_open,
                        turned_over_by_shape=decision.turned_over_by_shape)


_BILEVEL_SMOOTH_AT_300 = 1.0
"""Gaussian sigma, in pixels at 300 dpi, that a bilevel page gets after its skew is turned out."""
_BILEVEL_SAMPLE = 5
"""Every this many rows and columns are looked at to tell a bilevel page (a fifth of a millimetre)."""


def _is_bilevel(image: NDArray[np.uint8]) -> bool:
    """Black and white only, as a CCITT or JBIG2 scan decodes: no grey anywhere on the page."""
    sample = image[::_BILEVEL_SAMPLE, ::_BILEVEL_SAMPLE]
    return sample.size > 0 and not np.any((sample > 0) & (sample < 255))


def _deskewed(image: NDArray[np.uint8], ccw_degrees: float, dpi: int) -> NDArray[np.uint8]:
    """``image`` turned by ``ccw_degrees`` (not a quarter turn) on a grown white canvas.

    A bilevel page is then smoothed. Its scanner thresholded the paper while it lay crooked, so every
    slanted edge became a staircase and a thin rule a chain of dashes staggered by a pixel; turned
    straight, these stay ragged, and tesseract reads the broken rules as ``|`` and ``-`` and splits
    table rows at them, where the same page scanned straight has crisp rules it removes. A Gaussian of
    about one pixel at 300 dpi fills the stairs and the gaps with grey, and the OCR's local threshold
    (:func:`stages.ocr_image.even_contrast`) draws smoother edges and whole rules through them again.

    Measured on generated skewed pages made bilevel as a CCITT scanner does (threshold 160), read through
    the pipeline, line-aligned edits (:mod:`benchmarks.ocr_quality`):

    - 53 pages (seed 4242, where sigma was chosen), against 632 on the same pages scanned straight:
      bilinear rotation alone 1142, smoothed with sigma 0.8 894, 1.0 726, 1.2 819 (at 1.0, 33 pages
      better, 13 worse);
    - 110 other pages (seeds 3131 and 5151): 2074 without, 1556 with (56 better, 36 worse);
    - the corpora's own bilevel TIFF pages (12): 315 without, 238 with, against 155 straight.

    Single pages still swing by tens of edits either way (tesseract keeps or drops a table's rules as
    lines on a pixel's difference). Grey pages are left as rotated: their edges are already smooth.
    Bilevel scans at another resolution are resampled by the intake first, are no longer bilevel, and
    are left as rotated too.
    """
    rotated = rotate_expand(image, ccw_degrees)
    if not _is_bilevel(image):
        return rotated
    sigma = _BILEVEL_SMOOTH_AT_300 * dpi / 300.0
    return np.asarray(cv2.GaussianBlur(rotated, (0, 0), sigma), dtype=np.uint8)


def apply_geometry(image: NDArray[np.uint8], result: GeometryResult, *, fill: int = 255) -> NDArray[np.uint8]:
    """``image``, a picture of the same page as scanned (the same size: a mask of some of its ink), turned
    and straightened as ``result`` says the scan was, so that its pixels lie on the corrected page's;
    corners the turn uncovers get ``fill``. No smoothing: that is for bilevel scans read by OCR
    (:func:`_deskewed`)."""
    if result.skew_deg:
        return rotate_expand(image, result.skew_deg - result.orientation_deg, fill=fill)
    return rotate_clockwise(image, result.orientation_deg)


def _apply(image: NDArray[np.uint8], decision: _Decision, dpi: int) -> tuple[GeometryResult, NDArray[np.uint8]]:
    skew = decision.skew if abs(decision.skew) >= DESKEW_DEADBAND_DEG else 0.0
    corrected = _deskewed(image, skew - decision.orientation, dpi) if skew else rotate_clockwise(
        image, decision.orientation)
    result = GeometryResult(
        orientation_deg=decision.orientation,
        orientation_confidence=round(decision.confidence, 4),
        skew_deg=round(skew, 4),
        width=corrected.shape[1],
        height=corrected.shape[0],
    )
    return result, corrected
