"""The Business Manager's hands (issue 10): handles of set-aside mail, and the commands she writes.

A quarantined message gets a short handle from its row in the store (``Q-0012``), shown in the
digest with its sender and reason. It can be taken up again (handled as if it had just arrived,
once its cause is fixed), attached to an alert, or dismissed with a reason. Alerts can be
reassigned (cover for leave), corrected (children, category, process), reopened, logged on an
IRO's behalf, found and listed. The same actions come from the command line (``mailbot
quarantine ...``, ``mailbot alert REF ...``, ``mailbot alerts``) and by e-mail from the roles
allowed to give them, one command per line (``HELP_TEXT``). This module only reads handles and
commands (pure); ``mailbot.service.Mailbot`` carries them out, one code path for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MailbotError

_HANDLE = re.compile(r"^\s*Q-?0*(\d{1,9})\s*$", re.IGNORECASE)
_REF = r"[A-Za-z][A-Za-z0-9]{1,9}-\d{4}-\d{3,}"
_VERBS = ("RETRY", "ATTACH", "DISMISS", "REASSIGN", "CORRECT", "REOPEN", "LOG", "FIND", "OPEN", "HELP")
_COMMAND = re.compile(r"^\s*(?P<verb>" + "|".join(_VERBS) + r")\b[:.]?\s*(?P<rest>.*?)\s*$", re.IGNORECASE)
MAX_COMMANDS = 20
HELP_TEXT = """Write one command per line, to the DRP mailbox:
  RETRY Q-0012                          handle set-aside mail again, as if it had just arrived
  ATTACH Q-0012 TO DRP-2027-0003        read set-aside mail as a reply in that alert
  DISMISS Q-0012 reason                 take it off the list, with the reason
  REASSIGN DRP-2027-0003 TO name@... reason   the response is now due from that person (cover)
  CORRECT DRP-2027-0003 child 1234567   the child IDs (several: 1234567, 7654321)
  CORRECT DRP-2027-0003 category Care planning; Placement
  CORRECT DRP-2027-0003 process cp      the process (lac, cp, ...)
  REOPEN DRP-2027-0003 reason           an alert closed by mistake is live again
  LOG FOR iro@... TO manager@...        an alert raised outside e-mail: the form attached, or
                                        the concern written below this line, on the IRO's behalf
  FIND 1234567  /  FIND Jo Reid         the alerts for a child or a person
  OPEN                                  the open alerts as a workbook, as at now (OPEN OVERDUE: late ones)
  HELP                                  this list
