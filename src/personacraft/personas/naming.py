"""Persona names made from their defining traits, unique within a set; in B2B, from the committee role.

A B2B persona with a committee role is named after it and its members' most common job
function (:data:`ROLE_NAMES`): "Budget-holding finance lead", "Hands-on finance specialist".
A second persona of the same role and function takes its strongest trait adjective in front.
"""

from __future__ import annotations

from typing import Any

# (attribute, words in the value) -> adjective. The attributes are personacraft's own
# (features/sql.py ATTRIBUTES), so these rules hold for any shop.
ADJECTIVES: list[tuple[str, str, str]] = [
    ("Discount use", "most orders", "Deal-seeking"),
    ("Season", "holiday", "Holiday"),
    ("Season", "summer", "Summer"),
    ("Shopping time", "night", "Night-owl"),
    ("Shopping time", "morning", "Early-bird"),
    ("Shopping time", "evening", "Evening"),
    ("Shopping time", "afternoon", "Daytime"),
    ("Order value", "and more", "Big-basket"),
    ("Order value", "under", "Small-basket"),
    ("Orders", "4 or more", "Loyal"),
    ("Orders", "1 order", "One-time"),
    ("Shopping days", "weekends", "Weekend"),
    ("Shopping days", "weekdays", "Weekday"),
    ("Device", "mobile", "Mobile"),
    ("Device", "desktop", "Desktop"),
    ("Recency", "over a year", "Lapsed"),
    ("Discount use", "never", "Full-price"),
    ("Buying role", "decision maker", "Decision-making"),
    ("Buying role", "budget holder", "Budget-holding"),
    ("Buying role", "economic buyer", "Budget-holding"),
    ("Buying role", "champion", "Champion"),
    ("Buying role", "end user", "Hands-on"),
    ("Buying role", "influencer", "Influential"),
    ("Seniority", "executive", "Executive"),
    ("Seniority", "director", "Director-level"),
    ("Job function", "it and engineering", "Technical"),
    ("Job function", "procurement", "Procurement"),
    ("Product use", "heavy", "Power"),
    ("Billing", "pays", "Paying"),
]
# the noun: shoppers buy in a shop; in B2B data the people are contacts of accounts
B2B_FEATURES = {"Buying role", "Seniority", "Job function", "Job title", "Product use", "Billing"}


# committee role -> the name's pattern; {function} is the members' most common job function in a word
ROLE_NAMES = {
    "economic_buyer": "Budget-holding {function} lead",
    "decision_maker": "Executive {function} decision-maker",
    "champion": "{Function} champion",
    "technical_evaluator": "Technical {function} evaluator",
    "influencer": "{Function} influencer",
    "end_user": "Hands-on {function} specialist",
}
FUNCTION_WORDS = {
    "finance and accounting": "finance",
    "IT and engineering": "IT",
    "procurement": "procurement",
    "marketing": "marketing",
    "sales": "sales",
    "operations": "operations",
    "people and HR": "HR",
    "general management": "business",
}


def role_name(role: str, function: str | None) -> str | None:
    """The B2B name of a committee role, with the members' job function (None for a mixed persona)."""
    pattern = ROLE_NAMES.get(role)
    if pattern is None:
        return None
    word = FUNCTION_WORDS.get(function or "", "")
    name = pattern.replace("{Function}", word[:1].upper() + word[1:]).replace("{function}", word)
    name = " ".join(name.split())
    return name[:1].upper() + name[1:]


def name_b2b(
    roles: list[tuple[str | None, str | None]], trait_lists: list[list[dict[str, Any]]]
) -> list[tuple[str, list[dict[str, Any]]] | None]:
    """Each persona's role name (None where it has no committee role), unique within the set."""
    names = [role_name(r, f) if r else None for r, f in roles]
    out: list[tuple[str, list[dict[str, Any]]] | None] = []
    for i, name in enumerate(names):
        if name is None:
            out.append(None)
            continue
        if names.count(name) > 1:
            adjs = [(a, t) for a, t in adjectives(trait_lists[i]) if a.lower() not in name.lower()]
            if adjs:
                name = f"{adjs[0][0]} {name[:1].lower()}{name[1:]}"
                out.append((name, [adjs[0][1]]))
                continue
            name = f"{name} ({i + 1})"
        out.append((name, []))
    return out


def adjectives(traits: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Adjectives the persona's traits support, strongest trait first."""
    out: list[tuple[str, dict[str, Any]]] = []
    for t in traits:
        for feature, words, adj in ADJECTIVES:
            if t["feature"] == feature and words in str(t["value"]).lower() and adj not in [a for a, _ in out]:
                out.append((adj, t))
    return out


def name_personas(trait_lists: list[list[dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A name per persona, and the traits it rests on."""
    names: list[tuple[str, list[dict[str, Any]]]] = []
    used: set[str] = set()
    for i, traits in enumerate(trait_lists):
        adjs = adjectives(traits)
        noun = "user" if any(t["feature"] in B2B_FEATURES for t in traits) else "shopper"
        chosen: tuple[str, list[dict[str, Any]]] = (f"Segment {i + 1} {noun}", [])
        for take in (2, 3, 1):
            if len(adjs) >= take:
                words = [a for a, _ in adjs[:take]]
                words = [words[0]] + [w.lower() for w in words[1:]]
                candidate = " ".join(words) + f" {noun}"
                if candidate not in used:
                    chosen = (candidate, [t for _, t in adjs[:take]])
                    break
        if chosen[0] in used:
            chosen = (f"{chosen[0]} ({i + 1})", chosen[1])
        used.add(chosen[0])
        names.append(chosen)
    return names


def still_fits(name: str, traits: list[dict[str, Any]], others: list[str]) -> bool:
    """Whether a persona's earlier name still holds: every adjective in it is supported by its traits now,
    and no other persona of the set is named so."""
    words = name.lower().split()[:-1]  # the last word is the noun
    supported = {a.lower() for a, _ in adjectives(traits)}
    return bool(words) and all(w in supported for w in words) and name not in others
