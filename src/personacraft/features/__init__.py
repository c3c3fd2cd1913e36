"""Per-customer features: run the templates of :mod:`personacraft.features.sql`."""

from __future__ import annotations

from typing import Any

from personacraft.engine import DUCKDB, Engine
from personacraft.features import roles, sql
from personacraft.store import Run
from personacraft.unify import keyed


def paid_subscriptions(run: Run) -> str:
    """SQL subquery: the run's subscriptions that paid (not a trial that ended unpaid), keyed."""
    return sql.PAID_SUBSCRIPTIONS.format(subscriptions=keyed(run, "subscriptions"))


# the per-customer feature tables, in order: (template of features.sql, table it writes)
FEATURE_STEPS: tuple[tuple[str, str], ...] = (
    (sql.CUSTOMER_ORDERS, "cust_orders"),
    (sql.ORDER_FEATURES, "order_features"),
    (sql.PRODUCT_SHARES, "product_shares"),
    (sql.EVENT_FEATURES, "event_features"),
    (sql.SURVEY_FEATURES, "survey_features"),
    (sql.PEOPLE, "people"),
    (sql.ACTIVITY, "activity"),
    (sql.FEATURE_COUNTS, "feature_counts"),
    (sql.ATTRIBUTES, "attributes"),
)
# the tables the steps read that no step writes: canonical rows, keyed to their customer
FEATURE_INPUTS = ("orders", "order_lines", "events", "survey", "customers", "subscriptions", "accounts")


def feature_params(
    *, min_group: int, new_days: int = 90, top_products: int = 30, max_answers: int = 12
) -> dict[str, Any]:
    """The settings the feature templates are filled with (besides table names)."""
    return {
        "top_n": top_products,
        "max_answers": max_answers,
        "min_group": min_group,
        "new_days": int(new_days),
        "generic": sql.GENERIC_EVENTS,
    }


def feature_inputs(run: Run) -> dict[str, str]:
    """The run's inputs of :data:`FEATURE_STEPS` as DuckDB SQL (tables, or keyed subqueries)."""
    return {
        "orders": keyed(run, "orders"),
        "order_lines": run.t("order_lines"),
        "events": keyed(run, "events"),
        "survey": keyed(run, "survey_answers"),
        "customers": keyed(run, "customers"),
        "subscriptions": paid_subscriptions(run),
        "accounts": run.t("accounts"),
    }


def build_features(
    run: Run,
    *,
    min_group: int,
    new_days: int = 90,
    top_products: int = 30,
    max_answers: int = 12,
    engine: Engine | None = None,
) -> None:
    """Compute every feature table of the run from its canonical tables, on ``engine`` (DuckDB by default).

    Segmentation reads ``feature_counts``, profiles read ``attributes`` and persona values
    read ``order_features``; the others are intermediate.
    """
    params = feature_params(min_group=min_group, new_days=new_days, top_products=top_products, max_answers=max_answers)
    (engine or DUCKDB).run_steps(run, FEATURE_STEPS, feature_inputs(run), params)
    build_committees(run)


def build_committees(run: Run) -> bool:
    """Write ``committee`` (one row per contact of an account, with their committee role); False when
    there are no accounts."""
    if not run.scalar(f"SELECT count(*) FROM {run.t('people')} WHERE account_id IS NOT NULL"):
        return False
    priority = "[" + ", ".join(f"'{r}'" for r in roles.COMMITTEE_ROLES) + "]"
    persona_type = " ".join(f"WHEN '{r}' THEN '{t}'" for r, t in roles.PERSONA_TYPES.items())
    run.execute(
        sql.COMMITTEE.format(
            out=run.t("committee"),
            people=run.t("people"),
            deals=run.t("deals"),
            subscriptions=paid_subscriptions(run),
            activity=run.t("activity"),
            crm_role=roles.crm_role_sql("r"),
            priority=priority,
            title_role=roles.title_role_sql("p.seniority", "p.job_function", "lower(p.job_title)"),
            persona_type=f"CASE r.role {persona_type} END",
        )
    )
    return True


def add_text_themes(run: Run) -> None:
    """Add the customers' text themes (``text_themes``, ``themes``) to ``feature_counts``."""
    run.execute(
        sql.TEXT_THEME_COUNTS.format(
            feature_counts=run.t("feature_counts"), text_themes=run.t("text_themes"), themes=run.t("themes")
        )
    )


def customer_status(run: Run, *, lapsed_days: int, lapsed_p_alive: float = 0.0) -> None:
    """``customer_status``: who left (churned subscribers, lapsed shop customers) and who stayed.

    A shop customer lapsed when their last order is more than ``lapsed_days`` old, or when the
    CLV model (``customer_value``, when the run has it) gives them P(alive) < ``lapsed_p_alive``.
    """
    value = (
        run.t("customer_value")
        if run.has_table("customer_value")
        else "(SELECT NULL::VARCHAR AS customer_key, NULL::DOUBLE AS p_alive WHERE false)"
    )
    run.execute(
        sql.CUSTOMER_STATUS.format(
            out=run.t("customer_status"),
            order_features=run.t("order_features"),
            subscriptions=paid_subscriptions(run),
            customer_value=value,
            lapsed_days=int(lapsed_days),
            lapsed_p_alive=float(lapsed_p_alive),
        )
    )
