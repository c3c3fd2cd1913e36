"""``personacraft experiment`` per persona on the built retail demo (slow: it uses the session's build)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from personacraft.pipeline import BuildResult
from tests.conftest import read_csv
from tests.experiments.test_cli_experiment import run_cli


def test_by_persona_is_the_default_and_finds_a_planted_effect(
    built: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Customers named by email (any case), id or bare id join the run's personas; the planted persona is found."""
    assignments = read_csv(built.out_dir / "assignments.csv")
    config = built.out_dir.parent / "personacraft.toml"
    planted = max({a["persona_id"] for a in assignments if a["persona_id"]},
                  key=lambda p: sum(a["persona_id"] == p for a in assignments))  # fmt: skip
    rng = np.random.default_rng(2)
    drawn: list[tuple[str, str, int]] = []  # persona, arm, converted: the reference below
    path = tmp_path / "email test.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["recipient", "arm", "opened", "converted"])
        for i, a in enumerate(assignments):
            arm = "control" if rng.random() < 0.5 else "free shipping"
            rate = 0.1 + (0.25 if arm == "free shipping" and a["persona_id"] == planted else 0.0)
            # the run's id, an email in capitals, or the shop's bare customer number
            who = [a["email"] or a["customer_id"], a["email"].upper() or a["customer_id"],
                   a["customer_id"].split(":", 1)[-1]][i % 3]  # fmt: skip
            opened, converted = int(rng.random() < 0.4), int(rng.random() < rate)
            w.writerow([who, arm, opened, converted])
            drawn.append((a["persona_id"], arm, converted))
    args = [
        "experiment",
        str(path),
        "--variant",
        "arm",
        "--outcome",
        "converted",
        "--outcome",
        "opened",
        "--customer",
        "recipient",
        "--config",
        str(config),
        "--json",
        str(tmp_path / "r.json"),
        "--run",
        built.run_id,
    ]  # fmt: skip  (other tests add runs to the session's workspace)
    code, out = run_cli(args, monkeypatch, capsys)
    assert code == 0, out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["settings"]["by"] == "persona" and doc["settings"]["run_id"] == built.run_id
    cells = {(r["group"], r["outcome"]): r for r in doc["groups"]}
    assert cells[(planted, "converted")]["p_adjusted"] < 0.05
    assert cells[(planted, "converted")]["verdict"] in ("works here", "works better here than elsewhere")
    assert all(r["verdict"] == "no evidence" for (g, o), r in cells.items() if o == "opened")
    assert "@" not in out  # no email is printed
    # the planted persona's cell equals a plain scipy computation on the assignments
    own = [(arm, c) for pid, arm, c in drawn if pid == planted]
    x0, n0 = sum(c for arm, c in own if arm == "control"), sum(arm == "control" for arm, _ in own)
    x1, n1 = sum(c for arm, c in own if arm != "control"), sum(arm != "control" for arm, _ in own)
    cell = cells[(planted, "converted")]
    assert (cell["n_control"], cell["n_variant"]) == (n0, n1)
    p = stats.chi2_contingency(np.array([[x1, n1 - x1], [x0, n0 - x0]]), correction=False).pvalue
    np.testing.assert_allclose([cell["diff"], cell["p_value"]], [x1 / n1 - x0 / n0, p], rtol=1e-9, atol=1e-12)
    assert doc["accounting"]["read"] == len(assignments)
    # customers the workspace does not know: read overall only, with a note
    other = tmp_path / "strangers.csv"
    other.write_text(
        "customer_id,variant,converted\n"
        + "".join(f"x{i},{['control', 'b'][i % 2]},{i % 3 == 0}\n" for i in range(200))
    )
    code, out = run_cli(
        ["experiment", str(other), "--config", str(config), "--json", str(tmp_path / "s.json")], monkeypatch, capsys
    )
    assert code == 0, out
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["groups"] == [] and "overall only" in out


def test_an_experiments_entry_is_read_from_the_run(
    built: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILE_OR_ID names an [[experiments]] entry: its rows of the run's experiments table, per persona."""
    import shutil
    from types import SimpleNamespace

    import duckdb

    import personacraft.config
    from personacraft.config import load_config

    cfg = load_config(built.out_dir.parent / "personacraft.toml")
    ws = tmp_path / "ws.duckdb"
    shutil.copy(cfg.workspace_path, ws)
    con = duckdb.connect(str(ws))
    schema = con.execute("SELECT schema_name FROM runs WHERE run_id = ?", [built.run_id]).fetchall()[0][0]
    con.execute(
        f"INSERT INTO {schema}.experiments BY NAME SELECT 'spring' AS experiment_id, "
        "CASE WHEN hash(customer_key) % 2 = 0 THEN 'control' ELSE 'new arrivals' END AS variant, "
        "customer_key AS customer_id, hash(customer_key, 1) % 10 = 0 AS converted, 0.0 AS revenue "
        f"FROM {schema}.customer_index"
    )
    con.close()
    entry = SimpleNamespace(experiment="spring", name="", control="control", outcomes=("converted", "orders"))
    fake = SimpleNamespace(experiments=(entry,), workspace_path=ws, privacy=cfg.privacy)
    monkeypatch.setattr(personacraft.config, "load_config", lambda path: fake)
    config = tmp_path / "personacraft.toml"
    config.write_text("# replaced by the fake above\n")
    code, out = run_cli(["experiment", "spring", "--config", str(config), "--json", str(tmp_path / "r.json"),
                         "--run", built.run_id], monkeypatch, capsys)  # fmt: skip
    assert code == 0, out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["settings"]["experiment"] == "spring" and doc["settings"]["outcomes"] == ["converted"]
    assert doc["groups"] and doc["settings"]["by"] == "persona"
    assert doc["accounting"]["read"] == doc["accounting"]["used"]
    assert "the build reads the others per persona" in out
    code, out = run_cli(["experiment", "autumn", "--config", str(config)], monkeypatch, capsys)
    assert code == 2 and "'spring'" in out, out
