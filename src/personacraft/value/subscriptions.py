"""Contractual churn in a build: who is about to cancel, validated over time, per persona.

The unit is the account when subscribers belong to one (B2B), else the customer. Snapshots
of the subscribers are taken with ``CHURN_SNAPSHOT`` (features from before the cutoff only,
label = cancelled within the horizon ``h`` after it), with ``end`` the newest record:

- **valid**: one snapshot at ``end - h`` (its labels fall in ``(end - h, end]``);
- **train**: snapshots at ``end - 2h``, then every ``STEP_DAYS`` before that (at most
  ``MAX_CUTOFFS``), stacked: every label is known by the validation cutoff;
- **now**: a snapshot at ``end``, whose labels are the future.

The model fitted on *train* is scored on *valid*: that is the reported AUC, a prediction
made with what was known then, about a period it never saw. The model that predicts *now*
is fitted the same way on the snapshots up to ``end - h``, the newest whose outcome is known.
Drivers per persona are permutation importances of the train model on the valid rows of
each persona's units (rows it did not learn from). The snapshots are the engine's steps (Spark SQL
with ``[engine] kind = "spark"``); the churn model is fitted locally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from personacraft.churn.classifier import fit_churn
from personacraft.churn.drivers import group_drivers
from personacraft.churn.validation import validate_over_time
from personacraft.engine import DUCKDB, Engine
from personacraft.features import paid_subscriptions, sql
from personacraft.store import Run
from personacraft.unify import keyed

CATEGORICAL = ("plan", "industry")
# the snapshot's columns as people read them (driver summaries and evidence use these)
LABELS = {
    "plan": "Plan",
    "mrr": "MRR",
    "subscriptions": "Subscriptions",
    "tenure_days": "Tenure (days)",
    "contacts": "Contacts in the account",
    "champions": "Champions",
    "end_users": "Hands-on users",
    "executives": "Executives",
    "events_30d": "Product events, last 30 days",
    "events_90d": "Product events, last 90 days",
    "active_users_30d": "Active users, last 30 days",
    "active_users_90d": "Active users, last 90 days",
    "actions_90d": "Distinct actions, last 90 days",
    "days_since_last_event": "Days since last product use",
    "tickets_90d": "Support tickets and chats, last 90 days",
    "mean_rating": "Mean rating given",
    "industry": "Industry",
    "employees": "Employees",
}
STEP_DAYS = 30  # training snapshots are taken a month apart
MAX_CUTOFFS = 12


@dataclass
class SubscriptionChurn:
    """Each unit's churn probability now, the validation, and drivers per persona."""

    units: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    proba: np.ndarray = field(default_factory=lambda: np.empty(0))
    validation: dict[str, Any] = field(default_factory=dict)
    drivers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    missing: str | None = None


def _at(cutoff: datetime) -> str:
    return f"TIMESTAMP '{cutoff:%Y-%m-%d %H:%M:%S}'"


def _snapshots(run: Run, cutoffs: list[datetime], horizon: int, engine: Engine | None) -> list[dict[str, np.ndarray]]:
    """``CHURN_SNAPSHOT`` at each cutoff, as steps of one engine call (its inputs are read once): the tables
    ``churn_snapshot_0`` … (dropped once read) and their rows by unit."""
    names = [f"churn_snapshot_{i}" for i in range(len(cutoffs))]
    # each step is the registry's statement with its cutoff filled in; the other settings are the step's params
    steps = [(sql.CHURN_SNAPSHOT.replace("{cutoff}", _at(c)), name) for c, name in zip(cutoffs, names, strict=True)]
    committee = (
        run.t("committee")
        if run.has_table("committee")
        else "(SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS role WHERE false)"
    )
    inputs = {
        "people": run.t("people"),
        "customers": keyed(run, "customers"),
        "subscriptions": paid_subscriptions(run),
        "events": keyed(run, "events"),
        "texts": keyed(run, "texts"),
        "accounts": run.t("accounts"),
        "committee": committee,
    }
    (engine or DUCKDB).run_steps(run, steps, inputs, {"generic": sql.GENERIC_EVENTS, "horizon": int(horizon)})
    out = [run.numpy(f"SELECT * FROM {run.t(name)} ORDER BY unit") for name in names]
    for name in names:
        run.execute(f"DROP TABLE IF EXISTS {run.t(name)}")
    return out


def _cutoffs(last: datetime, first: datetime) -> list[datetime]:
    """``last``, then every ``STEP_DAYS`` before it while not before ``first`` (at most ``MAX_CUTOFFS``)."""
    out = [last]
    while len(out) < MAX_CUTOFFS and out[-1] - timedelta(days=STEP_DAYS) >= first:
        out.append(out[-1] - timedelta(days=STEP_DAYS))
    return out


