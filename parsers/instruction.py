"""Recognising an IRO's instruction at the head of a reply (RESOLVED, ESCALATE, EXTEND, ...).

IROs write instructions the way they write mail ("Hi Sam, resolved - thanks", "Please escalate to
stage 3"), so the verb is looked for among the first few words of the first line after any
greeting lines, in any case. A negated verb ("not resolved") is never taken.
"""

from __future__ import annotations

import re
from datetime import date

from .dates import NUMBER_WORDS, parse_timescale, parse_uk_date
from .types import Instruction

_VERBS = {
    "resolved": "RESOLVED",
    "escalate": "ESCALATE",
    "escalated": "ESCALATE",
    "escalation": "ESCALATE",
    "escalating": "ESCALATE",
    "extend": "EXTEND",
    "extended": "EXTEND",
    "agree": "AGREE",
    "agreed": "AGREE",
    "withdraw": "WITHDRAW",
    "withdrawn": "WITHDRAW",
    "withdrawing": "WITHDRAW",
    "cafcass": "CAFCASS",
    "note": "NOTE",
    "status": "STATUS",
}
# Words that can carry an instruction; reply stripping never removes a line made of them.
INSTRUCTION_WORDS = frozenset(_VERBS) | {"resolve", "extension", "withdrawal"}
_NEGATIONS = {
    "not", "no", "never", "don't", "dont", "doesn't", "isn't", "isnt", "aren't", "wasn't",
    "can't", "cannot", "won't", "wont", "shouldn't", "haven't", "hasn't", "nor", "without",
}
_VERB_WINDOW = 6
_NEGATION_WINDOW = 3
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|morning|good\s+(morning|afternoon|evening)|afternoon|thanks|"
    r"thank\s+you|many\s+thanks|thanks\s+all|all)\b[^.!?\n]{0,40}[,.!:]?\s*$",
    re.IGNORECASE,
)
_STAGE_WORDS = {**NUMBER_WORDS, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5,
                "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_STAGE = re.compile(
    r"\bstage\s*(?P<n>\d{1,2}|one|two|three|four|five|iv|v|i{1,3}|first|second|third|fourth|fifth)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^[\s\-–—:,.;!?]+")
_CLAUSE_BREAK = re.compile(r"[-–—,.;:!?()]")
_GREETING_LINES_MAX = 3


def stage_number(text: str) -> int | None:
    """"Stage 2" / "stage two" / "Stage III" -> the number; None if no stage is named."""
    m = _STAGE.search(text or "")
    if m is None:
        return None
    token = m.group("n").lower()
    return int(token) if token.isdigit() else _STAGE_WORDS.get(token)


def _first_instruction_line(lines: list[str]) -> str | None:
    for index, line in enumerate(lines):
        if index < _GREETING_LINES_MAX and _GREETING.search(line):
            words = {w.lower() for w in _WORD.findall(line)}
            if not words & set(_VERBS):
                continue
        return line
    return None


def _negated(line: str, words: list[re.Match[str]], index: int) -> bool:
    """A negation shortly before the verb in the same clause ("not resolved", "don't escalate").

    A clause break in between ("Not resolved - escalate to stage 2") ends the negation's reach.
    """
    for j in range(index - 1, max(-1, index - _NEGATION_WINDOW - 1), -1):
        if _CLAUSE_BREAK.search(line[words[j].end() : words[j + 1].start()]):
            return False
        if words[j].group().lower() in _NEGATIONS:
            return True
    return False


def _find_verb(line: str) -> tuple[str, int] | None:
    words = list(_WORD.finditer(line))[:_VERB_WINDOW]
    for index, word in enumerate(words):
        verb = _VERBS.get(word.group().lower())
        if verb is None:
            continue
        if _negated(line, words, index):
            continue
        return verb, word.end()
    return None


def parse_instruction(reply_text: str, sent: date | None) -> Instruction | None:
    """The instruction a reply's new text starts with, or None for ordinary prose."""
    text = (reply_text or "").replace("\r\n", "\n")
    lines = [line for line in text.split("\n") if line.strip()]
    line = _first_instruction_line(lines)
    if line is None:
        return None
    found = _find_verb(line)
    if found is None:
        return None
    verb, end = found
    start = text.find(line)
    rest_of_text = text[start + end :] if start >= 0 else line[end:]
    rest = _LEAD.sub("", rest_of_text).strip()
    rest_of_line = line[end:]

    stage = working_days = None
    until = None
    if verb == "ESCALATE":
        stage = stage_number(rest_of_line)
    elif verb in ("EXTEND", "AGREE"):
        timescale = parse_timescale(rest_of_line, sent)
        if timescale is not None:
            working_days, until = timescale.working_days, timescale.until
        elif verb == "EXTEND":
            # "Extend Friday 14th May": the date without a deadline word.
            until = parse_uk_date(rest_of_line, sent)
    return Instruction(verb=verb, stage=stage, working_days=working_days, until=until, text=rest)
