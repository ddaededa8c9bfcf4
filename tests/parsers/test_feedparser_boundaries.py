"""The boundary-line matcher that stands in for the feed parser's per-message expression.

It must answer exactly as the expression the stdlib compiles would: checked on generated
separators and lines (hypothesis), and on whole fixtures parsed with and without it.
"""

from __future__ import annotations

import email
import email.feedparser
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import feedparser_boundaries as fb

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
CORPUS = Path(__file__).resolve().parent.parent / "reading_corpus"


def stdlib_pattern(separator: str) -> str:
    # As email/feedparser.py (Python 3.11) builds it.
    return '(?P<sep>' + re.escape(separator) + r')(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$'


def answers(match) -> tuple | None:
    if match is None:
        return None
    return tuple(match.group(name) for name in (0, "sep", "end", "ws", "linesep"))


BOUNDARY_CHARS = st.sampled_from(list("abcXYZ09_=.-+()/:?'") + [" "])
TAILS = st.lists(st.sampled_from(["--", "-", " ", "\t", "\r\n", "\r", "\n", "x", "=", "\n\n", "\r\r\n"]), max_size=5)


@settings(max_examples=600, deadline=None)
@given(st.lists(BOUNDARY_CHARS, min_size=1, max_size=20).map("".join), TAILS, st.booleans())
def test_the_matcher_answers_as_the_compiled_expression(boundary: str, tail: list[str], prefixed: bool) -> None:
    separator = "--" + boundary
    line = ("x" if prefixed else "") + separator + "".join(tail)
    pattern = stdlib_pattern(separator)
    assert fb.boundary_of(pattern) == separator
    assert answers(fb.BoundaryLine(separator).match(line)) == answers(re.compile(pattern).match(line))


def test_the_feed_parser_builds_the_pattern_this_module_recognises() -> None:
    # If a Python release changes the expression, boundary_of stops recognising it and every
    # pattern is compiled by re again: safe, only slower. This test says when that happens.
    source = Path(email.feedparser.__file__).read_text(encoding="utf-8")
    assert "'(?P<sep>' + re.escape(separator) +" in source
    assert "r')(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$')" in source


def test_other_patterns_are_compiled_by_re() -> None:
    stand_in = fb.FeedparserRe()
    assert isinstance(stand_in.compile(r"\d+"), re.Pattern)
    assert isinstance(stand_in.compile("(?P<sep>--a)(?P<end>--)?"), re.Pattern)
    assert stand_in.escape("a.b") == re.escape("a.b")


def test_fixtures_parse_the_same_with_and_without_it() -> None:
    fb.install()  # (parsers.mime installs it on import; made sure of here)
    files = sorted(FIXTURES.glob("*.eml")) + sorted(CORPUS.glob("*/*.eml"))
    assert len(files) > 1000
    with_it = [email.message_from_bytes(f.read_bytes()) for f in files]
    saved = email.feedparser.re
    email.feedparser.re = re
    try:
        without = [email.message_from_bytes(f.read_bytes()) for f in files]
    finally:
        email.feedparser.re = saved
    for path, a, b in zip(files, with_it, without, strict=True):
        assert a.as_bytes() == b.as_bytes(), path.name
        assert [(p.get_content_type(), [type(d) for d in p.defects]) for p in a.walk()] == \
            [(p.get_content_type(), [type(d) for d in p.defects]) for p in b.walk()], path.name
