"""Catalog editor pages: a county admin edits an item's draft or starts a new item.

The form is turned into the same record the API takes and handed to the same services
(``create_item`` / ``save_draft``), so the page and the API share one set of rules. On
error nothing is written and the form comes back with each reason next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from county_hub.catalog import schemas, services
from county_hub.catalog.schemas import Flag, ItemDataSchema
from county_hub.org.services import list_departments
from shared.accounts.models import Role
from shared.errors import DomainError, NotFound
from shared.web.context import current_tier, db_session, require_login

bp = Blueprint("catalogedit", __name__, template_folder="templates")

#: Fields shown as a multi-line box rather than a one-line input.
LONG_FIELDS = frozenset({"legal_basis", "conditions", "procedure", "fee_basis", "faq", "note"})
#: Fields picked from a code list, with the list's Chinese labels.
CHOICES: dict[str, Mapping[Any, str]] = {
    "item_type": schemas.ITEM_TYPES,
    "exercise_level": schemas.EXERCISE_LEVELS,
    "power_source": schemas.POWER_SOURCES,
    "statutory_unit": schemas.UNITS,
    "promised_unit": schemas.UNITS,
    "case_kind": schemas.CASE_KINDS,
}
MATERIAL_CHOICES: dict[str, Mapping[int, str]] = {
    "form": schemas.MATERIAL_FORMS,
    "type": schemas.MATERIAL_TYPES,
    "necessity": schemas.NECESSITY,
}
#: A blank material row as a new row starts (the schema's defaults).
BLANK_MATERIAL: dict[str, str] = {
    "name": "",
    "source": "申请人自备",
    "form": "1",
    "type": "3",
    "originals": "1",
    "copies": "0",
    "necessity": "1",
    "certificate_type": "",
    "note": "",
}
BLANK_ROWS = 3
#: Form fields (everything but code, department and materials), in schema order.
FORM_FIELDS: tuple[str, ...] = schemas.VERSION_FIELDS
_GROUPED: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "基本信息",
        (
            "name",
            "basic_code",
            "item_type",
            "exercise_level",
            "power_source",
            "implementing_body",
            "implementing_body_uscc",
            "body_nature",
            "legal_basis",
        ),
    ),
    (
        "时限与办件类型",
        ("statutory_limit", "statutory_unit", "promised_limit", "promised_unit", "case_kind"),
    ),
    (
        "办理方式",
        (
            "visits",
            "in_hall",
            "online",
            "online_depth",
            "online_payment",
            "appointment",
            "express",
            "nearby",
            "tolerance_allowed",
            "promise_allowed",
        ),
    ),
    (
        "受理条件与办理信息",
        (
            "conditions",
            "procedure",
            "joint_departments",
            "service_objects",
            "handling_forms",
            "place",
            "hours",
            "phone",
            "faq",
        ),
    ),
    ("收费与结果", ("fee", "fee_basis", "result_name", "result_certificate_type")),
)
#: Every form field in a fieldset; a field the schema gains later lands in 其他.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *_GROUPED,
    ("其他", tuple(f for f in FORM_FIELDS if all(f not in g for _, g in _GROUPED))),
)
FLAG_FIELDS = frozenset(
    name for name, field in ItemDataSchema().fields.items() if isinstance(field, Flag)
)


def _require_admin() -> None:
    """Only the county admin edits the catalog (the services check it again)."""
    if require_login().role is not Role.ADMIN:
        abort(403)


# --------------------------------------------------------------------------- form ⇄ record


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def record_to_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored item record as the form shows it (text, flags as booleans)."""
    values: dict[str, Any] = {
        name: bool(record.get(name)) if name in FLAG_FIELDS else _as_text(record.get(name))
        for name in ("code", "department", *FORM_FIELDS)
    }
    values["materials"] = [
        {key: _as_text(m.get(key)) for key in BLANK_MATERIAL} for m in record.get("materials", [])
    ]
    return values


def schema_defaults() -> dict[str, Any]:
    """A new item's starting values: the schema's own defaults, nothing invented here."""
    defaults = {}
    for name, field in ItemDataSchema().fields.items():
        default = field.load_default
        if default is not ma.missing:
            defaults[name] = default() if callable(default) else default
    return defaults


