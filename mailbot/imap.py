"""The IMAP mailbox source (imapclient): the shared mailbox on Exchange or any IMAP server.

Same interface as ``MaildirSource``: ``pending()`` gives the waiting messages, the caller records
and handles each, then calls ``mark_processed`` or ``mark_quarantined``, which moves it out of the
inbox. Nothing is deleted except by the move itself (``MOVE``, else ``COPY`` + ``\\Deleted`` +
``UID EXPUNGE`` of that one UID). ``wait_for_mail`` uses IDLE when offered, re-issued every
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
from typing import Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .config import IMAP_SCHEMES, MailboxConfig, parse_server_url
from .errors import ConfigError
from .maildir import InboundItem

log = logging.getLogger("mailbot.imap")

# What a dropped or refused connection looks like from imapclient and the socket layer.
CONNECTION_ERRORS = (OSError, socket.error, ssl.SSLError, IMAPClientError, EOFError)


def _readable(client: IMAPClient) -> bool:
    sock = client.socket()
    if getattr(sock, "pending", lambda: 0)():
        return True  # TLS bytes already decrypted and waiting
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class MailboxUnavailable(Exception):
    """The server could not be reached or the connection broke; try again later."""


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
    def __init__(self, config: MailboxConfig):
        self.config = config
        self.url = parse_server_url(config.url, IMAP_SCHEMES)
        self.folder = self.url.path or config.folder
        self.password = secret_from_env(config.password_env, "mailbox")
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
            client.login(cfg.username, self.password)
            for folder in (cfg.processed_folder, cfg.quarantine_folder):
                if not client.folder_exists(folder):
                    try:
                        client.create_folder(folder)
                    except IMAPClientError as exc:
                        # Another client (a second mailbot, a person in Outlook) made it between
                        # the check and the create: the folder is there, which is all we need.
                        if "ALREADYEXISTS" not in str(exc).upper():
                            raise
            selected = client.select_folder(self.folder)
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"{self.url.host}:{self.url.port}: {type(exc).__name__}: {exc}") from None
        self.client = client
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.capabilities = {(c.decode() if isinstance(c, bytes) else c).upper() for c in client.capabilities()}

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

    def _move(self, key: str, folder: str) -> None:
        client, uid = self._live(), int(key)
        try:
            if "MOVE" in self.capabilities:
                client.move([uid], folder)
            else:
                client.copy([uid], folder)
                client.add_flags([uid], [b"\\Deleted"])
                if "UIDPLUS" in self.capabilities:
                    client.uid_expunge([uid])
                else:
                    # Without UIDPLUS an EXPUNGE would also remove other \\Deleted mail; leave
                    # the flagged copy for the server's own expunge instead.
                    log.warning("server lacks UIDPLUS: message %s flagged \\Deleted, not expunged", uid)
        except CONNECTION_ERRORS as exc:
            raise MailboxUnavailable(f"move failed: {exc}") from None

    def mark_processed(self, key: str) -> None:
        self._move(key, self.config.processed_folder)

    def mark_quarantined(self, key: str, reason: str) -> None:
        # The reason is recorded in the store with the message; the folder is for people.
        self._move(key, self.config.quarantine_folder)

    # ------------------------------------------------------------------ waiting

    def wait_for_mail(self, stop: threading.Event) -> None:
        """Return when new mail may have arrived, the renew time passed, or ``stop`` is set."""
        client = self._live()
        if "IDLE" not in self.capabilities:
            stop.wait(self.config.poll_seconds)
            return
        # IDLE announces mail that arrives while it runs, but a message that lands between the
        # last SEARCH and the IDLE command may be announced before IDLE starts and so never
        # reach idle_check. Leaving IDLE every poll_seconds to look anyway bounds that delay
        # (and covers servers whose IDLE goes quiet); the renewal time is RFC 2177's limit.
        renew_at = time.monotonic() + min(self.config.idle_renew_minutes * 60, self.config.poll_seconds)
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
