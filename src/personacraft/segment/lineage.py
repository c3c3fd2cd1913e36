"""Persona identity across runs: match a run's segments to an earlier run's personas, and give them ids.

Two runs are matched by their members when the customers they share are the same people: the
cross-tabulation of the shared customers' personas (:data:`OVERLAP`) is associated (Cramér's V at
least :data:`MIN_ASSOCIATION`, over at least :data:`MIN_SHARED` customers, chi-square p below
:data:`MAX_INDEPENDENCE_P`). Otherwise (a new
population, or keys that name other people, as two demos with different seeds do) they are matched
by profile: the Hellinger distance between the fitted class parameters (``segment_theta``) of each
feature family, over the values both runs know, averaged over the families both have
(:data:`PROFILE_DISTANCE`).

With members, in this order:

- **split**: an old persona whose members make up most (> :data:`MOSTLY`) of two or more new
  segments, each holding at least :data:`PART` of the old persona's shared members;
- **merged**: a new segment made of most (> :data:`MOSTLY`) of two or more old personas, each at
  least :data:`PART` of the new segment;
- **kept**: the rest are paired one to one (Hungarian, ``linear_sum_assignment``) on the Jaccard
  index of their shared members, and a pair is kept from :data:`KEEP_JACCARD` up.

With profiles, the pairs of the one-to-one assignment on the distance are kept up to
:data:`KEEP_DISTANCE`; splits and merges need members and are not detected. Unpaired new segments
are **born**, unpaired old personas **died**. A kept persona keeps its id; a split's largest part
and a merge keeps the id of its largest source; every other persona gets ``p<n>`` above every id the
workspace has used (:meth:`personacraft.store.Workspace.used_persona_ids`). The match is stored in
the run's ``persona_lineage`` table, which :func:`run_ids` reads back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from personacraft.segment.assignment import default_ids
from personacraft.store import Run

KEEP_JACCARD = 0.5  # members: a one-to-one pair is the same persona from this Jaccard index up
MOSTLY = 0.5  # split / merge: "most of" a segment is more than this share of it
PART = 0.15  # split / merge: each part holds at least this share of the whole
MIN_SHARED = 50  # members are compared only over at least this many shared customers …
MIN_ASSOCIATION = 0.3  # … whose old and new personas are associated (Cramér's V) at least this much
MAX_INDEPENDENCE_P = 1e-6  # … and not by chance (chi-square test of independence below this)
KEEP_DISTANCE = 0.25  # profiles: a one-to-one pair is the same persona up to this mean Hellinger distance
STATUSES = ("kept", "born", "died", "split", "merged")

# customers labelled in both runs, by their old and new segment (published segments only)
OVERLAP = """
SELECT o.persona AS old, n.persona AS new, count(*) AS n
FROM {old_labels} o JOIN {new_labels} n USING (customer_key)
WHERE o.persona < {old_published} AND n.persona < {new_published}
GROUP BY ALL ORDER BY ALL
"""
# per pair of personas and feature family: the Bhattacharyya coefficient over the values both runs know
PROFILE_DISTANCE = """
WITH a AS (SELECT t.persona, c.family, c.value, t.theta FROM {old_theta} t JOIN {old_columns} c USING (j)
           WHERE t.persona < {old_published}),
     b AS (SELECT t.persona, c.family, c.value, t.theta FROM {new_theta} t JOIN {new_columns} c USING (j)
           WHERE t.persona < {new_published})
SELECT a.persona AS old, b.persona AS new, a.family, sum(sqrt(a.theta * b.theta)) AS bc
FROM a JOIN b USING (family, value) GROUP BY ALL ORDER BY ALL
"""
# the feature families both runs segmented on
SHARED_FAMILIES = """
SELECT count(*) FROM (SELECT DISTINCT family FROM {old_columns} INTERSECT SELECT DISTINCT family FROM {new_columns})
"""


@dataclass
class Match:
    """How the segments of a new run descend from the personas of an old one (indices are segments)."""

    mode: str  # "members" or "profiles"
    status: list[str]  # per new segment: kept, born, split or merged
    sources: list[list[int]]  # per new segment: the old personas it comes from
    heir: list[int | None]  # per new segment: the old persona whose id it keeps, or None
    died: list[int]  # old personas no new segment comes from
    score: np.ndarray  # members: Jaccard (old × new); profiles: mean Hellinger distance
    overlap: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # shared customers (old × new)
    association: float = 0.0  # Cramér's V of the shared customers' personas


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (0: independent, 1: one determines the other)."""
    t = np.asarray(table, dtype=np.float64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    if n == 0 or min(t.shape) < 2:
        return 1.0 if n > 0 and t.size == 1 else 0.0
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
    chi2 = float(((t - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(t.shape) - 1))))


