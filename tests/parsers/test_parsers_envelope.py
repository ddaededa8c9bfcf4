"""read_envelope: header decoding, addresses, dates, ids, bodies, charsets and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from parsers import ParseError, ParseRules, parse_message, read_envelope


def test_headers_decoded_and_addresses_normalised() -> None:
    raw = (
        b"From: =?utf-8?B?Sm8gQmxvZ2dzIOKAkyBJUk8=?= <Jo.Bloggs@LUTON.example.gov.uk>\r\n"
        b"To: Sam <Sam.Carter@luton.example.gov.uk>, drp@luton.example.gov.uk,\r\n"
        b"  Sam <sam.carter@luton.example.gov.uk>\r\n"
        b"Cc: undisclosed-recipients:;\r\n"
        b"Subject: =?utf-8?Q?Pre-DRP_=E2=80=93?=   =?utf-8?Q?_sibling?=\r\n   group\r\n"
        b"Date: Mon, 3 May 2027 09:12:31 +0100\r\n"
        b"Message-ID: <abc@host>\r\n"
        b"In-Reply-To: <p1@host> (Sam's message)\r\n"
        b"References: <p0@host>\r\n <p1@host>\r\n\r\nbody\r\n"
    )
    env = read_envelope(raw)
    assert env.from_name == "Jo Bloggs \u2013 IRO"
    assert env.from_addr == "jo.bloggs@luton.example.gov.uk"
    assert env.to == ("sam.carter@luton.example.gov.uk", "drp@luton.example.gov.uk")
    assert env.cc == ()
    assert env.subject == "Pre-DRP \u2013 sibling group"
    assert env.date == datetime(2027, 5, 3, 9, 12, 31, tzinfo=timezone(timedelta(hours=1)))
    assert env.message_id == "abc@host"
    assert env.in_reply_to == ("p1@host",)
    assert env.references == ("p0@host", "p1@host")
    assert env.text == "body\n"
    assert env.content_type == "text/plain"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 3 May 2027 09:12:31 -0000", datetime(2027, 5, 3, 9, 12, 31, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
        ("Mon, 99 Foo 2027 99:99:99 +0000", None),
    ],
)
def test_dates(value: str, expected: datetime | None) -> None:
    env = read_envelope(f"From: a@b\r\nDate: {value}\r\n\r\nx".encode())
    assert env.date == expected
    if env.date is not None:
        assert env.date.tzinfo is not None


def test_missing_message_id_and_no_from() -> None:
    env = read_envelope(b"Subject: hello\r\n\r\nx")
    assert env.message_id is None
    assert env.from_addr == "" and env.from_name == ""


def test_bad_charsets_are_replaced_not_raised() -> None:
    raw = (
        b"From: a@b\r\nSubject: =?x-unknown-charset?Q?caf=E9?= =?utf-8?B?!!!?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"bad \xff\xfe bytes \xe9\r\n"
    )
    env = read_envelope(raw)
    assert env.subject.startswith("caf\u00e9")
    assert "bytes" in env.text and "\ufffd" in env.text


def test_raw_8bit_subject_header() -> None:
    env = read_envelope("From: a@b\r\nSubject: Pre-DRP \u2013 caf\u00e9\r\n\r\nx".encode())
    assert env.subject == "Pre-DRP \u2013 caf\u00e9"
    env = read_envelope(b"From: a@b\r\nSubject: caf\xe9\r\n\r\nx")
    assert env.subject == "caf\u00e9"


def test_latin1_label_decodes_as_windows_1252() -> None:
    raw = b"From: a@b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nI\x92m \x93here\x94"
    assert read_envelope(raw).text == "I\u2019m \u201chere\u201d"


def test_attachments_listed_with_sizes() -> None:
    raw = (
        b'From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Type: text/plain\r\n\r\nSee the form.\r\n"
        b"--m\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;\r\n"
        b' name="=?utf-8?Q?DRP_form_=E2=80=93_stage_2.docx?="\r\n'
        b"Content-Disposition: attachment;\r\n"
        b' filename="=?utf-8?Q?DRP_form_=E2=80=93_stage_2.docx?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAI\r\n"
        b"--m--\r\n"
    )
    env = read_envelope(raw)
    assert env.text.strip() == "See the form."
    assert len(env.attachments) == 1
    att = env.attachments[0]
    assert att.filename == "DRP form \u2013 stage 2.docx"
    assert att.content_type.endswith("wordprocessingml.document")
    assert att.size == 9


def test_html_only_body_is_converted() -> None:
    raw = (
        b"From: a@b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Line one<br>Line two</p><div>Three</div></body></html>"
    )
    env = read_envelope(raw)
    assert env.text_from_html
    assert env.text == "Line one\nLine two\nThree"
    assert env.html is not None and "<br>" in env.html


def test_mbox_from_line_is_skipped() -> None:
    env = read_envelope(b"From MAILER-DAEMON Mon May  3 09:12:31 2027\nFrom: a@b\nSubject: s\n\nx")
    assert env.from_addr == "a@b" and env.subject == "s"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not an e-mail message: empty"),
        (b"   \r\n", "not an e-mail message: empty"),
        (b"\x00\x01\x02 just some bytes", "not an e-mail message: no headers"),
        (b"Hello,\n\nthis is not mail", "not an e-mail message: no headers"),
    ],
)
def test_not_mail(raw: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_envelope(raw)
    assert caught.value.reason == reason


def test_parse_message_rejects_wrong_types(rules: ParseRules) -> None:
    with pytest.raises(ParseError):
        parse_message("From: a@b\r\n\r\nx", rules)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_message(b"From: a@b\r\n\r\nx", {"reference_prefix": "DRP"})  # type: ignore[arg-type]


def test_parse_error_reason_is_one_line() -> None:
    assert ParseError("a\nb\r\n c").reason == "a b c"
