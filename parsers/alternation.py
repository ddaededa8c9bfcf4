"""A long alternation of phrases searched by trying, at each word, only the phrases that can start
with that word.

Python's ``re`` tries every branch of ``(?:A|B|C|...)`` at every position of the text. For a
pattern of thirty-odd phrases, each beginning ``\\b`` and a choice of words (the requests for
time in parsers.content, the decisions stated in prose in parsers.instruction), that cost about
1.5 microseconds a character of every reply (issue 13). ``WordLedAlternation`` splits the
pattern into its top-level branches, reads the words each can begin with, and at each word of
the text tries only the branches that begin with it, in the pattern's order; the branches whose
first word it cannot read are searched for together, the ordinary way. It finds the same
matches as ``re.compile(pattern).search`` and ``finditer`` (leftmost, first branch wins, no
overlap), which tests/parsers/test_alternation.py checks on every message of the corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# Where a word begins, and the word: letters, digits and "_" (a word's part after an apostrophe,
# the "s" of "it's", is a word of its own: a pattern may begin there too).
_WORD_AT = re.compile(r"\b\w+")
_LITERAL_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# A top-level flag group such as "(?i)" applies to the whole pattern, not to its first branch.
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_LEADING_BOUNDARIES = re.compile(r"^(?:\\b)+")


class WordLedAlternation:
    """``re.compile(pattern, flags)`` for ``search`` and ``finditer``, where pattern is an
    alternation: ``(?:A|B|...)``, ``\\b(?:A|B|...)`` or ``A|B|...``. The speed-up comes from the
    branches that begin (after an optional lookbehind) with ``\\b`` and a word."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags)  # also the reference: same source, same groups
        self.flags = flags
        branches = top_branches(pattern)
        self._branches = [re.compile(b, flags) for b in branches]
        self._by_word: dict[str, list[int]] = {}
        at_start: list[str] = []
        elsewhere: list[str] = []
        for index, branch in enumerate(branches):
            words = first_words(branch)
            if words is not None:
                for word in words:
                    self._by_word.setdefault(word, []).append(index)
            elif _LEADING_BOUNDARIES.sub("", branch).startswith("^") and not flags & re.MULTILINE:
                at_start.append(branch)  # "^..." matches only where the text begins
            else:
                elsewhere.append(branch)
        self._words = frozenset(self._by_word)
        # Only to find where such a branch first matches; the match returned is the whole pattern's.
        self._at_start = re.compile("|".join(f"(?:{b})" for b in at_start), flags) if at_start else None
        self._elsewhere = re.compile("|".join(f"(?:{b})" for b in elsewhere), flags) if elsewhere else None
        self.unread = len(at_start) + len(elsewhere)  # branches not led by a word (the tests watch it)

    @classmethod
    def of(cls, compiled: re.Pattern[str]) -> WordLedAlternation:
        return cls(compiled.pattern, compiled.flags)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """The leftmost match, as ``re`` finds it."""
        end = len(text) if endpos is None else endpos
        if pos == 0 and self._at_start is not None and self._at_start.match(text, 0, end):
            return self.pattern.match(text, 0, end)
        other = self._elsewhere.search(text, pos, end) if self._elsewhere is not None else None
        limit = other.start() if other is not None else end
        starts = _word_starts(text)
        found = sorted((start, word) for word in self._words.intersection(starts)
                       for start in starts[word] if pos <= start < limit)
        for start, word in found:
            if any(self._branches[index].match(text, start, end) for index in self._by_word[word]):
                # The whole pattern at that position: the same branch wins (the ones before it
                # cannot match there), and the match carries every group by name.
                return self.pattern.match(text, start, end)
        return self.pattern.match(text, limit, end) if other is not None else None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        """Every match, left to right, none overlapping (the patterns here match no empty text)."""
        while pos <= (len(text) if endpos is None else endpos):
            found = self.search(text, pos, endpos)
            if found is None:
                return
            yield found
            pos = found.end() if found.end() > found.start() else found.start() + 1


@lru_cache(maxsize=16)
def _word_starts(text: str) -> dict[str, list[int]]:
    """Where each word of ``text`` begins, by the word in lower case: worked out once for the
    several patterns a sentence is searched with (a str keeps its hash, so finding it is cheap)."""
    starts: dict[str, list[int]] = {}
    for word in _WORD_AT.finditer(text):
        starts.setdefault(word.group().casefold(), []).append(word.start())
    return starts


