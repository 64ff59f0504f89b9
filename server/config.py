"""Settings: defaults < the TOML config file in MD_HOME < environment variables.

Every setting `section.key` can be overridden by the environment variable
`MD_<SECTION>_<KEY>`; `DATABASE_URL` is accepted as the conventional alias of
`database.url`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

CONFIG_FILE_NAME = "meterdesk.toml"

DEFAULTS: dict[str, dict[str, str]] = {
    # `replica_url`: a streaming replica (hot standby) for reports, the dashboard and the
    # residents' read-only pages (server.db.replica), used while it is at most
    # `replica_max_lag` seconds behind; "" reads everything from `url`.
    "database": {"url": "", "pool_size": "10", "replica_url": "", "replica_max_lag": "30"},
    "branch": {"code": ""},
    "log": {"level": "INFO"},
    "wechat": {
        "token": "",
        "app_id": "",
        "app_secret": "",
        "aes_key": "",
        # WeChat's servers; a test or a staging setup points these at a stand-in.
        "api_url": "https://api.weixin.qq.com",
        "oauth_url": "https://open.weixin.qq.com",
        # Template message ids (模板消息) as registered for the official account.
        "template_bill": "",
        "template_payment": "",
        "template_outage": "",
        "template_answer": "",
        "template_reminder": "",
        "template_low_balance": "",
        # To field staff who bound their WeChat: a task assigned to them.
        "template_task": "",
    },
    # The counter asks before taking an amount far above what is owed (an account number
    # scanned into the amount field): more than `confirm_multiple` times what is owed and
    # more than `confirm_margin` yuan above it; owing nothing, anything above the margin.
    "counter": {"confirm_multiple": "10", "confirm_margin": "2000"},
    # Corrections (更正、作废、调账、退款) above `approval_limit` yuan need a second manager;
    # `estimate` makes `billing run` estimate unread meters (估抄) by default, at most
    # `estimate_limit` months running before the meter is listed for a visit.
    "billing": {"approval_limit": "500", "estimate": "false", "estimate_limit": "2"},
    # The WeChat companion web service (`meterdesk serve`).
    "companion": {
        "host": "127.0.0.1",
        "port": "8080",
        "workers": "2",
        "secret_key": "",
        "base_url": "",
        "dev_login": "false",
    },
    # SMS to residents (server.services.residents.sms): provider console (the log, for
    # development), aliyun or tencent; the template ids (短信模板) and the signature name
    # (短信签名) as approved in the provider's console; `endpoint` points at a stand-in in
    # tests and staging ("" is the provider's own). Tencent's SecretId/SecretKey go in
    # access_key_id/access_key_secret, its SmsSdkAppId in sdk_app_id.
    "sms": {
        "provider": "console",
        "access_key_id": "",
        "access_key_secret": "",
        "sign_name": "水电保障中心",
        "template_code": "",
        "template_reminder": "",
        "template_low_balance": "",
        # A task assigned to field staff who did not bind their WeChat.
        "template_task": "",
        "endpoint": "",
        "region": "",
        "sdk_app_id": "",
        "timeout": "10",
    },
    # Meters read on the bench (台架读表, the handheld page): the port offered first, a
    # pyserial URL or COM port; `meterdesk demo` points it at its simulated meters.
    "devices": {"bench_port": ""},
    # Remote readings (远传, server.services.metering.remote_readings): the energy platform's JSON
    # endpoint, its token, where the list sits in the answer, and which field is which.
    "remote": {
        "url": "",
        "token": "",
        "records": "data",
        "field_hardware": "hardware_no",
        "field_value": "value",
        "field_time": "read_at",
        "since_param": "since",
        "timeout": "10",
        # Encoding of the platform's CSV export (`meterdesk remote import`).
        "file_encoding": "utf-8-sig",
    },
    # Online payment (server.services.online_pay): keys and certificates are files named
    # here, never in the code; the URLs point at a stand-in in tests and staging.
    "pay": {
        "order_expiry_minutes": "30",
        # Orders with no callback after this long are asked about (`pay-orders query`).
        "query_after_minutes": "5",
        # A resident's top-up (预存) on the pay page, in yuan: at least / at most.
        "topup_min": "10",
        "topup_max": "5000",
        "wechat_mch_id": "",
        "wechat_app_id": "",
        "wechat_api_v3_key": "",
        "wechat_private_key_path": "",
        "wechat_cert_serial": "",
        # The platform certificate or "WeChat Pay public key" (PEM) and its serial / key id.
        "wechat_platform_key_path": "",
        "wechat_platform_serial": "",
        "wechat_api_url": "https://api.mch.weixin.qq.com",
        "wechat_notify_url": "",
        "unionpay_mer_id": "",
        # The merchant signing certificate: a PKCS#12 file and its password, or a PEM key
        # with its PEM certificate (certId is the certificate's serial number).
        "unionpay_sign_cert_path": "",
        "unionpay_sign_cert_password": "",
        "unionpay_sign_key_path": "",
        "unionpay_root_cert_path": "",
        "unionpay_middle_cert_path": "",
        "unionpay_front_url": "https://gateway.95516.com/gateway/api/frontTransReq.do",
        "unionpay_query_url": "https://gateway.95516.com/gateway/api/queryTrans.do",
        "unionpay_front_return_url": "",
        "unionpay_back_notify_url": "",
        # 演示支付, the sandbox provider (no money moves): offered to residents only when
        # this is on and neither merchant above is configured. `meterdesk demo` turns it on
        # for the companion it starts; `serve` refuses it against a central database.
        "demo": "false",
    },
    # Prepaid control (费控, server.services.control): `ports` maps buildings to the port of
    # their RS-485 bus, "楼名=URL" separated by ";" or new lines, the URL a pyserial URL (a
    # serial-to-TCP gateway's socket://host:port) or a COM port, a building named as
    # "校区/楼名" where names repeat across campuses, "楼名:water" / "楼名:electricity" where
    # a building's water and electricity meters are on separate buses. DL/T 645's password
    # (level byte then three bytes, hex, e.g. 02123456) and operator code (hex) go with
    # every control command; `valid_minutes` is the command's validity end time from sending. A try
    # waits `timeout` seconds for the reply and is repeated `retries` times at once, then
    # the command is retried `max_attempts` times in all with growing pauses. Meters are
    # switched off only on working days followed by a working day, `cut_from`–`cut_until`.
    "control": {
        "ports": "",
        "password": "",
        "operator": "",
        "electricity_protocol": "dlt645-2007",
        "water_protocol": "cjt188",
        "valid_minutes": "10",
        "timeout": "3",
        "retries": "1",
        "max_attempts": "4",
        "cut_from": "09:00",
        "cut_until": "16:00",
    },
    # Jobs that run themselves (server.jobs; `meterdesk worker`, or inside `serve`): each
    # every 30s / 5m / 1h / 1d counted from midnight, one server at a time.
    "jobs": {
        "in_serve": "true",
        "outbox_enabled": "true",
        "outbox_every": "30s",
        "pay_query_enabled": "true",
        "pay_query_every": "2m",
        "remote_pull_enabled": "true",
        "remote_pull_every": "1h",
        "bill_notices_enabled": "true",
        "bill_notices_every": "10m",
        # Reminders go out only on working days 08:00-21:00; outside those a run sends none.
        "reminders_enabled": "true",
        "reminders_every": "30m",
        # 费控: queued switch commands sent (a payment's switch-on goes at once after its
        # commit; this is the backstop), and the policy run's warnings.
        "control_send_enabled": "true",
        "control_send_every": "10s",
        "control_policy_enabled": "true",
        "control_policy_every": "30m",
    },
}

_TRUE = {"1", "true", "yes", "on"}
_SECRET_WORDS = ("secret", "token", "password", "aes_key", "key")
_URL_PASSWORD = re.compile(r"(://[^:/@]+:)([^@]+)(@)")


class ConfigError(Exception):
    """The config file is unreadable or malformed."""


def md_home() -> Path:
    """The folder holding the config file, logs and the embedded database."""
    configured = os.environ.get("MD_HOME")
    home = Path(configured) if configured else platformdirs.user_data_path("MeterDesk", False)
    home.mkdir(parents=True, exist_ok=True)
    return home


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    value: str
    source: str

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def is_secret(self) -> bool:
        return any(word in self.key for word in _SECRET_WORDS)

    def display_value(self) -> str:
        if not self.value:
            return ""
        if self.is_secret:
            return "****"
        return _URL_PASSWORD.sub(r"\1****\3", self.value)


@dataclass(frozen=True)
class Settings:
    home: Path
    items: dict[str, Setting] = field(default_factory=dict)

    def get(self, section: str, key: str) -> str:
        return self.items[f"{section}.{key}"].value

    def flag(self, section: str, key: str) -> bool:
        """An on/off setting: on is 1, true, yes or on, in any case."""
        return self.get(section, key).strip().lower() in _TRUE

    @property
    def database_url(self) -> str:
        return self.get("database", "url")


def _read_file(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section] table")
    return data


def load_settings(home: Path | None = None) -> Settings:
    home = home or md_home()
    config_path = home / CONFIG_FILE_NAME
    from_file = _read_file(config_path)
    items: dict[str, Setting] = {}
    sections = {s: dict(keys) for s, keys in DEFAULTS.items()}
    for section, values in from_file.items():
        sections.setdefault(section, {})
        for key in values:
            sections[section].setdefault(key, "")
    for section, keys in sections.items():
        for key, default in keys.items():
            value, source = default, "default"
            if key in from_file.get(section, {}):
                value, source = str(from_file[section][key]), str(config_path)
            env_name = f"MD_{section.upper()}_{key.upper()}"
            if env_name in os.environ:
                value, source = os.environ[env_name], f"env {env_name}"
            elif (section, key) == ("database", "url") and os.environ.get("DATABASE_URL"):
                value, source = os.environ["DATABASE_URL"], "env DATABASE_URL"
            items[f"{section}.{key}"] = Setting(section, key, value, source)
    return Settings(home=home, items=items)


def config_exists(home: Path | None = None) -> bool:
    """Whether this PC has been set up (a config file, or the database from the environment)."""
    home = home or md_home()
    return (home / CONFIG_FILE_NAME).exists() or bool(
        os.environ.get("DATABASE_URL") or os.environ.get("MD_DATABASE_URL")
    )


def save_settings(changes: dict[str, dict[str, str]], home: Path | None = None) -> Path:
    """Write `changes` into the config file, keeping everything else in it (comments too:
    an IT person may have annotated it by hand)."""
    import tomlkit

    home = home or md_home()
    path = home / CONFIG_FILE_NAME
    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    )
    for section, values in changes.items():
        table = document.get(section)
        if table is None:
            table = tomlkit.table()
            document[section] = table
        for key, value in values.items():
            table[key] = value
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path
