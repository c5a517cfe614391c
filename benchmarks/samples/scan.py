"""The scanner: turns a clean page into what a scanning station hands in.

Per page: a small skew (the paper fed crooked, white scanner bed around it), uneven brightness, slight blur,
sensor noise, sometimes a page turned by 90/180/270 degrees, and JPEG compression. The clean page text stays
upright and unskewed, so the ground truth is exact; ``ScanSettings`` records what a perfect pipeline must
undo (see ``truth``).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

Orientation = Literal[0, 90, 180, 270]
Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ScanSettings:
    orientation: Orientation
    """Clockwise rotation that makes the scan upright (the scan itself is turned counter-clockwise)."""
    skew_deg: float
    """Counter-clockwise rotation that straightens the scan once upright (the paper is turned clockwise)."""
    noise_sigma: float
    blur_sigma: float
    shading: float
    """Depth of the brightness falloff across the page, 0..1."""
    jpeg_quality: int


@dataclass(frozen=True)
class ScannedPage:
    jpeg: bytes
    """The page as the scanner compressed it (only the bytes are kept: a batch holds many pages)."""
    width: int
    height: int
    color: bool
    dpi: int

    def pixels(self) -> Pixels:
        """The decoded JPEG: greyscale (H, W) or colour (H, W, 3)."""
        with Image.open(io.BytesIO(self.jpeg)) as decoded:
            return np.asarray(decoded, dtype=np.uint8)


def draw_settings(rng: random.Random, *, sheet: bool = False, blank: bool = False) -> ScanSettings:
    """Scan settings for one page: mostly upright, one page in eight turned; a third of the pages badly skewed."""
    orientation: Orientation = 0
    if not sheet and not blank and rng.random() < 1 / 8:
        orientation = rng.choice((90, 180, 270))
    if sheet:
        skew = rng.uniform(-2.0, 2.0)
    elif blank:
        skew = 0.0
    elif rng.random() < 1 / 3:
        skew = rng.uniform(-15.0, 15.0)
    else:
        skew = rng.uniform(-3.0, 3.0)
    return ScanSettings(orientation=orientation, skew_deg=round(skew, 2), noise_sigma=rng.uniform(2.0, 7.0),
                        blur_sigma=rng.uniform(0.3, 0.9), shading=rng.uniform(0.0, 0.12),
                        jpeg_quality=rng.randrange(55, 91))


def _ink_extent(gray: Pixels) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of everything darker than paper, or None for a blank page."""
    dark = gray < 200
    rows = np.flatnonzero(dark.any(axis=1))
    cols = np.flatnonzero(dark.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _skew(pixels: Pixels, skew_deg: float, dpi: int) -> Pixels:
    """Turn the page clockwise by ``skew_deg`` about its centre on a white bed; the frame stays A4 unless
    ink would fall off it, then it grows evenly on both sides so that the page stays centred."""
    if skew_deg == 0.0:
        return pixels
    h, w = pixels.shape[:2]
    gray: Pixels = pixels if pixels.ndim == 2 else np.asarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY),
                                                              dtype=np.uint8)
    out_w, out_h = w, h
    extent = _ink_extent(gray)
    if extent is not None:
        theta = math.radians(skew_deg)
        cos, sin = math.cos(theta), math.sin(theta)
        margin = dpi / 25.4 * 3
        half_w = half_h = 0.0
        for x, y in ((extent[0], extent[1]), (extent[2], extent[1]), (extent[0], extent[3]),
                     (extent[2], extent[3])):
            dx, dy = x - w / 2, y - h / 2
            half_w = max(half_w, abs(dx * cos - dy * sin) + margin)
            half_h = max(half_h, abs(dx * sin + dy * cos) + margin)
        out_w = max(w, w + 2 * math.ceil(half_w - w / 2))
        out_h = max(h, h + 2 * math.ceil(half_h - h / 2))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -skew_deg, 1.0)
    matrix[0, 2] += (out_w - w) / 2
    matrix[1, 2] += (out_h - h) / 2
    border = (255, 255, 255) if pixels.ndim == 3 else 255
    warped = cv2.warpAffine(pixels, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return np.asarray(warped, dtype=np.uint8)


def _degrade(pixels: Pixels, settings: ScanSettings, rng: np.random.Generator, dpi: int) -> Pixels:
    h, w = pixels.shape[:2]
    sigma = settings.blur_sigma * dpi / 300
    blurred = cv2.GaussianBlur(pixels, (0, 0), sigma)
    field = rng.random((3, 4), dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, 4, dtype=np.float32)[None, :] * rng.uniform(-1, 1)
    coarse = np.clip(field * 0.6 + ramp, 0.0, 1.0)
    smooth = np.asarray(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC), dtype=np.float32)
    gain: npt.NDArray[np.float32] = 1.0 - np.float32(settings.shading) * smooth
    grain = rng.standard_normal((h // 2 + 1, w // 2 + 1), dtype=np.float32) * np.float32(settings.noise_sigma)
    noise = np.asarray(cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)
    degraded: Pixels = np.empty_like(blurred)
    channels = [(blurred, degraded)] if blurred.ndim == 2 else [
        (blurred[..., c], degraded[..., c]) for c in range(blurred.shape[2])]
    for source, target in channels:
        # One channel at a time keeps a colour A4 page at 300 dpi within a few hundred megabytes.
        value = source.astype(np.float32)
        value *= gain
        value += noise
        np.clip(value, 0, 255, out=value)
        target[...] = value
    return degraded


def scan(image: Image.Image, settings: ScanSettings, rng: np.random.Generator, dpi: int) -> ScannedPage:
    """Scan a clean page image (mode L or RGB)."""
    pixels: Pixels = np.asarray(image, dtype=np.uint8)
    skewed = _skew(pixels, settings.skew_deg, dpi)
    degraded = _degrade(skewed, settings, rng, dpi)
    turned = np.ascontiguousarray(np.rot90(degraded, k=settings.orientation // 90))
    buffer = io.BytesIO()
    Image.fromarray(turned).save(buffer, "JPEG", quality=settings.jpeg_quality, dpi=(dpi, dpi))
    return ScannedPage(jpeg=buffer.getvalue(), width=turned.shape[1], height=turned.shape[0],
                       color=turned.ndim == 3, dpi=dpi)


def show_through(previous: Image.Image, paper: Image.Image, strength: float) -> Image.Image:
    """The back of a printed sheet: the front faintly visible, mirrored, on otherwise blank paper."""
    front = np.asarray(previous.convert(paper.mode), dtype=np.float32)
    mirrored = front[:, ::-1]
    base = np.asarray(paper, dtype=np.float32)
    out = base - (255.0 - mirrored) * strength
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
