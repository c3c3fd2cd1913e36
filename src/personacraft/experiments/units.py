"""The exposed units of an experiment: columns found, rows classified as used or excluded (why), groups pooled.

:func:`prepare` reads the caller's relation once into the temp table ``_xp_base``: per row its line,
variant, group, unit, and each outcome as an exact integer of micro-units (so sums do not depend on
the order DuckDB's threads add them) with its text when it is no number. ``_xp_dups`` holds the rows
of units seen more than once (found by a hash aggregate; only those rows are ranked), and the view
``_xp_units`` gives every row its ``_reason`` (NULL when the row is used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from personacraft.errors import InputFormatError
from personacraft.experiments import sql
from personacraft.sources.columns import lit, q

OTHER = "other"  # the pooled label of the groups too small to be shown alone
BLANK = "(blank)"  # the group of rows whose group column is empty
UNITS, GROUPS = "_xp_units", "_xp_groups"
BASE, DUPS = "_xp_base", "_xp_dups"
EXAMPLES = 5
MICRO = 1_000_000  # outcomes are read to 6 decimal places, as integers of micro-units
LIMIT = 10**15  # the largest outcome value read (its square in micro-units still sums in a HUGEINT)
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UTINYINT",
            "USMALLINT", "UINTEGER", "UBIGINT", "BOOLEAN")  # fmt: skip


def _columns(con: duckdb.DuckDBPyConnection, relation_sql: str, source: str) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation_sql}").fetchall()
    except duckdb.Error as exc:
        raise InputFormatError(source, "cannot be read", hint=f"DuckDB: {str(exc).splitlines()[0][:300]}") from exc
    return {str(r[0]): str(r[1]) for r in rows}


def _find(columns: Mapping[str, str], name: str, source: str, role: str) -> str:
    if name in columns:
        return name
    by_lower = {c.lower(): c for c in columns}
    if name.strip().lower() in by_lower:
        return by_lower[name.strip().lower()]
    shown = ", ".join(repr(c) for c in list(columns)[:12]) + (" …" if len(columns) > 12 else "")
    raise InputFormatError(
        source, f"has no column {name!r} (the {role})", line=1, column=name, hint=f"its columns are {shown}"
    )


def _number(col: str, kind: str) -> str:
    """SQL: the column in micro-units as HUGEINT (true/false/yes/no as 1/0 in text); NULL when it is not a
    finite number under :data:`LIMIT`. Integers add up exactly in any order: the reading is deterministic."""
    c = q(col)
    if kind.split("(")[0] in _NUMERIC:
        value = f"CAST({c} AS DOUBLE)"
    else:
        t = f"lower(trim({_as_text(col, kind)}))"
        value = (
            f"CASE WHEN {t} IN ('true', 'yes') THEN 1.0 WHEN {t} IN ('false', 'no') THEN 0.0 "
            f"ELSE TRY_CAST({t} AS DOUBLE) END"
        )
    return f"CASE WHEN isfinite({value}) AND abs({value}) < {LIMIT} THEN CAST(round({value} * {MICRO}) AS HUGEINT) END"


def _as_text(col: str, kind: str) -> str:
    """SQL: the column as text (a JSON string without its quotes)."""
    return f"({q(col)} ->> '$')" if kind == "JSON" else f"CAST({q(col)} AS VARCHAR)"


def _text(col: str, kind: str) -> str:
    return f"nullif(trim({_as_text(col, kind)}), '')"


def prepare(
    con: duckdb.DuckDBPyConnection,
    relation_sql: str,
    source: str,
    variant: str,
    outcomes: Sequence[str],
    group: str | None,
    unit: str | None,
    line: str | None,
) -> list[str]:
    """Create the units view (over the rows as read and the rows of repeated units); return the outcome columns."""
    cols = _columns(con, relation_sql, source)
    v = _find(cols, variant, source, "variant")
    found = [_find(cols, o, source, "outcome") for o in outcomes]
    g = _find(cols, group, source, "group") if group else None
    u = _find(cols, unit, source, "customer") if unit else None
    ln = _find(cols, line, source, "line") if line else None
    parts = [
        f"{q(ln) if ln else 'NULL::BIGINT'} AS _line",
        f"{_text(v, cols[v])} AS _variant",
        f"coalesce({_text(g, cols[g])}, {lit(BLANK)}) AS _group" if g else "NULL::VARCHAR AS _group",
        f"{_text(u, cols[u])} AS _unit" if u else "NULL::VARCHAR AS _unit",
    ]
    for i, o in enumerate(found):
        parts.append(f"{_number(o, cols[o])} AS _o{i}")
        parts.append(f"CASE WHEN {_number(o, cols[o])} IS NULL THEN {_as_text(o, cols[o])} END AS _raw{i}")
    order = "_line" if ln else ", ".join(f"_o{i}" for i in range(len(found)))
    con.execute(sql.BASE.format(base=BASE, columns=", ".join(parts), relation=relation_sql))
    if u:
        con.execute(sql.DUPLICATES.format(dups=DUPS, base=BASE, order=order))
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {DUPS} (_rid BIGINT, _mixed BOOLEAN, _repeat BIGINT)")
    reasons = ["WHEN _variant IS NULL THEN 'no variant'"]
    if u:
        reasons += [
            "WHEN _unit IS NULL THEN 'no customer'",
            "WHEN _mixed THEN 'customer in two or more variants'",
            "WHEN _repeat > 1 THEN 'repeated row of the same customer and variant'",
        ]
    for i, o in enumerate(found):
        reasons.append(f"WHEN _o{i} IS NULL AND _raw{i} IS NULL THEN {lit(f'no value in column {o!r}')}")
        reasons.append(f"WHEN _o{i} IS NULL THEN {lit(f'not a number in column {o!r}')}")
    reason = "CASE " + " ".join(reasons) + " END"
    con.execute(sql.UNITS.format(units=UNITS, base=BASE, dups=DUPS, reason=reason))
    return found


def exclusions(con: duckdb.DuckDBPyConnection, found: Sequence[str], variant: str) -> list[dict[str, Any]]:
    """The excluded rows per reason, each with examples naming line, column and value."""
    value = (
        "CASE "
        + " ".join(
            f"WHEN _reason LIKE {lit('%' + repr(o) + '%')} THEN {lit(o)} || '\x1f' || coalesce(_raw{i}, '')"
            for i, o in enumerate(found)
        )
        + f" ELSE {lit(variant)} || '\x1f' || coalesce(_variant, '') END"
    )
    example = f"struct_pack(line := _line, cv := {value}, customer := _unit)"
    rows = con.execute(sql.EXCLUDED.format(units=UNITS, example=example, examples=EXAMPLES)).fetchall()
    out = []
    for reason, n, examples in rows:
        shown = []
        for e in examples:
            column, _, val = str(e["cv"]).partition("\x1f")
            item: dict[str, Any] = {"line": e["line"], "column": column, "value": val}
            if reason.startswith(("customer", "repeated")):
                item = {"line": e["line"], "column": variant, "value": val}
            shown.append(item)
        out.append({"reason": str(reason), "rows": int(n), "examples": shown})
    return out


def pool(
    sizes: list[tuple[str | None, str, int]], arms: Sequence[str], min_group_size: int
) -> tuple[dict[str, str | None], dict[str, Any]]:
    """Which label each group gets: its own when every arm has ``min_group_size`` units, else "other";
    "other" is left out (label None) when one of its arms is still smaller. Returns the map and the count left out."""
    per: dict[str, dict[str, int]] = {}
    for g, v, n in sizes:
        if g is not None:
            per.setdefault(g, {})[v] = n
    label: dict[str, str | None] = {}
    pooled: dict[str, int] = dict.fromkeys(arms, 0)
    for g, counts in per.items():
        if min(counts.get(a, 0) for a in arms) >= min_group_size:
            label[g] = g
        else:
            label[g] = OTHER
            for a in arms:
                pooled[a] += counts.get(a, 0)
    small = [g for g, lab in label.items() if lab == OTHER]
    left_out = {"groups": 0, "units": 0}
    if small and min(pooled.values()) < min_group_size:
        for g in small:
            label[g] = None
        left_out = {"groups": len(small), "units": int(sum(sum(per[g].values()) for g in small))}
    return label, {"pooled_into_other": len(small) if not left_out["groups"] else 0, "left_out": left_out}
