"""Building outgoing messages (issue 13, item 3): messages per second for 10,000 typical notices.

    python bench/outgoing_build.py              # 10,000 notices, best of 3 rounds
    python bench/outgoing_build.py -n 2000      # a quick look

Each notice is what ``Mailbot.send`` builds from an outbox row: one or two recipients and
sometimes a copy, an ASCII subject as the templates write it ("[DRP-2027-0042] Stage 1: Team
Manager: response reminder - due ..."), a plain-text part with the templates' long paragraph
lines and a wrapped footer (about 2.5 KB), an HTML part with their inline styles and long lines
(about 12 KB), and threading headers: synthetic, but of the size and shape of the notices
`mailbot demo` writes (14 KB on average, both parts quoted-printable). One notice in 50 names a person with
an accent in its subject's rung (a configured rung name), so the slower, stdlib-formatted path
is in the mix; none carries an attachment (only the quarterly report does).

Two figures per implementation: "build" is ``build_message`` alone, "build+bytes" adds
``as_bytes()``, which is what the SMTP and Maildir sinks do with every message. "before" is the
implementation this file was written against (issue 13), kept in tests/test_outgoing_fast.py as
the reference the tests compare with; "after" is mailbot.outgoing. Both build the same 10,000
notices in the same process, in alternating rounds, and the run counts the notices for which
the two give the same bytes once header lines are unfolded (the new folding differs in one
case: see ``_fold`` in mailbot/outgoing.py).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from mailbot.outgoing import build_message, make_message_id  # noqa: E402
from test_outgoing_fast import reference_build_message, unfolded  # noqa: E402  (the implementation before issue 13)

START = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
PEOPLE = ["sam.lee", "priya.shah", "j.okafor", "tm.north", "iro.team", "cp-chair", "b.manager", "dd.childrens"]
RUNGS = ["Stage 1: Team Manager", "Stage 2: Service Manager", "Stage 3: Head of Service",
         "Stage 4: Director of Children's Services"]
NOTICES = ["response reminder", "response overdue", "escalated to you", "response received"]

PARAGRAPH = ("This is a reminder that your written response to {ref} ({rung}) is due by the end of "
             "Monday 4 January 2027. Please reply to this e-mail (reply to all) with your response. If you "
             "need more time, say so in your reply and say how much, for example \"5 more working days\" "
             "or \"until 14 May\"; more time applies only when the IRO agrees.")
FOOTER = "\n".join([
    "How to answer (the manager holding this alert): reply to all in this thread,",
    "keeping [{ref}] in the subject; your reply is recorded as your written",
    "response. If you need more time, say how much in the same reply (for example",
    "\"5 more working days\" or \"until 14 May\"); the IRO decides. Resolving,",
    "escalating and closing the alert are the IRO's decisions, not the responder's.",
] * 4)
CELL = "font-family:Arial,Helvetica,sans-serif;font-size:13px;line-height:18px;"
HTML_ROW = (f'<tr>\n<td valign="top" width="32%" style="width:32%;padding:6px 8px;border-bottom:1px solid #eaecf0;'
            f'background-color:#f9fafb;{CELL}font-weight:bold;color:#344054;">{{label}}</td>\n'
            f'<td valign="top" style="padding:6px 8px;border-bottom:1px solid #eaecf0;{CELL}color:#1b1b1b;'
            f'overflow-wrap:anywhere;word-break:break-word;">{{value}}</td>\n</tr>')
PARA = '<p style="margin:0 0 14px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:20px;color:#1b1b1b;">{}</p>\n'


def notice(i: int) -> dict:
    """The i-th typical notice's arguments, as Mailbot.send passes them."""
    ref = f"DRP-2027-{i % 9000 + 1:04d}"
    rung = RUNGS[i % len(RUNGS)] if i % 50 else "Stage 2: Responsable de Service Éducatif"
    to = [f"{PEOPLE[i % len(PEOPLE)]}@council.example"]
    if i % 7 == 0:
        to.append(f"{PEOPLE[(i + 3) % len(PEOPLE)]}@council.example")
    cc = [f"{PEOPLE[(i + 1) % len(PEOPLE)]}@council.example"] if i % 2 else []
    text = "\n\n".join([f"Dear {PEOPLE[i % len(PEOPLE)]},", PARAGRAPH.format(ref=ref, rung=rung),
                        "Reference: " + ref + "\nStage: " + rung + "\nDue: Monday 4 January 2027",
                        FOOTER.format(ref=ref)]) + "\n"
    rows = "".join(HTML_ROW.format(label=label, value=value) for label, value in
                   [("Reference", ref), ("Stage", rung), ("Due", "Monday 4 January 2027"),
                    ("Raised by", "Sam Okafor, IRO"), ("Read as", PARAGRAPH.format(ref=ref, rung=rung)[:160])] * 4)
    html = ('<!DOCTYPE html>\n<html lang="en-GB">\n<body style="margin:0;padding:0;background-color:#f2f4f7;">\n'
            + PARA.format(PARAGRAPH.format(ref=ref, rung=rung))
            + f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">{rows}</table>\n'
            + "".join(PARA.format(line) for line in FOOTER.format(ref=ref).split("\n\n"))
            + "</body></html>\n")
    parent = f"AM0PR01MB{i:06d}ABCD@eurprd01.prod.outlook.com"
    return dict(
        from_addr="drp@council.example", from_name="DRP mailbot", to=to, cc=cc,
        subject=f"[{ref}] {rung}: {NOTICES[i % len(NOTICES)]} - due Monday 4 January 2027",
        text=text, html=html, message_id=make_message_id(f"{ref}.{i:020x}", "council.example"),
        in_reply_to=parent, references=[f"first.{i}@council.example", parent],
        auto_submitted="auto-replied", date=START + timedelta(minutes=i),
    )


