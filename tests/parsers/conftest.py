"""Shared fixtures for the parser tests: Luton's wording as ParseRules, and the fixture folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import CategoryRule, ParseRules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"

_INFORMAL = ("pre-dispute resolution", "pre dispute resolution", "pre-drp", "pre drp")

# Luton's nine categories for looked-after children and five for child protection (seeds/
# luton-safeguarding-and-dispute-resolution-alerts.txt), with the phrases IROs actually use.
LUTON_LAC = (
    CategoryRule("Significant safeguarding concern", ("safeguarding concern", "safeguarding risk")),
    CategoryRule(
        "Significant drift in permanence planning",
        ("drift", "permanence plan delayed", "permanence plan has not been progressed"),
    ),
    CategoryRule(
        "Failure to visit as required by regulations/internal protocol",
        ("not visited", "not been visited", "visits not", "visit overdue", "visits overdue",
         "failure to visit", "statutory visit"),
    ),
    CategoryRule(
        "Failure to plan as required by regulations/internal protocol",
        ("failure to plan", "no pathway plan"),
    ),
    CategoryRule(
        "Key documentation missing",
        ("no care plan", "care plan missing", "care plan has not been updated",
         "care plan still has not been updated", "placement plan missing", "missing placement plan",
         "placement plan has not been completed", "pep", "health assessment", "pathway plan missing",
         "social work report", "post adoption support plan"),
    ),
    CategoryRule(
        "Non-implementation of review decisions",
        ("review decisions not implemented", "review decisions have not been actioned"),
    ),
    CategoryRule(
        "Change of care plan without consulting young person",
        ("without consulting the young person", "young person not consulted"),
    ),
    CategoryRule(
        "Change of care plan without consulting IRO",
        ("without consulting the iro", "iro not consulted"),
    ),
    CategoryRule(
        "Failure to inform IRO of significant event between reviews",
        ("iro not informed", "iro was not informed"),
    ),
)

LUTON_CP = (
    CategoryRule(
        "Significant safeguarding concern or escalated risk that has not been re-assessed",
        ("escalated risk", "risk not re-assessed", "not been re-assessed"),
    ),
    CategoryRule(
        "Failure to visit or hold regular core groups",
        ("core group not held", "core groups not held", "core group has not met", "not visited"),
    ),
    CategoryRule(
        "Key documentation missing",
        ("core group minutes", "pre-cpc report", "cp plan has not been updated",
         "cp plan not updated", "chronology", "single assessment"),
    ),
    CategoryRule(
        "Non-implementation of Child Protection Plan actions for the local authority",
        ("cp plan actions not", "plan actions have not been completed"),
    ),
    CategoryRule(
        "Non implementation of Child Protection Plan actions by family or other professional",
        ("actions by family", "other agency has not", "other professional has not"),
    ),
)

LUTON_RULES = ParseRules(
    informal_phrases={"lac": _INFORMAL, "cp": _INFORMAL},
    process_words={
        "lac": ("looked after", "lac", "cla"),
        "cp": ("child protection", "cp conference", "cpc", "cp plan"),
    },
    categories={"lac": LUTON_LAC, "cp": LUTON_CP},
)


@pytest.fixture(scope="session")
def rules() -> ParseRules:
    return LUTON_RULES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def mosaic_rules() -> ParseRules:
    """The Mosaic authority's rules exactly as its example configuration gives them."""
    from mailbot.config import load_config
    from mailbot.routing import parse_rules

    return parse_rules(load_config(Path(__file__).resolve().parents[2] / "examples" / "mosaic.yaml"))
