"""Write or compare the committed OpenAPI documents (docs/openapi/<tier>.json).

``make openapi`` rewrites them; tests/test_openapi_snapshot.py fails when an API change
was not noticed (the document differs from the committed one).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "openapi"


def documents() -> dict[str, dict[str, Any]]:
    from county_hub import create_app as hub
    from town_node import create_app as town
    from village_portal import create_app as village

    docs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, factory in (("hub", hub), ("town", town), ("village", village)):
            app = factory({"DATA_DIR": f"{tmp}/{name}", "SECRET_KEY": "x", "NODE_CODE": "610727"})
            docs[name] = app.test_client().get("/api/v1/openapi.json").get_json()
            docs[name]["info"]["version"] = "v1"
    return docs


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        OUT.mkdir(parents=True, exist_ok=True)
        for name, doc in documents().items():
            (OUT / f"{name}.json").write_text(render(doc), encoding="utf-8")
            print(f"wrote {OUT / name}.json")
