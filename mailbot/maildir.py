"""Maildir mailbox adapters: the embedded default source of inbound mail and sink of outbound mail.

``MaildirSource`` plays the part an IMAP mailbox plays in production: it lists the messages
waiting in the inbox with their raw bytes exactly as stored, and after the caller has recorded a
message it moves it to a "processed" or "quarantine" folder (Maildir++ sub-folders ``.processed``
and ``.quarantine``).  Nothing is ever deleted (DESIGN.md §6 rule 1), and message bytes are never
rewritten: a quarantine reason goes to a sidecar ``reasons.log`` in the quarantine folder.

``MaildirSink`` stands in for SMTP: each sent message becomes a file in a Maildir's ``new/``,
where a demo user, a mail client or a test can read it.

Moves are single ``os.rename`` calls within one file system, so a message is always in exactly
one folder and keeps its key; a move repeated after a crash finds it already there and succeeds.

Mail about children is special category data: every folder this module creates is 0700 and
every file 0600, whatever the process umask (``mailbot.files``); folders that already exist
keep the mode their owner gave them.
"""

from __future__ import annotations

import contextlib
import email.message
import mailbox
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .files import create_private_file, make_private_dir
from .outgoing import wire_bytes

__all__ = ["InboundItem", "MaildirSource", "MaildirSink"]

_SUBDIRS = ("new", "cur")
# A mail client may move a file (new/ -> cur/, or rename it to change flags) while we look for it.
_MOVE_ATTEMPTS = 3
_LINE_BREAKS = ("\r\n", "\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@dataclass(frozen=True)
class InboundItem:
    """One message waiting to be handled, as read from its mailbox."""

    key: str  # stable identifier of the message in its mailbox (Maildir key)
    raw: bytes
    uid: int | None = None  # IMAP UID (None for Maildir)
    uidvalidity: int | None = None
    size: int | None = None  # the full size when ``raw`` holds only the header (over the limit)


def _folder_name(name: str, what: str) -> str:
    if not name or name != name.strip() or any(c in name for c in "/\\.\0") or name in {"new", "cur", "tmp"}:
        raise ValueError(f"{what} folder name {name!r} must be a plain name without '/', '\\' or '.'")
    return name


def _key_of(filename: str) -> str:
    # Maildir file names are "<key>:2,<flags>" (":" is "!" where the platform forbids ":").
    return filename.split(mailbox.Maildir.colon, 1)[0]


def _find(root: Path, key: str) -> Path | None:
    """The file of ``key`` in the Maildir at ``root``, or None."""
    for sub in _SUBDIRS:
        directory = root / sub
        exact = directory / key
        if exact.is_file():
            return exact
        try:
            entries = os.scandir(directory)
        except FileNotFoundError:
            continue
        with entries:
            for entry in entries:
                if not entry.name.startswith(".") and _key_of(entry.name) == key and entry.is_file():
                    return Path(entry.path)
    return None


def _one_line(text: str) -> str:
    for brk in _LINE_BREAKS:
        text = text.replace(brk, " ")
    return text.strip()


class MaildirSource:
    """An inbox Maildir with processed and quarantine sub-folders."""

    def __init__(
        self, path: str | Path, processed_folder: str = "processed", quarantine_folder: str = "quarantine"
    ) -> None:
        _folder_name(processed_folder, "processed")
        _folder_name(quarantine_folder, "quarantine")
        if processed_folder == quarantine_folder:
            raise ValueError("processed and quarantine folders must differ")
        self.path = Path(os.path.abspath(os.fspath(path)))
        self.processed_path = self.path / f".{processed_folder}"
        self.quarantine_path = self.path / f".{quarantine_folder}"
        _open_maildir(self.path)
        for folder in (self.processed_path, self.quarantine_path):
            _open_maildir(folder)
            # Maildir++ marks a sub-folder with this empty file (Dovecot, Courier).
            os.close(create_private_file(folder / "maildirfolder", os.O_WRONLY, exist_ok=True))
        self.reasons_log = self.quarantine_path / "reasons.log"

    def pending(self) -> list[InboundItem]:
        """Messages in the inbox (new/ and cur/), oldest delivery first, bytes as on disk."""
        found: list[tuple[int, str, Path]] = []
        for sub in _SUBDIRS:
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                        mtime = entry.stat().st_mtime_ns
                    except FileNotFoundError:
                        continue
                    found.append((mtime, _key_of(entry.name), Path(entry.path)))
        found.sort(key=lambda item: (item[0], item[1]))

        items: list[InboundItem] = []
        for _mtime, key, file in found:
            try:
                raw = file.read_bytes()
            except FileNotFoundError:
                # Moved between listing and reading (a client flagged it, or another worker took
                # it); it will be listed again on the next poll if it is still in the inbox.
                continue
            items.append(InboundItem(key=key, raw=raw))
        return items

    def mark_processed(self, key: str) -> None:
        """Move ``key`` from the inbox to the processed folder; already there is not an error."""
        self._move(key, self.processed_path)

    def mark_quarantined(self, key: str, reason: str) -> None:
        """Move ``key`` from the inbox to the quarantine folder and log why in ``reasons.log``."""
        # The reason is written before the move so a crash in between leaves the message in the
        # inbox with its reason logged, never in quarantine with no reason; a repeated call
        # after such a crash does not log it twice.
        if key not in self._logged_keys():
            if _find(self.path, key) is None and _find(self.quarantine_path, key) is None:
                raise KeyError(f"message {key!r} is neither in the inbox nor in {self.quarantine_path.name}")
            self._append_reason(f"{key}\t{_one_line(reason)}\n")
        self._move(key, self.quarantine_path)

    def deliver(self, raw: bytes) -> str:
        """Put a message in the inbox's new/ as an MTA would; returns its key."""
        if not isinstance(raw, (bytes, bytearray)):
            raise TypeError(f"raw must be bytes, got {type(raw).__name__}")
        return _add_bytes(self.path, bytes(raw))

    def _move(self, key: str, target_root: Path) -> None:
        if not key or "/" in key or key.startswith("."):
            raise KeyError(key)
        for _ in range(_MOVE_ATTEMPTS):
            source = _find(self.path, key)
            if source is None:
                if _find(target_root, key) is not None:
                    return
                continue
            # Same subdirectory and file name (so the same key and flags) in the target folder.
            destination = target_root / source.parent.name / source.name
            try:
                os.rename(source, destination)
            except FileNotFoundError:
                continue
            _fsync_dir(destination.parent)
            _fsync_dir(source.parent)
            return
        raise KeyError(f"message {key!r} is neither in the inbox nor in {target_root.name}")

    def _logged_keys(self) -> set[str]:
        try:
            text = self.reasons_log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return set()
        return {line.split("\t", 1)[0] for line in text.splitlines() if line}

    def _append_reason(self, line: str) -> None:
        fd = create_private_file(self.reasons_log, os.O_WRONLY | os.O_APPEND, exist_ok=True)
        with open(fd, "a", encoding="utf-8") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())


