"""CPU seconds to parse messages of hostile shapes, at two sizes, so growth shows.

Every reader of free text must stay linear in the message (DESIGN §6.10): a body of thousands of
attribution lines, a megabyte on one line, alternating quotes and answers, thousands of request
sentences or "Label: value" lines, of case IDs, runs of date fillers, names or spaces. This prints
the time for each shape at n and 10n; a ratio near 10 is linear, near 100 quadratic. A benchmark prints figures; it is not a test. Run from the
repository root:

    python bench/hostile_shapes.py [N]        # default N = 2000
"""

from __future__ import annotations

import sys
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsers import ParseError, ParseRules, parse_message  # noqa: E402

SHAPES = {
    "dates in prose": lambda n: "Escalate please. " + " ".join(
        f"On {d % 28 + 1} May 2027 the visit was missed." for d in range(n)),
    "one long line": lambda n: "a" * (n * 50),
    "words on one line": lambda n: "word " * (n * 10),
    "attribution lines": lambda n: "\n".join("On 12 May 2027, Dana <d@x.gov.uk> wrote:" for _ in range(n)),
    "quotes and answers": lambda n: "\n".join("> q" if i % 2 else "answer" for i in range(n * 2)),
    "response requests": lambda n: " ".join("Please respond within 5 working days." for _ in range(n)),
    "dash runs": lambda n: "-" * (n * 10) + "x" + "-" * (n * 10),
    "label lines": lambda n: "\n".join(f"Label{i}: value" for i in range(n)),
    "nested forwards": lambda n: "".join(
        f"From: p{i}@x.gov.uk\nSent: 12 May 2027 09:00\nTo: drp@x.gov.uk\nSubject: FW: x\n\n" for i in range(n // 10)),
    # Issue 9: a label alone on its line takes the IDs below it; with no blank line between
    # them, each label once re-read every line after it (quadratic).
    "id labels alone": lambda n: "Child IDs:\n" * (n * 2),
    "ids on one line": lambda n: "Child IDs: " + ", ".join(str(1_000_000 + i) for i in range(n)),
    "ids in prose": lambda n: " ".join(f"Ayaan {1_000_000 + i}" for i in range(n)),
    "time requests": lambda n: " ".join("Could we have a further week, not by Friday?" for _ in range(n)),
    "sentences no stop": lambda n: "please respond within " * n,
    # Found quadratic by the issue 9 probe (not yet mended; sized so that 10n takes seconds):
    # each date word ("on", "of") re-reads the run of fillers after it (dates.dated_at/_FILLER);
    # every first-name line gathers all the lines after it (reply._signed_name_start); and a
    # clause break tried at each space of a run (instruction._CLAUSE's leading \s+).
    "deadline fillers": lambda n: "Please respond by " + "the next close of play on " * (n // 10) + "soon.",
    "signature names": lambda n: "\n".join("Sam Okafor" for _ in range(n // 4)),
    "space runs": lambda n: "ESCALATE to " + " " * n + "stage 2 please",
}


def _mail(body: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "iro@x.gov.uk", "tm@x.gov.uk", "RE: [DRP-2027-0001] Pre-DRP"
    msg["Date"], msg["Message-ID"] = "Mon, 10 May 2027 10:00:00 +0100", "<hostile@x>"
    msg.set_content(body)
    return msg.as_bytes()


def _seconds(raw: bytes) -> float:
    start = time.process_time()
    try:
        parse_message(raw, ParseRules())
    except ParseError:
        pass  # set aside with a reason is a valid outcome; the time is what is measured
    return time.process_time() - start


def main(n: int) -> int:
    print(f"{'shape':<20} {'n':>7} {'size':>9} {'seconds':>8}   {'10n':>7} {'size':>9} {'seconds':>8}  ratio")
    for name, make in SHAPES.items():
        small, large = _mail(make(n)), _mail(make(10 * n))
        t_small, t_large = _seconds(small), _seconds(large)
        ratio = t_large / t_small if t_small > 0.0005 else float("nan")
        print(f"{name:<20} {n:>7} {len(small) / 1e6:>7.2f}MB {t_small:>8.3f}   {10 * n:>7} "
              f"{len(large) / 1e6:>7.2f}MB {t_large:>8.3f}  {ratio:5.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
