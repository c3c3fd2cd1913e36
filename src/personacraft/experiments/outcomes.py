"""The exposures of one ``[[experiments]]`` entry as a relation to read: customers, personas, outcomes.

:func:`exposures` resolves an entry against the run (which experiment ids it means, checked against
the ``experiments`` table: an unknown experiment, source, control or outcome is a
:class:`~personacraft.errors.ConfigError` naming the config file, the entry and the key) and writes
one temp table per experiment with one row per exposure: its file line, the customer it names (its
``customer_key``, through the ids, emails and cookies identity resolution linked), the customer's
persona id, the variant, and every outcome. Rules, counted with their reason (never silent):

- an exposure naming no customer of the workspace is left out ("not a customer of the workspace");
- an export's empty ``revenue`` counts as 0 where ``converted`` is known to be false;
- a computed outcome needs its whole window: an exposure whose ``window_days`` end after the
  workspace's newest order (or event) is left out ("window not over when the data end").

Computed outcomes (``compute``) count what the customer did within ``window_days`` after exposure:
``converted`` (an order, or ``conversion_event``), ``revenue`` (the orders' amount), ``orders``,
``churned`` (a subscription cancelled). Customers outside every published persona are the group
``unassigned``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from personacraft.errors import ConfigError
from personacraft.experiment_settings import ExperimentConfig
from personacraft.sources.columns import lit, q
from personacraft.store import Run
from personacraft.unify import keyed, norm_email

UNASSIGNED = "unassigned"
LEFT_OUT = "not a customer of the workspace"
UNFINISHED = "window not over when the data end"

# one row per exposure of the experiments named by {where}: its customer (the first of its id, email or
# cookie that identity resolution knows), persona, variant and the export's outcomes
EXPOSURES = """CREATE OR REPLACE TEMP TABLE {out} AS
SELECT row_number() OVER (ORDER BY x._file, x._line, x.experiment_id) AS _row, x._line, x._source, x._file,
       x.experiment_id, x.variant, x.exposed_at,
       coalesce(i1.customer_key, i2.customer_key, i3.customer_key) AS customer_key,
       x.converted::DOUBLE AS converted,
       CASE WHEN x.revenue IS NULL AND x.converted = FALSE THEN 0.0 ELSE x.revenue END AS revenue
FROM {experiments} x
LEFT JOIN {identity} i1 ON i1.node = 'id:' || CASE WHEN NOT contains(x.customer_id, '@') THEN trim(x.customer_id) END
LEFT JOIN {identity} i2 ON i2.node = 'email:' || {email}
LEFT JOIN {identity} i3 ON i3.node = 'anon:' || trim(x.anonymous_id)
WHERE {where}"""
# an extra outcome of the export (experiment_outcomes), by the line of its exposure
EXTRA_OUTCOME = """SELECT e._row, max(o.value) AS value
FROM {exposures} e JOIN {outcomes} o ON o._source = e._source AND o._file = e._file AND o._line = e._line
 AND o.outcome = {name} AND o.experiment_id IS NOT DISTINCT FROM e.experiment_id
GROUP BY e._row"""
# per exposure: the customer's orders (count, amount) in the window after it
ORDER_WINDOW = """SELECT e._row, count(*) AS n, sum(coalesce(o.amount, 0)) AS amount
FROM {exposures} e JOIN {orders} o ON o.customer_key = e.customer_key
 AND o.ordered_at > e.exposed_at AND o.ordered_at <= e.exposed_at + to_days({days})
GROUP BY e._row"""
# per exposure: the customer's events named {event} in the window after it
EVENT_WINDOW = """SELECT e._row, count(*) AS n, 0.0 AS amount
FROM {exposures} e JOIN {events} v ON v.customer_key = e.customer_key AND v.event_name = {event}
 AND v.occurred_at > e.exposed_at AND v.occurred_at <= e.exposed_at + to_days({days})
GROUP BY e._row"""
# per exposure: the customer's subscriptions cancelled in the window after it
CHURN_WINDOW = """SELECT e._row, count(*) AS n, 0.0 AS amount
FROM {exposures} e JOIN {subscriptions} s ON s.customer_key = e.customer_key
 AND s.canceled_at > e.exposed_at AND s.canceled_at <= e.exposed_at + to_days({days})
