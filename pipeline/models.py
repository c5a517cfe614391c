"""Domain types passed between stages and stored as step results.

Coordinates are page pixels of the *corrected* page image (after orientation and deskew), origin top-left,
at the page's ``dpi``. Types that may hold personal data (``Word.text``, ``PiiFinding.value``) keep it out
of ``repr`` so that a stray log line or traceback shows ids and boxes, never the text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BBox(Frozen):
    """A box in page pixels: ``x0 <= x1``, ``y0 <= y1``, exclusive right/bottom edges."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def intersection_area(self, other: BBox) -> int:
        """Pixels this box shares with ``other`` (0 when they do not meet)."""
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return width * height if width > 0 and height > 0 else 0

    def intersects(self, other: BBox) -> bool:
        return self.intersection_area(other) > 0

    def grow(self, margin: int, width: int, height: int) -> BBox:
        """The box grown by ``margin`` pixels on every side, clipped to a ``width`` x ``height`` page."""
        return BBox(
            x0=max(0, self.x0 - margin),
            y0=max(0, self.y0 - margin),
            x1=min(width, self.x1 + margin),
            y1=min(height, self.y1 + margin),
        )


# ---------------------------------------------------------------------------------------------- intake

InputKind = Literal["pdf", "tiff", "png", "jpeg"]


class InputFileInfo(Frozen):
    """One file handed in by a scanning station: identity and shape, never content."""

    filename: str
    sha256: str
    kind: InputKind
    page_count: int
    size_bytes: int


class PageError(Frozen):
    """A page that could not be read. Its batch goes on without it; the error is reported."""

    source_sha256: str
    source_index: int
    code: str
    message: str


# ------------------------------------------------------------------------------------- split / sheets

SheetKind = Literal["cover", "separator", "blank", "content"]


class SheetInfo(Frozen):
    """What a page is, as far as splitting a batch goes."""

    kind: SheetKind
    case_id: str | None = None
    service_id: str | None = None
    ink_ratio: float = 0.0
    """Share of dark pixels on the page; a blank page has almost none."""


class DocumentSpan(Frozen):
    """A run of batch pages forming one document (indices into the batch's page list, end exclusive)."""

    start: int
    end: int
    boundary: Literal["separator", "cover", "auto", "batch"] = "batch"

    @property
    def page_indices(self) -> list[int]:
        return list(range(self.start, self.end))


class SplitResult(Frozen):
    case_id: str | None = None
    service_id: str | None = None
    documents: list[DocumentSpan]
    sheets: list[SheetInfo]


# ---------------------------------------------------------------------------------- orientation/deskew


class GeometryResult(Frozen):
    """How a page was turned upright and straightened.

    ``orientation_deg`` is the clockwise rotation (0, 90, 180, 270) applied to make the page upright;
    ``skew_deg`` the small rotation corrected after that, counter-clockwise positive, in degrees.
    """

    orientation_deg: Literal[0, 90, 180, 270]
    orientation_confidence: float
    skew_deg: float
    width: int
    height: int
    blank: bool = False


# ------------------------------------------------------------------------------------------------ OCR


class Word(Frozen):
    text: str = Field(repr=False)
    bbox: BBox
    conf: float
    """Tesseract's word confidence, 0-100."""
    block: int = 0
    line: int = 0


class PageOcr(Frozen):
    """The words of one corrected page image."""

    page_index: int
    width: int
    height: int
    dpi: int
    lang: str
    words: list[Word]
    mean_confidence: float
    source: Literal["ocr", "text_layer"] = "ocr"

    @property
    def text(self) -> str:
        """Words joined by spaces within a line and newlines between lines."""
        lines: list[str] = []
        key: tuple[int, int] | None = None
        for word in self.words:
            if key != (word.block, word.line):
                lines.append(word.text)
                key = (word.block, word.line)
            else:
                lines[-1] += " " + word.text
        return "\n".join(lines)


