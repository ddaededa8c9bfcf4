"""The mechanisms the sixteenth sealed batch found (issue 8), in this file's own words. The last
two tests go through the whole daemon path (a real SQLite store): a manager promising the
response itself for after the deadline, and an IRO answering mailbot's "please confirm your
instruction" with "Confirmed."."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mailbot.service import Mailbot
from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import parse_form, promised_response
from parsers.dates import period_or_date

from test_service import at, bot, mail, raise_informal  # noqa: F401 - bot is a fixture

SENT = date(2027, 7, 12)  # a Monday


def test_an_abbreviated_weekday_with_its_day_of_the_month() -> None:
    assert period_or_date("reply needed by Weds 21st", SENT) == Timescale(until=date(2027, 7, 21))
    assert period_or_date("by Thu 21st", SENT) is None  # 21 July 2027 is a Wednesday: not read


def test_the_plan_to_be_agreed_by_is_the_timescale_and_an_actions_own_date_is_not(rules: ParseRules) -> None:
    form = parse_form("Stage: Stage 1\nCase ID: 3001884\nPlan to be agreed by: Thursday 18 March 2027", rules)
    assert form is not None and form["timescale"] == "Thursday 18 March 2027"
    form = parse_form("Stage: Stage 1\nCase ID: 3001884\nAction to be completed by: 30/11/2027\n"
                      "Response required within: 5 working days", rules)
    assert form is not None and form["timescale"] == "5 working days"


@pytest.mark.parametrize("text, until", [
    ("I will have my full response to you by the 20th.", date(2027, 7, 20)),
    ("We'll send you our written reply on Friday 16 July.", date(2027, 7, 16)),
])
def test_the_response_itself_promised_for_a_day(text: str, until: date) -> None:
    assert promised_response(text, SENT) == until


def test_work_promised_for_a_day_is_not_the_response_promised() -> None:
    assert promised_response("The visit will happen by the 20th and I'll confirm when it has.", SENT) is None


def test_resolved_on_the_understanding_that() -> None:
    text = ("Liam – thanks, that's a much clearer plan. I'm happy for this to be treated as resolved on the "
            "understanding that the core group goes ahead on Tuesday.")
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "RESOLVED" and found.prose and found.doubt


def test_agreed_in_principle_but_by_an_earlier_day() -> None:
    found = parse_instruction("Agreed in principle, but I need it by Tuesday 20th rather than the 23rd.", SENT)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2027, 7, 20), True)


def _alert(bot: Mailbot, ref: str):
    return bot.alert_history(ref)[0]


def _a_reply_to(bot: Mailbot, ref: str, sender: str, body: str, when, n: int) -> bytes:
    return mail(sender, "sam.iro" if sender != "sam.iro" else "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution",
                body, when, f"reply-{n}@luton", in_reply_to="raise-1@luton")


def test_a_response_promised_for_after_the_deadline_asks_for_the_time(bot: Mailbot) -> None:  # noqa: F811
    raised = at("2027-05-04T10:00")
    ref = raise_informal(bot, raised)
    due = _alert(bot, ref).current.due
    later = due + timedelta(days=5)
    before = raised + timedelta(hours=2)
    # Before the deadline, a day for the response is a response: nothing asked.
    on_time = bot.ingest(_a_reply_to(bot, ref, "dana.tm", f"I will have my full response to you by "
                                     f"{(due - timedelta(days=1)).strftime('%-d %B')}.", before, 1), before)
    assert on_time.kind == "manager_response"
    late = bot.ingest(_a_reply_to(bot, ref, "dana.tm", f"Sorry - I will have my full response to you by "
                                  f"{later.strftime('%-d %B')}.", before, 2), before)
    assert late.kind == "extension_request"
    assert _alert(bot, ref).pending_extension.until == later


def test_confirmed_answers_the_confirmation_mailbot_asked_for(bot: Mailbot) -> None:  # noqa: F811
    raised = at("2027-05-04T10:00")
    ref = raise_informal(bot, raised)
    asked = raised + timedelta(hours=1)
    # Prose: read, not obeyed; mailbot asks with the exact words to send back.
    first = bot.ingest(_a_reply_to(bot, ref, "sam.iro", "I'm happy for this to be treated as resolved now.", asked, 3),
                       asked)
    assert first.kind == "confirm" and _alert(bot, ref).status.value != "resolved"
    notice = next(r for r in bot.outbox() if r.template == "confirm_reading")
    assert 'A reply of just "Yes" to this e-mail does the same.' in notice.body_text  # the notice says so
    quoted = "\n".join("> " + line for line in notice.body_text.splitlines())
    answer = mail("sam.iro", "dana.tm", f"RE: {notice.subject}", f"Confirmed.\n\n{quoted}", asked + timedelta(hours=1),
                  "reply-4@luton", in_reply_to=notice.message_id)
    result = bot.ingest(answer, asked + timedelta(hours=1))
    assert result.kind == "instruction"
    assert _alert(bot, ref).status.value == "resolved"


def test_yes_under_a_pasted_confirmation_is_asked_again(bot: Mailbot) -> None:  # noqa: F811
    # The same words, but the reply answers the IRO's own raising mail, not mailbot's question:
    # the quoted command is not carried out (DESIGN §6.8: ask rather than act).
    raised = at("2027-05-04T10:00")
    ref = raise_informal(bot, raised)
    asked = raised + timedelta(hours=1)
    bot.ingest(_a_reply_to(bot, ref, "sam.iro", "I'm happy for this to be treated as resolved now.", asked, 3), asked)
    notice = next(r for r in bot.outbox() if r.template == "confirm_reading")
    quoted = "\n".join("> " + line for line in notice.body_text.splitlines())
    pasted = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", f"Yes.\n\n{quoted}",
                  asked + timedelta(hours=1), "reply-5@luton", in_reply_to="raise-1@luton")
    result = bot.ingest(pasted, asked + timedelta(hours=1))
    assert result.kind == "confirm"
    assert _alert(bot, ref).status.value != "resolved"


@pytest.mark.parametrize("quoted", [
    # As Outlook quotes the text notice, and as it quotes the HTML one (the command on the same line).
    "> To carry it out, reply to this e-mail with just:\n>\n>     ESCALATE to stage 2\n>\n> If you meant something else",
    "To carry it out, reply to this e-mail with just: *ESCALATE to stage 2*\n\nIf you meant something else",
])
def test_yes_under_the_quoted_confirmation_is_its_command(rules: ParseRules, quoted: str) -> None:
    from email.message import EmailMessage

    from parsers import parse_message

    msg = EmailMessage()
    msg["From"] = "sam.iro@luton.example.gov.uk"
    msg["To"] = "drp@luton.example.gov.uk"
    msg["Subject"] = "RE: [DRP-2027-0001] Team Manager: please confirm your instruction"
    msg["Date"] = "Mon, 12 Jul 2027 09:00:00 +0100"
    msg["Message-ID"] = "<yes-1@luton>"
    msg["In-Reply-To"] = "<mailbot.drp-2027-0001.abc@luton.example.gov.uk>"
    msg.set_content(f"Yes please.\n\nFrom: DRP tracker <drp@luton.example.gov.uk>\nSent: 12 July 2027 08:00\n"
                    f"Subject: [DRP-2027-0001] Team Manager: please confirm your instruction\n\n{quoted}\n")
    found = parse_message(msg.as_bytes(), rules).instruction
    assert found is not None and (found.verb, found.stage) == ("ESCALATE", 2)
    # The same words with no confirmation quoted are a plain "yes": no instruction.
    plain = EmailMessage()
    for name in ("From", "To", "Subject", "Date", "In-Reply-To"):
        plain[name] = msg[name]
    plain["Message-ID"] = "<yes-2@luton>"
    plain.set_content("Yes please.\n")
    assert parse_message(plain.as_bytes(), rules).instruction is None
