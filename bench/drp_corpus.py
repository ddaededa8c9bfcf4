"""A deterministic corpus of Outlook-like DRP mail for the benchmarks (issue 13).

Half the messages are new informal alerts ("Pre-Dispute Resolution") from the IROs and the CP
Chair of the demonstration authority (config.yaml's directory, as the tests use it) to a Team
Manager, copying the shared mailbox; the other half are replies in those alerts' threads: the
managers' responses (some asking for more time) and the IROs' NOTEs and instructions (RESOLVED,
ESCALATE, EXTEND, AGREE), each with In-Reply-To and References naming the message it answers and
Outlook's quoted history below the new text. So mailbot has to thread and decide on every reply,
not merely record it.

Every message is written the way Outlook desktop on Exchange Online writes it: multipart/
alternative with a quoted-printable text/plain part and the Word-generated text/html part,
Exchange's headers (Received, Thread-Topic, Thread-Index, msip_labels, X-MS-*), CRLF line ends,
a few KB each. Case IDs are seven-digit numbers and no child is named, as in real DRP mail.

The same seed gives the same bytes: ``corpus(2000)`` is the same 2,000 messages on every run.

    from drp_corpus import corpus, new_alert
    messages = corpus(2000)             # a list of Message, in the order they reach the mailbox
    raw = messages[0].raw               # bytes to APPEND
"""

from __future__ import annotations

import base64
import quopri
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
MAILBOX = f"drp@{DOMAIN}"
# (name, address, phone) from config.yaml's directory: who raises which process, and to whom.
IROS = [("Sam Okafor", f"sam.iro@{DOMAIN}", "01582 547123"), ("Jo Reid", f"jo.iro@{DOMAIN}", "01582 547188")]
CP_CHAIRS = [("Alex Morgan", f"alex.cpchair@{DOMAIN}", "01582 547301")]
LAC_MANAGERS = [("Dana Hughes", f"dana.tm@{DOMAIN}", "Team Manager, Children in Care North"),
                ("Lee Carter", f"lee.tm@{DOMAIN}", "Team Manager, Children in Care South")]
CP_MANAGERS = [("Ruth Khan", f"ruth.tm@{DOMAIN}", "Team Manager, Child Protection East")]
# The first instant of the default corpus's timeline (a Monday); a drain runs after its end.
START = datetime(2027, 5, 10, 8, 30, tzinfo=LONDON)
SEED = 13

# The kinds mailbot records each message as, when it reads the corpus as intended.
NEW_ALERT, RESPONSE, EXTENSION_REQUEST, INSTRUCTION = "new_alert", "manager_response", "extension_request", "instruction"

LAC_CONCERNS = [
    "The PEP has not been updated since the last review and the health assessment is now overdue.",
    "There has been significant drift in permanence planning: the permanence plan has not been "
    "progressed since the last review.",
    "The child has not been visited within statutory timescales; the last recorded statutory visit "
    "was more than eight weeks ago.",
    "The review decisions from the last LAC review have not been implemented, in particular the "
    "referral for therapeutic support.",
    "The placement plan is missing from the file and the carers have not had a copy.",
]
CP_CONCERNS = [
    "The core group has not met since the initial conference and no core group minutes have been circulated.",
    "The CP plan not updated after the last conference; the actions agreed have not been completed.",
]
ASKS = [
    "Please could you confirm the plan and let me know what will happen next{timescale}.",
    "Could you look into this and come back to me{timescale}?",
    "I would be grateful for your response{timescale}.",
]
TIMESCALES = ["", " within 10 working days", " within 5 working days"]
RESPONSES = [
    "Thank you for raising this. I have spoken to the social worker and the PEP meeting is booked for "
    "Thursday; the plan will be updated straight after it.",
    "The visit took place yesterday and the record will be on the system by the end of the week.",
    "I have asked the social worker to complete the health assessment referral today and I will confirm "
    "once the appointment is booked.",
    "Apologies for the delay. The permanence planning meeting has now been arranged and the minutes will "
    "be shared with you once they are typed up.",
    "I have discussed this with the allocated worker in supervision and the outstanding actions are now "
    "on the team's tracker with owners against each.",
]
EXTENSION_ASKS = [
    "We are waiting for the health team to confirm a date. Could I have a further 5 working days to "
    "respond fully?",
    "The social worker is on leave this week; could I have another 5 working days please?",
]
# (verb kind, text) an IRO writes after a manager's response; AGREE only after a request for time.
DECISIONS = [
    ("RESOLVED", "RESOLVED - thank you {manager}, that addresses my concerns."),
    ("NOTE", "NOTE: I have spoken to {manager} on the phone and the visit is booked for next week."),
    ("ESCALATE", "ESCALATE to stage 1. The response does not address the drift in planning."),
    ("EXTEND", "EXTEND 5 working days - the health team need more time to arrange the assessment."),
]
AGREE = "AGREE - a further 5 working days is fine, thank you."
FOLLOW_UP_NOTE = "NOTE: {manager} has told me on the phone that the social worker is looking into this."

