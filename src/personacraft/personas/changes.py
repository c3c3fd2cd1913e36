"""What changed between two runs: ``changes.json`` and ``personacraft diff``.

Each persona of the newer run (and each of the older run that died) with its status from the
match of :mod:`personacraft.segment.lineage`, its size and share then and now, and the change of
share with a 95 % confidence interval (two independent proportions). For every persona that
descends from one earlier persona: the change of each published trait and first channel
(share then and now among members with a known value; a two-proportion z-test), new and
vanished pain themes (one theme when most of its texts were in the other, :func:`theme_carry`; else
by :func:`same_theme`: labels are re-worded and merged themes re-headed from run to run),
and the change in CLV mean and churn risk. Traits whose value exists in one run only (a band edge
drawn from the data) are not compared. Every p-value (sizes, traits,
channels, churn) is adjusted together (Benjamini-Hochberg). ``drift`` is the research's unit:
the share of a persona's published attributes (traits, pain themes, channels) that are not
published in both runs; the set's drift is the mean over personas that descend from one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, norm

from personacraft.errors import NotFoundError
from personacraft.segment.lineage import Match, compare, published_of, run_ids
from personacraft.store import Run, Workspace

Z95 = float(norm.ppf(0.975))

# per persona and attribute value: members with the value, and members with any value of the attribute (as
# the build's profile stored them in ``profile_cells``; CELLS counts them again for a run built before it did)
SAVED_CELLS = """
SELECT persona, feature, value, n, n_known FROM {profile_cells} WHERE persona < {published} ORDER BY ALL
"""
CELLS = """
WITH a AS (SELECT a.customer_key, a.feature, a.value, l.persona
           FROM {attributes} a JOIN {labels} l USING (customer_key) WHERE l.persona < {published}),
known AS (SELECT persona, feature, count(DISTINCT customer_key) AS n_known FROM a GROUP BY ALL)
SELECT c.persona, c.feature, c.value, c.n, k.n_known
FROM (SELECT persona, feature, value, count(DISTINCT customer_key) AS n FROM a GROUP BY ALL) c
JOIN known k USING (persona, feature) ORDER BY ALL
"""


# each text theme of the newer run: its texts, how many of them the older run had too (the same
# customer, the same redacted words), and the older run's theme most of those were in
THEME_CARRY = """
WITH o AS (SELECT customer_key, body_redacted, min(theme) AS theme FROM {old_texts} GROUP BY ALL)
SELECT n.theme, count(*) AS texts, count(o.body_redacted) AS carried,
       mode(o.theme) FILTER (WHERE o.theme >= 0) AS old_theme
FROM {new_texts} n LEFT JOIN o ON o.customer_key = n.customer_key AND o.body_redacted = n.body_redacted
WHERE n.theme >= 0 GROUP BY n.theme ORDER BY n.theme
"""
CARRIED = 0.5  # a theme whose texts the earlier run mostly had is an old complaint, however it is worded now
NEW_TEXTS = 0.8  # a complaint is new only when at least this share of its texts were written since


def two_proportions(x1: Any, n1: Any, x2: Any, n2: Any) -> dict[str, np.ndarray]:
    """Change ``x2/n2 - x1/n1`` with its 95 % Wald interval, and the pooled z-test's two-sided p-value."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=np.float64) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = np.where(n1 > 0, x1 / n1, 0.0), np.where(n2 > 0, x2 / n2, 0.0)
        se = np.sqrt(np.where(n1 > 0, p1 * (1 - p1) / n1, 0) + np.where(n2 > 0, p2 * (1 - p2) / n2, 0))
        pooled = (x1 + x2) / np.maximum(n1 + n2, 1)
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / np.maximum(n1, 1) + 1 / np.maximum(n2, 1)))
        z = np.where(se0 > 0, (p2 - p1) / se0, 0.0)
    diff = p2 - p1
    return {"diff": diff, "low": diff - Z95 * se, "high": diff + Z95 * se, "p": 2 * norm.sf(np.abs(z))}


def run_doc(ws: Workspace, run: Run) -> dict[str, Any]:
    """The ``personas.json`` a run published (from its folder under ``out/runs``)."""
    row = next((r for r in ws.runs() if r["run_id"] == run.run_id), None)
    folder = Path(row["out_dir"]) if row and row.get("out_dir") else None
    if folder is None or not (folder / "personas.json").is_file():
        raise NotFoundError(f"run {run.run_id}: its personas.json is gone ({folder}); build again.")
    doc: dict[str, Any] = json.loads((folder / "personas.json").read_text(encoding="utf-8"))
    return doc


