"""Reply stripping: each client's quoted history, boilerplate and signatures, text and HTML."""

from __future__ import annotations

import pytest

from parsers.mime import html_to_text
from parsers.reply import new_text, strip_html_history


def _html_reply(html: str) -> str:
    return new_text(html_to_text(strip_html_history(html)))


def test_outlook_desktop_header_block() -> None:
    text = (
        "Resolved, thanks.\n\n"
        "From: Sam Carter <sam.carter@luton.example.gov.uk>\n"
        "Sent: 07 May 2027 16:40\n"
        "To: Jo Bloggs <jo.bloggs@luton.example.gov.uk>\n"
        "Cc: DRP Mailbox <drp@luton.example.gov.uk>\n"
        "Subject: RE: [DRP-2027-0012] Pre-Dispute Resolution\n\n"
        "Is this resolved?\n"
    )
    assert new_text(text) == "Resolved, thanks."


def test_outlook_rule_above_header_block() -> None:
    text = (
        "Escalate to stage 2\n\n"
        "________________________________\n"
        "From: Jo Bloggs <jo.bloggs@luton.example.gov.uk>\n"
        "Sent: Tuesday, May 18, 2027 5:02:13 PM\n"
        "To: Sam Carter <sam.carter@luton.example.gov.uk>\n"
        "Subject: RE: [DRP-2027-0012]\n\nold text\n"
    )
    assert new_text(text) == "Escalate to stage 2"


def test_original_message_separator() -> None:
    text = "Withdrawn.\n\n-----Original Message-----\nFrom: Sam\nSent: today\n\nold\n"
    assert new_text(text) == "Withdrawn."


def test_gmail_attribution_on_one_and_two_lines() -> None:
    one = "Agreed.\n\nOn Fri, 14 May 2027 at 15:31, Sam Carter <sam@luton.example.gov.uk> wrote:\n> old\n"
    two = "Agreed.\n\nOn Fri, 14 May 2027 at 15:31, Sam Carter <sam.carter@luton.example.gov.uk>\nwrote:\n\n> old\n"
    assert new_text(one) == "Agreed."
    assert new_text(two) == "Agreed."


def test_apple_mail_attribution() -> None:
    text = "Status?\n\n> On 3 May 2027, at 09:12, Jo Bloggs <jo@luton.example.gov.uk> wrote:\n>\n> old\n"
    assert new_text(text) == "Status?"
    text = "Status?\n\nOn 3 May 2027, at 09:12, Jo Bloggs <jo@luton.example.gov.uk> wrote:\n\n> old\n"
    assert new_text(text) == "Status?"


def test_interleaved_quote_lines_are_dropped_new_lines_kept() -> None:
    text = "> Could I have until Friday?\nYes, agreed.\n> And the PEP?\nPEP is booked.\n"
    assert new_text(text) == "Yes, agreed.\nPEP is booked."


def test_mobile_boilerplate() -> None:
    assert new_text("Resolved\n\nSent from my iPhone\n\nOn ... wrote:") == "Resolved"
    assert new_text("Resolved\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n___\n") == "Resolved"
    assert new_text("Resolved\n\nGet Outlook for Android\n") == "Resolved"


def test_signature_delimiter() -> None:
    assert new_text("Extend 3 working days\n-- \nJo Bloggs\nIRO, Luton\n") == "Extend 3 working days"


def test_sign_off_block_with_disclaimer() -> None:
    text = (
        "The visits are booked for next week.\n\nKind regards,\n\nSam Carter\nTeam Manager\n"
        "Tel: 01582 547000\n\nOFFICIAL-SENSITIVE: This email and any attachments are confidential "
        "and intended solely for the addressee. If you have received it in error please tell us.\n"
    )
    assert new_text(text) == "The visits are booked for next week."


def test_sign_off_followed_by_prose_is_kept() -> None:
    text = (
        "Visits are booked.\n\nThanks,\n"
        "I also wanted to mention that the placement plan was signed by the carers yesterday and a "
        "copy has been uploaded to the child's record for you to review.\n"
    )
    assert "placement plan was signed" in new_text(text)


