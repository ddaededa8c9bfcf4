"""bench/compare.py, issue 13's one benchmark command, runs and prints its table.

Nothing here is timed: the benchmark's figures are for people to read (and re-measure on a quiet
machine). This checks that its cheapest group of rows, the sweep, runs end to end through
bench/sweep.py's child process and prints a figure, a target and a verdict for each row, and the
summary line, rather than a traceback or "failed: ..."; and how ``--repeat`` makes one row of
several runs of a drain.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from compare import DRAIN_SHARE, Row, median_of_runs  # noqa: E402


def _run(bare: float, share: float | None, rate: float) -> list[Row]:
    return [Row("drain", "bare limit, 2,000 msgs", f"{bare:.0f} msg/s", rss_mb=40, value=bare),
            Row("drain", "drain, 2,000 msgs", f"{rate:.0f} msg/s", ">= 60% of bare", bool(share and share >= DRAIN_SHARE),
                110, value=share, rate=rate)]


def test_repeated_drains_are_reported_by_their_medians() -> None:
    bare, drain = median_of_runs([_run(300, 0.55, 165), _run(280, 0.62, 174), _run(320, 0.70, 224)])
    assert bare.figure == "300 msg/s median of 3 (280-320)" and bare.met is None
    assert drain.figure == "174 msg/s = median 62% of bare (55%-70%, 3 runs)" and drain.met is True
    _bare, drain = median_of_runs([_run(300, 0.55, 165), _run(280, 0.59, 174), _run(320, 0.70, 224)])
    assert drain.met is False  # one run over the target is not the median over it


def test_a_repeated_drain_with_a_run_not_measured_is_not_met() -> None:
    rows = median_of_runs([_run(300, 0.65, 195), _run(280, None, 174), _run(320, 0.70, 224)])  # mail left behind
    assert [(row.met, row.failed) for row in rows] == [(False, True)]
    assert rows[0].figure == "not every one of 3 runs was measured"


def test_one_run_is_reported_as_it_was_measured() -> None:
    run = _run(300, 0.65, 195)
    assert median_of_runs([run]) == run


@pytest.mark.slow
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
