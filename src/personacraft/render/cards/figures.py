"""The figures of a persona card: its value (each figure with its horizon and reliability) and its buying committee.

Every figure may be absent or null; the card then says "unknown" with the reason from the matching
``missing`` dict. The value helper's fields are shown when present: ``horizon`` ("next 12 months")
labels each predicted figure, and ``reliable: false`` says "unreliable, because …" with
``unreliable_because``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personacraft.render import style
from personacraft.render.cards.text import as_dict, as_text, brief
from personacraft.render.environment import environment

NO_FIELD = "no data for it in this run"  # the field is absent and no missing dict says why
PERSONA_TYPES = {
    "buyer": "Buyer",
    "decision_maker": "Decision-maker",
    "influencer": "Influencer",
    "end_user": "End user",
    "mixed": "Mixed",
    "unknown": "Role unknown",
}


def label(key: Any) -> str:
    """A dict key as a label: ``won_vs_lost`` → "Won vs lost"."""
    return str(key).replace("_", " ").strip().capitalize()


def type_label(key: Any) -> str:
    """A persona type as words: ``decision_maker`` → "Decision-maker"."""
    return PERSONA_TYPES.get(str(key), str(key).replace("_", " ").capitalize())


def missing(persona: Mapping[str, Any], *sources: Mapping[str, Any]) -> dict[str, str]:
    """The reasons of every ``missing`` dict that may explain a field, the most specific first."""
    out: dict[str, str] = {}
    for source in (*sources, persona):
        for k, v in as_dict(source.get("missing")).items():
            text = as_text(v)
            if text and str(k) not in out:
                out[str(k)] = text
    return out


def _money(x: Any) -> str:
    return str(environment().filters["money"](x))


def _reliability(v: Mapping[str, Any]) -> str | None:
    """ "unreliable, because …" when the value helper says the figures are not reliable."""
    if v.get("reliable") is not False:
        return None
    because = as_text(v.get("unreliable_because"))
    return f"unreliable, because {because.rstrip('.')}" if because else "unreliable (no reason given)"


def value(persona: Mapping[str, Any], reason: int) -> dict[str, Any]:
    """The value rows (predicted CLV, churn risk, share of revenue, revenue per customer), each with its
    ``horizon`` when it is a prediction, the flags, and whether the figures are unreliable."""
    v = as_dict(persona.get("value"))
    why = missing(persona, v)
    horizon = as_text(v.get("horizon"))
    unreliable = _reliability(v)
    rows: list[dict[str, Any]] = []

    def add(key: str, label_: str, shown: str | None, note: str | None = None, predicted: bool = False) -> None:
        row: dict[str, Any] = {"key": key, "label": label_, "value": shown, "note": note}
        row["horizon"] = horizon if predicted else None
        if shown is None:
            row["why"] = brief(why.get(key) or NO_FIELD, reason)
        rows.append(row)

    clv, interval = v.get("clv_mean"), v.get("clv_interval")
    note = None
    if isinstance(interval, list | tuple) and len(interval) == 2 and all(isinstance(x, int | float) for x in interval):
        note = f"{_money(interval[0])} to {_money(interval[1])}"
    clv_label = "Contract CLV (per paying account)" if v.get("clv_unit") == "account" else "Predicted CLV"
    add("clv_mean", clv_label, _money(clv) if isinstance(clv, int | float) else None, note, predicted=True)
    churn = v.get("churn_risk")
    method = as_text(v.get("churn_risk_method"))
    churn_note = {
        "model": "from a churn model",
        "empirical": "from who left before",
        "observed": "accounts that cancelled (no model)",
    }.get(method or "")
    share = v.get("revenue_share")
    if v.get("clv_unit") == "account":  # B2B: four rows, as many as a shop's (the card stays one page)
        churned = as_dict(v.get("account_churn"))
        rate, pop = churned.get("rate"), as_dict(churned.get("population")).get("rate")
        if isinstance(rate, int | float) and method != "observed":
            churn_note = f"{style.pct(rate)} of {churned.get('accounts')} own accounts cancelled" + (
                f", all {style.pct(pop)}" if isinstance(pop, int | float) else ""
            )
        add("churn_risk", "Churn risk", style.pct(churn) if isinstance(churn, int | float) else None, churn_note, True)
        mrr, arr = v.get("mrr"), v.get("arr")
        note = "; ".join(
            x
            for x in (
                f"ARR {_money(arr)}" if isinstance(arr, int | float) else "",
                f"they sign {style.pct(share)}" if isinstance(share, int | float) else "",
            )
            if x
        )
        add("mrr", "MRR of their accounts", _money(mrr) if isinstance(mrr, int | float) else None, note or None)
        win, nrr = v.get("win_rate"), v.get("nrr")
        add(
            "win_rate",
            "Win rate",
            style.pct(win) if isinstance(win, int | float) else None,
            f"net revenue retention {style.pct(nrr)}" if isinstance(nrr, int | float) else "of closed deals",
        )
    else:
        add("churn_risk", "Churn risk", style.pct(churn) if isinstance(churn, int | float) else None, churn_note, True)
        add("revenue_share", "Share of revenue", style.pct(share) if isinstance(share, int | float) else None)
    per = v.get("revenue_per_customer")
    if isinstance(per, int | float):
        add("revenue_per_customer", "Revenue per customer", _money(per), "to date")
    reasons = [r.get("why") for r in rows if r.get("value") is None]
    flags = []
    if v.get("most_valuable") is True:
        flags.append(("good", "Most valuable"))
    if v.get("at_risk") is True:
        flags.append(("bad", "At risk"))
    return {
        "rows": rows,
        "flags": flags,
        "horizon": horizon,
        "unreliable": unreliable,
        "all_unknown": bool(reasons) and len(set(reasons)) == 1 and len(reasons) > 2,
    }


def _figure(key: str, value: Any) -> str:
    """One free-form figure in words."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return style.num(value)
    if isinstance(value, float):
        if "lift" in key:
            return f"{value:.1f}×"
        if 0 <= value <= 1:
            return style.pct(value)
        return style.count(value)
    return " ".join(str(value).split())


