"""Mail set aside as a work queue (issue 10, items 1-3 in part): handles, RETRY / ATTACH / DISMISS
by e-mail from the Business Manager, the same from the command line, and mail moved back to the
inbox. A real Mailbot on real SQLite, real message bytes; the directory change is a real edit of
the configuration file, read again as a restart would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot import domain as d
from mailbot import workqueue
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo
from test_service import DOMAIN, at, mail, raise_informal

NEW_IRO = "  - {email: kim.iro@luton.example.gov.uk, name: Kim Patel, role: iro, team: Safeguarding and QA}\n"


@pytest.fixture
def config_path(tmp_path: Path, root: Path) -> Path:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    return tmp_path / "config.yaml"


def _bot(config_path: Path) -> Mailbot:
    return Mailbot(load_config(config_path))


def _bm_mail(body: str, when: str, mid: str) -> bytes:
    return mail("chris.bm", "drp", "Work queue", body, at(when), mid)


def _templates(bot: Mailbot) -> list[tuple[str, tuple[str, ...], str]]:
    with bot.sessions() as session:
        return [(r.template, tuple(r.to_addrs), r.body_text) for r in repo.outbox_rows(session)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RETRY Q-0012", [("RETRY", "Q-0012", None, "")]),
        ("Hi,\nattach q12 to drp-2027-0003\nthanks", [("ATTACH", "Q-0012", "DRP-2027-0003", "")]),
        ("DISMISS Q-0007 not a DRP concern", [("DISMISS", "Q-0007", None, "not a DRP concern")]),
        ("Please retry the one from Kim", []),
    ],
)
def test_commands_are_read_line_by_line(text: str, expected: list) -> None:
    got = [(c.verb, c.handle, c.ref, c.reason) for c in workqueue.parse_commands(text)]
    assert got == expected


def test_a_command_without_what_it_needs_says_so() -> None:
    assert workqueue.parse_commands("DISMISS Q-0007")[0].problem.startswith("DISMISS needs a reason")
    assert workqueue.parse_commands("ATTACH Q-0007")[0].problem.startswith("ATTACH needs an alert")


def test_a_new_iros_concern_is_retried_by_email_after_the_directory_changes(config_path: Path) -> None:
    bot = _bot(config_path)
    concern = mail("kim.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
                   at("2027-05-04T10:00"), "kim-1@luton")
    first = bot.ingest(concern, at("2027-05-04T10:00"))
    assert first.status == "quarantined" and "not a known IRO" in first.reason
    [(handle, _)] = bot.quarantined()
    # The digest shows the handle and how to act on it.
    digest = bot.digest(at("2027-05-05T08:30"), queue=False)
    assert handle in digest[1] and "RETRY Q-0012" in digest[1]
    # The administrator adds Kim to the directory; the daemon is restarted on it.
    text = config_path.read_text().replace("  - {email: jo.iro@", NEW_IRO + "  - {email: jo.iro@", 1)
    config_path.write_text(text)
    bot = _bot(config_path)
    result = bot.ingest(_bm_mail(f"Hello,\n\nRETRY {handle}\n\nChris", "2027-05-05T09:00", "bm-1@luton"),
                        at("2027-05-05T09:00"))
    assert result.kind == "admin_command"
    [alert] = bot.alerts()
    assert alert.raised_by == f"kim.iro@{DOMAIN}" and alert.children == ("1234567",)
    assert bot.quarantined() == []
    answer = [b for t, to, b in _templates(bot) if t == "admin_reply"]
    assert answer and f"RETRY {handle}: processed as {alert.ref}" in answer[0]
    with bot.sessions() as session:
        actions = [(a.actor, a.action) for a in repo.audit_for(session, alert.ref)]
    assert (f"chris.bm@{DOMAIN}", "retried") in actions
    # Nothing is handled twice: the same command again is refused with the reason.
    bot.ingest(_bm_mail(f"RETRY {handle}", "2027-05-05T09:05", "bm-2@luton"), at("2027-05-05T09:05"))
    assert len(bot.alerts()) == 1
    assert any("not waiting for a person" in b for t, _, b in _templates(bot) if t == "admin_reply")


def test_a_misfiled_reply_is_attached_and_counts_as_the_response(config_path: Path) -> None:
    bot = _bot(config_path)
    ref = raise_informal(bot)
    # The manager writes a new mail naming the alert only in the subject: set aside.
    misfiled = mail("dana.tm", "sam.iro", f"[{ref}] update", "The PEP meeting is booked.", at("2027-05-05T10:00"),
                    "dana-1@luton")
    assert bot.ingest(misfiled, at("2027-05-05T10:00")).status == "quarantined"
    [(handle, _)] = bot.quarantined()
    bot.ingest(_bm_mail(f"ATTACH {handle} TO {ref}", "2027-05-05T11:00", "bm-3@luton"), at("2027-05-05T11:00"))
    assert bot.alerts()[0].status is d.Status.RESPONSE_RECEIVED


def test_dismissed_mail_leaves_the_list_with_its_reason(config_path: Path) -> None:
    bot = _bot(config_path)
    bot.ingest(mail("someone@elsewhere.example", "drp", "Newsletter", "Hello", at("2027-05-04T10:00"), "n-1@x"),
               at("2027-05-04T10:00"))
    [(handle, _)] = bot.quarantined()
    bot.ingest(_bm_mail(f"DISMISS {handle} a newsletter, not DRP", "2027-05-04T11:00", "bm-4@luton"),
               at("2027-05-04T11:00"))
    assert bot.quarantined() == []
    with bot.sessions() as session:
        assert any(a.action == "dismissed" and "newsletter" in a.detail for a in repo.audit_since(session, 0))


def test_a_manager_cannot_work_the_queue(config_path: Path) -> None:
    bot = _bot(config_path)
    bot.ingest(mail("someone@elsewhere.example", "drp", "Newsletter", "Hello", at("2027-05-04T10:00"), "n-1@x"),
               at("2027-05-04T10:00"))
    [(handle, _)] = bot.quarantined()
    result = bot.ingest(mail("dana.tm", "drp", "queue", f"DISMISS {handle} junk", at("2027-05-04T11:00"), "d-9@luton"),
                        at("2027-05-04T11:00"))
    assert result.kind != "admin_command"
    assert [h for h, _ in bot.quarantined()][:1] == [handle]


def test_mail_moved_back_to_the_inbox_is_taken_up_again(config_path: Path) -> None:
    bot = _bot(config_path)
    concern = mail("kim.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
                   at("2027-05-04T10:00"), "kim-1@luton")
    assert bot.ingest(concern, at("2027-05-04T10:00"), uid=7).status == "quarantined"
    # Re-read at the same place (a crash before the move): nothing new happens.
    assert bot.ingest(concern, at("2027-05-04T10:01"), uid=7).duplicate
    config_path.write_text(config_path.read_text().replace("  - {email: jo.iro@", NEW_IRO + "  - {email: jo.iro@", 1))
    bot = _bot(config_path)
    # Moved back by a person: a new UID in the inbox.
    result = bot.ingest(concern, at("2027-05-05T09:00"), uid=31)
    assert result.status == "processed" and len(bot.alerts()) == 1


def test_the_command_line_works_the_same_queue(config_path: Path, capsys) -> None:
    bot = _bot(config_path)
    bot.ingest(mail("someone@elsewhere.example", "drp", "Newsletter", "Hello", at("2027-05-04T10:00"), "n-1@x"),
               at("2027-05-04T10:00"))
    [(handle, _)] = bot.quarantined()
    base = ["--config", str(config_path), "--now", "2027-05-04T12:00:00+01:00", "quarantine"]
    assert main([*base, "list"]) == 0
    assert handle in capsys.readouterr().out
    assert main([*base, "dismiss", handle]) == 2
    assert "needs --reason" in capsys.readouterr().err
    assert main([*base, "dismiss", handle, "--reason", "newsletter"]) == 0
    assert main([*base, "retry", handle]) == 2
    assert "not waiting for a person" in capsys.readouterr().err
    assert main([*base, "list"]) == 0
    assert "no mail set aside" in capsys.readouterr().out
