"""`meterdesk doctor`: what an IT person checks on a counter PC or the central server.

Each check gives one line: "✓ what is fine", "✗ what is wrong — how to fix it", or
"– not checked (why)". The printer and serial-port probes are passed in, so tests (and a
machine where they cannot be asked) decide what they see; the defaults ask the system
without Qt, which the server layer never imports.
"""

from __future__ import annotations

import ipaddress
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from server.config import Settings
from server.db.engine import is_embedded
from server.db.migrate import SchemaStatus, current_revision, head_revision
from server.services.core.calendar import local_minute
from server.services.online_pay.config import demo_refusal
from server.services.residents.sms import SmsSettings, console_warning

APP_ROLE = "meterdesk_app"
OWNER_ROLE = "meterdesk_owner"
ROLES_SCRIPT = "installer/postgres_roles.sql"
NGINX_SAMPLE = "installer/nginx-meterdesk.conf.sample"
CHECKS = ("database", "fonts", "printers", "serial", "wechat", "sms")
WECHAT_KEYS = ("token", "app_id", "app_secret")


class NotChecked(Exception):
    """A probe cannot tell on this machine; the message says why."""


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: not checked
    text: str
    fix: str = ""

    def line(self) -> str:
        if self.ok is None:
            return f"– {self.text}"
        if self.ok:
            return f"✓ {self.text}"
        return f"✗ {self.text} — {self.fix}" if self.fix else f"✗ {self.text}"


Probe = Callable[[], Sequence[str]]


