"""The ICP's learning data: each unit's outcome (best or not) and its attribute values, read from a run.

A unit is an account with a closed deal (B2B) or, without deals, a customer with a CLV in the
run's ``customer_value`` table; the best are the accounts that won and kept their
subscriptions, or the top fifth by CLV. Each unit is described by the values of its fit
attributes and lead source, as a 0/1 matrix over the values at least ``min_n`` units have.
Industries go under one label first (:mod:`personacraft.icp.industries`). A value that fewer
than ``min_n`` of the units with the attribute lack (Country = United States when every account
is in the United States) is left out and listed in ``ignored``: it has no variation to learn from.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from personacraft.errors import NotFoundError
from personacraft.features import paid_subscriptions, sql
from personacraft.icp import sql as icp_sql
from personacraft.icp.industries import synonym_arrays
from personacraft.store import Run
from personacraft.unify import keyed

Condition = tuple[str, str]  # (feature, value)
CHANNEL_FEATURES = frozenset({"Lead source"})  # where they came from: in the rules, never in the fit score

NO_OUTCOME = (
    "run {run}: there is no outcome to learn an ideal customer profile from. It needs accounts with "
    "closed deals (B2B: e.g. hubspot_companies and hubspot_deals, or salesforce_accounts and "
    "salesforce_opportunities), or a customer_value table with each customer's CLV (customer_key, clv)."
)


@dataclass(frozen=True)
class Units:
    """The learning data: each unit's outcome and its attribute values as a 0/1 matrix."""

    kind: str  # "account" or "customer"
    definition: str  # what "best" means here
    ids: np.ndarray
    best: np.ndarray
    won: np.ndarray | None  # accounts only
    churned: np.ndarray | None
    columns: tuple[Condition, ...]  # (feature, value) of each column of X
    X: np.ndarray  # units × columns, bool
    multi: frozenset[str]  # features a unit can have several values of
    ignored: tuple[dict[str, Any], ...] = ()  # values left out for want of variation, with why

    def fit_columns(self) -> np.ndarray:
        return np.array([f not in CHANNEL_FEATURES for f, _ in self.columns], dtype=bool)


def canonical_industries(run: Run, table: str, out: str, synonyms: Mapping[str, str] | None = None) -> None:
    """``out``: ``table`` (feature, value, …) with each industry under its label in the synonym table."""
    with run.arrays("icp_industry_table", synonym_arrays(synonyms)) as view:
        run.execute(
            icp_sql.INDUSTRY_SYNONYMS.format(
                synonyms=view, key=icp_sql.INDUSTRY_KEY.format(e="CAST(synonym AS VARCHAR)")
            )
        )
    run.execute(icp_sql.CANONICAL_INDUSTRY.format(out=out, table=table, key=icp_sql.INDUSTRY_KEY.format(e="t.value")))


