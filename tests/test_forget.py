"""``personacraft forget`` on small fixtures: bad input, the table guard, the row passes, the erasure files.

The end-to-end proof on both demos (every table and file searched) is ``tests/test_forget_search.py``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from personacraft import erasure
from personacraft.errors import ForgetCoverageError, InputFormatError, SourceNotFoundError
from personacraft.forget import people
from personacraft.forget.files import scrub
from personacraft.forget.run import _delete
from personacraft.forget.tables import plan, tables

CLI = [sys.executable, "-m", "personacraft"]


# -- the list file -----------------------------------------------------------------------------------------------
def test_a_list_with_a_header_and_blank_lines_reads_one_key_per_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("email\na@x.example\n\n 400000000078 \n+1 (201) 555-0001\n", encoding="utf-8")
    assert people.read_list(path) == ["a@x.example", "400000000078", "+1 (201) 555-0001"]


@pytest.mark.parametrize(
    ("text", "line", "value", "problem"),
    [
        ("email\na@x.example\nb@x.example,extra\n", 3, "b@x.example,extra", "more than one value"),
        ("a@x.example\nnot-an@email\n", 2, "not-an@email", "is not an email"),
        ("a@x.example\n,b@x.example\n", 2, ",b@x.example", "empty key"),
    ],
)
def test_a_malformed_list_names_the_file_the_line_and_the_value(
    tmp_path: Path, text: str, line: int, value: str, problem: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        people.read_list(path)
    assert err.value.line == line and err.value.value == value
    assert "people.csv" in str(err.value) and problem in str(err.value)


def test_a_list_that_is_not_text_or_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"a@x.example\n\xff\xfe\x00\n")
    with pytest.raises(InputFormatError, match=r"bin\.csv, line 2: is not UTF-8"):
        people.read_list(path)
    with pytest.raises(SourceNotFoundError, match=r"nope\.csv"):
        people.read_list(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("email\n\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="holds no key"):
        people.read_list(tmp_path / "empty.csv")


def test_keys_become_the_nodes_identity_resolution_writes() -> None:
    assert people.read_key(" Ann@X.Example ").nodes == (("email:ann@x.example", False),)
    nodes = dict(people.read_key("usr_6").nodes)
    assert "id:usr_6" in nodes and nodes["id:%:usr\\_6"] is True
    assert ("phone:+14155550101", False) in people.read_key("+1 415 555 0101").nodes


# -- a small workspace -------------------------------------------------------------------------------------------
def workspace(con: duckdb.DuckDBPyConnection) -> None:
    """One run: identity, customers, orders and their lines, texts and their themes, a raw table, rejects."""
    con.execute("CREATE SCHEMA run_0001")
    s = "run_0001"
    con.execute(
        f"CREATE TABLE {s}.identity AS SELECT * FROM (VALUES ('id:shop:1', 'shop:1'), "
        "('email:ann@x.example', 'shop:1'), ('anon:ga:a1', 'shop:1'), ('phone:+14155550101', 'shop:1'), "
        "('id:shop:2', 'shop:2'), ('email:bob@x.example', 'shop:2')) t(node, customer_key)"
    )
    con.execute(f"CREATE TABLE {s}.phones AS SELECT '415-555-0101' AS raw, 'US' AS country, '+14155550101' AS e164")
    con.execute(
        f"CREATE TABLE {s}.customers AS SELECT * FROM (VALUES ('shop:1', 'Ann@x.example', '415-555-0101', "
        "'f.csv', 2), ('shop:2', 'bob@x.example', NULL, 'f.csv', 3)) t(customer_id, email, phone, _file, _line)"
    )
    con.execute(
        f"CREATE TABLE {s}.orders AS SELECT * FROM (VALUES ('o1', 'shop:1', NULL), ('o2', NULL, "
        "'bob@x.example')) t(order_id, customer_id, email)"
    )
    con.execute(
        f"CREATE TABLE {s}.order_lines AS SELECT * FROM (VALUES ('o1', 'tee', 'o.csv', 2), "
        "('o2', 'cap', 'o.csv', 3)) t(order_id, product, _file, _line)"
    )
    con.execute(
        f"CREATE TABLE {s}.text_themes AS SELECT * FROM (VALUES ('t1', 'shop:1', 'The seams came apart "
        "after one wash.'), ('t2', 'shop:2', 'Lovely fabric, fits well.')) t(text_id, customer_key, body_redacted)"
    )
    con.execute(
        f"CREATE TABLE {s}.events AS SELECT * FROM (VALUES ('ga:a1', 'view'), ('ga:b2', 'view')) "
        "t(anonymous_id, event_name)"
    )
    con.execute(
        f"CREATE TABLE {s}.raw_files AS SELECT 'raw_csv_1' AS table_name, 'csv:f' AS source, 'csv' AS kind, "
        "'f.csv' AS file"
    )
    con.execute(
        f"CREATE TABLE {s}.raw_csv_1 AS SELECT * FROM (VALUES ('id,email'), ('1,ann@x.example'), "
        "('2,bob@x.example')) t(j)"
    )
    con.execute(
        f"CREATE TABLE {s}.rejects AS SELECT * FROM (VALUES ('csv:f', 'f.csv', 9, 'date', 'x', 'bad', "
        "'1,\"ANN@x.example\",x'), ('csv:f', 'f.csv', 10, 'date', 'y', 'bad', '2,bob@x.example,y')) "
        "t(source, file, line, column_name, value, reason, raw)"
    )
    con.execute(f"CREATE TABLE {s}.segment_theta (persona INTEGER, j BIGINT, theta DOUBLE)")
    con.execute(f"CREATE TABLE {s}.accounting (source VARCHAR, accounting VARCHAR)")
    con.execute(f"""INSERT INTO {s}.accounting VALUES ('csv:f', '{{"read": 3, "examples": [{{"file": "f.csv",
        "line": 9, "value": "x"}}, {{"file": "f.csv", "line": 10, "value": "y"}}]}}')""")


