"""Experiment exposures from sources: a generic export with extra outcomes, and Segment's Experiment Viewed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import SourceConfig
from personacraft.errors import ConfigError
from personacraft.sources import Accounting, make_source
from personacraft.store import Run, Workspace

EXPORT = """Campaign,Variant,Email,Sent At,Placed Order,Revenue,Clicks
spring,control,A@x.com ,2025-03-01 10:00,0,0,1
spring,free shipping,b@x.com,2025-03-01 10:05,1,42.50,3
spring,free shipping,c@x.com,2025-03-01 10:06,yes,12,two
spring,,d@x.com,2025-03-01 10:07,0,0,0
spring,control,,2025-03-01 10:08,0,0,0
spring,new arrivals,e@x.com,2025-03-01 10:09,no,,
"""
COLUMNS = {
    "experiment_id": "Campaign",
    "variant": "Variant",
    "email": "Email",
    "exposed_at": "Sent At",
    "converted": "Placed Order",
    "revenue": "Revenue",
    "clicks": "Clicks",
}


def _load(tmp_path: Path, kind: str, name: str, text: str, **cfg: object) -> tuple[Accounting, Run, Workspace]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    ws = Workspace(tmp_path / "ws.duckdb")
    try:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        src = make_source(SourceConfig(kind=kind, path=name, **cfg), tmp_path)  # type: ignore[arg-type]
        acc = src.load(run)
    except BaseException:
        ws.close()
        raise
    assert acc.balanced, acc.to_dict()
    return acc, run, ws


def test_a_generic_export_lands_exposures_and_its_extra_outcomes(tmp_path: Path) -> None:
    acc, run, ws = _load(tmp_path, "csv", "ab.csv", EXPORT, table="experiments", columns=COLUMNS)
    try:
        assert (acc.read, acc.accepted, acc.rejected) == (6, 3, 3)
        rejects = run.execute(f"SELECT line, column_name, value FROM {run.t('rejects')} ORDER BY line").fetchall()
        assert rejects == [(4, "clicks", "two"), (5, "variant", None), (6, "email", None)]
        rows = run.execute(
            f"SELECT variant, email, converted, revenue, _line FROM {run.t('experiments')} ORDER BY _line"
        ).fetchall()
        assert rows == [
            ("control", "A@x.com", False, 0.0, 2),
            ("free shipping", "b@x.com", True, 42.5, 3),
            ("new arrivals", "e@x.com", False, None, 7),
        ]
        extra = run.execute(
            f"SELECT experiment_id, customer_id, outcome, value, _line FROM {run.t('experiment_outcomes')} "
            "ORDER BY _line"
        ).fetchall()
        assert extra == [("spring", "A@x.com", "clicks", 1.0, 2), ("spring", "b@x.com", "clicks", 3.0, 3)]
    finally:
        ws.close()


def test_an_outcome_name_must_be_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="plain name"):
        _load(tmp_path, "csv", "ab.csv", EXPORT, table="experiments", columns={**COLUMNS, "two words": "Clicks"})


def _call(line: int, user: str | None, variant: str | None, ts: str, event: str = "Experiment Viewed") -> str:
    props = {"experiment_id": "exp-1", "experiment_name": "Hero test"}
    if variant is not None:
        props["variation_name"] = variant
    call = {"type": "track", "event": event, "userId": user, "anonymousId": f"anon{line}", "timestamp": ts,
            "messageId": f"m{line}", "properties": props}  # fmt: skip
    return json.dumps(call)


def test_segment_experiment_viewed_calls_are_exposures_first_view_counts(tmp_path: Path) -> None:
    lines = [
        _call(1, "u1", "control", "2025-03-01T10:00:00Z"),
        _call(2, "u1", "control", "2025-03-02T10:00:00Z"),  # a repeat view
        _call(3, "u2", "B", "2025-03-01T11:00:00Z"),
        _call(4, "u2", "control", "2025-03-03T11:00:00Z"),  # another variant later: the first counts
        _call(5, None, "B", "2025-03-01T12:00:00Z"),  # anonymous
        _call(6, "u3", None, "2025-03-01T12:00:00Z"),  # no variation
        _call(7, "u4", "B", "2025-03-01T12:00:00Z", event="Order Completed"),
    ]
    text = "\n".join(lines) + "\n"
    acc, run, ws = _load(tmp_path, "segment_events", "seg.jsonl", text, options={"user_id_namespace": "shop"})
    try:
        assert (acc.read, acc.accepted, acc.rejected) == (7, 7, 0)
        rows = run.execute(
            f"SELECT experiment_id, variant, customer_id, anonymous_id, exposed_at::VARCHAR FROM "
            f"{run.t('experiments')} ORDER BY _line"
        ).fetchall()
        assert rows == [
            ("exp-1", "control", "shop:u1", "segment:anon1", "2025-03-01 10:00:00"),
            ("exp-1", "B", "shop:u2", "segment:anon3", "2025-03-01 11:00:00"),
            ("exp-1", "B", None, "segment:anon5", "2025-03-01 12:00:00"),
        ]
        handled = dict(run.execute(f"SELECT line, reason FROM {run.t('handled')} ORDER BY line").fetchall())
        assert set(handled) == {2, 4, 6}
        assert "repeat view" in handled[2] and "another variant" in handled[4] and "no variation" in handled[6]
        assert run.scalar(f"SELECT count(*) FROM {run.t('events')}") == 7
    finally:
        ws.close()


def test_init_maps_an_ab_test_export_onto_experiments(tmp_path: Path) -> None:
    from personacraft.onboard import init

    data = tmp_path / "data"
    data.mkdir()
    rows = "".join(
        f"spring,{['control', 'free shipping'][i % 2]},p{i}@x.com,2025-03-01 10:{i % 60:02d},{i % 7 == 0:d},"
        f"{12.5 if i % 7 == 0 else 0}\n"
        for i in range(200)
    )
    (data / "ab.csv").write_text("Campaign,Variant,Email,Sent At,Placed Order,Revenue\n" + rows, encoding="utf-8")
    plan = init([data], tmp_path / "personacraft.toml")
    [entry] = plan.entries
    assert entry.table == "experiments" and entry.include and not entry.checks
    assert entry.columns == {
        "experiment_id": "Campaign", "variant": "Variant", "exposed_at": "Sent At", "converted": "Placed Order",
        "revenue": "Revenue", "email": "Email",
    }  # fmt: skip
