"""``sanji hub exchange ...``: the provincial exchange from the command line.

``pull-catalog`` reads the provincial item library (the exchange database, or ``--file``
an export of the same layout) into drafts and prints each item's diff; ``--confirm``
publishes them in the same run (a county admin's decision, as on the page). ``send``
writes every case event still due to the exchange tables (the backfill); ``init-db``
creates the exchange tables that are missing; ``status`` prints counts and lag.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from county_hub import create_app
from county_hub.accounts.models import Account
from county_hub.exchange import catalog_in, services
from county_hub.exchange.models import CatalogChange, ChangeStatus
from shared.accounts.services import Actor
from shared.db import unit_of_work
from shared.errors import DomainError


def _app() -> tuple[Flask, str]:
    app = create_app()
    return app, str(app.config.get("EXCHANGE_DATABASE_URL") or "")


def _engine(url: str) -> Engine:
    try:
        return services.exchange_engine(url)
    except DomainError as err:
        raise click.ClickException(err.detail) from err


def _actor(session: Session, username: str) -> Actor:
    account = session.get(Account, username)
    if account is None:
        raise click.ClickException(f"账号 {username} 不存在")
    return Actor.of(account)


@click.group("exchange")
def exchange() -> None:
    """与省级政务服务平台的数据交换（前置交换库）。"""


@exchange.command("init-db")
def init_db() -> None:
    """在 EXCHANGE_DATABASE_URL 中建立缺少的交换表。"""
    _, url = _app()
    try:
        made = services.ensure_exchange_schema(_engine(url))
    except DomainError as err:
        raise click.ClickException(err.detail) from err
    click.echo(f"已建立交换表：{'、'.join(made)}" if made else "交换表均已存在。")


def _show(change: CatalogChange) -> None:
    head = f"{change.task_code} 第 {change.task_version} 版「{change.task_name}」"
    if change.status is ChangeStatus.REFUSED:
        click.echo(f"✗ {head}：未导入（待核查）", err=True)
        for problem in change.problems:
            click.echo(f"    {problem['name']}：{problem['reason']}", err=True)
        return
    label = change.kind.label if change.kind else change.status.label
    click.echo(f"• {head}：{label}，{change.status.label}")
    for diff in change.diff:
        click.echo(f"    {diff['label']}：{diff['before']!r} → {diff['after']!r}")


@exchange.command("pull-catalog")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, path_type=Path),
    help="省级导出文件：.xlsx（每张表一个工作表）或含 up_task_general_*.csv 的文件夹",
)
@click.option("--confirm", is_flag=True, help="拉取后立即确认发布全部待确认变更")
@click.option("--as-user", default="admin", show_default=True, help="以哪个县级管理员账号操作")
def pull_catalog(path: Path | None, confirm: bool, as_user: str) -> None:
    """拉取省级事项库的新增和变更事项为草稿，逐项显示差异；确认后才发布。"""
    app, url = _app()
    tier = app.extensions["sanji"]
    try:
        if path is not None:
            rows, source = catalog_in.read_file(path), path.name
        else:
            rows, source = catalog_in.read_exchange(_engine(url)), catalog_in.FROM_EXCHANGE
        with unit_of_work(tier.sessions) as session:
            actor = _actor(session, as_user)
            report = catalog_in.pull(session, actor, rows, source=source, clock=tier.clock)
            for change in report.changes:
                _show(change)
            done = catalog_in.confirm_all(session, actor, clock=tier.clock) if confirm else []
    except DomainError as err:
        raise click.ClickException(err.detail) from err
    if path is None:
        catalog_in.tell_province(url, report.verdicts, clock=tier.clock)
    click.echo(
        f"共 {report.read} 个版本：草稿 {report.drafted}，待暂停 {report.suspended}，"
        f"无变化 {report.unchanged}，未导入 {report.refused}。"
    )
    if confirm:
        catalog_in.tell_province(url, catalog_in.verdicts_of(done), clock=tier.clock)
        click.echo(f"已确认发布 {len(done)} 项，已写入下发给各节点的主数据。")
    elif report.drafted or report.suspended:
        click.echo("尚未发布：请在「省级事项库变更」页面确认，或加 --confirm 重新运行。")


@exchange.command("confirm")
@click.argument("change_ids", nargs=-1, type=int)
@click.option("--as-user", default="admin", show_default=True)
def confirm_changes(change_ids: tuple[int, ...], as_user: str) -> None:
    """确认发布待确认的变更（不给编号则全部）。"""
    app, url = _app()
    tier = app.extensions["sanji"]
    try:
        with unit_of_work(tier.sessions) as session:
            actor = _actor(session, as_user)
            if change_ids:
                done = [
                    catalog_in.confirm_change(session, actor, i, clock=tier.clock)
                    for i in change_ids
                ]
            else:
                done = catalog_in.confirm_all(session, actor, clock=tier.clock)
    except DomainError as err:
        raise click.ClickException(err.detail) from err
    catalog_in.tell_province(url, catalog_in.verdicts_of(done), clock=tier.clock)
    click.echo(f"已确认发布 {len(done)} 项。")


@exchange.command("send")
@click.option("--batch", default=5000, show_default=True, help="每轮处理的事件数")
def send(batch: int) -> None:
    """把尚未报送的办件事件全部写入交换表（历史数据补报），然后读取省级回执。"""
    app, url = _app()
    tier = app.extensions["sanji"]
    engine = _engine(url)
    try:
        services.ensure_exchange_schema(engine)
        report = services.drain(tier.sessions, engine, clock=tier.clock, limit=batch)
    except DomainError as err:
        raise click.ClickException(err.detail) from err
    click.echo(
        f"事件 {report.events} 个，新记录 {report.planned} 条（交换表 {report.written} 行），"
        f"重发 {report.resent} 条；省级拒收 {report.refused}，已接收 {report.accepted}。"
    )


@exchange.command("status")
def show_status() -> None:
    """交换记录数、落后时间和最近一次运行结果。"""
    app, url = _app()
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        info = services.status(session, clock=tier.clock, enabled=bool(url))
    counts = info["counts"]
    click.echo(
        f"{'已启用' if info['enabled'] else '未启用'}；落后 {info['lag_seconds']} 秒；"
        f"待发送 {counts['pending']}，已发送 {counts['sent']}，已接收 {counts['accepted']}，"
        f"已拒收 {counts['refused']}"
    )
    if info["last_error"]:
        click.echo(f"上次失败：{info['last_error']}", err=True)


@exchange.command("export-catalog")
@click.argument("path", type=click.Path(path_type=Path))
def export_catalog(path: Path) -> None:
    """按交换表格式导出本县实施清单（.xlsx 或文件夹下的 CSV）。"""
    app, _ = _app()
    with unit_of_work(app.extensions["sanji"].sessions) as session:
        rows = catalog_in.county_task_rows(session)
    catalog_in.write_file(path, rows)
    click.echo(f"已导出 {len(rows.basic)} 项事项、{len(rows.material)} 条材料到 {path}")
