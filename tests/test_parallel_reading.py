"""Reading a batch on another core (mailbot/parallel_reading.py, issue 13): a real worker process
(forkserver) reads the benchmark corpus exactly as this process does; a drain that hands its
batches over decides, records and moves exactly as one that reads them itself; a worker that dies
costs nothing but the speed-up; a batch of a few messages never leaves this process; and a batch
read before the configuration changed is read again with the new rules. Real SQLite store and
real Maildir folders; nothing is mocked."""

from __future__ import annotations

import logging
import os
import signal
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest

from mailbot import parallel_reading
from mailbot.maildir import MaildirSource
from mailbot.parallel_reading import Reading, ReadingPool, read_many
from mailbot.service import Arrival
from mailbot.shell import drain_mailbox

from test_inbound_batch import _bot, _store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from drp_corpus import corpus, end_of  # noqa: E402


def _bot_with_mail(folder: Path, root: Path, messages) -> tuple:
    """A bot on config.yaml (no daily limit per sender) with ``messages`` in its Maildir inbox."""
    bot = _bot(folder, root, {"per_sender_per_day": 100_000})
    source = MaildirSource(bot.config.resolve_path("var/mail"))
    for m in messages:
        source.deliver(m.raw)
    return bot, source


@pytest.fixture
def pool():
    reading_pool = ReadingPool(1)
    try:
        yield reading_pool
    finally:
        reading_pool.close()


def test_the_worker_reads_every_message_as_this_process_does(tmp_path: Path, root: Path, pool: ReadingPool) -> None:
    bot = _bot(tmp_path / "bot", root)
    raws = [m.raw for m in corpus(300)] + [b"", b"not an e-mail at all", b"From: x@y\r\n\r\n"]
    here = read_many(raws, bot.parse_rules)
    there = pool.read(raws, bot.parse_rules).result()
    assert pool._executor is not None  # it was read by the worker, not here
    assert there == here
    assert [error for _parsed, error, _key in there[-3:]] == [error for _parsed, error, _key in here[-3:]]
    assert any(error for _parsed, error, _key in there)  # the unreadable ones say why, as here


def test_a_drain_that_hands_batches_over_ends_as_one_that_reads_them_itself(tmp_path: Path, root: Path,
                                                                          pool: ReadingPool) -> None:
    messages = corpus(400)
    when = end_of(messages)
    ends = {}
    for name, reading_pool in (("here", None), ("worker", pool)):
        bot, source = _bot_with_mail(tmp_path / name, root, messages)
        results = drain_mailbox(bot, when, source, pool=reading_pool)
        assert len(results) == len(messages) and not list(source.pending())  # all decided and moved
        ends[name] = ([(r.kind, r.status, r.alert, r.reason) for r in results], _store(bot))
    assert pool._executor is not None
    assert ends["worker"] == ends["here"]


class _PoolTheTestFinishes:
    """Stands in for ReadingPool: each batch's reading is a real Reading whose future this test
    completes (from the batch read here) when it chooses, so "still being read" is not left to
    the timing of a real worker."""

    def __init__(self) -> None:
        self.pending: list[tuple[Future, list[bytes], object]] = []

    def read(self, raws, rules) -> Reading:
        future: Future = Future()
        self.pending.append((future, list(raws), rules))
        return Reading(raws, rules, future=future)

    def finish_one(self) -> bool:
        future, raws, rules = next(((f, r, ru) for f, r, ru in self.pending if not f.done()), (None, None, None))
        if future is None:
            return False
        future.set_result(read_many(raws, rules))
        return True


def test_the_wait_for_a_batch_being_read_is_given_to_other_work(tmp_path: Path, root: Path) -> None:
    """``while_waiting`` is called while the batch to decide next is still being read, and only
    then; the drain ends as one that read every batch itself. (The first batch is read here,
    once the second is handed over: nothing waits for it.)"""
    messages = corpus(150)  # three batches of config.yaml's 50
    when = end_of(messages)
    ends = {}
    for name in ("here", "waiting"):
        bot, source = _bot_with_mail(tmp_path / name, root, messages)
        assert bot.config.settings.mailbox.batch_size == 50
        calls: list[int] = []
        if name == "here":
            results = drain_mailbox(bot, when, source)
        else:
            pool = _PoolTheTestFinishes()

            def while_waiting() -> bool:
                # Each call is one small job; the second finishes the reading it waits for.
                calls.append(sum(1 for f, _r, _ru in pool.pending if f.done()))
                return len(calls) % 2 == 1 or pool.finish_one()

            results = drain_mailbox(bot, when, source, pool=pool, while_waiting=while_waiting)
            assert len(pool.pending) == 2
        ends[name] = ([(r.kind, r.status, r.alert, r.reason) for r in results], _store(bot))
        assert not list(source.pending())
    assert ends["waiting"] == ends["here"]
    # Two calls for each of the two batches handed over, each made while that batch was unread.
    assert calls == [0, 0, 1, 1]


