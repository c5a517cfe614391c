"""Optional visible stamp with Albanian text, in an embedded DejaVu font, on the last page."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from rapidfuzz import fuzz

from stages.pki import DemoPki
from stages.sign import sign_pdf, validate_pdf
from tests.signing.conftest import STAMP_TEXT, pdfsig


@pytest.fixture(scope="module")
def stamped(sample_pdf: bytes, demo_signer: Any) -> bytes:
    return sign_pdf(sample_pdf, demo_signer, reason="Kopje e njësuar", stamp_text=STAMP_TEXT)


def test_stamped_pdf_still_validates(stamped: bytes, demo_pki: DemoPki, demo_nss: Path, tmp_path: Path) -> None:
    [report] = validate_pdf(stamped, trust_roots=[demo_pki.root_cert])
    assert report.valid and report.covers_whole_file and report.level == "B-B"

    path = tmp_path / "stamped.pdf"
    path.write_bytes(stamped)
    out = pdfsig(path, demo_nss)
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out


def test_stamp_is_a_widget_on_the_last_page_with_an_embedded_dejavu_subset(stamped: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(stamped))
    pages = reader.root["/Pages"]["/Kids"]
    last_annots = pages[-1].get_object().get("/Annots", [])
    widgets = [a.get_object() for a in last_annots if a.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1
    x0, y0, x1, y1 = (float(v) for v in widgets[0]["/Rect"])
    assert x1 - x0 > 100 and y1 - y0 > 20
    assert "/Annots" not in pages[0].get_object()

    appearance = widgets[0]["/AP"]["/N"]
    fonts = _fonts_in(appearance)
    dejavu = [f for f in fonts if "DejaVuSans" in str(f["/BaseFont"])]
    assert dejavu, "the stamp text uses DejaVu Sans"
    descendant = dejavu[0]["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"], "the font program is embedded"
    assert "/ToUnicode" in dejavu[0], "the text can be copied out as Unicode"


def _fonts_in(xobject: Any) -> list[Any]:
    """Fonts of a form XObject and of the forms it draws, recursively."""
    found: list[Any] = []
    resources = xobject.get("/Resources", {})
    found.extend(font.get_object() for font in resources.get("/Font", {}).values())
    for inner in resources.get("/XObject", {}).values():
        found.extend(_fonts_in(inner.get_object()))
    return found


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_stamp_text_renders_readably(stamped: bytes, tmp_path: Path) -> None:
    import pytesseract

    path = tmp_path / "stamped.pdf"
    path.write_bytes(stamped)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-f", "2", "-l", "2", "-png", str(path), str(tmp_path / "page")], check=True
    )
    [png] = sorted(tmp_path.glob("page*.png"))
    page = Image.open(png)
    foot = page.crop((0, int(page.height * 0.85), page.width, page.height))

    text = _fold(pytesseract.image_to_string(foot, lang="sqi"))

    assert fuzz.partial_ratio(_fold(STAMP_TEXT), text) >= 90, text
    assert "ë" in text
