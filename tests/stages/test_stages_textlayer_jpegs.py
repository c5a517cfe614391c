"""The searchable PDF from pages already encoded: the same file as from their pixels, without decoding."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.models import PageOcr
from stages.images import encode_jpeg, encode_page
from stages.ocr import recognize
from stages.textlayer import JpegPage, build_pdf, build_pdf_from_jpegs
from tests.stages.conftest import Gray


@pytest.fixture(scope="module")
def page_and_ocr(short_albanian_page: Gray) -> tuple[Gray, PageOcr]:
    return short_albanian_page, recognize(short_albanian_page, page_index=0, dpi=300, engine="tesserocr")


def test_pages_from_their_jpegs_make_the_same_pdf_as_from_their_pixels(page_and_ocr: tuple[Gray, PageOcr]) -> None:
    image, ocr = page_and_ocr
    wide = np.ascontiguousarray(np.hstack([image, image]))
    wide_ocr = ocr.model_copy(update={"page_index": 1, "width": wide.shape[1]})
    from_pixels = build_pdf([(image, ocr), (wide, wide_ocr)])
    from_jpegs = build_pdf_from_jpegs(
        [JpegPage.of(encode_jpeg(image), ocr), JpegPage.of(encode_jpeg(wide), wide_ocr)])
    assert from_jpegs == from_pixels


def test_a_jpeg_page_knows_its_size_from_the_header(page_and_ocr: tuple[Gray, PageOcr]) -> None:
    image, ocr = page_and_ocr
    page = JpegPage.of(encode_page(image[:, : image.shape[1] // 2]), ocr)
    assert (page.height_px, page.width_px) == (image.shape[0], image.shape[1] // 2)


def test_anything_but_a_jpeg_is_refused(page_and_ocr: tuple[Gray, PageOcr]) -> None:
    image, ocr = page_and_ocr
    with pytest.raises(ValueError, match="JPEG"):
        JpegPage.of(b"\x89PNG\r\n\x1a\n" + bytes(100), ocr)
    with pytest.raises(ValueError, match="header"):
        JpegPage.of(b"\xff\xd8\xff" + bytes(40), ocr)
    with pytest.raises(ValueError, match="JPEG"):
        build_pdf_from_jpegs([JpegPage(b"not a jpeg", image.shape[1], image.shape[0], ocr)])
