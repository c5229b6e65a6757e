"""Schemas of 一件事一次办 (the API and the pages share them)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as v

from shared.casework.schemas import ApplicantSchema, ProvidedMaterialSchema


class PackageQueryArgsSchema(ma.Schema):
    batch = ma.fields.Integer(
        load_default=None, validate=v.Range(min=1, max=99), metadata={"description": "批次"}
    )


class NewApplicationSchema(ma.Schema):
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    materials = ma.fields.List(
        ma.fields.Nested(ProvidedMaterialSchema),
        load_default=list,
        metadata={"description": "合并后的材料清单，同名材料只填一次，用于列出它的每个事项"},
    )
    consent = ma.fields.Boolean(
        load_default=False, metadata={"description": "群众已授权代办（村代办员必填 true）"}
    )


class ApplicationQueryArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=v.Range(min=1, max=200))
