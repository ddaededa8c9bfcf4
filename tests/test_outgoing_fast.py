"""Outgoing messages built without re-parsing our own headers (issue 13, item 3), checked against
the implementation they replace.

``reference_build_message`` at the end of this file is a verbatim copy of ``build_message`` (and
its helpers) as it was before issue 13, when every header went through the email package's
header parsers and folders. It is the oracle: for a table of varied notices the new
implementation must give the same bytes (header fields compared unfolded where the new folding
differs: see ``_fold`` in mailbot/outgoing.py), the same headers and bodies when parsed back (as
a recipient sees them) and the same headers read straight from the returned object (as the SMTP
sink reads To, Cc and Message-ID). bench/outgoing_build.py times the two side by side.
Nothing is mocked: real messages, serialised and parsed by the email package.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from email import policy, quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.outgoing import _quoted_printable, build_message, wire_bytes
from mailbot.smtp import _recipients  # how the SMTP sink reads To and Cc from the message object

LONDON = ZoneInfo("Europe/London")
HEADER_LIMIT = 78  # RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (and MUST be at most 998)

TEXT = ("Dear Sam Lee,\n\nThis is a reminder that your written response to DRP-2027-0042 (Stage 1: Team "
        "Manager) is due by the end of Monday 4 January 2027. Please reply to all.\n\n"
        "How to answer: reply to all in this thread,\nkeeping [DRP-2027-0042] in the subject.\n")
HTML = ('<!DOCTYPE html>\n<p style="margin:0 0 14px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;'
        'line-height:20px;color:#1b1b1b;">Your written response to <strong>DRP-2027-0042</strong> is due by '
        "the end of <strong>Monday 4 January 2027</strong>.</p>\n")
MANY = [f"person.number{i}@council.example" for i in range(40)]


def notice(**overrides) -> dict:
    kwargs = dict(
        from_addr="drp@council.example", from_name="DRP mailbot", to=["tm@council.example"],
        cc=["iro@council.example"], subject="[DRP-2027-0042] Stage 1: Team Manager: response reminder - due Monday 4 January 2027",
        text=TEXT, html=HTML, message_id="mailbot.DRP-2027-0042.c2b8748aadbd0d2be341@council.example",
        in_reply_to="AM0PR01MB1234ABCD@eurprd01.prod.outlook.com", references=["first.1@council.example"],
        auto_submitted="auto-replied", date=datetime(2027, 1, 4, 9, 0, tzinfo=LONDON),
    )
    kwargs.update(overrides)
    return kwargs


# A table of varied notices: each is built by both implementations and compared.
CASES = {
    "typical reminder": notice(),
    "text only (no html)": notice(html=None),
    "text only, short lines, one recipient": notice(html=None, text="Short.\n", cc=[], in_reply_to=None, references=()),
    "no thread, auto-generated report": notice(in_reply_to=None, references=(), auto_submitted="auto-generated"),
    "non-ASCII display name, subject and bodies": notice(
        from_name="Équipe DRP, Luton", subject="Réponse attendue — « DRP-2026-0042 » " + "long " * 20,
        text="Café — please respond by 4 January.\n", html="<p>Café — please respond by <b>4 January</b>.</p>\n"),
    "display names in To and Cc": notice(to=["Siân Jones <sian@council.example>"],
                                         cc=["Zoë Ó Súilleabháin <zoe@council.example>", "Sam Lee <sam@council.example>"]),
    "forty recipients in To and Cc": notice(to=MANY[:25], cc=MANY[25:]),
    "recipients in Cc only": notice(to=[], cc=MANY[:3]),
    "very long ASCII subject": notice(subject="[DRP-2027-0042] " + "Stage 4: Director of Children's Services " * 40),
    "subject with a word longer than a line": notice(subject="[DRP-2027-0042] " + "x" * 120 + " end"),
    "subject that fits a line of its own": notice(subject="[DRP-2027-0042] Stage 1: Team Manager: response reminder - due"),
    "subject with an encoded-word look-alike": notice(subject="[DRP-2027-0042] =?utf-8?q?not_encoded?= literal"),
    "subject with a run of spaces": notice(subject="[DRP-2027-0042]  two  spaces "),
    "empty subject": notice(subject=""),
    "long Message-ID on a line of its own": notice(message_id="mailbot." + "a" * 64 + ".0123456789ab@council.example"),
    "many references": notice(references=[f"ref{i}.{'x' * 30}@example.org" for i in range(20)]),
    "thread ids with brackets and junk": notice(in_reply_to="<p@x>", references=["a b@x", "<q@x>", "q@x"]),
    "Gmail-style thread id": notice(in_reply_to="CAKx+yz=AbC_dEf-12=34@mail.gmail.com"),
    "quoted local part": notice(to=['"j smith"@council.example']),
    "long ASCII lines as base64": notice(html=None, text="\x01" * 300 + "\n"),
    "text with trailing spaces and tabs": notice(text="line one   \nline two\t\n" + "y" * 77 + " \n"),
    "empty text": notice(text="", html=None),
    "extra headers": notice(extra_headers={"X-Mailbot-Alert": "DRP-2027-0042", "Reply-To": "Business Manager <bm@council.example>"}),
    "attachments with text and html": notice(attachments=[
        ("DRP form stage 2.pdf", "application/pdf", b"%PDF-1.7\n\x00\xff binary"),
        ("résumé.csv", "text/csv", b"alert,stage\nDRP-2026-0042,2\n"),
        ("a very long file name for the quarterly analysis of dispute resolution alerts 2027.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes(range(256)) * 20)]),
    "attachment without html": notice(html=None, attachments=[("digest.csv", "text/csv", b"a,b\n")]),
    "forwarded message attachment": notice(attachments=[("fwd.eml", "message/rfc822", b"Subject: x\r\n\r\nbody\r\n")]),
    "date with an offset": notice(date=datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)),
    "date in a far zone": notice(date=datetime(2027, 1, 4, 9, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30)))),
}


def unfolded(raw: bytes, linesep: bytes = b"\r\n") -> bytes:
    """``raw`` with the header fields of the message and of each MIME part unfolded (RFC 5322
    §2.2.3: a line break before whitespace removed); bodies are left as they are."""
    lines: list[bytes] = []
    in_headers = True
    for line in raw.split(linesep):
        if in_headers and lines and line[:1] in (b" ", b"\t"):
            lines[-1] += line
            continue
        if line.startswith(b"--=_mailbot_"):
            in_headers = True  # a boundary: a part's header fields follow
        elif in_headers and not line:
            in_headers = False
        lines.append(line)
    return linesep.join(lines)


def parsed(raw: bytes) -> list[tuple]:
    """What a recipient sees, part by part: each header field's name and value (and for address
    fields the display names and addresses), the content type and the decoded content."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    seen = []
    for part in msg.walk():
        # Python's parser keeps the folding space in front of a value moved whole onto a second
        # line ("Message-ID:\r\n <id>"), so values are compared stripped.
        fields = [(name, str(value).strip()) for name, value in part.items()]
        addresses = [(name, [(a.display_name, a.addr_spec) for a in value.addresses])
                     for name, value in part.items() if hasattr(value, "addresses")]
        body = None if part.is_multipart() else part.get_payload(decode=True)
        seen.append((fields, addresses, part.get_content_type(), part.get_filename(), body))
    return seen


