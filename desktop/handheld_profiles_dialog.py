"""The handheld import profiles (掌上机导入方案) editor: which column holds what, per vendor.

Checked as typed with the service's own validate_profile (it needs no database), so the
red hint says exactly what the save would refuse. Built-in profiles are shown read-only:
"copy to edit" makes an editable one from them, as the service requires.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.tasks import TaskError, TaskRunner
from devices.handheld import FILE_FORMATS
from server.services.core.errors import DomainError
from server.services.metering.handheld_file_profiles import (
    FILE_FORMAT_LABELS,
    ProfileInfo,
    ProfileSpec,
    copy_profile,
    create_profile,
    list_profiles,
    update_profile,
    validate_profile,
)
from server.services.staff.sign_in import StaffIdentity

# The column fields, in form order.
_COLUMNS = (
    "hardware_column",
    "reading_column",
    "time_column",
    "status_column",
    "meter_no_column",
    "location_column",
    "previous_column",
)
_STATUS = ("status_ok", "status_unread", "status_failed")


def _values(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.replace("，", ",").split(",") if v.strip())


class ProfilesDialog(QDialog):
    """`saved(ProfileInfo)` after a profile is created, copied or changed."""

    saved = Signal(object)

    def __init__(
        self,
        identity: StaffIdentity,
        runner: TaskRunner,
        profiles: tuple[ProfileInfo, ...] = (),
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("profilesDialog")
        self.setWindowTitle(self.tr("Handheld import profiles"))
        self.identity = identity
        self.runner = runner
        self.profiles: tuple[ProfileInfo, ...] = ()
        self.current: ProfileInfo | None = None  # None: a new profile being written
        self.problem = ""

        self.profile_list = QListWidget()
        self.profile_list.setMinimumWidth(220)
        self.profile_list.currentItemChanged.connect(lambda *_: self._open_selected())
        self.new_button = QPushButton(self.tr("New"))
        self.new_button.clicked.connect(lambda: self.new_profile())
        self.copy_button = QPushButton(self.tr("Copy to edit…"))
        self.copy_button.clicked.connect(lambda: self.ask_copy())

        self.name_edit = QLineEdit()
        self.format_combo = QComboBox()
        for code in FILE_FORMATS:
            self.format_combo.addItem(FILE_FORMAT_LABELS.get(code, code), code)
        self.encoding_edit = QLineEdit()
        self.delimiter_edit = QLineEdit()
        self.delimiter_edit.setToolTip(self.tr("For CSV/TXT; \\t is a tab"))
        self.header_spin = QSpinBox()
        self.header_spin.setRange(0, 99)
        self.column_edits: dict[str, QLineEdit] = {name: QLineEdit() for name in _COLUMNS}
        self.time_format_edit = QLineEdit()
        self.time_format_edit.setPlaceholderText(
            self.tr("Empty: the usual formats, e.g. %Y-%m-%d %H:%M:%S")
        )
        self.status_edits: dict[str, QLineEdit] = {name: QLineEdit() for name in _STATUS}
        for edit in self.status_edits.values():
            edit.setPlaceholderText(self.tr("Values separated by commas"))
        self.note_edit = QLineEdit()
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(lambda: self.save())
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("File format:"), self.format_combo)
        form.addRow(self.tr("Encoding:"), self.encoding_edit)
        form.addRow(self.tr("Delimiter:"), self.delimiter_edit)
        form.addRow(self.tr("Header row:"), self.header_spin)
        captions = {
            "hardware_column": self.tr("Hardware no. column:"),
            "reading_column": self.tr("Reading column:"),
            "time_column": self.tr("Read-at column:"),
            "status_column": self.tr("Status column:"),
            "meter_no_column": self.tr("Meter no. column:"),
            "location_column": self.tr("Location column:"),
            "previous_column": self.tr("Previous reading column:"),
        }
        for name in _COLUMNS:
            form.addRow(captions[name], self.column_edits[name])
        form.addRow(self.tr("Time format:"), self.time_format_edit)
        form.addRow(self.tr("Status read:"), self.status_edits["status_ok"])
        form.addRow(self.tr("Status unread:"), self.status_edits["status_unread"])
        form.addRow(self.tr("Status failed:"), self.status_edits["status_failed"])
        form.addRow(self.tr("Note:"), self.note_edit)

        left = QVBoxLayout()
        left.addWidget(self.profile_list, 1)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.new_button)
        list_buttons.addWidget(self.copy_button)
        left.addLayout(list_buttons)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.hint)
        right.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        for edit in self._edits():
            edit.textChanged.connect(lambda _: self.check())
        self.format_combo.currentIndexChanged.connect(lambda _: self.check())
        self.header_spin.valueChanged.connect(lambda _: self.check())
        self.resize(760, 560)
        if profiles:
            self.show_profiles(profiles)
        else:
            self.reload()

    def _edits(self) -> list[QLineEdit]:
        return [
            self.name_edit,
            self.encoding_edit,
            self.delimiter_edit,
            *self.column_edits.values(),
            self.time_format_edit,
            *self.status_edits.values(),
            self.note_edit,
        ]

    # ---- the list -------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        self.runner.run(
            lambda s: tuple(list_profiles(s)),
            on_success=lambda profiles: self.show_profiles(profiles, select),
            owner=self,
        )

    def show_profiles(self, profiles: tuple[ProfileInfo, ...], select: int | None = None) -> None:
        self.profiles = profiles
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        row = 0
        for index, profile in enumerate(profiles):
            text = profile.name + (self.tr(" (built in)") if profile.builtin else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            self.profile_list.addItem(item)
            if profile.id == select:
                row = index
        self.profile_list.blockSignals(False)
        if profiles:
            self.profile_list.setCurrentRow(row)
            self._open_selected()
        else:
            self.new_profile()

    def select(self, name: str) -> None:
        for index, profile in enumerate(self.profiles):
            if profile.name == name:
                self.profile_list.setCurrentRow(index)
                return

    def _open_selected(self) -> None:
        row = self.profile_list.currentRow()
        if 0 <= row < len(self.profiles):
            self.show_profile(self.profiles[row])

    def show_profile(self, profile: ProfileInfo | None) -> None:
        self.current = profile
        spec = profile.spec if profile is not None else ProfileSpec("", "csv", "", "", "")
        self.name_edit.setText(spec.name)
        self.format_combo.setCurrentIndex(max(self.format_combo.findData(spec.file_format), 0))
        self.encoding_edit.setText(spec.encoding)
        self.delimiter_edit.setText(spec.delimiter.replace("\t", "\\t"))
        self.header_spin.setValue(spec.header_row)
        for name, edit in self.column_edits.items():
            edit.setText(getattr(spec, name) or "")
        self.time_format_edit.setText(spec.time_format)
        for name, edit in self.status_edits.items():
            edit.setText(", ".join(getattr(spec, name)))
        self.note_edit.setText(spec.note)
        builtin = profile is not None and profile.builtin
        for edit in self._edits():
            edit.setReadOnly(builtin)
        self.format_combo.setEnabled(not builtin)
        self.header_spin.setEnabled(not builtin)
        self.copy_button.setEnabled(profile is not None)
        self.check()

    def new_profile(self) -> None:
        self.profile_list.blockSignals(True)
        self.profile_list.clearSelection()
        self.profile_list.setCurrentRow(-1)
        self.profile_list.blockSignals(False)
        self.show_profile(None)
        self.name_edit.setFocus()

    # ---- checking and saving --------------------------------------------------------------

    def spec(self) -> ProfileSpec:
        return ProfileSpec(
            name=self.name_edit.text(),
            file_format=str(self.format_combo.currentData()),
            encoding=self.encoding_edit.text().strip(),
            delimiter=self.delimiter_edit.text().replace("\\t", "\t"),
            header_row=self.header_spin.value(),
            time_format=self.time_format_edit.text().strip(),
            note=self.note_edit.text(),
            **{name: edit.text() for name, edit in self.column_edits.items()},  # type: ignore[arg-type]
            **{name: _values(edit.text()) for name, edit in self.status_edits.items()},  # type: ignore[arg-type]
        )

    def check(self) -> bool:
        """Validate the form as it stands; the hint names what is wrong."""
        if self.current is not None and self.current.builtin:
            self.problem = ""
            self._hint(self.tr("Built-in profiles are read-only: use “Copy to edit”."), error=False)
            self.save_button.setEnabled(False)
            return False
        try:
            validate_profile(self.spec())
        except DomainError as exc:
            self.problem = str(exc)
            self._hint(self.problem, error=True)
            self.save_button.setEnabled(False)
            return False
        self.problem = ""
        self._hint("", error=False)
        self.save_button.setEnabled(True)
        return True

    def _hint(self, text: str, *, error: bool) -> None:
        self.hint.setText(text)
        self.hint.setStyleSheet("color: #c62828;" if error else "")

    def save(self) -> None:
        if not self.check():
            return
        spec, actor, current = self.spec(), self.identity.actor, self.current
        if current is None:
            self._submit(lambda s: create_profile(s, actor, spec))
        else:
            self._submit(lambda s: update_profile(s, actor, current.id, spec))

    def ask_copy(self) -> None:
        if self.current is None:
            return
        name, ok = QInputDialog.getText(
            self,
            self.tr("Copy profile"),
            self.tr("Name of the copy:"),
            text=self.tr("{name} (copy)").format(name=self.current.name),
        )
        if ok and name.strip():
            self.copy_current(name.strip())

    def copy_current(self, name: str) -> None:
        if self.current is None:
            return
        source, actor = self.current.id, self.identity.actor
        self._submit(lambda s: copy_profile(s, actor, source, name))

    def _submit(self, fn) -> None:  # type: ignore[no-untyped-def]
        self.save_button.setEnabled(False)
        self.runner.run(fn, on_success=self._saved, on_failure=self._refused, owner=self)

    def _refused(self, error: TaskError) -> None:
        self._hint(error.message, error=True)
        self.save_button.setEnabled(True)
        if not error.domain:
            QMessageBox.warning(self, self.windowTitle(), error.message)

    def _saved(self, info: ProfileInfo) -> None:
        self.saved.emit(info)
        self.reload(select=info.id)
