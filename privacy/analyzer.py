"""The presidio analyzer Sportel detects personal data with: its own recognizers, no model download.

Presidio needs an NLP engine even when no recognizer uses named entities. ``SlimSpacyNlpEngine`` with
``generic_tokenizer="blank"`` tokenises with ``spacy.blank("sq")``, which ships with spaCy itself; it does
not extract entities and, with ``auto_download=False``, never fetches a model.
"""

from __future__ import annotations

from functools import lru_cache

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import SlimSpacyNlpEngine

from privacy.recognizers.base import LANGUAGE
from privacy.registry import build_registry

MIN_SCORE = 0.45
"""Results below this are dropped: unlabelled guesses that the name lists do not back up."""


@lru_cache(maxsize=1)
def build_analyzer() -> AnalyzerEngine:
    """The analyzer, built once per process on first use (the NLP pipeline and lexicons load here)."""
    nlp_engine = SlimSpacyNlpEngine(
        supported_languages=[LANGUAGE], generic_tokenizer="blank", auto_download=False
    )
    return AnalyzerEngine(
        registry=build_registry(),
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        default_score_threshold=MIN_SCORE,
    )