def _describe(value: Any, d: Any) -> str:
    """A committee entry (any shape) as one line of text; a null figure says it is unknown, and why
    when the entry gives a ``reason``."""
    if isinstance(value, Mapping):
        reason = as_text(value.get("reason"))
        parts, unknown = [], []
        for k, v in value.items():
            if k in ("reason", "method", "missing"):
                continue
            if v is None:
                unknown.append(label(k).lower())
            elif isinstance(v, Mapping):
                inner = _describe(v, d)
                if inner:
                    parts.append(inner)
            elif str(k) in ("type", "label", "name"):
                parts.insert(0, type_label(v))
            elif str(k) == "n" or str(k).startswith("n_") or "lift" in str(k):
                continue  # counts and lifts are for analysts (personas.json), not for the card
            elif isinstance(v, int | float) and not isinstance(v, bool) and str(k) in PERSONA_TYPES:
                parts.append(f"{type_label(k).lower()} {_figure(str(k), v)}")
            else:
                parts.append(f"{label(k).lower()} {_figure(str(k), v)}")
        if unknown or (reason and not parts):
            what = " and ".join(unknown) + " unknown" if unknown else "unknown"
            parts.append(f"{what}: {brief(reason, d.reason)}" if reason else what)
        elif reason:
            parts.append(f"({brief(reason, d.reason)})")
        return ", ".join(parts)
    if isinstance(value, list | tuple):
        return "; ".join(t for t in (_describe(v, d) for v in value[:4]) if t)
    return _figure("", value)


def committee(persona: Mapping[str, Any], d: Any) -> dict[str, Any] | None:
    """The buying committee (B2B), whatever keys it has: a row per key (a line per item of a list)."""
    raw = persona.get("committee")
    if not isinstance(raw, Mapping):
        return None
    rows = []
    for k, v in raw.items():
        if k in ("method", "missing"):
            continue
        items = list(v[: d.items]) if isinstance(v, list | tuple) else [v]
        if k == "role" and isinstance(v, str):  # the committee role, in words
            rows.append({"label": "Their role", "lines": [type_label(v)]})
            continue
        lines = [t for t in (_describe(x, d) for x in items if x is not None) if t]
        if not lines:
            reason = as_text(as_dict(raw.get("missing")).get(k))
            lines = [f"unknown: {brief(reason, d.reason)}" if reason else "unknown"]
        rows.append({"label": label(k), "lines": lines})
    return {"rows": rows[: 5 + d.items], "method": as_text(raw.get("method"))}
