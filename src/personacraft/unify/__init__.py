"""Identity resolution: one customer from every record that names them.

Each record contributes identifier nodes (``id:`` namespaced ids, ``email:`` normalised
emails, ``phone:`` numbers in E.164, ``anon:`` analytics cookies). Keys link in order of
precedence (system ids > email > phone > cookie, :mod:`personacraft.unify.precedence`): a weaker
key never joins two different ids of one system. Connected components (label propagation in SQL)
are customers; components made of anonymous cookies alone are visitors. The result is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.engine.script import SparkScript
from personacraft.phones import normalise_all
from personacraft.sources.columns import lit
from personacraft.store import Run
from personacraft.unify import sql
from personacraft.unify.precedence import LEVELS, resolve_components

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def norm_email(expr: str) -> str:
    """SQL: a normalised email (trimmed, lower case) or NULL when it is not an email."""
    e = f"lower(trim({expr}))"
    return f"CASE WHEN regexp_matches({e}, '{EMAIL_RE}') THEN {e} END"


# (table, id, email, anonymous id, phone): the columns of each canonical table that name a person
RECORD_KEYS: list[tuple[str, str, str, str, str]] = [
    ("customers", "customer_id", "email", "NULL", "phone"),
    ("orders", "customer_id", "email", "NULL", "NULL"),
    ("texts", "customer_id", "email", "NULL", "NULL"),
    ("survey_answers", "customer_id", "email", "NULL", "NULL"),
    ("events", "customer_id", "email", "anonymous_id", "NULL"),
    ("subscriptions", "customer_id", "email", "NULL", "NULL"),
    ("deal_contacts", "customer_id", "NULL", "NULL", "NULL"),
]


# the run's tables identity resolution makes (what an engine other than DuckDB hands back)
IDENTITY_TABLES = ("phones", "identity", "customer_emails", "customer_index")


@dataclass
class MergeReport:
    """What identity resolution did: counts, keys used and conflicts found."""

    records: int = 0
    customers: int = 0
    visitors: int = 0
    multi_source_customers: int = 0
    phones_normalised: int = 0
    phones_unusable: int = 0
    phones_shared: int = 0
    merged_on: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)
    conflict_examples: list[dict[str, Any]] = field(default_factory=list)
    iterations: int = 0
    # the order keys link in, strongest first (docs/identity.md)
    precedence: list[str] = field(default_factory=lambda: [kind for kind, _, _ in LEVELS if kind != "link"])
    # per key kind: keys left out of linking because they would join two ids of one system
    kept_apart: dict[str, int] = field(default_factory=dict)
    # up to 10 of them, without their value: kind, SHA-256 prefix, rule, namespace and the ids
    kept_apart_examples: list[dict[str, Any]] = field(default_factory=list)
    # per table: records whose strongest key was left out, so they belong to no customer
    unattributed: dict[str, int] = field(default_factory=dict)
    # [identity] method = "splink": records compared, threshold and links made (empty with the rules alone)
    linkage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def node_sql(id_expr: str, email_expr: str, anon_expr: str) -> tuple[str, str, str]:
    return (
        f"CASE WHEN nullif(trim({id_expr}), '') IS NOT NULL THEN 'id:' || trim({id_expr}) END",
        f"'email:' || {norm_email(email_expr)}",
        f"CASE WHEN nullif(trim({anon_expr}), '') IS NOT NULL THEN 'anon:' || trim({anon_expr}) END",
    )


def _phone_map(run: Run | SparkScript, default_region: str | None, rep: MergeReport) -> None:
    """``_phones`` (raw, country, e164) for every distinct phone of a customer record."""
    pairs = run.numpy(
        f"SELECT DISTINCT phone, country FROM {run.t('customers')} WHERE nullif(trim(phone), '') IS NOT NULL "
        "ORDER BY phone, country"
    )
    raw = pairs.get("phone", np.array([], dtype=object))
    country = pairs.get("country", np.array([], dtype=object))
    e164 = normalise_all(zip(raw.tolist(), country.tolist(), strict=True), default_region)
    run.write_arrays(
        "phones",
        {
            "raw": raw.astype(object),
            "country": country.astype(object),
            "e164": np.array(e164, dtype=object),
        },
    )
    rep.phones_normalised = sum(1 for p in e164 if p)
    rep.phones_unusable = len(e164) - rep.phones_normalised


def unify(
    run: Run | SparkScript,
    default_phone_region: str | None = None,
    max_emails_per_phone: int = 2,
    links: str | Callable[[Run], str] | None = None,
) -> MergeReport:
    """Build ``identity`` (node → customer_key), ``customer_emails`` and ``customer_index`` for the run.

    ``links``: SQL giving pairs ``(a, b)`` of records' strongest keys (``id:…``, ``email:…``) that a
    probabilistic linker matched, or a function of the run returning it (called once the phone map
    exists, :func:`personacraft.unify.linkage.splink_linker`); they link below phones, under the same
    precedence. ``run`` may be a :class:`~personacraft.engine.script.SparkScript`: the same statements on Spark."""
    rep = MergeReport()
    _phone_map(run, default_phone_region, rep)
    parts = []
    for table, i, e, a, ph in RECORD_KEYS:
        ni, ne, na = node_sql(i, e, a)
        phone = "NULL" if ph == "NULL" else phone_node(run, f"r.{ph}", "r.country")
        parts.append(
            f"SELECT {lit(table)} AS tbl, _source AS src, {ni} AS n_id, {ne} AS n_email, {na} AS n_anon, "
            f"{phone} AS n_phone FROM {run.t(table)} r"
        )
    run.execute(f"CREATE OR REPLACE TEMP TABLE _rec0 AS {' UNION ALL '.join(parts)}")
    rep.records = int(run.scalar("SELECT count(*) FROM _rec0") or 0)
    # a number shared by many people (a switchboard, a household) would merge them: not used
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _shared AS SELECT n_phone FROM _rec0
        WHERE n_phone IS NOT NULL AND n_email IS NOT NULL GROUP BY 1
        HAVING count(DISTINCT n_email) > {int(max_emails_per_phone)}"""
    )
    rep.phones_shared = int(run.scalar("SELECT count(*) FROM _shared") or 0)
    run.execute("UPDATE _rec0 SET n_phone = NULL WHERE n_phone IN (SELECT n_phone FROM _shared)")
    run.execute(sql.RECORDS)
    if links is not None:
        pairs = links
        if callable(links):  # the Splink linker reads the workspace: that stage runs on DuckDB (docs/spark.md)
            assert isinstance(run, Run)
            pairs = links(run)
        run.execute(f"CREATE OR REPLACE TEMP TABLE _links AS SELECT DISTINCT a, b FROM ({pairs}) WHERE a <> b")
    resolve_components(run, rep, links=links is not None)
    t = run.t
    run.execute(sql.IDENTITY.format(identity=t("identity")))
    rep.visitors = int(run.scalar(sql.VISITORS) or 0)
    run.execute(sql.CUSTOMER_EMAILS.format(customer_emails=t("customer_emails"), identity=t("identity")))
    run.execute(
        sql.CUSTOMER_INDEX.format(
            customer_index=t("customer_index"),
            customer_emails=t("customer_emails"),
            identity=t("identity"),
            namespace=sql.NAMESPACE.format(node="node"),
        )
    )
    _report(run, rep)
    return rep


