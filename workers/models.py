"""Which text classification model is in use: the newest one ``sportel retrain`` promoted under
``<home>/models/current.model``, else the default model shipped in ``pipeline/data/models/`` (trained by
``sportel retrain --count 140 --seed 1000`` on generated documents). The model's version is recorded on
every classification."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workers.context import WorkerContext

if TYPE_CHECKING:
    from stages.classify import TextModel

from pipeline.catalog import DATA_DIR

CURRENT_MODEL = "current.model"
DEFAULT_MODEL = DATA_DIR / "models" / "default.model"


def models_dir(ctx: WorkerContext) -> Path:
    return ctx.settings.home / "models"


def current_text_model(ctx: WorkerContext) -> TextModel | None:
    from stages.classify import load_model

    path = models_dir(ctx) / CURRENT_MODEL
    if not path.exists():
        path = DEFAULT_MODEL
    if not path.exists():
        return None
    return ctx.cached(f"text-model:{path.stat().st_mtime_ns}", lambda: load_model(path))
