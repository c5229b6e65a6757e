"""Certificate verification benchmark: verify() against the Ed25519 check alone, one core.

Run ``.venv/bin/python bench/certs.py`` (``--smoke`` for a run of a few seconds that
prints the same table). It signs 2,000 certificates (varied holders and serials) and a
status list that revokes 1,000 others, pins itself to one CPU and measures, in
interleaved rounds, the Ed25519 verification alone (the floor: what verifying costs
without any of our code), ``parse_payload`` alone, :func:`shared.certs.verify` end to
end on the QR payloads and :func:`shared.certs.verify_many` on batches of 1,000. Rates
are per second of CPU time the process used and the best round counts (a shared
machine only ever slows a round down). The headline is verify ÷ Ed25519 measured in
the same run: absolute rates swing with the machine, the ratio much less.

Also measured: every kind of refusal (malformed, tampered, wrong key, revoked, …) at the
speed of a valid verification or faster, and the resident memory before and after
100,000 verifications in a loop. Exits 0 when every target is met, 1 when one is missed,
2 when the benchmark itself fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import cycle, islice
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path and an installed sanji (an
# editable install may point at another checkout) would be found: measure this one.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchkit import Row, exit_status, print_table

from shared.canonical import canonical_json
from shared.certs import (
    Certificate,
    KeyPair,
    KeyRing,
    SignedStatusList,
    StatusEntry,
    StatusList,
    VerdictCode,
    parse_payload,
    sign_certificate,
    sign_status_list,
    signing_bytes,
    verify,
    verify_many,
)
from shared.certs.signing import MAX_PAYLOAD, b64url, unb64url
from shared.ids import id_check_char, make_certificate_identifier

VERIFY_TARGET = 0.80  # verify() end to end ÷ Ed25519 alone (moonshot 0.90)
MANY_TARGET = 0.90  # verify_many(1,000) ÷ Ed25519 alone
REFUSAL_TARGET = 0.50  # slowest kind of verdict ÷ a valid verify(): no slow path
RSS_TARGET_MB = 5.0  # growth over the verify() loop
MANY_BATCH = 1_000

#: The rows of the table, in order; a run always prints every one of them.
METRICS = (
    "Ed25519 verify alone",
    "parse_payload alone",
    "verify() end to end",
    "verify_many(1,000)",
    "verify ÷ Ed25519",
    "verify_many ÷ Ed25519",
    "slowest verdict ÷ valid verify",
    "RSS growth, verify() loop",
)

TYPE_CODE = "11100000000013338W011"
ISSUER = "11430000006122244L"
OTHER_ISSUER = "91370406L24894136J"
ON = date(2026, 11, 27)
NEWER = make_certificate_identifier(TYPE_CODE, ISSUER, "20269999999", 2)


def _holder(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=(i * 37) % 20_000)
    first17 = f"610727{born:%Y%m%d}{i % 1000:03d}"
    return first17 + id_check_char(first17)


def _certificate(i: int, key: KeyPair, **changes: object) -> Certificate:
    serial = f"2026{i:07d}"
    issued = date(2024, 1, 1) + timedelta(days=i % 700)
    cert = Certificate(
        name="食品经营许可证",
        type_code=TYPE_CODE,
        number=f"JY1610727{i:07d}",
        identifier=make_certificate_identifier(TYPE_CODE, ISSUER, serial, 1),
        issuer_name="略阳县市场监督管理局",
        issuer_code=ISSUER,
        issue_date=issued,
        holder_name="张三丰",
        holder_code=_holder(i),
        holder_code_type="111",
        region="610727105",
        valid_from=issued,
        valid_to=None if i % 5 == 0 else issued + timedelta(days=5 * 365),
        signer_kid=key.kid,
        item_code="000130001000",
        previous=None,
        version=1,
    )
    return replace(cert, **changes) if changes else cert  # type: ignore[arg-type]


@dataclass(frozen=True)
class Setup:
    """Everything measured: keys, the status list, valid payloads, one set per verdict."""

    key: KeyPair
    ring: KeyRing
    status: SignedStatusList
    payloads: list[str]
    messages: list[tuple[bytes, bytes]]  # (signature, signed bytes) for Ed25519 alone
    kinds: dict[str, tuple[VerdictCode, list[str]]]
    bad_status: SignedStatusList


def build(count: int, revoked: int, per_kind: int) -> Setup:
    """Sign ``count`` certificates, a status list and ``per_kind`` payloads per verdict."""
    key, hub, other, retired, stranger = (KeyPair.generate() for _ in range(5))
    ring = KeyRing.of(
        [
            key.public(ISSUER, date(2024, 1, 1)),
            other.public(OTHER_ISSUER, date(2024, 1, 1)),
            retired.public(ISSUER, date(2020, 1, 1), retired_at=date(2024, 1, 1)),
            hub.public(ISSUER, date(2024, 1, 1), usage="status"),
        ]
    )
    signed = [sign_certificate(_certificate(i, key), key, keyring=ring) for i in range(count)]
    base = 1_000_000  # the certificates of the other verdicts: serials of their own
    kind_certs = {
        name: [_certificate(base + 10_000 * n + i, key) for i in range(per_kind)]
        for n, name in enumerate(("revoked", "superseded", "expired", "not yet valid", "tampered"))
    }
    entries = {
        make_certificate_identifier(TYPE_CODE, ISSUER, f"2025{i:07d}", 1): StatusEntry(
            "revoked", "以欺骗手段取得许可", date(2026, 1, 1)
        )
        for i in range(revoked)
    }
    for cert in kind_certs["revoked"]:
        entries[cert.identifier] = StatusEntry("revoked", "以欺骗手段取得许可", date(2026, 1, 1))
    for cert in kind_certs["superseded"]:
        entries[cert.identifier] = StatusEntry("superseded", "变更场所", date(2026, 1, 1), NEWER)
    status = sign_status_list(
        StatusList(hub.kid, datetime(2026, 11, 27, 1, tzinfo=UTC), entries), hub
    )
    wire = status.to_dict()
    wire["list"]["entries"] = {}  # dropped on the way: the signature no longer holds
    bad_status = SignedStatusList.from_dict(wire)

    def signed_by(pair: KeyPair, n: int) -> list[str]:
        return [
            sign_certificate(_certificate(base + 10_000 * n + i, pair, signer_kid=pair.kid), pair)
            .payload()
            for i in range(per_kind)
        ]  # fmt: skip

    def pay(certs: list[Certificate]) -> list[str]:
        return [sign_certificate(c, key).payload() for c in certs]

    valid = [s.payload() for s in signed]
    tampered = [
        "SJC1." + b64url(unb64url(p[5:]).replace("张三丰".encode(), "李四光".encode()))
        for p in pay(kind_certs["tampered"])
    ]
    garbage_json = "SJC1." + b64url(canonical_json({"cert": "x" * 5_800, "kid": "", "sig": ""}))
    nested = "SJC1." + b64url(b"[" * 900 + b"]" * 900)
    numbers = "SJC1." + b64url(("[" + ",".join(["1e9"] * 1_500) + "]").encode())
    escapes = "SJC1." + b64url(('"' + "\\u0001" * 1_020 + '"').encode())
    widest = "\x01" * 200  # every text at its limit, each character written as \u0001
    biggest = _certificate(
        base + 90_000,
        key,
        name=widest,
        number=widest,
        issuer_name=widest,
        holder_name=widest,
        item_code=widest[:64],
        identifier=make_certificate_identifier(TYPE_CODE, ISSUER, "Z" * 32, 1),
    )
    big_body = unb64url(pay([biggest])[0][5:])
    big_tampered = "SJC1." + b64url(big_body.replace(b"\\u0001", b"\\u0002", 1))
    first = valid[:per_kind]
    kinds: dict[str, tuple[VerdictCode, list[str]]] = {
        "valid": (VerdictCode.VALID, first),
        "revoked": (VerdictCode.REVOKED, pay(kind_certs["revoked"])),
        "superseded": (VerdictCode.SUPERSEDED, pay(kind_certs["superseded"])),
        "expired": (
            VerdictCode.EXPIRED,
            pay([replace(c, valid_to=date(2025, 1, 1)) for c in kind_certs["expired"]]),
        ),
        "not yet valid": (
            VerdictCode.NOT_YET_VALID,
            pay([replace(c, valid_from=date(2027, 1, 1)) for c in kind_certs["not yet valid"]]),
        ),
        "tampered": (VerdictCode.BAD_SIGNATURE, tampered),
        "tampered: 7.8 KB, escapes": (VerdictCode.BAD_SIGNATURE, [big_tampered] * per_kind),
        "unknown key": (VerdictCode.UNKNOWN_KEY, signed_by(stranger, 6)),
        "wrong issuer": (VerdictCode.WRONG_ISSUER, signed_by(other, 7)),
        "key retired": (VerdictCode.KEY_RETIRED, signed_by(retired, 8)),
        "bad identifier": (VerdictCode.BAD_IDENTIFIER, [_bad_identifier(p) for p in first]),
        "malformed: a character": (VerdictCode.MALFORMED, [p[:99] + "!" + p[100:] for p in first]),
        "malformed: 8 KiB of JSON": (VerdictCode.MALFORMED, [garbage_json] * per_kind),
        "malformed: nested 900 deep": (VerdictCode.MALFORMED, [nested] * per_kind),
        "malformed: 1,500 numbers": (VerdictCode.MALFORMED, [numbers] * per_kind),
        "malformed: 8 KiB of escapes": (VerdictCode.MALFORMED, [escapes] * per_kind),
        "malformed: over 8 KiB": (VerdictCode.MALFORMED, ["SJC1." + "A" * MAX_PAYLOAD] * per_kind),
    }  # fmt: skip
    messages = [(s.signature, signing_bytes(s.certificate)) for s in signed]
    return Setup(key, ring, status, valid, messages, kinds, bad_status)


def _bad_identifier(payload: str) -> str:
    data = json.loads(unb64url(payload[5:]))
    ident = data["cert"]["identifier"]
    data["cert"]["identifier"] = ident[:-1] + ("0" if ident[-1] != "0" else "1")
    return "SJC1." + b64url(canonical_json(data))


# --------------------------------------------------------------------------- timing


@dataclass
class Rate:
    """The best rate of the rounds of one measurement (calls per CPU second)."""

    best: float = 0.0
    calls: int = 0
    cpu: float = 0.0
    wall: float = 0.0

    def add(self, calls: int, cpu: float, wall: float) -> None:
        self.calls, self.cpu, self.wall = self.calls + calls, self.cpu + cpu, self.wall + wall
        if cpu > 0:
            self.best = max(self.best, calls / cpu)


def _round(
    rate: Rate, seconds: float, batches: Sequence[object], run: Callable[[object], int]
) -> None:
    """Run ``run`` over ``batches`` (cycling) for about ``seconds`` of CPU; one round."""
    calls = 0
    wall, cpu = time.perf_counter(), time.process_time()
    deadline = cpu + seconds
    for batch in cycle(batches):
        calls += run(batch)
        if time.process_time() >= deadline:
            break
    rate.add(calls, time.process_time() - cpu, time.perf_counter() - wall)


def _chunks(items: Sequence[object], size: int) -> list[Sequence[object]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _each(call: Callable[[object], object]) -> Callable[[object], int]:
    def run(batch: object) -> int:
        items: Sequence[object] = batch  # type: ignore[assignment]
        for item in items:
            call(item)
        return len(items)

    return run


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _memory(setup: Setup, loops: int) -> tuple[float, int]:
    """RSS growth (MB) over ``loops`` verify() calls, after one warm-up pass."""
    for payload in setup.payloads:
        verify(payload, setup.ring, setup.status, ON)
    gc.collect()
    before = _rss_kb()
    for payload in islice(cycle(setup.payloads), loops):
        verify(payload, setup.ring, setup.status, ON)
    gc.collect()
    return (_rss_kb() - before) / 1024, loops


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status says whether the targets were met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, same table")
    parser.add_argument("--certs", type=int, help="signed certificates (2000; smoke 200)")
    parser.add_argument("--revoked", type=int, default=1_000, help="status list entries (1000)")
    parser.add_argument("--seconds", type=float, help="CPU s per measurement (3; smoke 0.3)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (10; smoke 3)")
    parser.add_argument("--loops", type=int, help="verify() calls for memory (100000; smoke 5000)")
    args = parser.parse_args(argv)
    smoke = args.smoke
    count = args.certs or (200 if smoke else 2_000)
    seconds = args.seconds or (0.3 if smoke else 3.0)
    rounds = args.rounds or (3 if smoke else 10)
    loops = args.loops or (5_000 if smoke else 100_000)

    pinned = "not pinned"
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        pinned = f"pinned to cpu {cpu}"
    # Other processes on the machine slow this one down: the load average says how much.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, {pinned}, load {load}")
    print(f"python {platform.python_version()}{', smoke run' if smoke else ''}")

    built = time.perf_counter()
    setup = build(count, args.revoked, per_kind=20 if smoke else 50)
    lengths = [len(p) for p in setup.payloads]
    listed = len(setup.status.status_list.entries)
    print(
        f"built {count:,} signed certificates and a status list of {listed:,} entries "
        f"in {time.perf_counter() - built:.2f} s; payload {min(lengths)}–{max(lengths)} characters"
    )

    # The benchmark measures nothing unless every verdict is the one it stands for.
    for name, (code, items) in setup.kinds.items():
        got = {v.code for v in verify_many(items, setup.ring, setup.status, ON)}
        if got != {code}:
            print(f"benchmark broken: {name} gave {sorted(got)}, expected {code}")
            return 2
    bad = [v for v in verify_many(setup.payloads, setup.ring, setup.status, ON) if not v.ok]
    refused = verify(setup.payloads[0], setup.ring, setup.bad_status, ON)
    if bad or refused.code is not VerdictCode.BAD_STATUS_LIST:
        print(f"benchmark broken: {len(bad)} certificates did not verify ({refused.code})")
        return 2

    public = setup.key.private.public_key()
    ring, status = setup.ring, setup.status
    batch = list(islice(cycle(setup.payloads), MANY_BATCH))
    chunk = max(1, min(200, count))
    messages, payloads = _chunks(setup.messages, chunk), _chunks(setup.payloads, chunk)

    def one(p: object) -> object:
        return verify(p, ring, status, ON)  # type: ignore[arg-type]

    def many(b: object) -> int:
        return len(verify_many(b, ring, status, ON))  # type: ignore[arg-type]

    def one_bad_list(p: object) -> object:
        return verify(p, ring, setup.bad_status, ON)  # type: ignore[arg-type]

    # name → (batches, what runs one batch, share of --seconds)
    Plan = dict[str, tuple[Sequence[object], Callable[[object], int], float]]
    measurements: Plan = {
        "ed": (messages, _each(lambda m: public.verify(*m)), 1.0),  # type: ignore[misc]
        "parse": (payloads, _each(parse_payload), 0.3),  # type: ignore[arg-type]
        "verify": (payloads, _each(one), 1.0),
        "many": ([batch], many, 1.0),
    }
    kinds: Plan = {
        name: (_chunks(items, chunk), _each(one), 0.1) for name, (_, items) in setup.kinds.items()
    }
    kinds["bad status list"] = (payloads, _each(one_bad_list), 0.1)
    rates = {name: Rate() for name in [*measurements, *kinds]}
    for _ in range(rounds):
        # Interleaved, so that a busy moment of the machine hits every measurement alike.
        for name, (batches, run, share) in [*measurements.items(), *kinds.items()]:
            _round(rates[name], seconds * share / rounds, batches, run)

    print("rates on one core (best round, per CPU second; all rounds per wall second):")
    labels = {
        "ed": "Ed25519 verify alone (reference)",
        "parse": "parse_payload alone",
        "verify": "verify(payload, ...) end to end",
        "many": f"verify_many({MANY_BATCH:,}) per certificate",
    }
    for name, label in [*labels.items(), *((k, f"  verdict: {k}") for k in kinds)]:
        r = rates[name]
        print(
            f"  {label:<36} {r.best:>9,.0f} /s   ({r.calls:,} calls, {r.cpu:.2f} s CPU, "
            f"{r.calls / r.wall if r.wall else 0:,.0f} /s wall)"
        )

    rss_mb, loop_count = _memory(setup, loops)

    ed = rates["ed"].best
    verify_ratio = rates["verify"].best / ed
    many_ratio = rates["many"].best / ed
    slowest = min(kinds, key=lambda k: rates[k].best)
    slowest_ratio = rates[slowest].best / rates["verify"].best
    rows = [
        Row(METRICS[0], f"{ed:,.0f} /s", "—", None, "the floor: the signature alone"),
        Row(METRICS[1], f"{rates['parse'].best:,.0f} /s", "—", None, "for scale"),
        Row(METRICS[2], f"{rates['verify'].best:,.0f} /s", "—", None, "see the ratio"),
        Row(METRICS[3], f"{rates['many'].best:,.0f} /s", "—", None, "see the ratio"),
        Row(METRICS[4], f"{verify_ratio:.2f}", f"≥ {VERIFY_TARGET:.2f}",
            verify_ratio >= VERIFY_TARGET, "moonshot ≥ 0.90"),
        Row(METRICS[5], f"{many_ratio:.2f}", f"≥ {MANY_TARGET:.2f}", many_ratio >= MANY_TARGET),
        Row(METRICS[6], f"{slowest_ratio:.2f}", f"≥ {REFUSAL_TARGET:.2f}",
            slowest_ratio >= REFUSAL_TARGET, f"slowest: {slowest}"),
        Row(METRICS[7], f"{rss_mb:.2f} MB", f"< {RSS_TARGET_MB:.0f} MB",
            rss_mb < RSS_TARGET_MB, f"{loop_count:,} calls"),
    ]  # fmt: skip
    assert [row.metric for row in rows] == list(METRICS)
    print_table(rows)
    return exit_status(rows)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(2)
    except Exception:  # the benchmark itself failed: say so with exit status 2
        traceback.print_exc()
        sys.exit(2)
