"""Validation messages become dotted Chinese invalid_params; logs mask personal data."""

from __future__ import annotations

import logging

import pytest

from shared.errors import InvalidParam, flatten_messages
from shared.log import MaskingFormatter, get_logger


def test_nested_messages_become_dotted_chinese_params() -> None:
    messages = {
        "json": {
            "applicant": {"id_number": ["Missing data for required field."]},
            "materials": {0: {"provided": ["Not a valid boolean."]}},
            "per_page": ["Must be greater than or equal to 1 and less than or equal to 200."],
        }
    }
    assert flatten_messages(messages) == [
        InvalidParam("applicant.id_number", "必填"),
        InvalidParam("materials.0.provided", "应为 是/否（true/false、1/0）"),
        InvalidParam("per_page", "应在 1 到 200 之间"),
    ]


def test_unknown_messages_pass_through() -> None:
    assert flatten_messages({"x": ["部门代码不存在"]}) == [InvalidParam("x", "部门代码不存在")]


def test_log_lines_mask_id_numbers_and_phones(caplog: pytest.LogCaptureFixture) -> None:
    formatter = MaskingFormatter("%(message)s")
    log = get_logger("sanji.test")
    with caplog.at_level(logging.INFO, logger="sanji.test"):
        log.info(
            "case_accepted",
            applicant="13043419840726291X",
            phone="13812345678",
            note="电话 13812345678 已核实",
        )
    line = formatter.format(caplog.records[-1])
    assert "13043419840726291X" not in line and "13812345678" not in line
    assert line.startswith("case_accepted applicant=1304**********291X phone=138****5678")
