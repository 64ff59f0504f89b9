"""Why the database could not be reached, in a line an operator can act on: where it was
looked for (host:port/database, never the password) and what went wrong."""

from __future__ import annotations

import psycopg

from server.db.urls import DEFAULT_PORT, parse_url, url_hosts

REFUSED = "连接被拒绝（服务器未运行，或地址、端口不对）"
TIMEOUT = "连接超时（网络不通或被防火墙拦截）"
AUTH_FAILED = "认证失败（用户名或密码不对，或 pg_hba.conf 不允许此用户、此地址）"
NO_DATABASE = "数据库不存在"
NO_HOST = "主机名无法解析"
DROPPED = "连接中断（服务器已停止或正在重启）"
STARTING = "服务器正在启动或关闭"
FULL = "服务器连接数已满"
NO_PRIMARY = "没有可写入的服务器（主服务器停止，备用服务器尚未接管：正在切换时请稍后重试）"

# What PostgreSQL answers when it refuses or ends a connection (its SQLSTATE); class 08
# (connection exception) as a whole is a dropped connection.
_BY_STATE = {
    "28P01": AUTH_FAILED,
    "28000": AUTH_FAILED,
    "3D000": NO_DATABASE,
    "57P01": DROPPED,
    "57P02": DROPPED,
    "57P03": STARTING,
    "53300": FULL,
}
# What libpq says when no server answered at all (these errors carry no SQLSTATE).
_BY_MESSAGE = (
    # A multi-host URL's target_session_attrs=read-write found only a standby: checked
    # first, as the same message also names the primary that refused.
    ("session is read-only", NO_PRIMARY),
    ("server is in hot standby mode", NO_PRIMARY),
    ("Connection refused", REFUSED),
    ("No such file or directory", REFUSED),  # no Unix socket: no server on this machine
    ("timeout expired", TIMEOUT),
    ("timed out", TIMEOUT),
    ("password authentication failed", AUTH_FAILED),
    ("no pg_hba.conf entry", AUTH_FAILED),
    ("no password supplied", AUTH_FAILED),
    ("does not exist", NO_DATABASE),  # checked after the role's ("role … does not exist")
    ("could not translate host name", NO_HOST),
    ("Name or service not known", NO_HOST),
    ("server closed the connection", DROPPED),
    ("terminating connection", DROPPED),
    ("connection already closed", DROPPED),
)


def database_place(url: str) -> str:
    """host:port/database of `url` without its credentials; a Unix socket's folder as host,
    every server of a multi-host URL (host:port,host:port/database)."""
    parsed = parse_url(url)
    hosts = url_hosts(parsed) or [f"localhost:{parsed.port or DEFAULT_PORT}"]
    return f"{','.join(hosts)}/{parsed.database or ''}"


def unreachable_reason(error: BaseException) -> str | None:
    """Why reaching the database failed, or None when `error` is a statement's own failure
    (a serialization conflict, a cancelled query) rather than one of reaching the server."""
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    if not isinstance(cause, psycopg.OperationalError):
        return None
    state = cause.sqlstate
    if state in _BY_STATE:
        return _BY_STATE[state]
    if state and state.startswith("08"):
        return DROPPED
    if state:
        return None
    message = str(cause)
    if 'role "' in message and "does not exist" in message:
        return AUTH_FAILED
    for needle, reason in _BY_MESSAGE:
        if needle in message:
            return reason
    first = message.strip().splitlines()[0] if message.strip() else type(cause).__name__
    return first.removeprefix("connection failed: ")
