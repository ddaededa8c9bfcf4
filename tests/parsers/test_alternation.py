"""parsers.alternation: a long alternation searched word by word finds what re finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import ParseError, ParseRules, parse_message
from parsers.alternation import WordLedAlternation, first_words, split_branches
from parsers.content import _MORE_TIME, _MORE_TIME_SEARCH, normalise

TESTS = Path(__file__).resolve().parent.parent


def spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in matches]


def test_every_branch_of_the_requests_for_time_has_its_first_words_read() -> None:
    # A branch whose first words cannot be read is still tried at every word (correct, slower):
    # this says when one is added.
    assert all(first_words(b) is not None for b in split_branches(_MORE_TIME.pattern[3:-1]))


@pytest.mark.slow  # parses every corpus message (about 20 s)
def test_the_same_matches_as_re_on_every_message_of_the_corpora() -> None:
    rules, texts = ParseRules(), []
    for path in sorted((TESTS / "reading_corpus").glob("*/*.eml")) + sorted((TESTS / "fixtures" / "mail").glob("*.eml")):
        try:
            parsed = parse_message(path.read_bytes(), rules)
        except ParseError:
            continue
        texts += [normalise(parsed.reply_text), normalise(parsed.envelope.text or "")]
    assert len(texts) > 4000
    found = 0
    for text in texts:
        expected = spans(_MORE_TIME.finditer(text))
        assert spans(_MORE_TIME_SEARCH.finditer(text)) == expected, text[:200]
        found += len(expected)
    assert found > 300  # the corpora do ask for time, so the comparison compared something


WORDS = ["could", "I", "we", "have", "until", "Friday", "a", "further", "week", "more", "time", "it'll", "be",
         "the", "30th", "before", "can", "get", "you", "my", "response", "by", "extension", "of", "deadline",
         ",", ".", "?", "please", "another", "2", "working", "days", "would", "ok", "if", "came", "back", "push"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join))
def test_the_same_matches_as_re_on_generated_text(text: str) -> None:
    assert spans(_MORE_TIME_SEARCH.finditer(text)) == spans(_MORE_TIME.finditer(text))


def test_groups_are_the_whole_patterns() -> None:
    text = "The panel sits on the 14th. Can I respond after that?"
    [ours], [theirs] = list(_MORE_TIME_SEARCH.finditer(text)), list(_MORE_TIME.finditer(text))
    assert ours.group("after") == theirs.group("after") == "after"


def test_a_pattern_that_is_not_one_group_is_refused() -> None:
    with pytest.raises(ValueError):
        WordLedAlternation(r"\bfoo|\bbar", re.IGNORECASE)
