"""The desktop speaks Simplified Chinese: every UI string in desktop/ has a finished zh_CN
translation, and the shipped .qm is the compiled form of the shipped .ts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from resources.paths import translations_dir

ROOT = Path(__file__).resolve().parents[2]
TS = translations_dir() / "meterdesk_zh_CN.ts"
QM = translations_dir() / "meterdesk_zh_CN.qm"
TOOLS = Path(sys.executable).parent


def _messages(ts: Path) -> dict[str, str | None]:
    """source → translation, None when unfinished."""
    found: dict[str, str | None] = {}
    for message in ET.parse(ts).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        unfinished = translation.get("type") in ("unfinished", "vanished", "obsolete")
        found[source] = None if unfinished else (translation.text or "")
    return found


def test_every_desktop_string_has_a_chinese_translation(tmp_path: Path):
    scratch = tmp_path / "check.ts"
    shutil.copy(TS, scratch)
    sources = sorted(str(p) for p in (ROOT / "desktop").glob("*.py"))
    subprocess.run(
        [str(TOOLS / "pyside6-lupdate"), "-no-obsolete", *sources, "-ts", str(scratch)],
        check=True,
        capture_output=True,
    )
    untranslated = [s for s, t in _messages(scratch).items() if not t]
    assert untranslated == [], "translate these in meterdesk_zh_CN.ts (see desktop/i18n.py)"
    assert _messages(TS)["Take payment (F9)"] == "收款 (F9)"


def test_the_shipped_qm_is_compiled_from_the_shipped_ts(tmp_path: Path):
    compiled = tmp_path / "check.qm"
    subprocess.run(
        [str(TOOLS / "pyside6-lrelease"), str(TS), "-qm", str(compiled)],
        check=True,
        capture_output=True,
    )
    assert compiled.read_bytes() == QM.read_bytes(), "run pyside6-lrelease (desktop/i18n.py)"
