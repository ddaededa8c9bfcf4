"""Lists of alerts for people: which alerts (filters, FIND), in which columns, as a table or a workbook.

One selection serves ``mailbot alerts`` on the command line, the Business Manager's ``OPEN`` and
``FIND`` by e-mail and ``mailbot export open``, so the workbook she gets by mail is the list the
administrator sees (issue 10). Pure: the alerts, the configuration, the calendar and ``now`` are
passed in; the workbook is returned as bytes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from . import domain as d
from .calendar import WorkingCalendar
from .config import Config
from .errors import UsageError
from .notices import status_words


@dataclass(frozen=True)
class AlertFilter:
    """What ``mailbot alerts --open --overdue --child --person --team --stage --since`` asks."""

    open_only: bool = False
    overdue: bool = False
    child: str | None = None
    person: str | None = None  # an e-mail address, or part of a name in the directory
    team: str | None = None  # the current responder's team, as the directory names it
    stage: int | None = None
    since: date | None = None  # opened on or after

    def describe(self) -> str:
        """The filters in words, for a workbook's title and a reply (never a child's ID)."""
        words = []
        if self.open_only:
            words.append("open")
        if self.overdue:
            words.append("overdue")
        if self.child:
            words.append("for one child")
        if self.person:
            words.append(f"involving {self.person}")
        if self.team:
            words.append(f"team {self.team}")
        if self.stage is not None:
            words.append(f"at stage {self.stage}")
        if self.since:
            words.append(f"opened since {self.since.isoformat()}")
        return ", ".join(words) or "all"


def people_matching(config: Config, who: str) -> set[str]:
    """The directory's e-mail addresses ``who`` names: an address, or words of a name
    ("Jo Reid", "reid"). An address not in the directory (someone who left) still counts."""
    who = who.strip().lower()
    if "@" in who:
        return {who}
    words = who.split()
    return {p.email for p in config.people if words and all(w in p.name.lower().split() or w in p.name.lower()
                                                            for w in words)}


def is_overdue(alert: d.Alert, calendar: WorkingCalendar, now: datetime) -> bool:
    return alert.due is not None and calendar.is_past_due(now, alert.due)


def select(alerts: Iterable[d.Alert], flt: AlertFilter, config: Config, calendar: WorkingCalendar,
           now: datetime) -> list[d.Alert]:
    """The alerts ``flt`` asks for, oldest first."""
    people = people_matching(config, flt.person) if flt.person else set()
    team = flt.team.strip().lower() if flt.team else None
    chosen = []
    for alert in alerts:
        if flt.open_only and not alert.is_live:
            continue
        if flt.overdue and not is_overdue(alert, calendar, now):
            continue
        if flt.child and flt.child.strip() not in alert.children:
            continue
        if flt.person and not people & ({alert.raised_by} | {e.responder for e in alert.episodes}):
            continue
        if team is not None:
            responder = config.person(alert.responder)
            if responder is None or responder.team.strip().lower() != team:
                continue
        if flt.stage is not None and alert.stage != flt.stage:
            continue
        if flt.since and calendar.local_date(alert.opened) < flt.since:
            continue
        chosen.append(alert)
    return sorted(chosen, key=lambda a: (a.opened, a.ref))


def find_filter(query: str, config: Config) -> AlertFilter:
    """``FIND 1234567`` is a child; ``FIND Jo Reid`` or ``FIND jo.reid@...`` a person."""
    query = " ".join(query.split())
    if not query:
        raise UsageError("FIND needs a child's ID or a person's name or address, e.g. FIND 1234567")
    m = re.search(config.authority.case_id_pattern, query)
    if m is not None and m.group(0) == query:
        return AlertFilter(child=query)
    if not people_matching(config, query):
        raise UsageError(f"no one in the directory is called {query!r}, and it is not a case ID")
    return AlertFilter(person=query)


COLUMNS = ("Reference", "Process", "Status", "Stage", "Responder", "Team", "Due",
           "Working days overdue", "Raised by", "Children", "Categories", "Opened", "Closed")


def rows(alerts: Sequence[d.Alert], config: Config, calendar: WorkingCalendar, now: datetime) -> list[list[Any]]:
    """One row per alert, in ``COLUMNS`` order: dates as dates, names as the directory has them."""
    def name(email: str) -> str:
        person = config.person(email)
        return person.name if person else f"{email} (not in the directory)"

    out = []
    today = calendar.local_date(now)
    for alert in alerts:
        process = config.processes[alert.process]
        late = is_overdue(alert, calendar, now)
        responder = config.person(alert.responder)
        out.append([
            alert.ref, process.label, status_words(alert, config, overdue=late),
            d.rung_name(process, alert.stage, alert.current.step), name(alert.responder),
            responder.team if responder else "", alert.due,
            calendar.working_days_between(alert.due, today) if late and alert.due else None,
            name(alert.raised_by), ", ".join(alert.children), "; ".join(alert.categories),
            calendar.local_date(alert.opened), calendar.local_date(alert.closed) if alert.closed else None,
        ])
    return out


def as_text(table: list[list[Any]]) -> str:
    """An aligned table with a header line, for the terminal; long cells are not cut."""
    shown = [list(COLUMNS)] + [["" if v is None else v.isoformat() if isinstance(v, date) else str(v) for v in row]
                               for row in table]
    widths = [min(max(len(r[i]) for r in shown), 42) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in shown)


def xlsx_bytes(table: list[list[Any]], *, title: str, as_at: str) -> bytes:
    """The list as an Excel workbook: a title saying what and "as at" when, a header row with
    filters on, frozen under the title, readable widths, landscape and fit to one page wide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .reports import safe_cell

    book = Workbook()
    sheet = book.active
    sheet.title = "Alerts"
    sheet.append([safe_cell(f"{title}, as at {as_at}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(list(COLUMNS))
    header = 3
    for cell in sheet[header]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E5F")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table:
        sheet.append([safe_cell(v) for v in row])
    last_row = header + max(len(table), 1)
    last_col = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A{header}:{last_col}{last_row}"
    sheet.freeze_panes = f"A{header + 1}"
    for index, column in enumerate(COLUMNS, start=1):
        values = [len(column)] + [len(v.isoformat() if isinstance(v, date) else str(v)) for v in
                                  (r[index - 1] for r in table) if v is not None]
        sheet.column_dimensions[get_column_letter(index)].width = min(max(values) + 2, 45)
        if isinstance(next((r[index - 1] for r in table if r[index - 1] is not None), None), date):
            for (cell,) in sheet.iter_rows(min_row=header + 1, min_col=index, max_col=index):
                cell.number_format = "dd/mm/yyyy"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header}:{header}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
