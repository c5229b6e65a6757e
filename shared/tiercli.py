"""Commands every tier has: init (migrate), serve (gunicorn), config (show settings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

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
        from shared.serve import serve as run

        run(factory, host=host, port=port, workers=workers, threads=threads)

    @group.command("config")
    def show_config() -> None:
        """列出全部配置项、当前值和含义（密钥不显示）。"""
        app = factory()
        for setting in (*COMMON_SETTINGS, *settings):
            value = app.config.get(setting.name)
            shown = "******" if "SECRET" in setting.name else value
            click.echo(f"{prefix}_{setting.name} = {shown!r}\n    {setting.meaning}")

    return group


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
