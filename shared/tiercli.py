"""Commands every tier has: init (migrate), serve (gunicorn), config (show settings)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Flask

from shared.accounts.passwords import password_problems
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
    bootstrap: Callable[[Flask, str, str], None] | None = None,
) -> click.Group:
    """A click group named ``name`` with init, serve and config.

    ``bootstrap`` (the hub's) gives init ``--admin USERNAME [--password-stdin]``: after the
    migration it is called with the app, the username and the password.
    """

    @click.group(name=name, help=help_text)
    def group() -> None:
        pass

    def init(demo: bool, admin: str | None = None, password_stdin: bool = False) -> None:
        """创建或升级本节点数据库（Alembic 迁移）。"""
        password = None
        if admin is not None:
            if demo:
                raise click.UsageError("--admin 用于正式上线，不能与 --demo 同时使用")
            password = _read_password(admin, from_stdin=password_stdin)
        elif password_stdin:
            raise click.UsageError("--password-stdin 须与 --admin 一起使用")
        app = factory()
        engine = app.extensions["sanji"].engine
        before = current_revision(engine)
        upgrade(migrations, engine)
        after = current_revision(engine)
        click.echo(f"数据库 {engine.url.render_as_string()}：迁移 {before or '空库'} → {after}")
        if after_init is not None:
            with app.app_context():
                after_init(app, demo)
        if bootstrap is not None and admin is not None and password is not None:
            with app.app_context():
                bootstrap(app, admin, password)

    init = click.option("--demo", is_flag=True, help="同时写入演示数据（如尚未写入）")(init)
    if bootstrap is not None:
        init = click.option(
            "--password-stdin", is_flag=True, help="从标准输入读取密码（第一行），不提示"
        )(init)
        init = click.option(
            "--admin", metavar="USERNAME", help="创建第一个县级管理员账号（密码在提示中输入）"
        )(init)
    group.command("init")(init)

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
    group.add_command(_backup_command(factory, name, prefix))
    group.add_command(_restore_command(name, prefix, settings))
    if enrolls:
        group.add_command(_enroll_command(factory))
    if joins:
        group.add_command(_join_command(factory, joins))
        group.add_command(_sync_once_command(factory))
    if jobs is not None:
        group.add_command(_scheduler_command(factory, jobs))
    return group


def _read_password(username: str, *, from_stdin: bool) -> str:
    """The new admin's password from stdin's first line or a hidden prompt; refused if weak.

    Checked before anything is migrated, so a weak password leaves the data folder as it was.
    """
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"账号 {username} 的密码", hide_input=True, confirmation_prompt="再输入一次"
        )
    problems = password_problems(password, username=username)
    if problems:
        raise click.ClickException("密码不符合要求：" + "；".join(problems))
    return password


def _backup_command(factory: Callable[[], Flask], name: str, prefix: str) -> click.Command:
    @click.command("backup")
    @click.argument("target", type=click.Path(file_okay=False, path_type=Path))
    def backup(target: Path) -> None:
        """在线备份本节点（数据库、节点密钥与签章密钥、配置文件）到新目录 TARGET。"""
        from shared.backup import BackupError, Identity, make_backup

        app = factory()
        tier = app.extensions["sanji"]
        settings_file = os.environ.get(f"{prefix}_SETTINGS")
        who = Identity(
            tier=name,
            node_code=tier.node_code,
            data_dir=Path(app.config["DATA_DIR"]),
            database_url=str(app.config["DATABASE_URL"]),
            settings_file=Path(settings_file) if settings_file else None,
        )
        try:
            manifest = make_backup(who, tier.engine, target, version=tier.version)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        size = sum(f["size"] for f in manifest["files"])
        click.echo(
            f"已备份 {name} 节点 {tier.node_code} 到 {target}：{len(manifest['files'])} 个文件，"
            f"{size / 1e6:.1f} MB，数据库版本 {manifest['alembic_revision']}"
        )

    return backup


def _restore_command(name: str, prefix: str, settings: Sequence[Setting]) -> click.Command:
    @click.command("restore")
    @click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="DATA_DIR 已有数据时覆盖（旧数据另存一份）")
    def restore(source: Path, force: bool) -> None:
        """从 backup 生成的目录恢复本节点；先校验完整性与节点身份，请先停止 Web 与定时任务进程。"""
        from shared.backup import BackupError, Identity, restore_backup, scheduler_running
        from shared.config import load_config

        # No app: building one would create a node key and a secret key in DATA_DIR
        # before the restore could look at it.
        bare = Flask("sanji-restore")
        load_config(bare, prefix=prefix, tier=name, settings=settings, create=False)
        who = Identity(
            tier=name,
            node_code=str(bare.config["NODE_CODE"]),
            data_dir=Path(bare.config["DATA_DIR"]),
            database_url=str(bare.config["DATABASE_URL"]),
        )
        if scheduler_running(who.data_dir):
            raise click.ClickException("本节点的定时任务进程仍在运行；请先停止 Web 与定时任务进程")
        try:
            kept = restore_backup(source, who, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        if kept is not None:
            click.echo(f"原有数据已另存到 {kept}")
        catch_up = "" if name == "hub" else f"和 `sanji {name} sync-once`（取回备份后的事件）"
        click.echo(
            f"已恢复 {name} 节点 {who.node_code} 到 {who.data_dir}。请先运行 "
            f"`sanji {name} init`（升级数据库）{catch_up}，再启动 Web 与定时任务进程。"
        )

    return restore


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
        from shared.sync.scheduler import SchedulerRunning, run, single_instance

        app = factory()
        try:
            with single_instance(app):
                run(app, jobs(app))
        except SchedulerRunning as exc:
            raise click.ClickException(str(exc)) from exc

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
