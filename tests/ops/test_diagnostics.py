"""The support zip: logs (rotated ones too), settings with secrets masked, versions."""

from __future__ import annotations

import zipfile

from server import __version__
from server.config import load_settings
from server.ops.diagnostics import write_diagnostics_zip


def test_zip_holds_logs_masked_settings_and_versions(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "logs").mkdir(parents=True)
    (home / "logs" / "meterdesk-desktop.log").write_text("今天 wang@D 登录\n", encoding="utf-8")
    (home / "logs" / "meterdesk-desktop.log.1").write_text("昨天\n", encoding="utf-8")
    (home / "meterdesk.toml").write_text(
        '[database]\nurl = "postgresql://meterdesk_app:Pa55word@db.campus:5432/meterdesk"\n'
        '[wechat]\napp_id = "wx42"\napp_secret = "top-secret"\n',
        encoding="utf-8",
    )
    for name in ("DATABASE_URL", "MD_DATABASE_URL", "MD_WECHAT_APP_SECRET", "MD_WECHAT_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MD_WECHAT_TOKEN", "tok-from-env")

    path = write_diagnostics_zip(tmp_path / "out" / "diag.zip", load_settings(home))

    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "logs/meterdesk-desktop.log",
            "logs/meterdesk-desktop.log.1",
            "settings.txt",
            "versions.txt",
        ]
        assert archive.read("logs/meterdesk-desktop.log").decode() == "今天 wang@D 登录\n"
        settings = archive.read("settings.txt").decode()
        versions = archive.read("versions.txt").decode()
    config = home / "meterdesk.toml"
    assert (
        f"database.url = 'postgresql://meterdesk_app:****@db.campus:5432/meterdesk'  # {config}"
    ) in settings.splitlines()
    assert f"wechat.app_secret = '****'  # {config}" in settings.splitlines()
    assert "wechat.token = '****'  # env MD_WECHAT_TOKEN" in settings.splitlines()
    assert f"wechat.app_id = 'wx42'  # {config}" in settings.splitlines()
    for secret in ("Pa55word", "top-secret", "tok-from-env"):
        assert secret not in settings
    assert versions.splitlines()[0] == f"meterdesk {__version__}"
    assert any(line.startswith("SQLAlchemy 2.") for line in versions.splitlines())


def test_no_logs_folder_yet(tmp_path):
    path = write_diagnostics_zip(tmp_path / "diag.zip", load_settings(tmp_path / "new"))
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["settings.txt", "versions.txt"]
