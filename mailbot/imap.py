"""The IMAP mailbox source (imapclient): the shared mailbox on Exchange or any IMAP server.

Same interface as ``MaildirSource``: ``pending()`` gives the waiting messages, the caller records
and handles a batch, then calls ``mark_many`` (or ``mark_processed`` / ``mark_quarantined`` for
one), which moves them out of the inbox as one UID set per folder. Nothing is deleted except by
the move itself (``MOVE``, else ``COPY`` + ``\\Deleted`` + ``UID EXPUNGE`` of those UIDs). ``wait_for_mail`` uses IDLE when offered, re-issued every
``idle_renew_minutes`` (RFC 2177 asks for less than 29) and left every ``poll_seconds`` to look
anyway, and plain polling otherwise.

Connection loss anywhere raises ``MailboxUnavailable``; the daemon reconnects with back-off.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from .config import IMAP_SCHEMES, MailboxConfig, parse_server_url
from .errors import ConfigError
from .maildir import InboundItem
from .oauth import IMAP_ROLE, AccessToken, TokenSource, TokenUnavailable, missing_role, refused_advice

log = logging.getLogger("mailbot.imap")

# What a dropped or refused connection looks like from imapclient and the socket layer.
CONNECTION_ERRORS = (OSError, socket.error, ssl.SSLError, IMAPClientError, EOFError)


def _readable(client: IMAPClient) -> bool:
    sock = client.socket()
    if getattr(sock, "pending", lambda: 0)():
        return True  # TLS bytes already decrypted and waiting
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _drop(client: IMAPClient) -> None:
    """Close a connection that failed half-way through setting up, quietly."""
    try:
        client.shutdown()
    except CONNECTION_ERRORS:
        pass


def _separator(client: IMAPClient) -> str | None:
    """The server's hierarchy separator (RFC 3501 §6.3.8: LIST "" "" names it): Exchange and
    many servers use "/", Dovecot's default layout "."."""
    for _flags, delimiter, _name in client.list_folders("", ""):
        if delimiter:
            return delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter)
    return None


def folder_name_problem(folder: str, separator: str | None) -> str | None:
    """Why ``folder`` cannot be made on a server whose separator is ``separator``: a name written
    with the other common separator means a sub-folder the server would refuse or misplace."""
    if separator and separator != "/" and "/" in folder:
        return (f"{folder!r} uses '/', but this server separates folders with {separator!r}: "
                f"write {folder.replace('/', separator)!r}")
    if separator == "/" and folder.endswith("/"):
        return f"{folder!r} ends with the separator '/': write {folder.rstrip('/')!r}"
    return None


