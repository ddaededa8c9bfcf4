"""The SMTP outbox sink (aiosmtplib): implicit TLS (``smtps://``) or STARTTLS (``smtp+starttls://``).

``send(message)`` delivers one message or raises ``TemporaryFailure`` (connection trouble, a 4xx
reply: try again later) or ``PermanentFailure`` (a 5xx reply: record it and stop). The caller
(``Mailbot.send``) decides about retries; this module only tells the two apart.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.utils import getaddresses

import aiosmtplib

from .config import SMTP_SCHEMES, OutboxConfig, parse_server_url
from .imap import secret_from_env, tls_context

log = logging.getLogger("mailbot.smtp")


class TemporaryFailure(Exception):
    """Try again later: the server was unreachable or answered 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server answered 5xx."""


def _recipients(message: EmailMessage) -> list[str]:
    fields = message.get_all("To", []) + message.get_all("Cc", [])
    return [address for _name, address in getaddresses(fields) if address]


class SmtpSink:
    def __init__(self, config: OutboxConfig, envelope_sender: str):
        self.config = config
        self.url = parse_server_url(config.url, SMTP_SCHEMES)
        self.password = secret_from_env(config.password_env, "outbox")
        # Bounces come back to the shared mailbox, where mailbot reports them.
        self.envelope_sender = envelope_sender

    def send(self, message: EmailMessage) -> str:
        try:
            errors, reply = asyncio.run(self._send(message))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            kind = TemporaryFailure if any(400 <= c < 500 for c in codes) else PermanentFailure
            raise kind("all recipients refused: " + "; ".join(f"{r.code} {r.recipient}" for r in exc.recipients)) from None
        except aiosmtplib.SMTPResponseException as exc:
            kind = TemporaryFailure if 400 <= exc.code < 500 else PermanentFailure
            raise kind(f"{exc.code} {exc.message}") from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if errors:
            # Some recipients were refused, the rest accepted: the message went, so it must not
            # be sent again; the refusals are logged by address only.
            log.warning("message %s: some recipients refused: %s", message["Message-ID"],
                        ", ".join(f"{addr} {resp.code}" for addr, resp in errors.items()))
        return reply

    async def _send(self, message: EmailMessage):
        cfg = self.config
        use_tls = self.url.scheme == "smtps"
        start_tls = True if self.url.scheme == "smtp+starttls" else False
        return await aiosmtplib.send(
            message,
            sender=self.envelope_sender,
            recipients=_recipients(message),
            hostname=self.url.host,
            port=self.url.port,
            username=cfg.username,
            password=self.password,
            use_tls=use_tls,
            start_tls=start_tls,
            tls_context=tls_context(cfg.ca_file) if (use_tls or start_tls) else None,
            timeout=cfg.timeout_seconds,
        )
