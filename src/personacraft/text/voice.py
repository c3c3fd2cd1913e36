"""Voice of the customer: themes of every text, counted per persona, with safe quotes.

Every text (reviews, tickets, conversations, open answers, interview notes) is redacted
first (:class:`~personacraft.text.redact.Redactor`, with the workspace's own customer
names), then grouped into themes (:func:`~personacraft.text.themes.find_themes`). A theme
is a *pain* when most of its texts are negative (a rating of 2 or less out of 5, or
negative words where there is no rating), a *need* or a *goal* when its texts ask for
something ("I need", "I wish" / "I want to", "looking for"), else *praise*. For each
persona and theme: the share of the persona's customers with a text who mention it, the
population share, lift, n and Fisher's exact test with the Benjamini-Hochberg adjustment
(as for traits).

Themes are found on what a text says about the product: a sentence holding a redaction
placeholder ("Reach me at [email].") is left out of the clustering and the labels, so contact
details neither form a theme nor pull a text into one.

Within a persona, pain (or need) themes that are near-duplicates of each other
(:mod:`personacraft.text.merge`) are shown as one: its figures are recomputed on the union (the
persona's customers who mention any of them, against everyone who does, with the same test),
never added up; the others' labels are kept in ``merged``.

Quotes are the persona's texts of the theme closest to its centre, of a readable length; for a
pain only negative texts, and never a text mostly made of redacted sentences.

Each pain and need lists the ``kinds`` of text it comes from, so recommendations use texts by
their purpose (support tickets and chats for customer success and product, never as sales
objections: those come from lost deals, :mod:`personacraft.text.objections`), and each persona's
sentiment is given per source, labelled by it (:mod:`personacraft.text.sentiment`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from personacraft.segment.profile import ALPHA, add_tests
from personacraft.store import Run
from personacraft.text.corpus import TextThemes, themed
from personacraft.text.merge import near_duplicate_groups
from personacraft.text.redact import Redactor, redacted_share, without_redacted
from personacraft.text.sentiment import by_persona
from personacraft.text.themes import Themes
from personacraft.unify import keyed

QUOTE_CHARS = (20, 280)
MOSTLY_REDACTED = 0.5  # a text with this share of its words in redacted sentences is never quoted


@dataclass
class Voice:
    """Per persona, its pain points and needs; ``wrote``: whether the customers wrote any text."""

    wrote: bool
    pains: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    needs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # per persona, its sentiment per kind of text, each labelled by its source (text.sentiment)
    sentiment: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # per persona, the objections of its accounts' lost deals (text.objections), and why none otherwise
    objections: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    no_objections: dict[int, str] = field(default_factory=dict)
    deals: bool = False  # the sources hold closed deals: objections are looked for


_STATEMENT = re.compile(r"(?<=[.!?])\s+|\n+")


def text_themes(run: Run, redactor: Redactor, *, method: str = "auto", seed: int = 0, company: str = "") -> TextThemes:
    """Redact every text, split interview notes into statements, and find the themes.

    Stores ``text_themes`` (each text or statement, redacted, with its theme) and ``themes``
    in the run. Needs no personas, so theme shares can be segmentation features.
    """
    rows = run.execute(
        f"""SELECT t.text_id, t.customer_key, t.body, t.rating, t.kind, t.author_name,
                   c.first_name, c.last_name, coalesce(t.brand, ?),
                   coalesce(t.ours, t.brand IS NULL OR lower(t.brand) = lower(?)), t._file,
                   row_number() OVER (PARTITION BY coalesce(t.brand, ''), lower(trim(t.body)),
                       coalesce(t.author_name, t.email, t.customer_key, ''), CAST(t.created_at AS DATE)
                       ORDER BY t.text_id) > 1
            FROM {keyed(run, "texts")} t
            LEFT JOIN (SELECT customer_key, min(first_name) AS first_name, min(last_name) AS last_name
                       FROM {keyed(run, "customers")} GROUP BY 1) c USING (customer_key)
            WHERE t.body IS NOT NULL AND trim(t.body) <> ''
            ORDER BY t.text_id""",
        [company, company],
    ).fetchall()
    if not rows:
        return TextThemes(themes=None)
    text_ids: list[str] = []
    keys: list[str] = []
    bodies: list[str] = []
    kinds: list[str] = []
    ratings: list[float] = []
    extra: list[tuple[str, bool, str, bool]] = []  # brand, ours, file, a repeat of a text posted before
    for r in rows:  # texts, not table rows: each is redacted on its own (names differ per text)
        clean = redactor(str(r[2]), also=[r[6] or "", r[7] or "", *str(r[5] or "").split()])
        kind = str(r[4] or "text")
        # an interview note holds many statements: each is evidence of its own
        parts = [x for x in _STATEMENT.split(clean) if x.strip()] if kind == "interview" else [clean]
        for i, part in enumerate(parts):
            text_ids.append(f"{r[0]}#{i + 1}" if kind == "interview" else str(r[0]))
            keys.append(r[1] or "")
            bodies.append(" ".join(part.split()))
            kinds.append(kind)
            ratings.append(np.nan if r[3] is None else float(r[3]))
            extra.append((str(r[8] or ""), bool(r[9]), str(r[10] or ""), bool(r[11])))
    tt = themed(text_ids, keys, bodies, kinds, np.array(ratings), extra, method=method, seed=seed)
    _store(run, tt, tt.sentiment)
    return tt


def voice_of_customer(run: Run, tt: TextThemes, *, min_n: int, per_persona: int = 3, quotes: int = 3) -> Voice:
    """Each persona's pain points and needs from the run's text themes (see the module doc)."""
    themes = tt.themes
    if themes is None:
        return Voice(wrote=False)
    labels = run.numpy(f"SELECT customer_key, persona FROM {run.t('labels')}")
    persona = by_customer(tt, labels["customer_key"], labels["persona"])
    keys, theme_rows = tt.keys, tt.theme_rows
    published = int(np.max(labels["persona"])) + 1 if len(labels["persona"]) else 0
    voice = Voice(wrote=True)
    voice.sentiment = by_persona(
        keys, persona, np.array(tt.kinds, dtype=object), np.asarray(tt.sentiment), tt.scales, published, min_n
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for cell in theme_cells(keys, persona, themes.labels):
        if _published(cell, min_n) and theme_rows[int(cell["value"])]["kind"] in ("pain", "need"):
            found.setdefault(int(cell["persona"]), []).append(cell)
    names = [r["name"] for r in theme_rows]
    words = [r["keywords"] for r in theme_rows]
    kinds = [r["kind"] for r in theme_rows]
    for p, cells in sorted(found.items()):
        cells = sorted(cells, key=lambda c: (-c["effect_size"], int(c["value"])))
        by_theme = {int(c["value"]): c for c in cells}
        for group in near_duplicate_groups(list(by_theme), themes.centres, names, words, kinds):
            cell, group_labels = by_theme[group[0]], themes.labels
            if len(group) > 1:  # the union, tested as one theme
                group_labels = np.where(np.isin(themes.labels, group), group[0], themes.labels)
                union = next(
                    c
                    for c in theme_cells(keys, persona, group_labels)
                    if c["persona"] == p and int(c["value"]) == group[0]
                )
                if _published(union, min_n):
                    cell = union
                else:
                    group, group_labels = group[:1], themes.labels
            row = theme_rows[group[0]]
            item = {
                "label": row["name"],
                "keywords": list(dict.fromkeys(w for t in group for w in theme_rows[t]["keywords"]))[:8],
                "share": round(float(cell["share"]), 4),
                "lift": round(float(cell["lift"]), 3),
                "n": int(cell["n"]),
                "p_adjusted": float(f"{cell['p_adjusted']:.3g}"),
                "effect_size": round(float(cell["effect_size"]), 3),
                "theme": group[0],
                "source": "texts: " + ", ".join(sorted({k for t in group for k in theme_rows[t]["sources"]})),
                "kinds": sorted({k for t in group for k in theme_rows[t]["sources"]}),
                "quotes": theme_quotes(
                    tt.bodies,
                    themes,
                    persona,
                    p,
                    group[0],
                    quotes,
                    labels=group_labels,
                    sentiment=tt.sentiment if row["kind"] == "pain" else None,
                ),
            }
            if len(group) > 1:
                item["merged"] = [theme_rows[t]["name"] for t in group[1:]]
                item["themes"] = group
            weak = where_they_are_weak(tt, group) if row["kind"] == "pain" else []
            if weak:  # a competitor's weak point this persona feels too (text.competitors)
                item["where_they_are_weak"] = weak
            (voice.pains if row["kind"] == "pain" else voice.needs).setdefault(p, []).append(item)
    for table in (voice.pains, voice.needs):
        for p, items in table.items():
            table[p] = sorted(items, key=lambda x: (-x["effect_size"], x["label"]))[:per_persona]
    return voice


def _published(cell: dict[str, Any], min_n: int) -> bool:
    """Whether a (persona, theme) cell is shown: n >= min_n, lift >= 1.2 and adjusted p < 0.05."""
    return bool(cell["n"] >= min_n and cell["lift"] >= 1.2 and cell["p_adjusted"] < ALPHA)


def why_they_left(run: Run, tt: TextThemes, *, min_n: int, quotes: int = 3, limit: int = 5) -> dict[str, Any]:
    """Themes over-represented among customers who left (``customer_status``), against those who stayed.

    Among customers with a text and a status: each theme's share among those who left and
    among everyone, lift, n and the Fisher/BH test; the significant ones (n >= ``min_n``,
    lift >= 1.2, adjusted p < 0.05) by effect size, with quotes of customers who left.
    """
    status = run.numpy(f"SELECT customer_key, gone::INT AS gone FROM {run.t('customer_status')}")
    gone = np.asarray(status["gone"], dtype=np.int64)
    out: dict[str, Any] = {
        "definition": "customers whose every subscription ended, or whose last order is older than "
        "text.lapsed_days before the newest order",
        "customers_left": int(gone.sum()),
        "customers_stayed": int(len(gone) - gone.sum()),
        "themes": [],
    }
    if tt.themes is None or gone.sum() == 0:
        return out
    group = by_customer(tt, status["customer_key"], gone)  # 1 left, 0 stayed, -1 unknown
    for cell in theme_cells(tt.keys, group, tt.themes.labels):
        row = tt.theme_rows[int(cell["value"])]
        if cell["persona"] != 1 or cell["n"] < min_n or cell["lift"] < 1.2 or cell["p_adjusted"] >= ALPHA:
            continue
        out["themes"].append(
            {
                "label": row["name"],
                "keywords": row["keywords"],
                "kind": row["kind"],
                "share_left": round(float(cell["share"]), 4),
                "share_all": round(float(cell["population_share"]), 4),
                "lift": round(float(cell["lift"]), 3),
                "n": int(cell["n"]),
                "p_adjusted": float(f"{cell['p_adjusted']:.3g}"),
                "effect_size": round(float(cell["effect_size"]), 3),
                "quotes": theme_quotes(tt.bodies, tt.themes, group, 1, int(cell["value"]), quotes),
            }
        )
    out["themes"] = sorted(out["themes"], key=lambda t: (-t["effect_size"], t["label"]))[:limit]
    return out


def by_customer(tt: TextThemes, customer_keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each text, its customer's value in (``customer_keys``, ``values``); -1 where there is none."""
    keys = np.asarray(customer_keys).astype(str)
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], np.asarray(values, dtype=np.int64)[order]
    wanted = tt.keys.astype(str)
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.searchsorted(keys, wanted).clip(0, len(keys) - 1)
    return np.asarray(np.where(keys[at] == wanted, vals[at], -1))


