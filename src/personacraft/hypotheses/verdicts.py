"""Grading beliefs against a run: each hypothesis's verdict with its numbers, and each hand-made persona's match.

The counts come from the run's stored tables (``attributes`` and ``labels``) through the SQL
of :mod:`personacraft.hypotheses.sql`: per published persona and for everyone, how many
customers hold each value and how many have the family known. Python only reads those
aggregates. Persona names are the run's ``personas.json``'s (its output folder).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from personacraft.hypotheses import handmade
from personacraft.hypotheses.spec import Beliefs, Claim
from personacraft.hypotheses.sql import CELLS, SIZES
from personacraft.hypotheses.stats import ALPHA, Test, adjust, most_common_test, share_test, verdict, wilson
from personacraft.hypotheses.vocabulary import Family, Unknown, Value, Vocabulary, vocabulary
from personacraft.segment.assignment import persona_id_sql
from personacraft.segment.persist import load_model
from personacraft.store import Run

ALL = "all"


@dataclass
class Counts:
    """Per group (a persona id or ``all``): customers per (family, value), customers with the family known."""

    n: dict[tuple[str, str, str], int]
    known: dict[tuple[str, str], int]
    by_family: dict[tuple[str, str], list[tuple[str, int]]]  # (group, family) → [(value, n)], most common first
    sizes: dict[str, int]


@dataclass
class Personas:
    """The run's published personas: ids in segment order, and names."""

    ids: tuple[str, ...]
    names: dict[str, str]
    id_sql: str  # the persona id of labels' segment ``l.persona``

    def resolve(self, name: str) -> str:
        """The persona id ``name`` stands for (an id, a name in any case, or ``all``); raises :class:`Unknown`."""
        text = str(name).strip()
        if text.lower() == ALL:
            return ALL
        if text in self.names:
            return text
        by_name = {v.lower(): k for k, v in self.names.items()} | {k.lower(): k for k in self.names}
        if text.lower() in by_name:
            return by_name[text.lower()]
        shown = [*self.names, *self.names.values()]
        near = difflib.get_close_matches(text.lower(), [s.lower() for s in shown], n=3, cutoff=0.4)
        raise Unknown("persona", text, [next(s for s in shown if s.lower() == n) for n in near] + ["all"])


def run_folder(run: Run) -> Path | None:
    """The folder a run's build wrote its outputs to (``out/runs/<run id>``); None when none is recorded."""
    out_dir = run.scalar("SELECT out_dir FROM runs WHERE run_id = ?", [run.run_id])
    return Path(str(out_dir)) if out_dir else None


def run_personas(run: Run, given: dict[str, str] | None = None) -> Personas:
    """The published personas of ``run``: ids from its saved model, names from its ``personas.json`` (or
    ``given``, by id: a build grades its beliefs before it writes the file)."""
    saved = load_model(run)
    ids = saved.persona_ids[: saved.published]
    folder = run_folder(run)
    names = {pid: pid for pid in ids}
    path = folder / "personas.json" if folder is not None else None
    if given is not None:
        names |= {pid: name for pid, name in given.items() if pid in names}
    elif path is not None and path.is_file():
        doc = json.loads(path.read_text(encoding="utf-8"))
        names |= {str(p["id"]): str(p.get("name") or p["id"]) for p in doc.get("personas", []) if p.get("id") in names}
    return Personas(tuple(ids), names, persona_id_sql("l.persona", saved.published, ids))


