"""Every .eml fixture parsed with Luton's rules must match the expectations written beside it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from parsers import ParsedMessage, ParseRules, parse_message

# Test modules here are not a package (a tests/parsers package would shadow the real one).
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
EML = sorted(FIXTURES.glob("*.eml"))
EXPECTED = sorted(FIXTURES.glob("*.expected.json"))


def test_every_fixture_has_expectations_and_vice_versa() -> None:
    eml_names = {p.name[: -len(".eml")] for p in EML}
    expected_names = {p.name[: -len(".expected.json")] for p in EXPECTED}
    assert eml_names == expected_names
    # The parametrised test below must never be silently empty.
    assert len(EML) >= 80


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _timescale(ts: Any) -> dict[str, Any] | None:
    return None if ts is None else {"working_days": ts.working_days, "until": _iso(ts.until)}


def _instruction(ins: Any) -> dict[str, Any] | None:
    if ins is None:
        return None
    return {"verb": ins.verb, "stage": ins.stage, "working_days": ins.working_days, "until": _iso(ins.until)}


def _actual(m: ParsedMessage) -> dict[str, Any]:
    env = m.envelope
    return {
        "message_id": env.message_id,
        "subject": env.subject,
        "from_addr": env.from_addr,
        "from_name": env.from_name,
        "to": list(env.to),
        "cc": list(env.cc),
        "date": _iso(env.date),
        "in_reply_to": list(env.in_reply_to),
        "references_count": len(env.references),
        "content_type": env.content_type,
        "text_from_html": env.text_from_html,
        "attachments": [[a.content_type, a.filename] for a in env.attachments],
        "is_automatic": m.is_automatic,
        "automatic_reason": m.automatic_reason,
        "is_bounce": m.is_bounce,
        "bounced_message_ids": list(m.bounced_message_ids),
        "reference": m.reference,
        "informal_process": m.informal_process,
        "informal_processes": list(m.informal_processes),
        "is_compliment": m.is_compliment,
        "process_hint": m.process_hint,
        "form_stage": m.form_stage,
        "missing_form_fields": list(m.missing_form_fields),
        "case_ids": list(m.case_ids),
        "categories": {k: list(v) for k, v in m.categories.items()},
        "instruction": _instruction(m.instruction),
        "instruction_text": m.instruction.text if m.instruction else None,
        "timescale": _timescale(m.timescale),
        "extension_request": _timescale(m.extension_request),
        "asks_for_more_time": m.asks_for_more_time,
        "reply_text": m.reply_text,
        "dates": [[d.text, _iso(d.date), d.working_days] for d in m.dates],
        "form_source": m.form_source,
        "tnef": env.tnef,
        "calendar_method": env.calendar_method,
        "signed": env.signed,
        "encrypted": env.encrypted,
        "attachment_sizes": [a.size for a in env.attachments if a.size > 100_000],
    }


@pytest.mark.parametrize("path", EML, ids=[p.stem for p in EML])
def test_fixture_matches_expected(path: Path, rules: ParseRules, mosaic_rules: ParseRules) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    # Most fixtures are Luton's mail; "rules": "mosaic" reads one with examples/mosaic.yaml.
    which = expected.pop("rules", "luton")
    parsed = parse_message(path.read_bytes(), mosaic_rules if which == "mosaic" else rules)
    actual = _actual(parsed)

    for text in expected.pop("reply_text_contains", []):
        assert text in parsed.reply_text, f"{text!r} missing from reply_text {parsed.reply_text!r}"
    for text in expected.pop("reply_text_excludes", []):
        assert text not in parsed.reply_text, f"{text!r} left in reply_text {parsed.reply_text!r}"
    for text in expected.pop("form_concern_contains", []):
        assert parsed.form is not None and text in parsed.form.get("concern", "")
    if "form" in expected:
        form = expected.pop("form")
        if form is None:
            assert parsed.form is None
        else:
            assert parsed.form is not None
            assert {k: parsed.form.get(k) for k in form} == form

    unknown = set(expected) - set(actual)
    assert not unknown, f"expected file names fields the test does not know: {unknown}"
    assert {k: actual[k] for k in expected} == expected
