"""The example configurations in examples/: one per source procedure (shared/seeds).

A council officer starts from one of these files, so each must load under the strict schema,
and each must say what its procedure says: at least four formal stages, five working days per
formal stage, every rung staffed in the directory and reachable up the management links.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mailbot.config import Config, load_config
from mailbot.domain import find_responder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {"luton.yaml", "merton.yaml", "micare.yaml", "mosaic.yaml"}


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def test_exactly_the_four_procedures() -> None:
    assert {p.name for p in example_paths()} == EXPECTED


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def example(request: pytest.FixtureRequest) -> tuple[str, Config]:
    return request.param, load_config(EXAMPLES / request.param)


def test_loads_and_every_role_is_staffed(example: tuple[str, Config]) -> None:
    name, config = example
    roles = {p.role for p in config.people}
    assert config.processes, name
    for key, process in config.processes.items():
        for role in process.raised_by:
            assert role in roles, f"{name} {key}: no one raises as {role}"
        if process.informal:
            assert process.informal.responder in roles, f"{name} {key}: informal responder"
        for stage in process.stages:
            assert stage.responder in roles, f"{name} {key} stage {stage.stage}: no {stage.responder}"
        if process.final:
            assert set(process.final.raised_by) <= roles, f"{name} {key}: final raised_by"


def test_ladders_follow_the_procedures(example: tuple[str, Config]) -> None:
    name, config = example
    for key, process in config.processes.items():
        assert len(process.stages) >= 4, f"{name} {key}: fewer than four formal stages"
        assert [s.stage for s in process.stages] == list(range(1, len(process.stages) + 1))
        for stage in process.stages:
            assert stage.working_days == 5, f"{name} {key} stage {stage.stage}: {stage.working_days} working days"
        assert process.categories, f"{name} {key}: no categories of concern"
        names = [c.name for c in process.categories]
        assert len(names) == len(set(names)), f"{name} {key}: a category is listed twice"


def test_each_ladder_climbs_the_management_links(example: tuple[str, Config]) -> None:
    """From every first-stage responder, walking `manager` upwards finds each later rung's role."""
    name, config = example
    for key, process in config.processes.items():
        first = process.stages[0].responder
        for person in config.people_with_role(first):
            seen, chain = set(), []
            current = person
            while current is not None and current.email not in seen:
                seen.add(current.email)
                chain.append(current.role)
                current = config.person(current.manager)
            for stage in process.stages[1:]:
                assert stage.responder in chain, (
                    f"{name} {key}: no {stage.responder} above {person.email} (chain {chain})"
                )
                found = find_responder(config, stage.responder, person.email)
                assert found is not None and found.role == stage.responder


def test_recipients_and_instructing_roles_exist(example: tuple[str, Config]) -> None:
    """The schema does not check these names, so a misspelt role would silently send to no one."""
    name, config = example
    settings = config.settings
    roles = {p.role for p in config.people}
    named = (
        list(settings.digest.recipients)
        + list(settings.reports.monthly_recipients)
        + list(settings.reports.quarterly_recipients)
        + list(settings.security.instructions_from)
    )
    for item in named:
        assert "@" in item and config.person(item) or item in roles, f"{name}: {item!r} is nobody"
    assert config.people_with_role("business_manager"), f"{name}: no business manager for the digest"


def test_people_are_fictional_and_on_an_example_domain(example: tuple[str, Config]) -> None:
    name, config = example
    assert config.authority.mailbox_address.endswith(".example.gov.uk")
    for domain in config.settings.security.allowed_domains:
        assert domain.endswith(".example.gov.uk"), f"{name}: {domain}"
    for person in config.people:
        assert person.email.endswith(".example.gov.uk"), f"{name}: {person.email}"


def test_mail_and_data_stay_in_supported_local_stores(example: tuple[str, Config]) -> None:
    name, config = example
    settings = config.settings
    assert settings.mailbox.url.startswith("maildir:")
    assert settings.outbox.url.startswith("maildir:")
    assert settings.store.url.startswith("sqlite:///")


def test_procedure_specifics() -> None:
    mosaic = load_config(EXAMPLES / "mosaic.yaml")
    lac = mosaic.processes["lac"]
    assert lac.informal is not None and lac.informal.responder == lac.stages[0].responder == "team_manager"
    assert lac.informal.working_days == 5
    assert lac.extensions.default_working_days == 1  # "a further 24 hours" for agreed actions
    assert lac.compliments is True
    assert len(lac.categories) == 7
    by_name = {c.name: c.synonyms for c in lac.categories}
    assert "no allocated social worker" in by_name["Practice issues"]
    assert "health assessment" in by_name["Key documentation missing"]
    assert isinstance(yaml.safe_load((EXAMPLES / "mosaic.yaml").read_text())["directory"], str)

    micare = load_config(EXAMPLES / "micare.yaml")
    assert all(p.informal is None for p in micare.processes.values())
    assert "corporate_iro" in {r for p in micare.processes.values() for r in p.raised_by}
    assert micare.processes["lac"].final is not None and micare.processes["lac"].final.raised_by == ["iro"]
    assert isinstance(yaml.safe_load((EXAMPLES / "micare.yaml").read_text())["directory"], str)

    merton = load_config(EXAMPLES / "merton.yaml")
    assert merton.processes["lac"].final is not None
    assert [s.name for s in merton.processes["lac"].stages] == ["Team Manager", "Service Manager", "Head of Service", "Director"]

    luton = load_config(EXAMPLES / "luton.yaml")
    assert luton.processes["lac"].informal is not None and luton.processes["lac"].informal.working_days == 10
    assert luton.processes["cp"].informal is not None and luton.processes["cp"].informal.working_days == 2