def _stacked(snapshots: dict[datetime, dict[str, np.ndarray]], cutoffs: list[datetime]) -> dict[str, np.ndarray]:
    """The snapshots at ``cutoffs``, stacked."""
    parts = [snapshots[c] for c in cutoffs]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _columns(snap: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for k, v in snap.items():
        if k in ("unit", "churned"):
            continue
        out[LABELS.get(k, k)] = v.astype(object) if k in CATEGORICAL else v.astype(float)
    return out


def subscription_churn(
    run: Run, horizon: int, published: int, min_n: int, seed: int = 0, engine: Engine | None = None
) -> SubscriptionChurn | None:
    """Fit and validate the churn model on the run's subscriptions; None when there are none. The snapshots are
    taken on ``engine`` (DuckDB by default, or Spark); the model is fitted locally on their rows."""
    if not run.has_rows("subscriptions"):
        return None
    end = run.scalar(
        f"""SELECT greatest(
                (SELECT max(greatest(started_at, coalesce(canceled_at, started_at))) FROM {run.t("subscriptions")}),
                (SELECT max(occurred_at) FROM {run.t("events")}),
                (SELECT max(created_at) FROM {run.t("texts")}))"""
    )
    first = run.scalar(f"SELECT min(started_at) FROM {run.t('subscriptions')}")
    if end is None or first is None:
        return SubscriptionChurn(missing="the subscriptions carry no start dates")
    h = timedelta(days=horizon)
    train_cutoffs, known_cutoffs = _cutoffs(end - 2 * h, first), _cutoffs(end - h, first)
    # each cutoff's snapshot is taken once: the training cutoffs are among the known ones when
    # the horizon is a whole number of steps (the default)
    taken = [*dict.fromkeys(known_cutoffs + train_cutoffs), end]  # the last one: now
    *past, now = _snapshots(run, taken, horizon, engine)
    snapshots = dict(zip(taken[:-1], past, strict=True))
    train, known = _stacked(snapshots, train_cutoffs), _stacked(snapshots, known_cutoffs)
    valid = snapshots[end - h]
    valid_columns, now_columns = _columns(valid), _columns(now)
    y_train, y_valid = train["churned"].astype(bool), valid["churned"].astype(bool)
    checked = validate_over_time(_columns(train), y_train, valid_columns, y_valid, seed=seed)
    if isinstance(checked, str):
        return SubscriptionChurn(
            missing=f"{checked} (subscribers running at monthly cutoffs up to {2 * horizon} days, and at "
            f"{horizon} days, before the newest record, {end:%Y-%m-%d}, and whether they cancelled within "
            f"{horizon} days)"
        )
    final = fit_churn(_columns(known), known["churned"].astype(bool), seed=seed)
    if isinstance(final, str):
        return SubscriptionChurn(missing=final)
    result = SubscriptionChurn(
        units=now["unit"].astype(object),
        proba=final.predict_proba(now_columns)[:, 1] if len(now["unit"]) else np.empty(0),
        validation={
            **checked.to_dict(),
            "horizon_days": horizon,
            "end": f"{end:%Y-%m-%d}",
            "train_cutoffs": f"every {STEP_DAYS} days up to {end - 2 * h:%Y-%m-%d}",
            "train_rows": len(y_train),
            "train_churn_events": int(y_train.sum()),
            "valid_cutoff": f"{end - h:%Y-%m-%d}",
            "units_now": len(now["unit"]),
            "features": list(now_columns),
        },
    )
    # drivers per persona: the valid rows of the units each persona's members belong to, one per member
    with run.arrays("churn_valid_units", {"unit": valid["unit"], "row": np.arange(len(valid["unit"]))}) as v:
        members = run.numpy(
            f"""SELECT v.row, l.persona FROM {v} v
                JOIN ({sql.CHURN_UNITS.format(people=run.t("people"))}) u USING (unit)
                JOIN {run.t("labels")} l USING (customer_key)
                WHERE l.persona < {published} ORDER BY l.customer_key"""
        )
    if len(members["row"]):
        rows, groups = members["row"].astype(np.int64), members["persona"].astype(np.int64)
        cols = {k: v[rows] for k, v in valid_columns.items()}
        found = group_drivers(checked.model, cols, y_valid[rows], groups, seed=seed)
        for g, d in found.items():
            p = int(g)
            if isinstance(d, str):
                continue
            result.drivers[p] = [
                {
                    "feature": x.feature,
                    "importance": round(x.importance, 4),
                    "risky": x.risky,
                    "safe": x.safe,
                    "risk_risky": round(x.risk_risky, 4),
                    "risk_safe": round(x.risk_safe, 4),
                    "summary": x.summary,
                }
                for x in d.drivers
            ]
    return result


def persona_risk(
    run: Run, churn: SubscriptionChurn, published: int, min_n: int
) -> tuple[list[dict[str, Any]], float | None]:
    """Per persona, the mean churn probability of the subscribing units its members belong to;
    and the same over every customer who belongs to one."""
    out: list[dict[str, Any]] = [{} for _ in range(published)]
    if not len(churn.units):
        return out, None
    units = sql.CHURN_UNITS.format(people=run.t("people"))
    with run.arrays("churn_now_proba", {"unit": churn.units, "proba": churn.proba}) as view:
        rows = run.dicts(
            f"""SELECT coalesce(l.persona, -1) AS persona, count(*) AS n, avg(v.proba) AS risk
                FROM ({units}) u JOIN {view} v USING (unit)
                LEFT JOIN {run.t("labels")} l USING (customer_key) GROUP BY 1"""
        )
    total = sum(int(r["n"]) for r in rows)
    population = sum(float(r["risk"]) * int(r["n"]) for r in rows) / total if total else None
    for r in rows:
        n, p = int(r["n"]), int(r["persona"])
        if not 0 <= p < published:
            continue
        if n < min_n:
            out[p] = {"missing": f"fewer than {min_n} members belong to a current subscriber ({n})"}
        else:
            out[p] = {"churn_risk": round(float(r["risk"]), 4), "churn_customers": n}
    return out, population
