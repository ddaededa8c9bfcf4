"""parsers.alternation: a long alternation searched word by word finds what re finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import ParseError, ParseRules, parse_message
from parsers import instruction
from parsers.alternation import WordLedAlternation, first_words, split_branches
from parsers.content import _MORE_TIME, _MORE_TIME_SEARCH, normalise
from parsers.dates import sentences

# (name, the word-led pattern) for every one the parsers search with.
WORD_LED = [("requests for time", _MORE_TIME_SEARCH), ("agreeing in prose", instruction._AGREE_PROSE),
            *((f"{verb} in prose", pattern) for verb, pattern in instruction._PROSE)]

TESTS = Path(__file__).resolve().parent.parent


def spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in matches]


def test_the_branches_not_led_by_a_word_are_the_known_few() -> None:
    # A branch whose first words cannot be read is searched for the ordinary way (correct,
    # slower): this says when one is added. Requests for time: "Realistically, I ..." (the comma
    # and blanks are optional, so its word could run on). Agreeing: the five that begin at the
    # start of the text or after a dash. RESOLVED: "^Resolved I think", ", happy with this".
    # CAFCASS: "I'd like this referred" (begins at the apostrophe).
    unread = {name: pattern.unread for name, pattern in WORD_LED}
    assert unread == {"requests for time": 1, "agreeing in prose": 5, "RESOLVED in prose": 2, "EXTEND in prose": 0,
                      "WITHDRAW in prose": 0, "CAFCASS in prose": 1, "ESCALATE in prose": 0}


@pytest.mark.slow  # parses every corpus message and searches every sentence (about 70 s)
def test_the_same_matches_as_re_on_every_message_of_the_corpora() -> None:
    rules, texts = ParseRules(), []
    for path in sorted((TESTS / "reading_corpus").glob("*/*.eml")) + sorted((TESTS / "fixtures" / "mail").glob("*.eml")):
        try:
            parsed = parse_message(path.read_bytes(), rules)
        except ParseError:
            continue
        texts += [normalise(parsed.reply_text), normalise(parsed.envelope.text or "")]
    assert len(texts) > 4000
    # The prose patterns search one sentence at a time; the requests for time the whole text.
    pieces = [text[start:end] for text in texts for start, end in sentences(text)]
    for name, pattern in WORD_LED:
        found = 0
        for text in texts if pattern is _MORE_TIME_SEARCH else pieces:
            expected = spans(pattern.pattern.finditer(text))
            # (finditer is search from each match's end: its first match is search's.)
            assert spans(pattern.finditer(text)) == expected, (name, text[:200])
            found += len(expected)
        assert found > 20, name  # the corpora do say each of these, so the comparison compared something


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


PROSE_WORDS = ["I", "I'm", "am", "happy", "with", "this", "that's", "resolved", "closed", "we", "can", "close", "it",
               "escalate", "to", "stage", "2", "please", "treat", "as", "withdrawn", "Cafcass", "referral", "agree",
               "fine", "give", "him", "until", "Friday", ",", ".", "-", "?", "it's", "typo", "the", "deadline", "is",
               "14th", "going", "take", "Claire", "needs", "go", "up", "so", "you", "have", "another", "week"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PROSE_WORDS), max_size=25).map(" ".join))
def test_the_prose_patterns_find_what_re_finds_in_generated_text(text: str) -> None:
    for name, pattern in WORD_LED:
        assert spans(pattern.finditer(text)) == spans(pattern.pattern.finditer(text)), name
        ours, theirs = pattern.search(text), pattern.pattern.search(text)
        assert (ours and (ours.span(), ours.group())) == (theirs and (theirs.span(), theirs.group())), name


def test_the_three_shapes_of_alternation_are_read() -> None:
    for source in (r"(?:\bfoo\s+bar|\bbaz\b)", r"\b(?:foo\s+bar|baz\b)", r"\bfoo\s+bar|\bbaz\b"):
        pattern = WordLedAlternation(source, re.IGNORECASE)
        assert pattern.unread == 0, source
        assert spans(pattern.finditer("Baz, then FOO bar and foobar baz")) == [(0, 3, "Baz"), (10, 17, "FOO bar"), (29, 32, "baz")]


def test_a_first_word_counts_only_where_the_pattern_ends_the_word() -> None:
    assert first_words(r"\bclose\s+this") == {"close"}
    assert first_words(r"\bclose\b") == {"close"}
    assert first_words(r"\bclose") is None  # "closed" would be the text's word there
    assert first_words(r"\bi'?m\b") is None  # "im" and "i'm" are different words
    assert first_words(r"\b(?:i'm|i\s+am)\s+happy") == {"i"}  # looked up to the apostrophe
    assert first_words(r"\bthis(?:\s+one)?(?:'s|\s+is)") == {"this"}
    assert first_words(r"\bescalat(?:e|ing)\s") == {"escalate", "escalating"}
    assert first_words(r"\bwords?\s") == {"word", "words"}
    assert first_words(r"\b(?:now)?\s+close") is None  # could begin at the blank after a word
    assert first_words(r"\bclose\w*") is None
    assert first_words(r"\bclose[.,]?\s") == {"close"}
    assert first_words(r"\bclose.\s") is None


def test_branches_that_no_word_leads_are_still_found_first_when_they_come_first() -> None:
    pattern = WordLedAlternation(r"(?:\bhappy\s+with\s+this|^\W*resolved\b|(?:^|[,;])\s*content\b)", re.IGNORECASE)
    assert pattern.unread == 2
    for text in ("- Resolved, happy with this", "Thanks, content and happy with this", "happy with this; content",
                 "not resolved", "xcontent"):
        assert spans(pattern.finditer(text)) == spans(pattern.pattern.finditer(text)), text
    assert pattern.search("Thanks, content").start() == 6


def test_global_flags_in_the_text_are_refused() -> None:
    with pytest.raises(ValueError):
        WordLedAlternation(r"(?i)\bfoo|\bbar")
