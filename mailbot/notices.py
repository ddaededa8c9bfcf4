"""Render notices from the Jinja2 templates into complete outgoing mails.

Each notice has ``NAME.txt`` (first line ``Subject: ...``, then the plain-text body) and
``NAME.html`` (autoescaped). An authority's own folder, when configured, is searched first, so
it can override any single template. Subjects are built only from the reference, rung, due date
and marking that this module passes in: no narrative reaches a subject line.

Two things every reader sees are decided here, once: ``status_words`` (an alert's state as a
person says it, used by the notices, the digest, the monthly lists and the workbook) and
``MANAGER_NOTICES`` (the notices addressed to the manager who must respond, whose footer says
what a manager can do rather than listing the IRO's instruction words).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

import templates as default_templates

from .calendar import WorkingCalendar
from .config import Config
from .domain import Alert, Status, describe_next, rung_name
from .errors import ConfigError


# Notices whose addressee (To:) is the manager who must respond; the IRO or CP Chair, when copied,
# reads them for information and gets their own notices (acknowledgement, response received,
# lapse notice) for every decision. Their footer (templates/_footer.*) therefore says what a
# manager can do (reply with the response, ask for more time) and carries no instruction table.
MANAGER_NOTICES = frozenset({"reminder", "chaser", "escalation_notice", "extension_agreed", "who_decides",
                             "reassigned", "reopened", "monthly_manager"})
# Of those, the ones that copy the IRO (mailbot.domain's Notice cc): their footer tells the
# copied IRO, under their own name, that nothing is needed from them in reply.
IRO_COPIED_NOTICES = frozenset({"chaser", "escalation_notice", "extension_agreed", "reassigned", "reopened"})

_STATUS_WORDS = {
    Status.AWAITING_RESPONSE: "waiting for the manager's response",
    Status.OPEN: "overdue: waiting for the {decider}'s decision",
    Status.RESPONSE_RECEIVED: "response received: the {decider} decides",
    Status.RESOLVED: "resolved",
    Status.WITHDRAWN: "withdrawn",
    Status.CAFCASS: "referred to {final}",
}


def status_text(status: Status, *, decider: str = "IRO", final: str = "Cafcass",
                more_time_asked: bool = False, overdue: bool = False) -> str:
    """A status as a person says it: "overdue: waiting for the IRO's decision", never ``open``.
    ``overdue``: the deadline has passed but the sweep has not yet marked it lapsed."""
    words = _STATUS_WORDS[status].format(decider=decider, final=final)
    if status is Status.AWAITING_RESPONSE:
        if overdue:
            words = f"overdue: {words}"
        if more_time_asked:
            words += f"; more time asked for: the {decider} decides"
    return words


def decider_title(config: Config | None, alert: Alert) -> str:
    """Who decides on ``alert``: "CP Chair" when its raiser chairs child-protection conferences
    and its process is raised by CP Chairs, else "IRO"."""
    if config is None:
        return "IRO"
    person = config.person(alert.raised_by)
    process = config.processes.get(alert.process)
    if person and process and person.has_role("cp_chair") and "cp_chair" in process.raised_by \
            and not (person.has_role("iro") and "iro" in process.raised_by):
        return "CP Chair"
    return "IRO"


def status_words(alert: Alert, config: Config | None = None, *, overdue: bool = False) -> str:
    """The one place an alert's status becomes words, for every person-facing view (notices,
    digest, monthly lists, workbook). With the configuration, the decider is named as the
    alert's own ("CP Chair" on a child-protection alert) and Cafcass as the process calls it."""
    process = config.processes.get(alert.process) if config is not None else None
    final = process.final.name if process is not None and process.final is not None else "Cafcass"
    return status_text(alert.status, decider=decider_title(config, alert), final=final,
                       more_time_asked=alert.pending_extension is not None, overdue=overdue)


def long_date(d: date | None) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}" if d else ""


