"""Build the MIME messages mailbot sends: reminders, chasers, escalation notices, digests.

Pure: everything that varies (the Date, the Message-ID) is passed in, so the outbox can build a
row's message again on a retry and get the same message.  The result is an
``email.message.EmailMessage`` under ``email.policy.SMTP`` (CRLF line ends), ready for a
transport or for the Maildir sink.

Every message is marked as automatic (``Auto-Submitted``, and ``X-Auto-Response-Suppress: All``
so Exchange sends no out-of-office replies back); ``Precedence`` is never set, because mailbot
itself reads ``Precedence: bulk/junk/list`` as "automatic mail, do not answer" (DESIGN.md §3) and
people's replies to our mail must never look like that.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from types import MappingProxyType

__all__ = ["build_message", "make_message_id"]

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