def same_people(overlap: np.ndarray) -> bool:
    """Whether shared keys name the same people: enough of them, and their personas clearly associated."""
    t = np.asarray(overlap, dtype=np.float64)
    if t.sum() < MIN_SHARED or cramers_v(t) < MIN_ASSOCIATION:
        return False
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return True
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    stat = float(((t - expected) ** 2 / expected).sum())
    return bool(chi2.sf(stat, (t.shape[0] - 1) * (t.shape[1] - 1)) < MAX_INDEPENDENCE_P)


def _one_to_one(gain: np.ndarray, rows: list[int], cols: list[int], ok: Any) -> list[tuple[int, int]]:
    """Hungarian pairs of ``rows`` × ``cols`` maximising ``gain``, kept when ``ok(value)``."""
    if not rows or not cols:
        return []
    sub = gain[np.ix_(rows, cols)]
    r, c = linear_sum_assignment(sub, maximize=True)
    return [(rows[i], cols[j]) for i, j in zip(r, c, strict=True) if ok(sub[i, j])]


def match_members(overlap: np.ndarray) -> Match:
    """The match from shared customers: ``overlap[o, n]`` customers were in old ``o`` and are in new ``n``."""
    C = np.asarray(overlap, dtype=np.float64)
    ko, kn = C.shape
    rows, cols = C.sum(axis=1), C.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.nan_to_num(C / (rows[:, None] + cols[None, :] - C))
        of_new = np.nan_to_num(C / cols[None, :])  # the share of new n that came from old o
        of_old = np.nan_to_num(C / rows[:, None])  # the share of old o that went to new n
    status: list[str] = ["born"] * kn
    sources: list[list[int]] = [[] for _ in range(kn)]
    heir: list[int | None] = [None] * kn
    used_old: set[int] = set()
    for o in range(ko):  # personas, not customers
        parts = [n for n in range(kn) if of_new[o, n] > MOSTLY and of_old[o, n] >= PART]
        if len(parts) >= 2:
            used_old.add(o)
            first = max(parts, key=lambda n: (C[o, n], -n))
            for n in parts:
                status[n], sources[n] = "split", [o]
            heir[first] = o
    for n in range(kn):
        if status[n] != "born":
            continue
        whole = [o for o in range(ko) if o not in used_old and of_old[o, n] > MOSTLY and of_new[o, n] >= PART]
        if len(whole) >= 2:
            status[n], sources[n] = "merged", whole
            heir[n] = max(whole, key=lambda o: (C[o, n], -o))
            used_old.update(whole)
    free_old = [o for o in range(ko) if o not in used_old]
    free_new = [n for n in range(kn) if status[n] == "born"]
    for o, n in _one_to_one(jaccard, free_old, free_new, lambda j: j >= KEEP_JACCARD):
        status[n], sources[n], heir[n] = "kept", [o], o
        used_old.add(o)
    died = [o for o in range(ko) if o not in used_old]
    return Match("members", status, sources, heir, died, jaccard, C, cramers_v(C))


def match_profiles(distance: np.ndarray) -> Match:
    """The match from profiles alone: ``distance[o, n]`` between old persona ``o`` and new segment ``n``."""
    D = np.asarray(distance, dtype=np.float64)
    ko, kn = D.shape
    status: list[str] = ["born"] * kn
    sources: list[list[int]] = [[] for _ in range(kn)]
    heir: list[int | None] = [None] * kn
    pairs = _one_to_one(-D, list(range(ko)), list(range(kn)), lambda g: -g <= KEEP_DISTANCE)
    for o, n in pairs:
        status[n], sources[n], heir[n] = "kept", [o], o
    kept = {o for o, _ in pairs}
    return Match("profiles", status, sources, heir, [o for o in range(ko) if o not in kept], D)


def assign_ids(match: Match, old_ids: Sequence[str], used: set[str]) -> tuple[str, ...]:
    """Each new segment's id: its heir's, or the next ``p<n>`` above every id in ``used`` and ``old_ids``."""
    numbers = [int(m.group(1)) for i in (*used, *old_ids) if (m := re.fullmatch(r"p(\d+)", str(i)))]
    nxt = max(numbers, default=0) + 1
    out = []
    for h in match.heir:
        if h is not None:
            out.append(str(old_ids[h]))
        else:
            out.append(f"p{nxt}")
            nxt += 1
    return tuple(out)


