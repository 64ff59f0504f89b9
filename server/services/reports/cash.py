"""收费日报/月报 (cash): money taken per branch, clerk and channel over a date range, with
voids and the tills' over/short (长短款).

Payments are counted on the business day they were taken (online payments too: they have
no clerk and no till); a payment whose receipt was voided by the end of the range is
counted as taken and again as voided; refunds (退款) paid out in the range are counted on
the clerk who paid them, by their channel (cash out of the till, or a transfer), so
实收 = 收款 − 作废 − 退款. 长短款 is the sum of the clerks' closed tills of the range (counted −
expected; negative is short), on the clerk's subtotal row and summed for the branch and the
whole; a till still open is counted on that row as 未日结.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from reports.tables import COUNT, MONEY, SUBTOTAL, TEXT, TOTAL, Column, Row, TableReport
from server.db.models.payments import CHANNEL_LABELS
from server.services.core.audit import Actor
from server.services.core.calendar import business_datetime
from server.services.core.calendar import now as business_now
from server.services.reports.common import (
    campus_id,
    check_access,
    day_range,
    fetch,
    filters_text,
    source_notes,
)

NAME = "cash"
TITLE = "收费日报"
MONTHLY_TITLE = "收费月报"
ONLINE_CLERK = "（在线支付）"
COLUMNS = (
    Column("分中心", TEXT, 14),
    Column("收费员", TEXT, 14),
    Column("收款方式", TEXT, 12),
    Column("收款笔数", COUNT, 9),
    Column("收款金额", MONEY, 13),
    Column("作废笔数", COUNT, 9),
    Column("作废金额", MONEY, 12),
    Column("退款笔数", COUNT, 9),
    Column("退款金额", MONEY, 12),
    Column("实收金额", MONEY, 13),
    Column("长短款", MONEY, 11),
)

_SQL = """
with taken as (
    select p.branch_id, p.staff_id, p.channel, p.amount, v.id is not null as voided,
           false as refund
    from payment p
    join branch br on br.id = p.branch_id
    left join receipt r on r.payment_id = p.id
    left join receipt_void v on v.receipt_id = r.id and v.created_at < :cut
    where p.created_at >= :start and p.created_at < :cut
      and (cast(:campus as integer) is null or br.campus_id = :campus)
    union all
    -- refunds paid out (退款), on the clerk who paid them and their channel
    select f.branch_id, f.clerk_id, f.channel, f.amount, false, true
    from refund f
    join branch br on br.id = f.branch_id
    where f.created_at >= :start and f.created_at < :cut
      and (cast(:campus as integer) is null or br.campus_id = :campus)
), sums as (
    select grouping(branch_id) as g_branch, grouping(staff_id) as g_staff,
           grouping(channel) as g_channel, branch_id, staff_id, channel,
           count(*) filter (where not refund) as taken,
           coalesce(sum(amount) filter (where not refund), 0) as amount,
           count(*) filter (where voided) as voids,
           coalesce(sum(amount) filter (where voided), 0) as voided,
           count(*) filter (where refund) as refunds,
           coalesce(sum(amount) filter (where refund), 0) as refunded
    from taken
    group by grouping sets ((branch_id, staff_id, channel), (branch_id, staff_id), (branch_id), ())
), tills as (
    select grouping(t.branch_id) as g_branch, grouping(t.staff_id) as g_staff,
           t.branch_id, t.staff_id, sum(t.over_short) as over_short,
           count(*) filter (where t.closed_at is null) as open_tills
    from till_session t join branch br on br.id = t.branch_id
    where t.business_date between :d0 and :d1
      and (cast(:campus as integer) is null or br.campus_id = :campus)
    group by grouping sets ((t.branch_id, t.staff_id), (t.branch_id), ())
)
select s.*, br.code as branch_code, br.name as branch, st.login, st.name as clerk,
       t.over_short, coalesce(t.open_tills, 0) as open_tills
from sums s
left join branch br on br.id = s.branch_id
left join staff st on st.id = s.staff_id
left join tills t on s.g_channel = 1 and t.g_branch = s.g_branch and t.g_staff = s.g_staff
     and t.branch_id is not distinct from s.branch_id and t.staff_id is not distinct from s.staff_id
order by s.g_branch, br.code, s.g_staff, st.login nulls last, s.g_channel, s.channel
"""


def _row(r: Any) -> Row:
    figures = (r.taken, r.amount, r.voids, r.voided, r.refunds, r.refunded,
               r.amount - r.voided - r.refunded)  # fmt: skip
    over_short = r.over_short
    if r.g_branch:
        return Row(("合计", "", "", *figures, over_short), TOTAL)
    if r.g_staff:
        return Row((r.branch, "", "分中心小计", *figures, over_short), SUBTOTAL)
    clerk = f"{r.login} {r.clerk}" if r.login else ONLINE_CLERK
    if r.g_channel:
        label = f"小计（{r.open_tills} 班未日结）" if r.open_tills else "小计"
        return Row((r.branch, clerk, label, *figures, over_short), SUBTOTAL)
    channel = CHANNEL_LABELS.get(r.channel, r.channel)
    return Row((r.branch, clerk, channel, *figures, None))


def cash_report(
    session: Session,
    actor: Actor,
    start: date,
    end: date | None = None,
    *,
    campus: str | None = None,
) -> TableReport:
    """收费日报 (one day) or 月报 (a range) from `start` to `end` inclusive (business dates;
    default: `start` alone). Rows per branch, clerk and channel, a subtotal per clerk (with
    长短款) and per branch, the totals row last."""
    check_access(session, actor)
    start, end = day_range(start, end or start)
    params = {
        "start": business_datetime(start),
        "cut": business_datetime(end + timedelta(days=1)),
        "d0": start,
        "d1": end,
        "campus": campus_id(session, campus),
    }
    days = "日期 " + (start.isoformat() if start == end else f"{start} 至 {end}")
    return TableReport(
        name=NAME,
        title=TITLE if start == end else MONTHLY_TITLE,
        filters=filters_text(days, campus and f"校区 {campus.strip()}"),
        columns=COLUMNS,
        rows=fetch(session, _SQL, params, _row, stream=False),
        generated_at=business_now(),
        notes=(
            *source_notes(session),
            "实收金额 = 收款金额 − 作废金额 − 退款金额；"
            "长短款 = 清点现金 − 应有现金（负数为短款），取自已日结的班次。",
        ),
    )
