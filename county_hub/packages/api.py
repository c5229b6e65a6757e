"""/api/v1/packages: 一件事一次办 guides and applications."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from county_hub.packages import services
from county_hub.packages.schemas import (
    ApplicationListSchema,
    ApplicationQueryArgsSchema,
    ApplicationSchema,
    NewApplicationSchema,
    PackageListSchema,
    PackageQueryArgsSchema,
    PackageSchema,
)
from shared.casework.catalog import CatalogView
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

blp = Blueprint("packages", __name__, description="一件事一次办：一次申请、一套材料、分事项办理")

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": "同一账号以同一键重复提交时返回第一次的申请，不再新建办件",
}


def catalog() -> CatalogView:
    view: CatalogView = current_app.extensions["sanji.catalog"](db_session())
    return view


@blp.route("")
@blp.arguments(PackageQueryArgsSchema, location="query")
@blp.response(200, PackageListSchema)
def list_packages(args: dict[str, Any]) -> dict[str, Any]:
    """Packages (一件事) by batch, with how many items each holds"""
    return services.list_packages(db_session(), **args)


@blp.route("/applications")
@blp.auth_required
@blp.arguments(ApplicationQueryArgsSchema, location="query")
@blp.response(200, ApplicationListSchema)
def list_applications(args: dict[str, Any]) -> dict[str, Any]:
    """Applications, newest first, each with its children and derived status"""
    return services.list_applications(
        db_session(), current_actor(), county=current_tier().county, **args
    )


@blp.route("/applications/<int:application_id>")
@blp.auth_required
@blp.response(200, ApplicationSchema)
def get_application(application_id: int) -> dict[str, Any]:
    """One application: children (case_no, item, status, handled_by, due_date) and status

    ``status`` is 办理中 while any child is open and 已办结 when every child is concluded
    or delivered; it is read from the children's cases, never stored.
    """
    return services.get_application(
        db_session(), current_actor(), application_id, county=current_tier().county
    )


@blp.route("/<string:code>")
@blp.response(200, PackageSchema)
def get_package(code: str) -> dict[str, Any]:
    """A package's guide: its items and the merged material list (each material once)"""
    return services.package_detail(db_session(), code, catalog=catalog())


@blp.route("/<string:code>/applications", methods=["POST"])
@blp.auth_required
@blp.arguments(NewApplicationSchema)
@blp.response(201, ApplicationSchema)
@blp.alt_response(
    200, schema=ApplicationSchema, description="同一 Idempotency-Key 再次提交：第一次的申请"
)
@blp.alt_response(403, description="本账号不能在本节点受理")
@blp.alt_response(409, description="某事项当前不受理申请，或 Idempotency-Key 已用于另一申请")
@blp.alt_response(422, description="申请人或材料有误（指明是哪个事项）")
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def apply(data: dict[str, Any], code: str) -> tuple[dict[str, Any], int]:
    """Apply for a package: one child case per item, all or none (200: a repeated key)"""
    session = db_session()
    tier = current_tier()
    key = (request.headers.get("Idempotency-Key") or "").strip()[:100] or None
    result, created = services.apply_for_package(
        session,
        current_actor(),
        code,
        data,
        node=tier.node_code,
        county=tier.county,
        catalog=catalog(),
        clock=tier.clock,
        idempotency_key=key,
    )
    session.commit()
    return result, 201 if created else 200
