"""Tests for the default notice templates in templates/.

Every notice is rendered in both formats with the context the code builds (DESIGN.md §4), under
StrictUndefined, so a misspelt key or a key the code does not pass fails here rather than in a
council's outbox. The privacy rules are checked on the output: a subject carries only the
marking, the reference, the rung and the due date, never a case ID or the concern.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mailbot.notices import IRO_COPIED_NOTICES, MANAGER_NOTICES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

NOTICES = {
    "reassigned",  # issue 10: the Business Manager's corrections
    "reopened",
    "corrected",
    "responder_away",
    "acknowledgement",
    "response_received",
    "reminder",
    "chaser",
    "lapse_notice",
    "escalation_notice",
    "resolution",
    "withdrawal",
    "cafcass",
    "extension_requested",
    "extension_agreed",
    "status_reply",
    "cap_breach",
    "instruction_refused",
    "compliment_ack",
    "bounce_report",
    "digest",
    "monthly_manager",
    "monthly_summary",
    "quarterly_report",
    "form_incomplete",
    "confirm_reading",
    "who_decides",
    "not_acted_on",
    "rate_limited",
    "admin_reply",
}
NO_ALERT = {"compliment_ack", "digest", "form_incomplete", "rate_limited", "admin_reply", "monthly_manager", "monthly_summary", "quarterly_report"}  # alert is always None
MAYBE_NO_ALERT = {"bounce_report", "instruction_refused", "not_acted_on"}  # rendered both with and without

REF = "DRP-2027-0042"
CASE_IDS = ["1234567", "7654321"]
CATEGORIES = ["Significant drift in permanence planning", "Key documentation missing"]
EVIL = "<script>alert(1)</script>"
AUTHORITY = {"name": "Luton Borough Council (demonstration)", "mailbox": "drp@luton.example.gov.uk"}
FOOTER_LINE = (
    "This is an automatic message from the Luton Borough Council (demonstration) DRP tracker "
    "(drp@luton.example.gov.uk)."
)
INSTRUCTION_WORDS = ["RESOLVED", "ESCALATE", "EXTEND", "AGREE", "WITHDRAW", "CAFCASS", "NOTE", "STATUS"]


def on_disk() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
    )


@pytest.fixture(scope="module")
def trimming_env() -> Environment:
    """The options mailbot.notices.Renderer uses; the templates must read the same under both."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def sample_alert(**changes: Any) -> dict[str, Any]:
    alert = {
        "ref": REF,
        "process_label": "Looked after children",
        "rung": "Stage 2 Service Manager",
        "stage": 2,
        "status": "waiting for the manager's response",
        "live": True,
        "due": date(2027, 5, 7),
        "due_text": "Friday 7 May 2027",
        "responder": "Morgan Ellis",
        "responder_email": "morgan.sm@luton.example.gov.uk",
        "raiser": "Sam Okafor",
        "raiser_email": "sam.iro@luton.example.gov.uk",
        "children": list(CASE_IDS),
        "categories": list(CATEGORIES),
        "opened_text": "Monday 26 April 2027",
        "next_rung": "Stage 3 Assistant Director",
        "history": [
            {"when": "Mon 26 Apr 2027 09:12", "what": "raised at Stage 1 Team Manager by sam.iro@luton.example.gov.uk"},
            {"when": "Fri 30 Apr 2027 10:05", "what": "escalated to Stage 2 Service Manager by sam.iro@luton.example.gov.uk"},
        ],
        "cap_breached": False,
        "resolved_at": "",
    }
    alert.update(changes)
    return alert


OUTSTANDING_ROW = {
    "ref": REF, "children": ", ".join(CASE_IDS), "team": "Children in Care North", "rung": "Stage 2 Service Manager",
    "status": "overdue: waiting for the manager's response", "responder": "Morgan Ellis", "raised_text": "Monday 26 April 2027",
    "due_text": "Friday 7 May 2027", "days_overdue": 2, "working_days_open": 23,
}

