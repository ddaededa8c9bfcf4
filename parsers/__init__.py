"""mailbot's mail parsers: raw message bytes in, typed records out.

Pure functions only: no database, no clock, no network, no logging of bodies. The one exception
raised is ParseError. Nothing here imports ``mailbot`` or ``store``; they import us.
"""

from __future__ import annotations

from .automatic import Away, away_in, out_of_office
from .dates import parse_timescale, parse_uk_date
from .errors import ParseError
from .instruction import parse_instruction
from .message import parse_message
from .mime import read_envelope
from .reply import new_text
from .types import (
    DEFAULT_FORM_LABELS,
    Attachment,
    CategoryRule,
    Envelope,
    Instruction,
    ParsedMessage,
    ParseRules,
    Timescale,
)

__all__ = [
    "DEFAULT_FORM_LABELS",
    "Attachment",
    "Away",
    "CategoryRule",
    "Envelope",
    "Instruction",
    "ParseError",
    "ParseRules",
    "ParsedMessage",
    "Timescale",
    "away_in",
    "new_text",
    "out_of_office",
    "parse_instruction",
    "parse_message",
    "parse_timescale",
    "parse_uk_date",
    "read_envelope",
]
