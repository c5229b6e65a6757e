"""HTTP endpoints of sync v1 under /api/v1/sync.

Two blueprints: ``peers_blp`` is what a tier serves to the nodes below it (enroll, master
feed, event push and pull, usage logs, relayed look-ups and complaints) — the hub for its
towns, a town for its villages; ``blp`` is every tier's own staff view (status, "sync
now", quarantine, node board). Bodies are JSON, gzip-compressed in both directions when the
peer says it can take it. Requests between nodes are signed (shared.sync.crypto); staff
endpoints take a token. The peer endpoints write their bodies themselves, so their
response schemas (shared.sync.schemas) only document them.
"""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from shared.accounts.models import Role
from shared.accounts.services import require_role
from shared.audit import sync as audit_sync
from shared.cases.events import loads_strict
from shared.certwork import sync as usage
from shared.certwork.forward import check_peer_request
from shared.errors import Conflict, InvalidInput, InvalidParam
from shared.sync import server, state
from shared.sync.crypto import H_NONCE, H_REPLY_SIG, reply_signing_string
from shared.sync.feed import read_page
from shared.sync.models import Peer
from shared.sync.schemas import (
    EnrolledSchema,
    EnrollSchema,
    EventsPageSchema,
    MasterPageSchema,
    NodeRowSchema,
    NodeStatusSchema,
    PageArgsSchema,
    PushReplySchema,
    QuarantineSchema,
    RelayedComplaintSchema,
    RelayedLookupSchema,
    SyncRequestedSchema,
    UsageReplySchema,
)
from shared.sync.status import node_board, node_status
from shared.web.context import current_actor, current_tier, db_session
from shared.web.smorest import Blueprint

peers_blp = Blueprint("sync-peers", __name__, description="下级节点同步（协议 v1，节点签名）")
blp = Blueprint("sync", __name__, description="本节点同步状态")

MAX_INFLATED = 64 * 1024 * 1024
STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.TOWN_STAFF, Role.VILLAGE_AGENT, Role.DEPT_REVIEWER)


def _body() -> bytes:
    raw = request.get_data(cache=True)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
                inflated = handle.read(MAX_INFLATED + 1)
        except OSError as exc:
            raise InvalidInput(
                detail="请求体不是有效的 gzip 数据", invalid_params=[InvalidParam("body", "gzip")]
            ) from exc
        if len(inflated) > MAX_INFLATED:
            raise RequestEntityTooLarge()
        return inflated
    return raw


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise InvalidInput(
            detail="请求体不是有效的 JSON", invalid_params=[InvalidParam("body", "JSON")]
        ) from exc


def _signed_reply(response: Response, data: bytes) -> Response:
    """Sign the reply to a signed (so already authenticated) request with this node's key,
    so the node below can tell that it came from us unchanged (see shared.sync.crypto)."""
    nonce = request.headers.get(H_NONCE)
    if nonce:
        signature = current_tier().key.sign(
            reply_signing_string(
                request.method,
                request.path,
                request.query_string.decode(),
                nonce,
                response.status_code,
                data,
            )
        )
        response.headers[H_REPLY_SIG] = signature
    return response


def _respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(data, status=status, mimetype="application/json", headers=headers or {})
    _signed_reply(response, data)
    if len(data) > 1024 and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(data, compresslevel=5))
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    return response


def _check_protocol() -> None:
    version = request.headers.get("X-Sanji-Protocol", "1")
    if not version.isdigit() or int(version) not in server.PROTOCOL_VERSIONS:
        raise Conflict(
            detail=f"不支持的同步协议版本 {version}；本节点支持 {server.PROTOCOL_VERSIONS}，"
            "请升级节点软件"
        )


def _peer(raw_body: bytes) -> Peer:
    _check_protocol()
    tier = current_tier()
    return server.authenticate_peer(
        db_session(),
        request.headers,
        method=request.method,
        path=request.path,
        query=request.query_string.decode(),
        body=raw_body,
        clock=tier.clock,
    )