def read_back(msg: EmailMessage) -> list[tuple]:
    """The headers as code reads them from the returned object (the SMTP sink reads To, Cc and
    Message-ID this way), part by part."""
    return [[(name, str(msg_part[name]).strip(), getattr(msg_part[name], "addresses", None))
             for name in msg_part.keys()] for msg_part in msg.walk()]


@pytest.mark.parametrize("case", list(CASES))
def test_same_message_as_the_old_implementation(case):
    kwargs = CASES[case]
    old, new = reference_build_message(**kwargs), build_message(**kwargs)
    old_raw, new_raw = old.as_bytes(), new.as_bytes()
    assert unfolded(new_raw) == unfolded(old_raw)
    assert parsed(new_raw) == parsed(old_raw)
    assert read_back(new) == read_back(old)
    assert _recipients(new) == _recipients(old)
    # The Maildir sink writes with LF line ends.
    lf = new.policy.clone(linesep="\n")
    assert unfolded(new.as_bytes(policy=lf), b"\n") == unfolded(old.as_bytes(policy=lf), b"\n")
    # Lines: within RFC 5322's 998 always, and within 78 wherever the old message kept to 78.
    new_lines, old_lines = new_raw.split(b"\r\n"), old_raw.split(b"\r\n")
    assert max(map(len, new_lines)) <= max(HEADER_LIMIT, max(map(len, old_lines))) <= 998
    # Serialising does not change the message, and the same arguments give the same bytes.
    assert new.as_bytes() == new_raw == build_message(**kwargs).as_bytes()


