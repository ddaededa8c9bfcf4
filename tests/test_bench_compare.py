"""bench/compare.py, issue 13's one benchmark command, runs and prints its table.

Nothing here is timed: the benchmark's figures are for people to read (and re-measure on a quiet
machine). This only checks that its cheapest group of rows, the sweep, runs end to end through
bench/sweep.py's child process and prints a figure, a target and a verdict for each row, and the
summary line, rather than a traceback or "failed: ...".
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_the_quick_sweep_rows_print_a_figure_and_a_verdict_each(root: Path) -> None:
    run = subprocess.run([sys.executable, str(root / "bench" / "compare.py"), "--quick", "--only", "sweep"],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("measure") and "figure" in line and "target" in line for line in lines)
    rows = {}
    for line in lines:
        found = re.match(r"(sweep, 10,000 open alerts, (?:0|100) due)\s+(\S.*?)\s{2,}(< .*?)\s{2,}(met|NOT MET)\s+(\d+) MB$",
                         line)
        if found:
            rows[found[1]] = found.groups()[1:]
    assert set(rows) == {"sweep, 10,000 open alerts, 0 due", "sweep, 10,000 open alerts, 100 due"}, run.stdout
    for figure, target, _verdict, rss in rows.values():
        assert re.fullmatch(r"\d+\.\d{3} s \([\d,]+ events\)", figure), figure
        assert int(rss) > 0
    # The events are bench/sweep.py's own count: none with nothing due, some for the 100 due.
    events = {name: int(re.search(r"\(([\d,]+) events\)", figure)[1].replace(",", ""))
              for name, (figure, *_rest) in rows.items()}
    assert events["sweep, 10,000 open alerts, 0 due"] == 0
    assert events["sweep, 10,000 open alerts, 100 due"] >= 100
    assert re.search(r"^summary: [0-2] of 2 targets met; the run took [\d.]+ min \(--quick sizes\); load average now [\d.]+$", run.stdout, re.M)
    assert "failed" not in run.stdout
