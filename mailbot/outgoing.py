"""Build the MIME messages mailbot sends: reminders, chasers, escalation notices, digests.

Pure: everything that varies (the Date, the Message-ID) is passed in, so the outbox can build a
row's message again on a retry and get the same message.  The result is an
``email.message.EmailMessage`` under ``email.policy.SMTP`` (CRLF line ends), ready for a
transport or for the Maildir sink.

Every message is marked as automatic (``Auto-Submitted``, and ``X-Auto-Response-Suppress: All``
so Exchange sends no out-of-office replies back); ``Precedence`` is never set, because mailbot
itself reads ``Precedence: bulk/junk/list`` as "automatic mail, do not answer" (DESIGN.md §3) and
people's replies to our mail must never look like that.

Speed (issue 13): the headers mailbot writes itself (bare addresses, ASCII subjects, ids, the
date) are formatted and folded here (RFC 5322: lines of at most 78 characters, folded at spaces
or after commas) and stored as raw text, as a parser stores a header read from the wire, so
the email package's header parsers and folders, once most of the time it took to build a
message, run only on the values this module does not format itself: display names, non-ASCII
subjects (RFC 2047), anything unusual.  Those go through the email package exactly as before.
The bytes are the same as before, except that a header value too long for its first line but
short enough for a line of its own is folded greedily rather than moved whole to a second line
(see ``_fold``); unfolded, even those are the same (tests/test_outgoing_fast.py compares them).
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.generator import NLCRE, BytesGenerator
from email.message import EmailMessage, Message
from io import BytesIO
from email.utils import format_datetime
from functools import lru_cache
from types import MappingProxyType

__all__ = ["build_message", "make_message_id", "wire_bytes"]

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

# Header text formatted here is written as it is ("refold_source" none): the stock policy would
# refold any line over 78 characters, and a thread id that cannot be broken (see _THREAD_ID_LINE)
# would come out as RFC 2047 encoded words.  Everything stored as text here is already folded.
_POLICY = policy.SMTP.clone(refold_source="none")
_MAX_LINE = _POLICY.max_line_length  # 78: RFC 5322 §2.1.1's SHOULD (998 is the MUST)
# Values written as they are and folded here: printable ASCII words separated by single spaces,
# with no "=?" that a reader (or the email package) would take for an RFC 2047 encoded word.
_PLAIN_TEXT = re.compile(r"(?!.*=\?)[!-~]+(?: [!-~]+)*")
# Bare addresses, as the directory and inbound From lines give them: a dot-atom (RFC 5322 atext
# without "=" and "?") at a domain of letters, digits and hyphens.
_ATOM = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# Our own Message-IDs and Outlook's and Gmail's: dot-atoms, "=" allowed, "?" not (so no "=?").
_ID_ATOM = r"[A-Za-z0-9!#$%&'*+/=^_`{|}~-]+"
_PLAIN_MESSAGE_ID = re.compile(rf"<{_ID_ATOM}(?:\.{_ID_ATOM})*@{_ID_ATOM}(?:\.{_ID_ATOM})*>")
_PRINTABLE_LINE = re.compile(r"[ -~]*")
# Message-IDs in In-Reply-To and References cannot be broken, and Exchange Online writes ids
# of 80-90 characters ("<LO4P265MB...@LO4P265MB7748.GBRP265.PROD.OUTLOOK.COM>"): such an id
# stands on a line of its own, longer than 78 (RFC 5322 §2.1.1: SHOULD 78, MUST 998).  Left
# to the email package, which treats these fields as unstructured text, it was written as
# RFC 2047 encoded words, which no client reads as an id: the notice fell out of the thread.
_THREAD_ID_LINE = 998


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


def _fold(name: str, items: Sequence[str], separator: str, longest: int = _MAX_LINE) -> str | None:
    """``items`` joined by ``separator`` + space and folded greedily, as the email package folds
    such a value: each break is before a space (after the separator), and no line is longer than
    78 characters counting the "Name: " in front.  The value without the "Name: ", or None when
    an item does not fit (the caller then leaves the value to the email package).  ``longest``
    lets an item that cannot be broken stand on a longer line of its own (see _THREAD_ID_LINE).

    One difference: a value too long for the first line but short enough for a line of its own
    was moved whole onto a second line by the email package, leaving "Name:" alone on the
    first; it is folded greedily here (raw text cannot say "no space after the colon").  The
    header unfolds (RFC 5322 §2.2.3) to the same text either way."""
    line = f"{name}: {items[0]}"
    lines = []
    for item in items[1:]:
        if len(line) + len(separator) + 1 + len(item) <= _MAX_LINE:
            line = f"{line}{separator} {item}"
        else:
            lines.append(line + separator)
            line = " " + item
    lines.append(line)
    if any(len(each) > longest for each in lines):
        return None
    return "\r\n".join(lines)[len(name) + 2:]


def _header(name: str, value: str, plain: re.Pattern = _PLAIN_TEXT, longest: int = _MAX_LINE):
    """What to store for an unstructured header (or Message-ID): the folded text when ``value``
    is ``plain``; otherwise the email package's header object, as before issue 13 (RFC 2047 for
    non-ASCII text; a ValueError for a line break, which would let a value inject headers)."""
    if isinstance(value, str) and plain.fullmatch(value):
        folded = _fold(name, value.split(" "), "", longest)
        if folded is not None:
            return folded
    return _POLICY.header_store_parse(name, value)[1]


def _thread_header(name: str, ids: Sequence[str]):
    """In-Reply-To or References: bare ids in brackets, folded between ids, never inside one."""
    return _header(name, " ".join(f"<{each}>" for each in ids), longest=_THREAD_ID_LINE)


def _address_header(name: str, addresses: Sequence[str]):
    """What to store for To or Cc, or None for no addresses.  Bare addresses are joined and folded
    here; anything else ("Name <addr>", quoted local parts) is parsed by the email package as
    before, and an address it finds defective is a ValueError naming the list."""
    if isinstance(addresses, str):
        raise TypeError(f"{name} must be a sequence of addresses, not a single string")
    if not addresses:
        return None
    if all(isinstance(a, str) and _PLAIN_ADDRESS.fullmatch(a) for a in addresses):
        folded = _fold(name, addresses, ",")
        if folded is not None:
            return folded
    header = _POLICY.header_store_parse(name, ", ".join(addresses))[1]
    parsed = header.addresses
    if header.defects or len(parsed) != len(addresses) or not all(a.username and a.domain for a in parsed):
        raise ValueError(f"{name} has an invalid address: {list(addresses)!r}")
    return header


@lru_cache(maxsize=32)
def _from_header(display_name: str, addr_spec: str):
    """What to store for From.  Every message from one mailbox has the same From, so the email
    package formats it (display name quoted or RFC 2047-encoded) once and the text is kept."""
    try:
        sender = Address(display_name=display_name, addr_spec=addr_spec)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"from_addr {addr_spec!r} is not a valid address: {exc}") from None
    header = _POLICY.header_store_parse("From", sender)[1]
    folded = header.fold(policy=_POLICY)
    lines = folded.removesuffix("\r\n").split("\r\n")
    # Kept as text only when the generator will write that text back unchanged: "From: " first,
    # printable ASCII, every line within the limit, continuation lines starting with a space.
    if (folded.startswith("From: ") and all(_PRINTABLE_LINE.fullmatch(each) for each in lines)
            and all(len(each) <= _MAX_LINE for each in lines) and all(each[:1] == " " for each in lines[1:])):
        return "\r\n".join(lines)[len("From: "):]
    return header


@lru_cache(maxsize=16)
def _content_header(name: str, value: str):
    """The email package's header object for one of the few fixed MIME headers (text/plain or
    text/html in UTF-8, a transfer encoding).  Made once and shared by every message: header
    objects are immutable, and the generator reads Content-Type and Content-Transfer-Encoding
    back while writing, which would re-parse a raw value each time."""
    return _POLICY.header_store_parse(name, value)[1]


_QP_SAFE_BYTES = bytes([9, 10, 13, *range(32, 127)])  # what _QP_UNSAFE leaves alone
_QP_UNSAFE = re.compile(r"[^\t\n\r -~]")  # all but printable ASCII, tab, CR, LF ("=" is quoted before)


def _quote_match(match: re.Match) -> str:
    return f"={ord(match.group()):02X}"


def _quoted_printable(body: str) -> str:
    """``email.quoprimime.body_encode(body, 78)``, the same text made faster.

    A copy of the Python 3.11 function with one change: the characters to quote are found by a
    regular expression instead of ``str.translate`` over a 256-entry list, which took most of
    the time on our HTML (long, mostly safe lines).  tests/test_outgoing_fast.py checks that
    the two give the same text."""
    if not body:
        return body
    # "=" is most of what HTML quotes (every style="..."): replaced in one pass, not one call each.
    body = body.replace("=", "=3D")
    # Our notices are mostly printable ASCII: checked in C (isascii, bytes.translate) before the
    # slower regular expression looks for what to quote.
    if not body.isascii() or body.encode("ascii").translate(None, _QP_SAFE_BYTES):
        body = _QP_UNSAFE.sub(_quote_match, body)
    encoded = []
    append = encoded.append
    for line in body.splitlines():
        # Break the line into pieces of at most 77 characters plus a soft break "=", never
        # inside an "=XX" escape.
        start = 0
        last_start = len(line) - 1 - _MAX_LINE
        while start <= last_start:
            stop = start + _MAX_LINE - 1
            if line[stop - 2] == "=":
                append(line[start:stop - 1])
                start = stop - 2
            elif line[stop - 1] == "=":
                append(line[start:stop])
                start = stop - 1
            else:
                append(line[start:stop] + "=")
                start = stop
        # Whitespace at the end of a line is quoted, or followed by a soft break, so that
        # transports which strip trailing whitespace cannot change the text.
        if line and line[-1] in " \t":
            room = start - last_start
            if room >= 3:
                tail = f"={ord(line[-1]):02X}"
            elif room == 2:
                tail = line[-1] + "=\n"
            else:
                tail = f"=\n={ord(line[-1]):02X}"
            append(line[start:-1] + tail)
        else:
            append(line[start:])
    if body[-1] in "\r\n":
        append("")
    return "\n".join(encoded)


def _text_body(text: str) -> tuple[str, str]:
    """(Content-Transfer-Encoding, encoded body) for a text part in UTF-8, as ``set_content``
    chose and encoded them before issue 13 (email.contentmanager's heuristic under policy.SMTP):
    ASCII with lines of at most 78 characters as 7bit; longer ASCII lines as quoted-printable or
    base64, whichever the first ten lines make shorter; non-ASCII always as quoted-printable,
    because policy.SMTP would send it as raw 8bit, which needs the relay's 8BITMIME.  The body
    ends lines with a bare "\\n", as the email package's encoders do."""
    lines = text.encode("utf-8").splitlines()
    if text.isascii():
        if max((len(line) for line in lines), default=0) <= _MAX_LINE:
            return "7bit", (b"\n".join(lines) + b"\n").decode("ascii")
        sniff = b"\r\n".join(lines[:10]) + b"\r\n"
        sniff_qp = _quoted_printable(sniff.decode("latin-1"))
        if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
            data = b"\r\n".join(lines) + b"\r\n"
            per_line = _MAX_LINE // 4 * 3
            return "base64", "".join(binascii.b2a_base64(data[i:i + per_line]).decode("ascii")
                                     for i in range(0, len(data), per_line))
        if len(lines) <= 10:
            return "quoted-printable", sniff_qp
    return "quoted-printable", _quoted_printable((b"\n".join(lines) + b"\n").decode("latin-1"))


def _text_part(subtype: str, text: str, digest, stamped: bool) -> EmailMessage:
    """A text/plain or text/html part of a multipart message; its bytes go into ``digest``."""
    cte, body = _text_body(text)
    content_type = f'text/{subtype}; charset="utf-8"'
    part = EmailMessage(policy=_POLICY)
    part.set_raw("Content-Type", _content_header("Content-Type", content_type))
    part.set_raw("Content-Transfer-Encoding", _content_header("Content-Transfer-Encoding", cte))
    part.set_payload(body)
    # The part as the generator writes it (CRLF line ends), hashed for the boundary seed as it
    # was hashed before issue 13, when set_content had stamped MIME-Version on every part but
    # the first (and _settle_parts took it off again after hashing): the same seed keeps the
    # same boundaries, so the bytes stay as they were.
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n"
    if stamped:
        head += "MIME-Version: 1.0\r\n"
    wire = body.replace("\n", "\r\n")  # our encoders end lines with a bare "\n"
    digest.update(f"{head}\r\n{wire}".encode("ascii"))
    return part


def _attachment_part(attachment: tuple[str, str, bytes], digest) -> EmailMessage:
    """An attachment part, built by the email package as before issue 13 (only the quarterly
    report has one, and its filename needs RFC 2231 when it is not ASCII)."""
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
    part = EmailMessage(policy=_POLICY)
    part.set_content(bytes(data), maintype=maintype, subtype=subtype, filename=filename)
    if "content-disposition" not in part:
        part["Content-Disposition"] = "attachment"
    digest.update(part.as_bytes())  # with the MIME-Version set_content stamps, as before
    del part["MIME-Version"]  # it belongs on the top level only
    return part


def _multipart(part: EmailMessage, subtype: str, boundary: str, parts: list[EmailMessage]) -> EmailMessage:
    # Stored as the text the email package's header object folds to (the boundary on a line of
    # its own), so that it is written without parsing it first; the generator, and anyone who
    # asks for the boundary, parses it when they do.
    part.set_raw("Content-Type", f'multipart/{subtype};\r\n boundary="{boundary}"')
    part.set_payload(parts)
    return part


def build_message(
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
    msg = EmailMessage(policy=_POLICY)
    # set_raw stores a header as the parser stores one read from the wire: text that the
    # generator writes back as it is (and that reads back as a header object when asked for),
    # or a header object made by the email package for a value not formatted here.
    add = msg.set_raw
    add("From", _from_header(from_name or "", from_addr))
    for name, addresses in (("To", to), ("Cc", cc)):
        header = _address_header(name, addresses)
        if header is not None:
            add(name, header)
    add("Subject", _header("Subject", subject))
    add("Date", format_datetime(_require_aware(date)))  # as the Date header object formats it
    add("Message-ID", _header("Message-ID", f"<{_bare_id(message_id, 'message_id')}>", _PLAIN_MESSAGE_ID))

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
        add("In-Reply-To", _thread_header("In-Reply-To", [parent]))
        if parent not in refs:
            refs.append(parent)
    if refs:
        add("References", _thread_header("References", refs))

    add("Auto-Submitted", _header("Auto-Submitted", auto_submitted))
    add("X-Auto-Response-Suppress", "All")

    for name, value in extra_headers.items():
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"extra header name {name!r} is not a valid header field name")
        if name.lower() in _RESERVED:
            raise ValueError(f"extra header {name!r} is set by build_message itself (or must never be set)")
        msg[name] = value

    if html is None and not attachments:
        cte, body = _text_body(text)
        add("Content-Type", _content_header("Content-Type", 'text/plain; charset="utf-8"'))
        add("Content-Transfer-Encoding", _content_header("Content-Transfer-Encoding", cte))
        add("MIME-Version", "1.0")
        msg.set_payload(body)
        return msg

    # The email package picks random boundaries, so the same row would serialise differently
    # on every retry.  A boundary derived from the whole serialised content is stable, and the
    # "=_" in it cannot occur in quoted-printable or base64 bodies (RFC 2045 §6.7).
    digest = hashlib.sha256()
    body_part = _text_part("plain", text, digest, stamped=False)
    alternative = [body_part, _text_part("html", html, digest, stamped=True)] if html is not None else None
    attached = [_attachment_part(attachment, digest) for attachment in attachments]
    seed = digest.hexdigest()[:32]
    add("MIME-Version", "1.0")
    if not attached:
        return _multipart(msg, "alternative", f"=_mailbot_{seed}_0", alternative)
    if alternative is not None:
        body_part = _multipart(EmailMessage(policy=_POLICY), "alternative", f"=_mailbot_{seed}_1", alternative)
    return _multipart(msg, "mixed", f"=_mailbot_{seed}_0", [body_part, *attached])


class _Generator(BytesGenerator):
    """The email package's BytesGenerator, writing a body in one piece instead of line by line
    (two writes per line were most of the time a notice took to serialise).  The bytes are the
    same: tests/test_outgoing_fast.py compares them with ``as_bytes``."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(self._NL.join(NLCRE.split(lines)))


def wire_bytes(message: Message, linesep: str = "\r\n") -> bytes:
    """``message.as_bytes()`` under its own policy with ``linesep`` line ends, made faster.

    A message as build_message makes it (ASCII text parts, in multiparts or alone) is written
    straight from its stored header texts and bodies; anything else goes through the generator.
    The bytes are the same either way (tests/test_outgoing_fast.py compares them)."""
    if message.policy == _POLICY:
        written = _written(message, linesep)
        if written is not None:
            return written.encode("ascii")
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=message.policy.clone(linesep=linesep)).flatten(message)
    return out.getvalue()


def _written(part: Message, nl: str) -> str | None:
    """``part`` as the generator writes it under _POLICY (refold_source "none": a header stored as
    text is written as it is), or None for a shape this does not handle."""
    pieces = []
    for name, value in part._headers:
        if type(value) is str:
            if not value.isascii():
                return None
            pieces.append(f"{name}: {nl.join(value.splitlines())}{nl}")
        else:
            pieces.append(_header_folded(name, value, nl))
    pieces.append(nl)
    payload = part._payload
    content_type = next((value for name, value in part._headers if name.lower() == "content-type"), None)
    if type(content_type) is str:  # a multipart of ours (_multipart)
        ours = _OUR_MULTIPART.fullmatch(content_type)
        maintype, boundary = ("multipart", ours.group(1)) if ours else (None, None)
    else:
        maintype, boundary = part.get_content_maintype(), None
    if maintype == "text" and type(payload) is str:
        if not payload.isascii():
            return None
        # Our encoders end lines with a bare "\n"; anything else is split as the generator does.
        pieces.append(payload.replace("\n", nl) if "\r" not in payload else nl.join(NLCRE.split(payload)))
    elif maintype == "multipart" and type(payload) is list and payload and \
            part.preamble is None and part.epilogue is None:
        boundary = boundary or part.get_boundary()
        if not boundary:
            return None
        for i, sub in enumerate(payload):
            written = _written(sub, nl) if isinstance(sub, Message) and sub.policy == _POLICY else None
            if written is None:
                return None
            pieces.append(f"{nl if i else ''}--{boundary}{nl}{written}")
        pieces.append(f"{nl}--{boundary}--{nl}")
    else:
        return None
    return "".join(pieces)


def _header_folded(name: str, value, nl: str) -> str:
    """A header object's folded text; the few fixed MIME headers are folded once."""
    if name in ("Content-Type", "Content-Transfer-Encoding"):
        return _fixed_header_folded(name, str(value), nl)
    return value.fold(policy=_policy_with(nl))


_OUR_MULTIPART = re.compile(r'multipart/[a-z]+;\r\n boundary="(=_mailbot_[0-9a-f]{32}_\d)"')


@lru_cache(maxsize=4)
def _policy_with(nl: str):
    return _POLICY.clone(linesep=nl)


@lru_cache(maxsize=64)
def _fixed_header_folded(name: str, text: str, nl: str) -> str:
    return _POLICY.header_store_parse(name, text)[1].fold(policy=_policy_with(nl))


def make_message_id(unique: str, domain: str) -> str:
    """A bare Message-ID "mailbot.<unique>@<domain>", the same for the same arguments.

    Characters outside a conservative dot-atom set are replaced; when anything had to be
    changed (or ``unique`` is very long) a short hash of the original is appended, so two
    different ``unique`` values never end up with the same id.
    """
    if not isinstance(unique, str) or not unique.strip():
        raise ValueError("message id needs a non-empty unique part")
    left = ".".join(part for part in (_NOT_ID_CHAR.sub("-", p).strip("-") for p in unique.split(".")) if part)
    if left != unique or len(left) > _MAX_ID_LEFT:
        digest = hashlib.sha256(unique.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        left = ".".join(filter(None, (left[:_MAX_ID_LEFT], digest)))
    return f"mailbot.{left}@{_id_domain(domain)}"


def _id_domain(domain: str) -> str:
    name = domain.strip().lstrip("@").rstrip(".").lower()
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"domain {domain!r} is not a valid domain name") from None
    labels = name.split(".")
    if not name or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"domain {domain!r} is not a valid domain name")
    return name
