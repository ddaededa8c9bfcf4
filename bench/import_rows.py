"""`mailbot import` at scale (issue 13): time and peak memory of importing N spreadsheet rows.

    python bench/import_rows.py                    # 100,000 rows, as CSV and as XLSX
    python bench/import_rows.py --rows 5000 --formats csv   # a quick look

The spreadsheet has the shape of examples/import (its mapping, with the example's own wording
for teams, people, stages, categories and outcomes): references DRP-YYYY-NNNNN over three
years, siblings on several rows (a third of the alerts), every stage of the ladder dated, both
processes, resolved, withdrawn, Cafcass and still-open alerts, some past their formal cap. It
is written once into a temporary folder; each import then runs the real command line
(``mailbot.cli.main``) into an empty SQLite store in a fresh child process, so that the figures
are the import's own: seconds (of the command inside the child, and of the whole child with
interpreter start) and the child's peak RSS (ru_maxrss). Figures are printed, nothing asserted.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = "2027-08-02T09:00"
HEADER = ["Ref", "Child ID", "Date raised", "Process", "IRO", "Team", "Theme", "Stage reached", "Stage 1 date",
          "Stage 2 date", "Stage 3 date", "Stage 4 date", "Date concluded", "Stage resolved", "Outcome",
          "Notes (not imported)"]
STAGE_WORDS = ["Pre-DRP", "TM", "SM", "AD", "Director"]
LAC = {"iro": ["Sam Okafor", "Jo Reid", "Sam O", "Former IRO"], "team": ["CiC North", "CiC South"],
       "theme": ["Drift", "Missing documents", "Visits", "Review decisions", "Significant safeguarding concern"]}
CP = {"iro": ["Alex Morgan"], "team": ["Child Protection East"],
      "theme": ["Key documentation missing", "core group", "escalated risk"]}


def alert_rows(rows: int, seed: int = 13) -> list[list]:
    """``rows`` spreadsheet rows (dates as ``date``; child IDs as ints), siblings adjacent."""
    rng = random.Random(seed)
    out: list[list] = []
    numbers: dict[int, int] = {}
    child = 1_000_000
    first_day, span = date(2025, 1, 6), (date(2027, 7, 16) - date(2025, 1, 6)).days
    while len(out) < rows:
        raised = first_day + timedelta(days=rng.randrange(span))
        numbers[raised.year] = numbers.get(raised.year, 0) + 1
        ref = f"DRP-{raised.year}-{numbers[raised.year]:05d}"
        cp = rng.random() < 0.15
        words = CP if cp else LAC
        reached = rng.choices(range(5), weights=[40, 25, 15, 12, 8])[0]
        stage_dates = [raised + timedelta(days=7 * k) if k <= reached else None for k in range(1, 5)]
        last = max([raised] + [s for s in stage_dates if s])
        old = (date(2027, 8, 2) - raised).days > 60
        if old and rng.random() < 0.85:
            concluded = last + timedelta(days=rng.randrange(1, 6))
            outcome = rng.choices(["Closed - resolved", "Closed - withdrawn", "resolved"], weights=[70, 20, 10])[0]
            if reached == 4 and not cp and rng.random() < 0.5:
                outcome = "Referred to CAFCASS"
            resolved = STAGE_WORDS[reached] if "resolved" in outcome.lower() and rng.random() < 0.8 else None
        else:
            concluded, outcome, resolved = None, rng.choice(["Ongoing", None]), None
        themes = "; ".join(rng.sample(words["theme"], rng.choice([1, 1, 2])))
        first = [ref, child, raised, "cp" if cp else "lac", rng.choice(words["iro"]), rng.choice(words["team"]),
                 themes, STAGE_WORDS[reached], *stage_dates, concluded, resolved, outcome, None]
        out.append(first)
        child += 1
        for _ in range(rng.choices([0, 1, 2], weights=[67, 25, 8])[0]):
            if rng.random() < 0.7:  # a sibling's row left blank but for the reference and the child
                out.append([ref, child] + [None] * (len(HEADER) - 2))
            else:  # or repeating the first row
                out.append([ref, child] + first[2:])
            child += 1
    # A cut inside the last alert's siblings still leaves its first row, which carries the data.
    return out[:rows]


def write_csv(path: Path, rows: list[list]) -> None:
    def cell(value):
        return value.strftime("%d/%m/%Y") if isinstance(value, date) else "" if value is None else value

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([cell(v) for v in row] for row in rows)


def write_xlsx(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    # A normal workbook, not write_only: its sheet declares its size (<dimension>) as Excel's do.
    # Without that element openpyxl's read-only reader parses the whole sheet once more just to
    # size it (about 10 s more at 100,000 rows).
    book = Workbook()
    sheet = book.active
    sheet.title = "Alerts"
    sheet.append(HEADER)
    for row in rows:
        # Real date cells, as a spreadsheet typed by hand has them.
        sheet.append([datetime.combine(v, datetime.min.time()) if isinstance(v, date) else v for v in row])
    book.save(path)


def child(folder: Path, sheet: Path) -> None:
    """In a fresh process: run ``mailbot import`` through the command line; print seconds, MB, exit code."""
    import contextlib
    import io

    from mailbot.cli import main

    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(folder / "config.yaml"), "--now", NOW, "import", str(sheet),
                     "--mapping", str(ROOT / "examples" / "import" / "mapping.yaml")])
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    last = out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else ""
    print(f"{elapsed:.2f} {usage.ru_utime + usage.ru_stime:.2f} {usage.ru_maxrss / 1024:.0f} {code}")
    print(last)


def write_sheets(folder: Path, rows: int, formats: list[str]) -> None:
    """In a child of its own: write the spreadsheets; print the row and alert counts, then each
    format's writing time."""
    data = alert_rows(rows)
    print(len(data), len({r[0] for r in data}))
    for fmt in formats:
        started = time.perf_counter()
        (write_csv if fmt == "csv" else write_xlsx)(folder / f"alerts.{fmt}", data)
        print(fmt, f"{time.perf_counter() - started:.2f}")


