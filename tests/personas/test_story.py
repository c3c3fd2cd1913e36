"""The persona itself: a story whose every sentence cites its facts, types, committees, actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personacraft.pipeline import BuildResult
from personacraft.schema import personas_schema
from tests.conftest import read_csv

STORY_TEXT = ("bio", "typical_day", "quote")
STORY_LISTS = ("goals", "values", "pains", "channels", "content", "triggers", "objections")
STORY_FACTS = ("age", "occupation", "location", "income")


def _personas(out: Path) -> list[dict[str, Any]]:
    doc = json.loads((out / "personas.json").read_text(encoding="utf-8"))
    import jsonschema

    jsonschema.validate(doc, personas_schema())
    personas: list[dict[str, Any]] = doc["personas"]
    return personas


def _check_story(p: dict[str, Any]) -> None:
    story = p["story"]
    said = [s for s in story["sentences"]]
    texts = [s["text"] for s in said]
    assert all(s["evidence"]["method"] for s in said)
    # every sentence of the bio, the typical day, the quote and every list item is a cited sentence
    for field in STORY_TEXT:
        if story[field] is None:
            assert field in story["missing"], (p["id"], field)
            continue
        if field == "bio":
            assert " ".join(s["text"] for s in said if s["field"] == "bio") == story["bio"]
        else:
            assert story[field] in texts, (p["id"], field)
    for field in STORY_LISTS:
        items = story[field]
        if not items:
            assert field in story["missing"], (p["id"], field)
        if field != "values":
            assert all(x in texts for x in items), (p["id"], field)
        else:
            assert all(any(x in t for t in texts if t.startswith("Values")) for x in items)
    for field in STORY_FACTS:
        assert story[field] is not None or field in story["missing"], (p["id"], field)
    # a name, cited, and "unknown" always comes with its reason
    assert story["name"] and any(s["field"] == "name" for s in said)
    assert all(reason.strip() for reason in story["missing"].values())


def _check_actions(p: dict[str, Any]) -> None:
    recs = p["recommendations"]
    for field in ("messaging", "channels", "sales", "product", "retention"):
        if recs[field] is None:
            assert recs["missing"][field], (p["id"], field)
        else:
            assert all(r["text"] and r["evidence"] for r in recs[field]), (p["id"], field)


@pytest.mark.parametrize("demo", ["retail", "saas"])
def test_every_persona_has_a_complete_cited_story_and_actions(
    demo: str, built: BuildResult, saas_demo: tuple[Path, BuildResult], retail_demo: Path
) -> None:
    out = built.out_dir if demo == "retail" else saas_demo[1].out_dir
    root = retail_demo if demo == "retail" else saas_demo[0]
    personas = _personas(out)
    assert personas
    names = [p["story"]["name"] for p in personas]
    assert len(set(names)) == len(names)
    # an invented name is never a customer's
    files = ["customers_export.csv"] if demo == "retail" else ["hubspot-crm-exports-all-contacts.csv"]
    real = {f"{r['First Name']} {r['Last Name']}".lower() for f in files for r in read_csv(root / "data" / f)}
    assert not {n.lower() for n in names} & real
    for p in personas:
        _check_story(p)
        _check_actions(p)
        assert p["recommendations"]["messaging"] or p["recommendations"]["product"], p["id"]


def test_the_same_seed_gives_the_same_story(built: BuildResult) -> None:
    first = _personas(built.out_dir)
    again = json.loads((built.run_dir / "personas.json").read_text(encoding="utf-8"))["personas"]
    assert [p["story"] for p in first] == [p["story"] for p in again]


def test_saas_types_and_buying_committees(saas_demo: tuple[Path, BuildResult]) -> None:
    personas = _personas(saas_demo[1].out_dir)
    types = {p["persona_type"] for p in personas}
    assert types & {"decision_maker", "buyer"} and "end_user" in types
    for p in personas:
        committee = p["committee"]
        assert committee is not None and committee["accounts"] >= 10
        # where the persona stands in its accounts: its role's coverage, who signs, who uses the product
        assert committee["role"] == p["committee_role"]
        cover = committee["their_role_in_accounts"]
        assert cover["confirmed"] + cover["inferred_only"] + cover["missing"] == pytest.approx(1, abs=1e-3)
        assert 0 <= committee["sign"] <= 1 and committee["use_the_product"] > 0.5
        assert committee["won_accounts"] + committee["lost_accounts"] <= committee["accounts"]
        type_ev = next(e for e in p["evidence"] if e["field"] == "persona_type")
        assert type_ev["signals"]["committee_roles"]["confirmed"] > 0
    # the payer is planted (the budget holder, else the decision maker): they sign, the others hardly
    signs = {p["committee_role"]: p["committee"]["sign"] for p in personas}
    assert signs["economic_buyer"] + signs["decision_maker"] > 0.95
    # sales arguments exist in B2B, and only there
    assert all(p["recommendations"]["sales"] for p in personas)
    # the committee of each account
    rows = read_csv(saas_demo[1].out_dir / "committees.csv")
    contacts = read_csv(saas_demo[0] / "data" / "hubspot-crm-exports-all-contacts.csv")
    assert len(rows) == len({c["Associated Company IDs (Primary)"] for c in contacts})
    assert sum(int(r["contacts"]) for r in rows) == len(contacts)
    kinds = ("decision_makers", "buyers", "influencers", "end_users", "type_unknown")
    assert all(sum(int(r[k]) for k in kinds) == int(r["contacts"]) for r in rows)
    assert {r["deal"] for r in rows} == {"won", "lost"}
    assert all(set(r["signed_by"].split("; ")) <= {"buyer", "decision_maker"} for r in rows if r["signed_by"])


def test_retail_has_no_committee_and_no_sales_arguments(built: BuildResult) -> None:
    for p in _personas(built.out_dir):
        assert "committee" not in p
        assert p["recommendations"]["sales"] is None and p["recommendations"]["missing"]["sales"]
        assert p["persona_type"] in ("buyer", "mixed")