class MaildirSink:
    """Writes outgoing messages into a Maildir instead of sending them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(os.path.abspath(os.fspath(path)))
        _open_maildir(self.path)

    def send(self, message: email.message.EmailMessage) -> str:
        """Store ``message`` in new/ and return its key."""
        if not isinstance(message, email.message.Message):
            raise TypeError(f"message must be an email message, got {type(message).__name__}")
        # Files in a Maildir conventionally end lines with LF, whatever the message's policy
        # (SMTP's is CRLF) would put on the wire.
        raw = wire_bytes(message, "\n")
        return _add_bytes(self.path, raw)


def _open_maildir(root: Path) -> None:
    # mailbox.Maildir(create=True) makes tmp/new/cur only when the top directory is new, so an
    # existing empty directory (a fresh volume, a test's tmp_path) would be left unusable.
    for sub in ("tmp", "new", "cur"):
        make_private_dir(root / sub)


_HOST = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
_counter = 0
_counter_lock = threading.Lock()


def _unique_name() -> str:
    # The name mailbox.Maildir gives: time, microseconds, process, a counter, the host.
    global _counter
    with _counter_lock:
        _counter += 1
        count = _counter
    now = time.time()
    return f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{count}.{_HOST}"


def _add_bytes(root: Path, raw: bytes) -> str:
    """Deliver ``raw`` unchanged as a new message: written 0600 in tmp/, then renamed into new/
    (Maildir's rule: a file in new/ is always complete). Returns its key."""
    for _ in range(_MOVE_ATTEMPTS):
        key = _unique_name()
        try:
            fd = create_private_file(root / "tmp" / key, os.O_WRONLY)
        except FileExistsError:
            continue
        break
    else:
        raise OSError(f"cannot create a unique file name in {root / 'tmp'}")
    with open(fd, "wb") as handle:
        handle.write(raw)
    os.rename(root / "tmp" / key, root / "new" / key)
    return key


def _fsync_dir(directory: Path) -> None:
    # A rename is durable only once its directory entry is on disk.
    # Some file systems refuse to open or fsync a directory; the rename itself has happened.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
