"""A batch decided from what was loaded before it (issue 13) decides exactly as asking the store.

``ingest_batch`` loads what deciding its messages reads (threads, alerts, our own Message-IDs,
the day's counts, and with the first notice the alerts' history, outbox keys and threads) in a
few queries, and answers from that while it decides (store.repository.preload_batch). Each test
here decides the same mail twice on two real stores (SQLite; one on each engine in the last
test), once so and once asking the store as it goes (``Mailbot._preload`` patched to decline,
which is how a batch holding a message recorded earlier is decided), and requires the two
stores to end up the same, row for row: the messages' outcomes, the alerts, every audit line
and every queued mail, bodies included.

The mail is the benchmarks' deterministic corpus (bench/drp_corpus.py: new alerts and the replies
in their threads, often in the same batch) plus hand-made messages for the corners: a thread
over the daily limits, a message set aside half-way through its decision.
"""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from mailbot.config import load_config
from mailbot.service import Arrival, Mailbot
from store import repository as repo
from store.models import AuditRow, MessageRow, OutboxRow

from test_service import at, mail

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from drp_corpus import corpus, end_of  # noqa: E402

WHEN = at("2027-05-04T10:00")


def _bot(folder: Path, root: Path, security: dict[str, int] | None = None, store_url: str | None = None) -> Mailbot:
    folder.mkdir()
    text = (root / "config.yaml").read_text()
    for key, value in (security or {}).items():
        text, count = re.subn(rf"(?m)^  {key}:.*$", f"  {key}: {value}", text)
        assert count == 1, f"config.yaml has no {key} line"
    if store_url is not None:
        text, count = re.subn(r"(?m)^  url: sqlite:///var/mailbot.db$", f"  url: {store_url}", text)
        assert count == 1, "config.yaml names no store"
    (folder / "config.yaml").write_text(text)
    return Mailbot(load_config(folder / "config.yaml"))


def _pair(tmp_path: Path, root: Path, monkeypatch, security: dict[str, int] | None = None) -> tuple[Mailbot, Mailbot]:
    """Two bots on two stores: the first decides from the batch's preload, the second asks the store."""
    batched, asking = _bot(tmp_path / "batched", root, security), _bot(tmp_path / "asking", root, security)
    monkeypatch.setattr(asking, "_preload", lambda *args: False)
    return batched, asking


def _store(bot: Mailbot) -> dict[str, list]:
    """Everything the decisions wrote, in the order written (ids aside)."""
    with bot.sessions() as session:
        return {
            "messages": session.execute(select(MessageRow.dedupe_key, MessageRow.kind, MessageRow.status,
                                               MessageRow.reason, MessageRow.alert_ref, MessageRow.handled_at)
                                        .order_by(MessageRow.id)).all(),
            "alerts": repo.list_alerts(session),
            "audit": session.execute(select(AuditRow.at, AuditRow.alert_ref, AuditRow.actor, AuditRow.message_id,
                                            AuditRow.action, AuditRow.detail).order_by(AuditRow.id)).all(),
            "outbox": session.execute(select(OutboxRow.idempotency_key, OutboxRow.message_id, OutboxRow.alert_ref,
                                             OutboxRow.template, OutboxRow.to_addrs, OutboxRow.cc_addrs,
                                             OutboxRow.subject, OutboxRow.body_text, OutboxRow.body_html,
                                             OutboxRow.in_reply_to, OutboxRow.references)
                                      .order_by(OutboxRow.id)).all(),
        }


def _ingest(bot: Mailbot, raws: list[bytes], when, batch: int) -> list:
    results = []
    for start in range(0, len(raws), batch):
        results += bot.ingest_batch([Arrival(raw) for raw in raws[start:start + batch]], when)
    return results


def _statements(bot: Mailbot) -> list[str]:
    seen: list[str] = []
    event.listen(bot.sessions.kw["bind"], "before_cursor_execute",
                 lambda _conn, _cursor, statement, *rest: seen.append(statement))
    return seen


@pytest.mark.parametrize("security", [{"per_sender_per_day": 100_000}, {"per_sender_per_day": 12, "per_alert_per_day": 3}],
                         ids=["no limit per sender", "tight limits"])
def test_a_corpus_decided_in_batches_ends_as_when_the_store_is_asked_message_by_message(
        tmp_path: Path, root: Path, monkeypatch, security) -> None:
    messages = corpus(240)
    raws, when = [m.raw for m in messages], end_of(messages)
    batched, asking = _pair(tmp_path, root, monkeypatch, security)
    asked = _statements(asking)
    by_preload = _ingest(batched, raws, when, 60)
    asked_at_start = len(asked)
    by_asking = _ingest(asking, raws, when, 60)
    assert by_preload == by_asking
    assert _store(batched) == _store(asking)
    # The corpus did what it is for: replies found their alerts (several raised in the same
    # batch), notices went out with their history, and the limits (when tight) set mail aside.
    kinds = {r.kind for r in by_preload}
    assert {"new_alert", "manager_response", "instruction"} <= kinds
    assert len(_store(batched)["outbox"]) > 40
    limited = [r for r in by_preload if (r.reason or "").startswith("rate limit")]
    assert bool(limited) == (security["per_sender_per_day"] == 12)
    assert len(asked) > asked_at_start  # the store really was asked, message by message


