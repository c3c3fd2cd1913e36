"""One contract, every kind: its hand-checked fixture in the vendor's layout lands as expected.

Each folder of tests/fixtures/ is named after a kind and holds one export file plus
``expected.json``: rows read / accepted / rejected, the (line, column) of each reject,
options, and canonical rows that must be present (a subset of their columns).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import SourceConfig
from personacraft.sources import REGISTRY, make_source
from personacraft.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
# generated in the test (binary), not kept as a fixture file
GENERATED = {"parquet"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return str(value)
    return value


def test_every_registered_kind_has_a_fixture_and_docs() -> None:
    kinds = set(REGISTRY)
    with_fixture = {p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file()}
    assert kinds - GENERATED <= with_fixture, sorted(kinds - GENERATED - with_fixture)
    doc = DOCS.read_text(encoding="utf-8")
    undocumented = [k for k in sorted(kinds) if f"`{k}`" not in doc]
    assert undocumented == []


@pytest.mark.parametrize("kind", sorted(k for k in REGISTRY if (FIXTURES / k / "expected.json").is_file()))
def test_fixture_lands_as_expected(kind: str, tmp_path: Path) -> None:
    folder = FIXTURES / kind
    expected = json.loads((folder / "expected.json").read_text())
    [export] = [p for p in folder.iterdir() if p.name != "expected.json"]
    cfg = SourceConfig(
        kind=kind,
        path=str(export),
        table=expected.get("table"),
        columns=expected.get("columns", {}),
        options=expected.get("options", {}),
    )
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        src = make_source(cfg, tmp_path)
        acc = src.load(run)
        assert (acc.read, acc.accepted, acc.rejected) == (expected["read"], expected["accepted"], expected["rejected"])
        assert acc.balanced
        got_rejects = run.execute(f"SELECT line, column_name FROM {run.t('rejects')} ORDER BY line").fetchall()
        assert [list(r) for r in got_rejects] == expected["rejects"]
        for table, rows in expected["rows"].items():
            landed = [{k: _plain(v) for k, v in r.items()} for r in run.dicts(f"SELECT * FROM {run.t(table)}")]
            for want in rows:
                match = [r for r in landed if all(r.get(k) == v for k, v in want.items())]
                assert match, f"{table}: no row matches {want}; got {landed}"
            assert all(r["_source"] == src.label and r["_line"] >= 1 for r in landed)
