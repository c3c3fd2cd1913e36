"""``personacraft features`` and ``personacraft hypotheses`` through the command line, on a demo and on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import personacraft as pc
from personacraft.cli import main
from personacraft.pipeline import BuildResult


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``personacraft ARGS``; the exit code, stdout and stderr (on one line); never a traceback."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["personacraft", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Internal error" not in err, err
    return (code if isinstance(code, int) else 0), out, " ".join(err.split())


def test_features_lists_every_trait_of_the_personas_with_its_population_share(
    built: BuildResult, retail_demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(retail_demo / "personacraft.toml")
    code, out, _ = cli(monkeypatch, capsys, "features", "--config", config, "--run", built.run_id, "--json")
    assert code == 0
    doc = json.loads(out)
    assert pc.hypotheses.features(built.run_id, config=config) == doc  # the Python API answers the same
    shares = {(f["label"], v["label"]): v["population_share"] for f in doc for v in f["values"]}
    traits = [t for p in built.personas.to_dict()["personas"] for t in p["traits"]]
    assert traits
    for t in traits:  # the labels exactly as personas.json shows them, and the same population share
        assert shares[(t["feature"], t["value"])] == pytest.approx(t["population_share"], abs=1e-4), t
    assert {f["family"] for f in doc} >= {"discount_use", "device", "order_value", "season"}
    code, out, _ = cli(monkeypatch, capsys, "features", "--config", config, "--run", built.run_id)
    assert code == 0 and "Discount use  [discount_use]" in out
    assert "a code on most orders  [a_code_on_most_orders]" in out


def beliefs(personas: list[dict[str, object]]) -> str:
    """Claims made from the personas' own traits (true), their opposites (false), and names the run lacks."""
    p1 = personas[0]
    traits = p1["traits"]  # type: ignore[index]
    top, second = traits[0], traits[1]  # type: ignore[index]
    return f"""
hypotheses:
  - id: true_trait
    persona: {p1["id"]}
    family: "{top["feature"]}"
    value: "{top["value"]}"
    expect: more_than_average
  - id: false_trait
    claim: "This persona avoids its own defining trait"
    persona: "{p1["name"]}"
    family: "{top["feature"]}"
    value: "{top["value"]}"
    expect: less_than_average
  - id: typo
    persona: {p1["id"]}
    family: "{top["feature"]}s"
    value: "{top["value"]}"
    expect: majority
  - id: nobody
    persona: p99
    family: "{top["feature"]}"
    value: "{top["value"]}"
    expect: majority
  - id: everyone_average
    persona: all
    family: "{top["feature"]}"
    value: "{top["value"]}"
    expect: more_than_average
personas:
  - name: Written from the data
    size: 20%
    claims:
      - {{family: "{top["feature"]}", value: "{top["value"]}"}}
      - {{family: "{second["feature"]}", value: "{second["value"]}"}}
  - name: Made up
    claims:
      - {{family: Shopping time, value: night (0 to 6 h)}}
      - {{family: Discount use, value: never uses a code}}
      - {{family: Order value, value: under $95}}
      - {{family: Season, value: holiday season (Nov to Dec)}}
"""


def test_hypotheses_grade_true_false_and_untestable_claims_with_their_numbers(
    built: BuildResult,
    retail_demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    personas = built.personas.to_dict()["personas"]
    path = tmp_path / "beliefs.yaml"
    path.write_text(beliefs(personas), encoding="utf-8")
    out_json = tmp_path / "result.json"
    args = ("hypotheses", str(path), "--config", str(retail_demo / "personacraft.toml"), "--run", built.run_id)
    code, out, err = cli(monkeypatch, capsys, *args, "--json", str(out_json))
    assert code == 0, err
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert json.loads((built.run_dir / "hypotheses.json").read_text(encoding="utf-8")) == doc
    assert pc.hypotheses.check(path, built.run_id, config=retail_demo / "personacraft.toml") == doc
    h = {x["id"]: x for x in doc["hypotheses"]}
    top = personas[0]["traits"][0]
    true = h["true_trait"]
    assert true["verdict"] == "supported" and true["persona"] == personas[0]["id"]
    # the figures are those of the trait on the persona's card
    assert (true["share"], true["population_share"], true["n"]) == (
        pytest.approx(top["share"], abs=1e-4), pytest.approx(top["population_share"], abs=1e-4), top["n"]
    ) or true["n"] >= top["n"]  # fmt: skip
    assert true["ci"][0] < true["share"] < true["ci"][1] and 0 <= true["p_adjusted"] < 0.05 and true["lift"] > 1
    assert h["false_trait"]["verdict"] == "contradicted" and h["false_trait"]["persona"] == personas[0]["id"]
    assert h["typo"]["verdict"] == "not_testable" and h["typo"]["suggestions"][0] == top["feature"]
    assert h["nobody"]["verdict"] == "not_testable"
    assert "No persona 'p99' in this run; did you mean" in h["nobody"]["reason"]
    assert h["everyone_average"]["verdict"] == "not_testable"
    assert doc["summary"] == {"supported": 1, "contradicted": 1, "inconclusive": 0, "not_testable": 3}
    made, fake = doc["personas"]
    assert made["exists"] and made["nearest"]["persona"] == personas[0]["id"] and made["nearest"]["jaccard"] >= 0.2
    assert all(c["verdict"] == "supported" for c in made["claims"]) and made["fit_share"] > 0
    assert not fake["exists"] and fake["verdict"] == "no_evidence"
    assert "No evidence that this group exists" in fake["reason"]
    assert "✓ supported" in out and "did you mean" in out and "No evidence that this group exists" in out


def test_a_malformed_file_an_unwritable_json_and_an_unknown_family_are_named(
    built: BuildResult,
    retail_demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = ("--config", str(retail_demo / "personacraft.toml"), "--run", built.run_id)
    bad = tmp_path / "bad.yaml"
    bad.write_text("hypotheses:\n  - family: Device\n    value: mobile\n   expect: majority\n", encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "hypotheses", str(bad), *config)
    assert code == 3 and "bad.yaml, line 4: is not valid YAML" in err
    good = tmp_path / "good.yaml"
    good.write_text("hypotheses:\n  - {family: Device, value: mobile, expect: majority}\n", encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "hypotheses", str(good), *config, "--json", str(bad / "out.json"))
    assert code == 2 and "--json " in err and "out.json: cannot write it" in err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("hypotheses:\n  - {family: Devise, value: mobile, expect: majority}\n", encoding="utf-8")
    code, out, err = cli(monkeypatch, capsys, "hypotheses", str(unknown), *config)
    assert code == 0 and "not testable" in out
    assert "No feature family 'Devise' in this run; did you mean 'Device'" in out


@pytest.mark.parametrize("command", ["features", "hypotheses"])
def test_no_run_built_yet(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "personacraft.toml"
    config.write_text('[[sources]]\nkind = "shopify_orders"\npath = "orders.csv"\n', encoding="utf-8")
    file = tmp_path / "h.yaml"
    file.write_text("hypotheses:\n  - {family: Device, value: mobile, expect: majority}\n", encoding="utf-8")
    args = [command, *([str(file)] if command == "hypotheses" else []), "--config", str(config)]
    code, _, err = cli(monkeypatch, capsys, *args)
    assert code == 8 and "no workspace yet; run `personacraft build` first" in err


def test_a_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "personacraft.toml"
    config.write_text('[[sources]]\nkind = "shopify_orders"\npath = "orders.csv"\n', encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "hypotheses", str(tmp_path / "beliefs.yaml"), "--config", str(config))
    assert code == 4 and "beliefs.yaml: no such file" in err
