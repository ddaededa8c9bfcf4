"""How well mailbot reads DRP mail it was not tuned on: the independent corpus, field by field.

The corpus (``tests/reading_corpus/``, format in its README) was written from the four procedures
by helpers who had not read the parsers. Each case gives a situation (a new mail, or a reply in
an alert's thread at a given stage) and the reading a careful person would take. This script
plays every case through mailbot's own pure path, the one the daemon uses:
``parsers.parse_message`` -> ``mailbot.routing`` (what the message means here) ->
``mailbot.domain.decide`` (whether the instruction is allowed), on the authority's example
configuration, and compares what mailbot would do with the expected reading.

It prints, for the open part and the sealed part separately, how many messages had each field
read right, and how many had every field right. It never prints a sealed message or its
expectation (``-v`` lists the open misses only), so the sealed figure stays a measure of mail
nobody tuned for. Run from the repository root:

    python bench/reading_accuracy.py            # this checkout
    python bench/reading_accuracy.py -v         # and the open part's misses, field by field
    python bench/reading_accuracy.py --root DIR # another checkout's code (e.g. before a change),
                                                # on this checkout's corpus

A timescale read in another form than the one expected counts as read right when the state
machine, given each, sets the same deadline ("within 5 working days (by 24/03/2027)" read as the
date where the writer wrote down the count): what the daemon would do is the same.

"Obeyed wrongly" counts messages where mailbot would change an alert on a reading that is not
the expected one: the one figure that must be zero (a wrong reading may only lead to a question).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import importlib
import json
import re
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
CORPUS = HERE / "tests" / "reading_corpus"
FIELDS = ("reading", "verb", "target_stage", "timescale", "extension", "stage", "process", "case_ids", "reply")
OBEYING = ("instruction", "new_alert")


class Mailbot:
    """mailbot's modules, imported from the checkout under test."""

    def __init__(self, root: Path):
        sys.path.insert(0, str(root))
        self.parsers = importlib.import_module("parsers")
        self.dates = importlib.import_module("parsers.dates")
        self.config = importlib.import_module("mailbot.config")
        self.routing = importlib.import_module("mailbot.routing")
        self.domain = importlib.import_module("mailbot.domain")
        self.service = importlib.import_module("mailbot.service")
        self.reading = _optional("mailbot.reading")
        self.root = root
        self._configs: dict[str, Any] = {}

    def config_for(self, authority: str) -> Any:
        if authority not in self._configs:
            self._configs[authority] = self.config.load_config(HERE / "examples" / f"{authority}.yaml")
        return self._configs[authority]


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_DUE_IN_SUBJECT = re.compile(r"\bdue\s+(?P<day>(?:[A-Za-z]+\s+)?\d{1,2}\s+[A-Za-z]+\s+\d{4})\b")


# (The stage's name in brackets may hold a colon of its own: "(Stage 1: Team Manager)".)
_ASKED_IN_NOTICE = re.compile(r"has asked for more time to respond to [^:(]{0,160}(?:\([^)]{0,80}\))?[^:]{0,20}:\s*(?:until\s+(?P<until>[^.;]{4,40}?)\s*\.|(?P<days>\d+)\s+(?:more\s+)?working\s+days?)")


def _alert(mb: Mailbot, config: Any, situation: dict[str, Any], now: datetime, subject: str = "", body: str = "") -> Any:
    """The alert the reply's thread belongs to, as the situation describes it. Its deadline is
    the one mailbot's notice told in the subject the reply carries ("... - due Tuesday 9
    November 2027"), else five working days from three days before the reply."""
    d = mb.domain
    stage = int(situation.get("stage", 0))
    started = now - timedelta(days=3)
    rules = d.Rules(config, mb.service.calendar_for(config))
    process = config.processes[situation["process"]]
    days = process.informal.working_days if stage == 0 and process.informal else 5
    due = rules.calendar.add_working_days(rules.calendar.start_day(started), days)
    told = _DUE_IN_SUBJECT.search(subject or "")
    told_day = mb.parsers.parse_uk_date(told.group("day"), None) if told else None
    if told_day is not None and told_day >= started.date():
        due = told_day
    elif stage and body:
        # No notice told the day: the timescale the quoted raising mail set ("Timescale: 10
        # working days"), counted from the alert's start, as the daemon would have it.
        quoted = "\n".join(re.sub(r"^[ \t>]+", "", line) for line in body.splitlines())
        set_then, _note = mb.dates.response_timescale(quoted, started.date())
        if set_then is not None and set_then.working_days:
            due = rules.calendar.add_working_days(rules.calendar.start_day(started), set_then.working_days)
    responded = bool(situation.get("responded"))
    episode = d.Episode(stage=stage, step=d.STEP_STAGE, responder=situation["responder"], started=started,
                        due=due, responded_at=started + timedelta(days=1) if responded else None)
    pending = None
    if situation.get("extension_pending"):
        # What was asked is what mailbot's notice told the IRO, when the reply quotes it ("...
        # has asked for more time to respond to DRP-2027-0038 (...): until Thu 25 Mar 2027."), as
        # the daemon would have it; else five working days.
        days, until = 5, None
        said = _ASKED_IN_NOTICE.search(" ".join(re.sub(r"(?m)^[ \t>]+", "", body or "").split()))
        if said is not None:
            if said.group("days"):
                days = int(said.group("days"))
            else:
                until = mb.parsers.parse_uk_date(said.group("until"), None)
                days = None if until is not None else days
        pending = d.PendingExtension(situation["responder"], started + timedelta(days=1), days, until)
    status = d.Status.RESPONSE_RECEIVED if responded else d.Status.AWAITING_RESPONSE
    return d.Alert(
        ref="DRP-2027-0042", process=situation["process"], status=status, raised_by=situation["iro"],
        anchor=situation["responder"], children=("1234567",), categories=("unclassified",),
        opened=started, episodes=(episode,), formal_started=started if stage else None,
        pending_extension=pending,
    ), rules


