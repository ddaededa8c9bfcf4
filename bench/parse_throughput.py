"""Parse throughput: messages per second on one core, on the fixture mix and on a month of traffic.

A benchmark prints figures; it is not a test. Run from the repository root:

    python bench/parse_throughput.py [--seconds N]

The mix is every fixture under tests/fixtures/mail except the very large attachment (replies
from every client, new alerts, forms in tables and attachments, automatic mail, MIME oddities),
parsed over and over with Luton's rules. The large-attachment fixture is timed on its own line,
since one 400 KB scan in the mix would say more about base64 than about a normal day's mail.
Target (issue 4): at least 1,000 messages per second.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "parsers"))

from conftest import LUTON_RULES  # noqa: E402

from parsers import ParseError, parse_message  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mail"


def parse_quietly(raw: bytes) -> None:
    """Parse one message; a ParseError is an outcome the benchmark counts like any other."""
    with contextlib.suppress(ParseError):
        parse_message(raw, LUTON_RULES)


def _rate(messages: list[bytes], seconds: float) -> tuple[int, float]:
    """Messages per second of this process's CPU time, so that other work on a shared machine
    (tests running beside it) does not count against the parser."""
    count = 0
    start = time.process_time()
    deadline = start + seconds
    while time.process_time() < deadline:
        for raw in messages:
            parse_quietly(raw)
            count += 1
    elapsed = time.process_time() - start
    return count, count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run each measurement")
    args = parser.parse_args()
    paths = sorted(FIXTURES.glob("*.eml"))
    big = [p for p in paths if p.stat().st_size > 200_000]
    mix = [p.read_bytes() for p in paths if p not in big]
    for raw in mix:  # warm caches (compiled patterns), as a running daemon has them
        parse_quietly(raw)
    count, rate = _rate(mix, args.seconds)
    print(f"fixture mix: {len(mix)} fixtures, {count} messages parsed, {rate:,.0f} messages/second of CPU on one core")
    # The demo's month of DRP traffic: mostly short plain-text alerts and replies, as a quiet
    # authority's mailbox gets them; lighter than the fixture mix, which is all client oddities.
    month = [p.read_bytes() for p in sorted((ROOT / "mailbot" / "demo").glob("*.eml"))]
    count, rate = _rate(month, args.seconds)
    print(f"demo month: {len(month)} messages, {count} parsed, {rate:,.0f} messages/second of CPU on one core")
    for path in big:
        n, r = _rate([path.read_bytes()], min(args.seconds, 2.0))
        print(f"{path.name} ({path.stat().st_size // 1024} KB): {r:,.0f} messages/second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
