"""Each persona's ``experiments`` block: what was tested, the effect for the persona and for everyone, the verdict.

:func:`persona_experiments` reads every ``[[experiments]]`` entry of the config on the run (its
exposures: :mod:`personacraft.experiments.outcomes`) with :func:`~personacraft.experiments.read_experiment`,
grouped by persona, and returns one block per persona: a list of ``{experiment, variant, outcome,
persona, everyone, verdict, text …}``, one per variant × outcome. A persona with fewer than the
minimum group size in an arm gets no figures of its own (``persona`` null, with ``persona_reason``)
and the verdict "no evidence"; a test whose sample ratio does not match its design (SRM) gives every
persona "no evidence", with the reason. Without ``[[experiments]]`` the block is null and the reason is
in the persona's ``missing``. :func:`cite` adds the messaging recommendations that cite a result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from personacraft.experiment_settings import ExperimentConfig
from personacraft.experiments import BETTER, HURTS, NONE, OTHER, WORKS, read_experiment
from personacraft.experiments.outcomes import Exposures, drop, exposures
from personacraft.experiments.result import Cell, ExperimentReading
from personacraft.store import Run

LOWER_IS_BETTER = frozenset({"churned"})
WORDS = {"converted": "conversion", "revenue": "revenue per customer", "orders": "orders per customer",
         "churned": "churn"}  # fmt: skip
METHOD = (
    "A/B test read per persona: two-proportion z test with Newcombe interval (proportions) or Welch t "
    "(means); p adjusted by Benjamini-Hochberg over every persona × variant × outcome; heterogeneity by "
    "Cochran's Q; groups under the minimum group size pooled into 'other' (docs/experiments.md)"
)
FIGURES = ("n_control", "n_variant", "mean_control", "mean_variant", "diff", "ci_low", "ci_high", "relative_lift",
           "p_value", "p_adjusted")  # fmt: skip


@dataclass(frozen=True)
class Readings:
    """The blocks per persona id, and each experiment's reading as a document (for the report)."""

    blocks: dict[str, list[dict[str, Any]]]
    experiments: list[dict[str, Any]]
    reason: str | None = None  # why no persona has a block (no [[experiments]])


def persona_experiments(
    run: Run,
    entries: Sequence[ExperimentConfig],
    persona_ids: Sequence[str],
    *,
    min_n: int,
    seed: int,
    alpha: float = 0.05,
) -> Readings:
    """Read every experiment of ``entries`` per persona (``persona_ids``: the published personas, in segment
    order; the run's ``labels`` say who is in which)."""
    if not entries:
        return Readings({}, [], "no [[experiments]] entry in the config names an A/B test to read")
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _xp_personas AS SELECT unnest(range(?::BIGINT)) AS persona, "
        "unnest(?::VARCHAR[]) AS persona_id",
        [len(persona_ids), list(persona_ids)],
    )
    blocks: dict[str, list[dict[str, Any]]] = {pid: [] for pid in persona_ids}
    docs = []
    for i, entry in enumerate(entries):
        found = exposures(run, entry, run.t("labels"), "_xp_personas", i)
        try:
            for exp in found:
                reading = read_experiment(
                    run.con, exp.table, variant="variant", control=entry.control, outcomes=exp.outcomes,
                    group="persona", min_group_size=min_n, alpha=alpha, seed=seed, unit="customer_key",
                    line="_line", source=f'experiment "{exp.experiment}"',
                )  # fmt: skip
                reading.lower_is_better = LOWER_IS_BETTER
                docs.append(_document(exp, reading))
                for pid in persona_ids:
                    blocks[pid].extend(_block(exp, reading, pid))
        finally:
            drop(run, found)
    run.execute("DROP TABLE IF EXISTS _xp_personas")
    return Readings(blocks, docs)


def _label(exp: Exposures) -> str:
    return exp.entry.name or exp.experiment


def _document(exp: Exposures, reading: ExperimentReading) -> dict[str, Any]:
    doc = reading.to_dict()
    accounting = dict(doc["accounting"])
    accounting["exposures"] = exp.read
    accounting["left_out_before_reading"] = exp.left_out
    return {"experiment": exp.experiment, "name": _label(exp), "control": exp.entry.control, **doc,
            "accounting": accounting}  # fmt: skip


