"""The first hour: a build from a shop's customers and orders alone gives cited actions and prompts, not "unknown"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.personas.prompts import SOURCES
from personacraft.pipeline import BuildResult, build
from personacraft.store import Workspace
from personacraft.text.redact import redacted_share
from tests.conftest import write_config

FIELDS = ("messaging", "channels", "sales", "product", "retention")
# a share with its lift and n, as every behaviour play cites them
FIGURE = re.compile(r"\d+%.*?\bn = [\d,]+")  # a share and the number of members it rests on


def _personas(out: Path) -> list[dict[str, Any]]:
    personas: list[dict[str, Any]] = json.loads((out / "personas.json").read_text(encoding="utf-8"))["personas"]
    return personas


@pytest.mark.slow
def test_shopify_customers_and_orders_alone_give_every_persona_three_cited_actions(
    retail_demo: Path, tmp_path: Path
) -> None:
    data = retail_demo.as_posix()
    config = write_config(
        tmp_path,
        f'[[sources]]\nkind = "shopify_customers"\npath = "{data}/data/customers_export.csv"\n\n'
        f'[[sources]]\nkind = "shopify_orders"\npath = "{data}/data/orders_export.csv"\n',
        "seed = 7\n",
    )
    personas = _personas(build(load_config(config)).out_dir)
    assert personas
    for p in personas:
        recs = p["recommendations"]
        actions = [r for f in FIELDS for r in recs[f] or []]
        assert len(actions) >= 3, (p["name"], recs)
        assert all(FIGURE.search(r["text"]) and r["evidence"] for r in actions), (p["name"], actions)
        assert sum(1 for f in FIELDS if recs[f]) >= 2, (p["name"], recs)
        # an empty box, a missing pain or goal says which export to add
        assert recs["missing"]["sales"] == SOURCES["crm"].prompt
        assert p["missing"]["pain_points"] == p["missing"]["needs"] == SOURCES["texts"].prompt
        assert p["missing"]["goals"] == SOURCES["survey"].prompt
        assert p["missing"]["channels"] == SOURCES["analytics"].prompt
        story = p["story"]["missing"]
        assert story["pains"] == story["quote"] == SOURCES["texts"].prompt and story["age"] == SOURCES["survey"].prompt
        # the prompts are few: one per missing kind of source
        prompts = {m for d in (recs["missing"], p["missing"], p["story"]["missing"]) for m in d.values()}
        assert {s.prompt for s in SOURCES.values()} & prompts == {
            SOURCES[k].prompt for k in ("texts", "survey", "analytics", "crm")
        }


def test_full_retail_cards_cite_actions_merge_pains_and_quote_what_fits(built: BuildResult, retail_demo: Path) -> None:
    personas = _personas(built.out_dir)
    merged = [(p, x) for p in personas for x in p["pain_points"] or [] if x.get("merged")]
    assert merged  # the demo plants one complaint in several wordings
    with Workspace(load_config(retail_demo / "personacraft.toml").workspace_path, read_only=True) as ws:
        run = ws.run(built.run_id)
        for p, x in merged:
            # a merged pain's share is recomputed on the union of its themes' writers, never added up
            # the persona's members, as assignments.csv lists them
            members = f"read_csv('{built.out_dir / 'assignments.csv'}', all_varchar = true)"
            wrote, mention = run.execute(
                f"""SELECT count(DISTINCT customer_key),
                           count(DISTINCT customer_key) FILTER (WHERE theme IN ({", ".join(map(str, x["themes"]))}))
                    FROM {run.t("text_themes")} t JOIN {members} a ON a.customer_id = CAST(t.customer_key AS VARCHAR)
                    WHERE a.persona_id = ?""",
                [p["id"]],
            ).fetchall()[0]
            assert x["n"] == mention and x["share"] == pytest.approx(mention / wrote, abs=1e-4), (p["name"], x)
            assert len(x["themes"]) == len(x["merged"]) + 1
    for p in personas:
        recs = p["recommendations"]
        assert sum(len(recs[f] or []) for f in FIELDS) >= 3
        pains = p["pain_points"] or []
        labels = [x["label"] for x in pains]
        assert len(set(labels)) == len(labels)
        for x in pains:
            assert all(redacted_share(q) < 0.5 for q in x["quotes"]), x["quotes"]
            assert not {"email", "phone", "reach"} & set(x["keywords"]), x["keywords"]
        # no keyword list in any text meant for people
        said = [s["text"] for s in p["story"]["sentences"]] + [r["text"] for f in FIELDS for r in recs[f] or []]
        for x in pains + (p["needs"] or []):
            listed = ", ".join(x["keywords"][1:])
            assert not listed or not any(listed in t for t in said), listed
        assert not any("also:" in t for t in said)
