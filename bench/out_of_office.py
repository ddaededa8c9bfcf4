"""How well mailbot reads out-of-office replies it was not tuned on (issue 10, cover).

tests/ooo_corpus/ holds automatic replies written by a helper who had not read parsers/ (open/
and sealed/), each with what a careful reader takes from it: is the writer away, and the first
working day back. This plays each through the daemon's own path (parse_message, then
parsers.away_in and service.back_at_work on the embedded configuration's calendar) and prints, per
part, how many were read right on "away" and on "back".

    python bench/out_of_office.py [--verbose]
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import parsers  # noqa: E402
from mailbot import routing  # noqa: E402
from mailbot.config import load_config  # noqa: E402
from mailbot.service import back_at_work, calendar_for  # noqa: E402

CORPUS = HERE / "tests" / "ooo_corpus"


def read(eml: Path, rules, calendar) -> tuple[bool, str | None]:
    spec = json.loads(eml.with_suffix(".json").read_text())
    parsed = parsers.parse_message(eml.read_bytes(), rules)
    away = parsers.away_in(parsed.envelope, date.fromisoformat(spec["sent"]))
    back = back_at_work(away, calendar) if away else None
    return away is not None, back.isoformat() if back else None


def main(argv: list[str]) -> int:
    config = load_config(HERE / "config.yaml")
    rules, calendar = routing.parse_rules(config), calendar_for(config)
    for part in ("open", "sealed"):
        cases = sorted((CORPUS / part).glob("*.eml"))
        right_away = right_back = 0
        misses = []
        for eml in cases:
            expect = json.loads(eml.with_suffix(".json").read_text())["expect"]
            away, back = read(eml, rules, calendar)
            right_away += away == expect["away"]
            right_back += back == expect.get("back")
            if away != expect["away"] or back != expect.get("back"):
                misses.append(f"{eml.stem}: expected {expect}, read away={away} back={back}")
        print(f"{part:<7} {len(cases):>3} cases   away {right_away}/{len(cases)}   back {right_back}/{len(cases)}")
        if "--verbose" in argv and part == "open":
            for line in misses:
                print("   ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
