"""``mailbot demo``: a month of DRP traffic on the embedded default, told day by day.

It copies the default configuration into a fresh folder, then walks the calendar from
Thu 29 Apr to Fri 28 May 2027 (across the Early May bank holiday). Each morning it runs the
deadline sweep; through the day it delivers the sample e-mails shipped beside this file into the
Maildir inbox at the times their Date headers give, lets mailbot handle them, and sends what
mailbot queued into the outbox Maildir. It prints what arrived, what was decided and what was
sent, ends with the digest, and checks every scenario reached its expected final state.
"""

from __future__ import annotations

import email
import email.utils
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from store import repository as repo

from ..config import load_config
from ..errors import UsageError
from ..service import Mailbot
from ..shell import drain_mailbox, make_sink, make_source

HERE = Path(__file__).resolve().parent
FIRST_DAY = date(2027, 4, 29)
LAST_DAY = date(2027, 5, 28)
MORNING = time(8, 0)


@dataclass(frozen=True)
class Expected:
    story: str
    status: str
    stage: int
    resolved_at_stage: int | None = None


EXPECTED = {
    "DRP-2027-0001": Expected("resolved informally", "resolved", 0, 0),
    "DRP-2027-0002": Expected("two lapses and two escalations, resolved at Stage 2", "resolved", 2, 2),
    "DRP-2027-0003": Expected("an extension asked for and agreed", "resolved", 1, 1),
    "DRP-2027-0004": Expected("three siblings, then withdrawn", "withdrawn", 0),
    "DRP-2027-0005": Expected("a bypass to Stage 3, then the Dispute Resolution Meeting", "resolved", 3, 3),
    "DRP-2027-0006": Expected("Stage 4 lapsed, referred to CAFCASS", "cafcass", 4),
    "DRP-2027-0007": Expected("a CP conference concern within 2 working days", "resolved", 0, 0),
    "DRP-2027-0008": Expected("raised late in the month, still with the Team Manager", "awaiting_response", 0),
}


def _arrivals() -> list[tuple[datetime, Path]]:
    out = []
    for path in sorted(HERE.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        out.append((email.utils.parsedate_to_datetime(message["Date"]), path))
    return sorted(out)


def _prepare(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise UsageError(f"--dir: {folder} is not empty; give an empty or new folder")
    config_path = folder / "config.yaml"
    shutil.copyfile(HERE.parent / "default_config.yaml", config_path)
    return config_path


def run_demo(folder: Path | None, out: TextIO) -> int:
    folder = folder or Path(tempfile.mkdtemp(prefix="mailbot-demo-"))
    config = load_config(_prepare(folder))
    bot = Mailbot(config)
    cal = bot.calendar
    source, sink = make_source(config), make_sink(config)
    arrivals = _arrivals()
    say = lambda line="": print(line, file=out)  # noqa: E731

    say(f"mailbot demo: {config.authority.name}")
    say(f"Working in {folder}; mail arrives in var/mail, mailbot's mail goes to var/outbox.")
    say(f"Simulating {FIRST_DAY:%a %d %b} to {LAST_DAY:%a %d %b %Y}: {len(arrivals)} e-mails, 8 alerts.\n")
    with bot.sessions() as session:
        audit_mark, outbox_mark = repo.last_audit_id(session), repo.last_outbox_id(session)

    day = FIRST_DAY
    while day <= LAST_DAY:
        reason = cal.non_working_reason(day)
        todays = [(at, p) for at, p in arrivals if cal.local_date(at) == day]
        if reason and not todays:
            say(f"{day:%a %d %b}  -- not a working day ({reason})")
            day += timedelta(days=1)
            continue
        say(f"{day:%a %d %b %Y}")
        morning = datetime.combine(day, MORNING, cal.tz)
        events = bot.tick(morning)
        audit_mark = _tell_decisions(bot, say, audit_mark)
        for at, path in todays:
            source.deliver(path.read_bytes())
            for result in drain_mailbox(bot, at, source):
                why = f" ({result.reason})" if result.reason else ""
                say(f"  {at.astimezone(cal.tz):%H:%M} in   {result.kind or '-':<17} "
                    f"{result.alert or '-':<14} {result.status}{why}")
            audit_mark = _tell_decisions(bot, say, audit_mark)
        bot.send(datetime.combine(day, time(17, 30), cal.tz), sink)
        with bot.sessions() as session:
            for row in repo.outbox_since(session, outbox_mark):
                cc = f" cc {', '.join(row.cc_addrs)}" if row.cc_addrs else ""
                say(f"        sent {row.template:<19} to {', '.join(row.to_addrs)}{cc}")
            audit_mark, outbox_mark = repo.last_audit_id(session), repo.last_outbox_id(session)
        if not todays and not events:
            say("  (quiet day: nothing arrived, nothing due)")
        day += timedelta(days=1)

    final = datetime.combine(LAST_DAY, time(17, 45), cal.tz)
    subject, text = bot.digest(final, queue=True)
    bot.send(final, sink)
    say("\nThe Business Manager's digest for the last day:\n")
    say(f"Subject: {subject}\n")
    say(text.rstrip())
    return _check(bot, out, folder)


def _tell_decisions(bot: Mailbot, say, since: int) -> int:
    """Print the decisions recorded since audit id ``since``; return the new mark."""
    with bot.sessions() as session:
        for entry in repo.audit_since(session, since):
            if entry.action not in ("queued", "sent", "quarantined"):
                at = entry.at.astimezone(bot.calendar.tz)
                say(f"  {at:%H:%M} did  {entry.alert_ref or '-':<14} {entry.detail}")
        return repo.last_audit_id(session)


def _check(bot: Mailbot, out: TextIO, folder: Path) -> int:
    alerts = {a.ref: a for a in bot.alerts()}
    print("\nScenario check:", file=out)
    failures = 0
    for ref, want in EXPECTED.items():
        alert = alerts.get(ref)
        got = (alert.status.value, alert.stage, alert.resolved_at_stage) if alert else None
        ok = got == (want.status, want.stage, want.resolved_at_stage)
        failures += not ok
        shown = f"{got[0]} at stage {got[1]}" if got else "missing"
        print(f"  {'ok  ' if ok else 'FAIL'} {ref}  {want.story}: {shown}", file=out)
    extra = sorted(set(alerts) - set(EXPECTED))
    if extra:
        failures += 1
        print(f"  FAIL unexpected alerts: {', '.join(extra)}", file=out)
    sent = len(list((bot.config.resolve_path(bot.config.settings.outbox.url) / "new").iterdir()))
    if failures:
        print(f"\n{failures} scenario(s) did not end as expected.", file=out)
        return 1
    print(f"\nAll {len(EXPECTED)} scenarios ended in their expected state. "
          f"{sent} mails are in {folder / 'var' / 'outbox'}: open it with any mail client.", file=out)
    return 0
