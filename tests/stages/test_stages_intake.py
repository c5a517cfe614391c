"""Intake of every accepted format, resampling to the pipeline's DPI, broken pages and born-digital PDFs."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pikepdf
import pytest
from PIL import Image

from pipeline.errors import CorruptInputError, UnsupportedFormatError
from stages.geometry import correct_page
from stages.intake import read_input
from tests.stages.conftest import ALBANIAN, Gray, encode


def _scanned_pdf(pages: list[Gray]) -> bytes:
    """A PDF as scanners write it: one full-page JPEG per page."""
    images = [Image.fromarray(p) for p in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=300.0)
    return buffer.getvalue()


def _born_digital_pdf(lines: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("TestDejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595.0, 842.0))
    canvas.setFont("TestDejaVu", 11)
    for index, line in enumerate(lines):
        canvas.drawString(72, 770 - 16 * index, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def half_page(short_albanian_page: Gray) -> Gray:
    return short_albanian_page[:1200]


def test_png_is_resampled_from_its_own_dpi(half_page: Gray) -> None:
    small = np.asarray(Image.fromarray(half_page).resize((half_page.shape[1] // 2, half_page.shape[0] // 2)))
    data = encode(small, "PNG", dpi=(150, 150))
    result = read_input(data, "scan.png", dpi=300)
    assert result.info.kind == "png"
    assert result.info.sha256 == hashlib.sha256(data).hexdigest()
    assert result.info.size_bytes == len(data) and result.info.page_count == 1
    (page,) = result.pages
    assert page.dpi == 300 and page.image.dtype == np.uint8 and page.image.ndim == 2
    assert page.image.shape == pytest.approx((small.shape[0] * 2, small.shape[1] * 2), abs=1)


def test_jpeg_and_rgb_become_gray(half_page: Gray) -> None:
    rgb = np.stack([half_page] * 3, axis=-1)
    result = read_input(encode(rgb, "JPEG", quality=90, dpi=(300, 300)), "photo.jpg")
    (page,) = result.pages
    assert result.info.kind == "jpeg"
    assert page.image.shape == half_page.shape
    assert np.abs(page.image.astype(int) - half_page.astype(int)).mean() < 3


def test_multi_page_tiff_keeps_every_frame(half_page: Gray) -> None:
    frames = [Image.fromarray(half_page), Image.fromarray(half_page).convert("1"),
              Image.fromarray(np.ascontiguousarray(half_page[:, ::-1]))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300),
                   compression="tiff_lzw")
    result = read_input(buffer.getvalue(), "batch.tif")
    assert result.info.kind == "tiff" and result.info.page_count == 3
    assert [p.source_index for p in result.pages] == [0, 1, 2]
    assert all(p.image.shape == half_page.shape for p in result.pages)
    assert result.errors == []


def test_scanned_pdf_pages_come_out_at_the_target_dpi(half_page: Gray) -> None:
    result = read_input(_scanned_pdf([half_page, half_page]), "scan.pdf", dpi=200)
    assert result.info.kind == "pdf" and result.info.page_count == 2
    for page in result.pages:
        assert page.dpi == 200 and page.text_layer is None
        assert page.image.shape == pytest.approx((half_page.shape[0] * 2 / 3, half_page.shape[1] * 2 / 3), abs=2)


def test_one_corrupt_pdf_page_is_reported_and_the_others_kept(half_page: Gray) -> None:
    document = pikepdf.open(io.BytesIO(_scanned_pdf([half_page, half_page, half_page])))
    image = next(iter(document.pages[1].obj.Resources.XObject.values()))
    image.write(bytes(image.read_raw_bytes())[:600] + b"\x00" * 300, filter=pikepdf.Name.DCTDecode)
    broken = io.BytesIO()
    document.save(broken)
    result = read_input(broken.getvalue(), "scan.pdf")
    assert [p.source_index for p in result.pages] == [0, 2]
    (error,) = result.errors
    assert error.source_index == 1 and error.code == CorruptInputError.code
    assert error.source_sha256 == result.info.sha256
    assert result.info.page_count == 3


def test_born_digital_pdf_brings_its_own_words() -> None:
    lines = ALBANIAN[:5]
    result = read_input(_born_digital_pdf(lines), "letter.pdf", dpi=300)
    (page,) = result.pages
    layer = page.text_layer
    assert layer is not None and layer.source == "text_layer" and layer.lang == "sqi+eng"
    assert layer.text.split("\n") == lines
    height, width = page.image.shape
    assert (layer.width, layer.height, layer.dpi) == (width, height, 300)
    first = layer.words[0]
    # 72 pt from the left edge at 300 dpi; the first baseline 72 pt below the top (842 - 770).
    assert first.bbox.x0 == pytest.approx(300, abs=8)  # tight glyph boxes: the side bearing
    assert first.bbox.y1 == pytest.approx(72 * 300 / 72, abs=12)
    # The box holds ink: the rendered page is dark where the text layer says a word is.
    crop = page.image[first.bbox.y0 : first.bbox.y1, first.bbox.x0 : first.bbox.x1]
    assert (crop < 128).mean() > 0.05
    # A rendered born-digital page is straight, so the pipeline keeps its words instead of OCR.
    geometry, _ = correct_page(page.image, dpi=300)
    assert (geometry.orientation_deg, geometry.skew_deg) == (0, 0.0)


def test_mixed_pdf_is_decided_per_page(half_page: Gray) -> None:
    mixed = pikepdf.open(io.BytesIO(_born_digital_pdf(ALBANIAN[:3])))
    scanned = pikepdf.open(io.BytesIO(_scanned_pdf([half_page])))
    mixed.pages.extend(scanned.pages)
    buffer = io.BytesIO()
    mixed.save(buffer)
    result = read_input(buffer.getvalue(), "mixed.pdf")
    assert [p.text_layer is not None for p in result.pages] == [True, False]


def test_unsupported_bytes_are_refused() -> None:
    with pytest.raises(UnsupportedFormatError):
        read_input(b"GIF89a" + b"\x00" * 64, "image.pdf")  # the name does not decide the format


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n" + b"garbage " * 50, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_wholly_unreadable_files_raise_corrupt_input(data: bytes) -> None:
    with pytest.raises(CorruptInputError):
        read_input(data, "broken")


def test_a_scanners_gray_jpeg_is_kept_as_it_came(half_page: Gray) -> None:
    data = _scanned_pdf([half_page])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (image,) = pdf.pages[0].images.values()
        jpeg = image.read_raw_bytes()
    (page,) = read_input(data, "scan.pdf", dpi=300).pages
    assert page.encoded == jpeg  # stored without decoding and encoding again
    resampled = read_input(data, "scan.pdf", dpi=200).pages[0]
    assert resampled.encoded is None  # new pixels: they will be encoded


def test_pages_stream_one_at_a_time_with_errors_in_place(half_page: Gray) -> None:
    from stages.intake import RasterPage, iter_input

    data = _scanned_pdf([half_page, half_page, half_page])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (image,) = pdf.pages[1].images.values()
        image.write(b"\xff\xd8\xff garbage", filter=pikepdf.Name.DCTDecode)
        buffer = io.BytesIO()
        pdf.save(buffer)
    items = iter_input(buffer.getvalue(), dpi=300)
    first = next(items)
    assert isinstance(first, RasterPage) and first.source_index == 0
    rest = list(items)
    assert [(type(i).__name__, i.source_index) for i in rest] == [("PageError", 1), ("RasterPage", 2)]


def _pdf_of_size(width_pt: float, height_pt: float, pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(width_pt, height_pt))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_page_too_large_to_hold_is_refused_before_it_is_drawn_and_the_rest_is_read() -> None:
    """A 3 x 3 m page would be 1.2 billion pixels at 300 dpi: refused with its own error, before any pixel
    is made; the A4 page beside it is read."""
    huge, a4 = _pdf_of_size(8500, 8500), _pdf_of_size(595, 842)
    merged = pikepdf.open(io.BytesIO(a4))
    merged.pages.extend(pikepdf.open(io.BytesIO(huge)).pages)
    out = io.BytesIO()
    merged.save(out)

    result = read_input(out.getvalue(), "mixed.pdf", dpi=300)

    assert len(result.pages) == 1
    assert result.pages[0].image.shape == pytest.approx((3508, 2480), abs=2)
    assert [(e.source_index, e.code) for e in result.errors] == [(1, "page_too_large")]
    assert "million" in result.errors[0].message


def test_a_file_of_only_too_large_pages_says_why_it_has_no_page() -> None:
    with pytest.raises(CorruptInputError, match="page_too_large"):
        read_input(_pdf_of_size(8500, 8500), "poster.pdf", dpi=300)


def test_an_image_too_large_to_decode_is_refused_before_decoding() -> None:
    """A bilevel PNG of 144 million pixels weighs a few kilobytes."""
    image = Image.new("1", (12000, 12000), 1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(300, 300))

    with pytest.raises(CorruptInputError, match="page_too_large"):
        read_input(buffer.getvalue(), "scan.png", dpi=300)
