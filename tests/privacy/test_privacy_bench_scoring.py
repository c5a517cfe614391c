"""The detection benchmark's scoring (benchmarks.privacy): seeded boxes land where the pipeline's
corrected page shows them, and recall, precision and coverage count what they say."""

from __future__ import annotations

import numpy as np

from benchmarks.classification import ReadPage
from benchmarks.privacy import PrivacyFigures, score_page, truth_in_page
from benchmarks.samples.truth import DocumentTruth, PageTruth, PiiTruth
from pipeline.models import BBox, GeometryResult, PiiFinding


def _truth(items: list[PiiTruth]) -> DocumentTruth:
    page = PageTruth(index=0, orientation_deg=0, skew_deg=2.0, text="", width=1000, height=1400)
    return DocumentTruth(doc_id="doc001", document_type="x", language="sqi", layout="standard", file="f.pdf",
                         dpi=200, pages=[page], pii=items)


def test_seeded_boxes_are_scaled_to_the_intake_dpi_and_centred_in_a_padded_page() -> None:
    item = PiiTruth(entity_type="PERSON", value="Arben Kola", page=0, bbox=BBox(x0=100, y0=200, x1=300, y1=240))
    # 300 dpi intake of a 200 dpi page (1500 x 2100), padded by deskewing to 1540 x 2160.
    image = np.full((2160, 1540), 255, dtype=np.uint8)
    geometry = GeometryResult(orientation_deg=0, orientation_confidence=1.0, skew_deg=2.0, width=1540, height=2160)
    page = ReadPage(source_index=0, dpi=300, geometry=geometry, image=image, ocr=None)
    assert truth_in_page(item, _truth([item]), page) == BBox(x0=170, y0=330, x1=470, y1=390)
    # Deskewing that turned the page 1.5 degrees too far turns the seeded box with it.
    turned = ReadPage(source_index=0, dpi=300, geometry=geometry.model_copy(update={"skew_deg": 3.5}), image=image,
                      ocr=None)
    box = truth_in_page(item, _truth([item]), turned)
    assert box.x0 < 170 and box.y0 > 330 and box.width > 300


def _finding(entity: str, box: BBox) -> PiiFinding:
    return PiiFinding(entity_type=entity, page_index=0, bbox=box, score=0.9, value="x")


def test_recall_precision_and_coverage_count_what_they_say() -> None:
    name = PiiTruth(entity_type="PERSON", value="Arben Kola", page=0, bbox=BBox(x0=100, y0=100, x1=300, y1=140))
    number = PiiTruth(entity_type="AL_PERSONAL_NUMBER", value="I50312045K", page=0,
                      bbox=BBox(x0=100, y0=200, x1=300, y1=240))
    findings = [
        _finding("PERSON", BBox(x0=98, y0=98, x1=302, y1=142)),  # right type, right place
        _finding("PERSON", BBox(x0=100, y0=200, x1=300, y1=240)),  # the number, taken for a name
        _finding("PERSON", BBox(x0=600, y0=600, x1=700, y1=640)),  # nothing there
    ]
    figures = PrivacyFigures()
    score_page(figures, "doc001", 0, [(name, name.bbox), (number, number.bbox)], findings, 1000, 1000)
    person, personal_number = figures.scores["PERSON"], figures.scores["AL_PERSONAL_NUMBER"]
    assert (person.seeded, person.found, person.findings, person.correct) == (1, 1, 3, 1)
    assert (personal_number.seeded, personal_number.found, personal_number.covered) == (1, 0, 1)
    assert round(person.precision, 3) == 0.333 and personal_number.recall == 0.0
    assert [(m.kind, m.entity) for m in figures.misses] == [
        ("missed", "AL_PERSONAL_NUMBER"), ("spurious", "PERSON"), ("spurious", "PERSON")]
