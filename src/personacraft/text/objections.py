"""Sales objections from lost deals: the reasons a CRM records on them, themed and counted per persona.

Texts serve the purpose of where they come from. Support tickets and chats are existing
customers reporting problems (customer success and product read them); what keeps a prospect
from buying is what the sales team recorded when a deal was lost: HubSpot's ``Closed Lost
Reason``, a Salesforce org's loss-reason field, or any column mapped to ``lost_reason``.

Every lost deal's reason is redacted (the workspace's customer names, emails, phones), then
read as text only when it says something: a reason with no word of two letters, a placeholder
(``n/a``, ``none``, ``-``, ``0``) or broken encoding (``Ã©``, ``�``) is *unreadable*; it is
counted and shown with its file and line, never silently dropped, and its deal counts as a
lost deal without a reason. Picklist values (``competitor_chosen``) are read as words.

Themes: a picklist (at most :data:`PICKLIST` distinct reasons) has one theme per value; free
text is grouped by :func:`~personacraft.text.themes.find_themes` (the same sentence model or
TF-IDF as every other text), and reasons too short for it are grouped by their words. A
persona's lost deals are the lost deals of the accounts its members belong to, and those its
members were contacts on. Per persona and theme: n (its lost deals giving that reason), the
share of its lost deals with a readable reason, the same share over all lost deals, the lift,
and the hypergeometric test with the Benjamini-Hochberg adjustment; an objection is published
when n and the persona's lost deals with a reason both reach the minimum group size. A persona
shows its :data:`PER_PERSONA` most common reasons, the last place going to the most
over-represented one (lift >= 1.2, adjusted p < 0.05) when it is not among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.segment.profile import ALPHA, add_tests
from personacraft.store import Run
from personacraft.text.merge import near_duplicate_groups
from personacraft.text.redact import Redactor
from personacraft.text.themes import find_themes
from personacraft.unify import keyed

PICKLIST = 12  # at most this many distinct reasons: a picklist, one theme per value
PER_PERSONA = 3
PLACEHOLDERS = frozenset(
    ("n/a", "na", "#n/a", "none", "null", "nil", "nan", "unknown", "tbd", "tba", "test", "xxx", "other", "-", "?")
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_MOJIBAKE = re.compile(r"Ã[\x80-\xbf©¨§¶¼½¾]|â€|\ufffd|Â[\xa0-\xbf]")
SOURCE = "lost-deal reasons"

LOST_DEALS = """
SELECT deal_id, account_id, lost_reason, _source, _file, _line, won
FROM {deals}
WHERE won IS NOT NULL AND (NOT won OR nullif(trim(lost_reason), '') IS NOT NULL)
ORDER BY deal_id
"""
PERSONA_DEALS = """
SELECT DISTINCT l.persona, d.deal_id
FROM {labels} l JOIN {people} p USING (customer_key) JOIN {deals} d ON d.account_id = p.account_id
WHERE d.won = FALSE AND l.persona >= 0
UNION
SELECT DISTINCT l.persona, dc.deal_id
FROM {labels} l JOIN {deal_contacts} dc USING (customer_key) JOIN {deals} d ON d.deal_id = dc.deal_id
WHERE d.won = FALSE AND l.persona >= 0
ORDER BY 1, 2
"""


@dataclass
class LostReasons:
    """The lost deals of a run and their reasons, themed (see the module doc)."""

    lost_deals: int = 0
    deal_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # lost deals, sorted
    reason: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # redacted; "" none/unreadable
    theme: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))  # -1 without a readable reason
    distance: np.ndarray = field(default_factory=lambda: np.array([], dtype=float))
    names: list[str] = field(default_factory=list)
    keywords: list[list[str]] = field(default_factory=list)
    method: str | None = None
    blank: int = 0
    unreadable: list[dict[str, Any]] = field(default_factory=list)  # {source, file, line, value}
    on_won_deals: int = 0  # won deals carrying a lost reason: not counted
    sources: list[str] = field(default_factory=list)


def readable_reason(value: str) -> str | None:
    """The reason as words, or None when it says nothing (no word, a placeholder, broken encoding)."""
    text = " ".join(str(value).split())
    if "_" in text and " " not in text:  # a picklist's internal value: competitor_chosen
        text = text.replace("_", " ")
    if not text or text.lower().strip(" .") in PLACEHOLDERS or _MOJIBAKE.search(text) or not _WORD.search(text):
        return None
    return text


def lost_reasons(run: Run, redactor: Redactor, *, method: str = "auto", seed: int = 0) -> LostReasons:
    """Read, check, redact and theme the reasons of every lost deal of the run (see the module doc)."""
    rows = run.dicts(LOST_DEALS.format(deals=run.t("deals")))
    out = LostReasons()
    lost = [r for r in rows if r["won"] is False]
    out.on_won_deals = len(rows) - len(lost)
    out.lost_deals = len(lost)
    if not lost:
        return out
    out.sources = sorted({str(r["_source"]) for r in lost})
    out.deal_ids = np.array([str(r["deal_id"]) for r in lost], dtype=object)
    reasons: list[str] = []
    for r in lost:  # lost deals, not customers: a few thousand at most
        raw = r["lost_reason"]
        if raw is None or not str(raw).strip():
            out.blank += 1
            reasons.append("")
            continue
        text = readable_reason(redactor(str(raw)))
        if text is None:
            out.unreadable.append({"source": r["_source"], "file": r["_file"], "line": r["_line"], "value": str(raw)})
            reasons.append("")
            continue
        reasons.append(text)
    out.reason = np.array(reasons, dtype=object)
    out.theme = np.full(len(lost), -1, dtype=np.int64)
    out.distance = np.full(len(lost), np.nan)
    have = np.flatnonzero(out.reason != "")
    if not len(have):
        return out
    texts = [str(out.reason[i]) for i in have]
    distinct = sorted({t.lower().rstrip(" .") for t in texts})
    if len(distinct) <= PICKLIST:
        out.method = "picklist"
        first = {t.lower().rstrip(" ."): t for t in reversed(texts)}
        out.names = [first[d] for d in distinct]
        out.keywords = [[d] for d in distinct]
        out.theme[have] = np.searchsorted(distinct, [t.lower().rstrip(" .") for t in texts])
        out.distance[have] = 0.0
        return out
    themes = find_themes(texts, method=method, k_range=(2, min(PICKLIST, len(distinct) - 1)), seed=seed)
    out.method = themes.method
    labels, dist = themes.labels.copy(), themes.distance.copy()
    # one reason worded several ways is one theme (text.merge, as for pains), named by a reason without a
    # redaction placeholder
    groups = near_duplicate_groups(list(range(themes.k)), themes.centres, themes.names, themes.keywords,
                                   ["objection"] * themes.k)  # fmt: skip
    groups = sorted(groups, key=min)  # every theme is in one group (alone when it has no near-duplicate)
    lead = np.zeros(themes.k, dtype=np.int64)
    for j, g in enumerate(groups):
        lead[g] = j
    labels = np.where(labels >= 0, lead[labels.clip(0)], -1)
    for j, g in enumerate(groups):
        out.names.append(_name_of(themes.names[g[0]], texts, labels == j, dist))
        out.keywords.append(list(dict.fromkeys(w for m in g for w in themes.keywords[m]))[:8])
    short = np.flatnonzero(labels < 0)  # too few words for a theme: grouped by their words
    words = sorted({texts[i].lower().rstrip(" .") for i in short})
    for j, w in enumerate(words):
        at = [i for i in short if texts[i].lower().rstrip(" .") == w]
        out.names.append(texts[at[0]])
        out.keywords.append([w])
        labels[at], dist[at] = len(groups) + j, 0.0
    out.theme[have], out.distance[have] = labels, dist
    return out


def _name_of(name: str, texts: list[str], members: np.ndarray, dist: np.ndarray, words: int = 12) -> str:
    """A theme's name, or, when it holds a redaction placeholder, its most central reason without one."""
    if "[" not in name:
        return name
    rows = np.flatnonzero(members)
    for i in rows[np.argsort(dist[rows], kind="stable")]:
        if "[" not in texts[i] and len(texts[i].split()) <= words:
            return texts[i]
    return name


