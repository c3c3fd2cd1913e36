"""Read an experiment from a DuckDB relation: units checked and counted, aggregated in SQL, tested in numpy.

:func:`read_experiment` is the one entry point. The relation holds one row per exposed unit; DuckDB
classifies every row (used, or excluded with a reason), sizes the groups, and aggregates n, mean
and sample variance per group × variant × outcome; :mod:`personacraft.experiments.stats` tests
those. Only the bootstrap (``bootstrap=N``) fetches unit-level values, one outcome at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np

from personacraft.errors import ConfigError, InputFormatError
from personacraft.experiments import sql
from personacraft.experiments.bootstrap import bootstrap_interval
from personacraft.experiments.result import Cell, ExperimentReading
from personacraft.experiments.stats import (
    SRM_ALPHA,
    benjamini_hochberg,
    cochran_q,
    mde,
    proportions,
    srm,
    welch,
)
from personacraft.experiments.units import BASE, DUPS, GROUPS, MICRO, OTHER, UNITS, exclusions, pool, prepare


def read_experiment(
    con: duckdb.DuckDBPyConnection,
    relation_sql: str,
    *,
    variant: str = "variant",
    control: str = "control",
    outcomes: Sequence[str] = ("converted", "revenue"),
    group: str | None = None,
    min_group_size: int = 30,
    alpha: float = 0.05,
    bootstrap: int = 0,
    seed: int = 0,
    unit: str | None = None,
    line: str | None = None,
    weights: Mapping[str, float] | None = None,
    source: str | None = None,
) -> ExperimentReading:
    """Read the experiment in ``relation_sql`` (a table name or a parenthesised subquery, one row per
    exposed unit): every variant against ``control``, on each outcome, overall and per ``group``.

    ``unit`` (a customer column) turns on the unit checks: a unit under two variants is excluded,
    as are repeated rows of a unit in one variant after its first. ``line`` names a column holding the
    file line of each row, for the examples of exclusions. ``weights`` (variant -> planned share)
    replaces equal allocation in the SRM test. ``source`` names the input in messages.
    Errors (:class:`~personacraft.errors.InputFormatError`): a missing column, no row left, a control
    the variant column does not hold, a single variant.
    """
    src = source or relation_sql
    found = prepare(con, relation_sql, src, variant, outcomes, group, unit, line)
    try:
        return _read(con, found, src, variant, control, group, min_group_size, alpha, bootstrap, seed, weights)
    finally:
        con.execute(f"DROP VIEW IF EXISTS {UNITS}")
        for table in (GROUPS, BASE, DUPS):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _read(
    con: duckdb.DuckDBPyConnection,
    found: list[str],
    src: str,
    variant: str,
    control: str,
    group: str | None,
    min_group_size: int,
    alpha: float,
    bootstrap: int,
    seed: int,
    weights: Mapping[str, float] | None,
) -> ExperimentReading:
    read = int(con.execute(f"SELECT count(*) FROM {UNITS}").fetchall()[0][0])
    excluded = exclusions(con, found, variant)
    if read == 0:
        raise InputFormatError(src, "has no rows: an experiment needs one row per exposed customer")
    sizes = [(r[0], str(r[1]), int(r[2])) for r in con.execute(sql.GROUP_SIZES.format(units=UNITS)).fetchall()]
    if not sizes:
        why = "; ".join(f"{e['rows']:,} {e['reason']}" for e in excluded)
        raise InputFormatError(src, f"has no usable row ({why})", column=variant)
    arm_n: dict[str, int] = {}
    for _, v, n in sizes:
        arm_n[v] = arm_n.get(v, 0) + n
    shown = ", ".join(repr(v) for v in sorted(arm_n)[:12])
    if control not in arm_n:
        raise InputFormatError(
            src, "is not a value of the variant column", column=variant, value=control,
            hint=f"its values are {shown}; name the control with --control",
        )  # fmt: skip
    if len(arm_n) < 2:
        raise InputFormatError(
            src, "is the only value of the variant column: an experiment needs a control and at least one variant",
            column=variant, value=control,
        )  # fmt: skip
    variants = sorted(v for v in arm_n if v != control)
    arms = [control, *variants]
    label, pooling = pool(sizes if group else [], arms, min_group_size)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {GROUPS} AS SELECT unnest(?::VARCHAR[]) AS g, unnest(?::VARCHAR[]) AS label",
        [list(label), [label[g] for g in label]],
    )
    aggregates = ", ".join(
        f"sum(_o{i}) AS s{i}, sum(_o{i} * _o{i}) AS q{i}, bool_and(_o{i} IN (0, {MICRO})) AS b{i}"
        for i in range(len(found))
    )
    try:
        cur = con.execute(sql.AGGREGATE.format(units=UNITS, groups=GROUPS, aggregates=aggregates))
    except duckdb.OutOfRangeException as exc:
        raise InputFormatError(src, "holds outcome values too large to add up exactly", hint=str(exc)[:200]) from exc
    names = [d[0] for d in cur.description or []]
    rows = [_moments(dict(zip(names, r, strict=True)), len(found)) for r in cur.fetchall()]
    stats_of: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = "all" if r["_overall"] else r["_label"]
        if key is not None:
            stats_of[(key, r["_variant"])] = r
    binary = [bool(stats_of[("all", control)][f"b{i}"]) and all(
        bool(stats_of[("all", v)][f"b{i}"]) for v in variants) for i in range(len(found))]  # fmt: skip
    shown_groups = sorted({k[0] for k in stats_of if k[0] != "all"}, key=lambda g: (g == OTHER, g))
    cells: list[Cell] = []
    boot: dict[tuple[str, str, str], tuple[float, float]] = {}
    if bootstrap > 0:
        boot = _bootstraps(con, found, binary, control, variants, bootstrap, seed, alpha)
    for g in ["all", *shown_groups]:
        for v in variants:
            c, t = stats_of.get((g, control)), stats_of.get((g, v))
            if c is None or t is None:
                continue
            for i, o in enumerate(found):
                n0, n1, m0, m1 = int(c["n"]), int(t["n"]), float(c[f"m{i}"]), float(t[f"m{i}"])
                if binary[i]:
                    x0, x1 = int(c[f"s{i}"]) // MICRO, int(t[f"s{i}"]) // MICRO  # exact counts of 1s
                    e = proportions(x0, n0, x1, n1, alpha)
                    method = ("two-proportion z", "newcombe")
                    variance = m0 * (1 - m0)
                else:
                    v0 = float(c[f"v{i}"]) if c[f"v{i}"] is not None else float("nan")
                    v1 = float(t[f"v{i}"]) if t[f"v{i}"] is not None else float("nan")
                    e = welch(m0, v0, n0, m1, v1, n1, alpha)
                    method = ("welch t", "welch")
                    variance = v0
                    if (g, v, o) in boot:
                        lo, hi = boot[(g, v, o)]
                        e = type(e)(e.diff, lo, hi, e.p_value, e.se)
                        method = ("welch t", "bootstrap percentile")
                cells.append(
                    Cell(
                        group=g, variant=v, outcome=o, kind="proportion" if binary[i] else "mean",
                        n_control=n0, n_variant=n1, mean_control=m0, mean_variant=m1, effect=e,
                        test=method[0], interval=method[1], mde=mde(variance, n0, n1, alpha),
                    )
                )  # fmt: skip
    adjusted = benjamini_hochberg([c.effect.p_value for c in cells])
    for cell, p in zip(cells, adjusted, strict=True):
        cell.p_adjusted = float(p)
    heterogeneity = _heterogeneity(cells, variants, found, alpha)
    srm_doc = _srm(stats_of, arms, shown_groups, weights)
    used = sum(arm_n.values())
    accounting = {
        "read": read,
        "used": used,
        "excluded": read - used,
        "reasons": excluded,
        "groups": {"shown": len([g for g in shown_groups if g != OTHER]), **pooling},
    }
    settings = {
        "variant": variant, "control": control, "variants": variants, "outcomes": found, "group": group,
        "min_group_size": min_group_size, "alpha": alpha, "bootstrap": bootstrap, "seed": seed,
        "kinds": {o: "proportion" if binary[i] else "mean" for i, o in enumerate(found)},
    }  # fmt: skip
    return ExperimentReading(cells=cells, srm=srm_doc, heterogeneity=heterogeneity, accounting=accounting,
                             settings=settings)  # fmt: skip


def _moments(row: dict[str, Any], outcomes: int) -> dict[str, Any]:
    """Mean ``m{i}`` and sample variance ``v{i}`` from the exact sums of micro-units (one rounding each)."""
    n = int(row["n"])
    for i in range(outcomes):
        s, q = int(row[f"s{i}"]), int(row[f"q{i}"])
        row[f"m{i}"] = s / (n * MICRO)
        row[f"v{i}"] = (n * q - s * s) / (n * (n - 1) * MICRO * MICRO) if n > 1 else None
    return row


def _bootstraps(
    con: duckdb.DuckDBPyConnection,
    found: list[str],
    binary: list[bool],
    control: str,
    variants: list[str],
    resamples: int,
    seed: int,
    alpha: float,
) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Bootstrap percentile intervals of each mean outcome's difference, overall and per shown group."""
    out: dict[tuple[str, str, str], tuple[float, float]] = {}
    for i, o in enumerate(found):
        if binary[i]:
            continue
        arms: dict[tuple[str, str], np.ndarray] = {}
        for v, vals in _fetch(con, sql.OVERALL_VALUES_OF.format(units=UNITS, outcome=f"_o{i}"), overall=True):
            arms[("all", v)] = vals
        for (g, v), vals in _fetch(con, sql.VALUES_OF.format(units=UNITS, groups=GROUPS, outcome=f"_o{i}")):
            arms[(g, v)] = vals
        groups = sorted({g for g, _ in arms})
        for gi, g in enumerate(groups):
            for vi, v in enumerate(variants):
                if (g, control) in arms and (g, v) in arms:
                    key = [seed, i, gi, vi]
                    out[(g, v, o)] = bootstrap_interval(arms[(g, control)], arms[(g, v)], resamples, key, alpha)
    return out


