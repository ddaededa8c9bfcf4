"""Decide what an inbound message is and which domain event it carries. Pure: no I/O, no clock.

The parser says what is *in* a message (a reference, an instruction word, a form, a phrase);
this module says what it *means* here, given the directory and the alert its thread belongs to
(looked up by the caller). Who may do what is the domain's rule; this module only chooses the
event and leaves refusal to ``mailbot.domain``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from zoneinfo import ZoneInfo
from typing import Any

from parsers import ParsedMessage
from parsers.dates import sentences
from parsers.instruction import WRITTEN_AS_PROSE
from parsers.content import MAX_CASE_IDS, rung_title_alternation
from parsers.types import DEFAULT_FORM_LABELS, CategoryRule, Instruction, ParseRules

from . import domain as d
from .config import Config, Person, Process

# The kinds reported by `mailbot ingest` and stored on each message row.
NEW_ALERT = "new_alert"
FORM = "drp_form"
INSTRUCTION = "instruction"
RESPONSE = "manager_response"
EXTENSION_REQUEST = "extension_request"
IRO_REPLY = "iro_reply"
COMPLIMENT = "compliment"
AUTOMATIC = "automatic"
BOUNCE = "bounce"
UNRECOGNISED = "unrecognised"
# Issue 8: a decision read with a doubt; nothing changes and the sender is asked to confirm.
CONFIRM = "confirm"
# The verbs that decide an alert's course: only the IRO and the entitled roles give them.
DECISIONS = ("RESOLVED", "ESCALATE", "EXTEND", "AGREE", "WITHDRAW", "CAFCASS")


FORM_INCOMPLETE = "DRP form is missing: "
# How a missing form field is named to the person who sent the form.
FORM_FIELD_NAMES = {
    "stage": "the stage (level of dispute)",
    "case_ids": "the child's case ID",
    "categories": "the category of concern",
    "process": "the process",
    "concern": "the details of the concern",
    "timescale": "the timescale for resolution",
    "responder": "the responsible manager",
}


@dataclass(frozen=True)
class Reading:
    """What mailbot read an instruction as, in the alert's own terms (for "Read as:" lines and
    for the question when it is unsure)."""

    verb: str
    target_stage: int | None = None
    working_days: int | None = None
    until: Any = None
    words: str = ""
    doubt: str | None = None

    def command(self) -> str:
        """The exact words to send to give this instruction without doubt."""
        if self.verb == "ESCALATE" and self.target_stage is not None:
            text = f"ESCALATE to stage {self.target_stage}"
        else:
            text = self.verb
        if self.verb in ("EXTEND", "AGREE") or (self.verb == "ESCALATE" and (self.working_days or self.until)):
            if self.working_days:
                text += f" {self.working_days} working days"
            elif self.until:
                text += f" to {self.until.strftime('%d/%m/%Y')}"
        return text


@dataclass(frozen=True)
class Route:
    kind: str
    status: str  # processed | ignored | quarantined
    event: d.Event | None = None
    reason: str | None = None
    process: str | None = None
    # Issue 8: the decision read (CONFIRM: the one to confirm; for a manager, the decision they
    # may not give, of which they are told who decides).
    reading: Reading | None = None
    not_entitled: bool = False


def form_labels(config: Config) -> dict[str, tuple[str, ...]]:
    """The default form labels with the authority's own added in front (theirs are tried first)."""
    extra = config.authority.forms.labels
    return {
        key: tuple(dict.fromkeys([*extra.get(key, ()), *labels]))
        for key, labels in DEFAULT_FORM_LABELS.items()
    }


def parse_rules(config: Config) -> ParseRules:
    """The parser's view of the configuration."""
    processes = config.processes
    forms = config.authority.forms
    return ParseRules(
        timezone=config.authority.timezone,
        trusted_authserv_ids=tuple(config.settings.security.trusted_authserv_ids),
        accepted_authentication=tuple(config.settings.security.accept),
        trust_exchange_internal=config.settings.security.trust_exchange_internal,
        form_labels=MappingProxyType(form_labels(config)),
        required_form_fields=tuple(forms.required),
        form_sections=MappingProxyType(dict(forms.sections)),
        rung_titles=MappingProxyType(rung_titles(config)),
        reference_prefix=config.authority.reference_prefix,
        case_id_pattern=config.authority.case_id_pattern,
        informal_phrases=MappingProxyType(
            {k: tuple(p.informal.subject_phrases) for k, p in processes.items() if p.informal}
        ),
        process_words=MappingProxyType({k: tuple(p.process_words) for k, p in processes.items()}),
        categories=MappingProxyType(
            {
                k: tuple(CategoryRule(c.name, tuple(c.synonyms)) for c in p.categories)
                for k, p in processes.items()
            }
        ),
    )


def rung_titles(config: Config) -> dict[str, int]:
    """Each formal rung's title, lower case, and its stage, where every process that has the
    title puts it at the same stage (a title at two stages names none)."""
    seen: dict[str, set[int]] = {}
    for process in config.processes.values():
        for rung in process.stages:
            if rung.stage > 0 and rung.name:
                seen.setdefault(" ".join(rung.name.lower().split()), set()).add(rung.stage)
    return {title: stages.pop() for title, stages in seen.items() if len(stages) == 1}