def persona_deals(run: Run) -> np.ndarray:
    """(persona, deal_id) of every lost deal of a published persona's accounts or with its members on it."""
    rows = run.execute(
        PERSONA_DEALS.format(
            labels=run.t("labels"),
            people=run.t("people"),
            deals=run.t("deals"),
            deal_contacts=keyed(run, "deal_contacts"),
        )
    ).fetchall()
    return np.array(rows, dtype=object).reshape(-1, 2)


def objections(
    run: Run, lr: LostReasons, published: int, *, min_n: int, quotes: int = 3
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, str]]:
    """Each published persona's objections (most common first) and, for the others, why there are none."""
    found: dict[int, list[dict[str, Any]]] = {}
    why: dict[int, str] = {}
    if lr.lost_deals == 0:
        return found, dict.fromkeys(range(published), "the sources hold no lost deal")
    if not (lr.theme >= 0).any():
        none = f"none of the {lr.lost_deals:,} lost deals has a readable lost reason"
        return found, dict.fromkeys(range(published), none)
    pairs = persona_deals(run)
    ids = lr.deal_ids.astype(str)
    order = np.argsort(ids, kind="stable")
    at = order[np.searchsorted(ids, pairs[:, 1].astype(str), sorter=order).clip(0, len(ids) - 1)]
    pairs = pairs[ids[at] == pairs[:, 1].astype(str)] if len(pairs) else pairs  # lost deals only, as read
    at = order[np.searchsorted(ids, pairs[:, 1].astype(str), sorter=order).clip(0, len(ids) - 1)]
    persona = pairs[:, 0].astype(np.int64)
    theme = lr.theme[at]
    k = len(lr.names)
    known = lr.theme >= 0
    population = np.bincount(lr.theme[known], minlength=k)
    everyone = int(known.sum())
    cells: list[dict[str, Any]] = []
    lost_of: dict[int, int] = {}
    for p in range(published):
        mine = persona == p
        lost_of[p] = int(mine.sum())
        t = theme[mine]
        n_known = int((t >= 0).sum())
        if n_known < min_n:
            why[p] = (
                f"{n_known} of this persona's accounts' {lost_of[p]:,} lost deals give a readable reason; "
                f"objections need at least {min_n}"
            )
            continue
        counts = np.bincount(t[t >= 0], minlength=k)
        cells += [
            {
                "persona": p,
                "value": c,
                "n": int(counts[c]),
                "n_known": n_known,
                "population_n": int(population[c]),
                "population_known": everyone,
                "share": counts[c] / n_known,
                "population_share": population[c] / everyone,
                "lift": (counts[c] / n_known) / (population[c] / everyone),
            }
            for c in range(k)
            if counts[c] > 0
        ]
    for cell in add_tests(cells):
        if cell["n"] >= min_n:
            found.setdefault(int(cell["persona"]), []).append(cell)
    out: dict[int, list[dict[str, Any]]] = {}
    for p in range(published):
        if p in why:
            continue
        ranked = sorted(found.get(p, []), key=lambda c: (-c["n"], lr.names[int(c["value"])]))
        top = ranked[:PER_PERSONA]
        # the reason most over-represented in the persona's lost deals is shown even when rarer
        over = [c for c in ranked if c["lift"] >= 1.2 and c["p_adjusted"] < ALPHA]
        if over and not any(c is over[0] for c in top):
            top = [*top[: PER_PERSONA - 1], over[0]]
        if not top:
            why[p] = f"no reason is given on {min_n} or more of this persona's accounts' lost deals"
            continue
        mine = set(pairs[persona == p, 1].astype(str))
        out[p] = [_item(lr, c, lost_of[p], mine, quotes) for c in top]
    return out, why