def _timescale(working_days: Any, until: Any) -> dict[str, Any] | None:
    if working_days:
        return {"working_days": working_days}
    if until:
        return {"until": until.isoformat()}
    return None


def _plain_body(raw: bytes) -> str:
    """The message's text, for what mailbot's own quoted notice says."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        part = message.get_body(("plain", "html"))
        return part.get_content() if part is not None else ""
    except (LookupError, ValueError, AttributeError):
        return ""


def _children(mb: Mailbot, config: Any, parsed: Any, body: str) -> tuple[str, ...]:
    """The alert's children, as the thread tells them (the situation does not): the case IDs the
    quoted history names (mailbot's own notices and the concern quoted carry them), else those
    the reply names itself (then nothing can differ), else a stand-in."""
    ids_named = getattr(getattr(mb.parsers, "content", None), "ids_named", None)
    if ids_named is None:  # an older checkout (--root)
        return ("1234567",)
    rules = mb.routing.parse_rules(config)
    # The history is what the body holds after the reply's last line (a top-posted reply), else
    # what is left of the body without the reply (one typed below or between the quotes).
    last = next((line.strip() for line in reversed(parsed.reply_text.splitlines()) if line.strip()), "")
    at = body.find(last) if last else -1
    quoted = body[at + len(last):] if at >= 0 and not body[at + len(last):].strip().startswith(">") \
        else body.replace(parsed.reply_text, "")
    return ids_named(f"{parsed.envelope.subject}\n{quoted}", rules) or ids_named(parsed.reply_text, rules) or ("1234567",)


def read_case(mb: Mailbot, eml: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """What mailbot makes of one case, in the corpus's terms."""
    config = mb.config_for(spec["authority"])
    raw = eml.read_bytes()
    parsed = mb.parsers.parse_message(raw, mb.routing.parse_rules(config))
    sent = parsed.envelope.date or datetime(2027, 5, 12, 10, 0).astimezone()
    now = sent + timedelta(minutes=2)
    got: dict[str, Any] = {"reply": parsed.reply_text}
    situation = spec["situation"]
    if parsed.is_automatic:
        got["reading"] = "set_aside"
        return got
    expected = spec.get("expect", {}).get("timescale")
    if situation["kind"] == "new":
        route = mb.routing.route_new(parsed, config, config.authority.mailbox_address)
        got |= _read_new(mb, config, route, now)
        if got.get("reading") == "new_alert" and expected and got.get("timescale") != expected:
            rules = mb.domain.Rules(config, mb.service.calendar_for(config))
            got["same_deadline"] = _same_deadline(mb, None, replace(route.event, ref="DRP-2027-0001"), expected, now, rules)
        return got
    body = _plain_body(raw)
    alert, rules = _alert(mb, config, situation, now, parsed.envelope.subject or "", body)
    alert = replace(alert, children=_children(mb, config, parsed, body))
    route = mb.routing.route_reply(parsed, alert, config)
    got |= _read_reply(mb, route, alert, rules, now)
    ins = parsed.instruction
    if got.get("reading") == "instruction" and got.get("verb") == "AGREE" and ins is not None and ins.verb == "AGREE":
        # "AGREE - Dana can have until Friday 14 May": the day the IRO says when agreeing, which
        # routing compares with the day asked for (another day is the IRO's own: EXTEND).
        got["timescale"] = _timescale(ins.working_days, ins.until)
    if (got.get("reading") == "instruction" and expected and got.get("timescale") != expected
            and type(route.event).__name__ in ("Escalate", "Extend")):
        got["same_deadline"] = _same_deadline(mb, alert, route.event, expected, now, rules)
    return got


def _same_deadline(mb: Mailbot, alert: Any, event: Any, expected: dict[str, Any], now: datetime, rules: Any) -> bool:
    """Whether the timescale read gives the alert the deadline the expected one gives ("within
    5 working days (by 24/03/2027)" read as the date when the writer wrote down the count): the
    same decision in another form. Both are applied by the state machine, as the daemon would."""
    as_expected = replace(event, working_days=expected.get("working_days"),
                          until=date.fromisoformat(expected["until"]) if expected.get("until") else None)
    try:
        return mb.domain.decide(alert, event, now, rules).alert.due == mb.domain.decide(alert, as_expected, now, rules).alert.due
    except mb.domain.TransitionRefused:
        return False


def _read_new(mb: Mailbot, config: Any, route: Any, now: datetime) -> dict[str, Any]:
    d = mb.domain
    if route.status != "processed" or not isinstance(route.event, d.RaiseAlert):
        return {"reading": "set_aside"}
    ev = route.event
    rules = d.Rules(config, mb.service.calendar_for(config))
    try:
        d.decide(None, replace(ev, ref="DRP-2027-0001"), now, rules)
    except d.TransitionRefused:
        return {"reading": "set_aside"}
    return {
        "reading": "new_alert", "stage": ev.stage, "process": ev.process, "case_ids": list(ev.children),
        "timescale": _timescale(ev.working_days, ev.until),
    }


_VERB_OF_EVENT = {
    "Resolve": "RESOLVED", "Escalate": "ESCALATE", "Extend": "EXTEND", "ExtensionAgreed": "AGREE",
    "Withdraw": "WITHDRAW", "ReferToCafcass": "CAFCASS", "StatusQuery": "STATUS", "AddNote": "NOTE",
}


def _read_reply(mb: Mailbot, route: Any, alert: Any, rules: Any, now: datetime) -> dict[str, Any]:
    d, routing = mb.domain, mb.routing
    kind = route.kind
    confirm = getattr(routing, "CONFIRM", None)
    event = route.event
    if confirm is not None and kind == confirm:
        reading = route.reading
        return {"reading": "confirm", "verb": reading.verb, "target_stage": reading.target_stage,
                "timescale": _timescale(reading.working_days, reading.until)}
    if getattr(route, "not_entitled", False):
        # A manager's reply that reads as a decision: their response, and they are told who decides.
        return {"reading": "refused", "verb": route.reading.verb}
    if event is None:
        return {"reading": "set_aside"}
    name = type(event).__name__
    if name == "ExtensionRequested":
        return {"reading": "extension_request", "extension": _timescale(event.working_days, event.until) or {}}
    if name == "ManagerResponse":
        return {"reading": "response"}
    verb = _VERB_OF_EVENT.get(name)
    if kind == routing.IRO_REPLY or verb == "NOTE" and kind != routing.INSTRUCTION:
        return {"reading": "note"}
    try:
        d.decide(alert, event, now, rules)  # a refusal is a reading of its own
    except d.TransitionRefused:
        return {"reading": "refused", "verb": verb}
    got: dict[str, Any] = {"reading": "instruction", "verb": verb, "target_stage": None, "timescale": None}
    if name == "Escalate":
        # The stage the alert moved to, when the IRO named one; the next rung is null.
        got["target_stage"] = event.to_stage
        got["timescale"] = _timescale(getattr(event, "working_days", None), getattr(event, "until", None))
    elif name == "Extend":
        got["timescale"] = _timescale(event.working_days, event.until)
    return got


def _norm(text: str) -> str:
    return " ".join((text or "").split()).lower()


def score(expect: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    """Field -> read right, for the fields the case checks."""
    marks: dict[str, bool] = {}
    reading = expect.get("reading")
    marks["reading"] = got.get("reading") == reading
    if reading in ("instruction", "confirm", "refused") and "verb" in expect:
        marks["verb"] = got.get("verb") == expect.get("verb")
    # (A key left out of expect is not scored, as the corpus README says: "target_stage": null is
    # the next rung, no key is a target the writer left open.)
    if reading in ("instruction", "confirm") and expect.get("verb") == "ESCALATE" and "target_stage" in expect:
        marks["target_stage"] = got.get("target_stage") == expect.get("target_stage")
    if reading in ("new_alert", "instruction", "confirm") and "timescale" in expect:
        if reading == "new_alert" or expect.get("verb") in ("ESCALATE", "EXTEND") or expect.get("timescale"):
            marks["timescale"] = got.get("timescale") == expect.get("timescale") or bool(got.get("same_deadline"))
    if reading == "extension_request" and expect.get("extension") is not None:
        marks["extension"] = got.get("extension") == expect.get("extension")
    if reading == "new_alert":
        for key in ("stage", "process"):
            if expect.get(key) is not None:
                marks[key] = got.get(key) == expect[key]
        if expect.get("case_ids") is not None:
            marks["case_ids"] = sorted(got.get("case_ids") or []) == sorted(expect["case_ids"])
    contains, excludes = expect.get("reply_contains") or [], expect.get("reply_excludes") or []
    if contains or excludes:
        text = _norm(got.get("reply", ""))
        marks["reply"] = all(_norm(c) in text for c in contains) and not any(
            _norm(x) in text for x in excludes if _norm(x))
    return marks


def wrongly_obeyed(expect: dict[str, Any], got: dict[str, Any], marks: dict[str, bool]) -> bool:
    """mailbot would act (change an alert or open one) on a reading that is not the expected one."""
    if got.get("reading") not in OBEYING:
        return False
    return not all(marks.get(f, True) for f in ("reading", "verb", "target_stage", "timescale", "stage", "process"))


def run_part(mb: Mailbot, folder: Path) -> tuple[dict[str, list[int]], int, int, int, list[str]]:
    """(field -> [right, checked], all right, cases, obeyed wrongly, misses as lines)."""
    totals = {f: [0, 0] for f in FIELDS}
    all_right = cases = obeyed_wrongly = 0
    misses: list[str] = []
    for spec_path in sorted(folder.glob("*.json")):
        eml = spec_path.with_suffix(".eml")
        if not eml.exists():
            continue
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        cases += 1
        try:
            got = read_case(mb, eml, spec)
        except Exception as exc:  # noqa: BLE001 - a crash is a miss on every field, not a stop
            got = {"reading": f"<{type(exc).__name__}: {exc}>"}
        marks = score(spec["expect"], got)
        for field_name, right in marks.items():
            totals[field_name][1] += 1
            totals[field_name][0] += right
        if all(marks.values()):
            all_right += 1
        else:
            wrong = [f for f, ok in marks.items() if not ok]
            detail = {f: (spec["expect"].get(f if f != "reply" else "reply_contains"), got.get(f)) for f in wrong}
            if "reply" in detail:
                detail["reply"] = (spec["expect"].get("reply_contains"), (got.get("reply") or "")[:300])
            misses.append(f"{spec_path.stem}: {detail}")
        if wrongly_obeyed(spec["expect"], got, marks):
            obeyed_wrongly += 1
    return totals, all_right, cases, obeyed_wrongly, misses


def _pct(right: int, checked: int) -> str:
    return f"{right:>3}/{checked:<3} {100 * right / checked:5.1f}%" if checked else f"{'-':>15}"


def opened_parts() -> set[str]:
    """open/ and every sealed part already opened (tests/reading_corpus/opened.txt): what a
    session changing the parsers may run; a batch still sealed, or being written, is not."""
    lines = (CORPUS / "opened.txt").read_text(encoding="utf-8").splitlines()
    return {"open", *(line.split()[0] for line in lines if line.strip() and not line.startswith("#"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=HERE, help="checkout whose code reads the corpus")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the open part's misses")
    ap.add_argument("--part", default="all",
                    help="open, sealed, sealed2, ..., all (default), or opened: only the parts already opened "
                         "(open and those in opened.txt), so that a batch still being written is never glimpsed")
    ap.add_argument("--unseal", metavar="PART",
                    help="also list a sealed part's misses: do this once, after its figure is recorded")
    args = ap.parse_args(argv)
    mb = Mailbot(args.root.resolve())
    folders = sorted((p.name for p in CORPUS.iterdir() if p.is_dir()), key=lambda n: (n != "open", n))
    opened = opened_parts()
    parts = folders if args.part == "all" else [p for p in folders if p in opened] if args.part == "opened" else [args.part]
    results = {part: run_part(mb, CORPUS / part) for part in parts}
    print(f"reading accuracy, code from {args.root}, corpus {CORPUS.relative_to(HERE)}")
    header = f"{'field':<16}" + "".join(f"{part:>18}" for part in parts)
    print(header)
    for field_name in FIELDS:
        print(f"{field_name:<16}" + "".join(f"{_pct(*results[p][0][field_name]):>18}" for p in parts))
    print(f"{'every field':<16}" + "".join(f"{_pct(results[p][1], results[p][2]):>18}" for p in parts))
    print(f"{'obeyed wrongly':<16}" + "".join(f"{results[p][3]:>18}" for p in parts))
    shown = (["open"] if args.verbose else []) + ([args.unseal] if args.unseal else [])
    for part in shown:
        if part in results:
            print(f"\n{part} misses:")
            for line in results[part][4]:
                print(" ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
