"""The Business Manager's corrections (issue 10, items 2-3): REASSIGN, CORRECT, REOPEN, LOG, FIND
and OPEN by e-mail, and the same from the command line (``mailbot alert REF ...``, ``mailbot
alerts`` with filters, ``mailbot export open``). A real Mailbot on real SQLite; the workbook is read
back with openpyxl; no mocks.
"""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mailbot import domain as d
from mailbot import workqueue
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo
from test_service import DOMAIN, at, mail, raise_informal


@pytest.fixture
def config_path(tmp_path: Path, root: Path) -> Path:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    return tmp_path / "config.yaml"


@pytest.fixture
def bot(config_path: Path) -> Mailbot:
    return Mailbot(load_config(config_path))


def _bm(bot: Mailbot, body: str, when: str, mid: str, sender: str = "chris.bm") -> list[str]:
    """The Business Manager (or ``sender``) writes ``body`` to the mailbox; returns mailbot's answer lines."""
    result = bot.ingest(mail(sender, "drp", "DRP", body, at(when), mid), at(when))
    with bot.sessions() as session:
        answers = [r for r in repo.outbox_rows(session) if r.template == "admin_reply" and r.in_reply_to == mid]
    return [result.kind] + (answers[0].body_text.splitlines() if answers else [])


def _audit(bot: Mailbot, ref: str) -> list[tuple[str, str, str]]:
    with bot.sessions() as session:
        return [(a.actor, a.action, a.detail) for a in repo.audit_for(session, ref)]


def _sent(bot: Mailbot, template: str) -> list:
    with bot.sessions() as session:
        return [r for r in repo.outbox_rows(session) if r.template == template]


# --------------------------------------------------------------------------- reading the commands


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("REASSIGN DRP-2027-0003 TO lee.tm@x.gov.uk Dana on leave until 20 May",
         ("REASSIGN", "DRP-2027-0003", "lee.tm@x.gov.uk", None, (), "Dana on leave until 20 May")),
        ("correct drp-2027-0003 child 1234567, 7654321",
         ("CORRECT", "DRP-2027-0003", None, "child", ("1234567", "7654321"), "")),
        ("CORRECT DRP-2027-0003 category Care planning; Placement stability",
         ("CORRECT", "DRP-2027-0003", None, "category", ("Care planning", "Placement stability"), "")),
        ("CORRECT DRP-2027-0003 process cp", ("CORRECT", "DRP-2027-0003", None, "process", ("cp",), "")),
        ("REOPEN DRP-2027-0003 closed by mistake", ("REOPEN", "DRP-2027-0003", None, None, (), "closed by mistake")),
    ],
)
def test_correction_commands_are_read(line: str, expected: tuple) -> None:
    [c] = workqueue.parse_commands(line)
    assert (c.verb, c.ref, c.to, c.field, c.values, c.reason) == expected and c.problem is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("REOPEN DRP-2027-0003", "REOPEN needs a reason"),
        ("REASSIGN DRP-2027-0003 to Lee", "REASSIGN needs an address"),
        ("CORRECT DRP-2027-0003 child", "CORRECT needs what and the new value"),
        ("CORRECT the child ID please", "CORRECT needs an alert reference"),
        ("FIND", "FIND needs"),
    ],
)
def test_a_correction_without_what_it_needs_says_so(line: str, problem: str) -> None:
    [c] = workqueue.parse_commands(line)
    assert c.problem and c.problem.startswith(problem)


def test_log_takes_the_rest_of_the_mail_as_the_concern() -> None:
    commands = workqueue.parse_commands(
        "LOG FOR jo.reid@x.gov.uk TO dana.tm@x.gov.uk\nChild ID: 1234567\nRETRY Q-0001 is not a command here")
    assert [(c.verb, c.who, c.to) for c in commands] == [("LOG", "jo.reid@x.gov.uk", "dana.tm@x.gov.uk")]


def test_a_command_word_further_down_an_ordinary_mail_is_not_a_command() -> None:
    assert workqueue.parse_commands("Thanks for the digest.\nREOPEN DRP-2027-0003 please, Sam says") == []


# --------------------------------------------------------------------------- by e-mail


