"""The JSON Schema of ``capkit-pack.json``, generated from the manifest model.

``python -m capkit.packs.schema > resources/schemas/filter-pack.schema.json`` writes the published
copy; a test fails when it drifts from the code. Editors use it to complete and check manifests;
capkit itself validates with the model, which also knows what no schema can say (which operations
exist, their ranges, the files inside the pack).
"""

from __future__ import annotations

import json

from capkit.packs.manifest import PackManifest


def pack_schema() -> dict:
    schema = PackManifest.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://capkit.dev/schemas/filter-pack.schema.json",
        **schema,
    }


def main() -> None:
    print(json.dumps(pack_schema(), indent=1))


if __name__ == "__main__":
    main()
