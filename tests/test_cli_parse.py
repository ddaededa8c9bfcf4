"""`mailbot parse`: what mailbot reads in a message, shown without storing or sending anything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mailbot.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mail"


@pytest.fixture
def workdir(tmp_path: Path, root: Path) -> Path:
    shutil.copyfile(root / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def run(capsys, workdir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(workdir / "config.yaml"), "parse", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_of_a_reply_and_a_form_stores_nothing(capsys, workdir: Path) -> None:
    code, out, err = run(capsys, workdir, "--json", str(FIXTURES / "c_owa_extend_uk_date.eml"),
                         str(FIXTURES / "c_form_html_table_outlook.eml"))
    assert code == 0 and err == ""
    reply, form = json.loads(out)
    assert reply["kind"] == "reply" and reply["reason"] is None
    assert reply["instruction"] == {"verb": "EXTEND", "stage": None, "working_days": None, "until": "2027-06-04",
                                    "target": None, "doubt": None,
                                    "words": "EXTEND to 04/06/2027 - the assessment is nearly finished."}
    assert reply["reply_text"] == "EXTEND to 04/06/2027 - the assessment is nearly finished."
    assert reply["dates"] == [{"text": "04/06/2027", "date": "2027-06-04", "working_days": None}]
    assert reply["thread"]["reference"] == "DRP-2027-0031"
    assert reply["thread"]["in_reply_to"] == ["mailbot.drp-2027-0031.4f1c2a9e@luton.example.gov.uk"]
    assert form["kind"] == "drp_form" and form["children"] == ["1234567", "1234568"]
    assert form["form"]["stage"] == 1 and form["form"]["source"] == "html" and form["form"]["missing"] == []
    assert form["categories"]["lac"] == ["Key documentation missing"]
    # Nothing was stored: no database, no outbox.
    assert not (workdir / "var").exists()


def test_human_report_names_what_is_missing_from_a_form(capsys, workdir: Path) -> None:
    code, out, _ = run(capsys, workdir, str(FIXTURES / "c_form_missing_stage.eml"))
    assert code == 0
    assert "kind: drp_form" in out
    assert "reason: DRP form is missing: stage" in out
    assert "children: 1234567, 1234568" in out


def test_automatic_unreadable_and_oversized_messages_say_why(capsys, workdir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    code, out, _ = run(capsys, workdir, "--json", str(FIXTURES / "c_mime_calendar_accepted.eml"), str(empty))
    accepted, unreadable = json.loads(out)
    assert (accepted["kind"], accepted["reason"]) == ("automatic", "calendar response")
    assert unreadable["kind"] == "unreadable" and unreadable["reason"].startswith("unreadable message: ")
    config = workdir / "config.yaml"
    config.write_text(config.read_text().replace("  quarantine_folder: quarantine",
                                                 "  quarantine_folder: quarantine\n  max_message_bytes: 1000"))
    code, out, _ = run(capsys, workdir, "--json", str(FIXTURES / "c_mime_large_attachment.eml"))
    assert "over the configured limit" in json.loads(out)[0]["reason"]


def test_a_missing_file_is_one_line_error(capsys, workdir: Path) -> None:
    code, out, err = run(capsys, workdir, str(workdir / "nope.eml"))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "nope.eml: no such file" in err
