"""Ground truth of a generated corpus: what each scanned page really holds and how it was scanned.

Geometry follows :class:`pipeline.models.GeometryResult`: ``orientation_deg`` is the clockwise rotation a
perfect pipeline applies to make the scan upright, ``skew_deg`` the small counter-clockwise rotation it
applies after that. PII boxes are in the *clean* page (upright, unskewed, ``width`` x ``height`` pixels at
the document's ``dpi``); a scan whose skew would push ink off the A4 frame is padded symmetrically, so the
clean page sits centred in the corrected scan.

Every value of a detected entity type is recorded, whoever it belongs to (a citizen, an official, a
company or the issuing office), with the text exactly as printed on the page.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.models import BBox, Frozen


class PiiTruth(Frozen):
    entity_type: str
    """One of :data:`pipeline.models.PII_ENTITY_TYPES`."""
    value: str
    page: int
    """0-based page of the document."""
    bbox: BBox


class PageTruth(Frozen):
    index: int
    orientation_deg: Literal[0, 90, 180, 270]
    skew_deg: float
    text: str
    """The clean page text: lines joined with newlines, words separated by single spaces. Graphics
    (stamps, signatures, emblems, codes) are not text."""
    blank: bool = False
    width: int = 0
    """Clean page width in pixels at the document's dpi."""
    height: int = 0
    straight_twin: str | None = None
    """For a skewed page: a file holding the same page scanned without skew (same content, scanner
    settings, noise seed and file kind), relative to the corpus folder. The reference of the OCR
    benchmark's skewed-versus-straight figure (:mod:`benchmarks.ocr_quality`)."""


class DocumentTruth(Frozen):
    doc_id: str
    document_type: str
    language: Literal["sqi", "eng"]
    layout: Literal["standard", "unseen"]
    file: str
    """Path of the scanned file, relative to the corpus folder (``batch.pdf`` for a document of a batch)."""
    dpi: int
    pages: list[PageTruth]
    pii: list[PiiTruth]
    title: str = ""
    """The document's title as printed (one of several wordings per type)."""
    title_bbox: BBox | None = None
    """Where the title is on the first clean page."""
    color: bool = False
    """Scanned in colour (stamps and signatures blue) rather than greyscale."""
    key_fields: dict[str, str] = Field(default_factory=dict)
    """Key fields as :func:`stages.extract.extract_fields` should read them (``applicant_name``,
    ``personal_number``, ``nipt``, dates as ISO, ``amount`` in whole lekë, ...); only those the generator
    knows for the type."""


class BatchDocument(Frozen):
    doc_id: str
    document_type: str
    first_page: int
    """0-based index in the batch file, counting cover and separator sheets."""
    last_page: int
    """Inclusive."""


class BatchTruth(Frozen):
    case_id: str
    service_id: str | None
    file: str
    separators: bool
    documents: list[BatchDocument]
    missing_types: list[str] = Field(default_factory=list)
    """Types the service asks for that were left out on purpose, so its checklist shows a gap."""
    extra_types: list[str] = Field(default_factory=list)
    """Types in the batch that the service does not ask for."""
    page_count: int = 0
    dpi: int = 0


class CorpusTruth(Frozen):
    seed: int
    documents: list[DocumentTruth]
    """The single documents of ``docs/``; documents of batches are in ``truth/<doc_id>.json``."""
    batches: list[BatchTruth]