def seconds(build, notices: list[dict], with_bytes: bool) -> float:
    gc.collect()
    started = time.perf_counter()
    if with_bytes:
        for kwargs in notices:
            build(**kwargs).as_bytes()
    else:
        for kwargs in notices:
            build(**kwargs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="notices per round (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure; the best is shown (default 3)")
    args = parser.parse_args()
    notices = [notice(i) for i in range(args.n)]
    same = sum(unfolded(reference_build_message(**kw).as_bytes()) == unfolded(build_message(**kw).as_bytes())
               for kw in notices)
    size = sum(len(build_message(**kw).as_bytes()) for kw in notices[:100]) // 100
    print(f"{args.n:,} typical notices (text + HTML, threaded, ~{size:,} bytes each), best of {args.rounds} rounds")
    print(f"same bytes before and after (headers unfolded, RFC 5322 2.2.3): {same:,}/{args.n:,}")
    implementations = {"before": reference_build_message, "after": build_message}
    best = {(label, with_bytes): float("inf") for label in implementations for with_bytes in (False, True)}
    # Rounds alternate between the two, so a busy moment on the machine does not favour one.
    for _ in range(args.rounds):
        for label, build in implementations.items():
            for with_bytes in (False, True):
                best[label, with_bytes] = min(best[label, with_bytes], seconds(build, notices, with_bytes))
    print(f"{'':10}{'build':>22}{'build + as_bytes()':>26}")
    for label in implementations:
        only, whole = (args.n / best[label, False], args.n / best[label, True])
        print(f"{label:10}{only:>10,.0f} msg/s {1e6 / only:>5.0f} us{whole:>14,.0f} msg/s {1e6 / whole:>5.0f} us")
    print(f"{'speed-up':10}{best['before', False] / best['after', False]:>14.1f} x"
          f"{best['before', True] / best['after', True]:>24.1f} x")


if __name__ == "__main__":
    main()
