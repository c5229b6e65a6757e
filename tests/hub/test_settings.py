"""The hub's settings that name it: COUNTY_CODE, and NODE_CODE which must agree with it."""

from __future__ import annotations

from typing import Any

import pytest

from county_hub.config import SETTINGS, identity


def _config(**values: Any) -> dict[str, Any]:
    return {**{s.name: s.default for s in SETTINGS}, **values}


def test_the_default_county_is_the_demos_and_the_hub_is_its_node() -> None:
    assert identity(_config(), None) == ("610727", "610727")


def test_another_county_needs_only_its_code() -> None:
    assert identity(_config(COUNTY_CODE="610726"), None) == ("610726", "610726")


def test_a_node_code_left_from_before_may_stay_if_it_is_the_county() -> None:
    assert identity(_config(COUNTY_CODE="610726", NODE_CODE="610726"), None)[0] == "610726"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"COUNTY_CODE": "610726", "NODE_CODE": "610727"}, "不一致"),
        ({"COUNTY_CODE": "610726105"}, "6 位县级"),
        ({"COUNTY_CODE": "略阳县"}, "6 位县级"),
    ],
)
def test_a_hub_that_names_the_wrong_county_does_not_start(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        identity(_config(**values), None)
