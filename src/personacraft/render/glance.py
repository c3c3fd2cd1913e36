"""A persona "at a glance": one plain sentence, top wants, frustrations and actions, and its money share.

The band under a persona's name on every page, card and slide is built here, once, from the persona
dict (``personas.json``), so the report, the app, the cards and the slides say the same thing.
Where a list is empty the band carries the prompt for the export that would fill it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from personacraft.render.style import pct
from personacraft.wording import lift_words, question_label, value_label, whole_label

KINDS = ("messaging", "product", "retention", "channels", "sales")  # the order actions are taken in
TOP = 3
WANTED = 1.1  # a goal counts as theirs when it is at least this many times as common as on average
PROMPTS = {  # why a list is empty when the persona's ``missing`` dict gives no reason
    "wants": "Add a survey export (Typeform, Google Forms) to learn what they want.",
    "frustrations": "Add a reviews or support tickets export to learn what frustrates them.",
    "actions": "Add an orders export to get actions from their behaviour.",
}


@dataclass(frozen=True)
class Glance:
    """What the band shows; each list holds at most three plain sentences or labels."""

    sentence: str
    wants: list[str] = field(default_factory=list)
    frustrations: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    customer_share: float | None = None
    revenue_share: float | None = None
    revenue_words: str = "of revenue"  # B2B: "of MRR signed" (the share of MRR whose subscription they pay)
    flags: list[str] = field(default_factory=list)  # "most valuable", "at risk"
    prompts: dict[str, str] = field(default_factory=dict)  # list name → what to add to fill it


def maps(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list (traits, channels, …); anything else: none."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def as_dict(value: Any) -> Mapping[str, Any]:
    """A mapping as is; anything else: an empty one."""
    return value if isinstance(value, Mapping) else {}


def number(value: Any) -> float | None:
    """A number as a float; a bool or anything else: None."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_number(value: Any) -> bool:
    return number(value) is not None


def _prompt(persona: Mapping[str, Any], keys: tuple[str, ...], default: str) -> str:
    missing = as_dict(persona.get("missing"))
    for key in keys:
        text = missing.get(key)
        if isinstance(text, str) and text.strip():
            return text.strip()
    return default


def sentence(persona: Mapping[str, Any]) -> str:
    """One plain sentence: how many they are, how much they bring, and the trait that sets them apart."""
    share = number(persona.get("share"))
    value = as_dict(persona.get("value"))
    revenue = number(value.get("revenue_share"))
    parts = []
    if share is not None:
        parts.append(f"{pct(share)} of customers")
    if revenue is not None:
        parts.append(f"{pct(revenue)} of revenue")
    head = ("They are " + " and bring ".join(parts) + ".") if parts else ""
    mrr = number(value.get("mrr"))
    if value.get("clv_unit") == "account" and share is not None and mrr is not None:  # B2B: accounts pay, some sign
        head = f"They are {pct(share)} of contacts; their accounts pay {mrr:,.0f} a month" + (
            f", and they sign {pct(revenue)} of all MRR." if revenue is not None else "."
        )
    traits = maps(persona.get("traits"))
    if traits:
        t = traits[0]
        lift = number(t.get("lift"))
        label = question_label(t.get("feature", ""))
        said = value_label(t.get("feature", ""), t.get("value", ""))
        what = f"“{said}” ({label[:1].lower() + label[1:] if label[1:2].islower() else label})"
        tail = f" What sets them apart: {what}" + (f", {lift_words(lift)}." if lift is not None else ".")
        return (head + tail).strip()
    return head or "Too few figures to describe this group yet."


def _actions(persona: Mapping[str, Any]) -> list[str]:
    """The top actions: one of each kind before a second, and never two that rest on the same figure."""
    recs = as_dict(persona.get("recommendations"))
    lists = [maps(recs.get(kind)) for kind in KINDS]
    out: list[str] = []
    seen: set[str] = set()
    for depth in range(max((len(x) for x in lists), default=0)):
        for rec in (x[depth] for x in lists if depth < len(x)):
            text = str(rec.get("text") or "")
            basis = {str(e.get("label")) for e in maps(rec.get("evidence")) if e.get("label")}
            if text and text not in out and not basis & seen:
                out.append(text)
                seen |= basis
    return out[:TOP]


def glance(persona: Mapping[str, Any]) -> Glance:
    """The at-a-glance band of one persona (a ``personas.json`` persona dict)."""
    goals = maps(persona.get("goals"))  # what they want more than the average customer does
    wants = [str(g.get("goal")) for g in goals if g.get("goal") and (number(g.get("lift")) or 0) > WANTED]
    wants += [
        str(n.get("label")) for n in maps(persona.get("needs")) if n.get("label") and str(n.get("label")) not in wants
    ]
    frustrations = [
        whole_label(p.get("label"), p.get("quotes")) for p in maps(persona.get("pain_points")) if p.get("label")
    ]
    actions = _actions(persona)
    prompts = {}
    if not wants:
        prompts["wants"] = _prompt(persona, ("goals", "needs"), PROMPTS["wants"])
    if not frustrations:
        prompts["frustrations"] = _prompt(persona, ("pain_points",), PROMPTS["frustrations"])
    if not actions:
        prompts["actions"] = PROMPTS["actions"]
    value = as_dict(persona.get("value"))
    flags = [label for key, label in (("most_valuable", "most valuable"), ("at_risk", "at risk")) if value.get(key)]
    return Glance(
        sentence=sentence(persona),
        wants=wants[:TOP],
        frustrations=frustrations[:TOP],
        actions=actions,
        customer_share=number(persona.get("share")),
        revenue_share=number(value.get("revenue_share")),
        revenue_words="of MRR signed" if value.get("clv_unit") == "account" else "of revenue",
        flags=flags,
        prompts=prompts,
    )
