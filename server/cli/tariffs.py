"""Tariffs and customer classes as the office sets them: `tariff add|list`, `class add|list`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from server.cli.core import Context, clerk_actor, cli, dump, pass_context, run
from server.db.models.tariffs import ANNUAL, MONTHLY
from server.services.accounts.customer_classes import add_customer_class, list_customer_classes
from server.services.billing.tariff_desk import kind_of, tariff_rows
from server.services.billing.tariffs import ComponentSpec, TariffSpec, Tier, create_tariff
from server.services.core.errors import InvalidInput
from server.services.metering.readings import as_decimal


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD，收到「{text}」") from exc


def parse_component(text: str) -> ComponentSpec:
    """'水费=0:3.00,20:4.00': a component and its tiers (start:unit price, …)."""
    name, sep, tiers = text.partition("=")
    if not sep or not name.strip() or not tiers.strip():
        raise InvalidInput(f"收费项目应写作 名称=起点:单价,起点:单价…，收到「{text}」")
    parsed = []
    for tier in tiers.split(","):
        start, sep, price = tier.partition(":")
        if not sep:
            raise InvalidInput(f"收费项目 {name.strip()} 的阶梯应写作 起点:单价，收到「{tier}」")
        parsed.append(Tier(as_decimal(start, "阶梯起点"), as_decimal(price, "单价")))
    return ComponentSpec(name.strip(), tuple(parsed))


@cli.group()
def tariff() -> None:
    """Tariffs (水价 / 电价) per kind and customer class, from their effective dates."""


@tariff.command("add")
@click.option("--kind", required=True, help="电 / 水（electricity / water）")
@click.option("--class", "customer_class", required=True, help="用户类别（名称或代码）")
@click.option("--from", "effective_from", required=True, help="生效日期 YYYY-MM-DD")
@click.option(
    "--component",
    "components",
    multiple=True,
    required=True,
    help="收费项目及阶梯：名称=起点:单价,起点:单价…（可多次）",
)
@click.option("--annual", is_flag=True, help="年阶梯：阶梯按全年累计用量计")
@click.option("--name", default="", help="价格名称")
@click.option("--by", "by", required=True, help="经办人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def tariff_add(ctx: Context, kind: str, customer_class: str, effective_from: str,
               components: tuple[str, ...], annual: bool, name: str, by: str,
               as_json: bool) -> None:  # fmt: skip
    """Add a tariff from a date; the one before it stays for the days until then."""
    since = _day(effective_from)

    def action() -> Any:
        spec = TariffSpec(
            kind=kind_of(kind),
            customer_class=customer_class,
            effective_from=since,
            components=tuple(parse_component(c) for c in components),
            name=name,
            tier_basis=ANNUAL if annual else MONTHLY,
        )
        with ctx.session() as session:
            tariff_id = create_tariff(session, clerk_actor(session, by), spec).id
            return next(r for r in tariff_rows(session) if r.tariff_id == tariff_id)

    row = run(action)
    if as_json:
        dump(row.as_json())
        return
    click.echo(
        f"已添加 {row.customer_class}{row.kind_label}价，{row.effective_from} 起"
        f"（{row.basis_label}）：{row.summary}"
    )


@tariff.command("list")
@click.option("--kind", help="只列 电 / 水")
@click.option("--class", "customer_class", help="只列该用户类别")
@click.option("--on", "day", help="按该日（YYYY-MM-DD）标出在用的价格，默认今天")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def tariff_list(ctx: Context, kind: str | None, customer_class: str | None, day: str | None,
                as_json: bool) -> None:  # fmt: skip
    """Every tariff by kind, class and effective date; 在用 marks the ones in force today."""
    on = _day(day) if day else None

    def action() -> Any:
        wanted = kind_of(kind) if kind else None
        with ctx.session() as session:
            return [
                r
                for r in tariff_rows(session, on)
                if (wanted is None or r.kind == wanted)
                and (customer_class is None or r.customer_class == customer_class.strip())
            ]

    rows = run(action)
    if as_json:
        dump([r.as_json() for r in rows])
        return
    for r in rows:
        mark = "在用" if r.in_force else ""
        click.echo(
            f"{r.kind_label}\t{r.customer_class}\t{r.effective_from}\t{r.basis_label}\t{mark}\t"
            f"{r.summary}"
        )


@cli.group("class")
def customer_class() -> None:
    """Customer classes (用户类别): 居民, 集体宿舍, 单位 and the ones the desk adds."""


@customer_class.command("add")
@click.argument("name")
@click.option("--code", required=True, help="类别代码（英文，如 shop）")
@click.option("--max-bindings", type=int, default=2, show_default=True, help="每户可绑定微信人数")
@click.option("--deposit", default="0", show_default=True, help="开户押金（元），0 为不收")
@click.option("--by", "by", required=True, help="经办人登录名")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def class_add(ctx: Context, name: str, code: str, max_bindings: int, deposit: str, by: str,
              as_json: bool) -> None:  # fmt: skip
    """Add a customer class (商户, 教职工…); its tariffs are added with `tariff add`."""

    def action() -> Any:
        with ctx.session() as session:
            return add_customer_class(
                session, clerk_actor(session, by), code, name, max_bindings, deposit
            )

    view = run(action)
    if as_json:
        dump(view.as_json())
        return
    click.echo(
        f"已添加用户类别 {view.name}（{view.code}）：每户可绑定 {view.max_bindings} 人，"
        f"押金 {view.deposit} 元"
    )


@customer_class.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def class_list(ctx: Context, as_json: bool) -> None:
    """Every customer class with its binding limit and deposit."""

    def action() -> Any:
        with ctx.session() as session:
            return list_customer_classes(session)

    views = run(action)
    if as_json:
        dump([v.as_json() for v in views])
        return
    for v in views:
        click.echo(f"{v.code}\t{v.name}\t可绑定 {v.max_bindings} 人\t押金 {v.deposit} 元")