def _item(lr: LostReasons, c: dict[str, Any], lost: int, mine: set[str], quotes: int) -> dict[str, Any]:
    t = int(c["value"])
    rows = [i for i in np.flatnonzero(lr.theme == t) if str(lr.deal_ids[i]) in mine]
    # the most central first, a reason without a redaction placeholder before one with
    rows.sort(
        key=lambda i: ("[" in str(lr.reason[i]), float(np.nan_to_num(lr.distance[i], nan=9.0)), str(lr.reason[i]))
    )
    said: list[str] = []
    for i in rows:
        text = str(lr.reason[i])
        if text.lower().rstrip(" .") not in {s.lower().rstrip(" .") for s in said}:
            said.append(text)
        if len(said) >= quotes:
            break
    return {
        "label": lr.names[t],
        "keywords": lr.keywords[t][:8],
        "share": round(float(c["share"]), 4),
        "population_share": round(float(c["population_share"]), 4),
        "lift": round(float(c["lift"]), 3),
        "n": int(c["n"]),
        "n_known": int(c["n_known"]),
        "lost_deals": lost,
        "p_adjusted": float(f"{c['p_adjusted']:.3g}"),
        "effect_size": round(float(c["effect_size"]), 3),
        "source": f"{SOURCE} ({', '.join(lr.sources)})",
        "quotes": said,
    }


