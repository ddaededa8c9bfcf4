"""Telling machine-sent mail (out-of-office replies, bounces, lists) from people's mail.

Automatic mail is recorded but never answered (DESIGN §3), which is what keeps mailbot and an
out-of-office robot from writing to each other for ever. A delivery report of our own mail is a
bounce, reported to the Business Manager, so the original's Message-ID is dug out of it. An
out-of-office reply is told apart from other automatic mail, and what it says about until when
its writer is away is read (``out_of_office``, issue 10), so that cover can be arranged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .dates import date_at
# The reply parser's own finder of quoted history (Outlook's "From: ... Sent:" block, "On ...
# wrote:", "-----Original Message-----"): an auto-reply that quotes the original is cut there.
from .reply import _history_start
from .types import Envelope

_OOO_SUBJECT = re.compile(
    r"^\s*(automatic\s+reply|auto(matic)?[-\s]?reply|autoreply|auto[-\s]?response|"
    r"out\s+of\s+(the\s+)?office|ooo\b|autosvar|abwesend|abwesenheitsnotiz|"
    r"r[ée]ponse\s+automatique|absence\s+du\s+bureau|respuesta\s+autom[áa]tica|"
    r"automatisch\s+antwoord|afwezig|fuori\s+sede|risposta\s+automatica)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered\s+mail|delivery\s+(status\s+notification|failure|has\s+failed)|"
    r"mail\s+delivery\s+(failed|failure|system)|returned\s+mail|failure\s+notice|"
    r"non[-\s]?delivery)",
    re.IGNORECASE,
)
# The opening of an auto-responder's text, when its headers do not say what it is: robots that
# answer every mail ("Thank you for your email, which has been received", "Your email has been
# escalated", "I am out of the office until ..."). Only the first lines are looked at, so a person
# who mentions an out-of-office further down is not taken for one.
_BODY_SCAN = 400
_AUTOREPLY_BODY = re.compile(
    r"\A\W*(?:[^\n]{0,80}\n){0,2}[^\n]{0,60}?\b(?:"
    r"(?<!while\s)(?:i\s+am|i'm|i\s+will\s+be)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+(?:the\s+)?office"
    r"|on\s+(?:annual\s+)?leave\s+(?:until|and\s+will|returning|with\s+(?:limited|no)\s+access))"
    r"|this\s+is\s+an\s+automat(?:ed|ic)\s+(?:reply|response|message|acknowledge?ment)"
    r"|(?:this|your)\s+(?:e-?mail|message)\s+has\s+been\s+(?:received|escalated|logged|forwarded|passed)"
    r"|thank\s+you\s+for\s+(?:your|contacting)\b[^\n]{0,60}\b(?:automat|received|logged|will\s+(?:be\s+)?respond)"
    r"|(?:auto(?:matic)?[-\s]?reply|out\s+of\s+office\s+reply)\b)",
    re.IGNORECASE,
)
_SUPPRESS_TOKENS = {"dr", "autoreply", "all", "oof"}
_BULK = {"bulk", "junk", "list"}
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_MESSAGE_ID_LINE = re.compile(r"^[ \t]*Message-ID\s*:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


def is_delivery_report(env: Envelope) -> bool:
    """A multipart/report carrying a delivery-status notification (RFC 3464)."""
    return env.content_type == "multipart/report" and (env.report_type or "") == "delivery-status"


def _from_daemon(env: Envelope) -> bool:
    return env.from_addr.split("@", 1)[0] in _DAEMONS


def is_bounce(env: Envelope) -> bool:
    """A DSN, or an old-style plain bounce from a mailer daemon."""
    if is_delivery_report(env):
        return True
    return _from_daemon(env) and bool(_BOUNCE_SUBJECT.search(env.subject))


def bounced_message_ids(env: Envelope) -> tuple[str, ...]:
    """Message-IDs of the undelivered original: from its embedded copy, else from the text."""
    if env.attached_message_ids:
        return env.attached_message_ids
    if not is_bounce(env):
        return ()
    own = {env.message_id}
    return tuple(dict.fromkeys(i for i in _MESSAGE_ID_LINE.findall(env.text) if i not in own))


def automatic_reason(env: Envelope) -> str | None:
    """Why the message is automatic, in a short human phrase; None for a person's mail."""
    if is_delivery_report(env):
        return "delivery status notification"
    if env.content_type == "multipart/report" and (env.report_type or "") == "disposition-notification":
        return "read receipt"
    if (env.calendar_method or "") == "REPLY":
        # Outlook's "Accepted: ..." to a meeting invitation: a person clicked, nobody wrote.
        return "calendar response"
    auto = (env.auto_submitted or "").strip()
    if auto and auto.split(";", 1)[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto}"
    suppress = env.x_auto_response_suppress or ""
    tokens = {t.strip().lower() for t in re.split(r"[,;\s]+", suppress) if t.strip()}
    if tokens & _SUPPRESS_TOKENS:
        return f"X-Auto-Response-Suppress: {suppress.strip()}"
    precedence = (env.precedence or "").strip().lower()
    if precedence in _BULK:
        return f"Precedence: {precedence}"
    if _OOO_SUBJECT.search(env.subject):
        return "out-of-office subject"
    for name, value in env.automatic_headers:
        if name == "x-mailbot-loop" or name.startswith(("list-", "x-auto", "x-ms-exchange", "x-loop")):
            return f"{name}: {' '.join(value.split())[:60]}".strip()
    if env.return_path == "":
        # The null return path <> is what bounces and auto-replies are sent with (RFC 5321 §4.5.5).
        return "null return path"
    if _AUTOREPLY_BODY.search(env.text[:_BODY_SCAN]):
        return "the text reads as an automatic reply"
    if _from_daemon(env):
        return f"From: {env.from_addr.split('@', 1)[0]}"
    if is_bounce(env):
        return "delivery status notification"
    return None


