"""What the words of a message say: reference, informal phrase, process, DRP form, case IDs,
categories of concern and a manager's request for more time.

All wording comes from ParseRules, matched loosely (case, hyphens and spacing ignored) because
people type "Pre-DRP", "pre drp" and "PRE-Dispute Resolution" for the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

from .alternation import WordLedAlternation
from .dates import NUMBER, WEEKDAYS, day_at, find_dates, parse_uk_date, period_or_date, sentences
from .instruction import stage_number
from .types import CategoryRule, ParseRules, Timescale

_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|tr|sv|vs|antw|rv|ref)(?:\s*(?:\[\d+\]|\(\d+\)))?[ \t]*:\s*)+", re.IGNORECASE
)
_SEPARATORS = r"[\s\-‐‑–—_./]*"
_MAX_SCAN = 200_000


def normalise(text: str) -> str:
    """Typographic quotes and dashes as their ASCII forms, so configured phrases match."""
    return (
        (text or "")[:_MAX_SCAN]
        .replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("\u00a0", " ")
    )


def strip_subject_prefixes(subject: str) -> str:
    """"RE: FW: Pre-DRP ..." -> "Pre-DRP ..." (reply and forward markers in several languages)."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def _phrase_body(phrase: str) -> str | None:
    tokens = re.findall(r"[A-Za-z0-9']+", normalise(phrase).lower())
    if not tokens:
        return None
    return _SEPARATORS.join(re.escape(t) for t in tokens)


@lru_cache(maxsize=1024)
def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A case-insensitive, word-bounded pattern matching ``phrase`` with loose separators."""
    body = _phrase_body(phrase)
    if body is None:
        return None
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=256)
def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """All of ``phrases`` as one alternation: a search finds the leftmost position where any of
    them matches, which is the earliest of their separate matches, in one scan instead of one
    per phrase (the per-phrase loop and its cache look-ups cost more than the matching)."""
    bodies = [body for body in map(_phrase_body, phrases) if body is not None]
    if not bodies:
        return None
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(bodies)})(?![A-Za-z0-9])", re.IGNORECASE)


def first_phrase_at(text: str, phrases: Iterable[str]) -> int | None:
    """Offset of the earliest of ``phrases`` in ``text``; None if none occurs."""
    pattern = _phrases_pattern(tuple(phrases))
    m = pattern.search(normalise(text)) if pattern is not None else None
    return None if m is None else m.start()


def has_phrase(text: str, phrases: Iterable[str]) -> bool:
    return first_phrase_at(text, phrases) is not None


@lru_cache(maxsize=64)
def reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"\[?(?<![A-Za-z0-9]){re.escape(prefix)}-(\d{{4}})-(\d{{4,}})(?!\d)\]?", re.IGNORECASE)


def find_reference(prefix: str, subject: str, body: str, body_lines: int = 5) -> str | None:
    """The alert reference ("DRP-2026-0042") from the subject, else the body's first lines."""
    pattern = reference_pattern(prefix)
    m = pattern.search(subject or "")
    if m is None:
        head = "\n".join([line for line in (body or "").split("\n") if line.strip()][:body_lines])
        m = pattern.search(head)
    return None if m is None else f"{prefix.upper()}-{m.group(1)}-{m.group(2)}"


_DECLINES_TO_RAISE = re.compile(
    r"\bnot\s+(?:yet\s+)?(?:formally\s+)?(?:raising\s+|logging\s+)?(?:this\s+as\s+)?(?:a\s+|an\s+)?(?:formal\s+)?"
    r"(?:pre[\s-]*dispute|drp|dispute(?:\s+resolution)?|alert)\b(?!\s+(?:stage|process|procedure))"
    r"|\b(?:please\s+)?(?:don't|do\s+not)\s+log\s+(?:this|it)\b"
    # "I'm not raising anything formally yet."
    r"|\b(?:i'm|i\s+am)\s+not\s+(?:yet\s+)?raising\s+(?:anything|this)\s+(?:formally\s+)?(?:yet|for\s+now|at\s+this\s+(?:stage|point))\b"
    # "for information only and for the file please. No DRP for now".
    r"|\bno\s+(?:formal\s+)?(?:drp|pre[\s-]*dispute|dispute|alert)\s+(?:for\s+now|yet|at\s+this\s+(?:stage|point))\b",
    re.IGNORECASE)


# "If there is no school place by Wednesday, I'll raise a Stage 1 starred recommendation next
# week": a warning of a concern to come, when nothing in the mail raises one now.
_WILL_RAISE_LATER = re.compile(
    r"\b(?:i'll|i\s+will|i\s+shall|i'm\s+going\s+to|i\s+am\s+going\s+to)\s+(?:then\s+|formally\s+|have\s+to\s+|need\s+to\s+)?"
    r"(?:raise|log|start|open|send|make|issue|submit)\s+(?:a|an)\s+(?:formal\s+)?(?:pre[\s-]*dispute|drp|dispute|alert|(?:stage\s+\w+\s+)?(?:starred\s+)?recommendation"
    r"|stage\s+\w+)\b"
    # "If they haven't, I'll need to put this into the DRP at Stage 1 next week."
    r"|\b(?:i'll|i\s+will|i'm\s+going\s+to)\s+(?:need\s+to\s+|have\s+to\s+)?put\s+(?:this|it)\s+(?:in|into)\s+(?:the\s+)?(?:drp|dispute\s+resolution|pre[\s-]*dispute)\b",
    re.IGNORECASE)
_RAISES_ONE_NOW = re.compile(
    r"\b(?:i\s+am|i'm|i\s+have|i've|we\s+are|we're)\s+(?:now\s+|formally\s+|hereby\s+)?(?:raising|raised|logging|logged|escalating|starting|making)\b"
    r"|\b(?:pre[\s-]*dispute|pre[\s-]*drp|informal\s+drp|dispute\s+resolution\s+form|drp\s+form|stage\s+\d\s+(?:drp|alert|dispute))\b"
    r"|\b(?:please\s+)?(?:treat|log|record|accept)\s+this\s+(?:e-?mail\s+)?as\b", re.IGNORECASE)


# "Before I send anything to Lee, could I run a possible pre-dispute past you? ... I'm inclined to
# raise it informally": the IRO asking a colleague's advice about raising, the mailbox copied out
# of habit. Nothing is raised until they decide.
_ASKS_WHETHER_TO_RAISE = re.compile(
    r"\b(?:run|check|talk)\s+(?:a\s+|an\s+|this\s+|the\s+)?(?:possible\s+|potential\s+)?"
    r"(?:pre[\s-]*dispute|pre[\s-]*drp|drp|dispute|alert|concern)\s+(?:past|by|through\s+with)\s+you\b"
    r"|\b(?:should|shall)\s+i\s+(?:be\s+)?(?:rais(?:e|ing)|log(?:ging)?|start(?:ing)?)\s+(?:this\s+as\s+)?(?:a|an)\s+(?:formal\s+)?"
    r"(?:pre[\s-]*dispute|pre[\s-]*drp|drp|dispute|alert)\b"
    r"|\bwhether\s+(?:to|i\s+should)\s+raise\b"
    r"|\b(?:i'm|i\s+am)\s+(?:inclined|minded|tempted)\s+to\s+raise\b",
    re.IGNORECASE)
# Said alongside, the mail raises it after all ("I was minded to raise it informally, but given
# the delay I am raising it at Stage 1").
_RAISES_IT_NOW = re.compile(
    r"\b(?:i\s+am|i'm|i\s+have|i've)\s+(?:now\s+|formally\s+|hereby\s+)?(?:raising|raised|logging|logged)\b"
    r"|\b(?:please\s+)?(?:treat|log|record|accept)\s+this\s+(?:e-?mail\s+)?as\b", re.IGNORECASE)


def declines_to_raise(subject: str, text: str) -> str | None:
    """The words of a new mail saying it raises nothing ("heads up (not a pre-dispute)", "I am
    NOT raising a pre-dispute on this at this stage", "please don't log this one", only "I'll
    raise a pre-dispute next week if ...", or asking a colleague whether to raise one); None if
    it says no such thing."""
    said = _words_in(_DECLINES_TO_RAISE, subject, text)
    if said is None and not _RAISES_IT_NOW.search(normalise(text or "")):
        said = _words_in(_ASKS_WHETHER_TO_RAISE, subject, text)
    return said if said is not None else only_warns_of_raising(subject, text)


def only_warns_of_raising(subject: str, text: str) -> str | None:
    """The words of a new mail that only says a concern will be raised later ("I'll raise a
    Stage 1 starred recommendation next week if ..."), when nothing in it raises one now."""
    text = normalise(text or "")
    later = _WILL_RAISE_LATER.search(text)
    if later is None or _RAISES_ONE_NOW.search(subject or "") or _RAISES_ONE_NOW.search(text[:later.start()] + " " + text[later.end():]):
        return None
    return " ".join(later.group().split())


_ASKS_FOR_FIGURES = re.compile(
    r"\bhow\s+many\s+(?:alerts|drps|disputes|escalations|referrals)\b"
    r"|\b(?:figures|statistics|stats|numbers|data)\s+(?:for|on|about)\s+(?:the\s+|our\s+|my\s+|this\s+year'?s\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:report|return|alerts|drps|disputes)\b",
    re.IGNORECASE)


def asks_for_figures(subject: str, text: str) -> str | None:
    """The words of a new mail asking for figures about alerts in general ("how many alerts were
    escalated to Stage 3", "figures for the IRO annual report"); None if it asks no such thing."""
    return _words_in(_ASKS_FOR_FIGURES, subject, text)


