"""Intake: one uploaded file (PDF, TIFF, PNG or JPEG) to 8-bit grayscale page images at one DPI.

The format is told by magic bytes, never by the file name. Scans carry their own resolution (image
metadata, or a PDF page's size against its image's pixels) and are resampled to the pipeline's DPI.
A page that cannot be read becomes a :class:`PageError` and the other pages still come out; a file
that cannot be read at all raises :class:`CorruptInputError`. File names and contents never reach an
error message (a file name may carry a citizen's name).

PDF rasterising, chosen by measurement (A4 pages at 300 dpi, grayscale, one process, 2-core machine;
median per page):

===========================================  ===============  ====================
method                                       scanned page     born-digital page
===========================================  ===============  ====================
pdf2image (poppler ``pdftoppm``)             193 ms           44 ms
pypdfium2 ``render(grayscale=True)``         103 ms           10 ms
pikepdf: the page's own JPEG, decoded        17 ms            (no image)
===========================================  ===============  ====================

so, for every page, in this order:

1. **Embedded JPEG, taken out with pikepdf**: when a page is nothing but one baseline JPEG drawn over
   the whole page (``q w 0 0 h x y cm /Im Do Q``: what scanners and scanning software write), its bytes
   are decoded directly and resampled from the scan's own resolution. No rendering, no quality loss.
2. **pypdfium2**: every other page is rendered in grayscale at the target DPI.
3. **pdf2image**: the fallback when PDFium cannot open the file or render a page; poppler repairs some
   damaged files PDFium rejects. The client named pdf2image; it is kept where it earns its place, off
   the hot path.

Born-digital pages: a page whose text PDFium can read, drawn visibly (not the invisible text of an
OCR layer), with no image covering most of the page, gets its words (boxes in page pixels at the
target DPI) as ``text_layer`` so the pipeline can skip OCR for it. Mixed PDFs are decided per page.
Reading a born-digital page with its words costs about 34 ms; a scanned-PDF page about 18 ms.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from pipeline.errors import CorruptInputError, InputError, PageTooLargeError, UnsupportedFormatError
from pipeline.models import BBox, InputFileInfo, InputKind, PageError, PageOcr, Word
from stages.images import coloured_ink, decode_gray, is_jpeg, resample, rotate_clockwise, to_gray

log = logging.getLogger(__name__)

_POINTS_PER_INCH = 72.0
_A4_LONG_SIDE_IN = 11.69
_PLAUSIBLE_LONG_SIDE_IN = (2.0, 20.0)
"""A page's long side in inches, from an ID card to an A3 sheet with room to spare."""
_IMAGE_COVER_SHARE = 0.5
"""An image over this share of the page makes it a scan: its text (if any) is not trusted as the page's."""
_BAD_CHAR_SHARE = 0.1
_MAX_PAGE_PIXELS = 100_000_000
"""The most pixels a page may have at the pipeline's resolution: A1 (594 x 841 mm) at 300 dpi is 70 million,
A0 139 million. A page is held whole in a worker (gray, a byte a pixel), and OCR and redaction copy it a few
times; past this a single page would take a worker over its memory, and a worker killed for it would take
the page's message back and be killed again."""

_PDFIUM = threading.Lock()
"""PDFium is not thread-safe, not even across documents, and workers may run stages in threads."""


@dataclass(frozen=True)
class RasterPage:
    image: NDArray[np.uint8]
    """8-bit grayscale, height x width, at ``dpi``."""
    dpi: int
    source_index: int
    text_layer: PageOcr | None = None
    """The page's own words when the PDF page is born-digital (boxes in ``image`` pixels)."""
    encoded: bytes | None = None
    """``image`` already encoded, when it is a scanner's own grayscale JPEG that needed no resampling or
    turning: the pipeline stores these bytes instead of encoding the pixels again."""
    colour_ink: NDArray[np.uint8] | None = None
    """Where a colour scan's page has coloured ink (a stamp's, a pen's): a mask (255 there, 0 elsewhere,
    :func:`stages.images.coloured_ink`) turned as ``image`` was, in its proportions but at a size of its
    own (half the scan's); ``None`` for a gray page, or a colour scan without coloured ink.

    The pipeline keeps pages in gray, where a violet stamp pressed over a signatory's name can be as dark
    as the print under it; the OCR tells them apart by this (:func:`stages.ocr.stamp_reading`). It is
    made while the scan's colour pixels are at hand: for a colour JPEG (in a PDF or on its own) at half
    size as libjpeg decodes it, for a colour PNG or TIFF frame from its pixels. A PDF page that has to be
    rendered (vector content, other image codecs) is rendered in gray and has none."""