@pytest.mark.parametrize("case", list(CASES))
def test_the_sinks_serialiser_writes_what_as_bytes_writes(case):
    # wire_bytes (what the SMTP and Maildir sinks hand over) writes bodies in one piece; the
    # bytes must be as_bytes's, with either line end.
    msg = build_message(**CASES[case])
    assert wire_bytes(msg) == msg.as_bytes()
    assert wire_bytes(msg, "\n") == msg.as_bytes(policy=msg.policy.clone(linesep="\n"))


def test_messages_built_here_are_written_without_the_generator():
    # wire_bytes writes what build_message makes straight from its stored texts (the comparisons
    # above check the bytes); what it cannot write directly (a binary attachment, a forwarded
    # message) goes through the generator.
    from mailbot.outgoing import _written

    direct = [case for case, kwargs in CASES.items() if _written(build_message(**kwargs), "\r\n") is not None]
    assert "typical reminder" in direct
    assert all(case in direct for case, kwargs in CASES.items() if not kwargs.get("attachments")), direct
    # Something it does not know is left to the generator, and still written right.
    msg = build_message(**CASES["typical reminder"])
    msg.preamble = "This is a multi-part message in MIME format."
    assert _written(msg, "\r\n") is None and wire_bytes(msg) == msg.as_bytes()


def test_the_sinks_serialiser_on_a_message_not_built_here():
    # A compat32 message with every kind of line end in its body, and one without a final newline.
    for body in ("one\r\ntwo\rthree\nfour", "ends with a newline\n", "", "\n\n"):
        msg = email.message.Message()
        msg["Subject"] = "x"
        msg.set_payload(body)
        assert wire_bytes(msg) == msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        assert wire_bytes(msg, "\n") == msg.as_bytes(policy=msg.policy.clone(linesep="\n"))


def test_folding_differs_only_where_the_old_moved_a_whole_value_to_its_own_line():
    # Byte for byte, not just unfolded, but for header fields the old folding put on a second
    # line of their own ("References:\r\n <a> <b>"), which the new one folds greedily: those
    # fields, and only those, are compared unfolded.
    folded_apart = 0
    for case, kwargs in CASES.items():
        old_raw = reference_build_message(**kwargs).as_bytes()
        new_raw = build_message(**kwargs).as_bytes()
        moved = set(re.findall(rb"^([A-Za-z-]+):\r\n ", old_raw, re.M))
        folded_apart += bool(moved)
        assert unfolded_fields(new_raw, moved) == unfolded_fields(old_raw, moved), case
    assert folded_apart  # the table has such cases


def unfolded_fields(raw: bytes, names: set[bytes]) -> bytes:
    """``raw`` with only the header fields called ``names`` unfolded."""
    def unfold(match: re.Match) -> bytes:
        return match.group().replace(b"\r\n ", b" ")
    for name in names:
        raw = re.sub(rb"^" + re.escape(name) + rb":(?: |\r\n )[^\r]*(?:\r\n [^\r]*)*", unfold, raw, flags=re.M)
    return raw


def test_typical_notices_take_the_fast_path():
    # Otherwise the comparisons above would pass by falling back to the old code everywhere.
    msg = build_message(**CASES["typical reminder"])
    stored = dict(msg.raw_items())
    for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                 "Auto-Submitted", "X-Auto-Response-Suppress", "MIME-Version"):
        assert type(stored[name]) is str, name  # formatted here, not a header object
    plain, rich = msg.get_payload()
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"  # long template lines
    assert rich.get_content_type() == "text/html"


def test_a_very_long_subject_and_many_recipients_are_folded_within_78():
    subject = "[DRP-2027-0042] " + " ".join(["word"] * 400)
    msg = build_message(**notice(subject=subject, to=MANY, cc=MANY[:10]))
    raw = msg.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= HEADER_LIMIT
    back = email.message_from_bytes(raw, policy=email.policy.default)
    assert back["Subject"] == subject
    assert [a.addr_spec for a in back["To"].addresses] == MANY
    assert len(back["Cc"].addresses) == 10


