"""The hub and a node answer a catalog search alike: same items, same order, same keys.

Both run :func:`shared.casework.catalog.search_catalog`; the node over its replica of
the hub's master feed, the hub over its own tables.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.cases.view import HubCatalog
from shared.casework.catalog import ItemSummary
from shared.node.replica.catalog import ReplicaCatalog

QUERIES: list[dict[str, Any]] = [
    {"q": "spjyxk"},  # initials of 食品经营许可
    {"q": "shipin"},  # full pinyin
    {"q": "SP JY"},  # typed with capitals and a space
    {"q": "食品"},
    {"q": "许可", "per_page": 7, "page": 2},
    {"q": "证", "department": "scjgj"},
    {"q": "x", "nearby": "true"},
    {"per_page": 50},
    {"page": 3, "per_page": 20},
    {"q": "没有这个事项"},
    {"q": "100%_"},  # LIKE wildcards are literal
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
def test_hub_and_node_answer_a_search_alike(
    hub: FlaskClient, synced_town: Flask, query: dict[str, Any]
) -> None:
    at_hub = hub.get("/api/v1/catalog/items", query_string=query)
    at_town = synced_town.test_client().get("/api/v1/catalog/items", query_string=query)
    assert at_hub.status_code == at_town.status_code == 200
    assert at_town.get_json() == at_hub.get_json()
    if query.get("q") in ("spjyxk", "shipin", "食品"):
        assert at_hub.get_json()["total"] > 0
    for item in at_hub.get_json()["items"]:
        assert set(item) == set(ItemSummary.__annotations__)


def test_the_catalog_views_return_the_same_page(hub_session: Session, synced_town: Flask) -> None:
    hub_view = HubCatalog(hub_session)
    with synced_town.extensions["sanji"].sessions() as node_session:
        node_view = ReplicaCatalog(node_session)
        for q in ("spjyxk", "食品", "xk", ""):
            found = hub_view.search(q, page=1, per_page=30)
            assert node_view.search(q, page=1, per_page=30) == found
            assert [i["code"] for i in found["items"]] == [
                i["code"] for i in node_view.search(q, page=1, per_page=30)["items"]
            ]


def test_initials_rank_names_that_start_with_them_first(hub: FlaskClient) -> None:
    names = [i["name"] for i in hub.get("/api/v1/catalog/items?q=spjy").get_json()["items"]]
    assert names and names[0].startswith("食品经营")


def test_the_town_document_describes_its_catalog_answers(synced_town: Flask) -> None:
    client = synced_town.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = client.get("/api/v1/catalog/items", query_string={"q": "spjyxk"}).get_json()
    detail = client.get(f"/api/v1/catalog/items/{listing['items'][0]['code']}").get_json()
    assert detail["materials"] and detail["limits"]
    for path, body in (
        ("/api/v1/catalog/items", listing),
        ("/api/v1/catalog/items/{code}", detail),
    ):
        schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        validator = jsonschema_rs.validator_for(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                **schema["schema"],
                "components": doc["components"],
            }
        )
        assert [e.message for e in validator.iter_errors(body)] == [], path