def run_child(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", choices=["csv", "xlsx"], default=["csv", "xlsx"])
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "SHEET"), help=argparse.SUPPRESS)
    parser.add_argument("--write", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    if args.write:
        write_sheets(Path(args.write), args.rows, args.formats)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The spreadsheets are written by a child too: this process stays small, because Linux
        # counts the parent's size at the moment of starting a child in that child's ru_maxrss.
        done = run_child("--write", str(tmp), "--rows", str(args.rows), "--formats", *args.formats)
        if done.returncode != 0:
            sys.exit(f"writing the spreadsheets failed:\n{done.stderr}")
        counts, *timings = done.stdout.split("\n")
        written = dict(line.split() for line in timings if line)
        rows, alerts = map(int, counts.split())
        print(f"{rows:,} rows, {alerts:,} alerts; store: SQLite; --now {NOW}")
        # import s: the command's wall time inside the child; CPU s: the child's user+sys time (the
        # figure a busy machine changes least); child s: the whole child, interpreter start included.
        print(f"{'format':>6} {'write s':>8} {'import s':>9} {'CPU s':>6} {'child s':>8} {'peak RSS MB':>12}  result")
        for fmt in args.formats:
            folder = tmp / f"store-{fmt}"
            folder.mkdir()
            shutil.copyfile(ROOT / "config.yaml", folder / "config.yaml")
            started = time.perf_counter()
            done = run_child("--child", str(folder), str(tmp / f"alerts.{fmt}"))
            whole = time.perf_counter() - started
            if done.returncode != 0:
                print(f"{fmt:>6}: the child failed:\n{done.stderr}")
                continue
            figures, result = (done.stdout.splitlines() + [""])[:2]
            seconds, cpu, rss, code = figures.split()
            print(f"{fmt:>6} {float(written[fmt]):>8.1f} {float(seconds):>9.1f} {float(cpu):>6.1f} {whole:>8.1f} "
                  f"{float(rss):>12.0f}  exit {code}: {result}")


if __name__ == "__main__":
    main()
