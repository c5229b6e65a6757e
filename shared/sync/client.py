"""The sending side of sync v1: join, pull the master feed, push and pull case events.

Used by a town towards the hub and by a village towards its town. Each step runs in its
own transaction; a page of master changes and its cursor commit together, and pushed
events are marked acknowledged only from the upstream's reply, so a crash at any point
repeats work but never loses or duplicates it.
"""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.audit import sync as audit_sync
from shared.cases import Event
from shared.clock import Clock
from shared.db import unit_of_work
from shared.log import get_logger
from shared.node.replica.services import apply_changes, prune_foreign_accounts
from shared.sync import state
from shared.sync.crypto import (
    H_NONCE,
    H_REPLY_SIG,
    NodeKey,
    check_reply,
    fingerprint,
    normalise_fingerprint,
    sign_request,
)
from shared.sync.models import CaseEventRow, Peer, QuarantinedEvent
from shared.sync.server import PROTOCOL_VERSIONS, is_child
from shared.sync.store import known_ids, quarantine, store_events

log = get_logger(__name__)

PUSH_BATCH = 1000
PAGE = 500
PROTOCOL_HEADER = "X-Sanji-Protocol"


class UpstreamError(Exception):
    """The upstream could not be reached or refused the request (the caller backs off).

    ``status`` is the upstream's HTTP status when it answered (0: no answer), ``detail``
    its problem detail.
    """

    def __init__(self, message: str, *, status: int = 0, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail or message


@dataclass(frozen=True)
class Upstream:
    url: str
    node: str
    public_key: str


def join(
    sessions: sessionmaker[Session],
    *,
    me: str,
    key: NodeKey,
    url: str,
    token: str,
    hub_fingerprint: str,
    my_url: str = "",
    ca_bundle: str = "",
    timeout: float = 30,
) -> Upstream:
    """Exchange keys with the upstream node using a one-time token; store what it says.

    The hub's key in the reply must have ``hub_fingerprint``, which the operator got from
    the county out of band (``sanji hub fingerprint``): a town (or a proxy in between)
    could otherwise hand a village any key, and the village would trust it for good.
    Raises UpstreamError, with nothing stored here, when the reply does not match.
    """
    wanted = normalise_fingerprint(hub_fingerprint)
    if not wanted:
        raise UpstreamError(
            f"县级枢纽公钥指纹「{hub_fingerprint}」格式错误，应为 16 位十六进制数"
            "（如 1a2b:3c4d:5e6f:7a8b），请向县级管理员索取 `sanji hub fingerprint` 的输出"
        )
    body = {"node": me, "token": token, "public_key": key.public_b64, "url": my_url}
    try:
        response = requests.post(
            url.rstrip("/") + "/api/v1/sync/enroll",
            json=body,
            timeout=timeout,
            verify=ca_bundle or True,
        )
    except requests.RequestException as exc:
        raise UpstreamError(f"无法连接上级节点 {url}：{exc}") from exc
    if response.status_code != 200:
        raise UpstreamError(_problem_text(response))
    answer = response.json()
    if not answer.get("hub_key"):
        raise UpstreamError("上级节点自己尚未接入县级枢纽，无法转交主数据；请先完成上级节点的接入")
    _check_join_answer(me, answer, wanted)
    # The county is the hub's setting; an upstream older than this field names none, and
    # the node's own code then says it (shared.node.config).
    county = str(answer.get("county") or "")
    if county and not me.startswith(county):
        raise UpstreamError(f"上级节点属于 {county}，本节点 {me} 不在该县，不能接入")
    upstream = Upstream(url=url.rstrip("/"), node=answer["node"], public_key=answer["public_key"])
    with unit_of_work(sessions) as session:
        peer = session.get(Peer, upstream.node)
        if peer is None:
            session.add(
                Peer(
                    node=upstream.node,
                    role="upstream",
                    public_key=upstream.public_key,
                    url=upstream.url,
                    status={},
                )
            )
        else:
            peer.role, peer.public_key, peer.url = "upstream", upstream.public_key, upstream.url
        state.put(
            session,
            "upstream",
            {"url": upstream.url, "node": upstream.node, "public_key": upstream.public_key},
        )
        state.put(session, "hub_key", answer["hub_key"])
        if county:
            state.put(session, "county", county)
    return upstream


def _check_join_answer(me: str, answer: dict[str, Any], wanted: str) -> None:
    """Raise UpstreamError unless the reply names our direct upstream and the pinned hub key."""
    try:
        got = fingerprint(str(answer["hub_key"]))
        fingerprint(str(answer["public_key"]))
    except (KeyError, ValueError) as exc:
        raise UpstreamError("上级节点的答复中公钥格式错误，已拒绝接入，本节点未作任何更改") from exc
    if got != wanted:
        raise UpstreamError(
            f"上级节点答复的县级枢纽公钥指纹为 {got}，与县级提供的指纹 {wanted} 不一致："
            "连接到的可能不是真正的上级节点（地址、DNS 或网络被篡改）。"
            "已拒绝接入，本节点未作任何更改；请向县级管理员核实指纹并检查上级地址"
        )
    upstream = str(answer.get("node", ""))
    if not is_child(upstream, me):
        raise UpstreamError(
            f"上级节点自称 {upstream}，不是本节点 {me} 的直接上级，已拒绝接入，本节点未作任何更改"
        )
    if len(upstream) == 6 and answer["public_key"] != answer["hub_key"]:
        # A town joins the hub itself: the key it talks to must be the pinned hub key.
        raise UpstreamError(
            f"县级枢纽的通信公钥指纹 {fingerprint(str(answer['public_key']))} 与枢纽公钥指纹 "
            f"{wanted} 不一致，已拒绝接入，本节点未作任何更改"
        )


def _problem_text(response: requests.Response) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('title', '')}：{body.get('detail', '')}"
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"


