"""The shape every Sportel recognizer shares: presidio's interface over OCR-tolerant matching."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.recognizers.labels import labelled_values
from privacy.recognizers.ocr_text import fold

LANGUAGE = "sq"
"""The one analyzer language: Albanian and English pages both go through the same recognizers."""

VALIDATED = "validated"
"""Metadata key: the value passed a checksum, number plan or calendar check (not just a label)."""


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    score: float
    validated: bool


class SportelRecognizer(LocalRecognizer):
    """A recognizer of one entity type working on the folded page text (same offsets as the original)."""

    ENTITY: ClassVar[str]

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[self.ENTITY], name=type(self).__name__, supported_language=LANGUAGE
        )
        self.recognizer_name: str = type(self).__name__

    def load(self) -> None:
        """Nothing to load: lexicons are cached module-level on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        folded = fold(text)
        return [
            RecognizerResult(
                entity_type=self.ENTITY,
                start=candidate.start,
                end=candidate.end,
                score=candidate.score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.recognizer_name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    VALIDATED: candidate.validated,
                },
            )
            for candidate in self.candidates(text, folded)
            if candidate.end > candidate.start
        ]

    @abstractmethod
    def candidates(self, text: str, folded: str) -> list[Candidate]:
        """Spans of ``text`` holding this entity; ``folded`` is ``fold(text)``."""

    def labelled_fallback(
        self, folded: str, found: list[Candidate], token: re.Pattern[str], score: float
    ) -> list[Candidate]:
        """Values behind this entity's labels that no validated pattern caught, taken at lower score.

        A labelled field's value is personal data even when OCR garbled it past validation.
        """
        extra: list[Candidate] = []
        for field in labelled_values(folded, self.ENTITY):
            if any(c.start < field.value_end and field.value_start < c.end for c in found):
                continue
            match = token.search(folded, field.value_start, field.value_end)
            if match:
                extra.append(Candidate(match.start(), match.end(), score, validated=False))
        return extra


def overlaps(candidate: Candidate, others: list[Candidate]) -> bool:
    return any(candidate.start < other.end and other.start < candidate.end for other in others)
