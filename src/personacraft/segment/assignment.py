"""The one place that decides a customer's persona: the id rule, the decision, and the reasons.

Segments are ordered by size. Segment ``i`` is a persona when it is published (``i < published``);
the segments after those were under the minimum size, and their customers are unassigned (an
empty id). A persona's id comes from ``ids``, the mapping of segment index to the id that the
match with the previous run gave it (:mod:`personacraft.segment.lineage`): an id stays with its
persona across runs. Without a mapping (a first run, or a run saved before ids were matched)
segment ``i`` is ``p{i+1}``. A customer is assigned when they have at least one
value the model knows and their most likely segment is published; the confidence is that
segment's posterior, rounded to 4 places. A customer whose next most likely published
persona is within :data:`HYBRID_GAP` of the first is a hybrid: they stay in their top persona,
and the second is named with its posterior. The build, ``assign``, ``explain`` and the API
all call :class:`PersonaModel`; the SQL form of the id is :func:`persona_id_sql`.
:func:`decide_counts` is the same decision over counts in long form (what an engine hands a
batch of whole customers, :mod:`personacraft.segment.matrix`), and :func:`decision_of` reads
its columns back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from personacraft.segment.latent import LatentClassSegmenter

REASONS = 5  # values named as reasons by explain and the API
HYBRID_GAP = 0.2  # a customer whose top two personas' posteriors are this close is "in between"


def default_ids(published: int) -> tuple[str, ...]:
    """The ids of a run that has no earlier one to match: ``p1`` … ``p{published}``."""
    return tuple(f"p{i + 1}" for i in range(int(published)))


def persona_id(segment: int, ids: Sequence[str] | None = None) -> str:
    """The persona id of segment ``segment`` (0-based): ``ids[segment]``, or ``p{segment+1}`` without ``ids``."""
    if ids is None:
        return f"p{segment + 1}"
    return str(ids[segment])


def persona_ids(segments: np.ndarray, assigned: np.ndarray, ids: Sequence[str] | None = None) -> np.ndarray:
    """:func:`persona_id` of each segment, ``""`` where the customer is not assigned."""
    segments = np.asarray(segments)
    if ids is None:
        return np.where(assigned, np.char.add("p", (segments + 1).astype(str)), "").astype(object)
    table = np.array([*map(str, ids), ""], dtype=object)
    at = np.where(np.asarray(assigned, dtype=bool) & (segments < len(ids)), segments, len(ids))
    return table[at.astype(np.int64)]


def persona_id_sql(segment: str, published: int, ids: Sequence[str] | None = None) -> str:
    """SQL: the persona id of the segment in column ``segment``, or ``''`` when it was not published."""
    if ids is None:
        return f"CASE WHEN {segment} < {int(published)} THEN 'p' || ({segment} + 1) ELSE '' END"
    if not ids:
        return "''"
    listed = ", ".join("'" + str(i).replace("'", "''") + "'" for i in ids)
    return f"CASE WHEN {segment} < {min(int(published), len(ids))} THEN ([{listed}])[{segment} + 1] ELSE '' END"


@dataclass(frozen=True)
class Decision:
    """Per customer: most likely segment, whether that makes a persona, and the evidence counts."""

    segment: np.ndarray  # most likely segment (0-based), assigned or not
    best: np.ndarray  # that segment's posterior, rounded to 4 places
    assigned: np.ndarray  # a known value, and a published segment
    known: np.ndarray  # how many of the customer's values the model knows
    second: np.ndarray  # the next most likely published segment (0-based)
    second_best: np.ndarray  # its posterior, rounded to 4 places; 0 when there is none
    ids: tuple[str, ...] | None = None  # the persona id of each published segment (None: p1, p2, …)

    @property
    def confidence(self) -> np.ndarray:
        """The posterior of the persona, 0 for a customer who is not assigned."""
        return np.where(self.assigned, self.best, 0.0)

    @property
    def persona_ids(self) -> np.ndarray:
        return persona_ids(self.segment, self.assigned, self.ids)

    @property
    def hybrid(self) -> np.ndarray:
        """Assigned customers whose next most likely persona is within :data:`HYBRID_GAP` of the first."""
        return self.assigned & (self.second_best > 0) & (self.best - self.second_best < HYBRID_GAP)

    @property
    def second_confidence(self) -> np.ndarray:
        """The second persona's posterior for a hybrid, else 0."""
        return np.where(self.hybrid, self.second_best, 0.0)

    @property
    def second_persona_ids(self) -> np.ndarray:
        """The second persona's id for a hybrid, else ``""``."""
        return persona_ids(self.second, self.hybrid, self.ids)


# the columns of :func:`decide_counts`, with their DuckDB types
DECISION_COLUMNS = {
    "customer_key": "VARCHAR",
    "segment": "INTEGER",
    "best": "DOUBLE",
    "assigned": "BOOLEAN",
    "known": "BIGINT",
    "second": "INTEGER",
    "second_best": "DOUBLE",
}


