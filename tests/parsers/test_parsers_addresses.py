"""The address-list fast path in parsers.mime: whatever it accepts, it reads as getaddresses does."""

from __future__ import annotations

from email.utils import getaddresses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.mime import fast_getaddresses


def _reference(value: str) -> list[tuple[str, str]]:
    # read_envelope keeps only pairs with an address; the fast path reports only those.
    return [(name, addr) for name, addr in getaddresses([value]) if addr]


@pytest.mark.parametrize(
    "value",
    [
        "Sam Carter <Sam.Carter@luton.example.gov.uk>",
        '"Carter, Sam" <sam.carter@luton.example.gov.uk>, drp@luton.example.gov.uk',
        "drp@luton.example.gov.uk",
        "Sam <a@b.example>,\r\n  Jo Bloggs <c@d.example>,\n\t e@f.example",
        "J. R. Smith <j.smith@example.org>",
        '"" <a@b.example>',
        '"Smith" Jo <a@b.example>',
        "=?utf-8?B?Sm8gQmxvZ2dzIOKAkyBJUk8=?= <jo@example.org>",
        "Zoë Müller <zoe@example.org>",
        "<a@b.example>",
        ",, a@b.example ,, ,",
        "a@b.example\n",
    ],
)
def test_common_forms_take_the_fast_path(value: str) -> None:
    assert fast_getaddresses(value) == _reference(value)


@pytest.mark.parametrize(
    "value",
    [
        "undisclosed-recipients:;",
        "Team: a@b.example, c@d.example;",
        "a@b.example (Sam Carter)",
        "Sam (IRO) <a@b.example>",
        r'"Carter \"Sam\"" <a@b.example>',
        "a@[192.0.2.1]",
        "<@route.example:a@b.example>",
        "a@b.example c@d.example",
        "Sam Carter",
        "Sam <carter>",
        "a@b@c.example",
        "Sam <a@b.example> trailing",
        "Sam <a@b.example \n>",
        '"unterminated <a@b.example>',
        "",
        "\u00a0@b.example",
        "Sam\u00a0Carter <a@b.example>",
    ],
)
def test_unusual_forms_fall_back_or_agree(value: str) -> None:
    fast = fast_getaddresses(value)
    assert fast is None or fast == _reference(value)


def test_unusual_syntax_is_left_to_getaddresses() -> None:
    for value in ["Team: a@b.example;", "a@b.example (Sam)", r'"a\"b" <a@b.example>', "a@[192.0.2.1]"]:
        assert fast_getaddresses(value) is None


_FRAGMENTS = st.sampled_from(
    [
        "a", "Sam", "b.example", ".", "@", ",", ", ", " ", "\t", "\r\n ", "\n", '"', "<", ">", "(", ")",
        ":", ";", "\\", "[", "]", "é", "=?utf-8?Q?M=C3=BCller?=", "\u00a0", "x@y.example",
        "Jo <jo@z.example>", '"Carter, Sam" ', "<a@b.example>", '""', "\r",
        # Whitespace that str.strip() knows and ASCII classes do not: getaddresses drops it.
        "\u00a0@", "\x0b", "\u2003", "\x85",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=14).map("".join))
def test_fast_path_agrees_with_getaddresses(value: str) -> None:
    fast = fast_getaddresses(value)
    if fast is not None:
        assert fast == _reference(value)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_fast_path_agrees_on_any_text(value: str) -> None:
    fast = fast_getaddresses(value)
    if fast is not None:
        assert fast == _reference(value)
