"""Learning the ideal customer profile (ICP): who the best accounts are, why they buy, where to find them.

:func:`learn_icp` compares a run's best units with the rest:

- B2B, when the run has accounts with a closed deal: a unit is an account; the best won a deal
  and, where subscriptions exist, have not canceled them all;
- otherwise, when the run has a ``customer_value`` table (``customer_key, clv``): a unit is a
  customer, and the best are the top fifth by CLV;
- otherwise there is no outcome to learn from, and :class:`NotFoundError` says so.

A unit (:mod:`personacraft.icp.units`) is described by fit attributes (who it is: industry,
company size band, country, the buying roles, seniorities and job functions of its people; for
customers also region, gender and age band) and by its lead source (where it came from); a value
with no variation among the units is left out and listed in ``ignored``. Subgroup discovery
(:mod:`personacraft.icp.rules`) finds the few conjunctions where the best are most
over-represented (for accounts, among company attributes only). A rule is published with
coverage, precision, lift, n and Fisher's exact test (Benjamini-Hochberg over the rules found)
when it covers at least ``min_n`` units and ``min_n`` best ones, lifts the best rate by 1.2 or
more and has ``p_adjusted < 0.05``. The fit score (:mod:`personacraft.icp.fit_score`) is learned
on the same units, and the card (:mod:`personacraft.icp.card`) adds why they buy and where to find them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from personacraft.icp.card import Personas, build_card
from personacraft.icp.fit_score import FitModel
from personacraft.icp.rules import (
    BEAM,
    DEPTH,
    FEW,
    MAX_RULES,
    MIN_LIFT,
    QUALITY_A,
    covered,
    find_rules,
    rule_columns,
)
from personacraft.icp.units import Units, load_units
from personacraft.segment.profile import ALPHA
from personacraft.store import Run
from personacraft.threads import one_blas_thread
from personacraft.version import __version__

FOLDS = 5


@dataclass
class ICP:
    """A learned ideal customer profile, its card's data and its fit scorer (no unit is kept).

    Rendered (Markdown, HTML, the files) by :mod:`personacraft.render.icp_card`.
    """

    run_id: str
    outcome: dict[str, Any]
    rules: list[dict[str, Any]]
    card: dict[str, Any]
    model: FitModel = field(repr=False)
    evaluation: dict[str, Any]
    provenance: dict[str, Any]
    ignored: list[dict[str, Any]] = field(default_factory=list)  # attribute values with no variation

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "outcome": self.outcome,
            "rules": self.rules,
            **self.card,
            "fit_score": {**self.model.to_dict(), "evaluation": self.evaluation},
            "ignored": self.ignored,
            "provenance": self.provenance,
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)


def learn_icp(
    run: Run,
    *,
    min_n: int = 10,
    exclude: Collection[str] = (),
    seed: int = 0,
    personas: Personas | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> ICP:
    """Learn the ICP of ``run``; units in ``exclude`` (account or customer ids) are left out, e.g. to test on them.

    ``personas``: the run's published personas by id (``name``, ``goals``, ``needs``, as in its
    ``personas.json``), so the card names them and says what they want; without, they go by id.
    ``synonyms``: industry = label lines added to the built-in table (the config's ``[icp] industry_synonyms``).
    """
    # the matrices are small (units × a few dozen values): BLAS threads only add overhead, and on a busy
    # 2-core machine they spin (a 20 × 3,279 × 60 product: 0.6 ms on one thread, 145 ms on two)
    with one_blas_thread():
        return _learn(run, min_n=min_n, exclude=exclude, seed=seed, personas=personas, synonyms=synonyms)


def _learn(
    run: Run,
    *,
    min_n: int,
    exclude: Collection[str],
    seed: int,
    personas: Personas | None,
    synonyms: Mapping[str, str] | None,
) -> ICP:
    units = load_units(run, min_n=min_n, exclude=exclude, synonyms=synonyms)
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
        card=build_card(run, units.kind, units.ids[covered(units, rules)], bool(rules), min_n=min_n, personas=personas),
        model=_fit(units, rules),
        evaluation=_cross_validate(units, min_n=min_n, seed=seed),
        provenance={
            "version": __version__,
            "min_group_size": min_n,
            "quality": f"coverage^{QUALITY_A} × (precision − best rate), beam search (width {BEAM}) over "
            f"conjunctions of up to {DEPTH} conditions, weighted covering for up to {MAX_RULES} rules",
            "publish": f"n ≥ {min_n}, best ≥ {min_n}, lift ≥ {MIN_LIFT}, p_adjusted < {ALPHA}",
            "excluded_units": len(exclude),
            "rule_interval": "95 % Wilson score interval of the best rate",
            "few_units_warning": f"a rule covering fewer than {FEW} {units.kind}s",
            "industry_synonyms": len(synonyms or {}),
        },
        ignored=list(units.ignored),
    )


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
            units.ignored,
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