_QUESTION_SUBJECT = re.compile(r"^\W*(?:quick\s+)?(?:question|query|q)\s*(?:re|about|on|regarding|[:-])\s*(?:the\s+)?"
                               r"(?:pre[\s-]*drp|drp|pre[\s-]*dispute|dispute\s+resolution|timescales?|tracker|process|procedure)\b",
                               re.IGNORECASE)


def asks_about_the_process(subject: str) -> str | None:
    """The words of a new mail's subject asking a question about the process ("Question re
    pre-DRP timescales", "Query: DRP tracker"); None otherwise."""
    return _words_in(_QUESTION_SUBJECT, subject, "")


# "Pre-dispute resolution emails for CP - do they come here too?": the process named in a subject
# that is itself a question.
_PROCESS_QUESTION_SUBJECT = re.compile(
    r"\b(?:pre[\s-]*drp|drp|pre[\s-]*dispute(?:\s+resolution)?|dispute\s+resolution|drp\s+mailbox|tracker)\b[^?\n]{0,100}\?\s*$",
    re.IGNORECASE)


def asks_a_question_of_the_process(subject: str) -> str | None:
    """The subject, when it names the process and is a question ("Pre-dispute resolution emails
    for CP - do they come here too?"); the caller asks this only of a mail naming no child."""
    found = _PROCESS_QUESTION_SUBJECT.search(normalise(subject or ""))
    return " ".join(found.group().split()) if found else None


def _words_in(pattern: re.Pattern[str], subject: str, text: str) -> str | None:
    """The first words ``pattern`` finds in the subject, else in the text, as one line."""
    for where in (subject or "", text or ""):
        found = pattern.search(normalise(where))
        if found:
            return " ".join(found.group().split())
    return None


def matching_processes(text: str, phrases_by_process: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Process keys, in configuration order, whose phrases occur in ``text``."""
    return tuple(key for key, phrases in phrases_by_process.items() if has_phrase(text, phrases))


_LIST_ITEM_LINE = re.compile(r"^[ \t]*(?:\(?\d{1,2}[.)]|\(?[a-hA-H][.)]|[-*•·])[ \t]+\S", re.MULTILINE)


def processes_by_child(text: str, rules: ParseRules) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(process, case IDs) for each list item of a new mail that names children and one process
    ("1) Ruby (3390021) - child protection plan ...", "2. Zoë - starred recommendation (Our
    Children)\nMiCare ID: 20417736"): an item is its lines up to a blank line or the next item. Items of two
    processes are concerns one alert cannot hold."""
    try:
        id_re = re.compile(rules.case_id_pattern)
    except re.error:
        return ()
    text = normalise(text)
    found: list[tuple[str, tuple[str, ...]]] = []
    items = list(_LIST_ITEM_LINE.finditer(text))
    for number, m in enumerate(items):
        end = items[number + 1].start() if number + 1 < len(items) else len(text)
        blank = re.search(r"\n[ \t]*\n", text[m.start():end])
        block = text[m.start(): m.start() + blank.start()] if blank else text[m.start():end]
        named = matching_processes(block, rules.process_words)
        ids = tuple(dict.fromkeys(x.group(0) for x in id_re.finditer(block)))
        if ids and len(named) == 1:
            found.append((named[0], ids))
    return tuple(found)


# "Please treat this as the Pre-Dispute Resolution e-mail for both", "could you log these as two
# separate alerts": one mail asking for more than one alert is a person's to split.
_SEVERAL_ALERTS = re.compile(
    r"\b(?:two|2|three|separate)\s+(?:separate\s+)?(?:alerts|drps|disputes)\b"
    r"|\blog\s+(?:these|them|this|both)\s+(?:as\s+)?(?:two|separate|individually)\b"
    r"|\b(?:e-?mail|alert|drp)\s+for\s+both\b(?=\s*(?:[.,;:!?)]|$))",
    re.IGNORECASE)


def asks_for_several_alerts(text: str) -> bool:
    return bool(_SEVERAL_ALERTS.search(normalise(text)))


# "I chaired the review child protection conference for Lily yesterday as cover": the meeting
# the concern comes from, and so its process, in the writer's own words.
_CHAIRED = re.compile(r"\bI\s+(?:have\s+|had\s+|just\s+)?chaired\s+(?:the\s+|a\s+|an\s+|today's\s+|yesterday's\s+)?"
                      r"(?P<what>(?:[\w'-]+\s+){0,4}?conference)\b", re.IGNORECASE)


_REFERENCE_JUST_BEFORE = re.compile(r"\b[A-Za-z]{2,10}-\d{4}-\d{3,}\b\W{0,4}$")


def ids_named(text: str, rules: ParseRules) -> tuple[str, ...]:
    """Every case-system ID ``text`` names, in order, once each: any number of the ID's shape
    that is not a group of a longer run of digits (a phone number). Looser than find_case_ids,
    which raises alerts: this only tells which children a reply speaks of."""
    id_re = re.compile(rules.case_id_pattern)
    found: list[str] = []
    lines = text.split("\n")
    # ("Separately, and not part of this DRP: Tyler (4417702) ...": a child set aside by the
    # writer is not one the reply speaks of.)
    aside = _context_only_lines(lines)
    text = "\n".join("" if number in aside else line for number, line in enumerate(lines))
    for m in id_re.finditer(text):
        if re.search(r"\d[ -]?$", text[max(0, m.start() - 2):m.start()]) or re.match(r"[ -]?\d", text[m.end():m.end() + 2]):
            continue
        if _REFERENCE_JUST_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # "her brother's, DRP-2027-0053 (40301553)": that alert's child
        if m.group() not in found:
            found.append(m.group())
    return tuple(found)


# "I'll add the Mosaic ID and raise the form properly tomorrow", "form to follow": the writer
# says the raising itself is still to come.
_FORM_TO_FOLLOW = re.compile(
    r"\bform\s+to\s+follow\b"
    r"|\b(?:i'll|i\s+will)\s+(?:[\w,]+\s+){0,8}?(?:raise|send|complete|submit|do)\s+the\s+(?:drp\s+)?form"
    r"(?:\s+(?:properly|formally))?\s+(?:tomorrow|later|on\s+\w+day|next\s+week|first\s+thing|when|once)\b"
    r"|\b(?:i'll|i\s+will)\s+add\s+the\s+(?:[\w-]+\s+)?(?:id|number|reference)\b", re.IGNORECASE)


def _words_saying(pattern: re.Pattern[str], concern: str) -> str | None:
    found = pattern.search(concern.replace("\u2019", "'"))
    return found.group() if found else None


def form_to_follow(concern: str) -> str | None:
    """The words of a new mail saying the form (or the child's ID) is still to come, or None."""
    return _words_saying(_FORM_TO_FOLLOW, concern)


# "Sorry - wrong ID on the starred recommendation I sent at 14:10 ... Please disregard the earlier
# email; the corrected form is below", "Let me know which and I'll re-send it properly": a new
# mail that corrects one already sent, or says it will be sent again.
_NOT_THE_LAST_WORD = re.compile(
    r"\b(?:please\s+)?(?:disregard|ignore)\s+(?:the|my)\s+(?:earlier|previous|first|last|other)\s+(?:e-?mail|message|form|one|version)\b"
    r"|\bwrong\s+(?:id|case\s+id|mosaic\s+id|micare\s+id|person\s+id|child)\s+(?:on|in)\s+the\s+(?:\w+\s+){0,3}(?:i\s+sent|i\s+raised|sent|from)\b"
    r"|\b(?:i'll|i\s+will)\s+re-?send\s+(?:it|this|the\s+form)(?:\s+(?:properly|again|formally))?\b", re.IGNORECASE)


def not_the_last_word(concern: str) -> str | None:
    """The words of a new mail saying it corrects one already sent, or will itself be sent again."""
    return _words_saying(_NOT_THE_LAST_WORD, concern)


def chaired_process(concern: str, rules: ParseRules) -> str | None:
    """The one process whose conference the writer says they chaired, or None."""
    found = _CHAIRED.search(concern)
    named = matching_processes(found.group("what"), rules.process_words) if found else ()
    return named[0] if len(named) == 1 else None


def process_hint(subject: str, form: Mapping[str, str] | None, rules: ParseRules) -> str | None:
    """The one process named in the form's process field, else in the subject; None if unclear."""
    if form and form.get("process"):
        named = matching_processes(form["process"], rules.process_words)
        if len(named) == 1:
            return named[0]
    named = matching_processes(strip_subject_prefixes(subject), rules.process_words)
    return named[0] if len(named) == 1 else None


# ---- DRP forms ---------------------------------------------------------------------------

_LABEL_LINE = re.compile(
    r"^\s*(?:[*•·\-]\s*)?\**(?P<label>[A-Za-z][A-Za-z0-9 /'()&?.\-]{0,58}?)\**\s*(?::|\t)\s*\**\s*(?P<value>.*)$"
)
_MAX_LABEL_WORDS = 7


def label_key(label: str) -> str:
    # A qualifier in brackets after the label's words names no other field: "MiCare ID (carer
    # household)" is the ID's label, "Response required (date)" the timescale's.
    label = normalise(label).lower().replace("(s)", "s")
    # ("Carer household (MiCare no.)" keeps its bracket: there the bracket says it is an ID.)
    label = re.sub(r"(?<=\w)\s*\((?![^()]*\b(?:id|ids|no|nos|number|ref)\b)[^()]*\)\s*$", "", label) or label
    label = re.sub(r"[*?:.()]", " ", label)
    return " ".join(label.split())


# Labels nobody configured still name their field by their words: councils reword their forms
# ("Reply needed by", "Child's LCS no.", "Dispute level", "Area of concern"), and a form read
# without its stage or child is returned to a busy IRO. Tried only after the configured labels.
_LOOSE_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (canonical, re.compile(pattern))
    for canonical, pattern in (
        ("timescale", r"^(?!.*\bdate\s+(?:raised|completed|of)\b).*(?:\btimescales?\b|\bdeadline\b"
                      r"|\b(?:resolve|resolved|resolution|respond|response|reply|action|actioned|needed|required)\s+by$"
                      # "Plan to be agreed by" (the response is the plan). Not "Action to be completed
                      # by" (the work's own date) nor "Completed by" / "Raised by" (a person).
                      r"|^(?:(?:the\s+)?plan\s+)?(?:to\s+be\s+)?agreed\s+by$"
                      r"|\b(?:response|reply|resolution|plan|action\s+plan)\s+(?:due|date|needed|required)\b"
                      # "By when: 10/02/2027"
                      r"|^by\s+when$|^(?:needed|required|wanted)\s+when$)"),
        ("case_ids", r"^(?!.*\b(?:nhs|phone|tel|telephone|mobile|date|dob|name)\b)"
                     r".*\b(?:child|child's|childs|person|person's|case|mosaic|lcs|micare|young\s+person's?)\b"
                     r".*\b(?:id|ids|ref|refs|reference|references|number|numbers|no|nos|num)$|^(?:child|person|case)\s+id\b"),
        ("stage", r"^(?!.*\b(?:date|key)\b)(?:.*\bstage\b|^level$|(?:dispute|drp|alert|escalation)\s+level$"
                  r"|level\s+of\s+(?:dispute|drp|alert|escalation)$)"),
        ("categories", r"^(?:(?:concern|alert|dispute|drp)\s+(?:types?|category|categories|area)"
                       r"|(?:type|category|area|nature)s?\s+of\s+(?:the\s+)?(?:concern|alert|dispute|drp))$"),
    )
)


