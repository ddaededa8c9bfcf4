"""Which inbound message this is: the key that records a message once however often it is read.

Pure (no I/O, no clock), so that the reading worker works it out beside the parse
(mailbot/parallel_reading.py) rather than the deciding process, which re-parsed every header
for it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
# RFC 5322 msg-id: "<" id-left "@" id-right ">", id-right a dot-atom or a [literal].
_VALID_MSG_ID = re.compile(rf"<({_DOT_ATOM}@(?:{_DOT_ATOM}|\[[!-Z^-~]*\]))>")
MAX_MESSAGE_ID = 250


def trusted_message_id(raw: bytes, headers: Sequence[str | None] | None = None) -> str | None:
    """The Message-ID (without brackets) when it can be trusted for deduplication: exactly one
    Message-ID header holding one valid msg-id of at most MAX_MESSAGE_ID characters, no
    spaces or control characters. Anything else says nothing about which message this is.

    ``headers``: the message's first two Message-ID headers as the parser read them
    (Envelope.message_id_headers), so that the head is not parsed a second time."""
    if headers is None:
        end = _HEADER_END.search(raw)
        header = BytesHeaderParser(policy=compat32).parsebytes(raw[:end.start()] if end else raw)
        headers = header.get_all("Message-ID") or []
    values = list(headers)
    if len(values) != 1 or not isinstance(values[0], str):
        return None
    value = re.sub(r"\r?\n[ \t]", " ", values[0]).strip(" \t")  # unfold
    match = _VALID_MSG_ID.fullmatch(value) if len(value) <= MAX_MESSAGE_ID else None
    return match[1] if match else None


def dedupe_key(message_id: str | None, raw: bytes, headers: Sequence[str | None] | None = None) -> str:
    """Message-ID when it is a valid one (an MTA delivering the same message twice, or a
    UIDVALIDITY change, then still finds it recorded); a hash of the bytes when there is none
    or it is malformed, so two different messages sharing a broken Message-ID are both handled
    and the same bytes twice once (issue 9)."""
    if message_id and trusted_message_id(raw, headers) == message_id:
        return f"mid:{message_id}"
    return "sha256:" + hashlib.sha256(raw).hexdigest()
