"""The counter page's search: an account number, a scanned meter barcode (the scanner types
it and Enter), a name or a room; live as the clerk types, at once on Enter, which also
opens the one account it means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.widgets import ALERT, ReadOnlyTable
from server.services.accounts.accounts import AccountSearch, find_accounts

if TYPE_CHECKING:
    from desktop.counter_page import CounterPage

# Live search after typing stops; Enter (or a scanner's Enter) searches at once.
SEARCH_DELAY_MS = 250
# The result list stops here; the status line says how many matched in all.
SEARCH_LIMIT = 50


class SearchPanel(QWidget):
    """The search box, the accounts found and how many."""

    def __init__(self, page: CounterPage) -> None:
        super().__init__(page)
        self.page = page
        # Only the newest search's answer is shown: a slow one must not overwrite it.
        self._search_serial = 0
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search(open_single=False))
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("counterSearch")
        self.search_edit.setPlaceholderText(
            self.tr("Account no., scanned meter barcode, name or room (F3)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textEdited.connect(lambda _: self._search_timer.start())
        self.search_edit.returnPressed.connect(lambda: self.search(open_single=True))
        self.results_table = ReadOnlyTable(
            [self.tr("Account"), self.tr("Holder"), self.tr("Address"), self.tr("Class"),
             self.tr("Balance")]
        )  # fmt: skip
        self.results_table.activated.connect(lambda index: self.open_hit(index.row()))
        # The address takes what the other columns leave and is cut short with "…", so
        # the list never scrolls sideways in its narrow column.
        header = self.results_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.search_status = QLabel()
        self.search_status.setObjectName("hint")

        column = QVBoxLayout(self)
        column.addWidget(self.search_edit)
        column.addWidget(self.results_table, 1)
        column.addWidget(self.search_status)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def search(self, *, open_single: bool) -> None:
        self._search_timer.stop()
        query = self.search_edit.text().strip()
        if not query:
            return
        if open_single:
            # Enter means another customer: until the answer opens one, nobody's account
            # is on screen to take money for.
            self.page.show_account(None)
        self._search_serial += 1
        serial = self._search_serial
        self.page.runner.run(
            lambda s: find_accounts(s, query, SEARCH_LIMIT),
            on_success=lambda found: self._show_hits(serial, query, found, open_single),
            owner=self,
        )

    def _show_hits(self, serial: int, query: str, found: AccountSearch, open_single: bool) -> None:
        if serial != self._search_serial:
            return
        hits = found.hits
        self.results_table.fill(
            [[h.account_no, h.holder_name, h.address, h.customer_class, h.balance] for h in hits],
            keys=[h.account_no for h in hits],
        )
        if not hits:
            self._set_search_status(
                self.tr("Nothing found for “{query}”").format(query=query), alert=True
            )
            self.page.show_account(None)
            return
        if found.capped:
            # Counting every account that holds a common word would cost more than the search.
            status = self.tr("Showing the first {shown} of more than {total} accounts").format(
                shown=len(hits), total=found.total
            )
        elif found.total > len(hits):
            status = self.tr("Showing the first {shown} of {total} accounts").format(
                shown=len(hits), total=found.total
            )
        else:
            status = self.tr("{count} found").format(count=len(hits))
        self._set_search_status(status)
        # A scanned meter or a typed account number means that account: open it at once.
        exact = [h for h in hits if h.meter_no or h.account_no == query]
        single = (exact or hits)[0].account_no if len(hits) == 1 or len(exact) == 1 else None
        if single is not None and open_single:
            self.page.open_account(single)
            return
        # The clerk is looking for someone else: the account shown before is not theirs.
        if self.page.panel is not None and self.page.panel.account_no != single:
            self.page.show_account(None)
        if single is None and open_single:
            self.results_table.setFocus()
            self.results_table.selectRow(0)

    def _set_search_status(self, text: str, *, alert: bool = False) -> None:
        self.search_status.setText(text)
        self.search_status.setStyleSheet(
            f"color: {ALERT.name()}; font-weight: 600;" if alert else ""
        )

    def open_hit(self, row: int) -> None:
        if 0 <= row < self.results_table.row_count():
            self.page.open_account(str(self.results_table.key_at(row)))