def _figures(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    row = cell.row()
    return {k: row[k] for k in FIGURES}


def _block(exp: Exposures, reading: ExperimentReading, pid: str) -> list[dict[str, Any]]:
    out = []
    het = {(h["variant"], h["outcome"]): h for h in reading.heterogeneity}
    for every in reading.overall:
        own = next(
            (c for c in reading.groups if c.group == pid and c.variant == every.variant and c.outcome == every.outcome),
            None,
        )
        item: dict[str, Any] = {
            "experiment": exp.experiment,
            "name": _label(exp),
            "control": exp.entry.control,
            "variant": every.variant,
            "outcome": every.outcome,
            "kind": every.kind,
            "persona": _figures(own),
            "persona_reason": None,
            "everyone": _figures(every),
            "everyone_verdict": reading.verdict(every) if reading.srm_ok else NONE,
            "heterogeneity_p": _finite(het.get((every.variant, every.outcome), {}).get("p_adjusted")),
            "srm_ok": reading.srm_ok,
            "verdict": NONE,
        }
        if own is None:
            item["persona_reason"] = (
                f"fewer than {reading.settings['min_group_size']} of this persona's customers in an arm: "
                f"their exposures are read with the group '{OTHER}'"
            )
        elif not reading.srm_ok:
            item["persona_reason"] = (
                f"the test's sample ratio does not match its design (SRM p = {reading.srm['p_value']:.2g}): "
                "no verdict can be trusted"
            )
        else:
            item["verdict"] = reading.verdict(own)
        item["text"] = sentence(item)
        out.append(item)
    return out


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def _amount(kind: str, x: float) -> str:
    return f"{abs(x) * 100:.1f} points" if kind == "proportion" else f"{abs(x):,.2f}"


def _bound(kind: str, x: float) -> str:
    text = f"{x * 100:.1f}" if kind == "proportion" else f"{x:,.2f}"
    return text.replace("-", "\u2212")


def interval(kind: str, low: float, high: float) -> str:
    """A 95 % interval in words: "0.8–3.4", or "−1.2 to 3.4" when a bound is negative."""
    sep = " to " if low < 0 or high < 0 else "\u2013"
    return f"{_bound(kind, low)}{sep}{_bound(kind, high)}"


def sentence(item: dict[str, Any]) -> str:
    """The result in words: "tested: 'free shipping' lifted conversion by 2.1 points for this persona, 95 % CI
    0.8–3.4" (and what it means), or why there is no figure for the persona."""
    what = WORDS.get(item["outcome"], item["outcome"])
    own = item["persona"]
    if own is None or own["diff"] is None or own["ci_low"] is None or own["ci_high"] is None:
        why = item["persona_reason"] or "no figure for this persona"
        return f"tested: '{item['variant']}' (vs '{item['control']}' in {item['name']}): {why}"
    kind, diff = item["kind"], own["diff"]
    verb = "lifted" if diff > 0 else "lowered" if diff < 0 else "did not change"
    by = f" by {_amount(kind, diff)}" if diff else ""
    ci = f"95 % CI {interval(kind, own['ci_low'], own['ci_high'])}"
    head = f"tested: '{item['variant']}' {verb} {what}{by} for this persona, {ci}"
    verdict = item["verdict"]
    if verdict == BETTER:
        return f"{head}: it works better here than elsewhere"
    if verdict in (WORKS, HURTS):
        return f"{head}: it {'works' if verdict == WORKS else 'hurts'} here"
    return f"{head}: no evidence it changes anything here"


def cite(persona: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """Add a messaging recommendation per tested variant that works, works better, or hurts for ``persona``."""
    recs = persona.get("recommendations")
    if not isinstance(recs, dict):
        return
    for item in reversed(items):  # each goes first: the first tested comes out first
        if item["verdict"] == NONE:
            continue
        advice = "keep it" if item["verdict"] in (WORKS, BETTER) else "avoid it"
        if item["verdict"] == BETTER:
            advice = "lead with it for this persona"
        facts = {k: item[k] for k in ("experiment", "variant", "outcome", "verdict", "persona", "everyone")}
        entry = {"text": f"{item['text'][0].upper()}{item['text'][1:]}; {advice}.", "evidence": [facts]}
        if recs.get("messaging") is None:
            recs["messaging"] = []
            recs.get("missing", {}).pop("messaging", None)
        recs["messaging"].insert(0, entry)


def evidence(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The persona's evidence entry for its experiments block."""
    facts = [{k: i[k] for k in ("experiment", "variant", "outcome", "verdict", "persona", "everyone")} for i in items]
    return {"field": "experiments", "claim": "What the A/B tests found for this persona.", "method": METHOD,
            "facts": facts}  # fmt: skip
