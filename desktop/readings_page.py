"""The readings page (抄表): enter a building's figures, review held readings, list the
meters nobody read — one tab each (readings_entry, readings_review, readings_unread); the
page loads the buildings they share, refreshes them together and tells each what another
changed (a held figure joins the review queue, a reviewed one leaves the unread list)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout

from desktop.module_page import ModulePage
from desktop.readings_entry import EntryTab
from desktop.readings_review import ReviewTab
from desktop.readings_unread import UnreadTab
from server.services.metering.readings import ReadingResult
from server.services.metering.review_desk import BuildingChoice, building_choices
from server.services.metering.vocabulary import HELD


class ReadingsPage(ModulePage):
    """`loaded` fires once the first data is shown; `sheet_loaded`, `saved`, `reviewed`,
    `queue_loaded`, `unread_loaded`, `photo_shown` and `exported` when theirs is."""

    sheet_loaded = Signal()
    saved = Signal(object)
    queue_loaded = Signal()
    reviewed = Signal(int)
    photo_shown = Signal(int)
    unread_loaded = Signal(object)
    exported = Signal(str)

    def build(self) -> None:
        self.setObjectName("readingsPage")
        self._waiting_first = {"sheet", "queue", "unread"}

        self.entry_tab = EntryTab(self, self.refresh_all)
        self.review_tab = ReviewTab(self, self.refresh_all)
        self.unread_tab = UnreadTab(self, self.refresh_all)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.entry_tab, self.tr("Entry"))
        self.tabs.addTab(self.review_tab, self.tr("Review"))
        self.tabs.addTab(self.unread_tab, self.tr("Unread meters"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.add_shortcut("Ctrl+S", self.entry_tab.save)

        self.entry_tab.sheet_loaded.connect(self.sheet_loaded)
        self.entry_tab.sheet_loaded.connect(lambda: self._first_shown("sheet"))
        self.entry_tab.saved.connect(self._saved)
        self.review_tab.queue_loaded.connect(self._queue_shown)
        self.review_tab.photo_shown.connect(self.photo_shown)
        self.review_tab.reviewed.connect(lambda _: self.unread_tab.refresh_unread())
        self.review_tab.reviewed.connect(self.reviewed)
        self.unread_tab.unread_loaded.connect(self.unread_loaded)
        self.unread_tab.unread_loaded.connect(lambda _: self._first_shown("unread"))
        self.unread_tab.exported.connect(self.exported)

        self.load_buildings()
        self.review_tab.refresh_queue()
        self.unread_tab.refresh_unread()

    def refresh_all(self) -> None:
        # Figures typed and not yet saved are worth more than a fresher sheet.
        if not self.entry_tab.entry_model.pending():
            self.entry_tab.load_sheet()
        self.review_tab.refresh_queue()
        self.unread_tab.refresh_unread()

    def _first_shown(self, what: str) -> None:
        if what in self._waiting_first:
            self._waiting_first.discard(what)
            if not self._waiting_first:
                self.loaded.emit()

    def load_buildings(self) -> None:
        self.runner.run(lambda s: building_choices(s), on_success=self._show_buildings, owner=self)

    def _show_buildings(self, choices: tuple[BuildingChoice, ...]) -> None:
        self.unread_tab.set_campuses(list(dict.fromkeys(c.campus for c in choices)))
        self.entry_tab.show_buildings(choices)
        if not choices:
            self._first_shown("sheet")

    def _saved(self, saved: tuple[tuple[int, ReadingResult], ...]) -> None:
        self.saved.emit(saved)
        if any(result.status == HELD for _, result in saved):
            self.review_tab.refresh_queue()

    def _queue_shown(self) -> None:
        count = len(self.review_tab.queue)
        self.tabs.setTabText(1, self.tr("Review ({count})").format(count=count))
        self.queue_loaded.emit()
        self._first_shown("queue")
