"""The directory re-read without a restart (issue 10 item 4): a real Daemon on a Maildir mailbox,
a real SQLite store, real configuration and CSV files in a temporary folder.

The check the daemon's scheduler runs every few seconds is driven directly (no sleeping); SIGHUP
is sent to this process for real, with the daemon's handler installed and the previous one put
back afterwards.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import signal
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from mailbot.config import files_read_by, load_config
from mailbot.daemon import RELOAD_CHECK_SECONDS, Daemon, status
from mailbot.service import Mailbot
from mailbot.shell import make_sink, make_source
from store import repository as repo

LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
NOW = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
NEW_IRO = f"kim.iro@{DOMAIN}"
NEW_IRO_ROW = f"{NEW_IRO},Kim Novak,iro,Safeguarding and QA,priya.qa@{DOMAIN}\n"


@pytest.fixture
def setup(tmp_path: Path, root: Path):
    """config.yaml whose directory is people.csv, the embedded configuration's people."""
    data = yaml.safe_load((root / "config.yaml").read_text())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "role", "team", "manager"])
    for p in data["directory"]:
        writer.writerow([p["email"], p["name"], p["role"], p.get("team", ""), p.get("manager", "")])
    (tmp_path / "people.csv").write_text(out.getvalue())
    data["directory"] = "people.csv"
    data["mailbox"] = {"url": "maildir:mail"}
    data["outbox"] = {"url": "maildir:outbox"}
    data["store"] = {"url": "sqlite:///mailbot.db"}
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(config_path)
    bot = Mailbot(config)
    daemon = Daemon(bot, make_source(config), make_sink(config), clock=lambda: NOW)
    return daemon, tmp_path


def concern_from(sender: str, n: int) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = f"dana.tm@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = "Pre-Dispute Resolution"
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = f"<concern-{n}@{DOMAIN}>"
    msg.set_content(f"Child ID: {1234560 + n}\n\nThe PEP has not been updated since March.")
    return msg.as_bytes()


def reload_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mailbot.daemon"]


def test_nothing_changed_means_nothing_is_read(setup) -> None:
    daemon, _ = setup
    before = daemon.bot.config
    assert daemon.reload_if_changed() is False
    assert daemon.bot.config is before


def test_an_iro_added_to_the_csv_is_taken_into_use_at_the_next_check(setup, caplog) -> None:
    daemon, folder = setup
    bot = daemon.bot
    people_before = len(bot.config.people)
    # Before: her concern is set aside, she is not in the directory.
    daemon.source.deliver(concern_from(NEW_IRO, 1))
    daemon.drain()
    assert status(bot)["quarantined"] == 1

    with (folder / "people.csv").open("a") as handle:
        handle.write(NEW_IRO_ROW)
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is True

    assert bot.config.person(NEW_IRO) is not None
    assert bot.config.person(NEW_IRO).has_role("iro")
    assert reload_lines(caplog) == [f"directory re-read: {people_before + 1} people (1 added, 0 left, 0 changed)"]
    with bot.sessions() as session:
        audited = [(a.action, a.detail) for a in repo.audit_since(session, 0) if a.action == "configuration_reloaded"]
    assert audited == [("configuration_reloaded", reload_lines(caplog)[0])]
    # The next concern she sends becomes an alert, with no restart in between.
    daemon.source.deliver(concern_from(NEW_IRO, 2))
    daemon.drain()
    assert len(bot.alerts()) == 1 and bot.alerts()[0].raised_by == NEW_IRO
    # And the check is quiet again until the next change.
    assert daemon.reload_if_changed() is False


def test_people_who_leave_or_change_are_counted_without_names(setup, caplog) -> None:
    daemon, folder = setup
    lines = (folder / "people.csv").read_text().splitlines(keepends=True)
    # Jo (an IRO, nobody's manager) leaves; Lee moves team.
    kept = [line for line in lines if not line.startswith("jo.iro@")]
    kept = [line.replace("Children in Care South", "Children in Care East") for line in kept]
    (folder / "people.csv").write_text("".join(kept))
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is True
    assert daemon.bot.config.person(f"jo.iro@{DOMAIN}") is None
    assert daemon.bot.config.person(f"lee.tm@{DOMAIN}").team == "Children in Care East"
    logged = reload_lines(caplog)
    assert logged == [f"directory re-read: {len(lines) - 2} people (0 added, 1 left, 1 changed)"]
    assert not any(word in " ".join(logged) for word in ("Jo ", "Reid", "jo.iro", "Lee", "lee.tm"))


def test_an_invalid_csv_keeps_the_old_directory_and_is_reported_once(setup, caplog) -> None:
    daemon, folder = setup
    bot = daemon.bot
    before = bot.config
    # A new IRO whose manager is not in the directory: the whole file is refused.
    with (folder / "people.csv").open("a") as handle:
        handle.write(f"{NEW_IRO},Kim Novak,iro,Safeguarding and QA,nobody.here@{DOMAIN}\n")
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is False

    assert bot.config is before and bot.config.person(NEW_IRO) is None
    logged = reload_lines(caplog)
    assert len(logged) == 1
    assert "still running on the previous one" in logged[0] and "is not in the directory" in logged[0]
    assert "nobody.here" not in logged[0] and "kim" not in logged[0].lower()  # no personal data
    report = status(bot)
    assert "is not in the directory" in report["config_error"]
    assert "configuration:" in report["last_error"]

    # Not retried while the file stays as it is: no second line.
    assert daemon.reload_if_changed() is False
    assert len(reload_lines(caplog)) == 1

    # Put right: taken into use, and the error is no longer shown.
    text = (folder / "people.csv").read_text().replace(f"nobody.here@{DOMAIN}", f"priya.qa@{DOMAIN}")
    (folder / "people.csv").write_text(text)
    assert daemon.reload_if_changed() is True
    assert bot.config.person(NEW_IRO) is not None
    assert status(bot)["config_error"] is None


