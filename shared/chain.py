"""Append-only hash chains, as pure functions: the certificate usage log and the audit log.

A chain belongs to one node. Its entries are numbered 1, 2, 3 … and each entry's ``hash``
is SHA-256 over the canonical JSON of all its other fields, ``prev_hash`` (the previous
entry's hash; 64 zeros for entry 1) included. A receiver keeps, per node, the last
``(seq, hash)`` it accepted (the anchor) and checks every new batch against it with
:func:`check_chain`; a tier that pruned the start of a chain checks the rest from the
pruned part's seal, which is an anchor too.

Any entry type fits that has ``node``, ``seq``, ``prev_hash``, ``hash`` and
``expected_hash()`` (:class:`Linked`); :func:`content_hash` is the hash they all use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from shared.canonical import canonical_json

#: ``prev_hash`` of a node's first entry.
GENESIS = "0" * 64

Problem = Literal["gap", "rewritten", "broken_link", "fork"]


class Head(Protocol):
    """What the next entry needs of the one before it (an entry or an anchor)."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...


class Linked(Protocol):
    """What :func:`check_chain` reads of an entry."""

    @property
    def node(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...
    def expected_hash(self) -> str: ...


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) over the canonical JSON of an entry's content (all but ``hash``)."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def next_link(prev: Head | None) -> tuple[int, str]:
    """``(seq, prev_hash)`` of the entry that follows ``prev`` (None: the first entry)."""
    return (1, GENESIS) if prev is None else (prev.seq + 1, prev.hash)


@dataclass(frozen=True)
class ChainAnchor:
    """The last entry of a node's chain that a receiver has accepted (or a seal)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`check_chain` found; ``head`` is the new anchor when ``ok``."""

    ok: bool
    reason: str
    problem: Problem | None = None
    first_bad_seq: int | None = None
    checked: int = 0
    head: ChainAnchor | None = None


def check_chain(entries: Sequence[Linked], anchor: ChainAnchor | None = None) -> ChainReport:
    """Check a node's entries in order, stopping at the first fault.

    Without ``anchor`` the entries must be the whole chain, from seq 1. With it they may
    be the whole chain, a part overlapping the anchor or only what follows it; what the
    receiver accepted must match (or be joined) unchanged, or the report says ``fork``.
    Faults: ``gap`` (a seq missing, repeated or out of order), ``rewritten`` (an entry's
    hash does not match its content), ``broken_link`` (``prev_hash`` is not the previous
    entry's hash), ``fork`` (the chain disagrees with, or stops before, the anchor).
    """
    if not entries:
        head = anchor
        return ChainReport(True, "没有新的条目", head=head)

    def fail(problem: Problem, seq: int, reason: str, checked: int) -> ChainReport:
        return ChainReport(False, f"第 {seq} 条：{reason}", problem, seq, checked)

    first = entries[0]
    if anchor is not None and first.seq == anchor.seq + 1:
        prev_seq, prev_hash = anchor.seq, anchor.hash
    elif anchor is not None and first.seq > anchor.seq + 1:
        return fail("gap", anchor.seq + 1, f"缺少中心已确认的第 {anchor.seq} 条之后的条目", 0)
    elif anchor is not None and first.seq <= anchor.seq:
        # A resend overlapping what the receiver has: the entry at the anchor must match.
        prev_seq, prev_hash = first.seq - 1, first.prev_hash
    elif first.seq == 1:
        prev_seq, prev_hash = 0, GENESIS
    else:
        return fail("gap", 1, f"日志应从第 1 条开始，实际从第 {first.seq} 条开始", 0)

    for checked, entry in enumerate(entries):
        if entry.seq != prev_seq + 1:
            if entry.seq > prev_seq + 1:
                missing = f"{prev_seq + 1}–{entry.seq - 1}" if entry.seq > prev_seq + 2 else ""
                reason = f"缺少第 {missing or prev_seq + 1} 条"
            else:
                reason = f"序号重复或倒退（在第 {prev_seq} 条之后出现第 {entry.seq} 条）"
            return fail("gap", prev_seq + 1, reason, checked)
        if entry.node != first.node:
            return fail(
                "broken_link", entry.seq, f"条目属于节点 {entry.node}，不是 {first.node}", checked
            )
        if entry.hash != entry.expected_hash():
            return fail("rewritten", entry.seq, "内容与其哈希不符，条目被改写", checked)
        if entry.prev_hash != prev_hash:
            if anchor is not None and prev_seq == anchor.seq:
                return fail(
                    "fork",
                    entry.seq,
                    f"没有接在中心已确认的第 {anchor.seq} 条之后，日志出现分叉",
                    checked,
                )
            return fail("broken_link", entry.seq, "前序哈希与上一条不符，链条断裂", checked)
        if anchor is not None and entry.seq == anchor.seq and entry.hash != anchor.hash:
            return fail(
                "fork", entry.seq, "与中心已确认的同一条目不同，日志被改写后重新计算", checked
            )
        prev_seq, prev_hash = entry.seq, entry.hash

    if anchor is not None and prev_seq < anchor.seq:
        return fail(
            "fork",
            prev_seq + 1,
            f"日志只到第 {prev_seq} 条，短于中心已确认的第 {anchor.seq} 条（被截断）",
            len(entries),
        )
    return ChainReport(
        True,
        f"日志完整：共核对 {len(entries)} 条，至第 {prev_seq} 条",
        checked=len(entries),
        head=ChainAnchor(prev_seq, prev_hash),
    )
