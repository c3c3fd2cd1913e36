"""An experiment export read as it is: CSV, TSV, Parquet or JSON lines into a temp table with each row's line.

For ``personacraft experiment FILE``, which needs no workspace: DuckDB reads the file (delimited
text with every cell as text, so the reading names the value that is not a number), and
``_xp_line`` is the line a spreadsheet shows (header = 1) for delimited text, the record number for
JSON lines and the row number for Parquet (read where it lies, through a view).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from personacraft.errors import InputFormatError, NotFoundError
from personacraft.sources.columns import lit
from personacraft.sources.reading.messages import duck_message

FILE_TABLE = "_xp_file"
LINE = "_xp_line"  # the column holding each row's line
_DELIMITED = (".csv", ".tsv", ".tab", ".txt")
_PARQUET = (".parquet", ".pq")
_JSON = (".jsonl", ".ndjson", ".json")


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".zst")]
    last = suffixes[-1] if suffixes else ""
    if last in _PARQUET:
        return "parquet"
    if last in _JSON:
        return "json"
    if last in (".tsv", ".tab"):
        return "tsv"
    return "csv"


def reader(path: Path) -> str:
    """The DuckDB table function reading ``path``, chosen by its extension (CSV when unknown)."""
    p = lit(str(path))
    kind = _kind(path)
    if kind == "parquet":
        return f"read_parquet({p})"
    if kind == "json":
        return f"read_json({p}, format = 'newline_delimited', records = true)"
    delim = ", delim = '\t'" if kind == "tsv" else ""
    return f"read_csv({p}, header = true, all_varchar = true, strict_mode = true{delim})"


def load_file(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Read ``path`` into the temp table (a view for Parquet) :data:`FILE_TABLE`, its columns and :data:`LINE`."""
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file.")
    if path.stat().st_size == 0:
        raise InputFormatError(path, "is empty: an experiment export needs a header and one row per exposed customer")
    kind = _kind(path)
    try:
        if kind == "parquet":  # read where it lies: Parquet gives each row's number
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {FILE_TABLE} AS SELECT * EXCLUDE (file_row_number), "
                f"file_row_number + 1 AS {LINE} FROM read_parquet({lit(str(path))}, file_row_number = true)"
            )
            con.execute(f"SELECT * FROM {FILE_TABLE} LIMIT 0")
            return FILE_TABLE
        con.execute(f"CREATE OR REPLACE TEMP TABLE {FILE_TABLE} AS SELECT * FROM {reader(path)}")
        con.execute(f"ALTER TABLE {FILE_TABLE} ADD COLUMN {LINE} BIGINT")
        con.execute(f"UPDATE {FILE_TABLE} SET {LINE} = rowid + {2 if kind in ('csv', 'tsv') else 1}")
    except duckdb.Error as exc:
        raise InputFormatError(
            path, f"cannot be read as {_kind(path).upper()}", hint=f"DuckDB: {duck_message(exc)}"
        ) from exc
    return FILE_TABLE
