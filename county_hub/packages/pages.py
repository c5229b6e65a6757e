"""Hub pages of 一件事一次办: the list, a package's guide and form, an application.

The form carries a one-time id that is also the application's idempotency key, so a
double-clicked submit files one application (and one case per item), never two.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from county_hub.packages import services
from county_hub.packages.api import catalog
from shared.errors import DomainError, NotFound, PermissionDenied
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("hubpackages", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/packages")
def packages() -> str:
    """Packages by batch, and the latest applications."""
    actor = require_login()
    listing = services.list_packages(db_session())
    try:
        applications = services.list_applications(
            db_session(), actor, county=current_tier().county, per_page=10
        )
    except PermissionDenied:
        applications = {"items": [], "total": 0}
    return render_template("packages/packages.html", listing=listing, applications=applications)


def _form_data() -> dict[str, Any]:
    form = request.form
    return {
        "applicant": {
            "name": form.get("name", "").strip()[:100],
            "id_type": form.get("id_type", "111"),
            "id_number": form.get("id_number", "").strip()[:32],
            "phone": form.get("phone", "").strip()[:20],
        },
        "materials": [{"name": n, "provided": True} for n in form.getlist("provided")],
        "consent": form.get("consent") == "1",
    }


def _missing_fields(data: dict[str, Any]) -> dict[str, str]:
    labels = {"name": "申请人姓名", "id_number": "证件号码", "phone": "联系电话"}
    return {k: f"请填写{label}" for k, label in labels.items() if not data["applicant"][k]}


@bp.route("/packages/<code>", methods=["GET", "POST"])
def package(code: str) -> str | Response:
    """The package's guide (items, merged materials) and the application form."""
    actor = require_login()
    try:
        detail = services.package_detail(db_session(), code, catalog=catalog())
    except NotFound:
        abort(404)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"id_type": "111", "provided": []}
    form_id = uuid.uuid4().hex
    if request.method == "POST":
        form_id = request.form.get("form_id", "")[:100] or form_id
        data = _form_data()
        values = {
            **data["applicant"],
            "provided": request.form.getlist("provided"),
            "consent": data["consent"],
        }
        errors = _missing_fields(data)
        if data["applicant"]["id_type"] not in ("111", "001"):
            errors["id_type"] = "请选择证件类型"
        if not errors:
            tier = current_tier()
            db = db_session()
            try:
                result, created = services.apply_for_package(
                    db,
                    actor,
                    code,
                    data,
                    node=tier.node_code,
                    county=tier.county,
                    catalog=catalog(),
                    clock=tier.clock,
                    idempotency_key=f"form:{form_id}",
                )
            except DomainError as err:
                db.rollback()
                errors = {p.name.removeprefix("applicant."): p.reason for p in err.invalid_params}
                errors["_form"] = err.detail or err.title
            else:
                db.commit()
                if created:
                    flash(f"已受理「{detail['name']}」，共 {len(result['children'])} 个办件", "ok")
                return redirect(url_for("hubpackages.application", application_id=result["id"]))
    return render_template(
        "packages/package.html", package=detail, errors=errors, values=values, form_id=form_id
    ), 422 if errors else 200  # type: ignore[return-value]


@bp.get("/packages/applications/<int:application_id>")
def application(application_id: int) -> str:
    """An application: its children with links to their cases, and the package status."""
    actor = require_login()
    try:
        found = services.get_application(
            db_session(), actor, application_id, county=current_tier().county
        )
    except (NotFound, PermissionDenied):
        abort(404)
    return render_template("packages/package_application.html", app=found)
