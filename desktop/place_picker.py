"""The campus → building picker every page filters or chooses places with: a campus box and
a box of that campus's buildings, filled from the service's places (BuildingChoice, bills'
Place — anything with campus, building and building_id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from server.services.metering.meter_picker import KIND_LABELS
from server.services.metering.vocabulary import ELECTRICITY, WATER


class PlaceLike(Protocol):
    @property
    def campus(self) -> str: ...

    @property
    def building(self) -> str: ...

    @property
    def building_id(self) -> int: ...


class PlacePicker(QObject):
    """Two boxes, `campus_combo` and `building_combo`, that the page lays out beside its
    captions (a row, a form). `all_campuses` / `all_buildings`: the caption of a first
    "every one" item (None: no such item; "" makes a blank item, for a choice that may be
    left empty). Under every
    campus the buildings of all campuses are listed as '校区/楼名'. `editable`: a building
    may be typed (a new one is created with the account); the typed text survives a change
    of campus. `changed` is emitted when the person changes either box and by `select`,
    not while `set_places` fills them."""

    changed = Signal()

    def __init__(
        self,
        parent: QWidget,
        *,
        all_campuses: str | None = None,
        all_buildings: str | None = None,
        editable: bool = False,
    ) -> None:
        super().__init__(parent)
        self.all_campuses = all_campuses
        self.all_buildings = all_buildings
        self.editable = editable
        self.campus_combo = QComboBox(parent)
        self.building_combo = QComboBox(parent)
        self.building_combo.setMinimumContentsLength(10)
        self.building_combo.setEditable(editable)
        self._places: tuple[PlaceLike, ...] = ()
        self._ids: dict[str, int] = {}
        self.campus_combo.currentIndexChanged.connect(lambda _: self._campus_changed())
        self.building_combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        if editable:
            self.building_combo.editTextChanged.connect(lambda _: self.changed.emit())

    def set_places(self, places: Iterable[PlaceLike], campuses: Iterable[str] = ()) -> None:
        """Fill both boxes; `campuses` adds campuses that have no building yet. A place
        with an empty building name stands for its campus alone."""
        self._places = tuple(p for p in places if p.building)
        self._ids = {f"{p.campus}/{p.building}": p.building_id for p in self._places}
        names = dict.fromkeys([*campuses, *(p.campus for p in places)])
        self.campus_combo.blockSignals(True)
        self.campus_combo.clear()
        if self.all_campuses is not None:
            self.campus_combo.addItem(self.all_campuses, "")
        for campus in names:
            self.campus_combo.addItem(campus, campus)
        self.campus_combo.blockSignals(False)
        self._fill_buildings()

    def _fill_buildings(self) -> None:
        campus = self.campus_combo.currentData() or ""
        typed = self.building_combo.currentText()
        self.building_combo.blockSignals(True)
        self.building_combo.clear()
        if self.all_buildings is not None:
            self.building_combo.addItem(self.all_buildings, None)
        for place in self._places:
            if not campus or place.campus == campus:
                key = f"{place.campus}/{place.building}"
                self.building_combo.addItem(place.building if campus else key, key)
        if self.editable:
            self.building_combo.setCurrentText(typed)
        self.building_combo.blockSignals(False)

    def _campus_changed(self) -> None:
        self._fill_buildings()
        self.changed.emit()

    def campus(self) -> str:
        """The campus chosen, or the chosen building's under every campus; '' for all."""
        key = self.building_key()
        return str(self.campus_combo.currentData() or "") or (key.split("/")[0] if key else "")

    def building(self) -> str:
        """The building's name (as typed, when editable); '' when none or every one."""
        if self.editable:
            return self.building_combo.currentText().strip()
        key = self.building_key()
        return key.split("/", 1)[1] if key else ""

    def building_key(self) -> str | None:
        """'校区/楼名', as meter_picker names a building; None when none or every one."""
        return self.building_combo.currentData()

    def building_id(self) -> int | None:
        key = self.building_key()
        return None if key is None else self._ids[key]

    def select(self, campus: str, building: str = "") -> None:
        """Choose the campus, then the building (none: every one, or the first), and emit
        `changed` once — also when the choice stays, so a page shows it again. An editable
        picker takes a campus it lacks and any building name."""
        if self.editable and campus and self.campus_combo.findData(campus) < 0:
            self.campus_combo.addItem(campus, campus)
        self.campus_combo.blockSignals(True)
        self.campus_combo.setCurrentIndex(max(self.campus_combo.findData(campus), 0))
        self.campus_combo.blockSignals(False)
        self._fill_buildings()
        self.building_combo.blockSignals(True)
        if self.editable:
            self.building_combo.setCurrentText(building)
        else:
            found = self.building_combo.findData(f"{campus}/{building}") if building else -1
            self.building_combo.setCurrentIndex(max(found, 0))
        self.building_combo.blockSignals(False)
        self.changed.emit()


def kind_combo(all_kinds: str) -> QComboBox:
    """The meter-kind box that goes with a picker choosing a building's meters: `all_kinds`
    (data None) first, then electricity and water."""
    combo = QComboBox()
    combo.addItem(all_kinds, None)
    for kind in (ELECTRICITY, WATER):
        combo.addItem(KIND_LABELS[kind], kind)
    return combo
