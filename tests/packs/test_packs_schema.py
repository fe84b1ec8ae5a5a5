"""The published JSON Schema of capkit-pack.json is the one the code generates, and it agrees with the model."""

import json
from pathlib import Path

import pytest

from capkit.packs.schema import pack_schema
from capkit.packs.testing import example_manifest

ROOT = Path(__file__).resolve().parents[2]


def test_published_schema_is_current():
    committed = json.loads((ROOT / "resources" / "schemas" / "filter-pack.schema.json").read_text())
    assert committed == pack_schema(), \
        "run: python -m capkit.packs.schema > resources/schemas/filter-pack.schema.json"


def test_schema_accepts_the_example_and_refuses_a_stray_field():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev extra")
    schema = pack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    manifest = example_manifest()
    jsonschema.validate(manifest, schema)
    manifest["filters"][0]["graph"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, schema)
