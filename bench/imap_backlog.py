"""Benchmark: how fast the daemon drains an IMAP backlog, and how soon IDLE sees new mail.

Starts a real Dovecot on loopback (the test harness's, so Dovecot must be installed: run
./scripts/test once), APPENDs N informal alerts, drains them with `run --once` semantics, then
times IDLE pick-up of single messages with the daemon running. Prints figures; asserts nothing.

    python bench/imap_backlog.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from statistics import median

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import Dovecot, wait_until  # noqa: E402
from test_daemon import LONDON, PASSWORD_ENV, alert_count, iro_mail, write_config  # noqa: E402

from mailbot.config import load_config  # noqa: E402
from mailbot.daemon import Daemon, status  # noqa: E402
from mailbot.maildir import MaildirSink  # noqa: E402
from mailbot.service import Mailbot  # noqa: E402
from mailbot.shell import make_source  # noqa: E402


def main(count: int) -> None:
    server = Dovecot(Path(tempfile.mkdtemp(prefix="bench-dovecot-")))
    server.start()
    try:
        work = Path(tempfile.mkdtemp(prefix="bench-mailbot-"))
        os.environ[PASSWORD_ENV] = server.password("drp")
        path = write_config(ROOT, work, server)
        # The tests poll every second; a council's daemon leaves IDLE only every minute, and
        # that is the pick-up this benchmark means to show.
        data = yaml.safe_load(path.read_text())
        data["mailbox"]["poll_seconds"] = 60
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        config = load_config(path)
        bot = Mailbot(config)
        when = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
        with server.client("drp") as client:
            for n in range(count):
                client.append("INBOX", iro_mail(n, when))
        daemon = Daemon(bot, make_source(config), MaildirSink(work / "out"), clock=lambda: when)
        started = time.perf_counter()
        daemon.run_once()
        elapsed = time.perf_counter() - started
        print(f"backlog: {count} messages drained in {elapsed:.1f} s = {count / elapsed:.0f} messages/s "
              f"(record, decide, queue, MOVE; acknowledgements sent to a Maildir)")

        running = Daemon(bot, make_source(config), MaildirSink(work / "out"))
        thread = threading.Thread(target=running.run, kwargs={"install_signals": False}, daemon=True)
        thread.start()
        wait_until(lambda: status(bot)["last_poll"], 10)
        latencies = []
        for n in range(count, count + 10):
            time.sleep(0.5)
            before = alert_count(bot)
            t0 = time.perf_counter()
            server.append("drp", "INBOX", iro_mail(n, datetime.now(LONDON)))
            wait_until(lambda: alert_count(bot) > before or None, 10)
            latencies.append(time.perf_counter() - t0)
        running.stop.set()
        thread.join(30)
        print(f"IDLE pick-up: median {median(latencies):.2f} s, worst {max(latencies):.2f} s over {len(latencies)} messages")
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
