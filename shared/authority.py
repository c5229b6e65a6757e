"""Who handles item I accepted at node N on day D — the one function everything uses.

Pure: it takes the delegation rules in force as plain data, so the hub (from its tables)
and every node (from its copy of the master data) answer the same question the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.errors import InvalidInput, InvalidParam


class DelegationMode(enum.StrEnum):
    DEVOLVE = "下放"  # the power moves; the town decides in its own name
    ENTRUST = "委托"  # the town acts in the entrusting department's name (许可法 art. 24)


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            "draft": "草稿",
            "in_force": "生效",
            "suspended": "暂停",
            "withdrawn": "已收回",
            "expired": "已到期",
        }[self.value]


class Scope(enum.StrEnum):
    ACCEPT = "受理"
    EXAMINE = "审查"
    DECIDE = "决定"


@dataclass(frozen=True)
class BatchRule:
    """A batch reduced to what the authority question needs."""

    number: int
    mode: DelegationMode
    towns: frozenset[str] | None  # None = all towns
    items: frozenset[str]
    scope: frozenset[Scope]
    status: BatchStatus
    term_from: date
    term_to: date | None = None
    withdrawn_on: date | None = None
    entrusting_department: str | None = None

    def in_force_on(self, day: date) -> bool:
        """In force on ``day``: published, started, not past its term or withdrawal."""
        if self.status in (BatchStatus.DRAFT, BatchStatus.SUSPENDED):
            return False
        if day < self.term_from:
            return False
        if self.term_to is not None and day > self.term_to:
            return False
        return not (self.withdrawn_on is not None and day >= self.withdrawn_on)

    def covers(self, town: str, item: str) -> bool:
        return item in self.items and (self.towns is None or town in self.towns)


@dataclass(frozen=True)
class Authority:
    """The answer: who decides, and whether the asking node may."""

    may_decide: bool
    handled_by: str  # 9-digit town code, or the owning department's code
    batch: int | None
    mode: DelegationMode | None
    in_name_of: str  # whose name the decision is made in (委托: the department)
    accepting_town: str | None


def town_of(node: str) -> str | None:
    """The town a node belongs to: itself for a town, the parent for a village."""
    if node.isdigit() and len(node) == 12:
        return node[:9]
    if node.isdigit() and len(node) == 9:
        return node
    return None


def decide_authority(
    rules: Iterable[BatchRule],
    *,
    node: str,
    item_code: str,
    item_department: str,
    on: date,
) -> Authority:
    """Who handles ``item_code`` accepted at ``node`` on day ``on``.

    The item is decided by the accepting town when a batch in force that day delegates it
    to that town with 决定 in scope (the lowest batch number wins if several do);
    otherwise by the department that owns it. A village never decides: its cases go to its
    town. A case accepted in the county hall (the county or a department as node) is
    handled by the owning department, delegated or not: delegation is about the towns'
    windows, not about turning county applicants away. ``node`` may be a 12-digit village,
    a 9-digit town, the 6-digit county, or a department code.
    """
    if not node:
        raise InvalidInput(detail="缺少节点代码", invalid_params=[InvalidParam("node", "必填")])
    town = town_of(node)
    if town is not None:
        for rule in sorted(rules, key=lambda r: r.number):
            if rule.in_force_on(on) and rule.covers(town, item_code):
                decides_here = Scope.DECIDE in rule.scope
                handled_by = town if decides_here else item_department
                in_name_of = (
                    (rule.entrusting_department or item_department)
                    if rule.mode is DelegationMode.ENTRUST
                    else handled_by
                )
                return Authority(
                    may_decide=decides_here and node == town,
                    handled_by=handled_by,
                    batch=rule.number,
                    mode=rule.mode,
                    in_name_of=in_name_of,
                    accepting_town=town,
                )
    return Authority(
        may_decide=node == item_department,
        handled_by=item_department,
        batch=None,
        mode=None,
        in_name_of=item_department,
        accepting_town=town,
    )
