"""A colour scan's stamp told from print by its colour: the coloured-ink mask the intake makes while it
has the colour pixels, turned as the page was, and the OCR's re-read of the lines a stamp stains, where
ink written in colour (a form filled in with a blue pen) stays."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pikepdf
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from stages.geometry import apply_geometry, straighten
from stages.images import coloured_ink, fit_mask
from stages.intake import RasterPage, iter_input
from stages.ocr import recognize
from tests.stages.conftest import DPI, FONT_DIR, SIGNATORY_NAME, SIGNATORY_TITLE, Gray, signature_block, stamp_layer

_TITLE, _NAME = SIGNATORY_TITLE, SIGNATORY_NAME
_VIOLET = (70, 20, 110)
"""A stamp's violet pressed hard: its grey (luma 44) is as dark as worn print."""

Rgb = NDArray[np.uint8]


def _stamped_colour_block(stamp: tuple[int, int, int] | None) -> Rgb:
    """A title and a name in black, and a round stamp in ``stamp`` ink multiplied over them, in colour."""
    printed = np.repeat(signature_block().astype(np.float32)[:, :, None], 3, axis=2)
    if stamp is None:
        return np.asarray(printed, dtype=np.uint8)
    stamped = printed * np.asarray(stamp_layer("RGB", stamp), dtype=np.float32) / 255.0
    return np.asarray(np.clip(stamped, 0, 255), dtype=np.uint8)


def _colour_scan(rgb: Rgb, seed: int) -> Rgb:
    """A light colour scanner look: blur, paper tint and noise, JPEG at quality 85 (colour subsampled)."""
    rng = np.random.default_rng(seed)
    blurred = cv2.GaussianBlur(rgb, (0, 0), 0.7).astype(np.float32)
    noisy = blurred * 0.88 + 22 + rng.normal(0.0, 4.0, rgb.shape)
    ok, encoded = cv2.imencode(".jpg", np.clip(noisy, 0, 255).astype(np.uint8)[:, :, ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    assert decoded is not None
    return np.ascontiguousarray(decoded[:, :, ::-1], dtype=np.uint8)


def _luma(rgb: Rgb) -> Gray:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def test_coloured_ink_is_marked_and_print_and_paper_are_not() -> None:
    pixels = np.array([[(10, 10, 10), _VIOLET, (200, 30, 30), (40, 60, 190), (245, 240, 225), (120, 120, 125)]],
                      dtype=np.uint8)
    mask = coloured_ink(pixels)
    assert mask is not None
    assert mask[0].tolist() == [0, 255, 255, 255, 0, 0]  # black, violet, red, blue, cream paper, grey
    assert _luma(pixels)[0, 1] < 50  # the violet's grey: as dark as worn print
    assert coloured_ink(np.zeros((4, 4), dtype=np.uint8)) is None  # a gray scan has no colour to tell by


@pytest.mark.parametrize("engine", ["tesserocr", "tesseract-cli"])
def test_a_title_under_a_dark_violet_stamp_is_read_by_its_colour(engine: str) -> None:
    # The violet's grey is as dark as the print, so the grey cut keeps it and the stamp's ring and letters
    # read with the title as one shape; its colour tells the stamp from the print.
    scan = _colour_scan(_stamped_colour_block(_VIOLET), seed=31)
    gray, mask = _luma(scan), coloured_ink(scan)
    lines = recognize(gray, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine,
                      colour_ink=lambda: mask).text.splitlines()
    assert any(_TITLE in line for line in lines)
    by_grey = recognize(gray, page_index=0, dpi=DPI, lang="sqi+eng", engine=engine).text.splitlines()
    assert not any(_TITLE in line for line in by_grey)


def test_a_clean_colour_page_reads_the_same_with_and_without_its_colour() -> None:
    scan = _colour_scan(_stamped_colour_block(None), seed=32)
    gray, mask = _luma(scan), coloured_ink(scan)
    with_colour = recognize(gray, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr", colour_ink=lambda: mask)
    plain = recognize(gray, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr")
    assert with_colour.text == plain.text
    assert _TITLE in plain.text.splitlines() and _NAME in plain.text.splitlines()


def _filled_in_form() -> Rgb:
    """The stamped title with a value written in blue ink at the end of its line: the line is read again
    without its colour, and the value with it."""
    block = _stamped_colour_block(_VIOLET)
    image = Image.fromarray(block)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(11 * DPI / 72))
    draw.text((round(6.2 * DPI), round(0.5 * DPI)), "Tani Osmani", font=font, fill=(25, 45, 170))
    return np.asarray(image, dtype=np.uint8)


def test_words_written_in_colour_stay_when_the_stamp_is_taken_away() -> None:
    scan = _colour_scan(_filled_in_form(), seed=34)
    gray, mask = _luma(scan), coloured_ink(scan)
    text = recognize(gray, page_index=0, dpi=DPI, lang="sqi+eng", engine="tesserocr",
                     colour_ink=lambda: mask).text
    assert "Tani Osmani" in text
    assert any(_TITLE in line for line in text.splitlines())


def _page_rgb() -> Rgb:
    """An A4 page: black print on the left half, a violet block on the right, so that a turn shows."""
    page = np.full((round(11.69 * 100), round(8.27 * 100), 3), 250, dtype=np.uint8)
    page[100:300, 80:300] = 10
    page[100:300, 500:700] = _VIOLET
    return page


def _jpeg(rgb: Rgb) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=95, dpi=(100, 100))
    return buffer.getvalue()


def _pdf_of_jpeg(jpeg: bytes, width: int, height: int, rotate: int) -> bytes:
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=width,
                           Height=height, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8,
                           Filter=pikepdf.Name.DCTDecode)
    w_pt, h_pt = width * 72 / 100, height * 72 / 100
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, w_pt, h_pt], Rotate=rotate,
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                              Contents=pikepdf.Stream(pdf, f"q {w_pt} 0 0 {h_pt} 0 0 cm /Im0 Do Q".encode()))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _pdf_of_gray_jpeg(jpeg: bytes, width: int, height: int) -> bytes:
    pdf = pikepdf.open(io.BytesIO(_pdf_of_jpeg(jpeg, width, height, 0)))
    image = next(iter(pdf.pages[0].obj.Resources.XObject.values()))
    image.ColorSpace = pikepdf.Name.DeviceGray
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _png(image: NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG", dpi=(100, 100))
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["jpeg", "png", "pdf-jpeg", "pdf-jpeg-rotated"])
def test_the_mask_laid_on_the_intakes_gray_page_marks_its_coloured_ink(kind: str) -> None:
    rgb = _page_rgb()
    height, width = rgb.shape[:2]
    data = {"jpeg": lambda: _jpeg(rgb), "png": lambda: _png(rgb),
            "pdf-jpeg": lambda: _pdf_of_jpeg(_jpeg(rgb), width, height, 0),
            "pdf-jpeg-rotated": lambda: _pdf_of_jpeg(_jpeg(rgb), width, height, 90)}[kind]()
    (gray_page,) = [page for page in iter_input(data, dpi=DPI) if isinstance(page, RasterPage)]
    gray, found = gray_page.image, gray_page.colour_ink
    assert found is not None
    assert abs(found.shape[0] / found.shape[1] - gray.shape[0] / gray.shape[1]) < 0.01
    mask = fit_mask(found, gray.shape)
    # The black block and the violet one are both dark in gray; only the violet is marked, and the mark
    # lies where the gray page has it (the same turn and scale).
    dark, marked = gray < 70, mask > 0
    assert np.count_nonzero(marked) > 0.03 * gray.size
    assert np.count_nonzero(marked & dark) > 0.95 * np.count_nonzero(marked)
    assert np.count_nonzero(dark & ~marked) > 0.03 * gray.size  # the black print, unmarked
    assert np.count_nonzero(marked & (gray < 30)) < 0.01 * np.count_nonzero(gray < 30)


