"""Reading a source on Spark: the GA4 export's and Segment's statements through SparkScript give DuckDB's rows,
rejects and counts.

Every edge of each reader in one file (valid events, a truncated line, blank lines, a timestamp that is no number,
an event without a name, an array, ``null``, fields of the wrong type, numbers where text is expected, CRLF line
ends, non-ASCII text; for Segment every call type, duplicate deliveries, group calls, experiment views), read once
by each engine into its own run: every table the source feeds, the rejects (line, column, value, reason), the
accepted rows handled specially, the read counts, the accounting and the lines kept as read are equal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import SourceConfig
from personacraft.engine.spark import SparkEngine
from personacraft.sources import Accounting, make_source
from personacraft.store import Run, Workspace
from tests.sources.test_ga4 import event as ga4_event

from .conftest import LOCAL

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ga4_bigquery" / "events_20240301.ndjson"


def event(ts: Any, name: Any = "page_view", user_id: Any = "42", pseudo: Any = "111.222", **extra: Any) -> str:
    """The GA4 event of tests/sources/test_ga4.py with ``ts`` as given (text or a number), a session id that is a
    number, and non-ASCII text written as UTF-8 (not escaped)."""
    e = json.loads(ga4_event(0, name, user_id, pseudo))
    e["event_timestamp"] = ts
    e["event_params"][0]["value"]["int_value"] = 1700000000
    e["event_params"][1]["value"]["string_value"] += "?q=ü"
    e["geo"] = {"country": "Côte d'Ivoire", "city": "Abidjan"}
    return json.dumps(e | extra, ensure_ascii=False)


LINES = [
    event("1709251200000000"),
    '{"event_name": "page_view", "event_timestamp": ',  # truncated
    "",  # blank lines are not rows
    event("yesterday"),  # not microseconds
    event(1709251260000000, user_id=None),  # a number where the export has text
    event("1709251320000000", name=None),  # no event name
    "[1, 2, 3]",  # JSON, but not an object
    "null",
    "42",
    event("1709251380000000", device="desktop", geo=None, event_params="none"),  # fields of the wrong type
    event("1709251440000000", pseudo=12345, user_id=7),  # ids as numbers
    event("99999999999999999999"),  # out of range
    "   ",
    event("1709251500000000", traffic_source={"name": {"nested": True}, "medium": None, "source": "bing"}),
    event("1709251560000000").replace("page_view", "purchase"),
]


def call(kind: str, line: int, ts: Any = "2024-03-01T09:00:00.000Z", **fields: Any) -> str:
    base = {"type": kind, "userId": "u1", "anonymousId": "a1", "timestamp": ts, "messageId": f"m{line}"}
    return json.dumps(base | fields)


VIEW = {"event": "Experiment Viewed"}
SEGMENT = [
    call("identify", 1, traits={"email": "mia@acme.io", "name": "Mia van Chen", "title": "VP", "phone": "+1 415"}),
    call("track", 2, "2024-03-01T09:05:00.000+01:00", event="Report Exported", context={"campaign": {"source": "li"}}),
    call("page", 3, "2024-03-01T09:06:00Z", userId=None, name="Pricing", properties={"url": "https://app/p"}),
    call("track", 2, event="Report Exported"),  # a duplicate delivery of message m2
    call("group", 5, groupId="g1", traits={"name": "Acme", "industry": "Software", "employees": "250"}),
    call("group", 6, groupId=None),  # no groupId
    call("group", 7, userId=None, groupId="g2", traits={"company": "Beta", "employees": "2.5e2"}),
    call("track", 8, userId=None, anonymousId=None, event="Orphan"),
    call("track", 9, "not a time", event="Login"),
    call("Track", 10, "2024-03-01 09:10:00", event="Login"),
    call("screen", 11, "2024-03-01", name="Home", context={"device": {"type": "ios"}}),
    call("alias", 12, previousId="a1"),
    call("purchase", 13),  # not a call type
    call("track", 14, userId=42, event="Login", context={"traits": {"email": "x@y.z"}, "sessionId": 7}),
    "[1, 2]",
    '{"type": "track", ',
    call("track", 17, properties={"experiment_id": "e1", "variation_name": "A"}, **VIEW),
    call("track", 18, "2024-03-01T09:01:00Z", properties={"experiment_id": "e1", "variation_name": "A"}, **VIEW),
    call("track", 19, "2024-03-01T09:02:00Z", properties={"experiment_id": "e1", "variation_name": "B"}, **VIEW),
    call("track", 20, userId=None, properties={"experiment_name": "e2"}, **VIEW),
    call("identify", 21, None, traits={"firstName": "Ann", "lastName": "Lee", "employees": "abc"}),
    call("identify", 22, "1709280000"),
]


def read(
    tmp_path: Path, name: str, text: str | None, engine: SparkEngine | None, kind: str = "ga4_bigquery"
) -> tuple[Accounting, Run, Workspace]:
    path = tmp_path / name
    if text is not None:
        path.write_bytes(text.encode("utf-8"))
    ws = Workspace(tmp_path / f"{'spark' if engine else 'duckdb'}-{path.stem}.duckdb")
    run = ws.new_run(config_hash="t", config={}, inputs=[], version="test")
    namespace = "shopify" if kind == "ga4_bigquery" else "app"
    src = make_source(SourceConfig(kind=kind, path=name, options={"user_id_namespace": namespace}), tmp_path)
    acc = src.load(run, engine)
    assert acc.balanced, acc.to_dict()
    return acc, run, ws


def table(run: Run, name: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in run.execute(f"SELECT * FROM {run.t(name)} ORDER BY ALL").fetchall()]


def raw_lines(run: Run) -> list[tuple[str | None, list[str | None]]]:
    out = []
    for name, kind, path in run.execute(
        f"SELECT table_name, kind, file FROM {run.t('raw_files')} ORDER BY ALL"
    ).fetchall():
        lines = [r[0] for r in run.execute(f"SELECT j FROM {run.t(name)} ORDER BY rowid").fetchall()] if name else []
        out.append((f"{kind} {Path(path).name}", lines))
    return out


def same(
    tmp_path: Path, spark: Any, name: str, text: str | None, kind: str = "ga4_bigquery"
) -> tuple[Accounting, dict[str, list[tuple[Any, ...]]]]:
    """Read the file on each engine; DuckDB's accounting and its tables (equal to Spark's)."""
    engine = SparkEngine(LOCAL, session=spark)
    duck_acc, duck, duck_ws = read(tmp_path, name, text, None, kind)
    spark_acc, on_spark, spark_ws = read(tmp_path, name, text, engine, kind)
    try:
        assert spark_acc.to_dict() == duck_acc.to_dict()
        fed = ("events", "customers", "accounts", "experiments") if kind == "segment_events" else ("events",)
        tables = {t: table(duck, t) for t in (*fed, "rejects", "handled", "read_counts")}
        for t in tables:
            assert table(on_spark, t) == tables[t], t
            described = f"DESCRIBE {duck.t(t)}"
            assert on_spark.execute(described.replace(duck.schema, on_spark.schema)).fetchall() == (
                duck.execute(described).fetchall()
            )
        assert raw_lines(on_spark) == raw_lines(duck)
    finally:
        spark_ws.close()
        duck_ws.close()
    return duck_acc, tables


def test_every_edge_of_the_ga4_reader_is_read_alike(tmp_path: Path, spark: Any) -> None:
    acc, _ = same(tmp_path, spark, "events.ndjson", "\n".join(LINES) + "\n")
    assert (acc.read, acc.accepted, acc.rejected) == (14, 6, 8)  # "   " is a row that is not JSON; "" is no row


def test_every_edge_of_the_segment_reader_is_read_alike(tmp_path: Path, spark: Any) -> None:
    acc, tables = same(tmp_path, spark, "calls.jsonl", "\n".join(SEGMENT) + "\n", "segment_events")
    assert (acc.read, acc.accepted, acc.rejected) == (len(SEGMENT), 13, 9), acc.reasons
    assert len(tables["experiments"]) == 1 and len(tables["handled"]) == 3  # the first view counts; 3 handled
    assert len(tables["customers"]) == 2 and len(tables["accounts"]) == 2  # identify u1; group u1 (line 5)


def test_crlf_line_ends_and_no_final_newline(tmp_path: Path, spark: Any) -> None:
    same(tmp_path, spark, "crlf.ndjson", "\r\n".join(LINES[:6]))


def test_the_vendor_fixture(tmp_path: Path, spark: Any) -> None:
    acc, _ = same(tmp_path, spark, "events_20240301.ndjson", FIXTURE.read_text(encoding="utf-8"))
    assert (acc.read, acc.accepted, acc.rejected) == (4, 2, 2)


def test_json_only_duckdb_accepts_is_a_counted_reject_on_spark(tmp_path: Path, spark: Any) -> None:
    """DuckDB's JSON reader takes a trailing comma; Spark's does not. The line is then a reject on Spark, with its
    line and reason, never a row lost or a different event (docs/spark.md)."""
    text = event("1709251200000000")[:-1] + ", }\n" + event("1709251200000000") + "\n"
    duck_acc, _, duck_ws = read(tmp_path, "lenient.ndjson", text, None)
    spark_acc, run, spark_ws = read(tmp_path, "lenient.ndjson", None, SparkEngine(LOCAL, session=spark))
    try:
        assert (duck_acc.read, duck_acc.accepted) == (2, 2)
        assert (spark_acc.read, spark_acc.accepted, spark_acc.rejected) == (2, 1, 1)
        assert [(r["line"], r["reason"]) for r in run.dicts(f"SELECT * FROM {run.t('rejects')}")] == [
            (1, "is not valid JSON")
        ]
    finally:
        duck_ws.close()
        spark_ws.close()


def test_lines_are_numbered_in_file_order_across_partitions(tmp_path: Path, spark: Any) -> None:
    """A file Spark splits into many partitions: every line's rowid is its place in the file (the line number - 1),
    blank lines included, and there are no gaps."""
    from personacraft.engine.script import SparkScript

    n = 60_000
    path = tmp_path / "lines.txt"
    path.write_text("".join("\n" if i % 1000 == 7 else f"{i}\n" for i in range(n)), encoding="utf-8")
    ws = Workspace(tmp_path / "ws.duckdb")
    run = ws.new_run(config_hash="t", config={}, inputs=[], version="test")
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16k")  # about 20 partitions
    try:
        with SparkScript(SparkEngine(LOCAL, session=spark), run) as script:
            script.read_lines("lines", path)
            assert spark.table("lines").rdd.getNumPartitions() > 5
            got = script.numpy("SELECT rowid, j FROM lines ORDER BY rowid")
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
        ws.close()
    assert got["rowid"].tolist() == list(range(n))
    assert [j for i, j in enumerate(got["j"]) if i % 1000 == 7] == [None] * (n // 1000)
    assert all(j == str(i) for i, j in enumerate(got["j"]) if i % 1000 != 7)
