"""[sources.features] at ingest: the declared columns of any source kept per line, keyed to the line's customer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest

from personacraft.config import FeatureSpec, SourceConfig
from personacraft.errors import ConfigError, InputFormatError
from personacraft.sources import make_source
from personacraft.store import Run, Workspace

HUBSPOT = (
    '"Record ID","Email","Job Title","Use case","Team size"\n'
    '"101","a@x.io","CFO","Reporting","1-10"\n'
    '"102","b@x.io","Engineer","","51-200"\n'
    '"103","c@x.io","Engineer","API","11-50","too","many"\n'  # a misshapen line: rejected
    '"","d@x.io","Ops","Approvals","11-50"\n'  # no Record ID: rejected by the source
    '"105","e@x.io","Ops"," Approvals ","11-50"\n'
)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(tmp_path / "ws.duckdb")
    yield ws
    ws.close()


def load(ws: Workspace, root: Path, kind: str, name: str, content: str, features: Mapping[str, str], **kw: Any) -> Run:
    (root / name).write_text(content, encoding="utf-8")
    run = ws.new_run(config_hash="t", config={}, inputs=[], version="test")
    specs = {c: FeatureSpec(c, t) for c, t in features.items()}
    src = make_source(SourceConfig(kind=kind, path=name, features=specs, **kw), root)
    acc = src.load(run)
    assert acc.balanced, acc.to_dict()
    return run


def values(run: Run) -> list[tuple[Any, ...]]:
    return run.execute(
        f"SELECT customer_id, email, family, value, _line FROM {run.t('custom_attributes')} ORDER BY _line, family"
    ).fetchall()


def test_vendor_kind_keeps_its_custom_properties(workspace: Workspace, tmp_path: Path) -> None:
    run = load(workspace, tmp_path, "hubspot_contacts", "contacts.csv", HUBSPOT, {"Use case": "categorical",
               "Team size": "ordinal"})  # fmt: skip
    assert values(run) == [
        ("hubspot:101", "a@x.io", "Team size", "1-10", 2),
        ("hubspot:101", "a@x.io", "Use case", "Reporting", 2),
        ("hubspot:102", "b@x.io", "Team size", "51-200", 3),  # an empty cell is no value
        ("hubspot:105", "e@x.io", "Team size", "11-50", 6),  # lines as the source numbers them
        ("hubspot:105", "e@x.io", "Use case", "Approvals", 6),
    ]


def test_generic_kinds_key_values_to_the_mapped_customer(workspace: Workspace, tmp_path: Path) -> None:
    csv = "id,Mail,Amount,Date,Loyalty tier\no1,a@x.io,10,2024-01-02,Gold\no2,b@x.io,5,2024-01-03,Silver\n"
    run = load(workspace, tmp_path, "csv", "orders.csv", csv, {"Loyalty tier": "ordinal"}, table="orders",
               columns={"order_id": "id", "email": "Mail", "amount": "Amount", "ordered_at": "Date"})  # fmt: skip
    assert values(run) == [(None, "a@x.io", "Loyalty tier", "Gold", 2), (None, "b@x.io", "Loyalty tier", "Silver", 3)]
    pq = tmp_path / "customers.parquet"
    duckdb.sql("SELECT * FROM (VALUES ('c1', 42), ('c2', NULL)) t(customer_id, \"Points\")").write_parquet(str(pq))
    run2 = workspace.new_run(config_hash="t", config={}, inputs=[], version="test")
    src = make_source(
        SourceConfig(
            kind="parquet", path=pq.name, table="customers", features={"Points": FeatureSpec("Points", "numeric")}
        ),
        tmp_path,
    )
    assert src.load(run2).balanced
    assert values(run2) == [("c1", None, "Points", "42", 1)]


def test_a_missing_column_is_named_with_the_closest_ones(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFormatError) as err:
        load(workspace, tmp_path, "hubspot_contacts", "contacts.csv", HUBSPOT, {"Use cases": "categorical"})
    msg = str(err.value)
    assert "contacts.csv" in msg and '"Use cases"' in msg and "[sources.features]" in msg
    assert "did you mean 'Use case'" in msg


def test_a_source_without_customers_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    companies = '"Record ID","Company name","Tier"\n"1","Acme","A"\n'
    with pytest.raises(
        ConfigError, match=r'needs a source whose rows name customers.*"hubspot_companies" feeds accounts'
    ):
        load(workspace, tmp_path, "hubspot_companies", "companies.csv", companies, {"Tier": "categorical"})


def test_json_lines_keep_any_key(workspace: Workspace, tmp_path: Path) -> None:
    lines = (
        '{"customer_id": "c1", "email": "a@x.io", "Plan/interest": "Pro", "n": {"x": 1}}\n'
        "\n"
        '{"customer_id": "c2", "email": "b@x.io", "Plan/interest": null}\n'
        '{"customer_id": "c3", "Plan/interest": "Basic"}\n'
    )
    run = load(workspace, tmp_path, "jsonl", "people.jsonl", lines, {"Plan/interest": "categorical"},
               table="customers")  # fmt: skip
    assert values(run) == [("c1", "a@x.io", "Plan/interest", "Pro", 1), ("c3", None, "Plan/interest", "Basic", 4)]