def theme_cells(keys: np.ndarray, persona: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    """(persona, theme) cells over customers: who mentions each theme, against who wrote at all."""
    ok = (keys != "") & (persona >= 0)
    _, cust = np.unique(keys[ok], return_inverse=True)
    per, lab = persona[ok], labels[ok]
    voiced = np.unique(np.stack([cust, per], axis=1), axis=0)  # one row per customer who wrote
    known_p = np.bincount(voiced[:, 1], minlength=int(per.max()) + 1 if len(per) else 0)
    mention = np.unique(np.stack([cust, per, lab], axis=1)[lab >= 0], axis=0)  # customer mentions theme
    if not len(mention):
        return []
    pt, n = np.unique(mention[:, 1:], axis=0, return_counts=True)
    n_t = np.bincount(mention[:, 2])
    everyone = len(voiced)
    cells = [
        {
            "persona": int(p),
            "feature": "theme",
            "value": int(t),
            "n": int(k),
            "n_known": int(known_p[p]),
            "population_n": int(n_t[t]),
            "population_known": everyone,
            "share": k / known_p[p],
            "population_share": n_t[t] / everyone,
            "lift": (k / known_p[p]) / (n_t[t] / everyone),
        }
        for (p, t), k in zip(pt, n, strict=True)
    ]
    return add_tests(cells)


def theme_quotes(
    bodies: list[str],
    themes: Themes,
    persona: np.ndarray,
    p: int,
    c: int,
    limit: int,
    *,
    labels: np.ndarray | None = None,
    sentiment: np.ndarray | None = None,
) -> list[str]:
    """The persona's distinct texts of the theme closest to its centre, of a readable length.

    ``labels`` overrides the themes' labels (merged themes); with ``sentiment``, only negative
    texts are quoted (for a pain). A text mostly made of redacted sentences is never quoted, and
    texts that say the same once their redacted sentences are left out count once, the one
    without a placeholder preferred ("… at checkout." over "… at checkout. Reach me at [email]").
    """
    of_theme = (themes.labels if labels is None else labels) == c
    if sentiment is not None and len(sentiment) == len(of_theme):
        of_theme &= sentiment < 0
    rows = np.flatnonzero(of_theme & (persona == p))
    rows = rows[np.argsort(themes.distance[rows], kind="stable")]
    readable = [
        int(i)
        for i in rows
        if QUOTE_CHARS[0] <= len(bodies[int(i)]) <= QUOTE_CHARS[1] and redacted_share(bodies[int(i)]) < MOSTLY_REDACTED
    ]
    clean = [i for i in readable if "[" not in bodies[i]] + [i for i in readable if "[" in bodies[i]]
    out: list[str] = []
    said: set[str] = set()
    for i in clean:
        text = bodies[i]
        core = without_redacted(text).lower() or text.lower()
        if core in said:
            continue
        said.add(core)
        out.append(text)
        if len(out) >= limit:
            break
    return out


def _store(run: Run, tt: TextThemes, sentiment: np.ndarray) -> None:
    """``text_themes`` (each text or statement, redacted, with its theme) and ``themes`` in the run."""
    assert tt.themes is not None
    run.write_arrays(
        "text_themes",
        {
            "text_id": np.array(tt.text_ids, dtype=object),
            "customer_key": np.array([k or None for k in tt.keys], dtype=object),
            "kind": np.array(tt.kinds, dtype=object),
            "body_redacted": np.array(tt.bodies, dtype=object),
            "theme": tt.themes.labels.astype(np.int32),
            "distance": tt.themes.distance.astype(np.float64),
            "sentiment": sentiment.astype(np.int8),
            "language": tt.themes.languages,
        },
    )
    rows = tt.theme_rows
    run.write_arrays(
        "themes",
        {
            "theme": np.array([t["theme"] for t in rows], dtype=np.int32),
            "name": np.array([t["name"] for t in rows], dtype=object),
            "keywords": np.array([", ".join(t["keywords"]) for t in rows], dtype=object),
            "kind": np.array([t["kind"] for t in rows], dtype=object),
            "texts": np.array([t["texts"] for t in rows], dtype=np.int64),
            "negative_share": np.array([t["negative_share"] for t in rows], dtype=np.float64),
            "method": np.array([tt.themes.method] * len(rows), dtype=object),
        },
    )


def where_they_are_weak(tt: TextThemes, group: list[int]) -> list[dict[str, Any]]:
    """The competitors' weak points (``tt.competitors``) on any of the themes of ``group``, with one quote each."""
    doc = tt.competitors or {}
    keys = ("brand", "label", "share", "our_share", "p_adjusted")
    return [
        {**{k: w[k] for k in keys}, "quote": (w.get("quotes") or [""])[0]}
        for w in doc.get("their_weak_points", [])
        if w["theme"] in group
    ]
