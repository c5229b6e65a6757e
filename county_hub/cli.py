"""``sanji hub ...``: init, serve, seed the demo county, import and export the catalog."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import Flask
from tqdm import tqdm

from county_hub import create_app
from county_hub.config import PREFIX, SETTINGS
from county_hub.exchange.cli import exchange
from county_hub.imports import KINDS
from county_hub.jobs import hub_jobs
from shared import refdata
from shared.audit.services import record
from shared.tiercli import tier_group

MIGRATIONS = Path(__file__).parent / "migrations"


def _after_init(app: Flask, demo: bool) -> None:
    if demo:
        _seed(app)


def _seed(app: Flask) -> None:
    from county_hub.seed.demo import is_seeded, seed_demo
    from shared.db import unit_of_work

    tier = app.extensions["sanji"]
    if tier.county != refdata.COUNTY_CODE:
        # The demo's regions, accounts and cases are 略阳县's; in another county they would
        # name towns the hub does not serve.
        raise click.ClickException(
            f"演示数据是{refdata.COUNTY_NAME}（{refdata.COUNTY_CODE}）的，"
            f"本枢纽的 COUNTY_CODE 为 {tier.county}，不能写入"
        )
    with unit_of_work(tier.sessions) as session:
        if is_seeded(session):
            click.echo("枢纽已有数据，跳过演示数据。")
            return
        counts = seed_demo(session, tier.clock)
    click.echo(
        f"已写入演示数据：事项 {counts['items']} 项（其中真实事项 {counts['real_items']} 项），"
        f"账号 {counts['accounts']} 个，下放批次 4 批。"
    )


def _bootstrap(app: Flask, username: str, password: str) -> None:
    """``sanji hub init --admin``: the first county admin, and nothing else (no demo data)."""
    from county_hub.accounts.services import bootstrap_admin
    from shared.db import unit_of_work
    from shared.errors import DomainError

    tier = app.extensions["sanji"]
    try:
        with unit_of_work(tier.sessions) as session:
            created = bootstrap_admin(
                session, username, password, county=tier.node_code, clock=tier.clock
            )
    except DomainError as err:
        reasons = "；".join(p.reason for p in err.invalid_params)
        raise click.ClickException(f"{err.detail}{'：' + reasons if reasons else ''}") from err
    if created is None:
        click.echo(f"县级管理员 {username} 已存在（密码一致），未作改动。")
    else:
        click.echo(f"已创建县级管理员 {username}；未写入任何演示数据。")


hub = tier_group(
    "hub",
    help_text="县级枢纽：事项目录、下放批次、账号与全县数据。",
    factory=create_app,
    migrations=MIGRATIONS,
    settings=SETTINGS,
    prefix=PREFIX,
    default_port=8000,
    after_init=_after_init,
    enrolls=True,
    jobs=hub_jobs,
    bootstrap=_bootstrap,
)


hub.add_command(exchange)


@hub.command("seed")
@click.option("--demo", "demo", is_flag=True, required=True, help="写入略阳县演示数据")
def seed(demo: bool) -> None:
    """写入略阳县演示数据（区划、部门、账号、1,921 项事项、4 个下放批次）。"""
    app = create_app()
    with app.app_context():
        _seed(app)


@hub.group("catalog")
def catalog() -> None:
    """事项目录的导入与导出。"""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--materials",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV 时的材料文件（默认 <文件名>.materials.csv）",
)
@click.option("--dry-run", is_flag=True, help="只检查，不写入")
@click.option("--as-user", default="admin", show_default=True, help="以哪个县级管理员账号导入")
def import_command(path: Path, materials: Path | None, dry_run: bool, as_user: str) -> None:
    """从 CSV 或 XLSX 导入事项；任何一行有误则整体拒绝并列出每行原因。"""
    from county_hub.accounts.models import Account
    from county_hub.catalog.exchange import ImportRefused, import_catalog, read_catalog_file
    from shared.accounts.services import Actor
    from shared.db import unit_of_work

    app = create_app()
    tier = app.extensions["sanji"]
    items, material_rows = read_catalog_file(path, materials)
    with unit_of_work(tier.sessions) as session:
        account = session.get(Account, as_user)
        if account is None:
            raise click.ClickException(f"账号 {as_user} 不存在")
        bar = tqdm(total=len(items), desc="校验", unit="行", disable=None)
        try:
            report = import_catalog(
                session,
                Actor.of(account),
                items,
                material_rows,
                clock=tier.clock,
                dry_run=dry_run,
                progress=bar.update,
            )
        except ImportRefused as refused:
            bar.close()
            for problem in refused.report.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"导入被拒绝：共 {len(refused.report.problems)} 处问题，未写入任何数据。"
            ) from refused
        bar.close()
        if dry_run:
            session.rollback()
    verb = "检查通过（未写入）" if dry_run else "已导入"
    click.echo(
        f"{verb}：共 {report.rows} 行，新增 {report.created}，更新 {report.updated}，"
        f"无变化 {report.unchanged}。"
    )


@catalog.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """导出全部事项到 .xlsx（两个工作表）或 .csv（另附 .materials.csv）。"""
    from county_hub.catalog.exchange import export_to_path
    from shared.db import unit_of_work

    app = create_app()
    with unit_of_work(app.extensions["sanji"].sessions) as session:
        items, materials = export_to_path(session, path)
    click.echo(f"已导出 {items} 项事项、{materials} 条材料到 {path}")


@hub.group("report")
def report() -> None:
    """统计与通报。"""


@report.command("monthly")
@click.option("--month", default=None, help="统计月份 YYYY-MM（默认上月）")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="输出文件（默认 月度通报-YYYY-MM.xlsx）",
)
def monthly_report(month: str | None, out: Path | None) -> None:
    """生成按月通报（XLSX）：汇总表、每个部门一个工作表（指标、超期办件、图表）。"""
    from county_hub.supervision.figures import parse_month
    from county_hub.supervision.report import build_monthly_report, month_of
    from shared.calendar_store import load_calendar
    from shared.db import unit_of_work
    from shared.errors import DomainError

    app = create_app()
    tier = app.extensions["sanji"]
    today = tier.clock.today()
    try:
        period = parse_month(month or month_of(today), today)
    except DomainError as err:
        raise click.BadParameter(err.detail, param_hint="--month") from err
    target = out or Path(f"月度通报-{period.month}.xlsx")
    with unit_of_work(tier.sessions) as session:
        book = build_monthly_report(
            session,
            period,
            calendar=load_calendar(session),
            county_name=str(app.config["COUNTY_NAME"]),
        )
        if app.config["AUDIT_ENABLED"]:
            # A report run from the shell has no login: the operating-system user is named.
            record(
                session,
                node=tier.node_code,
                clock=tier.clock,
                actor=f"cli:{getpass.getuser()}",
                role="",
                action="export",
                target=target.name,
                detail=f"按月通报 {period.month} XLSX",
                acked=True,
            )
    book.save(target)
    click.echo(f"已生成 {period.label} 按月通报：{target}（{len(book.sheetnames)} 个工作表）")


@hub.command("template")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def template_command(kind: str, path: Path) -> None:
    """写出 KIND（regions、departments、certificate_types、accounts、catalog）的 .xlsx 导入模板。"""
    from county_hub.catalog.exchange import ITEM_COLUMNS, MATERIAL_COLUMNS
    from county_hub.imports import write_template

    if kind == "catalog":
        # The catalog's own two-sheet layout (county_hub/catalog/exchange.py).
        import openpyxl

        book = openpyxl.Workbook()
        items = book.active
        assert items is not None  # a new workbook always has one sheet
        items.title = "items"
        items.append(list(ITEM_COLUMNS))
        book.create_sheet("materials").append(list(MATERIAL_COLUMNS))
        book.save(path)
    else:
        write_template(kind, path)
    click.echo(f"已写出 {kind} 导入模板：{path}（填写后用 sanji hub import {kind} {path}）")


@hub.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查，不写入")
@click.option("--as-user", default=None, help="以哪个县级管理员账号导入（默认：唯一的县级管理员）")
@click.pass_context
def import_kind(
    ctx: click.Context, kind: str, path: Path, dry_run: bool, as_user: str | None
) -> None:
    """导入 KIND 的 .xlsx 或 .csv；任何一行有误则整体拒绝并列出每行原因，不写入任何数据。"""
    from sqlalchemy import select

    from county_hub.accounts.models import Account
    from county_hub.catalog.exchange import ImportRefused
    from county_hub.imports import import_rows, read_rows
    from shared.accounts.models import Role
    from shared.accounts.services import Actor
    from shared.db import unit_of_work

    app = create_app()
    tier = app.extensions["sanji"]
    with unit_of_work(tier.sessions) as session:
        if as_user is None:
            admins = session.scalars(
                select(Account.username).where(Account.role == Role.ADMIN, Account.active)
            ).all()
            if len(admins) != 1:
                raise click.ClickException("有多个县级管理员（或没有），请用 --as-user 指定")
            as_user = admins[0]
    if kind == "catalog":
        ctx.invoke(import_command, path=path, materials=None, dry_run=dry_run, as_user=as_user)
        return
    rows = read_rows(path, kind)
    with unit_of_work(tier.sessions) as session:
        account = session.get(Account, as_user)
        if account is None:
            raise click.ClickException(f"账号 {as_user} 不存在")
        bar = tqdm(total=len(rows), desc="校验", unit="行", disable=None)
        try:
            report, created = import_rows(
                session,
                Actor.of(account),
                kind,
                rows,
                county=tier.node_code,
                clock=tier.clock,
                dry_run=dry_run,
                progress=bar.update,
            )
        except ImportRefused as refused:
            bar.close()
            for problem in refused.report.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"导入被拒绝：共 {len(refused.report.problems)} 处问题，未写入任何数据。"
            ) from refused
        bar.close()
        if dry_run:
            session.rollback()
    verb = "检查通过（未写入）" if dry_run else "已导入"
    click.echo(
        f"{verb}：共 {report.rows} 行，新增 {report.created}，更新 {report.updated}，"
        f"无变化 {report.unchanged}。"
    )
    if created.passwords:
        click.echo("一次性密码（只显示这一次，请当面交给本人并要求首次登录后修改）：")
        for username, password in created.passwords.items():
            click.echo(f"  {username}\t{password}")