def test_forget_removes_every_row_of_the_person_and_nothing_else() -> None:
    con = duckdb.connect()
    workspace(con)
    found = plan(tables(con))
    assert people.find(con, [people.read_key("1")], ["run_0001"]) == {0: 1}  # a bare id finds shop:1
    rows: dict[str, int] = {}
    texts, _lines = _delete(con, found, rows)
    assert rows == {
        "run_0001.identity": 4,
        "run_0001.customers": 1,
        "run_0001.orders": 1,
        "run_0001.order_lines": 1,  # through its order
        "run_0001.text_themes": 1,
        "run_0001.events": 1,  # through the cookie
        "run_0001.raw_csv_1": 1,  # the line as read
        "run_0001.rejects": 1,  # the rejected line, whatever its case and quotes
        "run_0001.phones": 1,  # their number in the phone map
    }
    assert "The seams came apart after one wash." in texts
    left = " ".join(str(r) for t in found for r in con.execute(f"SELECT * FROM {t.qualified}").fetchall())
    assert "ann@" not in left.lower() and "shop:1" not in left and "a1'" not in left
    assert "bob@x.example" in left and "Lovely fabric" in left and "'line': 10" not in left
    assert '"line": 9' not in left and '"line": 10' in left  # its reject example went from the accounting


def test_a_table_forget_cannot_read_stops_it_before_anything_goes() -> None:
    con = duckdb.connect()
    workspace(con)
    con.execute("CREATE TABLE run_0001.loyalty_members (member VARCHAR, points BIGINT)")
    with pytest.raises(ForgetCoverageError, match=r"run_0001\.loyalty_members"):
        plan(tables(con))


def test_nobody_found_by_unknown_keys() -> None:
    con = duckdb.connect()
    workspace(con)
    plan(tables(con))
    assert people.find(con, [people.read_key("zed@x.example"), people.read_key("999")], ["run_0001"]) == {0: 0, 1: 0}


def test_scrub_drops_their_quotes_and_reject_examples_only() -> None:
    doc = {
        "pains": [{"label": "Seams", "quotes": ["Mine.", "Other."], "quote": "Mine."}],
        "traits": [{"value": "Mine."}],
        "examples": [{"file": "f.csv", "line": 9}, {"file": "f.csv", "line": 10}],
    }
    after, gone = scrub(doc, {"Mine."}, {("f.csv", 9)})
    assert gone == 3
    assert after["pains"][0] == {"label": "Seams", "quotes": ["Other."], "quote": None}
    assert after["traits"] == [{"value": "Mine."}]  # a trait reads like a text but is an aggregate
    assert after["examples"] == [{"file": "f.csv", "line": 10}]