def _fetch(con: duckdb.DuckDBPyConnection, query: str, *, overall: bool = False) -> list[tuple[Any, np.ndarray]]:
    """The values of a query ordered by its keys, split into one array per key (without a loop over rows)."""
    res = con.execute(query).fetchnumpy()
    value = np.asarray(res["value"], dtype=float) / MICRO
    variant = np.asarray(res["_variant"], dtype=object)
    label = np.full(len(variant), "all", dtype=object) if overall else np.asarray(res["_label"], dtype=object)
    if not len(value):
        return []
    change = np.flatnonzero((variant[1:] != variant[:-1]) | (label[1:] != label[:-1])) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(value)]])
    return [(variant[a] if overall else (label[a], variant[a]), value[a:b]) for a, b in zip(starts, ends, strict=True)]


def _heterogeneity(cells: list[Cell], variants: list[str], found: list[str], alpha: float) -> list[dict[str, Any]]:
    """Cochran's Q over the shown groups' effects, per variant × outcome, BH-adjusted across them."""
    out: list[dict[str, Any]] = []
    for v in variants:
        for o in found:
            own = [c for c in cells if c.variant == v and c.outcome == o and c.group != "all"]
            qv, df, p = cochran_q([c.effect.diff for c in own], [c.effect.se for c in own])
            out.append({"variant": v, "outcome": o, "test": "cochran q", "q": qv, "df": df, "p_value": p})
    adjusted = benjamini_hochberg([float(h["p_value"]) for h in out])
    for h, p in zip(out, adjusted, strict=True):
        h["p_adjusted"] = float(p)
        h["significant"] = bool(np.isfinite(p) and p < alpha)
    return out


def _srm(
    stats_of: Mapping[tuple[str, str], Mapping[str, Any]],
    arms: list[str],
    groups: list[str],
    weights: Mapping[str, float] | None,
) -> dict[str, Any]:
    if weights and any(not (float(weights.get(a, 0.0)) > 0) for a in arms):
        given = ", ".join(f"{k}={v}" for k, v in weights.items())
        raise ConfigError(f"the planned weights ({given}) must give every arm ({', '.join(arms)}) a share above 0.")
    w = [float(weights[a]) for a in arms] if weights else None

    def one(g: str) -> dict[str, Any]:
        observed = [int(stats_of[(g, a)]["n"]) if (g, a) in stats_of else 0 for a in arms]
        expected, p = srm(observed, w)
        return {
            "observed": dict(zip(arms, observed, strict=True)),
            "expected": dict(zip(arms, expected, strict=True)),
            "p_value": p,
            "ok": bool(not np.isfinite(p) or p >= SRM_ALPHA),
        }

    doc = one("all")
    doc["threshold"] = SRM_ALPHA
    doc["groups"] = [{"group": g, **one(g)} for g in groups]
    return doc
