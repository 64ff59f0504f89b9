"""首页 for managers: the day's and the month's figures, each opening the list behind it,
and 12-month trends drawn with QtCharts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import (
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.module_page import ModulePage
from desktop.widgets import ReadOnlyTable, money_text
from reports.tables import cell_text
from server.db.models.metering import KINDS
from server.services.dashboard import Dashboard, dashboard
from server.services.usage import KIND_UNITS

KIND_NAMES = {"electricity": "电", "water": "水"}


class Tile(QPushButton):
    """A figure with its caption; clicking it opens the list behind it."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.caption = caption
        self.setMinimumHeight(86)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def show_figure(self, figure: str, detail: str = "", alert: bool = False) -> None:
        self.setText(f"{self.caption}\n{figure}" + (f"\n{detail}" if detail else ""))
        self.setProperty("alert", alert)
        self.style().unpolish(self)
        self.style().polish(self)


class DashboardPage(ModulePage):
    """`open_requested(module, report)` when a tile is clicked (report "" unless the tile
    stands for one of the reports)."""

    open_requested = Signal(str, str)

    def build(self) -> None:
        self.setObjectName("dashboardPage")
        self.board: Dashboard | None = None
        self.tiles: dict[str, Tile] = {}
        grid = QGridLayout()
        specs = (
            ("today", self.tr("Collected today"), "reports", "cash"),
            ("month", self.tr("This month billed / collected"), "reports", "collection"),
            ("arrears", self.tr("Arrears"), "reports", "arrears"),
            ("readings", self.tr("Readings to review"), "readings", ""),
            ("bindings", self.tr("Bindings to review"), "service", ""),
            ("requests", self.tr("Open requests"), "service", ""),
        )
        for index, (key, caption, module, report) in enumerate(specs):
            tile = Tile(caption)
            tile.clicked.connect(
                lambda _=None, module=module, report=report: self.open_requested.emit(
                    module, report
                )
            )
            self.tiles[key] = tile
            grid.addWidget(tile, index // 3, index % 3)

        self.losses_table = ReadOnlyTable([])
        self.losses_table.setSortingEnabled(False)
        self.losses_title = QPushButton(self.tr("Largest losses (master vs sub-meters)"))
        self.losses_title.setFlat(True)
        self.losses_title.clicked.connect(lambda: self.open_requested.emit("reports", "loss"))
        self.money_chart = QChartView()
        self.usage_chart = QChartView()
        for view in (self.money_chart, self.usage_chart):
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(240)
        charts = QHBoxLayout()
        charts.addWidget(self.money_chart, 1)
        charts.addWidget(self.usage_chart, 1)
        self.updated = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(charts, 1)
        layout.addWidget(self.losses_title, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.losses_table)
        layout.addWidget(self.updated)
        self.refresh()

    def refresh(self) -> None:
        actor = self.identity.actor
        self.runner.run(lambda s: dashboard(s, actor), on_success=self._show, owner=self)

    def _show(self, board: Dashboard) -> None:
        self.board = board
        channels = "，".join(f"{f.label} {money_text(f.amount)}" for f in board.today_by_channel)
        self.tiles["today"].show_figure(money_text(board.today_total), channels)
        rate = board.recovery_rate
        self.tiles["month"].show_figure(
            f"{money_text(board.month_billed)} / {money_text(board.month_collected)}",
            self.tr("{period}, recovered {rate}").format(
                period=board.period, rate="—" if rate is None else f"{rate:.1%}"
            ),
        )
        self.tiles["arrears"].show_figure(
            money_text(board.arrears),
            self.tr("{count} accounts").format(count=board.arrears_accounts),
            alert=board.arrears > 0,
        )
        self.tiles["readings"].show_figure(str(board.readings_held), "", board.readings_held > 0)
        for key, count, overdue in (
            ("bindings", board.bindings_pending, board.bindings_overdue),
            ("requests", board.requests_open, board.requests_overdue),
        ):
            self.tiles[key].show_figure(
                str(count), self.tr("{count} past the deadline").format(count=overdue), overdue > 0
            )
        columns = board.loss_columns
        self.losses_table.rows_model.set_columns(
            [c.title for c in columns], right={i for i, c in enumerate(columns) if c.numeric}
        )
        self.losses_table.fill(
            [
                [cell_text(c, v) for c, v in zip(columns, r.values, strict=True)]
                for r in board.losses
            ]
        )
        self._charts(board)
        self.updated.setText(
            self.tr("As of {time}").format(time=board.moment.strftime("%Y-%m-%d %H:%M"))
        )
        self.loaded.emit()

    def _charts(self, board: Dashboard) -> None:
        periods = [f"{int(p.period[5:])}月" for p in board.trend]
        billed, collected = QBarSet(self.tr("Billed")), QBarSet(self.tr("Collected"))
        for point in board.trend:
            billed.append(float(point.billed))
            collected.append(float(point.collected))
        bars = QBarSeries()
        bars.append(billed)
        bars.append(collected)
        money = QChart()
        money.setTitle(self.tr("Billed and collected, 12 months (yuan)"))
        money.addSeries(bars)
        self._axes(money, periods, [bars], max(
            (max(p.billed, p.collected) for p in board.trend), default=Decimal(0)))  # fmt: skip
        self.money_chart.setChart(money)

        usage = QChart()
        usage.setTitle(self.tr("Usage, 12 months"))
        lines = []
        for index, kind in enumerate(KINDS):
            line = QLineSeries()
            line.setName(f"{KIND_NAMES.get(kind, kind)}（{KIND_UNITS.get(kind, '')}）")
            for x, point in enumerate(board.trend):
                line.append(x, float(point.usage[index]))
            usage.addSeries(line)
            lines.append(line)
        top = max((max(p.usage) for p in board.trend if p.usage), default=Decimal(0))
        self._axes(usage, periods, lines, top)
        self.usage_chart.setChart(usage)

    @staticmethod
    def _axes(
        chart: QChart, categories: list[str], series: Sequence[QAbstractSeries], top: Decimal
    ) -> None:
        x_axis = QBarCategoryAxis()
        x_axis.append(categories)
        y_axis = QValueAxis()
        y_axis.setRange(0, float(top) * 1.1 or 1.0)
        y_axis.setLabelFormat("%.0f")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for one in series:
            one.attachAxis(x_axis)
            one.attachAxis(y_axis)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
