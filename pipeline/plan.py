"""The step plan: which steps exist, in which order, and the version of each stage's output.

Bump a step's version when its stage changes what it produces: stored results of the old version are
then ignored and the step runs again (results are keyed by subject, step and version).
"""

from __future__ import annotations

from typing import Literal

Step = Literal[
    "intake",
    "input_signatures",
    "process_page",
    "geometry",
    "ocr",
    "text_layer",
    "classify_document",
    "split",
    "classify",
    "extract",
    "redact_document",
    "redact",
    "sign_document",
    "sign",
    "attach_document",
]

ACTOR_STEPS: tuple[Step, ...] = (
    "intake",
    "process_page",
    "classify_document",
    "redact_document",
    "sign_document",
    "attach_document",
)
"""Steps that run as dramatiq actors, in pipeline order: intake and split per batch, geometry and OCR
per page (fan-out), then per document (fan-in) classification, redaction, signing and attachment."""

STEP_VERSIONS: dict[Step, str] = {
    "intake": "1",
    "input_signatures": "1",
    "process_page": "1",
    "geometry": "1",
    "ocr": "1",
    "text_layer": "1",
    "classify_document": "1",
    "split": "1",
    "classify": "1",
    "extract": "1",
    "redact_document": "1",
    "redact": "2",  # 2: table cells, repeated values, signature-line names, in-process re-reads
    "sign_document": "1",
    "sign": "1",
    "attach_document": "1",
}
