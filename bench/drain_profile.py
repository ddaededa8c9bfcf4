"""Benchmark: what deciding a batch of inbound mail costs (issue 13), with or without IMAP.

Feeds the deterministic DRP corpus (bench/drp_corpus.py: half new alerts, half replies in their
threads) through ``Mailbot.ingest_batch`` in batches, and prints messages per second, SQL
statements per message and the share of the time spent parsing. With ``--imap`` the same corpus
is APPENDed to a real Dovecot (the test harness's) and drained by the daemon (``run --once``
semantics: FETCH, record, decide, UID MOVE), as bench/imap_backlog.py does.

It also prints a fingerprint of everything the store holds afterwards (messages' outcomes,
alerts, audit lines, outbox rows): two versions of the code that decide alike print the same
fingerprint, so a speed-up can be checked to change no outcome. ``--limits default`` keeps the
configured daily limits per sender and per alert (most of the corpus is then set aside as over
the limit, which exercises the rate-limit counting); ``open`` (the default) lifts the one per
sender, as the backlog tests do.

``--root`` measures another checkout (a ``git worktree`` of an earlier commit, for an A/B run
in one sitting on a noisy machine); the corpus always comes from this checkout's bench/.

    python bench/drain_profile.py [-n 2000] [--batch 200] [--imap [--send]] [--profile] [--statements] [--root DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="messages (default 2000)")
    parser.add_argument("--batch", type=int, default=200, help="messages per batch (default 200)")
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the checkout to measure")
    parser.add_argument("--imap", action="store_true", help="drain a real Dovecot instead of calling ingest_batch")
    parser.add_argument("--limits", choices=("open", "default"), default="open",
                        help="open: no daily limit per sender (default); default: config.yaml's limits")
    parser.add_argument("--send", action="store_true",
                        help="with --imap: a whole `run --once` pass (drain, sweep, send), not the drain alone")
    parser.add_argument("--profile", action="store_true", help="print the 35 costliest calls (cumulative)")
    parser.add_argument("--dump", type=Path, metavar="FILE",
                        help="with --profile: also write the profile to FILE (pstats), to look at callers")
    parser.add_argument("--statements", action="store_true",
                        help="print how many SQL statements of each shape were run (the first words of each)")
    return parser.parse_args()


def fingerprint(bot, ordered: bool = True) -> str:
    """A digest of every outcome the store holds: equal for two runs that decided alike.
    ``ordered=False``: each table's rows in any order (the audit lines of notices sent while the
    drain went on fall between the decisions' lines, where a later send puts them after)."""
    from sqlalchemy import select
    from store import repository as repo
    from store.models import AuditRow, MessageRow, OutboxRow

    digest = hashlib.sha256()
    lines: list[bytes] = []
    with bot.sessions() as session:
        for m in session.execute(select(MessageRow.dedupe_key, MessageRow.kind, MessageRow.status, MessageRow.reason,
                                        MessageRow.alert_ref, MessageRow.from_addr, MessageRow.handled_at)
                                 .order_by(MessageRow.id)):
            lines.append(repr(tuple(m)).encode())
        for alert in repo.list_alerts(session):
            lines.append(repr(alert).encode())
        for a in session.execute(select(AuditRow.at, AuditRow.alert_ref, AuditRow.actor, AuditRow.message_id,
                                        AuditRow.action, AuditRow.detail).order_by(AuditRow.id)):
            lines.append(repr(tuple(a)).encode())
        for o in session.execute(select(OutboxRow.idempotency_key, OutboxRow.message_id, OutboxRow.alert_ref,
                                        OutboxRow.template, OutboxRow.to_addrs, OutboxRow.cc_addrs, OutboxRow.subject,
                                        OutboxRow.body_text, OutboxRow.body_html, OutboxRow.in_reply_to,
                                        OutboxRow.references, OutboxRow.status).order_by(OutboxRow.id)):
            lines.append(repr(tuple(o)).encode())
    for line in (lines if ordered else sorted(lines)):
        digest.update(line)
    return digest.hexdigest()[:16]


