"""Narrators turn one fact into a sentence: the protocol, and the default one of fixed templates."""

from __future__ import annotations

from typing import Any, Protocol


class Narrator(Protocol):
    """Turns one fact into a sentence; ``variant`` picks among phrasings, deterministically."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str: ...


TEMPLATES: dict[str, list[str]] = {
    "intro": [
        "{name} stands for {size:,} customers, {share} of the base.",
        "{name} represents {size:,} customers ({share} of all).",
        "Meet {name}: {size:,} customers, {share} of the base, behave like this.",
    ],
    "trait": [
        "{feature}: {value} for {share} of them, {lift:.1f}× the average.",
        "{share} have {feature_l} \u201c{value}\u201d, {lift:.1f}× more often than the average customer.",
        "Compared with everyone, {lift:.1f}× as many report {feature_l} \u201c{value}\u201d ({share}).",
    ],
    "answer": [
        "Asked “{feature}”, {share} answer “{value}” ({lift:.1f}× the average).",
        "{share} answer “{value}” to “{feature}”, {lift:.1f}× the average.",
    ],
    "day": [
        "A typical day: {parts}.",
        "On a usual day they {parts}.",
    ],
    "goal": [
        "Their main goal: \u201c{goal}\u201d ({share} of those surveyed, {lift:.1f}× the average).",
        "\u201c{goal}\u201d is what {share} of them want ({lift:.1f}× the average).",
    ],
    "pain": [
        "What hurts: \u201c{label}\u201d, raised by {share} of those who wrote ({lift:.1f}× the average).",
        "They complain about \u201c{label}\u201d: {share} of writers, {lift:.1f}× the average.",
    ],
}


class TemplateNarrator:
    """The default narrator: fixed templates with a few phrasings each, no network."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str:
        options = TEMPLATES[kind]
        return options[variant % len(options)].format(**facts)
