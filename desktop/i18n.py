"""UI language. Source strings are English (`self.tr`, `QCoreApplication.translate`); the
shipped catalogue is zh_CN, loaded by default.

Refreshing the catalogue after changing UI strings (keeps existing translations):

    .venv/bin/pyside6-lupdate desktop/*.py -ts resources/translations/meterdesk_zh_CN.ts
    # translate the new "unfinished" entries (pyside6-linguist, or by hand), then:
    .venv/bin/pyside6-lrelease resources/translations/meterdesk_zh_CN.ts \\
        -qm resources/translations/meterdesk_zh_CN.qm
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from resources.paths import translations_dir

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "zh_CN"
SOURCE_LOCALE = "en"
CATALOGUE = "meterdesk"

# QCoreApplication keeps only a pointer to each installed translator: the Python objects
# must stay referenced or the translations silently disappear.
_installed: list[QTranslator] = []
# "Files of &type:" → "Files of type:" and the key "t"; a trailing colon, ASCII or Chinese.
_COLON = (":", "：")


class QtCatalogue(QTranslator):
    """Qt's own catalogue (qtbase), also for labels Qt has since given a mnemonic: Qt 6's
    file dialog says "&Look in:" and "Files of &type:", while qtbase_zh_CN has only "Look
    in:" and "Files of type:", so those labels stayed English. The plain entry is used,
    with the mnemonic written the Chinese way: "查找范围(&L)：".
    """

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": Qt takes an empty string for a translation and shows nothing, while
        # None (a null QString) lets the next catalogue, or the source text, answer.
        text = super().translate(context, source, disambiguation, n)
        if text or source.count("&") != 1 or source.endswith("&"):
            return text or None
        at = source.index("&")
        key = source[at + 1]
        plain = super().translate(context, source[:at] + source[at + 1 :], disambiguation, n)
        if not plain or not key.isalnum():
            return plain or None
        body, colon = (plain[:-1], plain[-1]) if plain.endswith(_COLON) else (plain, "")
        return f"{body}(&{key.upper()}){colon}"


def install_translations(app: QCoreApplication, locale: str = DEFAULT_LOCALE) -> list[QTranslator]:
    """Install our catalogue and Qt's own (standard buttons, context menus) for `locale`;
    `en` installs none and shows the source strings. Replaces any earlier installation."""
    remove_translations(app)
    if locale == SOURCE_LOCALE:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return []
    QLocale.setDefault(QLocale(locale))
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    sources: list[tuple[type[QTranslator], str, str]] = [
        (QtCatalogue, f"qtbase_{locale}", qt_folder),
        (QTranslator, f"{CATALOGUE}_{locale}", str(translations_dir())),
    ]
    for kind, name, folder in sources:
        translator = kind(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            # Not fatal: the UI falls back to English source strings.
            log.warning("translation %s not found in %s", name, folder)
    return list(_installed)


def remove_translations(app: QCoreApplication) -> None:
    while _installed:
        app.removeTranslator(_installed.pop())