def test_a_typo_in_the_configuration_file_keeps_the_old_one(setup, caplog) -> None:
    daemon, folder = setup
    before = daemon.bot.config
    path = folder / "config.yaml"
    path.write_text(path.read_text().replace("calendar:", "calender:", 1))
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is False
    assert daemon.bot.config is before
    [line] = reload_lines(caplog)
    assert line.endswith("calender: unknown key 'calender'; did you mean 'calendar'?")
    assert "calender" in status(daemon.bot)["config_error"]


def test_a_csv_that_is_not_utf8_is_refused_in_one_line(setup, caplog) -> None:
    daemon, folder = setup
    with (folder / "people.csv").open("ab") as handle:
        handle.write(b"kim.iro@" + DOMAIN.encode() + b",K\xe9vin,iro,Safeguarding and QA,\n")
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is False
    [line] = reload_lines(caplog)
    assert "people.csv:15: not UTF-8 text" in line
    assert "K\ufffdvin" not in line and "vin" not in line


def test_sighup_forces_a_re_read_the_file_check_cannot_see(setup) -> None:
    daemon, folder = setup
    csv_path = folder / "people.csv"
    dana = f"dana.tm@{DOMAIN}"
    assert daemon.bot.config.person(dana).team == "Children in Care North"
    # An edit that keeps the size, the inode and (put back) the modification time: the cheap
    # check cannot see it, as on a filesystem with coarse timestamps.
    st = csv_path.stat()
    text = csv_path.read_text()
    with csv_path.open("r+") as handle:
        handle.write(text.replace("Children in Care North", "Children in Care South", 1))
    os.utime(csv_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert csv_path.stat().st_ino == st.st_ino and csv_path.stat().st_size == st.st_size
    assert daemon.reload_if_changed() is False
    assert daemon.bot.config.person(dana).team == "Children in Care North"

    previous = signal.signal(signal.SIGHUP, daemon.request_reload)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert daemon.reload_requested.is_set()
    assert daemon.reload_if_changed() is True
    assert daemon.bot.config.person(dana).team == "Children in Care South"
    assert not daemon.reload_requested.is_set()


def test_run_installs_the_sighup_handler_and_schedules_the_check(setup) -> None:
    daemon, _ = setup
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)}
    seen = {}
    drain = daemon.drain

    def drain_then_stop() -> int:
        # What run() set up, looked at from inside the watcher; then stop after this one pass.
        seen["handler"] = signal.getsignal(signal.SIGHUP)
        seen["job"] = daemon.scheduler.get_job("configuration")
        daemon.stop.set()
        return drain()

    daemon.drain = drain_then_stop
    try:
        assert daemon.run(install_signals=True) == 0
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert seen["handler"] == daemon.request_reload
    assert seen["job"].trigger.interval.total_seconds() == RELOAD_CHECK_SECONDS


def test_a_directory_moved_to_another_csv_is_followed(setup, caplog) -> None:
    daemon, folder = setup
    (folder / "staff.csv").write_text((folder / "people.csv").read_text())
    path = folder / "config.yaml"
    path.write_text(path.read_text().replace("directory: people.csv", "directory: staff.csv"))
    assert files_read_by(path) == (path, folder / "staff.csv")
    assert daemon.reload_if_changed() is True
    # From now on it is staff.csv whose changes count, not people.csv.
    with (folder / "people.csv").open("a") as handle:
        handle.write(NEW_IRO_ROW)
    assert daemon.reload_if_changed() is False
    with (folder / "staff.csv").open("a") as handle:
        handle.write(NEW_IRO_ROW)
    assert daemon.reload_if_changed() is True
    assert daemon.bot.config.person(NEW_IRO) is not None


def test_settings_read_only_at_start_are_named(setup, caplog) -> None:
    daemon, folder = setup
    path = folder / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["digest"] = {**data.get("digest", {}), "time": "09:15"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is True
    assert daemon.bot.config.settings.digest.time.minute == 15
    assert reload_lines(caplog)[-1] == "configuration re-read: digest.time take effect only when mailbot is restarted"


def test_a_name_typed_in_the_email_column_is_not_logged(setup, caplog) -> None:
    daemon, folder = setup
    with (folder / "people.csv").open("a") as handle:
        handle.write(f"Kim Novak,{NEW_IRO},iro,Safeguarding and QA,\n")  # columns swapped
    caplog.set_level(logging.INFO, logger="mailbot.daemon")
    assert daemon.reload_if_changed() is False
    [line] = reload_lines(caplog)
    assert "people.csv:15: email: not an e-mail address" in line
    assert "Kim" not in line and "Novak" not in line and "Kim" not in status(daemon.bot)["config_error"]
