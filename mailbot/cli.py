"""The ``mailbot`` command line: the one place where real adapters are wired to the service.

Global options ``--config PATH`` (else ``$MAILBOT_CONFIG``, else ``./config.yaml``) and
``--now ISO-8601`` (else ``$MAILBOT_NOW``, else the real clock — read here and nowhere else).
Bad input ends with one line, ``mailbot: error: ...``, and exit status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .config import Config, find_config_path, load_config
from .errors import MailbotError, UsageError

EXIT_USAGE = 2
EXIT_INTERNAL = 70


def parse_now(text: str | None, zone: str) -> datetime:
    """``--now``: ISO-8601; a time without a zone is the authority's local time."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--now: {text!r} is not an ISO-8601 date or time, e.g. 2027-05-04T09:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


class Context:
    """What every command needs, built lazily so `mailbot --help` needs no configuration."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._config: Config | None = None
        self._bot = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(find_config_path(self.args.config))
        return self._config

    @property
    def now(self) -> datetime:
        return parse_now(self.args.now or os.environ.get("MAILBOT_NOW"), self.config.authority.timezone)

    @property
    def bot(self):
        if self._bot is None:
            from .service import Mailbot
            from .shell import check_private_files

            # Every command that opens the store (the daemon too) comes through here: refuse to
            # start when the store or a config holding a secret is open to group or others.
            check_private_files(self.config)
            self._bot = Mailbot(self.config)
        return self._bot


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


# ---------------------------------------------------------------------------- commands


def cmd_check_config(ctx: Context) -> int:
    from .service import calendar_for

    config = ctx.config
    print(f"{config.source}: valid. {config.authority.name}, {len(config.people)} people in the directory.")
    if not config.settings.security.authenticates:
        print("warning: security.trusted_authserv_ids is empty: a forged From address will be obeyed. "
              "Name the receiving server whose Authentication-Results mailbot may believe "
              "(exchange-online for Microsoft 365, or your gateway's authserv-id).", file=sys.stderr)
    for key, process in config.processes.items():
        print(f"\nProcess {key}: {process.label} (raised by {', '.join(process.raised_by)};"
              f" escalation {process.escalation})")
        if process.informal:
            print(f"  informal  {process.informal.name:<40} {process.informal.responder:<22} "
                  f"{process.informal.working_days} working days")
        for stage in process.stages:
            print(f"  stage {stage.stage}   {stage.name:<40} {stage.responder:<22} {stage.working_days} working days")
            if stage.then:
                print(f"            then {stage.then.name} within {stage.then.within_working_days} working days")
        if process.final:
            print(f"  final     {process.final.name} (raised by {', '.join(process.final.raised_by)})")
        if process.formal_cap_working_days:
            print(f"  formal cap: {process.formal_cap_working_days} working days (reported, not enforced)")
        print(f"  categories: {len(process.categories)}")
    from .config import roles_needed

    print("\nRoles the configuration needs, and who holds them:")
    for role, uses in sorted(roles_needed(config.settings).items()):
        holders = config.people_with_role(role)
        print(f"  {role:<24} {len(holders):>2} {'person ' if len(holders) == 1 else 'people'}  ({'; '.join(uses)})")
    calendar = calendar_for(config)
    today = calendar.local_date(ctx.now)
    print(f"\nNext bank holidays and closure days after {today.isoformat()} (weekends are never working days):")
    for day, reason in calendar.non_working_days_after(today, 5, weekends=False):
        print(f"  {day.isoformat()} {day:%a}  {reason}")
    for where, server in (("mailbox", config.settings.mailbox), ("outbox", config.settings.outbox)):
        variables = [server.password_env] + ([server.auth.client_secret_env] if server.auth else [])
        for name in filter(None, variables):
            if name not in os.environ:
                print(f"warning: {where}: the environment variable {name} is not set here; the daemon "
                      "needs it (check-config --connect tries the login)", file=sys.stderr)
    if not getattr(ctx.args, "connect", False):
        return 0
    from .connection_check import check_connections

    print("\nConnecting (nothing is read, moved or sent):")
    findings = check_connections(config)
    for finding in findings:
        print(f"  {'ok  ' if finding.ok else 'FAIL'} {finding.line}")
    return 0 if all(f.ok for f in findings) else 1


def cmd_db_upgrade(ctx: Context) -> int:
    from store.db import make_engine, upgrade

    from .shell import check_private_files

    check_private_files(ctx.config)
    before, after = upgrade(make_engine(ctx.config.store_url))
    print(f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


def existing_files(names: list[str]) -> list[Path]:
    """The named files, all checked before any is read, so bad input leaves nothing half-done."""
    files = [Path(name) for name in names]
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    return files


def cmd_ingest(ctx: Context) -> int:
    files = existing_files(ctx.args.files)
    now = ctx.now
    worst = 0
    for path in files:
        result = ctx.bot.ingest(path.read_bytes(), now, mailbox_key=str(path))
        print(json.dumps(result.as_json()))
        if result.status == "quarantined":
            worst = 1
    return 0 if not ctx.args.strict else worst


def cmd_poll(ctx: Context) -> int:
    from .shell import drain_mailbox

    for result in drain_mailbox(ctx.bot, ctx.now):
        print(json.dumps(result.as_json()))
    return 0


def cmd_tick(ctx: Context) -> int:
    done = ctx.bot.tick(ctx.now)
    for ref, event in done:
        print(f"{ref}: {event}")
    if not done:
        print("nothing due")
    return 0


def _report_period(args: argparse.Namespace):
    """--period 2026Q4 | FY2026 | 2027-05, or --from DATE --to DATE; None for the default."""
    from . import reports

    if args.period and (args.date_from or args.date_to):
        raise UsageError("report: give either --period or --from/--to, not both")
    if args.period:
        try:
            return reports.parse_period(args.period)
        except ValueError as exc:
            raise UsageError(f"--period: {exc}") from None
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise UsageError("report: --from and --to go together (dates as YYYY-MM-DD)")
        days = []
        for flag, text in (("--from", args.date_from), ("--to", args.date_to)):
            try:
                days.append(date.fromisoformat(text.strip()))
            except ValueError:
                raise UsageError(f"{flag}: {text!r} is not a date, e.g. 2026-10-01") from None
        try:
            return reports.between(*days)
        except ValueError as exc:
            raise UsageError(f"--from/--to: {exc}") from None
    return None


def cmd_report(ctx: Context) -> int:
    """``mailbot report digest|monthly|quarterly``: print, write (--out) and/or queue (--send).
    Files are written 0600 (folders made 0700) whatever the umask: they name alerts and people."""
    from . import reports
    from .files import make_private_dir, write_private_file

    args = ctx.args
    period = _report_period(args)
    out = Path(args.out) if args.out else None
    show = args.print or not (out or args.send)  # printing is the default
    now, bot = ctx.now, ctx.bot
    if args.kind == "digest":
        if period is not None:
            raise UsageError("report digest: the digest is for the day of --now; --period/--from/--to do not apply")
        if out and out.suffix.lower() not in (".html", ".txt"):
            raise UsageError(f"--out: {out}: the digest is written as .html or .txt")
        subject, text, html = bot.digest_rendered(now, queue=args.send)
        if show:
            print(f"Subject: {subject}\n\n{text}")
        if out:
            write_private_file(out, (html if out.suffix.lower() == ".html" else f"Subject: {subject}\n\n{text}").encode("utf-8"))
            print(f"digest written to {out}")
        if args.send:
            print(f"digest queued: {subject}")
    elif args.kind == "monthly":
        if out and out.exists() and not out.is_dir():
            raise UsageError(f"--out: {out} is a file; the monthly mails are written into a folder")
        mails = bot.monthly(now, period)
        if show:
            for to, subject, text, _html in mails:
                print(f"To: {to}\nSubject: {subject}\n\n{text}")
        if out:
            make_private_dir(out)
            for to, subject, text, html in mails:
                stem = "monthly-" + to.split("@")[0].replace(".", "-")
                write_private_file(out / f"{stem}.html", html.encode("utf-8"))
                write_private_file(out / f"{stem}.txt", f"Subject: {subject}\n\n{text}".encode("utf-8"))
            print(f"{len(mails)} monthly mail(s) written to {out}")
        if args.send:
            queued = bot.queue_monthly(now, period)
            print(f"monthly mails queued for {', '.join(queued) or 'no one'}")
    else:
        if out and out.suffix.lower() not in (".xlsx", ".csv"):
            raise UsageError(f"--out: {out}: the quarterly analysis is written as .xlsx or .csv")
        report = bot.quarterly(now, period)
        if show:
            print(reports.quarterly_text(report), end="")
        if out:
            if out.suffix.lower() == ".xlsx":
                write_private_file(out, reports.xlsx_bytes(report))
            else:
                handle = io.StringIO(newline="")
                reports.write_csv(report, handle)
                write_private_file(out, handle.getvalue().encode("utf-8"))
            print(f"quarterly analysis {report.period.label} written to {out}")
        if args.send:
            queued = bot.queue_quarterly(now, period)
            print(f"quarterly analysis queued for {', '.join(queued) or 'no one'}")
    return 0


def cmd_import(ctx: Context) -> int:
    """``mailbot import FILE --mapping MAPPING.yaml [--dry-run]``: all rows or none."""
    from .importer import describe, import_file, iter_errors

    path, mapping = Path(ctx.args.file), Path(ctx.args.mapping)
    plan, written = import_file(ctx.bot, path, mapping, ctx.now, ctx.args.dry_run)
    rows = sum(len(p.rows) for p in plan.alerts)
    if ctx.args.dry_run or written:
        for planned in plan.alerts:
            verb = "created" if written else "would create"
            print(f"{verb}: {describe(planned.alert, ctx.config, ctx.bot.calendar)}")
    for line in iter_errors(plan):
        print(f"cannot read: {line}")
    if ctx.args.dry_run:
        print(f"dry run: {len(plan.alerts)} alert(s) from {rows} row(s) would be imported; "
              f"{len(plan.errors)} row(s) could not be read; nothing was written")
        return 1 if plan.errors else 0
    if not written:
        raise UsageError(f"{path}: {len(plan.errors)} row(s) could not be read (listed above); nothing was imported")
    print(f"imported {len(plan.alerts)} alert(s) from {rows} row(s) of {path}")
    return 0


def _alert_filter(args: argparse.Namespace):
    from .alert_list import AlertFilter

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise UsageError(f"--since: {args.since!r} is not a date; write YYYY-MM-DD, e.g. 2027-04-01") from None
    return AlertFilter(open_only=args.open, overdue=args.overdue, child=args.child, person=args.person,
                       team=args.team, stage=args.stage, since=since)


def cmd_alerts(ctx: Context) -> int:
    """``mailbot alerts [--open] [--overdue] [--child ID] [--person WHO] [--team NAME] [--stage N]
    [--since DATE]``: the list the Business Manager's OPEN and FIND give by mail."""
    from . import alert_list
    from .service import alert_json

    bot, now = ctx.bot, ctx.now
    alerts = bot.select_alerts(_alert_filter(ctx.args), now)
    if ctx.args.json:
        _print_json([alert_json(a, ctx.config) for a in alerts])
        return 0
    if not alerts:
        print("no alerts")
        return 0
    print(alert_list.as_text(alert_list.rows(alerts, ctx.config, bot.calendar, now)))
    return 0