def test_leading_thanks_is_a_greeting_not_a_sign_off() -> None:
    assert new_text("Thanks,\n\nResolved.\nJo") == "Thanks,\n\nResolved.\nJo"


def test_trailing_bare_name_is_dropped_but_not_an_instruction() -> None:
    assert new_text("Please escalate to stage 2.\n\nJo Bloggs\nIRO\n") == "Please escalate to stage 2."
    assert new_text("Hi Sam,\n\nResolved\n") == "Hi Sam,\n\nResolved"


def test_outlook_web_html_div_rply_fwd_msg() -> None:
    html = (
        '<div>Please escalate to stage 2.</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Sam<br><b>Sent:</b> today</div>'
        "<div>old quoted text</div>"
    )
    assert _html_reply(html) == "Please escalate to stage 2."


def test_outlook_web_html_nested_quote_after_marker() -> None:
    html = (
        '<div><div>Resolved</div><div id="divRplyFwdMsg">From: x</div><p>old one</p></div>'
        "<div>old two</div>"
    )
    assert _html_reply(html) == "Resolved"


def test_gmail_html_quote() -> None:
    html = (
        '<div dir="ltr">Agreed</div><br><div class="gmail_quote"><div class="gmail_attr">On Fri, '
        "14 May 2027 at 15:31, Sam wrote:<br></div><blockquote class=\"gmail_quote\">old</blockquote></div>"
    )
    assert _html_reply(html) == "Agreed"


def test_apple_mail_html_quote() -> None:
    html = (
        "<body>Withdraw<div><br><blockquote type=\"cite\"><div>On 3 May 2027, at 09:12, Jo wrote:"
        "</div><div>old</div></blockquote></div></body>"
    )
    assert _html_reply(html) == "Withdraw"


def test_thunderbird_html_quote() -> None:
    html = (
        '<p>Status?</p><div class="moz-cite-prefix">On 03/05/2027 09:12, Jo wrote:<br></div>'
        '<blockquote type="cite">old</blockquote>'
    )
    assert _html_reply(html) == "Status?"


def test_outlook_desktop_html_converts_with_line_breaks() -> None:
    html = (
        '<p class="MsoNormal">Hi Sam,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Resolved &#8211; thanks<o:p></o:p></p>'
        '<table><tr><td>Stage</td><td>Stage 2</td></tr><tr><td>Child ID</td><td>1234567</td></tr></table>'
    )
    assert html_to_text(html) == "Hi Sam,\n\nResolved \u2013 thanks\nStage\tStage 2\nChild ID\t1234567"


def test_deeply_nested_html_does_not_recurse() -> None:
    html = "<div>" * 5000 + "Resolved" + "</div>" * 5000
    assert html_to_text(html) == "Resolved"


def test_empty_and_whitespace() -> None:
    assert new_text("") == ""
    assert new_text("\r\n\r\n") == ""


def test_bottom_posted_under_an_unquoted_outlook_block_is_found_by_its_greeting() -> None:
    """Outlook (here in Welsh) pastes the original plain, not ">"-quoted; the manager writes below
    it, greeting the IRO whose mail is quoted."""
    text = ("Oddi wrth: Sam Okafor <sam.iro@luton.example.gov.uk>\nAnfonwyd: 22 Mehefin 2027 09:12\n"
            "At: Dana Hughes <dana.tm@luton.example.gov.uk>\nPwnc: Dispute Resolution Alert - Stage 1\n\n"
            "Dana,\n\nI am raising a Stage 1 alert. Your written response in 5 working days please.\n\nSam\n\n"
            "Sam – sorry, I've only just got to this.\n\nCan I have another week?\n\nDana\n\n"
            "Dana Hughes\nTeam Manager\n")
    found = new_text(text)
    assert found.startswith("Sam – sorry, I've only just got to this.")
    assert "Can I have another week?" in found
    assert "raising a Stage 1 alert" not in found and "Team Manager" not in found


