"""The residents' side of the demo centre (demo.activity): WeChat, requests, notices.

Two residents registered on WeChat and had accounts bound a month and a half ago; they and
a few others raised bindings (some past their 1-working-day deadline, one whose claim does
not match), service requests of each kind (some past their SLA, some answered), and the
two bound residents read their own meters today with a photo of the dial; two readers
entered a misread figure with a photo. The office has published its FAQ, contacts, tips,
a notice and an outage ahead.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from server.db.models import Meter, Reading
from server.db.models.accounts import PREPAID
from server.db.models.metering import ELECTRICITY, HELD
from server.demo import catalog
from server.demo.centre import Centre, DemoAccount
from server.services.core.calendar import Period, business_datetime
from server.services.core.photos import store_photo
from server.services.core.workdays import request_due
from server.services.metering.field_readings import field_reading
from server.services.metering.ingest import latest_accepted_before
from server.services.metering.readings import meter_by_no
from server.services.metering.usage_rules import KIND_UNITS
from server.services.residents.bindings import approve_binding, my_bindings, request_binding
from server.services.residents.bulletins import publish_notice
from server.services.residents.portal import MeterChoice, bound_meters, self_read
from server.services.residents.reminders import set_policy
from server.services.residents.service_requests import (
    SLOTS,
    RequestSpec,
    answer_request,
    raise_request,
)
from server.services.residents.wechat_users import Resident, follower, register_phone, send_code

BOUND_OPENIDS = ("o-demo-resident-1", "o-demo-resident-2")
# Days after the due date a household is reminded, and the prepaid balance alerted below.
REMINDER_STEPS = (3, 10, 20)
LOW_BALANCE = Decimal("20.00")
PENDING_OPENIDS = tuple(f"o-demo-applicant-{i}" for i in range(1, 5))


class ResidentsSide(Centre):
    """Bindings, service requests, readings with photos and published notices."""

    bound: list[tuple[Resident, DemoAccount]]

    # -- residents on WeChat ----------------------------------------------------------------

    def _choose_bound(self) -> list[int]:
        """A postpaid and a prepaid resident household of the first campus (or any)."""
        chosen = []
        for mode_prepaid in (False, True):
            candidates = [
                i for i, a in enumerate(self.accounts)
                if a.class_code == catalog.RESIDENT and (a.billing_mode == PREPAID) == mode_prepaid
            ]  # fmt: skip
            if candidates:
                chosen.append(self.rng.choice(candidates))
        return chosen

    def _register(self, openid: str, phone: str, ip: str) -> Resident:
        """关注 and 注册 with the SMS code the resident receives."""
        resident = follower(self.session, openid)
        inbox = _Inbox()
        send_code(self.session, resident.user_id, phone, inbox, ip)
        answer = register_phone(self.session, resident.user_id, phone, inbox.code())
        assert not answer, answer
        return resident

    def _bind_residents(self, bound: list[int]) -> None:
        self.bound: list[tuple[Resident, DemoAccount]] = []
        when = business_datetime(self._workday_before(45), time(10, 0))
        for n, (openid, index) in enumerate(zip(BOUND_OPENIDS, bound, strict=False)):
            account = self.accounts[index]
            self.set_now(when + timedelta(minutes=20 * n))
            resident = self._register(openid, account.mobile, f"10.8.1.{n + 1}")
            request_binding(
                self.session, resident.user_id, account.account_no, account.holder_name,
                f"10.8.1.{n + 1}",
            )  # fmt: skip
            [binding] = my_bindings(self.session, resident.user_id)
            self.set_now(when + timedelta(hours=3, minutes=20 * n))
            approve_binding(self.session, self.managers[account.campus].actor, binding.binding_id)
            self.bound.append((resident, account))

    def _workday_before(self, days: int) -> date:
        day = self.today - timedelta(days=days)
        while not self.work.is_workday(day):
            day -= timedelta(days=1)
        return day

    def _bindings_waiting(self) -> None:
        """Four requests: two inside the deadline, two past it; one claim does not match."""
        rng = self.rng
        residents = [i for i, a in enumerate(self.accounts) if a.class_code == catalog.RESIDENT]
        taken = {a.account_no for _, a in self.bound}
        choices = [i for i in residents if self.accounts[i].account_no not in taken]
        picks = rng.sample(choices, min(len(choices), len(PENDING_OPENIDS)))
        moments = (
            business_datetime(self._workday_before(8), time(9, 40)),
            business_datetime(self._workday_before(4), time(15, 10)),
            self.moment - timedelta(hours=5),
            self.moment - timedelta(minutes=25),
        )
        claims = ("holder", "mobile", "wrong", "holder")
        for n, (openid, index, when, claim) in enumerate(
            zip(PENDING_OPENIDS, picks, moments, claims, strict=False)
        ):
            account = self.accounts[index]
            self.set_now(when)
            ip = f"10.8.2.{n + 1}"
            resident = self._register(openid, _phone(rng), ip)
            typed = {
                "holder": account.holder_name,
                "mobile": account.mobile,
                "wrong": f"{account.holder_name[0]}先生",
            }[claim]
            request_binding(self.session, resident.user_id, account.account_no, typed, ip)

    # -- service requests -------------------------------------------------------------------

    def _requests(self) -> None:
        """Requests of every kind from the bound residents: open within and past their SLA,
        and answered ones."""
        if not self.bound:
            return
        first, second = self.bound if len(self.bound) > 1 else self.bound * 2
        past = business_datetime(self._workday_before(3), time(10, 5))
        older = business_datetime(self._workday_before(6), time(14, 30))
        oldest = business_datetime(self._workday_before(10), time(9, 15))
        recent = self.moment - timedelta(minutes=40)
        soon = self.today + timedelta(days=3)

        def spec(who: tuple[Resident, DemoAccount], kind: str, topic: str, text: str,
                 **more: Any) -> tuple[Resident, DemoAccount, RequestSpec]:  # fmt: skip
            account = who[1]
            home = f"{catalog.CAMPUSES[account.campus][1]}{account.holder_name}家"
            if kind in ("fault", "visit"):
                more.setdefault("place", home)
            return who[0], account, RequestSpec(
                kind, topic, text, contact_phone=account.mobile, **more
            )  # fmt: skip

        wanted = [
            (oldest, spec(second, "complaint", "表扬",
                          "上次上门更换水表的师傅很细心，走前把地面也收拾干净了，谢谢！"),
             "感谢您的肯定，我们会转达给维修班组。"),
            (older, spec(first, "energy", "跑冒滴漏", "教学楼三楼男卫生间水龙头一直滴水，关不紧。",
                         place="第一教学楼三楼男卫生间"),
             "已安排维修人员更换水龙头阀芯，感谢您的反馈。"),
            (past, spec(first, "fault", "表计故障", "电表屏幕不亮，不知道是否还在计量。",
                        account_id=first[1].account_id), ""),
            (past + timedelta(minutes=50), spec(
                second, "visit", "故障检查", "家里跳闸后一直合不上，请派人上门检查线路。",
                slot=f"{(past + timedelta(days=2)).date().isoformat()} {SLOTS[0]}"), ""),
            (recent - timedelta(minutes=30), spec(
                second, "visit", "入住登记", "下周搬入，请上门登记水电表起码。",
                slot=f"{soon.isoformat()} {SLOTS[1]}"), ""),
            (recent, spec(first, "service", "计量疑问",
                          "本月电费比上月高了不少，想请核对一下电表读数。",
                          account_id=first[1].account_id), ""),
        ]  # fmt: skip
        for when, (resident, account, request), answer in wanted:
            self.set_now(when)
            photo = None
            if request.kind == "fault":
                # The resident's photo of the meter with its display dark.
                meter = self._electricity_meter(resident)
                picture = dial_photo(meter.meter_no if meter else "", None, ELECTRICITY)
                photo = store_photo(self.session, picture).photo_id
            request_id = raise_request(
                self.session, resident.actor, request, wechat_user_id=resident.user_id,
                photo_id=photo,
            )  # fmt: skip
            if answer:
                self.set_now(request_due(self.session, when) - timedelta(minutes=35))
                answer_request(
                    self.session, self.managers[account.campus].actor, request_id, answer
                )

    def _electricity_meter(self, resident: Resident) -> MeterChoice | None:
        meters = [m for m in bound_meters(self.session, resident.user_id)
                  if m.kind == ELECTRICITY and m.last_value is not None]  # fmt: skip
        return meters[0] if meters else None

    # -- readings with photos ---------------------------------------------------------------

    def _photo_readings(self) -> int:
        """The bound residents read their electricity meters; two readers misread a figure."""
        count = 0
        for n, (resident, _) in enumerate(self.bound):
            meter = self._electricity_meter(resident)
            if meter is None or meter.last_value is None:
                continue
            self.set_now(self.moment - timedelta(minutes=75 - 20 * n))
            value = _ahead(meter_by_no(self.session, meter.meter_no).digits, meter.last_value,
                           Decimal(self.rng.randint(300, 2500)) / 100)  # fmt: skip
            photo = dial_photo(meter.meter_no, value, meter.kind)
            self_read(self.session, resident, meter.meter_no, str(value), photo)
            count += 1
        # A reader typed two digits the wrong way round; the photo shows the dial.
        taken = {m.meter_no for r, _ in self.bound for m in bound_meters(self.session, r.user_id)}
        for campus in (1, 2):
            if campus >= len(self.readers):
                continue
            meter_no = self._misread_candidate(campus, taken)
            if meter_no is None:
                continue
            misread = meter_by_no(self.session, meter_no)
            self.set_now(self.moment - timedelta(minutes=150 - 30 * campus))
            last = latest_accepted_before(self.session, misread.id, self.moment)
            assert last is not None
            true = _ahead(misread.digits, last.value, Decimal(self.rng.randint(200, 900)) / 100)
            typed = _misread(true)
            if typed >= last.value:
                continue
            field_reading(
                self.session, self.readers[campus], meter_no, str(typed),
                dial_photo(meter_no, true, misread.kind), "照片与读数请核对",
            )  # fmt: skip
            count += 1
        return count

    def _misread_candidate(self, campus: int, taken: set[str]) -> str | None:
        ids = [a.account_id for a in self.accounts
               if a.campus == campus and a.class_code == catalog.RESIDENT]  # fmt: skip
        held = select(Reading.meter_id).where(Reading.status == HELD)
        rows = self.session.scalars(
            select(Meter.meter_no)
            .where(Meter.account_id.in_(ids), Meter.kind == ELECTRICITY, Meter.status == "active")
            .where(Meter.id.not_in(held), Meter.meter_no.not_in(taken))
            .order_by(Meter.meter_no)
        ).all()
        return self.rng.choice(rows) if rows else None

    # -- published notices ------------------------------------------------------------------

    def _notices(self, bound: list[int]) -> int:
        manager = self.managers[0].actor
        branches = "\n".join(
            f"{branch}：{address}，电话 {phone}（工作日 8:30–11:30、14:30–17:00）"
            for _, _, branch, address, phone in catalog.CAMPUSES
        )
        items = [(kind, title, body) for kind, title, body in NOTICES]
        items.insert(1, ("contact", "联系我们", f"水电保障中心各校区分中心：\n{branches}"))
        published = 0
        for n, (kind, title, body) in enumerate(items):
            self.set_now(business_datetime(self._workday_before(60 - 6 * n), time(10, 0)))
            publish_notice(self.session, manager, kind, title, body)
            published += 1
        if bound:
            building = self.accounts[bound[0]].building_id
            starts = business_datetime(self.today + timedelta(days=2), time(8, 30))
            self.set_now(self.moment - timedelta(hours=2))
            publish_notice(
                self.session, manager, "outage", "计划停电通知",
                "因配电设备检修，届时该楼栋将停电，请提前做好准备。给您带来不便，敬请谅解。",
                building_ids=(building,), starts_at=starts,
                ends_at=starts + timedelta(hours=3, minutes=30),
            )  # fmt: skip
            published += 1
        return published

    # -- reminders ----------------------------------------------------------------------------

    def _reminder_policy(self) -> None:
        """The office's 催缴 policy for households, in force since the replayed year began: the
        demo's reminders job then reminds the accounts overdue today (and alerts prepaid ones
        running low), which the demo user sees on 演示消息 and the desk's 催缴与消息."""
        first = self.billed[0] if self.billed else Period.of(self.moment)
        self.set_now(business_datetime(first.first_day, time(9, 0)))
        set_policy(
            self.session, self.managers[0].actor, catalog.RESIDENT, steps=REMINDER_STEPS,
            low_balance=LOW_BALANCE, effective_from=first.first_day,
        )  # fmt: skip


