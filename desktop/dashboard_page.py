"""首页 for managers: the day's and the month's figures, each opening the list behind it,
and 12-month trends drawn with QtCharts.

The figures follow the work: refreshed every minute while the page is shown, at once when
a task of this window wrote something (seen when the page is shown again if it was
hidden), on F5 and on 刷新; the time of the figures is shown under them."""

from __future__ import annotations

import math
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
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPainter, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from desktop.module_page import ModulePage
from desktop.widgets import ReadOnlyTable, money_text
from reports.clock import moment_text
from reports.tables import cell_text
from server.services.metering.usage_rules import KIND_UNITS
from server.services.metering.vocabulary import KINDS
from server.services.reports.dashboard import Dashboard, dashboard

KIND_NAMES = {"electricity": "电", "water": "水"}
REFRESH_MS = 60_000
# A burst of writes (a billing run's notices, a queue of payments) costs one refresh.
SETTLE_MS = 300
# Value-axis ticks wanted, about; the step is rounded to 1, 2 or 5 × 10^n.
TICKS = 5


def nice_scale(top: float) -> tuple[float, float]:
    """`(maximum, step)` of a value axis from 0 that holds `top`: a round step (1, 2 or
    5 × 10^n, never below 1) and a maximum that is a whole number of steps; (1, 1) with
    nothing to show."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / (TICKS - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)
    step = max(step, 1.0)
    return step * math.ceil(top / step), step


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
        # Something was written while the page was hidden: refresh when it is shown.
        self.stale = False
        # Since the figures were last asked for (the timer's own clock stops when hidden).
        self.age = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(lambda: self.refresh())
        self.soon = QTimer(self)
        self.soon.setSingleShot(True)
        self.soon.setInterval(SETTLE_MS)
        self.soon.timeout.connect(lambda: self.refresh())
        self.runner.data_written.connect(self._data_written)
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
        self.updated.setObjectName("hint")
        self.refresh_now = self.refresh_button(self.refresh)
        footer = QHBoxLayout()
        footer.addWidget(self.updated, 1)
        footer.addWidget(self.refresh_now)
        # A server's warning (no SMS gateway: residents cannot register), in the service's words.
        self.warning = QLabel()
        self.warning.setObjectName("dashboardWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(grid)
        layout.addLayout(charts, 1)
        layout.addWidget(self.losses_title, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.losses_table)
        layout.addLayout(footer)
        self.refresh()

    def set_refresh_interval(self, ms: int) -> None:
        self.timer.setInterval(ms)

    def refresh(self) -> None:
        self.stale = False
        self.age.start()
        actor = self.identity.actor
        self.runner.run(
            lambda s: dashboard(s, actor), on_success=self._show, owner=self, read_only=True
        )

    def _data_written(self) -> None:
        if self.isVisible():
            self.soon.start()
        else:
            self.stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()
        if self.stale or self.age.hasExpired(self.timer.interval()):
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def _show(self, board: Dashboard) -> None:
        self.board = board
        self.warning.setText("\n".join(board.warnings))
        self.warning.setVisible(bool(board.warnings))
        channels = "，".join(
            f"{f.label} {money_text(f.amount)}"
            for f in (*board.today_by_channel, *board.today_refunds)
        )
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
        self.updated.setText(self.tr("As of {time}").format(time=moment_text(board.moment)))
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
        top = max((max(p.billed, p.collected) for p in board.trend), default=Decimal(0))
        money.setTitle(self._title(self.tr("Billed and collected, 12 months (yuan)"), top))
        money.addSeries(bars)
        x_axis = self._x_axis(money, periods)
        self._y_axis(money, [bars], x_axis, top, "", Qt.AlignmentFlag.AlignLeft)
        self.money_chart.setChart(money)

        # One axis per unit: kWh and m³ are not comparable and differ by orders of size.
        usage = QChart()
        x_axis = self._x_axis(usage, periods)
        sides = (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight)
        total = Decimal(0)
        for index, kind in enumerate(KINDS):
            unit = KIND_UNITS.get(kind, "")
            line = QLineSeries()
            line.setName(f"{KIND_NAMES.get(kind, kind)}（{unit}）")
            for x, point in enumerate(board.trend):
                line.append(x, float(point.usage[index]))
            usage.addSeries(line)
            top = max((p.usage[index] for p in board.trend), default=Decimal(0))
            total += top
            self._y_axis(usage, [line], x_axis, top, unit, sides[index % 2])
        usage.setTitle(self._title(self.tr("Usage, 12 months"), total))
        self.usage_chart.setChart(usage)

    def _title(self, title: str, top: Decimal) -> str:
        return title if top > 0 else self.tr("{title} — no data yet").format(title=title)

    @staticmethod
    def _x_axis(chart: QChart, categories: list[str]) -> QBarCategoryAxis:
        axis = QBarCategoryAxis()
        axis.append(categories)
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        return axis

    @staticmethod
    def _y_axis(
        chart: QChart,
        series: Sequence[QAbstractSeries],
        x_axis: QBarCategoryAxis,
        top: Decimal,
        unit: str,
        side: Qt.AlignmentFlag,
    ) -> QValueAxis:
        maximum, step = nice_scale(float(top))
        axis = QValueAxis()
        axis.setRange(0, maximum)
        axis.setTickCount(round(maximum / step) + 1)
        axis.setLabelFormat("%.0f")
        if unit:
            axis.setTitleText(unit)
        chart.addAxis(axis, side)
        for one in series:
            one.attachAxis(x_axis)
            one.attachAxis(axis)
        return axis
