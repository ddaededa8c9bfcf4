"""The SMTP outbox sink (aiosmtplib): implicit TLS (``smtps://``) or STARTTLS (``smtp+starttls://``).

``send(message)`` delivers one message or raises ``TemporaryFailure`` (connection trouble, a 4xx
reply: try again later) or ``PermanentFailure`` (a 5xx reply: record it and stop). The caller
(``Mailbot.send``) decides about retries; this module only tells the two apart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Callable

import aiosmtplib

from .config import SMTP_SCHEMES, OutboxConfig, parse_server_url
from .imap import secret_from_env, tls_context
from .oauth import SMTP_ROLE, TokenSource, TokenUnavailable, missing_role, refused_advice
from .outgoing import wire_bytes

log = logging.getLogger("mailbot.smtp")


class TemporaryFailure(Exception):
    """Try again later: the server was unreachable or answered 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server answered 5xx."""


class LoginRefused(TemporaryFailure):
    """The server (or the token service) refused mailbot's own login. Not the message's fault:
    it stays queued, and nothing else is tried this round, because every message would meet the
    same refusal."""


def _recipients(message: EmailMessage) -> list[str]:
    fields = message.get_all("To", []) + message.get_all("Cc", [])
    return [address for _name, address in getaddresses(fields) if address]


class SmtpSink:
    def __init__(self, config: OutboxConfig, envelope_sender: str, base_dir: Path | None = None,
                 clock: Callable[[], float] = time.time):
        self.config = config
        self.url = parse_server_url(config.url, SMTP_SCHEMES)
        self.password = secret_from_env(config.password_env, "outbox")
        self.tokens = (TokenSource(config.auth, base_dir or Path.cwd(), "outbox", clock=clock)
                       if config.auth is not None else None)
        # Bounces come back to the shared mailbox, where mailbot reports them.
        self.envelope_sender = envelope_sender

    def send(self, message: EmailMessage) -> str:
        try:
            errors, reply = self._send_authenticated(message)
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

    def _send_authenticated(self, message: EmailMessage):
        return self._logged_in(lambda token: self._send(message, token))

    def check_login(self) -> str:
        """Connect, secure the connection, log in and QUIT: nothing is sent (``check-config
        --connect``). Returns how it logged in; raises ``LoginRefused`` or ``TemporaryFailure``."""
        try:
            self._logged_in(self._connect_only)
        except LoginRefused:
            raise
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TemporaryFailure(f"outbox: {self.url.host}:{self.url.port}: {type(exc).__name__}: {exc}") from None
        how = ("with OAuth 2.0 (XOAUTH2)" if self.tokens is not None
               else "with a password" if self.password is not None else "without a login")
        return f"{self.config.url}: connected and logged in {how}" + (
            f" as {self.config.username}" if self.config.username else "") + "; nothing sent"

    def _logged_in(self, run):
        """``run(token)`` (a coroutine) with the password, or with a current token. A token the
        server refuses is dropped and one fresh token tried: a refused login never reaches DATA,
        so nothing is sent twice."""
        if self.tokens is None:
            try:
                return asyncio.run(run(None))
            except aiosmtplib.SMTPAuthenticationError as exc:
                raise LoginRefused(f"outbox: the server refused the login for {self.config.username}: "
                                   f"{exc.code} {exc.message}") from None
        for attempt in (1, 2):
            try:
                token = self.tokens.token()
            except TokenUnavailable as exc:
                raise LoginRefused(str(exc)) from None
            problem = missing_role(token, SMTP_ROLE, self.config.auth, "outbox")
            if problem:
                raise LoginRefused(problem)
            try:
                return asyncio.run(run(token.value))
            except aiosmtplib.SMTPException as exc:
                if "does not support XOAUTH2" in str(exc):
                    raise LoginRefused(f"outbox: {self.url.host}:{self.url.port} does not offer AUTH XOAUTH2 "
                                       "(for Exchange Online use smtp+starttls://smtp.office365.com:587)") from None
                if not isinstance(exc, aiosmtplib.SMTPAuthenticationError):
                    raise
                self.tokens.invalidate(token)
                if attempt == 2:
                    raise LoginRefused(refused_advice(self.config, "outbox", f"{exc.code} {exc.message}")) from None

    def _connection_options(self, token: str | None) -> dict:
        cfg = self.config
        use_tls = self.url.scheme == "smtps"
        start_tls = self.url.scheme == "smtp+starttls"
        return dict(hostname=self.url.host, port=self.url.port, username=cfg.username,
                    password=self.password, oauth_token_generator=_constant(token) if token else None,
                    use_tls=use_tls, start_tls=start_tls,
                    tls_context=tls_context(cfg.ca_file) if (use_tls or start_tls) else None,
                    timeout=cfg.timeout_seconds)

    async def _send(self, message: EmailMessage, token: str | None = None):
        # The bytes the message's own policy writes (outgoing.py's: long thread ids kept whole),
        # not aiosmtplib's re-serialisation under a stock policy, which would refold them.
        return await aiosmtplib.send(wire_bytes(message), sender=self.envelope_sender,
                                     recipients=_recipients(message), **self._connection_options(token))

    async def _connect_only(self, token: str | None) -> None:
        client = aiosmtplib.SMTP(**self._connection_options(token))
        await client.connect()  # logs in when a username is configured
        await client.quit()


def _constant(token: str):
    async def generate() -> str:
        return token
    return generate