def cmd_quarantine(ctx: Context) -> int:
    """``mailbot quarantine list|show|retry|attach|dismiss``: the work queue of mail set aside,
    the administrator's equivalent of the Business Manager's RETRY / ATTACH / DISMISS mail
    (one code path: Mailbot.take_up and Mailbot.dismiss)."""

    from . import workqueue

    args, bot = ctx.args, ctx.bot
    actor = f"{os.environ.get('USER') or 'administrator'} (command line)"
    if args.action == "list":
        rows = bot.quarantined()
        if args.json:
            _print_json([{"handle": h, "received": r.received_at.isoformat(), "from": r.from_addr,
                          "reason": r.reason} for h, r in rows])
            return 0
        if not rows:
            print("no mail set aside")
        else:
            print(f"{'handle':<8} {'received':<17} {'from':<36} why")
        for handle, row in rows:
            local = row.received_at.astimezone(bot.calendar.tz)
            print(f"{handle:<8} {local:%Y-%m-%d %H:%M} {row.from_addr or '(no sender)':<36} {row.reason}")
        return 0
    if not args.handle:
        raise UsageError(f"quarantine {args.action} needs a handle, e.g. Q-0012")
    try:
        if args.action == "show":
            match = [(h, r) for h, r in bot.quarantined() if h == workqueue.handle_of(workqueue.row_id_of(args.handle))]
            if not match:
                raise workqueue.UnknownHandle(f"{args.handle} names no mail waiting for a person")
            handle, row = match[0]
            from .service import _subject_of

            print(f"{handle}\nreceived: {row.received_at.astimezone(bot.calendar.tz):%Y-%m-%d %H:%M}\n"
                  f"from:     {row.from_addr}\nsubject:  {_subject_of(row.raw)}\nwhy:      {row.reason}\n"
                  f"message:  {row.message_id}")
            return 0
        if args.action == "dismiss":
            if not args.reason:
                raise UsageError("quarantine dismiss needs --reason")
            print(bot.dismiss(args.handle, args.reason, ctx.now, actor=actor))
            return 0
        if args.action == "attach" and not args.to:
            raise UsageError("quarantine attach needs --to DRP-YYYY-NNNN")
        result = bot.take_up(args.handle, ctx.now, actor=actor,
                             attach_to=args.to.upper() if args.action == "attach" else None)
    except workqueue.UnknownHandle as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.handle.upper()}: {result.status}" + (f" as {result.alert}" if result.alert else "")
          + (f" ({result.reason})" if result.reason else ""))
    return 0


