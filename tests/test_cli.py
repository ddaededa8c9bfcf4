"""The CLI: a month of DRP traffic driven through `mailbot --now ... ingest/tick`, the demo as a
user runs it, and one-line errors for bad input to every command."""

from __future__ import annotations

import email.utils
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import mailbot.demo as demo
from mailbot.cli import main

SAMPLES = Path(demo.__file__).resolve().parent


@pytest.fixture
def workdir(tmp_path: Path, root: Path) -> Path:
    shutil.copyfile(root / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def run(capsys, workdir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(workdir / "config.yaml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def arrivals() -> list[tuple[datetime, Path]]:
    out = []
    for path in SAMPLES.glob("*.eml"):
        date_header = email.message_from_bytes(path.read_bytes())["Date"]
        out.append((email.utils.parsedate_to_datetime(date_header), path))
    return sorted(out)


@pytest.mark.slow
def test_a_month_through_the_cli(capsys, workdir: Path) -> None:
    """Every sample mail is ingested at its own time; the sweep runs each morning at 08:00."""
    mail = arrivals()
    day = date(2027, 4, 29)
    while day <= date(2027, 5, 28):
        code, _, err = run(capsys, workdir, "--now", f"{day.isoformat()}T08:00", "tick")
        assert code == 0, err
        for at, path in [(at, p) for at, p in mail if at.date() == day]:
            code, out, err = run(capsys, workdir, "--now", at.isoformat(), "ingest", str(path))
            assert code == 0, err
            result = json.loads(out)
            assert set(result) == {"message_id", "kind", "alert", "status", "reason"}
        day += timedelta(days=1)
    code, out, _ = run(capsys, workdir, "--now", "2027-05-28T18:00", "alerts", "--json")
    alerts = {a["ref"]: a for a in json.loads(out)}
    assert {ref: (a["status"], a["stage"], a["resolved_at_stage"]) for ref, a in alerts.items()} == {
        ref: (want.status, want.stage, want.resolved_at_stage) for ref, want in demo.EXPECTED.items()}
    siblings = alerts["DRP-2027-0004"]
    assert siblings["children"] == ["1234504", "1234505", "1234506"]
    assert alerts["DRP-2027-0002"]["stage_name"] == "Stage 2 Service Manager"
    assert alerts["DRP-2027-0008"]["due"] == "2027-06-09"  # 10 working days, skipping 31 May
    assert alerts["DRP-2027-0007"]["process"] == "cp"
    assert alerts["DRP-2027-0006"]["closed"].startswith("2027-05-20")

    code, out, _ = run(capsys, workdir, "alert", "DRP-2027-0002", "--json")
    history = [h["detail"] for h in json.loads(out)["history"]]
    assert any("lapsed" in h for h in history) and any("escalated to Stage 2" in h for h in history)

    code, out, _ = run(capsys, workdir, "--now", "2027-05-28T18:00", "send")
    assert code == 0 and out.startswith("sent ")
    code, out, _ = run(capsys, workdir, "outbox", "--json")
    rows = json.loads(out)
    assert rows and all(r["status"] == "sent" for r in rows)
    assert {"acknowledgement", "reminder", "chaser", "lapse_notice", "escalation_notice", "resolution",
            "withdrawal", "cafcass", "extension_requested", "extension_agreed", "response_received",
            "compliment_ack"} <= {r["template"] for r in rows}
    # Re-ingesting the whole month changes nothing: every message is already recorded.
    for at, path in mail:
        code, out, _ = run(capsys, workdir, "--now", at.isoformat(), "ingest", str(path))
    code, out2, _ = run(capsys, workdir, "outbox", "--json")
    assert len(json.loads(out2)) == len(rows)


@pytest.mark.slow
def test_demo_runs_from_the_installed_package(tmp_path: Path) -> None:
    # Run outside the checkout so the installed package (with its sample mail) is what runs.
    result = subprocess.run([sys.executable, "-m", "mailbot", "demo", "--dir", str(tmp_path / "demo")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "All 8 scenarios ended in their expected state" in result.stdout
    assert "Mon 03 May  -- not a working day (May Day)" in result.stdout
    outbox = list((tmp_path / "demo" / "var" / "outbox" / "new").iterdir())
    assert len(outbox) > 30


def test_check_config_prints_ladders_and_non_working_days(capsys, workdir: Path) -> None:
    code, out, _ = run(capsys, workdir, "--now", "2027-12-20T09:00", "check-config")
    assert code == 0
    assert "stage 3   Assistant Director" in out and "then Dispute Resolution Meeting within 5" in out
    # Bank holidays and closure days, not weekends: Christmas on a Saturday shows as its substitute day.
    assert "2027-12-27 Mon  Christmas Day (substitute day)" in out
    assert "2027-12-29 Wed  Closure: Council closure day" in out
    assert " Sat  " not in out and " Sun  " not in out
    assert "team_manager              3 people" in out  # the roles the ladders need, with who holds them


def test_db_upgrade(capsys, workdir: Path) -> None:
    code, out, _ = run(capsys, workdir, "db", "upgrade")
    assert code == 0 and "(was empty)" in out
    code, out, _ = run(capsys, workdir, "db", "upgrade")
    assert code == 0 and "was" not in out


@pytest.mark.parametrize("args, message", [
    (["--now", "yesterday", "tick"], "--now: 'yesterday' is not an ISO-8601 date or time, e.g. 2027-05-04T09:00"),
    (["ingest", "no-such-file.eml"], "no-such-file.eml: no such file"),
    (["alert", "DRP-2099-0001"], "DRP-2099-0001: no such alert"),
])
def test_bad_input_gets_one_line(capsys, workdir: Path, args: list[str], message: str) -> None:
    code, out, err = run(capsys, workdir, *args)
    assert code == 2
    assert err.strip() == f"mailbot: error: {message}"
    assert "Traceback" not in err


def test_bad_config_lists_every_problem_once_each_on_its_line(capsys, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("authority: {name: x}\n")
    missing = ["authority.mailbox_address", "mailbox", "outbox", "store", "directory", "processes", "security"]
    for command in (["tick"], ["alerts"], ["check-config"], ["send"], ["digest", "--print"]):
        code = main(["--config", str(tmp_path / "config.yaml"), *command])
        _, err = capsys.readouterr()
        assert code == 2
        lines = err.splitlines()
        assert all(line.startswith(f"mailbot: error: {tmp_path / 'config.yaml'}") for line in lines), lines
        assert [line.split(": ")[3] for line in lines] == missing
        assert all(line.endswith("required key is missing") for line in lines)


def test_unreadable_input_is_quarantined_not_a_crash(capsys, workdir: Path) -> None:
    junk = workdir / "junk.eml"
    junk.write_bytes(b"\x00\xff not a mail at all")
    code, out, err = run(capsys, workdir, "--now", "2027-05-04T10:00", "ingest", str(junk))
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "quarantined" and result["reason"]
    code, out, _ = run(capsys, workdir, "--now", "2027-05-04T10:00", "digest", "--print")
    assert "Needs a person" in out or "needs a person" in out.lower()


@pytest.mark.parametrize("argv, fragment", [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["alert"], "alert: the following arguments are required: REF"),
    (["db", "downgrade"], "invalid choice: 'downgrade'"),
])
def test_usage_mistakes_are_one_line(capsys, argv: list[str], fragment: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1 and err.startswith("mailbot: error: ") and fragment in err


def test_demo_refuses_a_folder_in_use(capsys, tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    code = main(["demo", "--dir", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.strip() == f"mailbot: error: --dir: {tmp_path} is not empty; give an empty or new folder"


def test_now_from_the_environment(capsys, workdir: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAILBOT_NOW", "2027-12-20T09:00")
    code, out, _ = run(capsys, workdir, "check-config")
    assert code == 0 and "after 2027-12-20" in out


def test_a_reader_that_stops_early_ends_the_output_quietly(workdir: Path) -> None:
    """`mailbot ... | head -1`: the pipe closes under a long output; no BrokenPipe traceback."""
    checkout = Path(__file__).resolve().parents[1]
    command = (f"{sys.executable} -m mailbot --config {workdir / 'config.yaml'} check-config | head -1; "
               "echo \"exit ${PIPESTATUS[0]}\"")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(checkout)}, cwd=workdir)
    lines = result.stdout.splitlines()
    assert lines[0].endswith("people in the directory.")
    assert lines[-1] == "exit 141"
    assert "BrokenPipe" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "error" not in result.stderr, result.stderr


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("mailbot ") and out.split()[1][0].isdigit()


def test_the_daemon_start_is_free_of_library_noise(workdir: Path, tmp_path: Path) -> None:
    """A first `run --once` creates the store (Alembic runs every migration): the log shows
    mailbot's own lines only, not Alembic's INFO lines."""
    checkout = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(workdir / "config.yaml"),
                             "--now", "2027-05-04T10:00:00+01:00", "run", "--once"],
                            capture_output=True, text=True, timeout=120, cwd=workdir,
                            env={**os.environ, "PYTHONPATH": str(checkout)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("handled 0 message(s)")
    assert "alembic" not in result.stderr.lower()
    assert "Running upgrade" not in result.stderr


def test_status_shows_local_times_and_when_an_error_cleared(capsys, workdir: Path) -> None:
    from mailbot.cli import Context, build_parser
    from store import repository as repo

    args = build_parser().parse_args(["--config", str(workdir / "config.yaml"), "status"])
    bot = Context(args).bot
    with bot.sessions.begin() as session:
        failed = datetime.fromisoformat("2027-07-01T08:15:00+00:00")
        repo.set_state(session, "last_error", f"{failed.isoformat()} mailbox: the server closed the connection", failed)
    code, out, _ = run(capsys, workdir, "status")
    assert code == 0
    assert "last error: 2027-07-01 09:15:00 BST mailbox: the server closed the connection (not cleared yet)" in out
    with bot.sessions.begin() as session:
        later = datetime.fromisoformat("2027-07-01T08:17:30+00:00")
        repo.set_state(session, "last_error_cleared", later.isoformat(), later)
    code, out, _ = run(capsys, workdir, "status")
    assert "(cleared at 2027-07-01 09:17:30 BST)" in out
