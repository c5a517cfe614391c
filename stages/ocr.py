"""OCR of a corrected page image with tesseract: words, boxes, confidences, block and line ids.

What tesseract is handed (contrast evened, cropped to the ink, vertical rules whitened) is made in
:mod:`stages.ocr_image`; the rules that mend words after the reading live beside this module
(:mod:`stages.personal_numbers`, :mod:`stages.scribbles`, :mod:`stages.columns`, :mod:`stages.mrz`,
:mod:`stages.phone_plus`, :mod:`stages.iban_digits`). The history below names them as they were added.

Two engines, one output (tesseract's TSV, parsed by the same code):

- ``tesseract-cli``: the Debian ``tesseract`` 5.3 command through pytesseract. The page is written
  once as an uncompressed PGM (7 ms; a PNG costs 45 ms to write and tesseract's time to read) and
  pytesseract is handed the *path*, so it neither re-encodes the image nor sets ``image.format`` on a
  caller's PIL image. The DPI goes on the command line (``--dpi``) since PGM carries none.
- ``tesserocr``: tesseract 5.5.4 in-process (the tesserocr wheel). One ``PyTessBaseAPI`` per thread for
  the page's languages, kept for the life of the thread, and one per process for each single language of
  the short re-reads and probes, taken in turn (:func:`tesserocr_engine`), so a model is loaded once, not
  per page; the pixels go in with ``SetImageBytes`` (no PIL, no encoding).

Single-threaded tesseract, always: tesseract's OpenMP threads are 6-7 times *slower* than one thread
on this 2-core machine (measured: 8.6 s against 1.25 s for one A4 page), so pages run in parallel
processes instead. ``OMP_THREAD_LIMIT=1`` is put in ``os.environ`` (``_single_threaded``) before the
first tesseract process is started (pytesseract passes ``os.environ`` to the child) and before
``tesserocr`` is first imported: libgomp reads the variable once, when it is loaded. The tesserocr
wheel's tesseract is built without OpenMP (``libtesseract`` in ``tesserocr.libs`` links no libgomp), so
for it the variable is a safeguard for a future wheel, not a need today.

Measured on generated A4 pages at 300 dpi (10-12 pt text, deskewed), ``sqi+eng``, 2-core machine, one
process, median of 5 pages:

==================  ================
engine              seconds per page
==================  ================
tesseract-cli       1.31
tesserocr           0.80 (-39%)
==================  ================

The CLI pays a process start and a model load per page; the in-process engine does not, and runs a
newer tesseract. Both read clean generated pages without a character error (Albanian and English).
For comparison, tesseract's orientation detection alone (``--psm 0``) took 0.80 s a page.

How a page is read (both engines; issue 3). Measured on generated scans after the pipeline's geometry:
80 pages of seeds 4242 and 3131 (tuned on; 120 with seed 3232) and 40 pages of seed 5151 (held out),
line-aligned character error rate as :mod:`benchmarks.ocr_quality` counts it, OCR CPU time a page
(process time, one page at a time, tesserocr, held-out pages):

==============================================================  ===========  ========  ========
reading                                                         CER (80 p.)  held out  CPU
==============================================================  ===========  ========  ========
automatic layout (psm 3), tesseract's global threshold               4.10%     3.36%    0.75 s
sparse text (psm 11), Sauvola's threshold spread, no é/è (sqi)       1.65%     1.39%    0.73 s
... threshold capped halfway between local ink and paper             1.30%
... and tesseract's noise removal off                                1.25%     1.40%    0.68 s
==============================================================  ===========  ========  ========

Then, on 160 pages of seeds 4242, 3131, 3232 and 7272 (Albanian / English pages; CPU time against the
reading above on the same pages, read in turn, 16 and 24 pages):

=================================================================  =============  =========
reading                                                            CER sqi / eng  CPU
=================================================================  =============  =========
the reading above                                                  1.15% / 1.44%
... table walls whitened (:func:`without_vertical_rules`)          1.08% / 1.40%  +3%
... suspect words read again by ``eng`` (:func:`second_reading`)   0.98% / 1.03%  +4%
... only the inked part of the page given to tesseract (this)      0.98% / 0.86%  -5 to -8%
=================================================================  =============  =========

Tiny changes to the image move single pages by tens of edits either way (a stamp's fragments read
first tip tesseract's choice between its ``sqi`` and ``eng`` models for the words after them), so
differences under 0.1 point are noise. Most of what automatic layout lost were whole lines: table rows,
card fields, grid cells and label columns it took for pictures or rules. Sparse text still drops a word
of one to three characters that stands alone (a "0" alone in a table cell; :func:`lone_words` reads
them now), reads a table's walls as "|" unless they are whitened first (automatic layout removes rules;
sparse text does not), and leaves the words in no reliable order, which :func:`reading_order` rebuilds.

Then, on the English pages of seeds 4242, 3131, 5252 and 6363 (30 pages) and the Albanian pages of 4242
and 3131 (66), each page read after the pipeline's geometry:

=====================================================================  ===============
reading                                                                CER eng / sqi
=====================================================================  ===============
the reading above                                                      1.14% / 0.86%
... personal numbers' letters put back (:func:`personal_numbers`)      1.09%
... words ``eng`` read outside its dictionary read again by ``sqi``    1.05% / 0.82%
    for the ë, Ë, ç, Ç ``eng`` lacks (:func:`diacritic_reading`)
... lone words read (:func:`lone_words`)                               0.95% / 0.78%
... inverted reads only under half confidence (``invert_threshold``)   0.94% / 0.78%
=====================================================================  ===============

All four cost 2.0% more OCR CPU a page than the reading above (80 of those pages, each read by both in
turn, twice, in one process): the two re-reads cost about 4-5%, the higher bar for inverted reads saves
about 3%. Held out (seeds 9292, and 9393 with a layout never used in training; through ``sportel
bench-ocr``, with :mod:`stages.page_reading`'s second look at poorly read pages): English 1.09% -> 0.74%
and 0.89% -> 0.78%, Albanian 1.00% -> 0.96% and 1.31% -> 1.15%.

Then, on the pages of seeds 9001-9004 with every document that may be English printed in English (56
English and 104 Albanian pages, each read after the pipeline's geometry):

======================================================================  ===============
reading                                                                 CER eng / sqi
======================================================================  ===============
the reading above                                                       0.71% / 0.83%
... lines stained by lighter ink read again without it                  0.43% / 0.74%
    (:func:`stamp_reading`), personal numbers' 0 read as O put back,
    IBAN check digits read as letters put back (mod 97), the "+" of a
    valid international phone number put back for "t"
======================================================================  ===============

OCR CPU a page: +3.5% to +4.6% (three runs on 40 to 80 pages, both readings of each page in turn in
one process; the stain check and the re-read of stained lines are about 3% when profiled). What remained
was mostly names under stamps on colour scans (the stamp's ink in grey is as dark as print; the colour
that tells them apart is gone before OCR) and under pen signatures, whose ink is as dark as print too.

So the intake keeps a colour page's coloured ink as a mask (:attr:`stages.intake.RasterPage.colour_ink`),
and :func:`stamp_reading` reads again, with that ink whitened, a line that coloured ink crosses where no
confidently read word accounts for it (a stamp's, a signature's; a form's values written in blue are
read as words), its box grown over a stamp beside it (print under a stamp may not have been read at all:
"ADMINISTRATORI" read "TORI"); the words written in coloured ink are kept. On the 16 colour documents of
seed 5151, where it was built, line-aligned edits went from 97 to 43.

A grey stamp's ring and a pen signature touching a line of print make sparse text take the print for part
of a picture and return none of it, while the line's other words read clean (a hospital's head of
department, "Dr. Rixhild Shkreli", read "Dr." alone). :func:`print_beside_stamps` reads again, with the
lighter ink taken away, each stretch of a read line that no word covers and that is wider than a lone
word, and keeps the words read with confidence. ``sportel bench-ocr`` (CER eng / sqi): seed 4545 0.51% /
0.56% -> 0.31% / 0.51%, seed 2002 with the unseen layout 0.69% / 0.96% -> 0.56% / 0.95%.

A dashed table's walls that are only short ticks at the cells' corners stay after
:func:`without_vertical_rules` and read as "|" between the cells' words; :func:`without_walls` drops a
lone bar, or reads it "I" between words in capitals (the Albanian article in a sans-serif heading). Seed
2002 with the unseen layout, Albanian 0.95% -> 0.83%, its skewed pages against their straight twins
1.31 -> 1.22; seed 4545 unchanged (0.51%).

A stamp's ring across the first letters of a word makes sparse text start the word after the ring
("Administrator" read "inistrator", "Eliverta" read "a"). :func:`stamp_reading` now also reads again a line
with lighter ink crossing its band just beside it (:func:`_grown_over_light_ink`, as colour does), and
takes a reading that is the first one with letters put back at its start or end (:func:`_completes`),
however little confidence the ring's remains leave it; such a reading also stands for the word it
completes when the stamp's own fragments' line read it (CER eng / sqi, twin ratio: seed 2002 unseen
0.56% / 0.83%, 1.22 -> 0.39% / 0.85%, 1.12; seed 4545 0.31% / 0.51% -> 0.31% / 0.48%; seed 5151 0.11% /
0.57%, 0.91 -> 0.11% / 0.55%, 0.87; OCR CPU of seed 1's 18 batch pages unchanged, 8.61-9.08 s against
8.49-8.89 s). The lighter ink is taken away from darker ink's grey rim (:data:`_RIM`): a bilevel scan
smoothed after its turn has grey rims everywhere, and its signature page's lines were read again for
nothing (seed 2002's lease, 20 -> 26 edits; with the rim left out 20, and the seed's skewed pages against
their twins 1.12 -> 1.09, seed 4545 0.68 -> 0.70, 5151 0.87 -> 0.88).

A stamp ring's letters and a pen's loops in the gap between two signatories on one line read as words
of their own ("Dr. Vasiel Dushku Y- \\ Dr. Xhesi Fazliu"); :func:`stages.scribbles.without_scribbles`
drops such fragments after a column gap that lie off the line's baseline or have no word's shape (CER eng
/ sqi, twin ratio: seed 9393 unseen 0.60% / 0.79%, 0.78 -> 0.36% / 0.78%, 0.75; seed 6262 unseen 0.30% /
0.69%, 1.27 -> 0.26% / 0.69%, 1.25; seed 4545 0.31% / 0.49%, 0.70 -> 0.31% / 0.48%, 0.70).

An identity card's copy prints the front's title and the back's grey label on one row; read as one line,
stained by the label's lighter grey, and read again without it, the line lost "Autoriteti / Authority".
:func:`stamp_reading` now keeps a column of the first reading, across a column gap from every word read
again, that was read with confidence (:func:`_print_in_other_columns`; CER sqi, twin ratio: seed 6262
unseen 0.69%, 1.25 -> 0.60%, 1.28, its straight twins read better too; 2002 unseen 0.80%, 1.04 -> 0.73%,
1.06; 9393 unseen 0.78%, 0.75 -> 0.68%, 0.66; 4545 and 5151 unchanged).

Tessdata: the ``tessdata_dir`` argument, else ``TESSDATA_PREFIX``, else Debian's
``/usr/share/tesseract-ocr/5/tessdata``. Missing language data is a configuration error, not a retry.
Text never reaches a log or an exception message.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.errors import ConfigurationError, OcrEngineError
from pipeline.models import BBox, PageOcr, Word
from stages.columns import apart, split_columns
from stages.iban_digits import restore_iban_check_digits
from stages.images import stack_crops
from stages.mrz import WHITELIST as MRZ_CHARACTERS
from stages.mrz import read_zones
from stages.ocr_image import content_box, even_contrast, without_vertical_rules
from stages.personal_numbers import personal_numbers
from stages.phone_plus import restore_plus
from stages.scribbles import without_scribbles
from stages.stamp_ink import (
    INKED,
    colour_stained,
    cut_level,
    in_colour,
    light_only,
    stained,
    without_colour,
    without_light_ink,
)

log = logging.getLogger(__name__)

Engine = Literal["tesseract-cli", "tesserocr"]
ENGINES: tuple[Engine, ...] = ("tesseract-cli", "tesserocr")

DEFAULT_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
PROBE_LANGUAGE = "eng"
"""Orientation probes only compare upright with turned Latin text; the small English model suffices."""

_TIMEOUT_SECONDS = 300
_PAGE_SEGMENTATION_SPARSE = 11
"""Sparse text, for pages and probes alike. On pages, tesseract's automatic layout analysis (3) drops
whole table rows, card fields and grid cells that it takes for pictures or rules, and a line whose parts
it reads as separate columns; sparse text finds every line it can, wherever it stands (the words keep
their boxes, and later stages group them into lines by position). Probes read crops of tables and forms,
where "one uniform block" (6) reads nothing."""

_PAGE_VARIABLES = {"enable_noise_removal": "0", "invert_threshold": "0.5"}
"""Set for page reads only (probes and re-reads keep tesseract's defaults). Tesseract's noise removal
drops small blobs beside a word before recognition: with a threshold at the middle of the edge (not
above it, see :func:`even_contrast`) that included a diaeresis, an i-dot and the points of ":" and "."
(Ë read as E, "Data:" as "Data"). Measured on 120 generated pages (seeds 4242, 3131, 3232): character
errors 1.22% -> 1.14%, "." and ":" lost 49 -> 23 times, Ë read as E 31 -> 20 times; no more text read
out of graphics.

``invert_threshold``: tesseract reads a line again inverted (white print on a dark band) when its mean
confidence is under this, 0.7 by default. On generated pages the lines under 0.7 are stamps, signatures
and rules read as text, and their inverted reads find nothing. A heading printed white on a dark band is
read even with inverted reads switched off altogether (a test holds it), so the lower bar does not
depend on them for it. Measured on 96 pages of seeds
4242, 3131, 5252 and 6363: edits 381 -> 382 (Albanian) and 243 -> 243 (English), OCR CPU 3-4% less."""

_NOT_ALBANIAN = "éèÉÈ"
"""Letters no Albanian word has, which the models read for ë and Ë on small or blurred print (the most
frequent misreading on Albanian pages); never produced when a page is read with ``sqi``."""

_SECOND_LANGUAGE = "eng"
_NOT_IN_SQI_MODEL = frozenset("/wW<>+%@&=_~!?;*#°")
"""Characters the ``sqi`` model cannot write (its character set has none of them; the ``eng`` model has
all): where one is printed, ``sqi`` writes its nearest letter or digit instead ("/" as "1" or "7",
"w" as "vv", "<" as "c", "%" as "90", "+" as "t"). Measured on Debian's ``sqi.traineddata``."""
_DOUBLE_V = ("vv", "vy", "yv")
"""How the ``sqi`` model writes "w", which it lacks."""
_HIDING_DIGITS = frozenset("17")
"""The digits the ``sqi`` model writes for "/" (and for "+"): a number holding one may be a date or a
fraction read without its slashes."""

_DIACRITIC_LANGUAGE = "sqi"
_BARE = frozenset("EeCc")
"""Letters the ``eng`` model writes for Ë, ë, Ç and ç, which it lacks."""
_BARED = str.maketrans("ËëÇç", "EeCc")

_LONE_MIN_HEIGHT_IN = 0.03
"""Lines lower than this (inches) are not searched for lone words: specks and rules read as text."""
_LONE_GAP = 0.5
"""Ink runs closer than this (in line heights) belong to one lone word."""
_LONE_WIDTH = (0.25, 3.0)
"""Narrowest and widest lone word, in line heights: a "1" to a short figure or "Dr."."""
_LONE_CLEAR = (0.3, 0.6)
"""Rows above and below a line's band (in line heights, from the band's edge) that must hold no ink over
a lone word: text of a line's own height stands between blank rows; a signature's or a stamp's strokes,
and a wall's remains, run on past them."""
_LONE_INK_SHARE = 0.35
"""A lone word's ink may be lighter than its line's words' ink by at most this share of the way to the
paper: what is missing is printed like the rest of its line; a grey stamp's letter that happens to sit
between blank rows is not."""
_LONE_MIN_CONFIDENCE = 80.0
_HIDDEN_GAP = 1.2
"""Ink runs closer than this (in line heights) belong to one stretch of print beside a stamp: the words of
a name, not the next column's."""
_INK_PERCENTILE = 5.0
_PAPER_PERCENTILE = 90.0

_SECOND_MIN_CONFIDENCE = 50.0
"""A second reading below this word confidence is not trusted over the first."""
_STRIP_GAP_IN = 0.08
"""White between the word crops of a second reading, so each is read as a line of its own."""
_PAGE_SEGMENTATION_BLOCK = 6
"""A uniform block of text: the stacked word crops of a second reading, one line each."""
_PAGE_SEGMENTATION_LINE = 7
"""A machine-readable zone's line is read as a single line of text."""
_ZONE_VARIABLES = {"tessedit_char_whitelist": MRZ_CHARACTERS}

_TSV_COLUMNS = 12
_WORD_LEVEL = "5"
_ROW_LOOKBACK = 4


def _single_threaded() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def tessdata_dir(explicit: str | Path | None = None) -> Path:
    """Where the traineddata files are: the argument, else ``TESSDATA_PREFIX``, else Debian's folder."""
    if explicit is not None:
        return Path(explicit)
    prefix = os.environ.get("TESSDATA_PREFIX")
    return Path(prefix) if prefix else DEFAULT_TESSDATA


def _check_languages(lang: str, folder: Path) -> None:
    missing = [code for code in lang.split("+") if not (folder / f"{code}.traineddata").is_file()]
    if missing and folder.is_dir():
        raise ConfigurationError(f"tesseract language data missing in {folder}: {', '.join(missing)}")


# ----------------------------------------------------------------------------------------- parsing


def _tsv_words(tsv: str) -> list[Word]:
    """The words of tesseract's TSV in its order, ``line`` numbering its (block, paragraph, line)."""
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    for row in tsv.splitlines():
        fields = row.split("\t")
        if len(fields) < _TSV_COLUMNS or fields[0] != _WORD_LEVEL:
            continue
        text = fields[11].strip()
        if not text:
            continue
        block, paragraph, line = fields[2], fields[3], fields[4]
        line_id = line_ids.setdefault((block, paragraph, line), len(line_ids))
        left, top, box_w, box_h = (int(v) for v in fields[6:10])
        words.append(Word(
            text=text,
            bbox=BBox(x0=left, y0=top, x1=left + box_w, y1=top + box_h),
            conf=max(0.0, float(fields[10])),
            block=int(block),
            line=line_id,
        ))
    return words


def _page(words: Sequence[Word], *, page_index: int, width: int, height: int, dpi: int, lang: str) -> PageOcr:
    mean = sum(w.conf for w in words) / len(words) if words else 0.0
    return PageOcr(page_index=page_index, width=width, height=height, dpi=dpi, lang=lang,
                   words=reading_order(words), mean_confidence=round(mean, 2))


def _parse_tsv(tsv: str, *, page_index: int, width: int, height: int, dpi: int, lang: str) -> PageOcr:
    return _page(_tsv_words(tsv), page_index=page_index, width=width, height=height, dpi=dpi, lang=lang)


# ------------------------------------------------------------------------------------ reading order


@dataclass
class _Row:
    top: float
    bottom: float
    words: list[Word]

    @property
    def centre(self) -> float:
        return (self.top + self.bottom) / 2


def _band(words: Sequence[Word]) -> tuple[float, float]:
    """The vertical band of a run of words: that of its letters. Specks read as "." or "'", and a word
    glued to a rule or a stamp (a box far taller than its letters), would drag a mean off."""
    typical = median(w.bbox.height for w in words)
    letters = [w for w in words if 0.6 * typical <= w.bbox.height <= 1.6 * typical] or list(words)
    return median(w.bbox.y0 for w in letters), median(w.bbox.y1 for w in letters)


def reading_order(words: Sequence[Word]) -> list[Word]:
    """``words`` in visual lines, top to bottom, each left to right; ``line`` numbers the visual line
    (``block`` too: sparse text has no blocks worth keeping).

    Sparse text (psm 11) returns each run of words that stand together as a line of its own, in no
    reliable order: a form's label and its value, a table row's cells, two signature blocks side by side
    come out as separate lines, sometimes the value before its label. A run joins a visual line when each
    one's vertical centre lies within the other's band (the band of its letters), so runs of different
    sizes on one baseline (a title and a small date beside it) stay apart rather than chaining lines
    together, and a run never joins a line it only touches with a descender or an accent."""
    runs: dict[int, list[Word]] = {}
    for word in words:
        runs.setdefault(word.line, []).append(word)
    bands = sorted(((*_band(run), run) for run in runs.values()), key=lambda b: (b[0] + b[1]) / 2)
    rows: list[_Row] = []
    for top, bottom, run in bands:
        centre = (top + bottom) / 2
        # Rows are sorted by centre, so only the last few can still hold a run whose centre comes later.
        for row in reversed(rows[-_ROW_LOOKBACK:]):
            if row.top <= centre <= row.bottom and top <= row.centre <= bottom:
                weight = len(row.words)
                row.top = (row.top * weight + top * len(run)) / (weight + len(run))
                row.bottom = (row.bottom * weight + bottom * len(run)) / (weight + len(run))
                row.words.extend(run)
                break
        else:
            rows.append(_Row(top, bottom, list(run)))
    rows.sort(key=lambda r: r.centre)
    ordered: list[Word] = []
    for number, row in enumerate(rows):
        for word in sorted(row.words, key=lambda w: w.bbox.x0):
            ordered.append(word.model_copy(update={"block": number, "line": number}))
    return ordered


def _variables(lang: str) -> dict[str, str]:
    return {"tessedit_char_blacklist": _NOT_ALBANIAN} if "sqi" in lang.split("+") else {}


# ------------------------------------------------------------------------------------ tesseract-cli


def _cli_tsv(image: NDArray[np.uint8], *, dpi: int, lang: str, psm: int, folder: Path | None,
             variables: Mapping[str, str] | None = None) -> str:
    import pytesseract

    _single_threaded()
    config = f"--dpi {dpi} --psm {psm}"
    if folder is not None:
        config += f" --tessdata-dir {folder}"
    for name, value in {**_variables(lang), **(variables or {})}.items():
        config += f" -c {name}={value}"
    with tempfile.TemporaryDirectory(prefix="sportel-ocr-") as scratch:
        path = str(Path(scratch) / "page.pgm")
        if not cv2.imwrite(path, image):
            raise OcrEngineError("page image could not be written for tesseract")
        try:
            return str(pytesseract.image_to_data(path, lang=lang, config=config, timeout=_TIMEOUT_SECONDS))
        except pytesseract.TesseractNotFoundError as exc:
            raise ConfigurationError("the tesseract command is not installed") from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"tesseract exited with status {exc.status}") from exc
        except RuntimeError as exc:  # pytesseract's timeout
            raise OcrEngineError(f"tesseract took longer than {_TIMEOUT_SECONDS} s") from exc


