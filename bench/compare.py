"""Issue 13's one benchmark command: every performance target, measured in one run, one table.

    python bench/compare.py                 # the full run (about 10 minutes on 2 cores)
    python bench/compare.py --quick         # smaller sizes, a smoke run of about 2 minutes
    python bench/compare.py --only sweep    # one group of rows: drain, idle, sweep or import
    python bench/compare.py --only drain --repeat 3   # each drain size three times in turn, medians

On ONE real Dovecot (tests/servers.py, on loopback; Dovecot must be installed, see
./scripts/test) and ONE corpus (bench/drp_corpus.py: Outlook-like DRP mail, half new alerts,
half replies in their threads), it measures:

* the bare limit: UID FETCH BODY.PEEK[] in batches of 200 and a stdlib parse (policy.default)
  of each message, against mailbot's drain of the same messages (``mailbot run --once``), at
  2,000 and 10,000 messages, each on a fresh mailbox and a fresh store; the ratio drain/bare;
* IDLE pick-up: ``mailbot run`` (the daemon, poll_seconds 60 so that IDLE is what is measured)
  while 50 messages are APPENDed one at a time: from the APPEND to the message leaving INBOX
  (mailbot moves a message only after it is recorded and decided), p50 and p99;
* the deadline sweep over 10,000 and 100,000 open alerts, nothing due and 1% due (bench/sweep.py's
  filling and its child process);
* ``mailbot import`` of a 100,000-row spreadsheet in examples/import/mapping.yaml's shape;
* and, for each, the peak RSS of the child process that did the work.

Each figure comes from a fresh child process, so its memory is its own, and each child times its
work only (not the interpreter's start or the imports). mailbot is driven through its command
line (``mailbot.cli.main``, what ``python -m mailbot`` runs), so this keeps measuring the same
thing while the inside is restructured. It asserts nothing and exits 0: a measurement that
fails prints "failed: <why>" in its row and the others go on.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

from drp_corpus import LONDON, corpus, end_of, kinds, new_alert  # noqa: E402

PASSWORD_ENV = "MAILBOT_BENCH_IMAP_PASSWORD"
MAPPING = ROOT / "examples" / "import" / "mapping.yaml"
GROUPS = ("drain", "idle", "sweep", "import")
FULL = {"messages": (2_000, 10_000), "alerts": (10_000, 100_000), "rows": 100_000}
QUICK = {"messages": (500, 2_000), "alerts": (10_000,), "rows": 10_000}
IDLE_MESSAGES = 50
# Issue 13's targets.
DRAIN_SHARE = 0.60
IDLE_P99_SECONDS = 1.0
SWEEP_NOTHING_DUE_SECONDS = 0.5
SWEEP_ONE_PERCENT_SECONDS = 5.0
SWEEP_PEAK_MB = 200
SWEEP_MEMORY_AT = 100_000
IMPORT_SECONDS = 60.0
# A measurement still running after this long is stopped and reported as not met, so that one
# slow part cannot hold the run for an hour (a drain this slow is far below its target anyway).
DRAIN_TIMEOUT = 900
IMPORT_TIMEOUT = 600
IMPORT_NOW = "2027-01-15T10:00"


class Failed(Exception):
    """A measurement that could not be made; its message is the one line its row shows."""


@dataclass
class Row:
    group: str
    measure: str
    figure: str
    target: str = "-"
    met: bool | None = None  # None: no target for this row
    rss_mb: float | None = None
    failed: bool = False
    value: float | None = None  # drain rows: the rate (bare) or the share of bare (drain), for --repeat
    rate: float | None = None  # drain rows: mailbot's own rate, for --repeat

    @property
    def verdict(self) -> str:
        if self.failed:
            return "failed"
        return "-" if self.met is None else "met" if self.met else "NOT MET"


def first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# ====================================================================== child processes
#
# `compare.py --child KIND ARGS... RESULT` does one piece of work, times it and writes
# {"seconds", "rss_mb", ...} as JSON to RESULT. Only what the work needs is imported before the
# clock starts, so that the peak RSS is that of the work (plus the interpreter).


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child_bare(host: str, port: str, user: str, result: str) -> None:
    """The bare limit: log in, UID FETCH BODY.PEEK[] in batches of 200, parse each message."""
    import email
    from email import policy

    from imapclient import IMAPClient

    gc.collect()
    started = time.perf_counter()
    client = IMAPClient(host, port=int(port), ssl=False, timeout=60)
    client.login(user, os.environ[PASSWORD_ENV])
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search("ALL"))
    parsed = 0
    for start in range(0, len(uids), 200):
        batch = uids[start:start + 200]
        fetched = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            email.message_from_bytes(fetched[uid][b"BODY[]"], policy=policy.default)
            parsed += 1
    client.logout()
    seconds = time.perf_counter() - started
    Path(result).write_text(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "messages": parsed}))


def child_cli(result: str, *argv: str) -> None:
    """``mailbot ARGV`` through the command line's own entry point, timed; its output goes to a
    file beside RESULT (an import prints a line per alert) and its last line is reported."""
    import importlib

    from mailbot.cli import main

    # What the commands import lazily, imported before the clock starts.
    for name in ("mailbot.daemon", "mailbot.shell", "mailbot.service", "mailbot.importer", "store.repository"):
        importlib.import_module(name)
    out_path = Path(result).with_suffix(".out")
    gc.collect()
    with open(out_path, "w", encoding="utf-8") as out, redirect_stdout(out):
        started = time.perf_counter()
        code = main(list(argv))
        seconds = time.perf_counter() - started
    text = out_path.read_text(encoding="utf-8", errors="replace")
    Path(result).write_text(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "exit": code,
                                        "last_line": first_line(text)}))


def run_child(args: list[str], env: dict[str, str] | None = None, timeout: float | None = None,
              log: Path | None = None) -> dict:
    """Run ``compare.py --child ARGS RESULT`` and return what it wrote; Failed with one line."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as folder:
        result = Path(folder) / "result.json"
        log = log or Path(folder) / "stderr.log"
        with open(log, "wb") as stderr:
            try:
                proc = subprocess.run([sys.executable, __file__, "--child", *args, str(result)], cwd=ROOT,
                                      env=env, stdout=stderr, stderr=subprocess.STDOUT, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise Failed(f"stopped after {timeout:.0f} s") from None
        if proc.returncode != 0 or not result.exists():
            why = first_line(log.read_text(errors="replace")) or f"exit status {proc.returncode}"
            raise Failed(why)
        data = json.loads(result.read_text())
        if data.get("exit", 0) != 0:
            why = first_line(log.read_text(errors="replace")) or data.get("last_line") or ""
            raise Failed(f"mailbot exited {data['exit']}: {why}")
        return data


# ====================================================================== configuration


def write_config(folder: Path, server=None, poll_seconds: int = 60) -> Path:
    """The demonstration configuration (config.yaml, the directory the tests use) pointed at
    ``server``'s mailbox (else a Maildir folder), a fresh SQLite store and a Maildir outbox."""
    import yaml

    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    if server is not None:
        data["mailbox"] = {"url": f"imap://{server.host}:{server.port}", "username": server.address("drp"),
                           "password_env": PASSWORD_ENV, "allow_plaintext": True, "poll_seconds": poll_seconds,
                           "timeout_seconds": 60}
    else:
        data["mailbox"] = {"url": f"maildir:{folder / 'mail'}"}
    data["outbox"] = {**data.get("outbox", {}), "url": f"maildir:{folder / 'out'}"}
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    # A backlog holds hundreds of messages from one IRO in a day: far past the daily limit per
    # sender that stops a robot (the benchmark measures throughput, not that defence).
    data["security"]["per_sender_per_day"] = 1_000_000
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def fresh_folder(parent: Path, name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    folder.chmod(0o700)  # mailbot refuses a store that group or others can read
    return folder


# ====================================================================== mailbox measurements


def fill_mailbox(server, messages) -> None:
    """APPEND the corpus to a fresh INBOX, in order, MULTIAPPEND in chunks (not timed)."""
    with server.client("drp", timeout=120) as client:
        for start in range(0, len(messages), 250):
            client.multiappend("INBOX", [m.raw for m in messages[start:start + 250]])


def folder_count(server, folder: str) -> int:
    with server.client("drp") as client:
        if not client.folder_exists(folder):
            return 0
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def store_kinds(folder: Path) -> dict[tuple[str, str], int]:
    """(kind, status) -> count of the inbound messages the store recorded (read-only)."""
    with sqlite3.connect(f"file:{folder / 'mailbot.db'}?mode=ro", uri=True) as db:
        return {(kind or "-", status): count for kind, status, count in db.execute(
            "SELECT kind, status, count(*) FROM messages WHERE direction = 'in' GROUP BY kind, status")}


def measure_drain(server, work: Path, count: int, notes: list[str]) -> list[Row]:
    size = f"{count:,} msgs"
    messages = corpus(count)
    server.reset()
    progress(f"drain {size}: appending the corpus to a fresh mailbox")
    fill_mailbox(server, messages)
    env = {**os.environ, PASSWORD_ENV: server.password("drp")}
    rows = []
    progress(f"drain {size}: the bare limit")
    try:
        bare = run_child(["bare", server.host, str(server.port), server.address("drp")], env=env, timeout=DRAIN_TIMEOUT)
        if bare["messages"] != count:
            raise Failed(f"fetched {bare['messages']} of {count} messages")
        bare_rate = count / bare["seconds"]
        rows.append(Row("drain", f"bare limit, {size} (FETCH 200s + parse)",
                        f"{bare_rate:,.0f} msg/s ({bare['seconds']:.1f} s)", rss_mb=bare["rss_mb"], value=bare_rate))
    except Failed as exc:
        bare_rate = None
        rows.append(Row("drain", f"bare limit, {size} (FETCH 200s + parse)", f"failed: {exc}", failed=True))
    progress(f"drain {size}: mailbot run --once")
    folder = fresh_folder(work, f"drain-{count}")
    config = write_config(folder, server)
    now = end_of(messages).isoformat()
    measure = f"drain, {size} (mailbot run --once)"
    target = f">= {DRAIN_SHARE:.0%} of bare"
    try:
        drain = run_child(["cli", "--config", str(config), "--now", now, "run", "--once"], env=env,
                          timeout=DRAIN_TIMEOUT, log=folder / "drain.log")
    except Failed as exc:
        left = folder_count(server, "INBOX")
        rows.append(Row("drain", measure, f"failed: {exc} ({count - left:,} of {count:,} drained)", target,
                        met=False, failed=True))
        return rows
    rate = count / drain["seconds"]
    figure = f"{rate:,.0f} msg/s ({drain['seconds']:.1f} s)"
    met = None
    if bare_rate:
        figure += f" = {rate / bare_rate:.0%} of bare"
        met = rate / bare_rate >= DRAIN_SHARE
    # Did mailbot really read and decide on the corpus? Whatever is left, or read otherwise than
    # the corpus meant, is said under the table; a drain that left mail behind has not met.
    left = folder_count(server, "INBOX")
    try:
        recorded = store_kinds(folder)
        read = {}
        for (kind, status), n in recorded.items():
            read[kind] = read.get(kind, 0) + n
        quarantined = sum(n for (_k, status), n in recorded.items() if status == "quarantined")
        meant = dict(kinds(messages))
        differs = {k: (meant.get(k, 0), read.get(k, 0)) for k in set(meant) | set(read)
                   if meant.get(k, 0) != read.get(k, 0)}
        said = ", ".join(f"{k} {n:,}" for k, n in sorted(read.items()))
        notes.append(f"drain {size}: recorded {sum(read.values()):,} ({said}); {quarantined:,} quarantined; "
                     f"{left:,} left in INBOX; {drain['last_line']}")
        if differs:
            notes.append("  read otherwise than the corpus meant (meant, read): "
                         + ", ".join(f"{k} {a:,}/{b:,}" for k, (a, b) in sorted(differs.items())))
    except sqlite3.Error as exc:
        notes.append(f"drain {size}: the store could not be checked ({exc}); {left:,} left in INBOX")
    if left:
        met = False
        figure += f"; {left:,} left in INBOX"
    rows.append(Row("drain", measure, figure, target, met, drain["rss_mb"],
                    value=rate / bare_rate if bare_rate and not left else None, rate=rate))
    return rows


def median_of_runs(runs: list[list[Row]]) -> list[Row]:
    """One size's drain rows from several interleaved runs (bare, drain, bare, drain, ...): the
    median of each figure, the range beside it; met when the median share of bare meets the
    target. A run that failed or left mail behind is reported, and the size is not met."""
    if len(runs) == 1:
        return runs[0]
    failed = [row for run in runs for row in run if row.failed or row.value is None]
    if failed or any(len(run) != 2 for run in runs):
        return [*[row for row in failed if row.failed][:1], Row("drain", runs[0][-1].measure, f"not every one of {len(runs)} runs was measured",
                                 runs[0][-1].target, met=False, failed=True)]
    bare = sorted(run[0].value for run in runs)
    share = sorted(run[1].value for run in runs)
    rate = sorted(run[1].rate for run in runs)
    middle = len(runs) // 2  # the median (an odd count is asked for)
    rss = max(run[1].rss_mb or 0 for run in runs)
    return [Row("drain", runs[0][0].measure, f"{bare[middle]:,.0f} msg/s median of {len(runs)} ({bare[0]:,.0f}-{bare[-1]:,.0f})",
                rss_mb=max(run[0].rss_mb or 0 for run in runs)),
            Row("drain", runs[0][1].measure,
                f"{rate[middle]:,.0f} msg/s = median {share[middle]:.0%} of bare ({share[0]:.0%}-{share[-1]:.0%}, {len(runs)} runs)",
                runs[0][1].target, share[middle] >= DRAIN_SHARE, rss)]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: with 50 values, p99 is the largest."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def measure_idle(server, work: Path, count: int, notes: list[str]) -> list[Row]:
    """The daemon under IDLE; APPEND one message at a time, time until it has left INBOX."""
    from imapclient import IMAPClient

    measure = f"IDLE pick-up, {count} msgs (APPEND to out of INBOX)"
    target = f"p99 < {IDLE_P99_SECONDS:g} s"
    server.reset()
    folder = fresh_folder(work, "idle")
    config = write_config(folder, server, poll_seconds=60)
    env = {**os.environ, PASSWORD_ENV: server.password("drp")}
    log = open(folder / "daemon.log", "wb")
    daemon = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config), "run"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    rng = random.Random(13)
    latencies: list[float] = []
    rss_mb = None
    try:
        appender = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
        appender.login(server.address("drp"), server.password("drp"))
        watcher = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
        watcher.login(server.address("drp"), server.password("drp"))

        def inbox_empty_within(seconds: float) -> bool:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                if daemon.poll() is not None:
                    raise Failed(f"the daemon exited ({daemon.returncode}): "
                                 f"{first_line((folder / 'daemon.log').read_text(errors='replace'))}")
                if int(watcher.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]) == 0:
                    return True
                time.sleep(0.01)
            return False

        # A first message, not counted: the daemon has started, drained and gone into IDLE.
        appender.append("INBOX", new_alert(400_000, datetime.now(LONDON)).raw)
        if not inbox_empty_within(60):
            raise Failed("the daemon did not take the first message within 60 s")
        time.sleep(1.0)
        progress(f"idle: {count} messages, one at a time")
        for n in range(1, count + 1):
            time.sleep(rng.uniform(0.3, 0.8))  # the daemon is back in IDLE; arrivals are not in step
            raw = new_alert(400_000 + n, datetime.now(LONDON)).raw
            started = time.perf_counter()
            appender.append("INBOX", raw)
            if not inbox_empty_within(30):
                raise Failed(f"message {n} was still in INBOX after 30 s")
            latencies.append(time.perf_counter() - started)
        appender.logout()
        watcher.logout()
    except Failed as exc:
        return [Row("idle", measure, f"failed: {exc}", target, False, failed=True)]
    finally:
        rss_mb = stop_and_measure(daemon)
        log.close()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    notes.append(f"idle: pick-up over {len(latencies)} messages: min {min(latencies):.2f} s, p50 {p50:.2f} s, "
                 f"p99 {p99:.2f} s, max {max(latencies):.2f} s (Dovecot's own notification delay included)")
    return [Row("idle", measure, f"p50 {p50:.2f} s, p99 {p99:.2f} s", target, p99 < IDLE_P99_SECONDS, rss_mb)]


