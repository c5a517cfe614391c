"""A name or birth date found on one page of a document is personal data on the pages after it too: a
contract names its notary with a label on page 1, and only as a garbled signature line under the stamp of
page 2 ("Re ng Vokshi", seed 1's lease contract)."""

from __future__ import annotations

import numpy as np
from presidio_analyzer import AnalyzerEngine

from benchmarks.privacy import coverage
from pipeline.models import BBox, PageOcr, PiiFinding, Word
from privacy.document import redact_document_pages
from privacy.repeats import repeated_values
from tests.privacy.conftest import synthetic_page as _page
from tests.privacy.conftest import synthetic_word as _word

LANG = "sqi+eng"


def _labelled_page() -> PageOcr:
    return _page([_word("Emri:", 100, 100, 1), _word("Rexhino", 700, 100, 1), _word("Mbiemri:", 100, 200, 2),
                  _word("Vokshi", 700, 200, 2), _word("Datëlindja:", 100, 300, 3), _word("12.03.1981", 700, 300, 3)])


def _signature_page() -> PageOcr:
    """No label, no name's shape: a garbled given name beside the surname, and the birth date in a sentence."""
    words = [_word("NOTERI", 1700, 100, 1), _word("Re", 1700, 400, 2), _word("ng", 1780, 400, 2),
             _word("Vokshi", 1860, 400, 2), _word("lindur", 100, 600, 3), _word("më", 260, 600, 3),
             _word("12.03.1981", 340, 600, 3)]
    return _page(words).model_copy(update={"page_index": 1})


def test_a_name_found_on_an_earlier_page_is_repeated_on_a_later_one() -> None:
    earlier = PiiFinding(entity_type="PERSON", page_index=0, bbox=BBox(x0=700, y0=100, x1=1000, y1=140),
                         score=0.85, value="Rexhino Vokshi")
    page = _signature_page()
    assert repeated_values(page, []) == []
    (repeat,) = repeated_values(page, [], earlier=[earlier])
    assert (repeat.entity_type, repeat.page_index, repeat.value) == ("PERSON", 1, "Vokshi")
    assert coverage(page.words[3].bbox, [repeat.bbox]) == 1.0


def test_a_document_redacts_on_later_pages_what_an_earlier_page_labelled(analyzer: AnalyzerEngine) -> None:
    first, second = _labelled_page(), _signature_page()
    blank = np.full((first.height, first.width), 255, dtype=np.uint8)
    redacted = redact_document_pages([(blank.copy(), first), (blank.copy(), second)], analyzer, lang=LANG)
    on_second = redacted.findings[1]
    assert coverage(second.words[3].bbox, [f.bbox for f in on_second if f.entity_type == "PERSON"]) == 1.0
    assert coverage(second.words[6].bbox, [f.bbox for f in on_second if f.entity_type == "DATE_OF_BIRTH"]) == 1.0
    assert redacted.report.verified, [c for c in redacted.report.checks if not c.passed]
    kept: list[Word] = [w for w in second.words if w.text in ("NOTERI", "lindur")]
    assert all(coverage(w.bbox, [f.bbox for f in on_second]) == 0.0 for w in kept)