def test_with_nothing_left_to_do_the_drain_waits_for_the_reading(tmp_path: Path, root: Path,
                                                                  pool: ReadingPool) -> None:
    messages = corpus(100)  # two batches: the first read here, the second by the worker
    bot = _bot(tmp_path / "bot", root, {"per_sender_per_day": 100_000})
    source = MaildirSource(bot.config.resolve_path("var/mail"))
    for m in messages:
        source.deliver(m.raw)
    calls: list[None] = []
    results = drain_mailbox(bot, end_of(messages), source, pool=pool, while_waiting=lambda: bool(calls.append(None)))
    assert len(results) == len(messages) and not list(source.pending())
    assert pool._executor is not None
    assert len(calls) <= 1  # one batch handed over; asked at most once, then the drain waited


def test_a_worker_that_dies_costs_only_the_speed_up(tmp_path: Path, root: Path, pool: ReadingPool, caplog) -> None:
    bot = _bot(tmp_path / "bot", root)
    raws = [m.raw for m in corpus(64)]
    pool.start()
    pool.read(raws[:16], bot.parse_rules).result()  # the worker is up
    for worker in list(pool._executor._processes.values()):
        os.kill(worker.pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="mailbot.parallel_reading"):
        reading = pool.read(raws, bot.parse_rules)
        assert reading.result() == read_many(raws, bot.parse_rules)
        # From now on this process reads, and says so once.
        assert pool.read(raws, bot.parse_rules).result() == read_many(raws, bot.parse_rules)
    assert pool._executor is None
    warnings = [r for r in caplog.records if "another core" in r.getMessage()]
    assert len(warnings) == 1 and "BrokenProcessPool" in warnings[0].getMessage()


def test_a_few_messages_are_read_here(tmp_path: Path, root: Path, pool: ReadingPool) -> None:
    bot = _bot(tmp_path / "bot", root)
    raws = [m.raw for m in corpus(parallel_reading.MIN_BATCH - 1)]
    assert pool.read(raws, bot.parse_rules).result() == read_many(raws, bot.parse_rules)
    assert pool._executor is None  # no process was started for them


def test_a_batch_read_with_yesterdays_rules_is_read_again(tmp_path: Path, root: Path) -> None:
    bot = _bot(tmp_path / "bot", root)
    messages = [m for m in corpus(12) if m.kind == "new_alert"][:4]  # four alerts, none a reply to another
    arrivals = [Arrival(m.raw) for m in messages]
    raws = [a.raw for a in arrivals]
    # A reading made with the rules in force is used as it is (a made-up one shows that it is).
    made_up = Reading(raws[:1], bot.parse_rules, done=[(None, "made up", "sha256:made-up")])
    assert bot.ingest_batch(arrivals[:1], end_of(messages), made_up)[0].reason == "unreadable message: made up"
    old_rules = bot.parse_rules
    bot.replace_config(bot.config)  # a re-read configuration: new rules
    assert bot.parse_rules is not old_rules
    # One made with the rules before is not: the batch is read again.
    made_up = Reading(raws[1:], old_rules, done=[(None, "made up", "sha256:made-up")] * 3)
    results = bot.ingest_batch(arrivals[1:], end_of(messages), made_up)
    assert [r.status for r in results] == ["processed"] * 3


WORKER_SCRIPT = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
from drp_corpus import corpus
from mailbot.config import load_config
from mailbot.parallel_reading import ReadingPool
from mailbot.routing import parse_rules
pool = ReadingPool(1)
pool.read([m.raw for m in corpus(32)], parse_rules(load_config(sys.argv[1] + "/config.yaml"))).result()
print(*pool._executor._processes, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_worker_ends_when_the_drain_is_killed(root: Path) -> None:
    import subprocess
    import time

    drain = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in drain.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        drain.kill()
        drain.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def test_the_first_batch_read_here_is_small_and_the_rest_as_configured(tmp_path: Path, root: Path,
                                                                        monkeypatch) -> None:
    """The first batch is read in this process while the worker starts; it is kept small
    (shell.FIRST_BATCH) so that this process soon goes on to deciding. Without a worker every
    batch is the configured size. Both drains end alike."""
    from mailbot import shell

    monkeypatch.setattr(shell, "FIRST_BATCH", 20)
    messages = corpus(120)
    ends, sizes = {}, {}
    for name in ("here", "worker"):
        bot, source = _bot_with_mail(tmp_path / name, root, messages)
        assert bot.config.settings.mailbox.batch_size == 50
        seen: list[int] = []
        real = bot.ingest_batch
        monkeypatch.setattr(bot, "ingest_batch", lambda arrivals, now, *reading: (seen.append(len(arrivals)),
                                                                                  real(arrivals, now, *reading))[1])
        pool = _PoolTheTestFinishes() if name == "worker" else None
        results = drain_mailbox(bot, end_of(messages), source, pool=pool,
                                while_waiting=pool.finish_one if pool else None)
        ends[name] = ([(r.kind, r.status, r.alert, r.reason) for r in results], _store(bot))
        sizes[name] = seen
        assert not list(source.pending())
    assert sizes == {"here": [50, 50, 20], "worker": [20, 50, 50]}
    assert ends["worker"] == ends["here"]
