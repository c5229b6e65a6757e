"""``sanji demo``: initialise what is missing and run the whole demo county on 127.0.0.1.

It starts the hub (8000), towns 兴州街道 (8101) and 徐家坪镇 (8105) and one village portal
under 徐家坪镇 (8201) as separate gunicorn processes, prints URLs and accounts, and stops
them all on Ctrl-C or SIGTERM. Each tier keeps its data in ``var/demo/<tier>-<code>/``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import click

from shared import refdata


@dataclass(frozen=True)
class DemoNode:
    tier: str  # hub | town | village
    code: str
    port: int

    @property
    def prefix(self) -> str:
        return {"hub": "SANJI_HUB", "town": "SANJI_TOWN", "village": "SANJI_VILLAGE"}[self.tier]

    def data_dir(self, root: Path) -> Path:
        return root / f"{self.tier}-{self.code}"

    def env(self, root: Path) -> dict[str, str]:
        env = dict(os.environ)
        env[f"{self.prefix}_DATA_DIR"] = str(self.data_dir(root))
        # The hub is the county's node: its one setting names the county for every tier.
        code_setting = "COUNTY_CODE" if self.tier == "hub" else "NODE_CODE"
        env[f"{self.prefix}_{code_setting}"] = self.code
        env[f"{self.prefix}_SYNC_INTERVAL"] = "3"  # the demo shows changes travel quickly
        env[f"{self.prefix}_COOKIE_SECURE"] = "false"  # the demo is plain HTTP on 127.0.0.1
        # Everyone trying the demo (and its start-up checks) is 127.0.0.1: one address must
        # not run out of login attempts after ten. Lockout per account stays as shipped.
        env.setdefault(f"{self.prefix}_LOGIN_ADDRESS_LIMIT", "600")
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return refdata.place_name(self.code)


def demo_nodes(port_offset: int = 0) -> list[DemoNode]:
    """The layout of ARCHITECTURE.md §8 (ports shifted by ``port_offset`` for tests)."""
    return [
        DemoNode("hub", refdata.COUNTY_CODE, 8000 + port_offset),
        DemoNode("town", "610727001", 8101 + port_offset),
        DemoNode("town", "610727105", 8105 + port_offset),
        DemoNode("village", refdata.demo_village("610727105").code, 8201 + port_offset),
    ]


def _sanji(*args: str) -> list[str]:
    return [sys.executable, "-m", "shared.cli", *args]


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


@click.command("demo")
@click.option(
    "--root",
    default="var/demo",
    show_default=True,
    type=click.Path(path_type=Path),
    help="演示数据目录",
)
@click.option("--init-only", is_flag=True, help="只初始化数据库和演示数据，不启动服务")
@click.option(
    "--port-offset",
    default=0,
    show_default=True,
    type=int,
    help="所有端口加上此偏移（测试用；约定端口为 8000/8101/8105/8201）",
)
def demo(root: Path, init_only: bool, port_offset: int) -> None:
    """初始化并启动演示平台：县级枢纽、两个镇、一个村（Ctrl-C 全部停止）。"""
    root = root.resolve()
    nodes = demo_nodes(port_offset)
    stop = _StopSignals()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for node in nodes:
            click.echo(f"初始化 {node.name}（{node.tier} {node.code}）…")
            init = ["init", "--demo"] if node.tier == "hub" else ["init"]
            # Our own interpreter and command with fixed arguments: no untrusted input.
            subprocess.run(_sanji(node.tier, *init), env=node.env(root), check=True)  # noqa: S603
        if not init_only:
            _run(root, nodes, procs, stop)
    except KeyboardInterrupt:
        click.echo("\n正在停止全部服务…")
    finally:
        stop.ignore()  # a second Ctrl-C or SIGTERM must not cut the clean-up short
        _stop_all(procs)


class _StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP all stop the demo the same way: KeyboardInterrupt.

    A service manager or a script stops the demo with SIGTERM, and a closed terminal sends
    SIGHUP; Python's default for both ends the process at once, leaving the servers running
    with their ports taken. While a child is being started (:meth:`shielded`) the signal
    waits, so no child can be started without being recorded for the clean-up.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self._shield = 0
        self._pending = False
        for sig in self.SIGNALS:
            signal.signal(sig, self._handle)

    def _handle(self, _signum: int, _frame: object) -> None:
        if self._shield:
            self._pending = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def shielded(self) -> Iterator[None]:
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
        if self._pending and not self._shield:
            raise KeyboardInterrupt

    def ignore(self) -> None:
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


def _run(
    root: Path, nodes: list[DemoNode], procs: list[subprocess.Popen[bytes]], stop: _StopSignals
) -> None:
    """Start every server and scheduler, join the nodes, wait until one of them exits."""
    hub, towns, village = nodes[0], nodes[1:3], nodes[3]

    def start(node: DemoNode, *args: str) -> subprocess.Popen[bytes]:
        with stop.shielded():
            # A process group of its own: stopping it reaches gunicorn's workers too, and
            # Ctrl-C reaches only the demo, which stops everything in the same order.
            proc = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                _sanji(node.tier, *args), env=node.env(root), process_group=0
            )
            procs.append(proc)
        return proc

    def serve(node: DemoNode) -> None:
        proc = start(node, "serve", "--port", str(node.port), "--workers", "1")
        if not _wait_healthy(node.port, proc):
            raise click.ClickException(f"{node.name} 未能在端口 {node.port} 启动，请查看上方日志")

    serve(hub)
    pin = hub_fingerprint(root, hub)
    for town in towns:
        _join(root, upstream=hub, node=town, option="--hub", hub_fp=pin)
        serve(town)
    _join(root, upstream=towns[1], node=village, option="--upstream", hub_fp=pin)
    serve(village)
    for node in nodes:
        start(node, "scheduler")
    click.echo("等待各节点完成首次同步（主数据与账号）…")
    _wait_login(village, f"agent-{village.code}")
    _wait_login(towns[0], f"town-{towns[0].code}")
    _print_banner(nodes)
    while all(p.poll() is None for p in procs):
        time.sleep(0.5)
    raise click.ClickException("有服务进程意外退出，演示已停止")


def _stop_all(procs: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    """SIGTERM each child's process group, wait, then SIGKILL the groups still there."""
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # gunicorn's master exits only after its workers; one still here gets the group
            # killed, workers and all, so no port stays taken.
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(proc.pid, sig)


