"""Experiment exposures from sources: a generic export of assignments and outcomes, and Segment's Experiment Viewed.

A generic ``csv``/``parquet``/``jsonl`` source with ``table = "experiments"`` maps the canonical
columns (``experiment_id, variant, customer_id`` or ``email``, ``exposed_at, converted, revenue``) in
``[sources.columns]``; any other name it maps is a numeric outcome of the export (``clicks = "Clicks"``),
kept one row per (line, outcome) in ``experiment_outcomes``. Without a ``customer_id``, the email is the
customer's id too (as ``personacraft experiment ID`` joins it). A row without an experiment or a variant,
or naming no customer, is a reject; a value that is not a number is a reject naming its column.

Segment's ``Experiment Viewed`` track calls (properties ``experiment_id``/``experiment_name``,
``variation_id``/``variation_name``) land in ``experiments`` besides ``events``: the experiment is its
id (else its name), the variant its variation's name (else its id). The first view of an experiment by a
user counts (its exposure); a later view, of the same or another variant, is kept as a handled row with
its reason. The outcomes of such exposures are computed in the build (``[[experiments]] compute``).
"""

from __future__ import annotations

from collections.abc import Mapping

from personacraft.engine.script import Statements
from personacraft.schema import CANONICAL
from personacraft.sources.columns import Col, lit, q
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

TABLE = "experiments"
OUTCOMES = "experiment_outcomes"
OUTCOME = Col("number", example="3")  # an extra outcome column of an export: a number per exposure
VIEWED = "Experiment Viewed"


def extra_outcomes(columns: Mapping[str, str]) -> dict[str, str]:
    """The names a ``[sources.columns]`` of an experiments source maps besides the canonical columns:
    outcome name -> file column."""
    return {name: col for name, col in columns.items() if name not in CANONICAL[TABLE]}


def column_specs(mapped: Mapping[str, str], specs: Mapping[str, Col]) -> dict[str, Col]:
    """The parse specs of an experiments source: the experiment and variant are required, extras are numbers."""
    out = {n: OUTCOME if n not in CANONICAL[TABLE] else c for n, c in specs.items()}
    for name in ("experiment_id", "variant"):
        if name in mapped:
            out[name] = Col(required=True)
    return out


def land(run: Run, file: FileLoad, specs: Mapping[str, Col], stage: str = "_stage") -> None:
    """Insert the parsed rows of ``stage``: exposures into ``experiments``, extra outcomes into
    ``experiment_outcomes`` (one row per line and outcome with a value)."""
    person = [c for c in ("customer_id", "email") if c in specs]
    names = " OR ".join(f"nullif(trim({q(c)}), '') IS NOT NULL" for c in person) or "FALSE"
    reject_where(
        run,
        file,
        stage,
        f"NOT ({names})",
        person[0] if person else "customer_id",
        "NULL",
        "'names no customer (map customer_id or email to a column that has one)'",
    )
    canon = {c: q(c) for c in specs if c in CANONICAL[TABLE]}
    if "customer_id" not in canon and "email" in canon:  # an email tool's export: the email names the customer
        canon["customer_id"] = q("email")
    insert(run, file, TABLE, canon, stage)
    key = {c: q(c) if c in specs else "NULL" for c in ("experiment_id", "customer_id")}
    if "customer_id" not in specs and "email" in specs:
        key["customer_id"] = q("email")
    for name in (n for n in specs if n not in CANONICAL[TABLE]):
        insert(
            run,
            file,
            OUTCOMES,
            {**key, "outcome": lit(name), "value": q(name)},
            f"{stage} WHERE {q(name)} IS NOT NULL",
        )


# Segment: the Experiment Viewed calls of ``_stage`` (c: the call as a struct, ts: its time), first view
# per experiment and user; ``{uid}`` and ``{anon}`` are the SQL of the user's id and anonymous id
VIEWS = """CREATE OR REPLACE TEMP TABLE _views AS
SELECT *,
       row_number() OVER (PARTITION BY experiment_id, coalesce(customer_id, anonymous_id) ORDER BY ts, _line) AS nth,
       first(variant) OVER (PARTITION BY experiment_id, coalesce(customer_id, anonymous_id) ORDER BY ts, _line
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_variant
FROM (SELECT _line, ts, coalesce(c.properties.experiment_id, c.properties.experiment_name) AS experiment_id,
             coalesce(c.properties.variation_name, c.properties.variation_id) AS variant,
             {uid} AS customer_id, {anon} AS anonymous_id,
             coalesce(c.context.traits.email, c.traits.email) AS email
      FROM _stage WHERE lower(c.type) = 'track' AND c.event = 'Experiment Viewed')"""


def land_views(run: Statements, file: FileLoad, uid: str, anon: str) -> None:
    """The first ``Experiment Viewed`` call per experiment and user as an exposure; later views are handled."""
    run.execute(VIEWS.format(uid=uid, anon=anon))
    run.execute(
        f"INSERT INTO {run.t('handled')} SELECT ?, ?, _line, 'properties.experiment_id', experiment_id, "
        "CASE WHEN experiment_id IS NULL OR variant IS NULL THEN 'names no experiment or no variation: "
        "not an exposure' WHEN variant IS DISTINCT FROM first_variant THEN 'a view of another variant than the "
        "user saw first: the first exposure counts' "
        "ELSE 'a repeat view of an experiment: the first exposure counts' END "
        "FROM _views WHERE nth > 1 OR experiment_id IS NULL OR variant IS NULL",
        [file.source, str(file.path)],
    )
    insert(
        run,
        file,
        TABLE,
        {c: c for c in ("experiment_id", "variant", "customer_id", "anonymous_id", "email")} | {"exposed_at": "ts"},
        "_views WHERE nth = 1 AND experiment_id IS NOT NULL AND variant IS NOT NULL",
    )
    run.execute("DROP TABLE _views")
