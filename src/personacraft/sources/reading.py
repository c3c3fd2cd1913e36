"""Reading files into a run: the structural pass, the value pass, raw tables and rejects.

Every cell is read as text by DuckDB first; rows with the wrong shape are rejects with the
line DuckDB reports. Typed columns are then parsed in SQL (:class:`Col`), and rows whose
value does not parse are rejects naming line, column and value. Nothing loops over rows
in Python. Line numbers count records the way a spreadsheet shows them (header = 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from personacraft.errors import InputFormatError, MissingColumnError
from personacraft.sources.columns import Col, lit, q
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.sources.base import Source


def keep_raw(src: Source, run: Run, path: Path) -> str:
    """Register and name the run's raw table for one file: ``raw_<kind>_<n>``."""
    n = int(run.scalar(f"SELECT count(*) FROM {run.t('raw_files')} WHERE kind = ?", [src.kind]) or 0)
    name = f"raw_{src.kind}_{n + 1}"
    run.execute(f"INSERT INTO {run.t('raw_files')} VALUES (?, ?, ?, ?)", [name, src.label, src.kind, str(path)])
    return run.t(name)


def note_read(src: Source, run: Run, path: Path, n: int) -> None:
    run.execute(f"INSERT INTO {run.t('read_counts')} VALUES (?, ?, ?)", [src.label, str(path), n])


def read_csv(
    src: Source,
    run: Run,
    path: Path,
    specs: Mapping[str, Col],
    *,
    stage: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Read a delimited file into table ``stage`` with typed columns and ``_line``.

    Returns the header as found. Columns in ``specs`` missing from the file are
    added as NULL unless required. ``aliases`` maps a spec name to other names the
    vendor has used for it (older export layouts).
    """
    header = csv_header(run, path)
    rename: dict[str, str] = {}
    for name in specs:
        if name in header:
            continue
        for alt in (aliases or {}).get(name, ()):
            if alt in header:
                rename[name] = alt
                break
    missing = [n for n, c in specs.items() if (c.required or c.present) and n not in header and n not in rename]
    if missing:
        raise MissingColumnError(path, missing, header, src.kind)
    raw = f"_raw_{stage}"
    run.execute("DROP TABLE IF EXISTS _rej_errors")
    run.execute("DROP TABLE IF EXISTS _rej_scans")
    run.execute(
        f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({lit(str(path))}, "
        "header = true, all_varchar = true, store_rejects = true, "
        "rejects_table = '_rej_errors', rejects_scan = '_rej_scans', "
        "strict_mode = true, parallel = true)"
    )
    # structural rejects: one per record, with DuckDB's line and message
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, line, column_name, NULL, "
        "error_type || ': ' || error_message, csv_line "
        "FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS rn "
        "FROM _rej_errors) WHERE rn = 1",
        [src.label, str(path)],
    )
    n_struct = int(run.scalar("SELECT count(DISTINCT line) FROM _rej_errors") or 0)
    n_ok = int(run.scalar(f"SELECT count(*) FROM {raw}") or 0)
    note_read(src, run, path, n_ok + n_struct)
    # line of each accepted record = 2 + its index + structural rejects before it
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _rej_lines AS SELECT slot, max(shift) AS shift FROM ("
        "SELECT line - row_number() OVER (ORDER BY line) + 1 AS slot, "
        "row_number() OVER (ORDER BY line) AS shift "
        "FROM (SELECT DISTINCT line FROM _rej_errors)) GROUP BY slot"
    )

    def src_col(name: str) -> str:
        name = name.split("@", 1)[0]
        if name in header:
            return q(name)
        if name in rename:
            return q(rename[name])
        return "NULL::VARCHAR"

    parsed = ", ".join(f"{c.parse(src_col(n))} AS {q(n)}" for n, c in specs.items())
    checks = []
    for n, c in specs.items():
        s = src_col(n)
        if s == "NULL::VARCHAR" or "@" in n:
            continue
        raw_t = f"nullif(trim({s}), '')"
        if c.required:
            checks.append((f"{raw_t} IS NULL", n, s, "is empty, but the column is required"))
        if c.type != "text":
            checks.append((f"{raw_t} IS NOT NULL AND ({c.parse(s)}) IS NULL", n, s, c.problem()))
    if checks:
        bad_col = "CASE " + " ".join(f"WHEN {cond} THEN {lit(n)}" for cond, n, _, _ in checks) + " END"
        bad_val = "CASE " + " ".join(f"WHEN {cond} THEN {s}" for cond, _, s, _ in checks) + " END"
        bad_why = "CASE " + " ".join(f"WHEN {cond} THEN {lit(p)}" for cond, _, _, p in checks) + " END"
    else:
        bad_col = bad_val = bad_why = "NULL"
    # keep the rows as read (all text, with their line) in the run: the raw ingested table
    kept = keep_raw(src, run, path)
    run.execute(
        f"CREATE TABLE {kept} AS SELECT r._k + 2 + coalesce(j.shift, 0) AS _line, r.* EXCLUDE (_k) "
        f"FROM (SELECT rowid AS _k, * FROM {raw}) r ASOF LEFT JOIN _rej_lines j ON r._k + 2 >= j.slot "
        "ORDER BY _line"
    )
    run.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT _line, {bad_col} AS _bad_col, "
        f"{bad_val} AS _bad_val, {bad_why} AS _bad_why, {parsed} FROM {kept}"
    )
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, _bad_col, _bad_val, _bad_why, NULL "
        f"FROM {stage} WHERE _bad_col IS NOT NULL",
        [src.label, str(path)],
    )
    run.execute(f"DELETE FROM {stage} WHERE _bad_col IS NOT NULL")
    run.execute(f"DROP TABLE {raw}")
    return header


def reject_where(
    src: Source, run: Run, path: Path, stage: str, condition: str, column: str, value_sql: str, reason: str
) -> None:
    """Move rows of ``stage`` matching ``condition`` to the rejects, with a reason."""
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, ?, CAST({value_sql} AS VARCHAR), {reason}, NULL "
        f"FROM {stage} WHERE {condition}",
        [src.label, str(path), column],
    )
    run.execute(f"DELETE FROM {stage} WHERE {condition}")


def insert(src: Source, run: Run, table: str, path: Path, select: Mapping[str, str], from_sql: str) -> None:
    """INSERT canonical rows: ``select`` maps canonical column -> SQL expression."""
    cols = [*list(select), "_source", "_file", "_line"]
    exprs = [*list(select.values()), lit(src.label), lit(str(path)), "_line"]
    run.execute(
        f"INSERT INTO {run.t(table)} ({', '.join(q(c) for c in cols)}) SELECT {', '.join(exprs)} FROM {from_sql}"
    )


def csv_header(run: Run, path: Path) -> list[str]:
    """The column names of a delimited file, as DuckDB's sniffer reads them."""
    try:
        cur = run.execute(
            f"SELECT * FROM read_csv({lit(str(path))}, header = true, all_varchar = true, ignore_errors = true) LIMIT 0"
        )
    except Exception as exc:  # duckdb raises several error types for unreadable files
        raise InputFormatError(path, f"cannot be read as a delimited text file: {exc}") from exc
    return [d[0] for d in cur.description or []]