def hub_fingerprint(root: Path, hub: DemoNode) -> str:
    """The hub key's fingerprint, read at the hub as an operator would (``sanji hub
    fingerprint``), so every demo join is pinned to it."""
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        _sanji("hub", "fingerprint"), env=hub.env(root), check=True, capture_output=True, text=True
    ).stdout.strip()


def _join(root: Path, *, upstream: DemoNode, node: DemoNode, option: str, hub_fp: str) -> None:
    """Enroll ``node`` at ``upstream`` and join with the one-time token (first run only)."""
    marker = node.data_dir(root) / "joined"
    if marker.exists():
        return
    if upstream.tier == "town":
        # A town enrolls only villages it knows from the master data: sync it first.
        subprocess.run(  # noqa: S603 - our own command, fixed arguments
            _sanji("town", "sync-once"), env=upstream.env(root), check=True, capture_output=True
        )
    token = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        _sanji(upstream.tier, "enroll-node", node.code),
        env=upstream.env(root),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(  # noqa: S603 - our own command, fixed arguments
        _sanji(
            node.tier,
            "join",
            option,
            upstream.url,
            "--token",
            token,
            "--hub-fingerprint",
            hub_fp,
            "--url",
            node.url,
        ),
        env=node.env(root),
        check=True,
    )
    marker.write_text(upstream.url + "\n")


def _wait_login(node: DemoNode, username: str, timeout: float = 120.0) -> None:
    """Accounts reach a node with the master feed; wait until this one can log in."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = requests.post(
                f"{node.url}/api/v1/auth/token",
                json={"username": username, "password": "demo"},
                timeout=5,
            )
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise click.ClickException(f"{node.name} 在 {timeout:.0f} 秒内未同步到账号 {username}")


def _print_banner(nodes: list[DemoNode]) -> None:
    village = nodes[-1]
    lines = [
        "",
        "略阳县三级政务服务平台演示已启动（全部在 127.0.0.1）：",
        *(
            f"  {n.name:<10} {n.tier:<8} {n.code:<13} http://127.0.0.1:{n.port}/"
            "  接口文档 /api/v1/docs"
            for n in nodes
        ),
        "",
        "演示账号（密码均为 demo）：",
        "  admin                    县级管理员（枢纽）",
        "  supervisor               督查人员（枢纽）",
        "  dept-<部门代码>          部门审批人员，如 dept-scjgj（市场监管）、dept-mzj（民政）",
        "  town-610727001           兴州街道窗口人员",
        "  town-610727105           徐家坪镇窗口人员",
        f"  agent-{village.code}    {village.name}代办员（村级门户 8201）",
        "",
        f"村级门户的村代码：{village.code}（{village.name}）",
        "按 Ctrl-C 停止全部服务。",
    ]
    click.echo("\n".join(lines))
