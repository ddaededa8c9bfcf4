"""``mailbot import``: load the Business Manager's existing alert spreadsheet, so that the
figures carry on from before mailbot.

A mapping file (YAML, see ``examples/import-mapping.yaml``) says which column holds what and how
dates are written. Reading is pure (rows in, alerts or reasons out); writing is one
transaction: either every alert of the file is stored, or none is (DESIGN §6: nothing
half-imported). Rows with the same reference are one alert covering several children, as a
spreadsheet with one row per child has them.

What an imported alert is:

* marked ``imported`` in the store, with the audit line "imported from FILE row N";
* one rung (episode) per stage the spreadsheet dates (the informal date is the date raised),
  or a single rung at the stage reached when it dates no escalations; responders are the
  directory's people of each rung's role above the team's manager, as for a live alert;
* concluded ones (a concluded date) are resolved, withdrawn or referred to Cafcass;
* open ones wait for the IRO's decision (status ``open``): mailbot sends nothing for them until
  the IRO replies with the reference, since the spreadsheet cannot say whether a manager has
  already answered. A formal cap already passed is recorded as breached, not reported as news;
  one that falls due later is reported as for any alert.

No child's name can come in: child IDs must match the authority's case-ID pattern, and no
free-text column is read. A cell is read as what it holds, never as what it computes: a formula
("=HYPERLINK(...)") comes in as its text, like any other text, and the workbooks mailbot writes
escape such text (``reports.safe_cell``), so it can never become a live formula there.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from . import domain as d
from .calendar import WorkingCalendar
from .config import Config
from .errors import UsageError
from .reports import plain_cell

FIELDS = ("reference", "child_ids", "raised", "categories", "stage_reached", "concluded", "stage_resolved",
          "outcome", "iro", "team", "process")
REQUIRED = ("reference", "child_ids", "raised")
DEFAULT_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%d/%m/%y")
# Imported dates carry no time; noon keeps them on the same local day whatever the clock change.
IMPORT_TIME = time(12, 0)


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # field -> column header
    stage_dates: dict[int, str] = field(default_factory=dict)  # stage -> header of the date it was reached
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    sheet: str | None = None
    process: str | None = None  # when there is no process column
    separator: str = ";"
    categories: dict[str, str] = field(default_factory=dict)  # spreadsheet wording -> configured name
    teams: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1)
    reason: str


@dataclass(frozen=True)
class Planned:
    alert: d.Alert
    rows: tuple[int, ...]


@dataclass
class Plan:
    source: str
    alerts: list[Planned] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --------------------------------------------------------------------------- mapping


def load_mapping(path: Path, config: Config) -> Mapping:
    """Read and check the mapping file; UsageError naming the key on any fault."""
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--mapping: no such file {path}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: must be a mapping of keys to values")
    known = {"columns", "stage_dates", "date_formats", "sheet", "process", "separator", "categories", "teams",
             "people", "stages", "outcomes"}
    for key in data:
        if key not in known:
            raise UsageError(f"{where}: {key}: unknown key (expected one of {', '.join(sorted(known))})")
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        raise UsageError(f"{where}: columns: must map fields to column headers")
    for key in columns:
        if key not in FIELDS:
            raise UsageError(f"{where}: columns.{key}: unknown field (expected one of {', '.join(FIELDS)})")
    for key in REQUIRED:
        if not columns.get(key):
            raise UsageError(f"{where}: columns.{key}: required (the column holding the {key.replace('_', ' ')})")
    process = data.get("process")
    if process is not None and process not in config.processes:
        raise UsageError(f"{where}: process: {process!r} is not a process in the configuration")
    if process is None and "process" not in columns:
        if len(config.processes) != 1:
            raise UsageError(f"{where}: process: required when there is no process column "
                             f"(one of {', '.join(config.processes)})")
        process = next(iter(config.processes))
    stage_dates = {}
    for key, header in (data.get("stage_dates") or {}).items():
        stage = 0 if str(key).strip().lower() in ("0", "informal") else _int_or_none(key)
        if stage is None:
            raise UsageError(f"{where}: stage_dates.{key}: use a stage number, or 0 / informal")
        stage_dates[stage] = str(header)

    def text_map(key: str) -> dict[str, str]:
        value = data.get(key) or {}
        if not isinstance(value, dict):
            raise UsageError(f"{where}: {key}: must map spreadsheet wording to a value")
        return {str(k).strip().lower(): str(v).strip() for k, v in value.items()}

    stages = {}
    for k, v in text_map("stages").items():
        if _int_or_none(v) is None:
            raise UsageError(f"{where}: stages.{k}: must be a stage number (0 for informal)")
        stages[k] = int(v)
    outcomes = text_map("outcomes")
    for k, v in outcomes.items():
        if v not in ("resolved", "withdrawn", "cafcass", "open"):
            raise UsageError(f"{where}: outcomes.{k}: must be resolved, withdrawn, cafcass or open")
    formats = data.get("date_formats") or DEFAULT_DATE_FORMATS
    if isinstance(formats, str):
        formats = [formats]
    return Mapping(
        columns={k: str(v) for k, v in columns.items() if v},
        stage_dates=stage_dates,
        date_formats=tuple(formats),
        sheet=data.get("sheet"),
        process=process,
        separator=str(data.get("separator") or ";"),
        categories=text_map("categories"),
        teams=text_map("teams"),
        people=text_map("people"),
        stages=stages,
        outcomes=outcomes,
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


# --------------------------------------------------------------------------- reading files


def read_rows(path: Path, sheet: str | None = None) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(headers, [(row number, {header: value})]) from a .csv or .xlsx; blank rows skipped."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            records = list(csv.reader(handle))
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            # data_only=False: a formula is read as its text, not as the value it last computed.
            book = load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
            raise UsageError(f"{path}: cannot read as a spreadsheet: {exc}") from None
        if sheet is not None and sheet not in book.sheetnames:
            raise UsageError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        records = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
        book.close()
    else:
        raise UsageError(f"{path}: expected a .csv or .xlsx file")
    if not records:
        raise UsageError(f"{path}: the file is empty")
    # Text that mailbot's own export escaped (an apostrophe before "=", "-", ...) comes back as it was.
    records = [[plain_cell(v) for v in r] for r in records]
    headers = [str(h).strip() if h is not None else "" for h in records[0]]
    rows = []
    for number, values in enumerate(records[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append((number, {h: (values[i] if i < len(values) else None) for i, h in enumerate(headers) if h}))
    return headers, rows


# --------------------------------------------------------------------------- rows to alerts


class _Bad(Exception):
    """A row that cannot be read; its message says why, for the dry-run listing."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _cell_text(value: Any) -> Any:
    """A workbook cell as it is held: an array or table formula (an object in openpyxl) as its text."""
    if value is None or isinstance(value, (str, int, float, date, time)):
        return value
    return str(getattr(value, "text", value))


