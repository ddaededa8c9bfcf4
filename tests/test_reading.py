"""Issue 8 through the whole service (real SQLite store, templates, outbox): what was read is
said, an unsure reading changes nothing and asks, a manager's decision word stands as their
response and they are told once who decides, an escalation carries its timescale, a rung named
in words is found on the ladder, and people may hold several roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot import domain as d
from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo

from test_service import at, mail, raise_informal


@pytest.fixture
def bot(tmp_path: Path, root: Path) -> Mailbot:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    return Mailbot(load_config(tmp_path / "config.yaml"))


def _outbox(bot: Mailbot) -> list[tuple[str, str, str]]:
    with bot.sessions() as session:
        return [(r.template, " ".join(r.to_addrs), r.body_text) for r in repo.outbox_rows(session)]


def _reply(bot: Mailbot, sender: str, body: str, when: str, mid: str, ref: str):
    raw = mail(sender, "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", body, at(when), mid,
               in_reply_to="raise-1@luton")
    return bot.ingest(raw, at(when))


def test_the_acknowledgement_says_what_was_read(bot: Mailbot) -> None:
    raise_informal(bot)
    template, to, body = _outbox(bot)[0]
    assert template == "acknowledgement"
    assert "Read as:     new alert at Pre-Dispute Resolution, Dana Hughes, respond by" in body


def test_dates_and_durations_of_the_narrative_are_facts_and_the_default_applies(bot: Mailbot) -> None:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution",
               "Child ID: 1234567\n\nThe visits have been overdue since 3 March and the PEP meeting is on "
               "14 May. The review agreed the visits would be completed within 5 working days, and the "
               "stage 1 deadline of 2 June was missed last time.",
               at("2027-05-04T10:00"), "raise-1@luton")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert result.status == "processed"
    alert = bot.alerts()[0]
    # Luton's informal stage: 10 working days from Tue 4 May 2027 (the 31st is a bank holiday).
    assert alert.current.due.isoformat() == "2027-05-18"


def test_prose_decision_changes_nothing_and_asks_with_the_exact_words(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    result = _reply(bot, "sam.iro", "Thanks Dana. Having read your reply I'm satisfied with the plan, "
                    "so we can close this.", "2027-05-05T10:00", "i-1@x", ref)
    assert (result.kind, result.status) == ("confirm", "processed")
    assert bot.alerts()[0].status is d.Status.AWAITING_RESPONSE
    template, to, body = _outbox(bot)[-1]
    assert template == "confirm_reading" and "sam.iro@" in to
    assert "nothing was changed" in body and "\n    RESOLVED\n" in body
    # The IRO sends the exact words: now it is obeyed.
    result = _reply(bot, "sam.iro", "RESOLVED", "2027-05-05T11:00", "i-2@x", ref)
    assert result.kind == "instruction"
    assert bot.alerts()[0].status is d.Status.RESOLVED


def test_escalation_target_at_or_below_the_current_stage_is_asked_about(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    _reply(bot, "sam.iro", "Escalate to stage 2 please", "2027-05-05T10:00", "i-1@x", ref)
    assert bot.alerts()[0].stage == 2
    result = _reply(bot, "sam.iro", "Escalate to stage 1, the response was poor", "2027-05-06T10:00", "i-2@x", ref)
    assert result.kind == "confirm"
    assert bot.alerts()[0].stage == 2


def test_escalation_by_rung_name_with_a_timescale(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    result = _reply(bot, "sam.iro", "Hi Dana,\n\nNot resolved - please escalate straight to the Assistant "
                    "Director, response within 3 working days please. The stage 1 deadline of 4 June is "
                    "irrelevant now.", "2027-05-05T10:00", "i-1@x", ref)
    assert result.kind == "instruction", result
    alert = bot.alerts()[0]
    assert alert.stage == 3
    # Three working days from Wed 5 May 2027.
    assert alert.current.due.isoformat() == "2027-05-10"
    notices = {t: b for t, _, b in _outbox(bot)}
    assert "Read as:     ESCALATE to Stage 3 Assistant Director" in notices["escalation_notice"]
    assert "timescale from your e-mail" in notices["escalation_notice"]


def test_a_managers_decision_word_is_their_response_and_they_are_told_once_who_decides(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    first = _reply(bot, "dana.tm", "Resolved - all done, visits completed.", "2027-05-05T10:00", "tm-1@x", ref)
    second = _reply(bot, "dana.tm", "Resolved. PEP also done.", "2027-05-05T11:00", "tm-2@x", ref)
    assert first.kind == second.kind == "manager_response"
    alert = bot.alerts()[0]
    assert alert.status is d.Status.RESPONSE_RECEIVED
    told = [t for t, to, _ in _outbox(bot) if t == "who_decides"]
    assert told == ["who_decides"]
    with bot.sessions() as session:
        actions = [a.action for a in repo.audit_for(session, ref)]
    assert actions.count("not_entitled") == 2


def test_a_person_with_two_roles_raises_in_the_process_the_mail_names(tmp_path: Path, root: Path) -> None:
    text = (root / "config.yaml").read_text()
    assert "role: iro," in text
    text = text.replace("{email: sam.iro@luton.example.gov.uk, name: Sam Okafor, role: iro,",
                        "{email: sam.iro@luton.example.gov.uk, name: Sam Okafor, role: 'iro;cp_chair',")
    (tmp_path / "config.yaml").write_text(text)
    bot = Mailbot(load_config(tmp_path / "config.yaml"))
    cp = mail("sam.iro", "ruth.tm", "Pre-Dispute Resolution - child protection conference",
              "Case ID: 7654321\n\nThe core group has not met since the conference.", at("2027-05-04T10:00"), "cp-1@x")
    lac = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
               at("2027-05-04T10:05"), "lac-1@x")
    assert bot.ingest(cp, at("2027-05-04T10:00")).status == "processed"
    assert bot.ingest(lac, at("2027-05-04T10:05")).status == "processed"
    assert sorted(a.process for a in bot.alerts()) == ["cp", "lac"]


def test_new_alert_whose_concern_cannot_be_read_is_kept_for_a_person(bot: Mailbot) -> None:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "\n\n", at("2027-05-04T10:00"), "empty-1@x")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert result.status == "quarantined"
    assert result.reason.startswith("the concern text could not be read")


def test_escalation_to_a_first_name_goes_to_that_persons_rung(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    result = _reply(bot, "sam.iro", "Escalate to Jamie please - nothing from Dana. I need a response by Friday 7 May.",
                    "2027-05-05T10:00", "i-1@x", ref)
    assert result.kind == "instruction", result
    alert = bot.alerts()[0]
    assert alert.stage == 3 and alert.current.due.isoformat() == "2027-05-07"


def test_a_decision_relayed_on_the_iros_behalf_is_not_obeyed_and_the_sender_is_told_who_decides(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    result = _reply(bot, "chris.bm", "Hi Dana,\n\nSam is in court today and asked me to pass this on: she has "
                    "asked for this to be escalated to Morgan at stage 2.", "2027-05-05T10:00", "bm-1@x", ref)
    assert result.status == "processed"
    alert = bot.alerts()[0]
    assert alert.stage == 0 and alert.status is d.Status.AWAITING_RESPONSE
    told = [(t, to) for t, to, _ in _outbox(bot) if t == "who_decides"]
    assert told == [("who_decides", "chris.bm@luton.example.gov.uk")]
    with bot.sessions() as session:
        assert "not_entitled" in [a.action for a in repo.audit_for(session, ref)]
