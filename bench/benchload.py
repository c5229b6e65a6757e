"""The benchmark's workload: realistic case events and signed pushes of them.

Events are built the way ``shared.casework.services.file_case`` builds a 'submitted'
event (the item's real materials, the authority the hub answers for this town), checked
by :class:`shared.cases.Event` and sent in their wire form. A share of them are 'accepted'
events of cases this town handles itself, filed in an earlier batch. Requests are signed
and compressed exactly as ``shared.sync.client.SyncClient._call`` does.
"""

from __future__ import annotations

import gzip
import json
import random
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from shared.cases import Event, EventType
from shared.cases.events import new_event_id
from shared.clock import CHINA_TZ
from shared.ids.gb11643 import id_check_char
from shared.sync.client import PROTOCOL_HEADER
from shared.sync.crypto import NodeKey, sign_request
from shared.sync.server import PROTOCOL_VERSIONS

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建军", "秀英", "丽娟", "志强", "海燕", "国华", "桂兰", "明", "芳", "伟", "小红", "德胜"]


@dataclass(frozen=True)
class ItemFacts:
    """What a 'submitted' event pins of a catalog item, and who handles it at this town."""

    code: str
    version: int
    name: str
    case_kind: int
    promised_limit: int
    promised_unit: str
    materials: tuple[dict[str, Any], ...]
    handled_by: str
    accept_by: str
    batch: int | None
    in_name_of: str

    @property
    def town_decides(self) -> bool:
        return self.handled_by.isdigit()


