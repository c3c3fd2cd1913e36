"""The feature vocabulary of a run: every family and value a trait can show, with ids, labels and population shares.

A family's label is the ``feature`` of a trait in ``personas.json`` and a value's label its
``value``, exactly: both come from the run's ``attributes`` table, as the profiles do. Each also
gets an id, its label in lower case with every run of other characters turned into ``_``
(``Discount use`` → ``discount_use``, ``a code on most orders`` → ``a_code_on_most_orders``). A
hypothesis may name either; :meth:`Vocabulary.family` and :meth:`Vocabulary.value` resolve a
name and, when it is unknown, suggest the nearest (``difflib``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from personacraft.hypotheses.sql import VOCABULARY
from personacraft.store import Run

_APOSTROPHES = re.compile(r"['’`]")
_OTHER = re.compile(r"[\W_]+")


def slug(label: str) -> str:
    """A label as an id: lower case, apostrophes dropped, every other run of non-word characters an ``_``."""
    text = _OTHER.sub("_", _APOSTROPHES.sub("", str(label).lower())).strip("_")
    return text or "_"


def _unique_ids(labels: list[str]) -> list[str]:
    """Each label's slug; a slug two labels share gets ``_2``, ``_3`` … in the labels' sorted order."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for label in labels:
        base = slug(label)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return ids


@dataclass(frozen=True)
class Value:
    id: str
    label: str
    n: int  # customers with the value
    population_share: float  # of the customers whose family is known


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    n_known: int  # customers whose value of the family is known
    values: tuple[Value, ...]


class Unknown(LookupError):
    """A family or value name the vocabulary does not hold, with the nearest names it does."""

    def __init__(self, what: str, name: str, nearest: list[str], of: str | None = None) -> None:
        self.what, self.name, self.nearest = what, name, nearest
        named = [repr(n) for n in nearest]
        hint = f"; did you mean {', '.join(named[:-1])} or {named[-1]}?" if len(named) > 1 else ""
        hint = f"; did you mean {named[0]}?" if len(named) == 1 else hint
        where = f" of {of!r}" if of else ""
        super().__init__(f"no {what} {name!r}{where} in this run{hint}")


def _lookup(names: dict[str, Any], name: str, what: str, candidates: list[str], of: str | None = None) -> Any:
    text = str(name).strip()
    found = names.get(text, names.get(slug(text)))
    if found is None:
        lowered = {c.lower(): c for c in candidates}
        near = difflib.get_close_matches(text.lower(), list(lowered), n=3, cutoff=0.6)
        raise Unknown(what, text, [lowered[n] for n in near], of)
    return found


@dataclass(frozen=True)
class Vocabulary:
    """The families of a run, sorted by label, each with its values, most common first."""

    families: tuple[Family, ...]
    min_group: int

    def family(self, name: str) -> Family:
        """The family whose id or label is ``name`` (a label in other case or punctuation matches by its id)."""
        names: dict[str, Family] = {f.id: f for f in self.families} | {f.label: f for f in self.families}
        found: Family = _lookup(names, name, "feature family", [f.label for f in self.families])
        return found

    def value(self, family: Family, name: str) -> Value:
        """The value of ``family`` whose id or label is ``name``."""
        names = {v.id: v for v in family.values} | {v.label: v for v in family.values}
        found: Value = _lookup(names, name, "value", [v.label for v in family.values], family.label)
        return found

    def as_json(self) -> list[dict[str, Any]]:
        """``[{family, label, n_known, values: [{value, label, population_share, n}]}]``; a value fewer than the
        minimum group size hold has no share or count (they would describe too few people)."""
        return [
            {
                "family": f.id,
                "label": f.label,
                "n_known": f.n_known,
                "values": [
                    {
                        "value": v.id,
                        "label": v.label,
                        "population_share": round(v.population_share, 4) if v.n >= self.min_group else None,
                        "n": v.n if v.n >= self.min_group else None,
                    }
                    for v in f.values
                ],
            }
            for f in self.families
        ]


def vocabulary(run: Run, *, min_group: int) -> Vocabulary:
    """The vocabulary of ``run``: its ``attributes`` over its labelled customers (the profiles' population)."""
    rows = run.numpy(VOCABULARY.format(attributes=run.t("attributes"), labels=run.t("labels")))
    families: list[Family] = []
    labels = sorted({str(f) for f in rows["feature"]}, key=lambda s: (s.lower(), s))
    for fid, label in zip(_unique_ids(labels), labels, strict=True):
        mask = rows["feature"] == label
        names = [str(v) for v in rows["value"][mask]]
        counts = rows["n"][mask].astype(int)
        known = int(rows["n_known"][mask][0])
        order = sorted(range(len(names)), key=lambda i: (names[i].lower(), names[i]))
        ids = dict(zip(order, _unique_ids([names[i] for i in order]), strict=True))
        values = tuple(Value(ids[i], names[i], int(counts[i]), float(counts[i]) / known) for i in range(len(names)))
        families.append(Family(fid, label, known, values))
    return Vocabulary(tuple(families), min_group)