def cmd_alert(ctx: Context) -> int:
    """``mailbot alert REF``: one alert and its history. ``mailbot alert REF reassign EMAIL``,
    ``correct child|category|process VALUE...`` and ``reopen --reason TEXT``: the administrator's
    REASSIGN / CORRECT / REOPEN, carried out by the same code as the Business Manager's mail."""
    from . import workqueue
    from .service import alert_json

    args = ctx.args
    ref = args.ref.upper()
    if args.action:
        actor = f"{os.environ.get('USER') or 'administrator'} (command line)"
        reason = (args.reason or "").strip()
        if args.action == "reassign":
            if len(args.values) != 1:
                raise UsageError("alert REF reassign needs one address, e.g. sam.lee@council.gov.uk")
            command = workqueue.Command("REASSIGN", ref=ref, to=args.values[0].lower(), reason=reason)
        elif args.action == "correct":
            if len(args.values) < 2:
                raise UsageError("alert REF correct needs what and the new value, e.g. correct child 1234567")
            what = args.values[0].lower()
            command = workqueue.Command("CORRECT", ref=ref, field={"children": "child", "categories": "category"}
                                        .get(what, what), values=tuple(args.values[1:]), reason=reason)
        else:
            if not reason:
                raise UsageError("alert REF reopen needs --reason, e.g. --reason 'closed by mistake'")
            command = workqueue.Command("REOPEN", ref=ref, reason=reason)
        try:
            print(ctx.bot.carry_out(command, ctx.now, actor=actor))
        except workqueue.NotDone as exc:
            raise UsageError(str(exc)) from None
        return 0
    alert, history = ctx.bot.alert_history(ref)
    if alert is None:
        raise UsageError(f"{args.ref}: no such alert")
    data = alert_json(alert, ctx.config)
    data["history"] = [
        {"at": h.at.isoformat(), "actor": h.actor, "action": h.action, "detail": h.detail,
         "message_id": h.message_id}
        for h in history
    ]
    if args.json:
        _print_json(data)
        return 0
    for key, value in data.items():
        if key != "history":
            print(f"{key:>18}: {value}")
    print("history:")
    for h in data["history"]:
        print(f"  {h['at'][:16]}  {h['actor']:<36} {h['detail']}")
    return 0


