"""Which text classification model is in use: the newest one ``sportel retrain`` promoted under
``<home>/models/current.model``, or none (rules only). The model's version is recorded on every
classification."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workers.context import WorkerContext

if TYPE_CHECKING:
    from stages.classify import TextModel

CURRENT_MODEL = "current.model"


def models_dir(ctx: WorkerContext) -> Path:
    return ctx.settings.home / "models"


def current_text_model(ctx: WorkerContext) -> TextModel | None:
    from stages.classify import load_model

    path = models_dir(ctx) / CURRENT_MODEL
    if not path.exists():
        return None
    return ctx.cached(f"text-model:{path.stat().st_mtime_ns}", lambda: load_model(path))
