"""GET /regions and /departments."""

from __future__ import annotations

from typing import Any

from county_hub.org import services
from county_hub.org.schemas import DepartmentSchema, RegionQueryArgsSchema, RegionSchema
from shared.web.context import db_session
from shared.web.smorest import Blueprint

regions_blp = Blueprint("regions", __name__, description="行政区划（县、镇、村）")
departments_blp = Blueprint("departments", __name__, description="县级部门")


@regions_blp.route("")
@regions_blp.arguments(RegionQueryArgsSchema, location="query")
@regions_blp.response(200, RegionSchema(many=True))
def list_regions(args: dict[str, Any]) -> Any:
    """List regions (filter by level, parent and open service room)"""
    return services.list_regions(db_session(), **args)


@regions_blp.route("/<string:code>")
@regions_blp.response(200, RegionSchema)
def get_region(code: str) -> Any:
    """One region"""
    return services.get_region(db_session(), code)


@departments_blp.route("")
@departments_blp.response(200, DepartmentSchema(many=True))
def list_departments() -> Any:
    """List county departments with their item counts"""
    return services.list_departments(db_session())


@departments_blp.route("/<string:code>")
@departments_blp.response(200, DepartmentSchema)
def get_department(code: str) -> Any:
    """One department"""
    return services.get_department(db_session(), code)
