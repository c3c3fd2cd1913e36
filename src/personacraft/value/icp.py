"""The ideal customer profile (ICP): who the best accounts are, why they buy, where to find them.

:func:`learn_icp` compares a run's best units with the rest:

- B2B, when the run has accounts with a closed deal: a unit is an account; the best won a deal
  and, where subscriptions exist, have not canceled them all;
- otherwise, when the run has a ``customer_value`` table (``customer_key, clv``): a unit is a
  customer, and the best are the top fifth by CLV;
- otherwise there is no outcome to learn from, and :class:`NotFoundError` says so.

A unit is described by fit attributes (who it is: industry, company size band, country, the
buying roles, seniorities and job functions of its people; for customers also region, gender
and age band) and by its lead source (where it came from). Subgroup discovery
(:mod:`personacraft.value.subgroups`) finds the few conjunctions where the best are most
over-represented. A rule is published with coverage, precision, lift, n and Fisher's exact
test (Benjamini-Hochberg over the rules found) when it covers at least ``min_n`` units and
``min_n`` best ones, lifts the best rate by 1.2 or more and has ``p_adjusted < 0.05``. The fit
score (:mod:`personacraft.value.fit_score`) is learned on the same units, and the card
(:mod:`personacraft.value.icp_card`) adds why they buy and where to find them.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from personacraft import __version__
from personacraft.errors import NotFoundError
from personacraft.features import paid_subscriptions, sql
from personacraft.segment.profile import ALPHA, add_tests
from personacraft.store import Run
from personacraft.unify import keyed
from personacraft.value import icp_card
from personacraft.value.fit_score import Condition, FitModel, in_reading_order, rule_columns, rule_label
from personacraft.value.subgroups import discover

QUALITY_A = 0.5  # subgroup quality: coverage ** a * (precision - base rate)
DEPTH = 2  # conditions per rule
BEAM = 20
MAX_RULES = 5
MIN_LIFT = 1.2
FOLDS = 5
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

    def fit_columns(self) -> np.ndarray:
        return np.array([f not in CHANNEL_FEATURES for f, _ in self.columns], dtype=bool)


@dataclass
class ICP:
    """A learned ideal customer profile, its card and its fit scorer; owns its exports (no unit is kept)."""

    run_id: str
    outcome: dict[str, Any]
    rules: list[dict[str, Any]]
    card: dict[str, Any]
    model: FitModel = field(repr=False)
    evaluation: dict[str, Any]
    provenance: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "outcome": self.outcome,
            "rules": self.rules,
            **self.card,
            "fit_score": {**self.model.to_dict(), "evaluation": self.evaluation},
            "provenance": self.provenance,
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    def to_markdown(self) -> str:
        return icp_card.markdown(self.to_dict())

    def to_html(self) -> str:
        return icp_card.html(self.to_dict())

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``icp.json``, ``icp.md`` and ``icp.html`` under ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "icp.json", "md": out / "icp.md", "html": out / "icp.html"}
        paths["json"].write_text(self.to_json() + "\n", encoding="utf-8")
        paths["md"].write_text(self.to_markdown(), encoding="utf-8")
        paths["html"].write_text(self.to_html(), encoding="utf-8")
        return paths


def learn_icp(run: Run, *, min_n: int = 10, exclude: Collection[str] = (), seed: int = 0) -> ICP:
    """Learn the ICP of ``run``; units in ``exclude`` (account or customer ids) are left out, e.g. to test on them."""
    # the matrices are small (units × a few dozen values): BLAS threads only add overhead, and on a busy
    # 2-core machine they spin (a 20 × 3,279 × 60 product: 0.6 ms on one thread, 145 ms on two)
    with threadpool_limits(limits=1, user_api="blas"):
        return _learn(run, min_n=min_n, exclude=exclude, seed=seed)


def _learn(run: Run, *, min_n: int, exclude: Collection[str], seed: int) -> ICP:
    units = load_units(run, min_n=min_n, exclude=exclude)
    rules = find_rules(units, min_n=min_n)
    outcome: dict[str, Any] = {
        "unit": units.kind,
        "definition": units.definition,
        "units": len(units.ids),
        "best": int(units.best.sum()),
        "best_rate": round(float(units.best.mean()), 4),
    }
    if units.won is not None and units.churned is not None:
        outcome |= {"won": int(units.won.sum()), "churned": int(units.churned.sum())}
    return ICP(
        run_id=run.run_id,
        outcome=outcome,
        rules=rules,
        card=icp_card.build_card(run, units.kind, units.ids[covered(units, rules)], bool(rules), min_n=min_n),
        model=_fit(units, rules),
        evaluation=_cross_validate(units, min_n=min_n, seed=seed),
        provenance={
            "version": __version__,
            "min_group_size": min_n,
            "quality": f"coverage^{QUALITY_A} × (precision − best rate), beam search (width {BEAM}) over "
            f"conjunctions of up to {DEPTH} conditions, weighted covering for up to {MAX_RULES} rules",
            "publish": f"n ≥ {min_n}, best ≥ {min_n}, lift ≥ {MIN_LIFT}, p_adjusted < {ALPHA}",
            "excluded_units": len(exclude),
        },
    )


def covered(units: Units, rules: list[dict[str, Any]]) -> np.ndarray:
    """Which units meet at least one rule; the best units when there is no rule."""
    if not rules:
        return units.best.copy()
    index = {c: j for j, c in enumerate(units.columns)}
    out = np.zeros(len(units.ids), dtype=bool)
    for r in rules:
        out |= units.X[:, [index[(c["feature"], c["value"])] for c in r["conditions"]]].all(axis=1)
    return out


# -- the data ----------------------------------------------------------------------------------
def load_units(run: Run, *, min_n: int, exclude: Collection[str] = ()) -> Units:
    """Each unit's outcome and attributes (temp tables ``_icp_outcomes``, ``_icp_attributes``)."""
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
                    out="_icp_attributes", customers=keyed(run, "customers"), size_band=size, **refs
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
                out="_icp_attributes", customers=keyed(run, "customers"), people=people, age_band=age
            )
        )
    if not kind:
        raise NotFoundError(NO_OUTCOME.format(run=run.run_id))
    if exclude:
        with run.arrays("icp_exclude", {"unit": np.array(sorted(exclude), dtype=object)}) as view:
            run.execute(f"DELETE FROM _icp_outcomes WHERE unit IN (SELECT unit FROM {view})")
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _icp_units AS SELECT *, row_number() OVER (ORDER BY unit) - 1 AS i "
        "FROM _icp_outcomes"
    )
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _icp_cells AS
           SELECT DISTINCT u.i, a.feature, a.value FROM _icp_attributes a JOIN _icp_units u USING (unit)
           WHERE a.value IS NOT NULL"""
    )
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _icp_columns AS
           SELECT feature, value, row_number() OVER (ORDER BY feature, value) - 1 AS j
           FROM _icp_cells GROUP BY feature, value HAVING count(*) >= ?""",
        [min_n],
    )
    u = run.numpy("SELECT unit, best, won, churned FROM _icp_units ORDER BY i")
    best = np.asarray(u["best"], dtype=bool)
    if len(best) == 0 or best.all() or not best.any():
        raise NotFoundError(
            f"run {run.run_id}: {len(best)} {kind}s have an outcome and {int(best.sum())} of them are best; "
            "an ideal customer profile needs both best and other units to compare."
        )
    cols = run.numpy("SELECT feature, value FROM _icp_columns ORDER BY j")
    cells = run.numpy("SELECT c.i, k.j FROM _icp_cells c JOIN _icp_columns k USING (feature, value)")
    X = np.zeros((len(best), len(cols["feature"])), dtype=bool)
    X[cells["i"].astype(np.int64), cells["j"].astype(np.int64)] = True
    multi = run.numpy(
        "SELECT DISTINCT feature FROM (SELECT i, feature FROM _icp_cells GROUP BY ALL HAVING count(*) > 1)"
    )["feature"]
    accounts = kind == "account"
    return Units(
        kind=kind,
        definition=definition,
        ids=np.asarray(u["unit"], dtype=object),
        best=best,
        won=np.asarray(u["won"], dtype=bool) if accounts else None,
        churned=np.asarray(u["churned"], dtype=bool) if accounts else None,
        columns=tuple((str(f), str(v)) for f, v in zip(cols["feature"], cols["value"], strict=True)),
        X=X,
        multi=frozenset(str(f) for f in multi),
    )