def test_a_message_set_aside_half_way_takes_back_what_the_batch_held_of_it(
        tmp_path: Path, root: Path, monkeypatch) -> None:
    """The third message over the limit fails after its decision queued the Business Manager's
    "rate limited" notice and wrote its audit lines (the failure is forced: a real one cannot be
    had on cue). Its savepoint takes them back, so the fourth queues the notice again, and a
    later notice's history shows none of the lines taken back."""
    raise_alert = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
                       WHEN, "raise-1@luton")
    later = WHEN + timedelta(minutes=5)
    notes = [mail("sam.iro", "dana.tm", "RE: Pre-Dispute Resolution", f"NOTE call {n} made", later,
                  f"note-{n}@luton", in_reply_to="raise-1@luton") for n in range(5)]
    escalate = mail("sam.iro", "dana.tm", "RE: Pre-Dispute Resolution", "ESCALATE to stage 1", later,
                    "escalate@luton", in_reply_to="raise-1@luton")
    outcomes = []
    for bot in _pair(tmp_path, root, monkeypatch, {"per_alert_per_day": 3}):
        assert bot.ingest(raise_alert, WHEN).status == "processed"
        real_finish = bot._finish

        def fails_once_over_the_limit(session, row, kind, status, reason, alert_ref, now):
            if row.message_id == "note-3@luton":
                raise RuntimeError("store went away")
            return real_finish(session, row, kind, status, reason, alert_ref, now)

        monkeypatch.setattr(bot, "_finish", fails_once_over_the_limit)
        # A new day for the limits: the raising mail was yesterday's.
        results = bot.ingest_batch([Arrival(raw) for raw in [*notes, escalate]], later + timedelta(days=1))
        outcomes.append((results, _store(bot)))
    (results, store), (asked_results, asked_store) = outcomes
    assert [r.status for r in results] == ["processed"] * 3 + ["quarantined"] * 3
    assert "store went away" in results[3].reason and results[4].reason.startswith("rate limit")
    assert [row.template for row in store["outbox"]].count("rate_limited") == 1
    assert not any("note-3@luton" == line.message_id for line in store["audit"] if line.action != "quarantined")
    assert results == asked_results and store == asked_store


def test_a_batch_loads_what_it_reads_in_a_few_queries(tmp_path: Path, root: Path) -> None:
    """Forty replies in the threads of forty alerts, decided in one batch, ask the store no
    question per message: what each asks was loaded with the batch. Nor is anything written per
    message: with no message failing, the batch has no savepoints and its records, alert changes,
    audit lines and notices go in at its end, a statement or a few per table."""
    bot = _bot(tmp_path / "bot", root)
    raises = [mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", f"Child ID: {1234500 + n}\n\nThe PEP is missing.",
                   WHEN, f"raise-{n}@luton") for n in range(40)]
    _ingest(bot, raises, WHEN, 40)
    replies = [mail("dana.tm", "sam.iro", "RE: Pre-Dispute Resolution", "The PEP meeting is booked for Thursday.",
                    WHEN, f"reply-{n}@luton", in_reply_to=f"raise-{n}@luton") for n in range(40)]
    statements = _statements(bot)
    results = _ingest(bot, replies, WHEN + timedelta(hours=1), 40)
    assert [r.kind for r in results] == ["manager_response"] * 40  # 40 a day from one sender is the limit
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 12, "\n".join(s.splitlines()[0] for s in selects)
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    assert len(statements) <= 25, "\n".join(s.splitlines()[0] for s in statements)


def test_on_each_engine_a_batch_ends_as_when_the_store_is_asked(tmp_path: Path, root: Path, monkeypatch,
                                                                 store_url: str) -> None:
    """The same, with the batches decided on each engine (PostgreSQL: locks, RETURNING and the
    many-row inserts differ) against SQLite asked message by message."""
    messages = corpus(120)
    raws, when = [m.raw for m in messages], end_of(messages)
    tight = {"per_sender_per_day": 12, "per_alert_per_day": 3}
    batched = _bot(tmp_path / "batched", root, tight, store_url)
    asking = _bot(tmp_path / "asking", root, tight)
    monkeypatch.setattr(asking, "_preload", lambda *args: False)
    assert _ingest(batched, raws, when, 40) == _ingest(asking, raws, when, 40)
    assert _store(batched) == _store(asking)
    assert len(_store(batched)["outbox"]) > 20