def summary(lr: LostReasons, mapped: dict[str, str] | None = None) -> dict[str, Any]:
    """The run's lost deals and their reasons, for ``provenance.objections``, with a ``message`` when the
    reasons are missing, unreadable or misplaced. ``mapped``: source label -> the column a config mapped
    to ``lost_reason``."""
    known = lr.theme >= 0
    counts = np.bincount(lr.theme[known], minlength=len(lr.names)) if len(lr.names) else np.array([], int)
    out: dict[str, Any] = {
        "lost_deals": lr.lost_deals,
        "with_reason": int(known.sum()),
        "blank": lr.blank,
        "unreadable": len(lr.unreadable),
        "unreadable_examples": lr.unreadable[:5],
        "on_won_deals": lr.on_won_deals,
        "method": lr.method,
        "themes": [
            {"label": lr.names[t], "n": int(counts[t]), "share": round(float(counts[t] / max(known.sum(), 1)), 4)}
            for t in np.argsort(-counts, kind="stable")
            if counts[t] > 0
        ],
        "message": None,
    }
    said: list[str] = []
    where = ", ".join(lr.sources)
    if lr.lost_deals and not known.any() and not lr.unreadable:
        cols = "; ".join(f"{s}: the column {c!r} mapped to lost_reason is empty" for s, c in (mapped or {}).items())
        said.append(
            f"None of the {lr.lost_deals:,} lost deals ({where}) has a lost reason"
            + (f" ({cols})" if cols else "")
            + ", so no sales objection is shown. Export the reason with the deals: HubSpot 'Closed Lost Reason', "
            "Salesforce 'Loss_Reason__c' (or 'Loss Reason'); in any other file, map a column to lost_reason."
        )
    if lr.unreadable:
        ex = "; ".join(f"{u['value']!r} ({_name(u['file'])} line {u['line']})" for u in lr.unreadable[:3])
        said.append(
            f"{len(lr.unreadable):,} of the {lr.lost_deals:,} lost deals' reasons could not be read as text "
            f"(no words, a placeholder or broken encoding), e.g. {ex}; they count as lost deals without a reason."
        )
    if lr.on_won_deals:
        said.append(
            f"{lr.on_won_deals:,} won deals carry a lost reason; they are not counted as objections "
            "(check which column is mapped to lost_reason)."
        )
    out["message"] = " ".join(said) or None
    return out


def _name(path: Any) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]