@peers_blp.route("/enroll", methods=["POST"])
@peers_blp.arguments(EnrollSchema)
@peers_blp.response(200, EnrolledSchema)
def enroll(data: dict[str, Any]) -> Response:
    """A new downstream node exchanges keys using its one-time token"""
    tier = current_tier()
    session = db_session()
    server.enroll(
        session,
        me=tier.node_code,
        node=data["node"],
        token=data["token"],
        public_key=data["public_key"],
        url=data["url"],
        clock=tier.clock,
    )
    hub_key = tier.key.public_b64 if tier.name == "hub" else state.get(session, "hub_key")
    session.commit()
    return _respond(
        {
            "node": tier.node_code,
            "public_key": tier.key.public_b64,
            "hub_key": hub_key,
            "county": tier.county,
        }
    )


@peers_blp.route("/master")
@peers_blp.arguments(PageArgsSchema, location="query")
@peers_blp.response(200, MasterPageSchema)
@peers_blp.alt_response(304, description="自游标以来主数据没有变化（If-None-Match 与 ETag 相同）")
def master(args: dict[str, Any]) -> Response:
    """Master-data changes after a cursor; each change carries the hub's signature"""
    session = db_session()
    peer = _peer(b"")
    page = read_page(session, args["after"], args["limit"], peer=peer.node)
    # The ETag names the feed's last change: a node that has it and asks from there gets 304.
    etag = f'"feed-{page.last_seq}"'
    session.commit()  # the nonce and last_seen
    if request.headers.get("If-None-Match") == etag and args["after"] >= page.last_seq:
        return _signed_reply(Response(status=304, headers={"ETag": etag}), b"")
    body = {"changes": page.changes, "next": page.next, "more": page.more}
    return _respond(body, headers={"ETag": etag})


@peers_blp.route("/events", methods=["POST"])
@peers_blp.response(200, PushReplySchema)
def push() -> Response:
    """Take a batch of case events: accepted, duplicates and rejected, in one round trip"""
    session = db_session()
    # The signature covers the bytes on the wire (compressed); inflate after checking it.
    peer_row = _peer(request.get_data(cache=True))
    peer = peer_row.node
    session.commit()  # the nonce is spent; release SQLite's write lock while we parse
    tier = current_tier()
    try:
        body = loads_strict(_body())
    except ValueError as exc:
        raise InvalidInput(
            detail="请求体不是有效的 JSON", invalid_params=[InvalidParam("body", "JSON")]
        ) from exc
    prepared = server.prepare(peer, body, plain_json=True)
    has_upstream = state.get(session, "upstream") is not None
    reply = server.ingest(
        session,
        peer,
        body,
        acked=not has_upstream,
        clock=tier.clock,
        county=tier.county,
        prepared=prepared,
    )
    server.record_status(session, peer_row, body.get("status"), clock=tier.clock)
    session.commit()
    return _respond(reply.to_dict())


@peers_blp.route("/usage", methods=["POST"])
@peers_blp.response(200, UsageReplySchema)
def push_usage() -> Response:
    """Take a node's certificate usage log entries; the hash chain is checked per node"""
    session = db_session()
    peer = _peer(request.get_data(cache=True))
    session.commit()
    has_upstream = state.get(session, "upstream") is not None
    reply = usage.receive(session, peer.node, _json_body(_body()), acked=not has_upstream)
    session.commit()
    return _respond(reply)


@peers_blp.route("/audit", methods=["POST"])
@peers_blp.response(200, UsageReplySchema)
def push_audit() -> Response:
    """Take a node's audit log entries; the hash chain is checked per node, a bad batch refused"""
    session = db_session()
    peer = _peer(request.get_data(cache=True))
    session.commit()
    has_upstream = state.get(session, "upstream") is not None
    reply = audit_sync.receive(
        session,
        peer.node,
        _json_body(_body()),
        acked=not has_upstream,
        clock=current_tier().clock,
    )
    session.commit()
    return _respond(reply)


