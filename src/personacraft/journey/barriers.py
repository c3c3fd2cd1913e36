"""Texts placed at journey stages, and each stage's barriers, emotion and opportunity.

A text is placed at a stage by what it says (the first stage, in order, whose cue it
matches: "checkout", "shipping costs" … are the purchase stage), else by when it was
written: the furthest stage its author had reached by then (a ticket raised during a trial
is consideration, a review after the first order is purchase). Texts with neither a cue
nor a time on a known journey stay unplaced.

Each pain theme is shown at one stage only, its *home*: the stage where most of the customers
who raise it wrote it, so one pain carries one figure on a page.

A theme is a barrier of a persona at (its home) stage when, among the persona's customers who wrote
at that stage, the share who raise the (pain) theme is at least 1.2 times the share among
all customers who wrote at that stage, on at least ``min_n`` customers, with the Fisher/BH
test significant (as for pain points). Quotes are redacted texts of that persona, stage and
theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.config import JourneyConfig
from personacraft.journey.stages import cues
from personacraft.journey.vocabulary import STAGES
from personacraft.segment.profile import ALPHA
from personacraft.store import Run
from personacraft.text.sentiment import source_label
from personacraft.text.voice import TextThemes, theme_cells, theme_quotes
from personacraft.unify import keyed

ALL = -1  # the group of every customer
LIFT = 1.2  # a persona's figure is a barrier when it is this many times the population's (or more)


@dataclass(frozen=True)
class Placed:
    """Every text of ``tt`` with its stage (0 = unplaced), how it was placed, group and sentiment."""

    tt: TextThemes
    stage: np.ndarray  # 1..5, 0 unplaced
    by_cue: np.ndarray  # placed by what it says (else by when)
    group: np.ndarray  # the author's published persona, -1 none
    sentiment: np.ndarray  # -1, 0, 1
    home: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # theme -> its stage (0 none)
    # theme cells per (stage, all customers as one group): every persona of a stage reads the same ones
    cells: dict[tuple[int, bool], list[dict[str, Any]]] = field(default_factory=dict)


def place_texts(run: Run, cfg: JourneyConfig, tt: TextThemes) -> Placed:
    """Place each text at a stage (see the module doc). Needs ``journey_customers`` and ``_jgroups``."""
    cue_sql = " ".join(
        f"WHEN regexp_matches(lower(x.body_redacted), '{cue.replace(chr(39), chr(39) * 2)}') THEN {STAGES.index(s) + 1}"
        for s, cue in cues(cfg).items()
    )
    reached = " + ".join(f"coalesce(c.reach_{k} <= t.created_at, false)::INT" for k in range(1, len(STAGES) + 1))
    rows = run.numpy(
        f"""SELECT x.text_id, x.sentiment,
                   CASE {cue_sql or "WHEN false THEN 0"} END AS cue_stage,
                   CASE WHEN t.created_at IS NOT NULL AND c.customer_key IS NOT NULL
                        THEN greatest(1, {reached}) END AS time_stage,
                   coalesce(g.grp, -1) AS grp
            FROM {run.t("text_themes")} x
            LEFT JOIN (SELECT text_id, min(created_at) AS created_at FROM {keyed(run, "texts")} GROUP BY 1) t
              ON t.text_id = split_part(x.text_id, '#', 1)
            LEFT JOIN {run.t("journey_customers")} c ON c.customer_key = x.customer_key
            LEFT JOIN (SELECT customer_key, grp FROM _jgroups WHERE grp >= 0) g ON g.customer_key = x.customer_key
            ORDER BY x.text_id"""
    )
    ids = np.asarray(rows["text_id"]).astype(str)
    at = np.searchsorted(ids, np.array(tt.text_ids, dtype=str))
    cue = np.nan_to_num(np.asarray(rows["cue_stage"], dtype=float))[at].astype(int)
    when = np.nan_to_num(np.asarray(rows["time_stage"], dtype=float))[at].astype(int)
    has_customer = tt.keys.astype(str) != ""
    stage = np.where(cue > 0, cue, when) * has_customer
    return Placed(
        tt=tt,
        stage=stage.astype(int),
        by_cue=(cue > 0) & has_customer,
        group=np.asarray(rows["grp"], dtype=np.int64)[at],
        sentiment=np.asarray(rows["sentiment"], dtype=np.int64)[at],
        home=home_stages(tt, stage.astype(int)),
    )


def home_stages(tt: TextThemes, stage: np.ndarray) -> np.ndarray:
    """Each theme's one stage: where most of the customers who raise it wrote it (the earlier stage on a
    tie), so a pain shows at one stage with one figure; 0 for a theme placed nowhere."""
    if tt.themes is None or not len(stage):
        return np.zeros(0, dtype=np.int64)
    labels = np.asarray(tt.themes.labels, dtype=np.int64)
    ok = (stage > 0) & (labels >= 0) & (tt.keys.astype(str) != "")
    themes = int(labels.max()) + 1 if len(labels) else 0
    if not ok.any():
        return np.zeros(themes, dtype=np.int64)
    _, who = np.unique(tt.keys[ok].astype(str), return_inverse=True)
    writers = np.unique(np.stack([who, labels[ok], stage[ok]], axis=1), axis=0)  # one row per writer, theme, stage
    counts = np.zeros((themes, len(STAGES) + 1), dtype=np.int64)
    np.add.at(counts, (writers[:, 1], writers[:, 2]), 1)
    home = counts.argmax(axis=1)  # argmax takes the first (earliest) stage on a tie
    return np.where(counts.max(axis=1) > 0, home, 0).astype(np.int64)


def _in_group(placed: Placed, g: int, k: int) -> np.ndarray:
    at = placed.stage == k
    return at if g == ALL else at & (placed.group == g)


def emotion(placed: Placed, g: int, k: int, min_n: int) -> dict[str, Any] | None:
    """Mean sentiment of the group's texts at stage ``k``, or None under ``min_n`` writers."""
    m = _in_group(placed, g, k)
    writers = len(np.unique(placed.tt.keys[m])) if m.any() else 0
    if writers < min_n:
        return None
    s = placed.sentiment[m]
    return {
        # a sentiment means something only with its source: "support-chat sentiment" (text.sentiment)
        "source": source_label({placed.tt.kinds[i] for i in np.flatnonzero(m)}, placed.tt.scales),
        "sentiment": round(float(s.mean()), 3),
        "negative_share": round(float((s < 0).mean()), 4),
        "positive_share": round(float((s > 0).mean()), 4),
        "texts": int(m.sum()),
        "n": int(writers),
    }


