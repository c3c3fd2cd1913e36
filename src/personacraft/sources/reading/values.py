"""Typed values from text cells: each parsed once, dates told day- or month-first, failures rejected.

A row whose value does not parse goes to the rejects with its line, column and value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from personacraft.sources.columns import Col, lit, q
from personacraft.sources.reading.files import FileLoad
from personacraft.store import Run

Check = tuple[str, str, str, str]  # condition, column, raw value, reason


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
    run: Run, file: FileLoad, rows: str, rename: Mapping[str, str], specs: Mapping[str, Col], *, stage: str
) -> None:
    """Parse the typed columns of ``rows`` (with their ``_line``) into ``stage``; rows whose
    value does not parse are rejects."""
    checks = parse_values(run, rows, rename, specs, stage=stage)
    reject_values(run, file, stage, checks)


def parse_values(
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


def reject_values(run: Run, file: FileLoad, stage: str, checks: Sequence[Check]) -> None:
    """Move the rows of ``stage`` that failed a check (:func:`parse_values`) to the rejects."""
    if not checks:
        return
    cols = "[" + ", ".join(lit(n) for _, n, _, _ in checks) + "]"
    whys = "[" + ", ".join(lit(p) for _, _, _, p in checks) + "]"
    moved = run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, {cols}[_bad], _bad_val, {whys}[_bad], NULL "
        f"FROM {stage} WHERE _bad IS NOT NULL",
        [file.source, str(file.path)],
    ).fetchone()
    if moved and moved[0]:
        run.execute(f"DELETE FROM {stage} WHERE _bad IS NOT NULL")
