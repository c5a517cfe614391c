"""Generated test pages for the image stages: Albanian and English lines rendered with DejaVu at 300 dpi.

Everything costly is session-scoped; the pages are made in memory, fast, with known content and angles.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DPI = 300

ALBANIAN = [
    "Bashkia Shkodër, Zyra me një ndalesë për shërbimet ndaj qytetarëve.",
    "Kërkesë për lëshimin e çertifikatës familjare nga gjendja civile.",
    "Unë, i nënshkruari, deklaroj se të dhënat e mësipërme janë të sakta.",
    "Dokumenti duhet të dorëzohet brenda pesëmbëdhjetë ditëve pune.",
    "Adresa: Rruga Kolë Idromeno, lagjja Vasil Shanto, Shkodër.",
    "Pagesa e tarifës bëhet në sportelin e bankës ose në zyrën e arkës.",
    "Ju lutemi të sillni kartën e identitetit dhe një fotografi të re.",
    "Vendimi i këshillit bashkiak hyn në fuqi menjëherë pas botimit.",
    "Çdo ankesë shqyrtohet nga komisioni brenda tridhjetë ditëve.",
    "Përgjegjësi i sektorit të urbanistikës miraton lejen e ndërtimit.",
]
ENGLISH = [
    "The municipality of Shkodra offers a one-stop shop for citizens.",
    "Please bring your identity card and a recent photograph with you.",
    "Applications are processed within fifteen working days of receipt.",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Payment of the fee can be made at the bank or the cash office.",
    "Every complaint is reviewed by the committee within thirty days.",
    "Personal data are stored according to the data protection law.",
    "The decision of the council takes effect upon its publication.",
]

Gray = NDArray[np.uint8]


def render_lines(lines: list[str], *, font: str = "DejaVuSerif.ttf", pt: float = 11.0,
                 width_in: float = 8.27, height_in: float = 11.69, top_in: float = 1.0,
                 spacing: float = 1.5) -> Gray:
    """A white page with ``lines`` drawn from the top-left margin, 8-bit gray at 300 dpi."""
    page = Image.new("L", (round(width_in * DPI), round(height_in * DPI)), 255)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / font), round(pt * DPI / 72))
    y = round(top_in * DPI)
    for line in lines:
        draw.text((DPI, y), line, font=face, fill=0)
        y += round(pt * DPI / 72 * spacing)
    return np.asarray(page, dtype=np.uint8)


def render_form() -> Gray:
    """A form: a bold title and a grid of label/value cells."""
    page = Image.new("L", (round(8.27 * DPI), round(11.69 * DPI)), 255)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(10 * DPI / 72))
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(14 * DPI / 72))
    draw.text((DPI, DPI), "Formular aplikimi / Application form", font=bold, fill=0)
    rows = [("Emri / Name", "Arbër"), ("Mbiemri / Surname", "Gjoka"), ("Datëlindja / Date of birth", "12.03.1985"),
            ("Adresa / Address", "Rruga Kolë Idromeno 4, Shkodër"), ("Shërbimi / Service", "Leje ndërtimi"),
            ("Vërejtje / Remarks", "Asnjë vërejtje për këtë kërkesë")]
    top, height = round(1.6 * DPI), round(0.45 * DPI)
    for label, value in rows:
        draw.rectangle([DPI, top, page.width - DPI, top + height], outline=0, width=3)
        draw.line([4 * DPI, top, 4 * DPI, top + height], fill=0, width=3)
        draw.text((DPI + 20, top + height // 3), label, font=face, fill=0)
        draw.text((4 * DPI + 20, top + height // 3), value, font=face, fill=0)
        top += height
    return np.asarray(page, dtype=np.uint8)


def rotate_content(image: Gray, ccw_degrees: float) -> Gray:
    """``image`` turned counter-clockwise by ``ccw_degrees`` (PIL's sense), canvas grown, white fill."""
    turned = Image.fromarray(image).rotate(ccw_degrees, resample=Image.Resampling.BICUBIC, expand=True,
                                           fillcolor=255)
    return np.asarray(turned, dtype=np.uint8)


def scan_like(image: Gray, seed: int = 0) -> Gray:
    """A light scanner look: slight blur, grey paper with noise, JPEG at quality 75."""
    import cv2

    rng = np.random.default_rng(seed)
    blurred = cv2.GaussianBlur(image, (0, 0), 0.7).astype(np.float32)
    noisy = blurred * 0.88 + 22 + rng.normal(0.0, 5.0, image.shape)
    ok, encoded = cv2.imencode(".jpg", np.clip(noisy, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)


def encode(image: Gray, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def albanian_page() -> Gray:
    return render_lines(ALBANIAN + ALBANIAN[:6], font="DejaVuSerif.ttf", pt=11)


@pytest.fixture(scope="session")
def english_page() -> Gray:
    return render_lines(ENGLISH + ENGLISH[:4], font="DejaVuSans.ttf", pt=10)


@pytest.fixture(scope="session")
def form_page() -> Gray:
    return render_form()


@pytest.fixture(scope="session")
def short_albanian_page() -> Gray:
    """Half an A4 page: OCR tests read it twice as fast as a full one."""
    return render_lines(ALBANIAN, font="DejaVuSerif.ttf", pt=11, height_in=5.5, top_in=0.6)


@pytest.fixture(scope="session")
def short_english_page() -> Gray:
    return render_lines(ENGLISH, font="DejaVuSans.ttf", pt=11, height_in=5.0, top_in=0.6)


SIGNATORY_TITLE = "Administrator of the Sector"
SIGNATORY_NAME = "Xhiberto Gjinaj"
_BLOCK_SIZE = (round(8.27 * DPI), round(2.2 * DPI))


def signature_block() -> Gray:
    """A signatory's title (bold) and name in black on an A4-wide strip, where a stamp is pressed."""
    page = Image.new("L", _BLOCK_SIZE, 255)
    draw = ImageDraw.Draw(page)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif-Bold.ttf"), round(11 * DPI / 72))
    regular = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), round(11 * DPI / 72))
    draw.text((round(2.6 * DPI), round(0.5 * DPI)), SIGNATORY_TITLE, font=bold, fill=0)
    draw.text((round(3.0 * DPI), round(1.3 * DPI)), SIGNATORY_NAME, font=regular, fill=0)
    return np.asarray(page, dtype=np.uint8)


def stamp_layer(mode: str, ink: int | tuple[int, int, int]) -> Image.Image:
    """A round municipal stamp (two rings, lettering along the rim and across) in ``ink`` on white, the
    size of :func:`signature_block`, crossing its title and name: multiply it over the print, as a
    rubber stamp's ink lies over print."""
    layer = Image.new(mode, _BLOCK_SIZE, 255 if mode == "L" else (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    cx, cy, radius = round(2.9 * DPI), round(0.95 * DPI), round(0.75 * DPI)
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=ink, width=9)
    inner = round(radius * 0.7)
    draw.ellipse([cx - inner, cy - inner, cx + inner, cy + inner], outline=ink, width=6)
    letters = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), round(0.16 * radius))
    for number, letter in enumerate("REPUBLIKA E SHQIPERISE BASHKIA"):
        angle = np.pi * (0.9 + 1.2 * number / 30)
        x, y = cx + 0.85 * radius * np.cos(angle), cy + 0.85 * radius * np.sin(angle)
        draw.text((round(x), round(y)), letter, font=letters, fill=ink, anchor="mm")
    draw.text((cx, cy), "BASHKIA", font=letters, fill=ink, anchor="mm")
    return layer
