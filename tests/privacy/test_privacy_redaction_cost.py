"""Redaction's cheaper paths give exactly what the plain ones gave: the rule eraser's down pass without a
transposed copy, the leak search over all of a check's texts at once, and the page's half-size ink mask
made once for recovery and signature lines."""

from __future__ import annotations

import random
import re
import string
import sys

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts

from pipeline.models import PiiFinding
from privacy.analysis import analyze, needs_nlp
from privacy.detect import detect_pii
from privacy.page_text import build_page_text
from privacy.recognizers.base import LANGUAGE
from privacy.recognizers.ocr_text import fold
from privacy.recover import _erase_rules, recover_words
from privacy.registry import sportel_recognizers
from privacy.signature_lines import signature_names
from privacy.verify import _NOT_ALNUM, _leaks, _needles
from stages.images import darkest_half
from tests.privacy.conftest import OcrPage
from tests.privacy.test_privacy_detect_page_marks import _signature_page

pytestmark = pytest.mark.xdist_group("privacy_pages")


def _erase_rules_transposed(dark_half: NDArray[np.uint8], line_height: int) -> None:
    """The eraser as it was: the down pass is the across pass run on the transposed mask."""
    half = max(4, line_height // 2)
    for mask in (dark_half, dark_half.T):
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((1, max(3, half // 2)), np.uint8))
        runs = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((1, 3 * half), np.uint8))
        text_rows = cv2.morphologyEx(runs, cv2.MORPH_OPEN, np.ones((max(2, half // 3), 1), np.uint8))
        rules = cv2.dilate(cv2.subtract(runs, text_rows), np.ones((3, 3), np.uint8))
        mask[rules > 0] = 0


def _ruled_mask(rng: np.random.Generator, height: int, width: int) -> NDArray[np.uint8]:
    """Speckle, text-like blocks, and solid and dashed rules across and down, some at the edges."""
    mask = (rng.random((height, width)) < 0.02).astype(np.uint8)
    for _ in range(12):
        y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
        mask[y : y + int(rng.integers(4, 20)), x : x + int(rng.integers(10, 120))] = 1
    for _ in range(6):
        y, x0 = int(rng.integers(0, height)), int(rng.integers(0, width // 2))
        step = int(rng.integers(1, 6))
        mask[y : y + int(rng.integers(1, 4)), x0 : width - int(rng.integers(0, 10)) : step] = 1
        x, y0 = int(rng.integers(0, width)), int(rng.integers(0, height // 2))
        mask[y0 : height - int(rng.integers(0, 10)) : step, x : x + int(rng.integers(1, 4))] = 1
    mask[0, :] = 1
    mask[:, -1] = 1
    return mask


@pytest.mark.parametrize("seed", range(24))
def test_rule_eraser_matches_the_transposed_pass(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = _ruled_mask(rng, int(rng.integers(60, 400)), int(rng.integers(60, 400)))
    line_height = int(rng.integers(4, 60))
    expected, erased = mask.copy(), mask.copy()
    _erase_rules_transposed(expected, line_height)
    _erase_rules(erased, line_height)
    assert erased.sum() < mask.sum()  # rules were there to erase
    assert np.array_equal(erased, expected)


def _leaks_text_by_text(texts: list[str], findings: list[PiiFinding]) -> dict[str, int]:
    """The leak search as it was: every text on its own, a value found if any one text holds it."""
    found: dict[str, int] = {}
    for needle in _needles(findings):
        for text in texts:
            folded = fold(text)
            words = {_NOT_ALNUM.sub("", chunk) for chunk in folded.split()}
            joined = _NOT_ALNUM.sub("", folded)
            whole = (len(needle.joined) >= 6 and needle.joined in joined) or (
                len(needle.joined) >= 4 and needle.joined in words)
            if whole or any(w in words or (len(w) >= 6 and w in joined) for w in needle.words):
                found[needle.entity] = found.get(needle.entity, 0) + 1
                break
    return found


def _finding(value: str, entity: str) -> PiiFinding:
    return PiiFinding(entity_type=entity, page_index=0, bbox={"x0": 0, "y0": 0, "x1": 10, "y1": 10}, score=0.9,
                      value=value)


def test_leak_search_never_joins_two_texts() -> None:
    # A name and a number each split over texts: no text holds either value or a word of it.
    findings = [_finding("Arben Hoxhaj", "PERSON"), _finding("J81215123K", "ALBANIAN_ID")]
    texts = ["emri: Ar", "ben Hox", "haj", "J8121", "5123K"]
    assert _leaks(texts, _needles(findings)) == {}
    assert _leaks(["emri: Arben", *texts], _needles(findings)) == {"PERSON": 1}
    assert _leaks([*texts, "nr. J81215123K,"], _needles(findings)) == {"ALBANIAN_ID": 1}


@pytest.mark.parametrize("seed", range(40))
def test_leak_search_finds_what_each_text_alone_holds(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "ËëÇç.,:-/ \t\n\x1c\x85\xa0\u2003\u4e2d"

    def scrap(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    values = [scrap(rng.randint(3, 14)).strip() or "Ëlira" for _ in range(8)]
    findings = [_finding(value, rng.choice(["PERSON", "IBAN", "PHONE_NUMBER"])) for value in values]
    texts = []
    for _ in range(rng.randint(0, 12)):
        text = scrap(rng.randint(0, 40))
        if rng.random() < 0.5:  # a value, whole or in part, somewhere in the text
            value = rng.choice(values)
            cut = rng.randint(0, len(value))
            text = text[: rng.randint(0, len(text))] + value[cut:] if rng.random() < 0.5 else text + value
        texts.append(text)
    assert dict(_leaks(texts, _needles(findings))) == _leaks_text_by_text(texts, findings)


def test_ink_masks_from_one_half_size_page(ocr_pages: list[OcrPage]) -> None:
    recovered = 0
    for ocr_page in ocr_pages:
        image, page = ocr_page.rendered.image, ocr_page.page
        words = recover_words(page, image)
        assert recover_words(page, image, half=darkest_half(image)) == words
        recovered += len(words)
    assert recovered  # there was something to recover
    for extra in (None, "broken", "qr", "frame"):
        page, image, _ = _signature_page(extra)
        assert signature_names(page, image, half=darkest_half(image)) == signature_names(page, image)


def _texts_tokenised(analyzer: AnalyzerEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the analyzer's spaCy pipeline will be given from now on, as a list that fills up."""
    tokenised: list[str] = []
    process_text = analyzer.nlp_engine.process_text

    def recording(text: str, language: str) -> NlpArtifacts:
        tokenised.append(text)
        return process_text(text, language)

    monkeypatch.setattr(analyzer.nlp_engine, "process_text", recording)
    return tokenised


def test_analysis_without_spacy_gives_presidios_results(ocr_pages: list[OcrPage], analyzer: AnalyzerEngine,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [build_page_text(p.page).text for p in ocr_pages]
    expected = [analyzer.analyze(text, language=LANGUAGE) for text in texts]
    tokenised = _texts_tokenised(analyzer, monkeypatch)
    assert not needs_nlp(analyzer)
    assert [analyze(analyzer, text) for text in texts] == expected
    assert sum(len(r) for r in expected) > 50
    detect_pii(ocr_pages[0].page, ocr_pages[0].rendered.image, analyzer)
    assert not any(tokenised)  # spaCy never saw a page's text


def test_a_recognizer_with_context_words_gets_the_nlp_pass(analyzer: AnalyzerEngine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    registry = RecognizerRegistry(recognizers=[*sportel_recognizers(), PatternRecognizer(
        supported_entity="CASE_NUMBER", supported_language=LANGUAGE, context=["dosja"],
        patterns=[Pattern("case", r"\bC-\d{4}-\d{6}\b", 0.3)])], supported_languages=[LANGUAGE])
    with_context = AnalyzerEngine(registry=registry, nlp_engine=analyzer.nlp_engine, supported_languages=[LANGUAGE])
    tokenised = _texts_tokenised(analyzer, monkeypatch)
    text = "Dosja C-2026-000123, Emri: Arben Hoxha"
    assert needs_nlp(with_context)
    assert analyze(with_context, text) == with_context.analyze(text, language=LANGUAGE)
    assert tokenised == [text, text]


def test_the_leak_search_splits_where_str_split_does() -> None:
    # Its one-pass cleaning keeps what regular expressions call whitespace and then splits with str.split.
    space = re.compile(r"\s")
    assert [c for c in range(sys.maxunicode + 1) if chr(c).isspace() != bool(space.match(chr(c)))] == []
