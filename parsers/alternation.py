"""A long alternation of phrases searched by trying, at each word, only the phrases that can start
with that word.

Python's ``re`` tries every branch of ``(?:A|B|C|...)`` at every position of the text. For a
pattern of thirty-odd phrases, each beginning ``\\b`` and a choice of words (the requests for
time in parsers.content), that cost about 1.5 microseconds a character of every reply (issue 13).
``WordLedAlternation`` splits the pattern into its top-level branches, reads the words each can
begin with, and at each word of the text tries only the branches that begin with it (and any
branch whose first word it could not read), in the pattern's order: the same matches as
``re.compile(pattern).finditer`` (leftmost, first branch wins, no overlap), which
tests/parsers/test_alternation.py checks on every message of the corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_WORD_AT = re.compile(r"\b\w[\w'’]*")
_LITERAL_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


class WordLedAlternation:
    """``re.compile(pattern, flags)`` for finditer, where pattern is ``(?:A|B|...)`` and each
    branch begins (after an optional lookbehind) with ``\\b`` and a word."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags)  # also the reference: same source, same groups
        self.flags = flags
        branches = split_branches(_inside_group(pattern))
        self._branches = [re.compile(b, flags) for b in branches]
        self._always: list[int] = []
        self._by_word: dict[str, list[int]] = {}
        for index, branch in enumerate(branches):
            words = first_words(branch)
            if words is None:
                self._always.append(index)
                continue
            for word in words:
                self._by_word.setdefault(word.lower(), []).append(index)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else endpos
        after = pos
        for word in _WORD_AT.finditer(text, pos, end):
            start = word.start()
            if start < after:
                continue
            candidates = self._by_word.get(word.group().lower().replace("’", "'"), ())
            if self._always:
                candidates = sorted({*candidates, *self._always})
            if any(self._branches[index].match(text, start, end) for index in candidates):
                # The whole pattern at that position: the same branch wins (the ones before it
                # cannot begin with this word), and the match carries every group by name.
                found = self.pattern.match(text, start, end)
                if found is not None:
                    yield found
                    after = found.end()


def _inside_group(pattern: str) -> str:
    if not (pattern.startswith("(?:") and _group_end(pattern, 0) == len(pattern) - 1):
        raise ValueError("the pattern must be one (?:...|...) group")
    return pattern[3:-1]


def _group_end(source: str, start: int) -> int:
    """Index of the ")" closing the group that opens at ``start``."""
    depth, i = 0, start
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(source, i) + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group at {start}")


def _class_end(source: str, start: int) -> int:
    i = start + 1
    if i < len(source) and source[i] == "^":
        i += 1
    if i < len(source) and source[i] == "]":
        i += 1
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i


def split_branches(source: str) -> list[str]:
    """The top-level branches of an alternation's inside."""
    branches, depth, current, i = [], 0, [], 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            current.append(source[i:i + 2])
            i += 2
            continue
        if char == "[":
            stop = _class_end(source, i)
            current.append(source[i:stop + 1])
            i = stop + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "|" and depth == 0:
            branches.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    branches.append("".join(current))
    return branches


def first_words(branch: str) -> set[str] | None:
    """The words a branch can begin with, or None when they cannot be read from its source."""
    source = branch
    if source.startswith("(?<!") or source.startswith("(?<="):
        source = source[_group_end(source, 0) + 1:]
    if not source.startswith(r"\b"):
        return None
    return _leading(source[2:])


def _leading(source: str) -> set[str] | None:
    """First words of a regular-expression fragment: a literal word (``an?`` is "a" or "an"), or
    a non-capturing group of branches that each begin with one; an optional group adds the
    words of what follows it."""
    if source.startswith("(?:"):
        end = _group_end(source, 0)
        words: set[str] = set()
        for branch in split_branches(source[3:end]):
            found = _leading(branch)
            if found is None:
                return None
            words |= found
        rest = source[end + 1:]
        if rest.startswith("?"):
            # An optional group: what comes after it may begin the match too (after its blanks).
            after = re.sub(r"^\?(?:\\s[*+]|\s)*", "", rest)
            found = _leading(after)
            if found is None:
                return None
            words |= found
        return words
    word = _LITERAL_WORD.match(source)
    if word is None:
        return None
    text, rest = word.group(), source[word.end():]
    if rest.startswith("?"):
        # "an?": the word with and without its last letter.
        return {text, text[:-1]} if len(text) > 1 else None
    if rest.startswith("(?:"):
        # "request(?:ing)?": the word with and without an optional ending of letters.
        end = _group_end(rest, 0)
        endings = split_branches(rest[3:end])
        if rest[end + 1:end + 2] == "?" and all(re.fullmatch(r"[A-Za-z]+", e) for e in endings):
            return {text} | {text + e for e in endings}
        return None
    if rest[:1] in ("*", "+", "{", "[", "(") or _LITERAL_WORD.match(rest[:1] or " "):
        return None
    return {text}
