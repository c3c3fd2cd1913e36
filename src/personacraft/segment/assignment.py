"""The one place that decides a customer's persona: the id rule, the decision, and the reasons.

Segments are ordered by size. Segment ``i`` is persona ``p{i+1}`` when it is published
(``i < published``); the segments after those were under the minimum size, and their
customers are unassigned (an empty id). A customer is assigned when they have at least one
value the model knows and their most likely segment is published; the confidence is that
segment's posterior, rounded to 4 places. The build, ``assign``, ``explain`` and the API all
call :class:`PersonaModel`; the SQL form of the id is :func:`persona_id_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from personacraft.segment.latent import LatentClassSegmenter

REASONS = 5  # values named as reasons by explain and the API


def persona_id(segment: int) -> str:
    """The persona id of segment ``segment`` (0-based): ``p1``, ``p2``, …"""
    return f"p{segment + 1}"


def persona_ids(segments: np.ndarray, assigned: np.ndarray) -> np.ndarray:
    """:func:`persona_id` of each segment, ``""`` where the customer is not assigned."""
    return np.where(assigned, np.char.add("p", (np.asarray(segments) + 1).astype(str)), "").astype(object)


def persona_id_sql(segment: str, published: int) -> str:
    """SQL: the persona id of the segment in column ``segment``, or ``''`` when it was not published."""
    return f"CASE WHEN {segment} < {int(published)} THEN 'p' || ({segment} + 1) ELSE '' END"


@dataclass(frozen=True)
class Decision:
    """Per customer: most likely segment, whether that makes a persona, and the evidence counts."""

    segment: np.ndarray  # most likely segment (0-based), assigned or not
    best: np.ndarray  # that segment's posterior, rounded to 4 places
    assigned: np.ndarray  # a known value, and a published segment
    known: np.ndarray  # how many of the customer's values the model knows

    @property
    def confidence(self) -> np.ndarray:
        """The posterior of the persona, 0 for a customer who is not assigned."""
        return np.where(self.assigned, self.best, 0.0)

    @property
    def persona_ids(self) -> np.ndarray:
        return persona_ids(self.segment, self.assigned)


@dataclass(frozen=True)
class PersonaModel:
    """A fitted segmenter with its columns and how many segments are published: what assigns customers."""

    model: LatentClassSegmenter
    columns: list[tuple[str, str]]
    structure_found: bool
    published: int  # segments 0 .. published-1 are personas; the rest were under the minimum size

    @property
    def k(self) -> int:
        return int(self.model.theta_.shape[0])

    @cached_property
    def log_theta(self) -> np.ndarray:
        return np.log(self.model.theta_)

    @cached_property
    def log_weights(self) -> np.ndarray:
        return np.log(self.model.weights_)

    @cached_property
    def population(self) -> np.ndarray:
        """Each column's probability over everyone (the segments' mixture)."""
        return np.asarray(self.model.weights_ @ self.model.theta_)

    @cached_property
    def log_lift(self) -> np.ndarray:
        return self.log_theta - np.log(self.population)

    def column_arrays(self) -> dict[str, np.ndarray]:
        """The columns as (family, value, j) arrays, for :func:`personacraft.segment.matrix.count_matrix`."""
        return {
            "family": np.array([f for f, _ in self.columns], dtype=object),
            "value": np.array([v for _, v in self.columns], dtype=object),
            "j": np.arange(len(self.columns), dtype=np.int64),
        }

    def posterior(self, N: np.ndarray) -> np.ndarray:
        """Each segment's posterior for each row of counts: the model's tempering, then its E-step."""
        if not len(N):
            return np.zeros((0, self.k))
        return self.model._estep(self.model.temper(np.asarray(N, dtype=np.float64)), self.log_theta, self.log_weights)[
            0
        ]

    def decide(self, N: np.ndarray) -> Decision:
        """The decision for each row of counts (customers × the model's columns)."""
        proba = self.posterior(N)
        known = (np.asarray(N) > 0).sum(axis=1)
        segment = proba.argmax(axis=1)
        best = np.round(proba.max(axis=1), 4) if len(proba) else np.zeros(0)
        return Decision(segment, best, (known > 0) & (segment < self.published), known)

    def reasons(self, counts: np.ndarray, segment: int, *, top: int = REASONS) -> list[dict[str, Any]]:
        """The values that pulled one customer (a row of counts) into ``segment``, strongest first.

        Each value adds its tempered count × log(persona share / population share) to the
        persona's score against the population; only values that add are named.
        """
        contribution = self.model.temper(np.asarray(counts, dtype=np.float64)[None, :])[0] * self.log_lift[segment]
        theta = self.model.theta_[segment]
        out: list[dict[str, Any]] = []
        for j in np.argsort(-contribution, kind="stable")[:top]:
            if contribution[j] <= 0:
                break
            family, value = self.columns[j]
            out.append(
                {
                    "feature": family,
                    "value": value,
                    "persona_share": round(float(theta[j]), 4),
                    "population_share": round(float(self.population[j]), 4),
                    "lift": round(float(theta[j] / self.population[j]), 2),
                    "weight_of_evidence": round(float(contribution[j]), 3),
                }
            )
        return out