def load_units(
    run: Run, *, min_n: int, exclude: Collection[str] = (), synonyms: Mapping[str, str] | None = None
) -> Units:
    """Each unit's outcome and attributes (temp tables ``_icp_outcomes``, ``_icp_attributes``).

    ``synonyms``: industry = label lines added to (or overriding) :data:`~personacraft.icp.industries.SYNONYMS`.
    """
    t = run.t
    kind = ""
    if run.has_table("people") and run.has_rows("deals") and run.has_rows("accounts"):
        status = (
            t("customer_status")
            if run.has_table("customer_status")
            else "(SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS how WHERE false)"
        )
        refs = {"deals": t("deals"), "accounts": t("accounts"), "people": t("people")}
        run.execute(
            sql.ICP_ACCOUNT_OUTCOMES.format(
                out="_icp_outcomes", customer_status=status, subscriptions=paid_subscriptions(run), **refs
            )
        )
        if run.scalar("SELECT count(*) FROM _icp_outcomes"):
            kind = "account"
            definition = "won a deal and did not cancel every subscription they had"
            size = sql.ICP_SIZE_BAND.format(e="employees")
            run.execute(
                sql.ICP_ACCOUNT_ATTRIBUTES.format(
                    out="_icp_raw_attributes", customers=keyed(run, "customers"), size_band=size, **refs
                )
            )
    if not kind and run.has_table("customer_value"):
        run.execute(sql.ICP_CUSTOMER_OUTCOMES.format(out="_icp_outcomes", customer_value=t("customer_value")))
        kind = "customer"
        definition = "are in the top fifth by customer lifetime value"
        people = t("people") if run.has_table("people") else _NO_PEOPLE
        age = sql.ICP_AGE_BAND.format(e="age")
        run.execute(
            sql.ICP_CUSTOMER_ATTRIBUTES.format(
                out="_icp_raw_attributes", customers=keyed(run, "customers"), people=people, age_band=age
            )
        )
    if not kind:
        raise NotFoundError(NO_OUTCOME.format(run=run.run_id))
    canonical_industries(run, "_icp_raw_attributes", "_icp_attributes", synonyms)
    if exclude:
        with run.arrays("icp_exclude", {"unit": np.array(sorted(exclude), dtype=object)}) as view:
            run.execute(icp_sql.EXCLUDE_UNITS.format(excluded=view))
    run.execute(icp_sql.UNITS)
    run.execute(icp_sql.CELLS)
    run.execute(icp_sql.COLUMNS, [min_n])
    u = run.numpy(icp_sql.UNIT_OUTCOMES)
    best = np.asarray(u["best"], dtype=bool)
    if len(best) == 0 or best.all() or not best.any():
        raise NotFoundError(
            f"run {run.run_id}: {len(best)} {kind}s have an outcome and {int(best.sum())} of them are best; "
            "an ideal customer profile needs both best and other units to compare."
        )
    cols = run.numpy(icp_sql.COLUMN_VALUES)
    cells = run.numpy(icp_sql.MATRIX_CELLS)
    X = np.zeros((len(best), len(cols["feature"])), dtype=bool)
    X[cells["i"].astype(np.int64), cells["j"].astype(np.int64)] = True
    multi = frozenset(str(f) for f in run.numpy(icp_sql.MULTI_VALUED)["feature"])
    columns = tuple((str(f), str(v)) for f, v in zip(cols["feature"], cols["value"], strict=True))
    with_feature = run.numpy(icp_sql.UNITS_WITH_FEATURE)
    keep, ignored = _varied(
        X, columns, multi, dict(zip(with_feature["feature"], with_feature["n"], strict=True)), kind, min_n
    )
    accounts = kind == "account"
    return Units(
        kind=kind,
        definition=definition,
        ids=np.asarray(u["unit"], dtype=object),
        best=best,
        won=np.asarray(u["won"], dtype=bool) if accounts else None,
        churned=np.asarray(u["churned"], dtype=bool) if accounts else None,
        columns=tuple(c for c, k in zip(columns, keep, strict=True) if k),
        X=X[:, keep],
        multi=multi,
        ignored=ignored,
    )


def _varied(
    X: np.ndarray,
    columns: tuple[Condition, ...],
    multi: frozenset[str],
    with_feature: dict[str, int],
    kind: str,
    min_n: int,
) -> tuple[np.ndarray, tuple[dict[str, Any], ...]]:
    """Which columns vary (``min_n`` or more of the units with the attribute lack the value); why the rest do not."""
    has = X.sum(axis=0)
    keep = np.ones(len(columns), dtype=bool)
    ignored = []
    for j, (f, v) in enumerate(columns):
        of = int(with_feature.get(f, 0))
        lacking = of - int(has[j])
        if lacking >= min_n:
            continue
        keep[j] = False
        verb = "include" if f in multi else "have"
        attribute = f"{'an' if f[:1].lower() in 'aeiou' else 'a'} {f.lower()}"
        who = (
            f"all {of:,} {kind}s with {attribute}"
            if lacking == 0
            else f"{int(has[j]):,} of the {of:,} {kind}s with {attribute} (fewer than {min_n} differ)"
        )
        ignored.append(
            {
                "feature": f,
                "value": v,
                "units": int(has[j]),
                "of": of,
                "reason": f"{who} {verb} {v}: no variation to learn from, so it carries no points and no rule",
            }
        )
    return keep, tuple(ignored)


_NO_PEOPLE = (
    "(SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS buying_role, NULL::VARCHAR AS seniority, "
    "NULL::VARCHAR AS job_function WHERE false)"
)
