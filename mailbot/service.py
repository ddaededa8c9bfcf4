"""The application service: one inbound message, one deadline sweep, one send, one digest.

This is where the pure parts (parsers, routing, the domain) meet the store. Its order of work
keeps DESIGN §6:

1. the raw message is recorded before anything else happens to it, and recorded with its
   decision, audit lines and outbox rows in ONE transaction (a batch's messages share one,
   ``ingest_batch``), before the mailbox moves it;
2. a message that cannot be handled is quarantined with the reason (its savepoint rolled back,
   its record kept), and the next one goes on;
3. outgoing mail is queued with a fixed Message-ID and a unique idempotency key.

Time always comes in as ``now``; nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from email.parser import BytesHeaderParser
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from sqlalchemy.orm import Session, sessionmaker

import parsers
from parsers import ParsedMessage, ParseError
from store import repository as repo
from store.db import open_store
from store.models import MessageRow
from parsers.authentication import SENDER_DIFFERS
from parsers.mime import decode_header_value

from . import domain as d
from . import alert_list, parallel_reading, reports, routing, workqueue
from .calendar import WorkingCalendar
from .config import Config
from .errors import UsageError
from .message_identity import MAX_MESSAGE_ID, dedupe_key, trusted_message_id  # noqa: F401 (used by tests)
from .notices import Renderer, long_date
from .outgoing import build_message, make_message_id
from .smtp import LoginRefused, PermanentFailure, TemporaryFailure

log = logging.getLogger("mailbot")
# Answers to a message (rather than notices of a decision or a deadline): never sent twice down
# one thread of replies, which is how mail loops with robots end after one round (issue 9).
# A question (confirm_reading) is not among them: an IRO answering it with another unclear
# reply must be asked again; robots are stopped before that by the signs of automatic mail and
# by the rate limits.
ANSWERS = frozenset({"status_reply", "instruction_refused", "not_acted_on", "who_decides", "form_incomplete"})
# Routes that would change or open an alert on the sender's word.
DECIDING = frozenset({routing.INSTRUCTION, routing.CONFIRM, routing.FORM, routing.NEW_ALERT})
# How long a row may stay "sending" before it counts as interrupted (a hand-off takes seconds).
SENDING_GRACE = timedelta(minutes=10)
SWEEP_BATCH = 100  # alerts per sweep transaction
HISTORY_HIDDEN = ("queued", "sent", "recipient_refused")


@dataclass(frozen=True)
class IngestResult:
    message_id: str | None
    kind: str | None
    alert: str | None
    status: str  # processed | quarantined | ignored
    reason: str | None
    duplicate: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "kind": self.kind, "alert": self.alert,
                "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class Arrival:
    """One message as the mailbox gave it: its bytes and where it was found. ``size`` is the
    full size when only the header of a message over the limit was fetched."""
    raw: bytes
    mailbox_key: str | None = None
    uid: int | None = None
    uidvalidity: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class _Reading:
    """An arrival read (pure): parsed, or why not, and its deduplication key."""
    arrival: Arrival
    parsed: ParsedMessage | None
    parse_error: str | None
    key: str


def _reading_of(arrival: Arrival, read: parallel_reading.Read) -> _Reading:
    parsed, error, key = read
    return _Reading(arrival, parsed, error, key)


_T = TypeVar("_T")


class _DecideCarefully(Exception):
    """A message (or swept alert) of a batch decided without savepoints failed: the batch is
    undone and decided again with them."""


@contextmanager
def _one_of_a_batch(session: Session, careful: bool) -> Iterator[None]:
    """Decide one message or swept alert of a batch. ``careful``: in a savepoint of its own, so
    its failure (raised on) undoes it alone. Not careful (the ordinary case, far cheaper): its
    rows are written with the batch's at the end, and its failure raises _DecideCarefully, which
    undoes the whole batch to be decided again carefully."""
    if careful:
        with repo.batch_savepoint(session):
            yield
        return
    try:
        yield
    except Exception as exc:
        raise _DecideCarefully() from exc


def _at_once_or_one_by_one(decide: Callable[[bool], _T], what: str) -> _T:
    """``decide(careful=False)``; if one of its batch failed, ``decide(careful=True)``."""
    try:
        return decide(False)
    except _DecideCarefully as failed:
        log.debug("one of %s failed (%s); deciding it again one by one", what, type(failed.__cause__).__name__)
        return decide(True)


def _log_outcome(result: IngestResult) -> None:
    """One line per message handled. A message set aside for a person says why (the reasons are
    mailbot's own words and addresses, never the mail's text)."""
    if result.duplicate:
        return
    if result.status == "quarantined" and result.kind is None:
        log.warning("message %s quarantined: %s", result.message_id, result.reason)
        return
    log.info("message %s: %s %s%s%s", result.message_id, result.kind, result.status,
             f" {result.alert}" if result.alert else "", f": {result.reason}" if result.reason else "")


class Sink(Protocol):
    def send(self, message: Any) -> str: ...


def first_line(exc: BaseException) -> str:
    """An exception's first line: SQL and tracebacks after it say nothing a person needs."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _subject_of(raw: bytes) -> str:
    """The decoded Subject of a stored message, cut short, for the digest's work queue (only
    the head of the message is read: the digest lists many)."""
    head = BytesHeaderParser().parsebytes(raw[:65536])
    return " ".join(decode_header_value(str(head.get("Subject") or "")).split())[:80]


def _moved_back(row, mailbox_key: str | None, uid: int | None) -> bool:
    """A set-aside message seen again at another place in the mailbox (a new IMAP UID, another
    Maildir file): a person moved it back to the inbox. The same place again is a re-read after
    a crash, which changes nothing."""
    if uid is not None and row.uid is not None:
        return uid != row.uid
    return bool(mailbox_key and row.mailbox_key and mailbox_key != row.mailbox_key)


def back_at_work(away: parsers.Away, calendar: WorkingCalendar):
    """The first working day an out-of-office reply's writer is back: the day it names, else the
    working day after the last day away it names; None when it says neither."""
    return away.returning or (calendar.next_working_day(away.until) if away.until else None)


def calendar_for(config: Config) -> WorkingCalendar:
    cal = config.settings.calendar
    return WorkingCalendar(
        timezone=config.authority.timezone,
        country=cal.country,
        subdivision=cal.subdivision,
        closure_days=cal.closure_days,
    )


