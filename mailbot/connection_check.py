"""`mailbot check-config --connect`: try the configured mailbox and outbox as the daemon would.

Logs in to the mailbox with the configured secret or OAuth 2.0 credentials, learns the folder
separator, checks (and creates, as the daemon would) the processed and quarantine folders, and
logs in to the outbox and says QUIT: nothing is read, moved or sent. Each side gives one line,
either what it found or what is wrong and what to do; both are tried even when the first fails,
so an administrator sees every problem in one run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .config import IMAP_SCHEMES, SMTP_SCHEMES, Config, parse_server_url
from .errors import ConfigError
from .imap import ImapSource, MailboxUnavailable
from .smtp import SmtpSink, TemporaryFailure


@dataclass(frozen=True)
class Finding:
    where: str  # "mailbox" or "outbox"
    ok: bool
    line: str


def check_connections(config: Config) -> list[Finding]:
    return [check_mailbox(config), check_outbox(config)]


def check_mailbox(config: Config) -> Finding:
    box = config.settings.mailbox
    if parse_server_url(box.url, IMAP_SCHEMES).is_maildir:
        from .maildir import MaildirSource

        path = config.resolve_path(box.url)
        try:
            waiting = len(MaildirSource(path, box.processed_folder, box.quarantine_folder).pending())
        except (OSError, ValueError) as exc:
            return Finding("mailbox", False, f"mailbox: maildir {path}: {getattr(exc, 'strerror', None) or exc}")
        return Finding("mailbox", True, f"mailbox: maildir {path} ready (a folder on this machine; "
                                        f"{waiting} message(s) waiting)")
    try:
        source = ImapSource(box, base_dir=config.base_dir)
        source.connect()
    except (ConfigError, MailboxUnavailable) as exc:
        text = str(exc)
        return Finding("mailbox", False, text if text.startswith("mailbox") else f"mailbox: {text}")
    try:
        how = "with a password"
        if source.session_token is not None:
            minutes = max(0, int((source.session_token.expires_at - time.time()) // 60))
            how = f"with OAuth 2.0 (XOAUTH2; token valid {minutes} min more)"
        return Finding("mailbox", True,
                       f"mailbox: {box.url}: logged in as {box.username} {how}; folder separator "
                       f"{source.separator!r}; {source.folder} holds {source.inbox_count} message(s); "
                       f"folders {box.processed_folder!r} and {box.quarantine_folder!r} ready")
    finally:
        source.close()


def check_outbox(config: Config) -> Finding:
    out = config.settings.outbox
    if parse_server_url(out.url, SMTP_SCHEMES).is_maildir:
        path = config.resolve_path(out.url)
        return Finding("outbox", True, f"outbox: maildir {path} (mail is written there, not sent)")
    try:
        line = SmtpSink(out, config.authority.mailbox_address, base_dir=config.base_dir).check_login()
    except (ConfigError, TemporaryFailure) as exc:
        text = str(exc)
        return Finding("outbox", False, text if text.startswith("outbox") else f"outbox: {text}")
    return Finding("outbox", True, f"outbox: {line}")
