"""Shared helpers for the alert state machine tests (tests/test_domain*.py).

Rules built from the embedded default configuration (Luton: processes "lac" and "cp"), variants of
it built in the test (automatic escalation; a process with no informal stage), the people of its
directory, London times, and the invariants every alert must keep.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from mailbot import domain as d
from mailbot.config import Config, config_from_data, load_config
from mailbot.service import calendar_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config.yaml"
EXAMPLES_DIR = ROOT / "examples"
LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


SAM = addr("sam.iro")  # IRO
JO = addr("jo.iro")  # IRO
ALEX = addr("alex.cpchair")  # CP Chair
PRIYA = addr("priya.qa")  # QA manager
CHRIS = addr("chris.bm")  # business manager
DANA = addr("dana.tm")  # team manager -> morgan.sm
LEE = addr("lee.tm")  # team manager -> morgan.sm
RUTH = addr("ruth.tm")  # team manager -> taylor.sm
MORGAN = addr("morgan.sm")  # service manager -> jamie.ad
TAYLOR = addr("taylor.sm")  # service manager -> jamie.ad
JAMIE = addr("jamie.ad")  # assistant director -> pat.director
PAT = addr("pat.director")  # director
ROBIN = addr("robin.dd")  # divisional director
STRANGER = "someone@elsewhere.example.org"  # not in the directory

REF = "DRP-2027-0001"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """An aware instant, London local time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


# --------------------------------------------------------------------------- rules


def rules_from_config(config: Config) -> d.Rules:
    return d.Rules(config, calendar_for(config))


def default_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def rules_from_data(data: dict[str, Any]) -> d.Rules:
    return rules_from_config(config_from_data(data, base_dir=ROOT))


def default_rules() -> d.Rules:
    return rules_from_config(load_config(DEFAULT_CONFIG))


def automatic_rules() -> d.Rules:
    """config.yaml with ``processes.lac.escalation: automatic`` (cp stays ``prompt``)."""
    data = default_data()
    data["processes"]["lac"]["escalation"] = "automatic"
    return rules_from_data(data)


def no_informal_rules() -> d.Rules:
    """config.yaml with the cp process's informal stage removed."""
    data = default_data()
    del data["processes"]["cp"]["informal"]
    return rules_from_data(data)


def example_config_paths() -> list[Path]:
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in EXAMPLES_DIR.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


# --------------------------------------------------------------------------- driving alerts


def raise_alert(
    rules: d.Rules,
    now: datetime,
    process: str = "lac",
    stage: int = 0,
    raised_by: str = SAM,
    addressed: tuple[str, ...] = (DANA,),
    **kwargs: Any,
) -> d.Outcome:
    event = d.RaiseAlert(REF, process, stage, raised_by, addressed, **kwargs)
    return d.decide(None, event, now, rules)


def run(rules: d.Rules, alert: d.Alert | None, steps: Iterable[tuple[datetime, Any]]) -> d.Alert:
    """Apply (now, event) steps in order; each must be accepted."""
    for now, event in steps:
        alert = d.decide(alert, event, now, rules).alert
    assert alert is not None
    return alert


def snapshot(alert: d.Alert | None) -> d.Alert | None:
    return copy.deepcopy(alert)


# --------------------------------------------------------------------------- invariants


def check_invariants(alert: d.Alert, rules: d.Rules) -> None:
    """What every alert must satisfy after any accepted event."""
    process = rules.process(alert.process)
    cal = rules.calendar
    assert isinstance(alert.status, d.Status) and alert.status in set(d.Status)
    assert alert.episodes, "an alert always has at least one episode"
    lowest = 0 if process.informal is not None else 1
    for ep in alert.episodes:
        assert lowest <= ep.stage <= process.last_stage, ep
        assert ep.step in (d.STEP_STAGE, d.STEP_MEETING), ep
        if ep.step == d.STEP_MEETING:
            assert ep.stage > 0 and process.stage(ep.stage).then is not None, ep
        assert cal.is_working_day(ep.due), f"due {ep.due} ({ep.due:%A}) is not a working day: {ep}"
        assert rules.config.person(ep.responder) is not None, f"responder {ep.responder} not in the directory"
        assert (ep.ended is None) == (ep.outcome is None), ep
    unended = [i for i, ep in enumerate(alert.episodes) if ep.ended is None]
    assert len(unended) <= 1, f"more than one open episode: {unended}"
    if alert.status in d.LIVE:
        assert unended == [len(alert.episodes) - 1], "the live episode must be the last and not ended"
    else:
        assert unended == [], "a closed alert has no open episode"
    # every episode but the last was left by escalation, or closed and then reopened at the
    # same rung (the Business Manager's REOPEN, issue 10)
    for ep, following in zip(alert.episodes, alert.episodes[1:]):
        assert ep.outcome == "escalated" or (
            ep.outcome in ("resolved", "withdrawn", "cafcass")
            and (following.stage, following.step) == (ep.stage, ep.step)), (ep, following)
    assert (alert.closed is not None) == (alert.status in d.CLOSED)
    assert (alert.resolved_at_stage is not None) == (alert.status is d.Status.RESOLVED)
    if alert.status is d.Status.RESOLVED:
        assert alert.resolved_at_stage == alert.current.stage
    assert (alert.cafcass_at is not None) == (alert.status is d.Status.CAFCASS)
    if alert.status in d.CLOSED:
        assert alert.pending_extension is None
        assert alert.current.outcome == alert.status.value
    if any(ep.stage > 0 for ep in alert.episodes):
        assert alert.formal_started is not None
    else:
        assert alert.formal_started is None
    if alert.status is d.Status.OPEN:
        assert alert.current.lapsed
    assert alert.categories, "an alert always has a category (unclassified when none)"


def plain_reply(sender: str, body: str, ref: str, message_id: str = "<r@x.example>") -> bytes:
    """A plain-text reply in an alert's thread, as the routing tests send it to the mailbox."""
    return (f"From: {sender}\r\nTo: drp@luton.example.gov.uk\r\nSubject: RE: [{ref}] Stage 1\r\n"
            f"Date: Wed, 03 Feb 2027 09:12:00 +0000\r\nMessage-ID: {message_id}\r\nIn-Reply-To: <a1@x.example>\r\n"
            "References: <a1@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def formal_lac_alert() -> tuple[Config, d.Alert]:
    """The embedded configuration and a Stage 1 looked-after alert Sam raised with Dana."""
    config = load_config(DEFAULT_CONFIG)
    return config, raise_alert(rules_from_config(config), at(2027, 2, 1), "lac", 1, SAM, (DANA,)).alert
