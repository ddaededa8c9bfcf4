"""``mailbot run``: the mailbox watcher, the outbox sender and the scheduler, together.

The watcher runs on the main thread: connect, drain what is waiting, wait (IDLE or polling),
repeat; on any connection loss it reconnects with exponential back-off and jitter, logging once
per outage rather than once per try. APScheduler runs the deadline sweep every minute, the
outbox drain every few seconds (and at once after a message queues mail), and the daily digest
at the configured time on working days, and the monthly and quarterly reports on the first
working day after their period. What these jobs have done is recorded in the store, so a daemon
that was down over their time sends them once when it comes back, never twice.

SIGTERM or SIGINT sets ``stop``: the message in hand is finished, jobs are let finish, and
``run`` returns 0. ``run_once`` does one pass of everything for councils that prefer cron.

The configuration and the directory CSV it names are re-read without a restart (issue 10): a
job looks every few seconds whether either file changed (its size, time or inode), and SIGHUP
asks for a re-read even when nothing seems to have. A valid file is taken into use from the next
decision on; an invalid one is reported once (log, ``mailbot status``) and the daemon carries on
with the configuration it has until the file changes again.

Several instances on one PostgreSQL store (issue 13), for resilience: every instance sweeps and
sends (each claims its work with FOR UPDATE SKIP LOCKED, so nothing is handled or sent twice),
but only one watches the mailbox: the one holding the mailbox's advisory lock (store.db.
MailboxLock). The others try for it every LOCK_RETRY_SECONDS and take over within seconds of the
holder dying. The once-a-day jobs (digest, reports, retention) are the holder's too, so that two
instances never race to queue them. On SQLite (one file, one machine, one process) there is no
lock: the one process watches.
"""

from __future__ import annotations

import csv
import logging
import os
import random
import re
import signal
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from store import repository as repo
from store.db import MailboxLock, advisory_key

from . import reports
from .config import Config, files_read_by, load_config
from .errors import ConfigError
from .imap import MailboxUnavailable
from .service import Mailbot, first_line
from .parallel_reading import ReadingPool
from .shell import Source, drain_mailbox

log = logging.getLogger("mailbot.daemon")
Clock = Callable[[], datetime]
MAX_BACKOFF_SECONDS = 300
EXIT_CONFIG = 78  # sysexits.h EX_CONFIG; the systemd unit does not restart on it
SEND_EVERY_SECONDS = 5
RELOAD_CHECK_SECONDS = 10
LOCK_RETRY_SECONDS = 3  # how often a stand-by instance tries for the mailbox
# Settings read once when the daemon starts (connections, the store, the digest's timetable): a
# re-read configuration that changes them is used by everything else, and these wait for a restart.
_RESTART_SETTINGS = ("mailbox", "outbox", "store", "authority.mailbox_address", "authority.timezone",
                     "digest.time")


def real_clock() -> datetime:
    return datetime.now(timezone.utc)


