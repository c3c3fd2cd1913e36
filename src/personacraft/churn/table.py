"""Read a one-row-per-customer table (a CSV or a pandas DataFrame) for the churn model: features, label and ids.

Every column but the label and the id is a feature: numeric when every non-blank value
casts to a number, else a category; blanks are missing. A DataFrame is read as a file
would be, each value as its text. Used by ``personacraft churn``, :func:`personacraft.churn.fit`
and the Telco benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from personacraft.churn import sql
from personacraft.clv.transactions import Source, pick_column, read_source
from personacraft.errors import InputFormatError
from personacraft.sources.columns import q
from personacraft.store import fetch_arrays, scratch

# target values read as "churned" when --positive is not given, each with its "stayed" twin
POSITIVE = {"yes": "no", "true": "false", "1": "0", "y": "n", "t": "f", "churned": "active"}


@dataclass(frozen=True)
class ChurnTable:
    """One row per customer: the features, the label (1 = churned) and the customer ids."""

    columns: dict[str, np.ndarray]
    y: np.ndarray
    ids: np.ndarray
    id_name: str


def read_table(
    source: Source, target: str, id_col: str | None = None, sep: str = ",", positive: str | None = None
) -> ChurnTable:
    """Read a CSV with a header (or a DataFrame): ``target`` as the label, every other column but ``id_col`` a feature.

    A column is numeric when every non-blank value reads as a number, else categorical;
    blanks are missing. Without ``positive``, the target must read as yes/no, true/false or 1/0.
    """
    con = scratch()
    try:
        return _read(con, source, target, id_col, sep, positive)
    finally:
        con.close()


def _read(
    con: duckdb.DuckDBPyConnection, source: Source, target: str, id_col: str | None, sep: str, positive: str | None
) -> ChurnTable:
    path, names = read_source(con, source, sep, header=True)
    target = pick_column(path, names, target, "--target")
    id_name = pick_column(path, names, id_col, "--id") if id_col is not None else "row"
    skip = {target} if id_col is None else {target, id_name}
    features = [n for n in names if n not in skip]
    if not features:
        raise InputFormatError(path, "has no column to learn from besides the target and the id")
    label = fetch_arrays(con, sql.LABEL.format(cell=sql.CELL.format(column=q(target))))["y"]
    y = _label(path, target, label, positive)
    # numeric when every non-blank value casts, so one stray word keeps a column categorical
    value = [sql.CELL.format(column=q(n)) for n in features]
    checks = ", ".join(sql.ALL_NUMBERS.format(cell=v) for v in value)
    numeric = list(con.execute(sql.NUMERIC_COLUMNS.format(checks=checks)).fetchone() or [])
    select = ", ".join(
        f"{sql.AS_NUMBER.format(cell=v) if is_num else v} AS c{i}"
        for i, (v, is_num) in enumerate(zip(value, numeric, strict=True))
    )
    arrays = fetch_arrays(con, sql.FEATURES.format(select=select))
    columns = {name: arrays[f"c{i}"] for i, name in enumerate(features)}
    if id_col is not None:
        ids = fetch_arrays(con, sql.IDS.format(column=q(id_name)))["id"]
    else:
        ids = np.arange(1, len(y) + 1)
    return ChurnTable(columns, y, ids, id_name)


def _label(path: str | Path, target: str, values: np.ndarray, positive: str | None) -> np.ndarray:
    """1 where the target means churned, from --positive or a yes/no style pair."""
    missing = np.equal(values, np.array(None, dtype=object))
    if missing.any():
        first = int(np.argmax(missing)) + 2  # line 1 is the header
        raise InputFormatError(
            path,
            f"is blank in {int(missing.sum()):,} rows; every customer needs a churn label",
            line=first,
            column=target,
            hint="fill or remove those rows",
        )
    folded = np.char.lower(values.astype(str))
    distinct = sorted(set(np.unique(folded).tolist()))
    if positive is None:
        pair = next((p for p, stayed in POSITIVE.items() if set(distinct) <= {p, stayed}), None)
        if pair is None:
            raise InputFormatError(
                path,
                f"holds {len(distinct):,} different values, not a yes/no pair",
                column=target,
                hint=f"e.g. {', '.join(repr(v) for v in distinct[:8])}; say which means churned with --positive",
            )
        positive = pair
    elif positive.strip().lower() not in distinct:
        raise InputFormatError(
            path,
            f"never holds {positive!r} (--positive)",
            column=target,
            hint=f"its values: {', '.join(repr(v) for v in distinct[:8])}",
        )
    return np.asarray(folded == positive.strip().lower(), dtype=np.int64)
