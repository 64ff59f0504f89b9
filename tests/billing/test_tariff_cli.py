"""`meterdesk class add|list` and `meterdesk tariff add|list` against a real database, and
customer classes added as data: accounts, tariffs and a billing run take them."""

import json
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from server.cli import cli
from server.db.engine import make_sessionmaker, unit_of_work
from server.db.models import AuditEvent, Tariff
from server.services.accounts.customer_classes import add_customer_class, list_customer_classes
from server.services.billing.billing_run import list_bills, run_billing
from server.services.core.calendar import Period
from server.services.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from tests import factories as f


@pytest.fixture
def desk(md_env):
    engine = create_engine(md_env)
    with unit_of_work(make_sessionmaker(engine)) as session:
        f.branches(session)
        f.staff(session, "mgr1", role="manager")
        f.staff(session, "clerk1", role="clerk")
    engine.dispose()
    return md_env


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_class_add_and_list(desk):
    made = invoke("class", "add", "商户", "--code", "shop", "--deposit", "200", "--by", "mgr1")
    assert (made.exit_code, made.output) == (
        0,
        "已添加用户类别 商户（shop）：每户可绑定 2 人，押金 200.00 元\n",
    )
    again = invoke("class", "add", "商户", "--code", "shop2", "--by", "mgr1")
    assert (again.exit_code, again.output) == (2, "错误：用户类别名称「商户」已存在\n")
    clerk = invoke("class", "add", "教职工", "--code", "staff", "--by", "clerk1")
    assert clerk.exit_code == 2 and "价格管理" in clerk.output
    listed = json.loads(invoke("class", "list", "--json").output)
    assert listed == [
        {"code": "resident", "name": "居民", "max_bindings": 2, "deposit": "0.00"},
        {"code": "dormitory", "name": "集体宿舍", "max_bindings": 2, "deposit": "0.00"},
        {"code": "unit", "name": "单位", "max_bindings": 10, "deposit": "0.00"},
        {"code": "shop", "name": "商户", "max_bindings": 2, "deposit": "200.00"},
    ]


def test_tariff_add_and_list(desk):
    assert invoke("class", "add", "商户", "--code", "shop", "--by", "mgr1").exit_code == 0
    added = invoke(
        "tariff", "add", "--kind", "水", "--class", "商户", "--from", "2026-12-10",
        "--component", "水费=0:3.00,20:4.00", "--component", "污水处理费=0:0.95",
        "--annual", "--name", "商户水价", "--by", "mgr1",
    )  # fmt: skip
    assert (added.exit_code, added.output) == (
        0, "已添加 商户水价，2026-12-10 起（年阶梯）：水费 0起3/20起4；污水处理费 0起0.95\n"
    )  # fmt: skip
    flat = invoke(
        "tariff", "add", "--kind", "electricity", "--class", "shop", "--from", "2026-01-01",
        "--component", "电费=0:0.8", "--json", "--by", "mgr1",
    )  # fmt: skip
    assert json.loads(flat.output) == {
        "kind": "electricity",
        "class": "商户",
        "from": "2026-01-01",
        "name": "",
        "tier_basis": "monthly",
        "in_force": True,
        "components": {"电费": [["0", "0.8"]]},
    }
    listed = invoke("tariff", "list", "--class", "商户", "--on", "2026-12-01")
    # On 2026-12-01 the water tariff from 2026-12-10 is not yet in force.
    assert listed.output.splitlines() == [
        "电\t商户\t2026-01-01\t月阶梯\t在用\t电费 0起0.8",
        "水\t商户\t2026-12-10\t年阶梯\t\t水费 0起3/20起4；污水处理费 0起0.95",
    ]
    bad = invoke(
        "tariff", "add", "--kind", "水", "--class", "商户", "--from", "2027-01-01",
        "--component", "水费=0-3", "--by", "mgr1",
    )  # fmt: skip
    assert (bad.exit_code, bad.output) == (
        2, "错误：收费项目 水费 的阶梯应写作 起点:单价，收到「0-3」\n"
    )  # fmt: skip
    word = invoke(
        "tariff", "add", "--kind", "水", "--class", "商户", "--from", "2027-01-01",
        "--component", "水费=0:三块", "--by", "mgr1",
    )  # fmt: skip
    assert (word.exit_code, word.output) == (2, "错误：单价 不是数字：「三块」\n")
    unknown = invoke(
        "tariff", "add", "--kind", "水", "--class", "学生", "--from", "2027-01-01",
        "--component", "水费=0:3", "--by", "mgr1",
    )  # fmt: skip
    assert unknown.output == "错误：未知的用户类别「学生」（应为 居民 / 集体宿舍 / 单位 / 商户）\n"


def test_a_new_class_bills_like_the_first_three(session):
    f.branches(session)
    manager = f.staff(session, "mgr1", role="manager")
    view = add_customer_class(session, manager, "staff", "教职工", 3, "0")
    assert (view.code, view.name, view.max_bindings, view.deposit) == (
        "staff",
        "教职工",
        3,
        D("0.00"),
    )
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "customer_class.create")
    ).one()
    assert event.data == {"code": "staff", "name": "教职工", "max_bindings": 3, "deposit": "0.00"}
    assert [c.name for c in list_customer_classes(session)][-1] == "教职工"
    a = f.account(session, customer_class="教职工")
    f.meter(session, "E1", a)
    f.tariff(session, customer_class="教职工", components={"电费": [("0", "0.6")]})
    f.read(session, "E1", "2026-09-28", "100")
    f.read(session, "E1", "2026-10-28", "150")
    run_billing(session, f.ACTOR, Period(2026, 10))
    assert list_bills(session, Period(2026, 10))[0].total == D("30.00")  # 50 × 0.6
    assert session.scalar(select(Tariff.tier_basis)) == "monthly"


@pytest.mark.parametrize(
    ("code", "name", "bindings", "deposit", "error", "message"),
    [
        ("", "商户", 2, "0", InvalidInput, "类别代码应为 1–32 个英文字母、数字或符号，收到「」"),
        (
            "商户",
            "商户",
            2,
            "0",
            InvalidInput,
            "类别代码应为 1–32 个英文字母、数字或符号，收到「商户」",
        ),
        ("shop", " ", 2, "0", InvalidInput, "类别名称应为 1–120 个字，收到「」"),
        ("shop", "商户", 0, "0", InvalidInput, "可绑定人数应为 1–100，收到 0"),
        ("shop", "商户", 2, "-5", DomainError, "押金必须大于 0，收到 -5"),
        ("resident", "住户", 2, "0", Conflict, "用户类别代码「resident」已存在"),
    ],
)
def test_class_refusals(session, code, name, bindings, deposit, error, message):
    f.branches(session)
    manager = f.staff(session, "mgr1", role="manager")
    with pytest.raises(error) as refused:
        add_customer_class(session, manager, code, name, bindings, deposit)
    assert str(refused.value) == message


def test_only_tariff_managers_add_classes(session):
    f.branches(session)
    clerk = f.staff(session, "clerk1", role="clerk")
    with pytest.raises(PermissionDenied):
        add_customer_class(session, clerk, "shop", "商户", 2, "0")
