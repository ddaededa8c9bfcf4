"""The deadline sweep at scale (issue 13): time and peak memory of one sweep over N open alerts
with nothing due, and with 1% due (each lapsing: chaser and notice queued, audit written).

    python bench/sweep.py                 # 10,000 and 100,000 open alerts, SQLite
    python bench/sweep.py --sizes 1000    # a quick look

The store is a real SQLite file in a temporary folder, filled with rows as mailbot writes them
(an alert awaiting a response at stage 1, one child, one episode, its next_due_at computed by
the domain). Filling is done with bulk inserts, not timed. "before" is what the sweep did until
issue 13: load every live alert to ask each whether anything is due.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from mailbot import domain as d  # noqa: E402
from mailbot.config import config_from_data  # noqa: E402
from mailbot.service import Mailbot  # noqa: E402
from store import repository as repo  # noqa: E402
from store.models import AlertRow, ChildRow, EpisodeRow  # noqa: E402

NOW = datetime(2027, 6, 15, 9, 0, tzinfo=timezone.utc)


def make_bot(folder: Path) -> Mailbot:
    data = yaml.safe_load((ROOT / "config.yaml").read_text())
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    data["mailbox"] = {"url": f"maildir:{folder / 'mail'}"}
    data["outbox"] = {"url": f"maildir:{folder / 'out'}"}
    return Mailbot(config_from_data(data, base_dir=folder))


def fill(bot: Mailbot, count: int, due_share: float) -> None:
    """``count`` alerts awaiting a Team Manager's response; ``due_share`` of them past their
    deadline at NOW, the rest due in three weeks."""
    people = bot.config.people
    iro = next(p.email for p in people if p.has_role("iro"))
    manager = next(p.email for p in people if p.has_role("team_manager"))
    cal = bot.calendar
    due_count = int(count * due_share)

    def shape(overdue: bool) -> tuple[d.Alert, datetime | None]:
        started = NOW - timedelta(days=20 if overdue else 1)
        episode = d.Episode(stage=1, step="stage", responder=manager, started=started,
                            due=cal.due_date(started, 5 if overdue else 15))
        alert = d.Alert(ref="X", process="lac", status=d.Status.AWAITING_RESPONSE, raised_by=iro, anchor=manager,
                        children=("1000000",), categories=(), opened=started, episodes=(episode,),
                        formal_started=started)
        return alert, d.next_due_at(alert, bot.rules)

    shapes = {True: shape(True), False: shape(False)}
    with bot.sessions.begin() as session:
        for start in range(0, count, 5000):
            alerts, episodes, children = [], [], []
            for number in range(start, min(count, start + 5000)):
                overdue = number < due_count
                alert, next_due = shapes[overdue]
                episode = alert.current
                alerts.append(dict(id=number + 1, ref=f"DRP-2027-{number + 1:06d}", process="lac",
                                   status=alert.status.value, raised_by=iro, anchor=manager, categories=[],
                                   opened=alert.opened, formal_started=alert.formal_started, cap_breached=False,
                                   imported=False, next_due_at=next_due or repo.NEVER_DUE))
                episodes.append(dict(alert_id=number + 1, seq=0, stage=1, step=episode.step, responder=manager,
                                     started=episode.started, due=episode.due, reminder_sent=True, lapsed=False))
                children.append(dict(alert_id=number + 1, position=0, case_id=f"{1000000 + number}"))
            session.execute(insert(AlertRow), alerts)
            session.execute(insert(EpisodeRow), episodes)
            session.execute(insert(ChildRow), children)


def child(folder: Path, what: str) -> None:
    """Run in a fresh process, so that its peak RSS is the sweep's own (plus the interpreter and
    mailbot's imports): time the sweep (or the old way: load every live alert), print figures."""
    bot = make_bot(folder)
    gc.collect()
    started = time.perf_counter()
    if what == "sweep":
        count = len(bot.tick(NOW))
    else:
        with bot.sessions() as session:
            count = len(repo.list_alerts(session, d.LIVE))
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.4f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} {count}")


def in_child(folder: Path, what: str) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, __file__, "--child", str(folder), what], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    with tempfile.TemporaryDirectory() as folder:
        baseline = in_child(Path(folder), "sweep")[1]  # an empty store: the process's own size
    print(f"peak RSS of a process that only opens an empty store: {baseline:.0f} MB")
    print(f"{'open alerts':>12} {'due':>6} {'sweep s':>9} {'peak RSS MB':>12} {'events':>7}   "
          f"{'before: load all s':>19} {'peak RSS MB':>12}")
    for size in args.sizes:
        for share in (0.0, 0.01):
            with tempfile.TemporaryDirectory() as folder:
                bot = make_bot(Path(folder))
                fill(bot, size, share)
                bot.sessions.kw["bind"].dispose()
                if share == 0.0:
                    before, before_rss, _ = in_child(Path(folder), "load_all")
                else:
                    before, before_rss = float("nan"), float("nan")
                elapsed, rss, events = in_child(Path(folder), "sweep")
                print(f"{size:>12,} {int(size * share):>6,} {elapsed:>9.3f} {rss:>12.0f} {events:>7,}   "
                      f"{before:>19.2f} {before_rss:>12.0f}")


if __name__ == "__main__":
    main()
