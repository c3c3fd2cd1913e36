"""An experiment's units joined to a run's personas: the customer column matched to a customer id, email or bare id.

A row whose customer the run does not know is in the group ``"not in the workspace"``; a known
customer in no published persona is in ``"no persona"``. Both stay in the overall reading, and are
groups like any other (shown alone only when large enough).
"""

from __future__ import annotations

from personacraft.experiments import sql
from personacraft.segment.assignment import persona_id_sql
from personacraft.segment.persist import load_model
from personacraft.sources.columns import lit, q
from personacraft.store import Run

PERSONA = "_xp_persona"  # the group column the join adds
UNKNOWN = "not in the workspace"
NO_PERSONA = "no persona"
_NO_IDS = "(SELECT NULL::VARCHAR AS bare, NULL::VARCHAR AS customer_key WHERE false)"


def with_personas(run: Run, relation: str, customer: str) -> str:
    """A subquery: ``relation`` (a table of the run's connection) with :data:`PERSONA` added from ``run``'s
    assignments; ``customer`` is the relation's column of customer ids (the run's, or the bare value of an id
    it linked, like a shop's customer number) or emails."""
    saved = load_model(run)
    published = saved.published if saved.structure_found else 0
    persona = persona_id_sql("l.persona", published, saved.persona_ids)
    customer_emails = run.t("customer_emails") if run.has_table("customer_emails") else None
    emails = customer_emails or f"(SELECT customer_key, email FROM {run.t('customer_index')} WHERE email IS NOT NULL)"
    return (
        "("
        + sql.PERSONA_GROUPS.format(
            unknown=lit(UNKNOWN),
            no_persona=lit(NO_PERSONA),
            persona_id=persona,
            group=PERSONA,
            file=relation,
            customer_index=run.t("customer_index"),
            customer=q(customer),
            customer_emails=emails,
            labels=run.t("labels"),
            bare_ids=f"({sql.BARE_IDS.format(identity=run.t('identity'))})" if run.has_table("identity") else _NO_IDS,
        )
        + ")"
    )


def matched_share(run: Run, relation: str) -> float:
    """The share of the rows of a :func:`with_personas` subquery whose customer the run knows."""
    rows = run.execute(f"SELECT count(*) FILTER (WHERE {PERSONA} <> {lit(UNKNOWN)}), count(*) FROM {relation}")
    found, total = rows.fetchall()[0]
    return int(found) / int(total) if total else 0.0