# ---- out-of-office replies (issue 10) ------------------------------------------------------------


@dataclass(frozen=True)
class Away:
    """What an out-of-office reply says about its sender's absence.

    Both dates are kept as the reply words them, because "until Friday 14 May" does not say
    whether the 14th is the last day away or the day back, and the parsers do not know the
    authority's working days to work one from the other:

    - ``until``: the date the absence is said to last until ("out of the office until Friday 14
      May", "limited access to email until 28 May", the end of "on leave from 10 to 21 May");
    - ``returning``: the day the reply says its writer is back ("back on Monday 17th",
      "returning 3/6/2027", "I will respond on my return on 17 May").

    Either may be None: the reply did not say, said it in a way that is not read (a month
    without a day, another language's month names), said a date already past when it was sent
    (a reply left on), or said two that contradict each other (back before the absence ends).
    ``until_further_notice`` is set when the reply says so; ``left`` when it says its writer no
    longer works there ("I have now left the council"), which calls for a new responder rather
    than cover.
    """

    until: date | None = None
    returning: date | None = None
    until_further_notice: bool = False
    left: bool = False


Headers = Mapping[str, str] | Iterable[tuple[str, str]]

# Subject openings of a generic automatic reply: what follows is the original subject, echoed.
_REPLY_PREFIX = re.compile(
    r"^\s*(?:automatic\s+reply|auto(?:matic)?[-\s]?reply|autoreply|auto[-\s]?response|auto|"
    r"out\s+of\s+(?:the\s+)?office(?:\s+auto[-\s]?reply)?|ooo|autosvar|abwesend|abwesenheitsnotiz|"
    r"automatische\s+antwort|r[ée]ponse\s+automatique|absence\s+du\s+bureau|respuesta\s+autom[áa]tica|"
    r"automatisch\s+antwoord|afwezig|fuori\s+sede|risposta\s+automatica)\s*:",
    re.IGNORECASE,
)
# Where an echoed original starts in a subject: a reply/forward marker or a [reference].
_ECHO = re.compile(r"\b(?:re|fw|fwd|aw|wg|sv|vs|tr|antw|rif|r)\s*:|\[", re.IGNORECASE)
_RECEIPT_SUBJECT = re.compile(
    r"^\s*(?:read|not\s+read|gelesen|ungelesen|lu|non\s+lu|gelezen|accepted|declined|tentative|"
    r"tentatively\s+accepted|new\s+time\s+proposed)\s*:", re.IGNORECASE)