def stop_and_measure(process: subprocess.Popen, timeout: float = 30) -> float | None:
    """SIGTERM the daemon we started, reap it, and return its peak RSS in MB (from wait4)."""
    if process.returncode is not None:
        return None
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024


# ====================================================================== sweep


def measure_sweep(sizes: tuple[int, ...], notes: list[str]) -> list[Row]:
    """bench/sweep.py's filling and child process, at each size with nothing due and 1% due."""
    import sweep as sweep_bench

    rows = []
    for size in sizes:
        for share in (0.0, 0.01):
            due = int(size * share)
            measure = f"sweep, {size:,} open alerts, {due:,} due"
            limit = SWEEP_NOTHING_DUE_SECONDS if share == 0 else SWEEP_ONE_PERCENT_SECONDS
            target = f"< {limit:g} s" + (f", < {SWEEP_PEAK_MB} MB" if size >= SWEEP_MEMORY_AT else "")
            progress(f"{measure}: filling the store")
            try:
                with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
                    bot = sweep_bench.make_bot(Path(folder))
                    sweep_bench.fill(bot, size, share)
                    bot.sessions.kw["bind"].dispose()
                    progress(f"{measure}: sweeping")
                    try:
                        seconds, rss_mb, events = sweep_bench.in_child(Path(folder), "sweep")
                    except subprocess.CalledProcessError as exc:
                        raise Failed(first_line(exc.stderr or "") or f"exit status {exc.returncode}") from None
            except Exception as exc:  # a crash in filling or sweeping is this row's, not the run's
                why = str(exc) if isinstance(exc, Failed) else f"{type(exc).__name__}: {first_line(str(exc))}"
                rows.append(Row("sweep", measure, f"failed: {why}", target, False, failed=True))
                continue
            met = seconds < limit and (size < SWEEP_MEMORY_AT or rss_mb < SWEEP_PEAK_MB)
            rows.append(Row("sweep", measure, f"{seconds:.3f} s ({events:,} events)", target, met, rss_mb))
    return rows