# ---------------------------------------------------------------------------------------- tesserocr

_apis = threading.local()
"""This thread's own engines, by (languages, tessdata folder)."""
_shared: dict[tuple[str, Path], tuple[Any, threading.Lock]] = {}
"""The process's engines for short reads in one language, each with the lock its user holds."""
_shared_made = threading.Lock()


def _new_api(lang: str, folder: Path) -> Any:
    _single_threaded()
    import tesserocr

    try:
        api = tesserocr.PyTessBaseAPI(path=str(folder), lang=lang)
    except RuntimeError as exc:
        raise ConfigurationError(f"tesserocr could not load languages {lang} from {folder}") from exc
    for name, value in _variables(lang).items():
        api.SetVariable(name, value)
    return api


def _own_apis() -> dict[tuple[str, Path], Any]:
    cache: dict[tuple[str, Path], Any] = _apis.__dict__.setdefault("cache", {})
    return cache


def _tesserocr_api(lang: str, psm: int, folder: Path) -> Any:
    """This thread's own engine for ``lang``, set to ``psm``. One per thread and language, not per mode:
    a model is tens of MB, and the page OCR, orientation probes and privacy re-reads all use the same."""
    cache = _own_apis()
    api = cache.get((lang, folder))
    if api is None:
        api = cache[(lang, folder)] = _new_api(lang, folder)
    api.SetPageSegMode(psm)
    return api


