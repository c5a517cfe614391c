"""Print that tesseract's global threshold loses: small grey print on a tinted, patterned background (an
identity card's labels over its guilloche), shaded paper. And Albanian reads: no letter Albanian lacks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks.ocr_quality import line_edit_counts
from stages.ocr import recognize
from stages.ocr_image import even_contrast
from tests.stages.conftest import ALBANIAN, DPI, FONT_DIR, Gray, render_lines, scan_like


def _print_on_pattern(lines: list[str], *, pt: float, ink: int, paper: int) -> Gray:
    """``lines`` in grey DejaVu Sans on tinted paper crossed by wavy lines a little darker than the paper."""
    page = Image.new("L", (round(8.27 * DPI), round(4.5 * DPI)), paper)
    draw = ImageDraw.Draw(page)
    for top in range(0, page.height, 24):
        draw.line([(x, top + 10 * np.sin(x / 50.0 + top)) for x in range(0, page.width, 6)], fill=paper - 30, width=2)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(pt * DPI / 72))
    y = 150
    for line in lines:
        draw.text((300, y), line, font=face, fill=ink)
        y += round(pt * DPI / 72 * 1.6)
    return np.asarray(page, dtype=np.uint8)


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
@pytest.mark.parametrize(("pt", "ink", "paper"), [(5.0, 110, 235), (6.0, 140, 225)])
def test_small_grey_print_on_a_patterned_background_is_read(engine: str, pt: float, ink: int, paper: int) -> None:
    # Read through a single global threshold, these pages gave 70-100% character errors (whole lines lost).
    lines = ALBANIAN[:6]
    scanned = scan_like(_print_on_pattern(lines, pt=pt, ink=ink, paper=paper), seed=1)
    ocr = recognize(scanned, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine)
    edits, chars = line_edit_counts(ocr.text, "\n".join(lines))
    assert edits / chars < 0.02


def test_even_contrast_sets_ink_dark_and_paper_white_under_uneven_shading() -> None:
    text = render_lines(ALBANIAN[:8], font="DejaVuSans.ttf", pt=10, height_in=5.0)
    shade = np.linspace(100.0, 250.0, text.shape[1], dtype=np.float32)[None, :]  # dim left, bright right
    page = np.clip(shade - (255.0 - text) * 0.3, 0, 255).astype(np.uint8)  # ink 77 darker than its paper
    evened = even_contrast(page, dpi=DPI)
    assert evened.shape == page.shape and evened.dtype == np.uint8
    ink, paper = text < 64, text == 255
    margin = np.zeros_like(paper)
    margin[:, : DPI // 2] = margin[:, -DPI // 2 :] = True  # paper far from any letter, at both ends of the shade
    assert np.percentile(evened[ink], 90) < 128 < 190 < np.percentile(evened[paper & margin], 5)
    # Before: paper on the dim side is darker than ink on the bright side; no single threshold splits them.
    bright = np.arange(page.shape[1])[None, :] > 0.6 * page.shape[1]
    assert np.median(page[:, : DPI // 2][paper[:, : DPI // 2]]) < np.median(page[ink & bright])


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
def test_albanian_reads_give_no_letter_that_albanian_lacks(engine: str) -> None:
    # The English model reads a small or blurred ë as é; Albanian has no é, so read with sqi it is never given.
    page = scan_like(render_lines(["Le café est très bon, résumé et élève."], font="DejaVuSans.ttf", pt=11,
                                  height_in=2.0))
    albanian = recognize(page, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine).text
    english = recognize(page, page_index=0, dpi=DPI, lang="eng", engine=engine).text
    assert not set("éèÉÈ") & set(albanian)
    assert "é" in english
