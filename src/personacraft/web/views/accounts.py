"""The Accounts page's view: the run's ``accounts.csv`` read by DuckDB, its totals, filters and one page of rows.

Filters (``FILTERS``), as sales and customer success ask for them:

- **open deals missing a role**: an open deal, and a role of the buying group nobody confirmed;
- **at risk**: a paying account whose churn probability is at least twice the paying accounts' mean;
- **expansion signals**: a paying account that compared plans or viewed pricing at least twice in
  the last 30 days, has more active users than in the 30 days before, or has an open deal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from personacraft.errors import NotFoundError
from personacraft.features.roles import ROLE_LABELS
from personacraft.store import scratch
from personacraft.web.service import RunView

PAGE_ROWS = 200
FILTERS = {
    "all": ("All accounts", "true"),
    "open-missing": ("Open deals missing a role", "deals_open > 0 AND coalesce(roles_missing, '') <> ''"),
    "at-risk": (
        "At risk",
        "mrr > 0 AND churn_risk >= 2 * (SELECT avg(churn_risk) FROM acc WHERE mrr > 0)",
    ),
    "expansion": (
        "Expansion signals",
        "mrr > 0 AND (pricing_views_30d >= 2 OR active_users > active_users_before OR deals_open > 0)",
    ),
}
ORDER = {
    "all": "mrr DESC, won_amount DESC, account_id",
    "open-missing": "open_amount DESC, account_id",
    "at-risk": "churn_risk DESC, mrr DESC, account_id",
    "expansion": "mrr DESC, account_id",
}


# accounts.csv's typed columns (a column that is empty in every row would otherwise read as text)
TYPES = {
    **dict.fromkeys(("won_amount", "open_amount", "lost_amount", "mrr", "arr", "churn_risk"), "DOUBLE"),
    **dict.fromkeys(
        (
            "employees",
            "active_users",
            "active_users_before",
            "pricing_views_30d",
            "deals_won",
            "deals_lost",
            "deals_open",
            "seats",
            "contacts",
            "hands_on_users",
            "tenure_days",
        ),
        "BIGINT",
    ),
    **dict.fromkeys(
        ("roles_confirmed", "roles_inferred", "roles_missing", "signed_by", "plan", "persona_mix"), "VARCHAR"
    ),
    "churned": "BOOLEAN",
}


def _load(con: Any, path: Path) -> None:
    """``acc``: accounts.csv, typed."""
    types = "{" + ", ".join(f"'{k}': '{v}'" for k, v in TYPES.items()) + "}"
    con.execute(f"CREATE TEMP TABLE acc AS SELECT * FROM read_csv('{_q(path)}', header = true, types = {types})")


def accounts_path(view: RunView) -> Path:
    """The run's ``accounts.csv``; NotFoundError when the run has no accounts."""
    path = view.run_dir / "accounts.csv"
    if not path.is_file():
        raise NotFoundError("this run has no accounts: add a CRM companies or accounts export and build again.")
    return path


def roles(text: Any) -> str:
    """``decision_maker;champion`` in words."""
    return ", ".join(ROLE_LABELS.get(r, r.replace("_", " ")) for r in str(text or "").split(";") if r)


def filtered_csv(view: RunView, key: str, out: Path) -> Path:
    """The accounts of filter ``key`` written to ``out`` as CSV (the columns of accounts.csv)."""
    path = accounts_path(view)
    _, where = FILTERS.get(key, FILTERS["all"])
    con = scratch()
    try:
        _load(con, path)
        con.execute(
            f"COPY (SELECT * FROM acc WHERE {where} ORDER BY {ORDER.get(key, ORDER['all'])}) TO '{_q(out)}' (HEADER)"
        )
    finally:
        con.close()
    return out


def _q(path: Path) -> str:
    return str(path).replace("'", "''")


def accounts_context(view: RunView, key: str = "all") -> dict[str, Any]:
    """Totals of every account, the counts of each filter, and the first rows of filter ``key``."""
    path = accounts_path(view)
    key = key if key in FILTERS else "all"
    con = scratch()
    try:
        _load(con, path)
        totals = dict(
            zip(
                ("accounts", "won_amount", "open_amount", "mrr", "arr", "paying", "no_decision_maker", "churned"),
                con.execute(
                    """SELECT count(*), coalesce(sum(won_amount), 0), coalesce(sum(open_amount), 0),
                              coalesce(sum(mrr), 0), coalesce(sum(arr), 0), count(*) FILTER (WHERE mrr > 0),
                              count(*) FILTER (WHERE contains(';' || coalesce(roles_missing, '') || ';',
                                                              ';decision_maker;')),
                              count(*) FILTER (WHERE churned)
                       FROM acc"""
                ).fetchone()
                or (),
                strict=False,
            )
        )
        counts = {
            k: int((con.execute(f"SELECT count(*) FROM acc WHERE {w}").fetchone() or (0,))[0])
            for k, (_, w) in FILTERS.items()
        }
        cur = con.execute(f"SELECT * FROM acc WHERE {FILTERS[key][1]} ORDER BY {ORDER[key]} LIMIT {PAGE_ROWS}")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        has_risk = bool((con.execute("SELECT count(churn_risk) FROM acc").fetchone() or (0,))[0])
    finally:
        con.close()
    for r in rows:
        r["missing_words"] = roles(r.get("roles_missing"))
        r["inferred_words"] = roles(r.get("roles_inferred"))
        r["signed_words"] = roles(r.get("signed_by"))
        r["mix_words"] = " · ".join(
            f"{pid} ×{n}" for pid, n in (x.split(" ") for x in str(r.get("persona_mix") or "").split(";") if " " in x)
        )
        last = r.get("last_used_at")
        r["last_used"] = f"{last:%Y-%m-%d}" if hasattr(last, "strftime") else (str(last)[:10] if last else "")
    return {
        "totals": totals,
        "filters": [
            {"key": k, "label": label, "n": counts[k], "active": k == key} for k, (label, _) in FILTERS.items()
        ],
        "key": key,
        "label": FILTERS[key][0],
        "rows": rows,
        "shown": len(rows),
        "total": counts[key],
        "has_risk": has_risk,
        "drivers": ((view.personas_doc.get("provenance") or {}).get("accounts") or {}).get("churn_drivers") or [],
    }