@peers_blp.route("/complaints", methods=["POST"])
@peers_blp.response(201, RelayedComplaintSchema)
def relay_complaint() -> Response:
    """A 办不成事反映 filed at a town or village (registered by the hub, relayed by towns)"""
    session = db_session()
    peer = _peer(request.get_data(cache=True))
    session.commit()
    body = _json_body(_body())
    if not isinstance(body, dict):
        raise InvalidInput(
            detail="反映内容格式有误", invalid_params=[InvalidParam("body", "应为对象")]
        )
    node = str(body.get("filed_node") or peer.node)
    if not node.startswith(peer.node):
        raise InvalidInput(
            detail=f"节点 {peer.node} 不能代节点 {node} 登记反映",
            invalid_params=[InvalidParam("filed_node", "应为上报节点或其下级节点")],
        )
    handler = current_app.extensions["sanji.complaint_peer"]
    reply = handler(session, peer, {**body, "filed_node": node}, tier=current_tier())
    session.commit()
    return _respond(reply, status=201)


@peers_blp.route("/certificates/lookup", methods=["POST"])
@peers_blp.response(200, RelayedLookupSchema)
def certificate_lookup() -> Response:
    """A node's purpose-bound certificate look-up (answered by the hub, relayed by towns)"""
    session = db_session()
    peer = _peer(request.get_data(cache=True))
    session.commit()
    args = check_peer_request(peer, _json_body(_body()))
    handler = current_app.extensions["sanji.cert_lookup_peer"]
    items = handler(session, peer, args, tier=current_tier())
    session.commit()
    return _respond({"items": items})


@peers_blp.route("/events")
@peers_blp.arguments(PageArgsSchema, location="query")
@peers_blp.response(200, EventsPageSchema)
def pull(args: dict[str, Any]) -> Response:
    """Case events of the caller's subtree (and of cases it handles) after a cursor"""
    session = db_session()
    peer = _peer(b"")
    events, cursor, more = server.events_for(session, peer.node, args["after"], args["limit"])
    session.commit()
    return _respond({"events": events, "next": cursor, "more": more})


# --------------------------------------------------------------------------- staff


@blp.route("/quarantine")
@blp.auth_required
@blp.response(200, QuarantineSchema(many=True))
def quarantine_list() -> Any:
    """Events refused here or upstream, with code and reason (nothing is dropped)"""
    require_role(current_actor(), *STAFF, action="查看隔离事件")
    return server.quarantined(db_session())


@blp.route("/status")
@blp.auth_required
@blp.response(200, NodeStatusSchema)
def status() -> dict[str, Any]:
    """This node's sync status: last success, lag, queue depth, quarantined events"""
    require_role(current_actor(), *STAFF, action="查看同步状态")
    return node_status(db_session(), current_tier())


@blp.route("/now", methods=["POST"])
@blp.auth_required
@blp.response(202, SyncRequestedSchema)
def sync_now() -> dict[str, Any]:
    """Ask this node's scheduler to sync at once ("立即同步")"""
    require_role(current_actor(), *STAFF, action="立即同步")
    session = db_session()
    tier = current_tier()
    state.request_sync(session, tier.clock.now())
    session.commit()
    return {"requested": True, "detail": "已通知同步进程立即同步"}


@blp.route("/nodes")
@blp.auth_required
@blp.response(200, NodeRowSchema(many=True))
def nodes() -> list[dict[str, Any]]:
    """Node board: every node below this one with last sync, lag, queue depth, quarantine"""
    require_role(
        current_actor(), Role.ADMIN, Role.SUPERVISOR, Role.TOWN_STAFF, action="查看节点看板"
    )
    return node_board(db_session(), current_tier())
