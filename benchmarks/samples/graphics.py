"""Graphics found on real documents: the state emblem, round rubber stamps, pen signatures, QR and bar codes,
the photo on an ID card, the guilloche background of a card. None of them is page text."""

from __future__ import annotations

import math
import random

import numpy as np
import numpy.typing as npt
import zxingcpp
from PIL import Image, ImageDraw

from benchmarks.samples.canvas import Fill, Page, load_font

# Half of a stylised double-headed eagle (right side), in a unit box centred on x=0; mirrored for the left.
_EAGLE_HALF = [
    (0.0, -0.42), (0.06, -0.50), (0.16, -0.50), (0.22, -0.44), (0.18, -0.40), (0.10, -0.40), (0.08, -0.30),
    (0.20, -0.34), (0.34, -0.46), (0.48, -0.40), (0.44, -0.30), (0.50, -0.24), (0.44, -0.14), (0.48, -0.06),
    (0.40, 0.02), (0.42, 0.10), (0.30, 0.12), (0.16, 0.10), (0.12, 0.22), (0.20, 0.34), (0.14, 0.44),
    (0.06, 0.36), (0.0, 0.46),
]


def emblem(page: Page, cx: float, cy: float, size: float, fill: Fill | None = None) -> None:
    """The state emblem: a shield with a double-headed eagle, reduced to a silhouette."""
    ink = page.ink() if fill is None else fill
    half = size / 2
    shield = [(cx - half * 0.8, cy - half), (cx + half * 0.8, cy - half), (cx + half * 0.8, cy + half * 0.25),
              (cx, cy + half), (cx - half * 0.8, cy + half * 0.25)]
    page.draw.polygon(shield, outline=ink, width=max(1, round(size / 40)))
    right = [(cx + x * size * 0.85, cy + y * size * 0.85) for x, y in _EAGLE_HALF]
    left = [(2 * cx - x, y) for x, y in reversed(right)]
    page.draw.polygon(right + left, fill=ink)


def signature(page: Page, x: float, y: float, width: float, height: float, rng: random.Random,
              fill: Fill | None = None) -> None:
    """A pen scribble inside the box at ``(x, y)``."""
    ink = page.ink("pen") if fill is None else fill
    points: list[tuple[float, float]] = []
    loops = rng.randint(3, 6)
    phase = rng.random() * math.tau
    steps = 70
    for i in range(steps):
        t = i / (steps - 1)
        px = x + width * (0.05 + 0.9 * t) + math.sin(t * loops * math.tau + phase) * width * 0.06
        wobble = math.sin(t * loops * math.tau * 0.5 + phase) * 0.35 + math.sin(t * 17 + phase) * 0.1
        py = y + height * (0.55 + wobble * (1.0 - 0.5 * t))
        points.append((px, py))
    pen = max(1, round(page.dpi / 110))
    page.draw.line(points, fill=ink, width=pen, joint="curve")
    tail_y = y + height * (0.6 + rng.random() * 0.3)
    page.draw.line([(x + width * 0.1, tail_y), (x + width * (0.7 + rng.random() * 0.3), tail_y - height * 0.15)],
                   fill=ink, width=pen)


def stamp(page: Page, cx: float, cy: float, radius: float, ring_text: str, center_lines: list[str],
          rng: random.Random) -> None:
    """A round rubber stamp, inked unevenly and pressed at a slant, blended over what is below it."""
    size = int(radius * 2 + 4)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    line = max(2, round(radius / 28))
    draw.ellipse((c - radius + 1, c - radius + 1, c + radius - 1, c + radius - 1), outline=255, width=line)
    inner = radius * 0.70
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=max(1, line - 1))
    letter_px = max(8, round(radius * 0.19))
    font = load_font("sans-bold", letter_px)
    text = page.shown(ring_text.upper())
    text_radius = radius * 0.85
    span = min(math.tau * 0.92, len(text) * letter_px * 0.78 / text_radius)
    start = -math.pi / 2 - span / 2
    for i, ch in enumerate(text):
        angle = start + span * (i + 0.5) / len(text)
        glyph = Image.new("L", (letter_px * 2, letter_px * 2), 0)
        ImageDraw.Draw(glyph).text((letter_px, letter_px), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BILINEAR)
        gx = c + text_radius * math.cos(angle) - letter_px
        gy = c + text_radius * math.sin(angle) - letter_px
        mask.paste(255, (round(gx), round(gy)), glyph)
    small = load_font("sans-bold", max(7, round(radius * 0.16)))
    top = c - len(center_lines) * small.size * 0.6
    for i, text_line in enumerate(center_lines):
        draw.text((c, top + i * small.size * 1.2), page.shown(text_line), font=small, fill=255, anchor="mt")
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BILINEAR)
    strength = np.asarray(mask, dtype=np.float32) / 255.0
    ink_level = np.random.default_rng(rng.getrandbits(32)).uniform(0.45, 0.95, size=(8, 8)).astype(np.float32)
    ink_level = np.asarray(Image.fromarray(ink_level).resize((size, size), Image.Resampling.BILINEAR))
    _blend(page, round(cx - c), round(cy - c), strength * ink_level, page.ink("stamp"))