Each Q- handle is shown in the daily digest."""


class NotDone(MailbotError):
    """A command that cannot be carried out; the message says why, for the person who gave it."""


class UnknownHandle(NotDone):
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
    verb: str  # one of _VERBS
    handle: str | None = None  # Q-0012
    ref: str | None = None  # the alert: ATTACH ... TO, REASSIGN, CORRECT, REOPEN
    to: str | None = None  # REASSIGN ... TO whom; LOG ... TO the manager
    field: str | None = None  # CORRECT: child | category | process
    values: tuple[str, ...] = ()  # CORRECT: the new values
    who: str | None = None  # LOG FOR the IRO; FIND a child or a person
    reason: str = ""
    problem: str | None = None  # why the line cannot be carried out as written


def _read(verb: str, rest: str) -> Command:
    """One command line, its verb already read; a line that cannot be carried out as written
    comes back with ``problem`` set, so the sender is told why."""
    def problem(text: str) -> Command:
        return Command(verb, problem=text)

    if verb == "HELP":
        return Command(verb)
    if verb == "OPEN":
        return Command(verb, field="overdue" if rest.lower().startswith("overdue") else None)
    if verb == "FIND":
        return Command(verb, who=rest) if rest else problem("FIND needs a child's ID or a person, e.g. FIND 1234567")
    if verb == "LOG":
        m = re.match(r"^(?:FOR\s+)?(?P<who>.+?)(?:\s+TO\s+(?P<to>\S+@\S+|.+))?$", rest, re.IGNORECASE)
        if not rest or m is None:
            return problem("LOG needs the IRO, e.g. LOG FOR jo.reid@council.gov.uk TO sam.lee@council.gov.uk")
        return Command(verb, who=m.group("who").strip(), to=(m.group("to") or "").strip() or None)
    if verb in ("RETRY", "ATTACH", "DISMISS"):
        m = re.match(r"^(?P<handle>Q-?\d{1,9})\b\s*(?:TO\s+(?P<ref>" + _REF + r")\b)?\s*(?P<rest>.*)$", rest,
                     re.IGNORECASE)
        if m is None:
            return problem(f"{verb} needs a handle, e.g. {verb} Q-0012")
        handle, ref, reason = handle_of(row_id_of(m.group("handle"))), m.group("ref"), m.group("rest").strip()
        if verb == "ATTACH" and not ref:
            return problem("ATTACH needs an alert, e.g. ATTACH Q-0012 TO DRP-2027-0003")
        if verb == "DISMISS" and not reason:
            return problem("DISMISS needs a reason, e.g. DISMISS Q-0012 not a DRP concern")
        return Command(verb, handle, ref.upper() if ref else None, reason=reason)
    m = re.match(r"^(?P<ref>" + _REF + r")\b\s*(?P<rest>.*)$", rest, re.IGNORECASE)
    if m is None:
        return problem(f"{verb} needs an alert reference, e.g. {verb} DRP-2027-0003")
    ref, rest = m.group("ref").upper(), m.group("rest").strip()
    if verb == "REOPEN":
        return Command(verb, ref=ref, reason=rest) if rest else problem(
            "REOPEN needs a reason, e.g. REOPEN DRP-2027-0003 closed by mistake")
    if verb == "REASSIGN":
        m = re.match(r"^TO\s+(?P<to>\S+@\S+?)[.,;]?(?:\s+(?P<reason>.*))?$", rest, re.IGNORECASE)
        if m is None:
            return problem("REASSIGN needs an address, e.g. REASSIGN DRP-2027-0003 TO sam.lee@council.gov.uk")
        return Command(verb, ref=ref, to=m.group("to").lower(), reason=(m.group("reason") or "").strip())
    # CORRECT
    m = re.match(r"^(?P<field>child(?:ren)?|child\s+ids?|category|categories|process)\b[:=]?\s*(?P<values>.*)$",
                 rest, re.IGNORECASE)
    if m is None or not m.group("values").strip():
        return problem("CORRECT needs what and the new value, e.g. CORRECT DRP-2027-0003 child 1234567")
    field = m.group("field").lower()
    field = "child" if field.startswith("child") else "category" if field.startswith("categor") else "process"
    text = m.group("values").strip()
    split = r"\s*;\s*" if field == "category" else r"[\s,;]+"
    values = tuple(v for v in re.split(split, text) if v)
    if field == "category" and len(values) == 1 and "," in text:
        values = tuple(v.strip() for v in text.split(",") if v.strip())
    return Command(verb, ref=ref, field=field, values=values)


_GREETING = re.compile(r"^\s*(?:hi|hello|dear|morning|good\s+(?:morning|afternoon))\b", re.IGNORECASE)


def parse_commands(text: str) -> list[Command]:
    """The commands of a mail whose new text opens with one (after a greeting), else []: a
    decision word further down an ordinary reply is never read as a command. Every command
    line is read, in order, up to MAX_COMMANDS; other lines are ignored, so a signature does no
    harm. Reading stops at LOG: the lines after it are the concern it logs."""
    lines = [line for line in (text or "").splitlines() if line.strip() and not _GREETING.match(line)]
    if not lines or _COMMAND.match(lines[0]) is None:
        return []
    commands: list[Command] = []
    for line in lines:
        m = _COMMAND.match(line)
        if m is None:
            continue
        verb = m.group("verb").upper()
        commands.append(_read(verb, m.group("rest")))
        if verb == "LOG" or len(commands) >= MAX_COMMANDS:
            break
    return commands