def instruction_event(instruction: Instruction | Reading, sender: str) -> d.Event:
    verb = instruction.verb
    if verb == "RESOLVED":
        return d.Resolve(sender)
    if verb == "ESCALATE":
        stage = instruction.target_stage if isinstance(instruction, Reading) else instruction.stage
        return d.Escalate(sender, stage, instruction.working_days, instruction.until)
    if verb == "EXTEND":
        return d.Extend(sender, instruction.working_days, instruction.until)
    if verb == "AGREE":
        return d.ExtensionAgreed(sender)
    if verb == "WITHDRAW":
        return d.Withdraw(sender)
    if verb == "CAFCASS":
        return d.ReferToCafcass(sender)
    if verb == "STATUS":
        return d.StatusQuery(sender)
    return d.AddNote(sender)


def raiser_processes(config: Config, person: Person) -> list[str]:
    return [key for key, p in config.processes.items() if person.has_role(*p.raised_by)]


def choose_process(config: Config, person: Person, parsed: ParsedMessage, need_informal: bool) -> str | None:
    """The raiser's role decides; a process word settles it for someone who can raise in several."""
    candidates = raiser_processes(config, person)
    if need_informal:
        candidates = [k for k in candidates if config.processes[k].informal]
    if parsed.process_hint in candidates:
        return parsed.process_hint
    return candidates[0] if candidates else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - _STOP_WORDS


_STOP_WORDS = {"the", "a", "an", "of", "and", "for", "to", "with", "our", "my", "your", "stage", "team", "level"}


def _initials(name: str) -> set[str]:
    """A rung's initials, with and without its small words: "Director of Children's Services"
    -> {"dcs", "docs"}, "Head of Service" -> {"hs", "hos"}."""
    words = re.findall(r"[a-z]+", re.sub(r"['’]s\b", "", name.lower()))
    small = {"of", "and", "the", "for", "with"}
    return {"".join(w[0] for w in words if w not in small), "".join(w[0] for w in words)} - {""}


_TITLE_INITIALS = {"dcs": "Director", "ad": "Assistant Director", "hos": "Head of Service",
                   "sm": "Service Manager", "tm": "Team Manager"}


def person_rung(config: Config, process: Process, name: str) -> int | None:
    """The one stage of ``process`` at which the person of the directory named in full in
    ``name`` responds (None if no such person, or they answer at several)."""
    wanted = _words(name)
    person = next((p for p in config.people if _words(p.name) and _words(p.name) <= wanted), None)
    if person is None:
        return None
    stages = [s.stage for s in process.stages if s.responder in person.roles]
    return stages[0] if len(stages) == 1 else None


def people_first_named(config: Config, first: str) -> list[Person]:
    """The directory's people whose first name is ``first`` (any case)."""
    first = first.lower()
    return [p for p in config.people if p.name.split() and p.name.split()[0].lower() == first]


def first_name_rung(config: Config, process: Process, name: str) -> int | None:
    """The stage of ``process`` meant by a first name alone ("Escalate to Marcus"): only when
    one rung has someone of that first name on it (None otherwise, or for more than one word)."""
    wanted = _words(name)
    if len(wanted) != 1:
        return None
    stages = sorted({
        s.stage for p in people_first_named(config, next(iter(wanted)))
        for s in process.stages if s.responder in p.roles
    })
    return stages[0] if len(stages) == 1 else None


def stage_for_target(config: Config, process: Process, target: str) -> tuple[int | None, str | None]:
    """The stage that the words naming a rung or a person mean ("the Head of Service", "Morgan
    Ellis", "Locality Service Lead"), as (stage, None), or (None, why it is unclear)."""
    wanted = _words(target)
    if not wanted:
        return None, f"could not tell which stage {target!r} is"
    stage = person_rung(config, process, target)
    if stage is not None:
        return stage, None
    stage = first_name_rung(config, process, target)
    if stage is not None:
        return stage, None
    if len(wanted) == 1 and re.fullmatch(r"[a-z]{2,5}", next(iter(wanted))):
        # "the AD", "the DCS", "HoS": a rung called by its initials.
        short = next(iter(wanted))
        stages = sorted({s.stage for s in process.stages
                         for name in (s.name, *re.split(r"[/()]", s.name)) if short in _initials(name)})
        if len(stages) == 1:
            return stages[0], None
        # A title known by its initials that no rung's own initials give ("the DCS" where the
        # rung is just "Director"): read as the words it stands for.
        wanted = _words(_TITLE_INITIALS.get(short, target))
    scores: list[tuple[int, int]] = []
    for s in process.stages:
        names = [s.name, s.responder.replace("_", " "), *re.split(r"[/()]", s.name)]
        best = 0
        for name in names:
            words = _words(name)
            if not words:
                continue
            if words == wanted:
                best = max(best, 3)
            elif wanted <= words or words <= wanted:
                best = max(best, 2)
        if best:
            scores.append((best, s.stage))
    if not scores:
        return None, f"no stage of the {process.label} ladder is called {target!r}"
    top = max(score for score, _ in scores)
    stages = sorted({stage for score, stage in scores if score == top})
    if len(stages) > 1:
        return None, f"{target!r} could mean stage {' or '.join(map(str, stages))}"
    return stages[0], None


def _other_time(instruction: Instruction, asked: d.PendingExtension) -> bool:
    """Does the instruction name another date, or another number of working days, than the
    request asked for? (A date against a number of days cannot be told without the calendar,
    and is taken as agreeing.)"""
    if instruction.until is not None and asked.until is not None:
        return instruction.until != asked.until
    if instruction.working_days is not None and asked.until is None:
        return instruction.working_days != asked.working_days
    return False


def _said_the_same_time(instruction: Instruction, asked: d.PendingExtension) -> bool:
    """Whether the time given is, in the same terms, the time asked for (the same day, or the
    same number of working days)."""
    return ((instruction.until is not None and instruction.until == asked.until)
            or (instruction.working_days is not None and instruction.working_days == asked.working_days))