# ====================================================================== import


IMPORT_HEADERS = ["Ref", "Child ID", "Date raised", "Process", "IRO", "Team", "Theme", "Stage reached",
                  "Stage 1 date", "Stage 2 date", "Stage 3 date", "Stage 4 date", "Date concluded",
                  "Stage resolved", "Outcome", "Notes (not imported)"]
STAGE_WORDS = {0: "Pre-DRP", 1: "TM", 2: "SM", 3: "AD", 4: "Director"}


def write_spreadsheet(path: Path, rows: int, seed: int = 13) -> int:
    """A Business Manager's alert log of ``rows`` rows, as examples/import/mapping.yaml reads it:
    one row per child (one alert in ten covers two siblings), 2019 to 2026, mostly concluded,
    the last few months' still open; returns how many alerts it holds."""
    rng = random.Random(seed)
    first, days = date(2019, 1, 7), (date(2026, 12, 18) - date(2019, 1, 7)).days
    fmt = "%d/%m/%Y"
    written = alerts = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(IMPORT_HEADERS)
        while written < rows:
            alerts += 1
            # About eleven rows to ten alerts: spread the expected alerts over the whole span.
            raised = first + timedelta(days=min(days, days * (alerts - 1) // max(1, rows * 10 // 11)))
            while raised.weekday() >= 5:
                raised += timedelta(days=1)
            reached = rng.choices([0, 1, 2, 3, 4], weights=[50, 25, 15, 7, 3])[0]
            dates = {}
            day = raised
            for stage in range(1, reached + 1):
                day += timedelta(days=rng.randrange(5, 12))
                dates[stage] = day
            open_now = raised > date(2026, 9, 1) and rng.random() < 0.6
            if open_now:
                outcome, concluded, resolved = "Ongoing", "", ""
            else:
                outcome = rng.choices(["Closed - resolved", "Closed - withdrawn", "Referred to CAFCASS"],
                                      weights=[88, 10, 2 if reached >= 3 else 0])[0]
                concluded = (day + timedelta(days=rng.randrange(1, 10))).strftime(fmt)
                resolved = STAGE_WORDS[reached] if outcome == "Closed - resolved" else ""
            themes = "; ".join(rng.sample(["Drift", "Missing documents", "Visits", "Review decisions"],
                                          rng.choice([1, 1, 1, 2])))
            common = [f"LBC-{alerts:06d}", None, raised.strftime(fmt), "lac",
                      rng.choice(["Sam Okafor", "Jo Reid", "Sam O", "Former IRO"]), rng.choice(["CiC North", "CiC South"]),
                      themes, STAGE_WORDS[reached]] + [dates[s].strftime(fmt) if s in dates else "" for s in (1, 2, 3, 4)] + [
                      concluded, resolved, outcome, "see the case record"]
            children = 2 if alerts % 10 == 0 and written + 2 <= rows else 1
            for sibling in range(children):
                row = list(common)
                row[1] = str(3_000_000 + written)
                out.writerow(row)
                written += 1
    return alerts


def measure_import(rows: int, work: Path, notes: list[str]) -> list[Row]:
    measure = f"import, {rows:,} rows (mailbot import)"
    target = f"< {IMPORT_SECONDS:g} s"
    folder = fresh_folder(work, "import")
    config = write_config(folder)
    sheet = folder / "alerts-before-mailbot.csv"
    alerts = write_spreadsheet(sheet, rows)
    progress(f"{measure}: {alerts:,} alerts")
    try:
        result = run_child(["cli", "--config", str(config), "--now", IMPORT_NOW, "import", str(sheet),
                            "--mapping", str(MAPPING)], timeout=IMPORT_TIMEOUT, log=folder / "import.log")
    except Failed as exc:
        return [Row("import", measure, f"failed: {exc}", target, False, failed=True)]
    notes.append(f"import: {result['last_line'].replace(str(sheet), sheet.name)}")
    return [Row("import", measure, f"{result['seconds']:.1f} s ({rows / result['seconds']:,.0f} rows/s)", target,
                result["seconds"] < IMPORT_SECONDS, result["rss_mb"])]


# ====================================================================== the run


def print_table(rows: list[Row], notes: list[str], elapsed: float, quick: bool) -> None:
    header = ("measure", "figure", "target", "met?", "peak RSS")
    cells = [(r.measure, r.figure, r.target, r.verdict, f"{r.rss_mb:.0f} MB" if r.rss_mb else "-") for r in rows]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    line = lambda c: "  ".join(str(v).ljust(w) for v, w in zip(c, widths)).rstrip()  # noqa: E731
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print(line(c))
    if notes:
        print()
        for note in notes:
            print(note)
    targets = [r for r in rows if r.met is not None or r.failed]
    met = sum(1 for r in targets if r.met and not r.failed)
    failed = sum(1 for r in rows if r.failed)
    print()
    print(f"summary: {met} of {len(targets)} targets met"
          + (f", {failed} measurement(s) failed" if failed else "")
          + f"; the run took {elapsed / 60:.1f} min{' (--quick sizes)' if quick else ''}"
          + f"; load average now {os.getloadavg()[0]:.2f}")


def describe_machine() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except OSError:
        commit = ""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"{socket.gethostname()}: {os.cpu_count()} cores, load {load}; Python {sys.version.split()[0]}"
            + (f"; commit {commit} (and any uncommitted changes)" if commit else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes for a smoke run: 500 and 2,000 messages, 10,000 alerts, 10,000 rows")
    parser.add_argument("--only", action="append", choices=GROUPS, metavar="NAME",
                        help=f"run only this group of rows ({', '.join(GROUPS)}); may be repeated")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure each drain size N times (an odd number), the bare limit and the drain "
                             "in turn, and report the medians: on a shared machine one pair can be far off")
    args = parser.parse_args()
    if args.repeat < 1 or args.repeat % 2 == 0:
        parser.error("--repeat: an odd number of runs, 1 or more (the median is one of them)")
    sizes = QUICK if args.quick else FULL
    groups = args.only or list(GROUPS)
    started = time.perf_counter()
    print(describe_machine())
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
        work = Path(scratch)
        if "drain" in groups or "idle" in groups:
            rows += mailbox_rows(work, groups, sizes, notes, args.repeat)
        if "sweep" in groups:
            rows += guarded("sweep", "sweep", lambda: measure_sweep(sizes["alerts"], notes))
        if "import" in groups:
            rows += guarded("import", f"import, {sizes['rows']:,} rows",
                            lambda: measure_import(sizes["rows"], work, notes))
    print()
    print_table(rows, notes, time.perf_counter() - started, args.quick)
    return 0


def guarded(group: str, measure: str, work) -> list[Row]:
    """Run one measurement; whatever it raises becomes its row's one line, never a traceback."""
    try:
        return work()
    except Exception as exc:
        why = str(exc) if isinstance(exc, Failed) else f"{type(exc).__name__}: {first_line(str(exc))}"
        return [Row(group, measure, f"failed: {why}", failed=True)]


def mailbox_rows(work: Path, groups: list[str], sizes: dict, notes: list[str], repeat: int = 1) -> list[Row]:
    """The rows that need the Dovecot: one server for all of them, emptied between them."""
    sys.path.insert(0, str(ROOT / "tests"))
    rows: list[Row] = []
    try:
        from servers import Dovecot

        # Not under ``work``: Dovecot's own account must be able to reach its folder.
        server = Dovecot(Path(tempfile.mkdtemp(prefix="bench-dovecot-")))
        server.start()
    except Exception as exc:
        why = f"no Dovecot: {type(exc).__name__}: {first_line(str(exc))}"
        if "drain" in groups:
            rows.append(Row("drain", "drain and bare limit", f"failed: {why}", failed=True))
        if "idle" in groups:
            rows.append(Row("idle", "IDLE pick-up", f"failed: {why}", failed=True))
        return rows
    try:
        if "drain" in groups:
            for count in sizes["messages"]:
                runs = [guarded("drain", f"drain, {count:,} msgs", lambda: measure_drain(server, work, count, notes))
                        for _ in range(repeat)]
                rows += median_of_runs(runs)
        if "idle" in groups:
            rows += guarded("idle", "IDLE pick-up", lambda: measure_idle(server, work, IDLE_MESSAGES, notes))
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
    return rows


def child_main(kind: str, *rest: str) -> int:
    """``compare.py --child KIND ARGS... RESULT`` (read before argparse: ARGS are mailbot's own
    options, which argparse would take for this script's)."""
    if kind == "bare":
        child_bare(*rest)
    elif kind == "cli":
        child_cli(rest[-1], *rest[:-1])
    else:
        raise SystemExit(f"unknown child {kind!r}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.exit(child_main(*sys.argv[2:]))
    sys.exit(main())
