"""GET /catalog/items on a town or village, answered from its replica (works offline)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from shared.casework.catalog import SearchPage
from shared.casework.schemas import ItemListSchema
from shared.node.replica import catalog as view
from shared.web.context import db_session
from shared.web.smorest import Blueprint

blp = Blueprint("catalog", __name__, description="事项目录（本节点副本，离线可查）")


class ItemQueryArgsSchema(ma.Schema):
    q = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=100),
        metadata={"description": "中文名称、全拼或拼音首字母，如 spjyxk"},
    )
    department = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32))
    nearby = ma.fields.Boolean(load_default=None)
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))


class VersionArgsSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=100000))


@blp.route("/items")
@blp.arguments(ItemQueryArgsSchema, location="query")
@blp.response(200, ItemListSchema)
def list_items(args: dict[str, Any]) -> SearchPage:
    """Search published items by Chinese name, full pinyin or pinyin initials"""
    return view.search(db_session(), **args)


@blp.route("/items/<string:code>")
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200)
def get_item(args: dict[str, Any], code: str) -> dict[str, Any]:
    """One item with its materials, limits and flags"""
    return view.detail(db_session(), code, args["version"])