@contextlib.contextmanager
def tesserocr_engine(lang: str, psm: int, folder: Path, *, page: bool = False) -> Iterator[Any]:
    """An engine for ``lang`` in mode ``psm``, the caller's alone until the block ends (whatever variables
    it sets, it sets back before then).

    A page's reading (``page``), and any read in languages the thread reads pages in, gets the thread's
    own engine: reading a page takes a second, and the worker threads read pages side by side. Short reads
    in one language that the thread has no engine of (the ``eng`` re-reads of suspect words and the
    orientation probes, the ``sqi`` re-reads for diacritics; each reads a strip or two in tens of
    milliseconds) share one engine per process, taken in turn: a worker thread of the embedded default
    then holds one model (``sqi+eng``, 25 MB) instead of three (44 MB). Measured on the embedded default
    (18 pages, two worker threads): 11 reads took a shared engine, none waited for it."""
    if page or "+" in lang or (lang, folder) in _own_apis():
        yield _tesserocr_api(lang, psm, folder)
        return
    with _shared_made:
        entry = _shared.get((lang, folder))
        if entry is None:
            entry = _shared[(lang, folder)] = (_new_api(lang, folder), threading.Lock())
    api, lock = entry
    with lock:
        api.SetPageSegMode(psm)
        yield api


