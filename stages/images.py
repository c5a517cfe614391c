"""Small helpers on 8-bit grayscale page images: encoding, colour reduction, resampling, rotation.

OpenCV does the pixel work: it is several times faster than PIL for these operations on A4 pages at
300 dpi (a rotation in about 19 ms).

Page images between steps (:func:`encode_page`) are JPEG, not PNG. A scan's grain makes lossless
codecs slow and big; measured on a generated scanned A4 page at 300 dpi (2-core machine under load,
so read the ratios):

===========================  ========  ========  =======
codec                        encode    decode    size
===========================  ========  ========  =======
PNG, level 1                 384 ms    231 ms    4.0 MB
PNG, level 1, RLE strategy   399 ms    192 ms    3.4 MB
TIFF LZW                     281 ms    135 ms    4.4 MB
zlib level 1 on raw pixels   334 ms    106 ms    4.4 MB
JPEG quality 92              ~35 ms    ~45 ms    ~1.5 MB
===========================  ========  ========  =======

Nothing is lost that matters: the citizen's file is kept byte for byte as the input blob, OCR reads the
corrected pixels in memory before they are encoded, and a scanner's own JPEG is kept as it came
(:mod:`stages.intake`) instead of being decoded and encoded again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.errors import CorruptInputError

WHITE = 255

_RESAMPLE_TOLERANCE = 0.02
"""Relative DPI difference below which an image is kept as it is: resampling by 1-2% only blurs it."""


PAGE_JPEG_QUALITY = 92
"""High enough that re-reading a redacted region or rendering a page shows no visible artefacts; the
searchable PDF embeds these bytes as they are."""


def encode_page(image: NDArray[np.uint8]) -> bytes:
    """The working copy of a page image as it travels between steps: grayscale JPEG."""
    return encode_jpeg(image, quality=PAGE_JPEG_QUALITY)


def decode_page(data: bytes) -> NDArray[np.uint8]:
    """The inverse of :func:`encode_page` (any format :func:`decode_gray` reads)."""
    return decode_gray(data)


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def encode_jpeg(image: NDArray[np.uint8], *, quality: int = 85) -> bytes:
    """Baseline JPEG bytes of a grayscale image."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise CorruptInputError("page image could not be encoded as JPEG")
    return bytes(buf)


def decode_gray(data: bytes) -> NDArray[np.uint8]:
    """An 8-bit grayscale image from PNG/JPEG/TIFF/BMP bytes (EXIF orientation is not applied)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None:
        raise CorruptInputError("image data cannot be decoded")
    return np.asarray(image, dtype=np.uint8)


def _eight_bit(array: NDArray[np.generic]) -> NDArray[np.uint8]:
    """A decoded pixel array in 8 bits a channel: 16-bit scaled down, anything else clipped."""
    if array.dtype == np.uint16:
        return (array.astype(np.uint16) // 256).astype(np.uint8)
    if array.dtype != np.uint8:
        return np.clip(array, 0, 255).astype(np.uint8)
    return np.asarray(array, dtype=np.uint8)


def to_gray(array: NDArray[np.generic]) -> NDArray[np.uint8]:
    """Reduce a decoded pixel array (gray, gray+alpha, RGB, RGBA, 16-bit or bool) to 8-bit gray.

    Transparent pixels become white, as on paper.
    """
    if array.dtype == np.bool_:
        return np.where(array, np.uint8(WHITE), np.uint8(0)).astype(np.uint8)
    array = _eight_bit(array)
    if array.ndim == 2:
        return np.ascontiguousarray(array, dtype=np.uint8)
    channels = array.shape[2]
    if channels == 1:
        return np.ascontiguousarray(array[:, :, 0], dtype=np.uint8)
    if channels == 2:
        gray, alpha = array[:, :, 0].astype(np.uint16), array[:, :, 1].astype(np.uint16)
        return ((gray * alpha + WHITE * (255 - alpha)) // 255).astype(np.uint8)
    if channels == 4:
        rgb = cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGBA2RGB)
        alpha = array[:, :, 3].astype(np.uint16)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.uint16)
        return ((gray * alpha + WHITE * (255 - alpha)) // 255).astype(np.uint8)
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2GRAY), dtype=np.uint8)


COLOURED_SPREAD = 48
"""How far apart (grey levels) a pixel's lightest and darkest channels must be for its ink to count as
coloured. Print and paper are near neutral (a scan's colour noise, a cream paper's tint and a JPEG's
colour fringes at print edges stay well under this); violet, blue and red inks are 90 levels and more
apart, however dark."""


def coloured_ink(array: NDArray[np.generic]) -> NDArray[np.uint8] | None:
    """255 where a colour image's ink is coloured (a stamp's, a pen's), 0 elsewhere; ``None`` for an image
    without colour channels (a gray or bilevel scan has no colour to tell inks by).

    What a scanner's colour dropout does for forms, done in software, and only as a mask: print is dark
    in every channel, a violet stamp or a blue pen is light in at least one, while its grey (luma) may
    be as dark as print. Channel order does not matter (lightest minus darkest)."""
    if array.ndim != 3 or array.shape[2] < 3:
        return None
    array = _eight_bit(array)
    # OpenCV on the split channels: 5 ms for a half-size A4 page, where a row reduction (cv2.reduce) took
    # 46 and numpy's max over the last axis several times that.
    first, second, third = cv2.split(np.ascontiguousarray(array[:, :, :3]))
    spread = cv2.subtract(cv2.max(cv2.max(first, second), third), cv2.min(cv2.min(first, second), third))
    _, mask = cv2.threshold(spread, COLOURED_SPREAD - 1, 255, cv2.THRESH_BINARY)
    return np.ascontiguousarray(mask, dtype=np.uint8)


def encode_mask(mask: NDArray[np.uint8]) -> bytes:
    """A two-valued mask as a one-bit PNG: a page's coloured ink takes tens of kilobytes."""
    ok, buf = cv2.imencode(".png", mask, [cv2.IMWRITE_PNG_BILEVEL, 1])
    if not ok:
        raise CorruptInputError("mask could not be encoded as PNG")
    return bytes(buf)


