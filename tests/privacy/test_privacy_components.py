"""Component boxes found a band of inked rows at a time are OpenCV's for the whole mask, in its order,
without a labels image the size of the mask."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from privacy.components import component_stats
from tests.memory import traced_peak


def _whole(mask: NDArray[np.uint8]) -> NDArray[np.int32]:
    return np.asarray(cv2.connectedComponentsWithStats(mask, connectivity=8)[2][1:], dtype=np.int32)


@pytest.mark.parametrize("seed", range(40))
def test_the_same_boxes_in_the_same_order_as_labelling_the_whole_mask(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(1, 300)), int(rng.integers(1, 300))
    mask = (rng.random((height, width)) < rng.uniform(0.002, 0.5)).astype(np.uint8)
    mask[rng.random(height) < 0.4] = 0  # bands starting on odd and even rows, single empty rows between
    assert np.array_equal(component_stats(mask), _whole(mask))


def test_rules_and_text_lines_of_a_page_sized_mask() -> None:
    mask = np.zeros((1754, 1240), dtype=np.uint8)
    for top in range(101, 1700, 37):  # lines of "letters" and a rule under every third
        mask[top : top + 20, 100:1100:9] = 1
        if top % 3 == 0:
            mask[top + 25 : top + 27, 150:900] = 1
    assert np.array_equal(component_stats(mask), _whole(mask))
    assert component_stats(np.zeros_like(mask)).shape == (0, cv2.CC_STAT_MAX)


def test_thin_rules_are_found_without_a_page_sized_labels_image() -> None:
    mask = np.zeros((1754, 1240), dtype=np.uint8)
    mask[300:302, 100:900] = mask[1200:1203, 400:1000] = 1
    stats, peak = traced_peak(lambda: component_stats(mask))
    assert stats[:, :4].tolist() == [[100, 300, 800, 2], [400, 1200, 600, 3]]
    assert peak < mask.nbytes / 4  # OpenCV's labels of the whole mask: four times its size