def test_a_gray_file_has_no_colour_ink() -> None:
    gray = _luma(_page_rgb())
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "JPEG", quality=90, dpi=(100, 100))
    for data in (_png(gray), buffer.getvalue(), _pdf_of_gray_jpeg(buffer.getvalue(), *gray.shape[::-1])):
        pages = [page for page in iter_input(data, dpi=DPI) if isinstance(page, RasterPage)]
        assert len(pages) == 1 and pages[0].colour_ink is None


def test_a_mask_is_turned_and_straightened_as_the_page_was() -> None:
    gray = _luma(_colour_scan(_stamped_colour_block(_VIOLET), seed=33))
    tilted = np.asarray(cv2.warpAffine(gray, cv2.getRotationMatrix2D((gray.shape[1] / 2, gray.shape[0] / 2), 2.0, 1.0),
                                       (gray.shape[1], gray.shape[0]), borderValue=255), dtype=np.uint8)
    straightened = straighten(tilted, dpi=DPI)
    assert straightened.result.skew_deg != 0
    same = apply_geometry(tilted, straightened.result)
    assert same.shape == straightened.image.shape
    assert float(np.mean(np.abs(same.astype(np.int16) - straightened.image.astype(np.int16)))) < 0.5
    # A mask's uncovered corners are no ink.
    assert int(apply_geometry(np.zeros_like(tilted), straightened.result, fill=0).max()) == 0


@pytest.mark.parametrize("kind", ["jpeg", "png", "pdf-jpeg"])
def test_a_mask_that_cannot_be_made_leaves_the_page_read_in_gray(
        kind: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def fails(_: object) -> None:
        raise MemoryError

    monkeypatch.setattr("stages.intake.coloured_ink", fails)
    rgb = _page_rgb()
    height, width = rgb.shape[:2]
    data = {"jpeg": lambda: _jpeg(rgb), "png": lambda: _png(rgb),
            "pdf-jpeg": lambda: _pdf_of_jpeg(_jpeg(rgb), width, height, 0)}[kind]()
    pages = list(iter_input(data, dpi=DPI))
    assert len(pages) == 1 and isinstance(pages[0], RasterPage) and pages[0].colour_ink is None
    assert "page colour mask not made (MemoryError)" in caplog.text