def main() -> None:
    args = _arguments()
    root = args.root.resolve()
    # The measured checkout first; this checkout's bench/ for the corpus (an older one may lack it).
    sys.path[:0] = [str(root), str(root / "tests"), str(HERE)]
    from collections import Counter

    from sqlalchemy import event

    from drp_corpus import corpus, end_of
    from mailbot.config import load_config
    from mailbot.service import Arrival, Mailbot

    messages = corpus(args.n)
    when = end_of(messages)
    work = Path(tempfile.mkdtemp(prefix="bench-decide-"))
    server = None
    if args.imap:
        from servers import Dovecot
        from test_daemon import PASSWORD_ENV, write_config

        server = Dovecot(Path(tempfile.mkdtemp(prefix="bench-dovecot-")))
        server.start()
        os.environ[PASSWORD_ENV] = server.password("drp")
        path = write_config(root, work, server)
        data = yaml.safe_load(path.read_text())
    else:
        data = yaml.safe_load((root / "config.yaml").read_text())
        data["store"] = {"url": f"sqlite:///{work / 'mailbot.db'}"}
        data["security"]["per_sender_per_day"] = 100_000
        path = work / "config.yaml"
    if args.limits == "default":
        data["security"]["per_sender_per_day"] = yaml.safe_load((root / "config.yaml").read_text())["security"][
            "per_sender_per_day"]
    data.setdefault("mailbox", {})["batch_size"] = args.batch
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        config = load_config(path)
        bot = Mailbot(config)
        statements = [0]
        shapes: Counter = Counter()

        def count_statement(_conn, _cursor, statement, _parameters, _context, executemany) -> None:
            statements[0] += 1
            if args.statements:
                shapes[(" ".join(statement.split()[:5])[:70], executemany)] += 1
        engine = bot.sessions.kw["bind"]
        if args.imap:
            from mailbot.daemon import Daemon
            from mailbot.maildir import MaildirSink
            from mailbot.shell import make_source

            with server.client("drp") as client:
                for m in messages:
                    client.append("INBOX", m.raw)
            daemon = Daemon(bot, make_source(config), MaildirSink(work / "out"), clock=lambda: when)
            event.listen(engine, "before_cursor_execute", count_statement)
            profile = cProfile.Profile() if args.profile else None
            started = time.perf_counter()
            if profile:
                profile.enable()
            if args.send:
                handled = daemon.run_once()["handled"]
            else:
                daemon._connect()
                handled = daemon.drain()
                daemon._disconnect()
            elapsed = time.perf_counter() - started
            if profile:
                profile.disable()
            kinds: Counter = Counter()
        else:
            import parsers

            started = time.perf_counter()
            for m in messages:
                parsers.parse_message(m.raw, bot.parse_rules)
            parsing = time.perf_counter() - started
            event.listen(engine, "before_cursor_execute", count_statement)
            profile = cProfile.Profile() if args.profile else None
            results = []
            started = time.perf_counter()
            if profile:
                profile.enable()
            for start in range(0, len(messages), args.batch):
                results += bot.ingest_batch([Arrival(m.raw) for m in messages[start:start + args.batch]], when)
            if profile:
                profile.disable()
            elapsed = time.perf_counter() - started
            handled = len(results)
            kinds = Counter(f"{r.kind}/{r.status}" for r in results)
        print(f"code: {root}")
        print(f"{'drained' if args.imap else 'ingest_batch'}: {handled} messages in {elapsed:.2f} s = "
              f"{handled / elapsed:.0f} msg/s; {statements[0] / handled:.1f} SQL statements/msg"
              + ("" if args.imap else f"; parsing alone {len(messages) / parsing:.0f} msg/s "
                 f"({parsing / elapsed:.0%} of the time)"))
        counted = dict(shapes)  # before the fingerprint's own queries
        if kinds:
            print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        print(f"fingerprint ({args.limits} limits): {fingerprint(bot)}; rows in any order: {fingerprint(bot, False)}")
        for (shape, many), n in sorted(counted.items(), key=lambda item: -item[1]):
            print(f"{n / handled:6.2f}/msg  {'executemany ' if many else ''}{shape}")
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
            if args.dump:
                profile.dump_stats(args.dump)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