def short_time(instant: datetime, calendar: WorkingCalendar) -> str:
    local = instant.astimezone(calendar.tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


class Renderer:
    def __init__(self, config: Config, calendar: WorkingCalendar):
        self.config = config
        self.calendar = calendar
        folders = []
        own = config.settings.templates.folder
        if own:
            path = config.resolve_path(own)
            if not path.is_dir():
                raise ConfigError(f"templates.folder: no such folder {path}")
            folders.append(FileSystemLoader(str(path)))
        folders.append(FileSystemLoader(str(Path(default_templates.__file__).parent)))
        loader = ChoiceLoader(folders)
        # auto_reload off: a template is read once per Renderer (one per configuration read),
        # not checked on disk before every notice; an edited template is taken up when the
        # configuration is read again, as the rest of an authority's settings are.
        options = dict(loader=loader, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True, auto_reload=False)
        self.text_env = Environment(autoescape=False, **options)
        self.html_env = Environment(autoescape=True, **options)

    def base_context(self) -> dict[str, Any]:
        authority = self.config.authority
        marking = authority.protective_marking
        return {
            "authority": {"name": authority.name, "mailbox": authority.mailbox_address},
            "marking": f"{marking} " if marking else "",
        }

    def name_of(self, email: str | None) -> str:
        person = self.config.person(email)
        return person.name if person else (email or "")

    def alert_context(self, alert: Alert, history: list[tuple[datetime, str]]) -> dict[str, Any]:
        process = self.config.processes[alert.process]
        due = alert.due
        resolved_at = ""
        if alert.resolved_at_stage is not None:
            resolved_at = rung_name(process, alert.resolved_at_stage)
        return {
            "ref": alert.ref,
            "process_label": process.label,
            "rung": rung_name(process, alert.stage, alert.current.step),
            "stage": alert.stage,
            "status": status_words(alert, self.config),
            "live": alert.is_live,
            "due": due,
            "due_text": long_date(due),
            "responder": self.name_of(alert.responder),
            "responder_email": alert.responder,
            "raiser": self.name_of(alert.raised_by),
            "raiser_email": alert.raised_by,
            "children": list(alert.children),
            "categories": list(alert.categories),
            "opened_text": long_date(self.calendar.local_date(alert.opened)),
            "next_rung": describe_next(process, alert) if alert.is_live else "",
            "history": [{"when": short_time(at, self.calendar), "what": what} for at, what in history],
            "cap_breached": alert.cap_breached,
            "resolved_at": resolved_at,
        }

    def _enrich(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        """The domain speaks in e-mail addresses and dates; templates want names and words."""
        out = dict(extra)
        for key in ("responder", "requested_by", "previous"):
            if key in out:
                out[f"{key}_name"] = self.name_of(out[key])
        if "back" in out:
            out["back_text"] = long_date(out["back"])
        if "new_due" in out:
            out["new_due_text"] = long_date(out["new_due"])
        return out

    def render(self, name: str, alert: Alert | None, history: list[tuple[datetime, str]],
               extra: Mapping[str, Any]) -> tuple[str, str, str]:
        """Return (subject, text, html) for notice ``name``."""
        context = self.base_context()
        context["audience"] = "manager" if name in MANAGER_NOTICES else "iro"
        context["iro_copied"] = name in IRO_COPIED_NOTICES
        context["alert"] = self.alert_context(alert, history) if alert is not None else None
        context["extra"] = self._enrich(extra)
        try:
            text = self.text_env.get_template(f"{name}.txt").render(context)
            html = self.html_env.get_template(f"{name}.html").render(context)
        except TemplateNotFound as exc:
            raise ConfigError(f"templates: no template {exc.name}") from None
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise ConfigError(f"templates: {name}.txt must start with a 'Subject:' line")
        subject = " ".join(first[len("Subject:"):].split())
        return subject, body.lstrip("\n"), html
