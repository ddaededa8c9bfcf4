"""Tests for mailbot.outgoing: outgoing MIME messages and deterministic Message-IDs."""

import email
import email.policy
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mailbot.outgoing import build_message, make_message_id

LONDON = ZoneInfo("Europe/London")


def base(**overrides):
    kwargs = dict(
        from_addr="drp@council.example",
        from_name="DRP mailbot",
        to=["tm@council.example"],
        subject="Reminder [DRP-2026-0042]",
        text="Please respond by Monday 4 January 2027.\n",
        html=None,
        message_id="mailbot.outbox-7@council.example",
        date=datetime(2026, 12, 23, 10, 0, tzinfo=LONDON),
    )
    kwargs.update(overrides)
    return build_message(**kwargs)


def reparse(msg):
    """What a recipient sees: the message as sent over SMTP, parsed back."""
    raw = msg.as_bytes()
    assert b"\r\n" in raw  # policy.SMTP
    return email.message_from_bytes(raw, policy=email.policy.default), raw


def body_text(part):
    # Parsed from SMTP's CRLF wire form, decoded text keeps CRLF line ends.
    return part.get_content().replace("\r\n", "\n")


def test_headers_present_and_correct():
    msg, raw = reparse(base(cc=["bm@council.example", "Sam Lee <sam@council.example>"]))
    assert msg["From"] == "DRP mailbot <drp@council.example>"
    assert msg["To"] == "tm@council.example"
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["bm@council.example", "sam@council.example"]
    assert msg["Subject"] == "Reminder [DRP-2026-0042]"
    assert msg["Message-ID"] == "<mailbot.outbox-7@council.example>"
    assert msg["Date"].datetime == datetime(2026, 12, 23, 10, 0, tzinfo=UTC)  # GMT in December
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["MIME-Version"] == "1.0"
    assert "Precedence" not in msg
    assert "In-Reply-To" not in msg and "References" not in msg
    assert msg.get_content_type() == "text/plain"
    assert body_text(msg) == "Please respond by Monday 4 January 2027.\n"


def test_date_comes_from_the_argument_with_its_offset():
    msg, raw = reparse(base(date=datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)))
    assert b"Date: Mon, 01 Jun 2026 09:30:00 +0100\r\n" in raw


def test_naive_date_is_rejected():
    with pytest.raises(ValueError, match="naive datetime"):
        base(date=datetime(2026, 6, 1, 9, 30))


def test_threading_headers_get_angle_brackets_and_parent_joins_references():
    msg, _ = reparse(base(in_reply_to="AM0PR01MB1234@eurprd01.prod.outlook.com",
                          references=["first@example.org", "second@example.org"]))
    assert msg["In-Reply-To"] == "<AM0PR01MB1234@eurprd01.prod.outlook.com>"
    assert msg["References"].split() == [
        "<first@example.org>", "<second@example.org>", "<AM0PR01MB1234@eurprd01.prod.outlook.com>",
    ]


def test_references_kept_in_order_without_duplicates():
    msg, _ = reparse(base(in_reply_to="b@x", references=["a@x", "b@x", "a@x"]))
    assert msg["References"].split() == ["<a@x>", "<b@x>"]


def test_bracketed_ids_are_not_double_bracketed():
    msg, _ = reparse(base(message_id="<m@x>", in_reply_to="<p@x>"))
    assert msg["Message-ID"] == "<m@x>"
    assert msg["In-Reply-To"] == "<p@x>"


@pytest.mark.parametrize("bad", ["", "a b@x", "a@x>\r\nBcc: evil@x", "<>"])
def test_bad_message_id_is_rejected(bad):
    with pytest.raises(ValueError):
        base(message_id=bad)


@pytest.mark.parametrize("bad", ["", "a b@x", "a@x>\r\nBcc: evil@x", "<>"])
def test_malformed_thread_ids_from_inbound_mail_are_left_out(bad):
    msg, raw = reparse(base(in_reply_to=bad, references=[bad, "good@x"]))
    assert "In-Reply-To" not in msg
    assert msg["References"] == "<good@x>"
    assert b"evil" not in raw


