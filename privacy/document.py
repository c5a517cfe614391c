"""A document's redaction from its OCR'd pages to a proven redacted PDF: detection, burning the boxes in,
rebuilding the PDF, verification. One function, so that the worker step and the benchmark time the same
work."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine

from pipeline.models import PageOcr, PiiFinding, RedactionReport
from stages.textlayer import JpegPage


@dataclass(frozen=True)
class RedactedDocument:
    findings: list[list[PiiFinding]]
    """Per page, in page order."""
    pdf: bytes
    images: Sequence[NDArray[np.uint8]]
    """The redacted page images the PDF was built from (decoded from their JPEGs when read)."""
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
    pages: Iterable[tuple[NDArray[np.uint8], PageOcr]], analyzer: AnalyzerEngine | None, *, lang: str,
    findings: Sequence[Sequence[PiiFinding]] | None = None, opaque_only: Sequence[PiiFinding] = (),
) -> RedactedDocument:
    """Detect personal data on every page (unless ``findings`` per page are given), burn it out, rebuild
    the PDF and prove the redaction.

    A page at a time: ``pages`` may be a generator that decodes each page image when asked for; a page is
    detected and redacted, and only its redacted JPEG kept, before the next is read. A long document's
    pages are thus never all in memory at once. The names and birth dates found on a page are looked for
    on the pages after it (a contract's parties named on page 1 and again under the stamp of the signature
    page); not on the pages before it, which are already burned and encoded: a value printed first where
    nothing marks it as personal, and only later with its label, is left to the verification, which
    sends the document to review.

    ``opaque_only``: those of ``findings`` with no readable value (an officer's box over a scribble); their
    boxes are proven opaque, and no text is searched for them.
    """
    from privacy.detect import detect_pii
    from privacy.redact import RedactedImages, assemble_redacted_pdf, redact_page
    from privacy.verify import verify_redaction

    if findings is None and analyzer is None:
        raise ValueError("detection needs an analyzer")
    given = iter(findings) if findings is not None else None
    found: list[list[PiiFinding]] = []
    redacted: list[JpegPage] = []
    page_indices: list[int] = []
    detect_s = detect_cpu = redact_s = redact_cpu = 0.0
    for image, ocr in pages:
        start, cpu = time.perf_counter(), _cpu()
        if given is not None:
            on_page = list(next(given, []))
        elif analyzer is not None:
            on_page = detect_pii(ocr, image, analyzer, earlier=[f for page in found for f in page])
        middle, middle_cpu = time.perf_counter(), _cpu()
        redacted.append(redact_page(image, ocr, on_page))
        del image
        end, end_cpu = time.perf_counter(), _cpu()
        detect_s, detect_cpu = detect_s + middle - start, detect_cpu + middle_cpu - cpu
        redact_s, redact_cpu = redact_s + end - middle, redact_cpu + end_cpu - middle_cpu
        found.append(on_page)
        page_indices.append(ocr.page_index)
    if findings is not None and len(findings) != len(found):
        raise ValueError("redaction needs as many lists of findings as pages")
    start, cpu = time.perf_counter(), _cpu()
    pdf = assemble_redacted_pdf(redacted)
    seconds = {"detect": detect_s, "redact": redact_s + time.perf_counter() - start}
    cpu_seconds = {"detect": detect_cpu, "redact": redact_cpu + _cpu() - cpu}
    images = RedactedImages(redacted)
    start, cpu = time.perf_counter(), _cpu()
    # A box with no legible value (a name under a stamp that no OCR reads) has nothing to search for:
    # its pixels prove it.
    unread = {id(f) for f in opaque_only} | {id(f) for page in found for f in page if not f.value.strip()}
    opaque_only = [f for page in found for f in page if id(f) in unread]
    report = verify_redaction(pdf, [f for page in found for f in page if id(f) not in unread], images, lang=lang,
                              page_indices=page_indices, opaque_only=opaque_only)
    seconds["verify"], cpu_seconds["verify"] = time.perf_counter() - start, _cpu() - cpu
    return RedactedDocument(found, pdf, images, report, seconds, cpu_seconds)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
