"""The journey tables of a run (touches, customers, paths, sessions, starts; prospects), from features.sql."""

from __future__ import annotations

from typing import Any

import numpy as np

from personacraft.config import JourneyConfig
from personacraft.engine import DUCKDB, Engine
from personacraft.features import sql
from personacraft.journey.barriers import ALL
from personacraft.journey.stages import event_map, lifecycle_map, stage_rows
from personacraft.store import Run
from personacraft.unify import keyed

GROUPS = "_jgroups"  # temp table: customer_key, grp (a published persona, or ALL for every customer)


def write_groups(run: Run, published: int) -> dict[int, int]:
    """Write the ``GROUPS`` table: every customer once in their published persona and once in ``ALL``;
    return the customers per group."""
    groups = f"""(SELECT customer_key, persona AS grp FROM {run.t("labels")} WHERE persona < {int(published)}
                 UNION ALL SELECT customer_key, {ALL} FROM {run.t("labels")})"""
    run.execute(f"CREATE OR REPLACE TEMP TABLE {GROUPS} AS {groups}")
    return dict(run.execute(f"SELECT grp, count(*) FROM {GROUPS} GROUP BY 1").fetchall())


def write_maps(run: Run, cfg: JourneyConfig) -> None:
    """Write the step table and the event and lifecycle mappings in the run."""
    steps = stage_rows()
    run.write_arrays(
        "journey_steps",
        {
            "step": np.array(steps["step"], dtype=object),
            "stage": np.array(steps["stage"], dtype=object),
            "stage_no": np.array([-1 if x is None else x for x in steps["stage_no"]], dtype=np.int32),
            "label": np.array(steps["label"], dtype=object),
        },
    )
    run.execute(f"UPDATE {run.t('journey_steps')} SET stage_no = NULL WHERE stage_no < 0")
    events = event_map(cfg)
    run.write_arrays(
        "journey_event_map",
        {"event": np.array(list(events), dtype=object), "step": np.array(list(events.values()), dtype=object)},
    )
    life = lifecycle_map(cfg)
    run.write_arrays(
        "journey_lifecycle",
        {"lifecycle": np.array(list(life), dtype=object), "stage": np.array(list(life.values()), dtype=object)},
    )


def write_prospects(run: Run) -> None:
    """Write ``journey_prospects``: the anonymous visitors and the furthest stage each reached (needs the maps)."""
    t = run.t
    run.execute(
        sql.JOURNEY_PROSPECTS.format(
            out=t("journey_prospects"),
            events=keyed(run, "events"),
            event_map=t("journey_event_map"),
            steps=t("journey_steps"),
        )
    )


# the per-customer journey tables, in order: (template of features.sql, table it writes)
JOURNEY_STEPS: tuple[tuple[str, str], ...] = (
    (sql.JOURNEY_TOUCHES, "journey_touches"),
    (sql.JOURNEY_CUSTOMERS, "journey_customers"),
    (sql.JOURNEY_PATHS, "journey_paths"),
    (sql.JOURNEY_SESSIONS, "journey_sessions"),
    (sql.JOURNEY_STARTS, "journey_starts"),
)


def journey_inputs(run: Run, cfg: JourneyConfig) -> tuple[dict[str, str], dict[str, Any]]:
    """The inputs of :data:`JOURNEY_STEPS` as DuckDB SQL, and the settings their templates are filled with."""
    t = run.t
    tables = {
        "events": keyed(run, "events"),
        "event_map": t("journey_event_map"),
        "lifecycle_map": t("journey_lifecycle"),
        "steps": t("journey_steps"),
        "cust_orders": t("cust_orders"),
        "subscriptions": keyed(run, "subscriptions"),  # all of them: a trial that never paid is evidence too
        "people": t("people"),
        "deals": t("deals"),
        "customers": keyed(run, "customers"),
        "texts": keyed(run, "texts"),
        "survey": keyed(run, "survey_answers"),
        "touches": t("journey_touches"),
        "journey_customers": t("journey_customers"),
    }
    params = {
        "never_paid": sql.NEVER_PAID,
        "advocacy_rating": float(cfg.advocacy_rating),
        "retention_days": int(cfg.retention_days),
        "window_days": int(cfg.window_days),
        "onboarding_days": int(cfg.onboarding_days),
        "path_steps": int(cfg.path_steps),
        "ignore": ", ".join("'" + x.lower().replace("'", "''") + "'" for x in cfg.path_ignore) or "''",
    }
    return tables, params


def write_tables(run: Run, cfg: JourneyConfig, engine: Engine | None = None) -> None:
    """Write the step and mapping tables, then the per-customer journey tables (on ``engine``, DuckDB by
    default) and the anonymous visitors' (``journey_prospects``), in the run."""
    write_maps(run, cfg)
    tables, params = journey_inputs(run, cfg)
    (engine or DUCKDB).run_steps(run, JOURNEY_STEPS, tables, params)
    write_prospects(run)
