"""SMS senders for verification codes: pluggable, so a gateway can be added by name.

The console sender writes the message to the log; it is for development and tests, where
no SMS gateway is reachable.
"""

from __future__ import annotations

import logging
from typing import Protocol

from server.services.core.errors import DomainError

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSender:
    """Logs each message instead of sending it, and keeps the last few for a developer."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS (console sender, not sent) to %s: %s", phone, text)
        self.sent.append((phone, text))
        del self.sent[:-100]


SENDERS: dict[str, type] = {"console": ConsoleSender}


def sender_named(name: str) -> SmsSender:
    try:
        return SENDERS[name]()
    except KeyError:
        raise DomainError(
            f"未知的短信通道「{name}」（companion.sms_sender），可用：{', '.join(SENDERS)}"
        ) from None
