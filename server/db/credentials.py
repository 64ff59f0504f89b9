"""The central database's password lives in the operating system's keyring (Windows
Credential Manager, macOS Keychain, Secret Service), never in the config file: the file
names the server and the login, the keyring holds the secret for that pair."""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError

from server.db.urls import is_multi_host, parse_url, url_hosts

log = logging.getLogger(__name__)

KEYRING_SERVICE = "MeterDesk"


def credential_name(url: str) -> str:
    """'user@host:port/database' — what the keyring entry is filed under (every server of
    a multi-host URL, comma-separated: the standby takes the same login)."""
    parsed = parse_url(url)
    return f"{parsed.username}@{','.join(url_hosts(parsed))}/{parsed.database}"


def store_password(url: str, password: str) -> None:
    """Keep the password of `url`'s login; KeyringError when this PC has no keyring."""
    keyring.set_password(KEYRING_SERVICE, credential_name(url), password)


def with_stored_password(url: str) -> str:
    """`url` with its password from the keyring when the URL names a login but no password
    (unchanged when it has one, names no login, or the keyring has nothing)."""
    parsed = parse_url(url)
    if not parsed.username or parsed.password or not (parsed.host or is_multi_host(parsed)):
        return url
    try:
        password = keyring.get_password(KEYRING_SERVICE, credential_name(url))
    except KeyringError:
        log.warning("no usable keyring for %s", credential_name(url))
        return url
    if password is None:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)