class _Inbox:
    """The resident's phone: keeps the SMS the code comes in."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def send(self, phone: str, kind: str, params: Mapping[str, str]) -> str:
        self.codes.append(params.get("code", ""))
        return f"demo-{len(self.codes)}"

    def code(self) -> str:
        return self.codes[-1]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _ahead(digits: int, value: Decimal, usage: Decimal) -> Decimal:
    """The register `usage` on from `value`, wrapping as the meter does."""
    return ((value + usage) % Decimal(10) ** digits).quantize(Decimal("0.001"))


def _misread(value: Decimal) -> Decimal:
    """A typical slip that gives a lower figure: the first two adjacent whole digits that
    fall swapped round, else the last whole digit left out."""
    whole, _, fraction = f"{value:.3f}".partition(".")
    for i in range(len(whole) - 1):
        if whole[i] > whole[i + 1]:
            swapped = f"{whole[:i]}{whole[i + 1]}{whole[i]}{whole[i + 2 :]}"
            return Decimal(f"{swapped}.{fraction}")
    return Decimal(f"{whole[:-1] or 0}.{fraction}")


def dial_photo(meter_no: str, value: Decimal | None, kind: str) -> bytes:
    """A JPEG of a meter's face showing `value` in its register window (blank if None)."""
    image = Image.new("RGB", (640, 420), (188, 196, 201))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((36, 30, 604, 390), 28, fill=(238, 240, 236), outline=(70, 76, 82),
                           width=5)  # fmt: skip
    small, large = ImageFont.load_default(size=30), ImageFont.load_default(size=72)
    draw.text((70, 60), f"No. {meter_no}", fill=(30, 30, 30), font=small)
    draw.rectangle((66, 150, 574, 270), fill=(22, 26, 30))
    if value is not None:
        draw.text((320, 210), f"{value:.2f}", fill=(250, 250, 240), font=large, anchor="mm")
    unit = KIND_UNITS[kind].replace("³", "3")
    draw.text((570, 300), unit, fill=(30, 30, 30), font=small, anchor="ra")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# (kind, title, body) of the published pages, in the order they went up.
