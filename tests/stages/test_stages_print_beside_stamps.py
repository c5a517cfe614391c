"""Print that a stamp's ring and a signature touch: tesseract's sparse text takes it for part of a picture
and returns none of it, while the signatory beside it on the same line reads clean; or it starts a word
after the ring, and the letters the ring hid are put back."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import stages.ocr
from stages.ocr import recognize
from tests.stages.conftest import DPI, FONT_DIR, SIGNATORY_TITLE, Gray, signature_block, stamp_layer


def _stamp_beside_a_title(grey: int) -> Gray:
    """A signatory's title with a grey stamp and a pen's loops over the rest of its line, and no name: the
    stamp's ring crosses the title's band where no print is."""
    block = signature_block().copy()
    name_top = round(1.25 * DPI)
    block[name_top:, :] = 255
    stamped = block.astype(np.float32) * np.asarray(stamp_layer("L", grey), dtype=np.float32) / 255.0
    pen = Image.fromarray(np.asarray(stamped, dtype=np.uint8))
    loops = [(round(2.3 * DPI) + 80 * k, round(0.62 * DPI) + (-50 if k % 2 else 25)) for k in range(8)]
    ImageDraw.Draw(pen).line(loops, fill=20, width=5, joint="curve")
    rng = np.random.default_rng(7)
    scanned = cv2.GaussianBlur(np.asarray(pen, dtype=np.float32), (0, 0), 0.8) * 0.9 + 18 + rng.normal(
        0.0, 4.0, block.shape)
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
    page = _stamp_beside_a_title(150)
    with_step = [w.text for w in recognize(page, page_index=0, dpi=DPI, lang="eng", engine="tesserocr").words]
    monkeypatch.setattr(stages.ocr, "print_beside_stamps", lambda *args, **kwargs: [])
    without = [w.text for w in recognize(page, page_index=0, dpi=DPI, lang="eng", engine="tesserocr").words]
    assert with_step == without
    assert SIGNATORY_TITLE.split()[-1] in with_step  # the line beside the stamp is read


STAMP_OVER_A_TITLE = STAMPED_SIGNATORY.with_name("stamp_over_a_title.jpg")
"""A straightened crop of Sportel's own generated sample (``sportel samples --seed 2002 --unseen-layout``,
doc022, a residence certificate in colour, skewed 1.31 degrees, at 300 dpi), with its coloured-ink mask
beside it (``stamp_over_a_title_colour.png``, as the intake makes it, turned with the page): a stamp's
ring crosses the first letters of the signatory's title. Sparse text read "inistrator"; read again
without the stamp, the title's line gave "Administrator" to the stamp's own fragments' line above it,
where it was dropped as the title's second reading (fd48f6c)."""


def test_letters_a_stamp_hid_at_the_start_of_a_word_are_put_back() -> None:
    read = cv2.imread(str(STAMP_OVER_A_TITLE), cv2.IMREAD_GRAYSCALE)
    mask = cv2.imread(str(STAMP_OVER_A_TITLE.with_name("stamp_over_a_title_colour.png")), cv2.IMREAD_GRAYSCALE)
    assert read is not None and mask is not None
    image: Gray = np.asarray(read, dtype=np.uint8)
    colour: Gray = np.asarray(mask, dtype=np.uint8)
    words = [w.text for w in recognize(image, page_index=0, dpi=DPI, lang="eng", engine="tesserocr",
                                       colour_ink=lambda: colour).words]
    assert "Administrator" in words and "inistrator" not in words, words
    assert "Dani" in words


def test_a_reading_completes_another_only_with_letters_added_at_an_end() -> None:
    from pipeline.models import BBox, Word
    from stages.ocr import _completes

    def words(*texts: str) -> list[Word]:
        return [Word(text=t, bbox=BBox(x0=100 * n, y0=0, x1=100 * n + 90, y1=40), conf=90.0, block=0, line=0)
                for n, t in enumerate(texts)]

    assert _completes(words("inistrator"), words("Administrator"))
    assert _completes(words("a", "Dani"), words("Eliverta", "Dani"))
    assert _completes(words("Kopliku"), words("Kopliku", "Halit"))
    assert not _completes(words("inistrator"), words("ministrator"))  # one letter is no evidence
    assert not _completes(words("inistrator"), words("A$|inistrator"))  # a stamp's remains are not letters
    assert not _completes(words("a", "Dani"), words("Eliverta", "Dano"))  # the first reading must stand


def test_a_line_grows_over_a_stamps_grey_beside_it_not_over_print_beside_it() -> None:
    from pipeline.models import BBox
    from stages.ocr import _grown_over_light_ink
    from stages.ocr_image import even_contrast

    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), 40)

    def band(*, ring: bool, print_beside: bool) -> Gray:
        page = Image.new("L", (1200, 400), 255)
        draw = ImageDraw.Draw(page)
        draw.text((600, 175), "Sektorit", font=face, fill=0)  # the line's word
        if print_beside:  # the next word a word gap away, as dark as the line's
            draw.text((600 - 14 - face.getbbox("Shefi i")[2], 175), "Shefi i", font=face, fill=0)
        if ring:  # a grey stamp's ring crossing the band just before the word
            draw.ellipse([170, 40, 590, 460], outline=150, width=16)
        return np.asarray(cv2.GaussianBlur(np.asarray(page, dtype=np.uint8), (0, 0), 1.0), dtype=np.uint8)

    line = BBox(x0=603, y0=183, x1=762, y1=213)
    for ring, print_beside, grows in ((True, False, True), (False, True, False), (False, False, False)):
        page = band(ring=ring, print_beside=print_beside)
        grown = _grown_over_light_ink(line, even_contrast(page, dpi=DPI), page)
        assert (grown.x0 < line.x0 - 30) == grows, (ring, print_beside, grown)
        assert grown.x1 == line.x1