def load_items(hub_url: str, town: str, *, want: int = 24) -> list[ItemFacts]:
    """Real items from the hub's API: half delegated to ``town`` by a batch, half not."""
    http = requests.Session()
    try:
        delegated: list[str] = []
        for batch in http.get(f"{hub_url}/api/v1/delegations/batches", timeout=30).json():
            delegated += batch.get("items", [])[:4]
        listing = http.get(
            f"{hub_url}/api/v1/catalog/items", params={"per_page": 200}, timeout=30
        ).json()
        others = [i["code"] for i in listing["items"]][::9]
        codes = list(dict.fromkeys(delegated[: want // 2] + others))[:want]
        items = []
        for code in codes:
            detail = http.get(f"{hub_url}/api/v1/catalog/items/{code}", timeout=30).json()
            who = http.get(
                f"{hub_url}/api/v1/delegations/authority",
                params={"node": town, "item": code},
                timeout=30,
            ).json()
            # As file_case: a batch's town accepts even when the department decides.
            accept_by = town if who["batch"] is not None else who["handled_by"]
            items.append(
                ItemFacts(
                    code=code,
                    version=int(detail["version"]),
                    name=detail["name"],
                    case_kind=int(detail["case_kind"]),
                    promised_limit=int(detail["promised_limit"]),
                    promised_unit=detail["promised_unit"],
                    materials=tuple(detail["materials"]),
                    handled_by=who["handled_by"],
                    accept_by=accept_by,
                    batch=who["batch"],
                    in_name_of=who["in_name_of"],
                )
            )
        return items
    finally:
        http.close()


@dataclass
class Workload:
    """Makes batches of new events for one town; remembers cases to follow up later."""

    town: str
    items: Sequence[ItemFacts]
    actor: str
    followup_share: float = 0.1
    max_materials: int | None = None
    seed: int = 610727
    _next_no: int = 0
    _open: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - test data, not secrets

    def _applicant(self) -> dict[str, str]:
        rng = self.rng
        born = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"610727{born}{rng.randint(0, 999):03d}"
        return {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_type": "111",
            "id_number": first17 + id_check_char(first17),
            "phone": f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
        }

    def _submitted(self, now: datetime) -> Event:
        rng = self.rng
        item = rng.choice(self.items)
        self._next_no += 1
        record = item.materials[: self.max_materials]
        provided = [rng.random() > 0.05 for _ in record]
        materials = [
            {
                "name": m["name"],
                "necessity": m["necessity"],
                "provided": given,
                "waived": False,
                "certificate_type": m.get("certificate_type"),
            }
            for m, given in zip(record, provided, strict=True)
        ]
        missing = [
            m["name"]
            for m, given in zip(record, provided, strict=True)
            if not given and m["necessity"] == 1
        ]
        return Event(
            id=new_event_id(now),
            case_id=str(uuid.uuid4()),
            case_no=f"{self.town}-{now:%Y%m%d}-{self._next_no:04d}",
            origin=self.town,
            lamport=1,
            type=EventType.SUBMITTED,
            at=now,
            actor=self.actor,
            payload={
                "item_code": item.code,
                "item_version": item.version,
                "item_name": item.name,
                "case_kind": item.case_kind,
                "promised_limit": item.promised_limit,
                "promised_unit": item.promised_unit,
                "applicant": self._applicant(),
                "agent": None,
                "consent": False,
                "materials": materials,
                "missing": missing,
                "tolerance": False,
                "tolerance_missing": [],
                "tolerance_deadline": None,
                "promise": False,
                "accepting_node": self.town,
                "accept_by": item.accept_by,
                "handled_by": item.handled_by,
                "batch": item.batch,
                "in_name_of": item.in_name_of,
            },
        )

    def _accepted(self, case: Event, now: datetime) -> Event:
        return Event(
            id=new_event_id(now),
            case_id=case.case_id,
            case_no=case.case_no,
            origin=self.town,
            lamport=case.lamport + 1,
            type=EventType.ACCEPTED,
            at=now,
            actor=self.actor,
            payload={"accepted_on": now.date().isoformat()},
        )

    def batch(self, size: int) -> list[dict[str, Any]]:
        """``size`` new events in wire form; follow-ups only of earlier batches' cases."""
        events: list[Event] = []
        for _ in range(size):
            now = datetime.now(CHINA_TZ)
            if self._open and self.rng.random() < self.followup_share:
                events.append(self._accepted(self._open.pop(), now))
            else:
                events.append(self._submitted(now))
        # Cases this town accepts itself may be followed up in a later batch.
        self._open += [
            e
            for e in events
            if e.type is EventType.SUBMITTED
            and e.payload["accept_by"] == self.town
            and not e.payload["missing"]
        ]
        self.rng.shuffle(self._open)
        return [e.to_wire() for e in events]


# --------------------------------------------------------------------------- pushing


@dataclass(frozen=True)
class Signer:
    """Signs requests as ``node`` with its enrolled key, like SyncClient._call."""

    node: str
    key: NodeKey

    def headers(self, method: str, url: str, query: str, raw: bytes) -> dict[str, str]:
        extra = {PROTOCOL_HEADER: str(PROTOCOL_VERSIONS[-1]), "Accept-Encoding": "gzip"}
        if raw:
            extra.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
        path = urlsplit(url).path
        signed = sign_request(
            self.key, self.node, method, path, query, raw, now=datetime.now(CHINA_TZ)
        )
        return {**extra, **signed}


@dataclass
class PushResult:
    events: int
    batches: int
    seconds: float
    accepted: int
    duplicates: int
    rejected: list[dict[str, str]]
    bytes_sent: int
    bytes_json: int
    encode_seconds: float  # the client's JSON + gzip, summed over requests

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def push(
    base_url: str,
    signer: Signer,
    batches: Sequence[list[dict[str, Any]]],
    *,
    concurrency: int,
    status: dict[str, Any] | None = None,
    timeout: float = 120,
) -> PushResult:
    """POST each batch to /api/v1/sync/events; ``concurrency`` batches in flight at most.

    Timed from the first request (its encoding included) to the last reply.
    """
    url = base_url.rstrip("/") + "/api/v1/sync/events"
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()
    totals = {"sent": 0, "json": 0, "encode": 0.0}

    def send(events: list[dict[str, Any]]) -> dict[str, Any]:
        http = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
            with lock:
                sessions.append(http)
        body = {
            "node": signer.node,
            "batch_id": str(uuid.uuid4()),
            "events": events,
            "status": status or {},
        }
        started = time.perf_counter()
        text = json.dumps(body, ensure_ascii=False).encode()
        raw = gzip.compress(text, compresslevel=5)
        encoded = time.perf_counter() - started
        with lock:
            totals["sent"] += len(raw)
            totals["json"] += len(text)
            totals["encode"] += encoded
        response = http.post(
            url, data=raw, headers=signer.headers("POST", url, "", raw), timeout=timeout
        )
        if response.status_code != 200:
            raise RuntimeError(f"push refused: {response.status_code} {response.text[:500]}")
        reply: dict[str, Any] = response.json()
        return reply

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="push") as pool:
            replies = list(pool.map(send, batches))
        seconds = time.perf_counter() - started
    finally:
        for http in sessions:
            http.close()
    return PushResult(
        events=sum(len(b) for b in batches),
        batches=len(batches),
        seconds=seconds,
        accepted=sum(len(r["accepted"]) for r in replies),
        duplicates=sum(len(r["duplicates"]) for r in replies),
        rejected=[x for r in replies for x in r["rejected"]],
        bytes_sent=int(totals["sent"]),
        bytes_json=int(totals["json"]),
        encode_seconds=totals["encode"],
    )
