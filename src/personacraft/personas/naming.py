"""Persona names made from their defining traits, unique within a set."""

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