class LabelIndex(dict):
    """Normalised label -> canonical field: the configured labels, then the loose ones.
    ``fields`` (the canonical fields it knows) is set once it is built."""

    fields: frozenset[str] = frozenset()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        found = dict.get(self, key)
        if found is not None:
            return found
        if any(c.isdigit() for c in key):
            return default  # "Stage 1" is a value, not a label
        for canonical, pattern in _LOOSE_LABELS:
            if canonical in self.fields and pattern.search(key):
                return canonical
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


def label_index(rules: ParseRules) -> LabelIndex:
    """Normalised label -> canonical field (cached: the rules of one authority rarely change)."""
    return _label_index(tuple((k, tuple(v)) for k, v in rules.form_labels.items()))


@lru_cache(maxsize=16)
def _label_index(form_labels: tuple[tuple[str, tuple[str, ...]], ...]) -> LabelIndex:
    index = LabelIndex()
    for canonical, labels in form_labels:
        for label in (canonical.replace("_", " "), *labels):
            index.setdefault(label_key(label), canonical)
    index.fields = frozenset(index.values())
    return index


def label_of(line: str) -> tuple[str, str] | None:
    """(label key, value) when ``line`` looks like "Label: value" or a table row "Label<TAB>value"."""
    m = _LABEL_LINE.match(line)
    if m is None:
        return None
    key = label_key(m.group("label"))
    if not key or len(key.split()) > _MAX_LABEL_WORDS:
        return None
    return key, m.group("value").strip().strip("*").strip()


def _bare_label(line: str, index: LabelIndex) -> tuple[str, str] | None:
    """A known label alone on its line, its value on the lines below: a two-column table as
    Outlook writes it in the plain-text part ("Response required", a blank line, "In writing
    within 5 working days")."""
    bare = line.strip().strip("*").strip()
    if not bare or len(bare.split()) > 5 or bare[-1] in ".,;!?":
        return None
    key = label_key(bare)
    return (key, "") if index.get(key) is not None else None


def parse_form(text: str, rules: ParseRules) -> dict[str, str] | None:
    """Canonical field -> value when ``text`` is a "Label: value" DRP form (>= 2 known labels).

    A label with its value on the following lines ("Details of concern:" then a paragraph) takes
    every line up to the next label-like line.
    """
    index = label_index(rules)
    fields: dict[str, list[str]] = {}
    current: str | None = None
    inline = False  # the current field's value began on its label's line
    for line in normalise(text).split("\n"):
        if line == "\f" or (inline and not line.strip()):
            # The end of a table row (forms.END_OF_ROW), or a blank line after "Label: value":
            # what follows is the sender's own text ("Response required by: 05/02/2027", a blank
            # line, then a paragraph whose "four weeks" is no part of the field).
            current = None
            continue
        labelled = label_of(line) or _bare_label(line, index)
        if labelled is not None:
            key, value = labelled
            canonical = index.get(key)
            if canonical is not None and canonical not in fields:
                fields[canonical] = [value] if value else []
                current, inline = canonical, bool(value)
                continue
            if canonical is not None or value or len(key.split()) <= 4:
                # Another label (known or not) ends the multi-line value before it.
                current = None
                continue
        if current is not None:
            fields[current].append(line.strip())
    if len(fields) < 2:
        return None
    form = {}
    for canonical, parts in fields.items():
        value = re.sub(r"\n{3,}", "\n\n", "\n".join(parts)).strip()
        form[canonical] = value
    return form


_INFORMAL_STAGE = re.compile(r"\b(informal|pre[\s\-]*(dispute|drp)|stage\s*0|zero)\b", re.IGNORECASE)
_BARE_STAGE = re.compile(
    r"^\s*(?P<n>\d{1,2}|one|two|three|four|five|i{1,3}|iv|v|first|second|third|fourth|fifth)\b", re.IGNORECASE
)


def form_stage(value: str | None) -> int | None:
    """"Stage 2", "2", "Stage two", "two" -> 2; "Informal" -> 0; "☐ Informal ☒ Stage 1" -> 1."""
    if not value:
        return None
    from .forms import checked_option  # forms imports this module

    ticked = checked_option(value)
    if ticked is not None:
        value = ticked
    # Mosaic's forms say "level" for the stage: "Level of DRP: Level 2 - Service Manager".
    value = re.sub(r"\blevel\b", "stage", value, flags=re.IGNORECASE)
    number = stage_number(value)
    if number is not None:
        return number
    if _INFORMAL_STAGE.search(value):
        return 0
    m = _BARE_STAGE.match(value)
    if m is None:
        return None
    return stage_number(f"stage {m.group('n')}")


# ---- case IDs and categories -----------------------------------------------------------------

@lru_cache(maxsize=64)
def _id_label_pattern(labels: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = []
    for label in sorted(set(labels), key=len, reverse=True):
        tokens = re.findall(r"[A-Za-z0-9']+", normalise(label).lower())
        if tokens:
            alternatives.append(_SEPARATORS.join(re.escape(t) for t in tokens))
    if not alternatives:
        return None
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:{'|'.join(alternatives)})(?:\(s\))?(?![A-Za-z0-9])"
        rf"(?:\s*(?:numbers?|nos?\.?|#))?\s*(?:is|are|:|-|=|#)?",
        re.IGNORECASE,
    )


# At most this many IDs are taken from one message (issue 9): a sibling group is a handful, and
# a mail naming hundreds is kept for a person by routing, which only needs to know it is many.
MAX_CASE_IDS = 100


def find_case_ids(
    subject: str, body: str, form: Mapping[str, str] | None, rules: ParseRules
) -> tuple[str, ...]:
    """Case-system IDs: any in the subject, the form's case IDs field, and labelled body lines.

    In the body only labelled mentions count ("Child IDs: 1234567, 1234568 and 1234569"), because
    phone numbers and other long numbers share the shape of an ID. A label alone on its line
    takes the IDs on the lines below it, up to a blank line. The first MAX_CASE_IDS distinct IDs
    are returned, in order; the search stops there.
    """
    try:
        id_re = re.compile(rules.case_id_pattern)
    except re.error:
        return ()
    found: dict[str, None] = {}  # in order, each once

    def take(ids: Iterable[str]) -> bool:
        """Add ``ids``; False once MAX_CASE_IDS are held and the search should stop."""
        for value in ids:
            found.setdefault(value, None)
            if len(found) >= MAX_CASE_IDS:
                return False
        return True

    subject = reference_pattern(rules.reference_prefix).sub(" ", normalise(subject))
    body_lines = normalise(body).split("\n")
    aside_lines = _context_only_lines(body_lines)
    # "Noah (5561830) CP plan / Skye (4401772)" in the subject, and Skye's paragraph says it is
    # only passed on: an ID the body gives only as context is not the alert's.
    only_context = ({v for n in aside_lines for _s, _e, v in _id_matches(body_lines[n], id_re)}
                    - {v for n, line in enumerate(body_lines) if n not in aside_lines for _s, _e, v in _id_matches(line, id_re)})
    if not take(value for value in _with_shortened(subject, id_re) if value not in only_context):
        return tuple(found)
    if form and form.get("case_ids") and not take(_ids_in(form["case_ids"], id_re)):
        return tuple(found)
    labels = tuple(rules.case_id_labels) + tuple(rules.form_labels.get("case_ids", ()))
    label_re = _id_label_pattern(labels)
    if label_re is not None:
        lines = normalise(body).split("\n")
        # Lines before this one were already read as the IDs below an earlier label: each line
        # is read once, so a body of label lines costs its length, not its length squared.
        scanned_to = 0
        for i, line in enumerate(lines):
            m = label_re.search(line)
            if m is None:
                continue
            if _said_as_context(line, m.start()):
                # "His sister is placed separately (LCS ID 6093390) ... so she is not part of
                # this alert": a labelled ID in a sentence that sets it aside.
                continue
            rest = line[m.end() :]
            ids = _ids_in(rest, id_re)
            if not ids and not rest.strip():
                below = max(i + 1, scanned_to)
                while below < len(lines) and lines[below].strip():
                    ids.extend(_ids_in(lines[below], id_re))
                    below += 1
                scanned_to = below
            if not take(ids):
                return tuple(found)
        # IDs written in prose beside the child's name or the case system ("Daniel 2140551",
        # "Ayaan (2230984)", "LCS 2045871"); never in a phone number, a signature line or a
        # longer group of digits, and never a bare number in a sentence ("the review on 123456").
        aside = _context_only_lines(lines)
        for number, line in enumerate(lines):
            if number in aside:
                continue
            for start, end, value in _id_matches(line, id_re):
                written = line[start:end]
                if written.isdigit() and len(written) < len(value):
                    # Written short after a sibling's ID ("1150431, -32"): one of the alert's
                    # when the ID it shortens was taken.
                    if any(f[: len(value) - len(written)] == value[: len(value) - len(written)] for f in found) \
                            and not take((value,)):
                        return tuple(found)
                    continue
                before, after = line[max(0, start - 24) : start], line[end : end + 3]
                if _PHONE_LINE.search(line[max(0, start - 40) : start]):
                    continue  # "Tel: 01582 546000", "mob 07700 900123"
                listed = _LISTED_AFTER.search(before)
                if listed and listed.group(1) in found:
                    # The next in a list of IDs: "Children are 2301167 and 2301168."
                    if not take((value,)):
                        return tuple(found)
                    continue
                if re.match(r"[\s\-]?\d", after) or (re.search(r"\d[\s\-]*$", before) and not _NAME_AND_AGE.search(before)):
                    continue
                if (_NAMED_BEFORE.search(before) or _LIST_ITEM_START.fullmatch(line, 0, start)) and not take((value,)):
                    # (Or first on a list item: "the three children below: - 5520913 (aged 11)".)
                    return tuple(found)
    return tuple(found)


