"""Read a batch of inbound mail on another core while this one decides the batch before it.

Reading a message (``parsers.parse_message``: MIME, the reply text, the instruction, the form)
is pure: bytes and the authority's rules in, a ParsedMessage out, no I/O and no clock. So
while the drain records and decides one batch (the store's work, on this process's core), a
worker process can read the next (issue 13); what comes back is what reading it here gives
(tests/test_parallel_reading.py compares the two on the benchmark corpus).

The worker is started with "forkserver", never plain "fork": the daemon runs threads (the
scheduler, the IMAP watcher, the store's connections), and a child forked from a threaded
process can inherit a lock held by a thread it does not have. A batch of a few messages (what
IDLE brings) is read here: handing it over would only add a round trip. If the worker cannot
be started, or dies, or cannot return a result, the batch is read here instead, with one
warning: parallel reading is a speed-up, never a reason to stop reading mail.
"""

from __future__ import annotations

import copyreg
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from types import MappingProxyType
from typing import Sequence

import parsers
from parsers import ParseError, ParsedMessage

from .message_identity import dedupe_key

log = logging.getLogger(__name__)

# A batch smaller than this is read in this process (IDLE brings one message at a time).
MIN_BATCH = 16

# (the message read or None, why it cannot be read or None, its deduplication key)
Read = tuple[ParsedMessage | None, str | None, str]


def read_one(raw: bytes, rules: parsers.ParseRules) -> Read:
    """One message read: (parsed, None, key), or (None, the reason, key) for mail that cannot
    be read; the key (message_identity.dedupe_key) is worked out here too, beside the parse."""
    try:
        parsed, reason = parsers.parse_message(raw, rules), None
    except ParseError as exc:
        parsed, reason = None, exc.reason
    if parsed is None:
        return None, reason, dedupe_key(None, raw)
    return parsed, None, dedupe_key(parsed.envelope.message_id, raw, parsed.envelope.message_id_headers)


def read_many(raws: Sequence[bytes], rules: parsers.ParseRules) -> list[Read]:
    """What a worker runs: a batch read in order."""
    return [read_one(raw, rules) for raw in raws]


def _outlive_no_parent(parent: int) -> None:
    """The worker's initializer: end the worker when the process it reads for is gone. A worker
    blocks reading its queue, and it holds that pipe's write end itself, so a drain killed with
    SIGKILL would otherwise leave it (and the forkserver, which waits for it) running for ever."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(parent, 0)
                with open(f"/proc/{parent}/stat", "rb") as stat:  # a zombie is gone too
                    gone = stat.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
            except ProcessLookupError:
                gone = True
            except OSError:  # no /proc here: kill(0) said enough
                gone = False
            if gone:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _read_only_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# ParseRules and ParsedMessage hold read-only mappings (MappingProxyType), which pickle cannot
# carry between processes by itself; they travel as the dict they show, read-only again on
# arrival. Registered on import, in this process and in the worker (which imports this module
# to find read_many).
copyreg.pickle(MappingProxyType, lambda proxy: (_read_only_proxy, (dict(proxy),)))


class Reading:
    """A batch being read: by the worker, or already here. ``result()`` gives it in order."""

    def __init__(self, raws: Sequence[bytes], rules: parsers.ParseRules, future: Future | None = None,
                 done: list[Read] | None = None, pool: ReadingPool | None = None):
        self.raws, self.rules, self._future, self._done, self._pool = raws, rules, future, done, pool

    @classmethod
    def here(cls, raws: Sequence[bytes], rules: parsers.ParseRules) -> Reading:
        """The batch read in this process, now."""
        return cls(raws, rules, done=read_many(raws, rules))

    def ready(self) -> bool:
        """Whether ``result()`` would return at once (read here, or the worker has finished)."""
        return self._done is not None or self._future is None or self._future.done()

    def result(self) -> list[Read]:
        if self._done is None:
            try:
                self._done = self._future.result()
            except Exception as exc:  # noqa: BLE001 - a worker's failure is not the mail's
                if self._pool is not None:
                    self._pool.failed(exc)
                self._done = read_many(self.raws, self.rules)
        return self._done

    def cancel(self) -> None:
        if self._future is not None:
            self._future.cancel()


class ReadingPool:
    """One worker process (the drain's other core), started when first needed."""

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False

    @classmethod
    def for_this_machine(cls) -> ReadingPool | None:
        """A pool when there is a core to spare; None on a single core (nothing to gain)."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return cls(1) if cores >= 2 else None

    def start(self) -> None:
        """Start the worker now (it takes a moment to import the parsers), e.g. while the
        mailbox is being connected to."""
        if self._executor is None and not self._broken:
            try:
                self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                                     initializer=_outlive_no_parent, initargs=(os.getpid(),))
                self._executor.submit(read_many, [], parsers.ParseRules())
            except Exception as exc:  # noqa: BLE001 - reading goes on here
                self.failed(exc)

    def read(self, raws: Sequence[bytes], rules: parsers.ParseRules) -> Reading:
        """Start reading ``raws``: in the worker for a batch worth handing over, else here."""
        if len(raws) >= MIN_BATCH:
            self.start()
            if self._executor is not None:
                try:
                    return Reading(raws, rules, future=self._executor.submit(read_many, list(raws), rules), pool=self)
                except Exception as exc:  # noqa: BLE001 - e.g. the pool broke since the last batch
                    self.failed(exc)
        return Reading.here(raws, rules)

    def failed(self, exc: BaseException) -> None:
        """The worker cannot be used: read here from now on (said once)."""
        if not self._broken:
            # The type only: a message's words must never reach the log.
            log.warning("reading mail on another core failed (%s); reading it in this process from now on",
                        type(exc).__name__)
        self._broken = True
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)
