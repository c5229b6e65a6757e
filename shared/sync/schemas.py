"""Request and answer shapes of sync v1 (shared.sync.api): peers' and staff endpoints.

The peer endpoints write their signed, possibly gzipped bodies themselves (the schemas
only document them); the staff endpoints' answers are dumped through these schemas.
"""

from __future__ import annotations

import marshmallow as ma

from shared.certwork.schemas import LookupRowSchema
from shared.schemas import as_written, iso_time

# --------------------------------------------------------------------------- peers


class EnrollSchema(ma.Schema):
    node = ma.fields.String(required=True, validate=ma.validate.Length(min=9, max=12))
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=10, max=100))
    public_key = ma.fields.String(required=True, validate=ma.validate.Length(min=40, max=64))
    url = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class PageArgsSchema(ma.Schema):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**62))
    limit = ma.fields.Integer(load_default=500, validate=ma.validate.Range(min=1, max=5000))


class EnrolledSchema(ma.Schema):
    """The keys a new node keeps: this node's and the county hub's."""

    node = ma.fields.String(metadata={"description": "本节点（上级）代码"})
    public_key = ma.fields.String(metadata={"description": "本节点公钥（验签下行请求的应答）"})
    hub_key = ma.fields.String(
        allow_none=True, metadata={"description": "县级公钥（验签主数据）；上级尚未接入为 null"}
    )


class MasterChangeSchema(ma.Schema):
    """One change of master data, signed by the hub."""

    seq = ma.fields.Integer(metadata={"description": "变更序号（游标）"})
    entity = ma.fields.String(metadata={"description": "region、department、item、batch 等"})
    key = ma.fields.String()
    op = ma.fields.String(metadata={"description": "put 或 delete"})
    data = ma.fields.Raw(metadata={"type": "object", "description": "变更内容，随 entity 而定"})
    at = iso_time()
    sig = ma.fields.String(metadata={"description": "县级签名"})


class MasterPageSchema(ma.Schema):
    """Master-data changes after the cursor (304 with the same ETag: nothing new)."""

    changes = ma.fields.List(ma.fields.Nested(MasterChangeSchema))
    next = ma.fields.Integer(metadata={"description": "下一页的游标"})
    more = ma.fields.Boolean(metadata={"description": "还有下一页"})


class WireEventSchema(ma.Schema):
    """A case event as it travels between nodes (and is signed)."""

    id = ma.fields.String()
    case_id = ma.fields.String()
    case_no = ma.fields.String()
    origin = ma.fields.String(metadata={"description": "写入事件的节点"})
    lamport = ma.fields.Integer()
    type = ma.fields.String()
    at = iso_time()
    actor = ma.fields.String()
    payload = ma.fields.Raw(metadata={"type": "object", "description": "事件内容，随类型而定"})
    v = ma.fields.Integer(metadata={"description": "事件格式版本"})


class RejectedEventSchema(ma.Schema):
    id = ma.fields.String()
    code = ma.fields.String(metadata={"description": "拒收原因代码"})
    reason = ma.fields.String(metadata={"description": "拒收原因（中文）"})


class PushReplySchema(ma.Schema):
    """What became of each pushed event (rejected ones are quarantined here)."""

    accepted = ma.fields.List(ma.fields.String(), metadata={"description": "收下的事件编号"})
    duplicates = ma.fields.List(ma.fields.String(), metadata={"description": "已有的事件编号"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedEventSchema))
    cursor = ma.fields.Integer()


class EventsPageSchema(ma.Schema):
    """Case events of the caller's subtree after the cursor."""

    events = ma.fields.List(ma.fields.Nested(WireEventSchema))
    next = ma.fields.Integer(metadata={"description": "下一页的游标"})
    more = ma.fields.Boolean()


class UsageReplySchema(ma.Schema):
    """Usage-log entries taken (node → last sequence) and refused (entry → reason)."""

    accepted = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    refused = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class RelayedComplaintSchema(ma.Schema):
    """The county's record of the complaint (as ``GET /complaints/{id}`` at the hub)."""

    class Meta:
        unknown = ma.INCLUDE  # the hub's complaint record, whatever its version holds

    id = ma.fields.Integer()
    department_code = ma.fields.String(metadata={"description": "转办的责任部门"})
    deadline = ma.fields.String(allow_none=True, metadata={"format": "date"})


class RelayedLookupSchema(ma.Schema):
    """The holder's certificates in the county registry."""

    items = ma.fields.List(ma.fields.Nested(LookupRowSchema))


# --------------------------------------------------------------------------- staff


class QuarantineSchema(ma.Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.String()
    case_no = ma.fields.String()
    direction = ma.fields.String(metadata={"description": "received：本节点拒收；sent：上级拒收"})
    peer = ma.fields.String()
    code = ma.fields.String()
    reason = ma.fields.String()
    at = ma.fields.DateTime()
    event = ma.fields.Raw()


class NodeStatusSchema(ma.Schema):
    """This node's sync status."""

    node = ma.fields.String()
    tier = ma.fields.String(metadata={"description": "hub、town 或 village"})
    upstream = ma.fields.String(
        allow_none=True, metadata={"description": "上级地址；未接入为 null"}
    )
    joined = ma.fields.Boolean(metadata={"description": "已接入上级（县级总为 true）"})
    last_success = iso_time("上次同步成功", allow_none=True)
    lag_seconds = ma.fields.Integer(allow_none=True, metadata={"description": "距上次成功的秒数"})
    queue_depth = ma.fields.Integer(metadata={"description": "待上传的事件数"})
    quarantined = ma.fields.Integer(metadata={"description": "未处理的隔离事件数"})
    last_error = ma.fields.String(allow_none=True, metadata={"description": "上次失败的原因"})
    failures = ma.fields.Integer(metadata={"description": "连续失败次数"})
    next_attempt = iso_time("退避后的下次尝试", allow_none=True)
    sync_requested = iso_time("“立即同步”请求时间", allow_none=True)
    master_cursor = ma.fields.Integer(metadata={"description": "已取得的主数据游标"})
    master_last = ma.fields.Integer(metadata={"description": "本节点主数据的最新序号"})


class SyncRequestedSchema(ma.Schema):
    requested = ma.fields.Boolean()
    detail = ma.fields.String()


class NodeRowSchema(ma.Schema):
    """A node below this one on the board; the sync figures are what that node reported
    (passed on as reported)."""

    node = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String(metadata={"description": "town 或 village；未知为空"})
    enrolled = ma.fields.Boolean(metadata={"description": "已接入"})
    reported_via = ma.fields.String(allow_none=True, metadata={"description": "经由哪个节点上报"})
    last_seen = iso_time("上次来访", allow_none=True)
    last_success = as_written("string", "该节点上报的上次同步成功（ISO 8601）", nullable=True)
    lag_seconds = as_written("integer", "该节点上报的同步延迟（秒）", nullable=True)
    queue_depth = as_written("integer", "该节点上报的待上传事件数", nullable=True)
    quarantined = as_written("integer", "该节点上报的隔离事件数", nullable=True)
    state = ma.fields.String(metadata={"description": "未接入、已接入尚未同步、正常、用证日志异常"})
    usage_alerts = ma.fields.List(ma.fields.String(), metadata={"description": "用证日志告警"})
    audit_alerts = ma.fields.List(ma.fields.String(), metadata={"description": "审计日志告警"})
