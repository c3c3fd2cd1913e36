"""Reading files into a run: the structural pass, the value pass, raw tables and rejects.

Every cell is read as text by DuckDB first; rows with the wrong shape are rejects with the
line DuckDB reports. Typed columns are then parsed in SQL (:class:`Col`), and rows whose
value does not parse are rejects naming line, column and value. Nothing loops over rows
in Python. Line numbers count records the way a spreadsheet shows them (header = 1).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from personacraft.errors import InputFormatError, MissingColumnError
from personacraft.sources.columns import Col, lit, q
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.sources.base import Source


SNIFF_BYTES = 1 << 22
# a cell may be long (a pasted email thread); DuckDB's default limit is 2 MB per line
MAX_LINE = 1 << 26
# DuckDB reads in buffers of 16 lines of the longest size by default (1 GiB here); buffers of
# two long lines read 2M Shopify order lines in 2.0 s instead of 2.6 s (benchmarks/bench_ingest.py)
BUFFER = 2 * MAX_LINE
# names the reader gives columns of its own (DuckDB's row id, the line); a file column of
# that name is renamed, like a duplicate name, with a suffix
RESERVED = ("rowid", "_line")


def table_names(names: Sequence[str]) -> list[str]:
    """The names a table gives these file columns: DuckDB names are case-insensitive and
    :data:`RESERVED` names are taken, so a clash gets ``_1``, ``_2`` … as DuckDB's CSV
    reader names a repeated header; an empty name becomes ``column<i>``, as DuckDB names it."""
    seen = set(RESERVED)
    out = []
    for i, given in enumerate(names):
        name = given or f"column{i}"
        new, k = name, 0
        while new.lower() in seen:
            k += 1
            new = f"{name}_{k}"
        seen.add(new.lower())
        out.append(new)
    return out


def find_column(header: Sequence[str], name: str) -> str | None:
    """The header's spelling of ``name``: exact, then any case; a reserved name as renamed."""
    by_lower = {h.strip().lower(): h for h in reversed(header)}
    for candidate in (name, *table_names([name])):
        if candidate in header:
            return candidate
        if candidate.strip().lower() in by_lower:
            return by_lower[candidate.strip().lower()]
    return None