def test_many_references_are_folded_into_valid_lines():
    refs = [f"ref{i}.{'x' * 30}@example.org" for i in range(20)]
    msg, raw = reparse(base(references=refs))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert msg["References"].split() == [f"<{r}>" for r in refs]


def test_non_ascii_subject_and_names_round_trip():
    msg, raw = reparse(base(
        from_name="Équipe DRP, Luton",
        to=["Siân Jones <sian@council.example>"],
        cc=["Zoë Ó Súilleabháin <zoe@council.example>"],
        subject="Réponse attendue — « DRP-2026-0042 » " + "long " * 20,
    ))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded words, no raw UTF-8 in headers
    assert msg["From"].addresses[0].display_name == "Équipe DRP, Luton"
    assert msg["From"].addresses[0].addr_spec == "drp@council.example"
    assert msg["To"].addresses[0].display_name == "Siân Jones"
    assert msg["Cc"].addresses[0].display_name == "Zoë Ó Súilleabháin"
    assert msg["Subject"] == "Réponse attendue — « DRP-2026-0042 » " + "long " * 20


def test_text_and_html_alternative_both_decodable():
    text = "Café — please respond by 4 January.\n"
    html = "<p>Café — please respond by <b>4 January</b>.</p>\n"
    msg, raw = reparse(base(text=text, html=html))
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert rich.get_content_type() == "text/html"
    assert body_text(plain) == text
    assert body_text(rich) == html
    # Non-ASCII bodies are encoded for 7-bit relays rather than sent as raw 8bit.
    assert raw.isascii()
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert "MIME-Version" not in plain


def test_attachments_wrap_the_alternative_in_mixed():
    pdf = b"%PDF-1.7\n\x00\xff binary"
    msg, _ = reparse(base(html="<p>See attached.</p>", attachments=[
        ("DRP form stage 2.pdf", "application/pdf", pdf),
        ("résumé.csv", "text/csv", b"alert,stage\nDRP-2026-0042,2\n"),
    ]))
    assert msg.get_content_type() == "multipart/mixed"
    body, first, second = msg.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.get_payload()] == ["text/plain", "text/html"]
    assert first.get_content_type() == "application/pdf"
    assert first.get_filename() == "DRP form stage 2.pdf"
    assert first.get_content() == pdf
    assert second.get_filename() == "résumé.csv"
    assert second.get_payload(decode=True) == b"alert,stage\nDRP-2026-0042,2\n"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["DRP form stage 2.pdf", "résumé.csv"]


def test_attachment_without_html_mixes_plain_text_and_file():
    msg, _ = reparse(base(attachments=[("digest.csv", "text/csv", b"a,b\n")]))
    assert msg.get_content_type() == "multipart/mixed"
    body, attached = msg.get_payload()
    assert body.get_content_type() == "text/plain"
    assert attached.get_filename() == "digest.csv"


def test_bad_attachment_type_is_rejected():
    with pytest.raises(ValueError, match="MIME type"):
        base(attachments=[("x", "pdf", b"x")])


def test_same_arguments_give_the_same_bytes():
    kwargs = dict(html="<p>h</p>", in_reply_to="p@x", attachments=[("a.txt", "text/plain", b"x")])
    assert base(**kwargs).as_bytes() == base(**kwargs).as_bytes()
    boundaries = re.findall(rb'boundary="([^"]+)"', base(**kwargs).as_bytes())
    assert len(boundaries) == 2 and all(b.startswith(b"=_") for b in boundaries)


def test_extra_headers_and_reserved_names():
    msg, _ = reparse(base(extra_headers={"X-Mailbot-Alert": "DRP-2026-0042", "Reply-To": "drp@council.example"}))
    assert msg["X-Mailbot-Alert"] == "DRP-2026-0042"
    assert msg["Reply-To"] == "drp@council.example"
    for reserved in ("Precedence", "message-id", "Auto-Submitted"):
        with pytest.raises(ValueError):
            base(extra_headers={reserved: "x"})
    with pytest.raises(ValueError):
        base(extra_headers={"Bad Name": "x"})