def run_ids(run: Run, published: int) -> tuple[str, ...]:
    """The persona id of each published segment of ``run``: its ``persona_lineage``, or ``p1`` … before it."""
    if not run.has_table("persona_lineage"):
        return default_ids(published)
    ids = run.numpy(f"SELECT persona_id FROM {run.t('persona_lineage')} WHERE persona >= 0 ORDER BY persona")
    found = tuple(str(i) for i in ids["persona_id"])
    return found[:published] if len(found) >= published else default_ids(published)


def compare(old: Run, new: Run, old_published: int, new_published: int) -> Match:
    """Match ``new``'s published segments to ``old``'s: by members when they share people, else by profile."""
    C = np.zeros((old_published, new_published))
    if old_published and new_published:
        t = old.numpy(
            OVERLAP.format(
                old_labels=old.t("labels"),
                new_labels=new.t("labels"),
                old_published=int(old_published),
                new_published=int(new_published),
            )
        )
        C[t["old"].astype(np.int64), t["new"].astype(np.int64)] = t["n"]
    if same_people(C):
        return match_members(C)
    m = match_profiles(profile_distance(old, new, old_published, new_published))
    m.overlap, m.association = C, cramers_v(C)
    return m


def profile_distance(old: Run, new: Run, old_published: int, new_published: int) -> np.ndarray:
    """Mean Hellinger distance over the shared families between each old persona and each new segment.

    A family whose values the two runs share none of counts as distance 1.
    """
    names = {
        "old_theta": old.t("segment_theta"),
        "old_columns": old.t("segment_columns"),
        "new_theta": new.t("segment_theta"),
        "new_columns": new.t("segment_columns"),
        "old_published": int(old_published),
        "new_published": int(new_published),
    }
    families = int(old.scalar(SHARED_FAMILIES.format(**names)) or 0)
    D = np.ones((old_published, new_published))
    if not families or not old_published or not new_published:
        return D
    t = old.numpy(PROFILE_DISTANCE.format(**names))
    hellinger = np.sqrt(np.clip(1.0 - t["bc"].astype(np.float64), 0.0, 1.0))
    # families with no shared value add 1 each: start from `families` and replace the shared ones
    total = np.full((old_published, new_published), float(families))
    np.add.at(total, (t["old"].astype(np.int64), t["new"].astype(np.int64)), hellinger - 1.0)
    return total / families


def save(run: Run, match: Match | None, ids: Sequence[str], old_ids: Sequence[str] = ()) -> None:
    """``persona_lineage``: each published segment's id, status and sources; the personas that died (persona -1)."""
    status = [m for m in match.status] if match else ["born"] * len(ids)
    sources = [";".join(old_ids[o] for o in s) for s in match.sources] if match else [""] * len(ids)
    died = [old_ids[o] for o in match.died] if match else []
    run.write_arrays(
        "persona_lineage",
        {
            "persona": np.array([*range(len(ids)), *[-1] * len(died)], dtype=np.int32),
            "persona_id": np.array([*map(str, ids), *died], dtype=object),
            "status": np.array([*status, *["died"] * len(died)], dtype=object),
            "matched_from": np.array([*sources, *died], dtype=object),
        },
    )


def published_of(run: Run) -> int:
    """How many segments ``run`` published (0 when it saved no model)."""
    if not run.has_table("segment_model"):
        return 0
    meta = run.dicts(f"SELECT * FROM {run.t('segment_model')}")[0]
    return int(meta.get("published", meta["k"])) if meta["structure_found"] else 0


@dataclass(frozen=True)
class Lineage:
    """A build's match with the previous successful run: the ids it gives, and how each persona descends."""

    ids: tuple[str, ...]  # per published segment
    previous: str | None  # the previous run's id; None on a first run
    previous_ids: tuple[str, ...] = ()
    match: Match | None = None


def link(run: Run, published: int) -> Lineage:
    """Match ``run``'s published segments to the previous successful run's personas, store and return the ids."""
    old = run.ws.previous_run(run.run_id)
    if old is None or not old.has_table("labels"):
        ids = default_ids(published)
        save(run, None, ids)
        return Lineage(ids, None)
    old_published = published_of(old)
    old_ids = run_ids(old, old_published)
    match = compare(old, run, old_published, published)
    ids = assign_ids(match, old_ids, run.ws.used_persona_ids())
    save(run, match, ids, old_ids)
    return Lineage(ids, old.run_id, old_ids, match)
