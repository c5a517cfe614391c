from __future__ import annotations

from pipeline.manifest_schema import SCHEMA_PATH, render_schema


def test_committed_manifest_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "run `python -m pipeline.manifest_schema` and commit the schema"
    )