def _date(value: Any, formats: Iterable[str], what: str) -> date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text.startswith("="):
        raise _Bad(f"{what} {text!r} is a formula; mailbot reads what a cell holds, not what it "
                   "computes (save the column as values)")
    day = _parse_date_text(text, tuple(formats))
    if day is None:
        raise _Bad(f"{what} {text!r} is not a date in any of the formats {', '.join(formats)}")
    return day


@lru_cache(maxsize=65536)
def _parse_date_text(text: str, formats: tuple[str, ...]) -> date | None:
    # A spreadsheet repeats the same few thousand dates; strptime was a tenth of a large import.
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _stage(value: Any, mapping: Mapping, what: str) -> int | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in mapping.stages:
        return mapping.stages[text]
    if m := re.search(r"\d+", text):
        return int(m[0])
    if any(word in text for word in ("informal", "pre-d", "pre d", "pre-drp", "pre drp")):
        return 0
    raise _Bad(f"{what} {_text(value)!r} names no stage (add it under stages: in the mapping)")


def _outcome(value: Any, mapping: Mapping, concluded: date | None) -> str:
    text = _text(value).lower()
    if text in mapping.outcomes:
        return mapping.outcomes[text]
    for word, outcome in (("withdr", "withdrawn"), ("cafcass", "cafcass"), ("resolv", "resolved"),
                          ("open", "open"), ("ongoing", "open")):
        if word in text:
            return outcome
    if text:
        raise _Bad(f"outcome {_text(value)!r} is not resolved, withdrawn, Cafcass or open "
                   "(add it under outcomes: in the mapping)")
    return "resolved" if concluded else "open"


