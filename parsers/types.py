"""Typed, immutable records that the parsers take (ParseRules) and give (Envelope, ParsedMessage).

Everything is a frozen dataclass holding tuples and read-only mappings, so a parsed message can be
shared between the domain core and the store without anyone mutating it underneath the other.
Mapping fields are left out of ``__hash__`` (they are compared, not hashed) so the records stay
hashable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy whose list values become tuples (config loaders hand us lists)."""
    if not value:
        return MappingProxyType({})
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, list):
            item = tuple(item)
        out[str(key)] = item
    return MappingProxyType(out)


DEFAULT_FORM_LABELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "stage": ("stage", "dispute stage", "level of dispute", "drp stage", "stage of dispute"),
        "case_ids": (
            "case id",
            "child id",
            "mosaic id",
            "person id",
            "case ids",
            "child ids",
            "child/young person id",
            "lcs id",
            "lcs number",
            "micare id",
            "case number",
            "child's id",
            "childs id",
            "child id number",
        ),
        "categories": ("category", "category of concern", "categories", "category for alert"),
        "process": ("process", "type"),
        "concern": ("concern", "details of concern", "issue", "issues of concern"),
        "timescale": (
            "timescale",
            "timescale for resolution",
            "response required by",
            "resolution required by",
            "response required",
            "response timescale",
            "timescale for response",
            "time allowed for response",
            "response due",
        ),
        "responder": ("to", "manager", "responsible manager", "team manager"),
    }
)


@dataclass(frozen=True)
class CategoryRule:
    """One category of concern and the phrases that mean it."""

    name: str
    synonyms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.synonyms, tuple):
            object.__setattr__(self, "synonyms", tuple(self.synonyms))