# Words that say the writer is away (own text or a custom subject). "Out of office hours" is a
# helpdesk's opening times, not an absence.
_ABSENT = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office(?!\s+hours)|ooo\b|"
    r"on\s+(?:(?:annual|maternity|paternity|parental|adoption|sick|study|compassionate|extended|special|long[-\s]term\s+sick)\s+)?leave\b|"
    r"(?:annual|maternity|paternity|parental|adoption|study)\s+leave\b|"
    r"on\s+(?:holiday|holidays|vacation|sabbatical|secondment)\b|"
    r"(?:away|absent)\s+from\s+(?:the\s+|my\s+)?(?:office|desk|work)\b|"
    r"(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be)\s+(?:currently\s+|now\s+)?(?:away|off\s+work|off\b|absent|unavailable|not\s+(?:in|at|working))|"
    r"not\s+(?:in|at)\s+(?:the\s+|my\s+)?(?:office|work)\b|"
    r"(?:limited|no|intermittent)\s+access\s+to\s+(?:my\s+)?e-?mails?\b|"
    r"back\s+in\s+the\s+office|abwesen\w*|nicht\s+im\s+b[üu]ro|je\s+suis\s+absente?\b|en\s+cong[ée]|afwezig|"
    r"niet\s+op\s+kantoor|fuori\s+(?:sede|ufficio))",
    re.IGNORECASE,
)
# A subject its writer chose says it in fewer words: "Annual leave 10-21 May", "Away until Monday".
_ABSENT_SUBJECT = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|ooo|(?:annual\s+|maternity\s+|study\s+|on\s+)?leave|vacation|holidays?|"
    r"away|absence|abwesen\w*|afwezig|fuori\s+sede)\b",
    re.IGNORECASE,
)
_LEFT = re.compile(
    r"\b(?:no\s+longer\s+(?:work(?:s|ing)?|employed|based)\s+(?:at|for|with|by|in)\b|"
    r"\b(?:i|she|he|they)\s+(?:have|has)\s+(?:now\s+)?left\s+(?:[^.\n]{0,50}?\b(?:council|authority|organi[sz]ation|"
    r"employment|service|team|post|role|department|directorate|borough|county|trust)\b|(?=[.!\n]))|"
    r"this\s+(?:e-?mail\s+)?(?:address|mailbox|account)\s+is\s+no\s+longer\s+(?:monitored|in\s+use|active))",
    re.IGNORECASE,
)
_FURTHER_NOTICE = re.compile(r"\buntil\s+further\s+notice\b|\bfor\s+the\s+foreseeable\s+future\b", re.IGNORECASE)
_UNTIL_WORD = re.compile(
    r"\b(?:until|till|til|through|thru|up\s+to\s+and\s+including|to\s+and\s+including|bis|jusqu'?au|tot\s+en\s+met)\b[\s:]*",
    re.IGNORECASE,
)
# "out of the office on Friday 14 May", "on leave today": a single day away.
_ONE_DAY = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|on\s+(?:annual\s+)?leave|away|off|not\s+in(?:\s+the\s+office)?)\s+"
    r"(?:(?P<today>today)\b|on\s+)", re.IGNORECASE)
