"""Thin shell adapters: the configured mailbox source and outbox sink, and draining a mailbox.

A source offers ``pending()``, ``mark_processed(key)`` and ``mark_quarantined(key, reason)``
(Maildir or IMAP); a sink offers ``send(message)`` (Maildir or SMTP). Which one is used follows
from the configured URL; this is the only place that chooses.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable, Protocol

from .config import IMAP_SCHEMES, SMTP_SCHEMES, Config, parse_server_url
from .imap import ImapSource
from .maildir import InboundItem, MaildirSink, MaildirSource
from .service import IngestResult, Mailbot
from .smtp import SmtpSink


class Source(Protocol):
    def pending(self): ...
    def mark_processed(self, key: str) -> None: ...
    def mark_quarantined(self, key: str, reason: str) -> None: ...


def make_source(config: Config) -> MaildirSource | ImapSource:
    box = config.settings.mailbox
    if parse_server_url(box.url, IMAP_SCHEMES).is_maildir:
        return MaildirSource(config.resolve_path(box.url), box.processed_folder, box.quarantine_folder)
    return ImapSource(box)


def make_sink(config: Config) -> MaildirSink | SmtpSink:
    out = config.settings.outbox
    if parse_server_url(out.url, SMTP_SCHEMES).is_maildir:
        return MaildirSink(config.resolve_path(out.url))
    return SmtpSink(out, config.authority.mailbox_address)


def drain_mailbox(bot: Mailbot, now: datetime | Callable[[], datetime], source: Source | None = None,
                  stop: threading.Event | None = None,
                  after_each: Callable[[IngestResult], None] | None = None) -> list[IngestResult]:
    """Handle every waiting message, oldest first. Each is recorded and its effects committed
    (inside ``bot.ingest``) before it is moved out of the inbox (DESIGN §6.1); a stop request is
    honoured between messages, never inside one."""
    source = source or make_source(bot.config)
    clock = now if callable(now) else (lambda: now)
    results = []
    for item in source.pending():
        if stop is not None and stop.is_set():
            break
        results.append(handle_item(bot, source, item, clock()))
        if after_each:
            after_each(results[-1])
    return results


def handle_item(bot: Mailbot, source: Source, item: InboundItem, now: datetime) -> IngestResult:
    result = bot.ingest(item.raw, now, mailbox_key=item.key, uid=item.uid, uidvalidity=item.uidvalidity,
                        size=item.size)
    if result.status == "quarantined":
        source.mark_quarantined(item.key, result.reason or "quarantined")
    else:
        source.mark_processed(item.key)
    return result
