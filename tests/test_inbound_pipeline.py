"""The inbound pipeline (issue 13): a batch is read, recorded and decided in one transaction and
then moved out of the inbox as a set; one message's failure sets only that message aside; the
order of the mailbox holds inside a batch; the same message twice in a batch is handled once; a
Business Manager's command mail in the middle of a batch keeps its place; and a batch whose
transaction cannot commit is handled again one message at a time. Real SQLite store and real
Maildir folders throughout."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailbot.maildir import MaildirSource
from mailbot.service import Arrival, Mailbot
from mailbot.shell import drain_mailbox
from store import repository as repo
from store.models import AuditRow, MessageRow

from test_service import at, bot, mail  # noqa: F401 - bot is a fixture

WHEN = at("2027-05-04T10:00")


def _raise(n: int) -> bytes:
    return mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", f"Child ID: {1234500 + n}\n\nThe PEP is missing.",
                WHEN, f"raise-{n}@luton")


def _count(bot: Mailbot, model) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_batch_is_recorded_and_decided_and_a_reply_in_it_finds_the_alert_raised_before_it(bot: Mailbot) -> None:
    reply = mail("dana.tm", "sam.iro", "RE: Pre-Dispute Resolution", "The PEP was done today.", WHEN,
                 "reply-0@luton", in_reply_to="raise-0@luton")
    results = bot.ingest_batch([Arrival(_raise(0)), Arrival(reply), Arrival(_raise(1))], WHEN)
    assert [r.status for r in results] == ["processed", "processed", "processed"]
    assert results[1].alert == results[0].alert and results[2].alert != results[0].alert
    assert results[1].kind == "manager_response"
    assert _count(bot, MessageRow) == 3
    # Two acknowledgements and the IRO told that the manager answered, queued with the batch.
    assert [r.template for r in bot.outbox()] == ["acknowledgement", "response_received", "acknowledgement"]


def test_one_failing_message_is_set_aside_and_the_rest_of_its_batch_is_decided(bot: Mailbot, monkeypatch) -> None:
    # The failure is forced (a handler fault cannot be produced with real input on demand).
    real_handle = bot._handle

    def fails_for_one(session, key, parsed, now, **kwargs):
        if parsed.envelope.message_id == "raise-1@luton":
            raise RuntimeError("handler blew up")
        return real_handle(session, key, parsed, now, **kwargs)

    monkeypatch.setattr(bot, "_handle", fails_for_one)
    results = bot.ingest_batch([Arrival(_raise(n)) for n in range(3)], WHEN)
    assert [r.status for r in results] == ["processed", "quarantined", "processed"]
    assert "handler blew up" in results[1].reason
    with bot.sessions() as session:
        kept = repo.find_message(session, "mid:raise-1@luton")
        # Recorded before it was decided: the raw bytes are kept with the reason.
        assert kept.raw == _raise(1) and kept.status == "quarantined"
        # The failed message's half-made changes went with its savepoint: two alerts, not three.
        assert len(repo.list_alerts(session)) == 2
        assert session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action == "quarantined")) == 1


def test_the_same_message_twice_in_one_batch_is_handled_once(bot: Mailbot) -> None:
    results = bot.ingest_batch([Arrival(_raise(0), "k1"), Arrival(_raise(0), "k2")], WHEN)
    assert results[0].status == "processed" and not results[0].duplicate
    assert results[1].duplicate and results[1].alert == results[0].alert
    with bot.sessions() as session:
        assert len(repo.list_alerts(session)) == 1


def test_a_command_mail_keeps_its_place_in_the_batch(bot: Mailbot) -> None:
    """The Business Manager's FIND runs after the alert raised before it in the same batch is
    committed, so it finds it."""
    find = mail("chris.bm", "drp", "DRP", "FIND 1234500", WHEN, "cmd-1@luton")
    results = bot.ingest_batch([Arrival(_raise(0)), Arrival(find), Arrival(_raise(1))], WHEN)
    assert [r.kind for r in results] == ["new_alert", "admin_command", "new_alert"]
    answer = next(r for r in bot.outbox() if r.template == "admin_reply")
    assert f"{results[0].alert}: waiting for the manager's response" in answer.body_text


def test_a_batch_that_cannot_commit_is_handled_one_message_at_a_time(bot: Mailbot, monkeypatch) -> None:
    """Another process (`mailbot ingest`) recorded one message of the batch after the batch
    looked its keys up: the batch's insert fails as a whole, and each message is handled again
    alone, that one as the duplicate it is. The race is forced by hiding the first look-up's
    answer (it cannot be timed on cue)."""
    assert bot.ingest(_raise(1), WHEN).status == "processed"
    real_seen, calls = repo.messages_seen, []

    def first_look_misses(session, keys):
        calls.append(1)
        return {} if len(calls) == 1 else real_seen(session, keys)

    monkeypatch.setattr(repo, "messages_seen", first_look_misses)
    results = bot.ingest_batch([Arrival(_raise(n)) for n in range(3)], WHEN)
    assert [r.status for r in results] == ["processed", "processed", "processed"]
    assert [r.duplicate for r in results] == [False, True, False]
    with bot.sessions() as session:
        assert len(repo.list_alerts(session)) == 3


def test_draining_moves_the_batch_only_after_it_is_committed(bot: Mailbot, monkeypatch) -> None:
    source = MaildirSource(bot.config.resolve_path("var/mail"))
    for n in range(5):
        source.deliver(_raise(n))
    source.deliver(mail("stranger@elsewhere.example.com", "dana.tm", "Hello", "hi", WHEN, "m2@x"))
    # A store that fails at commit (forced: a real one cannot be made to on cue): nothing leaves
    # the inbox and nothing is half-recorded.
    real = bot._decide_run

    def refuses(run, seen, now, results):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bot, "_decide_run", refuses)
    with pytest.raises(RuntimeError):
        drain_mailbox(bot, WHEN, source)
    assert len(source.pending()) == 6 and _count(bot, MessageRow) == 0
    monkeypatch.setattr(bot, "_decide_run", real)
    results = drain_mailbox(bot, WHEN, source)
    assert [r.status for r in results] == ["processed"] * 5 + ["quarantined"]
    assert source.pending() == []
    assert "not part of a known thread" in source.reasons_log.read_text()


def test_batches_follow_the_configured_size(bot: Mailbot, tmp_path: Path, root: Path) -> None:
    text = (root / "config.yaml").read_text().replace("  quarantine_folder: quarantine",
                                                       "  quarantine_folder: quarantine\n  batch_size: 2")
    (tmp_path / "small.yaml").write_text(text)
    from mailbot.config import load_config

    small = Mailbot(load_config(tmp_path / "small.yaml"), bot.sessions)
    source = MaildirSource(small.config.resolve_path("var/mail"))
    for n in range(5):
        source.deliver(_raise(n))
    sizes = []
    real = small.ingest_batch
    small.ingest_batch = lambda arrivals, now, *reading: (sizes.append(len(arrivals)), real(arrivals, now, *reading))[1]
    assert len(drain_mailbox(small, WHEN, source)) == 5
    assert sizes == [2, 2, 1]