WordLanguages = dict[tuple[int, int, int, int], tuple[str, bool]]
"""The model each word was read with (``sqi``, ``eng``) and whether the word is in that model's
dictionary, by its box (x0, y0, x1, y1)."""


def tesserocr_tsv(image: NDArray[np.uint8], *, dpi: int, lang: str, psm: int, folder: Path,
                  variables: Mapping[str, str] | None = None, languages: WordLanguages | None = None,
                  page: bool = False) -> str:
    """Tesseract's TSV of ``image`` read in process on :func:`tesserocr_engine`'s engine, with ``variables``
    set for this read only; a failed read raises :class:`~pipeline.errors.OcrEngineError`."""
    height, width = image.shape[:2]
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    with tesserocr_engine(lang, psm, folder, page=page) as api:
        # The engine is shared with probes and re-reads: what this read sets, it sets back.
        previous = {name: api.GetVariableAsString(name) for name in variables or {}}
        for name, value in (variables or {}).items():
            api.SetVariable(name, value)
        try:
            api.SetImageBytes(pixels.tobytes(), width, height, 1, width)
            api.SetSourceResolution(dpi)
            # Recognize releases the GIL (GetTSVText alone would recognise while holding it), so worker
            # threads OCR in parallel while other threads run Python.
            if not api.Recognize():
                raise OcrEngineError("tesserocr failed on the page")
            tsv = api.GetTSVText(0)
            if languages is not None:
                languages.update(_word_languages(api))
        except RuntimeError as exc:
            raise OcrEngineError("tesserocr failed on the page") from exc
        finally:
            api.Clear()
            for name, value in previous.items():
                api.SetVariable(name, value)
    return str(tsv or "")


def _word_languages(api: Any) -> WordLanguages:
    import tesserocr

    level = tesserocr.RIL.WORD
    found: WordLanguages = {}
    iterator = api.GetIterator()
    if iterator is None:
        return found
    for word in tesserocr.iterate_level(iterator, level):
        box, language = word.BoundingBox(level), word.WordRecognitionLanguage()
        if box is not None and language:
            x0, y0, x1, y1 = (int(v) for v in box)
            found[(x0, y0, x1, y1)] = (str(language), bool(word.WordIsFromDictionary()))
    return found


@functools.lru_cache(maxsize=1)
def _tesserocr_available() -> bool:
    _single_threaded()
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------- public


@dataclass(frozen=True)
class _Reader:
    """One engine, set up for one page: reads an image with given languages and segmentation."""

    engine: str
    folder: Path
    explicit: bool
    """The tessdata folder was given (the CLI is then told it; otherwise it finds its own)."""
    dpi: int

    def tsv(self, image: NDArray[np.uint8], *, lang: str, psm: int, variables: Mapping[str, str],
            languages: WordLanguages | None = None, page: bool = False) -> str:
        """``page``: the whole page's reading, on the thread's own engine (see :func:`tesserocr_engine`)."""
        if self.engine == "tesserocr":
            return tesserocr_tsv(image, dpi=self.dpi, lang=lang, psm=psm, folder=self.folder,
                                 variables=variables, languages=languages, page=page)
        return _cli_tsv(image, dpi=self.dpi, lang=lang, psm=psm, folder=self.folder if self.explicit else None,
                        variables=variables)


def recognize(image: NDArray[np.uint8], *, page_index: int, dpi: int, lang: str = "sqi+eng",
              engine: str = "tesseract-cli", tessdata: str | Path | None = None,
              colour_ink: Callable[[], NDArray[np.uint8] | None] | None = None) -> PageOcr:
    """The words of a corrected grayscale page image, with boxes in its pixels.

    ``colour_ink`` gives the mask of the page's coloured ink, corrected alike
    (:func:`stages.images.coloured_ink`), or ``None`` for a page without colour; it is asked for only
    when the page has lines that a stamp or a pen may stain (:func:`stamp_reading`)."""
    if image.ndim != 2 or image.dtype != np.uint8:
        raise OcrEngineError("OCR expects an 8-bit grayscale image")
    height, width = image.shape
    folder = tessdata_dir(tessdata)
    _check_languages(lang, folder)
    if engine not in ENGINES:
        raise ConfigurationError(f"unknown OCR engine {engine!r}; expected one of {', '.join(ENGINES)}")
    reader = _Reader(engine=engine, folder=folder, explicit=tessdata is not None, dpi=dpi)
    evened = even_contrast(image, dpi=dpi)
    x0, y0, x1, y1 = content_box(evened, dpi=dpi)
    # A view: without_vertical_rules returns a copy of its own, whitened.
    evened = without_vertical_rules(evened[y0:y1, x0:x1], dpi=dpi)
    # The CLI's TSV does not say which model read a word; every suspect word is then read again.
    languages: WordLanguages | None = {} if engine == "tesserocr" else None
    words = _tsv_words(reader.tsv(evened, lang=lang, psm=_PAGE_SEGMENTATION_SPARSE, variables=_PAGE_VARIABLES,
                                  languages=languages, page=True))
    if {"sqi", _SECOND_LANGUAGE} <= set(lang.split("+")):
        words = second_reading(words, evened, reader, languages)
        if languages is not None:
            words = diacritic_reading(words, evened, reader, languages)
    words = reading_order(words)

    def cropped_colour_ink() -> NDArray[np.uint8] | None:
        whole = colour_ink() if colour_ink is not None else None
        return whole[y0:y1, x0:x1] if whole is not None and whole.shape == image.shape else None

    words, read_again = stamp_reading(words, evened, image[y0:y1, x0:x1], reader, lang,
                                      colour_ink=cropped_colour_ink)
    words += lone_words(words, evened, image[y0:y1, x0:x1], reader, lang, skip=read_again)
    words += print_beside_stamps(words, evened, image[y0:y1, x0:x1], reader, lang, skip=read_again)
    words = read_zones(words, evened, functools.partial(_zone_line, reader=reader))
    words = without_scribbles(without_walls(words))
    if x0 or y0:
        words = [_moved(word, x0, y0) for word in words]
    result = _page(words, page_index=page_index, width=width, height=height, dpi=dpi, lang=lang)
    # Numbers whose own check (a birth date and check letter, mod 97, a numbering plan) settles what
    # OCR misread in them.
    checked = restore_iban_check_digits(restore_plus(personal_numbers(result.words)))
    result = result.model_copy(update={"words": checked})
    log.debug("page %d: %d words, mean confidence %.1f", page_index, len(result.words), result.mean_confidence)
    return result


