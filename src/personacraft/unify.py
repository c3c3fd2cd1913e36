"""Identity resolution: one customer from every record that names them.

Each record contributes identifier nodes (``id:`` namespaced ids, ``email:`` normalised
emails, ``anon:`` analytics cookies). Records link their nodes; connected components
(union-find, computed as label propagation in SQL) are customers. Components made of
anonymous cookies alone are visitors, not customers. The result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from personacraft.store import Run

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def norm_email(expr: str) -> str:
    """SQL: a normalised email (trimmed, lower case) or NULL when it is not an email."""
    e = f"lower(trim({expr}))"
    return f"CASE WHEN regexp_matches({e}, '{EMAIL_RE}') THEN {e} END"


# (table, id expression, email expression, anonymous id expression)
RECORD_KEYS: list[tuple[str, str, str, str]] = [
    ("customers", "customer_id", "email", "NULL"),
    ("orders", "customer_id", "email", "NULL"),
    ("texts", "customer_id", "email", "NULL"),
    ("survey_answers", "customer_id", "email", "NULL"),
    ("events", "customer_id", "email", "anonymous_id"),
    ("subscriptions", "customer_id", "email", "NULL"),
    ("deal_contacts", "customer_id", "NULL", "NULL"),
]


@dataclass
class MergeReport:
    """What identity resolution did: counts, keys used and conflicts found."""

    records: int = 0
    customers: int = 0
    visitors: int = 0
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


def unify(run: Run) -> MergeReport:
    """Build ``identity`` (node → customer_key) and ``customer_index`` for the run."""
    rep = MergeReport()
    parts = []
    for table, i, e, a in RECORD_KEYS:
        ni, ne, na = node_sql(i, e, a)
        parts.append(f"SELECT {lit_(table)} AS tbl, {ni} AS n_id, {ne} AS n_email, {na} AS n_anon FROM {run.t(table)}")
    run.execute(f"CREATE OR REPLACE TEMP TABLE _rec AS {' UNION ALL '.join(parts)}")
    rep.records = int(run.scalar("SELECT count(*) FROM _rec") or 0)
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT DISTINCT a, b FROM (
            SELECT n_id AS a, n_email AS b FROM _rec WHERE n_id IS NOT NULL AND n_email IS NOT NULL
            UNION ALL SELECT n_anon, n_id FROM _rec WHERE n_anon IS NOT NULL AND n_id IS NOT NULL
            UNION ALL SELECT n_anon, n_email FROM _rec WHERE n_anon IS NOT NULL AND n_email IS NOT NULL
        )"""
    )
    run.execute(
        """CREATE OR REPLACE TEMP TABLE _nodes AS SELECT DISTINCT node, node AS comp FROM (
            SELECT n_id AS node FROM _rec UNION ALL SELECT n_email FROM _rec UNION ALL SELECT n_anon FROM _rec
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
    # a customer is a component with an id or an email; its key is its smallest id if any
    run.execute(
        f"""CREATE OR REPLACE TABLE {run.t("identity")} AS
        WITH comp AS (
            SELECT comp,
                   min(CASE WHEN node LIKE 'id:%' THEN substr(node, 4) END) AS min_id,
                   min(CASE WHEN node LIKE 'email:%' THEN node END) AS min_email,
                   bool_or(node NOT LIKE 'anon:%') AS known
            FROM _nodes GROUP BY comp
        )
        SELECT n.node,
               coalesce(c.min_id, 'pc:' || left(md5(c.min_email), 16)) AS customer_key
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
        )
        SELECT k.customer_key,
               (SELECT e.email FROM em e WHERE e.customer_key = k.customer_key
                ORDER BY e.from_customers DESC, e.email LIMIT 1) AS email,
               count(*) FILTER (WHERE k.node LIKE 'email:%') AS n_emails,
               count(*) FILTER (WHERE k.node LIKE 'id:%') AS n_ids,
               count(*) FILTER (WHERE k.node LIKE 'anon:%') AS n_cookies
        FROM {run.t("identity")} k GROUP BY k.customer_key"""
    )
    rep.customers = int(run.scalar(f"SELECT count(*) FROM {run.t('customer_index')}") or 0)
    for tbl, n in run.execute(
        f"""SELECT r.tbl, count(*) FROM _rec r
        JOIN {run.t("identity")} i ON i.node = coalesce(r.n_id, r.n_email, r.n_anon)
        GROUP BY r.tbl ORDER BY r.tbl"""
    ).fetchall():
        rep.merged_on[f"{tbl} records linked"] = int(n)
    for key, n in run.execute(
        """SELECT CASE WHEN n_id IS NOT NULL AND n_email IS NOT NULL THEN 'id+email'
                        WHEN n_anon IS NOT NULL AND n_id IS NOT NULL THEN 'cookie+id'
                        WHEN n_email IS NOT NULL THEN 'email' WHEN n_id IS NOT NULL THEN 'id'
                        ELSE 'cookie' END AS key, count(*) FROM _rec GROUP BY 1 ORDER BY 1"""
    ).fetchall():
        rep.merged_on[f"records keyed by {key}"] = int(n)
    rep.conflicts["customers with several ids"] = int(
        run.scalar(f"SELECT count(*) FROM {run.t('customer_index')} WHERE n_ids > 1") or 0
    )
    rep.conflicts["customers with several emails"] = int(
        run.scalar(f"SELECT count(*) FROM {run.t('customer_index')} WHERE n_emails > 1") or 0
    )
    rep.conflict_examples = run.dicts(
        f"SELECT customer_key, n_ids, n_emails FROM {run.t('customer_index')} "
        "WHERE n_ids > 1 OR n_emails > 1 ORDER BY customer_key LIMIT 10"
    )
    return rep


def lit_(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def keyed(run: Run, table: str) -> str:
    """SQL subquery: the rows of canonical ``table`` with their ``customer_key``.

    All identifiers of a record belong to one component, so the first present one
    finds the customer. Rows of anonymous visitors get a NULL key.
    """
    _, i, e, a = next(k for k in RECORD_KEYS if k[0] == table)

    def col(c: str) -> str:
        return "NULL" if c == "NULL" else f"r.{c}"

    ni, ne, na = node_sql(col(i), col(e), col(a))
    return (
        f"(SELECT r.*, idn.customer_key FROM {run.t(table)} r "
        f"LEFT JOIN {run.t('identity')} idn ON idn.node = coalesce({ni}, {ne}, {na}))"
    )
