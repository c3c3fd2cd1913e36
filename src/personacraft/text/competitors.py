"""Competitor voice: the same themes on every brand's reviews, and where each brand is weak.

Every text went through one redaction and one theme model (:func:`~personacraft.text.voice.text_themes`),
so a theme means the same for each brand. Compared here are the texts that are reviews or social
comments (a support ticket of ours has no counterpart from another brand), in the run's main
language (a file in another language is reported, not themed: :mod:`personacraft.text.languages`),
a review posted twice (same brand, same text, same author and same day) once. Themes that got the
same name were joined by the theme model (text.naming); other wordings of one complaint are
compared on their own (:func:`merged`).

Per theme and brand: the share of the brand's texts in the theme, its Wilson 95 % interval, n and
the mean rating. Each competitor's cell is tested against ours (the conditional exact test of two
counts given their sum, as Fisher's), and our cell against all competitors pooled. Only pain themes
are tested (only a pain can be a weak point; the other themes' shares are shown, not tested), and
their p-values are adjusted together with Holm's method, so that the chance of calling any
difference significant that is not real stays under 5 %. Benjamini-Hochberg bounds only the
expected share of false ones: the planted differences raise its threshold for the rest, and a
non-planted cell came through in about a third of simulated demos (docs/competitors.md). A pain
theme significantly more common for a competitor than for us is *their weak point*; significantly
more common for us than for a competitor, *our weak point*. Brands with fewer texts than the
minimum group size are listed but not compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import hypergeom

from personacraft.text.voice import TextThemes, theme_quotes

ALPHA = 0.05
COMPARED = ("review", "social")
Z = 1.959963984540054


def wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95 % interval of x / n."""
    n = np.maximum(n, 1)
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def exact_p(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided conditional exact test that x1/n1 and x2/n2 are the same rate (given x1 + x2)."""
    total, hits = n1 + n2, x1 + x2
    over = hypergeom.sf(x1 - 1, total, hits, n1)
    under = hypergeom.cdf(x1, total, hits, n1)
    return np.asarray(np.clip(2 * np.minimum(over, under), 0.0, 1.0))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error), in the order given."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    steps = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out = np.empty(m)
    out[order] = steps
    return out


def compared(tt: TextThemes) -> tuple[np.ndarray, dict[str, Any]]:
    """The texts compared (a boolean mask) and the accounting of every text of a compared kind."""
    kinds = np.array(tt.kinds, dtype=object)
    of_kind = np.isin(kinds, COMPARED)
    is_first = ~tt.repeat if len(tt.repeat) == len(kinds) else np.ones(len(kinds), dtype=bool)
    foreign = tt.foreign if len(tt.foreign) == len(kinds) else np.zeros(len(kinds), dtype=bool)
    mask = of_kind & is_first & ~foreign
    themed = tt.themes.labels >= 0 if tt.themes is not None else np.zeros(len(kinds), dtype=bool)
    accounting = {
        "texts": int(of_kind.sum()),
        "compared": int(mask.sum()),
        "themed": int((mask & themed).sum()),  # compared = themed + no_theme
        "no_theme": int((mask & ~themed).sum()),
        "duplicates": int((of_kind & ~is_first).sum()),
        "other_language": int((of_kind & is_first & foreign).sum()),
        "not_compared_kinds": int((~of_kind).sum()),
    }
    return mask, accounting


def competitor_voice(tt: TextThemes, *, min_n: int, quotes: int = 3) -> dict[str, Any] | None:
    """``competitors.json``: brands, theme shares by brand, their weak points and ours (module doc)."""
    themes = tt.themes
    if themes is None or not len(tt.brands) or not (~tt.ours).any():
        return None
    mask, accounting = compared(tt)
    brands = sorted({str(b) for b in tt.brands[mask]}, key=lambda b: (not _ours(tt, b), b))
    if not brands:
        return None
    index = {b: i for i, b in enumerate(brands)}
    bidx = np.array([index.get(str(b), -1) if m else -1 for b, m in zip(tt.brands, mask, strict=True)])
    is_ours = np.array([_ours(tt, b) for b in brands])
    n = np.bincount(bidx[bidx >= 0], minlength=len(brands)).astype(np.int64)
    labels, rows = merged(tt)
    k = len(rows)
    ok = (bidx >= 0) & (labels >= 0)
    x = np.zeros((k, len(brands)), dtype=np.int64)
    np.add.at(x, (labels[ok], bidx[ok]), 1)
    rating_sum = np.zeros((k, len(brands)))
    rated = ok & np.isfinite(tt.ratings)
    np.add.at(rating_sum, (labels[rated], bidx[rated]), tt.ratings[rated])
    rated_n = np.zeros((k, len(brands)))
    np.add.at(rated_n, (labels[rated], bidx[rated]), 1)
    share = x / np.maximum(n, 1)
    lo, hi = wilson(x, n)
    ours_i = np.flatnonzero(is_ours & (n >= min_n))
    us = int(ours_i[0]) if len(ours_i) else -1
    comp = np.flatnonzero(~is_ours & (n >= min_n))
    p = np.full((k, len(brands)), np.nan)
    if us >= 0 and len(comp):
        for c_b in comp.tolist():
            p[:, c_b] = exact_p(x[:, c_b], np.full(k, n[c_b]), x[:, us], np.full(k, n[us]))
        pooled_x, pooled_n = x[:, comp].sum(axis=1), int(n[comp].sum())
        p[:, us] = exact_p(x[:, us], np.full(k, n[us]), pooled_x, np.full(k, pooled_n))
        p[[r["kind"] != "pain" for r in rows]] = np.nan  # only a pain can be a weak point: the others are not tested
    adjusted = np.full_like(p, np.nan)
    tested = np.isfinite(p)
    if tested.any():
        adjusted[tested] = holm(p[tested])
    doc_themes: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    ours_weak: list[dict[str, Any]] = []
    for t in range(k):
        cells = []
        for b, brand in enumerate(brands):
            shown = n[b] >= min_n
            cells.append(
                {
                    "brand": brand,
                    "share": round(float(share[t, b]), 4) if shown else None,
                    "ci_low": round(float(lo[t, b]), 4) if shown else None,
                    "ci_high": round(float(hi[t, b]), 4) if shown else None,
                    "n": int(x[t, b]) if shown else None,
                    "mean_rating": round(float(rating_sum[t, b] / rated_n[t, b]), 2)
                    if shown and rated_n[t, b]
                    else None,
                    "lift": _lift(share[t, b], share[t, us]) if shown and us >= 0 and b != us else None,
                    "p_adjusted": None if not np.isfinite(adjusted[t, b]) else float(f"{adjusted[t, b]:.3g}"),
                }
            )
        doc_themes.append(
            {
                "theme": t,
                "label": rows[t]["name"],
                "kind": rows[t]["kind"],
                "merged": rows[t]["merged"],
                "brands": cells,
            }
        )
        if rows[t]["kind"] != "pain" or us < 0:
            continue
        for b in comp.tolist():
            if not adjusted[t, b] < ALPHA:
                continue
            worse = share[t, b] > share[t, us]
            side = int(b) if worse else us
            item = {
                "brand": brands[b],
                "label": rows[t]["name"],
                "theme": t,
                "themes": rows[t]["themes"],
                "share": round(float(share[t, b]), 4),
                "our_share": round(float(share[t, us]), 4),
                "n": int(x[t, b]),
                "our_n": int(x[t, us]),
                "lift": _lift(share[t, b], share[t, us]),
                "p_adjusted": float(f"{adjusted[t, b]:.3g}"),
                "quotes": theme_quotes(tt.bodies, themes, bidx, side, t, quotes, labels=labels, sentiment=tt.sentiment),
            }
            (theirs if worse else ours_weak).append(item)
    order = lambda w: (w["p_adjusted"], w["brand"], w["label"])  # noqa: E731
    return {
        "brands": [
            {"brand": b, "ours": bool(is_ours[i]), "n": int(n[i]), "compared": bool(n[i] >= min_n), **_sources(tt, b)}
            for i, b in enumerate(brands)
        ],
        "themes": doc_themes,
        "their_weak_points": sorted(theirs, key=order),
        "our_weak_points": sorted(ours_weak, key=order),
        "accounting": accounting,
        "method": {
            "test": "conditional exact test per theme x brand (competitor vs us; us vs competitors pooled)",
            "adjustment": "Holm over the pain themes' theme x brand cells (the only ones tested)",
            "alpha": ALPHA,
            "min_group_size": min_n,
            "kinds": list(COMPARED),
        },
    }


def merged(tt: TextThemes) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The themes as compared: one row per theme of the run (name, kind, the run's themes it holds).

    Near-duplicate wordings are not joined here: on the planted texts the centre-and-stem test of
    :mod:`personacraft.text.merge` also joins different complaints that share a word ("Shipping took
    two weeks" and "Shipping costs are too high" at a cosine above 0.6), which would hide a weak
    point; each wording is tested on its own (docs/competitors.md).
    """
    assert tt.themes is not None
    rows = [{"name": r["name"], "kind": r["kind"], "themes": [int(r["theme"])], "merged": []} for r in tt.theme_rows]
    return tt.themes.labels, rows


def _ours(tt: TextThemes, brand: str) -> bool:
    m = tt.brands == brand
    return bool(tt.ours[m].any()) if m.any() else False


def _sources(tt: TextThemes, brand: str) -> dict[str, Any]:
    m = tt.brands == brand
    kinds = sorted({str(k) for k, on in zip(tt.kinds, m, strict=True) if on})
    return {"source": ", ".join(kinds)}


def _mean(total: float, n: float) -> float | None:
    return round(float(total / n), 2) if n else None


def _lift(a: float, b: float) -> float | None:
    return round(float(a / b), 3) if b > 0 else None
