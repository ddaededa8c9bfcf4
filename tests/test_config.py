"""Configuration loading: the default is valid, and every fault is named by its key path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mailbot.config import config_from_data, find_config_path, load_config
from mailbot.errors import ConfigError


@pytest.fixture
def data(root: Path) -> dict:
    return yaml.safe_load((root / "config.yaml").read_text())


def load(data: dict, tmp_path: Path):
    return config_from_data(data, base_dir=tmp_path)


def test_default_config_loads(root: Path) -> None:
    config = load_config(root / "config.yaml")
    assert set(config.processes) == {"lac", "cp"}
    assert [s.name for s in config.processes["lac"].stages] == [
        "Team Manager", "Service Manager", "Assistant Director", "Director of Children and Learning"]
    assert config.processes["cp"].informal.working_days == 2
    assert config.person("SAM.IRO@luton.example.gov.uk").role == "iro"
    assert config.store_url == "sqlite:///" + str(root / "var" / "mailbot.db")


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["processes"]["lac"]["stages"][2].update(working_days=0),
     "processes.lac stage 3 working_days: must be a positive whole number"),
    (lambda d: d["processes"]["lac"]["stages"][1].update(working_days="five"),
     "processes.lac stage 2 working_days: must be a positive whole number"),
    (lambda d: d["authority"].update(colour="blue"), "authority.colour: unknown key"),
    (lambda d: d.update(mailbox_typo={}), "mailbox_typo: unknown key"),
    (lambda d: d.pop("store"), "store: required key is missing"),
    (lambda d: d["processes"]["lac"].update(escalation="sometimes"), "processes.lac.escalation: input should be 'prompt' or 'automatic'"),
    (lambda d: d["processes"]["lac"]["stages"][1].update(stage=7), "processes.lac: stages must be numbered 1, 2, 3"),
    (lambda d: d["processes"]["lac"]["stages"][0].update(responder="head_of_service"),
     "processes.lac stage 1 responder: no one in the directory has the role 'head_of_service'"),
    (lambda d: d["directory"][0].update(email="not-an-address"), "directory item 1 email: not an e-mail address"),
    (lambda d: d["directory"][5].update(manager="nobody@luton.example.gov.uk"),
     "directory item 6: manager nobody@luton.example.gov.uk is not in the directory"),
    (lambda d: d["directory"].append(dict(d["directory"][0])), "is listed twice"),
    (lambda d: d["security"].update(allowed_domains=["elsewhere.gov.uk"]), "is not in security.allowed_domains"),
    (lambda d: d["authority"].update(case_id_pattern="(unclosed"), "authority.case_id_pattern: not a valid regular expression"),
    (lambda d: d["calendar"].update(closure_days={"2027-13-45": "x"}), "calendar.closure_days"),
])
def test_faults_are_named_by_key_path(data: dict, tmp_path: Path, mutate, message: str) -> None:
    broken = copy.deepcopy(data)
    mutate(broken)
    with pytest.raises(ConfigError) as caught:
        load(broken, tmp_path)
    text = str(caught.value)
    assert message.lower() in text.lower()
    assert "\n" not in text


def test_directory_from_csv(data: dict, tmp_path: Path) -> None:
    people = data["directory"]
    csv_path = tmp_path / "people.csv"
    lines = ["email,name,role,team,manager"] + [
        f"{p['email']},{p['name']},{p['role']},{p.get('team', '')},{p.get('manager', '') or ''}" for p in people]
    csv_path.write_text("\n".join(lines) + "\n")
    data["directory"] = "people.csv"
    config = load(data, tmp_path)
    assert len(config.people) == len(people)
    assert config.person("dana.tm@luton.example.gov.uk").manager == "morgan.sm@luton.example.gov.uk"


def test_directory_csv_faults_name_the_line(data: dict, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("email,name,role,team,manager\nsam@luton.example.gov.uk,Sam,IRO!,x,\n")
    data["directory"] = "people.csv"
    with pytest.raises(ConfigError, match=r"people.csv:2: role: must be a lower-case role name"):
        load(data, tmp_path)
    (tmp_path / "people.csv").write_text("mail,name\n")
    with pytest.raises(ConfigError, match="header must be email,name,role,team,manager"):
        load(data, tmp_path)


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("authority: [unclosed\n")
    with pytest.raises(ConfigError, match=r"c.yaml:\d+"):
        load_config(bad)
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "missing.yaml")


def test_config_path_precedence(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILBOT_CONFIG", str(tmp_path / "env.yaml"))
    assert find_config_path("given.yaml") == Path("given.yaml")
    assert find_config_path(None) == tmp_path / "env.yaml"
    monkeypatch.delenv("MAILBOT_CONFIG")
    assert find_config_path(None) == Path("config.yaml")


def test_recipient_roles_must_exist(data: dict, tmp_path: Path) -> None:
    data["digest"]["recipients"] = ["buisness_manager"]
    with pytest.raises(ConfigError, match=r"digest.recipients item 1: no one in the directory has the role 'buisness_manager'; did you mean 'business_manager'\?"):
        load(data, tmp_path)
    data["digest"]["recipients"] = ["someone@luton.example.gov.uk"]
    with pytest.raises(ConfigError, match=r"digest.recipients item 1: someone@luton.example.gov.uk is not in the directory"):
        load(data, tmp_path)


@pytest.mark.parametrize("section, values, message", [
    ("mailbox", {"url": "imaps://outlook.office365.com"}, "mailbox: imaps:// needs username and password_env"),
    ("mailbox", {"url": "imap://127.0.0.1:1143", "username": "drp", "password_env": "P"},
     "mailbox: imap:// sends passwords and children's data unencrypted"),
    ("mailbox", {"url": "pop3://mail.example.gov.uk"}, "mailbox: must be maildir:PATH or one of imaps://HOST"),
    ("mailbox", {"url": "imaps://outlook.office365.com", "username": "drp", "password_env": "hunter2 secret"},
     "mailbox: password_env must be the name of an environment variable"),
    ("outbox", {"url": "smtp://127.0.0.1:2525"}, "outbox: smtp:// sends passwords"),
    ("mailbox", {"url": "imaps://h", "username": "u", "password_env": "P", "idle_renew_minutes": 45},
     "mailbox.idle_renew_minutes: input should be less than or equal to 29"),
])
def test_server_urls_are_checked(data: dict, tmp_path: Path, section: str, values: dict, message: str) -> None:
    data[section].update(values)
    with pytest.raises(ConfigError) as caught:
        load(data, tmp_path)
    assert message.lower() in str(caught.value).lower()


def test_server_urls_that_are_fine(data: dict, tmp_path: Path) -> None:
    data["mailbox"].update(url="imaps://outlook.office365.com", username="drp@luton.example.gov.uk",
                           password_env="MAILBOT_IMAP_PASSWORD")
    data["outbox"].update(url="smtp://127.0.0.1:2525", allow_plaintext=True)
    config = load(data, tmp_path)
    assert config.settings.mailbox.password_env == "MAILBOT_IMAP_PASSWORD"


def test_forms_block_is_optional_and_feeds_the_parser(data: dict, tmp_path: Path) -> None:
    from mailbot.routing import parse_rules

    default = parse_rules(load(copy.deepcopy(data), tmp_path))
    assert default.required_form_fields == ("stage", "case_ids") and dict(default.form_sections) == {}
    data["authority"]["forms"] = {
        "labels": {"stage": ["level of dispute raised"], "case_ids": ["mosaic number"]},
        "required": ["stage", "case_ids", "categories"],
        "sections": {"Section 2": 0, "Section 3": 1},
    }
    rules = parse_rules(load(data, tmp_path))
    assert rules.form_labels["stage"][0] == "level of dispute raised"
    assert "stage" in rules.form_labels["stage"]  # the defaults stay
    assert rules.required_form_fields == ("stage", "case_ids", "categories")
    assert dict(rules.form_sections) == {"Section 2": 0, "Section 3": 1}
    assert rules.timezone == "Europe/London"


@pytest.mark.parametrize("forms, message", [
    ({"labels": {"colour": ["x"]}}, "authority.forms.labels: unknown form field 'colour'"),
    ({"required": ["stage", "dob"]}, "authority.forms.required: unknown form field 'dob'"),
    ({"sections": {"Section 2": -1}}, "authority.forms.sections.Section 2: must be a whole number, 0 or more"),
    ({"layout": "table"}, "authority.forms.layout: unknown key"),
])
def test_forms_block_faults_are_named(data: dict, tmp_path: Path, forms: dict, message: str) -> None:
    data["authority"]["forms"] = forms
    with pytest.raises(ConfigError) as caught:
        load(data, tmp_path)
    assert message in str(caught.value)
