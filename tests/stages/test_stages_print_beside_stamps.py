"""Print that a stamp's ring and a signature touch: tesseract's sparse text takes it for part of a picture
and returns none of it, while the signatory beside it on the same line reads clean."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import stages.ocr
from stages.ocr import recognize
from tests.stages.conftest import DPI, FONT_DIR, Gray

_CLEAN = ("Dr.", "Klejdi", "Mehmeti")
_STAMPED = ("Dr.", "Rixhild", "Shkreli")


def _two_signatories(stamp_grey: int) -> Gray:
    """Two signature blocks side by side on an A4-wide strip: titles, a rule each, names under the rules;
    over the right one a round stamp in ``stamp_grey`` (lighter than print) and a pen's loops in black."""
    width, height = round(8.27 * DPI), round(2.4 * DPI)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(11 * DPI / 72))
    regular = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(11 * DPI / 72))
    for left, title, name in ((round(0.9 * DPI), "Attending physician", _CLEAN),
                              (round(4.9 * DPI), "Head of department", _STAMPED)):
        draw.text((left, round(0.35 * DPI)), title, font=bold, fill=0)
        draw.line([(left - 40, round(1.45 * DPI)), (left + round(2.6 * DPI), round(1.45 * DPI))], fill=0, width=3)
        draw.text((left + 60, round(1.55 * DPI)), " ".join(name), font=regular, fill=0)
    stamp = Image.new("L", (width, height), 255)
    ring = ImageDraw.Draw(stamp)
    cx, cy, radius = round(5.0 * DPI), round(1.35 * DPI), round(0.8 * DPI)
    ring.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=stamp_grey, width=12)
    inner = round(radius * 0.72)
    ring.ellipse([cx - inner, cy - inner, cx + inner, cy + inner], outline=stamp_grey, width=7)
    letters = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(0.17 * radius))
    for number, letter in enumerate("QENDRA SPITALORE UNIVERSITARE"):
        angle = np.pi * (0.55 + 1.4 * number / 28)
        x, y = cx + 0.86 * radius * np.cos(angle), cy + 0.86 * radius * np.sin(angle)
        ring.text((round(x), round(y)), letter, font=letters, fill=stamp_grey, anchor="mm")
    ring.text((cx, cy - round(0.25 * radius)), "SHKODËR", font=letters, fill=stamp_grey, anchor="mm")
    pen = ImageDraw.Draw(page)
    loops = [(round(4.95 * DPI) + 90 * k, round(1.2 * DPI) + (-60 if k % 2 else 30)) for k in range(9)]
    pen.line(loops, fill=20, width=5, joint="curve")
    stamped = np.asarray(page, dtype=np.float32) * np.asarray(stamp, dtype=np.float32) / 255.0
    rng = np.random.default_rng(7)
    scanned = cv2.GaussianBlur(stamped, (0, 0), 0.8) * 0.9 + 18 + rng.normal(0.0, 4.0, stamped.shape)
    return np.asarray(np.clip(scanned, 0, 255), dtype=np.uint8)


STAMPED_SIGNATORY = Path(__file__).parents[1] / "data" / "generated" / "stamped_signatory.jpg"
"""A straightened crop of Sportel's own generated sample (``sportel samples --seed 4545``, doc026, a
hospital's medical document skewed 1.47 degrees, at 300 dpi; the names are made up): two signatories on
one line, the right one's name crossed by the hospital's grey stamp and under a pen signature. Sparse
text read the left signatory and the "Dr." of the right one, and dropped "Rixhild Shkreli" (fd48f6c)."""


def test_a_name_a_stamp_and_a_signature_touch_is_read() -> None:
    read = cv2.imread(str(STAMPED_SIGNATORY), cv2.IMREAD_GRAYSCALE)
    assert read is not None
    image: Gray = np.asarray(read, dtype=np.uint8)
    words = [w.text for w in recognize(image, page_index=0, dpi=DPI, lang="eng", engine="tesserocr").words]
    assert {"Dr.", "Klejdi", "Mehmeti"} <= set(words)
    assert "Rixhild" in words and "Shkreli" in words, words


def test_a_stamp_and_a_signature_with_no_print_under_them_add_no_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the stretch beside a read line holds a stamp's ring and a signature's loops only, the step
    reads nothing into the text: the page reads as it does without it."""
    page = _two_signatories(170)
    top, bottom = round(1.55 * DPI) - 10, round(1.55 * DPI) + 80
    page[top:bottom, round(4.9 * DPI) + 40 : round(7.8 * DPI)] = page[5, 5]  # the stamped name taken away
    with_step = [w.text for w in recognize(page, page_index=0, dpi=DPI, lang="eng", engine="tesserocr").words]
    monkeypatch.setattr(stages.ocr, "print_beside_stamps", lambda *args, **kwargs: [])
    without = [w.text for w in recognize(page, page_index=0, dpi=DPI, lang="eng", engine="tesserocr").words]
    assert with_step == without
    assert "Rixhild" not in with_step
