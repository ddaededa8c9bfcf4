"""Multipart boundary lines matched without compiling a regular expression per message.

The stdlib's ``email.feedparser`` compiles, for every multipart part it meets, a regular
expression that recognises that part's boundary line::

    re.compile('(?P<sep>' + re.escape(separator) + r')(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$')

Boundaries are unique per message, so ``re``'s cache never helps: on the drain benchmark
(issue 13) compiling them was about 7% of the reading worker's time, more than any of our own
parsers' single steps. ``install()`` gives ``email.feedparser`` a stand-in for its ``re`` module
whose ``compile`` returns, for exactly that pattern, a matcher written with string operations
that answers what the feed parser asks of the match (``group(0)``, ``'sep'``, ``'end'``, ``'ws'``,
``'linesep'``); any other pattern, or that one in a Python whose source differs, is compiled by
``re`` as before. tests/parsers/test_feedparser_boundaries.py checks the matcher against the
compiled expression on generated lines, and whole fixtures parsed both ways.
"""

from __future__ import annotations

import email.feedparser
import re
from typing import Any

_PREFIX = "(?P<sep>"
_SUFFIX = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_LINE_ENDINGS = ("\r\n", "\r", "\n", "")  # the expression's order, then none


class BoundaryMatch:
    """The parts of a matched boundary line, as the compiled expression's match gives them."""

    __slots__ = ("_groups",)

    def __init__(self, whole: str, sep: str, end: str | None, ws: str, linesep: str | None) -> None:
        self._groups = {0: whole, "sep": sep, "end": end, "ws": ws, "linesep": linesep}

    def group(self, name: int | str = 0) -> str | None:
        return self._groups[name]


class BoundaryLine:
    """``re.compile(<the boundary pattern for separator>)``, matching with string operations."""

    __slots__ = ("separator",)

    def __init__(self, separator: str) -> None:
        self.separator = separator

    def match(self, line: str) -> BoundaryMatch | None:
        separator = self.separator
        if not line.startswith(separator):
            return None
        size, after_sep = len(line), len(separator)
        # "(?P<end>--)?" is greedy: with the two dashes first, then without them.
        for after_end in ((after_sep + 2, after_sep) if line.startswith("--", after_sep) else (after_sep,)):
            # "[ \t]*" is greedy, and giving back a blank never helps: what follows must be a
            # line ending or the end, neither of which a blank is.
            after_ws = after_end
            while after_ws < size and line[after_ws] in " \t":
                after_ws += 1
            for ending in _LINE_ENDINGS:
                if ending and not line.startswith(ending, after_ws):
                    continue
                stop = after_ws + len(ending)
                # "$": the end of the line, or just before a newline that ends it.
                if stop == size or (stop == size - 1 and line[stop] == "\n"):
                    return BoundaryMatch(line[:stop], separator, line[after_sep:after_end] or None,
                                         line[after_end:after_ws], ending or None)
        return None


class FeedparserRe:
    """Stands in for the ``re`` module inside ``email.feedparser`` (see the module docstring)."""

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        separator = boundary_of(pattern) if flags == 0 else None
        return re.compile(pattern, flags) if separator is None else BoundaryLine(separator)

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)


def boundary_of(pattern: Any) -> str | None:
    """The separator a boundary pattern was built for, or None for any other pattern."""
    if not (isinstance(pattern, str) and pattern.startswith(_PREFIX) and pattern.endswith(_SUFFIX)):
        return None
    escaped = pattern[len(_PREFIX):-len(_SUFFIX)]
    separator = _UNESCAPE.sub(r"\1", escaped)
    # Only a pattern that is exactly re.escape of a separator, as the feed parser builds it.
    return separator if re.escape(separator) == escaped else None


def install() -> None:
    """Give ``email.feedparser`` the stand-in (once; the module keeps it for the process)."""
    if not isinstance(email.feedparser.re, FeedparserRe):
        email.feedparser.re = FeedparserRe()  # type: ignore[assignment]
