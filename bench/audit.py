"""What the audit log costs: a case action and a case list with audit on vs off (≤ +10 %).

Run ``.venv/bin/python bench/audit.py`` (``--smoke`` for a quick run that only checks it
works). It migrates a hub schema on SQLite in a temporary directory, seeds the demo county
and drives the real app in process through Flask's test client with a department
reviewer's token. Each round files ``--cases`` cases (untimed), then times accepting each
(``POST /api/v1/cases/{no}/actions``) and as many ``GET /api/v1/cases`` pages, once with
``AUDIT_ENABLED`` on and once off; rounds alternate which mode goes first so drift and
caches favour neither. It prints ``metric | value | target | ok`` and exits 0 when every
target is met, 1 when one is missed, 2 when the benchmark itself failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on sys.path: measure this checkout.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchkit import Row, exit_status, print_table  # noqa: E402

from county_hub import create_app  # noqa: E402
from county_hub.seed.demo import seed_demo  # noqa: E402
from shared.clock import FixedClock  # noqa: E402
from shared.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from shared.migrate import upgrade  # noqa: E402

#: (unit, target ≤) of each row, by the names in METRICS (the table's rows, in order).
_ROWS = {
    "case_action_median_off": ("ms", None),
    "case_action_median_on": ("ms", None),
    "case_action_overhead": ("%", 10.0),
    "case_list_median_off": ("ms", None),
    "case_list_median_on": ("ms", None),
    "case_list_overhead": ("%", 10.0),
    "audit_rows_written": ("rows", None),
}
METRICS = (
    "case_action_median_off",
    "case_action_median_on",
    "case_action_overhead",
    "case_list_median_off",
    "case_list_median_on",
    "case_list_overhead",
    "audit_rows_written",
)
ITEM_QUERY = "食品经营许可(新办)"
APPLICANT = {
    "name": "张三",
    "id_type": "111",
    "id_number": "13043419840726291X",
    "phone": "13812345678",
}


def _hub(tmp: Path) -> Any:
    url = f"sqlite:///{tmp / 'hub.sqlite3'}"
    engine = make_engine(url)
    upgrade(ROOT / "county_hub" / "migrations", engine)
    clock = FixedClock()
    app = create_app(
        {
            "DATA_DIR": str(tmp),
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "CLOCK": clock,
            "LOG_LEVEL": "WARNING",  # a log line per request would be timed too
        }
    )
    tier = app.extensions["sanji"]
    with unit_of_work(
        make_sessionmaker(engine, info={"signer": tier.key, "data_dir": str(tmp)})
    ) as s:
        seed_demo(s, clock)
    engine.dispose()
    return app


def _timed(call: Any) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed


def run(cases: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sanji-bench-audit-") as tmp:
        app = _hub(Path(tmp))
        client = app.test_client()
        found = client.get("/api/v1/catalog/items", query_string={"q": ITEM_QUERY}).get_json()
        item = client.get(f"/api/v1/catalog/items/{found['items'][0]['code']}").get_json()
        token = client.post(
            "/api/v1/auth/token",
            json={"username": f"dept-{item['department']}", "password": "demo"},
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "item_code": item["code"],
            "applicant": APPLICANT,
            "materials": [{"name": m["name"], "provided": True} for m in item["materials"]],
        }
        samples: dict[str, list[float]] = {
            f"{kind}_{mode}": [] for kind in ("action", "list") for mode in ("on", "off")
        }
        for r in range(rounds + 1):  # round 0 warms up and is not counted
            for mode in ("on", "off") if r % 2 else ("off", "on"):
                app.config["AUDIT_ENABLED"] = mode == "on"
                numbers = [
                    client.post("/api/v1/cases", json=body, headers=headers).get_json()["case_no"]
                    for _ in range(cases)
                ]
                for no in numbers:
                    took = _timed(
                        lambda no=no: client.post(
                            f"/api/v1/cases/{no}/actions",
                            json={"action": "accept"},
                            headers=headers,
                        )
                    )
                    took_list = _timed(lambda: client.get("/api/v1/cases", headers=headers))
                    if r:
                        samples[f"action_{mode}"].append(took)
                        samples[f"list_{mode}"].append(took_list)
        listing = client.get("/api/v1/audit", headers=_admin(client)).get_json()
    med = {k: statistics.median(v) for k, v in samples.items()}
    return {
        "case_action_median_off": med["action_off"],
        "case_action_median_on": med["action_on"],
        "case_action_overhead": (med["action_on"] / med["action_off"] - 1) * 100,
        "case_list_median_off": med["list_off"],
        "case_list_median_on": med["list_on"],
        "case_list_overhead": (med["list_on"] / med["list_off"] - 1) * 100,
        "audit_rows_written": float(listing["total"]),
    }


def _admin(client: Any) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def report(values: dict[str, float], *, enforce: bool) -> int:
    """The table in bench/benchkit's format; 1 when an enforced target is missed."""
    rows = []
    for name in METRICS:
        unit, target = _ROWS[name]
        value = values[name]
        ok = None if target is None else (value <= target or not enforce)
        shown = f"≤ {target:g} {unit}" if target is not None else "—"
        rows.append(Row(name, f"{value:.2f} {unit}", shown, ok))
    print_table(rows)
    return exit_status(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=40, help="timed case actions per round and mode"
    )
    parser.add_argument("--rounds", type=int, default=4, help="rounds (each: audit on and off)")
    parser.add_argument("--smoke", action="store_true", help="a short run; targets not enforced")
    args = parser.parse_args(argv)
    cases, rounds = (4, 1) if args.smoke else (args.cases, args.rounds)
    try:
        values = run(cases, rounds)
    except Exception:
        traceback.print_exc()
        return 2
    print(f"{cases} case actions and list pages per round and mode, {rounds} rounds, SQLite")
    return report(values, enforce=not args.smoke)


if __name__ == "__main__":
    sys.exit(main())
