"""Thin shell adapters: the configured mailbox source and outbox sink, and draining a mailbox.

Only the embedded default (Maildir in, Maildir out) exists in this version; IMAP and SMTP
adapters plug in behind the same two interfaces: ``pending() / mark_processed(key) /
mark_quarantined(key, reason)`` and ``send(message)``.
"""

from __future__ import annotations

from datetime import datetime

from .config import Config
from .maildir import MaildirSink, MaildirSource
from .service import IngestResult, Mailbot


def make_source(config: Config) -> MaildirSource:
    box = config.settings.mailbox
    return MaildirSource(config.resolve_path(box.url), box.processed_folder, box.quarantine_folder)


def make_sink(config: Config) -> MaildirSink:
    return MaildirSink(config.resolve_path(config.settings.outbox.url))


def drain_mailbox(bot: Mailbot, now: datetime, source: MaildirSource | None = None) -> list[IngestResult]:
    """Handle every waiting message, oldest first. Each is recorded and its effects committed
    (inside ``bot.ingest``) before it is moved out of the inbox (DESIGN §6.1)."""
    source = source or make_source(bot.config)
    results = []
    for item in source.pending():
        result = bot.ingest(item.raw, now, mailbox_key=item.key, uid=item.uid, uidvalidity=item.uidvalidity)
        if result.status == "quarantined":
            source.mark_quarantined(item.key, result.reason or "quarantined")
        else:
            source.mark_processed(item.key)
        results.append(result)
    return results
