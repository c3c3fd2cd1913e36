"""store.fetch_arrays: query results as numpy arrays, without pandas (an optional extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from personacraft.store import fetch_arrays, scratch

SRC = Path(__file__).resolve().parents[1] / "src"


def test_enum_columns_come_back_as_text() -> None:
    con = scratch()
    try:
        got = fetch_arrays(
            con,
            "SELECT c::ENUM('a', 'b') AS \"kind\", n "
            "FROM (VALUES ('a', 1), (NULL, 2), ('b', NULL)) t(c, n) WHERE n > ?",
            [0],
        )
    finally:
        con.close()
    assert list(got) == ["kind", "n"] and isinstance(got["kind"], np.ndarray)
    assert got["kind"].tolist() == ["a", None] and got["n"].tolist() == [1, 2]


def test_without_pandas() -> None:
    """A process where pandas cannot be imported (as after `pip install personacraft`): ENUMs still read, and
    the API's DataFrames name the extra to install."""
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from personacraft.store import fetch_arrays, scratch\n"
        "from personacraft.errors import MissingExtraError, require_pandas\n"
        "con = scratch()\n"
        "print(fetch_arrays(con, \"SELECT 'x'::ENUM('x', 'y') AS e\")['e'].tolist())\n"
        "try:\n"
        "    require_pandas('pc.assign (it answers with a DataFrame)')\n"
        "except MissingExtraError as err:\n"
        "    print(err.exit_code, err)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "['x']",
        "9 pc.assign (it answers with a DataFrame) needs the optional extra [pandas]: "
        "run  pip install 'personacraft[pandas]'",
    ]


def test_a_workspace_from_before_fingerprints_still_opens(tmp_path: Path) -> None:
    """Runs recorded before ``build --if-changed`` have no fingerprint: read-only they read as None, and
    opening the workspace to build adds the column."""
    import duckdb

    from personacraft.store import Workspace

    path = tmp_path / "workspace.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, schema_name VARCHAR NOT NULL, "
        "created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL, config_hash VARCHAR, "
        "config_json VARCHAR, inputs_json VARCHAR, version VARCHAR, out_dir VARCHAR, summary_json VARCHAR, "
        "error VARCHAR)"
    )
    con.execute("INSERT INTO runs VALUES ('0001-x', 1, 'run_0001', now(), now(), 'succeeded', "
                "'h', '{}', '[]', '0.1.0', '/o/runs/0001-x', '{}', NULL)")  # fmt: skip
    con.close()
    with Workspace(path, read_only=True) as ws:
        assert ws.newest_succeeded() == {"run_id": "0001-x", "fingerprint": None, "out_dir": "/o/runs/0001-x"}
    with Workspace(path) as ws:
        run = ws.new_run(config_hash="h", config={}, inputs=[], version="0.1.0", fingerprint="abc")
        run.finish(out_dir="/o/runs/2", summary={})
        assert ws.newest_succeeded() == {"run_id": run.run_id, "fingerprint": "abc", "out_dir": "/o/runs/2"}