# "For context only: her brother Jayden (3304590) is on a CP plan ..." names a child the alert is
# not about: that paragraph's IDs are not the alert's.
_CONTEXT_ONLY = re.compile(
    r"\b(?:for\s+(?:context|information|background|completeness)(?:\s+only)?\b|not\s+raising\s+(?:anything|this|a\s+concern)\s+(?:about|for|on)"
    r"|(?:this|my)\s+(?:e-?mail|concern|alert)\s+is\s+(?:just|only)\s+about"
    # "... so this recommendation is for Summer only."
    r"|(?:this|my)\s+(?:e-?mail|concern|alert|recommendation|dispute|drp)\s+is\s+(?:for|about)\s+[A-Z][a-z]+\s+only\b"
    # "... Jo will pick this up with you when she's back; I'm only passing it on."
    r"|\b(?:only|just)\s+passing\s+(?:it|this|that)\s+on\b"
    # "... that is being dealt with through the CP process, not this alert."
    r"|not\s+(?:in\s+|part\s+of\s+|the\s+subject\s+of\s+)?this\s+(?:alert|dispute|drp|concern|e-?mail)\b"
    # "I have raised a separate DRP for her brother Kofi (1104411)": a sibling's own alert.
    r"|\bseparate\s+(?:drp|dispute|alert|concern)\s+(?:for|about)\b|\b(?:his|her|their)\s+own\s+(?:drp|dispute|alert)\b)",
    re.IGNORECASE)


_LIST_ITEM_START = re.compile(r"[ \t]*(?:[-*•·–]|\d{1,2}[.)])[ \t]+")


def _said_as_context(line: str, pos: int) -> bool:
    """Does the sentence of ``line`` holding ``pos`` say that what it names is context only?"""
    start, stop = next(((a, b) for a, b in sentences(line) if a <= pos < b), (0, len(line)))
    return _CONTEXT_ONLY.search(line, start, stop) is not None


def _context_only_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines of each paragraph that says it is context only."""
    out: set[int] = set()
    start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or not lines[i].strip():
            # (The paragraph as one text: a client that wraps lines may break the words.)
            if _CONTEXT_ONLY.search(" ".join(lines[start:i])):
                out.update(range(start, i))
            start = i + 1
    return out


# An ID typed with a space in it ("211 8430", "503 320") after a label: the two groups joined
# make one ID and neither is one alone; never part of a longer run of groups (a phone number).
_SPLIT_ID = re.compile(r"(?<!\d)(?<!\d )(\d{2,5}) (\d{2,5})(?! ?\d)")
# "Mosaic no. 15 66 034": typed in three groups, right after a case-system label.
_SPLIT_ID_3 = re.compile(r"(?i:\b(?:mosaic|lcs|micare|case|person|child)\s+(?:no|number|id|ref)\.?)\s*(\d{2,4}) (\d{2,4}) (\d{2,4})(?! ?\d)")
# "Children are 2301167 and 2301168", "Mia's ID is 2207318 and Kai is 2207 319".
_LISTED_AFTER = re.compile(r"(\d+)\)?\s*(?:,|;|&|and|\+)\s*(?:[A-Z][a-z]+(?:'s)?\s+(?:(?i:id|number|no)\s+)?(?:is|:|-|–)\s*)?$")


# Siblings' IDs written short after the first: "1150431/32/33", "Mosaic 1150431, -32 and -33":
# each short group replaces the last digits of the ID before it.
# (Never the first group of an ID typed with a space in it: "3085521 / 308 5522".)
_SHORTENED_NEXT = re.compile(r"(?:\s?/\s?-?|\s*,\s*-|\s+(?:and|&)\s+-)(\d{1,3})(?!\d)(?!\s\d)")


def _shortened_after(text: str, end: int, value: str, id_re: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """The IDs written short right after ``value`` (which ends at ``end``), each in full."""
    out = []
    while (m := _SHORTENED_NEXT.match(text, end)) is not None:
        tail = m.group(1)
        full = value[: len(value) - len(tail)] + tail
        if len(tail) >= len(value) or not id_re.fullmatch(full) or full == value:
            break
        out.append((m.start(1), m.end(), full))
        end = m.end()
    return out


def _with_shortened(text: str, id_re: re.Pattern[str]) -> list[str]:
    """IDs in ``text`` as the pattern finds them, each followed by any written short after it."""
    out = []
    for m in id_re.finditer(text):
        out.append(m.group(0))
        out.extend(v for _s, _e, v in _shortened_after(text, m.end(), m.group(0), id_re))
    return out


def _id_matches(text: str, id_re: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """(start, end, ID) of each ID in ``text``, in order, with IDs typed with one space joined and
    siblings' IDs written short after the first ("1150431/32/33") given in full."""
    found = [(m.start(), m.end(), m.group(0)) for m in id_re.finditer(text)]
    found += [short for _s, end, value in list(found) for short in _shortened_after(text, end, value, id_re)]
    for m in _SPLIT_ID.finditer(text):
        joined = m.group(1) + m.group(2)
        if id_re.fullmatch(joined) and not id_re.fullmatch(m.group(1)) and not id_re.fullmatch(m.group(2)):
            found.append((m.start(), m.end(), joined))
    for m in _SPLIT_ID_3.finditer(text):
        joined = m.group(1) + m.group(2) + m.group(3)
        if id_re.fullmatch(joined) and not any(start == m.start(1) for start, _e, _v in found):
            found.append((m.start(1), m.end(), joined))
    return sorted(found)


def _ids_in(text: str, id_re: re.Pattern[str]) -> list[str]:
    return [value for _, _, value in _id_matches(text, id_re)]


_NAMED_BEFORE = re.compile(
    r"(?:\b(?i:the\s+)?(?i:children|child|siblings|young\s+people|young\s+person)\s+(?i:is|are)\s+"
    r"|\b[A-Z][A-Za-z'’\-]*\.?(?:[A-Z]\.)?|\bID|\b(?i:children|siblings|twins|boys|girls|brothers|sisters)|\b(?i:record|number|no|ref|reference|id)\.?\s+(?i:is|:|-)"
    # "Daniel (LCS no. 2301190)", "Yusuf Haddad, 8 – 845121" (a name and an age in a list).
    r"|\b(?i:lcs|mosaic|micare|case|person|child's|child)\s+(?i:no|nos|number|ref)\.?|\b[A-Z][A-Za-z'’\-]*,\s*\d{1,2}\s*[–\-:]"
    # "Amira (case 5561092)", "Kyle (Mosaic 3379105)".
    r"|\((?i:case|lcs|mosaic|micare|id|ref|household)"
    # "Riley Okonjo, 5581903."
    r"|\b[A-Z][a-z]+\s+[A-Z][A-Za-z'’\-]+,"
    # "Ruby, 1190447." - a list line that is a first name and the ID; "... and Blessing, #3301878";
    # "Children: Child A – Kai, 612 884; Child B – Ruby-Mae, 612 885".
    r"|(?:^\s*|\band\s+|[:;–\-]\s*)[A-Z][a-z]+(?:-[A-Z][a-z]+)?,"
    # "... and baby Esme who is 2204419".
    r"|\b[A-Z][a-z]+\s+who\s+is)"
    # "Hope Okoye – #603925": a dash, then the number sign.
    r"\s*[(:#\-–]?\s*#?\s*$"
)
_NAME_AND_AGE = re.compile(r"\b[A-Z][A-Za-z'’\-]*,\s*\d{1,2}\s*[–\-:]\s*$")
_PHONE_LINE = re.compile(r"\b(?:tel|telephone|phone|mob|mobile|fax|ext|extension|direct|dd|switchboard|call)\b|\b[tmf]\s*:|\+44", re.IGNORECASE)


# Small words people put inside a phrase without changing it: "visits have not been completed"
# is the configured "visits not completed".
_FILLER_WORDS = r"(?:has|have|had|been|was|were|is|are|be|being|the|a|an|yet|still|currently|any|being|his|her|their|its)"
_GAP = rf"(?:[\s\-‐‑–—_./]+{_FILLER_WORDS}){{0,3}}[\s\-‐‑–—_./]+"


