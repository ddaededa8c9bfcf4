"""Property tests: whatever bytes arrive, parse_message returns or raises ParseError only."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import ParsedMessage, ParseError, ParseRules, parse_message
from parsers.reply import new_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
FIXTURE_BYTES = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]

_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _only_parse_error(raw: bytes, rules: ParseRules) -> None:
    try:
        result = parse_message(raw, rules)
    except ParseError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert isinstance(result, ParsedMessage)


@_SETTINGS
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(rules: ParseRules, raw: bytes) -> None:
    _only_parse_error(raw, rules)


_HEADER_LINES = st.lists(
    st.sampled_from(
        [
            b"From: a@b", b"Subject: =?utf-8?Q?x?=", b"Content-Type: multipart/mixed; boundary=b",
            b"Content-Type: text/html; charset=bogus", b"Content-Transfer-Encoding: base64",
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=b",
            b"Content-Type: message/rfc822", b"Date: x", b"Message-ID: <<>>", b"References: <a@b",
            b"--b", b"--b--", b"", b"<div id=\"divRplyFwdMsg\">", b"Resolved", b"=?utf-8?B?====?=",
            b"From: x\xff@y", b"\xe2\x80\x93", b"Child IDs: 1234567", b"Stage: two",
        ]
    ),
    max_size=40,
)


@_SETTINGS
@given(_HEADER_LINES)
def test_mime_shaped_garbage(rules: ParseRules, lines: list[bytes]) -> None:
    _only_parse_error(b"\r\n".join(lines), rules)


@st.composite
def _mutated_fixture(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(FIXTURE_BYTES)))
    for _ in range(draw(st.integers(min_value=1, max_value=20))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        pos = draw(st.integers(min_value=0, max_value=max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(min_value=0, max_value=255))
        elif op == "delete" and data:
            del data[pos : pos + draw(st.integers(min_value=1, max_value=200))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


@_SETTINGS
@given(_mutated_fixture())
def test_mutated_fixtures(rules: ParseRules, raw: bytes) -> None:
    _only_parse_error(raw, rules)


@_SETTINGS
@given(st.text(max_size=2000))
def test_arbitrary_text_bodies(rules: ParseRules, body: str) -> None:
    raw = b"From: jo@luton.example.gov.uk\r\nSubject: RE: Pre-DRP\r\nDate: Mon, 3 May 2027 09:00:00 +0000\r\n"
    raw += b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.encode("utf-8", "surrogatepass")
    _only_parse_error(raw, rules)


def test_thousands_of_attribution_lines_and_nested_forwards_are_read_without_recursion() -> None:
    # Forwards of forwards are unwrapped to a bounded depth; before, each nested block unwrapped
    # the next without end and 1,000 attribution lines ran out of stack (a hostile-input probe).
    attributions = "\n".join("On 12 May 2027, Dana <d@x.gov.uk> wrote:" for _ in range(5000))
    assert new_text("Escalate please.\n\n" + attributions) == "Escalate please."
    nested = "".join(f"From: p{i}@x.gov.uk\nSent: 12 May 2027 09:{i % 60:02d}\nTo: drp@x.gov.uk\nSubject: FW: x\n\n"
                     for i in range(300)) + "The concern itself."
    # 300 deep is past the bound: it returns (no RecursionError) and leaks no header lines.
    assert "From:" not in new_text(nested)
    three_deep = "".join(f"From: p{i}@x.gov.uk\nSent: 12 May 2027 09:0{i}\nTo: drp@x.gov.uk\nSubject: FW: x\n\n"
                         for i in range(3)) + "The concern itself."
    assert new_text(three_deep) == "The concern itself."