_RANGE_START = re.compile(r"\b(?:from|between)\s+", re.IGNORECASE)
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|\bto\b|\band\b)\s*", re.IGNORECASE)
_DAY_ONLY = re.compile(r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\b", re.IGNORECASE)
# "10-21 May", "10th – 21st May": a day, a dash, then a date with its month.
_DAY_DASH = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s*[-–—]\s*(?=\d)", re.IGNORECASE)
_BACK_WORD = re.compile(
    r"\b(?:(?:be\s+)?back(?:\s+(?:in|at|to)\s+(?:the\s+|my\s+)?(?:office|work|desk))?|"
    r"return(?:ing|s)?(?:\s+to\s+(?:the\s+office|work))?|(?:my\s+)?return\s+date(?:\s+is)?|"
    r"due\s+back|expected\s+back|zur[üu]ck|de\s+retour|terug)\b(?:\s+(?:on|from|by))?[\s:]*",
    re.IGNORECASE,
)
_OWN_TEXT_LIMIT = 4000  # an auto-reply says what it has to in its first lines; bounded work
_FURTHEST_AWAY_DAYS = 400  # a year's maternity leave, and a little; beyond is a misreading


def _header_values(headers: Headers) -> dict[str, list[str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        if value is not None:
            out.setdefault(name.strip().lower(), []).append(str(value))
    return out


def _first_value(values: dict[str, list[str]], name: str) -> str:
    return (values.get(name) or [""])[0].strip()


def _not_an_absence(subject: str, values: dict[str, list[str]]) -> bool:
    """Automatic mail that is never an out-of-office: delivery and read reports, calendar
    answers, bounces from a mailer daemon, and list traffic."""
    if "multipart/report" in _first_value(values, "content-type").lower():
        return True
    sender = _first_value(values, "from").lower()
    local = sender.rsplit("<", 1)[-1].split("@", 1)[0].strip(" <>\"")
    if local in _DAEMONS or _BOUNCE_SUBJECT.search(subject) or _RECEIPT_SUBJECT.search(subject):
        return True
    return "list-id" in values or _first_value(values, "precedence").lower() == "list"


def _marked_automatic(subject: str, text: str, values: dict[str, list[str]]) -> bool:
    """The headers, the subject or the opening of the text say a machine answered."""
    auto = _first_value(values, "auto-submitted").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return True
    if any(name in values for name in ("x-auto-response-suppress", "x-ms-exchange-inbox-rules-loop", "x-autoreply",
                                       "x-autorespond", "x-autoresponder", "x-auto-reply", "x-autoresponse")):
        return True
    if _first_value(values, "precedence").lower() in ("bulk", "junk", "auto_reply"):
        return True
    if "return-path" in values and _first_value(values, "return-path") in ("<>", ""):
        return True
    return bool(_OOO_SUBJECT.search(subject) or _REPLY_PREFIX.search(subject)
                or _AUTOREPLY_BODY.search(text[:_BODY_SCAN]))


def _own_text(body: str) -> str:
    """The auto-reply's own words: above any quoted original, without ">" lines."""
    lines = (body or "")[: _OWN_TEXT_LIMIT * 2].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _history_start(lines)]
    text = "\n".join(line for line in lines if not line.lstrip().startswith(">"))
    return text.replace("\u2019", "'").replace("\u2018", "'")[:_OWN_TEXT_LIMIT]


def _subject_words(subject: str) -> str:
    """The part of a subject its writer chose ("Annual leave 10-21 May"): none when it opens as a
    generic automatic reply (the rest is the original's subject, with the original's dates),
    and only what comes before an echoed "RE:" or "[DRP-...]"."""
    if _REPLY_PREFIX.search(subject):
        return ""
    echo = _ECHO.search(subject)
    return subject[: echo.start()] if echo else subject


def _first_date_after(words: re.Pattern[str], text: str, sent: date | None) -> tuple[int, date] | None:
    for word in words.finditer(text):
        found = date_at(text, word.end(), sent)
        if found is not None:
            return word.start(), found[0]
    return None


def _range_end(text: str, sent: date | None) -> tuple[int, date] | None:
    """The last day of "from 10 to 21 May", "between Monday 10 May and Friday 21 May",
    "10-21 May": the first such range in the text."""
    candidates = []
    for start in _RANGE_START.finditer(text):
        first = date_at(text, start.end(), sent)
        end_of_first = first[1] if first else None
        if end_of_first is None:
            day = _DAY_ONLY.match(text, start.end())
            end_of_first = day.end() if day else None
        if end_of_first is None:
            continue
        sep = _RANGE_SEP.match(text, end_of_first)
        last = date_at(text, sep.end(), sent) if sep else None
        if last is not None:
            candidates.append((start.start(), last[0]))
            break
    for dash in _DAY_DASH.finditer(text):
        last = date_at(text, dash.end(), sent)
        if last is not None:
            candidates.append((dash.start(), last[0]))
            break
    return min(candidates, key=lambda c: c[0]) if candidates else None


def _one_day(text: str, sent: date | None) -> tuple[int, date] | None:
    for m in _ONE_DAY.finditer(text):
        if m.group("today"):
            if sent is not None:
                return m.start(), sent
            continue
        found = date_at(text, m.end(), sent)
        if found is not None:
            return m.start(), found[0]
    return None


def _dates(text: str, sent: date | None) -> tuple[date | None, date | None]:
    untils = [found for found in (_first_date_after(_UNTIL_WORD, text, sent), _range_end(text, sent),
                                  _one_day(text, sent)) if found]
    until = min(untils, key=lambda c: c[0])[1] if untils else None
    back = _first_date_after(_BACK_WORD, text, sent)
    returning = back[1] if back else None

    def plausible(day: date | None) -> date | None:
        # A date before the reply was sent belongs to a reply left switched on; one far ahead is
        # a misreading (a date of the case, a year out).
        if day is None or sent is None:
            return day
        return day if 0 <= (day - sent).days <= _FURTHEST_AWAY_DAYS else None

    until, returning = plausible(until), plausible(returning)
    if until is not None and returning is not None and returning < until:
        return None, None  # two readings that cannot both be right: neither is used
    return until, returning


def out_of_office(subject: str, body: str, headers: Headers = (), sent: date | None = None) -> Away | None:
    """Read an out-of-office reply: None unless the message is an automatic reply saying that its
    writer is away (or has left); else what it says about until when.

    ``headers`` are the message's headers as (name, value) pairs or a mapping (Auto-Submitted,
    X-Auto-Response-Suppress, X-MS-Exchange-Inbox-Rules-Loop, Precedence, Content-Type, From,
    Return-Path, List-Id are the ones looked at); ``body`` its text (the quoted original, if the
    reply carries one, is not read); ``sent`` the day it was sent, which resolves "Monday" and
    "14 May" and is never itself taken for a date of the absence.

    Automatic means the headers say so (RFC 3834 Auto-Submitted, Exchange's suppression and
    rules-loop headers, X-Autoreply, Precedence: bulk, the null return path), or the subject
    opens as an automatic reply in any of the usual languages, or the first lines read as one.
    Away means the reply's own text (or a subject its writer chose) says so. A delivery report,
    a read receipt, a calendar answer, list mail, or an acknowledgement from a helpdesk ("we aim
    to reply within 5 working days") is automatic but not an absence: None.
    """
    subject = subject or ""
    values = _header_values(headers)
    if _not_an_absence(subject, values):
        return None
    text = _own_text(body)
    if not _marked_automatic(subject, body or "", values):
        return None
    chosen = _subject_words(subject)
    left = bool(_LEFT.search(text))
    if not (left or _ABSENT.search(text) or _ABSENT_SUBJECT.search(chosen)):
        return None
    until, returning = _dates(text, sent)
    if until is None and returning is None and chosen:
        until, returning = _dates(chosen, sent)
    further = bool(_FURTHER_NOTICE.search(text) or _FURTHER_NOTICE.search(chosen))
    return Away(until=until, returning=returning, until_further_notice=further, left=left)


def away_in(env: Envelope, sent: date | None) -> Away | None:
    """``out_of_office`` for a message the MIME layer has read."""
    if env.calendar_method == "REPLY":
        return None
    headers: list[tuple[str, str]] = [
        ("content-type", f"{env.content_type}; report-type={env.report_type or ''}"),
        ("from", env.from_addr),
        *[(name, value) for name, value in (("auto-submitted", env.auto_submitted), ("precedence", env.precedence),
                                            ("x-auto-response-suppress", env.x_auto_response_suppress))
          if value is not None],
        *env.automatic_headers,
    ]
    if env.return_path is not None:
        headers.append(("return-path", "<>" if env.return_path == "" else env.return_path))
    return out_of_office(env.subject, env.text, headers, sent)
