"""Finding the new text of a reply: quoted history, client boilerplate and signatures removed.

Only what the sender wrote this time counts as their response or instruction (DESIGN §3), so
everything each common client appends below the new text is cut: Outlook's header block, Gmail's
and Apple Mail's "On ... wrote:" line, ">" quoting, mobile "Sent from" lines, "-- " signatures and
a trailing sign-off block.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from .instruction import INSTRUCTION_WORDS
from .mime import HTML_PARSER

_RULE = re.compile(r"^\s*_{8,}\s*$")
_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|original|message d'origine|message transféré|"
    r"ursprüngliche nachricht|weitergeleitete nachricht)\s*-{2,}\s*|begin forwarded message:\s*)$",
    re.IGNORECASE,
)
# Outlook writes its quoted-header block in the sender's language: English, German (WG:) and
# French (TR:) are the ones seen in English councils' mail from partner agencies.
_HDR = r"^[\s*>]*(?:{})\*?[ \t]*:"
_FROM = re.compile(_HDR.format("from|von|de"), re.IGNORECASE)
_SENT = re.compile(_HDR.format("sent|gesendet|envoyé|envoye"), re.IGNORECASE)
_DATE = re.compile(_HDR.format("date|datum"), re.IGNORECASE)
_TO = re.compile(_HDR.format("to|an|à|a"), re.IGNORECASE)
_SUBJECT = re.compile(_HDR.format("subject|betreff|objet"), re.IGNORECASE)
_WROTE_ONE = re.compile(r"^\s*On\b.{4,300}\bwrote:\s*$", re.IGNORECASE)
_WROTE_END = re.compile(r"\bwrote:\s*$", re.IGNORECASE)
_ON_START = re.compile(r"^\s*On\s+\S", re.IGNORECASE)
_MOBILE = re.compile(
    r"^\s*(sent from my (iphone|ipad|android|samsung|galaxy|mobile|blackberry|phone)\b|"
    r"sent from (mail|outlook) for (windows|ios|android)\b|sent from outlook\b|"
    r"get outlook for (ios|android)\b)",
    re.IGNORECASE,
)
_SIG_DELIM = re.compile(r"^--\s?$")
_SIGN_OFF = re.compile(
    r"^\s*(kind(est)?\s+regards|warm(est)?\s+regards|best\s+regards|many\s+thanks|"
    r"thanks\s+(again|very much|and regards|all|everyone|both)|thank\s+you|thanks|regards|best\s+wishes|"
    r"best|cheers|yours\s+sincerely|yours\s+faithfully|with\s+thanks|all\s+the\s+best|"
    r"kr|br)(?:[ \t]*[,.!])?\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"confidential|disclaimer|intended recipient|privileged|official[- ]sensitive|"
    r"this e-?mail|virus|monitored|recorded",
    re.IGNORECASE,
)
# A bare name (and maybe a job title) as the last paragraph: "Jo", "Jo Bloggs\nIRO".
_NAME_LINE = re.compile(r"^\s*[A-Z][\w'’.\-]*(?:\s+(?:[A-Z][\w'’.\-]*|of|and|&)){0,4}\s*$")
_NAME_BLOCK_MAX = 4
_GREETING_ONLY = re.compile(r"^\s*(hi|hello|hey|dear|morning|good\s+\w+)\b[^.!?]{0,30}[,!]?\s*$", re.IGNORECASE)
_SIGNATURE_LINE_MAX = 80
_SIGNATURE_LINES_MAX = 15


def _has_within(lines: list[str], start: int, pattern: re.Pattern[str], span: int = 6) -> bool:
    return any(pattern.search(line) for line in lines[start + 1 : start + 1 + span])


def _is_outlook_block(lines: list[str], i: int) -> bool:
    """A "From:" line that opens Outlook's quoted-header block (From/Sent/To/Subject)."""
    if not _FROM.search(lines[i]):
        return False
    if _has_within(lines, i, _SENT) and (_has_within(lines, i, _TO) or _has_within(lines, i, _SUBJECT)):
        return True
    # Thunderbird, Gmail forwards and some gateways write Date: instead of Sent:.
    return _has_within(lines, i, _DATE) and _has_within(lines, i, _SUBJECT)