def duck_message(exc: BaseException) -> str:
    """DuckDB's message in one line, without its error-class prefix and hints."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "Conversion Error: ", "Binder Error: ", "IO Error: "):
        first = first.removeprefix(prefix)
    return first[:300]


def detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 (by its BOM), else cp1252 or latin-1."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
            return "utf-8"  # the sample ends inside a character
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


@contextmanager
def text_copy(path: Path, scratch: Path) -> Iterator[tuple[Path, str]]:
    """A file DuckDB can read, and the file's original encoding.

    UTF-8 is read in place; UTF-16 (Google Play exports), cp1252 or latin-1 (an Excel
    re-save) is transcoded to UTF-8 in ``scratch`` in streamed chunks, keeping its lines as
    they are; a byte that is not valid in the encoding becomes U+FFFD rather than failing.
    """
    encoding = detect_encoding(path)
    if encoding == "utf-8":
        yield path, encoding
        return
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{path.stem}.utf8{path.suffix}"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        for chunk in iter(lambda: src.read(1 << 22), b""):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    try:
        yield target, encoding
    finally:
        target.unlink(missing_ok=True)


def duck_path(src: Source, path: Path) -> str:
    """The SQL literal of the file DuckDB reads for ``path``: always UTF-8 (see text_copy)."""
    readable, _ = src.reading.get(path, (path, "utf-8"))
    return lit(str(readable))


def _raw_name(src: Source, run: Run, path: Path) -> str:
    """List the file in ``raw_files``; the name of its raw table (NULL there without ``keep_raw``)."""
    n = int(run.scalar(f"SELECT count(*) FROM {run.t('raw_files')} WHERE kind = ?", [src.kind]) or 0)
    name = f"raw_{src.kind}_{n + 1}"
    run.execute(
        f"INSERT INTO {run.t('raw_files')} VALUES (?, ?, ?, ?)",
        [name if src.keep_raw else None, src.label, src.kind, str(path)],
    )
    return name


def _raw_table(src: Source, run: Run, path: Path) -> tuple[str, str]:
    """The table a file's raw rows go to, and the start of its CREATE: the run's with ``keep_raw``,
    else a temporary one that goes with the load."""
    name = _raw_name(src, run, path)
    if src.keep_raw:
        return run.t(name), f"CREATE TABLE {run.t(name)}"
    return f"_{name}", f"CREATE OR REPLACE TEMP TABLE _{name}"


def keep_raw(
    src: Source,
    run: Run,
    path: Path,
    select: str,
    params: list[object] | None = None,
) -> str:
    """Store the rows of one file as read (``select``) and return the table that holds them.

    With ``src.keep_raw`` (the default) that is the run's table ``raw_<kind>_<n>``, listed in
    ``raw_files``; without, a temporary table that goes with the load (the file, named by its
    SHA-256 in the run's inputs, stays the record of what was read). Text files keep their
    lines instead (:func:`keep_lines`).
    """
    table, create = _raw_table(src, run, path)
    run.execute(f"{create} AS {select}", params)
    return table


def keep_lines(src: Source, run: Run, path: Path) -> str:
    """Store the physical lines of a text file as read, one text cell ``j`` each, in file order (a
    line's number is its rowid + 1), and return the table that holds them (as :func:`keep_raw`).

    The lines are stored with zstd: long text lines are written about twice as fast and six
    times smaller than with DuckDB's default (FSST). They are read with DuckDB's default line
    limit (2 MB), which reads 2M GA4 events in 1.1 s instead of 1.6 s; a file with a longer
    line is read again with room for lines of up to 64 MiB.
    """
    table, create = _raw_table(src, run, path)
    run.execute(f"{create} (j VARCHAR USING COMPRESSION zstd)")
    try:
        run.execute(f"INSERT INTO {table} {lines_of(src, path)}")
    except duckdb.Error as exc:  # a failed INSERT leaves the table empty
        if "maximum line size" not in str(exc).lower():
            raise
        run.execute(f"INSERT INTO {table} {lines_of(src, path, long=True)}")
    return table


def lines_of(src: Source, path: Path, *, long: bool = False) -> str:
    """SQL for the physical lines of a text file, one text cell ``j`` each (no delimiter or
    quote splits them), in file order; ``long``: lines may be up to 64 MiB (:data:`MAX_LINE`)."""
    limits = f", max_line_size = {MAX_LINE}, buffer_size = {BUFFER}" if long else ""
    return (
        f"SELECT j FROM read_csv({duck_path(src, path)}, columns = {{'j': 'VARCHAR'}}, "
        f"header = false, delim = '\\x1e', quote = '', escape = '', auto_detect = false, "
        f"strict_mode = false{limits})"
    )


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
    header: list[str] | None = None,
) -> list[str]:
    """Read a delimited file into table ``stage`` with typed columns and ``_line``.

    Returns the header as found. Columns in ``specs`` missing from the file are
    added as NULL unless required. ``aliases`` maps a spec name to other names the
    vendor has used for it (older export layouts). A caller that already read the
    ``header`` (with :func:`csv_header`, to check it) passes it, and its columns are resolved
    against that header.
    """
    found = cells(src, run, path, header)
    rename = resolve_columns(src, path, found.header, specs, aliases)
    load_cells(src, run, path, found, rename, specs, stage=stage)
    return found.header


def resolve_columns(
    src: Source, path: Path, header: list[str], specs: Mapping[str, Col], aliases: Mapping[str, Sequence[str]] | None
) -> dict[str, str]:
    """Map each spec name to the file's spelling of it (exact, then any case, then aliases)."""
    rename: dict[str, str] = {}
    for name in specs:
        base = name.split("@", 1)[0]
        for candidate in (base, *(aliases or {}).get(base, ())):
            found = find_column(header, candidate)
            if found is not None:
                rename[name] = found
                break
    missing = [n for n, c in specs.items() if (c.required or c.present) and n not in rename]
    if missing:
        raise MissingColumnError(path, missing, header, src.kind)
    return rename


def _read_cells(src: Source, path: Path, *, rejects: bool) -> str:
    """DuckDB's reader of every cell as text; with ``rejects``, misshapen rows go to ``_rej_errors``."""
    opts = f"header = true, all_varchar = true, parallel = true, max_line_size = {MAX_LINE}, buffer_size = {BUFFER}"
    if rejects:
        opts += ", strict_mode = true, store_rejects = true, rejects_table = '_rej_errors', rejects_scan = '_rej_scans'"
    else:
        opts += ", ignore_errors = true"
    return f"read_csv({duck_path(src, path)}, {opts})"


@dataclass(frozen=True)
class Cells:
    """A delimited file's cells as text, named as :func:`csv_header` names them (see :func:`cells`)."""

    rows: str  # subquery in file order with a NULL ``_line``; misshapen rows go to ``_rej_errors``
    sniff: str  # the same cells for a count (misshapen rows skipped, not noted)
    header: list[str]


def cells(src: Source, run: Run, path: Path, header: list[str] | None = None) -> Cells:
    """Keep the file's lines as read, and say how to read its cells.

    With ``src.keep_raw`` the physical lines go to the run's ``raw_<kind>_<n>`` (column ``j``,
    line = rowid + 1). The cells are read straight from the file into the stage
    (:func:`load_cells`): that costs less than keeping a table of every cell and parsing it,
    where DuckDB's dictionary vectors help but the extra table costs more (2M Shopify order
    lines: 2.4 s against 3.1 s, benchmarks/bench_ingest.py).
    """
    run.execute("DROP TABLE IF EXISTS _rej_errors")
    run.execute("DROP TABLE IF EXISTS _rej_scans")
    if src.keep_raw:
        keep_lines(src, run, path)
    else:
        _raw_name(src, run, path)
    reader = _read_cells(src, path, rejects=True)
    try:
        found = [d[0] for d in run.execute(f"SELECT * FROM {reader} LIMIT 0").description or []]
    finally:  # the sniff may have noted rejects of its sample; the read notes them again
        run.execute("DROP TABLE IF EXISTS _rej_errors")
        run.execute("DROP TABLE IF EXISTS _rej_scans")
    names = table_names(found)
    select = ", ".join(f"{q(old)} AS {q(new)}" for old, new in zip(found, names, strict=True))
    return Cells(
        rows=f"(SELECT NULL::BIGINT AS _line, {select} FROM {reader})",
        sniff=f"(SELECT {select} FROM {_read_cells(src, path, rejects=False)})",
        header=header or names,
    )


def load_cells(
    src: Source,
    run: Run,
    path: Path,
    cells: Cells,
    rename: Mapping[str, str],
    specs: Mapping[str, Col],
    *,
    stage: str,
) -> None:
    """Parse :func:`cells` into ``stage``: typed columns, ``_line``; misshapen rows and values
    that do not parse are rejects."""
    footer = None
    if src.footer:
        # report exports end with totals and notices: not rows, so neither read nor rejected
        head = cells.header
        rest = " AND ".join(f"{q(n)} IS NULL" for n in head[1:]) or "TRUE"
        footer = f"regexp_matches(coalesce({q(head[0])}, ''), {lit(src.footer)}) AND {rest}"
    checks = parse_values(src, run, cells.rows, rename, specs, stage=stage, sniff=cells.sniff, footer=footer)
    number_lines(src, run, path, stage)
    reject_values(src, run, path, stage, checks)


def number_lines(src: Source, run: Run, path: Path, stage: str) -> None:
    """Give each row of ``stage`` (made from :func:`cells`, in file order) its line; keep the
    structural rejects; drop footer rows; note how many rows the file holds.

    A row's line is 2 + its index + the structural rejects before it.
    """
    if src.footer:
        run.execute("DELETE FROM _rej_errors WHERE regexp_matches(csv_line, ?)", [src.footer])
    # structural rejects: one per record, with DuckDB's line and message
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, line, column_name, NULL, "
        "error_type || ': ' || error_message, csv_line "
        "FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS rn "
        "FROM _rej_errors) WHERE rn = 1",
        [src.label, str(path)],
    )
    n_struct = int(run.scalar("SELECT count(DISTINCT line) FROM _rej_errors") or 0)
    if not n_struct:
        run.execute(f"UPDATE {stage} SET _line = rowid + 2")
    else:
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
    if src.footer:  # load_cells marked the footer rows
        run.execute(f"DELETE FROM {stage} WHERE _footer")
        run.execute(f"ALTER TABLE {stage} DROP COLUMN _footer")
    n_ok = int(run.scalar(f"SELECT count(*) FROM {stage}") or 0)
    note_read(src, run, path, n_ok + n_struct)


def sniff_dates(run: Run, table: str, columns: Mapping[str, tuple[str, Col]]) -> dict[str, Col]:
    """For each date column (spec name -> file column and spec) whose formats hold day-first and
    month-first ones, keep those that parse more of its values; one pass over ``table`` counts all."""
    ambiguous = {}
    for name, (column, col) in columns.items():
        day = [f for f in col.formats if f.startswith(("%d/", "%d.", "%d-"))]
        month = [f for f in col.formats if f.startswith("%m/")]
        if day and month:
            ambiguous[name] = (column, day, month)
    out = {name: col for name, (_, col) in columns.items()}
    if not ambiguous:
        return out

    def hits(column: str, fmts: list[str]) -> str:
        v = f"nullif(trim({q(column)}), '')"
        return "count(try_strptime(" + v + ", [" + ", ".join(lit(f) for f in fmts) + "]))"

    counts = [f"{hits(column, day)}, {hits(column, month)}" for column, day, month in ambiguous.values()]
    rows = run.execute(f"SELECT {', '.join(counts)} FROM {table}").fetchall()
    found = rows[0] if rows else (0,) * (2 * len(ambiguous))
    for i, (name, (_, day, month)) in enumerate(ambiguous.items()):
        drop = set(month) if int(found[2 * i]) > int(found[2 * i + 1]) else set(day)
        out[name] = replace(out[name], formats=tuple(f for f in out[name].formats if f not in drop))
    return out


def value_pass(
    src: Source, run: Run, path: Path, rows: str, rename: Mapping[str, str], specs: Mapping[str, Col], *, stage: str
) -> None:
    """Parse the typed columns of ``rows`` (with their ``_line``) into ``stage``; rows whose
    value does not parse are rejects."""
    checks = parse_values(src, run, rows, rename, specs, stage=stage)
    reject_values(src, run, path, stage, checks)


Check = tuple[str, str, str, str]  # condition, column, raw value, reason


def parse_values(
    src: Source,
    run: Run,
    rows: str,
    rename: Mapping[str, str],
    specs: Mapping[str, Col],
    *,
    stage: str,
    sniff: str | None = None,
    footer: str | None = None,
) -> list[Check]:
    """Parse the typed columns of ``rows`` into ``stage``, with ``_bad`` (the number of the first
    failing check, see :func:`reject_values`) and ``_bad_val``; return the checks.

    Each value is parsed once; the checks compare the parsed value with the raw one. ``sniff``
    is what day-first or month-first dates are counted on (default ``rows``); ``footer``, a
    condition on the cells, is kept as ``_footer``.
    """
    dated = {n: (rename[n], c) for n, c in specs.items() if c.type in ("timestamp", "date") and n in rename}
    specs = {**specs, **sniff_dates(run, sniff or rows, dated)}

    def src_col(name: str) -> str:
        return q(rename[name]) if name in rename else "NULL::VARCHAR"

    parsed = [f"{c.parse(src_col(n))} AS {q(n)}" for n, c in specs.items()]
    if footer:
        parsed.append(f"{footer} AS _footer")
    raws, checks = [], []
    for k, (n, c) in enumerate(specs.items()):
        if n not in rename or "@" in n or not (c.required or c.type != "text"):
            continue
        raw = f"_raw{k}"
        raws.append(f"nullif(trim({src_col(n)}), '') AS {raw}")
        if c.required:
            checks.append((f"{raw} IS NULL", n, raw, "is empty, but the column is required"))
        if c.type != "text":
            checks.append((f"{raw} IS NOT NULL AND {q(n)} IS NULL", n, raw, c.problem()))
    inner = f"SELECT _line, {', '.join([*parsed, *raws])} FROM {rows}"
    if not checks:
        run.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS {inner}")
        return checks
    # the first failing check's number; its column, value and reason are looked up from it
    bad = "CASE " + " ".join(f"WHEN {cond} THEN {i}" for i, (cond, _, _, _) in enumerate(checks, 1)) + " END"
    bad_val = "CASE _bad " + " ".join(f"WHEN {i} THEN {r}" for i, (_, _, r, _) in enumerate(checks, 1)) + " END"
    drop = f" EXCLUDE ({', '.join(r.rsplit(' AS ', 1)[1] for r in raws)})" if raws else ""
    run.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT *{drop}, {bad_val} AS _bad_val "
        f"FROM (SELECT *, {bad} AS _bad FROM ({inner}))"
    )
    return checks


