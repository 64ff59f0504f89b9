"""系统管理: staff, departments and posts, permissions, the audit log viewer, and the
scheduled jobs' state (定时任务: what ran, how it ended, what runs next)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from desktop.module_page import ModulePage
from desktop.widgets import OVERDUE_TINT, ReadOnlyTable, ok_cancel, tab_page
from server.jobs.schedule import JobState, job_states
from server.services.core import permissions
from server.services.core.audit_trail import ACTION_LABELS, AuditPage, audit_events
from server.services.core.calendar import local_minute, now
from server.services.staff.staff_admin import (
    StaffRow,
    Unit,
    add_department,
    add_post,
    add_staff,
    branches,
    departments,
    list_staff,
    posts,
    reset_password,
    set_active,
)

ALL_DEPARTMENTS = ""


@dataclass(frozen=True)
class Organisation:
    staff: tuple[StaffRow, ...]
    departments: tuple[Unit, ...]
    posts: tuple[Unit, ...]
    branches: tuple[Unit, ...]
    grants: tuple[permissions.Grant, ...]


def _organisation(session: Session) -> Organisation:
    return Organisation(
        list_staff(session),
        departments(session),
        posts(session),
        branches(session),
        permissions.grants(session),
    )


class StaffDialog(QDialog):
    """A new login: who, where, and a first password the person changes later."""

    def __init__(self, organisation: Organisation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New staff member"))
        self.login_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.department_combo = QComboBox()
        for unit in organisation.departments:
            self.department_combo.addItem(unit.name, unit.code)
        self.post_combo = QComboBox()
        for unit in organisation.posts:
            self.post_combo.addItem(unit.name, unit.code)
        self.branch_combo = QComboBox()
        self.branch_combo.addItem(self.tr("(none)"), "")
        for unit in organisation.branches:
            self.branch_combo.addItem(unit.name, unit.code)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Login name:"), self.login_edit)
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("Department:"), self.department_combo)
        form.addRow(self.tr("Post:"), self.post_combo)
        form.addRow(self.tr("Branch:"), self.branch_combo)
        form.addRow(self.tr("First password:"), self.password_edit)
        buttons = ok_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


class AdminPage(ModulePage):
    """`loaded` fires when the organisation is shown, `audit_loaded` with each log query;
    `refused(str)` with a service's refusal (also shown in the page's message line)."""

    audit_loaded = Signal()
    jobs_loaded = Signal()

    def build(self) -> None:
        self.setObjectName("adminPage")
        self.organisation: Organisation | None = None
        self.audit: AuditPage | None = None
        self.tabs_over_message(
            [
                (self._staff_tab(), self.tr("Staff")),
                (self._units_tab(), self.tr("Departments and posts")),
                (self._permissions_tab(), self.tr("Permissions")),
                (self._audit_tab(), self.tr("Audit log")),
                (self._jobs_tab(), self.tr("Scheduled jobs")),
            ]
        )
        self.refresh()
        self.query_audit()
        self.refresh_jobs()

    # ---- tabs -----------------------------------------------------------------------------

    def _staff_tab(self) -> QWidget:
        self.staff_table = ReadOnlyTable(
            [self.tr("Login name"), self.tr("Name"), self.tr("Department"), self.tr("Post"),
             self.tr("Branch"), self.tr("Mobile"), self.tr("Status")]
        )  # fmt: skip
        add = QPushButton(self.tr("New…"))
        add.clicked.connect(lambda: self.ask_add_staff())
        toggle = QPushButton(self.tr("Disable / enable"))
        toggle.clicked.connect(lambda: self.toggle_selected())
        reset = QPushButton(self.tr("Reset password…"))
        reset.clicked.connect(lambda: self.ask_reset_password())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (add, toggle, reset):
            buttons.addWidget(button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.staff_table)
        layout.addLayout(buttons)
        return tab

    def _units_tab(self) -> QWidget:
        self.departments_table = ReadOnlyTable([self.tr("Code"), self.tr("Department")])
        self.posts_table = ReadOnlyTable([self.tr("Code"), self.tr("Post")])
        add_department_button = QPushButton(self.tr("New department…"))
        add_department_button.clicked.connect(lambda: self.ask_add_unit("department"))
        add_post_button = QPushButton(self.tr("New post…"))
        add_post_button.clicked.connect(lambda: self.ask_add_unit("post"))
        tab = QWidget()
        grid = QGridLayout(tab)
        grid.addWidget(self.departments_table, 0, 0)
        grid.addWidget(self.posts_table, 0, 1)
        grid.addWidget(add_department_button, 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(add_post_button, 1, 1, Qt.AlignmentFlag.AlignRight)
        return tab

    def _permissions_tab(self) -> QWidget:
        self.scope_combo = QComboBox()
        self.scope_combo.currentIndexChanged.connect(lambda _: self._show_grants())
        self.grants_grid = QGridLayout()
        self.grant_boxes: dict[tuple[str, str], QCheckBox] = {}
        hint = QLabel(
            self.tr(
                "A module ticked for a post is granted to that post in the chosen department "
                "(or in every department). The administrator post holds every module."
            )
        )
        hint.setWordWrap(True)
        scope = QHBoxLayout()
        scope.addWidget(QLabel(self.tr("Department:")))
        scope.addWidget(self.scope_combo, 1)
        return tab_page(scope, self.grants_grid, hint)

    def _audit_tab(self) -> QWidget:
        self.who_edit = QLineEdit()
        self.who_edit.setPlaceholderText(self.tr("Login or name"))
        self.action_combo = QComboBox()
        self.action_combo.addItem(self.tr("(all actions)"), "")
        for action, label in sorted(ACTION_LABELS.items(), key=lambda item: item[0]):
            self.action_combo.addItem(f"{label}（{action}）", action)
        today = now().date()
        self.since_edit = QDateEdit(QDate(today.year, today.month, 1))
        self.until_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        query = QPushButton(self.tr("Search"))
        query.clicked.connect(lambda: self.query_audit())
        self.who_edit.returnPressed.connect(lambda: self.query_audit())
        filters = QHBoxLayout()
        for widget in (self.who_edit, self.action_combo, self.since_edit, QLabel("—"),
                       self.until_edit, query):  # fmt: skip
            filters.addWidget(widget)
        self.audit_table = ReadOnlyTable(
            [self.tr("Time"), self.tr("Who"), self.tr("Action"), self.tr("Object"),
             self.tr("Details")]
        )  # fmt: skip
        self.audit_count = QLabel()
        return tab_page(filters, self.audit_table, self.audit_count, stretch=self.audit_table)

    def _jobs_tab(self) -> QWidget:
        self.jobs_table = ReadOnlyTable(
            [self.tr("Job"), self.tr("Last run"), self.tr("Outcome"), self.tr("Message"),
             self.tr("Server"), self.tr("Next run")]
        )  # fmt: skip
        self.jobs_refresh_button = QPushButton(self.tr("Refresh"))
        self.jobs_refresh_button.clicked.connect(lambda: self.refresh_jobs())
        hint = QLabel(
            self.tr(
                "Jobs run on the server (meterdesk serve or meterdesk worker). A failed run or "
                "a job past its next run is tinted; see meterdesk jobs on the server."
            )
        )
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.jobs_refresh_button)
        buttons.addStretch(1)
        return tab_page(buttons, self.jobs_table, hint, stretch=self.jobs_table)

    # ---- loading --------------------------------------------------------------------------

    def refresh_jobs(self) -> None:
        moment = now()
        self.runner.run(lambda s: job_states(s, moment), on_success=self._show_jobs, owner=self)

    def _show_jobs(self, states: tuple[JobState, ...]) -> None:
        outcomes = {
            "ok": self.tr("Succeeded"),
            "failed": self.tr("Failed"),
            "running": self.tr("Running"),
        }

        self.jobs_table.fill(
            [
                [
                    s.title,
                    local_minute(s.last_started) if s.outcome else self.tr("Not run yet"),
                    outcomes[s.outcome] if s.outcome else "",
                    s.message,
                    s.host,
                    local_minute(s.next_due) + (self.tr(" (late)") if s.late else ""),
                ]
                for s in states
            ],
            keys=[s.name for s in states],
            tints=[OVERDUE_TINT if s.late or s.outcome == "failed" else None for s in states],
        )
        self.jobs_loaded.emit()

    def refresh(self) -> None:
        self.runner.run(_organisation, on_success=self._show, owner=self)

    def _show(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.staff_table.fill(
            [
                [s.login, s.name, s.department, s.post, s.branch, s.mobile,
                 self.tr("Disabled") if not s.active else
                 self.tr("Locked") if s.locked else self.tr("Active")]
                for s in organisation.staff
            ],
            keys=[s.login for s in organisation.staff],
            struck=[not s.active for s in organisation.staff],
        )  # fmt: skip
        self.departments_table.fill([[u.code, u.name] for u in organisation.departments])
        self.posts_table.fill([[u.code, u.name] for u in organisation.posts])
        chosen = self.scope_combo.currentData()
        self.scope_combo.blockSignals(True)
        self.scope_combo.clear()
        self.scope_combo.addItem(self.tr("(every department)"), ALL_DEPARTMENTS)
        for unit in organisation.departments:
            self.scope_combo.addItem(unit.name, unit.code)
        index = self.scope_combo.findData(chosen) if chosen is not None else 0
        self.scope_combo.setCurrentIndex(max(index, 0))
        self.scope_combo.blockSignals(False)
        self._show_grants()
        self.loaded.emit()

    def _show_grants(self) -> None:
        """Posts down, modules across; a tick is a grant in the chosen scope."""
        organisation = self.organisation
        if organisation is None:
            return
        while self.grants_grid.count():
            item = self.grants_grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.grant_boxes.clear()
        scope = str(self.scope_combo.currentData() or ALL_DEPARTMENTS)
        scope_name = next((u.name for u in organisation.departments if u.code == scope), "")
        granted = {
            (g.post_code, g.module) for g in organisation.grants if g.department == scope_name
        }
        for column, label in enumerate(permissions.MODULES.values(), start=1):
            self.grants_grid.addWidget(QLabel(label), 0, column, Qt.AlignmentFlag.AlignHCenter)
        for row, post in enumerate(organisation.posts, start=1):
            self.grants_grid.addWidget(QLabel(post.name), row, 0)
            for column, module in enumerate(permissions.MODULES, start=1):
                box = QCheckBox()
                everything = post.code == permissions.ALL_MODULES_POST
                box.setChecked(everything or (post.code, module) in granted)
                box.setEnabled(not everything)
                box.toggled.connect(
                    lambda on, post=post.code, module=module: self.set_grant(post, module, on)
                )
                self.grants_grid.addWidget(box, row, column, Qt.AlignmentFlag.AlignHCenter)
                self.grant_boxes[(post.code, module)] = box

    def query_audit(self) -> None:
        who = self.who_edit.text()
        action = str(self.action_combo.currentData() or "")
        since: date = self.since_edit.date().toPython()  # type: ignore[assignment]
        until: date = self.until_edit.date().toPython()  # type: ignore[assignment]
        self.runner.run(
            lambda s: audit_events(s, who=who, action=action, since=since, until=until),
            on_success=self._show_audit,
            owner=self,
        )

    def _show_audit(self, page: AuditPage) -> None:
        self.audit = page
        self.audit_table.fill(
            [
                [r.at, r.actor, r.action_label, f"{r.entity} {r.entity_id}".strip(), r.details]
                for r in page.rows
            ]
        )
        self.audit_count.setText(
            self.tr("{total} events, the newest {shown} shown").format(
                total=page.total, shown=len(page.rows)
            )
        )
        self.audit_loaded.emit()

    # ---- changes --------------------------------------------------------------------------

    def _do(self, work: Callable[[Session], object]) -> None:
        self.run_change(work, self.message, self.refresh)

    def set_grant(self, post_code: str, module: str, on: bool) -> None:
        actor = self.identity.actor
        department = str(self.scope_combo.currentData() or "") or None
        change = permissions.grant if on else permissions.revoke
        self._do(lambda s: change(s, actor, module, post_code, department) and None)

    def ask_add_staff(self) -> None:
        if self.organisation is None:
            return
        dialog = StaffDialog(self.organisation, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_staff(
                dialog.login_edit.text(), dialog.name_edit.text(),
                str(dialog.department_combo.currentData()), str(dialog.post_combo.currentData()),
                str(dialog.branch_combo.currentData() or ""), dialog.password_edit.text(),
            )  # fmt: skip

    def add_staff(
        self, login: str, name: str, department: str, post: str, branch: str, password: str
    ) -> None:
        actor = self.identity.actor
        self._do(
            lambda s: add_staff(
                s,
                actor,
                login=login,
                name=name,
                password=password,
                department_code=department,
                post_code=post,
                branch_code=branch,
            )
        )

    def selected_login(self) -> str | None:
        key = self.staff_table.selected_key()
        return None if key is None else str(key)

    def toggle_selected(self) -> None:
        login = self.selected_login()
        if login is None or self.organisation is None:
            return
        row = next(s for s in self.organisation.staff if s.login == login)
        actor = self.identity.actor
        self._do(lambda s: set_active(s, actor, login, not row.active))

    def ask_reset_password(self) -> None:
        login = self.selected_login()
        if login is None:
            return
        password, ok = QInputDialog.getText(
            self,
            self.tr("Reset password"),
            self.tr("New password for {login}:").format(login=login),
            QLineEdit.EchoMode.Password,
        )
        if ok and password:
            self.reset_password(login, password)

    def reset_password(self, login: str, password: str) -> None:
        actor = self.identity.actor
        self._do(lambda s: reset_password(s, actor, login, password))

    def ask_add_unit(self, kind: str) -> None:
        caption = self.tr("New department") if kind == "department" else self.tr("New post")
        text, ok = QInputDialog.getText(self, caption, self.tr("Code and name, e.g. north 北区科:"))
        if not ok or not text.strip():
            return
        code, _, name = text.strip().partition(" ")
        self.add_unit(kind, code, name)

    def add_unit(self, kind: str, code: str, name: str) -> None:
        actor = self.identity.actor
        add = add_department if kind == "department" else add_post
        self._do(lambda s: add(s, actor, code, name))
