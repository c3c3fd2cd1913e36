"""Narrators turn one fact into a sentence: the protocol, and the default one of fixed templates."""

from __future__ import annotations

from typing import Any, Protocol

from personacraft.wording import lift_words, question_label


class Narrator(Protocol):
    """Turns one fact into a sentence; ``variant`` picks among phrasings, deterministically."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str: ...


TEMPLATES: dict[str, list[str]] = {
    "intro": [
        "{name} stands for {size:,} {people}, {share} of the base.",
        "{name} represents {size:,} {people} ({share} of all).",
        "Meet {name}: {size:,} {people}, {share} of the base, behave like this.",
    ],
    "trait": [
        "{feature}: {value} for {share} of them, {lift_words}.",
        "{share} have {feature_l} \u201c{value}\u201d, {lift_words}.",
        "{feature}: \u201c{value}\u201d for {share} of them ({lift_words}).",
    ],
    "answer": [
        "Asked about {feature_short}, {share} answer “{value}” ({lift_words}).",
        "{share} answer “{value}” when asked about {feature_short}, {lift_words}.",
    ],
    "day": [
        "A typical day: {parts}.",
        "On a usual day they {parts}.",
    ],
    "goal": [
        "Their main goal: \u201c{goal}\u201d ({share} of those surveyed, {lift_words}).",
        "\u201c{goal}\u201d is what {share} of them want ({lift_words}).",
    ],
    "pain": [
        "What hurts: \u201c{label}\u201d, raised by {share} of those who wrote ({lift_words}).",
        "They complain about \u201c{label}\u201d: {share} of writers, {lift_words}.",
    ],
}


class TemplateNarrator:
    """The default narrator: fixed templates with a few phrasings each, no network."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str:
        options = TEMPLATES[kind]
        if isinstance(facts.get("lift"), int | float):  # figures in plain words ("2.2× more common than average")
            facts.setdefault("lift_words", lift_words(float(facts["lift"])))
        if "feature" in facts:
            short = question_label(facts["feature"])
            facts.setdefault("feature_short", short[:1].lower() + short[1:] if short[1:2].islower() else short)
        return options[variant % len(options)].format(**facts)
