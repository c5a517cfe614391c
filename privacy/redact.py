"""Redaction: opaque boxes burned into the page pixels, the covered words dropped from the text layer, and
a fresh PDF with nothing else that could carry the values (metadata, annotations, forms, attachments,
scripts, earlier revisions)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pikepdf
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.models import BBox, PageOcr, PiiFinding, Word

REDACTION_FILL = 0
"""Black: the box is opaque in every channel."""
WORD_OVERLAP = 0.10
"""A word a redaction box covers this share of, or more, leaves the text layer."""

_ROOT_KEYS = (
    "/Metadata", "/AcroForm", "/Names", "/OpenAction", "/AA", "/Outlines", "/StructTreeRoot", "/MarkInfo",
    "/PieceInfo", "/Threads", "/SpiderInfo", "/Perms", "/Legal", "/Collection", "/URI", "/Dests",
)
_PAGE_KEYS = ("/Annots", "/Thumb", "/Metadata", "/PieceInfo", "/AA", "/B", "/StructParents")
_ANY_KEYS = (
    "/Metadata", "/PieceInfo", "/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/Thumb", "/AF",
)
"""Anywhere: /AF is PDF 2.0's list of associated (embedded) files, on the catalog, a page or an object."""


def _check_image(image: NDArray[np.uint8]) -> None:
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise InputError("redaction expects an 8-bit grayscale or colour image")


def redact_image(
    image: NDArray[np.uint8], findings: Sequence[PiiFinding], *, margin_px: int = 4
) -> NDArray[np.uint8]:
    """A copy of ``image`` with each finding's box, grown by ``margin_px``, filled black."""
    _check_image(image)
    redacted = image.copy()
    height, width = image.shape[:2]
    for finding in findings:
        box = finding.bbox.grow(margin_px, width, height)
        if box.x1 > box.x0 and box.y1 > box.y0:
            redacted[box.y0 : box.y1, box.x0 : box.x1] = REDACTION_FILL
    return redacted


def _overlap(word: BBox, box: BBox) -> float:
    inter_w = min(word.x1, box.x1) - max(word.x0, box.x0)
    inter_h = min(word.y1, box.y1) - max(word.y0, box.y0)
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    return inter_w * inter_h / max(1, word.width * word.height)


def redact_page_ocr(page: PageOcr, findings: Sequence[PiiFinding]) -> PageOcr:
    """``page`` without the words the findings' boxes cover: the text layer must not hold them."""
    boxes = [f.bbox for f in findings]
    kept: list[Word] = [w for w in page.words if all(_overlap(w.bbox, box) < WORD_OVERLAP for box in boxes)]
    mean = round(sum(w.conf for w in kept) / len(kept), 2) if kept else 0.0
    return page.model_copy(update={"words": kept, "mean_confidence": mean})


def _strip_keys(obj: pikepdf.Object, keys: Sequence[str]) -> None:
    for key in keys:
        if key in obj:
            del obj[key]


def sanitize_pdf(data: bytes) -> bytes:
    """``data`` rewritten whole, without document metadata, XMP, thumbnails, annotations, forms,
    attachments, scripts, automatic actions or the objects only they referenced."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        _strip_keys(pdf.Root, _ROOT_KEYS)
        for page in pdf.pages:
            _strip_keys(page.obj, _PAGE_KEYS)
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                _strip_keys(obj, _ANY_KEYS)
        pdf.remove_unreferenced_resources()
        out = io.BytesIO()
        # A full save writes only the objects reachable from the new trailer: earlier revisions, orphaned
        # objects and incremental updates do not survive it.
        pdf.save(out, fix_metadata_version=False, deterministic_id=True, linearize=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


def build_redacted_pdf(
    pages: Sequence[tuple[NDArray[np.uint8], PageOcr, Sequence[PiiFinding]]],
) -> tuple[bytes, list[NDArray[np.uint8]]]:
    """The redacted PDF of a document's pages, and the redacted page images it was made of."""
    from stages.textlayer import build_pdf

    if not pages:
        raise InputError("a redacted PDF needs at least one page")
    images = [redact_image(image, findings) for image, _, findings in pages]
    texts = [redact_page_ocr(ocr, findings) for _, ocr, findings in pages]
    pdf = build_pdf(list(zip(images, texts, strict=True)))
    return sanitize_pdf(pdf), images
