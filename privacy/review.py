"""An officer's changes to a document's redaction boxes before release: boxes added where detection
missed something, boxes removed where it found something that is not personal data.

:func:`apply_box_changes` is pure: from the pages (the unredacted corrected images and their OCR), the
document's current findings and the changes, it builds the redacted PDF again and proves it with the same
verification as the pipeline. The database keeps boxes without values, so each box's value (what the
verification searches for) is read back from the page: the OCR words inside it, else an OCR of the box
itself. A box over ink that no OCR reads (a scribble, a stamp) is proven by its pixels alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.errors import InputError
from pipeline.models import PII_ENTITY_TYPES, BBox, PageOcr, PiiFinding
from privacy.document import RedactedDocument, redact_document_pages
from privacy.page_text import words_inside
from privacy.tess import SPARSE, read_text

OFFICER_SCORE = 1.0
VALUE_WORD_SHARE = 0.5
"""A word belongs to a box's value when this share of it lies inside the box (the redaction drops a word
from the text layer at a tenth; a value taken that loosely would include visible neighbours)."""
BOX_READ_MARGIN_PX = 6

BoxReason = Literal["missed_personal_data", "not_personal_data", "third_party_data", "public_record",
                    "legal_basis", "unreadable_region", "other"]
"""Why a box changed: codes, not free text, so that no personal data slips into the record."""
EntityCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]


class BoxChange(BaseModel):
    """One change: ``add`` a box (``entity_type`` says what it hides), or ``remove`` the finding whose
    box on that page is exactly ``bbox``."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    action: Literal["add", "remove"]
    page_index: int = Field(ge=0)
    """The page's batch index, as findings carry it."""
    bbox: BBox
    entity_type: EntityCode = "OTHER"
    reason: BoxReason

    @model_validator(mode="after")
    def _known_entity(self) -> BoxChange:
        if self.entity_type not in (*PII_ENTITY_TYPES, "OTHER"):
            raise ValueError("entity_type must be one of the detected types or OTHER")
        if self.bbox.x1 <= self.bbox.x0 or self.bbox.y1 <= self.bbox.y0:
            raise ValueError("a box must have an area")
        return self


def words_under(page: PageOcr, box: BBox) -> str:
    """The OCR words lying mostly inside ``box``, in reading order."""
    return words_inside(page, box, VALUE_WORD_SHARE)


def _read_box(image: NDArray[np.uint8], box: BBox, page: PageOcr) -> str:
    height, width = image.shape[:2]
    grown = box.grow(BOX_READ_MARGIN_PX, width, height)
    crop = image[grown.y0 : grown.y1, grown.x0 : grown.x1]
    if crop.ndim == 3:
        crop = crop.mean(axis=2).astype(np.uint8)
    padded = np.full((crop.shape[0] + 40, crop.shape[1] + 40), 255, dtype=np.uint8)
    padded[20:-20, 20:-20] = crop
    return " ".join(read_text(padded, lang=page.lang, psm=SPARSE, dpi=page.dpi).split())


def box_value(image: NDArray[np.uint8], page: PageOcr, box: BBox) -> str:
    """What a box hides, as text: the page OCR's words in it, else an OCR of the box region."""
    return words_under(page, box) or _read_box(image, box, page)


def _same_box(finding: PiiFinding, change: BoxChange) -> bool:
    return finding.page_index == change.page_index and finding.bbox == change.bbox


def apply_box_changes(
    pages: Sequence[tuple[NDArray[np.uint8], PageOcr]], findings: Sequence[PiiFinding],
    changes: Sequence[BoxChange], *, lang: str,
) -> RedactedDocument:
    """The document redacted again with ``changes`` applied to ``findings``, and verified.

    ``findings`` may lack values (as stored); they are read back from the pages. Raises ``InputError``
    when a change names a page that is not the document's or a removal matches no finding.
    """
    by_index = {ocr.page_index: (image, ocr) for image, ocr in pages}
    current = list(findings)
    for change in changes:
        if change.page_index not in by_index:
            raise InputError("a box change names a page that is not in the document")
        if change.action == "remove":
            remaining = [f for f in current if not _same_box(f, change)]
            if len(remaining) == len(current):
                raise InputError("a box to remove matches no finding of the document")
            current = remaining
        else:
            image, ocr = by_index[change.page_index]
            height, width = image.shape[:2]
            box = BBox(x0=max(0, change.bbox.x0), y0=max(0, change.bbox.y0), x1=min(width, change.bbox.x1),
                       y1=min(height, change.bbox.y1))
            current.append(PiiFinding(entity_type=change.entity_type, page_index=change.page_index, bbox=box,
                                      score=OFFICER_SCORE))
    valued: list[PiiFinding] = []
    unreadable: list[PiiFinding] = []
    for finding in current:
        image, ocr = by_index[finding.page_index]
        value = finding.value or box_value(image, ocr, finding.bbox)
        target = valued if value.strip() else unreadable
        target.append(finding.model_copy(update={"value": value}))
    per_page = [[f for f in valued + unreadable if f.page_index == ocr.page_index] for _, ocr in pages]
    return redact_document_pages(pages, None, lang=lang, findings=per_page, opaque_only=unreadable)