def _same_time(instruction: Instruction, asked: d.PendingExtension) -> bool:
    """Whether the day given is the day asked for. (Only days: a request that named no amount
    is held as the process's default number of days, so "one more week" given to "could we
    push this back?" is the IRO's own time, not agreement with a number nobody asked for.)"""
    return instruction.until is not None and instruction.until == asked.until


def read_instruction(instruction: Instruction, alert: d.Alert, config: Config, sent: date | None) -> Reading:
    """The instruction in the alert's terms, with any doubt that makes mailbot ask first: prose
    rather than a command, two decisions, a target at or below the current stage or not on the
    ladder, a date already past (DESIGN §6.8)."""
    process = config.processes[alert.process]
    doubt = instruction.doubt
    verb = instruction.verb
    stage = instruction.stage
    if verb == "AGREE" and instruction.day_beside and not (
            alert.pending_extension is not None and _said_the_same_time(instruction, alert.pending_extension)):
        # "Agree. Fine for Chris to have until the 26th" to a request for the 30th (or to none,
        # or to "another week", which only the calendar could compare): the word agrees, the
        # words may give another day; which stands is asked.
        verb = "EXTEND"
        doubt = doubt or "AGREE was written with another day than the one asked for"
    elif verb == "AGREE" and (instruction.working_days or instruction.until) and (
            alert.pending_extension is None or (instruction.prose and _other_time(instruction, alert.pending_extension))):
        # Time given when no one asked for it is the IRO setting a new deadline: EXTEND. So is
        # other time granted in the IRO's own words than was asked ("I can give you until
        # Wednesday but not Friday" to a request for Friday): what stands is the IRO's time.
        verb = "EXTEND"
    elif verb == "EXTEND" and instruction.prose and alert.pending_extension is not None and \
            _same_time(instruction, alert.pending_extension):
        # "That's fine by me - Vikram can have until the 25th", the 25th being what he asked
        # for: granting exactly the time asked is agreeing to it.
        verb = "AGREE"
    if verb == "ESCALATE" and stage is None and instruction.target:
        if re.search(r"\bcafcass\b", instruction.target, re.IGNORECASE):
            verb = "CAFCASS"
        else:
            stage, unclear = stage_for_target(config, process, instruction.target)
            doubt = doubt or unclear
    elif verb == "ESCALATE" and stage is not None and instruction.target:
        # "Please escalate to stage 3 - Sana Ali -" where Sana Ali answers at stage 2: which of
        # the two was meant is asked. A first name counts when one rung alone has someone of
        # that name ("stage 4, to Claire" with Claire Dawson the Head of Service at stage 3): a
        # contradiction only ever leads to a question.
        named_at = person_rung(config, process, instruction.target) or first_name_rung(config, process, instruction.target)
        if named_at is not None and named_at != stage and not doubt:
            doubt = f"stage {stage} was named with {instruction.target}, who responds at stage {named_at}"
            # What is proposed is the person's rung: people know whom they mean and miscount
            # rungs (the procedures number them differently); the next rung is said plainly.
            stage = None if named_at == alert.stage + 1 else named_at
    if verb == "ESCALATE" and stage is not None and stage <= alert.stage and not doubt:
        doubt = f"stage {stage} is not above the stage the alert is at (stage {alert.stage})"
    if instruction.until is not None and sent is not None and instruction.until < sent and not doubt:
        doubt = f"the date {instruction.until.isoformat()} has already passed"
    return Reading(verb, stage, instruction.working_days, instruction.until, instruction.words, doubt)


# "I am therefore escalating this DRP to Claire Dawson at stage 3": a manager moving the alert
# itself up the ladder, which is the IRO's to decide (not "I'll escalate this to my Head of
# Service", their own work).
_THE_DRP_UP_A_RUNG = re.compile(r"\bescalat\w*\s+(?:this|the)\s+(?:drp|dispute|alert|recommendation)\b|\bescalat\w*\b[^.;!?]{0,60}?\bstage\s*\w+\b"
                                # "... and I'd be grateful if the tracker could move it up to her today".
                                r"|\b(?:tracker|mailbot|mailbox)\s+(?:could|can|would|will|to)\s+(?:move|escalate|send|put|pass)\b"
                                # "so I'd ask that this is escalated to Jamie as Assistant Director".
                                r"|\b(?:ask|request)\s+that\s+(?:this|it)\s+(?:is|be)\s+escalated\b",
                                re.IGNORECASE)


def _to_a_rung_by_title(words: str, config: Config, alert: d.Alert) -> bool:
    """"I'm escalating this to Claire as Head of Service": the alert sent to a person named with
    the title of one of its process's rungs above the current stage (the configuration's titles,
    and their initials: "our HoS")."""
    titles = [rung.name for rung in config.processes[alert.process].stages if rung.stage > alert.stage and rung.name]
    titles += ["".join(word[0] for word in title.split()) for title in titles if len(title.split()) > 1]
    if not titles:
        return False
    return re.search(r"\bescalat\w*\s+(?:this|it)\s+to\s+(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?,?\s+(?:as|our|the)\s+"
                     rf"(?:the\s+|our\s+)?(?:{rung_title_alternation(titles)})\b", words, re.IGNORECASE) is not None
# "I'm escalating this to Andrew now ... Andrew - please can you pick this up as a Stage 4?": the
# manager moving the alert to a rung, named as such in the next breath.
_PICKED_UP_AS_A_STAGE = re.compile(r"\b(?:pick|take)\s+(?:this|it)\s+(?:up|on|over)\s+as\s+(?:a\s+|the\s+)?stage\s*\w+\b",
                                   re.IGNORECASE)