def _report(run: Run | SparkScript, rep: MergeReport) -> None:
    """Fill ``rep`` with what the run's identity tables say."""
    rep.customers = int(run.scalar(f"SELECT count(*) FROM {run.t('customer_index')}") or 0)
    rep.multi_source_customers = int(
        run.scalar(
            f"""SELECT count(*) FROM (SELECT i.customer_key FROM _rec r
            JOIN {run.t("identity")} i ON i.node = r.hub GROUP BY 1 HAVING count(DISTINCT r.src) > 1)"""
        )
        or 0
    )
    for tbl, n in run.execute(
        f"SELECT r.tbl, count(*) FROM _rec r JOIN {run.t('identity')} i ON i.node = r.hub GROUP BY r.tbl ORDER BY r.tbl"
    ).fetchall():
        rep.merged_on[f"{tbl} records linked"] = int(n)
    for key, n in run.execute(
        """SELECT concat_ws('+', CASE WHEN n_id IS NOT NULL THEN 'id' END,
                             CASE WHEN n_email IS NOT NULL THEN 'email' END,
                             CASE WHEN n_phone IS NOT NULL THEN 'phone' END,
                             CASE WHEN n_anon IS NOT NULL THEN 'cookie' END)
                  AS key, count(*) FROM _rec GROUP BY 1 ORDER BY 1"""
    ).fetchall():
        rep.merged_on[f"records keyed by {key or 'nothing'}"] = int(n)
    idx = run.t("customer_index")
    rep.conflicts["customers with two ids from the same system"] = int(
        run.scalar(f"SELECT count(*) FROM {idx} WHERE max_ids_per_namespace > 1") or 0
    )
    rep.conflicts["customers with several emails"] = int(
        run.scalar(f"SELECT count(*) FROM {idx} WHERE n_emails > 1") or 0
    )
    rep.conflict_examples = run.dicts(
        f"SELECT customer_key, n_ids, n_emails, n_phones FROM {idx} "
        "WHERE max_ids_per_namespace > 1 OR n_emails > 1 ORDER BY customer_key LIMIT 10"
    )
    kept = dict(run.execute("SELECT kind, count(DISTINCT node) FROM _contested GROUP BY kind").fetchall())
    rep.kept_apart = {kind: int(kept.get(kind, 0)) for kind, _, _ in LEVELS[1:] if kind != "link" or kind in kept}
    rep.kept_apart_examples = run.dicts(sql.KEPT_APART_EXAMPLES)
    rep.unattributed = {str(k): int(n) for k, n in run.execute(sql.UNATTRIBUTED).fetchall()}


def keyed(run: Run, table: str) -> str:
    """SQL subquery: the rows of canonical ``table`` with their ``customer_key``.

    All identifiers of a record belong to one component, so the first present one
    finds the customer. Rows of anonymous visitors get a NULL key.
    """
    _, i, e, a, ph = next(k for k in RECORD_KEYS if k[0] == table)

    def col(c: str) -> str:
        return "NULL" if c == "NULL" else f"r.{c}"

    ni, ne, na = node_sql(col(i), col(e), col(a))
    np_ = "NULL" if ph == "NULL" else phone_node(run, f"r.{ph}", "r.country")
    return (
        f"(SELECT r.*, idn.customer_key FROM {run.t(table)} r "
        f"LEFT JOIN {run.t('identity')} idn ON idn.node = coalesce({ni}, {ne}, {np_}, {na}))"
    )


def phone_node(run: Run | SparkScript, phone: str, country: str) -> str:
    """SQL: the ``phone:`` node of a raw phone, via the run's ``phones`` map (one row per raw phone and country:
    ``max`` only makes the subquery an aggregate, which Spark needs of a correlated scalar subquery)."""
    return (
        f"(SELECT max('phone:' || p.e164) FROM {run.t('phones')} p WHERE p.raw = {phone} "
        f"AND p.country IS NOT DISTINCT FROM {country})"
    )
