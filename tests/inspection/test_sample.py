"""``inspect`` on sources larger than its budget: read from evenly spaced blocks, rejects named where they are.

The files are written here: a Shopify orders export (two lines per order, the order's fields on
the first) and GA4 events in three files, each with one bad row planted in the last block. The
sample must read whole orders only (no order cut at a block's start), give each planted reject its
line in the original file, and estimate the rows of the whole from the bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.inspection import inspect
from personacraft.inspection.sample import BLOCKS, _merged, _positions, plan, take

ORDERS_HEADER = (
    "Name,Email,Financial Status,Currency,Subtotal,Shipping,Total,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku"
)
ORDERS = 3000
EVENTS_PER_FILE = 2000


def write_orders(path: Path, bad_order: int) -> int:
    """Two lines per order; the first line of order ``bad_order`` has a Total that is no amount.
    Returns the line (1-based, header = 1) of that row."""
    lines = [ORDERS_HEADER]
    bad_line = 0
    for i in range(ORDERS):
        total = "twelve" if i == bad_order else f"{20 + i % 50}.00"
        if i == bad_order:
            bad_line = len(lines) + 1
        day = 1 + i % 28
        lines.append(
            f'"#{1000 + i}",p{i % 900}@example.com,paid,USD,10.00,0.00,"{total}",'
            f"2024-03-{day:02d} 10:00:00 -0500,1,Mug - Blue,10.00,SKU-1"
        )
        when = f"2024-03-{day:02d} 10:00:00 -0500"
        lines.append(f'"#{1000 + i}",p{i % 900}@example.com,,,,,,{when},2,Cap - Red,5.00,SKU-2')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad_line


def write_events(folder: Path, bad_at: int) -> int:
    """Three GA4 files; line ``bad_at`` of the last one is not JSON. Returns that line."""
    folder.mkdir()
    for f in range(3):
        rows = []
        for i in range(EVENTS_PER_FILE):
            ts = 1_710_000_000_000_000 + (f * EVENTS_PER_FILE + i) * 60_000_000
            rows.append(
                json.dumps(
                    {
                        "event_date": "20240310",
                        "event_timestamp": str(ts),
                        "event_name": "page_view",
                        "user_id": None,
                        "user_pseudo_id": f"{i % 700}.1",
                        "event_params": [],
                    }
                )
            )
        if f == 2:
            rows[bad_at - 1] = '{"event_name": "page_view", oops'
        (folder / f"events_{f}.ndjson").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return bad_at


@pytest.fixture()
def config(tmp_path: Path) -> tuple[Path, int, int]:
    bad_order_line = write_orders(tmp_path / "orders.csv", bad_order=ORDERS - 3)
    bad_event_line = write_events(tmp_path / "ga4", bad_at=EVENTS_PER_FILE - 5)
    cfg = tmp_path / "personacraft.toml"
    cfg.write_text(
        '[[sources]]\nkind = "shopify_orders"\npath = "orders.csv"\n\n'
        '[[sources]]\nkind = "ga4_bigquery"\npath = "ga4/*.ndjson"\n',
        encoding="utf-8",
    )
    return cfg, bad_order_line, bad_event_line


def test_a_large_source_is_read_from_blocks_and_its_rejects_keep_their_lines(config: tuple[Path, int, int]) -> None:
    cfg, bad_order_line, bad_event_line = config
    budget = 64 << 10  # the orders file holds about 600 KiB, the events about 700 KiB
    doc = inspect(load_config(cfg), budget=budget)
    orders, events = doc["sources"]
    for s, total_rows in ((orders, 2 * ORDERS), (events, 3 * EVENTS_PER_FILE)):
        part = s["sample"]
        assert part is not None and 0 < part["share"] < 0.2, s["source"]
        assert part["bytes_read"] <= budget + BLOCKS * 300  # blocks end at a line's end
        assert s["read"] == s["accepted"] + s["rejected"] < total_rows
        assert abs(part["read_estimate"] - total_rows) / total_rows < 0.1, (part, total_rows)
    # every order is read whole: no line is rejected for belonging to an order cut at a block's start,
    # only the planted row and its order's second line
    assert orders["rejected"] == 2
    ex, second = orders["examples"]
    assert (Path(ex["file"]).name, ex["line"], ex["column_name"], ex["value"]) == (
        "orders.csv",
        bad_order_line,
        "Total",
        "twelve",
    )
    assert (second["line"], second["column_name"]) == (bad_order_line + 1, "Name")
    assert events["sample"]["files_read"] == 3 and events["sample"]["files_total"] == 3
    (ex,) = events["examples"]
    assert (Path(ex["file"]).name, ex["line"]) == ("events_2.ndjson", bad_event_line)
    assert ex["reason"] == "is not valid JSON"
    # the sample files are gone; the page says which sources were sampled
    assert not list((cfg.parent / ".personacraft").rglob("sample_*"))
    page = (cfg.parent / "out" / "inspect.html").read_text(encoding="utf-8")
    assert "--full" in page and "A source larger than 64 KiB is read from evenly spaced blocks" in page


def test_full_reads_every_row(config: tuple[Path, int, int]) -> None:
    cfg, bad_order_line, _ = config
    doc = inspect(load_config(cfg), budget=None)
    orders, events = doc["sources"]
    assert orders["sample"] is None and events["sample"] is None
    assert (orders["read"], orders["rejected"]) == (2 * ORDERS, 2)  # the bad order's second line goes with it
    assert (events["read"], events["rejected"]) == (3 * EVENTS_PER_FILE, 1)
    assert [e["line"] for e in orders["examples"]] == [bad_order_line, bad_order_line + 1]


def test_within_budget_or_not_line_based_is_read_whole(tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_text("a,b\n1,2\n", encoding="utf-8")
    assert plan([small], 1 << 20) is None
    doc = tmp_path / "doc.json"
    doc.write_text("[" + ",".join('{"a": 1}' for _ in range(2000)) + "]", encoding="utf-8")
    assert plan([doc], 1024) is None  # a JSON document has no line to start a block at
    utf16 = tmp_path / "u.csv"
    utf16.write_text("a,b\n" + "1,2\n" * 2000, encoding="utf-16")
    assert plan([utf16], 1024) is None
    assert take([small], None, tmp_path, "x") is None


def test_blocks_are_evenly_spaced_over_the_files_as_one_stream() -> None:
    blocks = _positions([1000, 3000], 160)  # 16 blocks of 10 bytes over 4000 bytes
    assert len(blocks) == BLOCKS
    assert blocks[0] == (0, 0, 10) and blocks[-1] == (1, 2990, 10)
    assert sum(1 for f, _, _ in blocks if f == 0) == 4  # a quarter of the bytes, a quarter of the blocks
    assert _merged([(30, 10), (0, 10), (5, 10)]) == [(0, 15), (30, 10)]
