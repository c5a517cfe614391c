"""The detection benchmark sorts its misses by cause, without hiding any: a page the geometry stage turned the
wrong way and a seeded box that is not where the page shows its value are told apart from detection's own
misses, and all of them still count against recall."""

from __future__ import annotations

from benchmarks.privacy import PrivacyFigures, score_page
from benchmarks.samples.truth import PiiTruth
from pipeline.models import BBox, PiiFinding, Word

NUMBER = "I50312045K"


def _item(box: BBox) -> PiiTruth:
    return PiiTruth(entity_type="AL_PERSONAL_NUMBER", value=NUMBER, page=0, bbox=box)


def _finding(box: BBox) -> PiiFinding:
    return PiiFinding(entity_type="AL_PERSONAL_NUMBER", page_index=0, bbox=box, score=0.95, value=NUMBER)


def _word(box: BBox) -> Word:
    return Word(text=NUMBER, bbox=box, conf=90.0)


def _score(seeded: list[PiiTruth], findings: list[PiiFinding], words: list[Word], *,
           turned: bool = False) -> PrivacyFigures:
    figures = PrivacyFigures()
    score_page(figures, "doc001", 0, [(item, item.bbox) for item in seeded], findings, 2000, 2000, words=words,
               turned=turned)
    return figures


def test_a_value_read_where_nothing_was_found_is_a_miss_of_detection() -> None:
    item = _item(BBox(x0=100, y0=100, x1=340, y1=140))
    figures = _score([item], [], [_word(item.bbox)])
    assert [m.kind for m in figures.misses] == ["missed"]
    assert figures.scores["AL_PERSONAL_NUMBER"].recall == 0.0


def test_a_seeded_box_beside_the_value_found_is_misaligned_and_still_a_miss() -> None:
    item = _item(BBox(x0=100, y0=100, x1=340, y1=140))
    shown = BBox(x0=100, y0=150, x1=340, y1=190)  # where the page shows it: one line lower
    figures = _score([item], [_finding(shown)], [_word(shown)])
    score = figures.scores["AL_PERSONAL_NUMBER"]
    # The finding at the shifted place also counts as spurious: the figures show both sides of it.
    assert [m.kind for m in figures.misses] == ["misaligned", "spurious"]
    assert (score.found, score.misaligned, score.recall) == (0, 1, 0.0)


def test_a_value_printed_twice_and_found_once_is_a_miss_not_a_misalignment() -> None:
    """An ID card prints its number in a field and again in its machine-readable zone: the zone's copy, not
    read by OCR, is a miss even though the field's copy was found just above it."""
    field = _item(BBox(x0=100, y0=100, x1=340, y1=140))
    zone = _item(BBox(x0=100, y0=160, x1=340, y1=200))
    figures = _score([field, zone], [_finding(field.bbox)], [_word(field.bbox)])
    assert [m.kind for m in figures.misses] == ["missed"]
    assert figures.scores["AL_PERSONAL_NUMBER"].misaligned == 0


def test_misses_on_a_page_turned_the_wrong_way_are_put_down_to_geometry() -> None:
    item = _item(BBox(x0=100, y0=100, x1=340, y1=140))
    figures = _score([item], [], [], turned=True)
    score = figures.scores["AL_PERSONAL_NUMBER"]
    assert [m.kind for m in figures.misses] == ["missed-geometry"]
    assert (score.geometry, score.recall) == (1, 0.0)
