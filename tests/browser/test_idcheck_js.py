"""The live ID check in the browser agrees with the server's validators (shared/ids).

The page script is loaded into Debian's Chromium as shipped; the same inputs go to
``SanjiIdCheck.check`` and to ``validate_id_number`` / ``validate_uscc``, and the verdicts
and Chinese reasons must match — a villager never sees a green tick the server refuses.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.errors import InvalidInput
from shared.ids import validate_id_number, validate_uscc
from shared.ids.gb11643 import id_check_char
from shared.ids.gb32100 import USCC_ALPHABET, org_code_check_char, uscc_check_char

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCRIPT = Path(__file__).resolve().parents[2] / "shared/web/static/sanji/idcheck.js"
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page()
        page.set_content("<!doctype html><meta charset='utf-8'><p>idcheck</p>")
        page.add_script_tag(path=str(SCRIPT))
        yield page
        browser.close()


def _server(kind: str, value: str) -> str:
    try:
        if kind == "111":
            validate_id_number(value, today=TODAY)
        else:
            validate_uscc(value)
    except InvalidInput as err:
        return err.invalid_params[0].reason
    return ""


def _id_samples(rng: random.Random) -> list[str]:
    samples = ["13043419840726291X", "13043419840726291x", "13043419840726291Y", ""]
    for _ in range(150):
        born = date(rng.randint(1890, 2030), rng.randint(1, 12), rng.randint(1, 28))
        body = f"610727{born:%Y%m%d}{rng.randint(0, 999):03d}"
        good = body + id_check_char(body)
        samples.append(good)
        broken = list(good)
        broken[rng.randrange(18)] = rng.choice("0123456789XA")
        samples.append("".join(broken))
        samples.append(body[:-2] + "3099")  # 31st of a month that may not have one
        samples.append(good[: rng.randint(0, 17)])
    return samples


def _uscc_samples(rng: random.Random) -> list[str]:
    samples = [
        "91370406L24894136J",
        "91370406l24894136j",
        "91370406L24894136K",
        "9137040OL24894136J",
    ]
    for _ in range(150):
        org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        first16 = f"91610727{org8}"
        first17 = first16 + org_code_check_char(org8)
        if first17[16] not in USCC_ALPHABET:
            continue
        good = first17 + uscc_check_char(first17)
        samples.append(good)
        broken = list(good)
        broken[rng.randrange(18)] = rng.choice("0123456789ABIOZSVX")
        samples.append("".join(broken))
    return samples


@pytest.mark.parametrize("kind", ["111", "001"])
def test_browser_and_server_give_the_same_verdict_and_reason(page: Any, kind: str) -> None:
    rng = random.Random(20261128)  # noqa: S311 - reproducible test inputs, not secrets
    samples = _id_samples(rng) if kind == "111" else _uscc_samples(rng)
    browser = page.evaluate(
        "([kind, values, [y, m, d]]) =>"
        " values.map(v => SanjiIdCheck.check(kind, v, new Date(y, m, d)))",
        [kind, samples, [TODAY.year, TODAY.month - 1, TODAY.day]],
    )
    mismatches = [
        (value, got, _server(kind, value))
        for value, got in zip(samples, browser, strict=True)
        if got != _server(kind, value)
    ]
    assert not mismatches, mismatches[:5]
    assert sum(1 for got in browser if got == "") >= 100  # the valid samples pass too