def _is_wrote_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _WROTE_ONE.search(line) and re.search(r"\d|@", line):
        return True
    # Gmail wraps a long attribution over two lines.
    if _ON_START.search(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
        joined = f"{line.strip()} {lines[i + 1].strip()}"
        return len(joined) <= 300 and bool(re.search(r"\d|@", joined))
    return False


def _history_start(lines: list[str]) -> int:
    """Index of the first line of quoted history or client boilerplate (len(lines) if none)."""
    for i, line in enumerate(lines):
        if _RULE.search(line) and any(_is_outlook_block(lines, j) for j in range(i + 1, min(i + 4, len(lines)))):
            return i
        if _ORIGINAL.search(line) or _MOBILE.search(line) or _SIG_DELIM.search(line):
            return i
        if _is_outlook_block(lines, i) or _is_wrote_line(lines, i):
            return i
    return len(lines)


def _sign_off_start(lines: list[str]) -> int:
    """Index of a sign-off line followed only by a short signature block (len(lines) if none).

    A sign-off as the very first line is a greeting ("Thanks, ..." then the message), not a
    signature, so it is kept.
    """
    seen_text = False
    for i, line in enumerate(lines):
        if _SIGN_OFF.search(line) and seen_text:
            rest = [r for r in lines[i + 1 :] if r.strip()]
            if len(rest) <= _SIGNATURE_LINES_MAX and all(
                len(r.strip()) <= _SIGNATURE_LINE_MAX or _DISCLAIMER.search(r) for r in rest
            ):
                return i
        if line.strip():
            seen_text = True
    return len(lines)


def _name_block_start(lines: list[str]) -> int:
    """Index of a trailing paragraph that is only a name and title (len(lines) if none)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:end]
    # Above the name there must be a real message, not just "Hi Sam," ("Hi Sam,\n\nResolved").
    has_text_above = any(line.strip() and not _GREETING_ONLY.match(line) for line in lines[:start])
    words = {w.lower() for line in block for w in re.findall(r"[A-Za-z]+", line)}
    if (
        has_text_above
        and 0 < len(block) <= _NAME_BLOCK_MAX
        and not words & INSTRUCTION_WORDS
        and all(_NAME_LINE.match(line) and len(line.strip()) <= 40 for line in block)
    ):
        return start
    return len(lines)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _inline_answers(rest: list[str]) -> list[str]:
    """The sender's own lines between ">" quotes after an attribution line (an inline reply).

    A top-posted reply has nothing unquoted between its quotes, so this is empty for it; a
    signature after the whole quote is not an answer either.
    """
    quoted = [i for i, line in enumerate(rest) if _is_quoted(line)]
    if not quoted:
        return []
    last_quote = quoted[-1]
    answers = [
        line for i, line in enumerate(rest)
        if quoted[0] < i < last_quote and line.strip() and not _is_quoted(line)
    ]
    if not answers:
        return []
    # Answers after the last quote belong to the reply too (the closing remark), up to history.
    tail = rest[last_quote + 1 :]
    tail = tail[: _history_start(tail)]
    return [line for i, line in enumerate(rest) if quoted[0] < i < last_quote and not _is_quoted(line)] + tail


def new_text(text: str) -> str:
    """The new text of a plain-text reply: history, quotes, boilerplate and signature removed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    start = _history_start(lines)
    inline = _inline_answers(lines[start + 1 :]) if start < len(lines) and _is_wrote_line(lines, start) else []
    lines = lines[:start] + inline
    lines = [line.rstrip() for line in lines if not _is_quoted(line)]
    lines = lines[: _sign_off_start(lines)]
    lines = lines[: _name_block_start(lines)]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def _remove_from(node: Tag) -> None:
    """Remove ``node`` and everything after it in document order."""
    current: Tag | None = node
    while current is not None and current.name != "[document]":
        for sibling in list(current.next_siblings):
            sibling.extract()
        current = current.parent
    node.extract()


_CUT_IDS = {"appendonsend", "divRplyFwdMsg", "mail-editor-reference-message-container"}
_DOOMED_DIV_CLASSES = {"gmail_attr", "gmail_signature", "moz-signature", "ms-outlook-mobile-signature"}


def strip_html_history(html: str, soup: BeautifulSoup | None = None) -> BeautifulSoup:
    """Parse HTML and remove the quoted history each client marks up in its own way.

    ``soup``, when given, is ``html`` already parsed, and is changed in place.
    One walk over the tags collects every marker (a find_all per marker walked the tree a dozen
    times, the slowest step of parsing an HTML reply).
    """
    if soup is None:
        soup = BeautifulSoup(html or "", HTML_PARSER)
    cut: Tag | None = None
    gmail_attrs: list[Tag] = []
    doomed: list[Tag] = []
    cite_prefixes: list[Tag] = []
    for tag in soup.find_all(True):
        ident = tag.get("id")
        classes = set(tag.get("class") or ())
        if cut is None and ident in _CUT_IDS:
            # Outlook on the web / new Outlook / Outlook mobile: the reply header, and all of
            # the quoted thread after it. The first in document order covers the others.
            cut = tag
        if tag.name == "div" and classes & _DOOMED_DIV_CLASSES:
            doomed.append(tag)
            if "gmail_attr" in classes:
                gmail_attrs.append(tag)
        elif tag.name == "blockquote" and ("gmail_quote" in classes or tag.get("type") == "cite"):
            doomed.append(tag)
        elif ident == "ms-outlook-mobile-signature":
            doomed.append(tag)
        if "moz-cite-prefix" in classes:
            cite_prefixes.append(tag)
    if cut is not None:
        _remove_from(cut)
    # A Gmail forward is not quoted at all: the forwarded mail follows the attribution as is.
    for attr in gmail_attrs:
        if not attr.decomposed and attr.parent is not None and re.search(
            r"forwarded message", attr.get_text(" "), re.IGNORECASE
        ):
            container = attr.find_parent("div", class_="gmail_quote") or attr
            _remove_from(container)
            break
    # Gmail keeps inline answers inside its quote container, between the quoted blocks: the
    # attribution and the quotes go, whatever the sender wrote among them stays.
    for found in doomed:
        if not found.decomposed and found.parent is not None:
            found.decompose()
    for prefix in cite_prefixes:
        if prefix.decomposed or prefix.parent is None:
            continue
        quote = prefix.find_next_sibling("blockquote")
        if quote is not None:
            quote.decompose()
        prefix.decompose()
    return soup
