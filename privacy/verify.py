"""Proof that a redacted PDF no longer reveals what was detected, before anyone may see it.

Each check looks for the detected values (folded: case, diacritics and spacing ignored; the whole value
and each of its words of four characters or more) somewhere a reader or a tool could find them:

- ``values_known``: every finding still carries its value (else nothing below could be proven);
- ``pdftotext``: the text poppler extracts;
- ``content_streams``: the strings shown by the pages' text operators, decoded as Latin-1 and UTF-16;
- ``objects``: every string and every decompressed non-image stream of the file;
- ``ocr_regions``: tesseract on crops of the page images the PDF embeds, each box grown by a margin;
- ``opaque_boxes``: every pixel inside each box is dark, in the redacted images and in the PDF's images;
- ``metadata``: no document info, XMP, annotations, forms, attachments, scripts or earlier revisions.

Details name counts and entity types, never a value. The caller raises RedactionVerificationError (the
document goes to review) when the report is not ``verified``.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import pikepdf
from numpy.typing import NDArray

from pipeline.models import BBox, PiiFinding, RedactionCheck, RedactionReport
from privacy.pdf_text import object_texts, shown_texts
from privacy.recognizers.lexicon import generic_words
from privacy.recognizers.ocr_text import fold
from privacy.tess import SPARSE, read_text
from stages.images import stack_crops

MIN_TOKEN = 4
"""Words of a value this long or longer are each searched for on their own."""
MIN_JOINED_SUBSTRING = 6
"""A value this long (letters and digits only) is searched for inside longer runs of text too."""
DARK_MAX = 40
"""A redacted pixel of the pipeline's own image is at most this bright."""
EMBEDDED_DARK_MAX = 96
"""The same pixel after the PDF's image compression (JPEG rings a little near edges)."""
EMBEDDED_INSET_PX = 2
OCR_MARGIN_PX = 12
"""Crops for OCR reach this far around each box: a box too small would show the value's edges."""
MOSAIC_GAP_PX = 24
PDFTOTEXT_TIMEOUT_S = 60

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_ALNUM_OR_SPACE = re.compile(r"[^a-z0-9\s]+")
_FORBIDDEN_ROOT = ("/AcroForm", "/OpenAction", "/AA", "/Metadata")
_FORBIDDEN_ANYWHERE = (
    "/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/Annots", "/Metadata", "/Thumb", "/AF",
)


# --------------------------------------------------------------------------------------- value search


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text))


@dataclass(frozen=True)
class _Needle:
    entity: str
    joined: str
    words: tuple[str, ...]


def _needles(findings: Sequence[PiiFinding]) -> list[_Needle]:
    vocabulary = generic_words()
    needles = []
    for finding in findings:
        words = tuple(
            w for w in (_alnum(chunk) for chunk in finding.value.split()) if len(w) >= MIN_TOKEN and w not in vocabulary
        )
        needles.append(_Needle(finding.entity_type, _alnum(finding.value), words))
    return needles


