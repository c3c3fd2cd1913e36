"""The alerts of a ``changes.json``: which changes cross the ``[alerts]`` thresholds, in words, with evidence.

- ``size_change``: a persona's share of customers moved by ``size_change_points`` or more, and the
  change's adjusted p-value is below ``min_p_adjusted`` (kept personas; the others have their own kind);
- ``persona_born`` / ``persona_died`` / ``persona_split`` / ``persona_merged``: the match said so
  (one alert per split persona of the earlier run);
- ``new_pain``: a pain theme that no persona of the earlier run had is published (over-represented,
  adjusted p < 0.05) in a persona now;
- ``churn_risk_up``: churn risk rose by ``churn_risk_up_points`` or more, adjusted p below the bar;
- ``trait_shift``: the share of a published trait or channel of a kept persona moved by
  ``trait_shift_points`` or more, adjusted p below the bar (the parts of a split or merge are
  new groups: their structural alert says so, and their traits differ from the source's by design).
"""

from __future__ import annotations

from typing import Any

from personacraft.alerts.settings import AlertsConfig


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


def _alert(kind: str, pid: str | None, message: str, **evidence: Any) -> dict[str, Any]:
    return {"kind": kind, "persona_id": pid, "message": message, "evidence": evidence}


def change_alerts(changes: dict[str, Any], a: AlertsConfig) -> list[dict[str, Any]]:
    """The alerts of ``changes`` under the thresholds ``a``, in persona order."""
    out: list[dict[str, Any]] = []
    split_done: set[str] = set()
    for p in changes["personas"]:
        pid, name, status = p["id"], p["name"], p["status"]
        sizes = {"size_from": p["size_from"], "size_to": p["size_to"], "share_from": p.get("share_from")}
        sizes["share_to"] = p.get("share_to")
        if status == "born" and a.persona_born:
            out.append(_alert("persona_born", pid, f"New persona {pid} “{name}”: {p['size_to']:,} customers.", **sizes))
        elif status == "died" and a.persona_died:
            out.append(
                _alert(
                    "persona_died",
                    pid,
                    f"Persona {pid} “{name}” ({p['size_from']:,} customers) matches no persona any more.",
                    **sizes,
                )
            )
        elif status == "split" and a.persona_split and p["matched_from"][0] not in split_done:
            old = p["matched_from"][0]
            split_done.add(old)
            parts = [q["id"] for q in changes["personas"] if q["status"] == "split" and q["matched_from"] == [old]]
            out.append(
                _alert(
                    "persona_split",
                    old,
                    f"Persona {old} split into {', '.join(parts)}.",
                    parts=parts,
                    size_from=p["size_from"],
                    sizes_to=[q["size_to"] for q in changes["personas"] if q["id"] in parts],
                )
            )
        elif status == "merged" and a.persona_merged:
            out.append(
                _alert(
                    "persona_merged",
                    pid,
                    f"Personas {', '.join(p['matched_from'])} merged into {pid} “{name}”.",
                    matched_from=p["matched_from"],
                    **sizes,
                )
            )
        change = p.get("share_change")
        if (
            status == "kept"
            and change is not None
            and abs(change) * 100 >= a.size_change_points
            and p.get("p_adjusted", 1.0) < a.min_p_adjusted
        ):
            word = "grew" if change > 0 else "shrank"
            out.append(
                _alert(
                    "size_change",
                    pid,
                    f"{pid} “{name}” {word} from {_pct(p['share_from'])} to {_pct(p['share_to'])} of customers.",
                    **sizes,
                    change=change,
                    ci_low=p["ci_low"],
                    ci_high=p["ci_high"],
                    p_adjusted=p["p_adjusted"],
                )
            )
        if status in ("kept", "split", "merged", "born") and a.new_pain:
            for pain in p.get("new_pains") or []:
                if pain.get("known_before"):
                    continue
                out.append(
                    _alert(
                        "new_pain",
                        pid,
                        f"New pain theme in {pid} “{name}”: “{pain['label']}” ({_pct(pain['share'] or 0)} "
                        f"of members who wrote, lift {pain['lift']}).",
                        **pain,
                    )
                )
        churn = (p.get("value") or {}).get("churn_risk_change")
        if (
            churn
            and churn["change"] * 100 >= a.churn_risk_up_points
            and churn.get("p_adjusted", 1.0) < a.min_p_adjusted
        ):
            v = p["value"]
            out.append(
                _alert(
                    "churn_risk_up",
                    pid,
                    f"Churn risk of {pid} “{name}” rose from {_pct(v['churn_risk_from'])} to "
                    f"{_pct(v['churn_risk_to'])}.",
                    **churn,
                )
            )
        for t in p.get("traits") or [] if status == "kept" else []:
            if abs(t["change"]) * 100 >= a.trait_shift_points and t.get("p_adjusted", 1.0) < a.min_p_adjusted:
                out.append(
                    _alert(
                        "trait_shift",
                        pid,
                        f"In {pid} “{name}”, “{t['feature']}: {t['value']}” moved from {_pct(t['share_from'])} "
                        f"to {_pct(t['share_to'])} of members.",
                        **t,
                    )
                )
    return out
