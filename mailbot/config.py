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
from typing import Annotated, Any, Literal

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

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not (v.startswith("sqlite:") or v.startswith("postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return v


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
        return url


def _format_location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in ("list[Person]", "str"):
            continue  # pydantic's names for union members say nothing to a council
        else:
            out += ("." if out else "") + part
    return out or "(top level)"


def _format_error(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling and place)"
    if kind == "missing":
        return "required key is missing"
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return message[0].lower() + message[1:] if message else kind


def _load_people_csv(path: Path) -> tuple[Person, ...]:
    if not path.is_file():
        raise ConfigError(f"directory: no such file {path}")
    # Excel's plain "CSV" is Windows-1252, not UTF-8: say so in one line rather than fail with
    # a traceback (or half-read the file) at the first accented name.
    try:
        raw = path.read_bytes()
        raw.decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line_no = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line_no}: not UTF-8 text; save it as \"CSV UTF-8\"") from None
    people = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        expected = ["email", "name", "role", "team", "manager"]
        if [h.strip().lower() for h in (reader.fieldnames or [])] != expected:
            raise ConfigError(f"{path}: header must be {','.join(expected)}")
        for line_no, row in enumerate(reader, start=2):
            try:
                people.append(Person(**{k.strip().lower(): (v or "").strip() for k, v in row.items()}))
            except ValidationError as exc:
                err = exc.errors()[0]
                raise ConfigError(f"{path}:{line_no}: {_format_location(err['loc'])}: {_format_error(err)}") from None
    return tuple(people)


def _check_directory(settings: Settings, people: tuple[Person, ...]) -> None:
    emails = [p.email for p in people]
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if email in seen:
            raise ConfigError(f"directory[{index}].email: {email} is listed twice")
        seen.add(email)
    for index, p in enumerate(people):
        if p.manager and p.manager not in seen:
            raise ConfigError(f"directory[{index}].manager: {p.manager} is not in the directory")
        domain = p.email.rsplit("@", 1)[1]
        if domain not in settings.security.allowed_domains:
            raise ConfigError(
                f"directory[{index}].email: domain {domain} is not in security.allowed_domains"
            )
    roles = {role for p in people for role in p.roles}
    named = [("digest.recipients", settings.digest.recipients),
             ("reports.monthly_recipients", settings.reports.monthly_recipients),
             ("reports.quarterly_recipients", settings.reports.quarterly_recipients),
             ("security.instructions_from", settings.security.instructions_from)]
    for where, items in named:
        for index, item in enumerate(items):
            # A misspelt role would silently send to no one; an address must be a known person.
            if "@" in item and item.lower() not in seen:
                raise ConfigError(f"{where}[{index}]: {item} is not in the directory")
            if "@" not in item and item not in roles:
                raise ConfigError(f"{where}[{index}]: no one in the directory has the role {item!r}")
    for key, process in settings.processes.items():
        needed = [(f"processes.{key}.raised_by", r) for r in process.raised_by]
        if process.informal:
            needed.append((f"processes.{key}.informal.responder", process.informal.responder))
        needed += [
            (f"processes.{key}.stages[{i}].responder", s.responder) for i, s in enumerate(process.stages)
        ]
        for where, role in needed:
            if role not in roles:
                raise ConfigError(f"{where}: no one in the directory has the role {role!r}")


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, validate and return the configuration at ``path``; raise ConfigError on any fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{where}: {problem}") from None
    return config_from_data(data, base_dir=path.resolve().parent, source=path)


def config_from_data(data: Any, base_dir: Path, source: Path | None = None) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{source or 'configuration'}: must be a mapping of keys to values")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{_format_location(err['loc'])}: {_format_error(err)}") from None
    if isinstance(settings.directory, str):
        csv_path = Path(settings.directory)
        people = _load_people_csv(csv_path if csv_path.is_absolute() else base_dir / csv_path)
    else:
        people = tuple(settings.directory)
    _check_directory(settings, people)
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
