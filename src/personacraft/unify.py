"""Identity resolution: one customer from every record that names them.

Each record contributes identifier nodes (``id:`` namespaced ids, ``email:`` normalised
emails, ``phone:`` numbers in E.164, ``anon:`` analytics cookies). Records link their nodes; connected components
(union-find, computed as label propagation in SQL) are customers. Components made of
anonymous cookies alone are visitors, not customers. The result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.phones import normalise_all
from personacraft.sources.columns import lit
from personacraft.store import Run

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

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def node_sql(id_expr: str, email_expr: str, anon_expr: str) -> tuple[str, str, str]:
    return (
        f"CASE WHEN nullif(trim({id_expr}), '') IS NOT NULL THEN 'id:' || trim({id_expr}) END",
        f"'email:' || {norm_email(email_expr)}",
        f"CASE WHEN nullif(trim({anon_expr}), '') IS NOT NULL THEN 'anon:' || trim({anon_expr}) END",
    )


def _phone_map(run: Run, default_region: str | None, rep: MergeReport) -> None:
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


def unify(run: Run, default_phone_region: str | None = None, max_emails_per_phone: int = 2) -> MergeReport:
    """Build ``identity`` (node → customer_key) and ``customer_index`` for the run."""
    rep = MergeReport()
    _phone_map(run, default_phone_region, rep)
    parts = []
    for table, i, e, a, ph in RECORD_KEYS:
        ni, ne, na = node_sql(i, e, a)
        phone = "NULL" if ph == "NULL" else _phone_node(run, f"r.{ph}", "r.country")
        src = "_source"
        parts.append(
            f"SELECT {lit(table)} AS tbl, {src} AS src, {ni} AS n_id, {ne} AS n_email, {na} AS n_anon, "
            f"{phone} AS n_phone FROM {run.t(table)} r"
        )
    run.execute(f"CREATE OR REPLACE TEMP TABLE _rec AS {' UNION ALL '.join(parts)}")
    rep.records = int(run.scalar("SELECT count(*) FROM _rec") or 0)
    # a number shared by many people (a switchboard, a household) would merge them: not used
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _shared AS SELECT n_phone FROM _rec
        WHERE n_phone IS NOT NULL AND n_email IS NOT NULL GROUP BY 1
        HAVING count(DISTINCT n_email) > {int(max_emails_per_phone)}"""
    )
    rep.phones_shared = int(run.scalar("SELECT count(*) FROM _shared") or 0)
    run.execute("UPDATE _rec SET n_phone = NULL WHERE n_phone IN (SELECT n_phone FROM _shared)")
    # each record links all its identifiers: a star around its first one
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _edges AS
        WITH r AS (SELECT coalesce(n_id, n_email, n_phone, n_anon) AS hub, n_id, n_email, n_phone, n_anon FROM _rec)
        SELECT DISTINCT hub AS a, b FROM (
            SELECT hub, n_id AS b FROM r UNION ALL SELECT hub, n_email FROM r
            UNION ALL SELECT hub, n_phone FROM r UNION ALL SELECT hub, n_anon FROM r
        ) WHERE b IS NOT NULL AND b <> hub"""
    )
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _nodes AS SELECT DISTINCT node, node AS comp FROM (
            SELECT n_id AS node FROM _rec UNION ALL SELECT n_email FROM _rec UNION ALL SELECT n_anon FROM _rec
            UNION ALL SELECT n_phone FROM _rec
        ) WHERE node IS NOT NULL"""
    )
    run.execute("CREATE OR REPLACE TEMP TABLE _und AS SELECT a, b FROM _edges UNION ALL SELECT b, a FROM _edges")
    # label propagation: each node takes the smallest label among itself and its neighbours
    for it in range(1, 200):
        run.execute(
            """CREATE OR REPLACE TEMP TABLE _next AS
            SELECT n.node, least(n.comp, coalesce(min(m.comp), n.comp)) AS comp
            FROM _nodes n LEFT JOIN _und u ON u.a = n.node LEFT JOIN _nodes m ON m.node = u.b
            GROUP BY n.node, n.comp"""
        )
        changed = run.scalar("SELECT count(*) FROM _next x JOIN _nodes n USING (node) WHERE x.comp <> n.comp")
        run.execute("CREATE OR REPLACE TEMP TABLE _nodes AS SELECT * FROM _next")
        rep.iterations = it
        if not changed:
            break
    # a customer is a component with an id, an email or a phone; its key is its smallest id if any
    run.execute(
        f"""CREATE OR REPLACE TABLE {run.t("identity")} AS
        WITH comp AS (
            SELECT comp,
                   min(CASE WHEN node LIKE 'id:%' THEN substr(node, 4) END) AS min_id,
                   min(CASE WHEN node NOT LIKE 'anon:%' THEN node END) AS min_known,
                   bool_or(node NOT LIKE 'anon:%') AS known
            FROM _nodes GROUP BY comp
        )
        SELECT n.node,
               coalesce(c.min_id, 'pc:' || left(md5(c.min_known), 16)) AS customer_key
        FROM _nodes n JOIN comp c USING (comp) WHERE c.known"""
    )
    rep.visitors = int(
        run.scalar("SELECT count(*) FROM (SELECT comp FROM _nodes GROUP BY comp HAVING bool_and(node LIKE 'anon:%'))")
        or 0
    )
    # the published email of a customer: from a customer record first, else the smallest seen
    run.execute(
        f"""CREATE OR REPLACE TABLE {run.t("customer_index")} AS
        WITH em AS (
            SELECT i.customer_key, substr(i.node, 7) AS email,
                   bool_or(r.tbl = 'customers') AS from_customers
            FROM {run.t("identity")} i JOIN _rec r ON r.n_email = i.node
            GROUP BY ALL
        ),
        ns AS (
            SELECT customer_key, split_part(substr(node, 4), ':', 1) AS namespace, count(*) AS n
            FROM {run.t("identity")} WHERE node LIKE 'id:%' GROUP BY 1, 2
        )
        SELECT k.customer_key,
               (SELECT e.email FROM em e WHERE e.customer_key = k.customer_key
                ORDER BY e.from_customers DESC, e.email LIMIT 1) AS email,
               count(*) FILTER (WHERE k.node LIKE 'email:%') AS n_emails,
               count(*) FILTER (WHERE k.node LIKE 'id:%') AS n_ids,
               count(*) FILTER (WHERE k.node LIKE 'phone:%') AS n_phones,
               count(*) FILTER (WHERE k.node LIKE 'anon:%') AS n_cookies,
               coalesce((SELECT max(n) FROM ns WHERE ns.customer_key = k.customer_key), 0) AS max_ids_per_namespace
        FROM {run.t("identity")} k GROUP BY k.customer_key"""
    )
    rep.customers = int(run.scalar(f"SELECT count(*) FROM {run.t('customer_index')}") or 0)
    rep.multi_source_customers = int(
        run.scalar(
            f"""SELECT count(*) FROM (SELECT i.customer_key FROM _rec r
            JOIN {run.t("identity")} i ON i.node = coalesce(r.n_id, r.n_email, r.n_phone, r.n_anon)
            GROUP BY 1 HAVING count(DISTINCT r.src) > 1)"""
        )
        or 0
    )
    for tbl, n in run.execute(
        f"""SELECT r.tbl, count(*) FROM _rec r
        JOIN {run.t("identity")} i ON i.node = coalesce(r.n_id, r.n_email, r.n_phone, r.n_anon)
        GROUP BY r.tbl ORDER BY r.tbl"""
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
    return rep


def keyed(run: Run, table: str) -> str:
    """SQL subquery: the rows of canonical ``table`` with their ``customer_key``.

    All identifiers of a record belong to one component, so the first present one
    finds the customer. Rows of anonymous visitors get a NULL key.
    """
    _, i, e, a, ph = next(k for k in RECORD_KEYS if k[0] == table)

    def col(c: str) -> str:
        return "NULL" if c == "NULL" else f"r.{c}"

    ni, ne, na = node_sql(col(i), col(e), col(a))
    np_ = "NULL" if ph == "NULL" else _phone_node(run, f"r.{ph}", "r.country")
    return (
        f"(SELECT r.*, idn.customer_key FROM {run.t(table)} r "
        f"LEFT JOIN {run.t('identity')} idn ON idn.node = coalesce({ni}, {ne}, {np_}, {na}))"
    )


def _phone_node(run: Run, phone: str, country: str) -> str:
    """SQL: the ``phone:`` node of a raw phone, via the run's ``phones`` map."""
    return (
        f"(SELECT 'phone:' || p.e164 FROM {run.t('phones')} p WHERE p.raw = {phone} "
        f"AND p.country IS NOT DISTINCT FROM {country})"
    )
