"""An experiment export read as it is: CSV, TSV, Parquet or JSON lines into a temp table with each row's line.

For ``personacraft experiment FILE``, which needs no workspace: DuckDB reads the file (delimited
text with every cell as text, so the reading names the value that is not a number), and
``_xp_line`` is the line a spreadsheet shows (header = 1) for delimited text, the record number for
JSON lines and the row number for Parquet (read where it lies, through a view).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb

from personacraft.errors import InputFormatError, NotFoundError
from personacraft.sources.columns import lit
from personacraft.sources.reading.messages import duck_message

FILE_TABLE = "_xp_file"
REJECTS = "_xp_rejects"  # the rows DuckDB could not read
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
    delim = "\t" if kind == "tsv" else _delimiter(path)
    return (
        f"read_csv({p}, header = true, all_varchar = true, delim = {lit(delim)}, store_rejects = true, "
        f"rejects_table = '{REJECTS}', rejects_scan = '{REJECTS}_scan')"
    )


def _delimiter(path: Path) -> str:
    """The delimiter of a delimited file: the most frequent of , ; tab | in its header line (a comma by default).

    Given to DuckDB, so that a misshapen row is a reject with its line rather than a reason for the
    sniffer to read the file as one column."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.readline(1 << 16).decode("utf-8", errors="replace")
    except OSError:
        return ","
    counts = {d: head.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _misshapen(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Stop at the first row DuckDB could not split into the header's columns (a broken export)."""
    rows = con.execute(
        f"SELECT line, error_type, error_message, count(*) OVER () FROM {REJECTS} ORDER BY line LIMIT 1"
    ).fetchall()
    if rows:
        line, kind, message, n = rows[0]
        more = f"; {int(n) - 1:,} more rows like it" if int(n) > 1 else ""
        raise InputFormatError(
            path, f"has a row that does not fit the header ({str(kind).lower()}: {message}{more})", line=int(line),
            hint="export the file again, or fix its quoting",
        )  # fmt: skip


def load_file(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Read ``path`` into the temp table (a view for Parquet) :data:`FILE_TABLE`; return a relation of its
    columns and :data:`LINE`."""
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
        for table in (REJECTS, f"{REJECTS}_scan"):  # DuckDB adds to the rejects tables of an earlier read
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {FILE_TABLE} AS SELECT * FROM {reader(path)}")
        if kind in ("csv", "tsv"):
            _misshapen(con, path)
    except duckdb.Error as exc:
        raise InputFormatError(
            path, f"cannot be read as {_kind(path).upper()}", hint=f"DuckDB: {duck_message(exc)}"
        ) from exc
    # the table keeps the file's order: rowid gives the line without rewriting every row
    return f"(SELECT *, rowid + {2 if kind in ('csv', 'tsv') else 1} AS {LINE} FROM {FILE_TABLE})"
