"""Pain points from unhappy reviews: terms over-represented in a persona, grouped, with quotes.

A first, light method: unigrams and bigrams of low-rated texts, counted per customer,
compared with the population, then grouped when they occur in the same texts.
"""

from __future__ import annotations

from typing import Any

from personacraft.sources.columns import lit
from personacraft.store import Run
from personacraft.text.redact import Redactor
from personacraft.unify import keyed

STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being it its this
    that these those i me my we our you your he she they them their his her so too very not no just than
    then there here what which who whom when where why how all any both each few more most other some
    such only own same can will would should could did do does done has have had having am after before
    again once also into out up down over under about against between through during ever get got one
    two three since last anymore much many really
    """.split()  # noqa: SIM905 - a word list reads best as text
)

TERMS_SQL = """
CREATE OR REPLACE TEMP TABLE _terms AS
WITH t AS (
    SELECT text_id, customer_key, regexp_split_to_array(lower(body), '[^a-z'']+') AS w
    FROM {texts} WHERE customer_key IS NOT NULL AND body IS NOT NULL
      AND (rating IS NULL OR rating <= {max_rating})
),
u AS (
    SELECT text_id, customer_key, unnest(w) AS a, unnest(list_concat(list_slice(w, 2, len(w)), [NULL])) AS b
    FROM t
)
SELECT DISTINCT text_id, customer_key, a AS term FROM u
WHERE length(a) > 2 AND a NOT IN ({stop})
UNION
SELECT DISTINCT text_id, customer_key, a || ' ' || b FROM u
WHERE b IS NOT NULL AND length(a) > 2 AND length(b) > 2 AND a NOT IN ({stop}) AND b NOT IN ({stop})
"""

LIFT_SQL = """
WITH base AS (SELECT t.*, l.persona FROM _terms t JOIN {labels} l USING (customer_key)),
voiced AS (SELECT l.persona, count(DISTINCT t.customer_key) AS n_voiced
           FROM {texts} t JOIN {labels} l USING (customer_key) WHERE t.body IS NOT NULL GROUP BY 1),
voiced_all AS (SELECT sum(n_voiced) AS n FROM voiced),
p AS (SELECT persona, term, count(DISTINCT customer_key) AS n FROM base GROUP BY 1, 2),
a AS (SELECT term, count(DISTINCT customer_key) AS n FROM base GROUP BY 1)
SELECT p.persona, p.term, p.n, v.n_voiced, p.n / v.n_voiced AS share,
       a.n / va.n AS population_share, (p.n / v.n_voiced) / (a.n / va.n) AS lift
FROM p JOIN voiced v USING (persona) JOIN a USING (term) CROSS JOIN voiced_all va
WHERE p.n >= {min_n}
ORDER BY p.persona, lift DESC, p.term
"""


def pain_points(
    run: Run, redactor: Redactor, *, min_n: int, per_persona: int = 3, quotes: int = 3
) -> dict[int, list[dict[str, Any]]]:
    """Per persona: up to ``per_persona`` pain points with share, lift, n and redacted quotes."""
    texts = keyed(run, "texts")
    stop = ", ".join(lit(w) for w in sorted(STOPWORDS))
    run.execute(TERMS_SQL.format(texts=texts, stop=stop, max_rating=3))
    rows = run.dicts(LIFT_SQL.format(texts=texts, labels=run.t("labels"), min_n=min_n))
    by_persona: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        if r["lift"] >= 1.5 and r["share"] >= 0.05:
            by_persona.setdefault(int(r["persona"]), []).append(r)
    out: dict[int, list[dict[str, Any]]] = {}
    for persona, cands in by_persona.items():
        cands = sorted(cands, key=lambda r: (-(r["share"] * min(r["lift"], 6.0)), r["term"]))[:40]
        term_texts = _texts_of(run, persona, [c["term"] for c in cands])
        groups: list[dict[str, Any]] = []
        for c in cands:
            ids = term_texts.get(c["term"], set())
            home = next((g for g in groups if _jaccard(ids, g["_ids"]) >= 0.4), None)
            if home is not None:
                if c["term"] not in home["keywords"]:
                    home["keywords"].append(c["term"])
                    home["_n"][c["term"]] = int(c["n"])
                continue
            if len(groups) >= per_persona:
                continue
            groups.append(
                {
                    "label": c["term"],
                    "keywords": [c["term"]],
                    "share": round(c["share"], 4),
                    "lift": round(c["lift"], 3),
                    "n": int(c["n"]),
                    "source": "reviews (rating <= 3)",
                    "_ids": ids,
                    "_n": {c["term"]: int(c["n"])},
                }
            )
        for g in groups:
            # a phrase reads better than a word: label with the most used two-word keyword
            # when it covers at least half of the group's leading term
            lead = g["_n"][g["label"]]
            phrases = [k for k in g["keywords"] if " " in k and g["_n"][k] >= 0.5 * lead]
            if " " not in g["label"] and phrases:
                g["label"] = max(phrases, key=lambda k: (g["_n"][k], k))
            del g["_n"]
            g["quotes"] = _quotes(run, persona, g["keywords"], redactor, quotes)
            del g["_ids"]
        out[persona] = groups
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _texts_of(run: Run, persona: int, terms: list[str]) -> dict[str, set[str]]:
    if not terms:
        return {}
    rows = run.execute(
        f"SELECT t.term, t.text_id FROM _terms t JOIN {run.t('labels')} l USING (customer_key) "
        "WHERE l.persona = ? AND list_contains(?, t.term)",
        [persona, terms],
    ).fetchall()
    out: dict[str, set[str]] = {}
    for term, tid in rows:
        out.setdefault(term, set()).add(tid)
    return out


def _quotes(run: Run, persona: int, keywords: list[str], redactor: Redactor, limit: int) -> list[str]:
    """Distinct redacted texts of the persona that use the most keywords, shortest first."""
    rows = run.execute(
        f"""SELECT t.body, c.first_name, c.last_name, t.author_name, count(DISTINCT m.term) AS hits
        FROM _terms m JOIN {keyed(run, "texts")} t USING (text_id)
        JOIN {run.t("labels")} l ON l.customer_key = m.customer_key
        LEFT JOIN (SELECT customer_key, min(first_name) AS first_name, min(last_name) AS last_name
                   FROM {keyed(run, "customers")} GROUP BY 1) c ON c.customer_key = m.customer_key
        WHERE l.persona = ? AND list_contains(?, m.term)
        GROUP BY m.text_id, t.body, c.first_name, c.last_name, t.author_name
        ORDER BY hits DESC, length(t.body), t.body, m.text_id LIMIT 200""",
        [persona, keywords],
    ).fetchall()
    seen: list[str] = []
    for body, first, last, author, _ in rows:
        names = [first or "", last or "", *str(author or "").split()]
        clean = " ".join(redactor(str(body), also=names).split())
        if clean and clean not in seen:
            seen.append(clean)
        if len(seen) >= limit:
            break
    return seen
