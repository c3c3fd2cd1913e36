"""``personacraft churn``: a calibrated churn model on one customer table, for users who only want churn."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import typer

from personacraft.cli.common import console
from personacraft.errors import ConfigError, InputFormatError, SourceNotFoundError
from personacraft.sources.columns import lit, q
from personacraft.sources.reading import duck_message
from personacraft.value.transactions import pick_column

# target values read as "churned" when --positive is not given, each with its "stayed" twin
POSITIVE = {"yes": "no", "true": "false", "1": "0", "y": "n", "t": "f", "churned": "active"}


@dataclass(frozen=True)
class ChurnTable:
    """One row per customer: the features, the label (1 = churned) and the customer ids."""

    columns: dict[str, np.ndarray]
    y: np.ndarray
    ids: np.ndarray
    id_name: str


def _arrays(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    """A query's columns as arrays; NULL becomes NaN (numbers) or None (text)."""
    out = {}
    for name, v in con.execute(sql).fetchnumpy().items():
        if isinstance(v, np.ma.MaskedArray):
            mask = np.ma.getmaskarray(v)
            v = v.data.astype(np.float64 if v.dtype.kind in "iuf" else object)
            v[mask] = np.nan if v.dtype.kind == "f" else None
        out[name] = np.asarray(v)
    return out


def read_table(
    path: Path, target: str, id_col: str | None = None, sep: str = ",", positive: str | None = None
) -> ChurnTable:
    """Read a CSV with a header: ``target`` as the label, every other column but ``id_col`` as a feature.

    A column is numeric when every non-blank value reads as a number, else categorical;
    blanks are missing. Without ``positive``, the target must read as yes/no, true/false or 1/0.
    """
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such file; check the path")
    delim = {"\\t": "\t", "tab": "\t"}.get(sep, sep)
    con = duckdb.connect()
    try:
        con.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv({lit(str(path))}, header = true, all_varchar = true, "
            f"delim = {lit(delim)})"
        )
    except duckdb.Error as exc:
        raise InputFormatError(
            path, "cannot be read as a delimited text file", hint=f"DuckDB: {duck_message(exc)}"
        ) from exc
    names = [d[0] for d in con.execute("SELECT * FROM t LIMIT 0").description or []]
    target = pick_column(path, names, target, "--target")
    id_name = pick_column(path, names, id_col, "--id") if id_col is not None else "row"
    skip = {target} if id_col is None else {target, id_name}
    features = [n for n in names if n not in skip]
    if not features:
        raise InputFormatError(path, "has no column to learn from besides the target and the id")
    label = _arrays(con, f"SELECT nullif(trim({q(target)}), '') AS y FROM t")["y"]
    y = _label(path, target, label, positive)
    # numeric when every non-blank value casts, so one stray word keeps a column categorical
    value = [f"nullif(trim({q(n)}), '')" for n in features]
    counts = con.execute(
        "SELECT " + ", ".join(f"count({v}) = count(TRY_CAST({v} AS DOUBLE))" for v in value) + " FROM t"
    ).fetchone()
    numeric = list(counts or [])
    select = ", ".join(
        f"{f'TRY_CAST({v} AS DOUBLE)' if is_num else v} AS c{i}"
        for i, (v, is_num) in enumerate(zip(value, numeric, strict=True))
    )
    arrays = _arrays(con, f"SELECT {select} FROM t")
    columns = {name: arrays[f"c{i}"] for i, name in enumerate(features)}
    if id_col is not None:
        ids = _arrays(con, f"SELECT {q(id_name)} AS id FROM t")["id"]
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


def churn(
    path: Path = typer.Argument(..., help="One row per customer, with a header (CSV)."),
    target: str = typer.Option(..., "--target", help="The column that says whether the customer churned."),
    id_col: str | None = typer.Option(None, "--id", help="The customer id column (written to --out, not learned)."),
    sep: str = typer.Option(",", "--sep", help='Field separator: a character, or "\\t" for tabs.'),
    out: Path | None = typer.Option(None, "--out", help="Where to write each customer's churn probability (CSV)."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the folds and the model."),
    positive: str | None = typer.Option(
        None, "--positive", help="The target value that means churned (default: yes, true or 1)."
    ),
) -> None:
    """Cross-validate a calibrated churn model; print its scores and drivers as JSON, write probabilities."""
    from personacraft.value.churn import cross_validated_auc
    from personacraft.value.churn_drivers import group_drivers

    if folds < 2:
        raise ConfigError(f"--folds {folds}: use at least 2")
    if out is not None and not out.parent.is_dir():
        raise ConfigError(f"--out {out}: the folder {out.parent} does not exist")
    with console.status(f"Reading {path.name}"):
        table = read_table(path, target, id_col, sep, positive)
    summary: dict[str, object] = {"customers": len(table.y), "churn_rate": float(table.y.mean())}
    with console.status(f"Cross-validating on {len(table.y):,} customers"):
        cv = cross_validated_auc(table.columns, table.y, folds=folds, seed=seed)
    if isinstance(cv, str):
        console.print(f"No churn model: {cv}.", soft_wrap=True)
        print(json.dumps({**summary, "cv_auc": None, "cv_auc_folds": [], "brier": None, "drivers": [], "reason": cv}))
        return
    with console.status("Measuring drivers"):
        found = group_drivers(cv, table.columns, table.y, seed=seed)["all"]
    drivers = [] if isinstance(found, str) else [asdict(d) for d in found.drivers]
    if out is not None:
        con = duckdb.connect()
        con.register("_churn", {table.id_name: table.ids, "churned": table.y, "churn_probability": cv.proba})
        try:
            con.execute(f"COPY (SELECT * FROM _churn) TO {lit(str(out))} (HEADER, DELIMITER ',')")
        except duckdb.Error as exc:
            raise ConfigError(f"--out {out}: cannot write it ({duck_message(exc)})") from exc
    console.print(
        f"Churn on {len(table.y):,} customers ({table.y.mean():.1%} churned): {folds}-fold AUC {cv.auc:.3f} "
        f"(folds {min(cv.auc_folds):.3f} to {max(cv.auc_folds):.3f}), Brier {cv.brier:.4f} against "
        f"{cv.brier_base:.4f} for the base rate" + (f". Written to {out}." if out else "."),
        soft_wrap=True,
    )
    print(
        json.dumps(
            {
                **summary,
                "cv_auc": cv.auc,
                "cv_auc_folds": list(cv.auc_folds),
                "brier": cv.brier,
                "brier_base": cv.brier_base,
                "drivers": drivers,
            }
        )
    )