_ASKS_THE_RECORD = re.compile(r"\b(?:treat|mark|record|log|consider)\s+(?:this|it)\b", re.IGNORECASE)


# "Resolved - thanks Grace.": whom the mail speaks to, by first name.
_ADDRESSED = re.compile(r"\b(?:thanks|thank\s+you|cheers|hi|hello|dear)\s*,?\s+(?-i:([A-Z][a-z]+))\b(?!\s+(?-i:[A-Z]))",
                        re.IGNORECASE)


def addressed_elsewhere(parsed: ParsedMessage, alert: d.Alert, config: Config) -> str | None:
    """Why a decision may belong to another alert: the mail speaks by first name to a person of
    the directory who has no part in this one (not its IRO, none of its responders, not sent the
    mail) and no one of that first name does ("Resolved - thanks Grace", Grace being another
    team's manager, in the thread of Emma's alert): a reply in the wrong thread is asked about."""
    involved = {alert.raised_by, alert.anchor, *(e.responder for e in alert.episodes),
                *parsed.envelope.to, *parsed.envelope.cc, parsed.envelope.from_addr}
    for name in dict.fromkeys(m.group(1) for m in _ADDRESSED.finditer(parsed.reply_text)):
        named = people_first_named(config, name)
        if named and not any(p.email in involved for p in named):
            # (Said with the directory's addresses, not the mail's words: the reason is logged.)
            return (f"the mail is addressed by first name to {' or '.join(p.email for p in named)}, who has no part in "
                    f"{alert.ref}: was it meant for another alert?")
    return None


_RAISED_ON_THE_WRONG_CHILD = re.compile(r"\bwrong\s+(?:child|young\s+person|sibling|brother|sister|case|record|file|id|mosaic\s+id)\b",
                                        re.IGNORECASE)


# "... and Daniel needs to see this now": the person the writer means to have it.
_NEEDS_TO_SEE = re.compile(r"\b(?P<name>(?-i:[A-Z][a-z'’\-]+))\s+(?:now\s+)?(?:needs|has|ought|should|must)\s+(?:to\s+)?"
                           r"(?:see|look\s+at|pick\s+up|respond\s+to|deal\s+with|have\s+sight\s+of)\s+(?:this|it)\b"
                           # "ESCALATE to stage 3 - over to Daniel please": whom it is handed to.
                           r"|\b(?:over|across|up)\s+to\s+(?P<name2>(?-i:[A-Z][a-z'’\-]+))\b")


def another_rung_to_see_it(parsed: ParsedMessage, reading: Reading, alert: d.Alert, config: Config) -> str | None:
    """Why an escalation to a stage named may mean another: the mail says someone whose rung is
    a different stage needs to see it ("ESCALATE to stage 3 please - ... Daniel needs to see
    this now", Daniel being the Service Manager at stage 2)."""
    if reading.target_stage is None:
        return None
    process = config.processes[alert.process]
    for said in _NEEDS_TO_SEE.finditer(parsed.reply_text or ""):
        stage = first_name_rung(config, process, said.group("name") or said.group("name2"))
        if stage is not None and stage != reading.target_stage:
            return (f"the escalation names stage {reading.target_stage}, but the person the mail says must see it "
                    f"is at stage {stage}")
    return None


def names_another_child(parsed: ParsedMessage, alert: d.Alert) -> str | None:
    """Why a decision may belong to another alert: its new text names children's case IDs and
    none of them is this alert's ("Resolved - Tyler's PEP is now in place (1048213)" in the
    thread of an alert for 1051620): asked about, never acted on."""
    named = parsed.reply_case_ids
    ins = parsed.instruction
    if ins is not None and ins.verb == "WITHDRAW" and _RAISED_ON_THE_WRONG_CHILD.search(parsed.reply_text or ""):
        # "Withdraw please - I raised this on the wrong child ... It should have been Oliwia's
        # brother Szymon, Mosaic 5561278": the other child is the reason for withdrawing.
        return None
    if named and alert.children and not set(named) & set(alert.children):
        # (No ID in the reason, which is logged: the sender knows which child they named.)
        return f"the mail names a child's case ID that is not one of {alert.ref}'s children: was it meant for another alert?"
    return None