class Importer:
    """Turns spreadsheet rows into domain alerts, with the directory and calendar of ``config``."""

    def __init__(self, config: Config, calendar: WorkingCalendar, mapping: Mapping):
        self.config = config
        self.calendar = calendar
        self.mapping = mapping
        self._due_dates: dict[tuple[date, int], date] = {}

    def _due_date(self, started: datetime, working_days: int) -> date:
        """calendar.due_date, asked once per (day, working days): imported rungs all start at
        IMPORT_TIME on their day, and a large file repeats the same days (the calendar walks
        day by day; it was a third of the planning)."""
        key = (started.date(), working_days)
        due = self._due_dates.get(key)
        if due is None:
            due = self._due_dates[key] = self.calendar.due_date(started, working_days)
        return due

    def plan(self, source: str, headers: list[str], rows: list[tuple[int, dict[str, Any]]],
             existing: set[str] = frozenset()) -> Plan:
        plan = Plan(source)
        wanted = list(self.mapping.columns.values()) + list(self.mapping.stage_dates.values())
        missing = [h for h in wanted if h not in headers]
        if missing:
            raise UsageError(f"{source}: no column {', '.join(repr(h) for h in missing)} "
                             f"(columns are: {', '.join(h for h in headers if h)})")
        groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for number, row in rows:
            ref = self.reference(row)
            if not ref:
                plan.errors.append(RowError(number, "no reference"))
                continue
            groups.setdefault(ref, []).append((number, row))
        for ref, members in groups.items():
            numbers = tuple(n for n, _ in members)
            if ref in existing:
                plan.errors.extend(RowError(n, f"{ref} is already in the store") for n in numbers)
                continue
            try:
                plan.alerts.append(Planned(self._alert(ref, members), numbers))
            except _Bad as bad:
                plan.errors.append(RowError(bad.args[1] if len(bad.args) > 1 else numbers[0], bad.args[0]))
        plan.errors.sort(key=lambda e: e.row)
        return plan

    def reference(self, row: dict[str, Any]) -> str:
        """A row's alert reference as the store keeps it ("" when the cell is blank)."""
        return _text(row.get(self.mapping.columns["reference"])).upper()

    def _one(self, ref: str, members: list[tuple[int, dict[str, Any]]], field_name: str) -> Any:
        """A field that must read the same on every row of an alert (all but the child ID)."""
        header = self.mapping.columns.get(field_name)
        if header is None:
            return None
        # Blank cells on a sibling's row repeat the first row (spreadsheets often leave them blank).
        values = {_text(row.get(header)): row.get(header) for _, row in members if _text(row.get(header))}
        if len(values) > 1:
            raise _Bad(f"{ref}: rows disagree on {header!r} ({' / '.join(sorted(values))})", members[-1][0])
        return next(iter(values.values())) if values else None

    def _alert(self, ref: str, members: list[tuple[int, dict[str, Any]]]) -> d.Alert:
        m, cal, config = self.mapping, self.calendar, self.config
        first = members[0][0]
        try:
            process_key = self._process(self._one(ref, members, "process"))
            process = config.processes[process_key]
            children = self._children(members)
            raised = _date(self._one(ref, members, "raised"), m.date_formats, "date raised")
            if raised is None:
                raise _Bad("no date raised")
            concluded = _date(self._one(ref, members, "concluded"), m.date_formats, "date concluded")
            if concluded and concluded < raised:
                raise _Bad(f"concluded {concluded.isoformat()} before it was raised {raised.isoformat()}")
            outcome = _outcome(self._one(ref, members, "outcome"), m, concluded)
            if outcome != "open" and concluded is None:
                raise _Bad(f"outcome is {outcome} but there is no date concluded")
            if outcome == "open" and concluded is not None:
                raise _Bad("has a date concluded but its outcome says open")
            categories = self._categories(process_key, self._one(ref, members, "categories"))
            raised_by = self._iro(self._one(ref, members, "iro"))
            anchor = self._team_manager(self._one(ref, members, "team"), process)
            dated = self._stage_dates(members, process, raised)
            reached = _stage(self._one(ref, members, "stage_reached"), m, "stage reached")
            resolved_at = _stage(self._one(ref, members, "stage_resolved"), m, "stage resolved")
        except _Bad as bad:
            raise _Bad(bad.args[0], bad.args[1] if len(bad.args) > 1 else first) from None
        for stage in [reached, resolved_at] + list(dated):
            if stage is not None and not self._stage_exists(process, stage):
                raise _Bad(f"stage {stage} does not exist in the {process.label} ladder", first)
        top = max(dated) if dated else None
        if reached is None:
            reached = top if top is not None else (resolved_at if resolved_at is not None else 0 if process.informal else 1)
        if top is not None and reached < top:
            raise _Bad(f"stage reached is {reached} but the row dates stage {top}", first)
        if resolved_at is not None and resolved_at > reached:
            raise _Bad(f"resolved at stage {resolved_at}, above the stage reached ({reached})", first)
        if outcome == "resolved" and resolved_at is None:
            resolved_at = reached
        if not dated:
            dated = {reached: raised}
        elif reached not in dated:
            # The spreadsheet names a higher stage without its date: the last date known stands in.
            dated[reached] = max(dated.values())
        return self._build(ref, process_key, raised_by, anchor, children, categories, raised, dated,
                           concluded, outcome, resolved_at, first)

    def _build(self, ref, process_key, raised_by, anchor, children, categories, raised, dated, concluded,
               outcome, resolved_at, row_number) -> d.Alert:
        cal, config = self.calendar, self.config
        process = config.processes[process_key]
        stages = sorted(dated)
        dates = [dated[s] for s in stages]
        if dates != sorted(dates):
            raise _Bad("stage dates go backwards (" + ", ".join(f"stage {s} {dated[s].isoformat()}" for s in stages) + ")",
                       row_number)
        tz = cal.tz
        at = lambda day: datetime.combine(day, IMPORT_TIME, tz)  # noqa: E731
        closed = at(concluded) if concluded else None
        if closed and concluded < dates[-1]:
            raise _Bad(f"concluded {concluded.isoformat()} before it reached stage {stages[-1]}", row_number)
        episodes = []
        for i, stage in enumerate(stages):
            role = process.informal.responder if stage == 0 else process.stage(stage).responder
            person = d.find_responder(config, role, anchor)
            started = at(dated[stage])
            working_days = process.informal.working_days if stage == 0 else process.stage(stage).working_days
            last = i == len(stages) - 1
            ended = at(dated[stages[i + 1]]) if not last else closed
            episodes.append(d.Episode(
                stage=stage, step=d.STEP_STAGE, responder=person.email if person else "", started=started,
                due=self._due_date(started, working_days), lapsed=False,
                ended=ended, outcome=("escalated" if not last else None if outcome == "open" else outcome),
            ))
        formal = [e.started for e in episodes if e.stage > 0]
        status = {"open": d.Status.OPEN, "resolved": d.Status.RESOLVED, "withdrawn": d.Status.WITHDRAWN,
                  "cafcass": d.Status.CAFCASS}[outcome]
        alert = d.Alert(
            ref=ref, process=process_key, status=status, raised_by=raised_by, anchor=anchor,
            children=children, categories=categories, opened=at(raised), episodes=tuple(episodes),
            closed=closed, resolved_at_stage=resolved_at if outcome == "resolved" else None,
            formal_started=formal[0] if formal else None,
            cafcass_at=closed if outcome == "cafcass" else None,
        )
        return alert

    def mark_cap(self, alert: d.Alert, now: datetime) -> d.Alert:
        """An open imported alert already past the formal cap is recorded as breached, so the
        first sweep does not report history as news."""
        from dataclasses import replace

        rules = d.Rules(self.config, self.calendar)
        if alert.is_live and d.CapBreached() in d.due_events(alert, now, rules):
            return replace(alert, cap_breached=True)
        return alert

    # --- cells

    def _process(self, value: Any) -> str:
        if self.mapping.columns.get("process") is None or _text(value) == "":
            if self.mapping.process is None:
                raise _Bad("no process (fill the process column, or set process: in the mapping)")
            return self.mapping.process
        text = _text(value).lower()
        for key, process in self.config.processes.items():
            if text in (key, process.label.lower()) or text in (w.lower() for w in process.process_words):
                return key
        raise _Bad(f"process {_text(value)!r} is not one of {', '.join(self.config.processes)}")

    def _children(self, members: list[tuple[int, dict[str, Any]]]) -> tuple[str, ...]:
        pattern = self.config.authority.case_id_pattern
        out: list[str] = []
        for number, row in members:
            cell = row.get(self.mapping.columns["child_ids"])
            if isinstance(cell, float) and cell.is_integer():
                cell = int(cell)  # a spreadsheet stores 1234567 as a number
            for part in re.split(r"[,;/\s]+", _text(cell)):
                if not part:
                    continue
                # Only case-system IDs: a name typed in this column must never be stored.
                if not re.fullmatch(pattern, part):
                    raise _Bad(f"child ID {part!r} does not match the case-ID pattern of authority.case_id_pattern",
                               number)
                if part not in out:
                    out.append(part)
        if not out:
            raise _Bad("no child ID", members[0][0])
        return tuple(out)

    def _categories(self, process_key: str, value: Any) -> tuple[str, ...]:
        process = self.config.processes[process_key]
        out: list[str] = []
        for part in _text(value).split(self.mapping.separator):
            text = part.strip().lower()
            if not text:
                continue
            text = self.mapping.categories.get(text, text).lower()
            match = next((c.name for c in process.categories
                          if text == c.name.lower() or text in (s.lower() for s in c.synonyms)), None)
            if match is None:
                raise _Bad(f"category {part.strip()!r} is not one of the {process.label} categories "
                           "(add it under categories: in the mapping)")
            if match not in out:
                out.append(match)
        return tuple(out) or ("unclassified",)

    def _iro(self, value: Any) -> str:
        text = _text(value)
        if not text:
            raise _Bad("no IRO")
        text = self.mapping.people.get(text.lower(), text)
        for person in self.config.people:
            if text.lower() in (person.email, person.name.lower()):
                return person.email
        if "@" in text:
            return text.lower()  # someone who has left: kept for the figures, never mailed
        raise _Bad(f"IRO {text!r} is not in the directory (map the name to an e-mail under people: in the mapping)")

    def _team_manager(self, value: Any, process) -> str | None:
        """The team's manager: the person of the first rung's role in that team (the anchor
        escalation walks up from, and what the reports call the alert's team)."""
        text = _text(value)
        if not text:
            return None
        team = self.mapping.teams.get(text.lower(), text).lower()
        members = [p for p in self.config.people if p.team.lower() == team]
        if not members:
            raise _Bad(f"team {text!r} is not a team in the directory (map it under teams: in the mapping)")
        first_role = process.informal.responder if process.informal else process.stage(1).responder
        return next((p.email for p in members if p.has_role(first_role)), members[0].email)

    def _stage_dates(self, members, process, raised: date) -> dict[int, date]:
        out: dict[int, date] = {}
        for stage, header in self.mapping.stage_dates.items():
            value = {_text(r.get(header)): r.get(header) for _, r in members}
            value.pop("", None)
            if len(value) > 1:
                raise _Bad(f"rows disagree on {header!r}")
            day = _date(next(iter(value.values())) if value else None, self.mapping.date_formats, header)
            if day is not None:
                out[stage] = day
        if out and 0 not in self.mapping.stage_dates and process.informal and raised < min(out.values()):
            # No informal date column, and the first dated stage came after the date raised: the
            # informal stage ran from the date raised. (With an informal column left blank, the
            # alert started formally: a bypass.)
            out[0] = raised
        if out and min(out.values()) < raised:
            raise _Bad(f"a stage is dated before the alert was raised ({raised.isoformat()})")
        return out

    @staticmethod
    def _stage_exists(process, stage: int) -> bool:
        return (stage == 0 and process.informal is not None) or 1 <= stage <= process.last_stage


