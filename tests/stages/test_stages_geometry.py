"""Orientation, deskew and blank detection on generated pages with known angles."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from stages.geometry import BLANK_INK_RATIO, correct_page, estimate_orientation, estimate_skew, ink_ratio
from tests.stages.conftest import ENGLISH, Gray, render_lines, rotate_content, scan_like

# Spread over [-15, 15] with the ends and small angles included; fixed, so failures reproduce.
SKEW_ANGLES = [-15.0, -12.7, -9.3, -6.1, -3.4, -1.2, -0.4, 0.0, 0.25, 0.9, 2.2, 4.8, 7.5, 10.6, 13.1, 15.0]


@pytest.fixture(scope="module")
def skew_errors(albanian_page: Gray, form_page: Gray) -> list[float]:
    errors = []
    for index, angle in enumerate(SKEW_ANGLES):
        page = albanian_page if index % 2 == 0 else form_page
        scanned = rotate_content(page, angle)
        if index % 4 == 1:
            scanned = scan_like(scanned, seed=index)
        # Content turned counter-clockwise by `angle` is corrected by a clockwise turn: -angle.
        errors.append(abs(estimate_skew(scanned, dpi=300) - (-angle)))
    return errors


def test_deskew_error_meets_targets(skew_errors: list[float]) -> None:
    assert float(np.median(skew_errors)) <= 0.05
    assert max(skew_errors) <= 0.3


def test_correct_page_straightens_and_keeps_the_whole_page(english_page: Gray) -> None:
    scanned = rotate_content(english_page, 6.0)
    result, corrected = correct_page(scanned, dpi=300)
    assert result.skew_deg == pytest.approx(-6.0, abs=0.1)
    assert result.orientation_deg == 0
    assert corrected.dtype == np.uint8 and corrected.ndim == 2
    assert (result.height, result.width) == corrected.shape
    # A rotation grows the canvas instead of cutting corners, and fills it white.
    assert corrected.shape[0] >= scanned.shape[0] and corrected.shape[1] >= scanned.shape[1]
    assert corrected[0, 0] == 255 and corrected[-1, -1] == 255
    assert abs(estimate_skew(corrected, dpi=300)) < 0.1
    assert int((corrected < 128).sum()) == pytest.approx(int((english_page < 128).sum()), rel=0.1)


def test_straight_page_is_left_untouched(english_page: Gray) -> None:
    result, corrected = correct_page(english_page, dpi=300)
    assert (result.orientation_deg, result.skew_deg, result.blank) == (0, 0.0, False)
    assert np.array_equal(corrected, english_page)


@pytest.mark.parametrize("page_name", ["albanian_page", "form_page"])
@pytest.mark.parametrize("quarters", [0, 1, 2, 3])
def test_turned_pages_come_out_upright(page_name: str, quarters: int, request: pytest.FixtureRequest) -> None:
    page: Gray = request.getfixturevalue(page_name)
    turned = np.ascontiguousarray(np.rot90(page, quarters))  # counter-clockwise quarter turns
    skewed = rotate_content(turned, 3.5 if quarters % 2 else -2.0)
    result, corrected = correct_page(skewed, dpi=300)
    assert result.orientation_deg == (90 * quarters) % 360
    assert corrected.shape[0] > corrected.shape[1]  # portrait again
    orientation, confidence = estimate_orientation(turned, dpi=300)
    assert orientation == (90 * quarters) % 360
    assert 0.0 < confidence <= 1.0


def test_all_capitals_page_is_turned_upright() -> None:
    capitals = render_lines([line.upper() for line in ENGLISH], font="DejaVuSans-Bold.ttf", pt=12)
    for quarters in (0, 2):
        turned = np.ascontiguousarray(np.rot90(capitals, quarters))
        result, _ = correct_page(turned, dpi=300)
        assert result.orientation_deg == 90 * quarters


def _blank_scan(seed: int) -> Gray:
    rng = np.random.default_rng(seed)
    page = np.clip(rng.normal(238.0, 6.0, (3508, 2480)), 0, 255).astype(np.uint8)
    page[:, :40] = 30  # the scanner's dark edge
    specks = rng.integers(100, 3400, size=(60, 2))
    for y, x in specks:  # dust
        page[y : y + 2, x : x + 2] = 20
    return page


def _near_blank_separator() -> Gray:
    page = np.full((3508, 2480), 255, dtype=np.uint8)
    qr = zxingcpp.create_barcode("SPORTEL/SEP/1", zxingcpp.BarcodeFormat.QRCode)
    small = np.asarray(qr.to_image(scale=6, add_quiet_zones=False), dtype=np.uint8)  # about 1.3 cm
    page[300 : 300 + small.shape[0], 2000 : 2000 + small.shape[1]] = small
    return page


def test_blank_page_is_flagged_and_kept() -> None:
    blank = _blank_scan(1)
    result, corrected = correct_page(blank, dpi=300)
    assert result.blank is True
    assert corrected.shape == blank.shape  # flagged, never dropped
    assert ink_ratio(blank) < BLANK_INK_RATIO


def test_near_blank_separator_and_content_are_not_blank(english_page: Gray) -> None:
    separator = _near_blank_separator()
    sparse = render_lines(["Po"], pt=9)  # one short word is content
    blank_ratio = ink_ratio(_blank_scan(2))
    assert correct_page(separator, dpi=300)[0].blank is False
    assert correct_page(sparse, dpi=300)[0].blank is False
    assert correct_page(english_page, dpi=300)[0].blank is False
    assert blank_ratio < ink_ratio(sparse) < ink_ratio(separator) < ink_ratio(english_page)