# -- the erasure files -------------------------------------------------------------------------------------------
def test_the_salt_is_private_and_the_lists_hold_hashes(tmp_path: Path) -> None:
    ws = tmp_path / ".personacraft" / "workspace.duckdb"
    assert erasure.salt(ws) is None
    salt = erasure.salt(ws, create=True)
    assert salt and erasure.salt(ws) == salt and len(salt) == 64
    assert stat.S_IMODE(os.stat(ws.parent / erasure.SALT_FILE).st_mode) == 0o600
    h = erasure.digest(salt, "email:ann@x.example")
    assert erasure.add_suppressed(ws, [h, h]) == 1 and erasure.add_suppressed(ws, [h]) == 0
    assert erasure.suppressed(ws) == {h} and "ann" not in (ws.parent / erasure.SUPPRESSED_FILE).read_text()
    assert erasure.suppression_digest(ws)
    assert erasure.generation(ws) == 0 and erasure.bump_generation(ws) == 1 and erasure.generation(ws) == 1
    erasure.append_log(ws, {"keys": [h]})
    with (ws.parent / erasure.LOG_FILE).open("a", encoding="utf-8") as f:
        f.write('{"cut')
    assert erasure.read_log(ws) == [{"keys": [h]}]


# -- the command -------------------------------------------------------------------------------------------------
@pytest.mark.slow  # two processes that import the whole CLI: seconds each on a busy machine
def test_the_command_names_a_bad_list_and_wants_a_key(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("a@x.example\nb@x.example,c@x.example\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run(
        [*CLI, "forget", "--file", str(listing), "--config", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 3 and "list.csv, line 2" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [*CLI, "forget", "--config", str(tmp_path / "none.toml")], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2 and "at least one" in done.stderr


# -- a forget cut short ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("committed", [True, False])
def test_a_forget_cut_short_is_finished_or_undone(tmp_path: Path, committed: bool) -> None:
    from personacraft.forget import journal
    from personacraft.store import Workspace

    run_dir = tmp_path / "out" / "runs" / "0001-x"
    run_dir.mkdir(parents=True)
    (run_dir / "assignments.csv").write_text("old\n", encoding="utf-8")
    staged = run_dir.with_name(".0001-x.forget")
    staged.mkdir()
    (staged / "assignments.csv").write_text("new\n", encoding="utf-8")
    with Workspace(tmp_path / ".personacraft" / "workspace.duckdb") as ws:
        ws.con.execute(journal.MARKS_DDL)
        doc = {"token": "t1", "moves": [[str(staged), str(run_dir)]], "publish": None, "record": {"people": 1}}
        journal.write(ws, doc)
        if committed:
            ws.con.execute("INSERT INTO erasure_marks VALUES ('t1', now())")
            # killed half-way through the renames: the old folder moved aside, the copy not yet in place
            run_dir.rename(run_dir.with_name(".0001-x.forget-old"))
        done = journal.recover(ws)
        assert done is not None and ("finished" in done) == committed
        assert not journal.path(ws).exists() and not staged.exists()
    assert (run_dir / "assignments.csv").read_text(encoding="utf-8") == ("new\n" if committed else "old\n")
    assert sorted(p.name for p in run_dir.parent.iterdir()) == ["0001-x"]
    assert len(erasure.read_log(tmp_path / ".personacraft" / "workspace.duckdb")) == int(committed)


# -- the suppression list at ingest ------------------------------------------------------------------------------
def test_the_next_ingest_leaves_the_forgotten_out_and_counts_them(tmp_path: Path) -> None:
    from tests.test_ingest import _ingest, _setup

    cfg = _setup(tmp_path)
    first, rows = _ingest(cfg)
    assert len(rows) == 3 and first.suppressed == 0
    ws = tmp_path / ".personacraft" / "workspace.duckdb"
    salt = erasure.salt(ws, create=True)
    assert salt
    # what forget adds for Bob: his nodes, and the fields a line of his holds
    erasure.add_suppressed(
        ws, [erasure.digest(salt, v) for v in ("id:shopify:2", "email:bob@x.com", "token:bob.ray@x.com", "token:2")]
    )
    again, rows = _ingest(cfg)
    assert again.reused_from is None  # the list changed since: read again
    assert [r["customer_id"] for r in rows] == ["shopify:1", "shopify:3"]
    assert (again.read, again.accepted, again.rejected, again.suppressed) == (4, 2, 0, 2) and again.balanced
    con = duckdb.connect(str(ws), read_only=True)
    raw = " ".join(
        str(r)
        for (t,) in con.execute("SELECT table_name FROM run_0002.raw_files WHERE table_name IS NOT NULL").fetchall()
        for r in con.execute(f"SELECT * FROM run_0002.{t}").fetchall()
    )
    con.close()
    assert "bob" not in raw.lower() and "ann@x.com" in raw
