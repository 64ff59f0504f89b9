"""The desk's companion work from the command line: binding review, service requests,
bulletins and working-day overrides, each one unit of work as the CLI runs it."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import text

from server.cli import cli
from server.db.engine import make_engine, make_sessionmaker, unit_of_work
from server.services.core.audit import Actor
from server.services.residents import bindings, service_requests, wechat_users
from server.services.residents.service_requests import RequestSpec
from server.services.staff.org import add_staff_with_role
from tests import factories
from tests.companion.support import APP_ID
from tests.companion.test_bindings import registered


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_desk_reviews_answers_and_publishes(md_env):
    engine = make_engine(md_env)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="desk1", name="审核员", password="desk-pass-1",
            role="manager", branch_code=None,
        )  # fmt: skip
        factories.account(session, "A001", holder_name="张三")
        user = registered(session, "o-cli", "13800000051")
        bindings.request_binding(session, user, "A001", "张三", "10.0.0.1")
        bindings.request_binding(session, user, "ZZZ", "张三", "10.0.0.1")
        request_id = service_requests.raise_request(
            session,
            wechat_users.resident(session, user).actor,
            RequestSpec("service", "增容", "宿舍空调需要增容"),
            wechat_user_id=user,
        )

    listed = run("binding", "list", "--json")
    assert listed.exit_code == 0, listed.output
    queue = json.loads(listed.output)
    assert [(b["account_no"], b["found"], b["matched"]) for b in queue] == [
        ("A001", True, True),
        ("ZZZ", False, False),
    ]
    good, unknown = queue[0]["id"], queue[1]["id"]
    text_list = run("binding", "list").output
    assert "张三（相符）" in text_list and "张三（户号不存在）" in text_list

    refused = run("binding", "approve", str(unknown), "--by", "desk1")
    assert refused.exit_code == 2 and "只能驳回" in refused.output
    assert run("binding", "approve", str(good), "--by", "desk1").exit_code == 0
    rejected = run("binding", "reject", str(unknown), "--reason", "户号不存在", "--by", "desk1")
    assert rejected.exit_code == 0 and "已驳回" in rejected.output

    assert "服务诉求·增容" in run("request", "list").output
    assert run("request", "assign", str(request_id), "desk1", "--by", "desk1").exit_code == 0
    answered = run("request", "answer", str(request_id), "已安排下周二上门", "--by", "desk1")
    assert answered.exit_code == 0
    assert run("request", "list").output == ""
    assert "已答复" in run("request", "list", "--all").output

    published = run(
        "bulletin", "publish", "--kind", "outage", "--title", "1号楼停电",
        "--body", "配电检修", "--campus", "东校区", "--building", "1号楼", "--by", "desk1",
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    assert "待发送模板消息 1 条" in published.output
    missing = run(
        "bulletin", "publish", "--kind", "outage", "--title", "x", "--body", "y",
        "--campus", "东校区", "--building", "9号楼", "--by", "desk1",
    )  # fmt: skip
    assert missing.exit_code == 2 and "没有楼栋 9号楼" in missing.output

    holiday = run(
        "workday", "set", "2027-01-04", "--holiday", "--note", "元旦调休", "--by", "desk1"
    )
    assert holiday.exit_code == 0 and "休息日" in holiday.output

    failed = run("outbox", "list", "--json")
    kinds = [m["kind"] for m in json.loads(failed.output)]
    assert kinds == ["outage", "answer", "answer", "answer"]
    with sessions() as session:
        actors = session.scalars(
            text(
                "select distinct actor from audit_event where action in"
                " ('binding.approve', 'binding.reject', 'request.answer', 'notice.publish',"
                " 'workday.override')"
            )
        ).all()
    assert actors == ["desk1 审核员"]
    engine.dispose()


def test_wechat_menu_is_set_through_the_api(md_env, standin, monkeypatch):
    monkeypatch.setenv("MD_COMPANION_SECRET_KEY", "menu-test-secret-0123456789")
    monkeypatch.setenv("MD_WECHAT_API_URL", standin.url)
    monkeypatch.setenv("MD_WECHAT_APP_ID", APP_ID)
    refused = run("wechat", "menu")
    assert refused.exit_code == 1 and "companion.base_url" in refused.output
    monkeypatch.setenv("MD_COMPANION_BASE_URL", "https://wx.example.edu.cn")
    dry = json.loads(run("wechat", "menu", "--dry-run").output)
    assert standin.state.menu == {}
    done = run("wechat", "menu")
    assert done.exit_code == 0 and "公众号菜单已更新" in done.output
    assert standin.state.menu == dry
    first, second, staff = standin.state.menu["button"]
    # 缴费 first: paying is what residents come for most (WeChat allows five entries).
    assert [b["key"] for b in first["sub_button"]] == [
        "MD_PAY",
        "MD_USAGE",
        "MD_BILLS",
        "MD_SELF_READ",
        "MD_BIND",
    ]
    assert first["sub_button"][0] == {"type": "click", "name": "在线缴费", "key": "MD_PAY"}
    assert [b["name"] for b in second["sub_button"]] == ["服务诉求", "停水停电通知"]
    assert staff == {"type": "view", "name": "内部业务", "url": "https://wx.example.edu.cn/staff/"}


def test_a_mismatched_binding_needs_a_note_from_the_command_line(md_env):
    engine = make_engine(md_env)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        add_staff_with_role(
            session, Actor("t"), login="desk2", name="审核员", password="desk-pass-2",
            role="manager", branch_code=None,
        )  # fmt: skip
        factories.account(session, "A002", holder_name="李四")
        user = registered(session, "o-cli-2", "13800000052")
        bindings.request_binding(session, user, "A002", "王五", "10.0.0.1")
        (pending,) = bindings.pending_bindings(session)

    refused = run("binding", "approve", str(pending.binding_id), "--by", "desk2")
    assert refused.exit_code == 2
    assert "核对不一致（填写的“王五”与户主“李四”、该户未预留手机都不一致），须填写核实说明" in (
        refused.output
    )
    approved = run(
        "binding", "approve", str(pending.binding_id), "--by", "desk2", "--note", "已电话核实"
    )
    assert approved.exit_code == 0, approved.output
    with sessions() as session:
        assert session.execute(
            text(
                "select b.status, e.data->>'note' from binding b join audit_event e"
                " on e.entity_id = b.id::text and e.action = 'binding.approve'"
            )
        ).all() == [("approved", "已电话核实")]
    engine.dispose()