def cmd_outbox(ctx: Context) -> int:
    rows = [
        {"to": r.to_addrs, "cc": r.cc_addrs, "subject": r.subject, "template": r.template,
         "status": r.status, "alert": r.alert_ref, "message_id": r.message_id,
         "created": r.created_at.isoformat(), "sent": r.sent_at.isoformat() if r.sent_at else None}
        for r in ctx.bot.outbox()
    ]
    if ctx.args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("outbox is empty")
    for r in rows:
        print(f"{r['status']:<7} {r['template']:<20} {', '.join(r['to']):<40} {r['subject']}")
    return 0


def cmd_send(ctx: Context) -> int:
    from .shell import make_sink

    sent = ctx.bot.send(ctx.now, make_sink(ctx.config))
    print(f"sent {len(sent)} message(s)")
    return 0


def cmd_digest(ctx: Context) -> int:
    subject, text = ctx.bot.digest(ctx.now, queue=not ctx.args.print)
    if ctx.args.print:
        print(f"Subject: {subject}\n\n{text}")
    else:
        print(f"digest queued: {subject}")
    return 0


def cmd_run(ctx: Context) -> int:
    from .daemon import Daemon, real_clock
    from .shell import make_sink, make_source

    fixed = ctx.args.now or os.environ.get("MAILBOT_NOW")
    clock = (lambda: ctx.now) if fixed else real_clock
    daemon = Daemon(ctx.bot, make_source(ctx.config), make_sink(ctx.config), clock=clock)
    if ctx.args.once:
        done = daemon.run_once()
        print(f"handled {done['handled']} message(s), {done['swept']} deadline event(s), sent {done['sent']}")
        return 0
    return daemon.run()


