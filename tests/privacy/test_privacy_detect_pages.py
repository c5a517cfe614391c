"""Detection on generated documents after real OCR: every seeded value found, with its type, in its place."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import PII_ENTITY_TYPES, BBox, PageOcr, PiiFinding, Word
from privacy.detect import detect_pii
from privacy.recognizers.labels import label_pattern
from privacy.recognizers.ocr_text import fold
from tests.privacy.conftest import (
    RECALL_COVERAGE,
    OcrPage,
    score_pages,
)

pytestmark = pytest.mark.xdist_group("privacy_pages")

MIN_RECALL = 0.95
MIN_PRECISION = 0.9


def test_every_seeded_value_is_found_with_its_type(
    ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]
) -> None:
    missed = []
    for page, findings in zip(ocr_pages, detections, strict=True):
        for seeded in page.rendered.truth:
            same_type = [f.bbox for f in findings if f.entity_type == seeded.entity]
            if coverage(seeded.bbox, same_type) < RECALL_COVERAGE:
                missed.append((page.rendered.name, seeded.entity, seeded.value))
    assert missed == []


def test_every_seeded_value_is_covered_by_some_box(
    ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]
) -> None:
    """What redaction needs, whatever the type: no seeded pixel outside the boxes (with the redaction margin)."""
    uncovered = []
    for page, findings in zip(ocr_pages, detections, strict=True):
        boxes = [f.bbox.grow(4, page.page.width, page.page.height) for f in findings]
        for seeded in page.rendered.truth:
            if coverage(seeded.bbox, boxes) < 0.999:
                uncovered.append((page.rendered.name, seeded.entity, seeded.value))
    assert uncovered == []


def test_recall_and_precision_per_entity(ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]) -> None:
    scores = score_pages(ocr_pages, detections)
    print("\nentity               seeded found recall findings precision")
    for entity in PII_ENTITY_TYPES:
        s = scores[entity]
        print(f"{entity:20s} {s.seeded:6d} {s.found:5d} {s.recall:6.2f} {s.findings:8d} {s.precision:9.2f}")
    assert set(PII_ENTITY_TYPES) <= {entity for entity, s in scores.items() if s.seeded}
    assert {e: round(s.recall, 2) for e, s in scores.items() if s.recall < MIN_RECALL} == {}
    assert {e: round(s.precision, 2) for e, s in scores.items() if s.precision < MIN_PRECISION} == {}


def test_pages_without_personal_data_have_no_findings(
    ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]
) -> None:
    notice = [f for page, found in zip(ocr_pages, detections, strict=True) if page.rendered.name == "njoftim"
              for f in found]
    assert notice == []


def test_labels_are_not_redacted(ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]) -> None:
    pattern = label_pattern(None)
    hit_labels = []
    for page, findings in zip(ocr_pages, detections, strict=True):
        for word in page.page.words:
            if not word.text.endswith(":") or not pattern.fullmatch(fold(word.text.rstrip(":"))):
                continue
            area = word.bbox.width * word.bbox.height
            if any(word.bbox.intersection_area(f.bbox) > 0.05 * area for f in findings):
                hit_labels.append((page.rendered.name, word.text))
    assert hit_labels == []


def test_a_value_over_two_lines_gives_one_finding_per_line(
    ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]
) -> None:
    page, findings = next((p, d) for p, d in zip(ocr_pages, detections, strict=True)
                          if p.rendered.name == "vertetim-banimi")
    addresses = sorted((f for f in findings if f.entity_type == "ADDRESS"), key=lambda f: f.bbox.y0)
    seeded = sorted((s for s in page.rendered.truth if s.entity == "ADDRESS"), key=lambda s: s.bbox.y0)
    assert len(addresses) == len(seeded) == 2
    assert addresses[0].bbox.y1 <= addresses[1].bbox.y0
    for finding, truth in zip(addresses, seeded, strict=True):
        assert coverage(truth.bbox, [finding.bbox]) >= RECALL_COVERAGE


def test_findings_carry_page_and_value(ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]) -> None:
    for page, findings in zip(ocr_pages, detections, strict=True):
        assert all(f.page_index == page.page.page_index and f.value.strip() for f in findings)
        assert all(0 <= f.bbox.x0 < f.bbox.x1 <= page.page.width for f in findings)
        assert all("value" not in f.model_dump() for f in findings)


def test_detection_logs_no_values(
    ocr_pages: list[OcrPage], analyzer: AnalyzerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    page = ocr_pages[0]
    with caplog.at_level(logging.DEBUG):
        findings = detect_pii(page.page, page.rendered.image, analyzer)
    assert findings
    logged = caplog.text
    assert not [s.value for s in page.rendered.truth if s.value in logged]


def test_empty_page(analyzer: AnalyzerEngine) -> None:
    page = PageOcr(page_index=3, width=100, height=100, dpi=300, lang="sqi+eng", words=[], mean_confidence=0.0)
    assert detect_pii(page, None, analyzer) == []


# ------------------------------------------------------------------------ tesseract's known misreads


def _misread(page: PageOcr, replace: dict[str, str]) -> PageOcr:
    words = [w.model_copy(update={"text": replace.get(w.text, w.text)}) for w in page.words]
    return page.model_copy(update={"words": words})


def _page_named(pages: list[OcrPage], name: str) -> OcrPage:
    return next(p for p in pages if p.rendered.name == name)


def test_misread_values_are_recovered_from_the_image(ocr_pages: list[OcrPage], analyzer: AnalyzerEngine) -> None:
    """``@`` read as ``0``, a digit of the personal number read as a letter: the value region is read
    again from the image (English model, value characters only) and the true value validates."""
    page = _page_named(ocr_pages, "english")
    email = next(s.value for s in page.rendered.truth if s.entity == "EMAIL_ADDRESS")
    number = next(s.value for s in page.rendered.truth if s.entity == "AL_PERSONAL_NUMBER")
    garbled = {email: email.replace("@", "0"), number: number[0] + "ë" + number[2:]}
    assert set(garbled) <= {w.text for w in page.page.words}, "OCR did not read the seeded values as one word"
    misread = _misread(page.page, garbled)
    without_image = {f.entity_type: f for f in detect_pii(misread, None, analyzer)}
    assert without_image["EMAIL_ADDRESS"].score < 0.9 and without_image["AL_PERSONAL_NUMBER"].score < 0.9
    with_image = {f.entity_type: f for f in detect_pii(misread, page.rendered.image, analyzer)}
    assert (with_image["EMAIL_ADDRESS"].value, with_image["AL_PERSONAL_NUMBER"].value) == (email, number)
    assert with_image["EMAIL_ADDRESS"].score >= 0.9 and with_image["AL_PERSONAL_NUMBER"].score >= 0.9


def test_misread_values_without_an_image_are_still_redacted(ocr_pages: list[OcrPage], analyzer: AnalyzerEngine) -> None:
    page = _page_named(ocr_pages, "english")
    email = next(s for s in page.rendered.truth if s.entity == "EMAIL_ADDRESS")
    phone = next(s for s in page.rendered.truth if s.entity == "PHONE_NUMBER")
    misread = _misread(page.page, {email.value: email.value.replace("@", "0"), "+355": "1355"})
    findings = detect_pii(misread, None, analyzer)
    for seeded in (email, phone):
        boxes = [f.bbox for f in findings if f.entity_type == seeded.entity]
        assert coverage(seeded.bbox, boxes) >= RECALL_COVERAGE, seeded.entity


def test_columns_split_by_tesseract_are_rejoined(analyzer: AnalyzerEngine) -> None:
    """Labels in one block and values in another (tesseract's reading order) still pair up by position."""
    def word(text: str, x: int, y: int, line: int) -> Word:
        return Word(text=text, bbox=BBox(x0=x, y0=y, x1=x + 20 * len(text), y1=y + 40), conf=90.0, block=line // 10,
                    line=line)

    words = [word("Emri:", 100, 100, 0), word("Nr.", 100, 170, 1), word("personal:", 170, 170, 1),
             word("Arben", 600, 102, 10), word("I50312045K", 600, 171, 11)]
    page = PageOcr(page_index=0, width=1200, height=400, dpi=300, lang="sqi+eng", words=words, mean_confidence=90.0)
    found = {(f.entity_type, f.value) for f in detect_pii(page, np.full((400, 1200), 255, np.uint8), analyzer)}
    assert found == {("PERSON", "Arben"), ("AL_PERSONAL_NUMBER", "I50312045K")}
