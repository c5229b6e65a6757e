"""Commands every tier has: init (migrate), serve (gunicorn), config (show settings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Flask

from shared.config import COMMON_SETTINGS, Setting
from shared.migrate import current_revision, upgrade


def tier_group(
    name: str,
    *,
    help_text: str,
    factory: Callable[[], Flask],
    migrations: Path,
    settings: Sequence[Setting],
    prefix: str,
    default_port: int,
    after_init: Callable[[Flask, bool], None] | None = None,
    enrolls: bool = False,
    joins: str | None = None,
    jobs: Callable[[Flask], list[Any]] | None = None,
) -> click.Group:
    """A click group named ``name`` with init, serve and config."""

    @click.group(name=name, help=help_text)
    def group() -> None:
        pass

    @group.command("init")
    @click.option("--demo", is_flag=True, help="同时写入演示数据（如尚未写入）")
    def init(demo: bool) -> None:
        """创建或升级本节点数据库（Alembic 迁移）。"""
        app = factory()
        engine = app.extensions["sanji"].engine
        before = current_revision(engine)
        upgrade(migrations, engine)
        after = current_revision(engine)
        click.echo(f"数据库 {engine.url.render_as_string()}：迁移 {before or '空库'} → {after}")
        if after_init is not None:
            with app.app_context():
                after_init(app, demo)

    @group.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=default_port, show_default=True, type=int)
    @click.option("--workers", default=2, show_default=True, type=int)
    @click.option("--threads", default=4, show_default=True, type=int)
    def serve(host: str, port: int, workers: int, threads: int) -> None:
        """用 gunicorn 启动本节点的 Web 服务。"""
        from shared.serve import limit_malloc_arenas
        from shared.serve import serve as run

        limit_malloc_arenas()
        run(factory, host=host, port=port, workers=workers, threads=threads)

    @group.command("config")
    def show_config() -> None:
        """列出全部配置项、当前值和含义（密钥不显示）。"""
        from sqlalchemy.engine import make_url

        app = factory()
        # A tier's own setting of the same name (e.g. the hub's NODE_CODE) replaces the common one.
        merged = {s.name: s for s in (*COMMON_SETTINGS, *settings)}
        for setting in merged.values():
            value = app.config.get(setting.name)
            if "SECRET" in setting.name:
                value = "******"
            elif setting.name == "DATABASE_URL":
                value = make_url(str(value)).render_as_string(hide_password=True)
            click.echo(f"{prefix}_{setting.name} = {value!r}\n    {setting.meaning}")

    group.add_command(_fingerprint_command(factory, name))
    if enrolls:
        group.add_command(_enroll_command(factory))
    if joins:
        group.add_command(_join_command(factory, joins))
        group.add_command(_sync_once_command(factory))
    if jobs is not None:
        group.add_command(_scheduler_command(factory, jobs))
    return group


def _enroll_command(factory: Callable[[], Flask]) -> click.Command:
    @click.command("enroll-node")
    @click.argument("code")
    def enroll_node(code: str) -> None:
        """为下级节点生成一次性接入令牌（24 小时内有效，只能使用一次）。"""
        from shared.db import unit_of_work
        from shared.errors import DomainError
        from shared.sync.crypto import fingerprint
        from shared.sync.server import create_enroll_token

        app = factory()
        tier = app.extensions["sanji"]
        try:
            with unit_of_work(tier.sessions) as session:
                token = create_enroll_token(
                    session, tier.node_code, code, by="cli", clock=tier.clock
                )
        except DomainError as err:
            raise click.ClickException(str(err)) from err
        click.echo(token)
        mine = fingerprint(tier.key.public_b64)
        # The hub's fingerprint goes with the token (by another channel than the token
        # itself): the joining node refuses an upstream whose hub key does not match it.
        pin = (
            f"；县级枢纽公钥指纹 {mine}（join 时用 --hub-fingerprint 传入）"
            if tier.name == "hub"
            else ""
        )
        click.echo(
            f"# 节点 {code} 的接入令牌，24 小时内有效、只能使用一次；本节点公钥指纹 {mine}{pin}",
            err=True,
        )

    return enroll_node


def _fingerprint_command(factory: Callable[[], Flask], name: str) -> click.Command:
    @click.command("fingerprint")
    def show_fingerprint() -> None:
        """打印本节点公钥指纹（县级枢纽：即各节点 join 时 --hub-fingerprint 要填的指纹）。"""
        from shared.sync import state
        from shared.sync.crypto import fingerprint

        tier = factory().extensions["sanji"]
        if name == "hub":
            # Alone on stdout, so scripts (and the demo) can pass it to join.
            click.echo(fingerprint(tier.key.public_b64))
            return
        click.echo(f"本节点公钥指纹 {fingerprint(tier.key.public_b64)}")
        with tier.sessions() as session:
            hub_key = state.get(session, "hub_key")
        if hub_key:
            click.echo(f"本节点接入时核对并保存的县级枢纽公钥指纹 {fingerprint(hub_key)}")

    return show_fingerprint


def _join_command(factory: Callable[[], Flask], option: str) -> click.Command:
    @click.command("join")
    @click.option(
        f"--{option}", "url", required=True, help="上级节点地址，如 http://127.0.0.1:8000"
    )
    @click.option("--token", required=True, help="上级节点 enroll-node 打印的一次性令牌")
    @click.option(
        "--hub-fingerprint",
        required=True,
        help="县级枢纽公钥指纹（向县级管理员索取，枢纽上 `sanji hub fingerprint` 打印）；"
        "上级答复的枢纽公钥与之不符时拒绝接入",
    )
    @click.option("--url", "my_url", default="", help="本节点对下级提供服务的地址（可选）")
    def join(url: str, token: str, hub_fingerprint: str, my_url: str) -> None:
        """用一次性令牌接入上级节点（交换 Ed25519 公钥，并核对县级枢纽公钥指纹）。"""
        from shared.sync.client import UpstreamError
        from shared.sync.client import join as do_join
        from shared.sync.crypto import fingerprint

        app = factory()
        tier = app.extensions["sanji"]
        try:
            upstream = do_join(
                tier.sessions,
                me=tier.node_code,
                key=tier.key,
                url=url,
                token=token,
                hub_fingerprint=hub_fingerprint,
                my_url=my_url,
                ca_bundle=tier.upstream_ca_bundle,
            )
        except UpstreamError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"已接入上级节点 {upstream.node}（{upstream.url}），上级公钥指纹 "
            f"{fingerprint(upstream.public_key)}；县级枢纽公钥指纹已核对一致；"
            f"本节点公钥指纹 {fingerprint(tier.key.public_b64)}（请电话告知上级核对）"
        )

    return join


def _sync_once_command(factory: Callable[[], Flask]) -> click.Command:
    @click.command("sync-once")
    def sync_once() -> None:
        """立即与上级同步一次（主数据、上报事件、拉取事件）。"""
        from shared.node.jobs import sync_cycle

        app = factory()
        with app.app_context():
            summary = sync_cycle(app, forced=True)
        if summary is None:
            with app.extensions["sanji"].sessions() as session:
                from shared.sync import state

                raise click.ClickException(
                    f"同步未完成：{state.get(session, 'last_error') or '尚未接入上级节点'}"
                )
        click.echo("同步完成：" + "，".join(f"{k}={v}" for k, v in summary.items()))

    return sync_once


def _scheduler_command(
    factory: Callable[[], Flask], jobs: Callable[[Flask], list[Any]]
) -> click.Command:
    @click.command("scheduler")
    def scheduler() -> None:
        """启动本节点的定时任务进程（同步、退避重试、到期处理）；不要在 Web 进程中运行。"""
        from shared.sync.scheduler import run

        app = factory()
        run(app, jobs(app))

    return scheduler


def node_after_init(app: Flask, demo: bool) -> None:
    """A town or village: check its code; with --demo, add its demo accounts."""
    from shared.accounts.demo import seed_node_accounts
    from shared.db import unit_of_work
    from shared.ids import region_level

    tier = app.extensions["sanji"]
    if not tier.node_code:
        raise click.ClickException("请先设置本节点的行政区划代码（环境变量 *_NODE_CODE）")
    region_level(tier.node_code, field="NODE_CODE")
    if demo:
        with unit_of_work(tier.sessions) as session:
            added = seed_node_accounts(session, tier.node_code)
        click.echo(f"已写入演示账号 {added} 个（密码均为 demo）。")
