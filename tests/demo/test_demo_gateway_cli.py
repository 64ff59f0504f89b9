"""`meterdesk demo` starts the building gateway for 费控: while its desktop runs, the desktop
(and serve) get `[control] ports` for every building with prepaid accounts pointed at a
loopback gateway on which the demo's prepaid meters answer, with the demo control password;
when the desktop exits, the gateway stops."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

import server.cli.demo as demo_cli
from devices.switching import read_switch_state
from server.cli import cli
from server.config import load_settings
from server.db.engine import database_url, make_engine, make_sessionmaker, unit_of_work
from server.db.models import Account, Building, Campus, Meter
from server.db.models.accounts import PREPAID
from server.db.models.metering import METER_ACTIVE
from server.services.control.settings import parse_ports
from tests.online_pay.test_online_pay_demo_cli import new_pc  # noqa: F401 (the fixture)

GATEWAY = re.compile(r"费控模拟网关：(\d+) 块预付费表（(\d+) 栋楼）在 (socket://127\.0\.0\.1:\d+)")


def test_meterdesk_demo_serves_the_prepaid_meters_on_a_gateway(
    new_pc: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = new_pc
    for name in list(os.environ):
        if name.startswith("MD_") and name != "MD_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MD_HOME", str(home))
    printed: list[str] = []
    echo = click.echo

    def recorded(message: object = None, *args: object, **kwargs: object) -> None:
        printed.append(str(message))
        echo(message, *args, **kwargs)  # type: ignore[arg-type]

    seen: dict[str, object] = {}

    def desktop(argv: list[str], env: dict[str, str]) -> int:
        [(count, buildings, url)] = [m.groups() for line in printed if (m := GATEWAY.search(line))]
        ports = parse_ports(env["MD_CONTROL_PORTS"])
        engine = make_engine(database_url(load_settings(home)))
        with unit_of_work(make_sessionmaker(engine)) as s:
            places = {
                f"{campus}/{building}"
                for campus, building in s.execute(
                    select(Campus.name, Building.name)
                    .join(Building, Building.campus_id == Campus.id)
                    .join(Account, Account.building_id == Building.id)
                    .where(Account.billing_mode == PREPAID)
                )
            }
            meters = s.execute(
                select(Meter.kind, Meter.hardware_no)
                .join(Account, Account.id == Meter.account_id)
                .where(Account.billing_mode == PREPAID, Meter.status == METER_ACTIVE)
                .order_by(Meter.meter_no)
            ).all()
        engine.dispose()
        seen.update(
            password=env["MD_CONTROL_PASSWORD"],
            ports=ports,
            places=places,
            count=int(count),
            buildings=int(buildings),
            url=url,
            meters=len(meters),
            # Each prepaid meter answers on the gateway: relays closed, valves open.
            states={
                read_switch_state(
                    url,
                    "cjt188" if kind == "water" else "dlt645-2007",
                    hardware_no,
                    timeout=1.0,
                )
                for kind, hardware_no in meters
            },
        )
        return 0

    monkeypatch.setattr(click, "echo", recorded)
    monkeypatch.setattr(demo_cli.subprocess, "call", desktop)
    outcome = CliRunner().invoke(cli, ["demo", "--accounts", "12"])
    assert outcome.exit_code == 0, outcome.output
    assert seen["password"] == "02123456"
    assert seen["ports"] == {place: seen["url"] for place in seen["places"]}  # type: ignore[union-attr]
    assert seen["buildings"] == len(seen["places"]) > 0  # type: ignore[arg-type]
    assert seen["count"] == seen["meters"] > 0
    assert seen["states"] == {"on"}
    # The desktop closed: the gateway is gone.
    host, port = str(seen["url"]).removeprefix("socket://").split(":")
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=1):
        pass
