"""Load and validate mailbot's configuration file.

The configuration is the authority's whole procedure as data: who is who (the directory), which
processes it runs, each process's ladder of stages, timescales and categories, and where mail and
data live. Every authority words its ladder differently, so nothing here is specific to one.

Validation is strict: an unknown key is an error (a misspelt key silently ignored would mean a
council thinks it configured something it did not), and every error names the key path, e.g.
``processes.lac.stages[2].working_days: must be a positive whole number``.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import date, time as clock_time
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from parsers.types import DEFAULT_FORM_LABELS

from .config_problems import (
    at_line,
    describe_error,
    describe_place,
    did_you_mean,
    line_of,
    path_of,
    read_yaml,
    yaml_problem,
)
from .errors import ConfigError

RESERVED_ROLES = ("iro", "cp_chair", "business_manager", "qa_manager")


def _positive_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a positive whole number")
    return value


def _non_negative_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
NonNegativeInt = Annotated[int, BeforeValidator(_non_negative_int)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: Any) -> Any:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise ValueError(f"not an e-mail address: {value!r}")
    return value.strip().lower()


Email = Annotated[str, BeforeValidator(_email)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_FORM_FIELDS = tuple(DEFAULT_FORM_LABELS)


class Forms(Strict):
    """How the authority's DRP form is laid out; everything is optional and adds to the defaults."""

    labels: dict[str, list[str]] = Field(default_factory=dict)
    """Field -> more labels meaning it, e.g. stage: [level of dispute]. Matched loosely."""
    required: list[str] = Field(default_factory=lambda: ["stage", "case_ids"])
    """Fields a form must fill in; the sender is told what is missing and a person looks at it."""
    sections: dict[str, NonNegativeInt] = Field(default_factory=dict)
    """Section heading -> the stage it raises when filled in (0 = informal)."""

    @field_validator("labels")
    @classmethod
    def _known_label_fields(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in v:
            if key not in _FORM_FIELDS:
                raise ValueError(f"unknown form field {key!r}; fields are {', '.join(_FORM_FIELDS)}")
        return v

    @field_validator("required")
    @classmethod
    def _known_required(cls, v: list[str]) -> list[str]:
        for key in v:
            if key not in _FORM_FIELDS:
                raise ValueError(f"unknown form field {key!r}; fields are {', '.join(_FORM_FIELDS)}")
        return v


class Authority(Strict):
    name: str
    mailbox_address: Email
    reference_prefix: str = "DRP"
    timezone: str = "Europe/London"
    case_id_pattern: str = r"\b\d{6,7}\b"
    """Regular expression for one case-system ID (Mosaic, LCS, MiCare)."""
    protective_marking: str = ""
    """Appended to every subject, e.g. OFFICIAL-SENSITIVE; empty for none."""
    forms: Forms = Field(default_factory=Forms)
    """The DRP form's labels, required fields and sections (issue 4)."""

    @field_validator("reference_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", v):
            raise ValueError("must be 2-10 capital letters or digits, starting with a letter")
        return v

    @field_validator("case_id_pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class CalendarConfig(Strict):
    country: str = "GB"
    subdivision: str | None = "ENG"
    closure_days: dict[date, str] = Field(default_factory=dict)
    """Local closure days (date: reason), on top of bank holidays."""


@dataclass(frozen=True)
class ServerUrl:
    """A parsed mailbox or outbox URL: ``scheme://host[:port][/folder]`` or ``maildir:PATH``."""

    scheme: str
    host: str = ""
    port: int | None = None
    path: str = ""

    @property
    def is_maildir(self) -> bool:
        return self.scheme == "maildir"


def parse_server_url(url: str, schemes: dict[str, int | None]) -> ServerUrl:
    """Split ``url``; ``schemes`` maps each allowed scheme to its default port."""
    if url.startswith("maildir:"):
        return ServerUrl("maildir", path=url[len("maildir:"):])
    match = re.fullmatch(r"([a-z+]+)://(\[[0-9a-fA-F:]+\]|[^/:\s]+)(?::(\d+))?(?:/(.*))?", url.strip())
    if not match or match.group(1) not in schemes:
        allowed = ", ".join(f"{s}://HOST" for s in schemes if s != "maildir")
        raise ValueError(f"must be maildir:PATH or one of {allowed} (got {url!r})")
    scheme, host, port, path = match.groups()
    return ServerUrl(scheme, host.strip("[]"), int(port) if port else schemes[scheme], path or "")


IMAP_SCHEMES = {"maildir": None, "imaps": 993, "imap+starttls": 143, "imap": 143}
SMTP_SCHEMES = {"maildir": None, "smtps": 465, "smtp+starttls": 587, "smtp": 25}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
_THUMBPRINT = re.compile(r"[0-9A-Fa-f]{40}")


class OAuthCertificate(Strict):
    """An app registration's certificate credential: the PEM file holding the private key (and
    usually the certificate), readable only by mailbot, and the SHA-1 thumbprint Entra shows."""

    path: str
    thumbprint: str

    @field_validator("thumbprint", mode="before")
    @classmethod
    def _hex(cls, value: Any) -> Any:
        if not isinstance(value, str) or not _THUMBPRINT.fullmatch(re.sub(r"[\s:]", "", value)):
            raise ValueError("must be the certificate's SHA-1 thumbprint: 40 hexadecimal digits, "
                             "as the app registration's 'Certificates & secrets' page shows it")
        return re.sub(r"[\s:]", "", value).upper()


class OAuthConfig(Strict):
    """App-only OAuth 2.0 (client credentials grant) for a mailbox or an outbox (issue 11).

    ``provider: microsoft`` is Entra ID through MSAL (Exchange Online); ``provider:
    token_endpoint`` is any OAuth 2.0 issuer's token URL, with a client secret."""

    method: Literal["oauth2"]
    provider: Literal["microsoft", "token_endpoint"]
    client_id: str
    tenant: str | None = None
    """microsoft: the Directory (tenant) ID, or the tenant's domain (council.onmicrosoft.com)."""
    client_secret_env: str | None = None
    """The NAME of the environment variable holding the client secret."""
    client_secret_file: str | None = None
    """A file (mode 0600) holding only the client secret; re-read at each renewal, so a rotated
    secret is taken up without a restart."""
    certificate: OAuthCertificate | None = None
    """microsoft only: a certificate credential instead of a secret."""
    token_url: str | None = None
    """token_endpoint: the issuer's token URL (https)."""
    scope: str | None = None
    """microsoft: https://outlook.office365.com/.default (the default); token_endpoint: required."""
    authority: str = MICROSOFT_AUTHORITY
    """microsoft: the Entra ID host; another only for a national cloud (or a stand-in in tests)."""
    ca_file: str | None = None
    """A CA bundle for the token service's certificate; the system's by default."""
    renew_minutes_before_expiry: PositiveInt = 5

    @model_validator(mode="after")
    def _one_credential(self) -> "OAuthConfig":
        given = [k for k in ("client_secret_env", "client_secret_file", "certificate") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one credential: client_secret_env (the NAME of an environment "
                             "variable), client_secret_file, or certificate {path, thumbprint}"
                             + (f"; found {', '.join(given)}" if given else ""))
        if self.client_secret_env and not _ENV_NAME.fullmatch(self.client_secret_env):
            raise ValueError("client_secret_env must be the name of an environment variable, "
                             "e.g. MAILBOT_OAUTH_SECRET, never the secret itself")
        if self.provider == "microsoft":
            if not self.tenant:
                raise ValueError("provider microsoft needs tenant: the Directory (tenant) ID from the "
                                 "app registration's Overview page")
            if self.token_url:
                raise ValueError("token_url is for provider token_endpoint; Microsoft's comes from the tenant")
            if not self.authority.startswith("https://"):
                raise ValueError(f"authority must be an https:// URL (got {self.authority!r})")
        else:
            if not self.token_url or not self.token_url.startswith("https://"):
                raise ValueError("provider token_endpoint needs token_url: the issuer's https:// token URL")
            if not self.scope:
                raise ValueError("provider token_endpoint needs scope: what the mail server asks tokens to carry")
            if self.certificate:
                raise ValueError("certificate is supported with provider microsoft only; use a client secret")
        return self

    @property
    def effective_scope(self) -> str:
        return self.scope or MICROSOFT_SCOPE


class _ServerConfig(Strict):
    """What a mailbox and an outbox share: where, who, and how it is protected."""

    username: str | None = None
    password_env: str | None = None
    """The NAME of the environment variable holding the password; never the password itself."""
    auth: OAuthConfig | None = None
    """OAuth 2.0 instead of a password (Exchange Online): then username is the mailbox address."""
    allow_plaintext: bool = False
    """Plain ``imap://`` / ``smtp://`` without TLS: only for a test server on loopback."""
    ca_file: str | None = None
    """A CA bundle for a council's private certificate authority; the system's by default."""
    timeout_seconds: PositiveInt = 60

    def _check_server(self, url: str, schemes: dict[str, int | None], plain: str, needs_login: bool) -> None:
        parsed = parse_server_url(url, schemes)
        if parsed.is_maildir:
            return
        if parsed.scheme == plain and not self.allow_plaintext:
            raise ValueError(f"{plain}:// sends passwords and children's data unencrypted; use a TLS "
                             f"scheme, or set allow_plaintext: true for a test server on loopback")
        if self.auth is not None and self.password_env:
            raise ValueError("give password_env or auth (OAuth 2.0), not both")
        if self.auth is not None and not self.username:
            raise ValueError("auth (OAuth 2.0) needs username: the shared mailbox's address")
        if needs_login and not (self.username and (self.password_env or self.auth)):
            raise ValueError(f"{parsed.scheme}:// needs username and password_env (or auth for OAuth 2.0)")
        if self.password_env and not _ENV_NAME.fullmatch(self.password_env):
            raise ValueError("password_env must be the name of an environment variable, e.g. MAILBOT_IMAP_PASSWORD")


class MailboxConfig(_ServerConfig):
    url: str
    folder: str = "INBOX"
    processed_folder: str = "processed"
    quarantine_folder: str = "quarantine"
    max_message_bytes: PositiveInt = 25 * 1024 * 1024
    batch_size: PositiveInt = 50
    """Messages fetched per UID FETCH when a backlog is drained."""
    poll_seconds: PositiveInt = 60
    """How often to look for mail without IDLE; with IDLE, the longest wait before looking anyway."""
    idle_renew_minutes: Annotated[int, Field(ge=1, le=29)] = 25
    """RFC 2177: re-issue IDLE at least every 29 minutes."""

    @model_validator(mode="after")
    def _valid_url(self) -> "MailboxConfig":
        self._check_server(self.url, IMAP_SCHEMES, "imap", needs_login=True)
        return self


class OutboxConfig(_ServerConfig):
    url: str
    from_name: str = "DRP tracker"
    retry_horizon_minutes: PositiveInt = 24 * 60
    """Temporary failures are retried with back-off for this long, then the row fails."""

    @model_validator(mode="after")
    def _valid_url(self) -> "OutboxConfig":
        self._check_server(self.url, SMTP_SCHEMES, "smtp", needs_login=False)
        return self


class StoreConfig(Strict):
    url: str
    schema_: str | None = Field(default=None, alias="schema")
    """PostgreSQL only: the schema this authority's tables live in, when several authorities share
    one database (one process each). Created, and migrated with its own version table, on first use."""

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not (v.startswith("sqlite:") or v.startswith("postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return v

    @field_validator("schema_")
    @classmethod
    def _schema_name(cls, v: str | None) -> str | None:
        # Written into SQL (CREATE SCHEMA, search_path): plain names only, never quoted ones.
        if v is not None and not (isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,62}", v)):
            raise ValueError(f"{v!r} must be lower-case letters, digits or _, starting with a letter (at most 63)")
        if v is not None and (v.startswith("pg_") or v == "information_schema"):
            raise ValueError(f"{v!r} is a name PostgreSQL keeps for itself")
        return v

    @model_validator(mode="after")
    def _schema_needs_postgresql(self) -> "StoreConfig":
        if self.schema_ is not None:
            if not self.url.startswith("postgresql"):
                raise ValueError("schema is for a postgresql+psycopg:// store (a SQLite file holds one authority)")
            if "options=" in self.url:
                raise ValueError("give the schema in schema, or options in the url, not both")
        return self


class Person(Strict):
    email: Email
    name: str
    role: str
    team: str = ""
    manager: Email | None = None

    @field_validator("manager", mode="before")
    @classmethod
    def _blank_manager(cls, v: Any) -> Any:
        return None if v in ("", None) else v

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        # One person may hold several roles (an IRO who also chairs conferences): "iro;cp_chair".
        parts = [part.strip() for part in re.split(r"[;,]", v)]
        if not all(re.fullmatch(r"[a-z][a-z0-9_]*", part) for part in parts):
            raise ValueError("must be a lower-case role name such as team_manager, or several joined by ';'")
        return ";".join(dict.fromkeys(parts))

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role the person holds, in the order the directory gives them."""
        return tuple(self.role.split(";"))

    def has_role(self, *roles: str) -> bool:
        return any(role in roles for role in self.roles)


class Meeting(Strict):
    name: str
    within_working_days: PositiveInt


class Stage(Strict):
    stage: PositiveInt
    name: str
    responder: str
    working_days: PositiveInt
    then: Meeting | None = None


class Informal(Strict):
    name: str = "Pre-Dispute Resolution"
    responder: str
    working_days: PositiveInt
    subject_phrases: list[str] = Field(
        default_factory=lambda: ["pre-dispute resolution", "pre dispute resolution", "pre-drp"]
    )


class Final(Strict):
    name: str = "Cafcass"
    raised_by: list[str] = Field(default_factory=lambda: ["iro"])


class Reminders(Strict):
    before_due_working_days: NonNegativeInt = 1


class Extensions(Strict):
    default_working_days: PositiveInt = 5
    """Used when a manager asks for "more time" and names no date or number of days."""


class Category(Strict):
    name: str
    synonyms: list[str] = Field(default_factory=list)


def _category(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Process(Strict):
    label: str
    raised_by: list[str] = Field(min_length=1)
    process_words: list[str] = Field(default_factory=list)
    """Words in a subject or form that name this process, for people who hold both roles."""
    informal: Informal | None = None
    stages: list[Stage] = Field(min_length=1)
    final: Final | None = None
    formal_cap_working_days: PositiveInt | None = 20
    escalation: Literal["prompt", "automatic"] = "prompt"
    reminders: Reminders = Field(default_factory=Reminders)
    extensions: Extensions = Field(default_factory=Extensions)
    categories: list[Annotated[Category, BeforeValidator(_category)]] = Field(default_factory=list)
    compliments: bool = True

    @model_validator(mode="after")
    def _ladder_in_order(self) -> "Process":
        numbers = [s.stage for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"stages must be numbered 1, 2, 3 ... in order; found {numbers}")
        return self

    def stage(self, number: int) -> Stage:
        return self.stages[number - 1]

    @property
    def last_stage(self) -> int:
        return len(self.stages)


class Digest(Strict):
    time: clock_time = clock_time(8, 30)

    @field_validator("time", mode="before")
    @classmethod
    def _written_as_text(cls, value: Any) -> Any:
        # Unquoted, YAML reads 08:30 as the number 510 and 8.30 as 8.3, which would be taken
        # as seconds after midnight: a digest at 00:00:08 rather than at half past eight.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a time of day: write it in quotes as HH:MM, e.g. '08:30'")
        return value
    recipients: list[str] = Field(default_factory=lambda: ["business_manager"])
    """Roles or e-mail addresses."""
    show_case_ids: bool = True


class Reports(Strict):
    monthly_recipients: list[str] = Field(default_factory=lambda: ["business_manager"])
    quarterly_recipients: list[str] = Field(default_factory=lambda: ["qa_manager"])


class Security(Strict):
    allowed_domains: list[str] = Field(min_length=1)
    """Mail is only ever sent to people in the directory whose domain is listed here."""
    instructions_from: list[str] = Field(default_factory=lambda: ["qa_manager"])
    """Roles entitled to instruct on any alert, besides the alert's own IRO / CP Chair."""
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    """Receiving servers whose Authentication-Results are believed (their authserv-id, e.g.
    mx.luton.gov.uk; exchange-online for Microsoft 365). Empty: a forged From is obeyed."""
    accept: list[Literal["dmarc", "compauth", "dkim", "spf"]] = Field(default_factory=lambda: ["dmarc", "compauth"])
    """Which passing results prove the From domain: dmarc, compauth, dkim or spf (aligned)."""
    trust_exchange_internal: bool = False
    """Believe Exchange Online's mark on mail sent inside the tenant (AuthAs: Internal)."""
    per_sender_per_day: int = Field(default=40, ge=1)
    """Messages from one address in a day that are acted on; later ones are recorded only."""
    max_children_per_alert: int = Field(default=20, ge=1)
    """A new alert naming more children than this is kept for a person (a sibling group is a few)."""
    per_alert_per_day: int = Field(default=60, ge=1)
    """Messages in one alert's thread in a day that are acted on; later ones are recorded only."""

    @property
    def authenticates(self) -> bool:
        return bool(self.trusted_authserv_ids) or self.trust_exchange_internal


class Retention(Strict):
    """How long personal data is kept (issue 9): ``mailbot retention`` removes what is older.

    What goes is the mail itself (raw bytes received, bodies sent) and any text that may quote
    it (audit details); what stays is what the reports count (dates, stages, categories,
    outcome) and an audit line per alert saying what was removed, when and under which rule.
    """

    closed_alert_years: PositiveInt = 2
    """The mail and narrative of a closed (resolved, withdrawn, Cafcass) alert go this many
    years after it closed."""
    remove_case_ids: bool = False
    """Also replace the children's case IDs of such an alert (and of compliments as old) with a
    marker; the figures still count each child."""
    unlinked_mail_days: PositiveInt = 90
    """Mail linked to no alert (quarantined, automatic, compliments; digests and reports sent)
    goes this many days after it was received or queued."""


class Templates(Strict):
    folder: str | None = None
    """A folder of the authority's own templates; any not found there come from the defaults."""


class Settings(Strict):
    authority: Authority
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    mailbox: MailboxConfig
    outbox: OutboxConfig
    store: StoreConfig
    directory: list[Person] | str
    processes: dict[str, Process] = Field(min_length=1)
    digest: Digest = Field(default_factory=Digest)
    reports: Reports = Field(default_factory=Reports)
    security: Security
    templates: Templates = Field(default_factory=Templates)
    retention: Retention = Field(default_factory=Retention)

    @field_validator("processes")
    @classmethod
    def _process_keys(cls, v: dict[str, Process]) -> dict[str, Process]:
        for key in v:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(f"process name {key!r} must be lower-case letters, digits or _")
        return v


@dataclass(frozen=True)
class Config:
    """A validated configuration, with the directory loaded and paths resolved."""

    settings: Settings
    people: tuple[Person, ...]
    base_dir: Path
    source: Path | None

    @property
    def authority(self) -> Authority:
        return self.settings.authority

    @property
    def processes(self) -> dict[str, Process]:
        return self.settings.processes

    def person(self, email: str | None) -> Person | None:
        if not email:
            return None
        email = email.lower()
        for p in self.people:
            if p.email == email:
                return p
        return None

    def people_with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if p.has_role(role)]

    def resolve_path(self, url_or_path: str) -> Path:
        raw = url_or_path.split(":", 1)[1] if url_or_path.startswith("maildir:") else url_or_path
        path = Path(raw).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def store_url(self) -> str:
        url = self.settings.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(self.base_dir / url[len(prefix):])
        if self.settings.store.schema_ is not None:
            # In the URL itself, so that every connection any command opens lands in the schema.
            from store.db import with_schema

            return with_schema(url, self.settings.store.schema_)
        return url


def _known_keys() -> frozenset[str]:
    """Every key a configuration may use, for "did you mean" on an unknown one."""
    keys: set[str] = set()
    stack: list[type[BaseModel]] = [Settings]
    seen: set[type[BaseModel]] = set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
            todo = [info.annotation]
            while todo:
                kind = todo.pop()
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    stack.append(kind)
                todo.extend(get_args(kind))
    return frozenset(keys)


@dataclass(frozen=True)
class _Row:
    """Where a person of the directory is written: a CSV line, or an item of the YAML list."""

    where: str  # "people.csv:3" or "config.yaml:41: directory item 2"


def _load_people_csv(path: Path) -> tuple[tuple[Person, ...], list[_Row], list[str]]:
    """The people of a directory CSV with each one's line, and every problem in it."""
    if not path.is_file():
        return (), [], [f"directory: no such file {path}"]
    # Excel's plain "CSV" is Windows-1252, not UTF-8: say so in one line rather than fail with
    # a traceback (or half-read the file) at the first accented name.
    try:
        raw = path.read_bytes()
        raw.decode("utf-8-sig")
    except OSError as exc:
        return (), [], [f"{path}: cannot read: {exc.strerror}"]
    except UnicodeDecodeError as exc:
        line_no = raw.count(b"\n", 0, exc.start) + 1
        return (), [], [f"{path}:{line_no}: not UTF-8 text; save it as \"CSV UTF-8\""]
    people, rows, problems = [], [], []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        expected = ["email", "name", "role", "team", "manager"]
        if [h.strip().lower() for h in (reader.fieldnames or [])] != expected:
            return (), [], [f"{path}:1: the header must be {','.join(expected)}"]
        for line_no, row in enumerate(reader, start=2):
            try:
                people.append(Person(**{(k or "").strip().lower(): (v or "").strip()
                                        for k, v in row.items() if isinstance(v, str)}))
                rows.append(_Row(f"{path}:{line_no}"))
            except (ValidationError, TypeError) as exc:
                errors = exc.errors() if isinstance(exc, ValidationError) else [
                    {"type": "value_error", "loc": (), "msg": "the row has more cells than the header"}]
                for err in errors:
                    problems.append(f"{path}:{line_no}: {describe_place(path_of(err['loc']))}: "
                                    f"{describe_error(err, expected)}")
    return tuple(people), rows, problems


def _directory_problems(settings: Settings, people: tuple[Person, ...], rows: list[_Row],
                        place: "Callable[[tuple[Any, ...]], str]") -> list[str]:
    """Every fault of the directory against the rest of the configuration, each at its place:
    people twice, managers and addresses unknown, and roles the processes need that no one
    holds (with the directory's nearest role, where one is likely a misspelling)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, p in enumerate(people):
        if p.email in seen:
            problems.append(f"{rows[index].where}: {p.email} is listed twice (also at {rows[seen[p.email]].where})")
        seen.setdefault(p.email, index)
    outside: dict[str, list[int]] = {}
    for index, p in enumerate(people):
        if p.manager and p.manager not in seen:
            problems.append(f"{rows[index].where}: manager {p.manager} is not in the directory"
                            f"{did_you_mean(p.manager, seen)}")
        domain = p.email.rsplit("@", 1)[1]
        if domain not in settings.security.allowed_domains:
            outside.setdefault(domain, []).append(index)
    for domain, indexes in outside.items():
        others = f" and {len(indexes) - 1} more" if len(indexes) > 1 else ""
        problems.append(f"{rows[indexes[0]].where}{others}: the domain {domain} is not in security.allowed_domains "
                        f"({', '.join(settings.security.allowed_domains)}); mail is only sent to those domains")
    held = {role for p in people for role in p.roles}
    needed: list[tuple[tuple[Any, ...], str]] = []
    for key, items in (("digest", ("recipients", settings.digest.recipients)),
                       ("reports", ("monthly_recipients", settings.reports.monthly_recipients)),
                       ("reports", ("quarterly_recipients", settings.reports.quarterly_recipients)),
                       ("security", ("instructions_from", settings.security.instructions_from))):
        name, values = items
        for index, item in enumerate(values):
            if "@" in item:
                # A misspelt address would silently send to no one: it must be a known person.
                if item.lower() not in seen:
                    problems.append(f"{place((key, name, index))}: {item} is not in the directory"
                                    f"{did_you_mean(item.lower(), seen)}")
            else:
                needed.append(((key, name, index), item))
    for key, process in settings.processes.items():
        needed += [(("processes", key, "raised_by", i), role) for i, role in enumerate(process.raised_by)]
        if process.informal:
            needed.append((("processes", key, "informal", "responder"), process.informal.responder))
        needed += [(("processes", key, "stages", i, "responder"), s.responder) for i, s in enumerate(process.stages)]
        if process.final:
            needed += [(("processes", key, "final", "raised_by", i), role) for i, role in enumerate(process.final.raised_by)]
    wanted = [role for _, role in needed]
    blamed: set[str] = set()
    for at, role in needed:
        if role in held:
            continue
        near = did_you_mean(role, held - set(wanted))
        holders = ", ".join(rows[i].where for i, p in enumerate(people) if near and near.split("'")[1] in p.roles)
        if near and wanted.count(role) > 1:
            # The configuration spells the role the same way in several places; the directory's
            # near-spelling, which nothing uses, is the typo: its lines are blamed.
            misspelt = near.split("'")[1]
            if misspelt not in blamed:
                blamed.add(misspelt)
                problems.append(f"{holders}: role {misspelt!r} is used nowhere in the configuration; "
                                f"did you mean {role!r}? ({describe_place(at)} and others need it)")
            continue
        if near:
            problems.append(f"{place(at)}: no one in the directory has the role {role!r}{near} ({holders} "
                            "hold it and nothing uses it: correct whichever is misspelt)")
            continue
        problems.append(f"{place(at)}: no one in the directory has the role {role!r}"
                        f"{did_you_mean(role, held)} (the directory's roles: {', '.join(sorted(held)) or 'none'})")
    return problems


def _valid_parts(data: dict[str, Any]) -> Any:
    """The sections the directory is checked against, each validated on its own; None unless all
    of them are valid."""
    from types import SimpleNamespace

    from pydantic import TypeAdapter

    def valid(kind: Any, value: Any) -> Any:
        try:
            return TypeAdapter(kind).validate_python(value)
        except ValidationError:
            return None

    parts: dict[str, Any] = {}
    processes = data.get("processes")
    # Each process and each person on its own: one bad stage leaves the others' roles checked.
    parts["processes"] = {key: found for key, value in (processes.items() if isinstance(processes, dict) else ())
                          if (found := valid(Process, value)) is not None}
    directory = data.get("directory")
    parts["directory"] = (directory if isinstance(directory, str) else
                          [found for value in (directory if isinstance(directory, list) else ())
                           if (found := valid(Person, value)) is not None])
    for name in ("security", "digest", "reports"):
        info = Settings.model_fields[name]
        found = valid(info.annotation, data[name]) if name in data else None
        if found is None and info.is_required():
            return None
        parts[name] = found if found is not None else info.get_default(call_default_factory=True)
    return SimpleNamespace(**parts)


def roles_needed(settings: Settings) -> dict[str, list[str]]:
    """Each role the configured processes and recipients need, with who needs it (for check-config)."""
    out: dict[str, list[str]] = {}
    for key, process in settings.processes.items():
        for role in process.raised_by:
            out.setdefault(role, []).append(f"{key}: raises")
        if process.informal:
            out.setdefault(process.informal.responder, []).append(f"{key}: informal")
        for stage in process.stages:
            out.setdefault(stage.responder, []).append(f"{key}: stage {stage.stage}")
    for name, values in (("digest", settings.digest.recipients), ("monthly report", settings.reports.monthly_recipients),
                         ("quarterly report", settings.reports.quarterly_recipients),
                         ("instructions", settings.security.instructions_from)):
        for item in values:
            if "@" not in item:
                out.setdefault(item, []).append(name)
    return out


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, validate and return the configuration at ``path``; raise ConfigError listing every
    problem found, each with its file, line and place."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = read_yaml(text, path)
        return config_from_data(document.data, base_dir=path.resolve().parent, source=path,
                                lines=document.lines, problems=document.problems)
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_problem(exc, path)) from None
    except RecursionError:
        raise ConfigError(f"{path}: an alias (*name) that contains itself; write the value out instead") from None


def config_from_data(data: Any, base_dir: Path, source: Path | None = None,
                     lines: dict[tuple[Any, ...], int] | None = None, problems: list[str] | None = None) -> Config:
    """Validate ``data`` (a parsed configuration); raise ConfigError with every problem at once."""
    lines = lines or {}
    problems = list(problems or [])
    if not isinstance(data, dict):
        raise ConfigError(problems + [f"{source or 'configuration'}: must be a mapping of keys to values"])

    def place(at: tuple[Any, ...]) -> str:
        if source is None:
            return describe_place(at)
        return f"{at_line(source, line_of(at, lines))}: {describe_place(at)}"

    settings = None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        keys = _known_keys()
        errors = exc.errors()
        # "directory" is a list of people or a CSV file name: a bad list gets pydantic's error for
        # both readings; the one about the other reading ("should be a valid string") is noise.
        deeper = {path_of(e["loc"])[:1] for e in errors if len(path_of(e["loc"])) > 1}
        for err in errors:
            at = path_of(err["loc"])
            if len(at) == 1 and at[:1] in deeper and err["type"] in ("string_type", "list_type"):
                continue
            problems.append(f"{place(at)}: {describe_error(err, keys)}")
    # With the whole invalid, the parts the directory is checked against may still be valid on
    # their own: checking them now lists a role typo in the same run as a bad date.
    checkable = settings if settings is not None else _valid_parts(data)
    directory = settings.directory if settings is not None else data.get("directory")
    people: tuple[Person, ...] = ()
    rows: list[_Row] = []
    if isinstance(directory, str) and directory:
        csv_path = Path(directory)
        people, rows, csv_problems = _load_people_csv(csv_path if csv_path.is_absolute() else base_dir / csv_path)
        problems += csv_problems
    elif checkable is not None:
        people = tuple(checkable.directory)
        rows = [_Row(place(("directory", i))) for i in range(len(people))]
    if checkable is not None:
        problems += _directory_problems(checkable, people, rows, place)
    if problems:
        raise ConfigError(problems)
    return Config(settings=settings, people=people, base_dir=base_dir, source=source)


def find_config_path(explicit: str | None) -> Path:
    """``--config PATH``, else ``$MAILBOT_CONFIG``, else ``./config.yaml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MAILBOT_CONFIG")
    if env:
        return Path(env)
    return Path("config.yaml")


def files_read_by(path: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The files loading ``path`` reads: the configuration itself and, when ``directory`` names
    a CSV file, that file (resolved as ``config_from_data`` resolves it). Never raises: a file
    that cannot be read or parsed still names itself, so that a daemon watching for changes
    (issue 10) notices when it is put right."""
    path = Path(path)
    files = [path]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return tuple(files)
    directory = data.get("directory") if isinstance(data, dict) else None
    if isinstance(directory, str) and directory:
        csv_path = Path(directory)
        files.append(csv_path if csv_path.is_absolute() else path.resolve().parent / csv_path)
    return tuple(files)
