"""A hand-made persona against the data: the customers who fit its description, and the nearest data persona.

A customer *fits* the description when they hold every claimed value (one SQL pass over the
run's ``attributes``, :data:`~personacraft.hypotheses.sql.FITS`); they are *known* when every
claimed family is known for them. The fit share is fit / known. The similarity of a data
persona P to the described customers D is their Jaccard index among the known customers,
|D ∩ P| / |D ∪ P| with P the persona's customers whose claimed families are all known (a customer
who never answered the survey neither fits nor fails a survey claim): 1 when the description picks
out exactly the persona's customers, 0 when no customer of the persona fits.
The nearest data persona is the most similar; the group "exists" when at least the privacy
minimum group size fit the description and the nearest persona's similarity is at least
:data:`SIMILAR`. Otherwise: "no evidence that this group exists". When fewer than that fit, the
nearest is the persona whose shares of the claimed values have the largest product
(:func:`by_profile`). The claims are then graded, one by one, on the nearest persona
(:func:`personacraft.hypotheses.verdicts.grade`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from personacraft.hypotheses.spec import HandMade
from personacraft.hypotheses.sql import FITS
from personacraft.hypotheses.vocabulary import Unknown, Vocabulary
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.hypotheses.verdicts import Counts, Personas

SIMILAR = 0.2  # the least Jaccard index at which a data persona resembles a hand-made one


@dataclass(frozen=True)
class Match:
    person: HandMade
    nearest: str  # the nearest data persona's id; "all" when none shares a customer with the description
    fit: int  # customers who fit the whole description
    known: int  # customers whose claimed families are all known
    total: int  # every customer of the run
    similar: list[dict[str, Any]]  # each data persona's similarity, most similar first
    exists: bool
    reason: str
    min_group: int

    def as_json(self, claims: list[dict[str, Any]]) -> dict[str, Any]:
        best = self.similar[0] if self.similar and self.nearest != "all" else None
        size = {"share": self.person.size} if self.person.size is not None else {}
        if self.person.size_count is not None:
            size = {"customers": self.person.size_count, "share": round(self.person.size_count / self.total, 4)}
        return {
            "id": self.person.id,
            "name": self.person.name,
            "line": self.person.line,
            "size_guess": size or None,
            # fewer fitting customers than the minimum group size: no count or share that would describe them
            "fit_n": self.fit if self.fit >= self.min_group or not self.fit else None,
            "known_n": self.known,
            "fit_share": round(self.fit / self.known, 4) if self.known and self.fit >= self.min_group else None,
            "exists": self.exists,
            "verdict": "matched" if self.exists else "no_evidence",
            "nearest": best,
            "claims_checked_on": self.nearest,  # the persona the claims are graded on ("all": none)
            "similarity": self.similar,
            "reason": self.reason,
            "claims": claims,
        }


def by_profile(wanted: list[tuple[str, str]], c: Counts, personas: Personas) -> str:
    """The persona whose shares of the claimed values have the largest product (the share of its customers who
    would fit if its claims were independent): the nearest when too few customers fit to compare members."""
    best, score = "all", -1.0
    for pid in personas.ids:
        product = 1.0
        for fam, val in wanted:
            known = c.known.get((pid, fam), 0)
            product *= c.n.get((pid, fam, val), 0) / known if known else 0.0
        if product > score:
            best, score = pid, product
    return best


def match(run: Run, person: HandMade, vocab: Vocabulary, c: Counts, personas: Personas, min_group: int) -> Match:
    """Count who fits ``person``'s description (per data persona and overall) and find the nearest persona."""
    wanted: list[tuple[str, str]] = []
    for claim in person.claims:
        try:
            fam = vocab.family(claim.family)
            wanted.append((fam.label, vocab.value(fam, claim.value).label))
        except Unknown:
            continue  # graded as not testable, claim by claim; the description is the claims that resolve
    total = c.sizes.get("all", 0)
    if not wanted:
        reason = "None of its claims names a family and value of this run."
        return Match(person, "all", 0, 0, total, [], False, reason, min_group)
    cols = {
        "person": np.array([person.id] * len(wanted), dtype=object),
        "feature": np.array([f for f, _ in wanted], dtype=object),
        "value": np.array([v for _, v in wanted], dtype=object),
    }
    with run.arrays("wanted", cols) as view:
        rows = run.numpy(
            FITS.format(wanted=view, attributes=run.t("attributes"), labels=run.t("labels"), persona_id=personas.id_sql)
        )
    fits = {str(g): (int(f), int(k)) for g, f, k in zip(rows["persona_id"], rows["fit"], rows["known"], strict=True)}
    fit, known = fits.get("all", (0, 0))
    similar: list[dict[str, Any]] = []
    for pid in personas.ids:
        both, members = fits.get(pid, (0, 0))  # members: the persona's customers with the claimed families known
        union = fit + members - both
        similar.append(
            {
                "persona": pid,
                "name": personas.names.get(pid, pid),
                "jaccard": round(both / union, 4) if union else 0.0,
                "held_share": round(both / fit, 4) if fit else 0.0,  # of the fitting customers, in this persona
                "coverage": round(both / members, 4) if members else 0.0,  # of its known customers, fitting
                "persona_share": round(c.sizes.get(pid, 0) / total, 4) if total else 0.0,
            }
        )
    similar.sort(key=lambda s: (-s["jaccard"], -s["held_share"], personas.ids.index(s["persona"])))
    best = similar[0] if similar and similar[0]["jaccard"] > 0 else None
    if fit < min_group:
        return Match(
            person, by_profile(wanted, c, personas), fit, known, total, [], False,
            f"No evidence that this group exists: fewer than {min_group} customers hold all of its claimed values.",
            min_group,
        )  # fmt: skip
    if best is None or best["jaccard"] < SIMILAR:
        near = f" (the nearest, {best['name']}, has a similarity of {best['jaccard']:.2f})" if best else ""
        return Match(
            person, best["persona"] if best else "all", fit, known, total, similar, False,
            f"No evidence that this group exists as a persona: {fit:,} customers fit the description, but no data "
            f"persona resembles them (similarity under {SIMILAR}){near}.",
            min_group,
        )  # fmt: skip
    return Match(
        person, best["persona"], fit, known, total, similar, True,
        f"Nearest data persona: {best['name']} ({best['persona']}), similarity {best['jaccard']:.2f}; it holds "
        f"{best['held_share']:.0%} of the {fit:,} customers who fit the description, and {best['coverage']:.0%} "
        "of its own customers (with these families known) fit it.",
        min_group,
    )  # fmt: skip