WORD_STYLE = """\
<style><!--
/* Font Definitions */
@font-face
\t{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0cm;
\tfont-size:11.0pt;
\tfont-family:"Calibri",sans-serif;
\tmso-fareast-language:EN-US;}
a:link, span.MsoHyperlink
\t{mso-style-priority:99;
\tcolor:#0563C1;
\ttext-decoration:underline;}
span.EmailStyle17
\t{mso-style-type:personal-compose;
\tfont-family:"Calibri",sans-serif;
\tcolor:windowtext;}
.MsoChpDefault
\t{mso-style-type:export-only;
\tfont-family:"Calibri",sans-serif;
\tmso-fareast-language:EN-US;}
@page WordSection1
\t{size:612.0pt 792.0pt;
\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->"""
DISCLAIMER = ("OFFICIAL-SENSITIVE: This email and any attachments are confidential and intended solely for "
              "the addressee. If you have received it in error please notify the sender and delete it. "
              "Luton Borough Council may monitor email traffic data and content for security purposes.")


@dataclass(frozen=True)
class Message:
    """One message of the corpus: its bytes, its Message-ID, the kind mailbot should record it
    as, and the time it was written (its Date header)."""

    raw: bytes
    message_id: str
    kind: str
    when: datetime


@dataclass
class _Thread:
    number: int
    process: str
    raiser: tuple[str, str, str]
    manager: tuple[str, str, str]
    subject: str
    message_id: str
    when: datetime
    text: str  # the alert's own plain text, quoted under replies
    thread_index: str


