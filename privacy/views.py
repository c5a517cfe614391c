"""Partial views: a document redacted except for the entity types a reader may see unredacted.

The access policy may let a role see some entity types of a document type (``visibility`` in
``policy.yaml``). Such a reader gets a copy in which only the findings of the *other* types are burned
out: built from the unredacted corrected page images by the same redaction as the redacted copy
(:func:`privacy.redact.build_redacted_pdf`) and proven by the same verification
(:func:`privacy.verify.verify_redaction`), searching for the values of every hidden finding. A view whose
verification fails is never served.

Pure functions: the caller loads pages and findings, caches the result and signs it
(:mod:`workers.views`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import InputError
from pipeline.models import PageOcr, PiiFinding, RedactionReport

VIEW_FORMAT = 1
"""Part of every findings version: bump it when what goes into a view changes, so cached views are
rebuilt instead of served."""


@dataclass(frozen=True)
class PartialView:
    pdf: bytes
    images: Sequence[NDArray[np.uint8]]
    """The page images the PDF was built from, the hidden boxes burned in (decoded when read)."""
    report: RedactionReport
    hidden: int
    """Boxes burned out (findings of types the reader may not see)."""


def visible_key(visible: Collection[str]) -> str:
    """The canonical spelling of a set of entity types: sorted, comma-separated (``""`` for none)."""
    return ",".join(sorted(set(visible)))


def shown_types(findings: Sequence[PiiFinding], visible: Collection[str]) -> frozenset[str]:
    """The types of ``visible`` the document has findings of: the only ones a view can leave readable.
    Two readers whose policies differ only in types the document lacks get the same view."""
    return frozenset(f.entity_type for f in findings) & frozenset(visible)


def findings_version(findings: Sequence[PiiFinding], page_keys: Sequence[str]) -> str:
    """A digest of everything a view is made of besides the visible types: the document's boxes (page,
    type, box) and its pages' corrected images (blob keys, in page order). An officer's box change gives
    a new version, so a view built before it is never served after it."""
    boxes = sorted((f.page_index, f.entity_type, f.bbox.x0, f.bbox.y0, f.bbox.x1, f.bbox.y1) for f in findings)
    material = json.dumps({"format": VIEW_FORMAT, "pages": list(page_keys), "boxes": boxes}, separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


def build_partial_view(
    pages: Sequence[tuple[NDArray[np.uint8], PageOcr]], findings: Sequence[PiiFinding], visible: Collection[str],
    *, lang: str,
) -> PartialView:
    """The document's pages with every finding whose type is not in ``visible`` burned out, and the
    verification that none of those findings' values can be read from it.

    ``pages``: the unredacted corrected images with their OCR, in document order. ``findings`` may lack
    values (as stored): each hidden box's value, what the verification searches for, is read back from
    the page (the OCR words inside it, else an OCR of the box). A box over ink no OCR reads is proven by
    its pixels alone, as in the redacted copy.
    """
    from privacy.redact import build_redacted_pdf
    from privacy.review import box_value
    from privacy.verify import verify_redaction

    by_index = {ocr.page_index: (image, ocr) for image, ocr in pages}
    shown = frozenset(visible)
    valued: list[PiiFinding] = []
    unreadable: list[PiiFinding] = []
    for finding in findings:
        if finding.entity_type in shown:
            continue
        if finding.page_index not in by_index:
            raise InputError("a finding names a page that is not in the document")
        image, ocr = by_index[finding.page_index]
        value = finding.value or box_value(image, ocr, finding.bbox)
        (valued if value.strip() else unreadable).append(finding.model_copy(update={"value": value}))
    hidden = valued + unreadable
    pdf, images = build_redacted_pdf(
        [(image, ocr, [f for f in hidden if f.page_index == ocr.page_index]) for image, ocr in pages])
    report = verify_redaction(pdf, valued, images, lang=lang, page_indices=[ocr.page_index for _, ocr in pages],
                              opaque_only=unreadable)
    return PartialView(pdf=pdf, images=images, report=report, hidden=len(hidden))
