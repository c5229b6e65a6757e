"""Catalog API: list and search, detail, versions and diff, stats; admin edits and publishing."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response

from county_hub.catalog import services
from county_hub.catalog.exchange import export_catalog
from county_hub.catalog.schemas import (
    CatalogStatsSchema,
    CertificateTypeSchema,
    DiffQueryArgsSchema,
    DiffSchema,
    ItemDataSchema,
    ItemDetailSchema,
    ItemQueryArgsSchema,
    VersionQueryArgsSchema,
    VersionSummarySchema,
)
from shared.accounts.models import Role
from shared.accounts.services import require_role
from shared.casework.catalog import SearchPage
from shared.casework.schemas import ItemListSchema
from shared.errors import NotFound
from shared.web.audit import audit
from shared.web.context import current_actor, current_tier, db_session, load_actor
from shared.web.smorest import Blueprint

blp = Blueprint("catalog", __name__, description="事项目录（实施清单）")


class ExportArgsSchema(ma.Schema):
    format = ma.fields.String(
        load_default="xlsx",
        validate=ma.validate.OneOf(["csv", "xlsx"], error="format 只能是 csv 或 xlsx"),
    )


@blp.route("/items")
@blp.arguments(ItemQueryArgsSchema, location="query")
@blp.response(200, ItemListSchema)
def list_items(args: dict[str, Any]) -> SearchPage:
    """Search items by Chinese name, full pinyin or pinyin initials

    Without a token only published items are listed; county staff may filter by status.
    """
    status = args.pop("status")
    if status is not None and status.value != "published":
        require_role(current_actor(), Role.ADMIN, Role.SUPERVISOR, action="查看未发布事项")
    elif status is None and load_actor(required=False) is None:
        status = "published"
    return services.search_items(db_session(), status=status, **args)


@blp.route("/items", methods=["POST"])
@blp.auth_required
@blp.arguments(ItemDataSchema)
@blp.response(201, ItemDetailSchema)
@blp.alt_response(403, description="不是县级管理员")
@blp.alt_response(409, description="实施编码已存在")
@blp.alt_response(422, description="数据不符合规则")
def create_item(data: dict[str, Any]) -> dict[str, Any]:
    """Create an item as a draft (version 1)"""
    session = db_session()
    item = services.create_item(session, current_actor(), data, clock=current_tier().clock)
    session.commit()
    return services.item_detail(session, item.code, 1)


@blp.route("/items/<string:code>")
@blp.arguments(VersionQueryArgsSchema, location="query")
@blp.response(200, ItemDetailSchema)
def get_item(args: dict[str, Any], code: str) -> dict[str, Any]:
    """One item with its materials, limits and flags (current published version by default)"""
    session = db_session()
    detail = services.item_detail(session, code, args.get("version"))
    if not detail["published"] and load_actor(required=False) is None:
        raise NotFound(detail=f"事项 {code} 尚未发布")
    return detail


@blp.route("/items/<string:code>/draft", methods=["PUT"])
@blp.auth_required
@blp.arguments(ItemDataSchema)
@blp.response(200, ItemDetailSchema)
def save_draft(data: dict[str, Any], code: str) -> dict[str, Any]:
    """Edit the item's draft (a new draft version is started if the latest is published)"""
    session = db_session()
    version = services.save_draft(session, current_actor(), code, data, clock=current_tier().clock)
    session.commit()
    return services.item_detail(session, code, version.version)


def _status_action(code: str, action: str) -> dict[str, Any]:
    session = db_session()
    actor, clock = current_actor(), current_tier().clock
    if action == "publish":
        services.publish_item(session, actor, code, clock=clock)
    else:
        services.change_status(session, actor, code, action, clock=clock)
    session.commit()
    return services.item_detail(session, code)


@blp.route("/items/<string:code>/publish", methods=["POST"])
@blp.auth_required
@blp.response(200, ItemDetailSchema)
@blp.alt_response(409, description="没有待发布的草稿或事项已废止")
def publish(code: str) -> dict[str, Any]:
    """Publish the draft version; new cases are accepted under it"""
    return _status_action(code, "publish")


@blp.route("/items/<string:code>/suspend", methods=["POST"])
@blp.auth_required
@blp.response(200, ItemDetailSchema)
def suspend(code: str) -> dict[str, Any]:
    """Suspend a published item"""
    return _status_action(code, "suspend")


@blp.route("/items/<string:code>/resume", methods=["POST"])
@blp.auth_required
@blp.response(200, ItemDetailSchema)
def resume(code: str) -> dict[str, Any]:
    """Resume a suspended item"""
    return _status_action(code, "resume")


@blp.route("/items/<string:code>/retire", methods=["POST"])
@blp.auth_required
@blp.response(200, ItemDetailSchema)
def retire(code: str) -> dict[str, Any]:
    """Retire an item for good (kept for the cases that pinned it)"""
    return _status_action(code, "retire")


@blp.route("/items/<string:code>/versions")
@blp.response(200, VersionSummarySchema(many=True))
def versions(code: str) -> list[dict[str, Any]]:
    """Every version of an item"""
    return services.list_versions(db_session(), code)


@blp.route("/items/<string:code>/diff")
@blp.arguments(DiffQueryArgsSchema, location="query")
@blp.response(200, DiffSchema)
def diff(args: dict[str, Any], code: str) -> dict[str, Any]:
    """What changed between two versions of an item"""
    changes = services.version_diff(db_session(), code, args["from_version"], args["to_version"])
    return {
        "code": code,
        "from_version": args["from_version"],
        "to_version": args["to_version"],
        "changes": changes,
    }


@blp.route("/stats")
@blp.response(200, CatalogStatsSchema)
def stats() -> dict[str, Any]:
    """Catalog figures: 网办率, 最多跑一次比例, 即办率 (DOMAIN.md §7)"""
    return services.catalog_stats(db_session())


@blp.route("/certificate-types")
@blp.response(200, CertificateTypeSchema(many=True))
def certificate_types() -> Any:
    """Certificate types that can replace paper materials"""
    return services.certificate_types(db_session())


@blp.route("/export")
@blp.auth_required
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, description="CSV（UTF-8 BOM，事项与材料两部分）或 XLSX（两个工作表）")
def export(args: dict[str, Any]) -> Response:
    """Export the whole catalog (current versions) as CSV or XLSX"""
    require_role(current_actor(), Role.ADMIN, Role.SUPERVISOR, action="导出事项目录")
    fmt = args["format"]
    payload, mimetype, filename = export_catalog(db_session(), fmt)
    audit("export", filename, detail=f"事项目录 {fmt.upper()}", commit=True)
    return Response(
        payload,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
