"""Database URLs naming several servers, as libpq writes them
(`postgresql://user@a:5432,b:5433/db?target_session_attrs=read-write`): libpq tries the
hosts in turn and keeps the first that takes writes, so a client follows a failover to the
promoted standby by itself. SQLAlchemy spells the same with one `host=` query parameter per
server; both spellings are accepted wherever a URL is read, and shown without the password.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url

DEFAULT_PORT = 5432

# scheme://[userinfo@]host[:port],host[:port]…[/database][?query]
_LIBPQ_MULTI_HOST = re.compile(
    r"^(?P<scheme>[^:/?#]+://)(?P<userinfo>[^@/?#]*@)?(?P<hosts>[^/?#]*,[^/?#]*)(?P<rest>.*)$"
)


def parse_url(url: str) -> URL:
    """`make_url`, also for libpq's comma-separated hosts (rewritten to `host=` parameters)."""
    match = _LIBPQ_MULTI_HOST.match(url)
    if match is None:
        return make_url(url)
    path, _, query = match["rest"].partition("?")
    hosts = "&".join(f"host={quote(host, safe=':[]')}" for host in match["hosts"].split(","))
    rebuilt = f"{match['scheme']}{match['userinfo'] or ''}{path or '/'}?{hosts}"
    return make_url(f"{rebuilt}&{query}" if query else rebuilt)


def url_hosts(url: str | URL) -> list[str]:
    """Each server of `url` as host:port (a Unix socket's folder as host); none when it
    names no host (libpq's default socket)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.host:
        return [f"{parsed.host}:{parsed.port or DEFAULT_PORT}"]
    given = parsed.query.get("host") or ()
    hosts = [given] if isinstance(given, str) else list(given)
    return [host if ":" in host else f"{host}:{parsed.port or DEFAULT_PORT}" for host in hosts]


def is_multi_host(url: str | URL) -> bool:
    return len(url_hosts(url)) > 1


def libpq_uri(parsed: URL) -> str:
    """`parsed` as a libpq URI for PostgreSQL's own programs (pg_dump, pg_restore), without
    its password: several servers go back to libpq's comma spelling."""
    # URL.set ignores None: `password=None` there would keep the password.
    plain = parsed.set(drivername="postgresql")._replace(password=None)
    if not is_multi_host(plain):
        return plain.render_as_string(hide_password=False)
    hosts = ",".join(url_hosts(plain))
    query = {key: value for key, value in plain.query.items() if key != "host"}
    rendered = plain.set(query=query).render_as_string(hide_password=False)
    scheme, _, rest = rendered.partition("://")
    userinfo, _, path = rest.partition("/")  # SQLAlchemy renders no host: "user@/db"
    return f"{scheme}://{userinfo}{hosts}/{path}"