_NO_PEOPLE = (
    "(SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS buying_role, NULL::VARCHAR AS seniority, "
    "NULL::VARCHAR AS job_function WHERE false)"
)


# -- rules and score ---------------------------------------------------------------------------
def find_rules(units: Units, *, min_n: int) -> list[dict[str, Any]]:
    """The published rules: subgroups of best units, each with its evidence."""
    groups = np.unique([f for f, _ in units.columns], return_inverse=True)[1] if units.columns else np.array([])
    found = discover(units.X, units.best, groups, min_n=min_n, depth=DEPTH, beam=BEAM, rules=MAX_RULES, a=QUALITY_A)
    N, K = len(units.best), int(units.best.sum())
    cells = [
        {
            "n": s.positives,
            "n_known": K,
            "population_n": s.n,
            "population_known": N,
            "share": s.positives / K,
            "population_share": s.n / N,
        }
        for s in found
    ]
    add_tests(cells)
    rules: list[dict[str, Any]] = []
    for s, cell in zip(found, cells, strict=True):
        conds = in_reading_order(tuple(units.columns[j] for j in s.conditions))
        precision, base = s.positives / s.n, K / N
        if precision / base < MIN_LIFT or cell["p_adjusted"] >= ALPHA:
            continue
        rules.append(
            {
                "id": f"r{len(rules) + 1}",
                "label": rule_label(conds, units.multi),
                "conditions": [{"feature": f, "value": v} for f, v in conds],
                "n": s.n,
                "coverage": round(s.n / N, 4),
                "best": s.positives,
                "precision": round(precision, 4),
                "best_rate": round(base, 4),
                "lift": round(precision / base, 3),
                "recall": round(s.positives / K, 4),
                "quality": round(s.quality, 5),
                "p_value": float(f"{cell['p_value']:.3g}"),
                "p_adjusted": float(f"{cell['p_adjusted']:.3g}"),
                "fit": all(f not in CHANNEL_FEATURES for f, _ in conds),
            }
        )
    return rules


