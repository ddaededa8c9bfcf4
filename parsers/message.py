"""parse_message: one raw message in, one ParsedMessage out, or a ParseError with a reason.

This is the only entry point the rest of mailbot needs. It runs the MIME layer, finds the new
text, and reads every signal the domain core decides on. Nothing here looks at a database, the
network or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bs4 import BeautifulSoup

from . import automatic, content, forms
from .authentication import check_sender, sender_problem
from .dates import (corrected_timescale, find_dates, parse_timescale, parse_uk_date, period_at, period_or_date, response_timescale, same_deadline,
                    the_day_written)
from .errors import ParseError
from .instruction import day_in_the_table, only_assent, parse_instruction, points_to_a_table, subject_instruction, typed_in_front
from .mime import HTML_PARSER, document_kind, html_to_text, read_envelope_and_soup
from .reply import answers_in_colour, before_history, answers_marked_with_name, cut_at_own_signature, forwarded_chain, new_text, only_signature, remove_html_history
from .types import Envelope, ParsedMessage, ParseRules, Timescale



# "Please treat this e-mail as my Pre-Dispute Resolution e-mail", "This is my pre-DRP e-mail": the
# words that follow are matched against the authority's informal phrases.
_DECLARES_ITSELF = re.compile(
    r"\b(?:(?:treat|take|log|record|accept)\s+this\s+(?:e-?mail|message|note)\s+as|this\s+(?:e-?mail|message)\s+is)"
    r"\s+(?:my|the|a|an|our)\s+(?:formal\s+|informal\s+)?[^.\n]{2,60}?\b(?:e-?mail|stage|alert|process)\b",
    re.IGNORECASE)

def _sent_date(env: Envelope, rules: ParseRules) -> date | None:
    if env.date is None:
        return None
    try:
        return env.date.astimezone(ZoneInfo(rules.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError, OverflowError):
        # Without tz data the sender's own offset is the best day we have.
        return env.date.date()


def _new_html(env: Envelope, soup: BeautifulSoup | None) -> tuple[BeautifulSoup | None, bool]:
    """The HTML body with its quoted history removed, when it is needed at all, and whether any
    history was removed.

    Parsing HTML is the slowest step, so it is done only when the text came from the HTML or
    the HTML holds a table (a form); most replies carry a text/plain part. ``soup`` is the body
    as the MIME layer already parsed it (HTML-only mail), or None.
    """
    if env.html is None:
        return None, False
    if env.text_from_html or "<table" in env.html[:_TABLE_SCAN].lower():
        if soup is None:
            soup = BeautifulSoup(env.html, HTML_PARSER)
        return soup, remove_html_history(soup)
    return None, False


_TABLE_SCAN = 500_000


def _reply_text(env: Envelope, soup: BeautifulSoup | None, history_removed: bool) -> str:
    if env.text_from_html and soup is not None and history_removed:
        return new_text(html_to_text(soup))
    # (With no history marked up in the HTML, env.text is already that HTML as text.)
    return new_text(env.text)


_FORWARD = re.compile(r"^\s*(?:fw|fwd|wg|tr|rv|vs|vb|pd|ym|doorst|i|enc)\s*:", re.IGNORECASE)


_INNER_PREFIX = re.compile(r"(?<=\S)\s+(?:[-–—:|]\s+)?(?:fw|fwd|re|aw|wg|tr|rv|vs|vb|pd|sv|odp)\s*:\s", re.IGNORECASE)
_REQUEST_IN_SUBJECT = re.compile(r"\b(?:request|ask|amount|time)\s+(?:is\s+)?(?:in|on)\s+the\s+subject(?:\s+line)?\b", re.IGNORECASE)
# "As per subject - thanks Leanne.": the new text says the decision is the one in the subject.
_POINTS_AT_SUBJECT = re.compile(
    r"\b(?:as\s+per|see|per|as\s+in|as\s+stated\s+in|as)\s+(?:the\s+|my\s+)?subject(?:\s+line)?\b|\bsubject\s+says\s+it\s+all",
    re.IGNORECASE)


def _instruction(env: Envelope, reply_text: str, sent: date | None):
    """The decision in the new text; failing that, when the new text says nothing of its own
    ("", "Thanks", "Thanks\nJo"), the one typed in front of the subject ("AGREE RE: ...")."""
    if only_assent(reply_text):
        # "Yes" or "Confirmed." under mailbot's "please confirm your instruction": the
        # instruction is the one that notice asked the IRO to send back (routing still checks
        # who may give it). Without that notice quoted, a bare "yes" is read as below.
        command = _CONFIRM_COMMAND.search((env.text or "").replace("\r\n", "\n"))
        found = parse_instruction(command.group("command"), sent) if command else None
        if found is not None:
            return replace(found, confirms=True, words=" ".join(reply_text.split()))
    found = parse_instruction(reply_text, sent) if reply_text.strip() else None
    in_front = typed_in_front(env.subject)
    if found is None and (len(reply_text.split()) <= 3 or _POINTS_AT_SUBJECT.search(reply_text)
                          or (in_front and not _DECISION_DEFERRED.search(reply_text))):
        # (A decision typed in capitals in front of "RE:" is the writer's whatever the body
        # says: "RESOLVED - RE: ..." over a manager's account of what was done.)
        found = subject_instruction(env.subject, sent)
    if found is not None and found.verb == "EXTEND" and found.until is None and found.working_days is None \
            and points_to_a_table(found.text):
        # The table the decision points to is in the body even where the reply reader took
        # its cells for a signature block.
        own = before_history(env.text)
        at = own.find(found.words[:40])
        found = replace(found, until=day_in_the_table(own[at:] if at >= 0 else own, sent))
    elif found is not None and in_front and found.doubt is None:
        typed = subject_instruction(env.subject, sent)
        if typed is not None and typed.verb != found.verb:
            # "ESCALATE - RE: ..." over "That's resolved as far as I'm concerned": which?
            found = replace(found, doubt=f"the subject says {typed.verb} and the text {found.verb}")
    return found


# "I have read the plan and will come back to you tomorrow": the decision is still to come, whatever
# the subject carries from before.
_DECISION_DEFERRED = re.compile(r"\b(?:will|'ll|shall)\s+(?:come|get)\s+back\s+to\s+you|\b(?:will|'ll)\s+let\s+you\s+know"
                                r"|\b(?:haven't|have\s+not|not\s+yet)\s+decided\b", re.IGNORECASE)


_AS_SOON_AS_POSSIBLE = re.compile(r"\b(?:asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+(?:possible|practicable)|urgent(?:ly)?|immediately)\b",
                                  re.IGNORECASE)
# The command in mailbot's confirm_reading notice, as the reply quotes it (">" marks or not).
# (The text notice puts it on a line of its own; the HTML one on the same line, in bold.)
_CONFIRM_COMMAND = re.compile(r"reply to this e-?mail with just:[ \t*]*(?:\n(?:[ \t>]*\n)*[ \t>*]*)?(?P<command>[A-Za-z][^\n*]{0,120})",
                              re.IGNORECASE)


# Work per message is bounded (DESIGN §10): the readers of free text (instructions, timescales,
# requests for time, dates, children) scan what the writer wrote several times over, so they read
# its first MAX_READ_TEXT characters. A DRP mail's own text is a page or two; this is about twenty
# pages, and a body longer than that is a paste or a bomb. The raw message is kept whole.
MAX_READ_TEXT = 50_000


def _bounded(env: Envelope, text: str, what: str) -> tuple[Envelope, str]:
    """``text`` cut at MAX_READ_TEXT characters, and ``env`` with a note when it was cut."""
    if len(text) <= MAX_READ_TEXT:
        return env, text
    note = f"{what} is longer than {MAX_READ_TEXT:,} characters: only the first {MAX_READ_TEXT:,} were read"
    return replace(env, notes=(*env.notes, note)), text[:MAX_READ_TEXT]


def _concern_text(env: Envelope, reply_text: str) -> str:
    """The text a new alert is read from: the new text, and for a forward ("FW: Pre-Dispute
    Resolution", an IRO sending on the mail she forgot to copy) the forwarded message too."""
    if not _FORWARD.match(env.subject or ""):
        return reply_text
    # env.text is already the HTML as text when the mail has no plain part: no second parse.
    carried = forwarded_chain(env.text)
    return f"{reply_text}\n\n{carried}" if carried else reply_text


def _read_form(
    env: Envelope, reply_text: str, soup: BeautifulSoup | None, rules: ParseRules
) -> tuple[dict[str, str] | None, str | None]:
    """The form and where it was found: the body's table, its "Label: value" text, an attachment.

    The body comes first because a form pasted into the mail is what the IRO sent this time; an
    attached form is read when the body is only a covering note.
    """
    for source, lines in _form_candidates(env, reply_text, soup, rules):
        form = content.parse_form("\n".join(lines), rules)
        if form is None:
            continue
        if not (form.get("stage") or "").strip():
            stage = forms.section_stage(lines, rules.form_sections)
            if stage is not None:
                form["stage"] = "Informal" if stage == 0 else f"Stage {stage}"
        ticked = forms.checked_options(form.get("categories", ""))
        if ticked:
            # Only the boxes the IRO ticked, not every category printed on the form.
            form["categories"] = "\n".join(ticked)
        return form, source
    return None, None


def _form_candidates(
    env: Envelope, reply_text: str, soup: BeautifulSoup | None, rules: ParseRules
) -> Iterator[tuple[str, list[str]]]:
    """Where a form may be, in the order it is looked for, each read only when the ones before
    it held no form (an attached .docx is the costliest thing a message can ask us to read)."""
    if soup is not None and forms.has_table(soup):
        yield "html", [*forms.html_form_lines(soup, rules), forms.END_OF_ROW, *reply_text.split("\n")]
    yield "text", reply_text.split("\n")
    for doc in env.documents:
        kind = document_kind(doc.filename, doc.content_type)
        if kind is not None:
            yield f"{kind}:{doc.filename or 'unnamed'}", forms.document_lines(doc, kind, rules)


def parse_message(raw: bytes, rules: ParseRules) -> ParsedMessage:
    """Parse one raw message under the authority's ``rules``. Raises ParseError only."""
    if not isinstance(rules, ParseRules):
        raise ParseError(f"parse rules missing: expected ParseRules, got {type(rules).__name__}")
    envelope, soup = read_envelope_and_soup(raw)
    try:
        return _parse(envelope, rules, soup)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - one odd message must never stop the mailbox (DESIGN §6.2)
        raise ParseError(f"could not read message content ({type(exc).__name__})") from None


def _parse(env: Envelope, rules: ParseRules, parsed_html: BeautifulSoup | None) -> ParsedMessage:
    sent = _sent_date(env, rules)
    soup, history_removed = _new_html(env, parsed_html)
    reply_text = _reply_text(env, soup, history_removed)
    if env.in_reply_to or env.references:
        # In a reply the writer's own name line starts their signature (a new alert's form may
        # carry the IRO's name as a value, so it is left whole).
        reply_text = cut_at_own_signature(reply_text, env.from_name)
        answers = answers_marked_with_name(env.text, env.from_name, reply_text) or answers_in_colour(env.html, reply_text)
        if answers:
            reply_text = "\n\n".join([reply_text.rstrip(), *answers]).strip()
    else:
        # A new mail's form may hold its writer's name as a value: only a signature set with
        # bars ("Kerry Doyle | Business Manager | ...") or under the first name ("Kate") is cut.
        reply_text = cut_at_own_signature(reply_text, env.from_name, set_with_bars=True)
    if only_signature(reply_text, env.from_name):
        # A reply whose only text is its writer's signature says nothing (the decision, if any,
        # was typed in the subject); the signature and footer are not what was said.
        reply_text = ""
    env, reply_text = _bounded(env, reply_text, "the new text")
    subject = content.strip_subject_prefixes(env.subject)

    reason = automatic.automatic_reason(env)
    bounce = automatic.is_bounce(env)
    if reason is not None and reply_text and not before_history(env.text).strip():
        # An automatic forward (a mailbox rule sending our own notice back): nobody wrote a word
        # above it, and the forwarded mail's text is no one's new text.
        reply_text = ""

    env, concern = _bounded(env, _concern_text(env, reply_text), "the forwarded concern's text")
    form, form_source = _read_form(env, concern, soup, rules)
    stage = content.form_stage(form.get("stage")) if form else None
    if form and stage is None:
        # A form with no stage field, in a mail whose subject or opening names it ("Stage 1 -
        # Starred Recommendation - ..."): the stage is given, just not under a label.
        stage = content.stated_stage(env.subject, concern, rules.rung_titles)
    case_ids = content.find_case_ids(env.subject, concern, form, rules)
    # A required field counts as given when the mail says it elsewhere (the child's ID in the
    # subject or beside the name, under a label the form list does not know).
    # A field counts as given only when it says something usable: "Mosaic ID: TBC" gives no child,
    # "Level: to be confirmed" no stage.
    readable = {"case_ids": bool(case_ids), "stage": stage is not None}
    missing = (
        tuple(f for f in rules.required_form_fields
              if not readable.get(f, bool((form.get(f) or "").strip())))
        if form
        else ()
    )

    # "Dispute Resolution Stage 2 - FW: Pre-Dispute Resolution - ...": what follows an inner "FW:"
    # is the forwarded mail's subject, history; the writer's own words come before it.
    own_subject = _INNER_PREFIX.split(subject, 1)[0] if _INNER_PREFIX.search(subject) else subject
    informal = content.matching_processes(own_subject.strip(" -–—:") and own_subject or subject, rules.informal_phrases)
    if not informal and not (env.in_reply_to or env.references) and form is None:
        # The heading left out of the subject, the mail saying what it is: "Please treat this
        # e-mail as my Pre-Dispute Resolution e-mail under the alerts procedure".
        declared = _DECLARES_ITSELF.search(concern)
        informal = content.matching_processes(declared.group(), rules.informal_phrases) if declared else ()
    stated_stage = None if form else content.stated_stage(subject, concern, rules.rung_titles)
    declined = None
    if not (env.in_reply_to or env.references) and form is None:
        # ("Not a pre-dispute: I am raising Stage 1" raises Stage 1; "I'll raise a Stage 1 next
        # week if ..." names a stage and raises nothing.)
        declined = (content.declines_to_raise(subject, concern) if stated_stage is None
                    else content.only_warns_of_raising(subject, concern))
        if declined is not None:
            # The phrase is there only to say it is not one; a stage named is that of a
            # concern to come, not of one raised.
            informal, stated_stage = (), None
    if declined is None and not (env.in_reply_to or env.references) and form is None:
        # "Could you send me how many alerts went to Stage 3 ... for the annual report": about
        # alerts in general, naming no child, however many stages it names; "Question re
        # pre-DRP timescales": a question about the process, whatever case it mentions.
        declined = (content.asks_for_figures(subject, concern) if not case_ids else None) \
            or content.asks_about_the_process(subject) \
            or (content.asks_a_question_of_the_process(subject) if not case_ids else None)
        if declined is not None:
            informal, stated_stage = (), None
    hint = content.process_hint(subject, form, rules)
    informal_process = hint if hint in informal else (informal[0] if informal else None)

    compliment = content.has_phrase(subject, rules.compliment_phrases) or bool(
        form
        and content.has_phrase(
            f"{form.get('categories', '')}\n{form.get('process', '')}", rules.compliment_phrases
        )
    )

    timescale, timescale_note = _response_timescale(form, concern, sent)
    if concern != reply_text and not form:
        # A forward raising an alert: the covering note's request is the newest; the forwarded
        # mail's dates are its history ("by Wednesday" above, "by Friday" in the forwarded mail).
        own, _ = response_timescale(reply_text, sent)
        if own is not None:
            timescale, timescale_note = own, None
    subject_is_new = content.strip_subject_prefixes(env.subject) == (env.subject or "").strip()
    if not env.in_reply_to and subject_is_new:
        # A new mail's subject may set the timescale ("Pre-Dispute Resolution - response by Fri
        # 2 July please"). Never a reply's subject: ours carry our own due dates.
        bare_subject = content.reference_pattern(rules.reference_prefix).sub(" ", env.subject or "")
        in_subject, _ = response_timescale(bare_subject, sent, subject=True)
        if in_subject is None:
            # "DRP Stage 1 - CLA - 552019 - 10 working days": a period set off as a part of its own.
            part = next((p for p in _SUBJECT_PARTS.split(bare_subject) if _PERIOD_ALONE.fullmatch(p.strip())), None)
            period = period_at(part) if part else None
            in_subject = Timescale(working_days=period[0]) if period else None
        if in_subject is not None and timescale is None and timescale_note is None:
            timescale = in_subject
        elif in_subject is not None and timescale is not None and not same_deadline(in_subject, timescale, sent) and not form:
            # "... - response by Fri 10 Dec" in the subject, "within 5 working days" in the body.
            timescale, timescale_note = None, "the subject and the text ask for the response by different times"
    elif _FORWARD.match(env.subject or "") and form and form.get("timescale"):
        # The IRO forwarding her form with a new date in the covering text ("the response date,
        # which I've moved to Wednesday 17th"): the newer statement stands.
        covering, _ = response_timescale(reply_text, sent)
        if covering is not None:
            timescale, timescale_note = covering, None
    asks, request = content.extension_request(reply_text, sent)
    if env.in_reply_to and request is None and _REQUEST_IN_SUBJECT.search(reply_text):
        # "Hence the request in the subject line", under "... - due Mon 5 Jul 2027 - 5 working
        # days extension requested please": what the writer added after our own subject.
        added = _SUBJECT_PARTS.split(env.subject or "")
        due = max((i for i, part in enumerate(added) if part.lower().startswith("due ")), default=None)
        if due is not None and due + 1 < len(added):
            in_subject, amount = content.extension_request(" - ".join(added[due + 1:]), sent)
            asks, request = (True, amount) if in_subject else (asks, request)

    return ParsedMessage(
        envelope=env,
        reply_text=reply_text,
        is_automatic=reason is not None,
        automatic_reason=reason,
        is_bounce=bounce,
        bounced_message_ids=automatic.bounced_message_ids(env) if bounce else (),
        reference=content.find_reference(rules.reference_prefix, env.subject, env.text),
        informal_process=informal_process,
        is_compliment=compliment,
        process_hint=hint,
        form=MappingProxyType(form) if form is not None else None,
        form_stage=stage,
        missing_form_fields=missing,
        case_ids=case_ids,
        categories=MappingProxyType(content.find_categories(subject, concern, form, rules)),
        instruction=None if reason is not None else _instruction(env, reply_text, sent),
        timescale=timescale,
        extension_request=request,
        asks_for_more_time=asks,
        response_promised=None if asks else content.promised_response(reply_text, sent),
        informal_processes=informal,
        dates=find_dates(reply_text, sent),
        form_source=form_source,
        timescale_note=timescale_note,
        stated_stage=stated_stage,
        declines_to_raise=declined,
        chaired_process=(content.chaired_process(concern, rules) if not (env.in_reply_to or env.references) else None),
        form_to_follow=(content.form_to_follow(concern) if not (env.in_reply_to or env.references) else None),
        not_the_last_word=(content.not_the_last_word(concern) if not (env.in_reply_to or env.references) else None),
        reply_case_ids=(content.ids_named(reply_text, rules) if (env.in_reply_to or env.references) else ()),
        processes_by_child=() if env.in_reply_to else content.processes_by_child(concern, rules),
        asks_for_several_alerts=not env.in_reply_to and content.asks_for_several_alerts(concern),
        sender_check=check_sender(env, rules),
        sender_problem=sender_problem(env),
    )


_SUBJECT_PARTS = re.compile(r"\s+[-–—|]\s+")
_PERIOD_ALONE = re.compile(r"(?:response\s+(?:within\s+|in\s+)?)?\d{1,2}\s+(?:working|business)\s+days?(?:\s+response)?", re.IGNORECASE)


def _response_timescale(
    form: dict[str, str] | None, reply_text: str, sent: date | None
) -> tuple[Timescale | None, str | None]:
    """The timescale set for the response, and why a stated one was not used.

    A form's timescale field says it when filled in ("5 working days", "21/05/2027", "Friday");
    otherwise only a sentence asking for the response counts. A field that cannot be read
    ("asap") or a date already past is noted and the process default applies: one unusable
    detail never sets aside an otherwise valid alert.
    """
    note = None
    if form and (form.get("timescale") or "").strip():
        value = form["timescale"]
        if _AS_SOON_AS_POSSIBLE.search(value):
            # "ASAP - he turns 18 on 30 October": no time set; the date is the reason.
            found, sentence_note = response_timescale(reply_text, sent)
            return found, (None if found else f"the form's timescale {' '.join(value.split())[:40]!r} sets no date")
        found = corrected_timescale(value, sent) or period_or_date(value, sent) or parse_timescale(value, sent)
        if found is None:
            bare = parse_uk_date(value, sent)
            found = Timescale(until=bare) if bare else None
        else:
            found = the_day_written(found, value, 0, len(value), sent)  # "22/10/2027 (5 working days)"
        if found is not None and found.until is not None and sent is not None and found.until < sent:
            note = f"the form's timescale ({found.until.isoformat()}) had already passed"
        elif found is not None:
            in_text, _ = response_timescale(reply_text, sent, response_only=True)
            if in_text is not None and not same_deadline(in_text, found, sent):
                # "I need your response by Friday 5th" above a form saying "5 working days".
                return None, "the form and the text ask for the response by different times"
            return found, None
        else:
            note = f"the form's timescale {' '.join(value.split())[:40]!r} is not a date or a number of working days"
    found, sentence_note = response_timescale(reply_text, sent)
    return found, (None if found else note or sentence_note)
