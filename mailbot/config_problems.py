"""Configuration problems as a person sees them: the file and line, the place in words ("processes.lac
stage 2 working_days", not "stages[1]"), what is wrong, and what to write instead.

``read_yaml`` reads the configuration keeping each key's line, refuses a key given twice (YAML
would silently keep the second) and leaves dates as text, so that a date that does not exist
("2027-29-12") is a problem with a place rather than a crash inside the YAML library. The other
functions turn pydantic's errors and the directory's into one line each. Nothing here reads a
file or the clock; ``mailbot.config`` does the loading and collects every problem at once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's timestamps: "2027-12-29" stays text for pydantic to read
    (and to report, when it is not a date), and a key given twice is kept for reporting."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    data: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    """The line (1-based) of each key or list item, by its path: ("processes", "lac", "stages", 1)."""
    problems: list[str] = field(default_factory=list)


# PyYAML's words for the slips people make, in words a council's administrator acts on.
_YAML_WORDS = (
    ("mapping values are not allowed here",
     "a ':' inside a value: put the whole value in quotes, e.g. name: \"Stage 2: Service Manager\""),
    ("found character '\\t' that cannot start any token", "a tab: indent with spaces only"),
    ("found character '\t' that cannot start any token", "a tab: indent with spaces only"),
    ("could not find expected ':'", "a line that is not 'key: value' (is a ':' missing, or a quote not closed?)"),
    ("did not find expected key", "this line is not indented like the keys above it"),
    ("expected <block end>", "this line is not indented like the lines above it"),
    ("did not find expected '-' indicator", "a list item not lined up with the items above it"),
    ("found undefined alias", "a '*' that names no '&' anchor above it (quote a value that starts with '*')"),
    ("found unexpected end of stream", "a quote that is never closed"),
    ("while scanning a quoted scalar", "a quote that is never closed"),
    ("found unknown escape character", "a backslash inside double quotes: use single quotes for paths and patterns"),
    ("while parsing a flow", "a [ or { that is never closed"),
)


def yaml_problem(exc: yaml.YAMLError, path: Path) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    text = " ".join(str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
    for words, plain in _YAML_WORDS:
        if words in text:
            return f"{where}: {plain}"
    return f"{where}: not valid YAML ({getattr(exc, 'problem', None) or 'unreadable'})"


def read_yaml(text: str, path: Path) -> YamlDocument:
    """The document, each key's line, and keys given twice. Raises yaml.YAMLError as PyYAML does."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None)
        document = YamlDocument(None)
        _walk(node, (), document, path)
        document.data = loader.construct_document(node)
        return document
    finally:
        loader.dispose()


def _walk(node: yaml.Node, at: tuple[Any, ...], document: YamlDocument, path: Path) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key in seen:
                document.problems.append(
                    f"{path}:{line}: {describe_place(at + (key,))} is given twice (also on line {seen[key]}); "
                    "YAML would keep only this one: remove one of them")
            seen.setdefault(key, line)
            document.lines.setdefault(at + (key,), line)
            _walk(value_node, at + (key,), document, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            document.lines.setdefault(at + (index,), item.start_mark.line + 1)
            _walk(item, at + (index,), document, path)


# ---------------------------------------------------------------------------- places


def path_of(loc: Iterable[Any]) -> tuple[Any, ...]:
    """pydantic's location without its names for union members and validators."""
    return tuple(part for part in loc if not (isinstance(part, str) and (
        part.startswith(("function-", "list[", "dict[")) or part in ("str", "[key]", "int", "date"))))


def describe_place(path: Iterable[Any]) -> str:
    """("processes", "lac", "stages", 1, "responder") -> "processes.lac stage 2 responder"."""
    out = ""
    previous = None
    for part in path:
        if isinstance(part, int):
            out += f" stage {part + 1}" if previous == "stages" else f" item {part + 1}"
            if previous == "stages":
                out = out.replace(".stages stage", " stage")
        else:
            out += (" " if out and isinstance(previous, int) else "." if out else "") + str(part)
        previous = part
    return out or "(top level)"


def line_of(path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """The line of the deepest part of ``path`` written in the file."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def at_line(source: Path | None, line: int | None) -> str:
    name = str(source) if source is not None else "configuration"
    return f"{name}:{line}" if line else name


# ---------------------------------------------------------------------------- what to write instead


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_YDM = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def date_advice(value: Any) -> str:
    """How ``value`` would be written as a date: "29/12/2027" or "2027-29-12" -> 2027-12-29."""
    text = str(value)
    example = "2027-12-29"
    found = _DMY.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            example = f"{year:04d}-{month:02d}-{day:02d}"
    found = _YDM.match(text)
    if found:
        year, first, second = (int(g) for g in found.groups())
        if first > 12 and 1 <= second <= 12:  # month and day swapped
            example = f"{year:04d}-{second:02d}-{first:02d}"
    return f"{text!r} is not a date: dates are written YYYY-MM-DD, e.g. {example}"


def describe_error(err: dict[str, Any], known_keys: Iterable[str]) -> str:
    """One pydantic error in words, with what to write instead where that is known."""
    kind = err["type"]
    path = path_of(err["loc"])
    if kind == "extra_forbidden":
        return f"unknown key {path[-1]!r}{did_you_mean(path[-1], known_keys) or ' (check its spelling and place)'}"
    if kind == "missing":
        return "required key is missing"
    if kind.startswith(("date_", "datetime_")):
        value = path[-1] if "[key]" in err["loc"] else err.get("input")
        return date_advice(value)
    if kind.startswith("time_"):
        return f"{err.get('input')!r} is not a time of day: write it in quotes as HH:MM, e.g. '08:30'"
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message[0].lower() + message[1:] if message else kind