def decide_counts(model: PersonaModel, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:meth:`PersonaModel.decide` over long counts: ``rows`` has customer_key, j (the model's column, < 0 for a
    customer with no known value) and n, each (customer, j) once; one row per customer out, by customer_key."""
    customers, row = np.unique(np.asarray(rows["customer_key"], dtype=object), return_inverse=True)
    j, n = np.asarray(rows["j"], dtype=np.int64), np.asarray(rows["n"], dtype=np.float64)
    has = j >= 0
    N = np.zeros((len(customers), len(model.columns)))
    N[row[has], j[has]] = n[has]
    d = model.decide(N)
    return {
        "customer_key": customers,
        "segment": d.segment.astype(np.int32),
        "best": np.asarray(d.best, dtype=np.float64),
        "assigned": np.asarray(d.assigned, dtype=bool),
        "known": np.asarray(d.known, dtype=np.int64),
        "second": np.asarray(d.second, dtype=np.int32),
        "second_best": np.asarray(d.second_best, dtype=np.float64),
    }


def decision_of(columns: dict[str, np.ndarray], ids: Sequence[str] | None = None) -> Decision:
    """The :class:`Decision` of :func:`decide_counts`' columns (in their row order)."""
    return Decision(
        np.asarray(columns["segment"], dtype=np.int64),
        np.asarray(columns["best"], dtype=np.float64),
        np.asarray(columns["assigned"], dtype=bool),
        np.asarray(columns["known"], dtype=np.int64),
        np.asarray(columns["second"], dtype=np.int64),
        np.asarray(columns["second_best"], dtype=np.float64),
        tuple(ids) if ids is not None else None,
    )


def membership(decision: Decision, published: int) -> list[dict[str, Any]]:
    """How clearly each published persona's members fit it.

    Per persona: ``members``, ``mean_confidence`` (the average posterior of its members),
    ``hybrids`` and ``hybrid_share`` (members whose second persona is within
    :data:`HYBRID_GAP`), and ``hybrid_with`` (the segment most of those hybrids lean to, or
    None when there are none).
    """
    out = []
    for p in range(published):  # personas, not customers: a handful of vectorised passes
        members = decision.assigned & (decision.segment == p)
        n = int(members.sum())
        hybrid = members & decision.hybrid
        partners = np.bincount(decision.second[hybrid], minlength=max(published, 1))
        out.append(
            {
                "members": n,
                "mean_confidence": round(float(decision.best[members].mean()), 3) if n else 0.0,
                "hybrids": int(hybrid.sum()),
                "hybrid_share": round(float(hybrid.sum()) / n, 4) if n else 0.0,
                "hybrid_with": int(partners.argmax()) if hybrid.any() else None,
            }
        )
    return out


@dataclass(frozen=True)
class PersonaModel:
    """A fitted segmenter with its columns and how many segments are published: what assigns customers."""

    model: LatentClassSegmenter
    columns: list[tuple[str, str]]
    structure_found: bool
    published: int  # segments 0 .. published-1 are personas; the rest were under the minimum size
    ids: tuple[str, ...] = ()  # each published segment's persona id; () means p1, p2, …

    @property
    def persona_ids(self) -> tuple[str, ...]:
        """The id of each published segment (segment order): matched across runs, or ``p1`` … by default."""
        return tuple(self.ids) if self.ids else default_ids(self.published)

    def persona_id(self, segment: int) -> str:
        return persona_id(segment, self.persona_ids)

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

    def posterior(self, N: np.ndarray, tempered: np.ndarray | None = None) -> np.ndarray:
        """Each segment's posterior for each row of counts: the model's tempering (``tempered``, when the caller
        has it already), then its E-step."""
        if not len(N):
            return np.zeros((0, self.k))
        if tempered is not None:
            return self.model._posterior(tempered, tempered=True)
        return self.model._posterior(np.asarray(N, dtype=np.float64))

    def decide(self, N: np.ndarray, tempered: np.ndarray | None = None) -> Decision:
        """The decision for each row of counts (customers × the model's columns); ``tempered``: ``model.temper(N)``,
        when the caller needs it too (the reasons)."""
        proba = self.posterior(N, tempered)
        known = (np.asarray(N) > 0).sum(axis=1)
        segment = proba.argmax(axis=1)
        best = np.round(proba.max(axis=1), 4) if len(proba) else np.zeros(0)
        # the runner-up among the published personas
        if self.published >= 2:  # with none published (no structure found) there is no runner-up
            rest = proba[:, : self.published].copy()
            rest[np.arange(len(rest)), np.minimum(segment, self.published - 1)] = -1.0
            second = rest.argmax(axis=1)
            second_best = np.round(np.maximum(rest.max(axis=1), 0.0), 4)
        else:
            second, second_best = np.zeros(len(proba), dtype=np.int64), np.zeros(len(proba))
        assigned = (known > 0) & (segment < self.published)
        return Decision(segment, best, assigned, known, second, second_best, self.persona_ids)

    def reasons(
        self, counts: np.ndarray, segment: int, *, top: int = REASONS, tempered: np.ndarray | None = None
    ) -> list[dict[str, Any]]:
        """The values that pulled one customer (a row of counts) into ``segment``, strongest first.

        Each value adds its tempered count × log(persona share / population share) to the
        persona's score against the population; only values that add are named. ``tempered``:
        the row tempered, when the caller has it already.
        """
        if tempered is None:
            tempered = self.model.temper(np.asarray(counts, dtype=np.float64)[None, :])[0]
        contribution = tempered * self.log_lift[segment]
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
