"""Delimited text files into a stage: the header, the cells as text, structural rejects and line numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from personacraft.sources.columns import Col, lit, q
from personacraft.sources.reading.files import BUFFER, MAX_LINE, FileLoad
from personacraft.sources.reading.messages import unreadable
from personacraft.sources.reading.names import resolve_columns, table_names
from personacraft.sources.reading.raw import keep_lines, note_read, raw_name
from personacraft.sources.reading.values import parse_values, reject_values
from personacraft.store import Run


def csv_header(run: Run, file: FileLoad) -> list[str]:
    """The column names of a delimited file, as the run's tables hold them (see :func:`table_names`)."""
    try:
        cur = run.execute(
            f"SELECT * FROM read_csv({file.duck_path}, header = true, all_varchar = true, "
            f"ignore_errors = true, max_line_size = {MAX_LINE}) LIMIT 0"
        )
    except duckdb.Error as exc:
        raise unreadable(file.path, "cannot be read as a delimited text file", exc) from exc
    return table_names([d[0] for d in cur.description or []])


def read_csv(
    run: Run,
    file: FileLoad,
    specs: Mapping[str, Col],
    *,
    stage: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    header: list[str] | None = None,
) -> list[str]:
    """Read a delimited file into table ``stage`` with typed columns and ``_line``.

    Returns the header as found. Columns in ``specs`` missing from the file are
    added as NULL unless required. ``aliases`` maps a spec name to other names the
    vendor has used for it (older export layouts). A caller that already read the
    ``header`` (with :func:`csv_header`, to check it) passes it, and its columns are resolved
    against that header.
    """
    found = cells(run, file, header)
    rename = resolve_columns(file, found.header, specs, aliases)
    load_cells(run, file, found, rename, specs, stage=stage)
    return found.header


def read_cells(file: FileLoad, *, rejects: bool) -> str:
    """DuckDB's reader of every cell as text; with ``rejects``, misshapen rows go to ``_rej_errors``."""
    opts = f"header = true, all_varchar = true, parallel = true, max_line_size = {MAX_LINE}, buffer_size = {BUFFER}"
    if rejects:
        opts += ", strict_mode = true, store_rejects = true, rejects_table = '_rej_errors', rejects_scan = '_rej_scans'"
    else:
        opts += ", ignore_errors = true"
    return f"read_csv({file.duck_path}, {opts})"


@dataclass(frozen=True)
class Cells:
    """A delimited file's cells as text, named as :func:`csv_header` names them (see :func:`cells`)."""

    rows: str  # subquery in file order with a NULL ``_line``; misshapen rows go to ``_rej_errors``
    sniff: str  # the same cells for a count (misshapen rows skipped, not noted)
    header: list[str]


def cells(run: Run, file: FileLoad, header: list[str] | None = None) -> Cells:
    """Keep the file's lines as read, and say how to read its cells.

    With ``file.keep_raw`` the physical lines go to the run's ``raw_<kind>_<n>`` (column ``j``,
    line = rowid + 1). The cells are read straight from the file into the stage
    (:func:`load_cells`): that costs less than keeping a table of every cell and parsing it,
    where DuckDB's dictionary vectors help but the extra table costs more (2M Shopify order
    lines: 2.4 s against 3.1 s, benchmarks/bench_ingest.py).
    """
    run.execute("DROP TABLE IF EXISTS _rej_errors")
    run.execute("DROP TABLE IF EXISTS _rej_scans")
    if file.keep_raw:
        keep_lines(run, file)
    else:
        raw_name(run, file)
    reader = read_cells(file, rejects=True)
    try:
        found = [d[0] for d in run.execute(f"SELECT * FROM {reader} LIMIT 0").description or []]
    finally:  # the sniff may have noted rejects of its sample; the read notes them again
        run.execute("DROP TABLE IF EXISTS _rej_errors")
        run.execute("DROP TABLE IF EXISTS _rej_scans")
    names = table_names(found)
    select = ", ".join(f"{q(old)} AS {q(new)}" for old, new in zip(found, names, strict=True))
    return Cells(
        rows=f"(SELECT NULL::BIGINT AS _line, {select} FROM {reader})",
        sniff=f"(SELECT {select} FROM {read_cells(file, rejects=False)})",
        header=header or names,
    )


def load_cells(
    run: Run,
    file: FileLoad,
    cells: Cells,
    rename: Mapping[str, str],
    specs: Mapping[str, Col],
    *,
    stage: str,
) -> None:
    """Parse :func:`cells` into ``stage``: typed columns, ``_line``; misshapen rows and values
    that do not parse are rejects."""
    footer = None
    if file.footer:
        # report exports end with totals and notices: not rows, so neither read nor rejected
        head = cells.header
        rest = " AND ".join(f"{q(n)} IS NULL" for n in head[1:]) or "TRUE"
        footer = f"regexp_matches(coalesce({q(head[0])}, ''), {lit(file.footer)}) AND {rest}"
    checks = parse_values(run, cells.rows, rename, specs, stage=stage, sniff=cells.sniff, footer=footer)
    number_lines(run, file, stage)
    reject_values(run, file, stage, checks)


def set_lines(run: Run, stage: str) -> int:
    """Set ``_line`` of each row of ``stage`` (read by :func:`read_cells`, in file order) from the structural
    rejects in ``_rej_errors``: 2 + its index + the rejects before it. Returns how many lines were rejects."""
    n_struct = int(run.scalar("SELECT count(DISTINCT line) FROM _rej_errors") or 0)
    if not n_struct:
        run.execute(f"UPDATE {stage} SET _line = rowid + 2")
        return 0
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _rej_lines AS SELECT slot, max(shift) AS shift FROM ("
        "SELECT line - row_number() OVER (ORDER BY line) + 1 AS slot, "
        "row_number() OVER (ORDER BY line) AS shift "
        "FROM (SELECT DISTINCT line FROM _rej_errors)) GROUP BY slot"
    )
    run.execute(
        f"UPDATE {stage} SET _line = n.line FROM (SELECT r.rowid AS rid, "
        f"r.rowid + 2 + coalesce(j.shift, 0) AS line FROM {stage} r "
        f"ASOF LEFT JOIN _rej_lines j ON r.rowid + 2 >= j.slot) n WHERE {stage}.rowid = n.rid"
    )
    return n_struct


def number_lines(run: Run, file: FileLoad, stage: str) -> None:
    """Give each row of ``stage`` (made from :func:`cells`, in file order) its line; keep the
    structural rejects; drop footer rows; note how many rows the file holds.

    A row's line is 2 + its index + the structural rejects before it.
    """
    if file.footer:
        run.execute("DELETE FROM _rej_errors WHERE regexp_matches(csv_line, ?)", [file.footer])
    # structural rejects: one per record, with DuckDB's line and message
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, line, column_name, NULL, "
        "error_type || ': ' || error_message, csv_line "
        "FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS rn "
        "FROM _rej_errors) WHERE rn = 1",
        [file.source, str(file.path)],
    )
    n_struct = set_lines(run, stage)
    if file.footer:  # load_cells marked the footer rows
        run.execute(f"DELETE FROM {stage} WHERE _footer")
        run.execute(f"ALTER TABLE {stage} DROP COLUMN _footer")
    n_ok = int(run.scalar(f"SELECT count(*) FROM {stage}") or 0)
    note_read(run, file, n_ok + n_struct)