class _Haystack:
    """Texts searched as one, with the answer of searching each alone: a needle is letters and digits
    only, so no match runs across the line breaks between the texts, and a word is a word of one of them.
    A file's objects give thousands of texts and tens of thousands of words: each text is cleaned in one
    pass, and each needle searched once."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.words: set[str] = set()
        joined: list[str] = []
        for text in texts:
            # Each whitespace-separated chunk with all but its letters and digits taken out, in one pass
            # over the text (chunks left empty are dropped: no needle is empty).
            chunks = _NOT_ALNUM_OR_SPACE.sub("", fold(text)).split()
            self.words.update(chunks)
            joined.append("".join(chunks))
        self.joined = "\n".join(joined)

    def holds(self, needle: _Needle) -> bool:
        if len(needle.joined) >= MIN_JOINED_SUBSTRING and needle.joined in self.joined:
            return True
        if len(needle.joined) >= MIN_TOKEN and needle.joined in self.words:
            return True
        return any(w in self.words or (len(w) >= MIN_JOINED_SUBSTRING and w in self.joined) for w in needle.words)


def _leaks(texts: Sequence[str], needles: Sequence[_Needle]) -> Counter[str]:
    haystack = _Haystack([text for text in texts if text])
    return Counter(n.entity for n in needles if haystack.holds(n))


def _leak_check(name: str, texts: Sequence[str], needles: Sequence[_Needle], searched: str) -> RedactionCheck:
    leaks = _leaks(texts, needles)
    if leaks:
        found = ", ".join(f"{entity}: {count}" for entity, count in sorted(leaks.items()))
        detail = f"{sum(leaks.values())} values found in {searched} ({found})"
        return RedactionCheck(name=name, passed=False, detail=detail)
    return RedactionCheck(name=name, passed=True, detail=f"{len(needles)} values absent from {searched}")


# ------------------------------------------------------------------------------------------ PDF text


def _pdftotext(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory(prefix="sportel-verify-") as scratch:
        path = Path(scratch) / "redacted.pdf"
        path.write_bytes(pdf)
        completed = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=PDFTOTEXT_TIMEOUT_S, check=True
        )
    return completed.stdout.decode("utf-8", errors="replace")


def _check_pdftotext(pdf: bytes, needles: Sequence[_Needle]) -> RedactionCheck:
    try:
        text = _pdftotext(pdf)
    except (OSError, subprocess.SubprocessError):
        return RedactionCheck(name="pdftotext", passed=False, detail="pdftotext could not read the file")
    return _leak_check("pdftotext", [text], needles, "the extracted text")


def _check_content_streams(pdf: pikepdf.Pdf, needles: Sequence[_Needle]) -> RedactionCheck:
    try:
        texts = shown_texts(pdf)
    except pikepdf.PdfError:
        return RedactionCheck(name="content_streams", passed=False, detail="a content stream could not be parsed")
    return _leak_check("content_streams", texts, needles, f"text shown on {len(pdf.pages)} pages")


def _check_objects(pdf: pikepdf.Pdf, needles: Sequence[_Needle]) -> RedactionCheck:
    return _leak_check("objects", object_texts(pdf), needles, f"{len(pdf.objects)} objects")


def _check_metadata(pdf: pikepdf.Pdf, raw: bytes) -> RedactionCheck:
    problems: list[str] = []
    if "/Info" in pdf.trailer:
        problems.append("document info")
    if "/Prev" in pdf.trailer or raw.count(b"startxref") > 1:
        problems.append("earlier revisions")
    names = pdf.Root.get("/Names")
    if names is not None and ("/EmbeddedFiles" in names or "/JavaScript" in names):
        problems.append("attachments or scripts")
    problems.extend(key.lstrip("/") for key in _FORBIDDEN_ROOT if key in pdf.Root)
    found = Counter(
        key.lstrip("/") for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
        for key in _FORBIDDEN_ANYWHERE if key in obj
    )
    problems.extend(f"{key} x{count}" for key, count in sorted(found.items()))
    if problems:
        return RedactionCheck(name="metadata", passed=False, detail="present: " + ", ".join(sorted(set(problems))))
    return RedactionCheck(name="metadata", passed=True, detail="no metadata, annotations, forms, files or scripts")


# ----------------------------------------------------------------------------------------- the pixels


def _page_positions(
    findings: Sequence[PiiFinding], redacted: Sequence[NDArray[np.uint8]], page_indices: Sequence[int] | None
) -> dict[int, int] | None:
    """Position in the PDF of each finding's page (``page_index`` is the batch's numbering).

    Without ``page_indices``: a document is a contiguous run of batch pages, so its first index is an
    offset that puts every finding on the document. Of several such offsets, the one under which every
    box is black in the redacted images is taken, if only one is; otherwise nothing is assumed.
    """
    if page_indices is not None:
        return {index: position for position, index in enumerate(page_indices)}
    indices = {f.page_index for f in findings}
    if not indices:
        return {}
    low, high = min(indices), max(indices)
    offsets = list(range(max(0, high - len(redacted) + 1), low + 1))
    if len(offsets) > 1:
        offsets = [
            offset for offset in offsets
            if all(_is_dark(_gray(redacted[f.page_index - offset]), f.bbox, DARK_MAX) for f in findings)
        ]
    if len(offsets) != 1:
        return None
    return {offsets[0] + position: position for position in range(len(redacted))}


def _gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def _plain_jpeg(raw: pikepdf.Stream) -> bytes | None:
    """The JPEG file an image XObject holds, when its pixels are exactly that JPEG's (no decode array, no
    soft mask); ``None`` otherwise."""
    if raw.get("/Filter") == pikepdf.Name.DCTDecode and raw.get("/Decode") is None and raw.get("/SMask") is None:
        return bytes(raw.read_raw_bytes())
    return None


def _decoded(raw: pikepdf.Stream, jpeg: bytes | None) -> NDArray[np.uint8]:
    """An image XObject's pixels in grey. A plain JPEG (the pipeline's own pages) is decoded straight from
    its stream by OpenCV, several times faster than through PIL; anything else goes through pikepdf."""
    if jpeg is not None:
        pixels = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
        if pixels is not None:
            return np.asarray(pixels, dtype=np.uint8)
    return np.asarray(pikepdf.PdfImage(raw).as_pil_image().convert("L"), dtype=np.uint8)


@dataclass(frozen=True)
class _EmbeddedImage:
    pixels: NDArray[np.uint8]
    jpeg: bytes | None
    """The JPEG file the pixels were decoded from, when they are exactly its pixels."""


def _page_image(page: pikepdf.Page) -> _EmbeddedImage | None:
    """The largest image of a page, decoded, in grey."""
    best: _EmbeddedImage | None = None
    for _, raw in page.images.items():
        try:
            jpeg = _plain_jpeg(raw)
            pixels = _decoded(raw, jpeg)
        except (pikepdf.PdfError, NotImplementedError, ValueError, OSError):
            continue
        if best is None or pixels.size > best.pixels.size:
            best = _EmbeddedImage(pixels, jpeg)
    return best


@runtime_checkable
class EncodedImages(Protocol):
    """Page images that also give the JPEG file each was decoded from (:class:`privacy.redact.RedactedImages`)."""

    def encoded(self, index: int) -> bytes: ...


def _source_image(redacted: Sequence[NDArray[np.uint8]], position: int,
                  embedded: _EmbeddedImage | None) -> NDArray[np.uint8]:
    """The redacted image at ``position``. When the PDF embeds that image's own JPEG file byte for byte,
    the pixels already decoded from the PDF are the same pixels: a page is not decoded twice."""
    if (embedded is not None and embedded.jpeg is not None and isinstance(redacted, EncodedImages)
            and redacted.encoded(position) == embedded.jpeg):
        return embedded.pixels
    return _gray(redacted[position])


def _scaled(box: BBox, source: NDArray[np.uint8], target: NDArray[np.uint8]) -> BBox:
    fy, fx = target.shape[0] / source.shape[0], target.shape[1] / source.shape[1]
    return BBox(x0=int(box.x0 * fx), y0=int(box.y0 * fy), x1=int(np.ceil(box.x1 * fx)), y1=int(np.ceil(box.y1 * fy)))


def _is_dark(image: NDArray[np.uint8], box: BBox, limit: int, inset: int = 0) -> bool:
    height, width = image.shape[:2]
    x0, y0 = max(0, box.x0 + inset), max(0, box.y0 + inset)
    x1, y1 = min(width, box.x1 - inset), min(height, box.y1 - inset)
    if x1 <= x0 or y1 <= y0:
        return True
    return bool(image[y0:y1, x0:x1].max() <= limit)


def _opaque_check(light: Counter[str], missing_image: int, boxes: int) -> RedactionCheck:
    if light or missing_image:
        kinds = ", ".join(f"{entity}: {count}" for entity, count in sorted(light.items()))
        detail = f"{sum(light.values())} boxes not opaque ({kinds}); {missing_image} pages without an image"
        return RedactionCheck(name="opaque_boxes", passed=False, detail=detail)
    return RedactionCheck(name="opaque_boxes", passed=True, detail=f"{boxes} boxes opaque in images and PDF")


def _check_pixels(
    boxes: Sequence[PiiFinding], findings: Sequence[PiiFinding], positions: dict[int, int],
    redacted: Sequence[NDArray[np.uint8]], pdf: pikepdf.Pdf, needles: Sequence[_Needle], lang: str,
) -> list[RedactionCheck]:
    """``opaque_boxes`` for every box and ``ocr_regions`` for the boxes of ``findings``, page by page: one
    decoded page image of the PDF in memory at a time (a page is ~9 MB at 300 dpi; a long document's
    would otherwise all be held at once)."""
    by_position: dict[int, list[PiiFinding]] = {}
    for finding in boxes:
        by_position.setdefault(positions[finding.page_index], []).append(finding)
    to_read = {id(f) for f in findings}
    light: Counter[str] = Counter()
    missing_image = 0
    crops: list[NDArray[np.uint8]] = []
    for position, on_page in sorted(by_position.items()):
        embedded = _page_image(pdf.pages[position])
        source = _source_image(redacted, position, embedded)
        pdf_image = None if embedded is None else embedded.pixels
        for finding in on_page:
            if not _is_dark(source, finding.bbox, DARK_MAX):
                light[finding.entity_type] += 1
            elif pdf_image is None:
                missing_image += 1
            elif not _is_dark(pdf_image, _scaled(finding.bbox, source, pdf_image), EMBEDDED_DARK_MAX,
                              EMBEDDED_INSET_PX):
                light[finding.entity_type] += 1
            if id(finding) in to_read:
                crops.extend(_crop(finding.bbox, source, source if pdf_image is None else pdf_image))
        del source, pdf_image, embedded  # before the next page is decoded
    return [_opaque_check(light, missing_image, len(boxes)), _ocr_check(crops, needles, lang)]


def _crop(box: BBox, source: NDArray[np.uint8], image: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    """The region of ``box`` (in ``source``'s pixels) in ``image``, with a margin, copied."""
    crop = _scaled(box, source, image).grow(OCR_MARGIN_PX, image.shape[1], image.shape[0])
    if crop.width <= 0 or crop.height <= 0:
        return []
    return [image[crop.y0 : crop.y1, crop.x0 : crop.x1].copy()]


def _mosaic(crops: Sequence[NDArray[np.uint8]]) -> NDArray[np.uint8]:
    return stack_crops(crops, MOSAIC_GAP_PX)[0]


def _ocr_check(crops: Sequence[NDArray[np.uint8]], needles: Sequence[_Needle], lang: str) -> RedactionCheck:
    if not crops:
        return RedactionCheck(name="ocr_regions", passed=True, detail="no regions")
    # One OCR run over all regions stacked, in process: a tesseract start per box would cost more than the
    # rest. Sparse mode reads every scrap of text left, wherever it sits among the black boxes.
    text = read_text(_mosaic(crops), lang=lang, psm=SPARSE)
    return _leak_check("ocr_regions", [text], needles, f"OCR of {len(crops)} regions")


# ---------------------------------------------------------------------------------------------- main


def verify_redaction(
    pdf: bytes, findings: Sequence[PiiFinding], redacted_images: Sequence[NDArray[np.uint8]], *,
    lang: str = "sqi+eng", page_indices: Sequence[int] | None = None, opaque_only: Sequence[PiiFinding] = (),
) -> RedactionReport:
    """Run every check on a redacted PDF; ``verified`` only if all pass.

    ``page_indices`` gives the ``page_index`` of the page each of ``redacted_images`` shows (findings carry
    the batch's numbering). Pass it: without it, findings are placed on the document's pages by their
    extent and, where that is ambiguous, by where the black boxes are. ``opaque_only`` are boxes with no
    readable value (an officer's box over ink no OCR reads): they are proven by their pixels alone.
    """
    needles = _needles(findings)
    checks: list[RedactionCheck] = []
    unknown = sum(1 for f in findings if not f.value.strip())
    checks.append(RedactionCheck(
        name="values_known", passed=unknown == 0,
        detail=f"{unknown} of {len(findings)} findings without a value" if unknown else f"{len(findings)} values",
    ))
    checks.append(_check_pdftotext(pdf, needles))
    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError:
        checks.append(RedactionCheck(name="pdf_readable", passed=False, detail="pikepdf could not open the file"))
        return RedactionReport(verified=False, boxes=len(findings), checks=checks)
    with document:
        checks.append(_check_content_streams(document, needles))
        checks.append(_check_objects(document, needles))
        checks.append(_check_metadata(document, pdf))
        pages_match = len(document.pages) == len(redacted_images)
        boxes = [*findings, *opaque_only]
        positions = _page_positions(boxes, redacted_images, page_indices) if pages_match else None
        if positions is None or any(f.page_index not in positions for f in boxes):
            checks.append(RedactionCheck(
                name="pages", passed=False,
                detail=f"{len(redacted_images)} images for a PDF of {'as many' if pages_match else 'other'} "
                       "pages; findings could not be placed on them",
            ))
        else:
            checks.extend(_check_pixels(boxes, findings, positions, redacted_images, document, needles, lang))
    return RedactionReport(verified=all(c.passed for c in checks), boxes=len(boxes), checks=checks)