class _Writer:
    """Builds the messages; all randomness comes from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # ---------------------------------------------------------------- identifiers

    def message_id(self) -> str:
        server = f"LO{self.rng.choice('2346')}P265MB{self.rng.randrange(1000, 9999)}"
        return f"{server}{self.rng.getrandbits(128):032X}@{server}.GBRP265.PROD.OUTLOOK.COM"

    def thread_index(self, parent: str | None) -> str:
        # Outlook's Thread-Index: 22 bytes for a new conversation, 5 more for each reply.
        if parent is None:
            return base64.b64encode(self.rng.randbytes(22)).decode()
        return base64.b64encode(base64.b64decode(parent) + self.rng.randbytes(5)).decode()

    # ---------------------------------------------------------------- the whole message

    def build(self, *, sender, to, subject: str, when: datetime, message_id: str, text: str, html: str,
              thread_index: str, replying_to: list[str] | None = None) -> bytes:
        name, address = sender[0], sender[1]
        boundary = f"_000_{message_id.split('@')[0][-32:]}{message_id.split('@')[1][:9]}GBRP_"
        hop = message_id.split("@")[1].split(".")[0]
        sent = format_datetime(when.astimezone(ZoneInfo("UTC")))
        headers = [
            f"Received: from {hop}.GBRP265.PROD.OUTLOOK.COM (2603:10a6:600:{self.rng.randrange(16**3):x}::{self.rng.randrange(16**2):x})",
            f" by {hop}.GBRP265.PROD.OUTLOOK.COM with HTTPS; {sent}",
            f"Received: from {hop}.GBRP265.PROD.OUTLOOK.COM ([fe80::{self.rng.randrange(16**4):x}:{self.rng.randrange(16**4):x}]) by",
            f" {hop}.GBRP265.PROD.OUTLOOK.COM ([fe80::{self.rng.randrange(16**4):x}%5]) with mapi id",
            f" 15.20.{self.rng.randrange(7000, 8000)}.{self.rng.randrange(10, 99):03d}; {sent}",
            f"From: {name} <{address}>",
            f"To: {to[0]} <{to[1]}>",
            f"CC: DRP Mailbox <{MAILBOX}>",
            f"Subject: {subject}",
            f"Thread-Topic: {subject.removeprefix('RE: ')}",
            f"Thread-Index: {thread_index}",
            f"Date: {sent}",
            f"Message-ID: <{message_id}>",
        ]
        if replying_to:
            headers.append("References: " + "\r\n ".join(f"<{m}>" for m in replying_to))
            headers.append(f"In-Reply-To: <{replying_to[-1]}>")
        headers += [
            "Accept-Language: en-GB, en-US",
            "Content-Language: en-GB",
            "X-MS-Has-Attach:",
            "X-MS-TNEF-Correlator:",
            "msip_labels: MSIP_Label_a1b2c3d4-0000-4000-8000-000000000001_Enabled=true;",
            " MSIP_Label_a1b2c3d4-0000-4000-8000-000000000001_Name=OFFICIAL-SENSITIVE",
            "x-ms-publictraffictype: Email",
            f"x-ms-traffictypediagnostic: {hop}:EE_|{hop}:EE_",
            "x-ms-exchange-senderadcheck: 1",
            "x-ms-exchange-antispam-relay: 0",
            "X-MS-Exchange-Organization-SCL: -1",
            "X-MS-Exchange-Organization-AuthAs: Internal",
            "X-MS-Exchange-Organization-AuthMechanism: 04",
            "Content-Type: multipart/alternative;",
            f'\tboundary="{boundary}"',
            "MIME-Version: 1.0",
        ]
        parts = []
        for subtype, body in (("plain", text), ("html", html)):
            encoded = quopri.encodestring(body.encode("utf-8")).decode("ascii")
            parts.append(f"--{boundary}\nContent-Type: text/{subtype}; charset=\"utf-8\"\n"
                         f"Content-Transfer-Encoding: quoted-printable\n\n{encoded}\n")
        body = "\n".join(parts) + f"\n--{boundary}--\n"
        lines = "\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")
        return lines.encode("ascii")

    # ---------------------------------------------------------------- text and HTML

    @staticmethod
    def html(paragraphs: list[str], quoted: tuple[dict[str, str], list[str]] | None = None) -> str:
        def p(text: str) -> str:
            if not text:
                return '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
            return f'<p class="MsoNormal">{escape(text, quote=False).replace(chr(10), "<br>" + chr(10))}<o:p></o:p></p>'

        out = ['<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
               'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
               'xmlns="http://www.w3.org/TR/REC-html40">', "<head>",
               '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
               '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">', WORD_STYLE, "</head>",
               '<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">',
               '<div class="WordSection1">']
        out += [p(text) for text in paragraphs]
        if quoted is not None:
            fields, history = quoted
            header = "<br>\n".join(f"<b>{k}:</b> {escape(v, quote=False)}" for k, v in fields.items())
            out += ['<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">',
                    f'<p class="MsoNormal"><b><span lang="EN-US">{header}<o:p></o:p></span></b></p>', "</div>", p("")]
            out += [p(text) for text in history]
        out += ["</div>", "</body>", "</html>"]
        return "\n".join(out)

    @staticmethod
    def text(paragraphs: list[str], quoted: tuple[dict[str, str], list[str]] | None = None) -> str:
        out = "\n\n".join(paragraphs) + "\n"
        if quoted is not None:
            fields, history = quoted
            out += "\n" + "\n".join(f"{k}: {v}" for k, v in fields.items()) + "\n\n" + "\n\n".join(history) + "\n"
        return out

    def signature(self, person, role: str) -> list[str]:
        name, _address, extra = person
        phone = extra if extra.startswith("01582") else f"01582 54{self.rng.randrange(7000, 7999)}"
        closing = self.rng.choice(["Kind regards,", "Many thanks,", "Regards"])
        return [closing, f"{name}\n{role}\nLuton Borough Council\nTel: {phone}", DISCLAIMER]

    # ---------------------------------------------------------------- the kinds of message

    def alert(self, number: int, when: datetime) -> tuple[_Thread, Message]:
        rng = self.rng
        cp = number % 10 == 9  # one alert in ten is a CP Chair's, about child protection
        raiser = rng.choice(CP_CHAIRS if cp else IROS)
        manager = rng.choice(CP_MANAGERS if cp else LAC_MANAGERS)
        child = 2_000_000 + number * 2
        siblings = number % 8 == 3  # some alerts cover two children
        ids = f"Child IDs: {child} and {child + 1}" if siblings else f"Child ID: {child}"
        concern = rng.choice(CP_CONCERNS if cp else LAC_CONCERNS)
        timescale = "" if cp else rng.choice(TIMESCALES)  # CP: the procedure's own 2 working days
        subject = rng.choice(["Pre-Dispute Resolution", "Pre-Dispute Resolution - {ids}", "Pre-DRP: {ids}",
                              "Pre-Dispute Resolution - outstanding actions"]).format(ids=f"{child}")
        if cp:
            subject += " (CP conference)"
        paragraphs = [
            f"Hi {manager[0].split()[0]},",
            "Following the review on " + rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday"]) +
            " I am raising my concerns informally under the Pre-Dispute Resolution process.",
            ids,
            concern,
            rng.choice(ASKS).format(timescale=timescale),
        ]
        role = "Child Protection Conference Chair" if cp else "Independent Reviewing Officer"
        signature = self.signature(raiser, role + "\nSafeguarding and Quality Assurance Service")
        message_id = self.message_id()
        index = self.thread_index(None)
        raw = self.build(sender=raiser, to=manager, subject=subject, when=when, message_id=message_id,
                         text=self.text(paragraphs + signature), html=self.html(paragraphs + signature),
                         thread_index=index)
        thread = _Thread(number, "cp" if cp else "lac", raiser, manager, subject, message_id, when,
                         "\n\n".join(paragraphs[1:]), index)
        return thread, Message(raw, message_id, NEW_ALERT, when)

    def reply(self, thread: _Thread, sender, to, words: str, kind: str, when: datetime,
              answering: tuple[str, str, datetime, str] | None = None, role: str = "") -> Message:
        """A reply in ``thread`` from ``sender`` saying ``words``; ``answering`` is the message
        it answers (message ID, its sender's name and address, time, text), the alert by default."""
        if answering is None:
            answering = (thread.message_id, f"{thread.raiser[0]} <{thread.raiser[1]}>", thread.when, thread.text)
            references = [thread.message_id]
        else:
            references = [thread.message_id, answering[0]]
        parent_id, parent_from, parent_when, parent_text = answering
        quoted = ({"From": parent_from, "Sent": f"{parent_when:%d %B %Y %H:%M}",
                   "To": f"{to[0]} <{to[1]}>" if parent_from.startswith(sender[0]) else f"{sender[0]} <{sender[1]}>",
                   "Cc": f"DRP Mailbox <{MAILBOX}>", "Subject": thread.subject},
                  parent_text.split("\n\n"))
        paragraphs = [f"{to[0].split()[0]},", words]
        signature = self.signature(sender, role)
        message_id = self.message_id()
        raw = self.build(sender=sender, to=to, subject=f"RE: {thread.subject}", when=when, message_id=message_id,
                         text=self.text(paragraphs + signature, quoted),
                         html=self.html(paragraphs + signature, quoted),
                         thread_index=self.thread_index(thread.thread_index),
                         replying_to=references)
        return Message(raw, message_id, kind, when)


# Each alert's thread, as a list of what follows it: "response" (a manager's answer, sometimes
# asking for more time), "decision" (the IRO's instruction after that answer), "note" (the
# IRO's own follow-up before any answer). Five alerts in each block get the five patterns, in a
# shuffled order: five replies for five alerts.
PATTERNS = (("response",), ("response",), ("response", "decision"), ("note",), ())


def corpus(count: int, seed: int = SEED, start: datetime = START) -> list[Message]:
    """``count`` messages in mailbox order: ceil(count/2) new alerts and floor(count/2) replies in
    their threads, each reply after the message it answers. The timeline runs from ``start``
    over about a week; ``end_of(messages)`` is a moment after all of it."""
    writer = _Writer(seed)
    rng = writer.rng
    alerts, replies = (count + 1) // 2, count // 2
    plans: list[list[str]] = []
    while len(plans) < alerts:
        block = list(PATTERNS)
        rng.shuffle(block)
        plans.extend(list(p) for p in block)
    del plans[alerts:]
    # Make the replies exactly half: trim the last threads, or add IRO notes to silent ones.
    planned = sum(map(len, plans))
    for plan in reversed(plans):
        while planned > replies and plan:
            plan.pop()
            planned -= 1
    for plan in plans:
        if planned < replies and not plan:
            plan.append("note")
            planned += 1

    span = timedelta(days=4, hours=8)  # Monday 08:30 to Friday 16:30
    messages: list[Message] = []
    for number, plan in enumerate(plans):
        when = start + span * number / max(alerts, 1)
        thread, message = writer.alert(number, when)
        messages.append(message)
        later = when
        previous = None
        asked_for_time = False
        for step in plan:
            later = later + timedelta(minutes=rng.randrange(20, 24 * 60))
            if step == "note":
                words = FOLLOW_UP_NOTE.format(manager=thread.manager[0].split()[0])
                messages.append(writer.reply(thread, thread.raiser, thread.manager, words, INSTRUCTION, later,
                                             role=_role(thread)))
            elif step == "response":
                asked_for_time = rng.random() < 0.15
                words = rng.choice(EXTENSION_ASKS if asked_for_time else RESPONSES)
                kind = EXTENSION_REQUEST if asked_for_time else RESPONSE
                reply = writer.reply(thread, thread.manager, thread.raiser, words, kind, later,
                                     role=thread.manager[2])
                messages.append(reply)
                previous = (reply.message_id, f"{thread.manager[0]} <{thread.manager[1]}>", later, words)
            else:  # the IRO's decision on the manager's answer
                if asked_for_time:
                    words = AGREE
                else:
                    words = rng.choice(DECISIONS)[1].format(manager=thread.manager[0].split()[0])
                messages.append(writer.reply(thread, thread.raiser, thread.manager, words, INSTRUCTION, later,
                                             answering=previous, role=_role(thread)))
    messages.sort(key=lambda m: m.when)
    return messages


def _role(thread: _Thread) -> str:
    return ("Child Protection Conference Chair" if thread.process == "cp" else "Independent Reviewing Officer")


def end_of(messages: list[Message]) -> datetime:
    """A moment after the last message of ``messages`` (the clock a drain of them runs at)."""
    return max(m.when for m in messages) + timedelta(hours=1)


def kinds(messages: list[Message]) -> Counter:
    """How many messages of each kind mailbot should record, when it reads them as intended."""
    return Counter(m.kind for m in messages)


def new_alert(number: int, when: datetime, seed: int = SEED) -> Message:
    """One new informal alert, written at ``when`` (for IDLE pick-up: the real clock's now).
    ``number`` picks the child's case ID; use numbers the corpus in the same store did not."""
    return _Writer(seed * 1_000_003 + number).alert(number, when)[1]


if __name__ == "__main__":  # a look at the corpus: python bench/drp_corpus.py [COUNT] [FOLDER]
    import sys
    from pathlib import Path

    sample = corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    sizes = sorted(len(m.raw) for m in sample)
    print(f"{len(sample)} messages, {dict(kinds(sample))}; sizes {sizes[0]}-{sizes[-1]} bytes, "
          f"median {sizes[len(sizes) // 2]}; {sample[0].when:%a %d %b %H:%M} to {sample[-1].when:%a %d %b %H:%M}")
    if len(sys.argv) > 2:
        folder = Path(sys.argv[2])
        folder.mkdir(parents=True, exist_ok=True)
        for n, m in enumerate(sample):
            (folder / f"{n:05d}-{m.kind}.eml").write_bytes(m.raw)