def reject_values(src: Source, run: Run, path: Path, stage: str, checks: Sequence[Check]) -> None:
    """Move the rows of ``stage`` that failed a check (:func:`parse_values`) to the rejects."""
    if not checks:
        return
    cols = "[" + ", ".join(lit(n) for _, n, _, _ in checks) + "]"
    whys = "[" + ", ".join(lit(p) for _, _, _, p in checks) + "]"
    moved = run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, {cols}[_bad], _bad_val, {whys}[_bad], NULL "
        f"FROM {stage} WHERE _bad IS NOT NULL",
        [src.label, str(path)],
    ).fetchone()
    if moved and moved[0]:
        run.execute(f"DELETE FROM {stage} WHERE _bad IS NOT NULL")


def reject_where(
    src: Source, run: Run, path: Path, stage: str, condition: str, column: str, value_sql: str, reason: str
) -> int:
    """Move rows of ``stage`` matching ``condition`` to the rejects, with a reason; return how many."""
    row = run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, ?, CAST({value_sql} AS VARCHAR), {reason}, NULL "
        f"FROM {stage} WHERE {condition}",
        [src.label, str(path), column],
    ).fetchone()
    moved = int(row[0]) if row else 0
    if moved:
        run.execute(f"DELETE FROM {stage} WHERE {condition}")
    return moved


