"""What one source holds: per table it feeds, rows, the share of empty cells per mapped column, and the dates.

A column is *mapped* when the source fills it in at least one row, or when the source's config maps
it (``[sources.columns]`` of a generic source): a mapped column that is always empty is shown, since
it usually means a wrong mapping. Each table is read in one pass (:data:`~personacraft.inspection.sql.PROFILE`).
"""

from __future__ import annotations

from typing import Any

from personacraft.inspection import sql
from personacraft.schema import CANONICAL
from personacraft.sources import Source
from personacraft.store import Run


def date_column(table: str) -> str | None:
    """The table's main date: its first timestamp or date column (not a wall-clock copy, not a birth date)."""
    for col, kind in CANONICAL[table].items():
        if kind in ("TIMESTAMP", "DATE") and not col.endswith("_local") and col != "birth_date":
            return col
    return None


def _quoted(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def table_profile(run: Run, src: Source, table: str) -> dict[str, Any]:
    """``{table, rows, columns: {column: empty_share}, unmapped, date_column, first, last}`` of one table."""
    cols = list(CANONICAL[table])
    when = date_column(table)
    parts = ["count(*) AS n", *(f"count({_quoted(c)}) AS c{i}" for i, c in enumerate(cols))]
    if when is not None:
        parts += [f"min({_quoted(when)}) AS first", f"max({_quoted(when)}) AS last"]
    row = run.dicts(sql.PROFILE.format(columns=", ".join(parts), table=run.t(table)), [src.label])[0]
    n = int(row["n"])
    configured = set(getattr(src.config, "columns", {}) or {})
    mapped = {c: int(row[f"c{i}"]) for i, c in enumerate(cols) if row[f"c{i}"] or c in configured}
    return {
        "table": table,
        "rows": n,
        "empty_share": {c: round(1 - filled / n, 4) if n else None for c, filled in mapped.items()},
        "unmapped": [c for c in cols if c not in mapped],
        "date_column": when,
        "first": _iso(row.get("first")),
        "last": _iso(row.get("last")),
    }


def _iso(value: Any) -> str | None:
    """A date or timestamp as ISO text (``2024-03-01 09:15:00``)."""
    return None if value is None else str(value)


def source_profile(run: Run, src: Source) -> dict[str, Any]:
    """Every table ``src`` feeds, profiled, and the source's overall date range."""
    tables = [table_profile(run, src, t) for t in src.feeds() if t in CANONICAL]
    firsts = [t["first"] for t in tables if t["first"]]
    lasts = [t["last"] for t in tables if t["last"]]
    return {
        "tables": tables,
        "date_range": {"from": min(firsts), "to": max(lasts)} if firsts and lasts else None,
    }
