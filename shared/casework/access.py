"""Who may read which case: one table, used by the case API, the case pages and the services.

个人信息保护法: staff see only what their work needs. A case is read by

- county admin, supervisor: every case the tier holds;
- department reviewer: cases its department accepts or decides (``accept_by``,
  ``handled_by``), and cases a town decides in its name (委托, ``in_name_of``);
- town staff: cases filed at the town or its villages, and cases the town accepts or
  decides;
- village agent: cases filed at the village.

Acting needs more than reading (the node and the fold's ``allowed_origins``:
``services._may_act``), never less. A case outside the reader's scope answers exactly as
an unknown case does (404), so case numbers cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_

from shared.accounts.models import Role
from shared.accounts.services import Actor
from shared.cases import CaseState
from shared.sync.models import CaseRow

#: Roles that read every case of the tier (supervision needs the whole picture).
READ_ALL = (Role.ADMIN, Role.SUPERVISOR)


@dataclass(frozen=True)
class CaseRef:
    """What the read rule looks at: where a case was filed, who accepts and decides it."""

    accepting_node: str
    accept_by: str
    handled_by: str
    in_name_of: str = ""

    @classmethod
    def of(cls, state: CaseState) -> CaseRef:
        return cls(
            accepting_node=state.accepting_node,
            accept_by=state.accept_by,
            handled_by=state.handled_by,
            in_name_of=state.in_name_of or "",
        )


def may_read(actor: Actor, case: CaseRef) -> bool:
    """Whether ``actor`` may read ``case`` (the rule in this module's docstring)."""
    if actor.role in READ_ALL:
        return True
    if actor.role is Role.DEPT_REVIEWER:
        department = actor.department_code or ""
        return bool(department) and department in (
            case.accept_by,
            case.handled_by,
            case.in_name_of,
        )
    unit = actor.region_code or ""
    if actor.role is Role.TOWN_STAFF and len(unit) == 9:
        return case.accepting_node.startswith(unit) or unit in (case.accept_by, case.handled_by)
    if actor.role is Role.VILLAGE_AGENT and len(unit) == 12:
        return case.accepting_node == unit
    return False


def read_clause(actor: Actor) -> ColumnElement[bool] | None:
    """The same rule as a condition on the ``cases`` projection (None: every case)."""
    if actor.role in READ_ALL:
        return None
    if actor.role is Role.DEPT_REVIEWER and actor.department_code:
        # in_name_of is not projected: 委托 cases a town decides are listed at the town and
        # opened by number here (may_read looks at the folded case).
        return or_(
            CaseRow.accept_by == actor.department_code,
            CaseRow.handled_by == actor.department_code,
        )
    unit = actor.region_code or ""
    if actor.role is Role.TOWN_STAFF and len(unit) == 9:
        return or_(
            CaseRow.accepting_node.startswith(unit, autoescape=True),
            CaseRow.accept_by == unit,
            CaseRow.handled_by == unit,
        )
    if actor.role is Role.VILLAGE_AGENT and len(unit) == 12:
        return CaseRow.accepting_node == unit
    return false()