def _material_rows(form: MultiDict[str, str]) -> list[dict[str, str]]:
    """The material rows to keep: existing rows not ticked 删除, new rows anything was
    typed into (a row with a note but no name is kept, so the schema asks for the name
    instead of the note being dropped)."""
    rows = []
    for index in range(int(form.get("material_rows", "0") or 0)):
        prefix = f"m{index}_"
        if form.get(prefix + "delete"):
            continue
        row = {key: form.get(prefix + key, "").strip() for key in BLANK_MATERIAL}
        if form.get(prefix + "kept") or row != BLANK_MATERIAL:
            rows.append(row)
    return rows


def form_to_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed, as it is shown again (and the basis of the record)."""
    values: dict[str, Any] = {
        name: bool(form.get(name)) if name in FLAG_FIELDS else form.get(name, "").strip()
        for name in ("code", "department", *FORM_FIELDS)
    }
    values["materials"] = _material_rows(form)
    return values


def values_to_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """The record the API takes; the schema turns the text into numbers and checks it."""
    record = dict(values)
    record["materials"] = [dict(row) for row in values["materials"]]
    return record


def errors_by_field(err: DomainError) -> dict[str, str]:
    """Each dotted field name with its Chinese reasons; ``_form`` for the rest."""
    errors: dict[str, str] = {}
    for param in err.invalid_params:
        errors[param.name] = "；".join(filter(None, (errors.get(param.name), param.reason)))
    if not errors:
        errors["_form"] = err.detail
    return errors


# --------------------------------------------------------------------------- views


def _render(values: dict[str, Any], errors: dict[str, str], *, code: str | None) -> str:
    db = db_session()
    return render_template(
        "catalog/item_form.html",
        code=code,
        values=values,
        errors=errors,
        material_rows=[*values["materials"], *[dict(BLANK_MATERIAL)] * BLANK_ROWS],
        kept_rows=len(values["materials"]),
        groups=GROUPS,
        flags=FLAG_FIELDS,
        long_fields=LONG_FIELDS,
        choices=CHOICES,
        material_choices=MATERIAL_CHOICES,
        labels=services.FIELD_LABELS,
        departments=list_departments(db),
        certificate_types=services.certificate_types(db),
    )


def _page(values: dict[str, Any], errors: dict[str, str], *, code: str | None) -> tuple[str, int]:
    return _render(values, errors, code=code), 422 if errors else 200


@bp.route("/catalog/new", methods=["GET", "POST"])
def new_item() -> ResponseReturnValue:
    """A new item, saved as a draft (version 1)."""
    _require_admin()
    if request.method == "GET":
        return _page(record_to_values(schema_defaults()), {}, code=None)
    values = form_to_values(request.form)
    db = db_session()
    try:
        item = services.create_item(
            db, require_login(), values_to_record(values), clock=current_tier().clock
        )
    except DomainError as err:
        db.rollback()
        return _page(values, errors_by_field(err), code=None)
    db.commit()
    flash(f"已新建事项草稿「{item.name}」（第 1 版），发布后才会下发给各节点", "ok")
    return redirect(url_for("hubpages.catalog_item", code=item.code))


@bp.route("/catalog/<code>/edit", methods=["GET", "POST"])
def edit_item(code: str) -> ResponseReturnValue:
    """The item's draft (or a new draft from the latest version), every element editable."""
    _require_admin()
    db = db_session()
    if request.method == "GET":
        try:
            item = services.get_item(db, code)
        except NotFound:
            abort(404)
        record = services.item_detail(db, code, item.latest_version)
        return _page(record_to_values(record), {}, code=code)
    values = form_to_values(request.form)
    values["code"] = code
    try:
        version = services.save_draft(
            db, require_login(), code, values_to_record(values), clock=current_tier().clock
        )
    except NotFound:
        db.rollback()
        abort(404)
    except DomainError as err:
        db.rollback()
        return _page(values, errors_by_field(err), code=code)
    db.commit()
    flash(f"已保存草稿（第 {version.version} 版）；核对下面的变化后点「发布草稿」生效", "ok")
    return redirect(url_for("hubpages.catalog_item", code=code))
