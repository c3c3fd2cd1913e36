"""The ``value`` block of a persona: CLV with its interval, revenue share, churn risk, flags."""

from __future__ import annotations

from typing import Any

from personacraft.value.stage import ValueResult

# what a build adds about how far the figures reach and whether they held up (see Value in model.py)
FORECAST = (
    "horizon_months",
    "horizon",
    "predicted_purchases_12m",
    "spend_per_order",
    "purchases_method",
    "predicted_purchases_holdout",
    "observed_purchases_holdout",
    "holdout_months",
    "holdout_customers",
    "reliable",
    "unreliable_because",
    "churn_risk_method",
    "churn_risk_basis",
    "lapsed_share",
    "new_share",
    "new_members",
)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 2)


def persona_value(
    p: int, money: dict[str, Any], all_revenue: float, value: ValueResult, accounts: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Persona ``p``'s value block and the evidence behind each figure in it; ``accounts``: the money and churn
    of the persona's B2B accounts (:mod:`personacraft.accounts.build`), shown when subscriptions or deals exist."""
    if accounts is not None and (accounts["money"].get("paying_accounts") or accounts["money"].get("deals_closed")):
        return account_value(p, money, all_revenue, value, accounts)
    v = value.personas[p] if p < len(value.personas) else {}
    revenue = float(money.get("revenue") or 0)
    missing: dict[str, str] = {}
    evidence: list[dict[str, Any]] = []
    clv_mean = v.get("clv_mean")
    if clv_mean is None:
        missing["clv_mean"] = value.missing_clv or v.get("missing", "no CLV for this persona")
    if v.get("churn_risk") is None:
        missing["churn_risk"] = value.missing_churn or v.get("missing", "no churn estimate for this persona")
    if not all_revenue:
        missing["revenue_share"] = "no orders or payments of these customers are in the sources"
    if clv_mean is not None and v.get("clv_interval") is None:
        missing["clv_interval"] = "; ".join(value.provenance.get("notes", [])) or "intervals are turned off (draws = 1)"
    block: dict[str, Any] = {
        "clv_mean": clv_mean,
        "clv_interval": v.get("clv_interval"),
        "clv_customers": v.get("clv_customers"),
        "expected_value_share": v.get("expected_value_share"),
        "revenue_share": round(revenue / all_revenue, 4) if all_revenue else None,
        "churn_risk": v.get("churn_risk"),
        "churn_drivers": v.get("churn_drivers"),
        "most_valuable": bool(v.get("most_valuable", False)),
        "at_risk": bool(v.get("at_risk", False)),
        "revenue_per_customer": _round(money.get("revenue_mean")),
        "orders_per_customer": _round(money.get("orders_mean")),
        **{k: v[k] for k in FORECAST if k in v},
    }
    if missing:
        block["missing"] = missing
    if clv_mean is not None:
        pop = value.population["clv_mean"]
        span = "(90 % interval {:,.2f} to {:,.2f}; ".format(*v["clv_interval"]) if v.get("clv_interval") else "("
        empirical = v.get("purchases_method") == "empirical"
        purchases = (
            "the persona's repeat purchases per customer-year over the last year (the purchase model found no dropout)"
            if empirical
            else f"{value.provenance['model']} for purchases"
        )
        evidence.append(
            {
                "field": "value.clv_mean",
                "claim": f"A member is worth {clv_mean:,.2f} over the next {value.provenance['months']} months "
                f"{span}all customers: {pop:,.2f}).",
                "method": f"{purchases} x Gamma-Gamma for spend, discounted at "
                f"{value.provenance['discount_rate']:.0%} a year"
                + ("" if empirical else "; interval over parameter draws"),
                "facts": [{"n": v["clv_customers"], "source": "orders", "value": clv_mean, "population": pop}],
            }
        )
        evidence.append(_forecast_evidence(v))
    if v.get("churn_risk") is not None:
        risk, pop_risk = v["churn_risk"], value.population["churn_risk"]
        contractual = "churn_customers" in v
        if contractual:
            what = (
                f"Members' subscriptions have a {_pct(risk)} chance of being cancelled in the next "
                f"{value.provenance['subscription_churn']['horizon_days']} days"
            )
        elif v.get("churn_risk_method") == "empirical":
            what = f"{_pct(risk)} of members are expected to make no order in the next {v['holdout_months']:g} months"
        else:
            what = f"{_pct(risk)} of members have probably stopped buying"
        evidence.append(
            {
                "field": "value.churn_risk",
                "claim": f"{what} (all customers: {_pct(pop_risk)})"
                + (", so this persona is at risk." if v.get("at_risk") else "."),
                "method": v.get("churn_risk_basis") or value.provenance["churn_risk"],
                "facts": [
                    {
                        "n": v["churn_customers"] if contractual else v.get("clv_customers"),
                        "source": "subscriptions" if contractual else "orders",
                        "value": risk,
                        "population": pop_risk,
                    }
                ],
            }
        )
        for d in v.get("churn_drivers", []):
            evidence.append(
                {
                    "field": "value.churn_drivers",
                    "claim": d["summary"],
                    "method": "permutation importance on AUC among the persona's subscribers, on a later period "
                    "than the model learned from",
                    "facts": [{"feature": d["feature"], "value": d["importance"], "n": v["churn_customers"]}],
                }
            )
    if all_revenue:
        evidence.append(
            {
                "field": "value.revenue_share",
                "claim": f"Members brought {_pct(revenue / all_revenue)} of all revenue.",
                "method": "sum of order totals of members / all order totals",
                "facts": [],
            }
        )
    return block, evidence


def _forecast_evidence(v: dict[str, Any]) -> dict[str, Any]:
    """The claim of a persona's predicted purchases, and how it fared on the holdout."""
    pred, obs = v.get("predicted_purchases_holdout"), v.get("observed_purchases_holdout")
    check = (
        f" The same forecast, made {v['holdout_months']:g} months ago, said {pred:.2f} per member; they made {obs:.2f}."
        if pred is not None and obs is not None
        else ""
    )
    if v.get("reliable"):
        verdict = ""
    elif check:
        verdict = " So this figure is unreliable."
    else:
        verdict = f" Unreliable: {v.get('unreliable_because')}."
    return {
        "field": "value.predicted_purchases_12m",
        "claim": f"A member is expected to buy {v.get('predicted_purchases_12m', 0):.2f} times in the next 12 "
        f"months, at {v.get('spend_per_order', 0):,.2f} an order.{check}{verdict}",
        "method": "posterior predictive check: the forecast made at the start of a holdout period against the "
        "members' purchases in it",
        "facts": [
            {"n": v.get("holdout_customers"), "source": "orders", "value": pred, "population": obs},
        ],
    }


# the account money keys a B2B persona's value block carries (contract: mrr, arr, win_rate, nrr, grr)
ACCOUNT_MONEY = ("mrr", "arr", "acv", "win_rate", "nrr", "grr", "logo_churn", "mrr_churn")


def account_value(
    p: int, money: dict[str, Any], all_revenue: float, value: ValueResult, accounts: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The value block of a B2B persona: the money of its accounts, contract CLV, and churn where it happens."""
    block, evidence = persona_value(p, money, all_revenue, value)  # the member-level figures (churn model …)
    m, pop = accounts["money"], accounts["population"]
    missing = dict(block.get("missing", {}))
    for k in ("clv_mean", "clv_interval", "revenue_share"):
        missing.pop(k, None)
    block.update({k: m.get(k) for k in ACCOUNT_MONEY})
    block["accounts"] = {
        k: m.get(k)
        for k in ("accounts", "paying_accounts", "won_amount", "open_amount", "deals_won", "deals_closed", "period")
    }
    block["revenue_share"] = m.get("revenue_share")
    block["clv_mean"] = m.get("contract_clv")
    block["clv_interval"] = m.get("contract_clv_interval")
    block["clv_customers"] = m.get("paying_accounts")
    block["clv_unit"] = "account"
    churn = m["account_churn"]
    block["account_churn"] = {**churn, "drivers": [d["summary"] for d in accounts["drivers"][:3]]}
    block["at_risk"] = bool(m.get("at_risk"))
    if churn.get("model_risk") is not None:
        block["churn_risk"] = churn["model_risk"]
        block["churn_risk_method"] = "model"
        missing.pop("churn_risk", None)
    elif churn.get("rate") is not None:  # no model: the observed rate, with its n
        missing.pop("churn_risk", None)  # why the model is missing stays in provenance.value.subscription_churn
        block["churn_risk"] = churn["rate"]
        block["churn_risk_method"] = "observed"
        block["churn_risk_basis"] = (
            f"The share of the persona's {churn['accounts']} paying accounts that cancelled, observed: the churn "
            "model could not be fitted."
        )
    for k, why in m.get("missing", {}).items():
        missing[k] = why
    if block["clv_mean"] is None:
        missing["clv_mean"] = "none of this persona's accounts pays a subscription now"
    block.pop("missing", None)
    if missing:
        block["missing"] = missing
    evidence = [e for e in evidence if e["field"] not in ("value.clv_mean", "value.revenue_share")]
    n = m.get("accounts", 0)
    if m.get("mrr") is not None:
        evidence.append(
            {
                "field": "value.mrr",
                "claim": f"The {n:,} accounts this persona's members belong to pay {m['mrr']:,.2f} a month "
                f"(ARR {m['arr']:,.2f}; all accounts: {pop['mrr']:,.2f}).",
                "method": "sum of the running paid subscriptions' MRR at the end of the data, per account",
                "facts": [{"n": m.get("paying_accounts"), "source": "subscriptions", "value": m["mrr"]}],
            }
        )
    if m.get("win_rate") is not None:
        evidence.append(
            {
                "field": "value.win_rate",
                "claim": f"{m['deals_won']:,} of {m['deals_closed']:,} closed deals of these accounts were won "
                f"({_pct(m['win_rate'])}; all accounts: {_pct(pop['win_rate'] or 0)}).",
                "method": "won deals / closed (won or lost) deals",
                "facts": [{"n": m["deals_closed"], "source": "deals", "value": m["win_rate"]}],
            }
        )
    if block["clv_mean"] is not None:
        span = "(90 % interval {:,.2f} to {:,.2f})".format(*block["clv_interval"]) if block["clv_interval"] else ""
        evidence.append(
            {
                "field": "value.clv_mean",
                "claim": f"A paying account is worth {block['clv_mean']:,.2f} over the next "
                f"{m.get('contract_months')} months {span}.",
                "method": "MRR x the expected paying months, discounted, from each account's monthly churn hazard "
                "(the account churn model; the observed hazard where it has no prediction); interval over a "
                "bootstrap of the accounts",
                "facts": [{"n": m.get("paying_accounts"), "source": "subscriptions", "value": block["clv_mean"]}],
            }
        )
    if churn.get("rate") is not None:
        where = (
            "where a member signs, is the only decision maker or the only hands-on user"
            if churn.get("basis") == "own"
            else "this persona's members belong to"
        )
        evidence.append(
            {
                "field": "value.account_churn",
                "claim": f"{churn['churned']} of {churn['accounts']} paying accounts {where} cancelled "
                f"({_pct(churn['rate'])}; all accounts: {_pct(churn['population']['rate'] or 0)}).",
                "method": "accounts that ever paid a subscription, and whether every one of them is cancelled now",
                "facts": [{"n": churn["accounts"], "source": "subscriptions", "value": churn["rate"]}],
            }
        )
    if m.get("revenue_share") is not None:
        evidence.append(
            {
                "field": "value.revenue_share",
                "claim": f"Members sign (pay) {_pct(m['revenue_share'])} of all MRR.",
                "method": "MRR of the accounts where a member pays the subscription / all MRR",
                "facts": [],
            }
        )
    return block, evidence