# -------------------------------------------------------------------------------------- classification

ChecklistStatus = Literal["present", "missing", "uncertain"]


class Classification(Frozen):
    document_type: str
    """An id from the catalog's document types, or ``unclassified``."""
    confidence: float
    method: str
    model_version: str
    uncertain: bool = False
    alternatives: list[tuple[str, float]] = Field(default_factory=list)


class DocumentSplit(Frozen):
    """How classification cut one provisional document (a span of pages between sheets) into documents
    found from its pages' texts. ``document_ids[0]`` is the provisional document itself."""

    document_ids: list[str]
    first_pages: list[int]
    """Batch index of each document's first page, in order."""
    last_pages: list[int]


class ExtractedField(Frozen):
    """A key field read off a document. ``value`` may be personal data: kept out of ``repr``."""

    name: str
    """``applicant_name``, ``personal_number``, ``nipt``, ``date_of_birth``, ``issue_date``, ``amount``, ..."""
    value: str = Field(repr=False)
    confidence: float
    page_index: int
    """Batch index of the page the value was read on."""
    entity_type: str | None = None
    """The PII entity type of the value (policy decides who sees it unmasked); ``None``: not personal."""


class Extraction(Frozen):
    document_type: str
    fields: list[ExtractedField]


class CaseFlag(Frozen):
    """Something about a case an officer must look at, found across its documents. Names fields and
    documents, never values."""

    code: str
    """``personal_number_mismatch``, ..."""
    field: str
    document_ids: list[str]
    message_sq: str


class ChecklistItem(Frozen):
    slot: str
    """The required-document entry of the service (its index and text) this item answers."""
    document_types: list[str]
    status: ChecklistStatus
    document_ids: list[str] = Field(default_factory=list)
    condition: str | None = None
    """For a conditional entry, the fact it depends on (``legal_person``, ``not:under_16``, ...)."""


class Checklist(Frozen):
    service_id: str
    items: list[ChecklistItem]
    extra_document_ids: list[str] = Field(default_factory=list)
    flags: list[CaseFlag] = Field(default_factory=list)
    """Cross-document checks that failed (``personal_number_mismatch``, ...): an officer must look."""
    documents_complete: bool = True
    """False when the service's own list was cut off at the source: items may be missing from it."""


# -------------------------------------------------------------------------------------------- privacy


PII_ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "AL_PERSONAL_NUMBER",
    "AL_NIPT",
    "IBAN_CODE",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "DATE_OF_BIRTH",
    "ADDRESS",
    "AL_VEHICLE_PLATE",
)
"""Entity types Sportel detects; recognizers, sample ground truth and access policies use these names."""


class PiiFinding(Frozen):
    """A detected piece of personal data on a page. ``value`` never leaves the process serialised."""

    entity_type: str
    page_index: int
    bbox: BBox
    score: float
    value: str = Field(default="", repr=False, exclude=True)


class RedactionCheck(Frozen):
    name: str
    passed: bool
    detail: str = ""
    """Counts and entity types only: never a value."""


class RedactionReport(Frozen):
    verified: bool
    boxes: int
    checks: list[RedactionCheck]


# -------------------------------------------------------------------------------------------- signing

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]


class SignatureReport(Frozen):
    level: str
    signer: str
    valid: bool
    intact: bool
    trusted: bool
    covers_whole_file: bool
    modification_level: str
    summary: str


class InputSignatureReport(Frozen):
    """A signature found on a file handed in, without the signer's name: a citizen's name is personal data."""

    level: str
    valid: bool
    intact: bool
    trusted: bool
    covers_whole_file: bool
    modification_level: str
    summary: str


class InputSignatures(Frozen):
    """The signatures intake found on a handed-in PDF, validated where it stands (its bytes are kept as
    they came; the pipeline's outputs are separate files)."""

    sha256: str
    signatures: list[InputSignatureReport]
    readable: bool = True
    """False when the file could not be read as a PDF to look for signatures."""