@dataclass(frozen=True)
class IntakeResult:
    info: InputFileInfo
    pages: list[RasterPage]
    errors: list[PageError]


# --------------------------------------------------------------------------------------- detection


def detect_kind(data: bytes) -> InputKind:
    """The input's format from its first bytes."""
    head = data[:1024]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if is_jpeg(head):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"%PDF-" in head:  # some producers put junk before the header; readers accept it within 1 KiB
        return "pdf"
    raise UnsupportedFormatError("unsupported input format: not a PDF, TIFF, PNG or JPEG file")


def plausible_dpi(width: int, height: int, declared: float | None) -> float:
    """The declared resolution when it gives a page of believable size, else the one that makes the long
    side an A4 page's (phones and some scanners write 72 or 96 dpi, or nothing, whatever the scan)."""
    long_side = max(width, height)
    if declared and declared > 0:
        inches = long_side / declared
        if _PLAUSIBLE_LONG_SIDE_IN[0] <= inches <= _PLAUSIBLE_LONG_SIDE_IN[1]:
            return float(declared)
    return long_side / _A4_LONG_SIDE_IN


def _check_page_size(width_px: float, height_px: float) -> None:
    """Refuse a page larger than :data:`_MAX_PAGE_PIXELS` before any of its pixels are made."""
    if width_px * height_px > _MAX_PAGE_PIXELS:
        raise PageTooLargeError(
            f"the page would be {width_px:.0f} x {height_px:.0f} pixels, over the limit of "
            f"{_MAX_PAGE_PIXELS // 1_000_000} million a page (A1 at 300 dpi fits)"
        )


def _page_error(sha: str, index: int, exc: BaseException) -> PageError:
    code = exc.code if isinstance(exc, InputError) else CorruptInputError.code
    reason = str(exc) if isinstance(exc, InputError) else f"page cannot be read ({type(exc).__name__})"
    return PageError(source_sha256=sha, source_index=index, code=code, message=reason)


# ------------------------------------------------------------------------------------------- images


def _pil_dpi(info: dict[Any, Any]) -> float | None:
    dpi = info.get("dpi")
    if isinstance(dpi, tuple) and dpi and dpi[0]:
        return float(dpi[0])
    return None


def _pil_gray(image: Any) -> NDArray[np.uint8]:
    """An 8-bit gray array from a PIL image of any mode (palette, bilevel, 16-bit, with alpha...)."""
    if image.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "PA" else "RGB")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        peak = float(array.max()) if array.size else 0.0
        scale = 255.0 / 65535.0 if peak > 255 else 1.0
        return np.clip(array * scale, 0, 255).astype(np.uint8)
    return to_gray(np.asarray(image))


def _check_raster_size(size: tuple[int, int], stated_dpi: float | None, dpi: int) -> None:
    """Refuse an image too large to decode, or to scale to ``dpi``, before decoding it."""
    width, height = size
    _check_page_size(width, height)
    scale = dpi / plausible_dpi(width, height, stated_dpi)
    _check_page_size(width * scale, height * scale)