class MailboxUnavailable(Exception):
    """The server could not be reached or the connection broke; try again later.

    ``permanent``: trying again will not help until a person changes something (a token service
    that refuses the credentials, a server that refuses the login); the daemon still tries, slowly,
    because with Exchange Online the fix is often made in the portal, not in mailbot."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def secret_from_env(name: str | None, what: str) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(f"{what}.password_env: the environment variable {name} is not set")
    return value


class ImapSource:
    def __init__(self, config: MailboxConfig, base_dir: Path | None = None,
                 clock: "Callable[[], float]" = time.time):
        self.config = config
        self.url = parse_server_url(config.url, IMAP_SCHEMES)
        self.folder = self.url.path or config.folder
        self.password = secret_from_env(config.password_env, "mailbox")
        self.clock = clock
        self.tokens = (TokenSource(config.auth, base_dir or Path.cwd(), "mailbox", clock=clock)
                       if config.auth is not None else None)
        # The token this session logged in with: the session is renewed before it runs out,
        # because Exchange Online ends a session whose token has expired.
        self.session_token: AccessToken | None = None
        self.separator: str | None = None
        self.inbox_count = 0
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self.backlog = 0

    # ------------------------------------------------------------------ connection

    def connect(self) -> None:
        """Log in, select the inbox and make sure the processed and quarantine folders exist."""
        self.close()
        cfg = self.config
        try:
            client = IMAPClient(self.url.host, port=self.url.port, ssl=self.url.scheme == "imaps",
                                ssl_context=tls_context(cfg.ca_file) if self.url.scheme == "imaps" else None,
                                timeout=cfg.timeout_seconds)
            if self.url.scheme == "imap+starttls":
                client.starttls(tls_context(cfg.ca_file))
            self._login(client)
            self.separator = _separator(client)
            for key, folder in (("processed_folder", cfg.processed_folder), ("quarantine_folder", cfg.quarantine_folder)):
                problem = folder_name_problem(folder, self.separator)
                if problem:
                    raise MailboxUnavailable(f"mailbox.{key}: {problem}", permanent=True)
                if not client.folder_exists(folder):
                    try:
                        client.create_folder(folder)
                    except IMAPClientError as exc:
                        # Another client (a second mailbot, a person in Outlook) made it between
                        # the check and the create: the folder is there, which is all we need.
                        if "ALREADYEXISTS" not in str(exc).upper():
                            raise
            selected = client.select_folder(self.folder)
        except MailboxUnavailable:
            _drop(client)
            raise
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"{self.url.host}:{self.url.port}: {type(exc).__name__}: {exc}") from None
        self.client = client
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.inbox_count = int(selected.get(b"EXISTS", 0))
        self.capabilities = {(c.decode() if isinstance(c, bytes) else c).upper() for c in client.capabilities()}

    def _login(self, client: IMAPClient) -> None:
        """Password login, or SASL XOAUTH2 with a current token. A token the server refuses is
        dropped and one fresh token is tried (it may have been revoked, or expired by the server's
        clock); a second refusal is the configuration's fault, said in one line."""
        cfg = self.config
        if self.tokens is None:
            try:
                client.login(cfg.username, self.password)
            except LoginError as exc:
                reply = " ".join(str(exc).strip("b'\"").split())[:200]
                raise MailboxUnavailable(f"mailbox: the server refused the login for {cfg.username} ({reply}): "
                                         f"check the password in the environment variable {cfg.password_env}",
                                         permanent=True) from None
            return
        for attempt in (1, 2):
            try:
                token = self.tokens.token()
            except TokenUnavailable as exc:
                raise MailboxUnavailable(str(exc), permanent=exc.permanent) from None
            problem = missing_role(token, IMAP_ROLE, cfg.auth, "mailbox")
            if problem:
                raise MailboxUnavailable(problem, permanent=True)
            try:
                client.oauth2_login(cfg.username, token.value)
            except LoginError as exc:
                self.tokens.invalidate(token)
                if attempt == 2:
                    raise MailboxUnavailable(refused_advice(cfg, "mailbox", str(exc)), permanent=True) from None
                continue
            self.session_token = token
            return

    def session_due_for_renewal(self) -> bool:
        token = self.session_token
        return self.tokens is not None and token is not None and self.clock() >= token.renew_at

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except CONNECTION_ERRORS:
                pass  # the connection is already gone; nothing to tidy
            self.client = None

    def _live(self) -> IMAPClient:
        if self.client is None:
            raise MailboxUnavailable("not connected")
        return self.client

    # ------------------------------------------------------------------ reading

    def pending(self) -> Iterator[InboundItem]:
        """Every message now in the inbox, oldest UID first, fetched in batches.

        A message over the size limit is fetched as its header only, with its full size, so the
        service can record and quarantine it without holding a huge body."""
        client = self._live()
        try:
            uids = sorted(client.search("ALL"))
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"search failed: {exc}") from None
        self.backlog = len(uids)
        limit = self.config.max_message_bytes
        for start in range(0, len(uids), self.config.batch_size):
            batch = uids[start:start + self.config.batch_size]
            try:
                sizes = {uid: data[b"RFC822.SIZE"] for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items()}
                small = [uid for uid in batch if sizes.get(uid, 0) <= limit]
                large = [uid for uid in batch if sizes.get(uid, 0) > limit]
                bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
                heads = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
            except CONNECTION_ERRORS as exc:
                raise MailboxUnavailable(f"fetch failed: {exc}") from None
            for uid in batch:
                if uid in bodies:
                    yield InboundItem(str(uid), bodies[uid][b"BODY[]"], uid, self.uidvalidity)
                elif uid in heads:
                    yield InboundItem(str(uid), heads[uid][b"BODY[HEADER]"], uid, self.uidvalidity,
                                      size=sizes[uid])
                # A UID missing from both was expunged by someone else meanwhile: nothing to do.
                self.backlog -= 1

    # ------------------------------------------------------------------ moving

    def _move(self, keys: list[str], folder: str) -> None:
        """UID MOVE ``keys`` to ``folder`` as one set (one round trip, however many)."""
        if not keys:
            return
        client, uids = self._live(), [int(key) for key in keys]
        try:
            if "MOVE" in self.capabilities:
                client.move(uids, folder)
            else:
                client.copy(uids, folder)
                client.add_flags(uids, [b"\\Deleted"])
                if "UIDPLUS" in self.capabilities:
                    client.uid_expunge(uids)
                else:
                    # Without UIDPLUS an EXPUNGE would also remove other \\Deleted mail; leave
                    # the flagged copy for the server's own expunge instead.
                    log.warning("server lacks UIDPLUS: %d message(s) flagged \\Deleted, not expunged", len(uids))
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"move failed: {exc}") from None

    def mark_processed(self, key: str) -> None:
        self._move([key], self.config.processed_folder)

    def mark_quarantined(self, key: str, reason: str) -> None:
        # The reason is recorded in the store with the message; the folder is for people.
        self._move([key], self.config.quarantine_folder)

    def mark_many(self, processed: list[str], quarantined: list[tuple[str, str]]) -> None:
        """A handled batch out of the inbox: one move per folder."""
        self._move(processed, self.config.processed_folder)
        self._move([key for key, _reason in quarantined], self.config.quarantine_folder)

    # ------------------------------------------------------------------ waiting

    def wait_for_mail(self, stop: threading.Event) -> None:
        """Return when new mail may have arrived, the renew time passed, or ``stop`` is set."""
        if self.session_due_for_renewal():
            # Between drains is the safe moment: nothing is half-handled. The new session logs
            # in with a renewed token.
            log.info("mailbox: renewing the session before its access token expires")
            self.connect()
        client = self._live()
        wait_seconds = self.config.poll_seconds
        if self.session_token is not None:
            wait_seconds = max(1, min(wait_seconds, self.session_token.renew_at - self.clock()))
        if "IDLE" not in self.capabilities:
            stop.wait(wait_seconds)
            return
        # IDLE announces mail that arrives while it runs, but a message that lands between the
        # last SEARCH and the IDLE command may be announced before IDLE starts and so never
        # reach idle_check. Leaving IDLE every poll_seconds to look anyway bounds that delay
        # (and covers servers whose IDLE goes quiet); the renewal time is RFC 2177's limit.
        renew_at = time.monotonic() + min(self.config.idle_renew_minutes * 60, wait_seconds)
        try:
            client.idle()
            try:
                while not stop.is_set() and time.monotonic() < renew_at:
                    # Short checks so that SIGTERM is honoured within a second.
                    responses = client.idle_check(timeout=1)
                    if not responses and _readable(client):
                        # imapclient's idle_check swallows EOF and returns nothing: a socket
                        # still readable after a read that found nothing is one the server closed.
                        responses = client.idle_check(timeout=0)
                        if not responses and _readable(client):
                            raise MailboxUnavailable("the server closed the connection")
                    if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                        return
            finally:
                client.idle_done()
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"IDLE failed: {exc}") from None