# Case is ignored by matching lower-case patterns against case-folded text rather than with
# re.IGNORECASE, which makes the engine compare character by character; a pattern that starts
# with a plain literal lets it skip ahead to that word. ``fold`` agrees with IGNORECASE on every
# character for these ASCII patterns: "İ" lowers to two characters, "ı" and "ſ" lower to
# themselves, yet IGNORECASE matches them to i, i and s.
_FOLD_FIXES = {ord("\u0131"): "i", ord("\u017f"): "s"}


def fold(text: str) -> str:
    """``text`` lower-cased the way re.IGNORECASE compares ASCII letters, length kept."""
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    text = text.lower()
    if "\u0131" in text or "\u017f" in text:
        text = text.translate(_FOLD_FIXES)
    return text


@lru_cache(maxsize=2048)
def category_pattern(phrase: str) -> re.Pattern[str] | None:
    """``phrase`` loosely in ``fold``-ed text: any case, plurals, and small filler words between
    its words."""
    tokens = re.findall(r"[A-Za-z0-9']+", normalise(phrase).lower())
    if not tokens:
        return None
    first = re.escape(tokens[0])
    body = _GAP.join(rf"{re.escape(t)}(?:s|es)?" for t in tokens[1:])
    # The word-start check comes after the first word (a look-behind over it and the character
    # before), so that the pattern begins with a literal the engine can search for.
    return re.compile(
        rf"{first}(?<![A-Za-z0-9]{first})(?:s|es)?{_GAP if body else ''}{body}(?![A-Za-z0-9])"
    )


@lru_cache(maxsize=2048)
def _first_word(phrase: str) -> str:
    tokens = re.findall(r"[A-Za-z0-9']+", normalise(phrase).lower())
    return tokens[0] if tokens else ""


_CompiledRule = tuple[str, tuple[tuple[str, re.Pattern[str]], ...]]


@lru_cache(maxsize=64)
def _compiled_rules(category_rules: tuple[CategoryRule, ...]) -> tuple[_CompiledRule, ...]:
    """Each rule's name with the (first word, pattern) of its phrases, built once per rule set:
    looking both up per phrase per message cost as much as the matching."""
    compiled = []
    for rule in category_rules:
        phrases = []
        for phrase in (rule.name, *rule.synonyms):
            pattern = category_pattern(phrase)
            if pattern is not None:
                phrases.append((_first_word(phrase), pattern))
        compiled.append((rule.name, tuple(phrases)))
    return tuple(compiled)


def _category_spans(folded: str, phrases: tuple[tuple[str, re.Pattern[str]], ...]) -> list[tuple[int, int]]:
    spans = []
    for first_word, pattern in phrases:
        # A plain substring test first: most phrases are absent, and the loose pattern is slow.
        if first_word in folded:
            spans.extend(m.span() for m in pattern.finditer(folded))
    return spans


def match_categories(text: str, category_rules: Iterable[CategoryRule]) -> tuple[str, ...]:
    """Names of the categories named in ``text``, in configuration order.

    A category found only inside a longer phrase of another category does not count: "care plan
    missing" is key documentation, not the "Care plan" category as well.
    """
    return _match_categories(fold(normalise(text)), tuple(category_rules))


def _match_categories(folded: str, category_rules: tuple[CategoryRule, ...]) -> tuple[str, ...]:
    found = [(name, _category_spans(folded, phrases)) for name, phrases in _compiled_rules(category_rules)]
    names = []
    for name, spans in found:
        if not spans:
            continue
        others = [o for other, other_spans in found if other != name for o in other_spans]
        standalone = [
            (a, b) for a, b in spans
            if not any(oa <= a and b <= ob and (ob - oa) > (b - a) for oa, ob in others)
        ]
        if standalone:
            names.append(name)
    return tuple(dict.fromkeys(names))


def find_categories(
    subject: str, body: str, form: Mapping[str, str] | None, rules: ParseRules
) -> dict[str, tuple[str, ...]]:
    """Process key -> names of its categories named in the message (only keys with a match).

    When a form names its categories, only that field (and the subject) is read: the narrative
    of the concern mentions many things that are not the category the IRO chose. No match means
    no categories: the domain records the alert as unclassified rather than guess.
    """
    sources = [subject]
    if form and form.get("categories"):
        sources.append(form["categories"])
    else:
        sources.append(body)
    folded = fold(normalise("\n".join(sources)))
    result: dict[str, tuple[str, ...]] = {}
    for process, category_rules in rules.categories.items():
        names = _match_categories(folded, tuple(category_rules))
        if names:
            result[process] = names
    return result


# ---- requests for more time ---------------------------------------------------------------

