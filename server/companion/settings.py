"""The companion service's settings, read once from server.config and checked at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.config import Settings
from server.services.residents.sms import SmsSettings

TEMPLATE_KINDS = ("bill", "payment", "outage", "answer", "reminder", "low_balance", "task")


class SettingsError(Exception):
    """A setting the service cannot start with; the message names it."""


@dataclass(frozen=True)
class CompanionSettings:
    secret_key: str
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""
    api_url: str = "https://api.weixin.qq.com"
    oauth_url: str = "https://open.weixin.qq.com"
    templates: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    dev_login: bool = False
    sms: SmsSettings = field(default_factory=SmsSettings)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> CompanionSettings:
        def get(section: str, key: str) -> str:
            return settings.get(section, key).strip()

        def number(key: str) -> int:
            text = get("companion", key)
            if not text.isdigit() or int(text) < 1:
                raise SettingsError(f"companion.{key} 应为正整数，收到「{text}」")
            return int(text)

        built = cls(
            secret_key=get("companion", "secret_key"),
            token=get("wechat", "token"),
            app_id=get("wechat", "app_id"),
            app_secret=get("wechat", "app_secret"),
            aes_key=get("wechat", "aes_key"),
            api_url=get("wechat", "api_url").rstrip("/"),
            oauth_url=get("wechat", "oauth_url").rstrip("/"),
            templates={kind: get("wechat", f"template_{kind}") for kind in TEMPLATE_KINDS},
            base_url=get("companion", "base_url").rstrip("/"),
            dev_login=settings.flag("companion", "dev_login"),
            sms=SmsSettings.from_settings(settings),
            host=get("companion", "host") or "127.0.0.1",
            port=number("port"),
            workers=number("workers"),
        )
        built.check()
        return built

    def check(self) -> None:
        # Signed cookies are only as good as the key: refuse to start with a guessable one.
        if len(self.secret_key) < 16:
            raise SettingsError("companion.secret_key 未设置或过短（至少 16 个字符）")
        if self.aes_key and len(self.aes_key) != 43:
            raise SettingsError("wechat.aes_key 应为 43 个字符（公众号后台的 EncodingAESKey）")

    @property
    def cookie_secure(self) -> bool:
        """Send the session cookie over HTTPS only when the service is served over HTTPS."""
        return self.base_url.startswith("https://")
