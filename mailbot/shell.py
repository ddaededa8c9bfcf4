"""Thin shell adapters: the configured mailbox source and outbox sink, draining a mailbox, and
the files mailbot keeps and writes.

A source offers ``pending()``, ``mark_processed(key)`` and ``mark_quarantined(key, reason)``
(Maildir or IMAP); a sink offers ``send(message)`` (Maildir or SMTP). Which one is used follows
from the configured URL; this is the only place that chooses.

Files: ``check_private_files`` is what every command that opens the store checks first (the
SQLite store and its folder, and the configuration file when it holds a secret, must not be
readable or writable by group or others). Creating files private is ``mailbot.files``'s job.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from store.db import private_mode_problem, sqlite_file

from .config import IMAP_SCHEMES, SMTP_SCHEMES, Config, parse_server_url
from .errors import ConfigError, StoreError
from .imap import ImapSource
from .maildir import InboundItem, MaildirSink, MaildirSource
from .parallel_reading import Reading, ReadingPool
from .service import Arrival, IngestResult, Mailbot
from .smtp import SmtpSink


class Source(Protocol):
    def pending(self): ...
    def mark_processed(self, key: str) -> None: ...
    def mark_quarantined(self, key: str, reason: str) -> None: ...


def make_source(config: Config) -> MaildirSource | ImapSource:
    box = config.settings.mailbox
    if parse_server_url(box.url, IMAP_SCHEMES).is_maildir:
        return MaildirSource(config.resolve_path(box.url), box.processed_folder, box.quarantine_folder)
    return ImapSource(box, base_dir=config.base_dir)


def make_sink(config: Config) -> MaildirSink | SmtpSink:
    out = config.settings.outbox
    if parse_server_url(out.url, SMTP_SCHEMES).is_maildir:
        return MaildirSink(config.resolve_path(out.url))
    return SmtpSink(out, config.authority.mailbox_address, base_dir=config.base_dir)


# The size of the first batch of a drain read in parallel (see drain_mailbox).
FIRST_BATCH = 50


def drain_mailbox(bot: Mailbot, now: datetime | Callable[[], datetime], source: Source | None = None,
                  stop: threading.Event | None = None,
                  after_each: Callable[[IngestResult], None] | None = None,
                  pool: ReadingPool | None = None,
                  while_waiting: Callable[[], bool] | None = None) -> list[IngestResult]:
    """Handle every waiting message, oldest first, a batch at a time (the mailbox's batch_size):
    the batch is recorded and decided in one transaction (``bot.ingest_batch``), and only then
    moved out of the inbox, one move per folder (DESIGN §6.1). A stop request is honoured
    between batches, never inside one.

    With a ``pool``, each batch is handed to another core to be read as soon as it is fetched,
    and the batch before it is decided meanwhile (parallel_reading): the order in which batches
    are decided and moved is the same. ``while_waiting`` is given the time this process would
    spend waiting for the worker: it is called, one small job at a time (a batch of notices
    sent), until the batch is read or it returns False (nothing left to do)."""
    source = source or make_source(bot.config)
    clock = now if callable(now) else (lambda: now)
    results: list[IngestResult] = []

    def decide(batch: list[InboundItem], reading: Reading | None) -> None:
        done = bot.ingest_batch([Arrival(i.raw, i.key, i.uid, i.uidvalidity, i.size) for i in batch], clock(), reading)
        # Committed: now the batch leaves the inbox.
        move_out(source, [(item.key, result) for item, result in zip(batch, done)])
        results.extend(done)
        if after_each:
            for result in done:
                after_each(result)

    ahead: tuple[list[InboundItem], Reading | None] | None = None  # fetched, being read, not yet decided
    try:
        size = bot.config.settings.mailbox.batch_size
        # The first batch is read here while the worker starts: kept small, so that this
        # process soon goes on to deciding, which only it can do (the worker reads the rest).
        first = min(size, FIRST_BATCH) if pool is not None else size
        for batch in _batches(source.pending(), size, first):
            if stop is not None and stop.is_set():
                break
            # The first batch is read here, once the second has been handed over: the worker
            # (still starting) reads the second meanwhile, instead of this process waiting for
            # it to read the first.
            handed_over = pool is not None and ahead is not None
            reading = pool.read([item.raw for item in batch], bot.parse_rules) if handed_over else None
            if ahead is not None:
                _use_the_wait(ahead[1], while_waiting)
                decide(*ahead)
            ahead = None
            if pool is None:
                decide(batch, None)
            else:
                ahead = (batch, reading)
        if ahead is not None and not (stop is not None and stop.is_set()):
            _use_the_wait(ahead[1], while_waiting)
            decide(*ahead)
            ahead = None
    finally:
        if ahead is not None and ahead[1] is not None:
            ahead[1].cancel()  # left in the inbox, read again next time
    return results


def _use_the_wait(reading: Reading | None, while_waiting: Callable[[], bool] | None) -> None:
    while reading is not None and while_waiting is not None and not reading.ready():
        if not while_waiting():
            return


def _batches(items: Iterable[InboundItem], size: int, first: int | None = None) -> Iterator[list[InboundItem]]:
    """``items`` in lists of ``size``, the first of ``first``."""
    batch: list[InboundItem] = []
    limit = size if first is None else first
    for item in items:
        batch.append(item)
        if len(batch) >= limit:
            yield batch
            batch, limit = [], size
    if batch:
        yield batch


def move_out(source: Source, handled: list[tuple[str, IngestResult]]) -> None:
    """Move handled messages to the processed or quarantine folder: as two sets where the source
    can (an IMAP UID MOVE per folder, not one round trip per message)."""
    processed = [key for key, result in handled if result.status != "quarantined"]
    set_aside = [(key, result.reason or "quarantined") for key, result in handled if result.status == "quarantined"]
    if hasattr(source, "mark_many"):
        source.mark_many(processed, set_aside)
        return
    for key in processed:
        source.mark_processed(key)
    for key, reason in set_aside:
        source.mark_quarantined(key, reason)


# ---------------------------------------------------------------------------- files


def secrets_in_config(config: Config) -> list[str]:
    """The keys of ``config`` that hold a secret. Passwords come from the environment
    (``password_env`` names a variable), so only a database URL can carry one:
    ``postgresql+psycopg://user:PASSWORD@host/db`` or ``...?password=...``."""
    try:
        url = make_url(config.settings.store.url)
    except ArgumentError:
        return []
    return ["store.url"] if url.password or "password" in url.query else []


def check_private_files(config: Config) -> None:
    """Refuse to start when a file that holds children's data or a secret can be read or
    changed by group or others: the SQLite store (its folder, the file, its -wal and -shm),
    and the configuration file when it holds a secret. One line names the file, its mode and
    the command that fixes it. A PostgreSQL store is the database server's to protect, so only
    its URL (a password in the configuration) is checked."""
    secrets = secrets_in_config(config)
    if secrets and config.source is not None:
        problem = private_mode_problem(Path(config.source))
        if problem:
            raise ConfigError(f"the configuration holds a secret ({', '.join(secrets)}): {problem}")
    for where, server in (("mailbox", config.settings.mailbox), ("outbox", config.settings.outbox)):
        auth = server.auth
        if auth is None:
            continue
        # The OAuth client secret or certificate key is the mailbox's key: the owner's alone.
        for key, name in (("client_secret_file", auth.client_secret_file),
                          ("certificate.path", auth.certificate.path if auth.certificate else None)):
            problem = private_mode_problem(config.resolve_path(name)) if name else None
            if problem:
                raise ConfigError(f"{where}.auth.{key}: {problem}")
    database = sqlite_file(config.store_url)
    if database is None:
        return
    for path in (database.parent, database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        problem = private_mode_problem(path)
        if problem:
            raise StoreError(f"store: {problem}")
