"""`meterdesk doctor` on the companion's server warns about a configuration that leaves an
attack open (issue 19): the development sign-in against the central database, and an nginx
site whose callback locations do not cap the body size (the shipped sample does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import load_settings
from server.ops import doctor

SAMPLE = Path(__file__).parents[2] / "installer" / "nginx-meterdesk.conf.sample"
ONLY_WECHAT = ("database", "fonts", "printers", "serial", "sms")


@pytest.fixture
def central_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "MD_DATABASE_URL", "MD_COMPANION_DEV_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "meterdesk.toml").write_text(
        '[database]\nurl = "postgresql://meterdesk_app@db.example.edu.cn/meterdesk"\n'
        '[wechat]\ntoken = "t"\napp_id = "wx123"\napp_secret = "s"\n',
        encoding="utf-8",
    )
    return tmp_path


def _lines(home: Path, sites: list[tuple[str, str]]) -> list[str]:
    checks = doctor.run_checks(load_settings(home), "", skip=ONLY_WECHAT, proxy=lambda: sites)
    return [check.line() for check in checks]


def test_the_shipped_nginx_sample_caps_the_callbacks(central_home: Path) -> None:
    site = "/etc/nginx/sites-enabled/meterdesk"
    assert _lines(central_home, [(site, SAMPLE.read_text(encoding="utf-8"))]) == [
        "✓ 微信设置齐全（app_id wx123）",
        f"✓ nginx 配置 {site}：回调与 /wechat 已限制请求体大小",
    ]


def test_uncapped_callbacks_and_the_dev_login_are_marked(
    central_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MD_COMPANION_DEV_LOGIN", "true")
    uncapped = SAMPLE.read_text(encoding="utf-8").replace("client_max_body_size 64k;", "")
    site = "/etc/nginx/conf.d/meterdesk.conf"
    lines = _lines(central_home, [(site, uncapped)])
    assert lines[1:] == [
        "✗ 开发登录已开启（companion.dev_login），连接的是中心数据库：任何人可冒充任一居民"
        " — 删除 companion.dev_login（或环境变量 MD_COMPANION_DEV_LOGIN）",
        f"✗ nginx 配置 {site} 中 /wechat、/pay/wechat/notify、/pay/unionpay/notify 未限制请求体大小"
        " — 在这些 location 中加入 client_max_body_size 64k;"
        "（见 installer/nginx-meterdesk.conf.sample）",
    ]
    assert doctor.failed(
        doctor.run_checks(load_settings(central_home), "", skip=ONLY_WECHAT, proxy=list)
    )
