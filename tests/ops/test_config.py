"""Settings: defaults < config file < MD_<SECTION>_<KEY>; secrets masked when shown."""

import pytest
from click.testing import CliRunner

from server.cli import cli
from server.config import ConfigError, load_settings


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MD_HOME", str(tmp_path))
    for name in ("DATABASE_URL", "MD_WECHAT_TOKEN", "MD_DATABASE_URL", "MD_BRANCH_CODE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_file_then_environment(home, monkeypatch):
    (home / "meterdesk.toml").write_text(
        '[wechat]\ntoken = "from-file"\napp_id = "wx123"\n[branch]\ncode = "D"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MD_WECHAT_TOKEN", "from-env")
    settings = load_settings()
    assert settings.get("wechat", "token") == "from-env"
    assert settings.items["wechat.token"].source == "env MD_WECHAT_TOKEN"
    assert settings.get("wechat", "app_id") == "wx123"
    assert settings.get("branch", "code") == "D"
    assert settings.get("log", "level") == "INFO"
    assert settings.items["log.level"].source == "default"


def test_database_url_alias(home, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db.example/md")
    assert load_settings().database_url == "postgresql://u:pw@db.example/md"
    monkeypatch.setenv("MD_DATABASE_URL", "postgresql://other/md")
    assert load_settings().database_url == "postgresql://other/md"


def test_unknown_sections_in_the_file_are_kept(home):
    (home / "meterdesk.toml").write_text('[printer]\nlabel = "TSC"\n', encoding="utf-8")
    assert load_settings().get("printer", "label") == "TSC"


def test_malformed_file_names_the_file(home):
    (home / "meterdesk.toml").write_text("[wechat\ntoken=1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"meterdesk\.toml"):
        load_settings()


def test_config_show_masks_secrets(home, monkeypatch):
    monkeypatch.setenv("MD_WECHAT_TOKEN", "s3cret-token")
    monkeypatch.setenv("MD_WECHAT_APP_SECRET", "abcdef")
    monkeypatch.setenv("DATABASE_URL", "postgresql://md:hunter2@db.campus/md")
    out = CliRunner().invoke(cli, ["config", "show"]).output
    assert "s3cret-token" not in out and "abcdef" not in out and "hunter2" not in out
    assert "token = '****'  # env MD_WECHAT_TOKEN" in out
    assert "url = 'postgresql://md:****@db.campus/md'  # env DATABASE_URL" in out
    assert f"# MD_HOME = {home}" in out