class Daemon:
    def __init__(self, bot: Mailbot, source: Source, sink, clock: Clock = real_clock,
                 stop: threading.Event | None = None, rng: random.Random | None = None):
        self.bot = bot
        self.source = source
        self.sink = sink
        self.clock = clock
        self.stop = stop or threading.Event()
        self.rng = rng or random.Random()
        self.scheduler: BackgroundScheduler | None = None
        # Set by SIGHUP (a signal handler may only set a flag: the main thread it interrupts
        # may be half-way through a decision); the next configuration check honours it.
        self.reload_requested = threading.Event()
        self._reload_lock = threading.Lock()
        self._config_seen = _fingerprint(self._config_files())
        # Set while this process watches the mailbox: always on SQLite (one process), and on
        # PostgreSQL while it holds the mailbox's advisory lock.
        self.mailbox_lock = _mailbox_lock(bot)
        self.watching = threading.Event()
        if self.mailbox_lock is None:
            self.watching.set()
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        # A backlog's batches are read on another core while the one before is decided.
        self.reading_pool = ReadingPool.for_this_machine()

    # ------------------------------------------------------------------ one pass

    def run_once(self) -> dict[str, int]:
        """Drain the mailbox, sweep, send, and queue the digest if it is due; then return.

        On PostgreSQL, while another instance watches the mailbox, this pass sweeps and sends
        only: the mailbox and the once-a-day jobs are the watcher's."""
        took = self.mailbox_lock is not None and self.mailbox_lock.try_acquire()
        if took:
            self._took_mailbox()
        sent_while_draining: list[str] = []

        def send_a_batch() -> bool:
            """One batch of queued notices sent (a job for the drain's wait); False if none was."""
            sent_now = self.bot.send(self.clock(), self.sink, batches=1)
            sent_while_draining.extend(sent_now)
            return bool(sent_now)

        try:
            handled = 0
            if self.watching.is_set():
                if self.reading_pool is not None:
                    self.reading_pool.start()  # the worker imports the parsers while we connect
                self._connect()
                try:
                    # Notices the drain has queued go out while the next batch is being read
                    # on the other core, rather than all after the drain.
                    handled = self.drain(while_waiting=send_a_batch)
                finally:
                    self._disconnect()
            else:
                log.info("mailbox %s is watched by another instance: this pass sweeps and sends only",
                         self.bot.mailbox)
            swept = self.sweep()
            if self.watching.is_set():
                self.digest_if_due()
                self.reports_if_due()
                self.retention_if_due()
            if sent_while_draining:
                log.info("sent %d message(s) while the mailbox was read", len(sent_while_draining))
            sent = sent_while_draining + self.send()
        finally:
            if self.reading_pool is not None:
                self.reading_pool.close()
            if took:
                self._left_mailbox()
        return {"handled": handled, "swept": len(swept), "sent": len(sent)}

    # ------------------------------------------------------------------ jobs

    def drain(self, while_waiting: Callable[[], bool] | None = None) -> int:
        results = drain_mailbox(self.bot, self.clock, self.source, stop=self.stop,
                                after_each=lambda _r: self.kick_sender(), pool=self.reading_pool,
                                while_waiting=while_waiting)
        with self.bot.sessions.begin() as session:
            now = self.clock()
            repo.set_state(session, "last_poll", now.isoformat(), now)
            repo.set_state(session, "backlog", str(getattr(self.source, "backlog", 0)), now)
            state = repo.get_state(session)
            # A poll that worked after an error clears it: status shows the error with the time
            # it cleared, so that an old fault is not mistaken for a current one.
            error, cleared = state.get("last_error"), state.get("last_error_cleared")
            if error is not None and (cleared is None or cleared.updated_at < error.updated_at):
                repo.set_state(session, "last_error_cleared", now.isoformat(), now)
        return len(results)

    def sweep(self) -> list[tuple[str, str]]:
        done = self.bot.tick(self.clock())
        if done:
            log.info("sweep: %s", ", ".join(f"{ref} {event}" for ref, event in done))
            self.kick_sender()
        return done

    def send(self) -> list[str]:
        sent = self.bot.send(self.clock(), self.sink)
        if sent:
            log.info("sent %d message(s)", len(sent))
        return sent

    def digest_if_due(self) -> bool:
        """Queue today's digest if today is a working day, its time has come, and it has not been
        queued yet: the record in the store is what makes it once a day."""
        now = self.clock()
        cal = self.bot.calendar
        local = now.astimezone(cal.tz)
        today = local.date()
        if not cal.is_working_day(today) or local.time() < self.bot.config.settings.digest.time:
            return False
        with self.bot.sessions() as session:
            if repo.job_done(session, "digest", today.isoformat()):
                return False
        self.bot.digest(now, queue=True)
        with self.bot.sessions.begin() as session:
            repo.mark_job_done(session, "digest", today.isoformat(), now)
        log.info("digest for %s queued", today.isoformat())
        self.kick_sender()
        return True

    def retention_if_due(self) -> int:
        """Apply the retention rules once a day (the first pass after midnight, local time), so
        nothing is kept past its time because nobody ran ``mailbot retention``: recorded in the
        store like the digest. Returns how many removals were made."""
        from .subject_rights import apply_retention

        now = self.clock()
        today = self.bot.calendar.local_date(now).isoformat()
        with self.bot.sessions() as session:
            if repo.job_done(session, "retention", today):
                return 0
        removed = apply_retention(self.bot, now)
        with self.bot.sessions.begin() as session:
            repo.mark_job_done(session, "retention", today, now)
        if removed:
            log.info("retention: %d removal(s) under the configured rules", len(removed))
        return len(removed)

    def reports_if_due(self) -> list[str]:
        """Queue last month's lists and last quarter's analysis on the first working day after
        each period ends (at the digest time), once each: recorded in the store like the digest."""
        now = self.clock()
        cal = self.bot.calendar
        local = now.astimezone(cal.tz)
        today = local.date()
        if not cal.is_working_day(today) or local.time() < self.bot.config.settings.digest.time:
            return []
        done = []
        for job, period, queue in (("monthly", reports.previous_month(today), self.bot.queue_monthly),
                                   ("quarterly", reports.previous_quarter(today), self.bot.queue_quarterly)):
            with self.bot.sessions() as session:
                if repo.job_done(session, job, period.key):
                    continue
                # A new installation has no history to report on: start with the next period.
                first = repo.first_alert_opened(session)
            if first is not None and cal.local_date(first) <= period.end:
                queue(now, period)
                done.append(f"{job} {period.key}")
            with self.bot.sessions.begin() as session:
                repo.mark_job_done(session, job, period.key, now)
        if done:
            log.info("reports queued: %s", ", ".join(done))
            self.kick_sender()
        return done

    def kick_sender(self) -> None:
        """Send what a decision just queued now rather than at the next interval."""
        if self.scheduler is not None and self.scheduler.running:
            job = self.scheduler.get_job("send")
            if job is not None:
                job.modify(next_run_time=datetime.now(timezone.utc))

    # ------------------------------------------------------------------ configuration re-read

    def request_reload(self, *_signal_args: object) -> None:
        """Ask for the configuration to be re-read at the next check (the SIGHUP handler)."""
        self.reload_requested.set()

    def reload_if_changed(self) -> bool:
        """Re-read the configuration if its file or the directory CSV changed since last looked
        at, or a re-read was asked for (SIGHUP); take it into use if it is valid. Returns whether
        a new configuration was taken into use.

        Cheap when nothing changed: one ``stat`` per file. A file found invalid is not tried
        again until it changes (or SIGHUP asks), so a typo costs one log line, not one a check.
        """
        with self._reload_lock:
            source = self.bot.config.source
            forced = self.reload_requested.is_set()
            self.reload_requested.clear()
            if source is None:  # a configuration built in memory has no file to re-read
                return False
            # Stat before reading: a change made while the file is read shows at the next check.
            seen = _fingerprint(self._config_files())
            if seen == self._config_seen and not forced:
                return False
            self._config_seen = seen
            try:
                new = load_config(source)
            except (ConfigError, OSError, ValueError, csv.Error) as exc:
                problem = _without_personal_data(_config_problem(exc, source))
                log.error("configuration not taken into use, still running on the previous one: %s", problem)
                self._record_config_error(problem)
                return False
            old = self.bot.config
            self.bot.replace_config(new)
            self._config_seen = _fingerprint(self._config_files())  # the new one may name another CSV
        added, left, changed = directory_changes(old, new)
        if added or left or changed:
            said = f"directory re-read: {len(new.people)} people ({added} added, {left} left, {changed} changed)"
        else:
            said = f"configuration re-read: directory unchanged ({len(new.people)} people)"
        log.info("%s", said)
        # Who may raise, respond and instruct changed: the audit history says when (counts only).
        with self.bot.sessions.begin() as session:
            repo.add_audit(session, at=self.clock(), actor="mailbot", action="configuration_reloaded", detail=said)
        waiting = settings_needing_restart(old, new)
        if waiting:
            log.warning("configuration re-read: %s take effect only when mailbot is restarted", ", ".join(waiting))
        self._record_config_error(None)
        return True

    def _config_files(self) -> tuple[Path, ...]:
        source = self.bot.config.source
        return files_read_by(source) if source is not None else ()

    def _record_config_error(self, problem: str | None) -> None:
        """Keep the reason a re-read configuration was refused where ``mailbot status`` finds
        it (as the last error, and as ``config_error`` until a valid one is taken into use)."""
        if problem is not None:
            self._record_error(f"configuration: {problem}")
        try:
            with self.bot.sessions.begin() as session:
                now = self.clock()
                state = repo.get_state(session)
                if problem is None and not (state.get("config_error") and state["config_error"].value):
                    return
                repo.set_state(session, "config_error", "" if problem is None else f"{now.isoformat()} {problem}", now)
        except Exception:  # the store may be what failed; the log line stands
            log.exception("could not record the configuration error")

    # ------------------------------------------------------------------ the daemon

    def _guarded(self, name: str, job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except Exception as exc:  # a failing job is reported and retried next time
                error = f"{name}: {type(exc).__name__}: {first_line(exc)}"
                log.error("%s", error)
                log.debug("traceback of %s", name, exc_info=True)
                self._record_error(error)
        return run

    def _watchers_job(self, job: Callable[[], object]) -> Callable[[], object]:
        """A once-a-day job run only by the instance watching the mailbox (see the module's
        docstring); _took_mailbox runs them at once when an instance takes over."""
        def run() -> object:
            return job() if self.watching.is_set() else None
        return run

    def start_scheduler(self) -> BackgroundScheduler:
        tz = self.bot.calendar.tz
        digest_time = self.bot.config.settings.digest.time
        scheduler = BackgroundScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                                   "misfire_grace_time": None})
        scheduler.add_job(self._guarded("sweep", self.sweep), IntervalTrigger(minutes=1), id="sweep",
                          next_run_time=datetime.now(timezone.utc))
        scheduler.add_job(self._guarded("send", self.send), IntervalTrigger(seconds=SEND_EVERY_SECONDS),
                          id="send", next_run_time=datetime.now(timezone.utc))
        # Weekdays at the digest time; digest_if_due skips bank holidays and closure days. The
        # first run at start-up catches up a digest missed while the daemon was down.
        scheduler.add_job(self._guarded("digest", self._watchers_job(self.digest_if_due)),
                          CronTrigger(day_of_week="mon-fri", hour=digest_time.hour, minute=digest_time.minute,
                                      timezone=tz), id="digest")
        scheduler.add_job(self._guarded("digest", self._watchers_job(self.digest_if_due)), id="digest-catch-up",
                          next_run_time=datetime.now(timezone.utc))
        scheduler.add_job(self._guarded("retention", self._watchers_job(self.retention_if_due)),
                          IntervalTrigger(hours=1), id="retention", next_run_time=datetime.now(timezone.utc))
        scheduler.add_job(self._guarded("reports", self._watchers_job(self.reports_if_due)),
                          CronTrigger(day_of_week="mon-fri", hour=digest_time.hour, minute=digest_time.minute,
                                      timezone=tz), id="reports", next_run_time=datetime.now(timezone.utc))
        scheduler.add_job(self._guarded("configuration", self.reload_if_changed),
                          IntervalTrigger(seconds=RELOAD_CHECK_SECONDS), id="configuration")
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    def run(self, install_signals: bool = True) -> int:
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop.set())
            if hasattr(signal, "SIGHUP"):  # POSIX only
                signal.signal(signal.SIGHUP, self.request_reload)
        self.start_scheduler()
        log.info("mailbot running")
        try:
            code = self._watch()
        finally:
            self._disconnect()
            if self.reading_pool is not None:
                self.reading_pool.close()
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)  # let a send or sweep in progress finish
            log.info("mailbot stopped")
        return code

    def _watch(self) -> int:
        """Watch the mailbox until stopped, while this instance holds it (PostgreSQL), trying
        for it every LOCK_RETRY_SECONDS while another instance does; 0, or EXIT_CONFIG as
        _watch_mailbox says."""
        if self.mailbox_lock is None:  # SQLite: one process on one machine, nobody to share with
            return self._watch_mailbox()
        standing_by = False
        while not self.stop.is_set():
            try:
                got = self.mailbox_lock.try_acquire()
            except SQLAlchemyError as exc:  # the store is unreachable: nobody can take the mailbox
                error = f"mailbox lock: {type(exc).__name__}: {first_line(exc)}"
                log.error("%s; trying again in %d s", error, LOCK_RETRY_SECONDS)
                self._record_error(error)
                self.stop.wait(LOCK_RETRY_SECONDS)
                continue
            if not got:
                if not standing_by:
                    log.info("mailbox %s is watched by another instance; this one (%s) sweeps and sends, "
                             "and takes the mailbox over if that instance stops", self.bot.mailbox, self.instance)
                    standing_by = True
                self.stop.wait(LOCK_RETRY_SECONDS)
                continue
            standing_by = False
            self._took_mailbox()
            try:
                code = self._watch_mailbox()
            finally:
                self._left_mailbox()
            if code:
                return code
            # The lock was lost with its connection: this instance's link to the store is the
            # suspect one, so a stand-by (trying every LOCK_RETRY_SECONDS) gets the first chance.
            self.stop.wait(LOCK_RETRY_SECONDS)
        return 0

    def _took_mailbox(self) -> None:
        """This instance now holds the mailbox: say so where ``mailbot status`` finds it, and run
        the once-a-day jobs that a stand-by skipped (the holder that died may not have)."""
        self.watching.set()
        log.info("mailbox %s: watched by this instance (%s)", self.bot.mailbox, self.instance)
        try:
            with self.bot.sessions.begin() as session:
                now = self.clock()
                repo.set_state(session, "mailbox_holder", f"{self.instance} since {now.isoformat()}", now)
        except SQLAlchemyError:
            log.exception("could not record which instance watches the mailbox")
        if self.scheduler is not None and self.scheduler.running:
            for job_id in ("digest-catch-up", "reports", "retention"):
                job = self.scheduler.get_job(job_id)
                if job is not None:
                    job.modify(next_run_time=datetime.now(timezone.utc))
                elif job_id == "digest-catch-up":  # a one-off job, gone once it has run
                    self.scheduler.add_job(self._guarded("digest", self._watchers_job(self.digest_if_due)),
                                           id=job_id, next_run_time=datetime.now(timezone.utc))

    def _left_mailbox(self) -> None:
        """Stop watching: the mailbox connection is closed before the lock is let go, so that two
        instances never read the mailbox at once."""
        self.watching.clear()
        self._disconnect()
        if self.mailbox_lock is not None:
            self.mailbox_lock.release()

    def _still_watching(self) -> bool:
        """Whether this instance may go on draining: always on SQLite; on PostgreSQL while the
        lock's connection lives (a lost connection lost the lock, and another may have it)."""
        if self.mailbox_lock is None:
            return True
        if self.mailbox_lock.still_held():
            return True
        if not self.watching.is_set():
            return False  # already said
        self.watching.clear()
        log.warning("mailbox %s: the connection holding its lock was lost; stopping watching it "
                    "(another instance may take over)", self.bot.mailbox)
        return False

    def _watch_mailbox(self) -> int:
        """Watch the mailbox until stopped (or, on PostgreSQL, until its lock is lost); 0, or
        EXIT_CONFIG when the very first connection fails for a reason retrying cannot fix (a
        folder name the server refuses, a login refused): at start that is a setting to
        correct, said once, not an outage to wait out."""
        tries, last_problem, connected_once = 0, None, False
        while not self.stop.is_set() and self._still_watching():
            try:
                self._connect()
                connected_once = True
                if tries:
                    log.warning("mailbox reachable again after %d attempt(s)", tries)
                    tries, last_problem = 0, None
                while not self.stop.is_set() and self._still_watching():
                    self.drain()
                    self._wait()
            except MailboxUnavailable as exc:
                problem = str(exc) if str(exc).startswith("mailbox") else f"mailbox: {exc}"
                # Once per outage, not once per try; again only when the cause becomes one
                # that a person must fix, so that it is the line they see.
                if tries == 0 or (exc.permanent and problem != last_problem):
                    if exc.permanent:
                        # Only a person can fix this (in mailbot's configuration, or in the mail
                        # service's portal, which mailbot cannot see): say what, keep trying slowly.
                        log.error("%s", problem)
                    else:
                        log.warning("mailbox unavailable: %s; reconnecting with back-off",
                                    problem.removeprefix("mailbox: "))
                    self._record_error(problem)
                    last_problem = problem
                if exc.permanent and not connected_once:
                    log.error("stopping: correct the setting above, then start mailbot again "
                              "(mailbot check-config --connect tries it without starting)")
                    return EXIT_CONFIG
                tries += 1
                self._disconnect()
                delay = min(2 ** tries, MAX_BACKOFF_SECONDS) * self.rng.uniform(0.5, 1.0)
                self.stop.wait(delay)
            except Exception as exc:  # the watcher must outlive any one fault (a store hiccup, a
                # message file gone from a Maildir); what was committed stays committed
                error = f"watcher: {type(exc).__name__}: {first_line(exc)}"
                log.error("%s; trying again in %d s", error, self.bot.config.settings.mailbox.poll_seconds)
                log.debug("traceback of the watcher", exc_info=True)
                self._record_error(error)
                self._disconnect()
                self.stop.wait(self.bot.config.settings.mailbox.poll_seconds)
        return 0

    def _connect(self) -> None:
        connect = getattr(self.source, "connect", None)
        if connect is not None:
            connect()

    def _disconnect(self) -> None:
        close = getattr(self.source, "close", None)
        if close is not None:
            close()

    def _wait(self) -> None:
        wait = getattr(self.source, "wait_for_mail", None)
        if wait is not None:
            wait(self.stop)
        else:
            self.stop.wait(self.bot.config.settings.mailbox.poll_seconds)

    def _record_error(self, error: str) -> None:
        try:
            with self.bot.sessions.begin() as session:
                now = self.clock()
                repo.set_state(session, "last_error", f"{now.isoformat()} {error}", now)
        except Exception:  # the store itself may be what failed; the log line above stands
            log.exception("could not record the error")


