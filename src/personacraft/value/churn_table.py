"""Read a one-row-per-customer CSV for the churn model: features, label and ids.

Every column but the label and the id is a feature: numeric when every non-blank value
casts to a number, else a category; blanks are missing. Used by ``personacraft churn``
and the Telco benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from personacraft.errors import InputFormatError
from personacraft.sources.columns import q
from personacraft.store import fetch_arrays
from personacraft.value.transactions import pick_column, read_delimited

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
    path: Path, target: str, id_col: str | None = None, sep: str = ",", positive: str | None = None
) -> ChurnTable:
    """Read a CSV with a header: ``target`` as the label, every other column but ``id_col`` as a feature.

    A column is numeric when every non-blank value reads as a number, else categorical;
    blanks are missing. Without ``positive``, the target must read as yes/no, true/false or 1/0.
    """
    con = duckdb.connect()
    names = read_delimited(con, path, sep, header=True)
    target = pick_column(path, names, target, "--target")
    id_name = pick_column(path, names, id_col, "--id") if id_col is not None else "row"
    skip = {target} if id_col is None else {target, id_name}
    features = [n for n in names if n not in skip]
    if not features:
        raise InputFormatError(path, "has no column to learn from besides the target and the id")
    label = fetch_arrays(con, f"SELECT nullif(trim({q(target)}), '') AS y FROM raw")["y"]
    y = _label(path, target, label, positive)
    # numeric when every non-blank value casts, so one stray word keeps a column categorical
    value = [f"nullif(trim({q(n)}), '')" for n in features]
    counts = con.execute(
        "SELECT " + ", ".join(f"count({v}) = count(TRY_CAST({v} AS DOUBLE))" for v in value) + " FROM raw"
    ).fetchone()
    numeric = list(counts or [])
    select = ", ".join(
        f"{f'TRY_CAST({v} AS DOUBLE)' if is_num else v} AS c{i}"
        for i, (v, is_num) in enumerate(zip(value, numeric, strict=True))
    )
    arrays = fetch_arrays(con, f"SELECT {select} FROM raw")
    columns = {name: arrays[f"c{i}"] for i, name in enumerate(features)}
    if id_col is not None:
        ids = fetch_arrays(con, f"SELECT {q(id_name)} AS id FROM raw")["id"]
    else:
        ids = np.arange(1, len(y) + 1)
    return ChurnTable(columns, y, ids, id_name)


def _label(path: Path, target: str, values: np.ndarray, positive: str | None) -> np.ndarray:
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