def theme_barriers(placed: Placed, g: int, k: int, min_n: int, limit: int = 3) -> list[dict[str, Any]]:
    """Pain themes raised at stage ``k``: over-represented in persona ``g``, or the most raised for all."""
    tt = placed.tt
    assert tt.themes is not None
    at = placed.stage == k
    if not at.any():
        return []
    everyone = np.zeros(len(at), dtype=np.int64)
    for whole in (True,) if g == ALL else (True, False):
        if (k, whole) not in placed.cells:
            by = everyone if whole else placed.group
            placed.cells[(k, whole)] = theme_cells(tt.keys[at], by[at], tt.themes.labels[at])
    group = placed.group if g != ALL else everyone
    cells = placed.cells[(k, g == ALL)]
    # all customers' figure of each theme at this stage, as the section of all customers shows it
    base = {int(c["value"]): float(c["share"]) for c in placed.cells[(k, True)]}
    mine = 0 if g == ALL else g
    chosen = []
    for cell in cells:
        row = tt.theme_rows[int(cell["value"])]
        if cell["persona"] != mine or cell["n"] < min_n or row["kind"] != "pain":
            continue
        if int(cell["value"]) < len(placed.home) and placed.home[int(cell["value"])] != k:
            continue  # the theme's figure is given at its own stage only
        pop_share = base.get(int(cell["value"]), float(cell["population_share"]))
        cell = {**cell, "population_share": pop_share, "lift": cell["share"] / pop_share if pop_share else 0.0}
        if g != ALL and (cell["lift"] < LIFT or cell["p_adjusted"] >= ALPHA):
            continue
        chosen.append((cell, row))
    key = (lambda x: (-x[0]["share"], x[1]["name"])) if g == ALL else (lambda x: (-x[0]["effect_size"], x[1]["name"]))
    out = []
    for cell, row in sorted(chosen, key=key)[:limit]:
        c = int(cell["value"])
        texts = at & (group == mine) & (tt.themes.labels == c)
        only_here = np.where(at, group, -1)
        out.append(
            {
                "kind": "theme",
                "label": row["name"],
                "keywords": row["keywords"],
                "theme": c,
                "share": round(float(cell["share"]), 4),
                "population_share": round(float(cell["population_share"]), 4),
                "lift": round(float(cell["lift"]), 3),
                "n": int(cell["n"]),
                "p_adjusted": None if g == ALL else float(f"{cell['p_adjusted']:.3g}"),
                "placed_by_cue": round(float(placed.by_cue[texts].mean()), 3) if texts.any() else None,
                "quotes": theme_quotes(tt.bodies, tt.themes, only_here, mine, c, 2),
                "source": "texts: " + ", ".join(sorted({tt.kinds[i] for i in np.flatnonzero(texts)})),
            }
        )
    return out