GROUP BY e._row"""
# the relation read: exposures of workspace customers whose windows are over, with persona and outcomes
RELATION = """CREATE OR REPLACE TEMP TABLE {out} AS
SELECT e._line, e.customer_key, e.variant, coalesce(p.persona_id, {unassigned}) AS persona, v.* EXCLUDE (_row)
FROM {exposures} e LEFT JOIN {labels} l USING (customer_key) LEFT JOIN {personas} p ON p.persona = l.persona
JOIN ({values}) v USING (_row)
WHERE e.customer_key IS NOT NULL AND {complete}"""


@dataclass
class Exposures:
    """One experiment of an entry, ready to read: its relation table and what was left out of it."""

    entry: ExperimentConfig
    experiment: str
    table: str
    outcomes: list[str]
    read: int = 0
    left_out: dict[str, int] = field(default_factory=dict)  # reason -> exposures


def exposures(run: Run, entry: ExperimentConfig, labels: str, personas: str, index: int) -> list[Exposures]:
    """The relation of every experiment ``entry`` names (one per experiment id), checked against the run.

    ``labels``: a table of (customer_key, persona); ``personas``: a table of (persona, persona_id).
    """
    t = run.t("experiments")
    if entry.source:
        sources = [r[0] for r in run.execute(f"SELECT DISTINCT _source FROM {t} ORDER BY 1").fetchall()]
        if entry.source not in sources:
            raise ConfigError(
                f'{entry.where}: "source" names "{entry.source}", which fed no experiment exposure; '
                f"sources that did: {', '.join(sources) or 'none'}."
            )
        where = f"x._source = {lit(entry.source)}"
        ids = [
            r[0] for r in run.execute(f"SELECT DISTINCT experiment_id FROM {t} x WHERE {where} ORDER BY 1").fetchall()
        ]
    else:
        where = f"x.experiment_id = {lit(entry.experiment)}"
        known = [r[0] for r in run.execute(f"SELECT DISTINCT experiment_id FROM {t} ORDER BY 1").fetchall()]
        if entry.experiment not in known:
            shown = ", ".join(str(k) for k in known[:10]) or "no experiment (no source feeds the experiments table)"
            raise ConfigError(
                f'{entry.where}: "experiment" names "{entry.experiment}", which is not in the experiments table; '
                f"it holds {shown}."
            )
        ids = [entry.experiment]
    out = []
    for j, experiment in enumerate(ids):
        name = f"_xp_exposures_{index}_{j}"
        run.execute(
            EXPOSURES.format(
                out=name,
                experiments=t,
                identity=run.t("identity"),
                email=norm_email("coalesce(x.email, CASE WHEN contains(x.customer_id, '@') THEN x.customer_id END)"),
                where=f"{where} AND x.experiment_id = {lit(experiment)}",
            )
        )
        _check(run, entry, experiment, name)
        out.append(_relation(run, entry, experiment, name, labels, personas, f"_xp_relation_{index}_{j}"))
    return out


def _check(run: Run, entry: ExperimentConfig, experiment: str, table: str) -> None:
    """The control must be a variant, and every outcome of ``outcomes`` carried by the export."""
    variants = [r[0] for r in run.execute(f"SELECT DISTINCT variant FROM {table} ORDER BY 1").fetchall()]
    if entry.control not in variants:
        raise ConfigError(
            f'{entry.where}: "control" is "{entry.control}", which is not a variant of experiment "{experiment}"; '
            f"its variants are {', '.join(str(v) for v in variants)}."
        )
    carried = _carried(run, experiment, table)
    unknown = [o for o in entry.outcomes if o not in carried]
    if unknown:
        hint = f'; or compute {", ".join(o for o in unknown if o in ("converted", "revenue"))} with "compute"'
        raise ConfigError(
            f'{entry.where}: "outcomes" names {", ".join(repr(o) for o in unknown)}, which the export of experiment '
            f'"{experiment}" does not carry; it carries {", ".join(carried) or "no outcome"}'
            + (hint if any(o in ("converted", "revenue") for o in unknown) else "")
            + "."
        )
    needs = {"converted": "orders", "revenue": "orders", "orders": "orders", "churned": "subscriptions"}
    for o in entry.compute:
        table_needed = "events" if o == "converted" and entry.conversion_event else needs[o]
        if not run.has_rows(table_needed):
            raise ConfigError(
                f'{entry.where}: "compute" names "{o}", which needs {table_needed}, and no source fed any.'
            )


def _carried(run: Run, experiment: str, table: str) -> list[str]:
    """The outcomes the export holds a value of, for this experiment."""
    row = run.execute(f"SELECT count(converted), count(revenue) FROM {table}").fetchone() or (0, 0)
    names = [n for n, c in zip(("converted", "revenue"), row, strict=True) if c]
    extra = run.execute(
        f"SELECT DISTINCT outcome FROM {run.t('experiment_outcomes')} WHERE experiment_id = ? ORDER BY 1",
        [experiment],
    ).fetchall()
    return [*names, *(str(r[0]) for r in extra)]


def _relation(
    run: Run, entry: ExperimentConfig, experiment: str, exposures: str, labels: str, personas: str, out: str
) -> Exposures:
    joins, cols = [], []
    for k, o in enumerate(entry.outcomes):
        if o in ("converted", "revenue"):
            cols.append(f"e.{o} AS {q(o)}")
            continue
        sql = EXTRA_OUTCOME.format(exposures=exposures, outcomes=run.t("experiment_outcomes"), name=lit(o))
        joins.append(f"LEFT JOIN ({sql}) x{k} USING (_row)")
        cols.append(f"x{k}.value AS {q(o)}")
    days = entry.window_days
    complete = "TRUE"
    if entry.compute:
        end = _data_end(run, entry)
        complete = "FALSE"  # no data to count the outcomes in
        if end is not None:
            complete = f"e.exposed_at IS NOT NULL AND e.exposed_at + to_days({days}) <= {lit(end)}::TIMESTAMP"
    for k, o in enumerate(entry.compute):
        w = _window(run, entry, o, exposures)
        joins.append(f"LEFT JOIN ({w}) w{k} USING (_row)")
        value = {
            "converted": f"(coalesce(w{k}.n, 0) > 0)::DOUBLE",
            "revenue": f"coalesce(w{k}.amount, 0)",
            "orders": f"coalesce(w{k}.n, 0)::DOUBLE",
            "churned": f"(coalesce(w{k}.n, 0) > 0)::DOUBLE",
        }[o]
        cols.append(f"{value} AS {q(o)}")
    run.execute(
        RELATION.format(
            out=out,
            exposures=exposures,
            labels=labels,
            personas=personas,
            unassigned=lit(UNASSIGNED),
            values=f"SELECT e._row, {', '.join(cols)} FROM {exposures} e {' '.join(joins)}",
            complete=complete,
        )
    )
    read = int(run.scalar(f"SELECT count(*) FROM {exposures}") or 0)
    unknown = int(run.scalar(f"SELECT count(*) FROM {exposures} WHERE customer_key IS NULL") or 0)
    kept = int(run.scalar(f"SELECT count(*) FROM {out}") or 0)
    left_out = {LEFT_OUT: unknown, UNFINISHED: read - unknown - kept}
    return Exposures(
        entry, experiment, out, [*entry.outcomes, *entry.compute], read, {k: v for k, v in left_out.items() if v}
    )


def _window(run: Run, entry: ExperimentConfig, outcome: str, exposures: str) -> str:
    days = entry.window_days
    if outcome == "churned":
        return CHURN_WINDOW.format(exposures=exposures, subscriptions=keyed(run, "subscriptions"), days=days)
    if outcome == "converted" and entry.conversion_event:
        return EVENT_WINDOW.format(
            exposures=exposures, events=keyed(run, "events"), event=lit(entry.conversion_event), days=days
        )
    return ORDER_WINDOW.format(exposures=exposures, orders=keyed(run, "orders"), days=days)


def _data_end(run: Run, entry: ExperimentConfig) -> str | None:
    """The newest time the computed outcomes' tables hold: a window must end by then."""
    parts = []
    if any(o in ("converted", "revenue", "orders") for o in entry.compute) and not entry.conversion_event:
        parts.append(f"(SELECT max(ordered_at) FROM {run.t('orders')})")
    if "revenue" in entry.compute or "orders" in entry.compute:
        parts.append(f"(SELECT max(ordered_at) FROM {run.t('orders')})")
    if entry.conversion_event and "converted" in entry.compute:
        parts.append(f"(SELECT max(occurred_at) FROM {run.t('events')})")
    if "churned" in entry.compute:
        parts.append(f"(SELECT max(greatest(started_at, canceled_at)) FROM {run.t('subscriptions')})")
    value = run.scalar(f"SELECT least({', '.join(parts)})") if parts else None
    return None if value is None else str(value)


def drop(run: Run, found: Sequence[Exposures]) -> None:
    """Drop the temp tables of :func:`exposures`."""
    for e in found:
        run.execute(f"DROP TABLE IF EXISTS {e.table}")
        run.execute(f"DROP TABLE IF EXISTS {e.table.replace('_xp_relation_', '_xp_exposures_')}")


def summary(found: Exposures) -> dict[str, Any]:
    """What was read and left out before the reading, for the persona blocks and the report."""
    return {"exposures": found.read, "left_out": found.left_out}
