"""The saved model of a build: assign, explain, and saying so when there is nothing to find."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from personacraft.config import load_config
from personacraft.errors import ConfigError
from personacraft.pipeline import BuildResult, build
from personacraft.segment.assignment import Decision, membership
from tests.conftest import read_csv, write_config


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_assign_reproduces_the_build_for_its_own_customers(built: BuildResult, retail_demo: Path) -> None:
    out = retail_demo / "assigned.csv"
    # other tests build the same demo again into its workspace: name the run
    features = str(built.run_dir / "features.parquet")
    r = cli("assign", features, "--out", str(out), "--run", built.run_id, cwd=retail_demo)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["run_id"] == built.run_id and summary["customers"] == 2000
    want = {row["customer_id"]: row for row in read_csv(built.out_dir / "assignments.csv")}
    got = {row["customer_id"]: row for row in read_csv(out)}
    assert set(got) == set(want)
    same = sum(got[c]["persona_id"] == want[c]["persona_id"] for c in want)
    assert same / len(want) >= 0.99
    assert max(abs(float(got[c]["confidence"]) - float(want[c]["confidence"])) for c in want) < 1e-3
    # hybrids: the same second persona, with its posterior, in the build and in assign
    assert list(want[next(iter(want))])[-2:] == ["second_persona_id", "second_confidence"]
    same_second = sum(got[c]["second_persona_id"] == want[c]["second_persona_id"] for c in want)
    assert same_second / len(want) >= 0.99
    hybrids = [c for c in want if want[c]["second_persona_id"]]
    assert all(float(want[c]["confidence"]) - float(want[c]["second_confidence"]) < 0.2 for c in hybrids)
    assert all(float(want[c]["second_confidence"]) == 0 for c in want if not want[c]["second_persona_id"])


def test_assign_reads_one_row_per_customer_with_a_column_per_family(built: BuildResult, retail_demo: Path) -> None:
    features = duckdb.sql(f"SELECT * FROM '{built.run_dir / 'features.parquet'}'").fetchall()
    families = sorted({f for _, f, _, _ in features})
    # each customer's most frequent value of each family, as a CRM export might hold it
    best: dict[str, dict[str, tuple[float, str]]] = {}
    for cid, family, value, n in features:
        cur = best.setdefault(cid, {}).get(family)
        if cur is None or n > cur[0]:
            best[cid][family] = (n, value)
    wide = retail_demo / "wide.csv"
    with wide.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["customer_id", *families, "unrelated column"])
        for cid in sorted(best)[:300]:
            w.writerow([cid, *(best[cid].get(f, (0, ""))[1] for f in families), "x"])
        w.writerow(["nobody", *([""] * len(families)), "x"])
    out = retail_demo / "assigned-wide.csv"
    r = cli("assign", str(wide), "--out", str(out), cwd=retail_demo)
    assert r.returncode == 0, r.stderr
    rows = {row["customer_id"]: row for row in read_csv(out)}
    assert rows["nobody"]["persona_id"] == "" and rows["nobody"]["known_values"] == "0"
    want = {row["customer_id"]: row["persona_id"] for row in read_csv(built.out_dir / "assignments.csv")}
    agree = np.mean([rows[c]["persona_id"] == want[c] for c in sorted(best)[:300]])
    assert agree > 0.8  # one value per family carries less evidence than the full history


def test_assign_refuses_a_file_without_ids_clearly(built: BuildResult, retail_demo: Path) -> None:
    bad = retail_demo / "no-ids.csv"
    bad.write_text("colour,size\nred,M\n", encoding="utf-8")
    r = cli("assign", str(bad), "--out", str(retail_demo / "x.csv"), cwd=retail_demo)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "no-ids.csv" in r.stderr and "customer id column" in r.stderr


def test_assign_names_a_count_that_is_not_a_number(built: BuildResult, retail_demo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad-n.csv"
    bad.write_text("customer_id,family,value,n\na,device,mobile,1\nb,device,desktop,two\n", encoding="utf-8")
    r = cli("assign", str(bad), "--out", str(tmp_path / "x.csv"), cwd=retail_demo)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert 'bad-n.csv, line 3, column "n"' in r.stderr and "'two' is not a number" in r.stderr


def test_explain_names_the_values_that_set_a_customer_apart(built: BuildResult, retail_demo: Path) -> None:
    row = read_csv(built.out_dir / "assignments.csv")[0]
    r = cli("explain", row["email"], "--json", cwd=retail_demo)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["persona_id"] == row["persona_id"] and got["customer_id"] == row["customer_id"]
    assert 1 <= len(got["reasons"]) <= 5
    assert all(x["lift"] > 1 and x["weight_of_evidence"] > 0 for x in got["reasons"])
    r = cli("explain", row["customer_id"], cwd=retail_demo)
    assert r.returncode == 0 and f"is in {row['persona_id']}" in r.stdout
    r = cli("explain", "nobody@example.com", cwd=retail_demo)
    assert r.returncode != 0 and "no customer" in r.stderr and "Traceback" not in r.stderr


def test_published_traits_carry_their_test_and_cover_the_minimum_group(built: BuildResult) -> None:
    min_n = built.personas.provenance["min_group_size"]
    for p in built.personas.to_dict()["personas"]:
        assert p["stability"] >= 0.85 and p["stability_band"] == "highly stable"
        for t in p["traits"]:
            assert t["n"] >= min_n and t["p_adjusted"] < 0.05 and t["lift"] >= 1.2
        effects = [t["effect_size"] for t in p["traits"]]
        assert effects == sorted(effects, reverse=True)

    def counts(node: object) -> list[int]:
        if isinstance(node, dict):
            own = [node["n"]] if isinstance(node.get("n"), int) else []
            return own + [n for v in node.values() for n in counts(v)]
        if isinstance(node, list):
            return [n for v in node for n in counts(v)]
        return []

    published = counts(built.personas.to_dict()["personas"])
    assert published and min(published) >= min_n  # every published cell, anywhere in personas.json


def test_segments_under_the_minimum_size_are_not_published(retail_demo: Path, tmp_path: Path) -> None:
    text = (retail_demo / "personacraft.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{retail_demo.as_posix()}/').replace(
        'file = "', f'file = "{retail_demo.as_posix()}/'
    )
    config = tmp_path / "personacraft.toml"
    config.write_text(text + "\n[segment]\nk = 8\nmin_size_share = 0.15\n", encoding="utf-8")
    result = build(load_config(config))
    seg = result.personas.provenance["segmentation"]
    assert seg["k"] == 8 and 0 < seg["published"] < 8 and seg["unassigned"] > 0
    assert len(result.personas.to_dict()["personas"]) == seg["published"]
    assert all(p["size"] >= 0.15 * 2000 for p in result.personas.to_dict()["personas"])
    rows = read_csv(result.out_dir / "assignments.csv")
    assert sum(r["persona_id"] == "" for r in rows) == seg["unassigned"]
    # assign and explain agree with the build about who is in no persona
    from personacraft.segment import assign_file, explain
    from personacraft.store import Workspace

    out = tmp_path / "again.csv"
    with Workspace(load_config(config).workspace_path, read_only=True) as ws:
        summary = assign_file(ws.run(), result.run_dir / "features.parquet", out)
        nobody = next(r["customer_id"] for r in rows if r["persona_id"] == "")
        assert explain(ws.run(), nobody)["persona_id"] is None
    assert summary["unassigned"] == seg["unassigned"]
    again = {r["customer_id"]: r["persona_id"] for r in read_csv(out)}
    assert all(again[r["customer_id"]] == r["persona_id"] for r in rows)


@pytest.mark.slow
def test_pure_noise_builds_no_personas_and_says_why(tmp_path: Path) -> None:
    """Every customer has one order whose value, time, product and code are drawn independently."""
    rng = np.random.default_rng(0)
    n = 3000
    head = "Name,Email,Financial Status,Created at,Total,Discount Code,Lineitem quantity,Lineitem name,Lineitem price"
    lines = [head]
    for i in range(n):
        day = 1 + int(rng.integers(0, 28))
        hour = int(rng.integers(0, 24))
        total = float(rng.uniform(10, 200))
        code = "SAVE10" if rng.random() < 0.3 else ""
        product = f"Product {int(rng.integers(0, 8))}"
        lines.append(
            f"#{1000 + i},c{i}@example.com,paid,2024-{1 + i % 12:02d}-{day:02d} {hour:02d}:00:00 +0000,"
            f"{total:.2f},{code},1,{product},{total:.2f}"
        )
    (tmp_path / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = write_config(tmp_path, '[[sources]]\nkind = "shopify_orders"\npath = "orders.csv"\n')
    result = build(load_config(config))
    seg = result.personas.provenance["segmentation"]
    assert result.personas.to_dict()["personas"] == [] and seg["structure_found"] is False and seg["k"] == 0
    assert "No stable personas" in seg["message"]
    assert "No stable personas" in result.report.read_text(encoding="utf-8")
    assert {r["persona_id"] for r in read_csv(result.out_dir / "assignments.csv")} == {""}
    r = cli("build", "--config", str(config), cwd=tmp_path)
    assert r.returncode == 0 and "No stable personas were found" in r.stderr


def test_a_weight_naming_no_family_is_a_config_error(retail_demo: Path, tmp_path: Path) -> None:
    text = (retail_demo / "personacraft.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{retail_demo.as_posix()}/').replace(
        'file = "', f'file = "{retail_demo.as_posix()}/'
    )
    config = tmp_path / "personacraft.toml"
    config.write_text(text + '\n[segment.weights]\n"Devise" = 0.5\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'"Devise".*matches no feature family'):
        build(load_config(config))


def test_hybrids_are_named_with_their_second_persona_and_counted_per_persona() -> None:
    # four customers: clearly p1, in between p1 and p2, clearly p2, and one not assigned
    d = Decision(
        segment=np.array([0, 0, 1, 0]),
        best=np.array([0.95, 0.55, 0.9, 0.6]),
        assigned=np.array([True, True, True, False]),
        known=np.array([3, 3, 3, 0]),
        second=np.array([1, 1, 0, 1]),
        second_best=np.array([0.05, 0.45, 0.1, 0.4]),
    )
    assert d.hybrid.tolist() == [False, True, False, False]
    assert d.second_persona_ids.tolist() == ["", "p2", "", ""]
    assert d.second_confidence.tolist() == [0.0, 0.45, 0.0, 0.0]
    m = membership(d, published=2)
    assert m[0] == {"members": 2, "mean_confidence": 0.75, "hybrids": 1, "hybrid_share": 0.5, "hybrid_with": 1}
    assert m[1]["hybrids"] == 0 and m[1]["hybrid_with"] is None