def describe(alert: d.Alert, config: Config, calendar: WorkingCalendar) -> str:
    """One line for the dry run: what would be created (no narrative exists to show)."""
    process = config.processes[alert.process]
    where = d.rung_name(process, alert.stage)
    state = alert.status.value
    if alert.closed:
        state += f" {calendar.local_date(alert.closed).isoformat()}"
    return (f"{alert.ref}  {alert.process}  raised {calendar.local_date(alert.opened).isoformat()}  "
            f"{len(alert.children)} child{'ren' if len(alert.children) != 1 else ''}  reached {where}  {state}")


def iter_errors(plan: Plan) -> Iterator[str]:
    for e in plan.errors:
        yield f"{plan.source} row {e.row}: {e.reason}"


# --------------------------------------------------------------------------- the store


def import_file(bot, path: Path, mapping_path: Path, now: datetime, dry_run: bool) -> tuple[Plan, bool]:
    """Read ``path`` with the mapping and, unless ``dry_run`` or any row is unreadable, store
    every alert in ONE transaction. Returns the plan and whether it was written.

    One pass, no query per row (issue 13): the store is asked only which of the file's
    references it already holds; alerts, children, episodes and audit lines go in as bulk
    inserts, and each year's reference counter is raised once, to the highest number used."""
    from store import repository as repo

    mapping = load_mapping(mapping_path, bot.config)
    headers, rows = read_rows(path, mapping.sheet)
    importer = Importer(bot.config, bot.calendar, mapping)
    with bot.sessions() as session:
        existing = repo.refs_in_store(session, (importer.reference(row) for _, row in rows))
    plan = importer.plan(path.name, headers, rows, existing)
    if dry_run or plan.errors:
        return plan, False
    prefix = re.compile(rf"{re.escape(bot.config.authority.reference_prefix)}-(\d{{4}})-(\d+)")
    alerts, highest = [], {}
    for planned in plan.alerts:
        alert = importer.mark_cap(planned.alert, now)
        alerts.append((alert, d.next_due_at(alert, bot.rules)))
        if m := prefix.fullmatch(alert.ref):
            # Later alerts must not be given a reference the spreadsheet already used.
            year = int(m[1])
            highest[year] = max(highest.get(year, 0), int(m[2]))

    def audit_lines() -> Iterator[dict]:
        for planned in plan.alerts:
            rows = planned.rows
            where = f"row {rows[0]}" if len(rows) == 1 else f"rows {', '.join(map(str, rows))}"
            yield {"at": now, "actor": "mailbot import", "action": "imported",
                   "detail": f"imported from {path.name} {where}", "alert_ref": planned.alert.ref}

    with bot.sessions.begin() as session:
        repo.insert_new_alerts(session, alerts, imported=True)
        repo.add_audits(session, audit_lines())
        for year, number in sorted(highest.items()):
            repo.raise_ref_counter(session, year, number)
    return plan, True
