"""The one exception the parsers raise.

Callers quarantine a message that cannot be parsed and carry on with the next one, so every
failure inside the package is turned into a ParseError carrying a one-line reason that is safe to
log (it never quotes the message body).
"""

from __future__ import annotations


class ParseError(Exception):
    """A message could not be turned into a ParsedMessage; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        # One line, bounded: the reason goes into logs and the quarantine record.
        reason = " ".join(str(reason).split())[:300] or "unparseable message"
        super().__init__(reason)
        self.reason = reason
