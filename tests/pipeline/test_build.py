"""End to end: the retail demo through the real connectors to personas and a report."""

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from sklearn.metrics import adjusted_rand_score

from personacraft.config import load_config
from personacraft.errors import InputFormatError, RejectThresholdError
from personacraft.pipeline import BuildResult, build
from personacraft.schema import personas_schema
from personacraft.store import Workspace
from tests.conftest import read_csv


def test_recovers_the_planted_personas(built: BuildResult, retail_demo: Path) -> None:
    truth = {r["email"].strip().lower(): r["persona"] for r in read_csv(retail_demo / "ground_truth.csv")}
    got = {r["email"]: r["persona_id"] for r in read_csv(built.out_dir / "assignments.csv")}
    keys = sorted(truth)
    assert all(k in got for k in keys)
    ari = adjusted_rand_score([truth[k] for k in keys], [got[k] for k in keys])
    assert ari >= 0.85, ari
    assert len(built.personas) == 5


def test_outputs_follow_the_contract(built: BuildResult) -> None:
    doc = json.loads((built.out_dir / "personas.json").read_text())
    jsonschema.validate(doc, personas_schema())
    assert doc["customers"] == len(read_csv(built.out_dir / "assignments.csv"))
    assert list(read_csv(built.out_dir / "assignments.csv")[0]) == [
        "customer_id",
        "email",
        "persona_id",
        "confidence",
        "second_persona_id",
        "second_confidence",
    ]
    for p in doc["personas"]:
        assert p["traits"], p["name"]
        for t in p["traits"]:
            assert t["n"] >= 10 and t["lift"] > 1
            assert t["share"] == pytest.approx(t["lift"] * t["population_share"], rel=0.01)
        assert p["channels"] and p["goals"] and p["pain_points"]
        assert 0 <= p["stability"] <= 1
        # nothing invented: a null field always says why
        assert p["needs"] is None and p["missing"]["needs"]
        v = p["value"]
        assert v["clv_mean"] > 0 and v["clv_customers"] >= 10 and 0 <= v["churn_risk"] <= 1
        # the demo shop's customers drop out, so the purchase model identifies it and CLV has its interval
        low, high = v["clv_interval"]
        assert low <= v["clv_mean"] <= high
        fields = {e["field"] for e in p["evidence"]}
        assert {"traits", "story.bio", "persona_type", "channels", "value.clv_mean", "value.churn_risk"} <= fields
    assert sum(p["size"] for p in doc["personas"]) == doc["customers"]
    # CLV is rolled up from customers: members' mean CLV in customer_value.csv is the persona's
    rows = read_csv(built.out_dir / "customer_value.csv")
    assert len(rows) == doc["customers"] and {"clv", "clv_low", "clv_high", "p_alive"} <= set(rows[0])
    for p in doc["personas"]:
        members = [float(r["clv"]) for r in rows if r["persona_id"] == p["id"]]
        assert sum(members) / len(members) == pytest.approx(p["value"]["clv_mean"], abs=0.01)
    assert [p["value"]["most_valuable"] for p in doc["personas"]].count(True) <= 1


def test_accounting_balances_for_every_source(built: BuildResult) -> None:
    acc = json.loads((built.out_dir / "accounting.json").read_text())
    assert {s["kind"] for s in acc["sources"]} == {
        "shopify_customers",
        "shopify_orders",
        "reviews",
        "typeform",
        "ga4_bigquery",
        "csv",  # the email A/B test's export (table experiments)
    }
    for s in acc["sources"]:
        assert s["read"] == s["accepted"] + s["rejected"] and s["read"] > 0
    assert acc["identity"]["customers"] == 2000


def test_pain_points_land_on_the_right_persona(built: BuildResult) -> None:
    by_name = {p.name: p for p in built.personas}
    labels = {name: " ".join(" ".join(x.keywords) for x in p.pain_points or []) for name, p in by_name.items()}
    deal = next(n for n in labels if "deal-seeking" in n.lower())
    assert any(w in labels[deal] for w in ("shipping", "code", "prices"))
    night = next(n for n in labels if "night-owl" in n.lower())
    assert "stock" in labels[night]


def test_same_input_and_seed_give_the_same_personas(built: BuildResult, retail_demo: Path, tmp_path: Path) -> None:
    again = build(load_config(retail_demo / "personacraft.toml"), tmp_path / "again")

    def content(d: dict) -> str:
        return json.dumps([{k: v for k, v in p.items()} for p in d["personas"]], sort_keys=True)

    assert content(again.personas.to_dict()) == content(built.personas.to_dict())
    assert again.run_id != built.run_id


