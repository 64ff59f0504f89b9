"""Issue 17's "Done when", end to end in a headless mobile browser against the running
service, with the scheduled jobs run by their runner on a test clock (each `tick` runs the
jobs due at the clock's moment, as `serve` does on the real one):

- a resident follows the official account, registers with a code sent through the Alibaba
  Cloud SMS stand-in, and binds A001; the desk approves;
- the 2026-07 billing run's 账单通知 is queued by bill_notices and sent by the outbox job
  through the WeChat API stand-in; its link opens the pay page and 演示支付 pays it;
- the 2026-08 bill goes overdue (due 2026-09-30; policy steps 3 and 10): nothing is sent
  during the National Day holiday (step 3 falls on 10-03) nor before 08:00; the first
  working morning sends one 催缴 per account — a template message to the follower, an SMS
  to the account that never followed — and the swapped working Saturday 10-10 step 10;
- a field reader sees the visit a desk clerk assigned in 我的任务, told by a template
  message, completes it with a note and a photo, and the desk's 外勤完成 sees both.

Water is 3.00 元/m³ up to 20 m³ and 4.00 above: A001 reads 80 → 100 → 130 (2026-07:
20 m³ = 60.00; 2026-08: 30 m³ = 20×3 + 10×4 = 100.00), A002 50 → 75 (2026-08: 25 m³ =
20×3 + 5×4 = 80.00).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import text

from server.companion.pay import PayRuntime
from server.config import Settings, load_settings
from server.db.engine import make_engine, unit_of_work
from server.jobs.catalogue import JOBS
from server.jobs.schedule import Runner
from server.services.billing.billing_run import run_billing
from server.services.core.calendar import BUSINESS_TZ, Period, now
from server.services.core.photos import photo_bytes, store_photo
from server.services.online_pay.config import pay_config
from server.services.residents import bindings, reminders, service_requests
from server.services.residents.service_requests import RequestSpec
from tests import factories
from tests.companion.support import APP_ID, LiveServer, WechatStandIn
from tests.companion.test_appointments_browser import staff_sign_in
from tests.companion.test_field_tasks_browser import jpeg, readers  # noqa: F401 (fixture)
from tests.companion.test_h5_browser import png, sign_in_through_wechat
from tests.companion.test_pay_everywhere_browser import _pay_with_the_sandbox
from tests.companion.test_sms import KEY_ID, SECRET, TEMPLATES, StandIn
from tests.companion.test_sms_browser import aliyun, live_aliyun  # noqa: F401 (fixtures)
from tests.companion.test_wechat import OPENID, _event, _post
from tests.jobs.support import SteppedClock

QUIET = "非工作日或不在 08:00–21:00 之间：不发送"


def at(day: str, hour: int, minute: int = 0) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=BUSINESS_TZ)


def reminded(overdue: int, wechat: int, sms: int) -> str:
    return f"催缴 {overdue} 户，余额提醒 0 户；模板消息 {wechat}，短信 {sms}，无法送达 0，已暂停 0"


@pytest.fixture
def companion_settings(companion_settings):
    """The official account in plain mode (明文模式), so the subscribe event is posted as is."""
    return replace(companion_settings, aes_key="")


@pytest.fixture
def live(live_aliyun: LiveServer) -> LiveServer:  # noqa: F811 (the conftest's, with Aliyun SMS)
    return live_aliyun


@pytest.fixture
def settings(tmp_path, live: LiveServer, standin: WechatStandIn, aliyun: StandIn) -> Settings:  # noqa: F811
    """The server's meterdesk.toml as the jobs read it: WeChat and Alibaba Cloud SMS at
    their stand-ins, the service's own address for links, 演示支付, and the jobs' schedule
    (the payment query and the remote pull are not part of this journey)."""
    (tmp_path / "meterdesk.toml").write_text(
        f'[wechat]\napp_id = "{APP_ID}"\napp_secret = "test-app-secret"\n'
        f'api_url = "{standin.url}"\noauth_url = "{standin.url}"\n'
        'template_bill = "T-BILL"\ntemplate_payment = "T-PAY"\ntemplate_answer = "T-ANS"\n'
        'template_reminder = "T-REMIND"\ntemplate_task = "T-TASK"\n'
        f'[companion]\nsecret_key = "test-secret-key-0123456789abcdef"\nbase_url = "{live.url}"\n'
        f'[sms]\nprovider = "aliyun"\naccess_key_id = "{KEY_ID}"\n'
        f'access_key_secret = "{SECRET}"\nendpoint = "{aliyun.url}"\n'
        + "".join(f'template_{kind} = "{code}"\n' for kind, code in TEMPLATES.items())
        + "[pay]\ndemo = true\n"
        '[jobs]\noutbox_every = "1m"\nbill_notices_every = "10m"\nreminders_every = "1h"\n'
        'pay_query_enabled = "false"\nremote_pull_enabled = "false"\n',
        encoding="utf-8",
    )
    loaded = load_settings(tmp_path)
    live.app.state.online_pay = PayRuntime.of(pay_config(loaded))
    return loaded


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(at("2026-08-03", 9))


@pytest.fixture
def runner(fresh_database_url: str, settings: Settings, clock: SteppedClock) -> Iterator[Runner]:
    engine = make_engine(fresh_database_url)
    try:
        yield Runner(engine, settings, JOBS, clock, "server-a")
    finally:
        engine.dispose()


def run_at(runner: Runner, clock: SteppedClock, moment: datetime) -> dict[str, str]:
    """The clock moved to `moment` and the runner's tick: each job that ran, its message."""
    clock.moment = moment
    results = runner.tick()
    assert all(r.outcome == "ok" for r in results), results
    return {r.name: r.message for r in results}


