"""The worst cases a real site prints, one per document kind: long names and addresses,
ten unpaid months, eight-digit amounts (12,345,678.90), many lines, long cheque references,
twenty-digit hardware numbers. Fixed values (no clock, no database); each document's
expected figures are worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from reports.notice import NoticeData, NoticeLine, NoticeMeter
from reports.receipt import ReceiptData, ReceiptLine
from reports.refund import RefundData
from reports.route_sheet import RouteSheet, RouteSheetLine
from reports.settlement import ChannelLine, HandoverLine, ReceiptRow, RefundRow, SettlementReport
from reports.tables import SUBTOTAL, TOTAL, Row, TableReport
from server.services.reports import arrears, meters

SHANGHAI = ZoneInfo("Asia/Shanghai")
BIG = D("12345678.90")  # ¥12,345,678.90: eight digits before the point
BIG_TEXT = "12,345,678.90"
LONG_NAME = "北京理工大学后勤集团饮食服务中心北苑第二学生食堂（清真窗口）承包经营部"
LONG_ADDRESS = "西校区 研究生公寓（紫荆园）18号楼 B座 3单元 1702室（东侧套间，靠电梯间的那一户）"
BANK = "中国工商银行股份有限公司北京海淀支行"
CHEQUE = "31245678901234567890"  # a cheque number of twenty digits
ACCOUNT = "C-20260001234"


def at(day: int, hour: int, minute: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# --- payment notice --------------------------------------------------------------------
# Eight meters of 13-character numbers with eight-digit readings (six rows: five shown, the
# last three summed: 3 × 5,678 = 17,034); three lines 12,000,000.00 + 345,000.00 + 678.90 =
# 12,345,678.90; ten unpaid months 2026-01…2026-10 owing 12,345,678.90, so
# 24,691,357.80 is due.
NOTICE_METERS = tuple(
    NoticeMeter(f"W00000012345{n}", "水表", D("12340000"), D("12345678"), D(1), D(5678))
    for n in range(8)
)
NOTICE = NoticeData(
    period="2026-11",
    account_no=ACCOUNT,
    holder_name=LONG_NAME,
    address=LONG_ADDRESS,
    meters=NOTICE_METERS,
    lines=(
        NoticeLine("电费（商业，含公摊与峰谷分时）", D("14117647"), D("12000000.00")),
        NoticeLine("水费", D("102000"), D("345000.00")),
        NoticeLine("污水处理费", D("714"), D("678.90")),
    ),
    total=BIG,
    due_date=date(2026, 12, 20),
    arrears=BIG,
    arrears_periods=tuple(f"2026-{m:02d}" for m in range(1, 11)),
    pay_at=("东区收费点（第一教学楼一层）", "西区收费点（研究生公寓服务中心）", "北区收费点"),
    pay_url=f"https://wx.example.edu.cn/h5/pay?account={ACCOUNT}",
)

# --- receipt ---------------------------------------------------------------------------
# Fifteen monthly bills of 800,000.00 (2025-08…2026-10) and 345,678.90 credited to the
# balance (预存, no period): 15 × 800,000.00 + 345,678.90 = 12,345,678.90, paid by cheque.
RECEIPT_BILLS = tuple(
    ReceiptLine(f"{2025 + (m + 7) // 12}-{(m + 7) % 12 + 1:02d}", "电费（含公摊）", D("800000.00"))
    for m in range(15)
)
RECEIPT = ReceiptData(
    receipt_no="X20261201-000123",
    branch_name="西区收费点（研究生公寓服务中心）",
    account_no=ACCOUNT,
    holder_name=LONG_NAME,
    address=LONG_ADDRESS,
    lines=(*RECEIPT_BILLS, ReceiptLine("", "预存", D("345678.90"))),
    total=BIG,
    channel="支票",
    reference=CHEQUE,
    bank=BANK,
    clerk="欧阳建国",
    issued_at=at(1, 16, 5, month=12),
    reprint_count=12,
)

# --- refund form -----------------------------------------------------------------------
REFUND = RefundData(
    refund_no="R20261201-000045",
    branch_name="西区收费点（研究生公寓服务中心）",
    account_no=ACCOUNT,
    holder_name=LONG_NAME,
    address=LONG_ADDRESS,
    amount=BIG,
    channel="转账",
    clerk="欧阳建国",
    authorized_by="司马主任",
    issued_at=at(1, 16, 30, month=12),
    reference=CHEQUE,
    bank=BANK,
    reason="经营部撤场，退还账户全部预存余额（含押金转入部分），经财务处与后勤集团审批",
    approved_by="财务处 司马相如（2026-11-30）",
)

# --- day report ------------------------------------------------------------------------
# 150 receipts: 148 cash of 1,234.50 and two cheques of 12,345,678.90 with the bank's full
# name before the twenty-digit number; one refund of 12,345,678.90 paid by transfer.
# Standing: 148 × 1,234.50 = 182,706.00 cash, 24,691,357.80 cheques; 24,874,063.80 in all.
# Cash: float 200.00 + 182,706.00 − handed over 180,000.00 = 2,906.00 expected, counted.
DAY_ROWS = tuple(
    ReceiptRow(
        receipt_no=f"X20261201-{n:06d}",
        issued_at=at(1, 8 + n // 20, n % 60, month=12),
        account_no=f"C-2026{n:07d}",
        holder_name=LONG_NAME if n % 7 == 0 else "住户" + "甲乙丙丁戊己庚辛壬癸"[n % 10],
        channel="支票" if n in (50, 100) else "现金",
        reference=f"{BANK} {CHEQUE}" if n in (50, 100) else "",
        amount=BIG if n in (50, 100) else D("1234.50"),
    )
    for n in range(1, 151)
)
SETTLEMENT = SettlementReport(
    branch_code="X",
    branch_name="西区收费点（研究生公寓服务中心）",
    clerk="欧阳建国",
    business_date=date(2026, 12, 1),
    opened_at=at(1, 8, 0, month=12),
    closed_at=at(1, 17, 35, month=12),
    float_amount=D("200.00"),
    cash_tendered=D("182706.00"),
    change_given=D("0.00"),
    cash_voided=D("0.00"),
    handed_over=D("180000.00"),
    handovers=(HandoverLine(at(1, 12, 0, month=12), "司马主任", D("180000.00"), "午间交款"),),
    expected_cash=D("2906.00"),
    cash_counted=D("2906.00"),
    over_short=D("0.00"),
    note="",
    channels=(
        ChannelLine("现金", 148, D("182706.00")),
        ChannelLine("支票", 2, D("24691357.80")),
    ),
    total_count=150,
    total_amount=D("24874063.80"),
    receipts=DAY_ROWS,
    generated_at=at(1, 17, 40, month=12),
    refunds=(
        RefundRow(
            "R20261201-000045", at(1, 16, 30, month=12), ACCOUNT, LONG_NAME, "转账", BIG, cash=False
        ),
    ),
)

# --- route sheet -----------------------------------------------------------------------
# 40 water meters of 13-character numbers, eight-digit readings, long places and names.
ROUTE_LINES = tuple(
    RouteSheetLine(
        meter_no=f"W0000001234{n:02d}",
        kind_label="水表",
        place=f"{n // 4 + 1}单元 地下一层设备间（东侧第{n % 4 + 1}个表箱，靠近消防通道）",
        account=f"C-2026{n:07d} {LONG_NAME if n % 3 == 0 else '住户' + str(n)}",
        last_value="12345678.5",
        last_date=date(2026, 10, 28),
        expected="12345700 ～ 12349999",
    )
    for n in range(40)
)
ROUTE_SHEET = RouteSheet(
    title="抄表卡 西校区/研究生公寓（紫荆园）18号楼 2026-11",
    rule="预计范围：近 3 个月平均用量的 50%–200%，加上次读数。",
    lines=ROUTE_LINES,
    generated_at=at(25, 8, 30),
)

# --- report tables ---------------------------------------------------------------------
# The meters report's 17 columns (server.services.reports.meters) with 60 meters: twenty-
# digit hardware numbers, long models and places, every install date and last-read time.
METER_ROWS = tuple(
    Row(
        (
            f"W0000001234{n:02d}",
            f"8600{n:016d}",
            "水表",
            "LXSG-20E 旋翼式冷水水表（远传光电直读，带阀控）",
            8,
            D("1"),
            "在用",
            "西校区",
            "研究生公寓（紫荆园）18号楼",
            f"C-2026{n:07d}",
            LONG_NAME if n % 3 == 0 else f"住户{n}",
            "地下一层设备间东侧表箱",
            "W000000100001",
            date(2019, 6, 1),
            D("12345678.5"),
            at(28, 9, 5, month=10),
            f"替换 W0000009{n:04d}（2019-06-01）",
        )
    )
    for n in range(60)
)
METERS_REPORT = TableReport(
    name=meters.NAME,
    title=meters.TITLE,
    filters="全部校区",
    columns=meters.COLUMNS,
    rows=(
        *METER_ROWS,
        Row(("合计", "", "", "60 块（在用 60）", *([None] * 13)), TOTAL),
    ),
    generated_at=at(25, 9, 0),
)

# The arrears report with long campus and building names in its subtotal labels, as the
# service builds them (server.services.reports.arrears._row).
CAMPUS = "西校区（研究生公寓与教职工住宅区）"
BUILDING = "研究生公寓（紫荆园）18号楼"
ARREARS_ROWS = tuple(
    Row((CAMPUS, BUILDING, f"C-2026{n:07d}", LONG_NAME, 10, "2026-01", D("0.00"), D("0.00"),
         D("0.00"), D("0.00"), BIG, BIG, D("1234567.89")))
    for n in range(30)
)  # fmt: skip
# 30 × 12,345,678.90 = 370,370,367.00; 30 × 1,234,567.89 = 37,037,036.70.
_SUM = D("370370367.00")
_FEES = D("37037036.70")
ZERO = D("0.00")


def _sums(campus: str, building: str, label: str, style: str) -> Row:
    """A subtotal or totals row of the 30 accounts, labelled as the service labels it."""
    return Row((campus, building, label, "", 300, "2026-01", ZERO, ZERO, ZERO, ZERO, _SUM, _SUM,
                _FEES), style)  # fmt: skip


ARREARS_REPORT = TableReport(
    name=arrears.NAME,
    title=arrears.TITLE,
    filters="截至 2026-11-25，全部校区",
    columns=arrears.COLUMNS,
    rows=(
        *ARREARS_ROWS,
        _sums(CAMPUS, BUILDING, "楼宇小计（30 户）", SUBTOTAL),
        _sums(CAMPUS, "", f"{CAMPUS} 小计（30 户）", SUBTOTAL),
        _sums("合计", "", "30 户", TOTAL),
    ),
    generated_at=at(25, 9, 0),
)
