"""The runbook's go-live section, step by step, with real processes (deploy/RUNBOOK.md §2.1).

`sanji hub init --admin` on an empty folder, the four templates filled the way a county
clerk would (one department and one item taken from the demo county's export, so the
codes are real), the imports, a town enrolled and joined, and a case filed at the town
by an imported account that reaches the hub. Certificate types have no import yet, so
the item is imported without them.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from county_hub.org.models import Department
from shared.demo import _join, _sanji, hub_fingerprint
from tests.integration.cluster import Cluster

pytestmark = pytest.mark.slow

OFFSET = 25500
PASSWORD = "Lueyang-2026"
TOWN = "610727105"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path / "live", OFFSET, SYNC_INTERVAL="1")
    try:
        yield cluster
    finally:
        cluster.down()


def _sheet(path: Path, kind: str, rows: list[list[Any]]) -> None:
    book = openpyxl.load_workbook(path)
    for row in rows:
        book[kind].append(row)
    book.save(path)


def _one_item(hub: FlaskClient, admin: dict[str, str], department: str, path: Path) -> str:
    """The demo catalog's export cut down to one item of ``department`` (and its materials)."""
    response = hub.get("/api/v1/catalog/export", query_string={"format": "xlsx"}, headers=admin)
    assert response.status_code == 200
    source = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    items = list(source["items"].iter_rows(values_only=True))
    materials = list(source["materials"].iter_rows(values_only=True))
    header = list(items[0])
    row = next(r for r in items[1:] if r[header.index("department")] == department)
    code = row[header.index("code")]
    # Certificate types have no import yet (the county would add them first): the item
    # is taken without them.
    item = list(row)
    if "result_certificate_type" in header:
        item[header.index("result_certificate_type")] = None
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "items"
    sheet.append(header)
    sheet.append(item)
    out = book.create_sheet("materials")
    columns = list(materials[0])
    out.append(columns)
    for material in materials[1:]:
        if material[0] == code:
            cells = list(material)
            cells[columns.index("certificate_type")] = None
            out.append(cells)
    book.save(path)
    return str(code)


def test_go_live_from_an_empty_folder(
    cluster: Cluster, hub: FlaskClient, admin: dict[str, str], hub_session: Session, tmp_path: Path
) -> None:
    live_hub, town = cluster.hub, next(n for n in cluster.nodes if n.code == TOWN)
    env = cluster.env(live_hub)

    def sanji(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            _sanji("hub", *args), env=env, input=stdin, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    assert "已创建县级管理员 chief" in sanji(
        "init", "--admin", "chief", "--password-stdin", stdin=PASSWORD + "\n"
    )
    files = {kind: tmp_path / f"{kind}.xlsx" for kind in ("regions", "departments", "accounts")}
    for kind, path in files.items():
        sanji("template", kind, str(path))
    sanji("template", "catalog", str(tmp_path / "catalog-template.xlsx"))

    dept = hub_session.get(Department, "mzj")
    assert dept is not None
    _sheet(
        files["regions"],
        "regions",
        [["610727", "略阳县", "", ""], [TOWN, "徐家坪镇", "", ""]],
    )
    _sheet(
        files["departments"],
        "departments",
        [[dept.code, dept.name, dept.short_name, dept.kind, dept.uscc]],
    )
    _sheet(
        files["accounts"],
        "accounts",
        [[f"town-{TOWN}", "徐家坪镇窗口人员", "town_staff", TOWN, ""]],
    )
    item = _one_item(hub, admin, "mzj", tmp_path / "catalog.xlsx")

    assert "检查通过" in sanji("import", "regions", str(files["regions"]), "--dry-run")
    sanji("import", "regions", str(files["regions"]))
    sanji("import", "departments", str(files["departments"]))
    assert "新增 1" in sanji("import", "catalog", str(tmp_path / "catalog.xlsx"))
    out = sanji("import", "accounts", str(files["accounts"]))
    password = next(
        line.split("\t")[1] for line in out.splitlines() if line.startswith(f"  town-{TOWN}")
    )

    cluster.start(live_hub, "web")
    cluster.start(live_hub, "scheduler")
    cluster.run(town, "init")
    pin = hub_fingerprint(cluster.root, live_hub)
    _join(cluster.root, upstream=live_hub, node=town, option="--hub", hub_fp=pin)
    cluster.start(town, "web")
    cluster.start(town, "scheduler")

    def token() -> str | None:
        response = requests.post(
            f"{cluster.api(town)}/auth/token",
            json={"username": f"town-{TOWN}", "password": password},
            timeout=10,
        )
        return response.json()["token"] if response.status_code == 200 else None

    clerk = {"Authorization": f"Bearer {cluster.wait_for(token, what='account at the town')}"}
    guide = cluster.wait_for(
        lambda: (
            (r := requests.get(f"{cluster.api(town)}/catalog/items/{item}", timeout=10)).ok
            and r.json()
        ),
        what="the imported item at the town",
    )
    response = requests.post(
        f"{cluster.api(town)}/cases",
        json={
            "item_code": item,
            "applicant": {
                "name": "王五",
                "id_type": "111",
                "id_number": "13043419840726291X",
                "phone": "13812345678",
            },
            "materials": [{"name": m["name"], "provided": True} for m in guide["materials"]],
        },
        headers=clerk,
        timeout=10,
    )
    assert response.status_code == 201, response.json()
    case_no = response.json()["case_no"]
    chief = requests.post(
        f"{cluster.api(live_hub)}/auth/token",
        json={"username": "chief", "password": PASSWORD},
        timeout=10,
    ).json()["token"]
    cluster.wait_for(
        lambda: (
            requests.get(
                f"{cluster.api(live_hub)}/cases/{case_no}",
                headers={"Authorization": f"Bearer {chief}"},
                timeout=10,
            ).status_code
            == 200
        ),
        what="the town's case at the hub",
    )
    metrics = requests.get(f"{live_hub.url}/metrics", timeout=10).text
    assert "sanji_http_requests_total" in metrics and "sanji_sync_queue_length" in metrics