def insert(src: Source, run: Run, table: str, path: Path, select: Mapping[str, str], from_sql: str) -> None:
    """INSERT canonical rows: ``select`` maps canonical column -> SQL expression."""
    cols = [*list(select), "_source", "_file", "_line"]
    exprs = [*list(select.values()), lit(src.label), lit(str(path)), "_line"]
    run.execute(
        f"INSERT INTO {run.t(table)} ({', '.join(q(c) for c in cols)}) SELECT {', '.join(exprs)} FROM {from_sql}"
    )


def read_json_lines(
    src: Source,
    run: Run,
    path: Path,
    *,
    stage: str,
    schema: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> None:
    """Read newline-delimited JSON into ``stage``: ``_line`` and ``j`` (the text) or, given a
    ``schema``, ``e`` = ``json_transform(j, schema)``; given ``columns`` too (name -> SQL
    over ``e``), those columns instead of ``e``, so the nested record is never stored.

    The lines are kept as read in the run; ``stage`` holds one row per valid line. Blank
    lines are not rows; a line that is not valid JSON (or, given a ``schema``, is ``null``)
    is a reject with its line.
    """
    kept = keep_lines(src, run, path)  # rowid + 1 is the line
    # a blank line is not a row ("   " fails as JSON below, which is cheaper than trimming every line)
    lines = f"(SELECT rowid + 1 AS _line, j FROM {kept} WHERE j IS NOT NULL AND j <> '')"
    note_read(src, run, path, int(run.scalar(f"SELECT count(*) FROM {lines}") or 0))
    # each line is checked and parsed in one pass; a line that is no JSON object is kept in _bad
    # json_transform fails on text that is not JSON: try() makes that NULL, parsing each line once
    # (checking it with json_valid first parsed it twice; 2M GA4 events 1.8 s -> 1.4 s)
    value, name = (
        (f"try(json_transform(j, {lit(schema)}))", "e") if schema else ("CASE WHEN json_valid(j) THEN j END", "j")
    )
    keep = ", ".join(f"{expr} AS {q(c)}" for c, expr in columns.items()) if columns and schema else name
    run.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT _line, {keep}, "
        f"CASE WHEN {name} IS NULL THEN _text END AS _bad "
        f"FROM (SELECT _line, j AS _text, {value} AS {name} FROM {lines})"
    )
    run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, '', left(_bad, 200), "
        "CASE WHEN json_valid(_bad) THEN 'is not a JSON object' ELSE 'is not valid JSON' END, NULL "
        f"FROM {stage} WHERE _bad IS NOT NULL",
        [src.label, str(path)],
    )
    run.execute(f"DELETE FROM {stage} WHERE _bad IS NOT NULL")


def csv_header(src: Source, run: Run, path: Path) -> list[str]:
    """The column names of a delimited file, as the run's tables hold them (see :func:`table_names`)."""
    file_sql = duck_path(src, path)
    try:
        cur = run.execute(
            f"SELECT * FROM read_csv({file_sql}, header = true, all_varchar = true, "
            f"ignore_errors = true, max_line_size = {MAX_LINE}) LIMIT 0"
        )
    except duckdb.Error as exc:
        raise InputFormatError(
            path, "cannot be read as a delimited text file", hint=f"DuckDB: {duck_message(exc)}"
        ) from exc
    return table_names([d[0] for d in cur.description or []])