def fields(message: dict) -> dict[str, str]:
    return {key: value["value"] for key, value in message["data"].items()}


def test_a_resident_registers_binds_is_notified_pays_and_is_reminded(
    phone,
    live,
    standin,
    aliyun,  # noqa: F811 (the imported fixture)
    runner,
    clock,
):
    url = live.url
    with unit_of_work(live.sessions) as session:
        factories.branches(session)
        factories.tariff(session, "water", components={"水费": [("0", "3.00"), ("20", "4.00")]})
        a001 = factories.account(session, "A001", holder_name="张三")
        a002 = factories.account(session, "A002", holder_name="李四")
        session.execute(
            text("update account set mobile = '13800000002' where id = :a"), {"a": a002}
        )
        factories.meter(session, "W1", a001, kind="water", digits=5)
        factories.meter(session, "W2", a002, kind="water", digits=5)
        for meter_no, day, value in (
            ("W1", "2026-06-20", "80"), ("W1", "2026-07-20", "100"), ("W1", "2026-08-20", "130"),
            ("W2", "2026-07-20", "50"), ("W2", "2026-08-20", "75"),
        ):  # fmt: skip
            factories.read(session, meter_no, day, value)
        reminders.set_policy(
            session, factories.ACTOR, "居民", steps=(3, 10), low_balance=None,
            effective_from=date(2026, 1, 1),
        )  # fmt: skip

    # a. Following the official account, then registering with the code the gateway carried.
    assert _post(live, _event("subscribe")).status_code == 200
    sign_in_through_wechat(phone, live, standin, OPENID)
    phone.goto(f"{url}/h5/register")
    phone.fill("#phone", "13800000031")
    phone.click("#send-code")
    assert "验证码已发送" in phone.locator("[role=status]").inner_text()
    (sent,) = aliyun.requests
    assert (sent["PhoneNumbers"], sent["TemplateCode"], sent["SignName"]) == (
        "13800000031", "SMS_0001", "水电保障中心",
    )  # fmt: skip
    phone.fill("#code", json.loads(sent["TemplateParam"])["code"])
    phone.click("#register")
    phone.wait_for_url(re.compile(r".*/h5/bindings"))
    phone.fill("#account_no", "A001")
    phone.fill("#claim", "张三")
    phone.get_by_role("button", name="提交绑定申请").click()
    assert "1 个工作日内审核" in phone.locator("[role=status]").inner_text()
    with unit_of_work(live.sessions) as session:
        (pending,) = bindings.pending_bindings(session)
        bindings.approve_binding(session, factories.ACTOR, pending.binding_id)

    # b. The July run; the jobs at 09:00 queue its notice (the approval goes out at once),
    # the sender's next round a minute later sends it.
    with unit_of_work(live.sessions) as session:
        assert run_billing(session, factories.ACTOR, Period(2026, 7)).created == 1
    ran = run_at(runner, clock, at("2026-08-03", 9))
    assert ran["outbox"] == "已发送 1，待重试 0，失败 0"
    assert ran["bill_notices"] == "账期 2026-07：新加入 1 条账单通知"
    assert ran["reminders"] == reminded(0, 0, 0)
    assert run_at(runner, clock, at("2026-08-03", 9, 1))["outbox"] == "已发送 1，待重试 0，失败 0"
    approval, notice = standin.state.sent
    assert (approval["template_id"], fields(approval)["keyword2"]) == ("T-ANS", "户号 A001 已绑定")
    assert (notice["touser"], notice["template_id"], notice["url"]) == (
        OPENID, "T-BILL", f"{url}/h5/pay?account={a001}",
    )  # fmt: skip
    assert fields(notice) == {
        "first": "您的2026 年 7 月水电费账单已出",
        "keyword1": "A001 张三",
        "keyword2": "60.00 元",
        "keyword3": "请于 2026-08-31 前缴纳",
        "remark": "点击在线缴费，也可到任一校区分中心缴费。",
    }

    # c. The notice's link, opened on the phone, pays the bill with 演示支付.
    phone.goto(notice["url"])
    assert "户号 A001" in phone.content()
    assert phone.locator("#owed").inner_text() == "¥60.00"
    _pay_with_the_sandbox(phone, "#pay-demo")
    phone.goto(notice["url"])
    assert "当前没有待缴账单" in phone.content()
    # The sender's next round tells the resident the payment arrived.
    assert run_at(runner, clock, at("2026-08-03", 9, 2))["outbox"] == "已发送 1，待重试 0，失败 0"
    paid = standin.state.sent[-1]
    assert (paid["template_id"], paid["url"]) == ("T-PAY", f"{url}/h5/usage?account={a001}")
    assert (fields(paid)["keyword1"], fields(paid)["keyword2"]) == ("A001 张三", "60.00 元")

    # d. The August run (A001 100.00, A002 80.00, due 2026-09-30), its notice out in September.
    with unit_of_work(live.sessions) as session:
        assert run_billing(session, factories.ACTOR, Period(2026, 8)).created == 2
    run_at(runner, clock, at("2026-09-01", 9))
    run_at(runner, clock, at("2026-09-01", 9, 1))
    assert [fields(m)["keyword2"] for m in standin.state.sent[3:]] == ["100.00 元"]
    before = len(standin.state.sent), len(aliyun.requests)
    # Step 3 falls on 10-03, inside the National Day holiday (10-01 to 10-07): no reminder.
    for moment in (at("2026-10-03", 10), at("2026-10-07", 15)):
        assert run_at(runner, clock, moment)["reminders"] == QUIET
    # The first working day, 10-08, before 08:00: still none.
    assert run_at(runner, clock, at("2026-10-08", 7, 30))["reminders"] == QUIET
    run_at(runner, clock, at("2026-10-08", 7, 31))
    assert (len(standin.state.sent), len(aliyun.requests)) == before
    # At 09:00 step 3 is due, 8 days late: one 催缴 per account, sent on the next round.
    assert run_at(runner, clock, at("2026-10-08", 9))["reminders"] == reminded(2, 1, 1)
    assert run_at(runner, clock, at("2026-10-08", 9, 1))["outbox"] == "已发送 2，待重试 0，失败 0"
    (reminder,) = standin.state.sent[before[0] :]
    assert (reminder["touser"], reminder["template_id"], reminder["url"]) == (
        OPENID, "T-REMIND", f"{url}/h5/pay?account={a001}",
    )  # fmt: skip
    assert fields(reminder) == {
        "first": "您的水电费已逾期，请尽快缴纳",
        "keyword1": "A001 张三",
        "keyword2": "100.00 元",
        "keyword3": "应于 2026-09-30 前缴纳，已逾期 8 天",
        "remark": "点击进入缴费页面在线缴纳，也可到任一校区分中心缴费。",
    }
    # A002's holder never followed: the SMS gateway, with the amount and the pay link.
    (sms,) = aliyun.requests[before[1] :]
    assert (sms["PhoneNumbers"], sms["TemplateCode"]) == ("13800000002", "SMS_0002")
    assert json.loads(sms["TemplateParam"]) == {
        "account": "A002", "amount": "80.00", "link": f"{url}/h5/pay?account={a002}",
    }  # fmt: skip
    # The rest of the day and the next: step 3 is not sent again, step 10 not yet due.
    for moment in (at("2026-10-08", 16), at("2026-10-09", 9)):
        assert run_at(runner, clock, moment)["reminders"] == reminded(0, 0, 0)
    # Step 10 on Saturday 10-10, a working day swapped for the holiday; at 21:00 none again.
    assert run_at(runner, clock, at("2026-10-10", 9))["reminders"] == reminded(2, 1, 1)
    assert run_at(runner, clock, at("2026-10-10", 21))["reminders"] == QUIET
    run_at(runner, clock, at("2026-10-10", 21, 1))
    assert fields(standin.state.sent[-1])["keyword3"] == "应于 2026-09-30 前缴纳，已逾期 10 天"
    assert len(standin.state.sent) == before[0] + 2
    assert len(aliyun.requests) == before[1] + 2


