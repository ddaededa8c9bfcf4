"""`mailbot import` stores what the spreadsheet says, field for field, in a few statements.

Issue 13 made the import write in bulk (a few executemany statements per thousand alerts, no
query per row). These tests hold what it stores, on a real SQLite file and (slow) on a real
PostgreSQL: for a file in the shape of examples/import, with siblings on adjacent and on distant
rows, two IDs in one cell, every rung of the ladder, open alerts before and past their formal
cap, resolved, withdrawn and Cafcass ones, and references of three years into a store that
already holds an alert and a counter. The expected dates are worked out by hand from the Luton
ladder (informal 10 working days, CP informal 2, each stage 5) and the English bank holidays;
they are written next to each row.

How fast it goes is measured by bench/import_rows.py, not here.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import event, select

from mailbot import domain as d
from mailbot.config import config_from_data
from mailbot.importer import import_file
from mailbot.service import Mailbot
from store import repository as repo
from store.models import AlertRow, RefCounterRow

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 8, 2, 9, 0, tzinfo=LONDON)
MAPPING = Path(__file__).resolve().parent.parent / "examples" / "import" / "mapping.yaml"

HEADER = ("Ref,Child ID,Date raised,Process,IRO,Team,Theme,Stage reached,Stage 1 date,Stage 2 date,Stage 3 date,"
          "Stage 4 date,Date concluded,Stage resolved,Outcome,Notes (not imported)\n")
ROWS = [
    # row 2-3: reached the Assistant Director, resolved there; a sibling's row left blank.
    "DRP-2026-0042,1200101,02/11/2026,lac,Sam Okafor,CiC North,Drift,AD,09/11/2026,16/11/2026,23/11/2026,,"
    "18/12/2026,AD,Closed - resolved,",
    "DRP-2026-0042,1200102,,,,,,,,,,,,,,",
    # row 4: still open at stage 2, formally started 12/10/2026: long past the 20-day cap.
    "DRP-2026-0007,1200103,05/10/2026,lac,Jo Reid,CiC South,Missing documents; Visits,SM,12/10/2026,19/10/2026,,,,,"
    "Ongoing,",
    # row 5 (and row 9, a sibling further down repeating the row): open at stage 1 since 19/07/2027.
    "DRP-2027-0003,1200104,12/07/2027,lac,Sam O,CiC North,Review decisions,TM,19/07/2027,,,,,,Ongoing,",
    # row 6: child protection, withdrawn at the informal stage.
    "DRP-2026-0100,1200106,16/11/2026,cp,Alex Morgan,Child Protection East,Key documentation missing,Pre-DRP,,,,,"
    "17/11/2026,,Closed - withdrawn,",
    # row 7: every stage, over Christmas 2026, then referred to Cafcass.
    "DRP-2026-0101,1200107,23/11/2026,lac,Jo Reid,CiC South,Significant safeguarding concern,Director,30/11/2026,"
    "07/12/2026,14/12/2026,21/12/2026,04/01/2027,,Referred to CAFCASS,",
    # row 8: the authority's own numbering (no counter to raise), two siblings in one cell, an IRO who has left.
    "LBC-0009,1200108; 1200109,01/10/2026,lac,Former IRO,CiC South,Visits,Pre-DRP,,,,,09/10/2026,Pre-DRP,"
    "Closed - resolved,",
    "DRP-2027-0003,1200105,12/07/2027,lac,Sam O,CiC North,Review decisions,TM,19/07/2027,,,,,,Ongoing,",
    # row 10: an earlier year.
    "DRP-2025-0009,1200110,03/03/2025,lac,Jo Reid,CiC South,Drift,TM,10/03/2025,,,,14/03/2025,TM,Closed - resolved,",
]

SAM, JO, FORMER, ALEX = ("sam.iro@luton.example.gov.uk", "jo.iro@luton.example.gov.uk",
                         "former.iro@luton.example.gov.uk", "alex.cpchair@luton.example.gov.uk")
DANA, LEE, RUTH = "dana.tm@luton.example.gov.uk", "lee.tm@luton.example.gov.uk", "ruth.tm@luton.example.gov.uk"
MORGAN, JAMIE, PAT = ("morgan.sm@luton.example.gov.uk", "jamie.ad@luton.example.gov.uk",
                      "pat.director@luton.example.gov.uk")


def noon(day: int, month: int, year: int) -> datetime:
    """Imported dates carry no time: each is stored as noon, London time, of its day."""
    return datetime(year, month, day, 12, 0, tzinfo=LONDON)


def rung(stage, responder, started, due, ended=None, outcome=None) -> d.Episode:
    return d.Episode(stage=stage, step=d.STEP_STAGE, responder=responder, started=started, due=due,
                     reminder_sent=False, lapsed=False, responded_at=None, ended=ended, outcome=outcome)


def make_bot(tmp_path: Path, root: Path, store_url: str) -> Mailbot:
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["store"] = {"url": store_url}
    return Mailbot(config_from_data(data, base_dir=tmp_path))


def write_sheet(folder: Path, rows: list[str]) -> Path:
    sheet = folder / "before-mailbot.csv"
    sheet.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return sheet


def test_import_stores_alerts_children_rungs_audit_and_counters(tmp_path: Path, root: Path, store_url: str) -> None:
    bot = make_bot(tmp_path, root, store_url)
    # The store already holds a live alert, its audit line, and a 2026 counter past the file's numbers.
    earlier = d.Alert(ref="DRP-2026-0120", process="lac", status=d.Status.OPEN, raised_by=SAM, anchor=DANA,
                      children=("1299999",), categories=(), opened=noon(1, 7, 2027),
                      episodes=(rung(0, DANA, noon(1, 7, 2027), date(2027, 7, 15)),))
    with bot.sessions.begin() as session:
        repo.save_alert(session, earlier)
        repo.add_audit(session, at=noon(1, 7, 2027), actor=SAM, action="raised", detail="by mail",
                       alert_ref=earlier.ref)
        repo.raise_ref_counter(session, 2026, 120)

    plan, written = import_file(bot, write_sheet(tmp_path, ROWS), MAPPING, NOW, dry_run=False)
    assert (written, plan.errors) == (True, [])

    with bot.sessions() as session:
        stored = {row.ref: row for row in session.scalars(select(AlertRow).order_by(AlertRow.id))}
        alerts = {ref: repo.load_alert(session, ref) for ref in stored}
        audit = {ref: [(a.at, a.actor, a.action, a.detail) for a in repo.audit_for(session, ref)] for ref in stored}
        counters = {c.year: c.last for c in session.scalars(select(RefCounterRow))}

    # One alert per reference, in the order the file first names them, after the one already there.
    assert list(stored) == ["DRP-2026-0120", "DRP-2026-0042", "DRP-2026-0007", "DRP-2027-0003", "DRP-2026-0100",
                            "DRP-2026-0101", "LBC-0009", "DRP-2025-0009"]
    assert alerts["DRP-2026-0120"] == earlier and not stored["DRP-2026-0120"].imported
    assert all(stored[ref].imported for ref in list(stored)[1:])

    # Resolved at the Assistant Director: informal (10 working days), then stages 1-3 (5 each).
    assert alerts["DRP-2026-0042"] == d.Alert(
        ref="DRP-2026-0042", process="lac", status=d.Status.RESOLVED, raised_by=SAM, anchor=DANA,
        children=("1200101", "1200102"), categories=("Significant drift in permanence planning",),
        opened=noon(2, 11, 2026),
        episodes=(rung(0, DANA, noon(2, 11, 2026), date(2026, 11, 16), noon(9, 11, 2026), "escalated"),
                  rung(1, DANA, noon(9, 11, 2026), date(2026, 11, 16), noon(16, 11, 2026), "escalated"),
                  rung(2, MORGAN, noon(16, 11, 2026), date(2026, 11, 23), noon(23, 11, 2026), "escalated"),
                  rung(3, JAMIE, noon(23, 11, 2026), date(2026, 11, 30), noon(18, 12, 2026), "resolved")),
        closed=noon(18, 12, 2026), resolved_at_stage=3, formal_started=noon(9, 11, 2026))

    # Open at stage 2; formally started 12/10/2026, so the cap is history: recorded as breached,
    # and with no deadline running (open: waiting for the IRO) nothing is ever due.
    assert alerts["DRP-2026-0007"] == d.Alert(
        ref="DRP-2026-0007", process="lac", status=d.Status.OPEN, raised_by=JO, anchor=LEE, children=("1200103",),
        categories=("Key documentation missing", "Failure to visit as required by regulations/internal protocol"),
        opened=noon(5, 10, 2026),
        episodes=(rung(0, LEE, noon(5, 10, 2026), date(2026, 10, 19), noon(12, 10, 2026), "escalated"),
                  rung(1, LEE, noon(12, 10, 2026), date(2026, 10, 19), noon(19, 10, 2026), "escalated"),
                  rung(2, MORGAN, noon(19, 10, 2026), date(2026, 10, 26))),
        formal_started=noon(12, 10, 2026), cap_breached=True)
    assert stored["DRP-2026-0007"].next_due_at == repo.NEVER_DUE

    # Open at stage 1 since Monday 19/07/2027: 10 working days used by 02/08; the cap (20) is
    # breached on the 21st working day, Tuesday 17/08/2027, so the sweep must look at it from the
    # end of Monday 16/08 (the first instant of the 17th). Its siblings sit on rows 5 and 9.
    assert alerts["DRP-2027-0003"] == d.Alert(
        ref="DRP-2027-0003", process="lac", status=d.Status.OPEN, raised_by=SAM, anchor=DANA,
        children=("1200104", "1200105"), categories=("Non-implementation of review decisions",),
        opened=noon(12, 7, 2027),
        episodes=(rung(0, DANA, noon(12, 7, 2027), date(2027, 7, 26), noon(19, 7, 2027), "escalated"),
                  rung(1, DANA, noon(19, 7, 2027), date(2027, 7, 26))),
        formal_started=noon(19, 7, 2027))
    assert stored["DRP-2027-0003"].next_due_at == datetime(2027, 8, 17, 0, 0, tzinfo=LONDON)

    # Child protection: informal is 2 working days; the CP team's manager answers.
    assert alerts["DRP-2026-0100"] == d.Alert(
        ref="DRP-2026-0100", process="cp", status=d.Status.WITHDRAWN, raised_by=ALEX, anchor=RUTH,
        children=("1200106",), categories=("Key documentation missing",), opened=noon(16, 11, 2026),
        episodes=(rung(0, RUTH, noon(16, 11, 2026), date(2026, 11, 18), noon(17, 11, 2026), "withdrawn"),),
        closed=noon(17, 11, 2026))

    # Every rung; stage 4 from Monday 21/12/2026 skips Christmas Day (Fri 25th) and Boxing Day's
    # substitute (Mon 28th): 22, 23, 24, 29, 30 December.
    assert alerts["DRP-2026-0101"] == d.Alert(
        ref="DRP-2026-0101", process="lac", status=d.Status.CAFCASS, raised_by=JO, anchor=LEE, children=("1200107",),
        categories=("Significant safeguarding concern",), opened=noon(23, 11, 2026),
        episodes=(rung(0, LEE, noon(23, 11, 2026), date(2026, 12, 7), noon(30, 11, 2026), "escalated"),
                  rung(1, LEE, noon(30, 11, 2026), date(2026, 12, 7), noon(7, 12, 2026), "escalated"),
                  rung(2, MORGAN, noon(7, 12, 2026), date(2026, 12, 14), noon(14, 12, 2026), "escalated"),
                  rung(3, JAMIE, noon(14, 12, 2026), date(2026, 12, 21), noon(21, 12, 2026), "escalated"),
                  rung(4, PAT, noon(21, 12, 2026), date(2026, 12, 30), noon(4, 1, 2027), "cafcass")),
        closed=noon(4, 1, 2027), formal_started=noon(30, 11, 2026), cafcass_at=noon(4, 1, 2027))

    assert alerts["LBC-0009"] == d.Alert(
        ref="LBC-0009", process="lac", status=d.Status.RESOLVED, raised_by=FORMER, anchor=LEE,
        children=("1200108", "1200109"),
        categories=("Failure to visit as required by regulations/internal protocol",), opened=noon(1, 10, 2026),
        episodes=(rung(0, LEE, noon(1, 10, 2026), date(2026, 10, 15), noon(9, 10, 2026), "resolved"),),
        closed=noon(9, 10, 2026), resolved_at_stage=0)
    assert alerts["DRP-2025-0009"].episodes[-1] == rung(1, LEE, noon(10, 3, 2025), date(2025, 3, 17),
                                                        noon(14, 3, 2025), "resolved")
    for ref in ("DRP-2026-0042", "DRP-2026-0100", "DRP-2026-0101", "LBC-0009", "DRP-2025-0009"):
        assert stored[ref].next_due_at == repo.NEVER_DUE, ref  # closed: never due

    # One audit line per imported alert naming its rows; the earlier alert's history untouched.
    rows_of = {"DRP-2026-0042": "rows 2, 3", "DRP-2026-0007": "row 4", "DRP-2027-0003": "rows 5, 9",
               "DRP-2026-0100": "row 6", "DRP-2026-0101": "row 7", "LBC-0009": "row 8", "DRP-2025-0009": "row 10"}
    for ref, where in rows_of.items():
        assert audit[ref] == [(NOW, "mailbot import", "imported", f"imported from before-mailbot.csv {where}")]
    assert audit["DRP-2026-0120"] == [(noon(1, 7, 2027), SAM, "raised", "by mail")]

    # Counters: raised to the highest number of each year, never lowered (2026 was already 120).
    assert counters == {2025: 9, 2026: 120, 2027: 3}
    with bot.sessions.begin() as session:
        assert [repo.next_ref(session, "DRP", year) for year in (2025, 2026, 2027)] == [
            "DRP-2025-0010", "DRP-2026-0121", "DRP-2027-0004"]


def test_an_alert_already_stored_or_a_bad_row_writes_nothing(tmp_path: Path, root: Path, store_url: str) -> None:
    bot = make_bot(tmp_path, root, store_url)
    plan, written = import_file(bot, write_sheet(tmp_path, ROWS[:2]), MAPPING, NOW, dry_run=False)
    assert written
    # Again, with new rows after it: the reference already stored and a bad date are both
    # reported, by row, and none of the good rows is written either.
    rows = ROWS + ["DRP-2026-0300,1200111,31/02/2026,lac,Jo Reid,CiC South,Drift,TM,,,,,,,Ongoing,"]
    plan, written = import_file(bot, write_sheet(tmp_path, rows), MAPPING, NOW, dry_run=False)
    assert not written
    assert [(e.row, e.reason) for e in plan.errors] == [
        (2, "DRP-2026-0042 is already in the store"), (3, "DRP-2026-0042 is already in the store"),
        (11, "date raised '31/02/2026' is not a date in any of the formats %d/%m/%Y, %Y-%m-%d")]
    with bot.sessions() as session:
        assert [r.ref for r in session.scalars(select(AlertRow))] == ["DRP-2026-0042"]
        assert len(repo.audit_since(session, 0)) == 1
        assert {c.year: c.last for c in session.scalars(select(RefCounterRow))} == {2026: 42}


def many_rows(count: int) -> list[str]:
    """``count`` alerts of two rows each (a sibling on the second), every fourth one open."""
    rows = []
    for n in range(count):
        ref, child = f"DRP-2026-{n + 1:05d}", 1_300_000 + 2 * n
        if n % 4:
            first = (f"{ref},{child},05/10/2026,lac,Jo Reid,CiC South,Drift,SM,12/10/2026,19/10/2026,,,23/10/2026,SM,"
                     "Closed - resolved,")
        else:
            first = f"{ref},{child},12/07/2027,lac,Sam O,CiC North,Visits,TM,19/07/2027,,,,,,Ongoing,"
        rows += [first, f"{ref},{child + 1},,,,,,,,,,,,,,"]
    return rows


def test_the_number_of_statements_does_not_grow_with_the_rows(tmp_path: Path, root: Path) -> None:
    """No query per row (issue 13): 40 alerts and 400 take the same statements (a batch is a
    thousand alerts); the import before issue 13 took about seven per alert."""
    counts = []
    for count in (40, 400):
        folder = tmp_path / str(count)
        folder.mkdir()
        bot = make_bot(folder, root, f"sqlite:///{folder / 'store.db'}")
        statements: list[str] = []
        engine = bot.sessions.kw["bind"]
        event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: statements.append(sql))
        plan, written = import_file(bot, write_sheet(folder, many_rows(count)), MAPPING, NOW, dry_run=False)
        counts.append(len(statements))
        assert written and len(plan.alerts) == count
        with bot.sessions() as session:
            assert len(repo.list_alerts(session)) == count
            assert sum(len(a.children) for a in repo.list_alerts(session)) == 2 * count
            assert len(repo.audit_since(session, 0)) == count
    assert counts[0] == counts[1], counts
    assert counts[0] < 20, counts


def test_a_dry_run_reads_the_same_file_and_writes_nothing(tmp_path: Path, root: Path) -> None:
    bot = make_bot(tmp_path, root, f"sqlite:///{tmp_path / 'store.db'}")
    plan, written = import_file(bot, write_sheet(tmp_path, ROWS), MAPPING, NOW, dry_run=True)
    assert not written and len(plan.alerts) == 7 and plan.errors == []
    with bot.sessions() as session:
        assert repo.list_alerts(session) == [] and repo.last_audit_id(session) == 0
        assert session.scalars(select(RefCounterRow)).all() == []
