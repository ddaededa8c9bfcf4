"""The independent reading corpus (tests/reading_corpus, issue 8) as tests.

Every open case must be read right on every field it checks, through the same pure path the
daemon takes (parse -> routing -> domain), as ``bench/reading_accuracy.py`` plays it; so must
every case of a sealed part once it has been opened (``reading_corpus/opened.txt`` records when,
and its first-look figure). A part still sealed is not tuned on: of it the tests only assert the
one thing that must never happen, that mailbot acts on a reading that is not the expected one (a
wrong reading may only ever lead to a question, DESIGN §6.8). Its accuracy is a figure the
benchmark prints, not a test.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "reading_corpus"


def _bench():
    spec = importlib.util.spec_from_file_location("reading_accuracy", ROOT / "bench" / "reading_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
OPENED = [line.split()[0] for line in (CORPUS / "opened.txt").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith("#")]
OPEN = sorted(p for part in ("open", *OPENED) for p in (CORPUS / part).glob("*.json"))
STILL_SEALED = sorted(p for folder in CORPUS.glob("sealed*") if folder.name not in OPENED
                      for p in folder.glob("*.json"))


@pytest.fixture(scope="module")
def reader():
    return BENCH.Mailbot(ROOT)


def test_the_corpus_is_there_and_opened_parts_exist() -> None:
    assert len(OPEN) >= 300
    assert all((CORPUS / part).is_dir() for part in OPENED)
    assert all(p.with_suffix(".eml").exists() for p in OPEN + STILL_SEALED)


@pytest.mark.parametrize("spec_path", OPEN, ids=[f"{p.parent.name}/{p.stem}" for p in OPEN])
def test_open_case_is_read_right(reader, spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    got = BENCH.read_case(reader, spec_path.with_suffix(".eml"), spec)
    marks = BENCH.score(spec["expect"], got)
    wrong = {field: (spec["expect"].get(field), got.get(field)) for field, ok in marks.items() if not ok}
    assert not wrong, f"{spec['habit']}: {wrong}"


def test_no_sealed_message_is_acted_on_wrongly(reader) -> None:
    acted_wrongly = []
    for spec_path in STILL_SEALED:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        got = BENCH.read_case(reader, spec_path.with_suffix(".eml"), spec)
        if BENCH.wrongly_obeyed(spec["expect"], got, BENCH.score(spec["expect"], got)):
            acted_wrongly.append(spec_path.stem)
    # A count, never the names: which sealed messages fail is not for a session to see before
    # the part's first look (the bench prints no sealed message either).
    assert not acted_wrongly, f"{len(acted_wrongly)} message(s) of a still-sealed part acted on wrongly"


def test_a_timescale_in_another_form_counts_only_for_the_same_deadline(reader) -> None:
    # sealed40 mx-003 says "Within 5 working days (by 24/03/2027)"; mailbot reads the date.
    case = CORPUS / "sealed40" / "mx-003.json"
    spec = json.loads(case.read_text(encoding="utf-8"))
    assert spec["expect"]["timescale"] == {"working_days": 5}
    got = BENCH.read_case(reader, case.with_suffix(".eml"), spec)
    assert got["timescale"] == {"until": "2027-03-24"} and got["same_deadline"] is True
    assert BENCH.score(spec["expect"], got)["timescale"]
    # One working day more is another deadline: read wrong.
    spec["expect"]["timescale"] = {"working_days": 6}
    got = BENCH.read_case(reader, case.with_suffix(".eml"), spec)
    assert got["same_deadline"] is False and not BENCH.score(spec["expect"], got)["timescale"]


def test_the_time_asked_is_what_mailbots_quoted_notice_told(reader) -> None:
    # sealed41 na-024 quotes "... has asked for more time to respond to DRP-2027-0038 (...): until
    # Thu 25 Mar 2027." and grants "until the 25th": agreeing to the day asked, not a day of its own.
    case = CORPUS / "sealed41" / "na-024.json"
    spec = json.loads(case.read_text(encoding="utf-8"))
    said = BENCH._ASKED_IN_NOTICE.search(" ".join(BENCH._plain_body(case.with_suffix(".eml").read_bytes()).replace(">", " ").split()))
    assert said is not None and said.group("until") == "Thu 25 Mar 2027"
    got = BENCH.read_case(reader, case.with_suffix(".eml"), spec)
    assert (got["reading"], got["verb"]) == ("confirm", "AGREE")
    # The stage's name in brackets may hold a colon ("(Stage 1: Team Manager): until Friday 26
    # October 2029", sealed37 ms-008): the day asked is still read from the notice.
    text = "Chris Young has asked for more time to respond to DRP-2029-0040 (Stage 1: Team Manager): until Friday 26 October 2029."
    said = BENCH._ASKED_IN_NOTICE.search(text)
    assert said is not None and said.group("until") == "Friday 26 October 2029"


def test_a_target_left_out_of_the_expectation_is_not_scored() -> None:
    # The corpus README: "A key left out of expect is not scored". "target_stage": null is the
    # next rung and is scored; no key at all is a target the writer left open (sealed54 pa-029).
    got = {"reading": "confirm", "verb": "ESCALATE", "target_stage": 2}
    assert "target_stage" not in BENCH.score({"reading": "confirm", "verb": "ESCALATE"}, got)
    assert BENCH.score({"reading": "confirm", "verb": "ESCALATE", "target_stage": None}, got)["target_stage"] is False