def route_reply(parsed: ParsedMessage, alert: d.Alert, config: Config) -> Route:
    """A message in the thread of ``alert``."""
    sender = parsed.envelope.from_addr
    person = config.person(sender)
    if person is None:
        if _for_the_responder(parsed, alert, config):
            # A team inbox of the council sending the responder's answer "on behalf of Ruth
            # Khan", or the responder writing from a shared mailbox under her own name: her
            # response (or her request for time), recorded as sent by the inbox. Never a decision.
            why = f"sent for the responder by {sender}"
            if parsed.extension_request is not None:
                ask = parsed.extension_request
                return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender, ask.working_days, ask.until), reason=why)
            if parsed.asks_for_more_time:
                return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender), reason=why)
            return Route(RESPONSE, "processed", d.ManagerResponse(sender), reason=why)
        return Route(UNRECOGNISED, "quarantined", reason=f"reply in {alert.ref} from {sender or 'no sender'}, who is not in the directory")
    ins = parsed.instruction
    # The day the mail was sent in the authority's time zone, as the parser reads dates.
    when = parsed.envelope.date
    sent = when.astimezone(ZoneInfo(config.authority.timezone)).date() if when else None
    if d.is_entitled(config, alert, sender):
        if (ins is not None and ins.verb == "AGREE" and ins.prose and alert.pending_extension is None
                and not (ins.working_days or ins.until)):
            # "Yes, that's fine" with no request for time waiting: nothing to grant, and not a
            # command to refuse either ("AGREE" itself is refused, so the IRO learns why).
            return Route(IRO_REPLY, "processed", d.AddNote(sender),
                         reason="agrees, but no request for more time is pending: recorded as a note")
        if ins is not None and ins.verb in DECISIONS + ("STATUS",):
            reading = read_instruction(ins, alert, config, sent)
            if reading.verb == "ESCALATE" and ins.prose and reading.doubt == WRITTEN_AS_PROSE \
                    and parsed.form_stage is not None and parsed.form_stage > alert.stage \
                    and reading.target_stage in (None, parsed.form_stage):
                # "... so I am escalating it to you at Stage 2" over the Stage 2 form: the words
                # and the form say the same, and the form is how the procedure escalates.
                reading = replace(reading, target_stage=parsed.form_stage, doubt=None)
            # A decision the sender can never give, however it was meant (a CP Chair's "I want
            # this referred to CAFCASS"): asking would only lead to a refusal, so the domain
            # refuses it now, with the reason.
            never_theirs = reading.verb == "CAFCASS" and d.referral_refused(config, alert, sender) is not None
            # A decision that may belong to another alert is asked about. (An escalation speaks
            # to the next rung, who has no part yet: whom it names is weighed in read_instruction.)
            if not reading.doubt and reading.verb in DECISIONS:
                reading = replace(reading, doubt=names_another_child(parsed, alert))
            if not reading.doubt and reading.verb in ("RESOLVED", "WITHDRAW", "EXTEND", "AGREE"):
                reading = replace(reading, doubt=addressed_elsewhere(parsed, alert, config))
            if not reading.doubt and reading.verb == "ESCALATE":
                reading = replace(reading, doubt=another_rung_to_see_it(parsed, reading, alert, config))
            if reading.doubt and not never_theirs:
                return Route(CONFIRM, "processed", None, reason=f"unsure: {reading.doubt}", reading=reading)
            return Route(INSTRUCTION, "processed", instruction_event(reading, sender), reading=reading)
        if ins is not None:
            return Route(INSTRUCTION, "processed", instruction_event(ins, sender))
        if parsed.form_stage is not None and parsed.form_stage > alert.stage:
            # The next stage's form carries its own "Response required by": the escalation's timescale.
            days, until = (parsed.timescale.working_days, parsed.timescale.until) if parsed.timescale else (None, None)
            return Route(FORM, "processed", d.Escalate(sender, parsed.form_stage, days, until),
                         reading=Reading("ESCALATE", parsed.form_stage, days, until, words="the form's stage"))
        return Route(IRO_REPLY, "processed", d.AddNote(sender), reason="no instruction word: recorded as a note")
    if person.has_role("iro", "cp_chair") and sender != alert.responder and (ins is None or ins.verb in ("NOTE", "STATUS")):
        # "Dev Sharma here - I'm covering Kate's cases ... I still need a date for the PEP
        # meeting": another IRO's update in the thread is an IRO's note, not the manager's
        # response (the clock runs on). A decision from them is refused below, as before.
        return Route(IRO_REPLY, "processed", d.AddNote(sender),
                     reason="an IRO who did not raise the alert, giving no decision: recorded as a note")
    # ("Please treat this as escalated to the next stage" asks the record to change, as "treat
    # this as resolved" does: not a manager's own work.)
    # A manager's reply is their response, whatever words it uses; a decision in it ("Resolved -
    # all done") is not theirs to give, and they are told who decides.
    refused = None
    if ins is not None and ins.verb in DECISIONS and _RELAYED.search(parsed.reply_text) \
            and not (ins.verb == "AGREE" and alert.pending_extension is None):
        # ("Sana ... asked me to respond on her behalf; she has seen this and agrees with it":
        # with no request for time waiting, agreeing is no decision, and this is the response.)
        # "Kate has asked me to pass this on: she wants it escalated to stage 4." A decision
        # relayed by someone else is never obeyed, however plainly put: the IRO's own mail
        # is the authority, so the sender is told who decides and the mail is recorded.
        return Route(RESPONSE, "processed", d.ManagerResponse(sender),
                     reading=Reading(ins.verb, ins.stage, words=ins.words), not_entitled=True)
    # "Agreed" from a manager is usually agreement with the concern; only with a request for time
    # pending is it a manager granting time, which is the IRO's to give. In prose, only closing
    # the alert is a decision a manager may think theirs ("Please treat this as resolved and
    # close the alert"); a manager's "I'll escalate this to my Head of Service" or "happy to
    # extend" is about their own work.
    if ins is not None and ins.verb in DECISIONS and not ins.quoted and (
        not ins.prose or ins.verb in ("RESOLVED", "WITHDRAW") or _ASKS_THE_RECORD.search(ins.words)
        or (ins.verb == "ESCALATE" and (_THE_DRP_UP_A_RUNG.search(ins.words) or _to_a_rung_by_title(ins.words, config, alert)
                                        or _PICKED_UP_AS_A_STAGE.search(parsed.reply_text)))
    ) and (ins.verb != "AGREE" or alert.pending_extension is not None):
        refused = Reading(ins.verb, ins.stage, words=ins.words)
    if refused is not None and refused.verb not in ("EXTEND", "AGREE") and not ins.prose and sender != alert.responder:
        # "ESCALATE to stage 2 please." from an IRO covering for the one who raised it: from
        # someone who neither decides nor responds, the command is what the mail is, whatever
        # else it says ("... not prepared to let it sit for another week" asks for no time);
        # recorded, and the sender is told who decides. (The responder's request for time in
        # the same mail still counts: it is theirs to ask.)
        return Route(RESPONSE, "processed", d.ManagerResponse(sender, not_a_response=_not_a_response(parsed)),
                     reading=refused, not_entitled=True)
    if parsed.extension_request is not None:
        ask = parsed.extension_request
        return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender, ask.working_days, ask.until))
    if parsed.asks_for_more_time:
        return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender))
    if refused is not None and refused.verb == "EXTEND" and sender == alert.responder and (ins.working_days or ins.until):
        # "Extend by 5 working days please Dev" from the manager who must respond: the IRO's
        # word, used to ask for their own time, which is what it is recorded as (the IRO decides).
        return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender, ins.working_days, ins.until),
                     reason="the responder's EXTEND, read as asking for the time")
    promised = parsed.response_promised
    if promised is not None and alert.episodes and alert.current.due is not None and promised > alert.current.due:
        # "I will have my full response to you by the 20th", the deadline being today: the
        # response itself is promised for after the deadline, which is asking for the time.
        return Route(EXTENSION_REQUEST, "processed", d.ExtensionRequested(sender, None, promised),
                     reason=f"promises the response for {promised.isoformat()}, after the deadline: read as asking for time")
    return Route(RESPONSE, "processed", d.ManagerResponse(sender, not_a_response=_not_a_response(parsed)),
                 reading=refused, not_entitled=refused is not None)