def status(bot: Mailbot) -> dict[str, object]:
    """What `mailbot status` reports; on PostgreSQL also which instance (host:pid) watches the
    mailbox, or None when no instance holds it now."""
    with bot.sessions() as session:
        state = repo.get_state(session)
        held = repo.advisory_lock_held(session, advisory_key(bot.mailbox))
        holder = ({"mailbox_holder": state["mailbox_holder"].value if held and "mailbox_holder" in state else None}
                  if held is not None else {})
        return {
            **holder,
            "last_poll": state["last_poll"].value if "last_poll" in state else None,
            "backlog": int(state["backlog"].value) if "backlog" in state else None,
            "outbox_queued": len(repo.outbox_rows(session, "queued")),
            "outbox_failed": len(repo.outbox_rows(session, "failed")),
            "quarantined": repo.count_messages(session, "quarantined"),
            "recorded_not_handled": repo.count_messages(session, "received"),
            "last_error": state["last_error"].value if "last_error" in state else None,
            "last_error_cleared": (state["last_error_cleared"].value
                                   if "last_error_cleared" in state and "last_error" in state
                                   and state["last_error_cleared"].updated_at >= state["last_error"].updated_at
                                   else None),
            # Why the configuration file, as it is now, is not the one in use (issue 10).
            "config_error": (state["config_error"].value or None) if "config_error" in state else None,
        }


