"""The old system's workbook (旧系统导入): its sheets are read (`sheets`), checked and
planned against the database (`plan`, judging readings with `metering.ingest`), and
written (`write`); `workbook` is the entry point. What the ingest engine objects to
becomes a `sheet!row` problem here.

May import every package above it; nothing imports `legacy` but the CLI and the desktop.
"""
