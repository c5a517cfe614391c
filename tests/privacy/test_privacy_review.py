"""Officers' box changes (privacy.review.apply_box_changes) on generated pages after real OCR: a removed box
shows its value again and nothing else; an added box hides what detection missed, proven by the same
verification; boxes are stored without values, which are read back from the page."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from benchmarks.privacy import coverage
from pipeline.errors import InputError
from pipeline.models import BBox, PiiFinding
from privacy.review import BoxChange, apply_box_changes, words_under
from tests.privacy.conftest import OcrPage, Seeded, leaked, ocr

pytestmark = pytest.mark.xdist_group("privacy_pages")

LANG = "sqi+eng"
PAGE_NAME = "certifikate"


def _pdftotext(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "r.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                              timeout=60).stdout.decode()


def _stored(findings: list[PiiFinding]) -> list[PiiFinding]:
    """As the database keeps them: no values."""
    return [f.model_copy(update={"value": ""}) for f in findings]


@pytest.fixture(scope="module")
def page(ocr_pages: list[OcrPage], detections: list[list[PiiFinding]]) -> tuple[OcrPage, list[PiiFinding]]:
    index = next(i for i, p in enumerate(ocr_pages) if p.rendered.name == PAGE_NAME)
    return ocr_pages[index], detections[index]


def _seeded(ocr_page: OcrPage, entity: str) -> Seeded:
    return next(s for s in ocr_page.rendered.truth if s.entity == entity)


def _covering(findings: list[PiiFinding], seeded: Seeded) -> list[PiiFinding]:
    return [f for f in findings if coverage(seeded.bbox, [f.bbox]) > 0.3]


def test_removing_a_box_shows_its_value_and_keeps_every_other_hidden(
    page: tuple[OcrPage, list[PiiFinding]],
) -> None:
    ocr_page, findings = page
    target = _seeded(ocr_page, "AL_PERSONAL_NUMBER")
    (box,) = _covering(findings, target)
    change = BoxChange(action="remove", page_index=box.page_index, bbox=box.bbox, entity_type=box.entity_type,
                       reason="not_personal_data")
    result = apply_box_changes([(ocr_page.rendered.image, ocr_page.page)], _stored(findings), [change], lang=LANG)
    assert result.report.verified, [c for c in result.report.checks if not c.passed]
    assert len(result.all_findings) == len(findings) - 1
    text = _pdftotext(result.pdf)
    pixels = ocr(result.images[0]).text
    assert leaked(text, [ocr_page.rendered]) == [target.value]
    assert set(leaked(pixels, [ocr_page.rendered])) == {target.value}


def test_an_added_box_hides_what_detection_missed(page: tuple[OcrPage, list[PiiFinding]]) -> None:
    ocr_page, findings = page
    target = _seeded(ocr_page, "DATE_OF_BIRTH")
    missed = [f for f in findings if f not in _covering(findings, target)]
    image = ocr_page.rendered.image
    pages = [(image, ocr_page.page)]
    # Without the officer's box the value is there to read: the test can fail.
    unchanged = apply_box_changes(pages, _stored(missed), [], lang=LANG)
    assert target.value in leaked(_pdftotext(unchanged.pdf), [ocr_page.rendered])

    drawn = target.bbox.grow(6, image.shape[1], image.shape[0])
    change = BoxChange(action="add", page_index=ocr_page.page.page_index, bbox=drawn, entity_type="DATE_OF_BIRTH",
                       reason="missed_personal_data")
    result = apply_box_changes(pages, _stored(missed), [change], lang=LANG)
    assert result.report.verified, [c for c in result.report.checks if not c.passed]
    added = result.all_findings[-1]
    assert added.bbox == drawn and target.value in added.value  # the verification searched for it
    assert leaked(_pdftotext(result.pdf), [ocr_page.rendered]) == []
    assert leaked(ocr(result.images[0]).text, [ocr_page.rendered]) == []


def test_a_box_over_ink_no_ocr_reads_is_proven_by_its_pixels(page: tuple[OcrPage, list[PiiFinding]]) -> None:
    ocr_page, findings = page
    image = ocr_page.rendered.image.copy()
    height, width = image.shape
    scribble = BBox(x0=width - 300, y0=height - 200, x1=width - 100, y1=height - 120)
    image[scribble.y0 + 30 : scribble.y0 + 36, scribble.x0 + 10 : scribble.x1 - 10] = 0  # a pen stroke
    change = BoxChange(action="add", page_index=ocr_page.page.page_index, bbox=scribble,
                       reason="unreadable_region")
    assert words_under(ocr_page.page, scribble) == ""
    result = apply_box_changes([(image, ocr_page.page)], _stored(findings), [change], lang=LANG)
    assert result.report.verified
    checks = {c.name: c for c in result.report.checks}
    assert checks["opaque_boxes"].passed and result.report.boxes == len(findings) + 1
    assert result.images[0][scribble.y0 : scribble.y1, scribble.x0 : scribble.x1].max() == 0


def test_a_removal_must_name_an_existing_box(page: tuple[OcrPage, list[PiiFinding]]) -> None:
    ocr_page, findings = page
    wrong = BoxChange(action="remove", page_index=ocr_page.page.page_index, bbox=BBox(x0=1, y0=1, x1=5, y1=5),
                      reason="not_personal_data")
    with pytest.raises(InputError):
        apply_box_changes([(ocr_page.rendered.image, ocr_page.page)], _stored(findings), [wrong], lang=LANG)
    elsewhere = wrong.model_copy(update={"action": "add", "page_index": ocr_page.page.page_index + 99})
    with pytest.raises(InputError):
        apply_box_changes([(ocr_page.rendered.image, ocr_page.page)], _stored(findings), [elsewhere], lang=LANG)


def test_changes_accept_codes_only() -> None:
    with pytest.raises(ValueError):
        BoxChange.model_validate({"action": "add", "page_index": 0, "bbox": {"x0": 0, "y0": 0, "x1": 5, "y1": 5},
                                  "reason": "Arben asked for it"})
    with pytest.raises(ValueError):
        BoxChange(action="add", page_index=0, bbox=BBox(x0=0, y0=0, x1=5, y1=5), entity_type="NAME_OF_CAT",
                  reason="other")
