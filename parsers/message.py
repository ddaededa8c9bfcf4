"""parse_message: one raw message in, one ParsedMessage out, or a ParseError with a reason.

This is the only entry point the rest of mailbot needs. It runs the MIME layer, finds the new
text, and reads every signal the domain core decides on. Nothing here looks at a database, the
network or the clock.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import automatic, content
from .dates import parse_timescale
from .errors import ParseError
from .instruction import parse_instruction
from .mime import html_to_text, read_envelope
from .reply import new_text, strip_html_history
from .types import Envelope, ParsedMessage, ParseRules


def _sent_date(env: Envelope, rules: ParseRules) -> date | None:
    if env.date is None:
        return None
    try:
        return env.date.astimezone(ZoneInfo(rules.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError, OverflowError):
        # Without tz data the sender's own offset is the best day we have.
        return env.date.date()


def _reply_text(env: Envelope) -> str:
    if env.text_from_html and env.html is not None:
        return new_text(html_to_text(strip_html_history(env.html)))
    return new_text(env.text)


def parse_message(raw: bytes, rules: ParseRules) -> ParsedMessage:
    """Parse one raw message under the authority's ``rules``. Raises ParseError only."""
    if not isinstance(rules, ParseRules):
        raise ParseError(f"parse rules missing: expected ParseRules, got {type(rules).__name__}")
    envelope = read_envelope(raw)
    try:
        return _parse(envelope, rules)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - one odd message must never stop the mailbox (DESIGN §6.2)
        raise ParseError(f"could not read message content ({type(exc).__name__})") from None


def _parse(env: Envelope, rules: ParseRules) -> ParsedMessage:
    sent = _sent_date(env, rules)
    reply_text = _reply_text(env)
    subject = content.strip_subject_prefixes(env.subject)

    reason = automatic.automatic_reason(env)
    bounce = automatic.is_bounce(env)

    form = content.parse_form(reply_text, rules)
    stage = content.form_stage(form.get("stage")) if form else None
    missing = (
        tuple(f for f in rules.required_form_fields if not (form.get(f) or "").strip())
        if form
        else ()
    )

    informal = content.matching_processes(subject, rules.informal_phrases)
    hint = content.process_hint(subject, form, rules)
    informal_process = hint if hint in informal else (informal[0] if informal else None)

    compliment = content.has_phrase(subject, rules.compliment_phrases) or bool(
        form
        and content.has_phrase(
            f"{form.get('categories', '')}\n{form.get('process', '')}", rules.compliment_phrases
        )
    )

    if form and form.get("timescale"):
        timescale = parse_timescale(form["timescale"], sent) or parse_timescale(reply_text, sent)
    else:
        timescale = parse_timescale(reply_text, sent)
    asks, request = content.extension_request(reply_text, sent)

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
        case_ids=content.find_case_ids(env.subject, reply_text, form, rules),
        categories=MappingProxyType(content.find_categories(subject, reply_text, form, rules)),
        instruction=None if reason is not None else parse_instruction(reply_text, sent),
        timescale=timescale,
        extension_request=request,
        asks_for_more_time=asks,
        informal_processes=informal,
    )