def lpstat_printers() -> list[str]:
    """Printers CUPS knows (Linux, macOS); Windows printers are listed by the desktop."""
    if platform.system() == "Windows":
        raise NotChecked("Windows 上请在桌面程序的打印对话框中查看打印机")
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    done = subprocess.run(
        [lpstat, "-p"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
        env={"LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    # "printer NAME is idle.  enabled since …" — one line per printer.
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("printer ")]


def serial_ports() -> list[str]:
    from serial.tools import list_ports

    return [port.device for port in list_ports.comports()]


# (file, text) of each nginx site that proxies to the companion service.
ProxyProbe = Callable[[], Sequence[tuple[str, str]]]
NGINX_SITES = (Path("/etc/nginx/sites-enabled"), Path("/etc/nginx/conf.d"))
# What WeChat and the providers post to: a real body is a few KB, so each caps it.
CAPPED_LOCATIONS = ("/wechat", "/pay/wechat/notify", "/pay/unionpay/notify")


def nginx_sites() -> list[tuple[str, str]]:
    sites = []
    for folder in NGINX_SITES:
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "meterdesk" in text:
                sites.append((str(path), text))
    return sites


def run_checks(
    settings: Settings,
    url: str,
    *,
    skip: Sequence[str] = (),
    printers: Probe = lpstat_printers,
    ports: Probe = serial_ports,
    proxy: ProxyProbe = nginx_sites,
) -> list[Check]:
    checks: list[Check] = []
    if "database" not in skip:
        checks.extend(database_checks(url, embedded=is_embedded(settings)))
    if "fonts" not in skip:
        checks.append(font_check())
    if "printers" not in skip:
        checks.append(
            _listed(printers, "打印机", "安装 CUPS 并添加收据打印机（Linux：apt install cups）")
        )
    if "serial" not in skip:
        checks.append(
            _listed(
                ports, "串口", "连接掌上机或 USB 转串口线并安装其驱动；服务器上可用 --skip serial"
            )
        )
    if "wechat" not in skip:
        checks.append(wechat_check(settings))
        checks.extend(dev_login_checks(settings))
        checks.extend(proxy_check(name, text) for name, text in proxy())
    if "sms" not in skip:
        checks.append(sms_check(settings))
    if settings.flag("pay", "demo"):
        checks.append(demo_pay_check(settings))
    return checks


# --- database ------------------------------------------------------------------------------


def database_checks(url: str, *, embedded: bool) -> list[Check]:
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return [
                _reachable(conn, embedded),
                _tls(conn, embedded),
                _schema(conn, embedded),
                _role(conn, embedded),
                *_replication(conn, embedded),
                *_archiving(conn, embedded),
            ]
    except Exception as exc:
        return [
            Check(
                False,
                f"数据库无法连接：{_first_line(exc)}",
                "检查 database.url（或 DATABASE_URL）、服务器是否运行、pg_hba.conf 与防火墙",
            )
        ]
    finally:
        engine.dispose()


def _reachable(conn: Connection, embedded: bool) -> Check:
    version = conn.execute(text("show server_version")).scalar_one()
    where = "嵌入式数据库" if embedded else "中心数据库"
    database = conn.execute(text("select current_database()")).scalar_one()
    return Check(True, f"{where} {database} 可连接（PostgreSQL {version.split()[0]}）")


def _tls(conn: Connection, embedded: bool) -> Check:
    if embedded:
        return Check(True, "嵌入式数据库在本机，不经网络，无需 TLS")
    ssl = conn.execute(
        text("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
    ).scalar_one_or_none()
    if ssl:
        return Check(True, "数据库连接已使用 TLS 加密")
    client = conn.execute(text("select host(inet_client_addr())")).scalar_one_or_none()
    # A Unix socket (no client address) or loopback never leaves the machine: the
    # companion service beside its database needs no TLS.
    if client is None or ipaddress.ip_address(client).is_loopback:
        return Check(True, "数据库连接在本机（Unix 套接字或回环地址），无需 TLS")
    return Check(
        False,
        f"数据库连接未加密（客户端地址 {client}）",
        "在 URL 中加 ?sslmode=verify-full，并按 installer/pg_hba.conf.sample 只允许 hostssl",
    )


def _schema(conn: Connection, embedded: bool) -> Check:
    state = SchemaStatus(current_revision(conn.engine), head_revision())
    if state.up_to_date:
        return Check(True, f"数据库结构版本 {state.current}（最新）")
    if state.ahead:
        return Check(
            False,
            f"数据库结构版本 {state.current} 比本程序（{state.head}）新",
            "安装新版 MeterDesk",
        )
    # The embedded database is the PC's own and is migrated whenever a program starts on it.
    fix = (
        "运行 meterdesk db upgrade（或启动桌面程序）"
        if embedded
        else f"以 {OWNER_ROLE} 运行 meterdesk db upgrade，再重新运行 {ROLES_SCRIPT}"
    )
    return Check(False, f"数据库结构版本 {state.current or '空'}，本程序需要 {state.head}", fix)


def _role(conn: Connection, embedded: bool) -> Check:
    role, superuser = conn.execute(
        text("select current_user, rolsuper from pg_roles where rolname = current_user")
    ).one()
    # A superuser or a table's owner can truncate, drop or disable the append-only
    # triggers, or set session_replication_role: the money history is then the app's word.
    owned = conn.execute(
        text(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p')"
            " and pg_has_role(current_user, c.relowner, 'USAGE')"
        )
    ).scalar_one()
    if embedded:
        if superuser or owned:
            return Check(
                False,
                f"以 {role} 连接嵌入式数据库（{'超级用户' if superuser else '拥有数据表'}）",
                f"升级 MeterDesk：程序应以 {APP_ROLE} 连接嵌入式数据库（启动时自动创建）",
            )
        return Check(True, f"以 {role} 连接本机私有的嵌入式数据库（非超级用户，不拥有数据表）")
    if conn.execute(text("select to_regclass('payment') is null")).scalar_one():
        return Check(False, f"以 {role} 连接，但没有 payment 表", "先运行 meterdesk db upgrade")
    powers = []
    if superuser:
        powers.append("超级用户")
    elif owned:
        powers.append("拥有数据表")
    if conn.execute(text("select has_table_privilege('payment', 'UPDATE')")).scalar_one():
        powers.append("可修改 payment")
    if conn.execute(text("select has_table_privilege('receipt', 'DELETE')")).scalar_one():
        powers.append("可删除 receipt")
    if conn.execute(
        text("select has_column_privilege('staff', 'password_hash', 'UPDATE')")
    ).scalar_one():
        powers.append("可直接改写工作人员密码")
    if powers:
        return Check(
            False,
            f"以 {role} 连接（{'、'.join(powers)}）",
            f"桌面程序和伴随服务应以 {APP_ROLE} 连接（见 {ROLES_SCRIPT}）；"
            f"{OWNER_ROLE} 只用于 db upgrade",
        )
    missing = [
        what
        for what, sql in (
            ("插入 payment", "select has_table_privilege('payment', 'INSERT')"),
            ("修改 bill.status", "select has_column_privilege('bill', 'status', 'UPDATE')"),
        )
        if not conn.execute(text(sql)).scalar_one()
    ]
    if missing:
        return Check(
            False,
            f"以 {role} 连接，缺少权限：{'、'.join(missing)}",
            f"数据库升级后以超级用户重新运行 {ROLES_SCRIPT}",
        )
    return Check(True, f"以 {role} 连接：可收款，不能修改或删除收款、收据")


# pg_stat_replication.sync_state, as the operator reads it
SYNC_STATES = {"sync": "同步", "quorum": "同步（多数派）", "potential": "候补同步", "async": "异步"}
NOT_SYNCHRONOUS_FIX = (
    "启动备用服务器，并核对其 cluster_name 与 synchronous_standby_names 一致；备用服务器"
    "长期不可用时在主服务器上 ALTER SYSTEM SET synchronous_standby_names = ''; "
    "SELECT pg_reload_conf();（见 README「备用服务器」）"
)
SEE_STATE_FIX = "以超级用户运行 meterdesk doctor，或 GRANT pg_monitor TO 当前登录"


def _replication(conn: Connection, embedded: bool) -> list[Check]:
    """The standby that takes over from this primary (synchronous, streaming, how far
    behind), or that this server is itself a standby. A server with no replication
    configured (no standby, slot or synchronous_standby_names) has nothing to report."""
    if embedded:
        return []
    if conn.execute(text("select pg_is_in_recovery()")).scalar_one():
        return [_standby(conn)]
    wanted = str(conn.execute(text("show synchronous_standby_names")).scalar_one())
    standbys = conn.execute(
        text(
            "select application_name, coalesce(host(client_addr), '本机'), state, sync_state,"
            # What it received but has not yet applied; in whole kB, as an idle standby's
            # replay position stops short of the page padding it received.
            " pg_wal_lsn_diff(sent_lsn, replay_lsn)::bigint,"
            " extract(epoch from replay_lag)::float"
            " from pg_stat_replication order by application_name"
        )
    ).all()
    checks = [_standby_connected(*row) for row in standbys]
    if wanted and not any(row[3] in ("sync", "quorum") for row in standbys):
        connected = "、".join(
            f"{row[0]}（{SYNC_STATES.get(row[3], '状态不明')}）" for row in standbys
        )
        found = f"已连接的 {connected}不是同步备用服务器" if standbys else "没有备用服务器连接"
        checks.append(
            Check(
                False,
                f"配置为同步复制（synchronous_standby_names = {wanted}），但{found}："
                "收款的提交会一直等待",
                NOT_SYNCHRONOUS_FIX,
            )
        )
    idle_slots = conn.scalars(
        text(
            "select slot_name from pg_replication_slots"
            " where slot_type = 'physical' and not active order by slot_name"
        )
    ).all()
    checks += [
        Check(
            False,
            f"复制槽 {slot} 没有备用服务器连接：主服务器为它保留的 WAL 会越积越多",
            f"启动该备用服务器；不再需要时 SELECT pg_drop_replication_slot('{slot}');",
        )
        for slot in idle_slots
    ]
    return checks


def _archiving(conn: Connection, embedded: bool) -> list[Check]:
    """Continuous WAL archiving (point-in-time recovery) on a central primary where it is
    configured: its last attempt a success. A failing archive_command is retried for ever,
    keeping the WAL on the server's disk, so it shows here before the disk fills."""
    if embedded or conn.execute(text("select pg_is_in_recovery()")).scalar_one():
        return []
    if conn.execute(text("show archive_mode")).scalar_one() == "off":
        return []
    archived, at, failures, failed, failed_at = conn.execute(
        text(
            "select last_archived_wal, last_archived_time, failed_count, last_failed_wal,"
            " last_failed_time from pg_stat_archiver"
        )
    ).one()
    if failed_at is not None and (at is None or failed_at > at):
        return [
            Check(
                False,
                f"WAL 归档失败：{failed} 于 {local_minute(failed_at)} 归档失败"
                f"（共 {failures} 次），服务器会一直重试并保留 WAL",
                "查看 PostgreSQL 日志中 archive_command 的错误；检查归档文件夹的挂载、权限与空间",
            )
        ]
    last = f"最近归档 {archived}（{local_minute(at)}）" if archived else "尚无完成的 WAL 段"
    return [Check(True, f"WAL 归档已开启，{last}")]


def _standby_connected(
    name: str, address: str, state: str | None, sync: str | None, behind: int | None,
    lag: float | None,
) -> Check:  # fmt: skip
    if state is None:  # the columns only superusers and pg_read_all_stats may see
        return Check(None, f"备用服务器 {name}（{address}）已连接；看不到其复制状态", SEE_STATE_FIX)
    late = f"，重放落后 {(behind or 0) // 1024:,} kB" + (
        f"、{lag:.0f} 秒" if lag and lag >= 1 else ""
    )
    line = f"备用服务器 {name}（{address}）{state}，{SYNC_STATES.get(sync or '', sync)}{late}"
    if state != "streaming":
        return Check(False, line, "等它追上主服务器；久不变化请查看备用服务器的日志")
    return Check(True, line)


def _standby(conn: Connection) -> Check:
    receiver = conn.execute(
        text("select status, sender_host, sender_port from pg_stat_wal_receiver")
    ).first()
    if receiver is not None and receiver[0] is None:
        return Check(None, "这是备用服务器（只读）；看不到其复制状态", SEE_STATE_FIX)
    if receiver is None or receiver[0] != "streaming":
        return Check(
            False,
            "这是备用服务器（只读），但没有从主服务器接收 WAL",
            "检查主服务器是否运行、primary_conninfo 与 pg_hba.conf 的 replication 行；"
            "主服务器已失效时在本机 pg_ctl promote（见 README「故障切换」）",
        )
    return Check(
        True,
        f"这是备用服务器（只读热备），从主服务器 {receiver[1]}:{receiver[2]} 流复制中"
        "（程序应以列出主备两台、target_session_attrs=read-write 的地址连接主服务器）",
    )


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


# --- this machine --------------------------------------------------------------------------


def font_check() -> Check:
    from reports.fonts import FALLBACK_CID_FONT, cjk_font

    font = cjk_font()
    if font.embedded:
        return Check(True, f"中文字体 {font.path}")
    return Check(
        False,
        f"未找到可嵌入的中文 TrueType 字体（收据将用 {FALLBACK_CID_FONT}，由阅读器替换字形）",
        "安装 fonts-wqy-microhei（Debian/Ubuntu）；Windows 应有黑体或微软雅黑",
    )


def _listed(probe: Probe, what: str, fix: str) -> Check:
    try:
        names = list(probe())
    except NotChecked as exc:
        return Check(None, f"{what}：未检查（{exc}）")
    if not names:
        return Check(False, f"未发现{what}", fix)
    return Check(True, f"{what}：{'、'.join(names)}")


def wechat_check(settings: Settings) -> Check:
    missing = [f"wechat.{key}" for key in WECHAT_KEYS if not settings.get("wechat", key)]
    if missing:
        env = "、".join(f"MD_WECHAT_{name.split('.')[1].upper()}" for name in missing)
        return Check(
            False,
            f"微信设置缺少 {'、'.join(missing)}",
            f"在 {settings.home / 'meterdesk.toml'} 的 [wechat] 中填写，或设置 {env}",
        )
    return Check(True, f"微信设置齐全（app_id {settings.get('wechat', 'app_id')}）")


def dev_login_checks(settings: Settings) -> list[Check]:
    """The development sign-in lets anyone be any resident: only for the embedded demo."""
    if not settings.flag("companion", "dev_login") or is_embedded(settings):
        return []
    return [
        Check(
            False,
            "开发登录已开启（companion.dev_login），连接的是中心数据库：任何人可冒充任一居民",
            "删除 companion.dev_login（或环境变量 MD_COMPANION_DEV_LOGIN）",
        )
    ]


def proxy_check(name: str, text: str) -> Check:
    """An nginx site of the service: the callbacks' locations must cap the body size, or
    anyone can post megabytes at them (the service refuses, but only after nginx passed
    them on)."""
    uncapped = []
    for location in CAPPED_LOCATIONS:
        block = re.search(r"location\s*=\s*" + re.escape(location) + r"\s*\{([^}]*)\}", text)
        if block and "client_max_body_size" not in block.group(1):
            uncapped.append(location)
    if uncapped:
        return Check(
            False,
            f"nginx 配置 {name} 中 {'、'.join(uncapped)} 未限制请求体大小",
            f"在这些 location 中加入 client_max_body_size 64k;（见 {NGINX_SAMPLE}）",
        )
    return Check(True, f"nginx 配置 {name}：回调与 /wechat 已限制请求体大小")


def sms_check(settings: Settings) -> Check:
    """Registration needs a code by SMS: the console sender sends none outside development."""
    warning = console_warning(settings)
    if warning:
        return Check(
            False,
            warning,
            f"在 {settings.home / 'meterdesk.toml'} 的 [sms] 中设置 provider（aliyun 或 tencent）"
            "及其密钥、短信签名和模板 ID",
        )
    sms = SmsSettings.from_settings(settings)
    if sms.provider == "console":
        return Check(True, "短信通道 console：开发模式（companion.dev_login），验证码只写入日志")
    return Check(True, f"短信通道 {sms.provider}（签名「{sms.sign_name}」）")


def demo_pay_check(settings: Settings) -> Check:
    """演示支付 is for a newcomer's PC: wrong wherever real residents pay."""
    fix = "删除 pay.demo（或环境变量 MD_PAY_DEMO）：演示支付只用于本机的 meterdesk demo"
    if demo_refusal(settings):
        return Check(False, "演示支付已开启（pay.demo），但连接的是中心数据库", fix)
    if settings.get("pay", "wechat_mch_id") or settings.get("pay", "unionpay_mer_id"):
        return Check(False, "演示支付已开启（pay.demo），但已配置真实商户，不会提供演示支付", fix)
    return Check(True, "演示支付已开启：仅供演示，本机嵌入式数据库，不扣款")


def failed(checks: Sequence[Check]) -> bool:
    return any(check.ok is False for check in checks)