def test_a_second_build_adds_a_run_and_keeps_the_first(retail_demo: Path, tmp_path: Path) -> None:
    cfg = load_config(retail_demo / "personacraft.toml")
    out = tmp_path / "out"
    first = build(cfg, out)
    first_files = {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()}
    second = build(cfg, out)
    assert second.run_id != first.run_id and second.run_dir != first.run_dir
    assert {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()} == first_files
    assert json.loads((out / "personas.json").read_text())["run_id"] == second.run_id
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        runs = {r["run_id"]: r["status"] for r in ws.runs()}
        assert runs[first.run_id] == runs[second.run_id] == "succeeded"
        # the first run's tables are still there
        assert ws.run(first.run_id).has_rows("labels")


def test_a_failed_build_leaves_the_last_good_run_intact(retail_demo: Path, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(retail_demo, demo, ignore=shutil.ignore_patterns(".personacraft", "out"))
    cfg = load_config(demo / "personacraft.toml")
    good = build(cfg)
    before = (good.out_dir / "personas.json").read_bytes()
    orders = demo / "data" / "orders_export.csv"
    lines = orders.read_text().splitlines(keepends=True)
    orders.write_text(lines[0].replace("Created at", "Created"), encoding="utf-8")
    with pytest.raises(InputFormatError, match=re.escape('orders_export.csv, line 1, column "Created at"')):
        build(cfg)
    assert (good.out_dir / "personas.json").read_bytes() == before
    assert not list((good.out_dir / "runs").glob(".*partial"))
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        assert ws.run().run_id == good.run_id
        assert ws.runs()[0]["status"] == "failed"


def test_too_many_rejects_fail_with_a_clear_message(retail_demo: Path, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(retail_demo, demo, ignore=shutil.ignore_patterns(".personacraft", "out"))
    path = demo / "data" / "judgeme_reviews.csv"
    rows = path.read_text().splitlines(keepends=True)
    broken = [rows[0]] + [r.replace(" UTC,", " soon,", 1) if i % 4 == 0 else r for i, r in enumerate(rows[1:])]
    path.write_text("".join(broken), encoding="utf-8")
    with pytest.raises(RejectThresholdError) as exc:
        build(load_config(demo / "personacraft.toml"))
    msg = str(exc.value)
    assert "judgeme_reviews.csv line 2, column 'review_date'" in msg and "is not a date" in msg


@pytest.fixture(scope="module")
def saas_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    from personacraft.demo import generate

    root = tmp_path_factory.mktemp("saas")
    generate("saas", root, 2000, 3)
    return root, build(load_config(root / "personacraft.toml"))


def test_saas_demo_recovers_roles_inside_accounts(saas_built: tuple[Path, BuildResult]) -> None:
    root, built = saas_built
    truth = {r["email"]: r["persona"] for r in read_csv(root / "ground_truth.csv")}
    got = {r["email"]: r["persona_id"] for r in read_csv(built.out_dir / "assignments.csv")}
    keys = sorted(truth)
    assert all(k in got for k in keys)
    assert adjusted_rand_score([truth[k] for k in keys], [got[k] for k in keys]) >= 0.8
    personas = built.personas
    roles = {t.value for p in personas for t in p.traits if t.feature == "Buying role"}
    assert {"Decision Maker", "Budget Holder", "Champion", "End User"} <= roles
    types = {p.persona_type for p in personas}
    assert {"decision_maker", "buyer", "end_user"} <= types
    acc = json.loads((built.out_dir / "accounting.json").read_text())
    assert len(acc["sources"]) == 7 and all(s["read"] == s["accepted"] + s["rejected"] for s in acc["sources"])
    assert acc["identity"]["customers"] == len(truth)  # every tool's records joined to the CRM contact
    # about 330 accounts hold too few cancellations for a churn model: the build says so, with the counts, and
    # shows the observed rate of the accounts that cancelled, with its n, instead of "unknown"
    for p in personas:
        assert p.value.churn_risk_method == "observed" and "churn_risk" not in p.value.missing
        churn = p.value.account_churn or {}
        assert p.value.churn_risk == churn["rate"] and churn["accounts"] >= 10
        assert "could not be fitted" in (p.value.churn_risk_basis or "")
    why = built.personas.provenance["value"]["subscription_churn"]["missing"]
    assert re.search(r"too little \w+ data: \d+ churn events", why)


def test_saas_build_learns_the_icp(saas_built: tuple[Path, BuildResult]) -> None:
    """Deals and subscriptions exist: the build writes what `personacraft icp` writes, for its own run."""
    _, built = saas_built
    for name in ("icp.json", "icp.md", "icp.html"):
        assert (built.out_dir / name).is_file() and (built.run_dir / name).is_file(), name
    doc = json.loads((built.out_dir / "icp.json").read_text(encoding="utf-8"))
    assert doc["run_id"] == built.run_id and doc["outcome"]["unit"] == "account" and doc["outcome"]["best"] > 0
    assert (built.out_dir / "icp.json").read_bytes() == (built.run_dir / "icp.json").read_bytes()


def test_retail_build_has_no_icp_stage_output(built: BuildResult) -> None:
    """No deal and no subscription: no ICP is learned in the build (personacraft icp still can)."""
    assert not (built.run_dir / "icp.json").exists()
