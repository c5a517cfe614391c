"""The error tree.

Every error Sportel raises on purpose derives from :class:`SportelError`. Each subclass says whether a
retry can help and what status the document gets, so that only the worker middleware and the API decide
what to do with them. Messages never carry personal data: name entity types, ids and counts, not text.
"""

from __future__ import annotations

from typing import ClassVar, Literal

DocumentOutcome = Literal["failed", "review", "retry"]


class SportelError(Exception):
    """Root of all deliberate Sportel errors."""

    retryable: ClassVar[bool] = False
    outcome: ClassVar[DocumentOutcome] = "failed"
    code: ClassVar[str] = "error"


class ConfigurationError(SportelError):
    """Settings or catalog data are invalid; fix the configuration and restart."""

    code = "configuration"


class CatalogError(ConfigurationError):
    """The service catalog does not validate."""

    code = "catalog"


class InputError(SportelError):
    """An input file or page cannot be read. The rest of its batch goes on."""

    code = "input"


class UnsupportedFormatError(InputError):
    code = "unsupported_format"


class CorruptInputError(InputError):
    code = "corrupt_input"


class PageTooLargeError(InputError):
    """A page whose image at the pipeline's resolution would exceed the pixel budget of one page."""

    code = "page_too_large"


class StageError(SportelError):
    """A stage could not produce its result for this subject."""

    code = "stage"


class OcrEngineError(StageError):
    retryable = True
    outcome = "retry"
    code = "ocr_engine"


class RedactionVerificationError(StageError):
    """A redacted output still reveals a detected value; it is never released and goes to review."""

    outcome = "review"
    code = "redaction_unverified"


class SigningError(StageError):
    """Signing failed (key, certificate, timestamp or revocation). Nothing unsigned is released."""

    retryable = True
    outcome = "retry"
    code = "signing"


class BatchStalledError(StageError):
    """A batch that cannot end: the in-process broker holds no message and none is being worked on, yet
    some of its pages or documents are unfinished. A fault of the pipeline, not of the input."""

    code = "batch_stalled"


class QueueUnavailableError(SportelError):
    """The broker could not take a batch's first message (Redis or RabbitMQ down or unreachable). The batch
    is recorded as failed with this code, so no batch waits for ever on a message that was never queued;
    the files may be uploaded again once the broker is back."""

    retryable = True
    code = "queue_unavailable"


class NotFoundError(SportelError):
    code = "not_found"


class AccessDeniedError(SportelError):
    code = "access_denied"