def cmd_status(ctx: Context) -> int:
    from .daemon import status

    report = status(ctx.bot)
    if ctx.args.json:
        _print_json(report)
        return 0
    labels = {"last_poll": "last successful poll", "backlog": "backlog at last poll",
              "outbox_queued": "outbox queued", "outbox_failed": "outbox failed",
              "quarantined": "quarantined messages", "recorded_not_handled": "recorded, not yet handled",
              "last_error": "last error", "config_error": "configuration not in use",
              "mailbox_holder": "mailbox watched by"}
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ctx.config.authority.timezone)
    for key, label in labels.items():
        if key not in report:
            continue  # mailbox_holder: several instances share a PostgreSQL store only
        value = report.get(key)
        text = "-" if value is None else _local_times(str(value), tz)
        if key == "last_error" and value is not None:
            cleared = report.get("last_error_cleared")
            text += f" (cleared at {_local_times(cleared, tz)})" if cleared else " (not cleared yet)"
        print(f"{label:>27}: {text}")
    return 0


def _local_times(text: str, tz) -> str:
    """A status value that starts with an ISO timestamp, with that time shown in the council's
    time zone ("2027-05-04 10:00:00 BST") rather than as stored (UTC, with an offset)."""
    stamp, _, rest = text.partition(" ")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    local = moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"{local} {rest}".rstrip()


