"""The manifest of a processed batch: what ``sportel process`` writes to ``manifest.json``.

Its JSON Schema is generated from these models into ``pipeline/schemas/manifest.schema.json`` (a test
keeps the two equal). It holds no personal data: PII is reported by entity type, page, box and score.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pipeline.models import BBox, ChecklistStatus


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestPage(_M):
    index: int = Field(description="Page index within the document, from 0")
    batch_index: int = Field(description="Page index within the input batch, from 0")
    skew_deg: float = Field(description="Rotation corrected, degrees, counter-clockwise positive")
    orientation_deg: int = Field(description="Clockwise rotation applied to make the page upright")
    ocr_mean_confidence: float
    blank: bool


class ManifestPii(_M):
    entity_type: str
    page: int = Field(description="Page index within the document")
    bbox: BBox = Field(description="Box in pixels of the corrected page image")
    score: float


class ManifestSignature(_M):
    level: str
    signer: str
    valid: bool


class ManifestFiles(_M):
    searchable_pdf: str | None = None
    redacted_pdf: str | None = None
    signed_searchable_pdf: str | None = None
    signed_redacted_pdf: str | None = None


class ManifestDocument(_M):
    id: str
    type: str | None
    confidence: float | None
    uncertain: bool
    status: str
    error_code: str | None = None
    page_range: tuple[int, int] = Field(description="First and last page in the input batch (inclusive)")
    pages: list[ManifestPage]
    pii: list[ManifestPii]
    redaction_verified: bool | None
    files: ManifestFiles
    signature: ManifestSignature | None


class ManifestChecklistItem(_M):
    document_type: str = Field(description="The required document type; alternatives joined by ' | '")
    document_types: list[str]
    slot: str
    status: ChecklistStatus
    document_ids: list[str]


class ManifestPageError(_M):
    batch_index: int
    input_file: str
    source_index: int
    error_code: str


class ManifestInputSignature(_M):
    level: str = Field(description="PAdES level (B-B, B-T, B-LT, B-LTA), 'PKCS#7 (not PAdES)', or "
                       "'document timestamp'")
    valid: bool = Field(description="Intact, cryptographically sound, trusted, no disallowed change")
    intact: bool
    trusted: bool = Field(description="Chains to a configured trust root (settings: sign_trust_roots)")
    covers_whole_file: bool
    modification_level: str = Field(description="Changes after signing, by pyHanko's modification analysis")
    summary: str = Field(description="The verdict in plain words (never the signer's name)")


class ManifestInputFile(_M):
    id: str
    sha256: str = Field(description="SHA-256 of the file as handed in; its blob is kept byte for byte")
    size_bytes: int
    signatures: list[ManifestInputSignature] = Field(
        description="Signatures the file carried, validated at intake; signer names are left out")
    signatures_readable: bool = Field(True, description="False when the PDF could not be read to look for "
                                      "signatures")


class Manifest(_M):
    schema_version: int = 1
    case_id: str
    service_id: str
    batch_id: str
    batch_status: str
    documents: list[ManifestDocument]
    checklist: list[ManifestChecklistItem]
    extra_document_ids: list[str]
    page_errors: list[ManifestPageError]
    timings: dict[str, float] = Field(description="Seconds spent per step, summed over the batch")
    input_files: list[ManifestInputFile] = Field(default_factory=list, description="The files handed in")