def test_reassign_for_cover_keeps_the_deadline_and_tells_the_new_responder(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    before = bot.alerts()[0]
    answer = _bm(bot, f"REASSIGN {ref} TO lee.tm@{DOMAIN} Dana is on leave", "2027-05-05T09:00", "bm-r@luton")
    assert answer[0] == "admin_command"
    after = bot.alerts()[0]
    assert after.responder == f"lee.tm@{DOMAIN}" and after.due == before.due
    assert any("changed from dana.tm" in line for line in answer)
    [notice] = _sent(bot, "reassigned")
    assert notice.to_addrs == [f"lee.tm@{DOMAIN}"] and f"sam.iro@{DOMAIN}" in notice.cc_addrs
    assert "Dana is on leave" in notice.body_text and ref in notice.subject
    assert (f"chris.bm@{DOMAIN}", "Reassign") in [(a, b) for a, b, _ in _audit(bot, ref)]
    # The new responder's reply is the response.
    reply = mail("lee.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "The PEP is booked for Friday.",
                 at("2027-05-06T10:00"), "lee-1@luton", in_reply_to="raise-1@luton")
    assert bot.ingest(reply, at("2027-05-06T10:00")).kind == "manager_response"
    assert bot.alerts()[0].status is d.Status.RESPONSE_RECEIVED


def test_reassign_to_someone_not_in_the_directory_is_refused_and_changes_nothing(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    answer = _bm(bot, f"REASSIGN {ref} TO someone@elsewhere.example", "2027-05-05T09:00", "bm-r2@luton")
    assert any("not done: someone@elsewhere.example is not in the directory" in line for line in answer)
    assert bot.alerts()[0].responder == f"dana.tm@{DOMAIN}"


def test_correct_child_category_and_process(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    answer = _bm(bot, f"CORRECT {ref} child 7654321\nCORRECT {ref} category nonsense-category",
                 "2027-05-05T09:00", "bm-c@luton")
    alert = bot.alerts()[0]
    assert alert.children == ("7654321",)
    assert any("not done" in line and "nonsense-category is not a" in line for line in answer)
    category = bot.config.processes[alert.process].categories[0].name
    _bm(bot, f"CORRECT {ref} category {category.upper()}", "2027-05-05T09:10", "bm-c2@luton")
    assert bot.alerts()[0].categories == (category,)
    other = next(k for k in bot.config.processes if k != alert.process)
    _bm(bot, f"CORRECT {ref} process {other}", "2027-05-05T09:20", "bm-c3@luton")
    assert bot.alerts()[0].process == other
    # The IRO is told each time; the audit says who and what, the child IDs by count only.
    assert len(_sent(bot, "corrected")) == 3
    details = [x for _, action, x in _audit(bot, ref) if action == "Correct"]
    assert len(details) == 3 and not any("7654321" in x for x in details)


def test_reopen_an_alert_closed_by_mistake(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    bot.ingest(mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
                    "sam-r@luton", in_reply_to="raise-1@luton"), at("2027-05-05T10:00"))
    assert bot.alerts()[0].status is d.Status.RESOLVED
    answer = _bm(bot, f"Hello\nREOPEN {ref}\nThanks", "2027-05-05T11:00", "bm-o1@luton")
    assert any("REOPEN needs a reason" in line for line in answer) and bot.alerts()[0].status is d.Status.RESOLVED
    _bm(bot, f"REOPEN {ref} Sam replied to the wrong thread", "2027-05-05T11:05", "bm-o2@luton")
    alert = bot.alerts()[0]
    assert alert.status is d.Status.AWAITING_RESPONSE and alert.closed is None and alert.due is not None
    assert len(alert.episodes) == 2 and alert.episodes[0].outcome == "resolved"
    [notice] = _sent(bot, "reopened")
    assert notice.to_addrs == [f"dana.tm@{DOMAIN}"] and "wrong thread" in notice.body_text
    # Reopening a live alert is refused.
    again = _bm(bot, f"REOPEN {ref} again", "2027-05-05T11:10", "bm-o3@luton")
    assert any("cannot reopen it now" in line for line in again)


def test_people_without_the_role_are_not_obeyed(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    # A manager and the IRO writing the same words: not read as the Business Manager's commands.
    for sender, mid in (("dana.tm", "tm-x@luton"), ("sam.iro", "iro-x@luton")):
        kind = bot.ingest(mail(sender, "drp", "DRP", f"REASSIGN {ref} TO lee.tm@{DOMAIN}", at("2027-05-05T09:00"), mid),
                          at("2027-05-05T09:00")).kind
        assert kind != "admin_command"
    assert bot.alerts()[0].responder == f"dana.tm@{DOMAIN}"
    # The QA manager (security.instructions_from) may.
    assert _bm(bot, f"REASSIGN {ref} TO lee.tm@{DOMAIN}", "2027-05-05T09:30", "qa-x@luton", sender="priya.qa")[0] \
        == "admin_command"
    assert bot.alerts()[0].responder == f"lee.tm@{DOMAIN}"


def test_find_by_child_and_by_person(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    by_child = _bm(bot, "FIND 1234567", "2027-05-05T09:00", "bm-f1@luton")
    assert any(line.startswith(f"{ref}: waiting for the manager's response") for line in by_child)
    by_name = _bm(bot, "FIND Dana Hughes", "2027-05-05T09:01", "bm-f2@luton")
    assert any(line.startswith(ref) for line in by_name)
    nobody = _bm(bot, "FIND Nobody Atall", "2027-05-05T09:02", "bm-f3@luton")
    assert any("no one in the directory is called" in line for line in nobody)


def test_open_returns_the_workbook_that_matches_the_command_line(bot: Mailbot, config_path: Path, capsys) -> None:
    ref = raise_informal(bot)
    second = mail("jo.iro", "lee.tm", "Pre-Dispute Resolution", "Child ID: 2345678\n\nNo review booked.",
                  at("2027-05-04T11:00"), "raise-2@luton")
    bot.ingest(second, at("2027-05-04T11:00"))
    when = "2027-05-20T09:00"
    _bm(bot, "OPEN", when, "bm-open@luton")
    [reply] = [r for r in _sent(bot, "admin_reply") if r.in_reply_to == "bm-open@luton"]
    [(name, kind, data)] = repo.attachments_of(reply)
    assert name.endswith(".xlsx") and "spreadsheet" in kind
    sheet = load_workbook(io.BytesIO(data)).active
    assert "as at 20/05/2027 09:00" in sheet["A1"].value
    assert sheet.auto_filter.ref.startswith("A3:") and sheet.page_setup.orientation == "landscape"
    in_book = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert main(["--config", str(config_path), "--now", f"{when}:00+01:00", "alerts", "--open"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Reference") and [line.split()[0] for line in printed[1:]] == in_book
    assert set(in_book) == {a.ref for a in bot.alerts()} and ref in in_book
    # And the mail that carries it is a real multipart message with the workbook attached.
    bot.send(at(when), sink := _Collect())
    attached = [p.get_filename() for m in sink.sent for p in m.iter_attachments()]
    assert name in attached


class _Collect:
    """A sink that keeps what it is given (the SMTP path is tested against a real listener elsewhere)."""

    def __init__(self) -> None:
        self.sent: list = []

    def send(self, message) -> str:
        self.sent.append(message_from_bytes(bytes(message), policy=policy.default)
                         if not hasattr(message, "iter_attachments") else message)
        return "ok"


def test_log_raises_an_alert_on_the_iros_behalf(bot: Mailbot) -> None:
    body = ("LOG FOR Jo Reid TO dana.tm@" + DOMAIN + "\n"
            "Raised at the review on Tuesday. Child ID: 3456789\n\nThe care plan has no permanence plan.")
    answer = _bm(bot, body, "2027-05-05T09:00", "bm-log@luton")
    [alert] = bot.alerts()
    assert alert.raised_by == f"jo.iro@{DOMAIN}" and alert.responder == f"dana.tm@{DOMAIN}"
    assert alert.children == ("3456789",)
    assert any(f"raised as {alert.ref}" in line for line in answer)
    [ack] = _sent(bot, "acknowledgement")
    assert ack.to_addrs == [f"jo.iro@{DOMAIN}"]
    assert any(action == "logged" and "chris.bm" in detail for _, action, detail in _audit(bot, alert.ref))
    unknown = _bm(bot, "LOG FOR Nobody Here\nChild ID: 3456789", "2027-05-05T09:10", "bm-log2@luton")
    assert any("LOG" in line and "not done" in line for line in unknown) and len(bot.alerts()) == 1


# --------------------------------------------------------------------------- the command line


def test_the_command_line_corrects_with_the_same_code(bot: Mailbot, config_path: Path, capsys, tmp_path: Path) -> None:
    ref = raise_informal(bot)
    base = ["--config", str(config_path), "--now", "2027-05-05T09:00:00+01:00"]
    assert main([*base, "alert", ref, "reassign", f"lee.tm@{DOMAIN}", "--reason", "cover"]) == 0
    assert "changed from" in capsys.readouterr().out
    assert main([*base, "alert", ref, "correct", "child", "7654321", "1234567"]) == 0
    assert main([*base, "alert", ref, "reopen"]) == 2
    assert "needs --reason" in capsys.readouterr().err
    assert main([*base, "alert", ref, "reopen", "--reason", "x"]) == 2
    assert "cannot reopen it now" in capsys.readouterr().err
    fresh = Mailbot(load_config(config_path))
    [alert] = fresh.alerts()
    assert alert.responder == f"lee.tm@{DOMAIN}" and alert.children == ("7654321", "1234567")
    # Filters: by child, team, stage, since; a bad date is one line.
    assert main([*base, "alerts", "--child", "7654321", "--team", "children in care south", "--stage", "0"]) == 0
    assert ref in capsys.readouterr().out
    assert main([*base, "alerts", "--overdue"]) == 0
    assert capsys.readouterr().out.strip() == "no alerts"
    assert main(["--config", str(config_path), "--now", "2027-06-30T09:00:00+01:00", "alerts", "--overdue"]) == 0
    assert "overdue: waiting for the manager's response" in capsys.readouterr().out
    assert main([*base, "alerts", "--since", "05/05/2027"]) == 2
    assert "write YYYY-MM-DD" in capsys.readouterr().err
    out = tmp_path / "open.xlsx"
    assert main([*base, "export", "open", "--out", str(out)]) == 0
    assert (out.stat().st_mode & 0o777) == 0o600
    assert load_workbook(out).active["A4"].value == ref


# --------------------------------------------------------------------------- cover (item 4)


def _out_of_office(bot: Mailbot, ref: str, sender: str, body: str, when: str, mid: str) -> None:
    """An Exchange automatic reply to the acknowledgement, as Outlook sends one."""
    with bot.sessions() as session:
        [ack] = [r for r in repo.outbox_rows(session) if r.template == "acknowledgement"]
    raw = mail(sender, "sam.iro", f"Automatic reply: [{ref}] Pre-Dispute Resolution: received", body, at(when), mid,
               in_reply_to=ack.message_id, **{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    result = bot.ingest(raw, at(when))
    assert result.status == "ignored" and result.kind == "automatic"


def test_a_responders_out_of_office_tells_the_iro_and_the_business_manager_once(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    body = "Thank you for your email. I am on annual leave until Friday 14 May 2027 with no access to email."
    _out_of_office(bot, ref, "dana.tm", body, "2027-05-04T10:01", "oof-1@luton")
    [away] = _sent(bot, "responder_away")
    assert away.to_addrs == [f"sam.iro@{DOMAIN}"] and away.cc_addrs == [f"chris.bm@{DOMAIN}"]
    assert "back on Monday 17 May 2027" in away.body_text and f"REASSIGN {ref} TO" in away.body_text
    assert any(action == "responder_away" for _, action, _ in _audit(bot, ref))
    # Her mailbox answers every notice: the IRO is told once per rung, and the robot never.
    _out_of_office(bot, ref, "dana.tm", body, "2027-05-05T09:00", "oof-2@luton")
    assert len(_sent(bot, "responder_away")) == 1
    with bot.sessions() as session:
        assert not [r for r in repo.outbox_rows(session) if f"dana.tm@{DOMAIN}" in r.to_addrs and r.template != "acknowledgement"]


def test_an_automatic_reply_from_someone_else_or_not_an_absence_tells_no_one(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    # From the IRO (not the responder), and a helpdesk acknowledgement from the responder.
    _out_of_office(bot, ref, "sam.iro", "I am out of the office until 14 May.", "2027-05-04T10:01", "oof-3@luton")
    _out_of_office(bot, ref, "dana.tm", "Thank you for contacting us. We aim to reply within 5 working days.",
                   "2027-05-04T10:02", "oof-4@luton")
    assert _sent(bot, "responder_away") == []


def test_an_alert_whose_responder_left_the_directory_is_flagged_in_the_digest(bot: Mailbot, config_path: Path) -> None:
    ref = raise_informal(bot)
    before = bot.digest(at("2027-05-05T08:30"), queue=False)[1]
    assert "no longer in the directory" not in before
    # Dana leaves; the directory is re-read (as the daemon does when the file changes).
    lines = [line for line in config_path.read_text().splitlines() if "email: dana.tm@" not in line]
    config_path.write_text("\n".join(lines) + "\n")
    bot.replace_config(load_config(config_path))
    text = bot.digest(at("2027-05-06T08:30"), queue=False)[1]
    section = text.split("== Responder no longer in the directory")[1].split("==\n", 1)[1].split("\n\n")[0]
    assert ref in section and f"dana.tm@{DOMAIN}" in section
    assert "REASSIGN" in text
    # Reassigned, the flag goes.
    _bm(bot, f"REASSIGN {ref} TO lee.tm@{DOMAIN} Dana has left", "2027-05-06T09:00", "bm-left@luton")
    assert "no longer in the directory" not in bot.digest(at("2027-05-07T08:30"), queue=False)[1]
