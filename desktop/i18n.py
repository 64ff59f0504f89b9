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


def install_translations(app: QCoreApplication, locale: str = DEFAULT_LOCALE) -> list[QTranslator]:
    """Install our catalogue and Qt's own (standard buttons, context menus) for `locale`;
    `en` installs none and shows the source strings. Replaces any earlier installation."""
    remove_translations(app)
    if locale == SOURCE_LOCALE:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return []
    QLocale.setDefault(QLocale(locale))
    sources = [
        (f"qtbase_{locale}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        (f"{CATALOGUE}_{locale}", str(translations_dir())),
    ]
    for name, folder in sources:
        translator = QTranslator(app)
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