_MORE_TIME = re.compile(
    rf"(?:\b(?:an?\s+)?extension\b|\b(?:more|further|additional|extra|longer)\s+time\b|\bmore\s+days\b|\blonger\s+to\b"
    rf"|\b(?:a|an)\s+(?:further|additional|extra|another)\s+(?:{NUMBER}\s+)?(?:working\s+|business\s+)?(?:days?|weeks?|fortnights?|hours?)\b"
    rf"|\b(?:another|a\s+further|one\s+more|a\s+couple\s+more|a\s+few\s+more)\s+(?:{NUMBER}\s+)?(?:working\s+|business\s+)?(?:days?|weeks?|fortnights?|hours?)\b"
    # "Can I ask for the further 24 hours the DRP guidance allows": the procedure's own allowance.
    rf"|\b(?:ask(?:ing)?\s+for|request(?:ing)?|have|take)\s+the\s+(?:further|additional|extra)\s+(?:{NUMBER}\s+)?(?:working\s+|business\s+)?(?:days?|weeks?|fortnights?|hours?)\b"
    rf"|\bneed\s+(?:a\s+further\s+|another\s+|an?\s+additional\s+)?{NUMBER}\s+(?:more\s+)?(?:working|business)\s+days\b"
    # "I would be grateful if you could give me until Friday 7 May for the written response".
    rf"|\b(?:could|can|would)\s+(?:you\s+)?(?:please\s+)?give\s+(?:me|us)\s+(?:until|till|an?\s+extra|another|a\s+further|more|{NUMBER}\s+(?:more|further|extra|working))\b"
    # ("can meet his needs longer term": the child's needs, not more time.)
    rf"|\b(?:need|needs|have|take|give\s+(?:me|us)|allow\s+(?:me|us))\s+(?:a\s+(?:bit|little|few\s+(?:more\s+)?days)\s+)?longer\b(?![\s-]+term\b)"
    # "Would you be able to give me until Friday 4 June to complete the SMART plan?"
    rf"|\b(?:would|could|can|will)\s+you\s+(?:be\s+able\s+to\s+|please\s+)?(?:give|allow|let)\s+(?:me|us)\s+(?:have\s+)?(?:until|till|an?\s+extra|more|another|a\s+further|a\s+few|{NUMBER}\s+(?:more|further|extra))\b"
    rf"|\b(?:i|we)\s+(?:could|can|might|may)\s+(?:please\s+)?(?:have|get|take)\s+(?:until|till|up\s+to|an?\s+extra|more|longer|a\s+further|another|a\s+little)\b"
    rf"|\b(?:could|can|may|might)\s+(?:i|we)\s+(?:please\s+|therefore\s+|perhaps\s+|possibly\s+|just\s+|also\s+)*(?:have|get|request|ask\s+for|be\s+given|be\s+allowed)\s+(?:until|till|to|an?\s+extra|more|longer|a\s+further|another|a\s+little|{NUMBER}\s+(?:more|further|extra|additional))\b"
    rf"|\b(?:possible|ok|okay|alright)\s+(?:to|for\s+(?:me|us)\s+to|if\s+(?:i|we))\s+(?:have|get|take|extend|respond\s+by|come\s+back\s+by)\b"
    rf"|\b(?:need|needs|require|requires|grateful\s+for|ask\s+for|asking\s+for|request(?:ing)?)\s+(?:until|till|up\s+to)\b"
    # "Could the deadline run to Thursday 10th?"
    rf"|\b(?:could|can|would|may)\s+(?:the|my|this|that)\s+(?:deadline|date|timescale|due\s+date)\s+(?:(?:on|for)\s+(?:this|it)\s+)?(?:please\s+)?(?:run|move|go|slip|be\s+(?:moved|pushed|put)\s+back|be\s+moved|be\s+extended)\s+(?:back\s+)?(?:to|until|till)\b"
    # "Could I ask that the deadline is extended to Friday 11 June?", "I'd request the deadline
    # to be moved to the 14th".
    rf"|\b(?:ask|request|suggest|propose)\s+(?:that\s+|for\s+)?(?:the|my|this|that)\s+(?:deadline|date|timescale|due\s+date|response\s+date)(?:\s+for\s+(?:my|the|our|this|a)\s+(?:written\s+)?(?:response|reply))?\s+(?:is|be|gets|to\s+be)\s+(?:extended|moved|pushed\s+back|put\s+back)\s+(?:to|until|till)\b"
    rf"|\b(?:agreeable|ok|okay|alright|acceptable|possible|happy)\s+(?:to|for|if|with)\s+(?:me|us|i|we)\s+(?:to\s+)?(?:com(?:e|ing)\s+back|respond(?:ing)?|reply(?:ing)?|get(?:ting)?\s+back|send(?:ing)?)"
    rf"|\bpush\s+(?:this|it|the\s+(?:deadline|date|response|timescale))\s+(?:back\s+|out\s+)?(?:to|until|till|by)\b"
    rf"|\bany\s+chance\s+(?:i|we)\s+(?:could|can|might)\s+(?:have|get|push|take|extend)\b"
    rf"|\bpush\s+(?:back|out)\s+(?:the\s+)?(?:deadline|date|timescale)\b"
    rf"|\b(?:deadline|date|timescale|response\s+date)\s+(?:be\s+|being\s+|to\s+be\s+)?(?:pushed|moved|put|shifted)\s+(?:back|out)\b"
    rf"|\b(?:a\s+(?:bit|little)\s+(?:of|more)|some|a\s+few\s+days'?|a\s+day\s+or\s+two'?s?)\s+(?:grace|leeway|slack|breathing\s+space)\b"
    rf"|\b(?:wiggle|wriggle)\s+room\b"
    # "Realistically I could have the SMART plan on the form by the 16th": a revised date offered.
    rf"|\b(?:realistically|honestly)\s*,?\s*(?:i|we)\s+(?:could|can|would|will|should)\s+(?:be\s+able\s+to\s+)?(?:have|get|send|give|do|finish|complete)\b(?=[^.?!\n]{{0,60}}\b(?:by|until|till)\b)"
    # "Is there any flex on the date?"
    rf"|\b(?:any|some|a\s+bit\s+of)\s+(?:flex|flexibility|give)\s+(?:on|in|with|around)\s+(?:the\s+|this\s+|that\s+)?(?:date|deadline|timescale|timeframe|response\s+date)\b"
    # "Would a week on Monday be OK for my full response?"
    rf"|\bwould\s+(?:[\w'’]+\s+){{1,6}}?be\s+(?:ok|okay|alright|all\s+right|acceptable|possible|fine|workable|doable|feasible)\s+for\s+(?:my|our|the|a)\s+(?:\w+\s+){{0,2}}(?:response|reply|answer)\b"
    # "Can we say 10 working days?": the amount proposed.
    rf"|\b(?:can|could|shall)\s+(?:we|i)\s+(?:say|make\s+it)\s+(?=(?:{NUMBER}|another|a\s+further|one\s+more)\s+(?:more\s+|further\s+|extra\s+)?(?:working\s+|business\s+)?(?:days?|weeks?|fortnight)\b)"
    # Asked for by someone else: "Jamie asks whether you would agree to the response coming to
    # you by Monday 22 March instead."
    rf"|\b(?:you\s+(?:would|will|could|might)|(?:would|will|could|might)\s+you)\s+(?:be\s+(?:willing|prepared|happy|able)\s+to\s+)?"
    rf"agree\s+to\s+(?:the|my|our|his|her|their|a|an)\s+(?:\w+\s+){{0,2}}(?:response|reply|answer)\b(?=[^.?!\n]{{0,60}}\b(?:by|until|till)\b)"
    # "Could I come back to you on that day, once we know the panel's recommendation?"
    rf"|\b(?:could|can|may)\s+(?:i|we)\s+(?:come|get)\s+back\s+to\s+you\s+(?:on|by|after|until)\b"
    # "The panel sits on the 14th. Can I respond after that?", "He has asked whether he could
    # respond after that - by Thursday 16th", "can I respond properly after that?": the time
    # asked is after the date named before it.
    rf"|\b(?:(?:could|can|may)\s+(?:i|we|he|she|they)|(?:whether|if)\s+(?:i|we|he|she|they)\s+(?:could|can|might|may))\s+(?:please\s+)?(?:respond|reply|answer|come\s+back\s+to\s+you|get\s+back\s+to\s+you)\s+(?:(?:properly|fully|formally|in\s+full|in\s+writing|in\s+detail)\s+)?(?P<after>after|once)\b"
    # "Realistically it'll be the 30th before I can give you a proper response."
    rf"|\b(?:it'll|it\s+will|it's\s+going\s+to|it\s+is\s+going\s+to)\s+be\s+(?P<when>[^.?!\n]{{3,40}}?)\s+before\s+(?:(?:i|we|he|she|they)\s+(?:can|could|will\s+be\s+able\s+to)|it\s+(?:goes|is|gets|can))\b"
    # "The panel sits on Tuesday 14th ... can I respond the day after panel?"
    rf"|\b(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:respond|reply|come\s+back\s+to\s+you|get\s+back\s+to\s+you)\s+(?:on\s+)?(?P<dayafter>the\s+day\s+after)\b"
    # "I'm on leave until the 9th ..., so can it wait till then?"
    # "... so can the placement plan part wait till then?", "can you bear with me until then?"
    rf"|\b(?:(?:can|could)\s+(?:it|this|that|the\s+(?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+wait|(?:can|could)\s+you\s+bear\s+with\s+(?:me|us))\s+(?:till|until|to)\s+(?P<then>then)?"
    # Asking leave to answer later: "Would it be OK if I came back to you by Friday?",
    # "Realistically I could get a considered response to you by close of play on Wednesday".
    rf"|\b(?:ok|okay|alright|all\s+right|possible|acceptable)\s+if\s+(?:i|we)\s+(?:came|come|got|get|sent|send|responded|respond|replied|reply)\b(?=[^.?!\n]{{0,80}}\b(?:by|until|till|first\s+thing|on)\b)"
    rf"|\b(?:could|can|may)\s+(?:i|we)\s+(?:let\s+you\s+have|get\s+you|send\s+you|give\s+you)\s+(?:a|an|my|our|the)\s+(?:\w+\s+){{0,2}}(?:response|reply|answer|plan|update)\b(?=[^.?!\n]{{0,40}}\b(?:by|until|till)\b)"
    # ("... before I can give you a proper answer, and legal can't see me until Wednesday" is a
    # condition and a reason, not a promise.)
    rf"|(?<!before\s)\b(?:i|we)\s+(?:could|can|would\s+be\s+able\s+to)\s+(?:get|send|give)\s+(?:you\s+)?(?:a|an|my|our|the)\s+(?:\w+\s+){{0,2}}(?:response|reply|answer)\b(?=[^.?!\n]{{0,40}}\b(?:by|until|till)\b)"
    rf"|\b(?:extend(?:ing)?|extension\s+of)\s+(?:the\s+|our\s+|my\s+)?(?:deadline|timescale|timeframe|response\s+date|time(?:\s+limit)?|date)\b)",
    re.IGNORECASE,
)
# Searched word by word (parsers.alternation): the same matches, at a quarter of the cost of
# trying all its branches at every character of every reply.
_MORE_TIME_SEARCH = WordLedAlternation(_MORE_TIME.pattern, _MORE_TIME.flags)
# "the court has granted an extension of the interim care order", "The extension of his school
# place has been agreed", "The placement extension": an extension of something in the child's
# plan, not more time for the response.
_EXTENSION_OF_SOMETHING = re.compile(
    r"extension\s+(?:of|to|for)\s+(?:the\s+|his\s+|her\s+|their\s+|an?\s+|this\s+|that\s+)?"
    r"(?!(?:deadline|timescale|timeframe|time|date|response|reply|drp|alert|dispute)\b)(?:[\w-]+\s+){0,2}"
    r"(?:order|placement|place|care|school|visa|contract|assessment|approval|plan|hearing|timetable|leave|funding|support|package|licence|lease|tenancy)\b",
    re.IGNORECASE)
_SOMETHINGS_EXTENSION = re.compile(r"\b(?:placement|school|order|court|visa|tenancy|house|building|loft)\s+$", re.IGNORECASE)


def _someone_elses_extension(text: str, m: re.Match[str]) -> bool:
    at = m.group().lower().find("extension")
    if at < 0:
        return False
    at += m.start()
    return bool(_EXTENSION_OF_SOMETHING.match(text, at) or _SOMETHINGS_EXTENSION.search(text, max(0, at - 20), at))
_NEGATION = re.compile(
    r"(?:\b(?:no|not|don't|dont|won't|wont|never|without|n't)\b(?:\s+\w+){0,3}|\b(?:was|were|been|had)\s+(?:\w+\s+)?(?:given|granted|agreed)?\s*)\s*$",
    re.IGNORECASE,
)
_WINDOW = 160
# "I am not prepared to let it sit for another week": the time refused, further back than the
# negation's three words reach.
_REFUSED_DRIFT = re.compile(
    r"(?:\bnot|n't|\bnever|\bno\s+way)\b[^.;!?\n]{0,40}\blet\s+(?:it|this|things|matters|the\s+\w+)\s+"
    r"(?:sit|drift|slide|slip|wait|go\s+on|run\s+on|carry\s+on|continue|stay|stand)\s+(?:for\s+)?(?:a\s+|an\s+)?$"
    # "so it doesn't sit with me for another week".
    r"|(?:\bnot|n't|\bnever)\s+(?:sit|drift|wait|stay|stand)\s+(?:with\s+(?:me|us|the\s+team)\s+|here\s+)?(?:for\s+)?(?:a\s+|an\s+)?$",
    re.IGNORECASE)
# "(the Virtual School need 5 working days to QA it)": someone else's time, a reason in a
# response, not the writer asking for theirs.
_SOMEONE_ELSE = re.compile(r"\b(?:the\s+[\w'-]+(?:\s+[\w'-]+)?|they|he|she|it)\s+(?:will\s+|would\s+|may\s+|might\s+)?$",
                           re.IGNORECASE)


def _sentence_of(text: str, spans: list[tuple[int, int]], m: re.Match[str]) -> tuple[int, int]:
    return next(((a, b) for a, b in spans if a <= m.start() < b), (m.start(), len(text)))


_SO_BEFORE = re.compile(r",?\s+(?:so|and\s+so|therefore)\s+(?=(?:i|we)\b)", re.IGNORECASE)