EXTRA: dict[str, dict[str, Any]] = {
    "reassigned": {"previous_name": "Dana Hughes", "reason": "Dana is on leave until 20 May"},
    "reopened": {"was": "resolved", "reason": "the IRO replied to the wrong thread"},
    "corrected": {"field": "child", "reason": "the ID was mistyped"},
    "responder_away": {"responder_name": "Dana Hughes", "back_text": "Monday 17 May 2027", "left": False,
                       "further_notice": False},
    "response_received": {"responder_name": "Morgan Ellis", "late": False},
    "lapse_notice": {"automatic": False, "next_rung": "Stage 3 Assistant Director"},
    "extension_requested": {"requested_by_name": "Morgan Ellis", "asked": "5 more working days"},
    "extension_agreed": {"new_due_text": "Friday 14 May 2027", "read_as": "EXTEND: Morgan Ellis to respond by Fri 14 May 2027"},
    "confirm_reading": {"read_as": "ESCALATE to stage 2", "doubt": "written as prose, not as an instruction word",
                        "words": "I will be escalating this to the Service Manager", "command": "ESCALATE to stage 2"},
    "who_decides": {"verb": "RESOLVED"},
    "instruction_refused": {"reason": "stage 7 does not exist: the Looked after children ladder has stages 1-4"},
    "compliment_ack": {"children": list(CASE_IDS)},
    "form_incomplete": {"missing": ["the stage (level of dispute)", "the child's case ID"]},
    "admin_reply": {"results": ["RETRY Q-0012: processed as DRP-2027-0003", "DISMISS Q-0013: not done: Q-0013 names no mail set aside"]},
    "not_acted_on": {"reason": "the sender could not be proven: mx.luton.gov.uk: dmarc=fail"},
    "rate_limited": {"limit": 40, "what": "from one sender", "sender": "robot@luton.example.gov.uk", "count": 41},
    "bounce_report": {
        "bounced_message_ids": ["mailbot.DRP-2027-0042.ack@luton.example.gov.uk"],
        "reason": "550 5.1.1 mailbox unavailable",
    },
    "digest": {
        "date_text": "Monday 10 May 2027",
        "since_text": "Fri 7 May 2027 08:30",
        "show_case_ids": True,
        "counts": {"Open": 3, "New since yesterday": 1, "Overdue": 1, "Resolved this month": 2},
        "sections": [
            {
                "title": "Overdue",
                "rows": [
                    {
                        "ref": REF,
                        "children": ", ".join(CASE_IDS),
                        "rung": "Stage 2 Service Manager",
                        "responder": "Morgan Ellis",
                        "due_text": "Friday 7 May 2027",
                        "days_overdue": 1,
                    }
                ],
            },
            {
                "title": "Due in the next two working days",
                "rows": [
                    {
                        "ref": "DRP-2027-0043",
                        "children": "1112223",
                        "rung": "Pre-Dispute Resolution",
                        "responder": "Dana Hughes",
                        "due_text": "Tuesday 11 May 2027",
                        "days_overdue": None,
                    }
                ],
            },
            {"title": "Resolved yesterday", "rows": []},
        ],
        "needs_a_person": [
            {"received_text": "Fri 7 May 2027 16:40", "from_addr": "someone@luton.example.gov.uk", "reason": "unrecognised message"}
        ],
        "delivery_failures": [{"subject": f"[{REF}] Stage 2 Service Manager: reminder", "to": "x@luton.example.gov.uk", "error": "timeout"}],
        "health": "mailbox read 2 minutes ago; outbox empty",
        "empty": False,
    },
    "monthly_manager": {
        "date_text": "Tuesday 1 June 2027",
        "manager_name": "Morgan Ellis",
        "show_case_ids": True,
        "rows": [OUTSTANDING_ROW],
        "overdue": 1,
    },
    "monthly_summary": {
        "date_text": "Tuesday 1 June 2027",
        "period_label": "2027-05",
        "period_text": "Saturday 1 May 2027 to Monday 31 May 2027",
        "show_case_ids": True,
        "open_total": 3,
        "overdue_total": 1,
        "by_stage": [{"rung": "Stage 2 Service Manager", "open": 3}],
        "by_team": [{"team": "Children in Care North", "open": 3, "children": 4, "overdue": 1}],
        "by_stage_rows": [["Stage 2 Service Manager", 3]],
        "by_team_rows": [["Children in Care North", 3, 4, 1]],
        "on_time_rows": [["Stage 2 Service Manager", 4, 3, 1, 0, "75%"]],
        "oldest": [OUTSTANDING_ROW],
        "raised": 6,
        "escalated": 3,
        "resolved": 5,
        "on_time": 3,
        "responses": 4,
        "deadlines": 4,
        "lapsed": 0,
        "on_time_text": "75%",
        "on_time_by_rung": [{"rung": "Stage 2 Service Manager", "deadlines": 4, "responses": 4, "on_time": 3,
                             "late": 1, "lapsed": 0, "share_on_time": 0.75, "share_text": "75%"}],
    },
    "quarterly_report": {
        "period_label": "2027Q2",
        "period_text": "Thursday 1 April 2027 to Wednesday 30 June 2027",
        "summary": [("Alerts raised", "8"), ("Median working days to resolution", "8.0")],
        "by_category": [["Key documentation missing", "Looked after children", "3", "3"]],
        "by_stage_resolved": [["Stage 2 Service Manager", "1", "1"]],
        "filename": "drp-alerts-2027Q2.xlsx",
    },
}


