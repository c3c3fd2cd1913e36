"""A B2B persona's place in the buying committee of its accounts.

Read from the ``committee`` table (one row per contact of an account, with the committee role
of :mod:`personacraft.features.roles`). For persona ``p``:

- **accounts**: the accounts its members belong to;
- **their role in accounts**: over *every* account, the share where the persona's role is
  confirmed in the CRM, only inferred from job titles, or missing (the gaps sales must close);
- **sign**: the share of paying accounts whose subscription a member pays (the same payers as
  the persona's ``revenue_share``);
- **only one of their role**: the share of the persona's accounts where a member is the only
  contact of that role (a single hands-on user, a single decision maker);
- **use the product**: the share of members with product actions;
- **won vs lost**: for each *confirmed* role, the share of won and of lost accounts of this
  persona with a confirmed contact in it (inferred roles are everywhere, so they cannot tell
  won from lost).
"""

from __future__ import annotations

from typing import Any

from personacraft.store import Run


def _share(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def persona_committee(run: Run, p: int, min_n: int, role: str | None = None) -> dict[str, Any] | None:
    """The committee block of persona ``p`` (None when its members belong to fewer than ``min_n`` accounts)."""
    t = run.t
    mine = f"""(SELECT DISTINCT c.account_id FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key)
                WHERE l.persona = {int(p)})"""
    n_acc = int(run.scalar(f"SELECT count(*) FROM {mine}") or 0)
    if n_acc < min_n:
        return None
    out: dict[str, Any] = {"role": role or "mixed", "accounts": n_acc}
    if role and role != "mixed":
        cov = run.dicts(
            f"""WITH a AS (
                    SELECT account_id, bool_or(role = '{role}' AND confirmed) AS confirmed,
                           bool_or(role = '{role}') AS any_role
                    FROM {t("committee")} GROUP BY 1)
                SELECT count(*) AS n, count(*) FILTER (WHERE confirmed) AS confirmed,
                       count(*) FILTER (WHERE any_role AND NOT confirmed) AS inferred,
                       count(*) FILTER (WHERE NOT any_role) AS missing FROM a"""
        )[0]
        n = int(cov["n"])
        out["their_role_in_accounts"] = {
            "confirmed": _share(int(cov["confirmed"]), n),
            "inferred_only": _share(int(cov["inferred"]), n),
            "missing": _share(int(cov["missing"]), n),
            "n": n,
        }
        only = run.scalar(
            f"""WITH r AS (
                    SELECT c.account_id, l.persona,
                           count(*) FILTER (WHERE c.role = '{role}') OVER (PARTITION BY c.account_id) AS of_role
                    FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key) WHERE c.role = '{role}')
                SELECT count(DISTINCT account_id) FROM r WHERE persona = {int(p)} AND of_role = 1"""
        )
        out["only_one_of_their_role"] = _share(int(only or 0), n_acc)
    pay = run.dicts(
        f"""SELECT count(DISTINCT c.account_id) AS paying,
                   count(DISTINCT c.account_id) FILTER (WHERE l.persona = {int(p)}) AS signed
            FROM {t("committee")} c LEFT JOIN {t("labels")} l USING (customer_key) WHERE c.pays"""
    )[0]
    out["sign"] = _share(int(pay["signed"]), int(pay["paying"])) if int(pay["paying"]) >= min_n else None
    uses = run.dicts(
        f"""SELECT count(*) AS n, count(*) FILTER (WHERE c.uses) AS uses
            FROM {t("committee")} c JOIN {t("labels")} l USING (customer_key) WHERE l.persona = {int(p)}"""
    )[0]
    out["use_the_product"] = _share(int(uses["uses"]), int(uses["n"]))
    won = dict(
        run.execute(
            f"""SELECT won, count(DISTINCT account_id) FROM {t("committee")}
                WHERE account_id IN {mine} AND won IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    out["won_accounts"], out["lost_accounts"] = int(won.get(True, 0)), int(won.get(False, 0))
    gap: list[dict[str, Any]] = []
    if won.get(True, 0) >= min_n and won.get(False, 0) >= min_n:
        rows = run.execute(
            f"""SELECT role, count(DISTINCT account_id) FILTER (WHERE won),
                       count(DISTINCT account_id) FILTER (WHERE NOT won)
                FROM {t("committee")} WHERE account_id IN {mine} AND confirmed AND won IS NOT NULL
                GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        for r, n_won, n_lost in rows:
            if n_won < min_n:
                continue
            s_won, s_lost = n_won / won[True], n_lost / won[False]
            gap.append(
                {
                    "type": r,
                    "won_share": round(s_won, 4),
                    "lost_share": round(s_lost, 4),
                    "lift": round(s_won / s_lost, 3) if s_lost else None,
                    "n_won": int(n_won),
                    "n_lost": int(n_lost),
                }
            )
        gap.sort(key=lambda g: (-(g["won_share"] - g["lost_share"]), g["type"]))
    out["won_vs_lost"] = gap or None
    out["method"] = (
        "committee roles of the contacts (CRM buying role, else job title: docs/accounts.md); their role in "
        "accounts = share of all accounts where the persona's role is confirmed, only inferred, or missing; sign = "
        "share of paying accounts where a member pays; won vs lost = share of won (lost) accounts with a confirmed "
        "contact in the role"
    )
    return out
