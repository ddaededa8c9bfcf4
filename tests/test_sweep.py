"""The deadline sweep selects in SQL (issue 13): each alert carries its next due instant, set by
every decision; the sweep loads only alerts whose instant has come. Run on SQLite and PostgreSQL.
The figures at 100,000 alerts are bench/sweep.py's job; these tests hold the behaviour."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select, update

from mailbot import domain as d
from mailbot.config import config_from_data
from mailbot.service import Mailbot
from store import repository as repo
from store.models import AlertRow
from test_service import mail

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def bot(tmp_path: Path, root: Path, store_url: str) -> Mailbot:
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["store"] = {"url": store_url}
    return Mailbot(config_from_data(data, base_dir=tmp_path))


def raise_alert(bot: Mailbot, n: int, when: datetime) -> str:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", f"Child ID: {1234560 + n}\n\nThe PEP is missing.",
               when, f"raise-{n}@luton")
    return bot.ingest(raw, when).alert


def stored_next_due(bot: Mailbot, ref: str) -> datetime | None:
    with bot.sessions() as session:
        return session.scalar(select(AlertRow.next_due_at).where(AlertRow.ref == ref))


def test_each_decision_stores_the_next_due_instant_and_the_sweep_reads_only_what_is_due(bot) -> None:
    first, second = raise_alert(bot, 1, at("2027-05-04T10:00")), raise_alert(bot, 2, at("2027-05-11T10:00"))
    with bot.sessions() as session:
        alerts = {a.ref: a for a in repo.list_alerts(session)}
    for ref in (first, second):
        assert stored_next_due(bot, ref) == d.next_due_at(alerts[ref], bot.rules)
    lapse_first = d.next_due_at(alerts[first], bot.rules)
    with bot.sessions() as session:
        assert repo.due_alert_refs(session, lapse_first - timedelta(seconds=1), d.LIVE) == []
        assert repo.due_alert_refs(session, lapse_first, d.LIVE) == [first]
    assert bot.tick(lapse_first - timedelta(seconds=1)) == []
    done = bot.tick(lapse_first)
    assert done and {ref for ref, _ in done} == {first}
    with bot.sessions() as session:
        after = repo.load_alert(session, first)
    assert stored_next_due(bot, first) == (d.next_due_at(after, bot.rules) or repo.NEVER_DUE)
    assert stored_next_due(bot, first) > lapse_first


def test_an_alert_whose_instant_is_unknown_is_swept_and_given_one(bot) -> None:
    """Alerts stored before the column existed (migration 0005 leaves them NULL)."""
    ref = raise_alert(bot, 1, at("2027-05-04T10:00"))
    with bot.sessions.begin() as session:
        session.execute(update(AlertRow).values(next_due_at=None))
    assert bot.tick(at("2027-05-04T12:00")) == []
    assert stored_next_due(bot, ref) is not None


def test_a_closed_alert_is_never_due(bot) -> None:
    ref = raise_alert(bot, 1, at("2027-05-04T10:00"))
    resolve = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
                   "resolve-1@luton", in_reply_to="raise-1@luton")
    bot.ingest(resolve, at("2027-05-05T10:00"))
    assert stored_next_due(bot, ref) == repo.NEVER_DUE
    with bot.sessions() as session:
        assert repo.due_alert_refs(session, at("2030-01-01T00:00"), d.LIVE) == []


def test_a_changed_configuration_has_every_next_due_instant_recomputed(bot, root, tmp_path) -> None:
    """A re-read configuration may change the calendar or a ladder (a deadline already set stays,
    but a reminder day or the cap may move): every instant is recomputed at the next sweep."""
    ref = raise_alert(bot, 1, at("2027-05-04T10:00"))
    data = yaml.safe_load((root / "config.yaml").read_text())
    data["store"] = {"url": bot.config.settings.store.url}
    data["processes"]["lac"]["reminders"] = {"before_due_working_days": 3}
    bot.replace_config(config_from_data(data, base_dir=tmp_path))
    assert stored_next_due(bot, ref) is None
    bot.tick(at("2027-05-04T11:00"))
    with bot.sessions() as session:
        alert = repo.load_alert(session, ref)
    assert stored_next_due(bot, ref) == d.next_due_at(alert, bot.rules)


def test_a_sweep_decided_from_the_preload_ends_as_one_asking_the_store(tmp_path: Path, root: Path, monkeypatch) -> None:
    # The sweep preloads each claimed batch's alerts, history, thread and outbox keys (as an
    # inbound batch does); the notices it queues (their history, thread headers) and its audit
    # must be what asking the store one question at a time gives.
    from test_inbound_batch import _store

    raised = at("2027-05-04T10:00")
    bots = []
    for name in ("preloaded", "asking"):
        data = yaml.safe_load((root / "config.yaml").read_text())
        data["store"] = {"url": f"sqlite:///{tmp_path / name}.db"}
        bot = Mailbot(config_from_data(data, base_dir=tmp_path))
        for n in range(40):
            raise_alert(bot, n, raised + timedelta(minutes=n))
        for n in range(0, 40, 3):  # a third answered: their history differs, and so do their notices
            bot.ingest(mail("dana.tm", "sam.iro", "RE: Pre-Dispute Resolution", "Visit booked.",
                            raised + timedelta(hours=2), f"answer-{n}@luton", in_reply_to=f"raise-{n}@luton"),
                       raised + timedelta(hours=2))
        bots.append(bot)
    preloaded, asking = bots
    swept = []
    for days in (13, 15, 30):  # a reminder, the lapse, and the formal cap
        swept += preloaded.tick(raised + timedelta(days=days))
    monkeypatch.setattr(repo, "preload_batch", lambda *args, **kwargs: None)
    asked = [event for days in (13, 15, 30) for event in asking.tick(raised + timedelta(days=days))]
    assert asked == swept and len({event for _ref, event in swept}) >= 2
    assert _store(preloaded) == _store(asking)


def test_an_alert_that_fails_in_a_sweep_loses_only_its_own_changes(tmp_path: Path, root: Path, monkeypatch,
                                                                    caplog) -> None:
    """A sweep batch is applied without a savepoint per alert and written at its end; when one
    alert fails (forced here: a real fault cannot be had on cue), the batch is undone and swept
    again alert by alert, so the others' reminders stand and the failed alert is met again at
    the next sweep."""
    raised = at("2027-05-04T10:00")
    bot = Mailbot(config_from_data({**yaml.safe_load((root / "config.yaml").read_text()),
                                    "store": {"url": f"sqlite:///{tmp_path / 'sweep.db'}"}}, base_dir=tmp_path))
    refs = [raise_alert(bot, n, raised + timedelta(minutes=n)) for n in range(6)]
    real_sweep_one = bot._sweep_one
    failing = refs[2]

    def fails_for_one(session, ref, now):
        found = real_sweep_one(session, ref, now)  # its changes are made, then it fails
        if ref == failing:
            raise RuntimeError("the store went away")
        return found

    monkeypatch.setattr(bot, "_sweep_one", fails_for_one)
    reminded = raised + timedelta(days=13)
    swept = bot.tick(reminded)
    assert sorted(ref for ref, _event in swept) == sorted(r for r in refs if r != failing)
    assert "could not be handled" in caplog.text
    with bot.sessions() as session:
        templates = {(row.alert_ref, row.template) for row in repo.outbox_rows(session)}
    assert all((ref, "reminder") in templates for ref in refs if ref != failing)
    assert (failing, "reminder") not in templates
    monkeypatch.setattr(bot, "_sweep_one", real_sweep_one)
    assert [ref for ref, _event in bot.tick(reminded)] == [failing]  # met again, and done
