"""`mailbot import` and `mailbot report` through the command line, on a real SQLite store.

The import round trip is the strongest check the history import can have: the quarterly alert
log of a known store, written as CSV, imported into an empty store with a mapping for its own
columns, gives back the same log and the same figures.
"""

from __future__ import annotations

import email
import io
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from mailbot import reports as r
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo

from test_reports import A2, A4, QUARTER_SET, at

LOG_MAPPING = {
    "columns": {
        "reference": "Reference", "child_ids": "Child ID", "raised": "Date raised", "process": "Process",
        "iro": "IRO", "team": "Team", "categories": "Categories", "stage_reached": "Stage reached",
        "concluded": "Date concluded", "stage_resolved": "Stage resolved", "outcome": "Outcome",
    },
    "stage_dates": {0: "Date informal", 1: "Date stage 1", 2: "Date stage 2", 3: "Date stage 3", 4: "Date stage 4"},
    "date_formats": ["%Y-%m-%d"],
    "separator": ";",
}
WHOLE = ["--from", "2026-12-01", "--to", "2027-07-31"]
LATER = "2027-08-02T09:00"


def make_dir(tmp_path: Path, root: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copyfile(root / "config.yaml", folder / "config.yaml")
    return folder


def run(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(folder / "config.yaml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def source(tmp_path: Path, root: Path) -> Path:
    """A store holding the hand-computed alerts of test_reports."""
    folder = make_dir(tmp_path, root, "source")
    bot = Mailbot(load_config(folder / "config.yaml"))
    with bot.sessions.begin() as session:
        for a in QUARTER_SET:
            repo.save_alert(session, a)
    return folder


def write_mapping(folder: Path, data: dict) -> Path:
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_import_round_trip_gives_the_same_log_and_figures(capsys, tmp_path: Path, root: Path, source: Path) -> None:
    log_csv = tmp_path / "log.csv"
    code, out, err = run(capsys, source, "--now", LATER, "report", "quarterly", *WHOLE, "--out", str(log_csv))
    assert code == 0, err
    target = make_dir(tmp_path, root, "target")
    mapping = write_mapping(target, LOG_MAPPING)

    code, out, err = run(capsys, target, "--now", LATER, "import", str(log_csv), "--mapping", str(mapping), "--dry-run")
    assert code == 0, out + err
    assert out.count("would create: ") == 6 and "nothing was written" in out
    assert Mailbot(load_config(target / "config.yaml")).alerts() == []

    code, out, err = run(capsys, target, "--now", LATER, "import", str(log_csv), "--mapping", str(mapping))
    assert code == 0, out + err
    assert "imported 6 alert(s) from 8 row(s)" in out

    bots = [Mailbot(load_config(f / "config.yaml")) for f in (source, target)]
    now = datetime.fromisoformat(LATER).replace(tzinfo=at(2027, 1, 1).tzinfo)
    for period in (r.parse_period("2027Q2"), r.parse_period("2027Q1"), r.parse_period("2026Q4")):
        before, after = (b.quarterly(now, period) for b in bots)
        for name in ("Alert log", "By category", "By stage reached", "By stage resolved", "By team",
                     "Working days", "Cafcass"):
            assert after.table(name).rows == before.table(name).rows, (period.label, name)
        # The spreadsheet holds no responses or deadlines: imported alerts are left out of both.
        skip = {"Responses on time", "Deadlines lapsed with no response"}
        assert [f for f in after.summary if f[0] not in skip] == [f for f in before.summary if f[0] not in skip]
        assert after.table("On time").rows == []

    imported = bots[1]
    with imported.sessions() as session:
        assert sorted(repo.imported_refs(session)) == sorted(a.ref for a in QUARTER_SET)
        history = [h.detail for h in repo.audit_for(session, A2.ref)]
        assert history == ["imported from log.csv rows 3, 4"]  # row 2 is A4, raised in December
        # New alerts get references after the imported ones.
        assert repo.next_ref(session, "DRP", 2027) == "DRP-2027-0007"
    a4 = {a.ref: a for a in imported.alerts()}[A4.ref]
    assert a4.status.value == "cafcass" and a4.stage == 1 and len(a4.episodes) == 1  # a bypass: no informal

    # Importing again changes nothing: every reference is already there.
    code, out, err = run(capsys, target, "--now", LATER, "import", str(log_csv), "--mapping", str(mapping))
    assert code == 2 and "DRP-2027-0002 is already in the store" in out
    assert err.strip().endswith("nothing was imported")


SAMPLE_HEADER = "Ref,Child ID,Date raised,IRO,Team,Theme,Stage reached,Date concluded,Outcome,Notes\n"


def test_a_bad_row_imports_nothing_and_dry_run_lists_every_reason(capsys, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "bad")
    mapping = write_mapping(folder, {
        "columns": {"reference": "Ref", "child_ids": "Child ID", "raised": "Date raised", "iro": "IRO", "team": "Team",
                    "categories": "Theme", "stage_reached": "Stage reached", "concluded": "Date concluded",
                    "outcome": "Outcome"},
        "process": "lac",
        "categories": {"drift": "Significant drift in permanence planning"},
    })
    sheet = folder / "old.csv"
    sheet.write_text(SAMPLE_HEADER
                     + "A-1,1234567,01/10/2026,Sam Okafor,Children in Care North,Drift,Informal,09/10/2026,Resolved,\n"
                     + "A-2,Jayden Smith,02/10/2026,Sam Okafor,Children in Care North,Drift,Stage 1,,Open,\n"
                     + "A-3,1234568,31/02/2026,Sam Okafor,Children in Care North,Drift,Stage 1,,Open,\n"
                     + "A-4,1234569,05/10/2026,Nobody,Children in Care North,Drift,Stage 1,,Open,\n"
                     + "A-5,1234570,05/10/2026,Sam Okafor,Children in Care North,Weather,Stage 9,,Open,\n"
                     + "A-6,1234571,05/10/2026,Sam Okafor,Children in Care North,Drift,Stage 1,,Resolved,\n")
    code, out, err = run(capsys, folder, "--now", LATER, "import", str(sheet), "--mapping", str(mapping), "--dry-run")
    assert code == 1
    assert "would create: A-1  lac  raised 2026-10-01  1 child  reached Pre-Dispute Resolution  resolved 2026-10-09" in out
    lines = [line for line in out.splitlines() if line.startswith("cannot read: ")]
    assert lines == [
        "cannot read: old.csv row 3: child ID 'Jayden' does not match the case-ID pattern of authority.case_id_pattern",
        "cannot read: old.csv row 4: date raised '31/02/2026' is not a date in any of the formats "
        + ", ".join(("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%d/%m/%y")),
        "cannot read: old.csv row 5: IRO 'Nobody' is not in the directory (map the name to an e-mail under people: in the mapping)",
        "cannot read: old.csv row 6: category 'Weather' is not one of the Looked after children categories"
        " (add it under categories: in the mapping)",
        "cannot read: old.csv row 7: outcome is resolved but there is no date concluded",
    ]
    # A child's name never reaches the output beyond the reason naming the bad cell's first word.
    code, out, err = run(capsys, folder, "--now", LATER, "import", str(sheet), "--mapping", str(mapping))
    assert code == 2
    assert err.strip() == f"mailbot: error: {sheet}: 5 row(s) could not be read (listed above); nothing was imported"
    assert Mailbot(load_config(folder / "config.yaml")).alerts() == []  # not even A-1


def test_import_from_xlsx_with_real_dates_and_numeric_ids(capsys, tmp_path: Path, root: Path) -> None:
    folder = make_dir(tmp_path, root, "xlsx")
    book = Workbook()
    ws = book.active
    ws.title = "Alerts"
    ws.append(["Ref", "Child ID", "Date raised", "IRO", "Team", "Theme", "Stage reached", "Date concluded", "Outcome"])
    ws.append(["LBC-7", 1234567, datetime(2026, 10, 1), "sam.iro@luton.example.gov.uk", "Children in Care South",
               "Key documentation missing", "Stage 2", datetime(2026, 10, 20), "Withdrawn"])
    ws.append(["LBC-7", 1234568, None, None, None, None, None, None, None])  # a sibling's row
    path = folder / "old.xlsx"
    book.save(path)
    mapping = write_mapping(folder, {"sheet": "Alerts", "process": "lac", "columns": {
        "reference": "Ref", "child_ids": "Child ID", "raised": "Date raised", "iro": "IRO", "team": "Team",
        "categories": "Theme", "stage_reached": "Stage reached", "concluded": "Date concluded", "outcome": "Outcome"}})
    code, out, err = run(capsys, folder, "--now", LATER, "import", str(path), "--mapping", str(mapping))
    assert code == 0, out + err
    (a,) = Mailbot(load_config(folder / "config.yaml")).alerts()
    assert (a.ref, a.children, a.status.value, a.stage, a.anchor) == (
        "LBC-7", ("1234567", "1234568"), "withdrawn", 2, "lee.tm@luton.example.gov.uk")


@pytest.mark.parametrize("args, message", [
    (["import", "missing.csv", "--mapping", "m.yaml"], "--mapping: no such file m.yaml"),
    (["report", "quarterly", "--period", "2027Q9"],
     "--period: '2027Q9' is not a period: use 2026Q4, FY2026 (April-March) or 2027-05"),
    (["report", "quarterly", "--from", "2027-04-01"], "report: --from and --to go together (dates as YYYY-MM-DD)"),
    (["report", "quarterly", "--from", "2027-04-01", "--to", "1 May"], "--to: '1 May' is not a date, e.g. 2026-10-01"),
    (["report", "quarterly", "--out", "x.pdf"], "--out: x.pdf: the quarterly analysis is written as .xlsx or .csv"),
    (["report", "digest", "--period", "2027Q1"],
     "report digest: the digest is for the day of --now; --period/--from/--to do not apply"),
])
def test_bad_report_and_import_input_is_one_line(capsys, tmp_path: Path, root: Path, args, message) -> None:
    folder = make_dir(tmp_path, root, "cli")
    code, out, err = run(capsys, folder, "--now", LATER, *args)
    assert code == 2
    assert err.strip() == f"mailbot: error: {message}"


def test_report_commands_print_write_and_send(capsys, tmp_path: Path, source: Path) -> None:
    code, out, _ = run(capsys, source, "--now", LATER, "report", "quarterly", "--period", "2027Q2")
    assert code == 0 and "Alerts raised:" in out and "== Alerts resolved in 2027Q2" in out
    xlsx = tmp_path / "q2.xlsx"
    code, out, _ = run(capsys, source, "--now", LATER, "report", "quarterly", "--period", "2027Q2", "--out", str(xlsx))
    assert code == 0 and load_workbook(xlsx)["Summary"]["B5"].value == 4  # alerts raised

    code, out, _ = run(capsys, source, "--now", "2027-06-02T08:30", "report", "digest", "--out", str(tmp_path / "d.html"))
    assert code == 0 and "DRP-2027-0006" in (tmp_path / "d.html").read_text()
    code, out, _ = run(capsys, source, "--now", "2027-06-02T08:30", "report", "monthly", "--out", str(tmp_path / "m"))
    assert code == 0 and (tmp_path / "m" / "monthly-robin-dd.html").is_file()
    assert (tmp_path / "m" / "monthly-lee-tm.txt").read_text().count("DRP-2027-0006") == 1

    code, out, _ = run(capsys, source, "--now", LATER, "report", "quarterly", "--period", "2027Q2", "--send")
    assert code == 0 and out.strip() == "quarterly analysis queued for priya.qa@luton.example.gov.uk"
    code, out, _ = run(capsys, source, "--now", LATER, "report", "quarterly", "--period", "2027Q2", "--send")
    code, out, _ = run(capsys, source, "--now", LATER, "report", "monthly", "--period", "2027-07", "--send")
    assert code == 0 and "robin.dd@luton.example.gov.uk" in out
    code, out, _ = run(capsys, source, "--now", LATER, "send")
    assert code == 0
    sent = [email.message_from_bytes(p.read_bytes()) for p in (source / "var" / "outbox" / "new").iterdir()]
    quarterly = [m for m in sent if "quarterly analysis 2027Q2" in m["Subject"]]
    assert len(quarterly) == 1  # queued twice, sent once
    assert quarterly[0]["Auto-Submitted"] == "auto-generated"
    (part,) = [p for p in quarterly[0].walk() if p.get_filename()]
    assert part.get_filename() == "drp-alerts-2027Q2.xlsx"
    assert load_workbook(io.BytesIO(part.get_payload(decode=True)))["Summary"]["B5"].value == 4
    summaries = [m for m in sent if "monthly summary 2027-07" in m["Subject"]]
    assert [m["To"] for m in summaries] == ["robin.dd@luton.example.gov.uk"]
