"""csv, parquet and jsonl with a table and a column map."""

import json
from pathlib import Path

import duckdb
import pytest

from personacraft.config import SourceConfig
from personacraft.errors import ConfigError
from personacraft.sources import make_source
from personacraft.store import Workspace
from tests.sources.conftest import Loader, rejects


def test_csv_with_a_column_map_and_day_first_dates(load: Loader) -> None:
    text = (
        "Customer ID;Purchase Date;Total Price;Order\n"
        "c1;31/01/2024 10:00;1.234,50;A1\n"
        "c2;02/02/2024 11:30;12;A2\n"
        "c3;not a date;5;A3\n"
    )
    acc, run = load_generic(
        load,
        "sales.csv",
        text,
        "orders",
        {"customer_id": "Customer ID", "ordered_at": "Purchase Date", "amount": "Total Price", "order_id": "Order"},
    )
    assert (acc.read, acc.accepted, acc.rejected) == (3, 2, 1)
    rows = run.dicts(f"SELECT customer_id, ordered_at, amount FROM {run.t('orders')} ORDER BY customer_id")
    assert [(r["customer_id"], str(r["ordered_at"]), r["amount"]) for r in rows] == [
        ("c1", "2024-01-31 10:00:00", 1234.5),
        ("c2", "2024-02-02 11:30:00", 12.0),
    ]
    [r] = rejects(run)
    assert (r["line"], r["column_name"], r["value"]) == (4, "ordered_at", "not a date")


def test_each_date_column_is_told_day_or_month_first_by_its_own_values(load: Loader) -> None:
    # two columns sniffed in one pass: the start is day-first (31/01), the end month-first (12/25)
    text = "sub,start,end\ns1,31/01/2024,12/25/2024\ns2,05/02/2024,01/02/2025\n"
    acc, run = load_generic(
        load, "subs.csv", text, "subscriptions", {"subscription_id": "sub", "started_at": "start", "canceled_at": "end"}
    )
    assert (acc.read, acc.accepted, acc.rejected) == (2, 2, 0)
    rows = run.dicts(f"SELECT started_at, canceled_at FROM {run.t('subscriptions')} ORDER BY subscription_id")
    assert [(str(r["started_at"])[:10], str(r["canceled_at"])[:10]) for r in rows] == [
        ("2024-01-31", "2024-12-25"),
        ("2024-02-05", "2025-01-02"),
    ]


def load_generic(load: Loader, name: str, content: str | bytes, table: str, columns: dict[str, str]):  # type: ignore[no-untyped-def]
    kind = name.rsplit(".", 1)[1]
    return load(kind, name, content, _table=table, _columns=columns)


def test_without_a_map_canonical_names_are_used(load: Loader) -> None:
    text = "EMAIL,Question,answer,extra\na@x.com,Age?,25-34,z\n"
    _, run = load_generic(load, "survey.csv", text, "survey_answers", {})
    [row] = run.dicts(f"SELECT email, question, answer FROM {run.t('survey_answers')}")
    assert row == {"email": "a@x.com", "question": "Age?", "answer": "25-34"}


def test_jsonl_and_parquet(load: Loader, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "t1", "who": "a@x.com", "at": "2024-05-01T10:00:00Z", "text": "Slow app", "stars": 2}),
        "{broken",
        json.dumps({"id": "t2", "who": "b@x.com", "at": "2024-05-02", "text": "Fine", "stars": "x"}),
    ]
    cols = {"text_id": "id", "email": "who", "created_at": "at", "body": "text", "rating": "stars"}
    acc, run = load_generic(load, "tickets.jsonl", "\n".join(lines) + "\n", "texts", cols)
    assert (acc.read, acc.accepted, acc.rejected) == (3, 1, 2)
    assert [(r["line"], r["column_name"]) for r in rejects(run)] == [(2, ""), (3, "rating")]
    pq = tmp_path / "orders.parquet"
    duckdb.sql(
        "SELECT 'o' || i AS oid, 'c' || i AS cid, 10.5 * i AS total, DATE '2024-01-01' + i::INTEGER AS d "
        "FROM range(3) t(i)"
    ).write_parquet(str(pq))
    acc, run = load_generic(
        load,
        "orders.parquet",
        pq.read_bytes(),
        "orders",
        {"order_id": "oid", "customer_id": "cid", "amount": "total", "ordered_at": "d"},
    )
    assert (acc.read, acc.accepted, acc.rejected) == (3, 3, 0)
    assert run.scalar(f"SELECT sum(amount) FROM {run.t('orders')}") == pytest.approx(31.5)


def test_bad_table_or_column_map_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        for table, cols, msg in [(None, {}, "needs table"), ("orders", {"plan": "a"}, "does not have")]:
            src = make_source(SourceConfig(kind="csv", path="x.csv", table=table, columns=cols), tmp_path)
            with pytest.raises(ConfigError, match=msg):
                src.load(run)


def test_columns_named_like_the_readers_own_are_read_not_refused(load: Loader, tmp_path: Path) -> None:
    # SQLite exports carry a "rowid" column; "_line" is the reader's own column name
    text = "rowid,_line,email,ROWID\n1,x,a@x.com,9\n2,y,bad-date-row@x.com,8\n"
    acc, run = load_generic(load, "people.csv", text, "customers", {"customer_id": "rowid", "email": "email"})
    assert (acc.read, acc.accepted, acc.rejected) == (2, 2, 0)
    rows = run.dicts(f"SELECT customer_id, email, _line FROM {run.t('customers')} ORDER BY _line")
    assert [(r["customer_id"], r["_line"]) for r in rows] == [("1", 2), ("2", 3)]
    # the file's lines are kept as read, header included (line = rowid + 1)
    [raw] = run.dicts(f"SELECT table_name FROM {run.t('raw_files')}")
    kept = run.execute(f"SELECT rowid + 1, j FROM {run.t(raw['table_name'])} ORDER BY rowid").fetchall()
    assert kept == [(i + 1, line) for i, line in enumerate(text.splitlines())]

    pq = tmp_path / "p.parquet"
    duckdb.sql("SELECT 'c' || i AS _line, 'e' || i || '@x.com' AS email FROM range(2) t(i)").write_parquet(str(pq))
    acc, run = load_generic(load, "p.parquet", pq.read_bytes(), "customers", {"customer_id": "_line", "email": "email"})
    assert (acc.read, acc.accepted) == (2, 2)
    assert run.scalar(f"SELECT string_agg(customer_id, ',' ORDER BY _line) FROM {run.t('customers')}") == "c0,c1"


def test_jsonl_keys_of_any_spelling(load: Loader) -> None:
    obj = {"": "empty", "\\": "backslash", "a/b": "slash", "_line": "c1", "Email": "a@x.com", "email": "b@x.com"}
    acc, run = load_generic(load, "people.jsonl", json.dumps(obj) + "\n", "customers", {"customer_id": "_line"})
    assert (acc.read, acc.accepted, acc.rejected) == (1, 1, 0)
    assert run.scalar(f"SELECT customer_id FROM {run.t('customers')}") == "c1"
    cols = [d[0] for d in run.execute("SELECT * FROM _kept_json LIMIT 0").description]
    assert cols == ["_line", "column0", "Email", "\\", "_line_1", "a/b", "email_1"]
    values = run.execute("SELECT * EXCLUDE (_line) FROM _kept_json").fetchone()
    assert values == ("empty", "a@x.com", "backslash", "c1", "slash", "b@x.com")