def _amount_in_sentence(text: str, sent: date | None, spans: list[tuple[int, int]],
                        m: re.Match[str]) -> Timescale | None:
    """The time the request ``m`` asks for, from its own sentence, or None."""
    sentence_start, sentence_end = _sentence_of(text, spans, m)
    # After "respond after ..." only what follows is the time asked; "till then" points back.
    # ... and after "I'll need until" only what follows ("off until Monday, so I'll need until
    # Weds 23rd": Monday is the reason).
    start = (m.start() if m.group("after") or re.search(r"\b(?:until|till)\s*$", m.group(), re.IGNORECASE)
             else sentence_start if m.group("then") else max(sentence_start, m.start() - 60))
    if not m.group("then"):
        # "I'm only seeing them ... on Thursday, so I'm going to need a bit more time": what comes
        # before "so" is the reason, and its day is not the time asked for.
        reasons = list(_SO_BEFORE.finditer(text, start, m.start()))
        start = reasons[-1].end() if reasons else start
    end = min(sentence_end, m.end() + _WINDOW)
    if m.group("when"):
        named = day_at(text, m.start("when"), sent)
        if named is not None:
            return Timescale(until=named)
    if m.group("dayafter"):
        # The day after the last date named before it (the panel's).
        earlier = _dates_in(text[max(0, sentence_start - 300):m.start()], sent)
        return Timescale(until=earlier[-1] + timedelta(days=1)) if earlier else None
    found = period_or_date(text, sent, start, end)
    if found is None and not m.group("then") and not m.group("after"):
        # "Would the end of the month be workable for the full written response?": the day
        # asked for is named inside the asking words themselves.
        inside = _days_named(text, m.start(), m.end(), sent)
        found = Timescale(until=inside[0]) if inside else None
    if found is None and re.search(r"\bend\s+of\s+that\s+week\b", text[m.start():sentence_end], re.IGNORECASE):
        # "Panel sits on Tuesday 14th ... Could I have until the end of that week?": the Friday of
        # the week of the last day named before it.
        days = _days_named(text, max(0, sentence_start - 400), m.start(), sent)
        if days:
            return Timescale(until=days[-1] + timedelta(days=4 - days[-1].weekday()) if days[-1].weekday() <= 4 else days[-1])
    if found is None and m.group("then"):
        # "Realistically it'll be the 30th before it's ready – can you bear with me until then?",
        # "I'm on leave until the 9th ... Could it wait till then?": "then" is the last day named
        # before it, in its sentence or the one before.
        earlier = [(a, b) for a, b in spans if b <= sentence_start][-1:]
        for a, b in [(sentence_start, m.start()), *earlier]:
            days = _days_named(text, a, b, sent)
            if days:
                return Timescale(until=days[-1])
        return None
    if found is not None and found.until is not None:
        # "on the Monday after panel, 21 June": the date written out is the one meant.
        written = _dates_in(text[start:end], sent, written_out=True)
        if written and found.until not in written:
            found = Timescale(until=written[0])
    return found


_DAY_AFTER = re.compile(r"\bthe\s+day\s+after\b", re.IGNORECASE)


def _the_day_after(text: str, span: tuple[int, int], found: Timescale | None) -> Timescale | None:
    """"Panel sits on Tuesday the 14th – could I get the response to you on the Wednesday, the
    day after panel?": the date named is the event's; the time asked is the day after it."""
    after = _DAY_AFTER.search(text, span[0], span[1]) if found is not None and found.until is not None else None
    if after is None:
        return found
    # "... on Wednesday 15th, the day after panel": when the weekday written beside it is the
    # date's own, the date named is already the one asked for.
    named = re.search(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?)?\W{0,3}$",
                      text[max(span[0], after.start() - 30):after.start()], re.IGNORECASE)
    if named and WEEKDAYS[named.group(1).lower()] == found.until.weekday():
        return found
    return Timescale(until=found.until + timedelta(days=1))


# "I will have my full response to you by the 20th": the writer's response itself, promised for a
# day. Routing compares the day with the deadline (a promise for after it is asking for time).
_PROMISED_RESPONSE = re.compile(
    r"\b(?:i|we)(?:'ll|\s+will|\s+shall)\s+(?:have|get|send|give|let\s+you\s+have)\s+(?:you\s+)?(?:(?:my|our|the|a)\s+"
    r"(?:(?:full|written|proper|complete|considered|formal|detailed)\s+)*(?:response|reply|answer)\s+(?:to\s+you\s+)?"
    # "I will have it to you by the 20th", answering a reminder: "it" is the response.
    r"|it\s+to\s+you\s+"
    # "I will have the revised care plan and the placement plan to you by Wednesday 19 July".
    r"|(?:the|my|our)\s+[^.;!?\n]{1,60}?\s+to\s+you\s+)(?P<word>by|on|before)\s+"
    # "Realistically you'll have my full response on the 19th".
    r"|\byou(?:'ll|\s+will)\s+have\s+(?:my|our|the)\s+(?:(?:full|written|proper|complete|considered|formal|detailed)\s+)*"
    r"(?:response|reply|answer)\s+(?:by|on|before)\s+", re.IGNORECASE)


def promised_response(text: str, sent: date | None) -> date | None:
    """The day the writer says their response will come, or None."""
    text = normalise(text)
    for m in _PROMISED_RESPONSE.finditer(text):
        found = day_at(text, m.end(), sent)
        if found is not None and (sent is None or found >= sent):
            return found
    return None


def extension_request(text: str, sent: date | None) -> tuple[bool, Timescale | None]:
    """(asks for more time, the time asked for if a period or date is given).

    The amount is read from the sentence that asks ("Could we have until the 20th?", "a further
    24 hours for the agreed actions", "another week"): a week is 5 working days and 24 hours one;
    a date after "until", "by", "to" is a date. A request that names no amount is still one.
    """
    text = normalise(text)
    # "any wiggle room on the Friday deadline?": the deadline named is the one there is, not the
    # time asked for. Blanked (positions kept) so only the time asked is read.
    text = _CURRENT_DEADLINE.sub(lambda d: " " * len(d.group()), text)
    # "with the bank holiday on Monday and Tariq on leave I'm going to need a bit longer": the
    # day of a holiday or of someone's leave is the reason, not the time asked for.
    text = _DAY_OFF.sub(lambda d: " " * len(d.group()), text)
    spans: list[tuple[int, int]] | None = None  # split into sentences once, and only if needed
    asks = [m for m in _MORE_TIME_SEARCH.finditer(text) if not _NEGATION.search(text[max(0, m.start() - 40) : m.start()])
            and not _someone_elses_extension(text, m)
            and not _REFUSED_DRIFT.search(text[max(0, m.start() - 80) : m.start()])
            and not _HINDSIGHT.search(text[max(0, m.start() - 40) : m.start()])
            and not (m.group().lower().startswith("need") and _SOMEONE_ELSE.search(text[max(0, m.start() - 40) : m.start()]))]
    if asks:
        spans = sentences(text)
    for m in asks:
        sentence_start, sentence_end = _sentence_of(text, spans, m)
        found = _amount_in_sentence(text, sent, spans, m)
        if found is None:
            # "I'm going to need a bit longer on this one – realistically it will be the 30th
            # before I can send you something": a later ask in the same sentence names the time.
            found = next((amount for later in asks if m.start() < later.start() < sentence_end
                          for amount in [_amount_in_sentence(text, sent, spans, later)] if amount is not None), None)
        if found is None and any(_amount_in_sentence(text, sent, spans, later) for later in asks if later.start() >= sentence_end):
            # "I'll need a bit longer. [reasons] Would you be agreeable to another week?": the
            # amount is in a later sentence that asks again, not in the reasons between.
            continue
        if found is None and any(later.group("after") for later in asks if later.start() >= sentence_end):
            # "Is there any flex on the date? The panel sits on the 14th ... Can I respond after
            # that?": the date between is the reason, and "after that" names none.
            return True, None
        if found is None and sentence_end < len(text):
            # "Could I have a little longer? Friday 14th would work." - the next sentence.
            following = next(((a, b) for a, b in spans if a >= sentence_end), None)
            if following and _CONTACT_PROMISE.search(text[following[0] : following[1]]):
                following = None  # "I'll ring you tomorrow either way": not the time asked for
            if following and _TOLD_IN_THE_PAST.search(text[following[0] : following[1]]):
                following = None  # "Ellis's social worker left on Friday ...": the reason, told
            if following:
                found = _the_day_after(text, following, period_or_date(text, sent, following[0], following[1]))
                if found is None and len(text[following[0] : following[1]].split()) <= 8:
                    # Only a short answer-like sentence ("Friday 14th would work."): a longer
                    # one tells the story ("Kelly has been off sick since Monday ...").
                    bare = parse_uk_date(text[following[0] : following[1]], sent)
                    found = Timescale(until=bare) if bare else None
        if found is None and re.search(r"\b(?:that|the\s+same)\s+day\b", text[m.start() : sentence_end], re.IGNORECASE):
            # "... considering the match on Wednesday 30 June. Could I come back to you on that day?"
            earlier = [(a, b) for a, b in spans if b <= sentence_start]
            if earlier:
                dates = _dates_in(text[earlier[-1][0] : earlier[-1][1]], sent)
                found = Timescale(until=dates[-1]) if dates else None
        if found is not None and found.until is not None and sent is not None and found.until < sent:
            found = None
        return True, found
    # An answer promised for later, with a check that it will do ("Priya will come back to you
    # with the plan by the end of next week. I hope that's OK given the handover"): asking leave.
    spans = spans if spans is not None else sentences(text)
    for index, (a, b) in enumerate(spans):
        promise = _PROMISED_LATER.search(text, a, b)
        if promise is None:
            continue
        checked = text[a : spans[index + 1][1]] if index + 1 < len(spans) else text[a:b]
        if not _OK_CHECK.search(checked):
            continue
        found = period_or_date(text, sent, promise.start(), b)
        if found is not None and found.until is not None and sent is not None and found.until < sent:
            found = None
        return True, found
    return False, None


