"""Text messages through a small backend interface, chosen by ``settings.SMS_BACKEND``.

- ``strikes.sms.ConsoleBackend`` (default): writes the message to the log.
- ``strikes.sms.LocmemBackend``: keeps messages in ``strikes.sms.outbox`` (tests).
- ``strikes.sms.HttpBackend``: POSTs JSON to ``SMS_API_URL`` with ``SMS_API_KEY`` as a bearer
  token and the message's outbox key as the ``Idempotency-Key`` header, so a provider that
  honours it never sends a retried message twice.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from members.phones import phone_to_e164

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str
    idempotency_key: str


class SmsError(Exception):
    """The provider refused or could not be reached: the send is retried later."""


class SmsBackend(Protocol):
    def send(self, message: TextMessage) -> None: ...


class ConsoleBackend:
    def send(self, message: TextMessage) -> None:
        log.info("SMS to %s [%s]: %s", message.to, message.idempotency_key, message.text)


outbox: list[TextMessage] = []


class LocmemBackend:
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class HttpBackend:
    """A JSON-over-HTTPS provider: ``{"to": ..., "text": ..., "sender": ...}``."""

    def __init__(self) -> None:
        self.url = settings.SMS_API_URL
        self.key = settings.SMS_API_KEY
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_TIMEOUT_SECONDS
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("SMS_API_URL is not set to an http(s) address.")

    def send(self, message: TextMessage) -> None:
        body = json.dumps({"to": message.to, "text": message.text, "sender": self.sender}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except OSError as exc:  # URLError and HTTPError are OSErrors
            raise SmsError(f"SMS provider error: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS provider answered {status}.")


def sms_backend() -> SmsBackend:
    path = settings.SMS_BACKEND
    return import_string(path)()


def sms_send(*, to: str, text: str, idempotency_key: str) -> None:
    """Send one text to ``to``, given to the backend in E.164 (``InvalidPhone`` if unreadable)."""
    message = TextMessage(to=phone_to_e164(to), text=text[:612], idempotency_key=idempotency_key)
    sms_backend().send(message)


# --- Length ----------------------------------------------------------------------------------

# The GSM 03.38 alphabet a text message is sent in when it can be: 160 characters in one
# message, 153 a part when split. Anything else (curly quotes, emoji) sends the whole text as
# UCS-2: 70 characters, 67 a part. The extension characters take two places each.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    characters: int
    segments: int
    encoding: str  # "GSM" or "Unicode"


def sms_length(text: str) -> SmsLength:
    """How many characters a text message has and how many parts it is sent in."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "GSM"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part, encoding = 70, 67, "Unicode"
    segments = 1 if units <= single else -(-units // part)
    return SmsLength(characters=units, segments=segments, encoding=encoding)
