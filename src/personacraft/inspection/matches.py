"""Who each source knows, after identity resolution: customers per source and the overlap of every pair.

A customer *is in* a source when any record of the source resolves to them (``unify.keyed``): an order
by email, an event by user id or by a cookie that a logged-in event tied to them. Anonymous visitors
are in no source's count. The overlap of two sources is the customers in both; its rates are shares
of each side.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from personacraft.inspection import sql
from personacraft.store import Run
from personacraft.unify import RECORD_KEYS, keyed

MEMBERS = "_inspect_members"
EVENT_KEYS = "_inspect_events"  # events per source and customer (:func:`event_keys`)


def event_keys(run: Run) -> str:
    """Resolve the events to customers once (the largest table; matches and readiness both read it): the temp
    table ``_inspect_events (_source, customer_key, n)``, whose name it returns."""
    run.execute(sql.EVENT_KEYS.format(out=EVENT_KEYS, events=keyed(run, "events")))
    return EVENT_KEYS


def members(run: Run) -> None:
    """The temp table ``_inspect_members (source, customer_key)``: one row per customer a source holds
    (events from :func:`event_keys`, which must have run)."""
    records = " UNION ALL ".join(
        sql.MEMBER_ROWS.format(keyed=EVENT_KEYS if table == "events" else keyed(run, table))
        for table, *_ in RECORD_KEYS
    )
    run.execute(sql.MEMBERS.format(out=MEMBERS, records=records))


def matches(run: Run, labels: list[str]) -> dict[str, Any]:
    """``{customers: {source: n}, pairs: [{a, b, a_customers, b_customers, both, share_of_a, share_of_b}]}``.

    Every pair of ``labels`` is listed, in their order, with 0 when they share nobody; a source
    whose records name no person (companies, deals) has 0 customers. Needs :func:`event_keys`.
    """
    members(run)
    per = {str(r["source"]): int(r["customers"]) for r in run.dicts(sql.SOURCE_CUSTOMERS.format(members=MEMBERS))}
    both = {(str(r["a"]), str(r["b"])): int(r["both_sources"]) for r in run.dicts(sql.PAIRS.format(members=MEMBERS))}
    pairs = []
    for a, b in combinations(labels, 2):
        n = both.get((a, b), both.get((b, a), 0))
        na, nb = per.get(a, 0), per.get(b, 0)
        pairs.append(
            {
                "a": a,
                "b": b,
                "a_customers": na,
                "b_customers": nb,
                "both": n,
                "share_of_a": round(n / na, 4) if na else None,
                "share_of_b": round(n / nb, 4) if nb else None,
            }
        )
    run.execute(f"DROP TABLE IF EXISTS {MEMBERS}")
    return {"customers": {label: per.get(label, 0) for label in labels}, "pairs": pairs}