def _iter_raster(data: bytes, kind: InputKind, dpi: int, sha: str) -> Iterator[RasterPage | PageError]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    # PIL's own guard stays as a backstop; each frame's size is checked against ours before decoding.
    Image.MAX_IMAGE_PIXELS = 2 * _MAX_PAGE_PIXELS
    try:
        opened = Image.open(io.BytesIO(data))
        frames = getattr(opened, "n_frames", 1) if kind == "tiff" else 1
    except Image.DecompressionBombError as exc:
        raise PageTooLargeError(f"the {kind} image is over {_MAX_PAGE_PIXELS // 1_000_000} million pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise CorruptInputError(f"{kind} file cannot be read") from exc
    if kind == "jpeg":
        _check_raster_size(opened.size, _pil_dpi(opened.info), dpi)
        # libjpeg-turbo through OpenCV decodes straight to gray, twice as fast as PIL; PIL only reads
        # the header for the resolution and the EXIF orientation (phones set it; scanners do not).
        try:
            gray = decode_gray(data)
        except CorruptInputError as exc:
            raise CorruptInputError("jpeg file cannot be decoded") from exc
        turn = {3: 180, 6: 90, 8: 270}.get(int(opened.getexif().get(0x0112, 1)), 0)
        gray = rotate_clockwise(gray, turn)
        source = plausible_dpi(gray.shape[1], gray.shape[0], _pil_dpi(opened.info))
        mask = _aid(lambda: _jpeg_colour_ink(data)) if opened.mode == "RGB" else None
        yield RasterPage(resample(gray, source, dpi), dpi, 0,
                         colour_ink=None if mask is None else rotate_clockwise(mask, turn))
        return
    for index in range(frames):
        try:
            opened.seek(index)
            _check_raster_size(opened.size, _pil_dpi(opened.info), dpi)
            frame = ImageOps.exif_transpose(opened) if kind == "png" else opened
            gray = _pil_gray(frame)
            source = plausible_dpi(gray.shape[1], gray.shape[0], _pil_dpi(opened.info))
            mask = _aid(functools.partial(_frame_colour_ink, frame))
            page = RasterPage(resample(gray, source, dpi), dpi, index, colour_ink=mask)
        except Exception as exc:  # one broken frame must not sink the file
            log.warning("%s frame %d unreadable: %s", kind, index, type(exc).__name__)
            yield _page_error(sha, index, exc)
            continue
        yield page


# ---------------------------------------------------------------------------------------------- PDF


@dataclass(frozen=True)
class _PageJpeg:
    data: bytes
    width_pt: float
    height_pt: float
    rotate: int
    gray: bool


def _single_jpeg(pdf: Any, index: int) -> _PageJpeg | None:
    """The page's JPEG when page ``index`` is nothing but one full-page JPEG."""
    import pikepdf

    page = pdf.pages[index]
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is None or len(xobjects.keys()) != 1:
        return None
    name = next(iter(xobjects.keys()))
    image = xobjects[name]
    if image.get("/Subtype") != "/Image" or image.get("/BitsPerComponent") != 8:
        return None
    filters = image.get("/Filter")
    filter_names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
    if filter_names != ["/DCTDecode"] or any(k in image for k in ("/Decode", "/SMask", "/Mask", "/ImageMask")):
        return None
    colour = image.get("/ColorSpace")
    if colour not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
        return None
    instructions = pikepdf.parse_content_stream(page)
    if sorted(str(i.operator) for i in instructions) != ["Do", "Q", "cm", "q"]:
        return None
    matrix = next(i.operands for i in instructions if str(i.operator) == "cm")
    a, b, c, d, e, f = (float(v) for v in matrix)
    left, bottom, right, top = (float(v) for v in page.mediabox)
    width, height = right - left, top - bottom
    fills = (abs(b) < 1e-6 and abs(c) < 1e-6 and abs(a - width) < 1.0 and abs(d - height) < 1.0
             and abs(e - left) < 1.0 and abs(f - bottom) < 1.0)
    if not fills:
        return None
    return _PageJpeg(bytes(image.read_raw_bytes()), width, height, int(page.obj.get("/Rotate", 0)) % 360,
                     gray=colour == pikepdf.Name.DeviceGray)


def _jpeg_page(found: _PageJpeg, dpi: int, index: int) -> RasterPage:
    _check_page_size(found.width_pt / _POINTS_PER_INCH * dpi, found.height_pt / _POINTS_PER_INCH * dpi)
    try:
        gray = decode_gray(found.data)
    except CorruptInputError as exc:
        # The page is nothing but this image: if it does not decode, the page has no content left.
        raise CorruptInputError("the page's scanned image is damaged") from exc
    source_dpi = gray.shape[1] / (found.width_pt / _POINTS_PER_INCH)
    image = resample(rotate_clockwise(gray, found.rotate), source_dpi, dpi)
    as_is = found.gray and image is gray
    mask = None if found.gray else _aid(lambda: _jpeg_colour_ink(found.data))
    return RasterPage(image, dpi, index, encoded=found.data if as_is else None,
                      colour_ink=None if mask is None else rotate_clockwise(mask, found.rotate))


def _is_bad_char(char: str) -> bool:
    category = unicodedata.category(char)
    return char == "\ufffd" or category in ("Co", "Cn", "Cc", "Cs")


def _text_layer(page: Any, bitmap: Any, index: int, dpi: int, height: int, width: int,
                lang: str) -> PageOcr | None:
    """The words of a born-digital page in bitmap pixels, or ``None`` when the page has no real text."""
    import pypdfium2.raw as pdfium_c

    page_area = float(page.get_width() * page.get_height())
    visible_text = False
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE)):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            if (right - left) * (top - bottom) > _IMAGE_COVER_SHARE * page_area:
                return None
        elif pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) not in (
            pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP,
        ):
            visible_text = True
    if not visible_text:
        return None
    textpage = page.get_textpage()
    try:
        words = _words(textpage, bitmap.get_posconv(page), width, height)
    finally:
        textpage.close()
    if words is None or not words:
        return None
    return PageOcr(page_index=index, width=width, height=height, dpi=dpi, lang=lang, words=words,
                   mean_confidence=100.0, source="text_layer")


