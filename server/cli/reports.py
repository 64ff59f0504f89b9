"""Reports as workbooks or PDFs: `report`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reports.tables import render_table_pdf, write_table_xlsx
from server.cli.core import Context, cli, cli_actor, pass_context, run
from server.services.core.errors import InvalidInput
from server.services.reports import ReportRequest, build_report


@cli.command("report")
@click.argument("name", metavar="NAME")
@click.option("--period", help="账期 YYYY-MM")
@click.option("--from", "start", help="开始：日期 YYYY-MM-DD（按账期的报表也可写 YYYY-MM）")
@click.option("--to", "end", help="结束：日期 YYYY-MM-DD 或账期 YYYY-MM；默认同 --from")
@click.option("--campus", help="校区名称或代码")
@click.option("--as-of", "as_of", help="截至日期 YYYY-MM-DD（arrears、collection；默认今天）")
@click.option("--threshold", help="损耗率阈值，如 0.05 或 5%（loss；默认水 8%、电 5%）")
@click.option("--by", help="用能查询汇总方式：account / building / campus / kind")
@click.option("--kind", help="用能查询类型：electricity / water（电 / 水）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def report_cmd(
    ctx: Context,
    name: str,
    period: str | None,
    start: str | None,
    end: str | None,
    campus: str | None,
    as_of: str | None,
    threshold: str | None,
    by: str | None,
    kind: str | None,
    output: Path,
) -> None:
    """Write a report as .xlsx or .pdf (by the file's suffix).

    NAME: usage 用能查询, arrears 欠费清单, collection 应收实收, cash 收费日报/月报,
    unread 未抄表计, anomalies 异常用量, loss 总分表平衡, meters 表计台账.
    """
    suffix = output.suffix.lower()
    request = ReportRequest(name, period, start, end, campus, as_of, threshold, by, kind)
    # Written next to the target and renamed at the end: a refusal or a failure half way
    # through a 100,000-row export leaves no half-written file behind.
    partial = output.with_name(f".{output.name}.part")

    def action() -> Any:
        if suffix not in (".pdf", ".xlsx"):
            raise InvalidInput(f"输出文件须为 .pdf 或 .xlsx，收到 {output.name}")
        with ctx.session() as session:
            report = build_report(session, cli_actor(), request, stream=suffix == ".xlsx")
            if suffix == ".xlsx":
                rows = write_table_xlsx(report, str(partial))
            else:
                partial.write_bytes(render_table_pdf(report))
                rows = len(report.rows) if isinstance(report.rows, tuple) else 0
        partial.replace(output)
        return report.title, rows

    try:
        title, rows = run(action)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"已写入 {output}：{title}，{rows} 行")
