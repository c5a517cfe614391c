"""The searchable PDF: invisible words over the image, extractable in order and on their boxes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from pipeline.models import BBox, PageOcr
from stages.ocr import recognize
from stages.textlayer import PRODUCER, build_pdf
from tests.stages.conftest import Gray


@pytest.fixture(scope="module")
def page_and_ocr(short_albanian_page: Gray) -> tuple[Gray, PageOcr]:
    return short_albanian_page, recognize(short_albanian_page, page_index=0, dpi=300, engine="tesserocr")


@pytest.fixture(scope="module")
def pdf_path(page_and_ocr: tuple[Gray, PageOcr], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("textlayer") / "searchable.pdf"
    path.write_bytes(build_pdf([page_and_ocr, page_and_ocr]))
    return path


def _pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_extracted_text_reproduces_the_ocr_text(pdf_path: Path, page_and_ocr: tuple[Gray, PageOcr]) -> None:
    _, ocr = page_and_ocr
    pages = _pdftotext(pdf_path).split("\f")
    assert [" ".join(p.split()) for p in pages[:2]] == [" ".join(ocr.text.split())] * 2
    assert "ë" in pages[0] and "Ç" in pages[0]


def test_words_sit_on_their_boxes(pdf_path: Path, page_and_ocr: tuple[Gray, PageOcr]) -> None:
    _, ocr = page_and_ocr
    html = _pdftotext(pdf_path, "-bbox", "-f", "1", "-l", "1")
    found = [(float(x0), float(y0), float(x1), float(y1), text) for x0, y0, x1, y1, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
    assert len(found) == len(ocr.words)
    to_px = ocr.dpi / 72.0
    lines: dict[tuple[int, int], BBox] = {}
    for word in ocr.words:
        key = (word.block, word.line)
        lines[key] = lines[key].union(word.bbox) if key in lines else word.bbox
    for (x0, y0, x1, y1, text), word in zip(found, ocr.words, strict=True):
        assert text == word.text
        # Horizontally each word matches its box; vertically it spans its OCR line.
        assert abs(x0 * to_px - word.bbox.x0) <= 2 and abs(x1 * to_px - word.bbox.x1) <= 2
        line = lines[(word.block, word.line)]
        assert abs(y0 * to_px - line.y0) <= 2 and abs(y1 * to_px - line.y1) <= 2


def test_page_is_the_image_with_invisible_text(pdf_path: Path, page_and_ocr: tuple[Gray, PageOcr]) -> None:
    image, _ = page_and_ocr
    with pikepdf.open(pdf_path) as document:
        assert len(document.pages) == 2
        page = document.pages[0]
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
        assert width == pytest.approx(image.shape[1] * 72 / 300, abs=0.01)
        assert height == pytest.approx(image.shape[0] * 72 / 300, abs=0.01)
        (xobject,) = page.obj.Resources.XObject.values()
        assert xobject.Filter == pikepdf.Name.DCTDecode and xobject.ColorSpace == pikepdf.Name.DeviceGray
        assert (int(xobject.Width), int(xobject.Height)) == (image.shape[1], image.shape[0])
        operators = [([int(v) for v in i.operands], str(i.operator))
                     for i in pikepdf.parse_content_stream(page) if str(i.operator) == "Tr"]
        assert operators and all(op == ([3], "Tr") for op in operators)
        assert dict(document.docinfo) == {"/Producer": PRODUCER}


def test_font_is_embedded(pdf_path: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(pdf_path)], check=True, capture_output=True, text=True).stdout
    rows = fonts.strip().splitlines()[2:]
    assert rows and all(" yes yes yes " in row for row in rows)
    assert all("DejaVuSans" in row for row in rows)


def test_same_input_same_bytes(page_and_ocr: tuple[Gray, PageOcr]) -> None:
    assert build_pdf([page_and_ocr]) == build_pdf([page_and_ocr])


def test_redacted_page_without_words_is_just_the_image(page_and_ocr: tuple[Gray, PageOcr], tmp_path: Path) -> None:
    image, ocr = page_and_ocr
    path = tmp_path / "redacted.pdf"
    path.write_bytes(build_pdf([(image, ocr.model_copy(update={"words": []}))]))
    assert _pdftotext(path).strip() == ""


def test_archival_copy_is_validated_pdfa_2b(page_and_ocr: tuple[Gray, PageOcr], tmp_path: Path) -> None:
    import io

    from pikepdf.pdfa import validate_written

    page, ocr = page_and_ocr
    pdf = build_pdf([(page, ocr)], pdfa=True)
    report = validate_written(io.BytesIO(pdf), "2b")
    assert report.verdict == "pass", [str(f) for f in report.findings]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.open_metadata()["pdfaid:part"] == "2"
        assert "/OutputIntents" in document.Root
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert ocr.words[0].text in text


def test_a_page_given_as_jpeg_is_embedded_as_is(page_and_ocr: tuple[Gray, PageOcr]) -> None:
    import io

    from stages.images import encode_page

    page, ocr = page_and_ocr
    jpeg = encode_page(page)
    with pikepdf.open(io.BytesIO(build_pdf([(page, ocr)], encoded=[jpeg]))) as document:
        images = list(document.pages[0].images.values())
        assert [image.read_raw_bytes() for image in images] == [jpeg]