# "I should have asked you for more time rather than let it lapse": regret, not a request.
_HINDSIGHT = re.compile(r"\b(?:should|could|would|might)(?:\s+have|'ve)\s+(?:\w+\s+){0,3}$", re.IGNORECASE)
_DAY_OFF = re.compile(r"\b(?:the\s+)?(?:bank\s+holiday|holidays?|annual\s+leave|leave|course|training)\s+(?:is\s+)?on\s+(?:the\s+)?"
                      r"(?:monday|tuesday|wednesday|thursday|friday|\d{1,2}(?:st|nd|rd|th)?)\b"
                      # "The SW is on leave until Wednesday": someone else's absence, the reason. (The
                      # writer's own "I'm on leave until the 9th, so can it wait till then?" is the time.)
                      r"|\b(?:he|she|they|the\s+[\w-]+|(?-i:[A-Z])[a-z]+)\s+(?:is|are|'s)\s+"
                      r"(?:on\s+(?:annual\s+|sick\s+)?leave|off\s+sick|off|away|out\s+of\s+(?:the\s+)?office)\s+(?:until|till|to)\s+(?:the\s+)?"
                      r"(?:monday|tuesday|wednesday|thursday|friday|\d{1,2}(?:st|nd|rd|th)?)\b", re.IGNORECASE)
# ("Mo's PA has been off sick and Mo cancelled the pathway plan meeting on Monday.")
_TOLD_IN_THE_PAST = re.compile(r"\b(?:left|went|was|were|had|did|came|started|finished|ended|ago|yesterday|last|has\s+been|have\s+been"
                               r"|cancell?ed|postponed|moved|rearranged|missed)\b", re.IGNORECASE)
_CONTACT_PROMISE = re.compile(r"\b(?:ring|call|phone|speak\s+to|talk\s+to|catch\s+up|chat|drop\s+you\s+a\s+line)\b",
                              re.IGNORECASE)
_CURRENT_DEADLINE = re.compile(r"\b(?:on|of|past|beyond|for)\s+(?:the|this|that|our|your)\s+(?:current\s+)?[^.?!\n,]{1,30}?\s+deadline\b",
                               re.IGNORECASE)
_PROMISED_LATER = re.compile(
    r"\b(?:will|'ll|shall)\s+(?:come|get)\s+back\s+to\s+you\b[^.?!\n]{0,60}\b(?:by|on|until|before)\b", re.IGNORECASE)
_OK_CHECK = re.compile(
    r"\b(?:hope\s+(?:that|this)(?:'s|\s+is)\s+(?:ok|okay|alright|all\s+right|acceptable)|(?:is|if)\s+(?:that|this)(?:'s|\s+is)?\s+"
    r"(?:ok|okay|alright|all\s+right|acceptable)|sorry\s+it(?:'s|\s+is)\s+not\s+sooner)\b", re.IGNORECASE)


_DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE)


def _days_named(text: str, start: int, end: int, sent: date | None) -> list[date]:
    """The dates and bare days of the month ("the 9th") in text[start:end], in order."""
    span = text[start:end]
    found = [(span.find(f.text), f.date) for f in find_dates(span, sent) if f.date is not None]
    for m in _DAY_OF_MONTH.finditer(span):
        day = day_at(span, m.start(), sent)
        if day is not None:
            found.append((m.start(), day))
    return [day for _at, day in sorted(found, key=lambda item: item[0])]


def _dates_in(text: str, sent: date | None, written_out: bool = False) -> list[date]:
    """The dates in ``text``, in order; ``written_out``: only those with a day number ("21 June",
    "3/6/2027"), not a bare weekday."""
    return [f.date for f in find_dates(text, sent)
            if f.date is not None and (not written_out or re.search(r"\d", f.text))]


# ---- a formal stage raised in prose --------------------------------------------------------------

_RAISING_STAGE = re.compile(
    r"\b(?:rais(?:e|ing)|open(?:ing)?|start(?:ing)?|log(?:ging)?|initiat(?:e|ing)|submit(?:ting)?|mak(?:e|ing)|this\s+is|formal"
    r"|issu(?:e|ing)\s+(?:a|this|my|the)\s+(?:starred\s+)?recommendation)\b"
    r"[^.!?\n]{0,120}?\bstage\s*(?P<n>\d|one|two|three|four|five)\b"
    # MiCare's Stage 1 is a recommendation: "Child Protection - Stage 1 recommendation - ...".
    r"|\bstage\s*(?P<m>\d|one|two|three|four|five)\s*[-–—:]?\s+(?:drp|dispute|dispute\s+resolution|alert|concern|escalation|referral|(?:starred\s+)?recommendation)\b"
    # ("Dispute resolution – level 3 (Head of Service)", "tier 3": other authorities' words for a stage.)
    r"|\b(?:drp|dispute\s+resolution|dispute|(?:starred\s+|cp\s+)?recommendation)(?:\s+(?:alert|form|process|concern|recommendation))?\s*(?:[-:–(]\s*)?(?:at\s+)?(?:stage|level|tier)\s*(?P<k>\d|one|two|three|four|five)\b"
    # An agreed bypass: "bypass Stages 1 to 3 and come to you at Stage 4", "bypass to Stage 4".
    r"|\bbypass\w*\b[^.!?\n]{0,80}?\b(?:to|at)\s+stage\s*(?P<b>\d|one|two|three|four|five)\b(?!\s*(?:to|-|–))",
    re.IGNORECASE,
)


def rung_title_alternation(titles: Iterable[str]) -> str:
    """The rungs' titles ("Head of Service", ...) as one regex alternation, longest first, any
    run of blanks between their words; the routing reads rungs named by title with it too."""
    return "|".join(r"\s+".join(map(re.escape, t.split())) for t in sorted(set(titles), key=len, reverse=True))


@lru_cache(maxsize=16)
def _raising_at_a_rung(titles: tuple[str, ...]) -> re.Pattern[str] | None:
    """"I am raising this with you directly, at Head of Service level": the rung by its title."""
    if not titles:
        return None
    named = rung_title_alternation(titles)
    return re.compile(
        r"\b(?:rais(?:e|ing)|start(?:ing)?|bring(?:ing)?|tak(?:e|ing)|open(?:ing)?)\b[^.!?\n]{0,80}?"
        rf"\bat\s+(?:the\s+)?(?P<title>{named})\s+(?:level|stage)\b", re.IGNORECASE)


def stated_stage(subject: str, text: str, rung_titles: Mapping[str, int] | None = None) -> int | None:
    """The formal stage that a mail with no form says it raises: in the subject ("Stage 2 DRP",
    "DRP - Stage 1") or in the first paragraphs ("I'm raising a Stage 1 dispute", "I am raising
    this at Stage 2 of the DRP"). A stage named as history ("a Stage 1 alert was raised in
    January") is not one: only the present raising counts."""
    head = "\n".join(normalise(text).split("\n\n")[:3])
    subject = normalise(strip_subject_prefixes(subject))
    # A subject that opens with the stage, or names the DRP with a stage further on: "Stage 1 -
    # core groups - 772310", "DRP form - Section 4 (Stage 2) - Mosaic 6093351".
    opening = re.match(r"\s*(?:urgent\s*[-:–!]*\s*)?(?:formal\s+)?stage\s*(\d)\b", subject, re.IGNORECASE) or re.search(
        r"\b(?:drp|dispute\s+resolution|escalation)\b[^\n]{0,40}?\bstage\s*(\d)\b", subject, re.IGNORECASE)
    if opening:
        return int(opening.group(1))
    for source in (subject, head):
        for m in _RAISING_STAGE.finditer(source):
            window = source[max(0, m.start() - 30) : m.end()]
            if re.search(r"\b(?:was|were|had|previous|previously|last|earlier|already)\b", window, re.IGNORECASE):
                continue
            token = m.group("n") or m.group("m") or m.group("k") or m.group("b")
            value = stage_number(f"stage {token}")
            if value:
                return value
    # Further down only the writer's own present act counts ("... so I am raising this as a
    # formal alert at Stage 2"): a later paragraph is where history and "if" are told.
    for m in _RAISING_NOW.finditer(normalise(text)):
        value = stage_number(f"stage {m.group('n') or m.group('n2')}")
        if value:
            return value
    at_a_rung = _raising_at_a_rung(tuple(rung_titles or ()))
    if at_a_rung is not None:
        # Only the writer's own present act, in the subject or the opening paragraphs.
        for source in (subject, head):
            for m in at_a_rung.finditer(source):
                window = source[max(0, m.start() - 30) : m.end()]
                if not re.search(r"\b(?:was|were|had|previous|previously|last|earlier|already|if|will|would)\b", window, re.IGNORECASE):
                    return rung_titles[" ".join(m.group("title").lower().split())]
    return None


_RAISING_NOW = re.compile(
    r"\b(?:i\s+am|i'm)\s+(?:now\s+)?(?:raising|making|issuing|logging|starting|taking|escalating)\b[^.!?\n]{0,80}?"
    r"\b(?:at|to)\s+stage\s*(?P<n>\d|one|two|three|four|five)\b"
    # "I've copied ... the DRP mailbox so that this is logged at Stage 3": the mailbox told where
    # to log what the mail raises.
    r"|\b(?:mailbox|tracker|inbox)\b[^.!?\n]{0,40}?\bso\s+(?:that\s+)?(?:this|it)\s+(?:is|gets|can\s+be)\s+(?:logged|recorded|opened|raised)"
    r"\s+(?:at|as)\s+(?:a\s+)?stage\s*(?P<n2>\d|one|two|three|four|five)\b",
    re.IGNORECASE,
)


