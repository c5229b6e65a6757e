"""GET /catalog/items on a town or village, answered from its replica (works offline)."""

from __future__ import annotations

from typing import Any

from shared.casework.catalog import SearchPage
from shared.casework.schemas import ItemListSchema
from shared.node.replica import catalog as view
from shared.node.replica.schemas import GuideItemSchema, ItemQueryArgsSchema, VersionArgsSchema
from shared.web.context import db_session
from shared.web.smorest import Blueprint

blp = Blueprint("catalog", __name__, description="事项目录（本节点副本，离线可查）")


@blp.route("/items")
@blp.arguments(ItemQueryArgsSchema, location="query")
@blp.response(200, ItemListSchema)
def list_items(args: dict[str, Any]) -> SearchPage:
    """Search published items by Chinese name, full pinyin or pinyin initials"""
    return view.search(db_session(), **args)


@blp.route("/items/<string:code>")
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200, GuideItemSchema)
def get_item(args: dict[str, Any], code: str) -> dict[str, Any]:
    """One item with its materials, limits and flags"""
    return view.detail(db_session(), code, args["version"])