def _not_a_response(parsed: ParsedMessage) -> str | None:
    """Why a manager's reply gives no response: nothing of their own (a forward with no words, no
    document), or only a question back ("Which plan do you mean?"). The clock runs on."""
    text = parsed.reply_text.strip()
    if not text and not parsed.envelope.documents:
        return "no text of its own"
    # Greetings and names ("Hi Sam,", "Dana") are not sentences of the reply.
    said = [text[a:b].strip() for a, b in sentences(text) if len(text[a:b].split()) > 3]
    if said and len(text.split()) <= 40 and all(s.endswith("?") for s in said):
        return "only a question"
    return None


_RELAYED = re.compile(
    r"\bon\s+(?:her|his|their|[A-Z][a-z]+'s)\s+behalf\b|\bon\s+behalf\s+of\b"
    r"|\basked\s+me\s+to\s+(?:pass|reply|respond|let\s+you\s+know|forward|send|say|tell|confirm"
    r"|drop\s+you|e-?mail\s+you|write\s+to\s+you|get\s+in\s+touch|contact\s+you|update\s+you"
    # "Kate has asked me to extend this one by a week": her decision, relayed.
    r"|extend\s+(?:this|it|the\s+(?:alert|deadline|dispute|drp|timescale)))\b",
)


def _for_the_responder(parsed: ParsedMessage, alert: d.Alert, config: Config) -> bool:
    """Is this reply, from an address not in the directory, plainly the current responder's own:
    from the council's own mail domain, in the thread, carrying no decision word, and either
    sent for them (said "on her behalf" or "from the team inbox", and naming them or signed with
    their first name) or signed with their full name (a shared mailbox they write from)?"""
    sender = parsed.envelope.from_addr or ""
    responder = config.person(alert.responder)
    if responder is None or not parsed.envelope.in_reply_to + parsed.envelope.references:
        return False
    if sender.rpartition("@")[2] != config.authority.mailbox_address.rpartition("@")[2]:
        return False
    if parsed.instruction is not None and parsed.instruction.verb in DECISIONS:
        return False
    signed = _signature_under(parsed)
    text = f"{parsed.reply_text}\n{signed}"
    name, first = responder.name.lower(), responder.name.split()[0].lower()
    # Signed by the responder: her full name opening a line of the signature ("Ruth Adeyemi",
    # not "PA to Ruth Adeyemi"), or her first name alone as the last line ("Thanks,\nDana").
    signed_in_full = any(line.strip().lower().startswith(name) for line in signed.splitlines())
    signed_by = signed_in_full or any(line.strip().lower().rstrip(",.") == first for line in text.splitlines()[-12:])
    named = name in " ".join(parsed.reply_text.split()).lower() or signed_by
    relayed = bool(_RELAYED.search(text) or _SHARED_INBOX.search(text))
    return (relayed and named) or signed_in_full


# "Sorry - sending this from the team inbox as my laptop is with IT", "Please see below the
# response from Emma Clarke, Team Manager": said by whoever writes from a shared address.
_SHARED_INBOX = re.compile(
    r"\b(?:from|using|via|on)\s+(?:the|our|a)\s+(?:team|shared|group|service|management|duty)\s+(?:inbox|mailbox|e-?mail|account|address)\b"
    r"|\b(?:see\s+below|below\s+is|here\s+is|please\s+find)\s+(?:the\s+)?(?:response|reply|answer)\s+from\b", re.IGNORECASE)


def _signature_under(parsed: ParsedMessage) -> str:
    """The lines the reply reader cut under the new text (sign-off, name, title), up to the
    quoted history: where the writer of a shared mailbox's mail says who they are."""
    body, reply = parsed.envelope.text or "", parsed.reply_text or ""
    last = next((line.strip() for line in reversed(reply.splitlines()) if line.strip()), "")
    at = body.find(last) if last else -1
    if at < 0:
        return ""
    lines = []
    for line in body[at + len(last):].splitlines()[:14]:
        if line.lstrip().startswith(">") or _HISTORY_LINE.match(line):
            break
        lines.append(line)
    return "\n".join(lines)