def test_a_field_reader_completes_an_assigned_visit_the_desk_then_sees(
    phone,
    live,
    standin,
    runner,
    clock,
    readers,  # noqa: F811 (the imported fixture)
    tmp_path,
):
    # The reader binds their WeChat on 个人信息, so assigned tasks are told to them.
    staff_sign_in(phone, live, "reader8", "reader8-pass", "/staff/profile")
    standin.state.next_openid = "o-reader8"
    phone.get_by_role("link", name="绑定微信").click()
    phone.wait_for_url(re.compile(r".*/staff/wechat/bound\?code=.*"))
    # Residents book from today on (the service's own date), so the visit is two days ahead.
    day = now().astimezone(BUSINESS_TZ).date() + timedelta(days=2)
    slot_text = f"{day.month}月{day.day}日（周{'一二三四五六日'[day.weekday()]}）下午 14:30–17:00"
    with unit_of_work(live.sessions) as session:
        factories.branches(session)
        # The service desk: a manager holds 用户服务, which assigns requests.
        clerk = factories.staff(session, "desk1", "manager")
        photo = store_photo(session, jpeg((200, 30, 30)), "故障照片").photo_id
        visit = service_requests.raise_request(
            session, clerk,
            RequestSpec("visit", "故障检查", "卫生间水表一直在走。", "西校区 8号楼 204",
                        "13900000088", f"{day.isoformat()} 下午 14:30–17:00"),
            photo_id=photo,
        )  # fmt: skip
        service_requests.assign_request(session, clerk, visit, "reader8")

    # The outbox job's next round tells the reader.
    assert run_at(runner, clock, at("2026-08-03", 9))["outbox"] == "已发送 1，待重试 0，失败 0"
    (told,) = standin.state.sent
    assert (told["touser"], told["template_id"], told["url"]) == (
        "o-reader8", "T-TASK", f"{live.url}/staff/tasks",
    )  # fmt: skip
    assert fields(told)["keyword2"] == slot_text

    phone.goto(told["url"])
    task = phone.locator("#tasks .task")
    assert task.count() == 1
    assert task.locator(".appointment").inner_text() == f"预约：{slot_text}"
    assert "地点：西校区 8号楼 204" in task.inner_text()
    assert "联系电话：13900000088" in task.inner_text()
    assert task.locator(".photos a").get_attribute("href") == f"/staff/photos/{photo}"
    task.locator("summary").click()
    phone.fill(f"#note-{visit}", "更换进水阀，水表已停走。")
    phone.set_input_files(f"#photos-{visit}", png(tmp_path, "site.png", (800, 600)))
    phone.get_by_role("button", name="完成").click()
    assert phone.locator("[role=status]").inner_text() == f"任务 {visit} 已完成，处理情况已告知中心"
    assert phone.locator("#tasks .task").count() == 0

    # The desk's 外勤完成 tab: who, the note, and the site photo it shows.
    with unit_of_work(live.sessions) as session:
        (done,) = service_requests.completed_tasks(session)
        (site,) = done.photo_ids
        shown = Image.open(io.BytesIO(photo_bytes(session, site)))
    assert (done.request_id, done.answered_by, done.answer, done.place) == (
        visit, "郑抄表", "更换进水阀，水表已停走。", "西校区 8号楼 204",
    )  # fmt: skip
    assert site != photo
    assert (shown.format, shown.size) == ("JPEG", (800, 600))
