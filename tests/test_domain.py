"""Example tests for the alert state machine (mailbot.domain), with hand-worked expectations.

Dates are worked out by hand from the calendar below (England, 2027), never by calling the
calendar under test. Mon 3 May and Mon 31 May 2027 are bank holidays; London is on BST (UTC+1).

        April 2027                May 2027                 June 2027
    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
                 1  2  3                    1  2        1  2  3  4  5  6
     5  6  7  8  9 10 11    [3] 4  5  6  7  8  9     7  8  9 10 11 12 13
    12 13 14 15 16 17 18    10 11 12 13 14 15 16    14 15 16 17 18 19 20
    19 20 21 22 23 24 25    17 18 19 20 21 22 23    21 22 23 24 25 26 27
    26 27 28 29 30          24 25 26 27 28 29 30    28 29 30
                            [31]

"Within N working days" of an alert on working day D is the N-th working day after D (D is day 0);
an alert on a non-working day counts from the next working day (DESIGN.md §2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from domain_support import (
    ALEX,
    CHRIS,
    DANA,
    JAMIE,
    JO,
    LEE,
    MORGAN,
    PAT,
    PRIYA,
    REF,
    RUTH,
    SAM,
    STRANGER,
    TAYLOR,
    at,
    automatic_rules,
    check_invariants,
    default_rules,
    no_informal_rules,
    raise_alert,
    run,
    snapshot,
)

from mailbot import domain as d

RULES = default_rules()
AUTO = automatic_rules()

# The standard alert: Sam (IRO) raises a Pre-Dispute Resolution with Dana (team manager) on
# Thu 29 Apr 2027. 10 working days: Fri 30 Apr (1), [Mon 3 May bank holiday], Tue 4 (2), Wed 5 (3),
# Thu 6 (4), Fri 7 (5), Mon 10 (6), Tue 11 (7), Wed 12 (8), Thu 13 (9), Fri 14 May (10).
RAISED = at(2027, 4, 29, 10, 0)
INFORMAL_DUE = date(2027, 5, 14)


def informal(rules: d.Rules = RULES) -> d.Alert:
    return raise_alert(rules, RAISED).alert


def refused(alert, event, now, rules=RULES) -> d.TransitionRefused:
    """Assert ``event`` is refused and that the alert is left exactly as it was."""
    before = snapshot(alert)
    with pytest.raises(d.TransitionRefused) as info:
        d.decide(alert, event, now, rules)
    assert alert == before
    assert info.value.reason and str(info.value) == info.value.reason
    return info.value


# =========================================================================== raising


def test_raise_informal_awaits_the_addressed_team_manager_for_ten_working_days():
    out = raise_alert(RULES, RAISED)
    a = out.alert
    assert a.ref == REF and a.process == "lac" and a.raised_by == SAM
    assert a.status is d.Status.AWAITING_RESPONSE
    assert a.stage == 0 and a.current.step == d.STEP_STAGE
    assert a.responder == DANA and a.anchor == DANA
    assert a.current.due == INFORMAL_DUE == a.due  # Fri 14 May: 3 May is a bank holiday
    assert a.opened == RAISED and a.current.started == RAISED
    assert a.formal_started is None and a.closed is None and not a.cap_breached
    assert a.categories == ("unclassified",)
    assert out.notices == (d.Notice("acknowledgement", (SAM,), "ack", cc=(DANA,)),)
    assert any("2027-05-14" in line for line in out.audit)
    check_invariants(a, RULES)


def test_raise_keeps_children_and_categories():
    a = raise_alert(RULES, RAISED, children=("1234567", "7654321"), categories=("Key documentation missing",)).alert
    assert a.children == ("1234567", "7654321")
    assert a.categories == ("Key documentation missing",)


def test_raise_cp_informal_is_two_working_days():
    # Alex (CP Chair) to Ruth, Thu 29 Apr: Fri 30 Apr (1), [3 May], Tue 4 May (2).
    a = raise_alert(RULES, RAISED, process="cp", raised_by=ALEX, addressed=(RUTH,)).alert
    assert a.responder == RUTH and a.current.due == date(2027, 5, 4)


@pytest.mark.parametrize(
    "kwargs, due",
    [
        # Thu 29 Apr + 3 working days: Fri 30 Apr (1), [3 May], Tue 4 (2), Wed 5 May (3).
        ({"working_days": 3}, date(2027, 5, 5)),
        # The IRO names a date: that date.
        ({"until": date(2027, 5, 7)}, date(2027, 5, 7)),
        # A date wins over a number of days.
        ({"until": date(2027, 5, 7), "working_days": 3}, date(2027, 5, 7)),
    ],
)
def test_raise_with_a_timescale_set_by_the_iro(kwargs, due):
    out = raise_alert(RULES, RAISED, **kwargs)
    assert out.alert.current.due == due
    assert any("timescale set by the raiser" in line for line in out.audit)


def test_raise_with_a_date_already_past_is_refused():
    with pytest.raises(d.TransitionRefused, match="already passed"):
        raise_alert(RULES, RAISED, until=date(2027, 4, 28))


def test_raise_on_a_saturday_counts_from_monday():
    # Sat 8 May: day 0 is Mon 10 May; Tue 11 (1) ... Fri 14 (4), Mon 17 (5) ... Fri 21 (9), Mon 24 May (10).
    a = raise_alert(RULES, at(2027, 5, 8, 11, 0)).alert
    assert a.current.due == date(2027, 5, 24)


def test_raise_on_a_bank_holiday_counts_from_the_next_working_day():
    # Mon 3 May (bank holiday): day 0 is Tue 4 May; +10 -> Tue 18 May.
    assert raise_alert(RULES, at(2027, 5, 3, 9, 0)).alert.current.due == date(2027, 5, 18)


def test_raise_on_a_saturday_with_iro_set_working_days_counts_from_monday():
    # Sat 8 May, "respond within 3 working days": day 0 is Mon 10 May; Tue 11 (1), Wed 12 (2), Thu 13 (3).
    a = raise_alert(RULES, at(2027, 5, 8, 11, 0), working_days=3).alert
    assert a.current.due == date(2027, 5, 13)


def test_extend_on_a_saturday_after_the_deadline_counts_from_monday():
    a = run(RULES, informal(), [(at(2027, 5, 15, 0, 0), d.DeadlineLapsed())])
    # Sat 15 May, "EXTEND 2 working days": day 0 is Mon 17 May; Tue 18 (1), Wed 19 May (2).
    # (Sent on Mon 17 May it gives Wed 19 May too; it must not be earlier for being sent on Saturday.)
    out = d.decide(a, d.Extend(SAM, working_days=2), at(2027, 5, 15, 10, 0), RULES)
    assert out.alert.current.due == date(2027, 5, 19)


@pytest.mark.parametrize(
    "event",
    [
        d.Extend(SAM, until=date(2027, 5, 22)),  # EXTEND to Sat 22 May
        d.Extend(SAM, until=date(2027, 5, 23)),  # ... or Sun 23 May
    ],
)
def test_a_named_date_on_a_weekend_rolls_on_to_the_next_working_day(event):
    # The next working day after Sat 22 / Sun 23 May is Mon 24 May.
    out = d.decide(informal(), event, at(2027, 5, 11, 10, 0), RULES)
    assert out.alert.current.due == date(2027, 5, 24)


def test_a_named_bank_holiday_rolls_on_to_the_next_working_day():
    # A manager asks for "until 31 May" (Spring bank holiday): agreed, it becomes Tue 1 Jun.
    a = run(RULES, informal(), [(at(2027, 5, 11), d.ExtensionRequested(DANA, until=date(2027, 5, 31)))])
    assert d.decide(a, d.ExtensionAgreed(SAM), at(2027, 5, 11), RULES).alert.current.due == date(2027, 6, 1)


def test_raise_until_a_saturday_rolls_on_to_monday():
    # Raised Thu 29 Apr "respond by Sat 8 May": Mon 10 May.
    assert raise_alert(RULES, RAISED, until=date(2027, 5, 8)).alert.current.due == date(2027, 5, 10)


def test_raise_addressed_to_no_manager_falls_back_to_the_first_person_with_the_role():
    # Only the QA manager was addressed (a reserved role, never a responder): the first team manager.
    a = raise_alert(RULES, RAISED, addressed=(PRIYA, CHRIS)).alert
    assert a.responder == DANA


def test_raise_skips_the_raiser_and_reserved_roles_when_choosing_the_manager():
    a = raise_alert(RULES, RAISED, addressed=(SAM, PRIYA, LEE, DANA)).alert
    assert a.responder == LEE and a.anchor == LEE


@pytest.mark.parametrize(
    "stage, addressed, responder",
    [
        (1, (DANA,), DANA),  # team manager
        (2, (DANA,), MORGAN),  # dana.tm -> morgan.sm
        (2, (RUTH,), TAYLOR),  # ruth.tm -> taylor.sm
        (3, (DANA,), JAMIE),  # dana.tm -> morgan.sm -> jamie.ad
        (3, (RUTH,), JAMIE),  # ruth.tm -> taylor.sm -> jamie.ad
        (4, (LEE,), PAT),  # lee.tm -> morgan.sm -> jamie.ad -> pat.director
    ],
)
def test_raise_at_a_formal_stage_walks_manager_links_up_from_the_addressed_manager(stage, addressed, responder):
    now = at(2027, 5, 10, 9, 0)  # Mon 10 May: +5 -> Tue 11 (1) ... Fri 14 (4), Mon 17 May (5)
    out = raise_alert(RULES, now, stage=stage, addressed=addressed)
    a = out.alert
    assert a.stage == stage and a.responder == responder and a.anchor == addressed[0]
    assert a.current.due == date(2027, 5, 17)
    assert a.formal_started == now
    assert out.notices[0].cc == (responder,)
    if responder != addressed[0]:
        assert any(f"{addressed[0]} was addressed; {responder}" in line for line in out.audit)
    check_invariants(a, RULES)


def test_raise_addressed_directly_to_the_rungs_role_holder_keeps_them():
    # The IRO wrote straight to the Service Manager of another team for stage 2: kept.
    a = raise_alert(RULES, at(2027, 5, 10), stage=2, addressed=(TAYLOR,)).alert
    assert a.responder == TAYLOR


@pytest.mark.parametrize("raiser", [DANA, PRIYA, ALEX, STRANGER])
def test_raise_lac_by_a_non_iro_is_refused(raiser):
    with pytest.raises(d.TransitionRefused, match="not entitled to raise"):
        raise_alert(RULES, RAISED, raised_by=raiser)


def test_raise_cp_by_an_iro_is_refused():
    with pytest.raises(d.TransitionRefused, match="not entitled to raise"):
        raise_alert(RULES, RAISED, process="cp", raised_by=SAM, addressed=(RUTH,))


def test_raise_at_stage_0_on_a_process_with_no_informal_stage_is_refused():
    rules = no_informal_rules()
    with pytest.raises(d.TransitionRefused, match="no informal stage"):
        raise_alert(rules, RAISED, process="cp", raised_by=ALEX, addressed=(RUTH,))
    # ... while stage 1 of it is fine.
    a = raise_alert(rules, RAISED, process="cp", stage=1, raised_by=ALEX, addressed=(RUTH,)).alert
    assert a.stage == 1 and a.responder == RUTH


@pytest.mark.parametrize("stage", [5, 6, -1])
def test_raise_at_a_stage_off_the_ladder_is_refused(stage):
    with pytest.raises(d.TransitionRefused, match="does not exist|stages 1-4"):
        raise_alert(RULES, RAISED, stage=stage)


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        d.decide(None, d.RaiseAlert(REF, "lac", 0, SAM, (DANA,)), datetime(2027, 4, 29, 10), RULES)


# =========================================================================== the table

STATUSES = [None, *d.Status]
SAMPLE_EVENTS = {
    d.RaiseAlert: d.RaiseAlert(REF, "lac", 0, SAM, (DANA,)),
    d.ManagerResponse: d.ManagerResponse(DANA),
    d.ExtensionRequested: d.ExtensionRequested(DANA, working_days=3),
    d.ExtensionAgreed: d.ExtensionAgreed(SAM),
    d.Extend: d.Extend(SAM, working_days=3),
    d.Escalate: d.Escalate(SAM),
    d.Resolve: d.Resolve(SAM),
    d.Withdraw: d.Withdraw(SAM),
    d.ReferToCafcass: d.ReferToCafcass(SAM),
    d.AddNote: d.AddNote(SAM),
    d.StatusQuery: d.StatusQuery(SAM),
    d.ReminderDue: d.ReminderDue(),
    d.DeadlineLapsed: d.DeadlineLapsed(),
    d.CapBreached: d.CapBreached(),
    d.Reassign: d.Reassign("chris.bm@luton.example.gov.uk", "lee.tm@luton.example.gov.uk"),
    d.Correct: d.Correct("chris.bm@luton.example.gov.uk", "child", ("7654321",)),
    d.Reopen: d.Reopen("chris.bm@luton.example.gov.uk", "closed by mistake"),
}
EVENT_TYPES = list(SAMPLE_EVENTS)

# Times for building an alert in each status (the standard informal alert, due Fri 14 May).
SETUP = {
    d.Status.AWAITING_RESPONSE: [],
    d.Status.OPEN: [(at(2027, 5, 15, 9, 0), d.DeadlineLapsed())],
    d.Status.RESPONSE_RECEIVED: [(at(2027, 5, 4, 9, 0), d.ManagerResponse(DANA))],
    d.Status.RESOLVED: [(at(2027, 5, 4, 9, 0), d.Resolve(SAM))],
    d.Status.WITHDRAWN: [(at(2027, 5, 4, 9, 0), d.Withdraw(SAM))],
    d.Status.CAFCASS: [(at(2027, 5, 4, 9, 0), d.ReferToCafcass(SAM))],
}
AFTER_DUE = at(2027, 5, 17, 10, 0)  # Mon 17 May, after the informal deadline


def alert_in(status: d.Status | None) -> d.Alert | None:
    if status is None:
        return None
    a = run(RULES, informal(), SETUP[status])
    assert a.status is status
    return a


def test_the_table_is_what_the_design_says():
    live = set(d.LIVE)
    expected = {(None, d.RaiseAlert)}
    expected |= {(s, d.ManagerResponse) for s in live}
    for kind in (d.ExtensionRequested, d.ExtensionAgreed, d.Extend, d.Escalate, d.Resolve, d.Withdraw,
                 d.ReferToCafcass, d.CapBreached):
        expected |= {(s, kind) for s in live}
    expected |= {(d.Status.AWAITING_RESPONSE, d.ReminderDue), (d.Status.AWAITING_RESPONSE, d.DeadlineLapsed)}
    expected |= {(s, kind) for s in d.Status for kind in (d.AddNote, d.StatusQuery)}
    # The Business Manager's corrections (issue 10): cover while live, details at any time,
    # reopening only what is closed.
    expected |= {(s, d.Reassign) for s in live} | {(s, d.Correct) for s in d.Status}
    expected |= {(s, d.Reopen) for s in d.CLOSED}
    assert set(d.TRANSITIONS) == expected
    assert set(d.LIVE) | set(d.CLOSED) == set(d.Status) and not set(d.LIVE) & set(d.CLOSED)


@pytest.mark.parametrize(
    "status, kind", list(d.TRANSITIONS), ids=[f"{s}-{k.__name__}" for s, k in d.TRANSITIONS]
)
def test_every_row_of_the_table_is_accepted(status, kind):
    alert, now = alert_in(status), AFTER_DUE
    if kind is d.ExtensionAgreed:
        alert = d.decide(alert, d.ExtensionRequested(DANA, working_days=3), AFTER_DUE, RULES).alert
        assert alert.status is status and alert.pending_extension is not None
    if kind is d.CapBreached:
        # Only a formal alert past its 20 working days can breach the cap: raised at Stage 1 on
        # Thu 29 Apr, it is over the cap on Thu 1 Jul (more than 20 working days on).
        steps = {d.Status.OPEN: [(at(2027, 6, 30, 9, 0), d.DeadlineLapsed())],
                 d.Status.RESPONSE_RECEIVED: [(at(2027, 5, 4, 9, 0), d.ManagerResponse(DANA))],
                 d.Status.AWAITING_RESPONSE: []}[status]
        alert, now = run(RULES, raise_alert(RULES, RAISED, stage=1).alert, steps), at(2027, 7, 1, 10, 0)
    if kind is d.ReminderDue:
        now = at(2027, 5, 13, 8, 0)  # the working day before the informal deadline of Fri 14 May
    event = SAMPLE_EVENTS[kind]
    out = d.decide(alert, event, now, RULES)
    assert isinstance(out, d.Outcome) and out.audit
    check_invariants(out.alert, RULES)
    if alert is not None:
        assert out.alert.ref == alert.ref


ILLEGAL = [(s, k) for s in STATUSES for k in EVENT_TYPES if (s, k) not in d.TRANSITIONS]


def test_there_are_illegal_pairs_for_every_status():
    assert {s for s, _ in ILLEGAL} == set(STATUSES)
    assert len(ILLEGAL) == len(STATUSES) * len(EVENT_TYPES) - len(d.TRANSITIONS)


@pytest.mark.parametrize("status, kind", ILLEGAL, ids=[f"{s}-{k.__name__}" for s, k in ILLEGAL])
def test_every_pair_not_in_the_table_is_refused_and_changes_nothing(status, kind):
    alert = alert_in(status)
    reason = refused(alert, SAMPLE_EVENTS[kind], AFTER_DUE).reason
    if alert is not None:
        assert alert.ref in reason
    else:
        assert "no alert" in reason


@pytest.mark.parametrize("status", list(d.CLOSED))
def test_closed_alerts_accept_only_notes_status_queries_and_corrections(status):
    a = alert_in(status)
    note = d.decide(a, d.AddNote(SAM), AFTER_DUE, RULES)
    assert note.alert == a and note.notices == () and "note from" in note.audit[0]
    query = d.decide(a, d.StatusQuery(PRIYA), AFTER_DUE, RULES)
    assert query.alert == a and [n.template for n in query.notices] == ["status_reply"]
    assert query.notices[0].to == (PRIYA,)
    assert d.due_events(a, at(2027, 12, 31), RULES) == []
    for kind in EVENT_TYPES:
        if kind not in (d.AddNote, d.StatusQuery, d.Correct, d.Reopen):
            refused(a, SAMPLE_EVENTS[kind], AFTER_DUE)
    reopened = d.decide(a, SAMPLE_EVENTS[d.Reopen], AFTER_DUE, RULES).alert
    assert reopened.is_live and reopened.closed is None and reopened.episodes[:-1] == a.episodes


@pytest.mark.parametrize("event", [d.AddNote(DANA), d.StatusQuery(DANA), d.AddNote(JO), d.StatusQuery(STRANGER)])
def test_notes_and_status_queries_are_for_the_entitled_only(event):
    refused(informal(), event, AFTER_DUE)


# =========================================================================== escalation


def test_escalate_from_informal_goes_to_stage_1():
    a = informal()
    now = at(2027, 5, 4, 10, 0)  # Tue 4 May; +5: Wed 5 (1), Thu 6, Fri 7, Mon 10, Tue 11 May (5)
    out = d.decide(a, d.Escalate(SAM), now, RULES)
    b = out.alert
    assert b.status is d.Status.AWAITING_RESPONSE
    assert (b.stage, b.current.step, b.responder) == (1, d.STEP_STAGE, DANA)
    assert b.current.due == date(2027, 5, 11) and b.current.started == now
    assert b.formal_started == now
    assert len(b.episodes) == 2
    assert b.episodes[0].ended == now and b.episodes[0].outcome == "escalated"
    assert b.episodes[0].stage == 0 and b.episodes[0].due == INFORMAL_DUE
    assert out.notices == (d.Notice("escalation_notice", (DANA,), "escalation/2", cc=(SAM,)),)
    assert "Stage 1 Team Manager" in out.audit[0]
    check_invariants(b, RULES)


def test_escalate_through_the_dispute_resolution_meeting_to_the_director():
    a = raise_alert(RULES, at(2027, 5, 10, 9, 0), stage=3).alert
    assert a.responder == JAMIE
    # Tue 11 May, no stage named: stage 3 has a meeting -> the meeting, still with the AD.
    # 5 working days: Wed 12 (1), Thu 13, Fri 14, Mon 17, Tue 18 May (5).
    out = d.decide(a, d.Escalate(SAM), at(2027, 5, 11, 9, 0), RULES)
    m = out.alert
    assert (m.stage, m.current.step, m.responder) == (3, d.STEP_MEETING, JAMIE)
    assert m.current.due == date(2027, 5, 18)
    assert "Stage 3 Dispute Resolution Meeting" in out.audit[0]
    assert m.formal_started == a.formal_started  # the formal clock keeps running from the raise
    check_invariants(m, RULES)
    # Wed 12 May: then stage 4, the Director. Thu 13 (1), Fri 14, Mon 17, Tue 18, Wed 19 May (5).
    out = d.decide(m, d.Escalate(SAM), at(2027, 5, 12, 9, 0), RULES)
    top = out.alert
    assert (top.stage, top.current.step, top.responder) == (4, d.STEP_STAGE, PAT)
    assert top.current.due == date(2027, 5, 19)
    assert [e.outcome for e in top.episodes] == ["escalated", "escalated", None]
    assert out.notices[0].to == (PAT,) and out.notices[0].key == "escalation/3"
    check_invariants(top, RULES)


def test_escalate_to_a_named_stage_skips_the_meeting_and_rungs_between():
    a = raise_alert(RULES, at(2027, 5, 10), stage=1, addressed=(RUTH,)).alert
    b = d.decide(a, d.Escalate(SAM, to_stage=4), at(2027, 5, 11), RULES).alert
    assert (b.stage, b.current.step, b.responder) == (4, d.STEP_STAGE, PAT)
    c = d.decide(
        raise_alert(RULES, at(2027, 5, 10), stage=1, addressed=(RUTH,)).alert,
        d.Escalate(SAM, to_stage=2), at(2027, 5, 11), RULES,
    ).alert
    assert c.responder == TAYLOR  # walked up from Ruth, the addressed team manager


@pytest.mark.parametrize("to_stage", [0, 1, 2])
def test_escalate_to_a_lower_or_equal_stage_is_refused(to_stage):
    a = raise_alert(RULES, at(2027, 5, 10), stage=2).alert
    assert "escalation goes up" in refused(a, d.Escalate(SAM, to_stage=to_stage), at(2027, 5, 11)).reason


def test_escalate_to_a_stage_off_the_ladder_is_refused():
    a = raise_alert(RULES, at(2027, 5, 10), stage=2).alert
    assert "does not exist" in refused(a, d.Escalate(SAM, to_stage=5), at(2027, 5, 11)).reason


def test_escalate_from_the_meeting_to_stage_3_is_refused():
    a = raise_alert(RULES, at(2027, 5, 10), stage=3).alert
    m = d.decide(a, d.Escalate(SAM), at(2027, 5, 11), RULES).alert
    refused(m, d.Escalate(SAM, to_stage=3), at(2027, 5, 12))


def test_escalate_at_the_top_of_the_ladder_is_refused_naming_cafcass():
    a = raise_alert(RULES, at(2027, 5, 10), stage=4).alert
    reason = refused(a, d.Escalate(SAM), at(2027, 5, 11)).reason
    assert "last stage" in reason and "CAFCASS" in reason


def test_escalate_at_the_top_of_a_ladder_without_cafcass_is_refused():
    a = raise_alert(RULES, at(2027, 5, 10), process="cp", stage=4, raised_by=ALEX, addressed=(RUTH,)).alert
    reason = refused(a, d.Escalate(ALEX), at(2027, 5, 11)).reason
    assert "last stage" in reason and "CAFCASS" not in reason


def test_escalate_after_a_response_or_a_lapse():
    responded = run(RULES, informal(), [(at(2027, 5, 4), d.ManagerResponse(DANA))])
    assert d.decide(responded, d.Escalate(SAM), at(2027, 5, 5), RULES).alert.stage == 1
    lapsed = alert_in(d.Status.OPEN)
    b = d.decide(lapsed, d.Escalate(SAM), AFTER_DUE, RULES).alert
    assert b.stage == 1 and b.status is d.Status.AWAITING_RESPONSE
    assert b.episodes[0].lapsed and b.episodes[0].outcome == "escalated"


def test_escalate_clears_a_pending_extension():
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ExtensionRequested(DANA, working_days=2))])
    assert a.pending_extension is not None
    b = d.decide(a, d.Escalate(SAM), at(2027, 5, 5), RULES).alert
    assert b.pending_extension is None
    refused(b, d.ExtensionAgreed(SAM), at(2027, 5, 6))


# =========================================================================== responses


def test_manager_response_on_time():
    a = informal()
    now = at(2027, 5, 14, 23, 59)  # the last minute of the due day
    out = d.decide(a, d.ManagerResponse(DANA), now, RULES)
    b = out.alert
    assert b.status is d.Status.RESPONSE_RECEIVED and b.due is None
    assert b.current.responded_at == now and b.current.ended is None
    assert out.notices == (
        d.Notice("response_received", (SAM,), f"response/1/{DANA}/{now.isoformat()}",
                 extra={"responder": DANA, "late": False}),
    )
    assert "on time" in out.audit[0]
    check_invariants(b, RULES)


def test_manager_response_after_the_deadline_is_late():
    # Sat 15 May 00:00 BST: the due day (Fri 14 May) has ended; no sweep has run yet.
    out = d.decide(informal(), d.ManagerResponse(DANA), at(2027, 5, 15, 0, 0), RULES)
    assert out.notices[0].extra["late"] is True
    assert "after the deadline" in out.audit[0]


def test_manager_response_after_a_lapse_is_late():
    out = d.decide(alert_in(d.Status.OPEN), d.ManagerResponse(DANA), AFTER_DUE, RULES)
    assert out.alert.status is d.Status.RESPONSE_RECEIVED
    assert out.notices[0].extra["late"] is True


def test_the_raisers_own_reply_is_not_a_response():
    refused(informal(), d.ManagerResponse(SAM), at(2027, 5, 4))


def test_a_further_response_is_recorded_and_changes_nothing():
    first = at(2027, 5, 4)
    a = run(RULES, informal(), [(first, d.ManagerResponse(DANA))])
    out = d.decide(a, d.ManagerResponse(DANA), at(2027, 5, 5), RULES)
    assert out.alert == a and out.notices == ()
    assert out.alert.current.responded_at == first


def test_a_response_clears_a_pending_extension_request():
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ExtensionRequested(DANA))])
    b = d.decide(a, d.ManagerResponse(DANA), at(2027, 5, 5), RULES).alert
    assert b.pending_extension is None


# =========================================================================== extensions


@pytest.mark.parametrize(
    "request_, due",
    [
        # Agreed Tue 11 May; counted from the current due day Fri 14 May: Mon 17 (1), Tue 18, Wed 19 (3).
        (d.ExtensionRequested(DANA, working_days=3), date(2027, 5, 19)),
        # A date asked for: that date.
        (d.ExtensionRequested(DANA, until=date(2027, 5, 26)), date(2027, 5, 26)),
        # Neither: the process default, 5 working days from Fri 14 May -> Fri 21 May.
        (d.ExtensionRequested(DANA), date(2027, 5, 21)),
    ],
)
def test_extension_requested_then_agreed_moves_the_due_date_and_resets_the_flags(request_, due):
    a = run(RULES, informal(), [(at(2027, 5, 10, 9, 0), d.ReminderDue())])  # flag set on purpose
    assert a.current.reminder_sent
    asked = d.decide(a, request_, at(2027, 5, 10, 10, 0), RULES)
    p = asked.alert.pending_extension
    assert p is not None and p.requested_by == DANA and p.requested_at == at(2027, 5, 10, 10, 0)
    assert asked.alert.current.due == INFORMAL_DUE  # nothing moves until the IRO agrees
    assert [n.template for n in asked.notices] == ["extension_requested"] and asked.notices[0].to == (SAM,)
    if request_.working_days is None and request_.until is None:
        assert p.working_days == 5
    out = d.decide(asked.alert, d.ExtensionAgreed(SAM), at(2027, 5, 11, 9, 0), RULES)
    b = out.alert
    assert b.current.due == due and b.due == due
    assert not b.current.reminder_sent and not b.current.lapsed
    assert b.pending_extension is None and b.status is d.Status.AWAITING_RESPONSE
    assert out.notices == (
        d.Notice("extension_agreed", (DANA,), f"extension-agreed/1/{due.isoformat()}", cc=(SAM,),
                 extra={"new_due": due}),
    )
    check_invariants(b, RULES)


def test_agreeing_an_extension_after_a_lapse_reopens_the_deadline():
    a = alert_in(d.Status.OPEN)
    assert a.current.lapsed
    a = d.decide(a, d.ExtensionRequested(DANA, until=date(2027, 5, 21)), AFTER_DUE, RULES).alert
    b = d.decide(a, d.ExtensionAgreed(SAM), AFTER_DUE, RULES).alert
    assert b.status is d.Status.AWAITING_RESPONSE and not b.current.lapsed
    assert b.current.due == date(2027, 5, 21)
    # ... and it can lapse again, after Fri 21 May.
    assert d.due_events(b, at(2027, 5, 22, 0, 0), RULES) == [d.DeadlineLapsed()]


def test_extension_counted_from_today_when_the_deadline_has_passed():
    # Lapsed; Dana asks for 2 more days on Mon 17 May, agreed the same day: Tue 18 (1), Wed 19 May (2).
    a = run(RULES, alert_in(d.Status.OPEN), [(AFTER_DUE, d.ExtensionRequested(DANA, working_days=2))])
    assert d.decide(a, d.ExtensionAgreed(SAM), AFTER_DUE, RULES).alert.current.due == date(2027, 5, 19)


def test_agree_with_nothing_pending_is_refused():
    reason = refused(informal(), d.ExtensionAgreed(SAM), at(2027, 5, 4)).reason
    assert "EXTEND" in reason


def test_agreeing_a_requested_date_that_has_since_passed_is_refused():
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ExtensionRequested(DANA, until=date(2027, 5, 6)))])
    refused(a, d.ExtensionAgreed(SAM), at(2027, 5, 7))


def test_the_iro_asks_with_extend_not_by_requesting():
    refused(informal(), d.ExtensionRequested(SAM, working_days=2), at(2027, 5, 4))


@pytest.mark.parametrize(
    "event, due",
    [
        # Tue 11 May, counted from Fri 14 May: Mon 17 (1), Tue 18 May (2).
        (d.Extend(SAM, working_days=2), date(2027, 5, 18)),
        (d.Extend(SAM, until=date(2027, 5, 28)), date(2027, 5, 28)),
        (d.Extend(SAM), date(2027, 5, 21)),  # the default 5 working days
        (d.Extend(PRIYA, working_days=2), date(2027, 5, 18)),  # the QA manager may too
    ],
)
def test_extend_by_the_iro(event, due):
    a = informal()
    out = d.decide(a, event, at(2027, 5, 11, 9, 0), RULES)
    assert out.alert.current.due == due and out.alert.status is d.Status.AWAITING_RESPONSE
    assert out.notices[0].template == "extension_agreed" and out.notices[0].to == (DANA,)
    assert out.notices[0].key == f"extended/1/{due.isoformat()}"


def test_extend_after_a_response_awaits_again():
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ManagerResponse(DANA))])
    b = d.decide(a, d.Extend(SAM, until=date(2027, 5, 20)), at(2027, 5, 5), RULES).alert
    assert b.status is d.Status.AWAITING_RESPONSE and b.due == date(2027, 5, 20)


def test_extend_to_a_past_date_is_refused():
    assert "already passed" in refused(informal(), d.Extend(SAM, until=date(2027, 5, 10)), at(2027, 5, 11)).reason


def test_extend_to_today_is_allowed():
    assert d.decide(informal(), d.Extend(SAM, until=date(2027, 5, 11)), at(2027, 5, 11), RULES).alert.due == date(2027, 5, 11)


# =========================================================================== entitlement

MANAGER_INSTRUCTIONS = [
    d.Resolve(DANA), d.Escalate(DANA), d.Escalate(DANA, to_stage=2), d.Withdraw(DANA),
    d.Extend(DANA, working_days=5), d.ExtensionAgreed(DANA), d.ReferToCafcass(DANA),
    d.Resolve(MORGAN), d.Escalate(PAT), d.Withdraw(CHRIS), d.Resolve(JO), d.Escalate(JO),
    d.Resolve(STRANGER), d.ReferToCafcass(JO),
]


@pytest.mark.parametrize("event", MANAGER_INSTRUCTIONS, ids=repr)
def test_managers_and_others_may_not_instruct(event):
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ExtensionRequested(DANA))])  # so AGREE has something
    refused(a, event, at(2027, 5, 5))


@pytest.mark.parametrize(
    "event, status",
    [
        (d.Resolve(PRIYA), d.Status.RESOLVED),
        (d.Withdraw(PRIYA), d.Status.WITHDRAWN),
        (d.Escalate(PRIYA), d.Status.AWAITING_RESPONSE),
        (d.ExtensionAgreed(PRIYA), d.Status.AWAITING_RESPONSE),
        (d.Extend(PRIYA, working_days=1), d.Status.AWAITING_RESPONSE),
    ],
)
def test_the_qa_manager_may_instruct(event, status):
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ExtensionRequested(DANA))])
    out = d.decide(a, event, at(2027, 5, 5), RULES)
    assert out.alert.status is status
    check_invariants(out.alert, RULES)


def test_the_qa_manager_may_not_refer_to_cafcass():
    assert "only the alert's IRO" in refused(informal(), d.ReferToCafcass(PRIYA), at(2027, 5, 5)).reason


def test_cafcass_by_the_alerts_iro_closes_the_alert_with_its_date():
    a = raise_alert(RULES, at(2027, 5, 10), stage=4).alert
    now = at(2027, 5, 12, 15, 0)
    out = d.decide(a, d.ReferToCafcass(SAM), now, RULES)
    b = out.alert
    assert b.status is d.Status.CAFCASS and b.cafcass_at == now and b.closed == now
    assert b.resolved_at_stage is None and b.current.outcome == "cafcass"
    assert [n.template for n in out.notices] == ["cafcass"]
    assert out.notices[0].to == (SAM,) and out.notices[0].cc == (PAT, CHRIS)
    assert not any("before the last stage" in line for line in out.audit)
    check_invariants(b, RULES)


def test_cafcass_before_the_last_stage_is_allowed_and_noted():
    out = d.decide(informal(), d.ReferToCafcass(SAM), at(2027, 5, 5), RULES)
    assert out.alert.status is d.Status.CAFCASS
    assert any("before the last stage" in line for line in out.audit)


def test_cafcass_on_a_process_without_it_is_refused():
    a = raise_alert(RULES, at(2027, 5, 10), process="cp", stage=4, raised_by=ALEX, addressed=(RUTH,)).alert
    assert "no referral" in refused(a, d.ReferToCafcass(ALEX), at(2027, 5, 11)).reason


@pytest.mark.parametrize("closing, status, template", [
    (d.Resolve, d.Status.RESOLVED, "resolution"),
    (d.Withdraw, d.Status.WITHDRAWN, "withdrawal"),
])
def test_resolve_and_withdraw(closing, status, template):
    a = run(RULES, raise_alert(RULES, at(2027, 5, 10), stage=1).alert, [(at(2027, 5, 11), d.Escalate(SAM))])
    now = at(2027, 5, 12)
    out = d.decide(a, closing(SAM), now, RULES)
    b = out.alert
    assert b.status is status and b.closed == now and b.current.ended == now
    assert b.resolved_at_stage == (2 if status is d.Status.RESOLVED else None)
    assert out.notices == (d.Notice(template, (SAM,), template, cc=(MORGAN, CHRIS)),)
    check_invariants(b, RULES)


# =========================================================================== reminders and lapses


def test_reminder_is_due_one_working_day_before_the_due_day_once():
    a = informal()  # due Fri 14 May -> reminder on Thu 13 May
    assert d.due_events(a, at(2027, 5, 12, 23, 59), RULES) == []
    assert d.due_events(a, at(2027, 5, 13, 0, 0), RULES) == [d.ReminderDue()]
    out = d.decide(a, d.ReminderDue(), at(2027, 5, 13, 8, 0), RULES)
    assert out.notices == (d.Notice("reminder", (DANA,), "reminder/1/2027-05-14"),)
    b = out.alert
    assert b.current.reminder_sent and b.status is d.Status.AWAITING_RESPONSE
    assert d.due_events(b, at(2027, 5, 13, 15, 0), RULES) == []
    assert d.due_events(b, at(2027, 5, 14, 23, 59), RULES) == []
    refused(b, d.ReminderDue(), at(2027, 5, 13, 16, 0))


def test_reminder_before_a_due_day_after_a_bank_holiday():
    # Stage 1 raised Wed 26 May: Thu 27 (1), Fri 28, [Mon 31 May], Tue 1 Jun, Wed 2, Thu 3 Jun (5).
    # One working day before Thu 3 Jun is Wed 2 Jun.
    a = raise_alert(RULES, at(2027, 5, 26), stage=1).alert
    assert a.current.due == date(2027, 6, 3)
    assert d.due_events(a, at(2027, 6, 1, 23, 59), RULES) == []
    assert d.due_events(a, at(2027, 6, 2, 0, 0), RULES) == [d.ReminderDue()]


def test_no_reminder_when_the_alert_started_on_the_reminder_day():
    # cp informal raised Mon 10 May: due Wed 12 May (2 working days), reminder day Tue 11 May.
    a = raise_alert(RULES, at(2027, 5, 10), process="cp", raised_by=ALEX, addressed=(RUTH,)).alert
    assert a.current.due == date(2027, 5, 12)
    assert d.due_events(a, at(2027, 5, 11, 9, 0), RULES) == [d.ReminderDue()]
    # An IRO-set timescale of 1 day from Mon 10 May: due Tue 11 May, reminder day Mon 10 = start day.
    b = raise_alert(RULES, at(2027, 5, 10), process="cp", raised_by=ALEX, addressed=(RUTH,), working_days=1).alert
    assert b.current.due == date(2027, 5, 11)
    assert d.due_events(b, at(2027, 5, 10, 12, 0), RULES) == []
    assert d.due_events(b, at(2027, 5, 11, 12, 0), RULES) == []


def test_deadline_lapses_only_after_the_end_of_the_due_day_in_local_time():
    a = run(RULES, informal(), [(at(2027, 5, 13, 8, 0), d.ReminderDue())])
    last_minute = at(2027, 5, 14, 23, 59, 59)
    assert d.due_events(a, last_minute, RULES) == []
    refused(a, d.DeadlineLapsed(), last_minute)
    assert d.due_events(a, at(2027, 5, 15, 0, 0), RULES) == [d.DeadlineLapsed()]
    # 23:30 UTC on Fri 14 May is 00:30 BST on Sat 15 May: lapsed.
    assert d.due_events(a, datetime(2027, 5, 14, 23, 30, tzinfo=UTC), RULES) == [d.DeadlineLapsed()]
    # 22:59 UTC is 23:59 BST on the due day: not yet.
    assert d.due_events(a, datetime(2027, 5, 14, 22, 59, tzinfo=UTC), RULES) == []


def test_a_missed_reminder_is_not_sent_after_the_deadline():
    a = informal()  # the sweep did not run on Thu 13 or Fri 14 May
    assert d.due_events(a, at(2027, 5, 15, 0, 0), RULES) == [d.DeadlineLapsed()]


def test_lapse_with_prompt_escalation_asks_the_iro():
    a = informal()
    now = at(2027, 5, 15, 0, 5)
    out = d.decide(a, d.DeadlineLapsed(), now, RULES)
    b = out.alert
    assert b.status is d.Status.OPEN and b.stage == 0 and len(b.episodes) == 1
    assert b.current.lapsed and b.current.ended is None
    assert b.due == INFORMAL_DUE
    chaser, lapse = out.notices
    assert chaser == d.Notice("chaser", (DANA,), "chaser/1/2027-05-14", cc=(SAM,))
    assert lapse.template == "lapse_notice" and lapse.to == (SAM,) and lapse.key == "lapse/1/2027-05-14"
    assert lapse.extra == {"automatic": False, "next_rung": "Stage 1 Team Manager"}
    assert any("asked to decide" in line for line in out.audit)
    assert d.due_events(b, at(2027, 5, 20), RULES) == []  # nothing more until the IRO decides
    check_invariants(b, RULES)


@pytest.mark.parametrize(
    "stage, next_rung",
    [
        (2, "Stage 3 Assistant Director"),
        (3, "Stage 3 Dispute Resolution Meeting"),
        (4, "CAFCASS"),
    ],
)
def test_prompt_lapse_notice_names_the_next_rung(stage, next_rung):
    a = raise_alert(RULES, at(2027, 5, 10), stage=stage).alert  # due Mon 17 May
    out = d.decide(a, d.DeadlineLapsed(), at(2027, 5, 18), RULES)
    assert out.notices[1].extra["next_rung"] == next_rung


def test_lapse_with_automatic_escalation_moves_to_the_next_rung():
    a = informal(AUTO)
    now = at(2027, 5, 15, 7, 0)  # Sat 15 May -> counts from Mon 17 May: +5 -> Mon 24 May
    out = d.decide(a, d.DeadlineLapsed(), now, AUTO)
    b = out.alert
    assert b.status is d.Status.AWAITING_RESPONSE
    assert (b.stage, b.current.step, b.responder) == (1, d.STEP_STAGE, DANA)
    assert b.current.due == date(2027, 5, 24) and b.formal_started == now
    first = b.episodes[0]
    assert first.lapsed and first.outcome == "escalated" and first.ended == now
    assert [n.template for n in out.notices] == ["chaser", "lapse_notice", "escalation_notice"]
    assert out.notices[1].extra == {"automatic": True, "next_rung": "Stage 1 Team Manager"}
    assert out.notices[2] == d.Notice("escalation_notice", (DANA,), "escalation/2", cc=(SAM,))
    assert any("automatic escalation" in line for line in out.audit)
    check_invariants(b, AUTO)


def test_automatic_escalation_goes_through_the_meeting():
    a = raise_alert(AUTO, at(2027, 5, 10), stage=3).alert  # due Mon 17 May
    b = d.decide(a, d.DeadlineLapsed(), at(2027, 5, 18), AUTO).alert
    assert (b.stage, b.current.step, b.responder) == (3, d.STEP_MEETING, JAMIE)


def test_automatic_escalation_at_the_last_stage_leaves_the_alert_open():
    a = raise_alert(AUTO, at(2027, 5, 10), stage=4).alert  # due Mon 17 May
    out = d.decide(a, d.DeadlineLapsed(), at(2027, 5, 18), AUTO)
    assert out.alert.status is d.Status.OPEN and out.alert.stage == 4 and len(out.alert.episodes) == 1
    assert [n.template for n in out.notices] == ["chaser", "lapse_notice"]
    assert out.notices[1].extra == {"automatic": False, "next_rung": "CAFCASS"}


def test_automatic_escalation_is_per_process():
    # AUTO makes only lac automatic: a cp alert still prompts.
    a = raise_alert(AUTO, at(2027, 5, 10), process="cp", raised_by=ALEX, addressed=(RUTH,)).alert
    assert d.decide(a, d.DeadlineLapsed(), at(2027, 5, 13), AUTO).alert.status is d.Status.OPEN


def test_timed_events_only_for_awaiting_alerts():
    responded = run(RULES, informal(), [(at(2027, 5, 4), d.ManagerResponse(DANA))])
    assert d.due_events(responded, at(2027, 5, 20), RULES) == []
    refused(responded, d.ReminderDue(), at(2027, 5, 13))
    refused(responded, d.DeadlineLapsed(), at(2027, 5, 20))


# =========================================================================== the cap


def test_cap_breached_once_the_formal_stages_pass_twenty_working_days():
    # Formal from Mon 10 May. 20 working days: 11-14 May (4), 17-21 (9), 24-28 (14), [31 May],
    # 1-4 Jun (18), Mon 7 (19), Tue 8 Jun (20). More than 20 from Wed 9 Jun.
    a = raise_alert(RULES, at(2027, 5, 10, 9, 0), stage=1).alert
    a = run(RULES, a, [(at(2027, 5, 12), d.ManagerResponse(DANA))])  # no lapses to get in the way
    assert d.due_events(a, at(2027, 6, 8, 23, 59), RULES) == []
    assert d.due_events(a, at(2027, 6, 9, 0, 0), RULES) == [d.CapBreached()]
    out = d.decide(a, d.CapBreached(), at(2027, 6, 9, 0, 0), RULES)
    b = out.alert
    assert b.cap_breached and b.status is a.status
    (notice,) = out.notices
    assert (notice.template, notice.to, notice.key, notice.cc) == ("cap_breach", (SAM,), "cap-breach", (CHRIS,))
    assert "20 working days" in out.audit[0] and "not enforced" in out.audit[0]
    # reported once
    assert d.due_events(b, at(2027, 6, 30), RULES) == []
    refused(b, d.CapBreached(), at(2027, 6, 10))
    # not enforced: the alert goes on
    assert d.decide(b, d.Escalate(SAM), at(2027, 6, 10), RULES).alert.cap_breached


def test_cap_counts_only_the_formal_stages():
    # Informal from Thu 29 Apr, escalated to stage 1 on Mon 17 May. 20 working days from Mon 17 May:
    # 18-21 (4), 24-28 (9), [31 May], 1-4 Jun (13), 7-11 (18), Mon 14 (19), Tue 15 Jun (20).
    a = run(RULES, informal(), [(at(2027, 5, 17), d.Escalate(SAM)), (at(2027, 5, 18), d.ManagerResponse(DANA))])
    assert d.due_events(a, at(2027, 6, 9), RULES) == []
    assert d.due_events(a, at(2027, 6, 15, 23, 59), RULES) == []
    assert d.due_events(a, at(2027, 6, 16, 0, 0), RULES) == [d.CapBreached()]


def test_informal_alert_never_breaches_the_cap():
    a = run(RULES, informal(), [(at(2027, 5, 4), d.ManagerResponse(DANA))])
    assert d.due_events(a, at(2027, 9, 1), RULES) == []


def test_cap_and_lapse_can_be_due_together():
    # Raised at stage 1 Mon 10 May (due Mon 17 May), extended to Fri 11 Jun, never answered.
    a = raise_alert(RULES, at(2027, 5, 10), stage=1).alert
    a = d.decide(a, d.Extend(SAM, until=date(2027, 6, 11)), at(2027, 5, 11), RULES).alert
    assert d.due_events(a, at(2027, 6, 12), RULES) == [d.DeadlineLapsed(), d.CapBreached()]


# =========================================================================== outbox keys
#
# The service queues each notice under (alert ref, notice.key, template) and drops a second
# notice with the same key as a duplicate; and shell.drain_mailbox hands every message of one
# poll the same ``now``. So a key must differ whenever the mail differs, even at one instant.


def _outbox_key(notice: d.Notice) -> tuple[str, str]:
    return (notice.key, notice.template)


def test_two_status_queries_at_one_instant_get_two_replies():
    a = informal()
    now = at(2027, 5, 5, 9, 0)
    first = d.decide(a, d.StatusQuery(SAM), now, RULES).notices[0]
    second = d.decide(a, d.StatusQuery(PRIYA), now, RULES).notices[0]
    assert first.to != second.to
    assert _outbox_key(first) != _outbox_key(second)


def test_a_second_extension_request_at_one_instant_is_notified():
    now = at(2027, 5, 5, 9, 0)
    first = d.decide(informal(), d.ExtensionRequested(DANA, working_days=2), now, RULES)
    second = d.decide(first.alert, d.ExtensionRequested(MORGAN, until=date(2027, 6, 4)), now, RULES)
    assert second.alert.pending_extension.requested_by == MORGAN  # the second request is the one pending
    assert _outbox_key(first.notices[0]) != _outbox_key(second.notices[0])


def test_a_second_response_after_an_extension_at_one_instant_is_notified():
    now = at(2027, 5, 5, 9, 0)
    first = d.decide(informal(), d.ManagerResponse(DANA), now, RULES)
    extended = d.decide(first.alert, d.Extend(SAM, working_days=2), now, RULES).alert
    second = d.decide(extended, d.ManagerResponse(MORGAN), now, RULES)
    assert second.notices[0].extra["responder"] == MORGAN
    assert _outbox_key(first.notices[0]) != _outbox_key(second.notices[0])