_HISTORY_LINE = re.compile(r"\s*(?:from|von|de|van|od|sent|gesendet|envoyé)\s*:|\s*-{3,}|\s*_{5,}|\s*on\s.{0,80}\bwrote\b",
                           re.IGNORECASE)


def _concern_readable(parsed: ParsedMessage) -> bool:
    """Is there any concern text to record: the new text, the form's concern, or a document?"""
    if parsed.envelope.encrypted:
        return False
    if parsed.form and (parsed.form.get("concern") or "").strip():
        return True
    return bool(parsed.reply_text.strip() or parsed.envelope.documents)


def route_new(parsed: ParsedMessage, config: Config, mailbox: str, max_children: int | None = None) -> Route:
    """A message that belongs to no known alert. One naming more than ``max_children`` children
    is kept for a person (issue 9): siblings share an alert, but hundreds of "children" is a
    pasted list or an attack, and each would be counted in the figures."""
    env = parsed.envelope
    sender = env.from_addr
    person = config.person(sender)
    if parsed.reference:
        return Route(UNRECOGNISED, "quarantined", reason=f"names {parsed.reference}, which is not a known alert")
    raising = parsed.informal_process is not None or parsed.form is not None or parsed.stated_stage is not None
    if parsed.is_compliment and not raising:
        if person is None or not raiser_processes(config, person):
            return Route(UNRECOGNISED, "quarantined", reason=f"compliment from {sender or 'no sender'}, who is not a known IRO or CP Chair")
        process = choose_process(config, person, parsed, need_informal=False)
        return Route(COMPLIMENT, "processed", process=process)
    if not raising:
        if parsed.declines_to_raise:
            return Route(UNRECOGNISED, "quarantined",
                         reason=f"says it raises no concern ({parsed.declines_to_raise!r}): kept for a person")
        return Route(UNRECOGNISED, "quarantined", reason="not part of a known thread and not a Pre-Dispute Resolution e-mail or DRP form")
    if person is None or not raiser_processes(config, person):
        # Also a Business Manager sending an IRO's concern "on her behalf": a person raises it
        # with LOG ... FOR from the work queue (the IRO's own mail is the authority).
        return Route(
            NEW_ALERT if parsed.form is None else FORM,
            "quarantined",
            reason=f"{sender or 'no sender'} is not a known IRO or CP Chair",
        )
    if parsed.form_to_follow is not None and not parsed.case_ids:
        # Raised now, the form would raise a second alert for the same child when it comes.
        # (The reason, which is logged, does not quote the mail.)
        return Route(NEW_ALERT, "quarantined",
                     reason="says its form or the child's ID is still to come and names no child: kept for a person")
    if parsed.not_the_last_word is not None:
        # Raised now, a correction would stand beside the alert it corrects, and a mail to be
        # sent again would be raised twice: a person puts the record right. (Not quoted: logged.)
        return Route(NEW_ALERT if parsed.form is None else FORM, "quarantined",
                     reason="says it corrects a mail already sent, or that it will be sent again: kept for a person")
    if parsed.chaired_process is not None:
        if parsed.chaired_process not in raiser_processes(config, person):
            # An IRO chairing a child protection conference as cover, whom the directory does
            # not list as a CP Chair: raised under their own process it would climb the wrong
            # ladder; a person raises it, or gives them both roles ("role: iro;cp_chair").
            return Route(NEW_ALERT if parsed.form is None else FORM, "quarantined",
                         reason=f"comes from a {parsed.chaired_process} conference {sender} chaired, and the directory does "
                                f"not let {sender} raise {parsed.chaired_process} alerts: kept for a person")
        if parsed.process_hint is None:
            parsed = replace(parsed, process_hint=parsed.chaired_process)
    if parsed.asks_for_several_alerts:
        return Route(NEW_ALERT, "quarantined",
                     reason="asks for more than one alert in one mail: a person raises each")
    # One alert follows one process's ladder: list items naming children of two processes are
    # raised in the sender's own process, with that process's children, when the sender raises
    # in only one of them; otherwise a person splits the mail.
    by_process: dict[str, tuple[str, ...]] = {}
    for key, ids in parsed.processes_by_child:
        by_process[key] = by_process.get(key, ()) + ids
    children = parsed.case_ids
    if len(by_process) > 1:
        own = [key for key in by_process if key in raiser_processes(config, person)]
        if len(own) != 1:
            return Route(NEW_ALERT, "quarantined",
                         reason=f"raises concerns under {' and '.join(by_process)} in one mail: "
                                "one alert is one process, so a person splits it")
        others = {i for key, ids in by_process.items() if key != own[0] for i in ids} - set(by_process[own[0]])
        children = tuple(i for i in parsed.case_ids if i not in others)
        parsed = replace(parsed, case_ids=children, process_hint=own[0])
    # An informal e-mail often has "Child ID:" lines that look like a form; the subject phrase
    # says it is informal unless it names a formal stage.
    is_form = parsed.form is not None and (parsed.informal_process is None or parsed.form_stage is not None)
    if is_form and parsed.form_stage and _KEPT_INFORMAL.search(parsed.reply_text) and not _STAGE_IN_SUBJECT.search(env.subject or ""):
        # "I'm happy to keep this informal for now", over a form that says "Level of dispute
        # being raised: Stage 1": which the IRO means is theirs to say. (An informal phrase in
        # the subject alone does not count against the form's stage, which names the stage.)
        return Route(FORM, "quarantined",
                     reason=f"the form says Stage {parsed.form_stage}, but the mail says the concern is informal: kept for a person")
    if is_form and parsed.missing_form_fields:
        # The service tells the sender what is missing (form_incomplete) and keeps the message
        # for a person: guessing a stage or a child would put a wrong alert on the record.
        return Route(FORM, "quarantined", reason=FORM_INCOMPLETE + ", ".join(parsed.missing_form_fields))
    if not _concern_readable(parsed):
        # Encrypted, truncated or otherwise broken mail: an alert with no concern on record
        # would be chased for nothing, so a person reads it (issue 8).
        why = "; ".join(parsed.envelope.notes) or "the body is empty"
        return Route(NEW_ALERT, "quarantined", reason=f"the concern text could not be read ({why})")
    max_children = max_children or config.settings.security.max_children_per_alert
    if len(parsed.case_ids) > max_children:
        # The count only: case IDs never go into a reason (it reaches the digest).
        many = f"{len(parsed.case_ids)}{' or more' if len(parsed.case_ids) >= MAX_CASE_IDS else ''}"
        return Route(FORM if is_form else NEW_ALERT, "quarantined",
                     reason=f"names {many} children; an alert for more than {max_children} is kept for a person")
    stage = parsed.form_stage if is_form and parsed.form_stage is not None else 0
    if not is_form and parsed.stated_stage is not None and parsed.informal_process is None:
        stage = parsed.stated_stage  # "I'm raising a Stage 1 dispute": Merton lets the IRO choose
    process = choose_process(config, person, parsed, need_informal=stage == 0)
    if process is None:
        return Route(NEW_ALERT, "quarantined", reason=f"no process with an informal stage is raised by {person.role}")
    addressed = tuple(a for a in env.to + env.cc if a != mailbox and a != sender)
    timescale = parsed.timescale
    event = d.RaiseAlert(
        ref="",
        process=process,
        stage=stage,
        raised_by=sender,
        addressed=addressed,
        children=parsed.case_ids,
        categories=tuple(parsed.categories.get(process, ())),
        working_days=timescale.working_days if timescale else None,
        until=timescale.until if timescale else None,
    )
    return Route(FORM if is_form else NEW_ALERT, "processed", event, process=process)


