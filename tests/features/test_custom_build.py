"""Acceptance: a HubSpot contacts export with custom properties declared in [sources.features] builds personas whose
traits name them, and ``explain``, ``assign`` (CLI and Python) and the API's assign endpoints use them."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import personacraft as pc
from personacraft.config import load_config
from personacraft.pipeline import BuildResult, build
from personacraft.segment import explain
from personacraft.store import Workspace
from personacraft.web.app import create_app
from personacraft.web.auth import create_token
from personacraft.web.service import Service
from tests.conftest import read_csv
from tests.features.custom_export import GROUPS, write_workspace

pytestmark = pytest.mark.slow
CUSTOM = {"Use case", "Team size", "Seats"}
CONTACTS = 900


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    config = write_workspace(tmp_path_factory.mktemp("custom"), CONTACTS, seed=5)
    return config, build(load_config(config))


@pytest.fixture(scope="module")
def persona_of(built: tuple[Path, BuildResult]) -> dict[str, str]:
    """Each planted group's persona: the one most of its contacts are in."""
    names = list(GROUPS)
    by: dict[str, Counter[str]] = {g: Counter() for g in names}
    for row in read_csv(built[1].out_dir / "assignments.csv"):
        i = int(row["customer_id"].removeprefix("hubspot:")) - 500000000000
        by[names[i % len(names)]][row["persona_id"]] += 1
    out = {g: c.most_common(1)[0][0] for g, c in by.items()}
    assert len(set(out.values())) == 3, by  # three groups, three personas
    return out


def test_traits_name_the_custom_properties(built: tuple[Path, BuildResult], persona_of: dict[str, str]) -> None:
    personas = {p.id: p for p in built[1].personas}
    traits = {pid: {(t.feature, t.value) for t in p.traits} for pid, p in personas.items()}
    assert ("Use case", "Reporting") in traits[persona_of["finance"]]
    assert ("Use case", "API integration") in traits[persona_of["engineering"]]
    assert ("Team size", "1-10") in traits[persona_of["finance"]]
    assert any(f == "Seats" for f, _ in traits[persona_of["engineering"]])
    for p in personas.values():
        for t in p.traits:
            assert t.n >= 10  # no published figure under the minimum group size


def test_explain_gives_custom_reasons(built: tuple[Path, BuildResult]) -> None:
    with Workspace(load_config(built[0]).workspace_path, read_only=True) as ws:
        result = explain(ws.run(None), "hubspot:500000000000", top=20)
    assert CUSTOM & {r["feature"] for r in result["reasons"]}


def rows() -> list[dict[str, Any]]:
    """New contacts carrying only the custom properties, as the source file writes them (Seats a raw number)."""
    return [
        {"customer_id": "new-finance", "Use case": "Reporting", "Team size": "1-10", "Seats": "4"},
        {"customer_id": "new-engineer", "Use case": "API integration", "Team size": "51-200", "Seats": "95"},
        {"customer_id": "new-ops", "Use case": "Approvals", "Team size": "11-50", "Seats": "21"},
    ]


EXPECTED = {"new-finance": "finance", "new-engineer": "engineering", "new-ops": "operations"}


def test_assign_cli_and_python_use_the_custom_columns(
    built: tuple[Path, BuildResult], persona_of: dict[str, str], tmp_path: Path
) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows())
    got = pc.assign(frame, config=built[0])
    assert dict(zip(got["customer_id"], got["persona_id"], strict=True)) == {
        c: persona_of[g] for c, g in EXPECTED.items()
    }
    assert (got["known_values"] == 3).all()  # the raw number was binned as the build binned it
    path = tmp_path / "new.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "assigned.csv"
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "personacraft", "assign", str(path), "--out", str(out), "--config", str(built[0])],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert {row["customer_id"]: row["persona_id"] for row in read_csv(out)} == {
        c: persona_of[g] for c, g in EXPECTED.items()
    }


@pytest.fixture(scope="module")
def client(built: tuple[Path, BuildResult]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    cfg = load_config(built[0])
    with Workspace(cfg.workspace_path) as ws:
        token = create_token(ws, "read", "custom-features-test")[0]
    with TestClient(create_app(Service(cfg))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_api_assign_accepts_the_custom_families(
    client: tuple[TestClient, dict[str, str]], persona_of: dict[str, str]
) -> None:
    c, auth = client
    for row in rows():
        cid = row.pop("customer_id")
        seats = float(row.pop("Seats"))
        # as features (a number for the numeric family) and as a raw record
        body = c.post("/api/assign", headers=auth, json={"customer_id": cid, "features": {**row, "Seats": seats}})
        assert body.status_code == 200, body.text
        answer = body.json()
        assert answer["persona_id"] == persona_of[EXPECTED[cid]] and answer["known_values"] == 3
        assert {r["feature"] for r in answer["reasons"]} <= CUSTOM
        record = c.post("/api/assign", headers=auth, json={"customer_id": cid, "record": {**row, "Seats": seats}})
        assert record.status_code == 200, record.text
        mapped = record.json()["mapped"]
        assert record.json()["persona_id"] == answer["persona_id"] and all(m["known"] for m in mapped)
        assert {m["family"] for m in mapped} == CUSTOM
    # a number is refused for a family that is not numeric, naming the field
    bad = c.post("/api/assign", headers=auth, json={"features": {"Use case": 3}})
    assert bad.status_code == 422 and "body.features.Use case" in bad.json()["message"]
    # a CSV batch in wide form, raw values as in the file
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows()[0]))
    writer.writeheader()
    writer.writerows(rows())
    batch = c.post("/api/assign/batch", headers={**auth, "Content-Type": "text/csv"}, content=text.getvalue())
    assert batch.status_code == 200, batch.text
    got = {r["customer_id"]: r["persona_id"] for r in csv.DictReader(io.StringIO(batch.text))}
    assert got == {cid: persona_of[g] for cid, g in EXPECTED.items()}
    schema = c.get("/api/openapi.json", headers=auth).json()["components"]["schemas"]["AssignRequest"]
    assert '"number"' in str(schema).replace("'", '"')