def decode_mask(data: bytes) -> NDArray[np.uint8]:
    """The inverse of :func:`encode_mask`: 255 where the mask is set, 0 elsewhere."""
    return np.where(decode_gray(data) > 127, np.uint8(255), np.uint8(0))


def fit_mask(mask: NDArray[np.uint8], shape: tuple[int, ...]) -> NDArray[np.uint8]:
    """``mask`` (of the same page at another size) laid on an image of ``shape``: nearest neighbour, so
    it stays two-valued."""
    height, width = shape[:2]
    if mask.shape[:2] == (height, width):
        return mask
    return np.asarray(cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST), dtype=np.uint8)


def resample(image: NDArray[np.uint8], source_dpi: float, target_dpi: float) -> NDArray[np.uint8]:
    """``image`` scanned at ``source_dpi`` redrawn at ``target_dpi`` (area-averaged down, cubic up)."""
    scale = target_dpi / source_dpi
    if abs(scale - 1.0) < _RESAMPLE_TOLERANCE:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(image, size, interpolation=interpolation), dtype=np.uint8)


def downscale(image: NDArray[np.uint8], factor: float) -> NDArray[np.uint8]:
    """``image`` shrunk by ``factor`` (< 1) with area averaging; OpenCV has a fast path for 1/2, 1/3..."""
    if factor >= 1.0:
        return image
    return np.asarray(cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA),
                      dtype=np.uint8)


_QUARTER_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def darkest_half(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Half the size, each pixel the darkest of the 2x2 it replaces: a one-pixel rule or stroke survives,
    where averaging would wash it out. Ink-mask work (rules, leftover ink) costs a quarter at this size."""
    eroded = cv2.erode(gray, np.ones((2, 2), np.uint8), anchor=(0, 0))
    return np.ascontiguousarray(eroded[::2, ::2])


def rotate_clockwise(image: NDArray[np.uint8], degrees: int) -> NDArray[np.uint8]:
    """``image`` turned clockwise by a multiple of 90 degrees, exactly (no interpolation)."""
    turn = degrees % 360
    if turn == 0:
        return image
    return np.asarray(cv2.rotate(image, _QUARTER_TURNS[turn]), dtype=np.uint8)


def rotate_expand(image: NDArray[np.uint8], ccw_degrees: float, *, fill: int = WHITE) -> NDArray[np.uint8]:
    """``image`` rotated counter-clockwise by ``ccw_degrees`` on a canvas grown to keep every pixel.

    Uncovered corners get ``fill``. Multiples of 90 degrees take the exact path.
    """
    quarter = ccw_degrees / 90.0
    if abs(quarter - round(quarter)) < 1e-9:
        return rotate_clockwise(image, (-round(quarter) * 90) % 360)
    height, width = image.shape[:2]
    matrix, new_width, new_height = expand_matrix(width, height, ccw_degrees)
    rotated = cv2.warpAffine(image, matrix, (new_width, new_height), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return np.asarray(rotated, dtype=np.uint8)


def expand_matrix(width: int, height: int, ccw_degrees: float) -> tuple[NDArray[np.float64], int, int]:
    """The affine matrix of :func:`rotate_expand` and the grown canvas's width and height."""
    radians = math.radians(ccw_degrees)
    cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
    new_width = math.ceil(width * cos + height * sin - 1e-6)
    new_height = math.ceil(width * sin + height * cos - 1e-6)
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), ccw_degrees, 1.0)
    matrix[0, 2] += (new_width - width) / 2.0
    matrix[1, 2] += (new_height - height) / 2.0
    return np.asarray(matrix, dtype=np.float64), new_width, new_height


def rotated_region(image: NDArray[np.uint8], ccw_degrees: float, region: tuple[int, int, int, int], *,
                   fill: int = WHITE) -> NDArray[np.uint8]:
    """The ``(x0, y0, x1, y1)`` region of ``rotate_expand(image, ccw_degrees)``, computed for that region
    alone: a strip of a page costs a fraction of rotating the whole page."""
    height, width = image.shape[:2]
    matrix, _, _ = expand_matrix(width, height, ccw_degrees)
    x0, y0, x1, y1 = region
    matrix[0, 2] -= x0
    matrix[1, 2] -= y0
    out = cv2.warpAffine(image, matrix, (max(1, x1 - x0), max(1, y1 - y0)), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return np.asarray(out, dtype=np.uint8)


def stack_crops(crops: Sequence[NDArray[np.generic]], gap: int) -> tuple[NDArray[np.uint8], list[int]]:
    """``crops`` one under another on white, ``gap`` pixels apart and from the edges, left-aligned at
    ``gap``: one OCR read of many small regions instead of a read each. Returns the canvas and each
    crop's top in it."""
    width = max(c.shape[1] for c in crops) + 2 * gap
    height = sum(c.shape[0] + gap for c in crops) + gap
    canvas = np.full((height, width), WHITE, dtype=np.uint8)
    tops = []
    y = gap
    for crop in crops:
        canvas[y : y + crop.shape[0], gap : gap + crop.shape[1]] = crop
        tops.append(y)
        y += crop.shape[0] + gap
    return canvas, tops