def counts(run: Run, personas: Personas, labels: str | None = None) -> Counts:
    """The cell counts of every published persona and of everyone (:data:`~personacraft.hypotheses.sql.CELLS`);
    ``labels``: another relation of (customer_key, persona) to group by (the null benchmark's random groups)."""
    refs = {"attributes": run.t("attributes"), "labels": labels or run.t("labels"), "persona_id": personas.id_sql}
    rows = run.numpy(CELLS.format(**refs))
    n: dict[tuple[str, str, str], int] = {}
    known: dict[tuple[str, str], int] = {}
    by_family: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for g, f, v, c, k in zip(
        rows["persona_id"], rows["feature"], rows["value"], rows["n"], rows["n_known"], strict=True
    ):
        n[(str(g), str(f), str(v))] = int(c)
        known[(str(g), str(f))] = int(k)
        by_family.setdefault((str(g), str(f)), []).append((str(v), int(c)))
    for values in by_family.values():
        values.sort(key=lambda x: (-x[1], x[0]))
    s = run.numpy(SIZES.format(**refs))
    return Counts(n, known, by_family, {str(g): int(c) for g, c in zip(s["persona_id"], s["n"], strict=True)})


@dataclass
class Graded:
    """One claim being graded: what it resolved to, its test, and (after :func:`finish`) its verdict."""

    claim: Claim
    out: dict[str, Any]
    test: Test | None = None
    expect: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _round(x: float | None, places: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), places)


def grade(claim: Claim, group: str, vocab: Vocabulary, c: Counts, personas: Personas, min_group: int) -> Graded:
    """Resolve the claim's family and value and test it on ``group``; not testable when a name is unknown."""
    out: dict[str, Any] = {
        "id": claim.id,
        "claim": claim.text,
        "persona": group,
        "persona_name": "All customers" if group == ALL else personas.names.get(group, group),
        "expect": claim.expect,
        "line": claim.line,
    }
    g = Graded(claim, out, expect=claim.expect)
    try:
        fam: Family = vocab.family(claim.family)
        val: Value = vocab.value(fam, claim.value)
    except Unknown as exc:
        return _not_testable(g, str(exc), exc.nearest)
    out.update(family=fam.id, family_label=fam.label, value=val.id, value_label=val.label)
    if group == ALL and claim.expect in ("more_than_average", "less_than_average"):
        return _not_testable(g, "compares a persona with everyone; for all customers the share is the average", [])
    k, n = c.n.get((group, fam.label, val.label), 0), c.known.get((group, fam.label), 0)
    pop = val.population_share
    if n < min_group:
        out.update(share=None, population_share=_round(pop), lift=None, n=n, ci=None)
        out["reason"] = (
            f"only {n} customers of {out['persona_name']} have a known {fam.label}; a share needs at least "
            f"{min_group} (the privacy minimum group size)"
        )
        return g
    share = k / n
    lo, hi = wilson(k, n)
    # a figure about fewer customers than the minimum group is not shown (the verdict still is): the share
    # when fewer than min_group hold the value, the population share when fewer than that hold it at all
    few, rare = 0 < k < min_group, val.n < min_group
    out.update(share=None if few else _round(share), population_share=None if rare else _round(pop))
    out.update(lift=None if few or rare or not pop else _round(share / pop, 3))
    out.update(n=n, ci=None if few else [_round(lo), _round(hi)])
    if few:
        out["fewer_than"] = min_group
    if claim.expect == "most_common":
        others = [(v, m) for v, m in c.by_family.get((group, fam.label), []) if v != val.label]
        runner, rn = others[0] if others else ("", 0)
        g.test = most_common_test(k, n, rn, rn / n)
        shown = None if 0 < rn < min_group else _round(rn / n)
        g.extra["runner_up"] = {"label": runner, "share": shown} if runner else None
        out["threshold"] = shown
    else:
        threshold = {"majority": 0.5, "at_least": claim.share or 0.0}.get(claim.expect, pop)
        g.test = share_test(claim.expect, k, n, threshold)
        out["threshold"] = None if rare and claim.expect.endswith("_average") else _round(threshold)
    return g


def _not_testable(g: Graded, reason: str, nearest: Iterable[str]) -> Graded:
    g.out.update(verdict="not_testable", share=None, population_share=None, lift=None, n=None, ci=None)
    reason = reason[:1].upper() + reason[1:]
    g.out.update(p_value=None, p_adjusted=None, reason=reason if reason.endswith((".", "?")) else reason + ".")
    g.out["suggestions"] = list(nearest)
    return g