NOTICES = (
    ("faq", "如何绑定户号？",
     "关注公众号并用手机号注册后，在“户号绑定”中填写户号和户主姓名（或预留手机号）。"
     "工作人员在 1 个工作日内审核，通过后即可查询用量、查看缴款通知单和自助抄表。"
     "居民每个微信号最多绑定 2 个户号，单位最多 10 个。"),
    ("faq", "电费、水费是怎么计算的？",
     "居民生活用电实行阶梯电价：每月 230 千瓦时以内 0.5483 元/千瓦时，230–400 千瓦时 "
     "0.5983 元，400 千瓦时以上 0.8483 元。居民用水每月 15 吨以内 2.45 元/吨，另收污水"
     "处理费 0.95 元/吨。账单在每月 2 日出具，可在各校区分中心柜台或公众号缴纳。"),
    ("faq", "预收费户如何充值？余额不足怎么办？",
     "预收费户可在任一校区分中心柜台预存，每月出账时从余额中扣除。余额不足时请及时充值，"
     "公众号“我的用量”可随时查看余额和近 12 个月的账单。"),
    ("tips", "夏季空调节电小窍门",
     "空调温度设定在 26℃ 左右，每调高 1℃ 约可省电 7%；定期清洗滤网；外出前半小时关闭"
     "空调；配合电风扇使用可以更快凉爽。"),
    ("tips", "如何自查家中是否漏水？",
     "关闭家中所有用水器具后观察水表：若指针或红色三角仍在转动，说明有漏水，请检查马桶"
     "水箱和水龙头，或在公众号“服务诉求”中报修。"),
    ("info", "春节期间营业时间安排",
     "春节假期各校区分中心暂停柜台业务，假期前后正常营业。假期内可通过公众号在线缴费，"
     "收据可在恢复营业后到任一分中心换开。"),
)  # fmt: skip
