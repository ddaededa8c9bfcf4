"""Wall time and peak memory for each hostile input of issue 9 (item 3: bounded work per message).

Target: each message handled, or set aside with the reason, in under 2 s and under 300 MB. Every
input (tests/hostile/make_fixtures.py) is written as a real .eml and handed, in a fresh Python
process of its own, to ``parsers.parse_message`` and to a real ``Mailbot.ingest`` on a fresh
SQLite store; the parent reads that child's own peak RSS from ``os.wait4``, so one input's
memory never shows in another's figure. "seconds" is the time of the call alone (imports and
the store's creation excluded), "wall" the child's whole life. A benchmark prints figures; it
is not a test. Run from the repository root:

    python bench/hostile_inputs.py [--mode parse|ingest|both] [--only NAME ...] [--timeout S]

The first line, ``baseline``, is a three-line alert: what the interpreter and the imports cost
before any hostile input does anything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import make_fixtures  # noqa: E402

TARGET_SECONDS = 2.0
TARGET_MB = 300


def _baseline() -> bytes:
    return make_fixtures.message("baseline", "Child ID: 1234567\n\nThe PEP is missing.\n\nSam")


def _child(path: Path, mode: str) -> None:
    """Run one input in this process and print what happened as one JSON line."""
    raw = path.read_bytes()
    if mode == "parse":
        from parsers import ParseError, parse_message
        from mailbot.config import load_config
        from mailbot.routing import parse_rules

        rules = parse_rules(load_config(ROOT / "config.yaml"))
        start = time.perf_counter()
        try:
            parsed = parse_message(raw, rules)
            outcome = {"children": len(parsed.case_ids), "dates": len(parsed.dates),
                       "form": parsed.form_source, "notes": list(parsed.envelope.notes)}
        except ParseError as exc:
            outcome = {"set_aside": exc.reason}
        seconds = time.perf_counter() - start
    else:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from mailbot.config import load_config
        from mailbot.service import Mailbot

        folder = Path(tempfile.mkdtemp(prefix="mailbot-hostile-"))
        (folder / "config.yaml").write_text((ROOT / "config.yaml").read_text())
        bot = Mailbot(load_config(folder / "config.yaml"))
        now = datetime(2027, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))
        start = time.perf_counter()
        result = bot.ingest(raw, now)
        seconds = time.perf_counter() - start
        outcome = {"status": result.status, "kind": result.kind, "alert": result.alert, "reason": result.reason}
    print(json.dumps({"seconds": seconds, **outcome}))


def _run(path: Path, mode: str, timeout: float) -> tuple[dict, float, float]:
    """(the child's JSON, wall seconds, peak RSS in MB) of one input in a fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--child", str(path), "--mode", mode],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            child.kill()
            _, status, usage = os.wait4(child.pid, 0)
            return {"error": f"killed after {timeout:.0f} s"}, time.perf_counter() - started, usage.ru_maxrss / 1024
        time.sleep(0.01)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    lines = out.strip().splitlines()
    if child.returncode != 0 or not lines:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {child.returncode}: {tail}"}, wall, usage.ru_maxrss / 1024
    return json.loads(lines[-1]), wall, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def _describe(result: dict) -> str:
    if "error" in result:
        return f"FAILED {result['error']}"
    if "set_aside" in result:
        return f"set aside: {result['set_aside']}"
    if "status" in result:
        text = f"{result['status']} {result['kind'] or ''} {result['alert'] or ''}".strip()
        return f"{text}: {result['reason']}" if result.get("reason") else text
    notes = "; ".join(result["notes"]) or "no notes"
    return f"children {result['children']}, dates {result['dates']}, form {result['form']}; {notes}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mode", choices=("parse", "ingest", "both"), default="both")
    parser.add_argument("--only", nargs="*", help="shape names (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a child is killed")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.mode)
        return 0
    names = args.only or list(make_fixtures.SHAPES)
    modes = ("parse", "ingest") if args.mode == "both" else (args.mode,)
    over = 0
    with tempfile.TemporaryDirectory(prefix="mailbot-hostile-") as tmp:
        folder = Path(tmp)
        (folder / "baseline.eml").write_bytes(_baseline())
        paths = {"baseline": folder / "baseline.eml"}
        paths.update({name: make_fixtures.write(name, folder) for name in names})
        print(f"{'input':<15} {'size':>8} {'mode':<6} {'seconds':>8} {'wall':>6} {'peak RSS':>9}  outcome")
        for name, path in paths.items():
            for mode in modes:
                result, wall, peak_mb = _run(path, mode, args.timeout)
                seconds = result.get("seconds", float("nan"))
                late = "error" in result or seconds >= TARGET_SECONDS or peak_mb >= TARGET_MB
                over += late
                print(f"{name:<15} {path.stat().st_size / 1e6:>6.2f}MB {mode:<6} {seconds:>8.3f} {wall:>6.2f} "
                      f"{peak_mb:>6.0f} MB  {'OVER TARGET ' if late else ''}{_describe(result)[:110]}")
    print(f"target: under {TARGET_SECONDS:.0f} s and {TARGET_MB} MB each; {over} over")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