# Bad input: the same exception, with the same words, as before.
BAD = {
    "no recipients": dict(to=[], cc=[]),
    "bad address in To": dict(to=["tm@council.example", "not an address"]),
    "bad address in Cc": dict(cc=["iro@"]),
    "two addresses in one entry": dict(to=["a@x.example, b@x.example"]),
    "header injection in an address": dict(to=["a@x.example\r\nBcc: evil@x.example"]),
    "To as a single string": dict(to="tm@council.example"),
    "bad from_addr": dict(from_addr="drp"),
    "empty from_addr": dict(from_addr=""),
    "header injection in the subject": dict(subject="Hello\r\nBcc: someone@evil.example"),
    "line separator in the subject": dict(subject="Hello\u2028Bcc: someone@evil.example"),
    "naive date": dict(date=datetime(2027, 1, 4, 9, 0)),
    "date not a datetime": dict(date="2027-01-04"),
    "bad message id": dict(message_id="a b@x"),
    "references as a single string": dict(references="a@x"),
    "reserved extra header": dict(extra_headers={"Precedence": "bulk"}),
    "bad extra header name": dict(extra_headers={"Bad Name": "x"}),
    "bad attachment type": dict(attachments=[("x", "pdf", b"x")]),
    "attachment content not bytes": dict(attachments=[("x.txt", "text/plain", "text")]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_fails_as_before(case):
    kwargs = notice(**BAD[case])
    with pytest.raises(Exception) as old:
        reference_build_message(**kwargs)
    with pytest.raises(type(old.value)) as new:
        build_message(**kwargs)
    assert str(new.value) == str(old.value)


def test_a_bad_address_is_named():
    with pytest.raises(ValueError, match="not an address"):
        build_message(**notice(cc=["iro@council.example", "not an address"]))


# -- properties: the hand-made parts against what they replace ---------------------------------

WORD = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)
ATOM = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_'+"), min_size=1, max_size=12)
ADDRESS = st.builds(lambda local, domain: f"{'.'.join(local)}@{domain}.example", st.lists(ATOM, min_size=1, max_size=3),
                    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=25))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORD, min_size=1, max_size=40), to=st.lists(ADDRESS, min_size=1, max_size=12))
def test_ascii_subjects_and_address_lists_as_before(words, to):
    kwargs = notice(subject=" ".join(words), to=to, html=None, in_reply_to=None, references=())
    old_raw = reference_build_message(**kwargs).as_bytes()
    new_raw = build_message(**kwargs).as_bytes()
    assert unfolded(new_raw) == unfolded(old_raw)
    if not re.search(rb"^(Subject|To):\r\n ", old_raw, re.M):
        assert new_raw == old_raw
    assert max(len(line) for line in new_raw.split(b"\r\n")) <= max(
        HEADER_LIMIT, max(len(line) for line in old_raw.split(b"\r\n")))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from([chr(i) for i in range(256)] + ["a", " ", "=", "\n", "\t"] * 12), max_size=500))
def test_quoted_printable_matches_the_email_package(body):
    assert _quoted_printable(body) == quoprimime.body_encode(body, 78)


# -- the oracle: build_message as it was before issue 13 (verbatim copy; do not "improve" it) ----

# Headers build_message owns; letting extra_headers set them would duplicate or contradict them.
_RESERVED = frozenset(
    h.lower()
    for h in (
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "Auto-Submitted", "X-Auto-Response-Suppress", "Precedence", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
    )
)
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext: printable ASCII except ":"
_MIME_TYPE = re.compile(r"([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*)/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*)")
_BAD_ID_CHARS = re.compile(r"[\s<>\x00-\x1f\x7f]")
# A conservative subset of RFC 5322 atext: other atext characters ('/', '%', '?', ...) are legal
# but trip up clients and tools that put message ids in URLs or IMAP searches.
_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_+=-]+")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_MAX_ID_LEFT = 64


def _bare_id(value: str, what: str) -> str:
    text = value.strip()
    # Tolerate ids still in their brackets, as read from an inbound header, rather than
    # sending "<<id>>".
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text or _BAD_ID_CHARS.search(text):
        raise ValueError(f"{what} {value!r} is not a message id (expected e.g. 'abc@example.org')")
    return text


def _external_id(value: str) -> str | None:
    try:
        return _bare_id(value, "message id")
    except ValueError:
        return None


def _require_aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"date must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: time must carry a zone")
    return moment


def _set_addresses(msg: EmailMessage, name: str, addresses: Sequence[str]) -> None:
    if isinstance(addresses, str):
        raise TypeError(f"{name} must be a sequence of addresses, not a single string")
    if not addresses:
        return
    msg[name] = ", ".join(addresses)
    header = msg[name]
    parsed = header.addresses
    if header.defects or len(parsed) != len(addresses) or not all(a.username and a.domain for a in parsed):
        raise ValueError(f"{name} has an invalid address: {list(addresses)!r}")


