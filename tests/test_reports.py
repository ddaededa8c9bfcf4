"""The Business Manager's figures, checked against hand-computed expectations.

A known set of alerts is built directly as domain objects on the embedded default (Luton). Every
deadline in it was worked out by hand across the bank holidays it spans — Christmas 2026 (Fri 25
and the substitute Boxing Day Mon 28 Dec), Easter 2027 (Good Friday 26 and Easter Monday 29 Mar),
Early May (Mon 3 May 2027) and Spring (Mon 31 May 2027) — and across quarter boundaries;
``test_fixture_deadlines_are_the_calendars`` checks each against the working-day calendar, so
the fixture itself is not taken on trust.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from mailbot import domain as d
from mailbot import reports as r
from mailbot.config import load_config
from mailbot.notices import Renderer
from mailbot.service import calendar_for

from domain_support import ALEX, DANA, DEFAULT_CONFIG, JO, LEE, MORGAN, RUTH, SAM, default_data
from mailbot.config import config_from_data

LONDON = ZoneInfo("Europe/London")
CONFIG = load_config(DEFAULT_CONFIG)
CAL = calendar_for(CONFIG)
DRIFT = "Significant drift in permanence planning"
DOCS = "Key documentation missing"
SAFE = "Significant safeguarding concern"
REVIEW = "Non-implementation of review decisions"


def at(y: int, m: int, day: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, day, hh, mm, tzinfo=LONDON)


def ep(stage: int, who: str, started: datetime, due: date, *, responded: datetime | None = None,
       ended: datetime | None = None, outcome: str | None = None, lapsed: bool = False) -> d.Episode:
    return d.Episode(stage, d.STEP_STAGE, who, started, due, responded_at=responded, ended=ended,
                     outcome=outcome, lapsed=lapsed)


def alert(ref: str, status: d.Status, episodes: list[d.Episode], children: tuple[str, ...], categories: tuple[str, ...],
          anchor: str, raised_by: str = SAM, process: str = "lac", closed: datetime | None = None,
          resolved_at: int | None = None) -> d.Alert:
    formal = [e.started for e in episodes if e.stage > 0]
    return d.Alert(
        ref=ref, process=process, status=status, raised_by=raised_by, anchor=anchor, children=children,
        categories=categories, opened=episodes[0].started, episodes=tuple(episodes), closed=closed,
        resolved_at_stage=resolved_at, formal_started=formal[0] if formal else None,
        cafcass_at=closed if status is d.Status.CAFCASS else None,
    )


# A1: Fri 30 Apr 2027, informal (10 working days, over Early May) -> due Mon 17 May; answered
# Tue 4 May; resolved informally Wed 5 May: 2 working days (4, 5 May).
A1 = alert("DRP-2027-0001", d.Status.RESOLVED,
           [ep(0, DANA, at(2027, 4, 30), date(2027, 5, 17), responded=at(2027, 5, 4, 11), ended=at(2027, 5, 5, 12),
               outcome="resolved")],
           ("1000001",), (DOCS,), DANA, closed=at(2027, 5, 5, 12), resolved_at=0)
# A2: Thu 25 Mar 2027 (Q1), informal over Easter -> due Mon 12 Apr; escalated Fri 9 Apr (Q2) to
# Stage 1 -> due Fri 16 Apr, answered Mon 19 Apr (late); escalated Tue 20 Apr to Stage 2 -> due
# Tue 27 Apr, answered 27 Apr 16:00 (on time); resolved Wed 28 Apr at Stage 2: 22 working days.
A2 = alert("DRP-2027-0002", d.Status.RESOLVED,
           [ep(0, LEE, at(2027, 3, 25), date(2027, 4, 12), ended=at(2027, 4, 9), outcome="escalated"),
            ep(1, LEE, at(2027, 4, 9), date(2027, 4, 16), responded=at(2027, 4, 19, 9), ended=at(2027, 4, 20),
               outcome="escalated"),
            ep(2, MORGAN, at(2027, 4, 20), date(2027, 4, 27), responded=at(2027, 4, 27, 16), ended=at(2027, 4, 28),
               outcome="resolved")],
           ("1000002", "1000003"), (DRIFT, DOCS), LEE, raised_by=JO, closed=at(2027, 4, 28), resolved_at=2)
# A3: CP, Wed 26 May 2027 15:00, informal 2 working days -> Fri 28 May, no answer; escalated Tue
# 1 Jun (after the Spring bank holiday) to Stage 1 -> due Tue 8 Jun; still open.
A3 = alert("DRP-2027-0003", d.Status.AWAITING_RESPONSE,
           [ep(0, RUTH, at(2027, 5, 26, 15), date(2027, 5, 28), ended=at(2027, 6, 1, 9), outcome="escalated", lapsed=True),
            ep(1, RUTH, at(2027, 6, 1, 9), date(2027, 6, 8))],
           ("1000007",), (DOCS,), RUTH, raised_by=ALEX, process="cp")
# A4: Mon 21 Dec 2026 straight to Stage 1 -> over Christmas due Wed 30 Dec; answered Mon 4 Jan
# 2027 (late); referred to Cafcass Mon 11 Jan 2027 (Q1): 12 working days.
A4 = alert("DRP-2026-0004", d.Status.CAFCASS,
           [ep(1, DANA, at(2026, 12, 21), date(2026, 12, 30), responded=at(2027, 1, 4), ended=at(2027, 1, 11),
               outcome="cafcass")],
           ("1000004",), (SAFE,), DANA, closed=at(2027, 1, 11))
# A5: Tue 6 Apr 2027 informal -> due Tue 20 Apr; withdrawn Wed 7 Apr (no response was owed).
A5 = alert("DRP-2027-0005", d.Status.WITHDRAWN,
           [ep(0, DANA, at(2027, 4, 6), date(2027, 4, 20), ended=at(2027, 4, 7), outcome="withdrawn")],
           ("1000005",), (SAFE,), DANA, closed=at(2027, 4, 7))
# A6: Mon 17 May 2027 straight to Stage 2 (Lee's team) -> due Mon 24 May; lapsed, open.
A6 = alert("DRP-2027-0006", d.Status.OPEN,
           [ep(2, MORGAN, at(2027, 5, 17), date(2027, 5, 24), lapsed=True)],
           ("1000008", "1000009"), (REVIEW,), LEE)
# For the digest of Wed 2 Jun 2027 08:30 (the last one went out Tue 1 Jun 08:30):
# A7: Tue 25 May Stage 1 -> due Wed 2 Jun (today). A8: Wed 26 May Stage 1 -> due Thu 3 Jun (next
# working day). A9: Mon 24 May Stage 1 -> due Tue 1 Jun, answered Fri 28 May: the IRO decides.
# A10: Thu 27 May informal, resolved Tue 1 Jun 15:00. A11: Mon 10 May Stage 2 -> due Mon 17 May,
# lapsed: 11 working days overdue on 2 Jun (A6: 6).
A7 = alert("DRP-2027-0007", d.Status.AWAITING_RESPONSE, [ep(1, LEE, at(2027, 5, 25), date(2027, 6, 2))],
           ("1000010",), (DOCS,), LEE)
A8 = alert("DRP-2027-0008", d.Status.AWAITING_RESPONSE, [ep(1, DANA, at(2027, 5, 26), date(2027, 6, 3))],
           ("1000011",), (DOCS,), DANA)
A9 = alert("DRP-2027-0009", d.Status.RESPONSE_RECEIVED,
           [ep(1, DANA, at(2027, 5, 24), date(2027, 6, 1), responded=at(2027, 5, 28, 14))],
           ("1000012",), (DRIFT,), DANA)
A10 = alert("DRP-2027-0010", d.Status.RESOLVED,
            [ep(0, LEE, at(2027, 5, 27), date(2027, 6, 11), ended=at(2027, 6, 1, 15), outcome="resolved")],
            ("1000013",), (DRIFT,), LEE, closed=at(2027, 6, 1, 15), resolved_at=0)
A11 = alert("DRP-2027-0011", d.Status.OPEN, [ep(2, MORGAN, at(2027, 5, 10), date(2027, 5, 17), lapsed=True)],
            ("1000014",), (DRIFT,), DANA)

QUARTER_SET = [A1, A2, A3, A4, A5, A6]
DIGEST_SET = [A1, A3, A6, A7, A8, A9, A10, A11]
DIGEST_NOW = at(2027, 6, 2, 8, 30)


def test_fixture_deadlines_are_the_calendars() -> None:
    for a in QUARTER_SET + DIGEST_SET:
        process = CONFIG.processes[a.process]
        for e in a.episodes:
            days = process.informal.working_days if e.stage == 0 else process.stage(e.stage).working_days
            assert CAL.due_date(e.started, days) == e.due, (a.ref, e.stage)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize("text, start, end", [
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2027q1", date(2027, 1, 1), date(2027, 3, 31)),
    ("FY2026", date(2026, 4, 1), date(2027, 3, 31)),
    ("2027-05", date(2027, 5, 1), date(2027, 5, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
])
def test_periods(text: str, start: date, end: date) -> None:
    period = r.parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026Q5", "FY", "2027-13", "last quarter"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError):
        r.parse_period(text)


def test_default_periods_are_the_last_complete_ones() -> None:
    assert r.previous_quarter(date(2027, 1, 4)).label == "2026Q4"
    assert r.previous_quarter(date(2027, 7, 1)).label == "2027Q2"
    assert r.previous_month(date(2027, 1, 4)).label == "2026-12"


def test_percentile_is_excels_percentile_inc() -> None:
    assert r.percentile_inc([2, 22], 0.5) == 12
    assert r.percentile_inc([2, 22], 0.9) == pytest.approx(20)
    assert r.percentile_inc([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)
    assert r.percentile_inc([7], 0.9) == 7 and r.percentile_inc([], 0.5) is None


# --------------------------------------------------------------------------- quarterly


COMPLIMENTS = [r.Compliment(at(2027, 5, 10), SAM, "lac", ("1000001",)),
               r.Compliment(at(2027, 3, 31, 23, 30), SAM, "lac", ())]  # 31 Mar 23:30 London: Q1


@pytest.fixture(scope="module")
def q2() -> r.QuarterlyReport:
    return r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS, r.parse_period("2027Q2"), at(2027, 7, 5, 9))


def rows(report: r.QuarterlyReport, name: str) -> list[list]:
    return report.table(name).rows


def test_quarter_summary(q2: r.QuarterlyReport) -> None:
    f = q2.figure
    assert f("Alerts raised") == 4  # A1, A3, A5, A6 (A2 was raised in Q1)
    assert f("Children in alerts raised") == 5
    assert f("Escalations") == 3  # A2 twice in April, A3 on 1 Jun
    assert (f("Alerts concluded"), f("Resolved"), f("Withdrawn"), f("Referred to Cafcass")) == (3, 2, 1, 0)
    assert f("Open at the end of the period") == 2
    assert f("Median working days to resolution") == 12.0  # A1 2, A2 22
    assert f("90th percentile working days to resolution") == 20.0
    # 2 on time of 6 deadlines: A2's late answer and the three that lapsed (A3 twice, A6) count
    # against the share (it was "67%", 2 of the 3 responses, as if the lapsed were never due).
    assert f("Responses on time") == "33%"
    assert f("Deadlines lapsed with no response") == 3
    # Cap of 20 working days: A3 formal from 1 Jun (21 working days to 30 Jun), A6 from 17 May (31).
    assert f("Formal cap breached") == 2
    assert f("Compliments") == 1


def test_quarter_tables(q2: r.QuarterlyReport) -> None:
    assert rows(q2, "By stage resolved") == [["Pre-Dispute Resolution", 1, 1], ["Stage 2 Service Manager", 1, 2]]
    assert rows(q2, "By stage reached") == [["Pre-Dispute Resolution", 2, 2], ["Stage 1 Team Manager", 1, 1],
                                            ["Stage 2 Service Manager", 2, 4]]
    assert rows(q2, "By category") == [
        [REVIEW, "Looked after children", 1, 2],
        [f"{DOCS} (CP)", "Child protection", 1, 1],  # a name both processes use shows its process
        [f"{DOCS} (LAC)", "Looked after children", 1, 1],
        [SAFE, "Looked after children", 1, 1],
    ]
    assert rows(q2, "By team") == [
        ["Child Protection East", 1, 1, 1, 0, 1],
        ["Children in Care North", 2, 2, 0, 1, 0],
        ["Children in Care South", 1, 2, 2, 1, 1],
    ]
    assert rows(q2, "Working days") == [["All stages", 2, 12.0, 20.0, 2, 22],
                                        ["Pre-Dispute Resolution", 1, 2.0, 2.0, 2, 2],
                                        ["Stage 2 Service Manager", 1, 22.0, 22.0, 22, 22]]
    assert rows(q2, "On time") == [
        ["Pre-Dispute Resolution", 2, 1, 1, 0, 1, 0.5],  # A1 on time; A3's CP informal lapsed
        ["Stage 1 Team Manager", 2, 1, 0, 1, 1, 0.0],  # A2 late (19 Apr for 16 Apr); A3 lapsed
        ["Stage 2 Service Manager", 2, 1, 1, 0, 1, 0.5],  # A2 on time at 16:00 on its due day; A6 lapsed
    ]
    assert rows(q2, "Cafcass") == []
    assert rows(q2, "Compliments") == [[date(2027, 5, 10), "Sam Okafor", "Looked after children", 1]]


def test_alert_log_is_one_row_per_child_as_at_the_end(q2: r.QuarterlyReport) -> None:
    log = q2.table("Alert log")
    assert log.headers[:7] == r.LOG_HEADERS_START and log.headers[-5:] == r.LOG_HEADERS_END
    assert [row[:2] for row in log.rows] == [
        ["DRP-2027-0002", "1000002"], ["DRP-2027-0002", "1000003"], ["DRP-2027-0005", "1000005"],
        ["DRP-2027-0001", "1000001"], ["DRP-2027-0006", "1000008"], ["DRP-2027-0006", "1000009"],
        ["DRP-2027-0003", "1000007"],
    ]
    a2 = dict(zip(log.headers, log.rows[0]))
    assert a2 == {
        "Reference": "DRP-2027-0002", "Child ID": "1000002", "Process": "Looked after children", "IRO": "Jo Reid",
        "Team": "Children in Care South", "Categories": f"{DRIFT}; {DOCS}", "Date raised": date(2027, 3, 25),
        "Date informal": date(2027, 3, 25), "Date stage 1": date(2027, 4, 9), "Date stage 2": date(2027, 4, 20),
        "Date stage 3": None, "Date stage 4": None, "Stage reached": "Stage 2 Service Manager",
        "Date concluded": date(2027, 4, 28), "Stage resolved": "Stage 2 Service Manager", "Working days open": 22,
        "Outcome": "resolved",
    }
    a3 = dict(zip(log.headers, log.rows[-1]))
    # Open at the end of June: 1 Jun to 30 Jun after Wed 26 May = 27, 28 May + 22 June days = 24.
    # Its stage 1 deadline (8 Jun) lapsed unanswered: as at 30 Jun the CP Chair decides. The
    # words follow "open", which `mailbot import` reads back from the CSV.
    assert (a3["Outcome"], a3["Working days open"], a3["Date concluded"]) == (
        "open (overdue: waiting for the CP Chair's decision)", 24, None)


def test_quarter_boundaries_report_as_at_the_end_of_the_period() -> None:
    now = at(2027, 7, 5, 9)
    q1 = r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS, r.parse_period("2027Q1"), now)
    # A2 was raised in Q1 and escalated in April: at the end of March it was open, informal.
    assert q1.figure("Alerts raised") == 1 and q1.figure("Children in alerts raised") == 2
    assert q1.figure("Escalations") == 0 and q1.figure("Open at the end of the period") == 1
    log = {row[0]: dict(zip(q1.table("Alert log").headers, row)) for row in q1.table("Alert log").rows}
    assert log["DRP-2027-0002"]["Stage reached"] == "Pre-Dispute Resolution"
    assert log["DRP-2027-0002"]["Working days open"] == 2  # 30, 31 Mar (Good Friday, Easter Monday out)
    assert log["DRP-2027-0002"]["Date stage 1"] is None
    # A4, raised before Christmas, was referred to Cafcass on 11 Jan: 12 working days.
    assert q1.table("Cafcass").rows == [["DRP-2026-0004", 1, "Looked after children", "Sam Okafor",
                                         "Children in Care North", date(2027, 1, 11), "Stage 1 Team Manager", 12]]
    assert q1.figure("Compliments") == 1  # 23:30 on 31 Mar is still March in London

    q4 = r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS, r.parse_period("2026Q4"), now)
    assert q4.figure("Alerts raised") == 1 and q4.figure("Open at the end of the period") == 1
    a4 = dict(zip(q4.table("Alert log").headers, q4.table("Alert log").rows[0]))
    assert (a4["Outcome"], a4["Working days open"]) == (  # 22, 23, 24, 29, 30, 31 Dec
        "open (overdue: waiting for the IRO's decision)", 6)
    # Due Wed 30 Dec; its answer came on 4 Jan, after the quarter: as at 31 Dec it had lapsed.
    assert q4.table("On time").rows == [["Stage 1 Team Manager", 1, 0, 0, 0, 1, 0.0]]
    assert q4.figure("Responses on time") == "0%"

    fy = r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS, r.parse_period("FY2026"), now)
    assert fy.figure("Alerts raised") == 2 and fy.figure("Referred to Cafcass") == 1
    custom = r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS,
                                r.between(date(2027, 4, 28), date(2027, 5, 5)), now)
    assert (custom.figure("Alerts raised"), custom.figure("Resolved")) == (1, 2)  # A1 raised; A2, A1 resolved


def test_imported_alerts_are_left_out_of_on_time_figures() -> None:
    report = r.quarterly_report(CONFIG, CAL, QUARTER_SET, [], r.parse_period("2027Q2"), at(2027, 7, 5, 9),
                                imported=frozenset({"DRP-2027-0006", "DRP-2027-0003"}))
    assert report.table("On time").rows == [
        ["Pre-Dispute Resolution", 1, 1, 1, 0, 0, 1.0],
        ["Stage 1 Team Manager", 1, 1, 0, 1, 0, 0.0],
        ["Stage 2 Service Manager", 1, 1, 1, 0, 0, 1.0],
    ]


def test_xlsx_cells_and_charts(q2: r.QuarterlyReport) -> None:
    book = load_workbook(io.BytesIO(r.xlsx_bytes(q2)))
    assert book.sheetnames == ["Summary", "Alert log", "By category", "By stage reached", "By stage resolved",
                               "By team", "Working days", "On time", "Cafcass", "Compliments"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["Alerts raised"] == 4 and summary["Median working days to resolution"] == 12
    log = book["Alert log"]
    assert [c.value for c in log[3]][:3] == ["Reference", "Child ID", "Process"]
    assert log["A4"].value == "DRP-2027-0002" and log["B4"].value == "1000002"
    assert log["G4"].value.date() == date(2027, 3, 25) and log["G4"].number_format == "dd/mm/yyyy"
    assert log.max_row == 3 + 7
    stage = book["By stage resolved"]
    assert [[c.value for c in row] for row in stage.iter_rows(min_row=4, max_row=5, max_col=3)] == [
        ["Pre-Dispute Resolution", 1, 1], ["Stage 2 Service Manager", 1, 2]]
    assert book["On time"]["G4"].value == 0.5 and book["On time"]["G4"].number_format == "0%"
    for name in ("By category", "By stage reached", "By stage resolved"):
        charts = book[name]._charts
        assert len(charts) == 1 and type(charts[0]).__name__ == "BarChart", name
    for name in ("By team", "Summary", "Alert log"):
        assert book[name]._charts == []


def test_csv_is_the_alert_log_with_iso_dates(q2: r.QuarterlyReport) -> None:
    out = io.StringIO()
    r.write_csv(q2, out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Reference,Child ID,Process,IRO,Team,Categories,Date raised,Date informal")
    assert lines[1] == ("DRP-2027-0002,1000002,Looked after children,Jo Reid,Children in Care South,"
                        f"{DRIFT}; {DOCS},2027-03-25,2027-03-25,2027-04-09,2027-04-20,,,Stage 2 Service Manager,"
                        "2027-04-28,Stage 2 Service Manager,22,resolved")
    assert len(lines) == 8


# --------------------------------------------------------------------------- digest


FACTS = r.StoreFacts(
    quarantined=(r.Quarantined(at(2027, 6, 1, 16), "someone@luton.example.gov.uk", "unrecognised message"),
                 r.Quarantined(at(2027, 3, 1), "old@luton.example.gov.uk", "old")),
    failures=(r.Failure(at(2027, 6, 1, 17), "[DRP-2027-0007] reminder", ("lee.tm@luton.example.gov.uk",), "550 no"),
              r.Failure(at(2027, 4, 1), "old", ("x@luton.example.gov.uk",), "timeout")),
    queued=3,
    last_received=at(2027, 6, 2, 8, 10),
)


def test_digest_counts_and_sections() -> None:
    ctx = r.digest_context(CONFIG, CAL, DIGEST_SET, FACTS, DIGEST_NOW)
    assert ctx["since_text"] == "Tue 1 Jun 2027 08:30"
    assert ctx["counts"] == {
        "Open at Stage 1 Team Manager": 4,  # A3 (CP), A7, A8, A9
        "Open at Stage 2 Service Manager": 2,  # A6, A11
        "New since the last digest": 0,
        "Due today": 1,
        "Due next working day": 1,
        "Overdue": 2,
        "Escalated since the last digest": 1,
        "Resolved since the last digest": 1,
        "Referred to Cafcass since the last digest": 0,
        "Formal cap breached (open)": 0,
    }
    sections = {s["title"]: s["rows"] for s in ctx["sections"]}
    assert list(sections) == ["Overdue", "Due today", "Due next working day (Thursday 3 June 2027)",
                              "Responses waiting for the IRO's decision", "Escalated since the last digest",
                              "Closed since the last digest"]
    # Newest problem first: A6 lapsed on 24 May (6 working days ago, 31 May excluded), A11 on 17 May.
    assert [(row["ref"], row["days_overdue"], row["responder"]) for row in sections["Overdue"]] == [
        ("DRP-2027-0006", 6, "Morgan Ellis"), ("DRP-2027-0011", 11, "Morgan Ellis")]
    assert sections["Overdue"][0]["due_text"] == "Monday 24 May 2027"
    assert sections["Overdue"][0]["children"] == "1000008, 1000009"
    assert [row["ref"] for row in sections["Due today"]] == ["DRP-2027-0007"]
    assert [row["ref"] for row in sections["Escalated since the last digest"]] == ["DRP-2027-0003"]
    assert sections["Closed since the last digest"][0]["rung"] == "Resolved at Pre-Dispute Resolution"
    assert [n["reason"] for n in ctx["needs_a_person"]] == ["unrecognised message"]
    assert [f["error"] for f in ctx["delivery_failures"]] == ["550 no"]
    assert ctx["health"] == ("mail last received Wed 2 Jun 2027 08:10; outbox 3 waiting, 2 failed; 6 open alerts;"
                             " older than 10 working days and not listed: 1 quarantined, 1 failed")
    assert not ctx["empty"]


def test_digest_empty_day() -> None:
    ctx = r.digest_context(CONFIG, CAL, [A1], r.StoreFacts(), DIGEST_NOW)
    assert ctx["empty"] and ctx["health"].startswith("no mail received yet")


def _config(show_case_ids: bool):
    data = default_data()
    data["digest"]["show_case_ids"] = show_case_ids
    return config_from_data(data, base_dir=DEFAULT_CONFIG.parent)


ALL_CASE_IDS = sorted({c for a in DIGEST_SET for c in a.children})


@pytest.mark.parametrize("show", [True, False])
def test_digest_mail_holds_case_ids_only_when_configured(show: bool) -> None:
    config = _config(show)
    ctx = r.digest_context(config, CAL, DIGEST_SET, FACTS, DIGEST_NOW)
    subject, text, html = Renderer(config, CAL).render("digest", None, [], ctx)
    shown = [c for c in ALL_CASE_IDS if c in html or c in text]
    if show:
        assert "1000008, 1000009" in html and "Child case IDs" in html and "children: 1000014" in text
    else:
        assert shown == [] and "Child case IDs" not in html and "children:" not in text
        assert all(row["children"] == "" for s in ctx["sections"] for row in s["rows"])
    assert not any(c in subject for c in ALL_CASE_IDS)
    # Never narrative: the digest carries references, rungs, names of staff, dates and counts only.
    for word in ("PEP", "missing", "concern"):
        assert word not in html.split("Health:")[0].replace("Key documentation missing", "")


@pytest.mark.parametrize("show", [True, False])
def test_monthly_mails_hold_case_ids_only_when_configured(show: bool) -> None:
    config = _config(show)
    renderer = Renderer(config, CAL)
    morgan = config.person(MORGAN)
    mails = [renderer.render("monthly_manager", None, [], r.monthly_manager_context(config, CAL, DIGEST_SET, morgan,
                                                                                   DIGEST_NOW)),
             renderer.render("monthly_summary", None, [], r.monthly_summary_context(
                 config, CAL, DIGEST_SET, r.parse_period("2027-05"), DIGEST_NOW))]
    for subject, text, html in mails:
        assert any(c in text + html for c in ALL_CASE_IDS) == show


# --------------------------------------------------------------------------- monthly


def test_operational_managers_and_their_subtrees() -> None:
    managers = [p.email for p in r.operational_managers(CONFIG)]
    assert managers == ["dana.tm@luton.example.gov.uk", "lee.tm@luton.example.gov.uk", "ruth.tm@luton.example.gov.uk",
                        "morgan.sm@luton.example.gov.uk", "taylor.sm@luton.example.gov.uk",
                        "jamie.ad@luton.example.gov.uk", "pat.director@luton.example.gov.uk"]
    assert r.subtree(CONFIG, MORGAN) == {MORGAN, DANA, LEE}


def test_monthly_manager_lists() -> None:
    def refs(email: str) -> list[str]:
        ctx = r.monthly_manager_context(CONFIG, CAL, DIGEST_SET, CONFIG.person(email), DIGEST_NOW)
        return [row["ref"] for row in ctx["rows"]]

    # Oldest first. Dana: A11 (her team, with Morgan now), A9, A8. Lee: A6 (his team), A7.
    assert refs(DANA) == ["DRP-2027-0011", "DRP-2027-0009", "DRP-2027-0008"]
    assert refs(LEE) == ["DRP-2027-0006", "DRP-2027-0007"]
    assert refs(MORGAN) == ["DRP-2027-0011", "DRP-2027-0006", "DRP-2027-0009", "DRP-2027-0007", "DRP-2027-0008"]
    assert refs(RUTH) == ["DRP-2027-0003"]
    ctx = r.monthly_manager_context(CONFIG, CAL, DIGEST_SET, CONFIG.person(DANA), DIGEST_NOW)
    assert ctx["overdue"] == 1 and ctx["rows"][0]["days_overdue"] == 11
    assert ctx["rows"][0]["working_days_open"] == 16  # 11 May to 2 Jun, 31 May excluded


def test_monthly_summary() -> None:
    ctx = r.monthly_summary_context(CONFIG, CAL, DIGEST_SET, r.parse_period("2027-05"), DIGEST_NOW)
    assert (ctx["open_total"], ctx["overdue_total"]) == (6, 2)
    assert ctx["by_stage_rows"] == [["Stage 1 Team Manager", 4], ["Stage 2 Service Manager", 2]]
    assert ctx["by_team_rows"] == [["Child Protection East", 1, 1, 0], ["Children in Care North", 3, 3, 1],
                                   ["Children in Care South", 2, 3, 1]]
    assert [row["ref"] for row in ctx["oldest"]][:2] == ["DRP-2027-0011", "DRP-2027-0006"]
    # May 2027: raised A1 (30 Apr) no; A3, A6, A7, A8, A9, A10, A11 yes. Escalated: none in May.
    assert (ctx["raised"], ctx["escalated"], ctx["resolved"]) == (7, 0, 1)
    # Deadlines in May: A1 answered on time; A3's informal, A6 and A11 lapsed.
    # 1 on time of 4 deadlines: it used to say "100%" (1 of 1 response) beside the 3 lapsed.
    assert (ctx["on_time"], ctx["responses"], ctx["lapsed"], ctx["deadlines"], ctx["on_time_text"]) == (
        1, 1, 3, 4, "25%")


# --------------------------------------------------------------------------- honest figures (issue 10)


def _lapsed_three_on_time_one() -> list[d.Alert]:
    """May 2027: one Stage 1 answered on time, three Stage 1 deadlines that passed unanswered."""
    answered = alert("DRP-2027-0101", d.Status.RESPONSE_RECEIVED,
                     [ep(1, DANA, at(2027, 5, 4), date(2027, 5, 11), responded=at(2027, 5, 10))],
                     ("1000101",), (DOCS,), DANA)
    lapsed = [alert(f"DRP-2027-010{n}", d.Status.OPEN, [ep(1, LEE, at(2027, 5, 4), date(2027, 5, 11), lapsed=True)],
                    (f"100010{n}",), (DRIFT,), LEE) for n in (2, 3, 4)]
    return [answered, *lapsed]


def test_on_time_counts_lapsed_deadlines_against_it() -> None:
    """The share on time is on time / deadlines due. It once read "100% on time" beside three
    lapsed deadlines (on time / responses); every view of the figure is checked for that."""
    alerts = _lapsed_three_on_time_one()
    now = at(2027, 6, 2, 8, 30)
    (row,) = r.on_time_by_rung(CONFIG, CAL, alerts, r.parse_period("2027-05"), now)
    assert (row["deadlines"], row["responses"], row["on_time"], row["lapsed"]) == (4, 1, 1, 3)
    assert row["share_on_time"] == 0.25

    ctx = r.monthly_summary_context(CONFIG, CAL, alerts, r.parse_period("2027-05"), now)
    assert ctx["on_time_text"] == "25%" and ctx["on_time_rows"][0][-1] == "25%"
    _, text, html = Renderer(CONFIG, CAL).render("monthly_summary", None, [], ctx)
    for part in (text, html):
        words = re.sub(r"<[^>]*>", "", part)  # the text a reader sees, not width="100%"
        assert "100%" not in words
        assert "25%" in words and "1 of 4 deadlines" in words
        assert "3 deadlines lapsed with no response" in part

    report = r.quarterly_report(CONFIG, CAL, alerts, [], r.parse_period("2027Q2"), at(2027, 7, 5, 9))
    assert report.figure("Responses on time") == "25%"
    assert report.table("On time").rows == [["Stage 1 Team Manager", 4, 1, 1, 0, 3, 0.25]]
    assert "100%" not in r.quarterly_text(report)
    book = load_workbook(io.BytesIO(r.xlsx_bytes(report)))
    assert book["On time"]["G4"].value == 0.25


def test_on_time_says_n_a_where_nothing_was_due() -> None:
    alerts = _lapsed_three_on_time_one()
    now = at(2027, 6, 2, 8, 30)
    ctx = r.monthly_summary_context(CONFIG, CAL, alerts, r.parse_period("2027-04"), now)
    assert (ctx["deadlines"], ctx["on_time_text"]) == (0, "n/a")
    _, text, html = Renderer(CONFIG, CAL).render("monthly_summary", None, [], ctx)
    assert "Responses on time: n/a (no deadline fell due)" in text
    assert "n/a</strong> (no deadline fell due)" in html
    report = r.quarterly_report(CONFIG, CAL, alerts, [], r.parse_period("2026Q3"), now)
    assert report.figure("Responses on time") == "n/a"
    assert r.share_on_time(0, 0) is None and r.share_on_time(0, 2) == 0.0


def test_share_cell_without_deadlines_reads_n_a_in_the_workbook() -> None:
    table = r.Table("On time", "t", ["Stage", "Deadlines", "Share on time"], rows=[["Stage 1", 0, None]])
    report = r.QuarterlyReport(r.parse_period("2027Q2"), at(2027, 7, 5), [("Period", "2027Q2")], [table])
    book = load_workbook(io.BytesIO(r.xlsx_bytes(report)))
    assert book["On time"]["C4"].value == "n/a"


# --------------------------------------------------------------------------- statuses as words (issue 10)


def test_status_words_for_every_status() -> None:
    from mailbot.notices import status_words

    words = {a.status: status_words(a, CONFIG) for a in (A1, A4, A5, A6, A7, A9)}
    assert words == {
        d.Status.RESOLVED: "resolved",
        d.Status.CAFCASS: "referred to CAFCASS",  # as the configuration names it
        d.Status.WITHDRAWN: "withdrawn",
        d.Status.OPEN: "overdue: waiting for the IRO's decision",
        d.Status.AWAITING_RESPONSE: "waiting for the manager's response",
        d.Status.RESPONSE_RECEIVED: "response received: the IRO decides",
    }
    # A child-protection alert is decided by its CP Chair, and named so.
    cp_open = alert("DRP-2027-0201", d.Status.OPEN, [ep(0, RUTH, at(2027, 5, 26, 15), date(2027, 5, 28), lapsed=True)],
                    ("1000201",), (DOCS,), RUTH, raised_by=ALEX, process="cp")
    assert status_words(cp_open, CONFIG) == "overdue: waiting for the CP Chair's decision"
    asked = d.Alert(**{**A7.__dict__, "pending_extension": d.PendingExtension(LEE, at(2027, 5, 27), 5, None)})
    assert status_words(asked, CONFIG) == "waiting for the manager's response; more time asked for: the IRO decides"
    # Without the configuration the words are still words.
    assert status_words(A6) == "overdue: waiting for the IRO's decision"


def test_statuses_read_as_words_in_digest_monthly_and_workbook() -> None:
    # The codes as they used to show ("awaiting response", "open"); "Formal cap breached (open)"
    # is a count's label, not a status.
    codes = ("awaiting_response", "awaiting response", "response_received", ">open<", "(open)\n", "(open) ")
    ctx = r.digest_context(CONFIG, CAL, DIGEST_SET, FACTS, DIGEST_NOW)
    sections = {s["title"]: s["rows"] for s in ctx["sections"]}
    assert sections["Overdue"][0]["status"] == "overdue: waiting for the IRO's decision"
    assert sections["Responses waiting for the IRO's decision"][0]["status"] == "response received: the IRO decides"
    assert sections["Closed since the last digest"][0]["status"] == ""  # its rung says "Resolved at ..."
    _, text, html = Renderer(CONFIG, CAL).render("digest", None, [], ctx)
    for part in (text, html):
        assert "overdue: waiting for the IRO&#39;s decision" in part or "overdue: waiting for the IRO's decision" in part
        assert not any(code in part for code in codes)

    monthly = r.monthly_manager_context(CONFIG, CAL, DIGEST_SET, CONFIG.person(DANA), DIGEST_NOW)
    assert [row["status"] for row in monthly["rows"]] == [
        "overdue: waiting for the IRO's decision", "response received: the IRO decides",
        "waiting for the manager's response"]
    _, text, html = Renderer(CONFIG, CAL).render("monthly_manager", None, [], monthly)
    assert "(waiting for the manager's response)" in text and "waiting for the manager&#39;s response" in html
    assert not any(code in text + html for code in codes)

    report = r.quarterly_report(CONFIG, CAL, QUARTER_SET, COMPLIMENTS, r.parse_period("2027Q2"), at(2027, 7, 5, 9))
    outcomes = {row[0]: row[-1] for row in report.table("Alert log").rows}
    assert outcomes == {"DRP-2027-0002": "resolved", "DRP-2027-0005": "withdrawn", "DRP-2027-0001": "resolved",
                        "DRP-2027-0006": "open (overdue: waiting for the IRO's decision)",
                        "DRP-2027-0003": "open (overdue: waiting for the CP Chair's decision)"}


# --------------------------------------------------------------------------- the workbook prints (issue 10)


def test_workbook_prints_filters_and_reads(q2: r.QuarterlyReport) -> None:
    """Read back from the .xlsx itself: every sheet landscape, one page wide, header row repeated;
    every table filtered; columns as wide as their contents (not one width for all)."""
    book = load_workbook(io.BytesIO(r.xlsx_bytes(q2)))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
    for table in q2.tables:
        ws = book[table.name]
        assert ws.print_title_rows in ("3:3", "$3:$3"), ws.title
        last = chr(ord("A") + len(table.headers) - 1)
        assert ws.auto_filter.ref == f"A3:{last}{3 + len(table.rows)}", ws.title
        assert [c.value for c in ws[3]][:len(table.headers)] == table.headers
    log = book["Alert log"]
    widths = {c: log.column_dimensions[c].width for c in "ABCDEFG"}
    assert widths["A"] >= len("DRP-2027-0002") + 1  # the reference fits
    assert widths["F"] >= 40 and widths["F"] <= r.MAX_COLUMN_WIDTH  # categories: wide, but bounded
    assert widths["B"] < widths["F"]  # sized to content, not one width for all
    for row in log.iter_rows(min_row=4):
        long_text = [c for c in row if isinstance(c.value, str) and len(c.value) > r.MAX_COLUMN_WIDTH - 2]
        assert all(c.alignment.wrap_text for c in long_text)
    summary = book["Summary"]
    assert summary.column_dimensions["A"].width >= len("90th percentile working days to resolution")


def test_category_names_show_their_process_where_two_share_one(q2: r.QuarterlyReport) -> None:
    assert r.shared_category_names(CONFIG) == {DOCS}
    book = load_workbook(io.BytesIO(r.xlsx_bytes(q2)))
    names = [row[0] for row in book["By category"].iter_rows(min_row=4, max_col=1, values_only=True)]
    assert sorted(names) == sorted([REVIEW, f"{DOCS} (CP)", f"{DOCS} (LAC)", SAFE])
    assert len(set(names)) == len(names)  # the chart's category labels are told apart


@pytest.mark.parametrize("largest, top, step", [(1, 1, 1), (3, 3, 1), (7, 8, 2), (12, 15, 5), (340, 400, 100)])
def test_axis_scale_fits_the_data(largest: int, top: float, step: float) -> None:
    assert r.axis_scale(largest) == (top, step)


@pytest.mark.parametrize("largest", [2, 9, 37, 340, 12000])
def test_charts_scale_to_their_data(largest: int) -> None:
    """A chart's axis neither clips the largest bar nor dwarfs it: its maximum is at least the
    largest value and less than one step above it, with whole-number steps; read from the file."""
    table = r.Table("By stage reached", "t", ["Stage", "Alerts", "Children"],
                    rows=[["Stage 1", 1, 1], ["Stage 2", largest, largest]], chart=("Children", 3))
    report = r.QuarterlyReport(r.parse_period("2027Q2"), at(2027, 7, 5), [("Period", "2027Q2")], [table])
    (chart,) = load_workbook(io.BytesIO(r.xlsx_bytes(report)))["By stage reached"]._charts
    scaling, unit = chart.y_axis.scaling, chart.y_axis.majorUnit
    assert scaling.min == 0
    assert largest <= scaling.max < largest + unit
    assert unit >= 1 and unit == int(unit) and scaling.max / unit <= 10
    assert chart.y_axis.delete is False and chart.x_axis.delete is False


def test_quarterly_charts_are_scaled_to_the_quarter(q2: r.QuarterlyReport) -> None:
    book = load_workbook(io.BytesIO(r.xlsx_bytes(q2)))
    for name in ("By category", "By stage reached", "By stage resolved"):
        (chart,) = book[name]._charts
        values = [row[-1] for row in q2.table(name).rows]
        assert max(values) <= chart.y_axis.scaling.max < max(values) + chart.y_axis.majorUnit, name