def _blend(page: Page, left: int, top: int, alpha: npt.NDArray[np.float32], color: Fill) -> None:
    """Multiply ``color`` into the page where ``alpha`` says, like ink on paper (text below stays dark)."""
    h, w = alpha.shape
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(page.width, left + w), min(page.height, top + h)
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - top: y1 - top, x0 - left: x1 - left]
    region = np.asarray(page.image.crop((x0, y0, x1, y1)), dtype=np.float32)
    if region.ndim == 3:
        tint = np.asarray(color, dtype=np.float32) / 255.0
        out = region * (1.0 - a[..., None] * (1.0 - tint))
    else:
        tint_grey = float(color if isinstance(color, int) else sum(color) / 3) / 255.0
        out = region * (1.0 - a * (1.0 - tint_grey))
    page.image.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), (x0, y0))


def qr_code(page: Page, x: float, y: float, side: float, payload: str) -> None:
    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = Image.fromarray(np.asarray(code.to_image(scale=1, add_quiet_zones=False), dtype=np.uint8))
    image = modules.resize((round(side), round(side)), Image.Resampling.NEAREST)
    page.image.paste(image.convert(page.image.mode), (round(x), round(y)))


def barcode(page: Page, x: float, y: float, width: float, height: float, payload: str) -> None:
    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.Code128)
    bars = Image.fromarray(np.asarray(code.to_image(scale=1, add_quiet_zones=False), dtype=np.uint8))
    image = bars.resize((round(width), round(height)), Image.Resampling.NEAREST)
    page.image.paste(image.convert(page.image.mode), (round(x), round(y)))


def photo(page: Page, box: tuple[float, float, float, float]) -> None:
    """The holder's photo as a photocopier renders it: a grey field with a darker head and shoulders."""
    x0, y0, x1, y1 = (round(v) for v in box)
    w, h = x1 - x0, y1 - y0
    mode = page.image.mode
    bg: Fill = (175, 175, 172) if page.color else 175
    dark: Fill = (70, 68, 66) if page.color else 70
    mid: Fill = (120, 118, 115) if page.color else 120
    picture = Image.new(mode, (w, h), bg)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((w * 0.12, h * 0.68, w * 0.88, h * 1.25), fill=dark)
    draw.ellipse((w * 0.28, h * 0.16, w * 0.72, h * 0.64), fill=mid)
    draw.ellipse((w * 0.26, h * 0.10, w * 0.74, h * 0.36), fill=dark)
    page.image.paste(picture, (x0, y0))


def guilloche(page: Page, box: tuple[float, float, float, float], rng: random.Random) -> None:
    """The fine wavy security pattern behind the text of a card, as a photocopy greys it."""
    x0, y0, x1, y1 = box
    light = page.ink("light")
    width = max(1, page.dpi // 300)
    waves = 14
    freq = rng.uniform(2.5, 4.5)
    for k in range(waves):
        base = y0 + (y1 - y0) * (k + 0.5) / waves
        amp = (y1 - y0) / waves * 0.9
        phase = k * 0.7
        pts = [(x0 + (x1 - x0) * i / 80, base + amp * math.sin(freq * math.tau * i / 80 + phase))
               for i in range(81)]
        page.draw.line(pts, fill=light, width=width)


def checkbox(page: Page, x: float, y: float, size: float, checked: bool) -> None:
    page.rect((x, y, x + size, y + size), width=max(1, page.dpi // 150))
    if checked:
        pen = page.ink("pen")
        w = max(2, page.dpi // 100)
        page.draw.line([(x + size * 0.15, y + size * 0.5), (x + size * 0.4, y + size * 0.85),
                        (x + size * 1.05, y - size * 0.1)], fill=pen, width=w)


def speckles(page: Page, rng: random.Random, count: int) -> None:
    """Toner dust of a photocopy."""
    for _ in range(count):
        x, y = rng.uniform(0, page.width), rng.uniform(0, page.height)
        r = rng.uniform(0.5, 1.6) * page.dpi / 300
        page.draw.ellipse((x - r, y - r, x + r, y + r), fill=page.ink("grey"))