def _text_cte(text: str) -> str | None:
    # policy.SMTP would send non-ASCII text as raw 8bit, which needs the relay's 8BITMIME;
    # quoted-printable gets through any relay and stays readable in the raw message.
    return None if text.isascii() else "quoted-printable"


def reference_build_message(
    *,
    from_addr: str,
    from_name: str | None,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str = "auto-generated",
    date: datetime,
    extra_headers: Mapping[str, str] = MappingProxyType({}),
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """An outgoing message, ready to send.

    ``message_id``, ``in_reply_to`` and ``references`` are bare ids; the angle brackets are
    added here.  When ``in_reply_to`` is given and is missing from ``references``, it is
    appended, as RFC 5322 §3.6.4 builds References from the parent's id.  Malformed thread ids
    (whitespace or brackets inside) are left out; a malformed ``message_id`` is a ValueError.

    The body is text/plain alone, or multipart/alternative (plain first, then HTML) when
    ``html`` is given, inside multipart/mixed when there are ``attachments`` (filename, MIME
    type, bytes).  Multipart boundaries are derived from the content, so the same arguments
    always give the same bytes.
    """
    if not to and not cc:
        raise ValueError("a message needs at least one recipient in to or cc")
    msg = EmailMessage(policy=policy.SMTP)

    try:
        sender = Address(display_name=from_name or "", addr_spec=from_addr)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"from_addr {from_addr!r} is not a valid address: {exc}") from None
    msg["From"] = sender
    _set_addresses(msg, "To", to)
    _set_addresses(msg, "Cc", cc)
    msg["Subject"] = subject
    msg["Date"] = _require_aware(date)
    msg["Message-ID"] = f"<{_bare_id(message_id, 'message_id')}>"

    if isinstance(references, str):
        raise TypeError("references must be a sequence of ids, not a single string")
    # Thread ids come from other people's mail; a malformed one costs only threading, so it is
    # left out rather than making the notice unsendable (DESIGN.md §6 rule 2).
    refs: list[str] = []
    for ref in references:
        bare = _external_id(ref)
        if bare is not None and bare not in refs:
            refs.append(bare)
    parent = _external_id(in_reply_to) if in_reply_to is not None else None
    if parent is not None:
        msg["In-Reply-To"] = f"<{parent}>"
        if parent not in refs:
            refs.append(parent)
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)

    msg["Auto-Submitted"] = auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"

    for name, value in extra_headers.items():
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"extra header name {name!r} is not a valid header field name")
        if name.lower() in _RESERVED:
            raise ValueError(f"extra header {name!r} is set by build_message itself (or must never be set)")
        msg[name] = value

    msg.set_content(text, subtype="plain", charset="utf-8", cte=_text_cte(text))
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte=_text_cte(html))

    for attachment in attachments:
        filename, mime_type, data = attachment
        match = _MIME_TYPE.fullmatch(mime_type.strip())
        if not match:
            raise ValueError(f"attachment {filename!r} has an invalid MIME type {mime_type!r}")
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"attachment {filename!r} content must be bytes, got {type(data).__name__}")
        maintype, subtype = (part.lower() for part in match.groups())
        if maintype in {"multipart", "message"}:
            # The email package cannot carry these as opaque bytes; a forwarded message goes
            # as an .eml file with a neutral type instead.
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(bytes(data), maintype=maintype, subtype=subtype, filename=filename)

    _settle_parts(msg)
    return msg


def _settle_parts(msg: EmailMessage) -> None:
    """Make the MIME structure deterministic and tidy once all parts are in place."""
    # The email package picks random boundaries, so the same row would serialise differently
    # on every retry.  A boundary derived from the whole serialised content is stable, and the
    # "=_" in it cannot occur in quoted-printable or base64 bodies (RFC 2045 §6.7).
    digest = hashlib.sha256()
    for part in msg.walk():
        if not part.is_multipart():
            digest.update(part.as_bytes())
    seed = digest.hexdigest()[:32]
    for depth, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_mailbot_{seed}_{depth}")
    # set_content stamps MIME-Version on every part; it belongs on the top level only.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([chr(i) for i in range(128)] + ["a", " ", "=", "\n", '<p style="x">'] * 20), max_size=300).map("".join))
def test_quoted_printable_of_ascii_matches_the_email_package(body):
    # ASCII bodies take the C-checked path (control characters still send them to the regex).
    assert _quoted_printable(body) == quoprimime.body_encode(body, 78)
