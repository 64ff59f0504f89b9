"""The billing page's question before a run: 出账 the period now, and whether to estimate the
unread meters (估抄未抄表计, ticked as the setting billing.estimate says)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QWidget

from server.config import DEFAULTS, ConfigError, load_settings
from server.services.billing.estimates import estimate_by_default, estimate_limit
from server.services.core.errors import DomainError

log = logging.getLogger(__name__)


def desk_estimate_settings() -> tuple[bool, int]:
    """(`billing.estimate`, `billing.estimate_limit`); a bad setting runs at the defaults
    rather than stopping the run, and the log says why."""
    try:
        settings = load_settings()
        return estimate_by_default(settings), estimate_limit(settings)
    except (ConfigError, DomainError) as error:
        log.warning("billing estimates at their defaults: %s", error)
        return False, int(DEFAULTS["billing"]["estimate_limit"])


class RunQuestion(QMessageBox):
    """Yes calls `run(estimate)` with the box's 估抄未抄表计 tick; opened window-modal with
    `open()`, so the page (and a test) goes on while it asks."""

    def __init__(self, period: str, run: Callable[[bool], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("billingRunAsk")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(self.tr("Billing run"))
        self.setText(self.tr("Bill the period {period} now?").format(period=period))
        self.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        self.estimate_check = QCheckBox(self.tr("Estimate unread meters"))
        self.estimate_check.setToolTip(
            self.tr(
                "A meter not read in the period, with at least 3 months of readings, is "
                "billed on its mean monthly usage (估); its next reading trues it up."
            )
        )
        self.estimate_check.setChecked(desk_estimate_settings()[0])
        self.setCheckBox(self.estimate_check)
        self._run = run
        self.buttonClicked.connect(self._answered)

    def _answered(self, button: QAbstractButton) -> None:
        if self.standardButton(button) == QMessageBox.StandardButton.Yes:
            self._run(self.estimate_check.isChecked())
