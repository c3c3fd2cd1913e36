"""Journey maps on both demos: the planted barrier, funnel consistency, minimum group size,
and a hand-computed check of the SaaS conversion figures from the raw exports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import config_from_dict
from personacraft.errors import ConfigError
from personacraft.pipeline import BuildResult
from tests.conftest import read_csv


def _doc(out_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out_dir / "journeys.json").read_text(encoding="utf-8"))
    return doc


def _planted(out_dir: Path, truth: Path) -> dict[str, str]:
    """persona_id -> the planted persona most of its customers have."""
    planted = {r["email"].strip().lower(): r["persona"] for r in read_csv(truth)}
    votes: dict[str, Counter[str]] = {}
    for r in read_csv(out_dir / "assignments.csv"):
        if r["persona_id"] and r["email"] in planted:
            votes.setdefault(r["persona_id"], Counter())[planted[r["email"]]] += 1
    return {p: c.most_common(1)[0][0] for p, c in votes.items()}


def _stage(block: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in block["stages"] if s["stage"] == name)


def test_retail_planted_checkout_barrier_is_found_at_purchase_for_the_deal_hunter(
    built: BuildResult, retail_demo: Path
) -> None:
    doc = _doc(built.out_dir)
    planted = _planted(built.out_dir, retail_demo / "ground_truth.csv")
    hunter = [p for p in doc["personas"] if planted.get(p["persona_id"]) == "Deal Hunter"]
    assert len(hunter) == 1
    purchase = _stage(hunter[0], "purchase")
    drop = [b for b in purchase["barriers"] if b["kind"] == "abandonment" and b.get("step") == "checkout"]
    assert drop, purchase["barriers"]
    assert drop[0]["lift"] >= 2 and drop[0]["n"] >= doc["definition"]["min_group_size"]
    assert drop[0]["share"] > 2 * drop[0]["population_share"]

    def says_shipping_costs(b: dict[str, Any]) -> bool:
        text = " ".join([b["label"], *b.get("keywords", []), *b["quotes"]]).lower()
        return "shipping cost" in text

    themes = [b for b in purchase["barriers"] if b["kind"] == "theme" and says_shipping_costs(b)]
    assert themes, purchase["barriers"]
    assert themes[0]["lift"] >= 1.2 and themes[0]["n"] >= doc["definition"]["min_group_size"]
    assert themes[0]["quotes"] and themes[0]["p_adjusted"] < 0.05
    assert "checkout" in purchase["opportunity"]["text"].lower()
    # the barrier is this persona's: no other persona leaves checkouts more than all customers do
    for p in doc["personas"]:
        if p is hunter[0]:
            continue
        other = [b for b in _stage(p, "purchase")["barriers"] if b.get("step") == "checkout"]
        assert not other, (p["name"], other)
        assert not [b for b in _stage(p, "purchase")["barriers"] if b["kind"] == "theme" and says_shipping_costs(b)]


def _check_block(block: dict[str, Any], min_n: int) -> None:
    counts = [f["customers"] for f in block["funnel"]]
    known = [c for c in counts if c is not None]
    assert known == sorted(known, reverse=True), counts
    assert all(c >= min_n for c in known)
    # a hidden stage hides every later one too (they hold no more customers)
    first_hidden = next((i for i, c in enumerate(counts) if c is None), len(counts))
    assert all(c is None for c in counts[first_hidden:])
    assert known[0] <= block["customers"]
    for f in block["funnel"]:
        if f["conversion"] is not None:
            assert 0 <= f["conversion"] <= 1
    for t in block["stage_times"]:
        if t["median_days"] is not None:
            assert t["n"] >= min_n and t["median_days"] >= 0
    assert all(x["n"] >= min_n for x in block["first_touch"])
    assert all(p["customers"] >= min_n and p["steps"][-1] == "purchase" for p in block["paths"])
    if block["before_conversion"]["touches_median"] is not None:
        assert block["before_conversion"]["n"] >= min_n
    for a in block["abandonment"]:
        if a["rate"] is not None:
            assert a["customers"] >= min_n and 0 <= a["rate"] <= 1
    for s in block["stages"]:
        for key in ("actions", "touchpoints", "channels"):
            assert all(x["n"] >= min_n for x in s[key]), (s["stage"], key)
        assert s["emotion"] is None or s["emotion"]["n"] >= min_n
        assert s["emotion"] is not None or "emotion" in s["missing"]
        assert all(b["n"] is not None and b["n"] >= min_n for b in s["barriers"])


@pytest.mark.parametrize("demo", ["retail", "saas"])
def test_funnels_never_grow_and_every_figure_covers_the_minimum_group(
    demo: str, built: BuildResult, saas_demo: tuple[Path, BuildResult]
) -> None:
    out = built.out_dir if demo == "retail" else saas_demo[1].out_dir
    doc = _doc(out)
    min_n = doc["definition"]["min_group_size"]
    assert doc["personas"]
    for block in [doc["population"], *doc["personas"]]:
        _check_block(block, min_n)
    # every persona of personas.json has its journey
    personas = json.loads((out / "personas.json").read_text(encoding="utf-8"))["personas"]
    assert [p["persona_id"] for p in doc["personas"]] == [p["id"] for p in personas]


def test_saas_conversion_matches_a_hand_count_of_the_raw_exports(saas_demo: tuple[Path, BuildResult]) -> None:
    """Trial to paid (Stripe) and the purchase stage (HubSpot lifecycle), counted by hand."""
    root, result = saas_demo
    doc = _doc(result.out_dir)
    contacts = read_csv(root / "data" / "hubspot-crm-exports-all-contacts.csv")
    account_of = {c["Email"].strip().lower(): c["Associated Company IDs (Primary)"] for c in contacts}
    lifecycle = {c["Email"].strip().lower(): c["Lifecycle Stage"] for c in contacts}
    tried: set[str] = set()
    paid: set[str] = set()
    for s in read_csv(root / "data" / "subscriptions.csv"):
        account = account_of[s["Customer Email"].strip().lower()]
        if s["Trial Start (UTC)"]:
            tried.add(account)
        # paid: not canceled by the end of its trial
        if not s["Canceled At (UTC)"] or s["Canceled At (UTC)"] > s["Trial End (UTC)"]:
            paid.add(account)
    groups: dict[str, list[str]] = {"all": []}
    for r in read_csv(result.out_dir / "assignments.csv"):
        email = r["email"].strip().lower()
        groups["all"].append(email)
        if r["persona_id"]:
            groups.setdefault(r["persona_id"], []).append(email)
    blocks = {"all": doc["population"], **{p["persona_id"]: p for p in doc["personas"]}}
    assert set(blocks) == set(groups)
    for g, emails in groups.items():
        with_trial = [e for e in emails if account_of.get(e) in tried]
        unpaid = [e for e in with_trial if account_of[e] not in paid]
        trial = next(a for a in blocks[g]["abandonment"] if a["step"] == "trial")
        assert (trial["started"], trial["abandoned"]) == (len(with_trial), len(unpaid)), g
        assert trial["rate"] == round(len(unpaid) / len(with_trial), 4)
        bought = sum(lifecycle.get(e) in ("Customer", "Evangelist") for e in emails)
        purchase = next(f for f in blocks[g]["funnel"] if f["stage"] == "purchase")
        assert purchase["customers"] == bought, g
        considered = next(f for f in blocks[g]["funnel"] if f["stage"] == "consideration")
        assert considered["customers"] == len(emails)  # every account had a deal
        assert purchase["conversion"] == round(bought / len(emails), 4)
    # lost trials are not paying subscribers: the churn model and billing trait ignore them
    assert len(tried - paid) > 0


def test_saas_journey_uses_crm_lifecycle_and_stripe(saas_demo: tuple[Path, BuildResult]) -> None:
    doc = _doc(saas_demo[1].out_dir)
    pop = doc["population"]
    consideration = _stage(pop, "consideration")
    labels = {a["label"] for a in consideration["actions"]}
    assert {"deal opened", "trial"} <= labels
    touchpoints = {t["label"] for s in pop["stages"] for t in s["touchpoints"]}
    assert {"HubSpot contacts", "HubSpot deals", "Stripe subscriptions"} <= touchpoints
    assert doc["definition"]["lifecycle"]["customer"] == "purchase"
    assert {a["step"] for a in pop["abandonment"]} == {"trial", "onboarding"}
    # every Segment anonymousId of the demo is seen with a userId: no prospects, and the funnel says why
    assert pop["prospects"] == 0 and pop["people"] == pop["customers"]
    assert pop["missing"]["prospects"].startswith("no anonymous visitors")
    assert all(f["people"] == f["customers"] for f in pop["funnel"])


def test_journey_config_is_validated(tmp_path: Path) -> None:
    base = {"sources": [{"kind": "csv", "path": "x.csv", "table": "orders"}]}
    cfg = config_from_dict({**base, "journey": {"events": {"Demo Booked": "consideration"}}}, tmp_path / "p.toml")
    assert cfg.journey.events == {"Demo Booked": "consideration"}
    with pytest.raises(ConfigError, match="not a step or stage"):
        config_from_dict({**base, "journey": {"events": {"Demo Booked": "interest"}}}, tmp_path / "p.toml")
    with pytest.raises(ConfigError, match="lifecycle"):
        config_from_dict({**base, "journey": {"lifecycle": {"Hot": "buy"}}}, tmp_path / "p.toml")
    with pytest.raises(ConfigError, match="regular expression"):
        config_from_dict({**base, "journey": {"text_cues": {"purchase": "(unclosed"}}}, tmp_path / "p.toml")
    with pytest.raises(ConfigError, match="window_days"):
        config_from_dict({**base, "journey": {"window_days": 0}}, tmp_path / "p.toml")
