"""The public Python API: the names of ``personacraft.__all__`` are pinned, resolve, and load lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import personacraft as pc
from personacraft.personas import Persona, Trait
from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline import BuildResult
from tests.conftest import read_csv

PUBLIC = [
    "BuildResult",
    "Channel",
    "Config",
    "Evidence",
    "Goal",
    "PainPoint",
    "Persona",
    "PersonaError",
    "PersonaSet",
    "Recommendations",
    "Story",
    "Trait",
    "Value",
    "__version__",
    "assign",
    "build",
    "churn",
    "clv",
    "hypotheses",
    "load_config",
]


def test_public_names_are_pinned() -> None:
    assert sorted(pc.__all__) == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(pc, name) is not None
    assert name in dir(pc)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = pc.nothing  # type: ignore[attr-defined]


def test_import_is_lazy() -> None:
    """``import personacraft`` loads neither the pipeline nor DuckDB: the command line starts fast."""
    code = "import sys, personacraft; print(sorted(m for m in ('personacraft.pipeline', 'duckdb') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


PERSONA = {
    "id": "p1",
    "name": "Night-owl shoppers",
    "size": 120,
    "share": 0.3,
    "stability": 0.91,
    "stability_band": "highly stable",
    "persona_type": "buyer",
    "traits": [
        {"feature": "Daypart", "value": "night", "share": 0.6, "population_share": 0.2, "lift": 3.0, "n": 72},
    ],
    "goals": None,
    "needs": None,
    "pain_points": [
        {"label": "late parcels", "keywords": ["late"], "share": 0.2, "lift": 2.0, "n": 20, "quotes": ["q"]},
    ],
    "channels": [],
    "value": {"clv_mean": None, "revenue_share": 0.4, "churn_risk": None, "missing": {"clv_mean": "no orders"}},
    "a_key_from_a_later_version": {"kept": True},
    "story": {"bio": "b", "name": "Ann", "quote": None, "sentences": [], "typical_day": None},
    "recommendations": {"messaging": [], "channels": [], "sales": [], "product": [], "retention": []},
    "evidence": [{"field": "size", "claim": "c", "method": "m"}],
}


def test_persona_round_trips_exactly_and_keeps_unknown_keys() -> None:
    p = Persona.from_dict(PERSONA)
    assert isinstance(p.traits[0], Trait) and p.traits[0].lift == 3.0 and p.pain_points
    assert p.pain_points[0].quotes == ["q"] and p.value.revenue_share == 0.4
    assert p.extra == {"a_key_from_a_later_version": {"kept": True}}
    assert json.dumps(p.to_dict()) == json.dumps(PERSONA)  # same keys, same order, same values


def test_older_files_are_tolerated() -> None:
    """A file from before ``stability_band``, with a malformed value block, still reads."""
    old = {k: v for k, v in PERSONA.items() if k not in ("stability_band", "persona_type")}
    old["value"] = "unknown"
    p = Persona.from_dict(old)
    assert p.stability_band == "highly stable" and p.persona_type is None and p.value is None
    assert "stability_band" not in p.to_dict()  # derived for the reader, not written back


def test_persona_set_is_a_sequence_with_ids(tmp_path: Path) -> None:
    doc = {"run_id": "0001-x", "created_at": "2026-01-01T00:00:00Z", "customers": 400, "personas": [PERSONA]}
    path = tmp_path / "personas.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    ps = PersonaSet.load(path)
    assert len(ps) == 1 and ps[0] is ps["p1"] and [p.id for p in ps] == ["p1"]
    with pytest.raises(pc.PersonaError, match="no persona 'p9'"):
        ps["p9"]
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(pc.PersonaError, match=r"bad.json, line 1: is not JSON"):
        PersonaSet.load(tmp_path / "bad.json")


def test_assign_a_dataframe_as_the_command_assigns_the_file(built: BuildResult, retail_demo: Path) -> None:
    """pc.assign on the build's own features (a DataFrame) gives what the build and `assign` give."""
    import duckdb

    features = duckdb.sql(f"SELECT * FROM '{built.run_dir / 'features.parquet'}'").df()
    got = pc.assign(features, built.run_id, config=retail_demo / "personacraft.toml")
    assert list(got.columns) == [
        "customer_id",
        "persona_id",
        "confidence",
        "second_persona_id",
        "second_confidence",
        "known_values",
    ]
    rows = {r["customer_id"]: r for r in read_csv(built.out_dir / "assignments.csv")}
    want = {c: r["persona_id"] for c, r in rows.items()}
    assert len(got) == len(want) and got["customer_id"].is_monotonic_increasing
    same = sum(want[c] == p for c, p in zip(got["customer_id"], got["persona_id"], strict=True))
    assert same / len(want) >= 0.99
    pairs = zip(got["customer_id"], got["second_persona_id"], strict=True)
    second = sum(rows[c]["second_persona_id"] == p for c, p in pairs)
    assert second / len(want) >= 0.99
    path = pc.assign(built.run_dir / "features.parquet", built.run_id, config=retail_demo / "personacraft.toml")
    assert path.equals(got)
    with pytest.raises(pc.PersonaError, match=r"the DataFrame: has no customer id column .*its columns: who, device"):
        pc.assign(features.rename(columns={"customer_id": "who", "family": "device"})[["who", "device"]],
                  config=retail_demo / "personacraft.toml")  # fmt: skip