def top_branches(pattern: str) -> list[str]:
    """The top-level branches of ``pattern``: the inside of one ``(?:...)`` group, each branch of
    ``\\b(?:...)`` with its ``\\b``, or the branches of a bare alternation."""
    if _GLOBAL_FLAGS.match(pattern):
        raise ValueError("a pattern with global flags in its text: pass them as flags")
    for lead in ("", r"\b"):
        if pattern.startswith(lead + "(?:") and _group_end(pattern, len(lead)) == len(pattern) - 1:
            return [lead + branch for branch in split_branches(pattern[len(lead) + 3:-1])]
    return split_branches(pattern)


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
    """The words a branch can begin with (lower case, up to an apostrophe: "i'm" is "i"), or None
    when they cannot be read from its source. A word counts only where the pattern makes it the
    whole of the text's word there ("close\\s+this", not a "close" the pattern lets run on)."""
    source = branch
    if source.startswith("(?<!") or source.startswith("(?<="):
        source = source[_group_end(source, 0) + 1:]
    if not source.startswith(r"\b"):
        return None
    found = _leading(source, "")
    return None if found is None else {word.replace("’", "'").split("'")[0].casefold() for word in found}


def _leading(source: str, then: str) -> set[str] | None:
    """First words of a regular-expression fragment followed by ``then``: a literal word (``an?``
    is "a" or "an"), or a non-capturing group of branches that each begin with one; an optional
    group adds the words of what follows it."""
    while source.startswith(r"\b"):
        source = source[2:]
    if source.startswith("(?:"):
        end = _group_end(source, 0)
        rest = source[end + 1:]
        if rest[:1] in ("*", "+", "{"):
            return None
        optional = rest.startswith("?")
        after = rest[1:] if optional else rest
        words: set[str] = set()
        for branch in split_branches(source[3:end]):
            found = _leading(branch, after + then)
            if found is None:
                return None
            words |= found
        if optional:
            # An optional group: what comes after it may begin the match too (only a word: blanks
            # after it would let the match begin at the end of the word before).
            found = _leading(after, then)
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
        if len(text) < 2:
            return None
        words, rest = {text, text[:-1]}, rest[1:]
    elif rest.startswith("(?:") and all(re.fullmatch(r"[A-Za-z]+", e) for e in split_branches(rest[3:_group_end(rest, 0)])):
        # "request(?:ing)?", "escalat(?:e|ing)": the word with each ending of letters (and
        # without one, when the ending is optional).
        end = _group_end(rest, 0)
        quantifier = rest[end + 1:end + 2]
        if quantifier in ("*", "+", "{"):
            return None
        words = {text + e for e in split_branches(rest[3:end])} | ({text} if quantifier == "?" else set())
        rest = rest[end + 1 + (quantifier == "?"):]
    else:
        words = {text}
    if all(re.search(r"['’]", w) for w in words):
        return words  # the word looked up ends at its apostrophe, which the pattern fixes
    return words if _ends_word(rest + then) else None


# Characters that can never continue a word of the text (_WORD_AT): blanks and punctuation.
_NOT_WORD = set(" \t\n\r,.;:!?-–—\"'’()")


def _ends_word(source: str) -> bool:
    """Whether a pattern fragment can only begin with a character that ends a word (so the word
    before it in the pattern is the whole of the text's word). Unsure means no."""
    if not source:
        return False  # the pattern may end here, and the text's word run on
    if source.startswith(r"\b") or source.startswith("$"):
        # (Right after a word, as this is always asked, a boundary means the word ends there.)
        return True
    if source.startswith("(?=") or source.startswith("(?:"):
        end = _group_end(source, 0)
        inside, rest = split_branches(source[3:end]), source[end + 1:]
        if source.startswith("(?="):
            return all(_ends_word(branch) for branch in inside)
        if rest[:1] in ("?", "*"):
            return all(_ends_word(branch + rest[1:]) for branch in inside) and _ends_word(rest[1:])
        if rest[:1] in ("+", "{"):
            return False
        return all(_ends_word(branch + rest) for branch in inside)
    if source.startswith("\\"):
        token, ends = source[:2], source[1:2] in ("s", "n", "t", "r", "W") or source[1:2] in _NOT_WORD
    elif source.startswith("["):
        stop = _class_end(source, 0)
        token = source[:stop + 1]
        members = re.findall(r"\\.|[^\\]", token[1:-1])
        ends = not token.startswith("[^") and bool(members) and all(
            m in (r"\s", r"\n", r"\t", r"\r", r"\W") or m.lstrip("\\") in _NOT_WORD for m in members)
    else:
        token, ends = source[0], source[0] in _NOT_WORD and source[0] not in ".?()"  # "." is any character
    if not ends:
        return False
    rest = source[len(token):]
    if rest[:1] in ("?", "*"):
        return _ends_word(rest[1:])  # the token may be absent: what follows must end the word too
    if rest[:1] == "{":
        return False
    return True
