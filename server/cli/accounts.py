"""Billing accounts: `account`."""

from __future__ import annotations

from typing import Any

import click

from server.cli.core import Context, cli, dump, pass_context, run
from server.services.accounts.accounts import search_accounts


@cli.group()
def account() -> None:
    """Billing accounts (户号)."""


@account.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def account_search(ctx: Context, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Find accounts by number, scanned meter barcode, holder, building and room, mobile."""

    def action() -> Any:
        with ctx.session() as session:
            return search_accounts(session, " ".join(query), limit)

    hits = run(action)
    if as_json:
        dump(
            [
                {"account_no": h.account_no, "holder_name": h.holder_name, "address": h.address,
                 "class": h.customer_class, "billing_mode": h.billing_mode,
                 "balance": str(h.balance), "meter_no": h.meter_no}
                for h in hits
            ]
        )  # fmt: skip
        return
    for h in hits:
        click.echo(f"{h.account_no}\t{h.holder_name}\t{h.address}\t{h.customer_class}\t{h.balance}")
    click.echo(f"共 {len(hits)} 户")
