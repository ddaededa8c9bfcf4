"""Fuzzing the MIME layer with structured messages: nested multiparts of every content type,
charset and transfer encoding (real and bogus), encoded-word headers and duplicate ids.

Whatever hypothesis builds, read_envelope and parse_message return or raise ParseError only,
and a well-formed text part always comes back as the text it carried.
"""

from __future__ import annotations

import base64
import quopri

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import Envelope, ParsedMessage, ParseError, ParseRules, parse_message, read_envelope

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16", "utf-7", "koi8-r", "x-unknown", "bogus-9", ""]
ENCODINGS = ["7bit", "8bit", "quoted-printable", "base64", "binary", "x-uuencode", "bogus"]
LEAF_TYPES = ["text/plain", "text/html", "text/calendar; method=REPLY", "application/ms-tnef", "application/pdf",
              "image/png", "application/pkcs7-signature", "application/pkcs7-mime; smime-type=enveloped-data",
              "text/rfc822-headers", "message/delivery-status", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
MULTI_TYPES = ["multipart/mixed", "multipart/alternative", "multipart/related", "multipart/signed",
               "multipart/report; report-type=delivery-status", "multipart/digest"]


def _encode(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(LEAF_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    text = draw(st.text(max_size=300))
    body = draw(st.one_of(st.just(text.encode("utf-8", "surrogatepass")), st.binary(max_size=300)))
    headers = [f"Content-Type: {ctype}" + (f'; charset="{charset}"' if charset else "")]
    if draw(st.booleans()):
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if draw(st.booleans()):
        name = draw(st.sampled_from(["winmail.dat", "form.docx", "=?utf-8?B?Zm9ybS5odG1s?=", "x\udcff.pdf", ""]))
        headers.append(f'Content-Disposition: {draw(st.sampled_from(["attachment", "inline", "bogus"]))}; filename="{name}"')
    head = "\r\n".join(headers).encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + _encode(body, cte)


def _tree(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        boundary = draw(st.sampled_from(["b1", "=_Part_0", "----=_NextPart_000", "b1"]))  # reused on purpose
        ctype = draw(st.sampled_from(MULTI_TYPES))
        parts = draw(children)
        out = f'Content-Type: {ctype}; boundary="{boundary}"\r\n\r\n'.encode()
        if draw(st.booleans()):
            out += b"This is a multi-part message in MIME format.\r\n"
        for part in parts:
            out += f"--{boundary}\r\n".encode() + part + b"\r\n"
        if draw(st.booleans()):  # a missing closing boundary is common in truncated mail
            out += f"--{boundary}--\r\n".encode()
        return out

    return build()


PARTS = st.recursive(leaf(), lambda inner: _tree(st.lists(inner, max_size=4)), max_leaves=8)

HEADER = st.sampled_from([
    b"From: =?iso-8859-1?Q?Zo=EB_=D3_Briain?= <zoe@luton.example.gov.uk>",
    b"From: \"Broken =?utf-8?B?\" <x@y>", b"From: jo.iro@luton.example.gov.uk",
    b"Subject: =?utf-8?B?UkU6IFtEUlAtMjAyNy0wMDMxXSDigJMgY2Fmw6k=?=", b"Subject: =?bogus?Q?x?=",
    b"Subject: Pre-Dispute Resolution \xe9", b"Message-ID: <a@b>", b"Message-ID: <c@d>", b"Message-ID: <<>>",
    b"In-Reply-To: <mailbot.drp-2027-0031.x@luton.example.gov.uk>", b"References: <a@b> <c@d",
    b"Date: Thu, 13 May 2027 10:00:00 +0100", b"Date: 31 Feb 2027 99:99", b"Auto-Submitted: no",
    b"X-Auto-Response-Suppress: All", b"Thread-Index: AdtA", b"MIME-Version: 1.0",
])


@st.composite
def message(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(HEADER, max_size=10))
    return b"\r\n".join(headers) + b"\r\n" + draw(PARTS)


def _only_parse_error(call) -> object:
    try:
        return call()
    except ParseError as exc:
        assert exc.reason and "\n" not in exc.reason
        return None


@_SETTINGS
@given(message())
def test_structured_mime_never_escapes(rules: ParseRules, raw: bytes) -> None:
    envelope = _only_parse_error(lambda: read_envelope(raw))
    assert envelope is None or isinstance(envelope, Envelope)
    parsed = _only_parse_error(lambda: parse_message(raw, rules))
    assert parsed is None or isinstance(parsed, ParsedMessage)


@_SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200),
       st.sampled_from(["utf-8", "utf-16", "windows-1252"]), st.sampled_from(["base64", "quoted-printable", "8bit"]))
def test_a_well_formed_text_part_comes_back_as_written(text: str, charset: str, cte: str) -> None:
    try:
        data = text.encode(charset)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
        charset = "utf-8"
    if cte == "8bit" and charset == "utf-16":
        cte = "base64"  # utf-16 is not line-safe without an encoding
    raw = (b"From: jo@luton.example.gov.uk\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
           b"--zz\r\nContent-Type: text/plain; charset=" + charset.encode() + b"\r\nContent-Transfer-Encoding: "
           + cte.encode() + b"\r\n\r\n" + _encode(data, cte) + b"\r\n--zz--\r\n")
    envelope = read_envelope(raw)
    want = " ".join(text.replace("\r", "\n").split())
    assert " ".join(envelope.text.split()) == want


def test_a_very_large_attachment_is_sized_not_decoded(rules: ParseRules) -> None:
    # 20 MB of base64, as a scanned form would be: the parser reports its size, reads the text,
    # and does not keep the bytes (only .docx/.html forms up to 5 MB are kept).
    blob = base64.encodebytes(b"\x00\x01\x02" * (20 * 1024 * 1024 // 3))
    raw = (b"From: jo.iro@luton.example.gov.uk\r\nSubject: RE: [DRP-2027-0031] x\r\nMessage-ID: <big@x>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
           b"Content-Type: text/plain\r\n\r\nNote: the scan is attached.\r\n--zz\r\n"
           b"Content-Type: application/pdf; name=scan.pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + blob + b"\r\n--zz--\r\n")
    parsed = parse_message(raw, rules)
    assert parsed.reply_text == "Note: the scan is attached."
    assert parsed.instruction is not None and parsed.instruction.verb == "NOTE"
    (scan,) = parsed.envelope.attachments
    assert abs(scan.size - 20 * 1024 * 1024) < 8 and parsed.envelope.documents == ()