class Mailbot:
    """mailbot's operations on one configuration and one store."""

    def __init__(self, config: Config, sessions: sessionmaker[Session] | None = None):
        self.config = config
        self.calendar = calendar_for(config)
        self.rules = d.Rules(config, self.calendar)
        self.parse_rules = routing.parse_rules(config)
        self.renderer = Renderer(config, self.calendar)
        self.sessions = sessions or open_store(config.store_url)
        self.mailbox = config.authority.mailbox_address
        self.mail_domain = self.mailbox.rsplit("@", 1)[1]
        # The daemon decides on two threads (watcher and sweep); one decision at a time keeps an
        # alert from being read by one and overwritten by the other. Across processes the row
        # lock taken when an alert is loaded does the same (PostgreSQL).
        self.decisions = threading.RLock()
        # The Message-IDs the message being handled replies to (under ``decisions``): _queue
        # reads them to keep an answer from answering our own answer.
        self._replying_to: tuple[str, ...] = ()

    def replace_config(self, config: Config) -> None:
        """Use a re-read configuration (the directory changed, issue 10) from the next decision
        on; a decision already under way finishes with the one it started with."""
        with self.decisions:
            self.config = config
            self.calendar = calendar_for(config)
            self.rules = d.Rules(config, self.calendar)
            self.parse_rules = routing.parse_rules(config)
            self.renderer = Renderer(config, self.calendar)
            # A changed calendar or ladder moves deadlines: every alert's next instant is
            # recomputed at the next sweep.
            with self.sessions.begin() as session:
                repo.forget_next_due(session)

    # ------------------------------------------------------------------ ingest

    def ingest(self, raw: bytes, now: datetime, *, mailbox_key: str | None = None,
               uid: int | None = None, uidvalidity: int | None = None, size: int | None = None) -> IngestResult:
        """Record, then handle, one inbound message. Re-reading a handled message is a no-op.

        ``size`` is given when the mailbox sent only the header of a message over the limit."""
        return self.ingest_batch([Arrival(raw, mailbox_key, uid, uidvalidity, size)], now)[0]

    def ingest_batch(self, arrivals: Sequence[Arrival], now: datetime,
                     reading: parallel_reading.Reading | None = None) -> list[IngestResult]:
        """The inbound pipeline, for a batch of messages in mailbox order (issue 13):

        1. read each message (pure: parse, dedupe key); ``reading`` is the batch already being
           read on another core (parallel_reading), used when it was read with today's rules;
        2. look up the batch's keys in the store in one query (seen before? set aside and moved
           back to the inbox by a person?);
        3. record and decide the ordinary messages in ONE transaction: what deciding them reads
           (their threads, the alerts those name, our own Message-IDs, the day's counts) is
           loaded in a few queries and they are recorded, before the first is decided; each is
           then decided inside a savepoint of its own, so one message's failure sets that
           message aside with the reason and the batch goes on;
        4. log the outcomes once that transaction has committed.

        A Business Manager's command mail and a message moved back to the inbox take their own
        paths (they run commands or take a set-aside message up in transactions of their own);
        the messages before them are committed first, so the order of the mailbox is kept. The
        caller moves the messages out of the inbox only after this returns: a crash before that
        re-reads messages that are already recorded, which is a no-op."""
        if reading is None or reading.rules is not self.parse_rules:
            # (A configuration re-read since the batch was handed over: read with the new rules.)
            reading = parallel_reading.Reading.here([a.raw for a in arrivals], self.parse_rules)
        readings = [_reading_of(arrival, read) for arrival, read in zip(arrivals, reading.result(), strict=True)]
        with self.sessions() as session:
            seen = repo.messages_seen(session, [r.key for r in readings])
        results: list[IngestResult | None] = [None] * len(readings)
        run: list[tuple[int, _Reading]] = []
        for index, reading in enumerate(readings):
            earlier = seen.get(reading.key)
            commands = self._admin_commands(reading.parsed) if reading.parsed is not None else []
            moved_back = (earlier is not None and earlier.status == "quarantined"
                          and _moved_back(earlier, reading.arrival.mailbox_key, reading.arrival.uid))
            if moved_back or (commands and (earlier is None or earlier.status == "received")):
                self._decide_run(run, seen, now, results)
                run = []
                results[index] = (self._take_up_moved_back(reading, earlier, now) if moved_back
                                  else self._admin_mail(reading, earlier, commands, now))
            else:
                run.append((index, reading))
        self._decide_run(run, seen, now, results)
        return [r for r in results if r is not None]

    def _decide_run(self, run: list[tuple[int, _Reading]], seen: dict[str, Any], now: datetime,
                    results: list[IngestResult | None]) -> None:
        """Record and decide ``run`` in one transaction; if that transaction cannot commit, each
        message again in a transaction of its own (so one cannot stop the others)."""
        if not run:
            return
        try:
            decided = _at_once_or_one_by_one(
                lambda careful: self._decide_in_one_transaction(run, seen, now, careful=careful or len(run) == 1),
                f"a batch of {len(run)} messages")
        except Exception as exc:  # noqa: BLE001 - retried one by one below; a lone failure propagates
            if len(run) == 1:
                raise
            log.warning("a batch of %d messages could not be committed (%s: %s); handling them one by one",
                        len(run), type(exc).__name__, first_line(exc))
            # Looked up again: another process (`mailbot ingest`) may have recorded one meanwhile.
            with self.sessions() as session:
                seen = {**seen, **repo.messages_seen(session, [reading.key for _index, reading in run])}
            for item in run:
                self._decide_run([item], seen, now, results)
            return
        for index, result in decided:
            results[index] = result
            _log_outcome(result)

    def _decide_in_one_transaction(self, run: list[tuple[int, _Reading]], seen: dict[str, Any], now: datetime,
                                   careful: bool) -> list[tuple[int, IngestResult]]:
        """Record and decide ``run`` in one transaction. ``careful``: each message in a savepoint
        of its own, its rows written at its end, so a failure undoes that message alone. Not
        careful (the ordinary case): no savepoints, and everything the batch changed is written
        at its end, a few statements in all; a message's failure raises _DecideCarefully and
        undoes the whole transaction (see _decide_run)."""
        with self.decisions, self.sessions.begin() as session:
            # What deciding reads is loaded, and the new messages recorded, before the first
            # is decided: a few statements for the run instead of a dozen per message.
            preloaded = self._preload(session, run, seen, now)
            in_advance = self._record_in_advance(session, run, seen, now) if preloaded else {}
            recorded: dict[str, Any] = {}
            decided = [(index, self._decide_one(session, reading, seen.get(reading.key), recorded, now, in_advance,
                                                careful=careful))
                       for index, reading in run]
            repo.end_batch(session)
        return decided

    def _preload(self, session: Session, run: list[tuple[int, _Reading]], seen: dict[str, Any],
                 now: datetime) -> bool:
        """Load what deciding ``run`` reads in a few queries, before its first message is decided
        (repo.preload_batch): the threads its messages name, their alerts, our own Message-IDs
        among them and the day's counts. Not for a run holding a message recorded earlier and
        not yet decided (rare), which is decided asking the store as it goes (returns False)."""
        if any(seen.get(reading.key) is not None and seen[reading.key].status == "received" for _i, reading in run):
            return False
        parsed = [reading.parsed for _i, reading in run if reading.parsed is not None]
        named = [mid for p in parsed for mid in (p.envelope.message_id, *p.envelope.in_reply_to,
                                                 *p.envelope.references, *p.bounced_message_ids)]
        repo.preload_batch(session, since=self._day_start(now), message_ids=named,
                           refs=[p.reference for p in parsed], senders=[p.envelope.from_addr for p in parsed])
        return True

    def _record_in_advance(self, session: Session, run: list[tuple[int, _Reading]], seen: dict[str, Any],
                           now: datetime) -> dict[str, Any]:
        """Record the run's new messages in one statement, before the first is decided (so each
        is still recorded before it is decided); returns dedupe key -> row. Each row joins the
        batch's counts when its turn comes, as if recorded then."""
        messages: dict[str, dict[str, Any]] = {}
        for _index, reading in run:
            if reading.key in seen or reading.key in messages:
                continue  # recorded before (a duplicate), or twice in the run (recorded once)
            parsed, arrival = reading.parsed, reading.arrival
            messages[reading.key] = dict(
                dedupe_key=reading.key, message_id=parsed.envelope.message_id if parsed else None, raw=arrival.raw,
                from_addr=parsed.envelope.from_addr if parsed else None, received_at=now,
                mailbox_key=arrival.mailbox_key, uid=arrival.uid, uidvalidity=arrival.uidvalidity)
        if len(messages) < 2:
            return {}  # one message alone is recorded as it is decided: one INSERT either way
        return repo.record_inbound_many(session, list(messages.values()))

    def _day_start(self, now: datetime) -> datetime:
        """The start of ``now``'s local day: the daily rate limits count from it."""
        return datetime.combine(self.calendar.local_date(now), time(0), tzinfo=self.calendar.tz)

    def _decide_one(self, session: Session, reading: _Reading, earlier: Any, recorded: dict[str, Any],
                    now: datetime, in_advance: dict[str, Any] | None = None, careful: bool = True) -> IngestResult:
        """Record (unless recorded in advance) and decide one message; ``careful``: in a savepoint
        of its own (else its failure raises _DecideCarefully)."""
        parsed, arrival = reading.parsed, reading.arrival
        message_id = parsed.envelope.message_id if parsed else None
        if reading.key in recorded:
            # The same message twice in one batch (an MTA delivering it twice).
            row = recorded[reading.key]
            return IngestResult(message_id, row.kind, row.alert_ref, row.status, row.reason, duplicate=True)
        if earlier is not None and earlier.status != "received":
            return IngestResult(message_id, earlier.kind, earlier.alert_ref, earlier.status, earlier.reason,
                                duplicate=True)
        row = repo.find_message(session, reading.key) if earlier is not None else None
        if row is None and in_advance and reading.key in in_advance:
            row = in_advance[reading.key]
            repo.batch_add_row(session, row)
        elif row is None:
            row = repo.record_inbound(
                session, dedupe_key=reading.key, message_id=message_id, raw=arrival.raw,
                from_addr=parsed.envelope.from_addr if parsed else None, received_at=now,
                mailbox_key=arrival.mailbox_key, uid=arrival.uid, uidvalidity=arrival.uidvalidity)
        recorded[reading.key] = row
        # The raw message is now recorded (it commits with the batch, or not at all and stays in
        # the inbox); whatever happens next, it is not lost.
        if parsed is None:
            return self._set_aside(session, row, f"unreadable message: {reading.parse_error}", now)
        full_size = arrival.size or len(arrival.raw)
        limit = self.config.settings.mailbox.max_message_bytes
        if full_size > limit:
            return self._set_aside(session, row, f"message is {full_size} bytes, over the configured limit of {limit}", now)
        try:
            self._replying_to = parsed.envelope.in_reply_to + parsed.envelope.references
            with _one_of_a_batch(session, careful):
                result = self._handle(session, reading.key, parsed, now, row=row)
            return result
        except _DecideCarefully:
            raise
        except Exception as exc:  # one bad message never stops the mailbox (DESIGN §6.2)
            reason = f"internal error: {type(exc).__name__}: {first_line(exc)}"
            log.error("message %s could not be handled: %s", message_id, reason)
            log.debug("traceback for message %s", message_id, exc_info=True)
            return self._set_aside(session, row, reason, now)
        finally:
            self._replying_to = ()

    def _set_aside(self, session: Session, row, reason: str, now: datetime) -> IngestResult:
        row.status, row.kind, row.reason, row.handled_at = "quarantined", None, reason, now
        repo.add_audit(session, at=now, actor="mailbot", action="quarantined", detail=reason,
                       message_id=row.message_id)
        return IngestResult(row.message_id, None, None, "quarantined", reason)

    def _take_up_moved_back(self, reading: _Reading, earlier: Any, now: datetime) -> IngestResult:
        """Set aside, then moved back to the inbox by a person: taken up again (issue 10)."""
        arrival = reading.arrival
        with self.sessions.begin() as session:
            row = repo.find_message(session, reading.key)
            row.mailbox_key, row.uid, row.uidvalidity = arrival.mailbox_key, arrival.uid, arrival.uidvalidity
        result = self.take_up(workqueue.handle_of(earlier.id), now, actor="mailbox (moved back to the inbox)")
        _log_outcome(result)
        return result

    def _admin_mail(self, reading: _Reading, earlier: Any, commands: list[workqueue.Command],
                    now: datetime) -> IngestResult:
        """A Business Manager's command mail: recorded, then each command in its own transaction."""
        parsed, arrival = reading.parsed, reading.arrival
        if earlier is None:
            with self.sessions.begin() as session:
                repo.record_inbound(
                    session, dedupe_key=reading.key, message_id=parsed.envelope.message_id, raw=arrival.raw,
                    from_addr=parsed.envelope.from_addr, received_at=now, mailbox_key=arrival.mailbox_key,
                    uid=arrival.uid, uidvalidity=arrival.uidvalidity)
        result = self._run_admin_mail(reading.key, parsed, commands, now)
        _log_outcome(result)
        return result

    def _quarantine(self, key: str, reason: str, now: datetime) -> IngestResult:
        """Set a recorded message aside in a transaction of its own (a message taken up again)."""
        with self.sessions.begin() as session:
            result = self._set_aside(session, repo.find_message(session, key), reason, now)
        _log_outcome(result)
        return result

    def _thread_alert(self, session: Session, parsed: ParsedMessage) -> tuple[d.Alert | None, str | None]:
        """The alert the message belongs to, and why it may not be acted on in it.

        The thread (In-Reply-To/References naming mail of the alert) is the proof; a reference in
        the subject alone is easy to write and references are sequential, so on its own it is
        enough only for the alert's own IRO, with a proven From (issue 9). A subject naming
        another alert than the thread is kept for a person."""
        env = parsed.envelope
        thread_ref = repo.alert_ref_for_message_ids(session, env.in_reply_to + env.references)
        subject_ref = parsed.reference
        if thread_ref and subject_ref and subject_ref != thread_ref:
            return None, f"the subject names {subject_ref} but the message is in the thread of {thread_ref}"
        ref = thread_ref or subject_ref
        alert = repo.load_alert(session, ref, for_update=True) if ref else None
        if alert is not None and thread_ref is None:
            # Outlook sometimes drops In-Reply-To/References; the subject reference survives.
            if not d.is_entitled(self.config, alert, env.from_addr) or parsed.sender_check.verdict == "fail":
                return alert, (f"names {alert.ref} in its subject only, and is not from that alert's IRO: "
                               "a reply in the thread is needed")
        return alert, None

    def _handle(self, session: Session, key: str, parsed: ParsedMessage, now: datetime,
                attach_to: str | None = None, row=None) -> IngestResult:
        """``attach_to``: read the message as a reply in that alert, whatever its thread says
        (a person's decision, from ATTACH). ``row``: the message's record, when the caller has it."""
        env = parsed.envelope
        row = row if row is not None else repo.find_message(session, key)
        if parsed.is_automatic:
            kind = routing.BOUNCE if parsed.is_bounce else routing.AUTOMATIC
            alert_ref = None
            if parsed.is_bounce:
                alert_ref = self._report_bounce(session, parsed, now)
            else:
                alert_ref = self._responder_away(session, parsed, now)
            return self._finish(session, row, kind, "ignored", parsed.automatic_reason, alert_ref, now)

        if env.message_id and repo.outbox_template_of(session, [env.message_id]):
            # Our own notice come back (a rule that copies the mailbox, a list that reflects it).
            return self._finish(session, row, routing.AUTOMATIC, "ignored", "mailbot's own message", None, now)
        problem = parsed.sender_problem
        if problem and problem != SENDER_DIFFERS:
            return self._not_acted_on(session, row, parsed, problem, None, now)
        if parsed.sender_check.verdict == "fail":
            return self._not_acted_on(session, row, parsed,
                                      f"the sender could not be proven ({parsed.sender_check.reason})", None, now)
        if attach_to is not None:
            alert, thread_problem = repo.load_alert(session, attach_to, for_update=True), None
        else:
            alert, thread_problem = self._thread_alert(session, parsed)
        if thread_problem:
            return self._finish(session, row, routing.UNRECOGNISED, "quarantined", thread_problem,
                                alert.ref if alert else None, now)
        limited = self._over_rate_limit(session, parsed, alert, now)
        if limited:
            return self._finish(session, row, routing.UNRECOGNISED, "quarantined", limited,
                                alert.ref if alert else None, now)
        if alert is not None:
            ins = parsed.instruction
            if ins is not None and ins.confirms and "confirm_reading" not in repo.outbox_template_of(
                    session, env.in_reply_to + env.references).values():
                # "Yes" under text that looks like our question, but not in reply to a question
                # of ours (a pasted or forwarded copy): asked again, never carried out.
                parsed = replace(parsed, instruction=replace(
                    ins, doubt="the reply says yes, but not to a question mailbot asked in this thread"))
            route = routing.route_reply(parsed, alert, self.config)
        else:
            route = routing.route_new(parsed, self.config, self.mailbox)
        if problem and route.kind in DECIDING:
            # "Send on behalf": a delegate may carry a manager's response, never a decision.
            return self._not_acted_on(session, row, parsed, problem, alert, now)
        if route.status != "processed":
            if alert is None and (route.reason or "").startswith(routing.FORM_INCOMPLETE):
                self._form_incomplete(session, key, parsed, now)
            return self._finish(session, row, route.kind, route.status, route.reason,
                                alert.ref if alert else None, now)
        if route.kind == routing.CONFIRM:
            return self._ask_to_confirm(session, row, route, alert, parsed, now)
        if route.kind == routing.COMPLIMENT:
            repo.add_compliment(session, message_id=env.message_id, raised_by=env.from_addr,
                                process=route.process, children=parsed.case_ids, received_at=now)
            self._queue(session, None, d.Notice("compliment_ack", (env.from_addr,), f"compliment/{key}",
                                                extra={"children": list(parsed.case_ids)}), now,
                        in_reply_to=env.message_id, references=(env.message_id,) if env.message_id else ())
            repo.add_audit(session, at=now, actor=env.from_addr, action="compliment",
                           detail="compliment recorded", message_id=env.message_id)
            return self._finish(session, row, route.kind, "processed", None, None, now)

        event = route.event
        assert event is not None
        if isinstance(event, d.RaiseAlert):
            year = self.calendar.local_date(now).year
            event = replace(event, ref=repo.next_ref(session, self.config.authority.reference_prefix, year))
        try:
            outcome = self.apply(session, alert, event, now, actor=env.from_addr, message_id=env.message_id,
                                 root_message_id=env.message_id if alert is None else None, trigger=key,
                                 read_as=lambda result: self._read_as(route, parsed, result))
        except d.TransitionRefused as refused:
            return self._refused(session, row, route, alert, refused.reason, parsed, now)
        ref = outcome.alert.ref
        row.alert_ref = ref
        if route.not_entitled and alert is not None and route.reading is not None:
            self._tell_who_decides(session, alert, route.reading, env.from_addr, now)
        return self._finish(session, row, route.kind, "processed", route.reason, ref, now)

    # ------------------------------------------------------------------ the work queue (issue 10)

    def quarantined(self) -> list[tuple[str, Any]]:
        """(handle, row) for every message set aside and not dismissed, oldest first."""
        with self.sessions() as session:
            return [(workqueue.handle_of(r.id), r) for r in repo.messages_needing_a_person(session)]

    def _set_aside_row(self, session: Session, handle: str):
        row = session.get(MessageRow, workqueue.row_id_of(handle))
        if row is None or row.direction != "in":
            raise workqueue.UnknownHandle(f"{handle} names no mail set aside")
        if row.status != "quarantined":
            raise workqueue.UnknownHandle(f"{handle} is not waiting for a person (it is {row.status})")
        return row

    def take_up(self, handle: str, now: datetime, *, actor: str, attach_to: str | None = None) -> IngestResult:
        """Handle a set-aside message again, as if it had just arrived (after its cause is fixed),
        or as a reply in alert ``attach_to``. The earlier outcome stays in the audit history."""
        with self.sessions.begin() as session:
            row = self._set_aside_row(session, handle)
            if attach_to is not None and repo.load_alert(session, attach_to) is None:
                raise workqueue.UnknownHandle(f"{attach_to} is not a known alert")
            what = f"attached to {attach_to}" if attach_to else "taken up again"
            repo.add_audit(session, at=now, actor=actor, action="taken_up", alert_ref=attach_to,
                           detail=f"{handle} {what} by {actor}; it had been set aside: {row.reason}",
                           message_id=row.message_id)
            row.status, key, raw = "received", row.dedupe_key, row.raw
        try:
            parsed = parsers.parse_message(raw, self.parse_rules)
        except ParseError as exc:
            return self._quarantine(key, f"unreadable message: {exc.reason}", now)
        try:
            with self.decisions, self.sessions.begin() as session:
                self._replying_to = parsed.envelope.in_reply_to + parsed.envelope.references
                try:
                    result = self._handle(session, key, parsed, now, attach_to=attach_to)
                finally:
                    self._replying_to = ()
                if result.alert and result.status == "processed":
                    # The alert's own history says who took the message up.
                    repo.add_audit(session, at=now, actor=actor, action="retried", alert_ref=result.alert,
                                   detail=f"{handle} {what} by {actor}: {result.kind}",
                                   message_id=parsed.envelope.message_id)
                return result
        except Exception as exc:  # the message goes back to the queue with the reason
            return self._quarantine(key, f"internal error: {type(exc).__name__}: {first_line(exc)}", now)

    def dismiss(self, handle: str, reason: str, now: datetime, *, actor: str) -> str:
        """Take a set-aside message off the list, with the reason; it stays in the store."""
        if not reason.strip():
            raise workqueue.UnknownHandle(f"dismissing {handle} needs a reason")
        with self.sessions.begin() as session:
            row = self._set_aside_row(session, handle)
            row.status, row.reason = "dismissed", f"dismissed by {actor}: {reason.strip()} (was: {row.reason})"
            repo.add_audit(session, at=now, actor=actor, action="dismissed", message_id=row.message_id,
                           detail=f"{handle} dismissed by {actor}: {reason.strip()}")
        return f"{handle} dismissed: {reason.strip()}"

    # ------------------------------------------------------------------ alerts corrected (issue 10)

    def administer(self, ref: str, event: d.Event, now: datetime, *, actor: str, trigger: str | None = None) -> str:
        """Apply a Business Manager's correction (``d.Reassign``, ``d.Correct``, ``d.Reopen``) to
        alert ``ref``; the caller has checked the actor may give it. Returns what was done."""
        with self.decisions, self.sessions.begin() as session:
            alert = repo.load_alert(session, ref.upper(), for_update=True)
            if alert is None:
                raise workqueue.NotDone(f"{ref} is not a known alert")
            try:
                outcome = self.apply(session, alert, event, now, actor=actor,
                                     trigger=trigger or f"{actor}/{now.isoformat()}/{type(event).__name__}")
            except d.TransitionRefused as refused:
                raise workqueue.NotDone(refused.reason) from None
        return outcome.audit[0]

    def select_alerts(self, flt: alert_list.AlertFilter, now: datetime) -> list[d.Alert]:
        return alert_list.select(self.alerts(), flt, self.config, self.calendar, now)

    def alert_workbook(self, flt: alert_list.AlertFilter, now: datetime) -> tuple[str, bytes, int]:
        """(file name, .xlsx bytes, how many alerts) for the alerts ``flt`` asks for, as at ``now``."""
        alerts = self.select_alerts(flt, now)
        local = now.astimezone(self.calendar.tz)
        table = alert_list.rows(alerts, self.config, self.calendar, now)
        data = alert_list.xlsx_bytes(table, title=f"{self.config.authority.name}: DRP alerts ({flt.describe()})",
                                     as_at=f"{local:%d/%m/%Y %H:%M}")
        return f"drp-alerts-{local:%Y-%m-%d-%H%M}.xlsx", data, len(alerts)

    def log_alert(self, parsed: ParsedMessage, now: datetime, *, actor: str, iro: str,
                  manager: str | None = None, trigger: str | None = None) -> str:
        """An alert raised outside e-mail (a meeting, a phone call), logged by the Business
        Manager on the IRO's behalf from the form or text of her mail. Returns the reference."""
        people = alert_list.people_matching(self.config, iro)
        raisers = [p for p in map(self.config.person, sorted(people)) if p and routing.raiser_processes(self.config, p)]
        if len(raisers) != 1:
            found = "no IRO or CP Chair" if not raisers else f"{len(raisers)} people"
            raise workqueue.NotDone(f"LOG: {found} in the directory match {iro!r}; write their address")
        person = raisers[0]
        addressed: tuple[str, ...] = ()
        if manager:
            managers = sorted(alert_list.people_matching(self.config, manager))
            if len(managers) != 1 or self.config.person(managers[0]) is None:
                raise workqueue.NotDone(f"LOG: {manager!r} is not one person in the directory; write their address")
            addressed = (managers[0],)
        if parsed.form is not None and parsed.missing_form_fields:
            raise workqueue.NotDone(f"LOG: the form is missing {', '.join(parsed.missing_form_fields)}")
        stage = parsed.form_stage if parsed.form is not None and parsed.form_stage is not None else (
            parsed.stated_stage or 0)
        process = routing.choose_process(self.config, person, parsed, need_informal=stage == 0)
        if process is None:
            raise workqueue.NotDone(f"LOG: no process {person.name} raises has that stage")
        timescale = parsed.timescale
        with self.decisions, self.sessions.begin() as session:
            year = self.calendar.local_date(now).year
            event = d.RaiseAlert(
                ref=repo.next_ref(session, self.config.authority.reference_prefix, year), process=process,
                stage=stage, raised_by=person.email, addressed=addressed, children=parsed.case_ids,
                categories=tuple(parsed.categories.get(process, ())),
                working_days=timescale.working_days if timescale else None,
                until=timescale.until if timescale else None)
            try:
                outcome = self.apply(session, None, event, now, actor=f"{actor} on behalf of {person.email}",
                                     trigger=trigger)
            except d.TransitionRefused as refused:
                raise workqueue.NotDone(f"LOG: {refused.reason}") from None
            repo.add_audit(session, at=now, actor=actor, action="logged", alert_ref=event.ref,
                           detail=f"raised outside e-mail; logged by {actor} on behalf of {person.email}",
                           message_id=parsed.envelope.message_id)
        return outcome.alert.ref

    def _admin_commands(self, parsed: ParsedMessage) -> list[workqueue.Command]:
        """The commands in a mail from someone whose role allows them and whose From is not in
        doubt, or []."""
        if parsed.is_automatic or parsed.sender_problem or parsed.sender_check.verdict == "fail":
            return []
        if not d.is_administrator(self.config, parsed.envelope.from_addr):
            return []
        return workqueue.parse_commands(parsed.reply_text)

    def _run_admin_mail(self, key: str, parsed: ParsedMessage, commands: list[workqueue.Command],
                        now: datetime) -> IngestResult:
        """Carry out each command of a Business Manager's mail (each in its own transaction, as
        from the command line) and answer with what was done, or why not."""
        env = parsed.envelope
        actor = env.from_addr
        with self.sessions.begin() as session:
            row = repo.find_message(session, key)
            self._finish(session, row, "admin_command", "processed", f"{len(commands)} command(s)", None, now)
        done: list[str] = []
        attachments: list[tuple[str, str, bytes]] = []
        logged = None
        for number, command in enumerate(commands):
            line = " ".join(x for x in (command.verb, command.handle or command.ref) if x)
            trigger = f"{key}/{number}"
            try:
                if command.problem:
                    raise workqueue.NotDone(command.problem)
                if command.verb == "LOG":
                    # The concern is read from the whole mail (its form, case IDs, timescale).
                    logged = self.log_alert(parsed, now, actor=actor, iro=command.who or "", manager=command.to,
                                            trigger=trigger)
                    done.append(f"LOG: raised as {logged} on behalf of {command.who}; the IRO is sent the acknowledgement")
                    continue
                if command.verb in ("FIND", "OPEN"):
                    done.append(self._list_by_mail(command, now, attachments))
                    continue
                done.append(self.carry_out(command, now, actor=actor, trigger=trigger))
            except (workqueue.NotDone, UsageError) as exc:
                done.append(f"{line}: not done: {exc}")
        with self.sessions.begin() as session:
            if logged:
                repo.find_message(session, key).alert_ref = logged
            self._queue(session, None, d.Notice("admin_reply", (actor,), f"admin/{key}", extra={"results": done}),
                        now, in_reply_to=env.message_id, references=(env.message_id,) if env.message_id else (),
                        attachments=tuple(attachments))
            repo.add_audit(session, at=now, actor=actor, action="admin_command", message_id=env.message_id,
                           detail="; ".join(r.splitlines()[0] for r in done)[:500])
        return IngestResult(env.message_id, "admin_command", logged, "processed", None)

    def carry_out(self, command: workqueue.Command, now: datetime, *, actor: str, trigger: str | None = None) -> str:
        """One work-queue or correction command, from the mail or the command line: what was done
        (raises ``workqueue.NotDone`` with why not)."""
        if command.problem:
            raise workqueue.NotDone(command.problem)
        verb = command.verb
        if verb == "HELP":
            return workqueue.HELP_TEXT
        if verb == "DISMISS":
            return self.dismiss(command.handle, command.reason, now, actor=actor)
        if verb in ("RETRY", "ATTACH"):
            result = self.take_up(command.handle, now, actor=actor, attach_to=command.ref if verb == "ATTACH" else None)
            outcome = f"{result.status}" + (f" as {result.alert}" if result.alert else "")
            return f"{verb} {command.handle}: {outcome}" + (f" ({result.reason})" if result.reason else "")
        if verb == "REASSIGN":
            event: d.Event = d.Reassign(by=actor, to=command.to or "", reason=command.reason)
        elif verb == "CORRECT":
            event = d.Correct(by=actor, field=command.field or "", values=command.values, reason=command.reason)
        elif verb == "REOPEN":
            event = d.Reopen(by=actor, reason=command.reason)
        else:
            raise workqueue.NotDone(f"{verb} is not something mailbot does here")
        return f"{verb} {command.ref}: " + self.administer(command.ref or "", event, now, actor=actor, trigger=trigger)

    def _list_by_mail(self, command: workqueue.Command, now: datetime,
                      attachments: list[tuple[str, str, bytes]]) -> str:
        """FIND: the alerts for a child or a person, one line each; OPEN: the open list as a
        workbook attached to the reply (the list ``mailbot alerts --open`` prints)."""
        if command.verb == "FIND":
            flt = alert_list.find_filter(command.who or "", self.config)
            alerts = self.select_alerts(flt, now)
            if not alerts:
                return f"FIND {command.who}: no alerts"
            table = alert_list.rows(alerts, self.config, self.calendar, now)
            lines = [f"{r[0]}: {r[2]}; {r[3]}; responder {r[4]}" + (f"; due {r[6]:%d/%m/%Y}" if r[6] else "")
                     for r in table]
            return f"FIND {command.who}: {len(alerts)} alert(s)\n" + "\n".join(lines)
        flt = alert_list.AlertFilter(open_only=True, overdue=command.field == "overdue")
        name, data, count = self.alert_workbook(flt, now)
        attachments.append((name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data))
        return f"OPEN: {count} {flt.describe()} alert(s) in the attached workbook {name}"

    def _not_acted_on(self, session: Session, row, parsed: ParsedMessage, why: str, alert: d.Alert | None,
                      now: datetime) -> IngestResult:
        """Mail whose sender is not proven or not one person: kept for a person, and the person it
        claims to be from told, once a day, at their directory address (never the forged one)."""
        env = parsed.envelope
        claimed = self.config.person(env.from_addr) if env.from_addr else None
        if claimed is not None:
            day = self.calendar.local_date(now).isoformat()
            self._queue(session, None, d.Notice("not_acted_on", (claimed.email,), f"not-acted-on/{claimed.email}/{day}",
                                                extra={"reason": why}), now)
        return self._finish(session, row, routing.UNRECOGNISED, "quarantined", f"not acted on: {why}",
                            alert.ref if alert else None, now)

    def _over_rate_limit(self, session: Session, parsed: ParsedMessage, alert: d.Alert | None,
                         now: datetime) -> str | None:
        """Why this message is over a day's limit (per sender, per alert), or None. Past the limit
        every message is still recorded, none is acted on or answered, and the Business Manager is
        told once a day: the last defence against a robot that no header gives away."""
        security = self.config.settings.security
        local_day = self.calendar.local_date(now)
        since = self._day_start(now)
        sender = parsed.envelope.from_addr
        checks = [(repo.count_inbound_since(session, since, from_addr=sender), security.per_sender_per_day,
                   f"from {sender}", sender)]
        if alert is not None:
            # The message is not linked to the alert yet: it is the one more.
            checks.append((repo.count_inbound_since(session, since, alert_ref=alert.ref) + 1,
                           security.per_alert_per_day, f"in the thread of {alert.ref}", alert.ref))
        for count, limit, what, who in checks:
            if count > limit:
                bm = tuple(p.email for p in self.config.people_with_role("business_manager"))
                self._queue(session, None, d.Notice("rate_limited", bm, f"rate/{who}/{local_day.isoformat()}",
                                                    extra={"limit": limit, "what": what, "sender": sender,
                                                           "count": count}), now)
                return f"rate limit: {count} messages {what} today, over the limit of {limit}"
        return None

    def _read_as(self, route: routing.Route, parsed: ParsedMessage, outcome: d.Outcome) -> str | None:
        """One line saying what was read and what it led to: "ESCALATE to Stage 2 Service
        Manager, Morgan Ellis, respond by Fri 21 May 2027; timescale from your e-mail"."""
        alert = outcome.alert
        process = self.config.processes[alert.process]
        rung = d.rung_name(process, alert.stage, alert.current.step)
        who = self.renderer.name_of(alert.responder)
        due = f"respond by {long_date(alert.current.due)}"
        if route.kind in (routing.NEW_ALERT, routing.FORM) and route.reading is None and isinstance(
            route.event, d.RaiseAlert
        ):
            ev = route.event
            if ev.working_days or ev.until:
                source = "timescale from your e-mail"
            else:
                source = f"the {rung} timescale"
                if parsed.timescale_note:
                    source += f" ({parsed.timescale_note})"
            return f"new alert at {rung}, {who}, {due}; {source}"
        reading = route.reading
        if reading is None:
            return None
        if reading.verb == "ESCALATE":
            source = "; timescale from your e-mail" if reading.working_days or reading.until else ""
            return f"ESCALATE to {rung}, {who}, {due}{source}"
        if reading.verb in ("EXTEND", "AGREE"):
            return f"{reading.verb}: {who} to {due}"
        return reading.verb

    def _ask_to_confirm(self, session: Session, row, route: routing.Route, alert: d.Alert | None,
                        parsed: ParsedMessage, now: datetime) -> IngestResult:
        """A decision read with a doubt: change nothing, say what was read and why it is unsure,
        and give the exact words that would carry it out (DESIGN §6.8)."""
        env = parsed.envelope
        reading = route.reading
        assert alert is not None and reading is not None
        repo.add_audit(session, at=now, actor=env.from_addr, action="unsure",
                       detail=f"read as {reading.command()} ({reading.doubt}); nothing changed, sender asked to confirm",
                       alert_ref=alert.ref, message_id=env.message_id)
        self._queue(session, alert, d.Notice("confirm_reading", (env.from_addr,), f"confirm/{row.dedupe_key}",
                                             extra={"read_as": reading.command(), "doubt": reading.doubt,
                                                    "words": reading.words[:200], "command": reading.command()}),
                    now)
        row.alert_ref = alert.ref
        return self._finish(session, row, route.kind, "processed", route.reason, alert.ref, now)

    def _tell_who_decides(self, session: Session, alert: d.Alert, reading: routing.Reading, sender: str,
                          now: datetime) -> None:
        """A manager's reply read as a decision only the IRO may take: it stands as their
        response, and they are told, once per alert, who decides."""
        repo.add_audit(session, at=now, actor=sender, action="not_entitled",
                       detail=f"reply reads as {reading.verb}, which only the alert's IRO may decide; recorded as a response",
                       alert_ref=alert.ref)
        self._queue(session, alert, d.Notice("who_decides", (sender,), f"who-decides/{sender}",
                                             extra={"verb": reading.verb}), now)

    def _refused(self, session: Session, row, route: routing.Route, alert: d.Alert | None, reason: str,
                 parsed: ParsedMessage, now: datetime) -> IngestResult:
        env = parsed.envelope
        ref = alert.ref if alert else None
        if alert is None:
            # A new alert that cannot be opened (no responder, no such stage) needs a person.
            return self._finish(session, row, route.kind, "quarantined", reason, None, now)
        repo.add_audit(session, at=now, actor=env.from_addr, action="refused", detail=reason,
                       alert_ref=ref, message_id=env.message_id)
        if route.kind in (routing.INSTRUCTION, routing.FORM):
            # Tell the person who gave the instruction why nothing happened.
            self._queue(session, alert, d.Notice("instruction_refused", (env.from_addr,),
                                                 f"refused/{row.dedupe_key}", extra={"reason": reason}),
                        now)
        row.alert_ref = ref
        return self._finish(session, row, route.kind, "processed", f"refused: {reason}", ref, now)

    def _form_incomplete(self, session: Session, key: str, parsed: ParsedMessage, now: datetime) -> None:
        """Tell the sender of a form what it lacks; the message itself waits for a person.

        Only a sender in the directory is answered (``_queue`` drops anyone else), so a stranger
        cannot make mailbot write to an address of their choosing.
        """
        env = parsed.envelope
        missing = [routing.FORM_FIELD_NAMES.get(f, f) for f in parsed.missing_form_fields]
        self._queue(session, None, d.Notice("form_incomplete", (env.from_addr,), f"form/{key}",
                                            extra={"missing": missing}), now,
                    in_reply_to=env.message_id, references=(env.message_id,) if env.message_id else ())

    def _finish(self, session: Session, row, kind: str, status: str, reason: str | None,
                alert_ref: str | None, now: datetime) -> IngestResult:
        row.kind, row.status, row.reason, row.handled_at = kind, status, reason, now
        row.alert_ref = alert_ref or row.alert_ref
        if status == "quarantined":
            repo.add_audit(session, at=now, actor="mailbot", action="quarantined", detail=reason or kind,
                           alert_ref=alert_ref, message_id=row.message_id)
        return IngestResult(row.message_id, kind, alert_ref, status, reason)

    def _responder_away(self, session: Session, parsed: ParsedMessage, now: datetime) -> str | None:
        """An out-of-office reply from an alert's current responder (issue 10): the IRO and the
        Business Manager are told that the responder is away, until when if the reply says,
        and the command that reassigns the alert; once per rung and responder. The reply itself
        is never answered. Returns the alert's reference, or None when it is not such a reply."""
        env = parsed.envelope
        if parsed.sender_check.verdict == "fail" or parsed.sender_problem:
            return None
        ref = repo.alert_ref_for_message_ids(session, env.in_reply_to + env.references) or parsed.reference
        alert = repo.load_alert(session, ref) if ref else None
        if alert is None or not alert.is_live or alert.responder != env.from_addr:
            return None
        sent = self.calendar.local_date(env.date or now)
        away = parsers.away_in(env, sent)
        if away is None:
            return None
        back = back_at_work(away, self.calendar)
        bm = tuple(p.email for p in self.config.people_with_role("business_manager"))
        notice = d.Notice("responder_away", (alert.raised_by,), f"away/{len(alert.episodes)}/{alert.responder}",
                          cc=bm, extra={"responder": alert.responder, "back": back, "left": away.left,
                                        "further_notice": away.until_further_notice})
        said = ("has left" if away.left else f"is away, back {back.isoformat()}" if back
                else "is away until further notice" if away.until_further_notice else "is away")
        repo.add_audit(session, at=now, actor=env.from_addr, action="responder_away", alert_ref=alert.ref,
                       detail=f"automatic reply: the responder {said}", message_id=env.message_id)
        self._queue(session, alert, notice, now)
        return alert.ref

    def _report_bounce(self, session: Session, parsed: ParsedMessage, now: datetime) -> str | None:
        ours = [m for m in parsed.bounced_message_ids if m.startswith("mailbot.")]
        if not ours:
            return None
        ref = repo.alert_ref_for_message_ids(session, ours)
        templates = repo.outbox_template_of(session, ours)
        if templates and set(templates.values()) <= {"bounce_report", "rate_limited"}:
            # The report of a bounce bounced in turn: reporting it again would never end.
            repo.add_audit(session, at=now, actor="mailbot", action="bounce",
                           detail=f"our bounce report {ours[0]} bounced; not reported again", alert_ref=ref,
                           message_id=parsed.envelope.message_id)
            return ref
        bm = tuple(p.email for p in self.config.people_with_role("business_manager"))
        notice = d.Notice("bounce_report", bm, f"bounce/{ours[0]}",
                          extra={"bounced_message_ids": ours, "reason": parsed.automatic_reason or "bounced"})
        self._queue(session, None, notice, now, alert_ref=ref)
        repo.add_audit(session, at=now, actor="mailbot", action="bounce",
                       detail=f"our message {ours[0]} bounced", alert_ref=ref,
                       message_id=parsed.envelope.message_id)
        return ref

    # ------------------------------------------------------------------ decisions

    def apply(self, session: Session, alert: d.Alert | None, event: d.Event, now: datetime, *,
              actor: str, message_id: str | None = None, root_message_id: str | None = None,
              trigger: str | None = None, read_as: Callable[[d.Outcome], str | None] | None = None) -> d.Outcome:
        """Decide, then store the new state, its audit lines and its notices together.

        ``trigger`` is the dedupe key of the message that caused the decision: it goes into each
        notice's idempotency key, so two messages handled at one instant never share a key,
        while a sweep's notices (no trigger) stay unique per deadline."""
        outcome = d.decide(alert, event, now, self.rules)
        repo.save_alert(session, outcome.alert, root_message_id=root_message_id,
                        next_due_at=d.next_due_at(outcome.alert, self.rules))
        action = type(event).__name__
        said = read_as(outcome) if read_as else None
        for line in outcome.audit + ((f"read as: {said}",) if said else ()):
            repo.add_audit(session, at=now, actor=actor, action=action, detail=line,
                           alert_ref=outcome.alert.ref, message_id=message_id)
        for notice in outcome.notices:
            if said and actor in notice.to + notice.cc:
                # The sender sees what mailbot read from their mail (issue 8).
                notice = replace(notice, extra={**notice.extra, "read_as": said})
            self._queue(session, outcome.alert, notice, now, trigger=trigger)
        return outcome

    def _allowed(self, emails: Iterable[str]) -> tuple[list[str], list[str]]:
        allowed_domains = self.config.settings.security.allowed_domains
        ok, refused = [], []
        for email in emails:
            person = self.config.person(email)
            if person and email.rsplit("@", 1)[1] in allowed_domains:
                if email not in ok:
                    ok.append(email)
            else:
                refused.append(email)
        return ok, refused

    def _queue(self, session: Session, alert: d.Alert | None, notice: d.Notice, now: datetime, *,
               in_reply_to: str | None = None, references: tuple[str, ...] = (),
               alert_ref: str | None = None, trigger: str | None = None,
               attachments: tuple[tuple[str, str, bytes], ...] = ()) -> None:
        ref = alert.ref if alert else alert_ref
        if notice.template in ANSWERS and self._replying_to:
            earlier = repo.outbox_template_of(session, self._replying_to)
            if notice.template in earlier.values():
                # A reply to our own answer that would draw the same answer again is what a
                # robot does: one answer per loop, and the audit says why there was no other.
                repo.add_audit(session, at=now, actor="mailbot", action="not_answered",
                               detail=f"{notice.template} not sent: the message replies to our own {notice.template}",
                               alert_ref=ref)
                return
        key = f"{ref or 'none'}/{notice.key}/{notice.template}"
        if trigger:
            key += "/" + hashlib.sha256(trigger.encode()).hexdigest()[:16]
        if repo.outbox_has(session, key, alert_ref=ref):
            return
        to, refused_to = self._allowed(notice.to)
        cc, refused_cc = self._allowed(c for c in notice.cc if c not in to)
        refused = refused_to + refused_cc
        if refused:
            repo.add_audit(session, at=now, actor="mailbot", action="recipient_refused",
                           detail=f"{notice.template} not addressed to {', '.join(refused)}: not a configured person",
                           alert_ref=ref)
        if not to:
            return
        # The history a notice shows is what happened to the alert; the mail bookkeeping
        # (queued, sent) stays in the full audit that `mailbot alert REF` prints.
        history = [(at, detail) for at, action, detail in repo.history_of(session, ref)
                   if action not in HISTORY_HIDDEN] if ref else []
        subject, text, html = self.renderer.render(notice.template, alert, history, notice.extra)
        if alert is not None and in_reply_to is None:
            thread = repo.thread_message_ids(session, alert.ref)
            root = repo.root_message_id(session, alert.ref)
            in_reply_to = root or (thread[-1] if thread else None)
            references = tuple(dict.fromkeys(([root] if root else []) + thread[-9:]))
        unique = hashlib.sha256(key.encode()).hexdigest()[:20]
        mail = repo.OutgoingMail(
            idempotency_key=key,
            message_id=make_message_id(f"{(ref or 'notice').lower()}.{unique}", self.mail_domain),
            alert_ref=ref, template=notice.template, to=tuple(to), cc=tuple(cc), subject=subject,
            text=text, html=html, in_reply_to=in_reply_to, references=references, attachments=attachments,
        )
        repo.queue_mail(session, mail, now)
        repo.add_audit(session, at=now, actor="mailbot", action="queued",
                       detail=f"{notice.template} to {', '.join(to)}" + (f" cc {', '.join(cc)}" if cc else ""),
                       alert_ref=ref, message_id=mail.message_id)

    # ------------------------------------------------------------------ sweep

    def tick(self, now: datetime) -> list[tuple[str, str]]:
        """The deadline sweep: apply every reminder, lapse and cap breach due at ``now``."""
        done: list[tuple[str, str]] = []
        after_id = 0
        # Only alerts whose next instant has come (or is not computed yet): the cost grows with
        # what is due, not with what is open (issue 13). Committed in batches (one commit per
        # alert was most of a large sweep's time). Each batch is claimed with FOR UPDATE SKIP
        # LOCKED: instances sharing a PostgreSQL store sweep side by side, each alert handled by
        # one of them. Claims go forward by id, so an alert that failed is not met again until
        # the next sweep.
        while True:
            swept = _at_once_or_one_by_one(lambda careful: self._sweep_batch(now, after_id, careful),
                                           "a sweep batch")
            if swept is None:
                return done
            after_id, events = swept
            done += events

    def _sweep_batch(self, now: datetime, after_id: int, careful: bool) -> tuple[int, list[tuple[str, str]]] | None:
        """Claim the next batch of due alerts after ``after_id`` and apply what is due, in one
        transaction; returns (the last id claimed, the events applied), or None when nothing is
        left. ``careful``: each alert in a savepoint of its own, so one alert's fault (logged)
        loses only its own changes. Not careful (the ordinary case): no savepoints, the batch's
        changes written at its end; an alert's fault raises _DecideCarefully, undoing the batch."""
        events: list[tuple[str, str]] = []
        with self.decisions, self.sessions.begin() as session:
            claimed = repo.claim_due_alerts(session, now, d.LIVE, after_id=after_id, limit=SWEEP_BATCH)
            if not claimed:
                return None
            # The claimed alerts, their history, thread and outbox keys, loaded in a few
            # queries for the batch (as an inbound batch's are), not a handful per notice.
            repo.preload_batch(session, since=self._day_start(now), message_ids=(),
                               refs=[ref for _id, ref in claimed], senders=())
            for _id, ref in claimed:
                try:
                    with _one_of_a_batch(session, careful):
                        events += self._sweep_one(session, ref, now)
                except _DecideCarefully:
                    raise
                except Exception:  # noqa: BLE001 - logged; the rest of the sweep goes on
                    log.exception("sweep: %s could not be handled; it is tried again at the next sweep", ref)
            repo.end_batch(session)
        return claimed[-1][0], events

    def _sweep_one(self, session: Session, ref: str, now: datetime) -> list[tuple[str, str]]:
        done = []
        alert = repo.load_alert(session, ref, for_update=True)
        if alert is None:
            return done
        for event in d.due_events(alert, now, self.rules):
            try:
                outcome = self.apply(session, alert, event, now, actor="mailbot")
            except d.TransitionRefused:
                continue  # the state moved on under an earlier event of this sweep
            alert = outcome.alert
            done.append((ref, type(event).__name__))
        repo.set_next_due(session, ref, d.next_due_at(alert, self.rules))
        return done

    # ------------------------------------------------------------------ send

    # Rows claimed, marked "sending" and recorded "sent" per commit. A process killed during a
    # batch's hand-off leaves the whole batch "sending", and none of it is sent again (at most
    # once): the batch is kept small, and well within SENDING_GRACE (see _send_batch_size).
    SEND_BATCH = 50

    def send(self, now: datetime, sink: Sink, *, batches: int | None = None) -> list[str]:
        """Deliver every queued row through ``sink``; each row is sent at most once.

        In batches (issue 13): a batch of queued rows is claimed (FOR UPDATE SKIP LOCKED, so
        instances sharing a PostgreSQL store never take the same row), built, and marked
        "sending" in one commit before any is handed to the server; then each is handed over,
        and what happened to the batch ("sent" with its audit line, or a failure) is recorded
        in one commit. A process killed in between leaves its rows "sending", and they are
        never handed over again: ``reconcile_sending`` reports them instead (issue 9).

        ``batches``: send at most that many batches (a small job done while waiting for
        something else; what is left waits for the next call, which reports interrupted rows:
        they are never claimed again, so leaving them to it costs nothing)."""
        sent: list[str] = []
        if batches is None:
            self.reconcile_sending(now)
        after_id = 0
        while batches is None or batches > 0:
            batches = None if batches is None else batches - 1
            with self.sessions.begin() as session:
                rows = repo.claim_outbox(session, now, after_id=after_id, limit=self._send_batch_size())
                if not rows:
                    break
                after_id = rows[-1].id
                batch = self._prepare_batch(session, rows, now)
            sent_now, login_refused = self._hand_over(batch, now, sink)
            sent += sent_now
            if login_refused:
                break  # every row would meet the same refusal: the rest wait for the next round
        return sent

    def _send_batch_size(self) -> int:
        """SEND_BATCH, or fewer when one hand-off may take long (the SMTP timeout): a whole
        batch must be handed over well within SENDING_GRACE, after which another instance
        would take its rows for interrupted ones."""
        from .config import SMTP_SCHEMES, parse_server_url

        outbox = self.config.settings.outbox
        if parse_server_url(outbox.url, SMTP_SCHEMES).is_maildir:
            return self.SEND_BATCH  # a file written is a hand-off that cannot hang
        return max(1, min(self.SEND_BATCH, int(SENDING_GRACE.total_seconds() // (2 * outbox.timeout_seconds))))

    def _prepare_batch(self, session: Session, rows: list, now: datetime) -> list[tuple[int, Any, Any]]:
        """Build each claimed row's message and mark it "sending" (the hand-off time kept in
        next_attempt_at); a row that can never be built (a bad address) fails alone. Returns
        (row id, message, next_attempt_at before the claim) for each row to hand over."""
        batch = []
        for row in rows:
            row.attempts += 1
            try:
                message = build_message(
                    from_addr=self.mailbox, from_name=self.config.settings.outbox.from_name,
                    to=row.to_addrs, cc=row.cc_addrs, subject=row.subject, text=row.body_text,
                    html=row.body_html, message_id=row.message_id, in_reply_to=row.in_reply_to,
                    references=row.references,
                    auto_submitted="auto-generated" if row.template in reports.REPORT_TEMPLATES else "auto-replied",
                    date=now, attachments=repo.attachments_of(row),
                )
            except ValueError as exc:
                row.status, row.last_error = "failed", f"cannot build the message: {exc}"
                repo.add_audit(session, at=now, actor="mailbot", action="send_failed",
                               detail=f"{row.template}: {row.last_error}", alert_ref=row.alert_ref,
                               message_id=row.message_id)
                continue
            batch.append((row.id, message, row.next_attempt_at))
            row.status, row.next_attempt_at = "sending", now
        return batch

    def _hand_over(self, batch: list[tuple[int, Any, Any]], now: datetime, sink: Sink) -> tuple[list[str], bool]:
        """Hand each message of a committed "sending" batch to ``sink``, then record the outcome
        of the whole batch in one commit. Returns (Message-IDs sent, whether the login was refused).

        The outcome is recorded even when the hand-off is interrupted by an exception: rows
        handed over are "sent", rows not yet tried go back to the queue as they were, and the row
        in the sink's hands when it failed stays "sending" (the server may have it)."""
        outcomes: dict[int, tuple[str, Exception | None]] = {}
        tried = 0
        login_refused = False
        try:
            for row_id, message, _before in batch:
                tried += 1
                try:
                    sink.send(message)
                except PermanentFailure as exc:
                    outcomes[row_id] = ("refused", exc)
                except LoginRefused as exc:
                    # mailbot's own login failed: every row would meet the same refusal, so this
                    # one waits its back-off and the rest are not tried this round.
                    outcomes[row_id] = ("login_refused", exc)
                    login_refused = True
                    break
                except (TemporaryFailure, OSError) as exc:
                    outcomes[row_id] = ("temporary", exc)
                else:
                    outcomes[row_id] = ("sent", None)
        finally:
            untried = {row_id: before for row_id, _message, before in batch[tried:]}
            sent = self._record_hand_over(outcomes, untried, now)
        return sent, login_refused

    def _record_hand_over(self, outcomes: dict[int, tuple[str, Exception | None]], untried: dict[int, Any],
                          now: datetime) -> list[str]:
        with self.sessions.begin() as session:
            # The ordinary outcome, in a few statements for the batch; the others row by row.
            sent = repo.mark_sent(session, [row_id for row_id, (what, _exc) in outcomes.items() if what == "sent"], now)
            others = [row_id for row_id, (what, _exc) in outcomes.items() if what != "sent"]
            for row in repo.outbox_by_id(session, [*others, *untried]):
                if row.status != "sending":
                    continue  # reported as interrupted meanwhile (a hand-off past SENDING_GRACE)
                if row.id in untried:
                    # Never handed over: back in the queue as if this round had not claimed it.
                    row.status, row.attempts, row.next_attempt_at = "queued", row.attempts - 1, untried[row.id]
                    continue
                what, exc = outcomes[row.id]
                if what == "refused":
                    self._send_failed(session, row, now, f"refused: {exc}")
                elif what == "login_refused":
                    row.status = "queued"
                    self._retry_later(session, row, now, str(exc))
                    repo.set_state(session, "last_error", f"{now.isoformat()} {exc}", now)
                else:
                    row.status = "queued"  # the server took nothing: it may be tried again
                    self._retry_later(session, row, now, f"{type(exc).__name__}: {exc}")
        return sent

    def reconcile_sending(self, now: datetime) -> list[str]:
        """Rows left "sending" by a process that stopped during the hand-off (older than
        SENDING_GRACE, so another instance's send in progress is left alone): the server may or
        may not have them, so they are not sent again but marked failed and reported. Claimed
        with SKIP LOCKED, so that of two instances only one reports each row."""
        with self.sessions.begin() as session:
            stuck = repo.claim_interrupted_sending(session, now - SENDING_GRACE)
            for row in stuck:
                self._send_failed(session, row, now,
                                  f"interrupted while being handed to the mail server at {row.next_attempt_at.isoformat()}: "
                                  "not sent again, so that it is never sent twice; check whether it arrived")
            return [r.message_id for r in stuck]

    def _send_failed(self, session: Session, row, now: datetime, error: str) -> None:
        row.status, row.last_error, row.next_attempt_at = "failed", error, None
        repo.add_audit(session, at=now, actor="mailbot", action="send_failed",
                       detail=f"{row.template} to {', '.join(row.to_addrs)}: {error}",
                       alert_ref=row.alert_ref, message_id=row.message_id)
        log.error("outbox %s failed: %s", row.message_id, error)

    def _retry_later(self, session: Session, row, now: datetime, error: str) -> None:
        """A temporary failure: back off (30 s, 1, 2, 4 ... minutes, at most an hour) until the
        configured horizon, then give up and report it. The row keeps its Message-ID."""
        horizon = timedelta(minutes=self.config.settings.outbox.retry_horizon_minutes)
        if now - row.created_at >= horizon:
            self._send_failed(session, row, now, f"gave up after {row.attempts} attempts: {error}")
            return
        row.last_error = error
        row.next_attempt_at = now + min(timedelta(seconds=30 * 2 ** (row.attempts - 1)), timedelta(hours=1))
        log.warning("outbox %s: attempt %d failed (%s); next at %s", row.message_id, row.attempts,
                    error, row.next_attempt_at.isoformat())

    # ------------------------------------------------------------------ digest and reports
    # The figures are built by mailbot.reports (pure); these methods read the store for it and
    # queue the results. Report mails go only to configured people, like every other notice.

    def report_facts(self, now: datetime, compliments_since: datetime | None = None) -> reports.StoreFacts:
        with self.sessions() as session:
            compliments = repo.compliments_between(session, compliments_since, now) if compliments_since else []
            return reports.StoreFacts(
                quarantined=tuple(reports.Quarantined(m.received_at, m.from_addr, m.reason,
                                                      workqueue.handle_of(m.id), _subject_of(m.raw))
                                  for m in repo.messages_needing_a_person(session)),
                failures=tuple(reports.Failure(r.created_at, r.subject, tuple(r.to_addrs), r.last_error)
                               for r in repo.outbox_rows(session, "failed")),
                queued=repo.count_outbox(session, "queued"),
                last_received=repo.last_inbound_at(session),
                compliments=tuple(reports.Compliment(c.received_at, c.raised_by, c.process, tuple(c.children))
                                  for c in compliments),
                imported=frozenset(repo.imported_refs(session)),
            )

    def digest_extra(self, now: datetime) -> dict[str, Any]:
        return reports.digest_context(self.config, self.calendar, self.alerts(), self.report_facts(now), now)

    def digest(self, now: datetime, queue: bool) -> tuple[str, str]:
        """Build the daily digest; queue it to the configured recipients (once a day) if asked."""
        subject, text, _html = self.digest_rendered(now, queue)
        return subject, text

    def digest_rendered(self, now: datetime, queue: bool) -> tuple[str, str, str]:
        extra = self.digest_extra(now)
        subject, text, html = self.renderer.render("digest", None, [], extra)
        if queue:
            recipients = self._recipients(self.config.settings.digest.recipients)
            period = self.calendar.local_date(now).isoformat()
            with self.sessions.begin() as session:
                self._queue(session, None, d.Notice("digest", tuple(recipients), f"digest/{period}", extra=extra), now)
        return subject, text, html

    def monthly(self, now: datetime, period: reports.Period | None = None) -> list[tuple[str, str, str, str]]:
        """The month's mails as (recipient, subject, text, html): one per operational manager with
        something outstanding, then the summary for each ``reports.monthly_recipients``."""
        period = period or reports.previous_month(self.calendar.local_date(now))
        alerts = self.alerts()
        out = []
        for manager in reports.operational_managers(self.config):
            extra = reports.monthly_manager_context(self.config, self.calendar, alerts, manager, now)
            if extra["rows"]:  # no mail about nothing: only managers with alerts outstanding
                out.append((manager.email, *self.renderer.render("monthly_manager", None, [], extra)))
        extra = reports.monthly_summary_context(self.config, self.calendar, alerts, period, now,
                                                self.report_facts(now).imported)
        rendered = self.renderer.render("monthly_summary", None, [], extra)
        out += [(email, *rendered) for email in self._recipients(self.config.settings.reports.monthly_recipients)]
        return out

    def queue_monthly(self, now: datetime, period: reports.Period | None = None) -> list[str]:
        """Queue the monthly mails (once per month and recipient); return who they are for."""
        period = period or reports.previous_month(self.calendar.local_date(now))
        alerts = self.alerts()
        queued: list[str] = []
        with self.sessions.begin() as session:
            for manager in reports.operational_managers(self.config):
                extra = reports.monthly_manager_context(self.config, self.calendar, alerts, manager, now)
                if extra["rows"]:
                    self._queue(session, None, d.Notice("monthly_manager", (manager.email,),
                                                        f"monthly/{period.key}/{manager.email}", extra=extra), now)
                    queued.append(manager.email)
            extra = reports.monthly_summary_context(self.config, self.calendar, alerts, period, now,
                                                    self.report_facts(now).imported)
            recipients = tuple(self._recipients(self.config.settings.reports.monthly_recipients))
            self._queue(session, None, d.Notice("monthly_summary", recipients, f"monthly/{period.key}", extra=extra), now)
            queued.extend(recipients)
        return queued

    def quarterly(self, now: datetime, period: reports.Period | None = None) -> reports.QuarterlyReport:
        period = period or reports.previous_quarter(self.calendar.local_date(now))
        since = datetime.combine(period.start, datetime.min.time(), self.calendar.tz)
        facts = self.report_facts(now, compliments_since=since)
        return reports.quarterly_report(self.config, self.calendar, self.alerts(), facts.compliments, period, now,
                                        facts.imported)

    def queue_quarterly(self, now: datetime, period: reports.Period | None = None) -> list[str]:
        """Queue the quarterly analysis to ``reports.quarterly_recipients`` with the workbook
        attached (once per period); return the recipients."""
        report = self.quarterly(now, period)
        filename = f"drp-alerts-{report.period.key}.xlsx"
        extra = reports.quarterly_mail_context(report, filename)
        recipients = tuple(self._recipients(self.config.settings.reports.quarterly_recipients))
        with self.sessions.begin() as session:
            self._queue(session, None, d.Notice("quarterly_report", recipients, f"quarterly/{report.period.key}",
                                                extra=extra), now,
                        attachments=((filename, reports.XLSX_MIME, reports.xlsx_bytes(report)),))
        return list(recipients)

    def _recipients(self, roles_or_emails: Iterable[str]) -> list[str]:
        out = []
        for item in roles_or_emails:
            if "@" in item:
                out.append(item.lower())
            else:
                out.extend(p.email for p in self.config.people_with_role(item))
        return out

    # ------------------------------------------------------------------ reading

    def alerts(self) -> list[d.Alert]:
        with self.sessions() as session:
            return repo.list_alerts(session)

    def alert_history(self, ref: str) -> tuple[d.Alert | None, list[Any]]:
        with self.sessions() as session:
            return repo.load_alert(session, ref), repo.audit_for(session, ref)

    def outbox(self) -> list[Any]:
        with self.sessions() as session:
            return repo.outbox_rows(session)


def alert_json(alert: d.Alert, config: Config) -> dict[str, Any]:
    """The JSON shape of ``mailbot alerts --json`` (fields fixed by issue 2)."""
    process = config.processes[alert.process]
    due = alert.due
    return {
        "ref": alert.ref,
        "process": alert.process,
        "status": alert.status.value,
        "stage": alert.stage,
        "stage_name": d.rung_name(process, alert.stage, alert.current.step),
        "responder": alert.responder,
        "due": due.isoformat() if due else None,
        "raised_by": alert.raised_by,
        "children": list(alert.children),
        "categories": list(alert.categories),
        "opened": alert.opened.isoformat(),
        "closed": alert.closed.isoformat() if alert.closed else None,
        "resolved_at_stage": alert.resolved_at_stage,
        "cap_breached": alert.cap_breached,
    }