# Notices about an alert that has just closed: only NOTE and STATUS still work on it.
CLOSING = {"resolution", "withdrawal", "cafcass"}


def context(name: str, *, with_alert: bool = True, marking: str = "OFFICIAL-SENSITIVE ", **alert_changes: Any) -> dict[str, Any]:
    if name in CLOSING:
        alert_changes = {"live": False, "status": "resolved", **alert_changes}
    alert = None if name in NO_ALERT or not with_alert else sample_alert(**alert_changes)
    return {
        "authority": dict(AUTHORITY),
        "marking": marking,
        # As mailbot.notices.Renderer sets them: who the notice is addressed to.
        "audience": "manager" if name in MANAGER_NOTICES else "iro",
        "iro_copied": name in IRO_COPIED_NOTICES,
        "alert": alert,
        "extra": copy.deepcopy(EXTRA.get(name, {})),
    }


def render(env: Environment, name: str, ctx: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain body, html) as the code splits them."""
    text = env.get_template(f"{name}.txt").render(ctx)
    first, sep, body = text.partition("\n\n")
    assert sep, f"{name}.txt: no blank line after the subject line"
    assert first.startswith("Subject: ") and "\n" not in first, f"{name}.txt: first line must be 'Subject: ...'"
    html = env.get_template(f"{name}.html").render(ctx)
    return first[len("Subject: "):], body, html


def cases() -> list[tuple[str, bool]]:
    out = []
    for name in on_disk():
        out.append((name, name not in NO_ALERT))
        if name in MAYBE_NO_ALERT:
            out.append((name, False))
    return out


# -- coverage: the templates on disk are exactly the notices the code sends -----------------------


def test_every_notice_has_both_formats_and_nothing_else() -> None:
    txt = {p.stem for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_")}
    html = {p.stem for p in TEMPLATES.glob("*.html") if not p.name.startswith("_")}
    assert txt == NOTICES
    assert html == NOTICES
    assert (TEMPLATES / "_base.html").is_file()
    assert (TEMPLATES / "__init__.py").is_file()


def test_text_sources_start_with_subject_then_blank_line() -> None:
    for name in NOTICES:
        lines = (TEMPLATES / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("Subject: {{ marking }}"), name
        assert lines[1] == "", name


def test_html_notices_extend_the_shared_layout() -> None:
    for name in NOTICES:
        source = (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")
        assert source.lstrip().startswith('{% extends "_base.html" %}'), name
        assert "{% block body %}" in source, name


# -- every notice, both formats ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "with_alert"), cases())
def test_renders_with_safe_subject_and_footer(env: Environment, name: str, with_alert: bool) -> None:
    subject, body, html = render(env, name, context(name, with_alert=with_alert))

    assert subject.startswith("OFFICIAL-SENSITIVE "), subject
    assert subject == subject.strip() and "  " not in subject, repr(subject)
    if with_alert:
        assert f"[{REF}]" in subject
    for secret in CASE_IDS + CATEGORIES + ["Morgan Ellis", "Sam Okafor"]:
        assert secret not in subject, f"{name}: subject carries {secret!r}"
    assert "{{" not in subject + body + html and "{%" not in subject + body + html

    for part in (body, html):
        # How to instruct belongs on the IRO's notices about an alert; a notice addressed to
        # the responding manager says how to answer instead (issue 10: managers' mails carry
        # only what managers can do); reports and other mail about no one alert (digest,
        # monthly lists, compliments, bounces) end with the sender line only.
        footer = " ".join(part[part.rindex("--" if part is body else "border-top:1px solid #d0d5dd"):].split())
        to_manager = with_alert and name in MANAGER_NOTICES
        assert ("How to instruct" in part) == (with_alert and not to_manager), (
            f"{name}: instruction footer {'missing' if with_alert else 'out of place'}")
        assert ("How to answer" in part) == to_manager, name
        if to_manager:
            for word in ("RESOLVED", "ESCALATE", "WITHDRAW", "CAFCASS", "AGREE", "one of these words"):
                assert word not in footer, f"{name}: the IRO's {word} in a manager's footer"
            assert "more time" in footer and "written response" in footer
            assert ("For Sam Okafor" in footer) == (name in IRO_COPIED_NOTICES), name
        elif with_alert and name in CLOSING:
            assert "NOTE" in footer and "STATUS" in footer and "closed" in footer, name
            for word in ("RESOLVED", "ESCALATE", "EXTEND", "WITHDRAW", "AGREE"):
                assert word not in footer, f"{name}: {word} offered on a closed alert"
        elif with_alert:
            for word in INSTRUCTION_WORDS:
                assert word in footer, f"{name}: footer lacks {word}"
        assert FOOTER_LINE in part, f"{name}: footer line missing"
    assert body.rstrip().endswith(FOOTER_LINE), f"{name}.txt must end with the footer"

    if with_alert:
        assert REF in body and REF in html

    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=", html, re.I), f"{name}.html links an external resource"
    assert "<style" not in html.lower() and "class=" not in html, f"{name}.html: inline styles only"


@pytest.mark.parametrize(("name", "with_alert"), cases())
def test_same_output_with_trim_blocks(env: Environment, trimming_env: Environment, name: str, with_alert: bool) -> None:
    """Whitespace control must not depend on trim_blocks/lstrip_blocks: no glued words, no lost lines."""
    ctx = context(name, with_alert=with_alert)
    plain = render(env, name, ctx)
    trimmed = render(trimming_env, name, ctx)
    assert trimmed[0] == plain[0]
    assert trimmed[1].rstrip("\n") == plain[1].rstrip("\n")
    # Whitespace between two tags means nothing; anywhere else it separates words.
    words = [re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip() for html in (plain[2], trimmed[2])]
    assert words[0] == words[1]


def test_plain_text_layout(env: Environment) -> None:
    """No runs of blank lines, no trailing spaces: the plain part is read as it is."""
    for name, with_alert in cases():
        _, body, _ = render(env, name, context(name, with_alert=with_alert))
        assert "\n\n\n" not in body, name
        assert not re.search(r"[ \t]+\n", body), name


class _TagBalance(HTMLParser):
    CHECKED = {"html", "head", "body", "table", "tr", "td", "th", "p", "h1", "h2", "strong", "span"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.CHECKED:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.CHECKED:
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            else:
                self.stack.pop()


@pytest.mark.parametrize(("name", "with_alert"), cases())
def test_html_tags_balance(env: Environment, name: str, with_alert: bool) -> None:
    """Outlook forgives little: every table, row, cell and paragraph is closed, in order."""
    _, _, html = render(env, name, context(name, with_alert=with_alert))
    checker = _TagBalance()
    checker.feed(html)
    checker.close()
    assert not checker.errors and not checker.stack, (checker.errors, checker.stack)


def test_subject_without_marking_starts_with_reference(env: Environment) -> None:
    subject, _, _ = render(env, "acknowledgement", context("acknowledgement", marking=""))
    assert subject == f"[{REF}] Stage 2 Service Manager: alert logged - due Friday 7 May 2027"


def test_subject_without_due_date_has_no_due_part(env: Environment) -> None:
    subject, _, _ = render(env, "reminder", context("reminder", due=None, due_text=""))
    assert subject == "OFFICIAL-SENSITIVE [DRP-2027-0042] Stage 2 Service Manager: response reminder", subject
    assert not subject.endswith(" ")


def test_compliment_and_digest_subjects(env: Environment) -> None:
    subject, body, _ = render(env, "compliment_ack", context("compliment_ack"))
    assert subject == "OFFICIAL-SENSITIVE IRO compliment recorded"
    assert "1234567" in body  # the body may carry case IDs
    subject, _, _ = render(env, "digest", context("digest"))
    assert subject == "OFFICIAL-SENSITIVE DRP daily digest Monday 10 May 2027"


def test_bodies_show_case_ids_and_categories(env: Environment) -> None:
    _, body, html = render(env, "acknowledgement", context("acknowledgement"))
    for value in CASE_IDS + CATEGORIES:
        assert value in body and value in html


# -- autoescaping --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NOTICES - NO_ALERT))
def test_html_is_autoescaped(env: Environment, name: str) -> None:
    ctx = context(name, responder=EVIL, raiser=EVIL, history=[{"when": "now", "what": EVIL}])
    for key in ("responder_name", "requested_by_name", "reason"):
        if key in ctx["extra"]:
            ctx["extra"][key] = EVIL
    _, body, html = render(env, name, ctx)
    assert EVIL not in html
    assert "&lt;script&gt;" in html
    assert EVIL in body and "&lt;" not in body  # the plain-text part is not HTML: left as written


def test_digest_html_escapes_row_values(env: Environment) -> None:
    ctx = context("digest")
    ctx["extra"]["sections"][0]["rows"][0]["responder"] = EVIL
    ctx["extra"]["needs_a_person"][0]["reason"] = EVIL
    _, _, html = render(env, "digest", ctx)
    assert EVIL not in html and html.count("&lt;script&gt;") == 2


# -- particular notices --------------------------------------------------------------------------


def test_lapse_notice_prompts_or_reports(env: Environment) -> None:
    ctx = context("lapse_notice")
    _, body, html = render(env, "lapse_notice", ctx)
    assert "Reply ESCALATE to send this alert to Stage 3 Assistant Director" in body
    assert "ESCALATE</strong> to send this alert to <strong>Stage 3 Assistant Director" in html

    ctx["extra"] = {"automatic": True, "next_rung": "Stage 3 Assistant Director"}
    _, body, html = render(env, "lapse_notice", ctx)
    assert "escalated to Stage 3 Assistant Director" in body
    assert "escalated to Stage 3 Assistant Director" in html

    ctx["extra"] = {"automatic": False, "next_rung": "CAFCASS"}
    _, body, _ = render(env, "lapse_notice", ctx)
    assert "reply CAFCASS to record a referral to CAFCASS" in body

    ctx["extra"] = {"automatic": False, "next_rung": ""}
    _, body, html = render(env, "lapse_notice", ctx)
    assert "no further stage" in body and "no further stage" in html


def test_response_received_says_late(env: Environment) -> None:
    ctx = context("response_received")
    ctx["extra"]["late"] = True
    _, body, html = render(env, "response_received", ctx)
    assert "after the deadline" in body and "after the deadline" in html


def test_escalation_notice_carries_the_history_table(env: Environment) -> None:
    _, body, html = render(env, "escalation_notice", context("escalation_notice"))
    assert "You now hold this alert at Stage 2 Service Manager" in body
    assert "Mon 26 Apr 2027 09:12" in body and "Mon 26 Apr 2027 09:12" in html
    assert "What happened</th>" in html


def test_extension_agreed_subject_uses_new_date(env: Environment) -> None:
    subject, body, _ = render(env, "extension_agreed", context("extension_agreed"))
    assert subject.endswith("- due Friday 14 May 2027")
    assert "Friday 14 May 2027" in body


def test_resolution_names_the_rung_resolved_at(env: Environment) -> None:
    ctx = context("resolution", status="resolved", due=None, due_text="", resolved_at="Stage 2 Service Manager")
    subject, body, html = render(env, "resolution", ctx)
    assert "due" not in subject
    assert "resolved at Stage 2 Service Manager" in body and "Stage 2 Service Manager" in html


def _sections_area(html: str) -> str:
    start, end = html.index("<!-- sections -->"), html.index("<!-- /sections -->")
    return html[start:end]


def test_digest_full_day_has_tables(env: Environment) -> None:
    _, body, html = render(env, "digest", context("digest"))
    area = _sections_area(html)
    assert area.count("<table") == 1 + 2 + 1 + 1  # counts, two non-empty sections, people, failures
    for text in ("Overdue", "DRP-2027-0043", "New since yesterday", "unrecognised message", "timeout"):
        assert text in area and text in body
    assert "Nothing open" not in body + html


def test_digest_empty_day_is_one_line(env: Environment) -> None:
    ctx = context("digest")
    ctx["extra"].update(counts={}, sections=[], needs_a_person=[], delivery_failures=[], empty=True)
    _, body, html = render(env, "digest", ctx)
    line = "Nothing open, nothing new and nothing needing attention today."
    assert line in body
    area = _sections_area(html)
    assert line in area
    assert "<table" not in area
    assert "Health: mailbox read 2 minutes ago" in body and "Health: mailbox read 2 minutes ago" in html


# -- who reads what (issue 10): the Renderer addresses the footer to the notice's reader ----------


def test_renderer_gives_managers_their_part_and_iros_theirs() -> None:
    """Through the real Renderer, on domain alerts: a notice addressed to the responding manager
    says how to answer and carries none of the IRO's instruction words; the IRO's notices carry
    them; a closed alert's offer only what still works; the status is words."""
    from mailbot.notices import Renderer
    from test_reports import A1, A6, A7, CAL, CONFIG

    renderer = Renderer(CONFIG, CAL)
    extras = {"extension_agreed": {"new_due": date(2027, 6, 9)}, "who_decides": {"verb": "RESOLVED"},
              "lapse_notice": {"automatic": False, "next_rung": "Stage 2 Service Manager"}}
    for name in sorted(MANAGER_NOTICES - {"monthly_manager", "reassigned", "reopened"}):
        _, text, html = renderer.render(name, A7, [], extras.get(name, {}))
        for part in (text, html):
            assert "How to answer" in part and "How to instruct" not in part, name
            assert "ESCALATE [to stage N]" not in part and "one of these words" not in part, name
            assert ("(copied): nothing is needed from you" in part) == (name in IRO_COPIED_NOTICES), name
    for name in ("acknowledgement", "lapse_notice", "status_reply"):
        _, text, html = renderer.render(name, A6, [], extras.get(name, {}))
        for part in (text, html):
            assert "How to instruct" in part and "ESCALATE [to stage N]" in part and "How to answer" not in part, name
    _, text, _ = renderer.render("status_reply", A6, [], {})
    assert "Status:      overdue: waiting for the IRO's decision" in text
    _, text, html = renderer.render("resolution", A1, [], {})
    footer = text[text.rindex("\n--\n"):]
    assert "this alert is\nclosed" in footer and "NOTE" in footer and "STATUS" in footer
    assert not any(word in footer for word in ("RESOLVED", "ESCALATE", "EXTEND", "AGREE", "WITHDRAW"))
    assert "Status:      resolved" in text