def test_header_injection_is_refused():
    with pytest.raises(ValueError):
        base(subject="Hello\r\nBcc: someone@evil.example")


def test_auto_submitted_value_is_passed_through():
    msg, _ = reparse(base(auto_submitted="auto-replied"))
    assert msg["Auto-Submitted"] == "auto-replied"


def test_recipients_are_validated():
    with pytest.raises(ValueError):
        base(to=[], cc=[])
    with pytest.raises(ValueError):
        base(to=["not an address"])
    with pytest.raises(TypeError):
        base(to="tm@council.example")
    msg, _ = reparse(base(to=[], cc=["bm@council.example"]))
    assert "To" not in msg and msg["Cc"] == "bm@council.example"


# -- make_message_id ---------------------------------------------------------------------------

_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def test_make_message_id_simple():
    assert make_message_id("outbox-42", "council.example") == "mailbot.outbox-42@council.example"


@pytest.mark.parametrize("unique", ["alert:DRP-2026-0042:reminder:1", "a b<c>@d", "..x..", "Ünïcode", "x" * 300])
def test_make_message_id_is_sanitised_and_deterministic(unique):
    mid = make_message_id(unique, "Council.Example")
    left, domain = mid.split("@")
    assert _DOT_ATOM.fullmatch(left)
    assert domain == "council.example"
    assert len(mid) < 200
    assert make_message_id(unique, "Council.Example") == mid


def test_make_message_id_keeps_distinct_inputs_distinct():
    ids = {make_message_id(u, "x.example") for u in ("a:b", "a-b", "a b", "a/b", "a..b", "a.b")}
    assert len(ids) == 6


def test_make_message_id_domain():
    assert make_message_id("x", "@bücher.example.") == "mailbot.x@xn--bcher-kva.example"
    for bad in ("", "exa mple.org", "a..b"):
        with pytest.raises(ValueError):
            make_message_id("x", bad)
    with pytest.raises(ValueError):
        make_message_id("", "x.example")


def test_make_message_id_output_is_accepted_by_build_message():
    mid = make_message_id("alert:DRP-2026-0042:chaser:2", "council.example")
    msg, _ = reparse(base(message_id=mid))
    # A long id may be folded onto its own line (legal); Python's parser then keeps the
    # folding space in front of it, so readers must strip.
    assert msg["Message-ID"].strip() == f"<{mid}>"


def test_exchange_online_length_thread_ids_are_written_as_ids_not_encoded_words():
    # Exchange Online's ids run to 80-90 characters: longer than a 78-character line with
    # "In-Reply-To: " in front. The email package, which folds these fields as unstructured
    # text, wrote them as RFC 2047 encoded words ("=?utf-8?q?=3CLO4P265MB..."), which no client
    # reads as an id, so the notice fell out of the manager's thread.
    parent = "LO4P265MB77486331CC9A6BF3061FB013EBAE77943027@LO4P265MB7748.GBRP265.PROD.OUTLOOK.COM"
    earlier = "AM0PR01MB1234ABCD5678EF901234567890ABCDEF12345@AM0PR01MB1234.eurprd01.prod.outlook.com"
    msg, raw = reparse(base(in_reply_to=parent, references=[earlier]))
    assert b"=?" not in raw.split(b"\r\n\r\n", 1)[0]
    assert msg["In-Reply-To"] == f"<{parent}>"
    assert msg["References"].split() == [f"<{earlier}>", f"<{parent}>"]
    head_lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    # Folded between the ids, never inside one; each line within RFC 5322's 998.
    assert b"References: <" + earlier.encode() + b">" in head_lines
    assert b" <" + parent.encode() + b">" in head_lines
    assert max(map(len, head_lines)) <= 998
