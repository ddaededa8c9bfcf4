"""The independent reading corpus (tests/reading_corpus, issue 8) as tests.

Every open case must be read right on every field it checks, through the same pure path the
daemon takes (parse -> routing -> domain), as ``bench/reading_accuracy.py`` plays it. The sealed
part is not tuned on: of it the tests only assert the one thing that must never happen, that
mailbot acts on a reading that is not the expected one (a wrong reading may only ever lead to a
question, DESIGN §6.8). Its accuracy is a figure the benchmark prints, not a test.
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
OPEN = sorted((CORPUS / "open").glob("*.json"))
SEALED = sorted((CORPUS / "sealed").glob("*.json"))


@pytest.fixture(scope="module")
def reader():
    return BENCH.Mailbot(ROOT)


def test_the_corpus_is_there_and_a_third_is_sealed() -> None:
    assert len(OPEN) >= 100 and len(SEALED) >= 50
    assert all(p.with_suffix(".eml").exists() for p in OPEN + SEALED)


@pytest.mark.parametrize("spec_path", OPEN, ids=[p.stem for p in OPEN])
def test_open_case_is_read_right(reader, spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    got = BENCH.read_case(reader, spec_path.with_suffix(".eml"), spec)
    marks = BENCH.score(spec["expect"], got)
    wrong = {field: (spec["expect"].get(field), got.get(field)) for field, ok in marks.items() if not ok}
    assert not wrong, f"{spec['habit']}: {wrong}"


def test_no_sealed_message_is_acted_on_wrongly(reader) -> None:
    acted_wrongly = []
    for spec_path in SEALED:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        got = BENCH.read_case(reader, spec_path.with_suffix(".eml"), spec)
        if BENCH.wrongly_obeyed(spec["expect"], got, BENCH.score(spec["expect"], got)):
            acted_wrongly.append(spec_path.stem)
    assert acted_wrongly == []
