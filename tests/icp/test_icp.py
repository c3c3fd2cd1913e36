"""The ideal customer profile: the planted profile comes out on top, and lead scores rank held-out accounts."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from personacraft.cli import icp as icp_cli
from personacraft.config import load_config
from personacraft.demo.saas_personas import ICP_INDUSTRY, ICP_SIZE
from personacraft.errors import InputFormatError, NotFoundError
from personacraft.icp.fit_score import FitModel
from personacraft.icp.leads import score_leads
from personacraft.icp.learn import ICP, learn_icp
from personacraft.icp.subgroups import discover
from personacraft.pipeline import BuildResult
from personacraft.render.icp_card import save
from personacraft.store import Workspace
from tests.conftest import read_csv

PLANTED = [
    {"feature": "Industry", "value": ICP_INDUSTRY},
    {"feature": "Company size", "value": f"{ICP_SIZE[0]}-{ICP_SIZE[1]} employees"},
]
REASON = re.compile(r"^(Matches the ICP: .+|[A-Z][^=;]* = [^;]+) \([+-]\d+\)$")


def learn(root: Path, **kwargs: object) -> ICP:
    cfg = load_config(root / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        return learn_icp(run, personas=icp_cli.run_personas(run), **kwargs)  # type: ignore[arg-type]


def score(root: Path, leads: Path, out: Path, **kwargs: object) -> dict[str, object]:
    cfg = load_config(root / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        personas = icp_cli.run_personas(run)
        icp = learn_icp(run, personas=personas, **kwargs)  # type: ignore[arg-type]
        return score_leads(run, icp, leads, out, personas=personas)


def companies(root: Path) -> list[dict[str, str]]:
    """The companies export, each row with its deal's outcome."""
    deals = {
        r["Associated Company IDs (Primary)"]: r for r in read_csv(root / "data/hubspot-crm-exports-all-deals.csv")
    }
    rows = read_csv(root / "data/hubspot-crm-exports-all-companies.csv")
    return [r | {"won": deals[r["Record ID"]]["Is Closed Won"]} for r in rows if r["Record ID"] in deals]


