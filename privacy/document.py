"""A document's redaction from its OCR'd pages to a proven redacted PDF: detection, burning the boxes in,
rebuilding the PDF, verification. One function, so that the worker step and the benchmark time the same
work."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine

from pipeline.models import PageOcr, PiiFinding, RedactionReport


@dataclass(frozen=True)
class RedactedDocument:
    findings: list[list[PiiFinding]]
    """Per page, in page order."""
    pdf: bytes
    images: list[NDArray[np.uint8]]
    """The redacted page images the PDF was built from."""
    report: RedactionReport
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of ``detect``, ``redact`` (images and PDF) and ``verify``."""
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """The same in CPU time of the process and its finished children (tesseract runs): exact only when
    nothing else runs in the process meanwhile."""

    @property
    def all_findings(self) -> list[PiiFinding]:
        return [f for page in self.findings for f in page]


def redact_document_pages(
    pages: Sequence[tuple[NDArray[np.uint8], PageOcr]], analyzer: AnalyzerEngine | None, *, lang: str,
    findings: Sequence[Sequence[PiiFinding]] | None = None, opaque_only: Sequence[PiiFinding] = (),
) -> RedactedDocument:
    """Detect personal data on every page (unless ``findings`` per page are given), burn it out, rebuild
    the PDF and prove the redaction.

    ``opaque_only``: those of ``findings`` with no readable value (an officer's box over a scribble); their
    boxes are proven opaque, and no text is searched for them.
    """
    from privacy.detect import detect_pii
    from privacy.redact import build_redacted_pdf
    from privacy.verify import verify_redaction

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    start, cpu = time.perf_counter(), _cpu()
    if findings is None:
        if analyzer is None:
            raise ValueError("detection needs an analyzer")
        found = [detect_pii(ocr, image, analyzer) for image, ocr in pages]
    else:
        found = [list(page) for page in findings]
    seconds["detect"], cpu_seconds["detect"] = time.perf_counter() - start, _cpu() - cpu
    start, cpu = time.perf_counter(), _cpu()
    pdf, images = build_redacted_pdf([(image, ocr, page) for (image, ocr), page in zip(pages, found, strict=True)])
    seconds["redact"], cpu_seconds["redact"] = time.perf_counter() - start, _cpu() - cpu
    start, cpu = time.perf_counter(), _cpu()
    # A box with no legible value (a name under a stamp that no OCR reads) has nothing to search for:
    # its pixels prove it.
    unread = {id(f) for f in opaque_only} | {id(f) for page in found for f in page if not f.value.strip()}
    opaque_only = [f for page in found for f in page if id(f) in unread]
    report = verify_redaction(pdf, [f for page in found for f in page if id(f) not in unread], images, lang=lang,
                              page_indices=[ocr.page_index for _, ocr in pages], opaque_only=opaque_only)
    seconds["verify"], cpu_seconds["verify"] = time.perf_counter() - start, _cpu() - cpu
    return RedactedDocument(found, pdf, images, report, seconds, cpu_seconds)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
