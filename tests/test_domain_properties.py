"""Properties of the alert state machine (mailbot.domain).

1. Random event sequences applied from a raise: every step returns an Outcome or raises
   TransitionRefused (nothing else); a refused event leaves the alert identical; the invariants
   in domain_support.check_invariants always hold; history is append-only; the cap flag never
   goes back; every timed event that ``due_events`` offers is accepted by ``decide``.
2. Every ladder (config.yaml, in-test variants, examples/*.yaml) reaches each end state from
   each rung of its walk, starting at its informal stage (or stage 1 when it has none).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from domain_support import (
    LONDON,
    REF,
    STRANGER,
    at,
    automatic_rules,
    check_invariants,
    default_rules,
    example_config_paths,
    no_informal_rules,
    rules_from_config,
    snapshot,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot import domain as d
from mailbot.config import load_config

RULESETS = {
    "default": default_rules(),
    "automatic-lac": automatic_rules(),
    "no-informal-cp": no_informal_rules(),
}

EXAMPLE_PATHS = example_config_paths()
NO_EXAMPLES = pytest.mark.skip(
    reason="examples/ has no *.yaml configurations yet (luton/mosaic/micare/merton are being "
    "written): nothing to check beyond config.yaml"
)
EXAMPLE_PARAMS = [pytest.param(p, id=p.stem) for p in EXAMPLE_PATHS] or [
    pytest.param(None, id="no-examples", marks=NO_EXAMPLES)
]

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# =========================================================================== strategies
#
# Strategies are built once per configuration and draw plain "specs" (tuples); the events are
# made from them at the step, when the alert and the time are known. (Building strategies per
# step made the run ten times slower.)

PARTY = "<the natural sender>"  # the raiser for instructions, the responder for replies
SWEEP = "sweep"
KINDS = (
    d.RaiseAlert, d.ManagerResponse, d.ExtensionRequested, d.ExtensionAgreed, d.Extend, d.Escalate,
    d.Resolve, d.Withdraw, d.ReferToCafcass, d.AddNote, d.StatusQuery, d.ReminderDue,
    d.DeadlineLapsed, d.CapBreached,
)
# Closing events are rarer, so that runs live long enough to climb the ladder; SWEEP is the
# deadline sweep (apply whatever due_events offers).
WEIGHTS = {  # in order of simplicity: hypothesis favours (and shrinks towards) the first
    d.Escalate: 6, SWEEP: 4, d.ManagerResponse: 3, d.ExtensionRequested: 2, d.ExtensionAgreed: 2,
    d.Extend: 2, d.DeadlineLapsed: 2, d.ReminderDue: 1, d.CapBreached: 1, d.AddNote: 1,
    d.StatusQuery: 1, d.Resolve: 1, d.Withdraw: 1, d.ReferToCafcass: 1, d.RaiseAlert: 1,
}
assert set(WEIGHTS) == set(KINDS) | {SWEEP}
WEIGHTED_KINDS = tuple(kind for kind, weight in WEIGHTS.items() for _ in range(weight))
STARTS = st.datetimes(
    # Spring bank holidays, the October clock change and the Christmas closure days are in range.
    min_value=datetime(2027, 4, 1), max_value=datetime(2027, 12, 31), timezones=st.just(LONDON)
)
WAITS = st.timedeltas(timedelta(0), timedelta(days=5))


def _named_date(rules: d.Rules, now: datetime, offset: int | None) -> date | None:
    # Any day, weekends and bank holidays included (they roll on to the next working day).
    if offset is None:
        return None
    return rules.calendar.local_date(now) + timedelta(days=offset)


_STRATEGIES: dict[int, tuple] = {}


def strategies_for(rules: d.Rules):
    """(raise specs, step lists) for one configuration."""
    if id(rules) in _STRATEGIES:
        return _STRATEGIES[id(rules)]
    config = rules.config
    emails = sorted(p.email for p in config.people)
    processes = []
    for key in sorted(config.processes):
        process = config.processes[key]
        raisers = sorted(p.email for p in config.people if p.role in process.raised_by)
        lowest = 0 if process.informal is not None else 1
        processes.append(
            st.tuples(st.just(key), st.integers(lowest, process.last_stage), st.sampled_from(raisers))
        )
    raises = st.tuples(
        st.one_of(processes),
        st.lists(st.sampled_from(emails + [STRANGER]), max_size=3).map(tuple),
        st.lists(st.sampled_from(["1234567", "7654321"]), max_size=2, unique=True).map(tuple),
        st.none() | st.integers(0, 12),  # working days the IRO set
        st.none() | st.integers(0, 30),  # a date the IRO set, days from now
    )
    spec = st.tuples(
        st.sampled_from(WEIGHTED_KINDS),
        st.sampled_from([PARTY] * 14 + emails + [STRANGER]),  # the natural sender half the time
        st.none() | st.integers(0, 15),  # working days
        st.none() | st.integers(-10, 40),  # a named date, days from now (past ones refused)
        st.none() | st.integers(0, 6),  # a stage
        raises,
    )
    steps = st.lists(st.tuples(WAITS, spec), min_size=10, max_size=30)
    _STRATEGIES[id(rules)] = (raises, steps)
    return raises, steps


def make_raise(rules: d.Rules, now: datetime, raise_spec) -> d.RaiseAlert:
    (key, stage, raiser), addressed, children, days, until = raise_spec
    return d.RaiseAlert(REF, key, stage, raiser, addressed, children, (), days, _named_date(rules, now, until))


def make_event(rules: d.Rules, alert: d.Alert, now: datetime, spec):
    kind, sender, days, until_offset, stage, raise_spec = spec
    if kind is d.RaiseAlert:
        return make_raise(rules, now, raise_spec)
    if kind in (d.ReminderDue, d.DeadlineLapsed, d.CapBreached):
        return kind()
    if sender == PARTY:
        sender = alert.responder if kind in (d.ManagerResponse, d.ExtensionRequested) else alert.raised_by
    until = _named_date(rules, now, until_offset)
    if kind in (d.ExtensionRequested, d.Extend):
        return kind(sender, days, until)
    if kind is d.Escalate:
        return d.Escalate(sender, stage)
    return kind(sender)


# =========================================================================== the run


def _check_step(before: d.Alert, out: d.Outcome, rules: d.Rules) -> None:
    after = out.alert
    check_invariants(after, rules)
    # who and what the alert is never changes
    for name in ("ref", "process", "raised_by", "opened", "children", "categories", "anchor"):
        assert getattr(after, name) == getattr(before, name), name
    # history is append-only: earlier episodes never change, none disappear
    assert len(after.episodes) >= len(before.episodes)
    assert after.episodes[: len(before.episodes) - 1] == before.episodes[:-1]
    assert after.current.started >= before.current.started
    # the cap flag and a closed status are one-way
    assert after.cap_breached or not before.cap_breached
    if before.status in d.CLOSED:
        assert after == before
    if before.formal_started is not None:
        assert after.formal_started == before.formal_started
    if before.cafcass_at is not None:
        assert after.cafcass_at == before.cafcass_at
    # mail goes only to people in the directory
    for notice in out.notices:
        assert notice.to, notice
        for email in notice.to + notice.cc:
            assert rules.config.person(email) is not None, (notice, email)
    assert out.audit and all(isinstance(line, str) and line for line in out.audit)


def _random_run(data: st.DataObject, rules: d.Rules) -> None:
    raises, steps = strategies_for(rules)
    now = data.draw(STARTS, label="start")
    first = make_raise(rules, now, data.draw(raises, label="raise"))
    alert = d.decide(None, first, now, rules).alert  # a well-formed raise is always accepted
    check_invariants(alert, rules)
    assert alert.status is d.Status.AWAITING_RESPONSE and len(alert.episodes) == 1

    for wait, spec in data.draw(steps, label="steps"):
        now = now + wait
        if spec[0] == SWEEP:
            due = d.due_events(alert, now, rules)
            # The sweep looks only at alerts whose next_due_at has come (issue 13): it must be
            # exactly the first instant anything is due, never later, never needlessly earlier.
            moment = d.next_due_at(alert, rules)
            if moment is None or now < moment:
                assert due == [], (moment, now, due)
            if moment is not None:
                assert d.due_events(alert, moment, rules), moment
                assert d.due_events(alert, moment - timedelta(microseconds=1), rules) == [], moment
            assert not (d.ReminderDue() in due and d.DeadlineLapsed() in due)
            if alert.status in d.CLOSED:
                assert due == []
            for event in due:
                out = d.decide(alert, event, now, rules)  # what the sweep offers is accepted
                _check_step(alert, out, rules)
                alert = out.alert
            continue
        event = make_event(rules, alert, now, spec)
        before = snapshot(alert)
        try:
            out = d.decide(alert, event, now, rules)
        except d.TransitionRefused as refused:
            assert refused.reason
            assert alert == before, "a refused event changed the alert"
            continue
        assert isinstance(out, d.Outcome)
        _check_step(alert, out, rules)
        alert = out.alert


@PROPERTY_SETTINGS
@given(data=st.data(), variant=st.sampled_from(sorted(RULESETS)))
def test_random_event_sequences_keep_the_invariants(data, variant):
    _random_run(data, RULESETS[variant])


@pytest.mark.parametrize("path", EXAMPLE_PARAMS)
def test_random_event_sequences_on_each_example_configuration(path):
    rules = rules_from_config(load_config(path))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def run(data):
        _random_run(data, rules)

    run()


# =========================================================================== ladders


def _rungs(process) -> list[tuple[int, str, str]]:
    """(stage, step, responder role) in the order escalation without a named stage walks them."""
    out = []
    if process.informal is not None:
        out.append((0, d.STEP_STAGE, process.informal.responder))
    for s in process.stages:
        out.append((s.stage, d.STEP_STAGE, s.responder))
        if s.then is not None:
            out.append((s.stage, d.STEP_MEETING, s.responder))
    return out


def _walk_every_ladder(rules: d.Rules) -> int:
    config = rules.config
    checked = 0
    t0 = at(2027, 5, 10, 9, 0)
    for key, process in config.processes.items():
        rungs = _rungs(process)
        raiser = next(p for p in config.people if p.role in process.raised_by)
        first_role = rungs[0][2]
        manager = next(p for p in config.people if p.role == first_role)
        final_ok = process.final is not None and raiser.role in process.final.raised_by
        ends = [(d.Resolve, d.Status.RESOLVED), (d.Withdraw, d.Status.WITHDRAWN)]
        if final_ok:
            ends.append((d.ReferToCafcass, d.Status.CAFCASS))
        for reach in range(len(rungs)):
            for end, status in ends + [(d.ReferToCafcass, None)] * (not final_ok):
                now = t0
                event = d.RaiseAlert(REF, key, rungs[0][0], raiser.email, (manager.email,))
                alert = d.decide(None, event, now, rules).alert
                for i in range(1, reach + 1):
                    now += timedelta(days=1)
                    alert = d.decide(alert, d.Escalate(raiser.email), now, rules).alert
                    check_invariants(alert, rules)
                    stage, step, role = rungs[i]
                    assert (alert.stage, alert.current.step) == (stage, step), (key, i)
                    assert config.person(alert.responder).role == role, (key, i, alert.responder)
                if reach == len(rungs) - 1:
                    with pytest.raises(d.TransitionRefused) as info:
                        d.decide(alert, d.Escalate(raiser.email), now, rules)
                    if process.final is not None:
                        assert process.final.name in info.value.reason
                now += timedelta(hours=3)
                if status is None:
                    with pytest.raises(d.TransitionRefused):
                        d.decide(alert, end(raiser.email), now, rules)
                    continue
                closed = d.decide(alert, end(raiser.email), now, rules).alert
                check_invariants(closed, rules)
                assert closed.status is status
                assert closed.episodes[:-1] == alert.episodes[:-1]
                if status is d.Status.RESOLVED:
                    assert closed.resolved_at_stage == rungs[reach][0]
                checked += 1
    return checked


@pytest.mark.parametrize("variant", sorted(RULESETS))
def test_every_ladder_of_the_default_configuration_reaches_each_end_state(variant):
    assert _walk_every_ladder(RULESETS[variant]) > 0


@pytest.mark.parametrize("path", EXAMPLE_PARAMS)
def test_every_ladder_of_each_example_configuration_reaches_each_end_state(path: Path):
    rules = rules_from_config(load_config(path))
    assert _walk_every_ladder(rules) > 0