@dataclass(frozen=True)
class ParseRules:
    """The authority's wording, taken from its configuration; the parsers hard-code none of it."""

    reference_prefix: str = "DRP"
    case_id_pattern: str = r"\b\d{6,7}\b"
    case_id_labels: tuple[str, ...] = (
        "case id",
        "case ids",
        "child id",
        "child ids",
        "case number",
        "case no",
        "mosaic id",
        "person id",
        "lcs id",
        "micare id",
        "child's id",
        "ids",
    )
    informal_phrases: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    compliment_phrases: tuple[str, ...] = ("compliment", "good practice")
    process_words: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    categories: Mapping[str, tuple[CategoryRule, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    form_labels: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: DEFAULT_FORM_LABELS, hash=False
    )
    required_form_fields: tuple[str, ...] = ("stage", "case_ids")
    # Added (issue 4): form section headings that say the stage when filled in (the Mosaic
    # authority's form: "Section 2" is the informal stage, "Section 3" stage 1, ...).
    form_sections: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # Added (sealed68): each rung's title and its stage ("head of service": 3), where every
    # process agrees, so that "raising this at Head of Service level" names the stage.
    rung_titles: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # Added: relative dates ("by Friday") are resolved against the day the mail was sent in the
    # authority's own time zone, not the sender's offset.
    timezone: str = "Europe/London"
    # Added (issue 9): whose Authentication-Results are believed (the receiving servers'
    # authserv-ids; "exchange-online" for Microsoft 365's header, which carries none), and which
    # results count as the From domain proven: "dmarc", "compauth", "dkim" (aligned), "spf" (aligned).
    trusted_authserv_ids: tuple[str, ...] = ()
    accepted_authentication: tuple[str, ...] = ("dmarc", "compauth")
    trust_exchange_internal: bool = False

    def __post_init__(self) -> None:
        for name in ("case_id_labels", "compliment_phrases", "required_form_fields", "trusted_authserv_ids",
                     "accepted_authentication"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for name in ("informal_phrases", "process_words", "categories", "form_labels", "form_sections"):
            object.__setattr__(self, name, _frozen_mapping(getattr(self, name)))
        cats = {
            key: tuple(
                rule if isinstance(rule, CategoryRule) else CategoryRule(str(rule))
                for rule in rules
            )
            for key, rules in self.categories.items()
        }
        object.__setattr__(self, "categories", MappingProxyType(cats))


@dataclass(frozen=True)
class Attachment:
    """A non-body MIME part: a file, an embedded message or a delivery report part."""

    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class Document:
    """An attached file that may be a DRP form (.docx or .html), with its decoded bytes.

    Only these two kinds are kept, and only up to a size cap, so a 20 MB scan never sits in
    memory twice.
    """

    filename: str | None
    content_type: str
    data: bytes = field(repr=False)
    # Added (issue 9): a .docx's word/document.xml as the MIME layer read it under its caps
    # (bytes actually inflated, elements), so the form reader never inflates the package again;
    # None when it was not read (a damaged or lying zip), and ``xml_cut`` when only its first
    # part was read (the caps were hit; Envelope.notes says which).
    xml: bytes | None = field(default=None, repr=False)
    xml_cut: bool = False


@dataclass(frozen=True)
class Envelope:
    """The MIME layer of a message: decoded headers, the best text body and the attachments."""

    message_id: str | None
    subject: str
    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    auto_submitted: str | None
    precedence: str | None
    x_auto_response_suppress: str | None
    content_type: str
    # Added: whether ``text`` had to be derived from the HTML part (then reply stripping works on
    # the HTML's structure first).
    text_from_html: bool = False
    # Added: the ``report-type`` parameter of a multipart/report, lower-case.
    report_type: str | None = None
    # Added: Message-IDs of messages embedded as message/rfc822 or text/rfc822-headers parts
    # (the original of a bounce, a forwarded message).
    attached_message_ids: tuple[str, ...] = ()
    # Added (issue 4): attached .docx / .html files that may be DRP forms.
    documents: tuple[Document, ...] = ()
    # Added (issue 4): what the MIME layer noticed and could not (or need not) read further.
    tnef: bool = False  # Outlook's winmail.dat: its content is not read, only recorded
    calendar_method: str | None = None  # REQUEST / REPLY / CANCEL of a text/calendar part
    signed: bool = False  # S/MIME or PGP multipart/signed (the signed content is read)
    encrypted: bool = False  # S/MIME enveloped or opaque-signed: the body cannot be read
    message_id_count: int = 0  # more than one Message-ID header is recorded, the first is used
    # The first two Message-ID headers as written (None for one holding 8-bit bytes): enough for
    # mailbot to tell whether the one Message-ID can be trusted to recognise the message again
    # (mailbot.message_identity).
    message_id_headers: tuple[str | None, ...] = ()
    notes: tuple[str, ...] = ()  # one short phrase per oddity, for `mailbot parse` and the audit
    # Added (issue 9): who the headers say sent it, and what the receiving servers found.
    from_count: int = 1  # addresses in the From header(s); anything but 1 is not one sender
    sender_addr: str | None = None  # the Sender header's address, when there is one
    return_path: str | None = None  # the Return-Path address; "" for the null path <>
    authentication_results: tuple[str, ...] = ()  # each Authentication-Results value, topmost first
    exchange_auth_as: str | None = None  # X-MS-Exchange-Organization-AuthAs ("Internal" in the tenant)
    # Headers that mark machine-sent mail beyond Auto-Submitted/Precedence (List-Id,
    # X-Autoreply, X-Autorespond, X-MS-Exchange-Generated-Message-Source, ...): (name, value).
    automatic_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FoundDate:
    """A date or timescale as written in the new text, and what it resolves to."""

    text: str
    date: date | None = None
    working_days: int | None = None


@dataclass(frozen=True)
class Instruction:
    """An IRO's decision read from a reply, with the words that belong to it.

    ``stage`` is a target stage named by number; ``target`` the words naming a rung or person
    instead ("the Head of Service"), for routing to match against the ladder. ``working_days`` /
    ``until`` are EXTEND's or AGREE's argument, or the response timescale set with an ESCALATE.
    ``doubt`` says why the reading may be wrong (plain prose rather than a command, two
    different decisions, a verb contradicted later): then mailbot asks and changes nothing.
    """

    verb: str
    stage: int | None = None
    working_days: int | None = None
    until: date | None = None
    text: str = ""
    target: str | None = None
    doubt: str | None = None
    # The words the decision was read from, as written (for "Read as:" and for questions).
    words: str = ""
    # Read from prose ("so we can close this") rather than from a decision word that leads its
    # clause: a manager's prose is never taken for a decision they may not give.
    prose: bool = False
    # The decision word sits inside quotation marks: someone's earlier words quoted ("I saw your
    # note - "ESCALATE to stage 2 if nothing by Friday" - so here it is").
    quoted: bool = False
    # Read from mailbot's own "please confirm your instruction" notice, quoted under a bare "Yes"
    # or "Confirmed.": the service checks that the reply answers that notice of ours.
    confirms: bool = False
    # AGREE's day was said in words beside the word ("Agree. Fine for Chris to have until the
    # 26th"), not after it: the routing agrees only if it is the day asked for.
    day_beside: bool = False


@dataclass(frozen=True)
class SenderCheck:
    """Whether the From address is proven by a receiving server the configuration trusts.

    ``verdict`` is "pass" (proven), "fail" (a trusted server found it false or unproven) or
    "unchecked" (no trusted server is configured, or none of them wrote a result)."""

    verdict: str
    reason: str

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


@dataclass(frozen=True)
class Timescale:
    """A deadline stated in mail: a number of working days or a calendar date (exactly one)."""

    working_days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """Everything the domain core needs to know about one incoming message."""

    envelope: Envelope
    reply_text: str
    is_automatic: bool
    automatic_reason: str | None
    is_bounce: bool
    bounced_message_ids: tuple[str, ...]
    reference: str | None
    informal_process: str | None
    is_compliment: bool
    process_hint: str | None
    form: Mapping[str, str] | None = field(hash=False)
    form_stage: int | None
    missing_form_fields: tuple[str, ...]
    case_ids: tuple[str, ...]
    categories: Mapping[str, tuple[str, ...]] = field(hash=False)
    instruction: Instruction | None
    timescale: Timescale | None
    extension_request: Timescale | None
    asks_for_more_time: bool
    # Added: every process whose informal phrase is in the subject (Luton uses the same phrase
    # for both processes, so ``informal_process`` alone can be ambiguous).
    informal_processes: tuple[str, ...] = ()
    # Added (issue 4): every date and timescale found in the new text, in order.
    dates: tuple[FoundDate, ...] = ()
    # Added (issue 4): where the form was read from: "text", "html", "docx:NAME", "html:NAME".
    form_source: str | None = None
    # Added (issue 8): why a timescale that was stated is not used (unreadable, already past).
    timescale_note: str | None = None
    # Added (issue 8): the formal stage a mail without a form says it raises ("I'm raising a
    # Stage 1 dispute", subject "Stage 2 DRP - ..."); None when it names none.
    stated_stage: int | None = None
    # Added (issue 8): (process, case IDs) of each list item of a new mail that names one process
    # and its children; and whether the mail asks for more than one alert ("log these as two").
    processes_by_child: tuple[tuple[str, tuple[str, ...]], ...] = ()
    asks_for_several_alerts: bool = False
    # Added (issue 9): is the From address proven, and is the sender one person at all
    # ("From holds 2 addresses", "Sender differs from From"): None when nothing is wrong.
    sender_check: SenderCheck = SenderCheck("unchecked", "no authentication configured")
    sender_problem: str | None = None
    # Added (issue 8): the day a manager says their response itself will come ("I will have my
    # full response to you by the 20th"); routing reads it as asking for time when that day is
    # after the deadline.
    response_promised: date | None = None
    # Added (issue 8): the words of a new mail that says it raises nothing ("heads up (not a
    # pre-dispute)", "please don't log this one"): kept for a person, never raised.
    declines_to_raise: str | None = None
    # Added (issue 8): the process whose conference the writer of a new mail says they chaired
    # ("I chaired the review child protection conference ... as cover"); routing raises the
    # concern in it only if the directory lets the sender raise it.
    chaired_process: str | None = None
    # Added (issue 8): the words of a new mail saying its form or the child's ID is still to come
    # ("I'll add the Mosaic ID and raise the form properly tomorrow").
    form_to_follow: str | None = None
    # Added (issue 8): the words of a new mail saying it corrects one already sent ("wrong ID ...
    # please disregard the earlier email") or will be sent again ("I'll re-send it properly").
    not_the_last_word: str | None = None
    # Added (issue 8): the case IDs a reply's new text names (content.ids_named); routing asks
    # before acting on a decision that names only children of another alert.
    reply_case_ids: tuple[str, ...] = ()