def test_the_writers_own_long_signature_is_cut_at_their_name_keeping_a_ps() -> None:
    from parsers.reply import cut_at_own_signature

    text = ("Resolved\n\nAisha\n\nAisha Rahman (she/her)\nIndependent Reviewing Officer\nMobile: 07700 900 412\n\n"
            "“Every child deserves a champion.” – Rita Pierson\n\nOFFICIAL-SENSITIVE\n\nP.S. The PEP is on file now.")
    assert cut_at_own_signature(text, "Aisha Rahman") == "Resolved\n\nP.S. The PEP is on file now."
    assert cut_at_own_signature("Thanks\n\nSam", "Aisha Rahman") == "Thanks\n\nSam"


def test_inline_answers_tagged_with_the_writers_name_are_theirs() -> None:
    from parsers.reply import answers_marked_with_name

    history = ("(1) No placement plan since May.\n[Morgan Ellis] Agreed; it will be signed the week of 26 July.\n"
               "(2) Visit not completed.\n[Morgan Ellis] Visit completed on 13 July.\n[Lee Carter] Not mine.")
    assert answers_marked_with_name(history, "Morgan Ellis", "Sam - my answers are below.") == [
        "[Morgan Ellis] Agreed; it will be signed the week of 26 July.", "[Morgan Ellis] Visit completed on 13 July."]


@pytest.mark.parametrize("text, new", [
    ("reply--- On Wed, Apr 4, 2012 at 3:59 PM, me@domain.com wrote:\n> Hi\n", "reply"),
    ("reply\nbla-bla - bla--- On Wed, Apr 4, 2012 at 3:59 PM, me@domain.com wrote:\n> Hi\n", "reply\nbla-bla - bla"),
    ("Agreed - thanks. On 14 Jan 2027, at 16:55, Dana <dana@x.example> wrote:\n> Can I have until Friday?\n",
     "Agreed - thanks."),
])
def test_an_attribution_joined_to_the_last_line_after_a_dashed_rule(text: str, new: str) -> None:
    assert new_text(text).strip() == new


def test_a_signature_set_with_bars_and_no_delimiter_is_cut() -> None:
    text = "The visit is booked for Monday.\n\nPriya K. Shah | Team Manager\nChildren in Care South\n"
    assert new_text(text) == "The visit is booked for Monday."
    # A sentence that happens to use a bar is the reply's.
    assert "Plan | visits" in new_text("Agreed.\n\nPlan | visits | contact all on LCS now")


def test_a_lone_sender_line_over_a_quote_starts_the_history() -> None:
    text = "Monday 10am works.\n\nFrom: dana.tm@luton.example.gov.uk\n\n> Can we meet on Monday?\n> Dana\n"
    assert new_text(text) == "Monday 10am works."
    # Without a quote below, "From:" is text of the reply.
    assert "From: the school" in new_text("Update below.\n\nFrom: the school nurse, a letter is due.\n")


def test_a_label_over_a_short_value_before_more_of_the_message_is_not_a_signature() -> None:
    text = ("Emma,\n\nPlease find my recommendation below.\n\nAction required\nPathway plan completed.\n"
            "Timescale\nPlan agreed by 28/05/2027\n\nI'm happy to discuss - I'm in the office on Tuesday and Thursday.\n\n"
            "Hannah\n\nHannah Price\nIndependent Reviewing Officer\nWestbridge Council\nTel: 0161 496 0700\n")
    new = new_text(text)
    assert "Plan agreed by 28/05/2027" in new and "Tel: 0161" not in new


def test_a_mailing_lists_footer_under_an_inline_reply_is_not_the_senders() -> None:
    text = ("Hi,\nOn Sat, 26 May 2012 at 16:58, Ana Ruiz wrote:\n> Who is chasing the PEP?\n\n"
            "I am, and it is due by Friday.\n\n> Thanks\n\n"
            "_______________________________________________\nriak-users mailing list\n"
            "riak-users@lists.example.com\nhttp://lists.example.com/mailman/listinfo/riak-users\n")
    out = new_text(text)
    assert "I am, and it is due by Friday." in out
    assert "mailing list" not in out and "listinfo" not in out


def test_a_rule_of_underscores_without_a_list_under_it_is_kept() -> None:
    # Only the list's own lines make the rule a footer: a rule the writer typed stays.
    text = "Agreed.\n________________\nNext review on 3 June.\n"
    assert "Next review on 3 June." in new_text(text)