def _mailbox_lock(bot: Mailbot) -> MailboxLock | None:
    """The lock that decides which instance watches the mailbox: PostgreSQL only."""
    engine = bot.sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "postgresql":
        return None
    return MailboxLock(engine, bot.mailbox)


def _config_problem(exc: Exception, source: Path) -> str:
    """One line for what stopped a configuration loading: the ConfigError's own message, or the
    file and the fault for what the loader did not foresee (a file that cannot be read)."""
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or source}: cannot read: {exc.strerror or type(exc).__name__}"
    return f"{source}: {type(exc).__name__}: {first_line(exc)}"


def _fingerprint(paths: Iterable[Path]) -> tuple[tuple[object, ...], ...]:
    """What tells a changed file from an unchanged one without reading it: inode (an editor that
    saves by renaming a new file over the old), size and modification time; None if missing."""
    out: list[tuple[object, ...]] = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            out.append((str(path), None))
        else:
            out.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def directory_changes(old: Config, new: Config) -> tuple[int, int, int]:
    """How many people the new directory adds, has lost, and lists differently (role, team,
    manager or name changed): counts only, which is all a log may carry."""
    before = {p.email: p for p in old.people}
    after = {p.email: p for p in new.people}
    changed = sum(1 for email in before.keys() & after.keys() if before[email] != after[email])
    return len(after.keys() - before.keys()), len(before.keys() - after.keys()), changed


def settings_needing_restart(old: Config, new: Config) -> list[str]:
    """The settings in _RESTART_SETTINGS that differ between ``old`` and ``new``."""
    def value(config: Config, dotted: str) -> object:
        out: object = config.settings
        for part in dotted.split("."):
            out = getattr(out, part)
        return out
    return [key for key in _RESTART_SETTINGS if value(old, key) != value(new, key)]


_ADDRESS = re.compile(r"[^\s@'\"<>(),;:\[\]]+@[^\s@'\"<>(),;:\[\]]+")
_QUOTED = re.compile(r"'([^'\n]*)'")
_WORD_OF_CONFIG = re.compile(r"[a-z][a-z0-9_]*")


def _without_personal_data(message: str) -> str:
    """A configuration error fit for the log: e-mail addresses and quoted values (a name typed
    in the wrong column) are replaced; quoted role and key names (lower-case words) stay, as do
    the file, line and key that say where to look. ``mailbot check-config`` shows it in full."""
    message = _ADDRESS.sub("<address>", message)
    return _QUOTED.sub(lambda m: m.group(0) if _WORD_OF_CONFIG.fullmatch(m.group(1)) else "'…'", message)
