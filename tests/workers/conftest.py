"""What the workers' tests share: a worker context on a fresh embedded home, and a page with text."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.settings import load_settings
from storage.migrate import upgrade
from workers.context import WorkerContext


@pytest.fixture
def ctx(tmp_path: Path) -> WorkerContext:
    settings = load_settings(home=tmp_path / "home")
    upgrade(settings.resolved_database_url)
    return WorkerContext.from_settings(settings)


def text_page(path: Path) -> Path:
    """An A4 page at 300 dpi with three lines of Albanian text, written to ``path`` (PNG)."""
    image = np.full((3508, 2480), 255, dtype=np.uint8)
    for row, line in enumerate(["VERTETIM", "Bashkia Shkoder", "Ky dokument vertetohet"]):
        cv2.putText(image, line, (300, 500 + row * 150), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 6)
    cv2.imwrite(str(path), image)
    return path