def cmd_parse(ctx: Context) -> int:
    """What mailbot reads in each message, without storing or sending anything (issue 4)."""
    from parsers import ParseError, parse_message

    from . import routing

    files = existing_files(ctx.args.files)
    rules = routing.parse_rules(ctx.config)
    limit = ctx.config.settings.mailbox.max_message_bytes
    reports = []
    for path in files:
        raw = path.read_bytes()
        try:
            parsed = parse_message(raw, rules)
        except ParseError as exc:
            reports.append({"file": str(path), "kind": "unreadable", "reason": f"unreadable message: {exc.reason}"})
            continue
        report = routing.parse_report(parsed)
        if len(raw) > limit:
            report["reason"] = f"message is {len(raw)} bytes, over the configured limit"
        reports.append({"file": str(path), **report})
    if ctx.args.json:
        _print_json(reports)
        return 0
    def show(key: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for sub, item in value.items():
                show(f"{key}.{sub}", item)
            return
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                show(key, ", ".join(f"{k} {v}" for k, v in item.items() if v is not None))
            return
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        lines = ("-" if value in (None, "", {}) else str(value)).split("\n")
        print(f"{key}: {lines[0]}")
        for line in lines[1:]:
            print(f"{'':>{len(key)}}  {line}")

    for number, report in enumerate(reports):
        if number:
            print()
        for key, value in report.items():
            show(key, value)
    return 0


def cmd_init(ctx: Context) -> int:
    from .install import init

    written = init(Path(ctx.args.state), Path(ctx.args.config_dir), ctx.args.user)
    config, secrets, unit, state = written
    print(f"wrote {config} (paths under {state}), {secrets} (0600: put the passwords there) and {unit}")
    print(f"next: edit {config} (mailbox, outbox, directory), then\n"
          f"  MAILBOT_CONFIG={config} mailbot check-config --connect\n"
          f"  cp {unit} /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now mailbot")
    return 0


def cmd_backup(ctx: Context) -> int:
    from store.db import sqlite_file

    from .install import backup

    print(backup(sqlite_file(ctx.config.store_url), Path(ctx.args.destination)))
    return 0


def cmd_demo(ctx: Context) -> int:
    from .demo import run_demo

    return run_demo(Path(ctx.args.dir) if ctx.args.dir else None, out=sys.stdout)


def _data_subject(ctx: Context):
    """--child ID or --person EMAIL, checked before anything is read."""
    from .retention import DataSubject

    try:
        if ctx.args.child is not None:
            return DataSubject.child(ctx.args.child, ctx.config.authority.case_id_pattern)
        known = ctx.config.person(ctx.args.person.strip())
        return DataSubject.person(ctx.args.person, known.name if known else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_retention(ctx: Context) -> int:
    """``mailbot retention [--dry-run]``: what the retention rules say is due, removed or listed."""
    from .subject_rights import apply_retention, retention_plan

    now = ctx.now
    plan = retention_plan(ctx.bot, now) if ctx.args.dry_run else apply_retention(ctx.bot, now)
    for removal in plan:
        since = f"; due since {ctx.bot.calendar.local_date(removal.due_since).isoformat()}" if removal.due_since else ""
        print(f"{removal.alert_ref or '(no alert)':<15} {removal.rule} ({removal.setting}{since}): {removal.describe()}")
    if not plan:
        print("nothing is due for removal")
    elif ctx.args.dry_run:
        print(f"dry run: {len(plan)} removal(s) listed; nothing was changed")
    else:
        print(f"{len(plan)} removal(s) done: {retention_totals(plan)}; an audit line records each")
    return 0


def retention_totals(plan) -> str:
    from .retention import counted

    return counted(sum(len(r.inbound_ids) for r in plan), sum(len(r.outbound_ids) for r in plan),
                   sum(len(r.audit_ids) for r in plan), sum(r.case_ids for r in plan),
                   sum(len(r.compliment_ids) for r in plan))


def cmd_export(ctx: Context) -> int:
    """``mailbot export open --out FILE.xlsx``: the open alerts as a workbook (the Business
    Manager's OPEN); ``mailbot export --child ID | --person EMAIL --out DIR``: a subject access
    request."""
    from .subject_rights import export

    if ctx.args.what == "open":
        if ctx.args.child or ctx.args.person:
            raise UsageError("export open takes no --child or --person; use mailbot alerts to filter")
        target = Path(ctx.args.out)
        if target.suffix.lower() != ".xlsx":
            raise UsageError(f"export open: --out {target} must end in .xlsx")
        from .alert_list import AlertFilter
        from .files import write_private_file

        _, data, count = ctx.bot.alert_workbook(AlertFilter(open_only=True), ctx.now)
        write_private_file(target, data)
        print(f"{count} open alert(s) written to {target}")
        return 0
    if not (ctx.args.child or ctx.args.person):
        raise UsageError("export needs 'open', or --child ID or --person EMAIL (a subject access request)")
    subject = _data_subject(ctx)
    out = Path(ctx.args.out)
    counts = export(ctx.bot, subject, out, ctx.now)
    print(f"exported {counts['alerts']} alert(s), {counts['received']} mail(s) received, {counts['sent']} sent, "
          f"{counts['audit_lines']} other audit line(s), {counts['compliments']} compliment(s): "
          f"{counts['files']} file(s) in {out} (index.csv, index.json)")
    return 0


def cmd_erase(ctx: Context) -> int:
    """``mailbot erase --child ID | --person EMAIL --reason TEXT [--yes]``: a right-to-erasure
    decision the council has taken; a listing of what would go unless --yes."""
    import getpass

    from .subject_rights import erase

    subject = _data_subject(ctx)
    if ctx.args.reason is None or not ctx.args.reason.strip():
        raise UsageError("erase: --reason is required: the council's decision, recorded in the audit "
                         "(e.g. --reason 'DPO decision 2029-014')")
    by = ctx.args.by or getpass.getuser()
    result = erase(ctx.bot, subject, ctx.args.reason, by, ctx.now, confirmed=ctx.args.yes)
    for line in result.lines:
        print(line)
    if result.done:
        print(f"erased; the decision and who ran it ({by}) are in the audit of each alert")
    elif result.found:
        print("dry run: nothing was changed; run again with --yes to erase")
    if subject.kind == "person" and result.done and ctx.config.person(subject.value):
        print("note: they are still in the directory of the configuration; remove them there too")
    return 0


# ---------------------------------------------------------------------------- parser


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line naming it, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"mailbot: error: {self.prog.removeprefix('mailbot ')}: {message} (see {self.prog} --help)"
              if self.prog != "mailbot" else f"mailbot: error: {message} (see mailbot --help)",
              file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _version() -> str:
    """The installed distribution's version (what pip installed), else the source tree's."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    try:
        return version("mailbot")
    except PackageNotFoundError:
        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mailbot", description=(
        "Track Dispute Resolution Process alerts raised by e-mail to a shared mailbox."))
    parser.add_argument("--config", metavar="PATH", help="configuration file (default: $MAILBOT_CONFIG or ./config.yaml)")
    parser.add_argument("--now", metavar="ISO-8601", help="fix the clock (default: $MAILBOT_NOW or the real time)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--version", action="version", version=f"mailbot {_version()}")
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="one line per event, as text or JSON (references and Message-IDs, never bodies)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[Context], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("check-config", cmd_check_config, "validate the configuration; print each ladder and the next non-working days")
    p.add_argument("--connect", action="store_true",
                   help="also log in to the mailbox and the outbox with the configured secrets (sends nothing)")
    db = add("db", cmd_db_upgrade, "database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply pending migrations")
    p = add("ingest", cmd_ingest, "handle .eml files as if they had just arrived")
    p.add_argument("files", nargs="+", metavar="FILE.eml")
    p.add_argument("--strict", action="store_true", help="exit 1 if any message was quarantined")
    add("poll", cmd_poll, "read the configured mailbox once and handle what is waiting")
    add("tick", cmd_tick, "run the deadline sweep at --now and queue what is due")
    p = add("report", cmd_report, "the Business Manager's reports: print them, write them (--out) or queue them (--send)")
    p.add_argument("kind", choices=["digest", "monthly", "quarterly"])
    p.add_argument("--period", metavar="PERIOD", help="2026Q4, FY2026 (April 2026-March 2027) or 2027-05")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of the period")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the period")
    p.add_argument("--print", action="store_true", help="print it (the default when neither --out nor --send)")
    p.add_argument("--out", metavar="FILE", help="digest: .html/.txt; monthly: a folder; quarterly: .xlsx/.csv")
    p.add_argument("--send", action="store_true", help="queue it for sending to the configured recipients")
    p = add("import", cmd_import, "import an existing alert spreadsheet (.xlsx or .csv); all rows or none")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--mapping", required=True, metavar="MAPPING.yaml", help="which column holds what (see examples/)")
    p.add_argument("--dry-run", action="store_true", help="show what would be created and every unreadable row")
    p = add("alerts", cmd_alerts, "list alerts, with filters (the list OPEN and FIND give by mail)")
    p.add_argument("--open", action="store_true", help="only alerts that are not closed")
    p.add_argument("--overdue", action="store_true", help="only alerts past their deadline")
    p.add_argument("--child", metavar="ID", help="only alerts for this child")
    p.add_argument("--person", metavar="WHO", help="only alerts raised by or held by this person (address or name)")
    p.add_argument("--team", metavar="NAME", help="only alerts whose responder is in this team (as the directory says)")
    p.add_argument("--stage", type=int, metavar="N", help="only alerts at this stage (0 = informal)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only alerts opened on or after this day")
    p.add_argument("--json", action="store_true")
    p = add("quarantine", cmd_quarantine, "mail set aside for a person: list, show, retry, attach or dismiss it")
    p.add_argument("action", choices=["list", "show", "retry", "attach", "dismiss"])
    p.add_argument("handle", nargs="?", metavar="Q-NNNN", help="the handle shown by list and in the digest")
    p.add_argument("--to", metavar="REF", help="attach: the alert to read it as a reply in")
    p.add_argument("--reason", metavar="TEXT", help="dismiss: why it needs nothing more")
    p.add_argument("--json", action="store_true")
    p = add("alert", cmd_alert, "show one alert with its history, or correct it: reassign EMAIL, "
            "correct child|category|process VALUE..., reopen --reason TEXT")
    p.add_argument("ref", metavar="REF")
    p.add_argument("action", nargs="?", choices=["reassign", "correct", "reopen"])
    p.add_argument("values", nargs="*", metavar="VALUE")
    p.add_argument("--reason", metavar="TEXT", help="why, kept in the alert's history")
    p.add_argument("--json", action="store_true")
    p = add("outbox", cmd_outbox, "list queued and sent mail")
    p.add_argument("--json", action="store_true")
    add("send", cmd_send, "deliver the outbox through the configured sink")
    p = add("digest", cmd_digest, "build the daily digest (and queue it unless --print)")
    p.add_argument("--print", action="store_true", help="print it instead of queueing it")
    p = add("run", cmd_run, "run the daemon: watch the mailbox, send the outbox, keep the schedule")
    p.add_argument("--once", action="store_true", help="one pass (drain, sweep, send, digest if due), then exit")
    p = add("status", cmd_status, "last poll, backlog, outbox queue, quarantined messages, last error")
    p.add_argument("--json", action="store_true")
    p = add("parse", cmd_parse, "show what mailbot reads in .eml files, storing and sending nothing")
    p.add_argument("files", nargs="+", metavar="FILE.eml")
    p.add_argument("--json", action="store_true")
    p = add("init", cmd_init, "set up a server: a configuration with absolute paths, a secrets file and a matching systemd unit")
    p.add_argument("state", metavar="STATE_DIR", help="where mailbot keeps its store and folders, e.g. /var/lib/mailbot")
    p.add_argument("--config-dir", default="/etc/mailbot", metavar="DIR",
                   help="where to write config.yaml, secrets.env and mailbot.service (default /etc/mailbot)")
    p.add_argument("--user", default="mailbot", help="the system user the service runs as (default mailbot)")
    p = add("backup", cmd_backup, "an online copy of the SQLite store (0600), safe while the daemon runs")
    p.add_argument("destination", metavar="FILE", help="the new backup file; never overwritten")
    p = add("demo", cmd_demo, "run a month of simulated DRP traffic on the embedded default")
    p.add_argument("--dir", metavar="DIR", help="folder to run in (default: a new temporary folder)")
    p = add("retention", cmd_retention, "remove the mail and narrative the retention rules say are due "
            "(config retention:); --dry-run lists them")
    p.add_argument("--dry-run", action="store_true", help="list what would go, with the rule; change nothing")

    def add_subject(p: argparse.ArgumentParser) -> None:
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--child", metavar="ID", help="a child's case-system ID")
        who.add_argument("--person", metavar="EMAIL", help="a person's e-mail address")

    p = add("export", cmd_export, "export open --out FILE.xlsx: the open alerts as a workbook; "
            "export --child ID | --person EMAIL --out DIR: everything held about them (subject access request)")
    p.add_argument("what", nargs="?", choices=["open"], help="open: the open alerts as a workbook")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--child", metavar="ID", help="a child's case-system ID")
    who.add_argument("--person", metavar="EMAIL", help="a person's e-mail address")
    p.add_argument("--out", required=True, metavar="DIR|FILE.xlsx", help="a new folder (created 0700, files 0600), "
                   "or the workbook for export open")
    p = add("erase", cmd_erase, "remove everything held about a child or a person for a right-to-erasure "
            "decision; lists what would go unless --yes")
    add_subject(p)
    p.add_argument("--reason", metavar="TEXT", help="the council's decision, kept in the audit (no names)")
    p.add_argument("--by", metavar="NAME", help="who is erasing, kept in the audit (default: the login name)")
    p.add_argument("--yes", action="store_true", help="erase; without it, only list what would go")
    return parser


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(entry)


def configure_logging(args: argparse.Namespace) -> None:
    # The daemon logs its work at INFO; one-shot commands stay quiet unless something is wrong.
    level = logging.DEBUG if args.debug else logging.INFO if args.command == "run" else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    if args.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # "skipped: maximum number of running instances" is by design when a send is asked for
    # while one is running; it is not worth a warning line each time.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if not args.debug:
        # Libraries' own progress lines (Alembic's nine at every start, MSAL's and urllib3's
        # requests) say nothing an administrator acts on; their warnings still show.
        for name in ("alembic", "msal", "urllib3"):
            logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args)
    ctx = Context(args)
    try:
        return args.func(ctx)
    except MailbotError as exc:
        for problem in getattr(exc, "problems", None) or [str(exc)]:
            print(f"mailbot: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("mailbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `mailbot alerts | head`: the reader has gone, which is not an error worth a line.
        # Point stdout at /dev/null so that the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as other command-line tools end
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        if args.debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"mailbot: internal error: {type(exc).__name__}: {first} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_INTERNAL