def write_leads(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def contact_leads(root: Path, path: Path, *, sessions: bool = True, limit: int = 400) -> Path:
    """Contacts with their company's industry and size, as a CRM export of leads would hold them."""
    extra = ', (hash(p."Email") % 40)::INT AS "Number of Sessions"' if sessions else ""
    duckdb.sql(
        f"""COPY (SELECT p."Email", p."Job Title", p."Buying Role", c."Industry", c."Number of Employees" {extra}
            FROM read_csv('{root}/data/hubspot-crm-exports-all-contacts.csv', all_varchar = true) p
            JOIN read_csv('{root}/data/hubspot-crm-exports-all-companies.csv', all_varchar = true) c
              ON c."Record ID" = p."Associated Company IDs (Primary)"
            ORDER BY p."Email" LIMIT {limit}) TO '{path}' (HEADER)"""
    )
    return path


# -- acceptance on the SaaS demo ------------------------------------------------------------------
@pytest.mark.slow
def test_the_planted_profile_is_the_top_rule(saas_demo: tuple[Path, BuildResult]) -> None:
    root, _ = saas_demo
    d = learn(root, min_n=10).to_dict()
    assert d["outcome"]["unit"] == "account" and 0.25 < d["outcome"]["best_rate"] < 0.5
    top = d["rules"][0]
    assert top["conditions"] == PLANTED
    assert top["label"] == f"Industry = {ICP_INDUSTRY} and Company size = {ICP_SIZE[0]}-{ICP_SIZE[1]} employees"
    assert top["lift"] >= 2 and top["p_adjusted"] < 0.001 and top["n"] >= 10
    assert top["coverage"] == pytest.approx(top["n"] / d["outcome"]["units"], abs=1e-4)
    assert top["precision"] == pytest.approx(top["best"] / top["n"], abs=1e-4)
    # non-redundant: no later rule restates the first one
    assert all(r["conditions"] != PLANTED and len(r["conditions"]) <= 2 for r in d["rules"][1:])


@pytest.mark.slow
def test_fit_scores_rank_held_out_won_accounts_above_lost_ones(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    rows = companies(root)
    held = np.random.default_rng(0).random(len(rows)) < 0.3
    test = [r for r, h in zip(rows, held, strict=True) if h]
    leads = write_leads(
        tmp_path / "leads.csv", test, ["Record ID", "Industry", "Number of Employees", "Country/Region"]
    )
    out = tmp_path / "scored.csv"
    summary = score(root, leads, out, min_n=10, exclude={f"hubspot:{r['Record ID']}" for r in test})
    assert summary["leads"] == len(test) and summary["scored_attributes"] == ["Company size", "Industry"]
    assert list(summary["ignored_attributes"]) == ["Country"]  # type: ignore[call-overload]  # one country: no points
    got = {r["lead_id"]: float(r["fit_score"]) for r in read_csv(out)}
    won = [r["won"] == "true" for r in test]
    assert 0 < sum(won) < len(won)
    assert roc_auc_score(won, [got[r["Record ID"]] for r in test]) >= 0.8


# -- lead scores ----------------------------------------------------------------------------------
def test_scores_are_bounded_with_readable_reasons_and_engagement_apart(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    out = tmp_path / "scored.csv"
    summary = score(root, contact_leads(root, tmp_path / "leads.csv"), out, min_n=10)
    assert summary["engagement_columns"] == ["Number of Sessions"]
    rows = read_csv(out)
    assert len(rows) == 400 and all(0 <= float(r["fit_score"]) <= 100 for r in rows)
    assert all(0 <= float(r["engagement_score"]) <= 100 for r in rows)
    for r in rows:
        reasons = r["fit_reasons"].split("; ")
        assert 1 <= len(reasons) <= 3 and all(REASON.match(x) for x in reasons), r["fit_reasons"]
    leads = {r["Email"]: r for r in read_csv(tmp_path / "leads.csv")}

    def in_icp(lead: dict[str, str]) -> bool:
        return lead["Industry"] == ICP_INDUSTRY and ICP_SIZE[0] <= float(lead["Number of Employees"]) <= ICP_SIZE[1]

    planted = [r for r in rows if in_icp(leads[r["lead_id"]])]
    assert planted and all(
        r["fit_reasons"].startswith("Matches the ICP: Industry = Computer Software") for r in planted
    )
    assert np.mean([float(r["fit_score"]) for r in planted]) > np.mean([float(r["fit_score"]) for r in rows]) + 20
    bad = [r for r in rows if leads[r["lead_id"]]["Industry"] == "Hospital & Health Care"]
    assert bad and all("Industry = Hospital & Health Care (-" in r["fit_reasons"] for r in bad)
    # fit is who they are: the same leads without their activity get the same fit scores
    out2 = tmp_path / "scored-no-activity.csv"
    score(root, contact_leads(root, tmp_path / "leads2.csv", sessions=False), out2, min_n=10)
    again = read_csv(out2)
    assert [(r["lead_id"], r["fit_score"], r["fit_reasons"]) for r in again] == [
        (r["lead_id"], r["fit_score"], r["fit_reasons"]) for r in rows
    ]
    assert all(r["engagement_score"] == "" for r in again)


def test_leads_get_their_nearest_persona_only_from_what_personas_are_built_on(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, built = saas_demo
    out = tmp_path / "scored.csv"
    score(root, contact_leads(root, tmp_path / "leads.csv"), out, min_n=10)
    rows = read_csv(out)
    names = {p.id: p.name for p in built.personas}
    truth = {r["email"]: r["persona"] for r in read_csv(root / "ground_truth.csv")}
    assigned = [r for r in rows if r["persona_id"]]
    assert len(assigned) >= 0.95 * len(rows)
    assert all(r["persona_name"] == names[r["persona_id"]] and r["persona_note"] == "" for r in assigned)
    # a lead whose buying role is known lands in the persona of its planted role
    leads = {r["Email"]: r for r in read_csv(tmp_path / "leads.csv")}
    known = [r for r in assigned if leads[r["lead_id"]]["Buying Role"]]
    pairs = Counter((truth[r["lead_id"]], r["persona_id"]) for r in known)
    usual = {t: max((n, p) for (t2, p), n in pairs.items() if t2 == t)[1] for t, _ in pairs}
    assert len(set(usual.values())) == len(usual) == 5
    assert sum(usual[truth[r["lead_id"]]] == r["persona_id"] for r in known) >= 0.95 * len(known)
    # companies only: no person columns, so no persona, and the note says why
    firms = write_leads(tmp_path / "firms.csv", companies(root)[:50], ["Record ID", "Industry", "Number of Employees"])
    score(root, firms, tmp_path / "firms-scored.csv", min_n=10)
    for r in read_csv(tmp_path / "firms-scored.csv"):
        assert r["persona_id"] == "" and r["persona_note"].startswith("unknown: the file has no buying role")


def test_a_leads_file_without_any_fit_column_is_refused(saas_demo: tuple[Path, BuildResult], tmp_path: Path) -> None:
    root, _ = saas_demo
    leads = tmp_path / "activity.csv"
    leads.write_text("Email,Number of Sessions,Lead Source\na@x.example,3,Webinar\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as exc:
        score(root, leads, tmp_path / "out.csv", min_n=10)
    msg = str(exc.value)
    assert "activity.csv" in msg and "none of the fit columns" in msg and "Industry" in msg
    assert not (tmp_path / "out.csv").exists()


def test_learning_and_scoring_are_deterministic(saas_demo: tuple[Path, BuildResult], tmp_path: Path) -> None:
    root, _ = saas_demo
    assert learn(root, min_n=10, seed=3).to_json() == learn(root, min_n=10, seed=3).to_json()
    leads = contact_leads(root, tmp_path / "leads.csv", limit=200)
    score(root, leads, tmp_path / "a.csv", min_n=10)
    score(root, leads, tmp_path / "b.csv", min_n=10)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_every_published_figure_covers_the_minimum_group(saas_demo: tuple[Path, BuildResult]) -> None:
    root, _ = saas_demo
    for min_n in (10, 60):
        d = learn(root, min_n=min_n).to_dict()
        assert d["rules"] and d["provenance"]["min_group_size"] == min_n
        assert all(r["n"] >= min_n and r["best"] >= min_n for r in d["rules"])
        lines = d["who"]["profile"] + d["why"]["personas"] + d["why"]["answers"] + d["where"]["channels"]
        assert lines and all(x["n"] >= min_n for x in lines)
    d = learn(root, min_n=100_000).to_dict()
    assert d["rules"] == [] and "no conjunction" in d["missing"]["rules"]


def test_the_card_says_who_why_and_where_with_evidence(saas_demo: tuple[Path, BuildResult], tmp_path: Path) -> None:
    root, built = saas_demo
    icp = learn(root, min_n=10)
    paths = save(icp, tmp_path / "card")
    md = paths["md"].read_text(encoding="utf-8")
    for heading in ("## Who they are", "## Why they buy", "## Where to find them", "## Fit score"):
        assert heading in md
    assert f"**Industry = {ICP_INDUSTRY} and Company size = 201-1000 employees**" in md
    d = icp.to_dict()
    # every persona of the build is placed, with its goals; none is planted to buy more, so none is over-represented
    assert {p["persona_id"] for p in d["why"]["personas"]} == {p.id for p in built.personas}
    assert all(p["goals"] for p in d["why"]["personas"]) and "why" in d["missing"]
    assert d["where"]["channels"] and all(
        {"share", "lift", "n", "p_adjusted"} <= set(c) for c in d["where"]["channels"]
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert "Ideal customer profile" in html and "Computer Software" in html and "<script" not in html
    assert d["fit_score"]["evaluation"]["cv_auc_won"] >= 0.8


def test_the_personas_come_from_the_caller_not_from_disk(saas_demo: tuple[Path, BuildResult]) -> None:
    root, _ = saas_demo
    cfg = load_config(root / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        bare = learn_icp(run, min_n=10).to_dict()["why"]["personas"]
        goals = [{"goal": "g", "share": 0.5, "lift": 2.0, "n": 40}]
        named = {"p1": {"name": "Named here", "goals": goals}}
        given = learn_icp(run, min_n=10, personas=named).to_dict()["why"]["personas"]
    assert bare and all(p["name"] == p["persona_id"] and p["goals"] == [] for p in bare)
    assert [p["name"] for p in given if p["persona_id"] == "p1"] == ["Named here"]
    assert [p["goals"] for p in given if p["persona_id"] == "p1"] == [goals]


def test_the_commands_learn_and_score(saas_demo: tuple[Path, BuildResult], tmp_path: Path) -> None:
    root, _ = saas_demo
    runner = CliRunner()
    config = str(root / "personacraft.toml")
    res = runner.invoke(icp_cli.app, ["--config", config, "--out", str(tmp_path / "card")])
    assert res.exit_code == 0, res.output
    assert f"r1  Industry = {ICP_INDUSTRY} and Company size = 201-1000 employees" in res.stdout
    assert {p.name for p in (tmp_path / "card").iterdir()} == {"icp.json", "icp.md", "icp.html"}
    res = runner.invoke(icp_cli.app, ["learn", "--config", config, "--out", str(tmp_path / "card2")])
    assert (
        res.exit_code == 0
        and (tmp_path / "card2" / "icp.json").read_text() == (tmp_path / "card" / "icp.json").read_text()
    )
    leads = contact_leads(root, tmp_path / "leads.csv", limit=50)
    res = runner.invoke(icp_cli.app, ["score", str(leads), "--out", str(tmp_path / "s.csv"), "--config", config])
    assert res.exit_code == 0, res.output
    assert len(read_csv(tmp_path / "s.csv")) == 50


# -- B2C: the best customers by CLV ---------------------------------------------------------------
def test_without_deals_the_best_customers_are_the_top_fifth_by_clv(built: BuildResult, tmp_path: Path) -> None:
    cfg = load_config(built.out_dir.parent / "personacraft.toml")
    copy = tmp_path / "workspace.duckdb"
    shutil.copyfile(cfg.workspace_path, copy)
    with Workspace(copy) as ws:
        run = ws.run(built.run_id)
        run.execute(f"DROP TABLE IF EXISTS {run.t('customer_value')}")
        with pytest.raises(NotFoundError, match="no outcome to learn an ideal customer profile from"):
            learn_icp(run, min_n=10)
        run.execute(
            f"CREATE TABLE {run.t('customer_value')} AS SELECT customer_key, revenue AS clv "
            f"FROM {run.t('order_features')}"
        )
        icp = learn_icp(run, min_n=10, personas=icp_cli.run_personas(run))
    d = icp.to_dict()
    assert d["outcome"]["unit"] == "customer" and d["outcome"]["best_rate"] == pytest.approx(0.2, abs=0.02)
    fit = {"Country", "Region", "Gender", "Age", "Buying role", "Seniority", "Job function"}
    assert icp.model.columns and {f for f, _ in icp.model.columns} <= fit
    assert all(r["n"] >= 10 and r["best"] >= 10 for r in d["rules"])
    # the retail demo's big spenders are a persona: it is over-represented among the best customers
    assert d["why"]["compared"].endswith("against every customer with an outcome")
    assert any(p["over_represented"] and p["n"] >= 10 for p in d["why"]["personas"])
    assert d["fit_score"]["evaluation"]["cv_auc"] is not None and "cv_auc_won" not in d["fit_score"]["evaluation"]


# -- the parts --------------------------------------------------------------------------------------
def test_subgroup_discovery_finds_a_planted_conjunction_and_respects_the_minimum() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    a, b = rng.integers(0, 4, n), rng.integers(0, 5, n)
    y = rng.random(n) < np.where((a == 1) & (b == 2), 0.95, 0.3)
    X = np.column_stack([a == k for k in range(4)] + [b == k for k in range(5)])
    groups = np.array([0] * 4 + [1] * 5)
    found = discover(X, y, groups, min_n=10)
    assert found[0].conditions == (1, 6) and found[0].n == int(((a == 1) & (b == 2)).sum())
    assert discover(X, y, groups, min_n=10) == found  # deterministic
    assert all(s.n >= 500 and s.positives >= 500 for s in discover(X, y, groups, min_n=500))
    assert discover(X, np.zeros(n, dtype=bool), groups, min_n=10) == []


def test_unknown_attributes_add_no_points_and_points_add_up_to_the_score() -> None:
    rng = np.random.default_rng(1)
    X = (rng.random((500, 3)) < 0.5).astype(float)
    y = rng.random(500) < 0.2 + 0.6 * X[:, 0]
    model = FitModel.fit(X, y, (("Industry", "A"), ("Industry", "B"), ("Country", "C")), (), frozenset())
    nothing = model.score(model.mean[None, :])
    assert np.allclose(nothing[1], 0) and nothing[0][0] == pytest.approx(
        model.to_dict()["score_with_nothing_known"], abs=0.05
    )
    scores, points = model.score(X)
    assert np.allclose(points.sum(axis=1), scores - nothing[0][0])
    assert ((scores >= 0) & (scores <= 100)).all()
    assert (points[X[:, 0] == 1, 0] > 0).all()
