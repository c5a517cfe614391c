"""Small tesseract reads for privacy (re-reading a value, recovering text under a stamp, verifying crops),
in process through tesserocr.

A page OCR is worth a process start; a crop of one line is not: ``pytesseract`` starts a tesseract and
loads its model for every call (about 150-250 ms for eng, more for sqi+eng); tesserocr keeps its engines
(the OCR stage's, :func:`stages.ocr.tesserocr_engine`) and reads a small crop in a few tens of milliseconds.
Without the tesserocr wheel the ``tesseract`` command is used, with the same arguments.
"""

from __future__ import annotations

import functools
import os
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.models import BBox, Word

SINGLE_LINE = 7
SPARSE = 11


FORCE_CLI = "SPORTEL_PRIVACY_OCR"
"""Set to ``cli`` to read through the ``tesseract`` command even when tesserocr is there (to compare)."""


@functools.lru_cache(maxsize=1)
def _tesserocr() -> Any:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if os.environ.get(FORCE_CLI) == "cli":
        return None
    try:
        import tesserocr
    except ImportError:
        return None
    return tesserocr


def _engine(lang: str, psm: int) -> AbstractContextManager[Any]:
    """An engine for ``lang``, the caller's until the block ends: the OCR stage's (the thread's own for
    the page languages, the process's shared one for a single language the thread reads no pages in), so
    that a worker holds one model per language (a model is tens of MB) whichever step reads."""
    from stages.ocr import tessdata_dir, tesserocr_engine

    return tesserocr_engine(lang, psm, tessdata_dir())


def _gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.ndim == 3:
        return np.ascontiguousarray(image.mean(axis=2).astype(np.uint8))
    return np.ascontiguousarray(image, dtype=np.uint8)


def _cli_config(psm: int, dpi: int, whitelist: str | None) -> str:
    config = f"--psm {psm} --dpi {dpi}"
    if whitelist is not None:
        config += f" -c tessedit_char_whitelist={whitelist.replace(' ', '')}"
        if " " in whitelist:
            config += " -c preserve_interword_spaces=1"
    return config


def read_text(image: NDArray[np.uint8], *, lang: str, psm: int, dpi: int = 300, whitelist: str | None = None) -> str:
    """The text tesseract reads in ``image`` (grayscale or RGB)."""
    pixels = _gray(image)
    if _tesserocr() is None:
        import pytesseract

        return str(pytesseract.image_to_string(pixels, lang=lang, config=_cli_config(psm, dpi, whitelist)))
    height, width = pixels.shape
    with _engine(lang, psm) as engine:
        try:
            engine.SetVariable("tessedit_char_whitelist", (whitelist or "").replace(" ", ""))
            engine.SetVariable("preserve_interword_spaces", "1" if whitelist and " " in whitelist else "0")
            engine.SetImageBytes(pixels.tobytes(), width, height, 1, width)
            engine.SetSourceResolution(dpi)
            return str(engine.GetUTF8Text() or "")
        finally:
            engine.Clear()
            # The engine is shared with page OCR, which must read every character again.
            engine.SetVariable("tessedit_char_whitelist", "")
            engine.SetVariable("preserve_interword_spaces", "0")


def read_words(image: NDArray[np.uint8], *, lang: str, psm: int, dpi: int = 300) -> list[Word]:
    """The words tesseract reads in ``image``, with boxes in its pixels, confidences, blocks and lines."""
    pixels = _gray(image)
    if _tesserocr() is None:
        import pytesseract

        tsv = str(pytesseract.image_to_data(pixels, lang=lang, config=_cli_config(psm, dpi, None)))
    else:
        from stages.ocr import tessdata_dir, tesserocr_tsv

        # Every character allowed, whatever a whitelisted re-read (read_text) asks of the same engine.
        tsv = tesserocr_tsv(pixels, dpi=dpi, lang=lang, psm=psm, folder=tessdata_dir(),
                            variables={"tessedit_char_whitelist": ""})
    return _words(tsv)


def _words(tsv: str) -> list[Word]:
    words = []
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) != 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            block, line = int(cells[2]), int(cells[4])
            left, top, width, height = (int(c) for c in cells[6:10])
            conf = max(0.0, float(cells[10]))
        except ValueError:
            continue  # the header row of the command's TSV
        words.append(Word(text=cells[11].strip(), bbox=BBox(x0=left, y0=top, x1=left + width, y1=top + height),
                          conf=conf, block=block, line=block * 1000 + line))
    return words


DARK = 110
"""Printed ink is darker than this; stamps and pen strokes in colour are lighter."""


def read_region(image: NDArray[np.uint8], box: BBox, *, lang: str, dpi: int) -> str:
    """One line of printed text in ``box``, lighter ink (a stamp over it) washed out first."""
    crop = _gray(image)[box.y0 : box.y1, box.x0 : box.x1]
    if crop.size == 0:
        return ""
    clean = np.where(crop < DARK, 0, 255).astype(np.uint8)
    padded = np.full((clean.shape[0] + 32, clean.shape[1] + 32), 255, dtype=np.uint8)
    padded[16:-16, 16:-16] = clean
    return " ".join(read_text(padded, lang=lang, psm=SINGLE_LINE, dpi=dpi).split())