def _words(textpage: Any, posconv: Any, width: int, height: int) -> list[Word] | None:
    import pypdfium2.raw as pdfium_c

    count = textpage.count_chars()
    words: list[Word] = []
    chars: list[str] = []
    box: list[float] | None = None
    line = 0
    bad = total = 0

    def flush() -> None:
        nonlocal box
        if chars and box is not None:
            corners = [posconv.to_bitmap(box[0], box[1]), posconv.to_bitmap(box[2], box[3])]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            bbox = BBox(x0=max(0, min(xs)), y0=max(0, min(ys)), x1=min(width, max(xs) + 1),
                        y1=min(height, max(ys) + 1))
            if bbox.x1 > bbox.x0 and bbox.y1 > bbox.y0:
                words.append(Word(text="".join(chars), bbox=bbox, conf=100.0, block=0, line=line))
        chars.clear()
        box = None

    for i in range(count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        char = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if char in ("\r", "\n"):
            flush()
            if words and words[-1].line == line:
                line += 1
            continue
        if char.isspace() or code in (0x02, 0xFFFE):  # 0x02/0xFFFE: pdfium's soft hyphen at a break
            flush()
            continue
        total += 1
        if _is_bad_char(char) or pdfium_c.FPDFText_HasUnicodeMapError(textpage, i):
            bad += 1
        left, bottom, right, top = textpage.get_charbox(i)
        box = [left, bottom, right, top] if box is None else [
            min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        chars.append(char)
    flush()
    if total == 0 or bad > _BAD_CHAR_SHARE * total:
        return None  # fonts without a usable Unicode map: the "text" is glyph ids, OCR reads better
    return words


def _render_pdfium(page: Any, dpi: int) -> tuple[NDArray[np.uint8], Any]:
    bitmap = page.render(scale=dpi / _POINTS_PER_INCH, grayscale=True, draw_annots=True)
    return np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True), bitmap


def _render_poppler(data: bytes, index: int, dpi: int) -> NDArray[np.uint8]:
    from pdf2image import convert_from_bytes

    images = convert_from_bytes(data, dpi=dpi, first_page=index + 1, last_page=index + 1, grayscale=True)
    if not images:
        raise CorruptInputError("the page cannot be rendered")
    return _pil_gray(images[0])


def _poppler_page_count(data: bytes) -> int:
    from pdf2image import pdfinfo_from_bytes
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

    try:
        return int(pdfinfo_from_bytes(data)["Pages"])
    except (PDFPageCountError, PDFSyntaxError, PDFInfoNotInstalledError, KeyError, ValueError) as exc:
        raise CorruptInputError("PDF file cannot be read") from exc


def _open_pikepdf(data: bytes) -> Any:
    import pikepdf

    try:
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError:
        return None  # only the fast path needs it; PDFium and poppler decide whether the file is readable


def _iter_pdf(data: bytes, dpi: int, sha: str, lang: str) -> Iterator[RasterPage | PageError]:
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise UnsupportedFormatError("encrypted PDF: a password is needed to read it") from exc
            document = None
        if document is None:
            yield from _iter_poppler(data, dpi, sha)
            return
        pikedoc = _open_pikepdf(data)
        try:
            for index in range(len(document)):
                try:
                    page = _pdf_page(document, pikedoc, data, index, dpi, lang)
                except Exception as exc:  # one broken page must not sink the file
                    log.warning("PDF page %d unreadable: %s", index, type(exc).__name__)
                    yield _page_error(sha, index, exc)
                    continue
                yield page
        finally:
            document.close()
            if pikedoc is not None:
                pikedoc.close()


def _pdf_page(document: Any, pikedoc: Any, data: bytes, index: int, dpi: int, lang: str) -> RasterPage:
    import pikepdf
    import pypdfium2 as pdfium

    found = None
    if pikedoc is not None:
        try:
            found = _single_jpeg(pikedoc, index)
        except (pikepdf.PdfError, ValueError, TypeError, StopIteration):
            found = None
    if found is not None:
        return _jpeg_page(found, dpi, index)
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return RasterPage(_render_poppler(data, index, dpi), dpi, index)
    try:
        width_pt, height_pt = page.get_size()
        if not (math.isfinite(width_pt) and math.isfinite(height_pt)) or width_pt < 1 or height_pt < 1:
            raise CorruptInputError("the page has no usable size")
        _check_page_size(width_pt / _POINTS_PER_INCH * dpi, height_pt / _POINTS_PER_INCH * dpi)
        try:
            image, bitmap = _render_pdfium(page, dpi)
        except pdfium.PdfiumError:
            return RasterPage(_render_poppler(data, index, dpi), dpi, index)
        text_layer = _text_layer(page, bitmap, index, dpi, image.shape[0], image.shape[1], lang)
        return RasterPage(image, dpi, index, text_layer)
    finally:
        page.close()


def _iter_poppler(data: bytes, dpi: int, sha: str) -> Iterator[RasterPage | PageError]:
    for index in range(_poppler_page_count(data)):
        try:
            page = RasterPage(_render_poppler(data, index, dpi), dpi, index)
        except Exception as exc:  # one broken page must not sink the file
            yield _page_error(sha, index, exc)
            continue
        yield page


# ------------------------------------------------------------------------------------------- public


def iter_input(data: bytes, *, dpi: int = 300, lang: str = "sqi+eng") -> Iterator[RasterPage | PageError]:
    """The pages of one input file one at a time, as grayscale images at ``dpi``, or the error of each
    page that cannot be read; a 200-page batch never sits in memory whole.

    Raises :class:`CorruptInputError` when the file cannot be read at all (and, at the end, when not one
    of its pages could be). ``lang`` is recorded on born-digital text layers: the languages the page would
    have been read with, so that a later re-read of a region (redaction checks) uses them.
    """
    if not data:
        raise CorruptInputError("the file is empty")
    kind = detect_kind(data)
    sha = hashlib.sha256(data).hexdigest()
    pages = _iter_pdf(data, dpi, sha, lang) if kind == "pdf" else _iter_raster(data, kind, dpi, sha)
    readable = 0
    codes: set[str] = set()
    for item in pages:
        if isinstance(item, RasterPage):
            readable += 1
        else:
            codes.add(item.code)
        yield item
    if not readable:
        why = f" ({', '.join(sorted(codes))})" if codes else ""
        raise CorruptInputError(f"no page of the {kind} file can be read{why}")


def _aid(make: Callable[[], NDArray[np.uint8] | None]) -> NDArray[np.uint8] | None:
    """A page's coloured-ink mask, or ``None`` when making it fails: the mask helps read stamped lines,
    and the page, already read in gray, must not fail for want of it."""
    try:
        return make()
    except Exception as exc:  # an aid to reading, never a reason for the page to fail
        log.warning("page colour mask not made (%s); its stamps are told apart by grey", type(exc).__name__)
        return None


def _frame_colour_ink(frame: Any) -> NDArray[np.uint8] | None:
    """A colour PNG or TIFF frame's coloured-ink mask, at half its size as a JPEG's is."""
    if frame.mode not in ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
        return None
    mask = _any_ink(coloured_ink(np.asarray(frame.convert("RGB"))))
    if mask is None:
        return None
    height, width = mask.shape
    return np.asarray(cv2.resize(mask, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_NEAREST),
                      dtype=np.uint8)


def _jpeg_colour_ink(data: bytes) -> NDArray[np.uint8] | None:
    """A colour JPEG's coloured-ink mask at half its size: libjpeg scales while it decodes, so the colour
    pixels take a quarter of the memory (6.5 MB for an A4 page at 300 dpi, not 26) and about half the
    time of a full decode. The mask is found in the half-size pixels alone (lightest against darkest
    channel of the same pixel; against the full-size gray, whose print edges are sharper, the edges read
    as colour). ``None`` when it cannot be decoded: the page still has its gray."""
    half = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_REDUCED_COLOR_2 | cv2.IMREAD_IGNORE_ORIENTATION)
    return _any_ink(coloured_ink(half) if half is not None else None)


def _any_ink(mask: NDArray[np.uint8] | None) -> NDArray[np.uint8] | None:
    """``mask``, or ``None`` when it marks nothing: a black-and-white page scanned in colour."""
    return mask if mask is not None and cv2.countNonZero(mask) > 0 else None


def read_input(data: bytes, filename: str, *, dpi: int = 300, lang: str = "sqi+eng") -> IntakeResult:
    """Every page of one input file as a grayscale image at ``dpi``, with per-page errors (all at once:
    :func:`iter_input` gives them one at a time)."""
    pages: list[RasterPage] = []
    errors: list[PageError] = []
    for item in iter_input(data, dpi=dpi, lang=lang):
        if isinstance(item, RasterPage):
            pages.append(item)
        else:
            errors.append(item)
    info = InputFileInfo(filename=filename, sha256=hashlib.sha256(data).hexdigest(), kind=detect_kind(data),
                         page_count=len(pages) + len(errors), size_bytes=len(data))
    return IntakeResult(info=info, pages=pages, errors=errors)