def _fit(units: Units, rules: list[dict[str, Any]]) -> FitModel:
    keep = units.fit_columns()
    columns = tuple(c for c, k in zip(units.columns, keep, strict=True) if k)
    fit_rules = tuple(tuple((c["feature"], c["value"]) for c in r["conditions"]) for r in rules if r["fit"])
    return FitModel.fit(units.X[:, keep].astype(np.float64), units.best, columns, fit_rules, units.multi)


def _cross_validate(units: Units, *, min_n: int, seed: int) -> dict[str, Any]:
    """Out-of-fold AUC of the fit score: rules and weights learned again in each fold."""
    y = units.best
    folds = min(FOLDS, int(y.sum()), int((~y).sum()))
    if folds < 2:
        return {"cv_auc": None, "reason": "too few best or other units for cross-validation"}
    pred = np.zeros(len(y))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in split.split(np.zeros(len(y)), y):
        sub = Units(
            units.kind,
            units.definition,
            units.ids[train],
            y[train],
            None,
            None,
            units.columns,
            units.X[train],
            units.multi,
        )
        model = _fit(sub, find_rules(sub, min_n=min_n))
        keep = units.fit_columns()
        D = rule_columns(units.X[np.ix_(test, keep)].astype(np.float64), model.columns, model.rules)
        pred[test] = model.score(D)[0]
    out: dict[str, Any] = {"folds": folds, "cv_auc": round(float(roc_auc_score(y, pred)), 4)}
    if units.won is not None and units.won.any() and not units.won.all():
        out["cv_auc_won"] = round(float(roc_auc_score(units.won, pred)), 4)
    out["method"] = (
        f"{folds}-fold stratified cross-validation over the {units.kind}s (seed {seed}); cv_auc ranks best "
        "against the rest" + ("; cv_auc_won ranks won deals against lost ones" if "cv_auc_won" in out else "")
    )
    return out
