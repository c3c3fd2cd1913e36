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