def _cells(run: Run, published: int) -> dict[tuple[int, str, str], tuple[int, int]]:
    if run.has_table("profile_cells"):
        t = run.numpy(SAVED_CELLS.format(profile_cells=run.t("profile_cells"), published=int(published)))
    elif run.has_table("attributes") and run.has_table("labels"):
        t = run.numpy(CELLS.format(attributes=run.t("attributes"), labels=run.t("labels"), published=int(published)))
    else:
        return {}
    return {
        (int(p), str(f), str(v)): (int(n), int(k))
        for p, f, v, n, k in zip(t["persona"], t["feature"], t["value"], t["n"], t["n_known"], strict=True)
    }


Carry = dict[int, tuple[int, int, int | None]]  # new theme -> (texts, carried from the older run, old theme)


def theme_carry(old: Run, new: Run) -> Carry:
    """For each text theme of ``new``: its texts, those ``old`` had too, and the theme they were in there."""
    if not (old.has_table("text_themes") and new.has_table("text_themes")):
        return {}
    t = new.numpy(THEME_CARRY.format(old_texts=old.t("text_themes"), new_texts=new.t("text_themes")))
    olds = [None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v) for v in t["old_theme"]]
    return {
        int(th): (int(n), int(c), o) for th, n, c, o in zip(t["theme"], t["texts"], t["carried"], olds, strict=True)
    }


def _carry_of(pain: dict[str, Any], carry: Carry) -> tuple[int, int, int | None] | None:
    """A pain theme's entry in ``carry`` (None for a pain without a theme id, or a theme with no texts)."""
    theme = pain.get("theme")
    return carry.get(theme) if isinstance(theme, int) else None


def carried_from(pain: dict[str, Any], carry: Carry) -> int | None:
    """The older run's theme a pain theme's texts were mostly in, when the older run had most of them."""
    c = _carry_of(pain, carry)
    return c[2] if c is not None and c[1] >= CARRIED * c[0] else None


def written_since(pain: dict[str, Any], carry: Carry) -> bool:
    """Whether a pain theme's texts are nearly all new: written since the older run (or no texts are shared).

    A growing persona brings new texts of its old complaints too, but never only new ones.
    """
    c = _carry_of(pain, carry)
    return c is None or c[1] <= (1 - NEW_TEXTS) * c[0]


def old_themes(run: Run) -> list[dict[str, Any]]:
    """Every text theme of a run (published in a persona or not), as ``{label, keywords}``."""
    if not run.has_table("themes"):
        return []
    rows = run.dicts(f"SELECT name, keywords FROM {run.t('themes')} ORDER BY theme")
    return [{"label": r["name"], "keywords": [k.strip() for k in str(r["keywords"] or "").split(",")]} for r in rows]


