"""The committed OpenAPI documents match the code (run `make openapi` after an API change)."""

from __future__ import annotations

import pytest

from tests.openapi_snapshot import OUT, documents, render


@pytest.mark.parametrize("tier", ["hub", "town", "village"])
def test_openapi_document_is_committed(tier: str) -> None:
    committed = (OUT / f"{tier}.json").read_text(encoding="utf-8")
    assert render(documents()[tier]) == committed, (
        "API changed: run `make openapi` and commit docs/openapi/"
    )