def _zone_line(crop: NDArray[np.uint8], *, reader: _Reader) -> str:
    """A crop read as one line of a machine-readable zone's characters (:mod:`stages.mrz`)."""
    tsv = reader.tsv(crop, lang=_SECOND_LANGUAGE, psm=_PAGE_SEGMENTATION_LINE, variables=_ZONE_VARIABLES)
    return "".join(word.text for word in _tsv_words(tsv))


def _ink_level(pixels: NDArray[np.uint8]) -> float:
    return float(np.percentile(pixels, _INK_PERCENTILE)) if pixels.size else 255.0


@dataclass(frozen=True)
class _Stretch:
    """Ink on a read line, in its band, that no word covers: ``x0``..``x1`` in the band ``top``..``bottom``."""

    x0: int
    x1: int
    top: int
    bottom: int
    row: list[Word]
    """The line's words."""

    @property
    def size(self) -> int:
        return self.bottom - self.top

    @property
    def box(self) -> BBox:
        return BBox(x0=self.x0, y0=self.top, x1=self.x1, y1=self.bottom)


def _uncovered_stretches(rows: Sequence[Word], ink: NDArray[np.bool_], dpi: int, skip: frozenset[int],
                         gap: float) -> Iterator[_Stretch]:
    """The stretches of ink in the band of each line of ``rows`` (:func:`reading_order`'s visual lines)
    that no word of the band covers, split where ink is ``gap`` line heights apart; lines in ``skip``,
    lines lower than :data:`_LONE_MIN_HEIGHT_IN` and lines without a word read with confidence (a stamp's
    or a signature's fragments read as a line of their own) are not searched."""
    lines: dict[int, list[Word]] = {}
    for word in rows:
        lines.setdefault(word.line, []).append(word)
    tops = np.array([w.bbox.y0 for w in rows])
    bottoms = np.array([w.bbox.y1 for w in rows])
    shortest = _LONE_MIN_HEIGHT_IN * dpi
    height, width = ink.shape
    for line, row in lines.items():
        if line in skip or not any(w.conf >= _LONE_MIN_CONFIDENCE for w in row):
            continue
        top, bottom = (int(v) for v in _band(row))
        size = bottom - top
        if size < shortest or top < 0 or bottom > height:
            continue
        covered = np.zeros(width, dtype=bool)
        for number in np.flatnonzero((bottoms > top) & (tops < bottom)):
            box = rows[int(number)].bbox
            covered[max(0, box.x0 - size // 2) : box.x1 + size // 2] = True
        columns = np.flatnonzero(ink[top:bottom].any(axis=0) & ~covered)
        if columns.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(columns) > gap * size)
        starts, ends = np.r_[columns[0], columns[breaks + 1]], np.r_[columns[breaks], columns[-1]] + 1
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            yield _Stretch(start, end, top, bottom, row)


def lone_words(rows: Sequence[Word], evened: NDArray[np.uint8], page: NDArray[np.uint8],
               reader: _Reader, lang: str, skip: frozenset[int] = frozenset()) -> list[Word]:
    """Words of one to a few characters that sparse text left out, found in the lines it read
    (``rows``: :func:`reading_order`'s visual lines) and read in one strip.

    Tesseract's sparse text (psm 11) never returns a single character that stands alone, whatever its
    size or confidence: a "0" alone in a table cell (a tax certificate's balance column) is dropped,
    though the same crop read as a line of text is "0" at confidence 80-95. Such a word stands on a line
    tesseract did read, in a stretch of that line no word covers. Each uncovered stretch of ink that
    fits the line's band (blank rows above and below it, :data:`_LONE_CLEAR`) and is printed as dark as
    the line's words (:data:`_LONE_INK_SHARE`) is read again; a reading is kept only when it is one word
    of letters or digits read with confidence. Measured on the tax certificates of generated corpora
    (English pages of seeds 4242, 3131, 5252, 6363, Albanian ones of 4242, 3131): lone zeros left unread
    42 -> 1; now and then a stamp's letter that stands clear of its ring on a line of text is read too
    (spurious text, which a line-aligned error rate does not count)."""
    ink = evened < INKED
    found: list[tuple[BBox, Word]] = []
    word_inks: dict[int, float] = {}
    for stretch in _uncovered_stretches(rows, ink, reader.dpi, skip, _LONE_GAP):
        start, end, top, bottom, size = stretch.x0, stretch.x1, stretch.top, stretch.bottom, stretch.size
        if not _LONE_WIDTH[0] * size <= end - start <= _LONE_WIDTH[1] * size:
            continue
        near, far = round(_LONE_CLEAR[0] * size), round(_LONE_CLEAR[1] * size)
        if (ink[max(0, top - far) : max(0, top - near), start:end].any()
                or ink[bottom + near : bottom + far, start:end].any()):
            continue
        line = stretch.row[0].line
        if line not in word_inks:
            sure = [w for w in stretch.row if w.conf >= _LONE_MIN_CONFIDENCE]
            word_inks[line] = median(_ink_level(page[w.bbox.y0 : w.bbox.y1, w.bbox.x0 : w.bbox.x1]) for w in sure)
        word_ink = word_inks[line]
        crop = page[top:bottom, start:end]
        paper = float(np.percentile(crop, _PAPER_PERCENTILE))
        if _ink_level(crop) > word_ink + _LONE_INK_SHARE * max(0.0, paper - word_ink):
            continue
        found.append((stretch.box, stretch.row[0]))
    kept = []
    readings = _read_strip(evened, [box for box, _ in found], reader, lang, {})
    for (_, neighbour), read in zip(found, readings, strict=True):
        if (len(read) == 1 and read[0].conf >= _LONE_MIN_CONFIDENCE
                and read[0].text.rstrip(".,:;").isalnum()):
            kept.append(read[0].model_copy(update={"block": neighbour.block, "line": neighbour.line}))
    return kept


def print_beside_stamps(rows: Sequence[Word], evened: NDArray[np.uint8], page: NDArray[np.uint8],
                        reader: _Reader, lang: str, skip: frozenset[int] = frozenset()) -> list[Word]:
    """Words printed on a line tesseract read, where a stamp's ring or a signature touches them: sparse
    text takes such print for part of a picture and returns none of it ("Dr. Rixhild Shkreli" under a
    hospital's stamp: "Dr." alone, left to :func:`lone_words`).

    Each stretch of a read line's band that no word covers, wider than a lone word
    (:data:`_LONE_WIDTH`), is read again with the ink lighter than the line's print taken away
    (:func:`stages.stamp_ink.without_light_ink`: a stamp is printed lighter than text); the words read
    with confidence (:data:`_LONE_MIN_CONFIDENCE`), of two letters or digits or more, are kept. A pen's
    strokes are as dark as print and stay: they read as symbols at low confidence and are dropped."""
    ink = evened < INKED
    stretches = [s for s in _uncovered_stretches(rows, ink, reader.dpi, skip, _HIDDEN_GAP)
                 if s.x1 - s.x0 > _LONE_WIDTH[1] * s.size]
    if not stretches:
        return []
    cleaned = evened.copy()
    height, width = cleaned.shape
    for stretch in stretches:
        pad = max(4, stretch.size // 3)
        without_light_ink(cleaned, page, BBox(x0=max(0, stretch.x0 - pad), y0=max(0, stretch.top - pad),
                                              x1=min(width, stretch.x1 + pad), y1=min(height, stretch.bottom + pad)))
    readings = _read_strip(cleaned, [s.box for s in stretches], reader, lang, {})
    kept = []
    for stretch, read in zip(stretches, readings, strict=True):
        neighbour = stretch.row[0]
        kept += [w.model_copy(update={"block": neighbour.block, "line": neighbour.line}) for w in read
                 if w.conf >= _LONE_MIN_CONFIDENCE and sum(c.isalnum() for c in w.text) >= 2]
    return kept


_WALLS = "|¦"


def without_walls(words: Sequence[Word]) -> list[Word]:
    """``words`` (in :func:`reading_order`'s lines) without those read from a table's or a box's wall
    alone, "|": :func:`without_vertical_rules` whitens the walls it finds, but not the short ticks of a
    dashed table's cell corners, which sparse text reads between the cells' words ("F20422001E | Dushku
    Brian |"). Between two words in capitals a lone bar is the Albanian article "I" in a sans-serif
    heading ("EKSTRAKT I THJESHTË I REGJISTRIT"), and is read so."""
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    read_as_i: set[int] = set()
    walls: set[int] = set()
    for row in lines.values():
        row.sort(key=lambda w: w.bbox.x0)
        for number, word in enumerate(row):
            if word.text.strip(_WALLS):
                continue
            walls.add(id(word))
            if 0 < number < len(row) - 1 and _capitals(row[number - 1].text) and _capitals(row[number + 1].text):
                read_as_i.add(id(word))
    return [word.model_copy(update={"text": "I"}) if id(word) in read_as_i else word
            for word in words if id(word) not in walls or id(word) in read_as_i]


def _capitals(text: str) -> bool:
    letters = text.strip(".,;:()\"'")
    return letters.isalpha() and letters.isupper()


def _row_box(words: Sequence[Word]) -> BBox:
    """The box of a visual line: its words' width, its letters' height (:func:`_band`; a stamp's ring
    read as a tall word would take in the lines above and below)."""
    top, bottom = _band(words)
    return BBox(x0=min(w.bbox.x0 for w in words), y0=round(top), x1=max(w.bbox.x1 for w in words),
                y1=round(bottom))


_KEPT_LETTERS = 0.5
"""Share of a line's letters and digits its cleaned reading must keep: the lighter ink taken away may be
grey print (a card's labels beside black values), not a stamp, and a reading that lost it is not a
better one."""
_FRAGMENT_LENGTH = 2
_FRAGMENT_CONFIDENCE = 60.0
"""A word read again this short and under this confidence is a stamp's or a pen's remains (measured on
the tuning pages: "Fo" 42, "Ve" 55 beside names; real short words there read at 84 and more)."""


def stamp_reading(words: Sequence[Word], evened: NDArray[np.uint8], page: NDArray[np.uint8], reader: _Reader,
                  lang: str, *, colour_ink: Callable[[], NDArray[np.uint8] | None] | None = None,
                  ) -> tuple[list[Word], frozenset[int]]:
    """``words`` (in :func:`reading_order`'s visual lines) with each line that lighter ink
    stains (:func:`stages.stamp_ink.stained`: a stamp or a pen over print) read again with that ink
    taken away, the cleaned reading kept where it reads with more confidence; and the lines so replaced.
    Those are not searched for lone words: on the evened page the stamp's letters between the words
    read again would pass for them.

    A stamp over a signatory's title reads as "Përg SË ii Sektorit" (confidence 92); the line cleaned
    reads "Përgjegjësi i Sektorit" (94). The cleaned reading must read with more letter-weighted
    confidence, keep half the line's letters (:data:`_KEPT_LETTERS`) and not read again what another
    line holds. All stained lines of a page go in one strip read; the check and the read cost about 3%
    of a page's OCR CPU (12 pages of seed 9004, profiled)."""
    lines: dict[int, list[int]] = {}
    for number, word in enumerate(words):
        lines.setdefault(word.line, []).append(number)
    # On a colour scan the inks are told apart by colour, not by grey: a violet stamp's or a blue pen's
    # grey is often as dark as print, while its channels lie far apart and print's do not.
    coloured = colour_ink() if colour_ink is not None and lines else None
    chosen: list[tuple[int, BBox]] = []
    by_colour: set[int] = set()
    beside_stamp: set[int] = set()
    stray = None if coloured is None else _stray_colour(words, evened, coloured)
    for line, members in lines.items():
        box = _row_box([words[n] for n in members])
        grown = box if stray is None else _grown_over_colour(box, stray, evened)
        # Coloured ink in the line, or beside it in its band: a stamp may hide the line's first words.
        if stray is not None and (grown.width > box.width + box.height or colour_stained(stray, box)):
            chosen.append((line, grown))
            by_colour.add(line)
            if grown != box:
                beside_stamp.add(line)
        elif stained(page, box, reader.dpi):
            chosen.append((line, box))
        elif (beside := _grown_over_light_ink(box, evened, page)) != box:
            chosen.append((line, beside))
            beside_stamp.add(line)
    if not chosen:
        return list(words), frozenset()
    # A line stained by colour loses its coloured ink, then what the grey cut takes; a line stained by
    # lighter grey loses only that (its coloured words, a blue pen's, read again as they are).
    uncoloured = page if coloured is None or not by_colour else without_colour(page, coloured)
    cleaned = evened.copy()
    height, width = cleaned.shape
    padded: list[tuple[BBox, float | None]] = []
    for line, box in chosen:
        inks = uncoloured if line in by_colour else page
        pad = max(4, box.height // 3)
        around = BBox(x0=max(0, box.x0 - pad), y0=max(0, box.y0 - pad), x1=min(width, box.x1 + pad),
                      y1=min(height, box.y1 + pad))
        padded.append((around, without_light_ink(cleaned, inks, around)))
    readings = _read_strip(cleaned, [box for _, box in chosen], reader, lang, {})
    replaced: dict[int, list[Word]] = {}
    # Best read first: a line that takes in part of its neighbour (a stamp's fragments read as a line
    # of their own, across the letters of the line beside them) reads that neighbour's words again,
    # and a word is read only once.
    taken: list[BBox] = []
    for (line, _), read in sorted(zip(chosen, readings, strict=True), key=lambda c: -letter_confidence(c[1])):
        first = [words[n] for n in lines[line]]
        read = [w for w in read if not _fragment(w) and not any(_mostly_within(w.bbox, box) for box in taken)]
        if coloured is not None and line in by_colour:
            read = sorted(read + _written_in_colour(first, read, evened, coloured), key=lambda w: w.bbox.x0)
        if read and ((letter_confidence(read) > letter_confidence(first)
                      and _letters(read) >= _KEPT_LETTERS * _letters(first))
                     or (line in beside_stamp and _completes(first, read))):
            replaced[line] = sorted([w.model_copy(update={"block": first[0].block, "line": line}) for w in read]
                                    + _print_in_other_columns(first, read), key=lambda w: w.bbox.x0)
            taken += [w.bbox for w in read]
    # A line of stamp fragments reaches into the lines above and below it (its band is the fragments'),
    # and its cleaned reading is then their print read a second time: words lying in a word another
    # line kept, read with confidence, are dropped.
    # Unless the word read again is the kept word with the letters a stamp hid put back ("inistrator",
    # read again "Administrator" by the line of the stamp's fragments above it): it then stands for it.
    superseded = _completed(words, replaced)
    kept = [w.bbox for w in words
            if w.line not in replaced and w.conf >= _LONE_MIN_CONFIDENCE and id(w) not in superseded]
    for line in list(replaced):
        own = [w for w in replaced[line] if not any(_mostly_within(w.bbox, box) for box in kept)]
        if own:
            replaced[line] = own
        else:
            del replaced[line]
    superseded &= _completed(words, replaced)  # by a reading that is still kept
    # Around a line read again, the stamp's own letters read as lines of their own would now join it
    # (its band is that of its print alone): words written only in the ink taken away are dropped.
    cuts = [(*cleaned_box, uncoloured if line in by_colour else page)
            for (line, _), cleaned_box in zip(chosen, padded, strict=True) if line in replaced]
    out: list[Word] = []
    done: set[int] = set()
    for word in words:
        if id(word) in superseded:
            continue
        if word.line not in replaced and word.conf < _FRAGMENT_CONFIDENCE and any(
                cut is not None and word.bbox.intersects(box) and light_only(evened, inks, word.bbox, cut)
                for box, cut, inks in cuts):
            continue
        if word.line in replaced:
            if word.line not in done:
                out.extend(replaced[word.line])
                done.add(word.line)
        else:
            out.append(word)
    return out, frozenset(replaced)


_OTHER_COLUMN_CONFIDENCE = 80.0
_OTHER_COLUMN_WORD = (4, 90.0)
"""Letters and confidence of a word that shows a column to be print."""


def _print_in_other_columns(first: Sequence[Word], read: Sequence[Word]) -> list[Word]:
    """The columns of a line's first reading that its cleaned reading leaves out, far from any word it
    read, where each word read with confidence and one is a word of letters: print in another column
    of the row. :func:`reading_order` joins a row's columns into one line (an identity card's title
    and, across the gap, the other card's grey label "Autoriteti / Authority"); the line is read again
    without its lighter ink, and grey print in the other column would go with a stamp's."""
    height = median(w.bbox.height for w in read)
    letters, sure = _OTHER_COLUMN_WORD
    return [word for column in split_columns(first, height)
            if apart(column, read, height) and all(w.conf >= _OTHER_COLUMN_CONFIDENCE for w in column)
            and any(sum(c.isalpha() for c in w.text) >= letters and w.conf >= sure for w in column)
            for word in column]


def _grown_over_colour(box: BBox, coloured: NDArray[np.uint8], evened: NDArray[np.uint8]) -> BBox:
    """``box`` grown sideways over the print of its band and the coloured ink near it, where coloured ink
    crosses the band beside the line (over half the line's height of columns): print that a stamp
    crosses may not have been read at all ("ADMINISTRATORI" read "TORI": the line's words do not reach
    it), and reading the line again without the colour must. Unchanged where no coloured ink crosses the
    band beside the line; a missed word away from any stamp is :func:`lone_words`' to find."""
    height = box.height
    near = np.any(coloured[max(0, box.y0 - height // 2) : box.y1 + height // 2] > 0, axis=0)
    within = np.any(coloured[box.y0 : box.y1] > 0, axis=0)
    return _grown_over_stain(box, near, within, evened)


_RIM = np.ones((5, 5), np.uint8)
"""How far (2 pixels) the grey rim of a dark stroke reaches at 300 dpi."""


def _grown_over_light_ink(box: BBox, evened: NDArray[np.uint8], page: NDArray[np.uint8]) -> BBox:
    """``box`` grown as :func:`_grown_over_colour` grows it, over ink lighter than the line's print
    (:func:`stages.stamp_ink.cut_level`) beside it: a grey stamp's ring crossing the first letters of a
    word, which sparse text then starts after the ring ("Administrator" read "inistrator")."""
    cut = cut_level(page, box)
    if cut is None:
        return box
    height = box.height
    top, bottom = max(0, box.y0 - height // 2), box.y1 + height // 2
    band = page[top:bottom]
    # Not the grey rim every dark stroke has (anti-aliasing, a bilevel scan smoothed after its turn):
    # lighter ink away from darker ink.
    dark = cv2.dilate((band <= cut).astype(np.uint8), _RIM)
    light = (evened[top:bottom] < INKED) & (band > cut) & (dark == 0)
    return _grown_over_stain(box, np.any(light, axis=0), np.any(light[box.y0 - top : box.y1 - top], axis=0), evened)


def _grown_over_stain(box: BBox, near: NDArray[np.bool_], within: NDArray[np.bool_],
                      evened: NDArray[np.uint8]) -> BBox:
    """``box`` grown sideways over the columns of its band that hold print or a stain near the band
    (``near``), as long as they follow on within half a line height; unchanged unless the stain crosses
    the band (``within``) beside the box over half the line's height of columns."""
    height = box.height
    # Print, not a rule: a form's dotted line runs on under a value, a column or two of rows deep.
    printed = np.count_nonzero(evened[box.y0 : box.y1] < INKED, axis=0) >= max(4, height // 8)
    columns = np.flatnonzero(near | printed)
    gap = max(1, height // 2)
    x0, x1 = box.x0, box.x1
    for column in columns[columns < box.x0][::-1]:
        if x0 - column > gap:
            break
        x0 = int(column)
    for column in columns[columns >= box.x1]:
        if column - x1 > gap:
            break
        x1 = int(column) + 1
    if np.count_nonzero(within[x0 : box.x0]) + np.count_nonzero(within[box.x1 : x1]) < height // 2:
        return box
    return box.model_copy(update={"x0": x0, "x1": x1})


def _completed(words: Sequence[Word], replaced: Mapping[int, Sequence[Word]]) -> set[int]:
    """The ``id`` of each word of a line not read again that a word read again on another line lies over and
    completes (:func:`_completes`)."""
    again = [w for read in replaced.values() for w in read]
    return {id(w) for w in words if w.line not in replaced and any(
        _mostly_within(w.bbox, other.bbox) and _completes([w], [other]) for other in again)}


def _completes(first: Sequence[Word], read: Sequence[Word]) -> bool:
    """``read`` is the line ``first`` with letters put back at its start or end, as a stamp's ring had
    hidden them ("inistrator" read again "Administrator", "a Dani" read again "Eliverta Dani"): the
    ring's remains in the letters leave such a reading little confidence, while what it adds to a
    reading that agrees with the first is letters alone."""
    old, new = " ".join(w.text for w in first), " ".join(w.text for w in read)
    if new.endswith(old):
        added = new[: len(new) - len(old)]
    elif new.startswith(old):
        added = new[len(old) :]
    else:
        return False
    return sum(c.isalpha() for c in added) >= 2 and all(c.isalpha() or c.isspace() for c in added)


def _stray_colour(words: Sequence[Word], evened: NDArray[np.uint8], coloured: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The coloured ink of the mask ``coloured`` that no word written in it accounts for: a stamp's, a
    signature's. A form's values written in blue are read as words and are not a stain."""
    stray = coloured.copy()
    # Only words read with confidence account for their ink: a stamp's or a signature's strokes read
    # as words of their own ("ee dimi" over a name) do not.
    for word in _written_in_colour(words, [], evened, coloured, min_confidence=_LONE_MIN_CONFIDENCE):
        # With a margin: a word's box leaves out its letters' soft edges and a low underscore.
        box, pad = word.bbox, max(2, word.bbox.height // 4)
        stray[max(0, box.y0 - pad) : box.y1 + pad, max(0, box.x0 - pad) : box.x1 + pad] = 0
    return stray


def _written_in_colour(first: Sequence[Word], read: Sequence[Word], evened: NDArray[np.uint8],
                       coloured: NDArray[np.uint8], *, min_confidence: float = 0.0) -> list[Word]:
    """The words of a line's first reading that are written in coloured ink, where its reading without
    colour has nothing: content in coloured ink (a form filled in with a blue pen: "Emri: Tani", a
    personal number read at 70 with the dotted line under it), which taking the colour away takes too.
    A stamp's letters across the print read as fragments (:func:`_fragment`) and stay out."""
    return [word for word in first
            if word.conf >= min_confidence and not _fragment(word) and in_colour(evened, coloured, word.bbox)
            and not any(word.bbox.intersects(other.bbox) for other in read)]


def _letters(words: Sequence[Word]) -> int:
    return sum(ch.isalnum() for word in words for ch in word.text)


def _mostly_within(box: BBox, other: BBox) -> bool:
    """Over half of ``box`` lies in ``other``."""
    return 2 * box.intersection_area(other) > box.width * box.height


def _fragment(word: Word) -> bool:
    """A stamp's or a signature's remains read as a word: a short word read with little confidence."""
    text = word.text
    return len(text) <= _FRAGMENT_LENGTH and word.conf < _FRAGMENT_CONFIDENCE


def _moved(word: Word, dx: int, dy: int) -> Word:
    box = word.bbox
    return word.model_copy(update={"bbox": BBox(x0=box.x0 + dx, y0=box.y0 + dy, x1=box.x1 + dx, y1=box.y1 + dy)})


# ----------------------------------------------------------------------------------- second reading


def _suspect(word: Word, languages: WordLanguages | None) -> bool:
    """``word`` may be the ``sqi`` model's stand-in for a character it cannot write."""
    if languages is not None and _model(word, languages)[0] == _SECOND_LANGUAGE:
        return False
    text = word.text
    lowered = text.lower()
    if any(pair in lowered for pair in _DOUBLE_V):
        return True
    return any(ch.isdigit() for ch in text) and any(ch in _HIDING_DIGITS for ch in text)


def _symbols(text: str) -> int:
    return sum(ch in _NOT_IN_SQI_MODEL for ch in text)


def _better(first: Word, second: Sequence[Word]) -> bool:
    """The second reading shows characters the first model could not write, and is otherwise the same
    length (a reading that lost or gained letters is a different reading, not the same one corrected)."""
    text = "".join(w.text for w in second)
    return (_symbols(text) > _symbols(first.text)
            and min(w.conf for w in second) >= _SECOND_MIN_CONFIDENCE
            and abs(len(text) - len(first.text)) <= max(2, len(first.text) // 3))


@dataclass(frozen=True)
class _Strip:
    """Crops of a page's words stacked one under another, with a gap between, for one read."""

    image: NDArray[np.uint8]
    bands: tuple[tuple[int, int, int, int], ...]
    """Per crop: its top and bottom in the strip, and the offset (x, y) from strip to page."""

    @classmethod
    def of(cls, page: NDArray[np.uint8], boxes: Sequence[BBox], gap: int) -> _Strip:
        height, width = page.shape
        crops = []
        for box in boxes:
            pad = max(4, box.height // 3)
            x0, y0 = max(0, box.x0 - pad), max(0, box.y0 - pad)
            crops.append((x0, y0, page[y0 : min(height, box.y1 + pad), x0 : min(width, box.x1 + pad)]))
        strip, tops = stack_crops([crop for _, _, crop in crops], gap)
        bands = tuple((top, top + crop.shape[0], x0 - gap, y0 - top)
                      for (x0, y0, crop), top in zip(crops, tops, strict=True))
        return cls(strip, bands)

    def split(self, words: Sequence[Word]) -> list[list[Word]]:
        """The words read off the strip, per crop, with boxes moved back onto the page."""
        found: list[list[Word]] = [[] for _ in self.bands]
        for word in words:
            centre = (word.bbox.y0 + word.bbox.y1) / 2
            for number, (top, bottom, dx, dy) in enumerate(self.bands):
                if top <= centre < bottom:
                    found[number].append(_moved(word, dx, dy))
                    break
        return found


def second_reading(words: Sequence[Word], evened: NDArray[np.uint8], reader: _Reader,
                   languages: WordLanguages | None) -> list[Word]:
    """``words`` with those the ``sqi`` model may have misread for lack of a character read again by the
    ``eng`` model, whose reading is kept where it has such a character (:func:`_better`).

    A page read ``sqi+eng`` goes word by word through tesseract's last-used model and tries the other
    only when that reading is poor; the ``sqi`` model writes dates without their slashes ("1310812025",
    confidence 90-96) and "with" as "vvith" (91-93) with a confidence that does not ask for the other
    model. Only words the ``sqi`` model read (any word, through the CLI, which does not say) that can hide
    such a character are read again (those with "vv", and numbers holding a 1 or a 7), all in one read
    of a strip of their crops: about one word in ten, 4% of a page's OCR time. The choice is by
    characters, not by any list of words, so it holds for names, places and layouts never seen."""
    chosen = [number for number, word in enumerate(words) if _suspect(word, languages)]
    replaced: dict[int, list[Word]] = {}
    for number, second in _read_again(words, chosen, evened, reader, _SECOND_LANGUAGE):
        first = words[number]
        if second and _better(first, second):
            replaced[number] = [w.model_copy(update={"block": first.block, "line": first.line}) for w in second]
    return [kept for number, word in enumerate(words) for kept in replaced.get(number, [word])]


def _read_again(words: Sequence[Word], chosen: Sequence[int], evened: NDArray[np.uint8], reader: _Reader,
                lang: str) -> list[tuple[int, list[Word]]]:
    """The ``chosen`` of ``words`` read again by ``lang`` (no letter Albanian lacks): each chosen number
    with the words its crop gave."""
    found = _read_strip(evened, [words[number].bbox for number in chosen], reader, lang,
                        {"tessedit_char_blacklist": _NOT_ALBANIAN})
    return list(zip(chosen, found, strict=True))


def _read_strip(evened: NDArray[np.uint8], boxes: Sequence[BBox], reader: _Reader, lang: str,
                variables: Mapping[str, str]) -> list[list[Word]]:
    """The crops of ``boxes`` read in one read of a strip of them, one line each: the words of each."""
    if not boxes:
        return []
    strip = _Strip.of(evened, boxes, max(1, round(_STRIP_GAP_IN * reader.dpi)))
    tsv = reader.tsv(strip.image, lang=lang, psm=_PAGE_SEGMENTATION_BLOCK, variables=variables)
    return strip.split(_tsv_words(tsv))


def _model(word: Word, languages: WordLanguages) -> tuple[str, bool]:
    box = word.bbox
    return languages.get((box.x0, box.y0, box.x1, box.y1), ("", False))


def _may_lack_diacritics(word: Word, languages: WordLanguages) -> bool:
    """``word`` was read by the ``eng`` model, which has no ë, Ë, ç or Ç, as a word outside its dictionary
    (a name, a place, an Albanian word) that has a letter one of those could be."""
    language, in_dictionary = _model(word, languages)
    return language == _SECOND_LANGUAGE and not in_dictionary and any(ch in _BARE for ch in word.text)


def _with_diacritics(first: str, second: str) -> bool:
    """``second`` is ``first`` with diacritics only ``sqi`` writes added, nothing else changed."""
    return second != first and second.translate(_BARED) == first


def diacritic_reading(words: Sequence[Word], evened: NDArray[np.uint8], reader: _Reader,
                      languages: WordLanguages) -> list[Word]:
    """``words`` with those the ``eng`` model read outside its dictionary (:func:`_may_lack_diacritics`)
    read again by the ``sqi`` model alone, whose reading is kept where it only adds ë, Ë, ç or Ç.

    Tesseract tries a page's models word by word, the last-used first, and keeps the first reading good
    enough: after an English word, the ``eng`` model reads "Shkodër" as "Shkoder" and "KOMBËTARE" as
    "KOMBETARE" (confidence 91) without the ``sqi`` model being asked, since ``eng`` lacks those letters
    and a non-dictionary word of high confidence passes. The choice is by model and characters, not by a
    list of names, and the second reading may only add the diacritics, so an English word the ``sqi``
    model misreads is never taken. A few words a page (6 of 146 on an English payment slip), read in one
    strip (tesserocr only: the CLI does not say which model read a word)."""
    chosen = [number for number, word in enumerate(words) if _may_lack_diacritics(word, languages)]
    replaced: dict[int, Word] = {}
    for number, second in _read_again(words, chosen, evened, reader, _DIACRITIC_LANGUAGE):
        first = words[number]
        if (len(second) == 1 and second[0].conf >= _SECOND_MIN_CONFIDENCE
                and _with_diacritics(first.text, second[0].text)):
            replaced[number] = first.model_copy(update={"text": second[0].text})
    return [replaced.get(number, word) for number, word in enumerate(words)]


_PROBE_FULL_LETTERS = 8
"""Letters a probe reading needs for its confidence to count in full; fewer scale it down in proportion.
Two or three lines of an upright strip hold 30 and more."""


def probe_confidence(image: NDArray[np.uint8], *, dpi: int, lang: str = PROBE_LANGUAGE) -> float:
    """Mean letter-weighted word confidence (0-100) of tesseract reading ``image`` as sparse text.

    A cheap test of whether a small region reads as upright text: in-process when tesserocr is there.
    """
    folder = tessdata_dir()
    if _tesserocr_available():
        tsv = tesserocr_tsv(image, dpi=dpi, lang=lang, psm=_PAGE_SEGMENTATION_SPARSE, folder=folder)
    else:
        tsv = _cli_tsv(image, dpi=dpi, lang=lang, psm=_PAGE_SEGMENTATION_SPARSE, folder=None)
    height, width = image.shape[:2]
    words = _parse_tsv(tsv, page_index=0, width=width, height=height, dpi=dpi, lang=lang).words
    # A reading of a letter or two says little, however sure tesseract is of them: a table's strip turned
    # the wrong way read as "=" and "a" at 90, above the 68 of its upright reading, and turned the page.
    letters = sum(len(w.text) for w in words)
    return letter_confidence(words) * min(1.0, letters / _PROBE_FULL_LETTERS)


def letter_confidence(words: Sequence[Word]) -> float:
    """Mean word confidence (0-100) weighted by word length: a turned page yields many one-letter
    fragments of middling confidence, which this discounts."""
    letters = sum(len(w.text) for w in words)
    return sum(w.conf * len(w.text) for w in words) / letters if letters else 0.0
