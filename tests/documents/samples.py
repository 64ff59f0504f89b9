"""Hand-written documents to render for the golden files: fixed values (no clock, no
database), chosen to reach each layout's hard cases — Chinese names, addresses too long for
one line, more lines than a table holds, voids, reprints, arrears, an open till.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from devices.label_printers import PrintLabel
from reports.labels import LabelData
from reports.notice import NoticeData, NoticeLine, NoticeMeter
from reports.receipt import ReceiptData, ReceiptLine
from reports.route_sheet import RouteSheet, RouteSheetLine
from reports.settlement import ChannelLine, HandoverLine, ReceiptRow, SettlementReport
from reports.tables import (
    COUNT,
    DATE,
    FLAGGED,
    MONEY,
    PERCENT,
    QUANTITY,
    SUBTOTAL,
    TOTAL,
    Column,
    Row,
    TableReport,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_ADDRESS = "西校区 研究生公寓（紫荆园）18号楼 B座 3单元 1702室（东侧套间，靠电梯间的那一户）"


def at(day: int, hour: int, minute: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# Cash for three bills: 126.40 + 58.00 + 12.35 = 196.75; tendered 200.00, change 3.25.
RECEIPT_CASH = ReceiptData(
    receipt_no="D20261123-0007",
    branch_name="东区收费点",
    account_no="A1001",
    holder_name="张三",
    address="东校区 1号楼 2单元 301",
    lines=(
        ReceiptLine("2026-09", "电费", D("126.40")),
        ReceiptLine("2026-10", "水费", D("58.00")),
        ReceiptLine("2026-10", "污水处理费", D("12.35")),
    ),
    total=D("196.75"),
    channel="现金",
    reference="",
    clerk="王芳",
    issued_at=at(23, 9, 31),
    tendered=D("200.00"),
    change=D("3.25"),
)

# Eighteen months, more than either size's table holds: the rest are summed into the last row.
# 18 × 85.50 = 1,539.00; the second reprint of a cheque payment.
RECEIPT_MANY = ReceiptData(
    receipt_no="X20261201-0042",
    branch_name="西区收费点（研究生公寓服务中心）",
    account_no="W2-18-1702",
    holder_name="欧阳娜娜（研究生院后勤管理办公室代缴）",
    address=LONG_ADDRESS,
    lines=tuple(
        ReceiptLine(f"{2025 + (m + 5) // 12}-{(m + 5) % 12 + 1:02d}", "电费（含公摊）", D("85.50"))
        for m in range(18)
    ),
    total=D("1539.00"),
    channel="支票",
    reference="CQ-20261201-88",
    clerk="李建国",
    issued_at=at(1, 16, 5, month=12),
    reprint_count=2,
)

RECEIPT_VOID = ReceiptData(
    receipt_no="D20261123-0009",
    branch_name="东区收费点",
    account_no="A1002",
    holder_name="李四",
    address="东校区 1号楼 2单元 302",
    lines=(ReceiptLine("2026-10", "电费", D("30.00")),),
    total=D("30.00"),
    channel="网银转账",
    reference="BK88230011",
    clerk="王芳",
    issued_at=at(23, 10, 2),
    voided=True,
    void_reason="收错户号，应为 A1001",
)

RECEIPTS = {"cash": RECEIPT_CASH, "many": RECEIPT_MANY, "void": RECEIPT_VOID}


def _meter(
    no: str, kind: str, prev: str, curr: str, multiplier: str = "1", estimated: bool = False
) -> NoticeMeter:
    usage = (D(curr) - D(prev)) * D(multiplier)
    return NoticeMeter(no, kind, D(prev), D(curr), D(multiplier), usage, estimated)


# Page 1: two meters, the water meter unread and estimated (估); three lines;
# 0.588 × 212 = 124.66, 3.20 × 18 = 57.60, 0.95 × 18 = 17.10.
NOTICE_PLAIN = NoticeData(
    period="2026-10",
    account_no="A1001",
    holder_name="张三",
    address="东校区 1号楼 2单元 301",
    meters=(
        _meter("E000123", "电表", "1088", "1300"),
        _meter("W000045", "水表", "512.5", "530.5", estimated=True),
    ),
    lines=(
        NoticeLine("电费", D("212"), D("124.66")),
        NoticeLine("水费", D("18"), D("57.60")),
        NoticeLine("污水处理费", D("18"), D("17.10")),
    ),
    total=D("199.36"),
    due_date=date(2026, 11, 20),
    pay_at=("东区收费点", "西区收费点"),
    pay_url="https://wx.example.edu.cn/h5/pay?account=1001",
)

# Page 2: a canteen with eight meters (more than the six rows: the rest summed), one through a
# ×40 current transformer, a long address, and arrears of two earlier periods.
# Usage: 40 × (2150.5 − 2100.5) = 2000, then 280, 260, 240, 220 in rows, 200 + 180 + 160 = 540
# summed; 3540 in all, at 0.85 = 3,009.00. Total 3,009.00 + 307.20 + 91.20 = 3,407.40, and
# with the arrears 4,614.55 due.
NOTICE_MANY = NoticeData(
    period="2026-10",
    account_no="C-0008",
    holder_name="北苑第二食堂（餐饮服务有限公司）",
    address=LONG_ADDRESS,
    meters=(
        _meter("E100001", "电表", "2100.5", "2150.5", "40"),
        *(_meter(f"E10000{n}", "电表", "1000", str(1000 + 320 - 20 * n)) for n in range(2, 9)),
    ),
    lines=(
        NoticeLine("电费（商业）", D("3540"), D("3009.00")),
        NoticeLine("水费", D("96"), D("307.20")),
        NoticeLine("污水处理费", D("96"), D("91.20")),
    ),
    total=D("3407.40"),
    due_date=date(2026, 11, 20),
    arrears=D("1207.15"),
    arrears_periods=("2026-08", "2026-09"),
    pay_at=("东区收费点", "西区收费点"),
    pay_url="https://wx.example.edu.cn/h5/pay?account=8",
)

# Page 3: another due date, so a second frame; no meters read, no counter named and no
# QR code (the service has no address).
NOTICE_LATE = NoticeData(
    period="2026-10",
    account_no="A1002",
    holder_name="李四",
    address="东校区 1号楼 2单元 302",
    meters=(),
    lines=(NoticeLine("卫生费", D("1"), D("15.00")),),
    total=D("15.00"),
    due_date=date(2026, 12, 5),
)

NOTICES = (NOTICE_PLAIN, NOTICE_MANY, NOTICE_LATE)


def _row(
    n: int,
    minute: int,
    amount: str,
    channel: str = "现金",
    reference: str = "",
    holder: str = "",
    void_reason: str = "",
) -> ReceiptRow:
    return ReceiptRow(
        receipt_no=f"D20261123-{n:04d}",
        issued_at=at(23, 8 + minute // 60, minute % 60),
        account_no=f"A{1000 + n}",
        holder_name=holder or "住户" + "甲乙丙丁戊己庚辛壬癸"[n % 10],
        channel=channel,
        reference=reference,
        amount=D(amount),
        voided=bool(void_reason),
        void_reason=void_reason,
    )


# A closed day at branch D: 60 cash receipts of 20.00, 2 cheques, 1 transfer, 2 voided.
# Standing: cash 60 × 20.00 = 1,200.00; cheque 350.00 + 120.50 = 470.50; transfer 88.80;
# 63 receipts, 1,759.30. Cash taken 1,200.00 + 30.00 voided = tendered 1,280.00 − change
# 50.00; float 200.00 + 1,280.00 − 50.00 − voided 30.00 − handed over 1,000.00 = 400.00
# expected; counted 395.00: 短款 5.00.
_DAY_ROWS = (
    *(_row(n, 3 * n, "20.00") for n in range(1, 31)),
    _row(31, 93, "350.00", "支票", "CQ7731", holder="欧阳娜娜（研究生院后勤管理办公室代缴）"),
    _row(32, 96, "30.00", void_reason="收错户号"),
    _row(33, 99, "120.50", "支票", "CQ7732"),
    *(_row(n, 3 * n, "20.00") for n in range(34, 64)),
    _row(64, 200, "88.80", "网银转账", "BK88230011"),
    _row(65, 210, "15.00", "网银转账", "BK88230012", void_reason="重复入账，银行已退回"),
)
SETTLEMENT_CLOSED = SettlementReport(
    branch_code="D",
    branch_name="东区收费点",
    clerk="王芳",
    business_date=date(2026, 11, 23),
    opened_at=at(23, 8, 0),
    closed_at=at(23, 17, 35),
    float_amount=D("200.00"),
    cash_tendered=D("1280.00"),
    change_given=D("50.00"),
    cash_voided=D("30.00"),
    handed_over=D("1000.00"),
    handovers=(
        HandoverLine(at(23, 12, 0), "赵主管", D("600.00"), "午间交款"),
        HandoverLine(at(23, 16, 30), "赵主管", D("400.00"), ""),
    ),
    expected_cash=D("400.00"),
    cash_counted=D("395.00"),
    over_short=D("-5.00"),
    note="少 5.00，原因待查",
    channels=(
        ChannelLine("现金", 60, D("1200.00")),
        ChannelLine("支票", 2, D("470.50")),
        ChannelLine("网银转账", 1, D("88.80")),
    ),
    total_count=63,
    total_amount=D("1759.30"),
    receipts=_DAY_ROWS,
    generated_at=at(23, 17, 40),
)

# The same branch the next morning, still open: cash 40.00 (tendered 50.00, change 10.00);
# expected 200.00 + 50.00 − 10.00 = 240.00; nothing counted yet.
SETTLEMENT_OPEN = SettlementReport(
    branch_code="D",
    branch_name="东区收费点",
    clerk="王芳",
    business_date=date(2026, 11, 24),
    opened_at=at(24, 8, 2),
    closed_at=None,
    float_amount=D("200.00"),
    cash_tendered=D("50.00"),
    change_given=D("10.00"),
    cash_voided=D("0.00"),
    handed_over=D("0.00"),
    handovers=(),
    expected_cash=D("240.00"),
    cash_counted=None,
    over_short=None,
    note="",
    channels=(ChannelLine("现金", 1, D("40.00")),),
    total_count=1,
    total_amount=D("40.00"),
    receipts=(
        ReceiptRow("D20261124-0001", at(24, 8, 15), "A1001", "张三", "现金", "", D("40.00")),
    ),
    generated_at=at(24, 9, 0),
)

SETTLEMENTS = {"closed": SETTLEMENT_CLOSED, "open": SETTLEMENT_OPEN}

LABELS = (
    LabelData("E000123", "电表", "东校区", "1号楼", "2单元301", "水电保障中心"),
    LabelData("W000045", "水表", "东校区", "1号楼"),
    LabelData(
        "E100001", "电表", "北苑", "第二食堂（餐饮服务有限公司）后厨配电间", "地下一层 B1-07"
    ),
    LabelData("E2026110100017", "电表", "西校区", "研究生公寓18号楼", "B座1702"),
    LabelData("W000046", "水表", "西校区", "研究生公寓18号楼", "B座1703", "水电保障中心"),
)

PRINT_LABELS = (
    PrintLabel("E000123", "水电保障中心 电表", "东校区 1号楼", "2单元301"),
    # No room; a quote in the place must not end TSPL's string, ^ and _ are escaped in ZPL.
    PrintLabel("W000045", "水表", '西校区 "紫荆园" 18号楼', ""),
    PrintLabel("E100001", "电表", "北苑 第二食堂^后厨_配电间", "B1-07"),
)

# A building's reading sheet: one meter never read, one place too long for its column.
ROUTE_SHEET = RouteSheet(
    title="抄表卡 东校区/1号楼 2026-11",
    rule="预计范围：近 3 个月平均用量的 50%–200%，加上次读数。",
    lines=(
        RouteSheetLine(
            "E000123",
            "电表",
            "1号楼 2单元301",
            "A1001 张三",
            "1300",
            date(2026, 10, 28),
            "1406–1724",
        ),
        RouteSheetLine(
            "W000045",
            "水表",
            "1号楼 2单元301",
            "A1001 张三",
            "530.5",
            date(2026, 10, 28),
            "539.5–566.5",
        ),
        RouteSheetLine(
            "E000124",
            "电表",
            "1号楼 地下一层配电间（东侧第三个表箱，靠近消防通道）",
            "A1002 欧阳娜娜（研究生院后勤管理办公室代缴）",
            "—",
            None,
            "—",
        ),
    ),
    generated_at=at(25, 8, 30),
)

# An arrears report: two details, a flagged one, a building subtotal and the total.
# 东校区 1号楼: 199.36 + 15.00 = 214.36; 北苑: 1,207.15; total 1,421.51.
TABLE_REPORT = TableReport(
    name="arrears",
    title="欠费明细",
    filters="账期 2026-08 至 2026-10，全部校区",
    columns=(
        Column("户号"),
        Column("户名", width=24),
        Column("欠费期数", COUNT),
        Column("用量", QUANTITY),
        Column("欠费金额", MONEY),
        Column("欠费比例", PERCENT),
        Column("最早账期", DATE),
    ),
    rows=(
        Row(("A1001", "张三", 1, D("212"), D("199.36"), D("0.140"), date(2026, 10, 1))),
        Row(("A1002", "李四", 1, D("1"), D("15.00"), D("0.011"), date(2026, 10, 1))),
        Row(("东校区 1号楼 小计", "", 2, D("213"), D("214.36"), D("0.151"), None), SUBTOTAL),
        Row(("C-0008", "北苑第二食堂（餐饮服务有限公司）", 2, D("3540.125"), D("1207.15"),
             D("0.849"), date(2026, 8, 1)), FLAGGED),
        Row(("合计", "", 4, D("3753.125"), D("1421.51"), D("1"), None), TOTAL),
    ),
    generated_at=at(25, 9, 0),
    notes=("欠费比例：该户欠费占全部欠费的比例。",),
)  # fmt: skip