OPENERS = {
    "cart": "Bring carts back: reminders and saved carts",
    "checkout": "Make checkout easier: show the full cost early and cut steps",
    "trial": "Guide trials to their first value before the trial ends",
    "onboarding": "Get new users to first use quickly: a guided setup in the first days",
}


def _named(item: dict[str, Any]) -> str:
    """A funnel stage in a sentence: advocacy with its evidence (it is not a step of buying)."""
    stage = str(item["stage"])
    return f"{stage} ({item['label']})" if stage == "advocacy" and item.get("label") else stage


def opportunity(
    stage: str,
    found: list[dict[str, Any]],
    funnel: list[dict[str, Any]],
    pop_funnel: list[dict[str, Any]],
    is_population: bool,
) -> dict[str, Any] | None:
    """One opportunity for the stage, from its strongest barrier, else from a conversion gap."""
    drops = [b for b in found if b["kind"] == "abandonment"]
    themes = [b for b in found if b["kind"] == "theme"]
    if not is_population:
        drops = sorted(drops, key=lambda b: -(b["lift"] or 0))
        themes = sorted(themes, key=lambda b: -(b["lift"] or 0))
    else:
        drops = sorted(drops, key=lambda b: -(b["share"] or 0))
    if drops or themes:
        parts, evidence = [], {}
        if drops:
            d = drops[0]
            rel = "" if is_population or d["lift"] is None else f", {d['lift']:.1f}× all customers"
            parts.append(f"{OPENERS[d['step']]} ({d['share']:.0%} of {d['step']} starts stop there{rel})")
            evidence["abandonment"] = {k: d[k] for k in ("step", "share", "population_share", "lift", "n")}
        if themes:
            t = themes[0]
            rel = "" if is_population else f", {t['lift']:.1f}× all customers"
            parts.append(f"answer “{t['label']}”, raised by {t['share']:.0%} of those who wrote at this stage{rel}")
            evidence["theme"] = {k: t[k] for k in ("label", "share", "population_share", "lift", "n")}
        text = "; ".join(parts)
        return {"text": text[0].upper() + text[1:] + ".", "evidence": evidence}
    k = STAGES.index(stage)
    if k == 0:
        return None
    mine, pop = funnel[k], pop_funnel[k]
    if mine["conversion"] is None:
        return None
    prev, into = _named(funnel[k - 1]), _named(mine)
    if is_population:
        if not mine["biggest_drop"]:
            return None
        return {
            "text": f"The biggest drop-off: {mine['conversion']:.0%} of people at {prev} reach {into}.",
            "evidence": {"conversion": mine["conversion"], "n": mine.get("people", mine["customers"])},
        }
    # all customers' conversion: customers only (the population funnel counts visitors too)
    before = pop_funnel[k - 1]["customers"]
    pop_conversion = round(pop["customers"] / before, 4) if pop["customers"] is not None and before else None
    if pop_conversion is None or mine["conversion"] > pop_conversion - 0.05:
        return None
    return {
        "text": f"Lift conversion into {into}: {mine['conversion']:.0%} of this persona at {prev} reach it, "
        f"against {pop_conversion:.0%} of all customers.",
        "evidence": {
            "conversion": mine["conversion"],
            "population_conversion": pop_conversion,
            "n": mine["customers"],
        },
    }
