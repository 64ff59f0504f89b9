"""Counter branches and staff logins: `branch`, `staff`."""

from __future__ import annotations

import sys
from typing import Any

import click

from server.cli.core import Context, cli, cli_actor, pass_context, run
from server.services.staff.org import add_branch, add_staff_with_role


@cli.group()
def branch() -> None:
    """Counter branches (校区分中心)."""


@branch.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--campus", required=True, help="校区名称（不存在则新建）")
@pass_context
def branch_add(ctx: Context, code: str, name: str, campus: str) -> None:
    """Add a counter branch; its CODE starts its receipt numbers."""

    def action() -> Any:
        with ctx.session() as session:
            made = add_branch(session, cli_actor(), code, name, campus)
            return made.code, made.name

    made_code, made_name = run(action)
    click.echo(f"已添加分中心 {made_code} {made_name}（{campus}）")


@cli.group()
def staff() -> None:
    """Staff members and their logins."""


@staff.command("add")
@click.argument("login")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["clerk", "manager", "reader", "admin"]))
@click.option("--branch", "branch_code", help="分中心代码（收费员必填）")
@pass_context
def staff_add(ctx: Context, login: str, name: str, role: str, branch_code: str | None) -> None:
    """Add a staff member; the password is read from standard input."""
    if role == "clerk" and not branch_code:
        raise click.UsageError("收费员须指定 --branch")
    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    else:
        password = sys.stdin.readline().rstrip("\r\n")

    def action() -> Any:
        with ctx.session() as session:
            made = add_staff_with_role(
                session,
                cli_actor(),
                login=login,
                name=name,
                password=password,
                role=role,
                branch_code=branch_code,
            )
            return made.id

    run(action)
    click.echo(f"已添加工作人员 {login} {name}（{role}）")
