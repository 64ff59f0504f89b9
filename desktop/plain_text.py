"""People's text shown as typed, never as markup.

Qt shows a label's text (and so a message box's, an input dialog's prompt, a form row's
caption) as rich text when it merely looks like HTML (Qt.AutoText, the default): an account
number a resident typed as `<h1 style=color:red>请批准</h1>` reached the clerk as big red
text. Rather than trust each of the desktop's labels to be set up right, the application
makes every label left on AutoText plain when it is polished, before it is first shown; a
label meant to show markup asks for Qt.RichText itself and is left alone. Wizards' page
titles are made plain the same way.

Already plain without this: item views' cells (the default delegate draws text),
line edits, buttons, window, tab and group titles. Tooltips are rich when they look like
HTML too; every tooltip in desktop/ is a fixed tr() string, none carries people's text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWizard

AUTO, PLAIN = Qt.TextFormat.AutoText, Qt.TextFormat.PlainText


class PlainTextGuard(QObject):
    """An application-wide event filter: it looks only at Polish events."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish:
            if isinstance(watched, QLabel):
                if watched.textFormat() == AUTO:
                    watched.setTextFormat(PLAIN)
            elif isinstance(watched, QWizard):
                # The wizard sets its header labels' format from these on every page.
                if watched.titleFormat() == AUTO:
                    watched.setTitleFormat(PLAIN)
                if watched.subTitleFormat() == AUTO:
                    watched.setSubTitleFormat(PLAIN)
        return False


def install(app: QApplication) -> None:
    """Guard every label of `app` from now on (once; the guard lives as the app's child)."""
    if app.findChild(PlainTextGuard) is None:
        app.installEventFilter(PlainTextGuard(app))
