"""Mail set aside is a work queue (issue 10): its handles, and the Business Manager's commands.

A quarantined message gets a short handle from its row in the store (``Q-0012``), shown in the
digest with its sender and reason. It can be taken up again (handled as if it had just arrived,
once its cause is fixed), attached to an alert, or dismissed with a reason. The same actions come
from the command line (``mailbot quarantine ...``) and by e-mail from the roles allowed to give
them: the Business Manager writes ``RETRY Q-0012``, ``ATTACH Q-0012 TO DRP-2027-0003``,
``DISMISS Q-0012 not DRP`` or ``HELP`` to the mailbox. This module only reads handles and
commands (pure); ``Mailbot.take_up`` and ``Mailbot.dismiss`` carry them out, one code path for
both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MailbotError

ADMIN_ROLES_DEFAULT = ("business_manager",)
_HANDLE = re.compile(r"^\s*Q-?0*(\d{1,9})\s*$", re.IGNORECASE)
_COMMAND = re.compile(
    r"^\s*(?P<verb>RETRY|ATTACH|DISMISS|HELP)\b(?:\s+(?P<handle>Q-?\d{1,9}))?"
    r"(?:\s+TO\s+(?P<ref>[A-Za-z]{2,10}-\d{4}-\d{3,}))?(?:\s+(?P<rest>.*))?$",
    re.IGNORECASE,
)
MAX_COMMANDS = 20
HELP_TEXT = """Write one command per line, to the DRP mailbox:
  RETRY Q-0012                      handle set-aside mail again, as if it had just arrived
  ATTACH Q-0012 TO DRP-2027-0003    read set-aside mail as a reply in that alert
  DISMISS Q-0012 reason             take it off the list, with the reason
  HELP                              this list
Each Q- handle is shown in the daily digest."""


class UnknownHandle(MailbotError):
    """A handle that names no mail set aside."""


def handle_of(row_id: int) -> str:
    return f"Q-{row_id:04d}"


def row_id_of(handle: str) -> int:
    m = _HANDLE.match(handle or "")
    if m is None:
        raise UnknownHandle(f"{handle!r} is not a handle of set-aside mail (they look like Q-0012)")
    return int(m.group(1))


@dataclass(frozen=True)
class Command:
    verb: str  # RETRY | ATTACH | DISMISS | HELP
    handle: str | None = None
    ref: str | None = None
    reason: str = ""
    problem: str | None = None  # why the line cannot be carried out as written


def parse_commands(text: str) -> list[Command]:
    """Every command line of ``text`` (at most MAX_COMMANDS), in order; other lines are ignored,
    so a greeting or a signature around the commands does no harm."""
    commands: list[Command] = []
    for line in (text or "").splitlines():
        m = _COMMAND.match(line)
        if m is None:
            continue
        verb = m.group("verb").upper()
        handle, ref, rest = m.group("handle"), m.group("ref"), (m.group("rest") or "").strip()
        problem = None
        if verb in ("RETRY", "ATTACH", "DISMISS") and not handle:
            problem = f"{verb} needs a handle, e.g. {verb} Q-0012"
        elif verb == "ATTACH" and not ref:
            problem = "ATTACH needs an alert, e.g. ATTACH Q-0012 TO DRP-2027-0003"
        elif verb == "DISMISS" and not rest:
            problem = "DISMISS needs a reason, e.g. DISMISS Q-0012 not a DRP concern"
        commands.append(Command(verb, handle_of(row_id_of(handle)) if handle else None,
                                ref.upper() if ref else None, rest, problem))
        if len(commands) >= MAX_COMMANDS:
            break
    return commands
