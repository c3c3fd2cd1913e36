"""The order bands: the build's SQL and the API's lookups come from one declaration and agree.

The parity test reads a Shopify orders export with the pipeline's own stages (ingest, unify,
features) into a real DuckDB workspace, and maps the same orders, as the API receives them
(ISO 8601 times with their offsets, statuses), with the API's RecordMapper. Times near
midnight with offsets put the UTC day, hour, weekday and month on the other side of a band,
so only the shop's local wall-clock time gives the build's bands; cancelled, refunded and
voided orders must count in neither.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from personacraft.config import load_config
from personacraft.features import bands
from personacraft.pipeline import stages
from personacraft.segment.assignment import PersonaModel
from personacraft.segment.latent import LatentClassSegmenter
from personacraft.sources import fingerprint, make_source
from personacraft.store import Workspace, scratch
from personacraft.web.assigner import Assigner, order_terciles, tenure_rule
from personacraft.web.records import RecordMapper

ORDER_FAMILIES = tuple(b.family for b in bands.ORDER_BANDS)
HEADER = ["Name", "Email", "Financial Status", "Currency", "Total", "Discount Code", "Discount Amount", "Created at",
          "Cancelled at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Id"]  # fmt: skip
# (email, status, cancelled, local time with its offset, total, discount code)
ORDERS = [
    ("ann@example.com", "paid", "", "2024-03-31 23:30:00 -0500", "58.30", "SAVE10"),  # UTC: Mon 1 Apr, 04:30
    ("ann@example.com", "paid", "", "2024-10-31 23:59:00 -0700", "12.00", ""),  # UTC: 1 Nov (holiday)
    ("ann@example.com", "refunded", "", "2024-06-01 12:00:00 +0000", "99.00", ""),
    ("ann@example.com", "Voided", "", "2024-06-02 12:00:00 +0000", "99.00", ""),
    ("bob@example.com", "paid", "", "2024-08-31 18:30:00 +0900", "140.00", ""),  # UTC: 31 Aug 09:30
    ("bob@example.com", "paid", "2024-09-01 10:00:00 +0000", "2024-09-01 09:00:00 +0000", "30.00", ""),
    ("cat@example.com", "pending", "", "2024-12-01 05:59:00 +0100", "75.00", ""),  # local night, UTC night
    ("cat@example.com", "paid", "", "2024-04-06 06:00:00 +1000", "20.00", "WELCOME"),  # Sat local, Fri UTC
    ("cat@example.com", "partially_refunded", "", "2024-07-07 11:59:00 -0400", "33.00", ""),
    ("cat@example.com", "paid", "", "2024-01-15 17:59:59 +0530", "48.00", ""),
    ("dan@example.com", "failed", "", "2024-05-05 20:00:00 +0000", "10.00", ""),
    ("dan@example.com", "paid", "", "2024-11-30 23:00:00 -0300", "210.00", ""),  # UTC: 1 Dec 02:00
]


def _write_export(folder: Path) -> Path:
    path = folder / "data" / "orders_export.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, (email, status, cancelled, at, total, code) in enumerate(ORDERS):
            discount = "5.00" if code else ""
            writer.writerow([f"#{1001 + i}", email, status, "USD", total, code, discount, at, cancelled, "1",
                             f"Item {i % 3}", total, str(5500 + i)])  # fmt: skip
    (folder / "personacraft.toml").write_text(
        '[[sources]]\nkind = "shopify_orders"\npath = "data/orders_export.csv"\n', encoding="utf-8"
    )
    return folder / "personacraft.toml"


def _api_orders() -> dict[str, list[dict[str, Any]]]:
    """The orders as a client sends them to POST /api/assign: ISO times with offsets, and the status."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for email, status, cancelled, at, total, code in ORDERS:
        when = datetime.strptime(at, "%Y-%m-%d %H:%M:%S %z")
        out[email].append(
            {
                "ordered_at": when.isoformat(),
                "amount": float(total),
                "discount_code": code or None,
                "status": "cancelled" if cancelled else status,
            }
        )
    return out


def test_the_build_and_the_api_band_orders_alike(tmp_path: Path) -> None:
    cfg = load_config(_write_export(tmp_path))
    sources = [make_source(s, cfg.root) for s in cfg.sources]
    inputs = fingerprint(sources)
    with Workspace(cfg.workspace_path) as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=inputs, version="test")
        stages.ingest(cfg, run, sources, inputs, lambda _: None)
        stages.unify(cfg, run)
        stages.features(cfg, run)
        built = run.dicts(
            f"""SELECT c.email, f.family, f.value, f.n FROM {run.t("feature_counts")} f
            JOIN {run.t("customer_index")} c USING (customer_key) WHERE f.family IN {ORDER_FAMILIES}"""
        )
        terciles = order_terciles(run)
        # every value the bands can take, as the columns of a model
        columns = [(b.family, label) for b in bands.ORDER_BANDS for label in b.labels]
        model = PersonaModel(LatentClassSegmenter(), columns, True, 1)
        tenure = tenure_rule(run, model)
    expected: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in built:
        expected[row["email"]][(row["family"], row["value"])] = row["n"]
    assert len(expected) == 4 and terciles is not None and tenure is not None
    assigner = Assigner("t", model, order_terciles=terciles, tenure=tenure)
    mapper = RecordMapper(assigner)
    try:
        for email, orders in _api_orders().items():
            counts, mapped, ignored = assigner.empty(), [], []  # type: ignore[var-annotated]
            mapper.add(counts, {"orders": orders}, mapped, ignored)
            got: dict[tuple[str, str], float] = defaultdict(float)
            for m in mapped:
                got[(m["family"], m["value"])] += m["n"]
            assert dict(got) == pytest.approx(expected[email]), email
    finally:
        mapper.close()
    # the cancelled, refunded, voided and failed orders count nowhere: ann has 2 purchases in the 244
    # days since her first (0.25 a month: regular); dan's one purchase is hours before the newest
    # order, so he is new and his frequency is not judged at all
    assert expected["ann@example.com"][("frequency", "regular")] == 1
    assert not any(f == "frequency" for f, _ in expected["dan@example.com"])
    assert ("order value", "high") in expected["dan@example.com"]
    # local time decides: ann's first order is a Sunday evening in March, not a Monday night in April
    assert expected["ann@example.com"][("weekday", "weekend")] == 1
    assert ("season", "summer") not in expected["ann@example.com"]


@pytest.mark.parametrize("family", ORDER_FAMILIES)
def test_sql_and_python_bands_agree_on_every_value(family: str) -> None:
    """Each banding, as SQL in DuckDB and as the Python lookup, over a range of measures."""
    values = np.arange(-1, 60, 0.5)
    bounds = {"a1": 20.0, "a2": 45.5}
    expr = bands.case_sql(family, {"a1": "20.0", "a2": "45.5"}).replace(bands.BY_FAMILY[family].sql, "x")
    con = scratch()
    try:
        con.register("v", {"x": values})
        sql = con.execute(f"SELECT x, {expr} FROM v ORDER BY x").fetchall()
    finally:
        con.close()
    assert [r[1] for r in sql] == [bands.band(family, float(x), bounds) for x in values]


def test_labels_are_declared_in_order() -> None:
    assert bands.BY_FAMILY["daypart"].labels == ("night", "morning", "afternoon", "evening")
    assert bands.BY_FAMILY["season"].labels == ("rest of year", "summer", "holiday")
    assert bands.not_purchases_sql() == "('cancelled', 'voided', 'refunded', 'failed')"