def same_theme(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two pain themes of different runs are one when they have a label in common (a pain's own or one of the
    near-duplicates ``merged`` into it: the same themes merged under another head), or they share at least
    2 keywords and half of the shorter keyword list (a theme's label is re-worded from run to run)."""
    if _labels(a) & _labels(b):
        return True
    ka, kb = set(a.get("keywords") or []), set(b.get("keywords") or [])
    shared = len(ka & kb)
    return shared >= 2 and shared >= min(len(ka), len(kb)) / 2


def _labels(pain: dict[str, Any]) -> set[str]:
    return {str(pain.get("label")), *(str(m) for m in pain.get("merged") or [])}


def _attributes(persona: dict[str, Any], vocabulary: set[tuple[str, str]] | None = None) -> set[tuple[str, str]]:
    """A persona's published traits and first channels (those in ``vocabulary``, when given)."""
    out = {(str(t["feature"]), str(t["value"])) for t in persona.get("traits") or []}
    out |= {("First channel", str(c["channel"])) for c in persona.get("channels") or []}
    return out if vocabulary is None else out & vocabulary


def diff_runs(ws: Workspace, old: Run, new: Run, match: Match | None = None) -> dict[str, Any]:
    """The ``changes.json`` document of ``new`` against ``old`` (``match``: reuse the build's own)."""
    old_doc, new_doc = run_doc(ws, old), run_doc(ws, new)
    old_k, new_k = published_of(old), published_of(new)
    if match is None:
        match = compare(old, new, old_k, new_k)
    return describe(old, new, old_doc, new_doc, match, run_ids(old, old_k), run_ids(new, new_k))


def describe(
    old: Run,
    new: Run,
    old_doc: dict[str, Any],
    new_doc: dict[str, Any],
    match: Match,
    old_ids: Sequence[str],
    new_ids: Sequence[str],
) -> dict[str, Any]:
    """The changes between two runs' persona sets, given how their segments match."""
    olds, news = old_doc["personas"], new_doc["personas"]
    n_old, n_new = int(old_doc["customers"]), int(new_doc["customers"])
    rows: list[dict[str, Any]] = []
    for n, p in enumerate(news):
        src = match.sources[n] if n < len(match.sources) else []
        size_from = sum(int(olds[o]["size"]) for o in src) if match.status[n] != "split" else int(olds[src[0]]["size"])
        rows.append(
            {
                "id": p["id"],
                "name": p["name"],
                "status": match.status[n],
                "matched_from": [old_ids[o] for o in src],
                "size_from": size_from,
                "size_to": int(p["size"]),
                "_old": src[0] if len(src) == 1 else match.heir[n],
                "_new": n,
            }
        )
    for o in match.died:
        rows.append(
            {
                "id": old_ids[o],
                "name": olds[o]["name"],
                "status": "died",
                "matched_from": [old_ids[o]],
                "size_from": int(olds[o]["size"]),
                "size_to": 0,
                "_old": o,
                "_new": None,
            }
        )
    tests: list[dict[str, Any]] = []  # every compared share, adjusted together below
    size = two_proportions(
        [r["size_from"] for r in rows], [n_old] * len(rows), [r["size_to"] for r in rows], [n_new] * len(rows)
    )
    for i, r in enumerate(rows):
        r.update(
            share_from=round(r["size_from"] / max(n_old, 1), 4),
            share_to=round(r["size_to"] / max(n_new, 1), 4),
            share_change=round(float(size["diff"][i]), 4),
            ci_low=round(float(size["low"][i]), 4),
            ci_high=round(float(size["high"][i]), 4),
            p_value=float(size["p"][i]),
        )
        tests.append(r)
    old_cells, new_cells = _cells(old, len(olds)), _cells(new, len(news))
    carry = theme_carry(old, new)
    before_all = old_themes(old)

    def same(x: dict[str, Any], y: dict[str, Any]) -> bool:
        """A pain theme now (``x``) is one then (``y``): by the texts they share, else by their words."""
        source = carried_from(x, carry)
        return source == y.get("theme") if source is not None else same_theme(x, y)

    vocabulary = {(f, v) for _, f, v in old_cells} & {(f, v) for _, f, v in new_cells}
    drifts = []
    for r in rows:
        o, n = r.pop("_old"), r.pop("_new")
        if o is None or n is None:
            continue
        before, after = olds[o], news[n]
        # only values both runs know: a band's edges ("$129 and more") are drawn from each run's data
        a_then, a_now = _attributes(before, vocabulary), _attributes(after, vocabulary)
        pains_then, pains_now = list(before.get("pain_points") or []), list(after.get("pain_points") or [])
        new_pains = [x for x in pains_now if not any(same(x, y) for y in pains_then)]
        vanished = [y for y in pains_then if not any(same(x, y) for x in pains_now)]
        union = len(a_then | a_now) + len(pains_now) + len(vanished)
        changed = len(a_then ^ a_now) + len(new_pains) + len(vanished)
        r["drift"] = round(changed / union, 4) if union else 0.0
        if r["status"] in ("kept", "split", "merged"):
            drifts.append(r["drift"])
        r["traits"] = _trait_changes(a_then | a_now, o, n, old_cells, new_cells)
        tests.extend(r["traits"])
        # known before: some of its texts were there already (re-grouped, re-worded, or grown with
        # the persona), or its words match a theme of the earlier run, published or not
        r["new_pains"] = [
            {
                **_pain(x),
                "known_before": not written_since(x, carry)
                or any(same(x, y) for q in olds for y in q.get("pain_points") or [])
                or any(same_theme(x, y) for y in before_all),
            }
            for x in new_pains
        ]
        r["vanished_pains"] = [_pain(y) for y in vanished]
        r["value"], churn = _value_change(before.get("value") or {}, after.get("value") or {})
        if churn is not None:
            tests.append(churn)
    for r in rows:
        r.pop("_old", None)
        r.pop("_new", None)
    p = np.array([t["p_value"] for t in tests], dtype=np.float64)
    adjusted = false_discovery_control(p, method="bh") if len(p) else p
    for t, pa in zip(tests, adjusted, strict=True):
        t["p_adjusted"] = float(pa)
    migration = []
    if match.mode == "members":
        for o, n in zip(*np.nonzero(match.overlap), strict=True):
            migration.append({"from": old_ids[int(o)], "to": new_ids[int(n)], "n": int(match.overlap[o, n])})
    return {
        "from_run": old.run_id,
        "to_run": new.run_id,
        "personas": rows,
        "migration": migration,
        "alerts": [],
        "matched_by": match.mode,
        "shared_customers": int(match.overlap.sum()),
        "customers_from": n_old,
        "customers_to": n_new,
        "drift": round(float(np.mean(drifts)), 4) if drifts else None,
    }


def _pain(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p.get(k) for k in ("label", "share", "lift", "n", "p_adjusted")}


def _trait_changes(
    attrs: set[tuple[str, str]],
    o: int,
    n: int,
    old_cells: dict[tuple[int, str, str], tuple[int, int]],
    new_cells: dict[tuple[int, str, str], tuple[int, int]],
) -> list[dict[str, Any]]:
    """Share then and now of each published attribute with counts in both runs (pain themes are named apart)."""
    keys = sorted(attrs)
    x1, k1, x2, k2, kept = [], [], [], [], []
    for f, v in keys:
        then, now = old_cells.get((o, f, v)), new_cells.get((n, f, v))
        known_then = then[1] if then else _known(old_cells, o, f)
        known_now = now[1] if now else _known(new_cells, n, f)
        if not known_then or not known_now:
            continue
        x1.append(then[0] if then else 0)
        k1.append(known_then)
        x2.append(now[0] if now else 0)
        k2.append(known_now)
        kept.append((f, v))
    if not kept:
        return []
    t = two_proportions(x1, k1, x2, k2)
    return [
        {
            "feature": f,
            "value": v,
            "share_from": round(x1[i] / k1[i], 4),
            "share_to": round(x2[i] / k2[i], 4),
            "change": round(float(t["diff"][i]), 4),
            "ci_low": round(float(t["low"][i]), 4),
            "ci_high": round(float(t["high"][i]), 4),
            "n_from": k1[i],
            "n_to": k2[i],
            "p_value": float(t["p"][i]),
        }
        for i, (f, v) in enumerate(kept)
    ]


def _known(cells: dict[tuple[int, str, str], tuple[int, int]], p: int, feature: str) -> int:
    return next((k for (q, f, _), (_, k) in cells.items() if q == p and f == feature), 0)


def _value_change(then: dict[str, Any], now: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """CLV mean and churn risk then and now; the churn change as a test when both have members counted."""
    out: dict[str, Any] = {
        "clv_mean_from": then.get("clv_mean"),
        "clv_mean_to": now.get("clv_mean"),
        "churn_risk_from": then.get("churn_risk"),
        "churn_risk_to": now.get("churn_risk"),
    }
    if isinstance(then.get("clv_mean"), int | float) and isinstance(now.get("clv_mean"), int | float):
        out["clv_mean_change"] = round(float(now["clv_mean"]) - float(then["clv_mean"]), 2)
    c1, c2 = then.get("churn_risk"), now.get("churn_risk")
    n1, n2 = int(then.get("clv_customers") or 0), int(now.get("clv_customers") or 0)
    if not (isinstance(c1, int | float) and isinstance(c2, int | float) and n1 and n2):
        return out, None
    methods = then.get("churn_risk_method"), now.get("churn_risk_method")
    if methods[0] != methods[1]:
        # 1 - P(alive) and the empirical chance of no order in a year are different measures: not a change
        out["churn_risk_not_compared"] = f"churn risk was measured as {methods[0]} then and as {methods[1]} now"
        return out, None
    t = two_proportions([c1 * n1], [n1], [c2 * n2], [n2])
    churn = {
        "change": round(float(t["diff"][0]), 4),
        "ci_low": round(float(t["low"][0]), 4),
        "ci_high": round(float(t["high"][0]), 4),
        "n_from": n1,
        "n_to": n2,
        "p_value": float(t["p"][0]),
    }
    out["churn_risk_change"] = churn
    return out, churn


def pick_runs(ws: Workspace, from_run: str | None, to_run: str | None) -> tuple[Run, Run]:
    """The two runs ``personacraft diff`` compares: as given, else the two newest successful ones."""
    done = [r["run_id"] for r in ws.runs() if r["status"] == "succeeded"]  # newest first
    for given in (from_run, to_run):
        if given is None:
            continue
        ws.run(given)  # NotFoundError naming the run when the workspace has no such run
        if given not in done:
            raise NotFoundError(f"run {given} did not succeed, so it has no personas to compare.")
    if to_run is None:
        later = done if from_run is None else done[: done.index(from_run)]
        if not later:
            raise NotFoundError(
                f"{'no successful run' if not done else 'no successful run after ' + str(from_run)} in this "
                "workspace to compare with; build again when the data changes."
            )
        to_run = later[0]
    if from_run is None:
        earlier = done[done.index(to_run) + 1 :]
        if not earlier:
            raise NotFoundError(
                f"only one successful run ({to_run}) before or at the one to compare; diff needs two. "
                "Build again when the data changes, then run diff."
            )
        from_run = earlier[0]
    return ws.run(from_run), ws.run(to_run)
