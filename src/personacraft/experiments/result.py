"""An experiment's reading: its cells, SRM, heterogeneity, power and accounting; the JSON; the verdicts.

Verdict rules (per group × variant × outcome; the outcome's good direction is up unless the
caller lists it in ``lower_is_better``, e.g. ``churned``):

- ``"works better here than elsewhere"``: the effect is good and significant after BH
  (``p_adjusted < alpha``), the heterogeneity test of that variant × outcome is significant
  (BH over variants × outcomes), and the group's effect differs from the inverse-variance mean of
  the other groups' effects (z test, ``p < alpha``) in the good direction;
- ``"works here"``: good and significant after BH, without the above;
- ``"hurts here"``: bad and significant after BH;
- ``"no evidence"``: otherwise (the interval holds 0, or the test cannot be computed).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from personacraft.experiments.stats import Effect, contrast

WORKS, NONE, HURTS, BETTER = "works here", "no evidence", "hurts here", "works better here than elsewhere"
VERDICTS = (WORKS, NONE, HURTS, BETTER)


def _num(x: float | None) -> float | None:
    """A float for JSON: NaN and infinities are null."""
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class Cell:
    """One group × variant × outcome comparison against the control (``group`` is ``"all"`` overall)."""

    group: str
    variant: str
    outcome: str
    kind: str  # "proportion" or "mean"
    n_control: int
    n_variant: int
    mean_control: float
    mean_variant: float
    effect: Effect
    test: str
    interval: str
    mde: float
    p_adjusted: float = float("nan")

    @property
    def relative_lift(self) -> float:
        return self.effect.diff / self.mean_control if self.mean_control else float("nan")

    def row(self) -> dict[str, Any]:
        """The JSON row (the contract's fields, then the method)."""
        e = self.effect
        return {
            "group": self.group,
            "variant": self.variant,
            "outcome": self.outcome,
            "n_control": self.n_control,
            "n_variant": self.n_variant,
            "mean_control": _num(self.mean_control),
            "mean_variant": _num(self.mean_variant),
            "diff": _num(e.diff),
            "ci_low": _num(e.ci_low),
            "ci_high": _num(e.ci_high),
            "relative_lift": _num(self.relative_lift),
            "p_value": _num(e.p_value),
            "p_adjusted": _num(self.p_adjusted),
            "kind": self.kind,
            "test": self.test,
            "interval": self.interval,
        }


@dataclass
class ExperimentReading:
    """What :func:`~personacraft.experiments.read_experiment` found; :meth:`to_dict` is the JSON document."""

    cells: list[Cell]
    srm: dict[str, Any]
    heterogeneity: list[dict[str, Any]]
    accounting: dict[str, Any]
    settings: dict[str, Any]
    lower_is_better: frozenset[str] = field(default_factory=frozenset)

    @property
    def overall(self) -> list[Cell]:
        return [c for c in self.cells if c.group == "all"]

    @property
    def groups(self) -> list[Cell]:
        return [c for c in self.cells if c.group != "all"]

    @property
    def srm_ok(self) -> bool:
        return bool(self.srm["ok"])

    def verdict(self, cell: Cell, lower_is_better: Collection[str] | None = None) -> str:
        """The verdict of one cell (see the module's rules)."""
        alpha = float(self.settings["alpha"])
        worse = self.lower_is_better if lower_is_better is None else frozenset(lower_is_better)
        sign = -1.0 if cell.outcome in worse else 1.0
        p = cell.p_adjusted
        if not math.isfinite(p) or p >= alpha or not math.isfinite(cell.effect.diff) or cell.effect.diff == 0:
            return NONE
        if sign * cell.effect.diff < 0:
            return HURTS
        if cell.group == "all":
            return WORKS
        het = next(h for h in self.heterogeneity if h["variant"] == cell.variant and h["outcome"] == cell.outcome)
        if het["significant"]:
            others = [
                c for c in self.groups if c.variant == cell.variant and c.outcome == cell.outcome and c is not cell
            ]
            pc = contrast(cell.effect.diff, cell.effect.se, [c.effect.diff for c in others],
                          [c.effect.se for c in others])  # fmt: skip
            rest = [c.effect.diff for c in others]
            if math.isfinite(pc) and pc < alpha and rest and sign * cell.effect.diff > sign * _mean(others):
                return BETTER
        return WORKS

    def verdicts(self, lower_is_better: Collection[str] | None = None) -> list[dict[str, Any]]:
        """``{group, variant, outcome, verdict}`` for every cell, overall (group ``"all"``) first."""
        return [
            {"group": c.group, "variant": c.variant, "outcome": c.outcome, "verdict": self.verdict(c, lower_is_better)}
            for c in self.cells
        ]

    def power(self) -> list[dict[str, Any]]:
        """Per group × variant × outcome: the minimum detectable effect at 80 % power for the n it has."""
        return [
            {
                "group": c.group,
                "variant": c.variant,
                "outcome": c.outcome,
                "n_control": c.n_control,
                "n_variant": c.n_variant,
                "mde": _num(c.mde),
                "mde_relative": _num(c.mde / c.mean_control) if c.mean_control else None,
            }
            for c in self.cells
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: settings, srm, overall, groups, heterogeneity, power, accounting."""

        def rows(cells: list[Cell]) -> list[dict[str, Any]]:
            return [{**c.row(), "verdict": self.verdict(c)} for c in cells]

        return {
            "settings": self.settings,
            "srm": _clean(self.srm),
            "overall": rows(self.overall),
            "groups": rows(self.groups),
            "heterogeneity": _clean(self.heterogeneity),
            "power": self.power(),
            "accounting": self.accounting,
        }


def _mean(cells: list[Cell]) -> float:
    """The inverse-variance mean of the cells' effects (plain mean when no weight can be computed)."""
    w = [1 / c.effect.se**2 for c in cells if math.isfinite(c.effect.se) and c.effect.se > 0]
    d = [c.effect.diff for c in cells if math.isfinite(c.effect.se) and c.effect.se > 0]
    if not w:
        return sum(c.effect.diff for c in cells) / len(cells)
    return sum(a * b for a, b in zip(w, d, strict=True)) / sum(w)


def _clean(doc: Any) -> Any:
    """``doc`` with every non-finite float as None (JSON has no NaN)."""
    if isinstance(doc, float):
        return _num(doc)
    if isinstance(doc, dict):
        return {k: _clean(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_clean(v) for v in doc]
    return doc
