"""Telling machine-sent mail (out-of-office replies, bounces, lists) from people's mail.

Automatic mail is recorded but never answered (DESIGN §3), which is what keeps mailbot and an
out-of-office robot from writing to each other for ever. A delivery report of our own mail is a
bounce, reported to the Business Manager, so the original's Message-ID is dug out of it.
"""

from __future__ import annotations

import re

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