_KEPT_INFORMAL = re.compile(r"\b(?:keep|leave|keeping|leaving)\s+(?:this|it)\s+(?:at\s+the\s+)?informal\b|\binformal\s+for\s+now\b",
                            re.IGNORECASE)
_STAGE_IN_SUBJECT = re.compile(r"\bstage\s*[1-5]\b", re.IGNORECASE)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def parser_kind(parsed: ParsedMessage) -> tuple[str, str | None]:
    """The kind a message gets from what is in it alone (no store, no directory), and the reason
    it would be kept for a person when that is already certain from the message.

    ``reply`` means it names a thread (In-Reply-To/References or an alert reference): the store
    decides which alert, and then whether it is an instruction or a manager's response.
    """
    env = parsed.envelope
    if parsed.is_automatic:
        return (BOUNCE if parsed.is_bounce else AUTOMATIC), parsed.automatic_reason
    if env.in_reply_to or env.references or parsed.reference:
        return "reply", None
    is_form = parsed.form is not None and (parsed.informal_process is None or parsed.form_stage is not None)
    if is_form and parsed.missing_form_fields:
        return FORM, FORM_INCOMPLETE + ", ".join(parsed.missing_form_fields)
    if is_form:
        return FORM, None
    if parsed.informal_process is not None or parsed.stated_stage is not None:
        return NEW_ALERT, None
    if parsed.is_compliment:
        return COMPLIMENT, None
    return UNRECOGNISED, "not part of a known thread and not a Pre-Dispute Resolution e-mail or DRP form"


def parse_report(parsed: ParsedMessage) -> dict[str, Any]:
    """Everything `mailbot parse` shows about one message, as plain JSON-able values."""
    env = parsed.envelope
    kind, reason = parser_kind(parsed)
    ins = parsed.instruction
    ts = parsed.timescale
    ask = parsed.extension_request
    return {
        "kind": kind,
        "reason": reason,
        "from": env.from_addr,
        "subject": env.subject,
        "reply_text": parsed.reply_text,
        "instruction": None if ins is None else {
            "verb": ins.verb, "stage": ins.stage, "working_days": ins.working_days, "until": _iso(ins.until),
            "target": ins.target, "doubt": ins.doubt, "words": ins.words},
        "children": list(parsed.case_ids),
        "categories": {k: list(v) for k, v in parsed.categories.items()},
        "dates": [{"text": f.text, "date": _iso(f.date), "working_days": f.working_days} for f in parsed.dates],
        "timescale": None if ts is None else {"working_days": ts.working_days, "until": _iso(ts.until)},
        "timescale_note": parsed.timescale_note,
        "stated_stage": parsed.stated_stage,
        "chaired_process": parsed.chaired_process,
        "not_the_last_word": parsed.not_the_last_word,
        "extension_request": None if ask is None and not parsed.asks_for_more_time else {
            "working_days": ask.working_days if ask else None, "until": _iso(ask.until) if ask else None},
        "form": None if parsed.form is None else {
            "fields": dict(parsed.form), "stage": parsed.form_stage, "source": parsed.form_source,
            "missing": list(parsed.missing_form_fields)},
        "thread": {"message_id": env.message_id, "in_reply_to": list(env.in_reply_to),
                   "references": list(env.references), "reference": parsed.reference},
        "attachments": [a.filename or a.content_type for a in env.attachments],
        "notes": list(env.notes),
    }
