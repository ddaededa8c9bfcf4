"""check-config on the mistakes a council's IT colleague made fitting the shipped configuration
(issue 12): every problem in one run, each at its place as a person sees it (file and line,
"stage 2", the CSV line), saying what to write instead; and no input that makes it crash.

The configurations are real files on disk, edited the way a person edits them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailbot.cli import main
from mailbot.config_problems import date_advice, describe_place
from mailbot.imap import folder_name_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def edited(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    """A copy of ``source`` (and the CSV beside it) with each (old, new) replaced once."""
    for csv in source.parent.glob("*.csv"):
        shutil.copy(csv, tmp_path / csv.name)
    text = source.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / source.name
    path.write_text(text)
    return path


def problems(capsys, path: Path) -> list[str]:
    code = main(["--config", str(path), "check-config"])
    _, err = capsys.readouterr()
    lines = [line.removeprefix("mailbot: error: ") for line in err.splitlines() if line.startswith("mailbot: error: ")]
    assert code == 2 and lines, err
    assert "internal error" not in err and "Traceback" not in err
    return lines


def line_number(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# Each row: the edit a person made, and what check-config must say (a fragment, with {file} and
# {line} filled in from the edited file: the line of the edit).
MISTAKES = [
    ("closure day with month and day swapped",
     ("    2027-12-29: Council closure day", "    2027-29-12: Council closure day"), "2027-29-12",
     "{file}:{line}: calendar.closure_days.2027-29-12: '2027-29-12' is not a date: dates are written "
     "YYYY-MM-DD, e.g. 2027-12-29"),
    ("closure day written the British way",
     ("    2027-12-29: Council closure day", "    29/12/2027: Council closure day"), "29/12/2027",
     "{file}:{line}: calendar.closure_days.29/12/2027: '29/12/2027' is not a date: dates are written "
     "YYYY-MM-DD, e.g. 2027-12-29"),
    ("a stage's working days", ("{stage: 2, name: Service Manager, responder: service_manager, working_days: 5}",
                                "{stage: 2, name: Service Manager, responder: service_manager, working_days: five}"),
     "working_days: five", "{file}:{line}: processes.lac stage 2 working_days: must be a positive whole number"),
    ("a misspelt section", ("calendar:", "calender:"), "calender:",
     "{file}:{line}: calender: unknown key 'calender'; did you mean 'calendar'?"),
    ("a colon inside a value", ("    label: Looked after children", "    label: Looked after children: LAC"),
     "Looked after children: LAC", "{file}:{line}: a ':' inside a value: put the whole value in quotes"),
    ("a tab for indentation", ("    label: Looked after children", "\tlabel: Looked after children"),
     "\tlabel", "{file}:{line}: a tab: indent with spaces only"),
    ("a key given twice", ("    escalation: prompt", "    escalation: prompt\n    escalation: automatic"),
     "escalation: automatic", "{file}:{line}: processes.lac.escalation is given twice"),
    ("a digest time without quotes", ("  time: \"08:30\"", "  time: 8.30"), "time: 8.30",
     "{file}:{line}: digest.time: 8.3 is not a time of day: write it in quotes as HH:MM, e.g. '08:30'"),
    ("a day that does not exist", ("    2027-12-29: Council closure day", "    2027-12-29: Council closure day\n    2028-02-30: Leap"),
     "2028-02-30", "{file}:{line}: calendar.closure_days.2028-02-30: '2028-02-30' is not a date"),
]


@pytest.mark.parametrize("what, change, marker, expected", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_named_at_its_line_with_what_to_write(capsys, tmp_path, root, what, change, marker,
                                                                 expected) -> None:
    path = edited(tmp_path, root / "config.yaml", change)
    found = problems(capsys, path)
    wanted = expected.format(file=path, line=line_number(path, marker))
    assert any(wanted in line for line in found), (wanted, found)
    assert all("\n" not in line for line in found)


def test_every_problem_is_listed_in_one_run(capsys, tmp_path, root) -> None:
    """Four mistakes in different sections: four lines, in the order of the file."""
    path = edited(tmp_path, root / "config.yaml",
                  ("    2027-12-29: Council closure day", "    29/12/2027: Council closure day"),
                  ("{stage: 2, name: Service Manager, responder: service_manager, working_days: 5}",
                   "{stage: 2, name: Service Manager, responder: service_manager, working_days: 0}"),
                  ("role: qa_manager,", "role: qa_manger,"),
                  ("  quarterly_recipients: [qa_manager]", "  quarterly_recipients: [qa_manager]\n  quartely: 1"))
    found = problems(capsys, path)
    assert len(found) == 4, found
    assert "'29/12/2027' is not a date" in found[0]
    assert "processes.lac stage 2 working_days" in found[1]
    assert "reports.quartely: unknown key" in found[2]
    assert "role 'qa_manger'" in found[3] and "did you mean 'qa_manager'?" in found[3]


def test_roles_a_small_council_does_not_have_are_all_named_at_once(capsys, tmp_path) -> None:
    """A council without a QA manager or a CP chair: every role the configuration still asks for
    is listed in the one run, each where it is asked for."""
    csv = (EXAMPLES / "mosaic-people.csv").read_text().splitlines()
    kept = [line for line in csv if ",qa_manager," not in line and ",head_of_service," not in line]
    path = edited(tmp_path, EXAMPLES / "mosaic.yaml")
    (tmp_path / "mosaic-people.csv").write_text("\n".join(kept) + "\n")
    # Managers who reported to the removed people now name someone no longer listed.
    found = problems(capsys, path)
    named = [line for line in found if "no one in the directory has the role" in line]
    assert {"'qa_manager'", "'head_of_service'"} <= {line.split("has the role ")[1].split()[0].rstrip(";") for line in named}
    assert any("reports.quarterly_recipients item 1" in line for line in named)
    assert any("security.instructions_from item 1" in line for line in named)
    assert all(line.startswith(f"{path}:") for line in named)


def test_a_csv_row_is_named_by_its_file_and_line_in_every_message(capsys, tmp_path) -> None:
    path = edited(tmp_path, EXAMPLES / "mosaic.yaml")
    people = tmp_path / "mosaic-people.csv"
    lines = people.read_text().splitlines()
    lines[2] = lines[2].replace(",iro,", ",iro,").replace("@northmoor.example.gov.uk,Tom", "@northmoor,Tom")  # a bad address
    lines[4] = lines[4].replace(",qa_manager,", ",qa_manger,")  # a misspelt role
    lines.append(lines[1])  # someone listed twice
    people.write_text("\n".join(lines) + "\n")
    found = problems(capsys, path)
    assert any(line.startswith(f"{people}:3: email: not an e-mail address") for line in found), found
    assert any(line.startswith(f"{people}:5: role 'qa_manger' is used nowhere in the configuration; did you mean "
                               "'qa_manager'?") for line in found), found
    assert any(line.startswith(f"{people}:{len(lines)}: ") and "is listed twice (also at " in line
               and f"{people}:2)" in line for line in found), found


def test_nothing_makes_check_config_crash(capsys, tmp_path, root) -> None:
    text = (root / "config.yaml").read_text()
    attempts = ["", "- a list\n- not a mapping\n", "authority: [1, 2]\n", text.replace("processes:", "processes: 7\nx:"),
                text.replace("directory:", "directory: 42\nold_directory:"), "\x00\x01binary", ": :\n  - : -\n",
                text.replace("stages:", "stages: {}\n    old_stages:"), "authority: &a [*a]\n"]
    for number, attempt in enumerate(attempts):
        path = tmp_path / f"attempt{number}.yaml"
        path.write_text(attempt)
        code = main(["--config", str(path), "check-config"])
        _, err = capsys.readouterr()
        assert code == 2, (attempt[:40], err)
        assert err.startswith("mailbot: error: ") and "internal error" not in err, (attempt[:40], err)


def test_places_and_dates_in_words() -> None:
    assert describe_place(("processes", "lac", "stages", 1, "working_days")) == "processes.lac stage 2 working_days"
    assert describe_place(("security", "allowed_domains", 0)) == "security.allowed_domains item 1"
    assert date_advice("2027-29-12").endswith("e.g. 2027-12-29")
    assert date_advice("29.12.2027").endswith("e.g. 2027-12-29")
    assert date_advice("next Tuesday").endswith("e.g. 2027-12-29")


def test_a_folder_name_with_the_other_separator_says_what_to_write() -> None:
    assert folder_name_problem("DRP/Processed", ".") == (
        "'DRP/Processed' uses '/', but this server separates folders with '.': write 'DRP.Processed'")
    assert folder_name_problem("DRP/Processed", "/") is None
    assert folder_name_problem("DRP.Processed", "/") is None
