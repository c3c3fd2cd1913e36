"""What a file held, kept as read: its raw table or physical lines in the run, and how many rows it had."""

from __future__ import annotations

import duckdb

from personacraft.engine.script import SparkScript, Statements
from personacraft.sources.reading.files import BUFFER, MAX_LINE, FileLoad
from personacraft.store import Run


def raw_name(run: Statements, file: FileLoad) -> str:
    """List the file in ``raw_files``; the name of its raw table (NULL there without ``keep_raw``)."""
    n = int(run.scalar(f"SELECT count(*) FROM {run.t('raw_files')} WHERE kind = ?", [file.kind]) or 0)
    name = f"raw_{file.kind}_{n + 1}"
    run.execute(
        f"INSERT INTO {run.t('raw_files')} VALUES (?, ?, ?, ?)",
        [name if file.keep_raw else None, file.source, file.kind, str(file.path)],
    )
    return name


def _raw_table(run: Statements, file: FileLoad) -> tuple[str, str]:
    """The table a file's raw rows go to, and the start of its CREATE: the run's with ``keep_raw``,
    else a temporary one that goes with the load."""
    name = raw_name(run, file)
    if file.keep_raw:
        return run.t(name), f"CREATE TABLE {run.t(name)}"
    return f"_{name}", f"CREATE OR REPLACE TEMP TABLE _{name}"


def keep_raw(run: Run, file: FileLoad, select: str, params: list[object] | None = None) -> str:
    """Store the rows of one file as read (``select``) and return the table that holds them.

    With ``file.keep_raw`` (the default) that is the run's table ``raw_<kind>_<n>``, listed in
    ``raw_files``; without, a temporary table that goes with the load (the file, named by its
    SHA-256 in the run's inputs, stays the record of what was read). Text files keep their
    lines instead (:func:`keep_lines`).
    """
    table, create = _raw_table(run, file)
    run.execute(f"{create} AS {select}", params)
    return table


def keep_lines(run: Statements, file: FileLoad) -> str:
    """Store the physical lines of a text file as read, one text cell ``j`` each, in file order (a
    line's number is its rowid + 1), and return the table that holds them (as :func:`keep_raw`).

    The lines are stored with zstd: long text lines are written about twice as fast and six
    times smaller than with DuckDB's default (FSST). They are read with DuckDB's default line
    limit (2 MB), which reads 2M GA4 events in 1.1 s instead of 1.6 s; a file with a longer
    line is read again with room for lines of up to 64 MiB. On Spark (a :class:`SparkScript`) the
    lines are read by Spark, with a ``rowid`` column (:meth:`SparkScript.read_lines`).
    """
    table, create = _raw_table(run, file)
    if isinstance(run, SparkScript):
        run.read_lines(table, file.readable)
        return table
    run.execute(f"{create} (j VARCHAR USING COMPRESSION zstd)")
    try:
        run.execute(f"INSERT INTO {table} {lines_of(file)}")
    except duckdb.Error as exc:  # a failed INSERT leaves the table empty
        if "maximum line size" not in str(exc).lower():
            raise
        run.execute(f"INSERT INTO {table} {lines_of(file, long=True)}")
    return table


def lines_of(file: FileLoad, *, long: bool = False) -> str:
    """SQL for the physical lines of a text file, one text cell ``j`` each (no delimiter or
    quote splits them), in file order; ``long``: lines may be up to 64 MiB (:data:`MAX_LINE`)."""
    limits = f", max_line_size = {MAX_LINE}, buffer_size = {BUFFER}" if long else ""
    return (
        f"SELECT j FROM read_csv({file.duck_path}, columns = {{'j': 'VARCHAR'}}, "
        f"header = false, delim = '\\x1e', quote = '', escape = '', auto_detect = false, "
        f"strict_mode = false{limits})"
    )


def note_read(run: Statements, file: FileLoad, n: int) -> None:
    """Note that the file holds ``n`` rows (read = accepted + rejected is checked against it)."""
    run.execute(f"INSERT INTO {run.t('read_counts')} VALUES (?, ?, ?)", [file.source, str(file.path), n])
