"""Where the manifest's JSON Schema lives, and how it is regenerated (``python -m pipeline.manifest_schema``)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.manifest import Manifest

SCHEMA_PATH = Path(__file__).parent / "schemas" / "manifest.schema.json"


def render_schema() -> str:
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://sportel.example/schemas/manifest.schema.json"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