def _problem_detail(response: requests.Response) -> str:
    """The problem's detail and each field's reason, as a clerk should read them."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    reasons = [str(p.get("reason", "")) for p in body.get("invalid_params") or []]
    return "；".join([str(body.get("detail", "")), *filter(None, reasons)])


class SyncClient:
    """Talks to this node's upstream with signed, compressed requests."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        me: str,
        key: NodeKey,
        clock: Clock,
        county: str,
        timeout: float = 30,
        push_batch: int = PUSH_BATCH,
        ca_bundle: str = "",
    ) -> None:
        self.sessions = sessions
        self.me = me
        self.key = key
        self.clock = clock
        self.county = county
        self.timeout = timeout
        self.push_batch = push_batch
        self.http = requests.Session()
        # Passed on every request: a session-wide verify would lose to REQUESTS_CA_BUNDLE.
        self.verify: str | bool = ca_bundle or True
        with sessions() as session:
            upstream = state.get(session, "upstream")
            self.hub_key: str = state.get(session, "hub_key") or ""
        if not upstream:
            raise UpstreamError("本节点尚未接入上级节点，请先运行 join 命令")
        self.upstream = Upstream(**upstream)

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ transport

    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        query = urlencode(params or {})
        raw = b""
        extra = {PROTOCOL_HEADER: str(PROTOCOL_VERSIONS[-1]), "Accept-Encoding": "gzip"}
        if body is not None:
            raw = gzip.compress(json.dumps(body, ensure_ascii=False).encode(), compresslevel=5)
            extra.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
        full_path = urlsplit(self.upstream.url).path.rstrip("/") + path
        signed = sign_request(
            self.key, self.me, method, full_path, query, raw, now=self.clock.now()
        )
        url = self.upstream.url + path + (f"?{query}" if query else "")
        try:
            response = self.http.request(
                method,
                url,
                data=raw or None,
                headers={**extra, **signed, **(headers or {})},
                timeout=self.timeout,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            raise UpstreamError(f"上级节点不可达：{exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise UpstreamError(
                _problem_text(response),
                status=response.status_code,
                detail=_problem_detail(response),
            )
        if not check_reply(
            self.upstream.public_key,
            response.headers.get(H_REPLY_SIG),
            method=method,
            path=full_path,
            query=query,
            nonce=signed[H_NONCE],
            status=response.status_code,
            body=response.content,
        ):
            # Nothing of it is used: the caller's transaction never starts.
            log.warning("reply_signature_invalid", node=self.me, path=path)
            raise UpstreamError(
                f"上级节点 {self.upstream.node} 对 {method} {path} 的应答缺少签名或签名无效"
                "（可能被篡改或上级软件版本过旧），已拒绝，未应用任何数据"
            )
        return response

    # ------------------------------------------------------------------ master feed

    def pull_master(self) -> int:
        """Apply master changes page by page; each page commits with its cursor."""
        applied = 0
        with unit_of_work(self.sessions) as session:
            # Once after an upgrade, even when the feed has nothing new (304).
            prune_foreign_accounts(session, self.me)
        while True:
            with self.sessions() as session:
                cursor = int(state.get(session, "master_cursor", 0))
                etag = state.get(session, "master_etag")
            headers = {"If-None-Match": etag} if etag else {}
            response = self._call(
                "GET", "/api/v1/sync/master", {"after": cursor, "limit": PAGE}, headers=headers
            )
            if response.status_code == 304:
                return applied
            page = response.json()
            with unit_of_work(self.sessions) as session:
                applied += apply_changes(session, page["changes"], hub_key=self.hub_key, me=self.me)
                state.put(session, "master_cursor", page["next"])
                state.put(
                    session, "master_etag", None if page["more"] else response.headers.get("ETag")
                )
            if not page["more"]:
                return applied

    # ------------------------------------------------------------------ events up

    def queue_depth(self) -> int:
        with self.sessions() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(CaseEventRow)
                    .where(CaseEventRow.acked.is_(False))
                )
                or 0
            )

    def push(self) -> dict[str, int]:
        """Send unacknowledged events in batches, oldest first, one round trip each."""
        # The first batch goes even when empty: it carries this node's status report.
        totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "batches": 0}
        while True:
            with self.sessions() as session:
                rows = session.scalars(
                    select(CaseEventRow)
                    .where(CaseEventRow.acked.is_(False))
                    .order_by(CaseEventRow.seq)
                    .limit(self.push_batch)
                ).all()
                events = {r.id: _wire(r) for r in rows}
            if not events and totals["batches"]:
                return totals
            body = {
                "node": self.me,
                "batch_id": str(uuid.uuid4()),
                "events": list(events.values()),
                "status": self.status_report(),
            }
            reply = self._call("POST", "/api/v1/sync/events", body=body).json()
            done = set(reply["accepted"]) | set(reply["duplicates"])
            with unit_of_work(self.sessions) as session:
                for rejected in reply["rejected"]:
                    raw = events.get(rejected["id"], {"id": rejected["id"]})
                    quarantine(
                        session,
                        event=raw,
                        direction="sent",
                        peer=self.upstream.node,
                        code=rejected["code"],
                        reason=rejected["reason"],
                        clock=self.clock,
                    )
                    done.add(rejected["id"])  # kept in quarantine, shown to staff; not resent
                ids = list(done & set(events))
                for start in range(0, len(ids), 500):
                    session.execute(
                        update(CaseEventRow)
                        .where(CaseEventRow.id.in_(ids[start : start + 500]))
                        .values(acked=True)
                    )
            totals["accepted"] += len(reply["accepted"])
            totals["duplicates"] += len(reply["duplicates"])
            totals["rejected"] += len(reply["rejected"])
            totals["batches"] += 1
            if len(events) < self.push_batch:
                return totals

    # ------------------------------------------------------------------ events down

    def pull_events(self) -> int:
        """Fetch events of this node's subtree from upstream and fold them in."""
        received = 0
        while True:
            with self.sessions() as session:
                cursor = int(state.get(session, "pull_cursor", 0))
            page = self._call("GET", "/api/v1/sync/events", {"after": cursor, "limit": PAGE}).json()
            events = [Event.from_wire(raw) for raw in page["events"]]
            with unit_of_work(self.sessions) as session:
                have = known_ids(session, [e.id for e in events])
                new = [e for e in events if e.id not in have]
                store_events(
                    session,
                    new,
                    received_from=self.upstream.node,
                    acked=True,
                    clock=self.clock,
                    county=self.county,
                )
                state.put(session, "pull_cursor", page["next"])
            received += len(new)
            if not page["more"]:
                return received

    # ------------------------------------------------------------------ status

    def status_report(self) -> dict[str, Any]:
        with self.sessions() as session:
            last = state.get(session, "last_success")
            quarantined = (
                session.scalar(
                    select(func.count())
                    .select_from(QuarantinedEvent)
                    .where(QuarantinedEvent.resolved.is_(False))
                )
                or 0
            )
            depth = (
                session.scalar(
                    select(func.count())
                    .select_from(CaseEventRow)
                    .where(CaseEventRow.acked.is_(False))
                )
                or 0
            )
            cursor = state.get(session, "master_cursor", 0)
            last_error = state.get(session, "last_error")
            children = {
                peer.node: {
                    **peer.status,
                    "last_seen": peer.last_seen.isoformat() if peer.last_seen else None,
                }
                for peer in session.scalars(select(Peer).where(Peer.role == "downstream"))
            }
        lag = None
        if last:
            from datetime import datetime

            lag = int((self.clock.now() - datetime.fromisoformat(last)).total_seconds())
        return {
            "last_success": last,
            "lag_seconds": lag,
            "queue_depth": depth,
            "quarantined": quarantined,
            "master_cursor": cursor,
            "last_error": last_error,
            "children": children,
        }

    def push_usage(self) -> dict[str, int]:
        """Send the certificate usage log (ours and what we relay) to be chain-checked."""
        from shared.certwork import sync as usage

        def call(path: str, body: Any) -> Any:
            return self._call("POST", path, body=body).json()

        totals = {"usage_sent": 0, "usage_refused": 0}
        while True:
            with unit_of_work(self.sessions) as session:
                done = usage.push(session, call)
            totals = {k: totals[k] + done[k] for k in totals}
            if done["usage_sent"] < usage.BATCH or done["usage_refused"]:
                return totals

    def push_audit(self) -> dict[str, int]:
        """Send the audit log (ours and what we relay) to be chain-checked upstream."""

        def call(path: str, body: Any) -> Any:
            return self._call("POST", path, body=body).json()

        totals = {"audit_sent": 0, "audit_refused": 0}
        while True:
            with unit_of_work(self.sessions) as session:
                done = audit_sync.push(session, call)
            totals = {k: totals[k] + done[k] for k in totals}
            if done["audit_sent"] < audit_sync.BATCH or done["audit_refused"]:
                return totals

    def run_once(self) -> dict[str, Any]:
        """One full cycle: master down, events, usage and audit logs up, events down."""
        master = self.pull_master()
        pushed = self.push()
        pushed |= self.push_usage()
        pushed |= self.push_audit()
        pulled = self.pull_events()
        with unit_of_work(self.sessions) as session:
            state.put(session, "last_success", self.clock.now().isoformat())
            state.put(session, "last_error", None)
            state.put(session, "failures", 0)
        summary = {"master": master, **pushed, "pulled": pulled}
        log.info("sync_done", node=self.me, **summary)
        return summary


def _wire(row: CaseEventRow) -> dict[str, Any]:
    from shared.sync.store import row_to_event

    return row_to_event(row).to_wire()