def finish(graded: list[Graded]) -> None:
    """Adjust the p-values of every tested claim together and give each claim its verdict and reason."""
    tested = [g for g in graded if g.test is not None]
    adjusted = adjust([g.test.p_value for g in tested if g.test is not None])
    for g, p_adj in zip(tested, adjusted, strict=True):
        assert g.test is not None
        g.out.update(p_value=float(f"{g.test.p_value:.3g}"), p_adjusted=float(f"{p_adj:.3g}"), **g.extra)
        g.out["verdict"] = verdict(g.expect, g.test, p_adj)
        g.out["reason"] = _reason(g, p_adj)
    for g in graded:
        if "verdict" not in g.out:  # too few customers
            g.out.update(verdict="inconclusive", p_value=None, p_adjusted=None)


def _pct(x: float | None) -> str:
    return "?" if x is None else f"{x:.0%}" if x >= 0.095 or x == 0 else f"{x:.1%}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _reason(g: Graded, p_adj: float) -> str:
    o, t = g.out, g.test
    assert t is not None
    ci = o["ci"]
    if o["share"] is None:
        said = f"fewer than {o['fewer_than']} of {o['n']:,}"
    else:
        said = f"{_pct(o['share'])} of {o['n']:,} ({_pct(ci[0])} to {_pct(ci[1])})"
    if g.expect == "most_common":
        ru = o.get("runner_up")
        at = f" at {_pct(ru['share'])}" if ru and ru["share"] is not None else ""
        against = f"the runner-up {ru['label']!r}{at}" if ru else "no other value"
    else:
        average = f"the average {_pct(o['threshold'])}" if o["threshold"] is not None else "the average"
        against = {"majority": "half", "at_least": f"the claimed {_pct(t.threshold)}"}.get(g.expect, average)
    if o["verdict"] == "inconclusive":
        if p_adj < ALPHA or t.side == 0:
            return f"{said}: level with {against}."
        if t.p_value < ALPHA:
            return (
                f"{said} against {against}: clear alone ({_p(t.p_value)}) but not after the adjustment over the file."
            )
        return f"{said}: the interval spans {against}; more data would decide."
    return f"{said} against {against} (adjusted {_p(p_adj)})."


def grade_file(run: Run, beliefs: Beliefs, *, min_group: int, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Grade every hypothesis and hand-made persona of ``beliefs`` on ``run`` (docs/hypotheses.md); ``names``:
    the personas' names by id, when the run's ``personas.json`` is not written yet."""
    vocab = vocabulary(run, min_group=min_group)
    personas = run_personas(run, names)
    c = counts(run, personas)
    graded: list[Graded] = []
    for h in beliefs.hypotheses:
        try:
            group = personas.resolve(h.persona)
        except Unknown as exc:
            g = _not_testable(
                Graded(h, {"id": h.id, "claim": h.text, "persona": h.persona, "line": h.line}), str(exc), exc.nearest
            )
            g.out["expect"] = h.expect
            graded.append(g)
            continue
        graded.append(grade(h, group, vocab, c, personas, min_group))
    made = [handmade.match(run, p, vocab, c, personas, min_group) for p in beliefs.personas]
    for m in made:
        graded.extend(grade(claim, m.nearest, vocab, c, personas, min_group) for claim in m.person.claims)
    finish(graded)
    hyp = [g.out for g in graded[: len(beliefs.hypotheses)]]
    rest = [g.out for g in graded[len(beliefs.hypotheses) :]]
    people = []
    for m in made:
        claims, rest = rest[: len(m.person.claims)], rest[len(m.person.claims) :]
        people.append(m.as_json(claims))
    verdicts = [h["verdict"] for h in hyp]
    return {
        "kind": "hypotheses",
        "run_id": run.run_id,
        "file": beliefs.path.name,
        "alpha": ALPHA,
        "min_group_size": min_group,
        "summary": {v: verdicts.count(v) for v in ("supported", "contradicted", "inconclusive", "not_testable")},
        "hypotheses": hyp,
        "personas": people,
    }
