"""Presidio's ``analyze`` without the NLP pass that no Sportel recognizer reads.

``AnalyzerEngine.analyze`` tokenises and lemmatises every text with spaCy before it runs the recognizers
(about 40% of its time on a page). The tokens and lemmas serve two things only: recognizers that read
``nlp_artifacts`` (Sportel's work on the folded text and ignore them) and context words (none of
Sportel's recognizers has any). While both hold, the artifacts of the empty text give the same results;
an analyzer with any other recognizer, context words or enhancer gets the full pass.
"""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.recognizers.base import LANGUAGE, SportelRecognizer


def needs_nlp(analyzer: AnalyzerEngine) -> bool:
    """Whether some part of ``analyzer`` could read the text's tokens or lemmas."""
    return type(analyzer.context_aware_enhancer) is not LemmaContextAwareEnhancer or any(
        not isinstance(recognizer, SportelRecognizer) or type(recognizer).analyze is not SportelRecognizer.analyze
        or recognizer.context
        for recognizer in analyzer.registry.get_recognizers(LANGUAGE, all_fields=True)
    )


def analyze(analyzer: AnalyzerEngine, text: str, entities: list[str] | None = None) -> list[RecognizerResult]:
    """``analyzer.analyze(text)`` in Sportel's language, with spaCy's pass only where it could matter."""
    artifacts: NlpArtifacts | None = None
    if not needs_nlp(analyzer):
        artifacts = analyzer.nlp_engine.process_text("", LANGUAGE)
    return analyzer.analyze(text, language=LANGUAGE, entities=entities, nlp_artifacts=artifacts)
