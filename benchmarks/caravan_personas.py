"""Personas on a real customer table's attributes, declared in ``[sources.features]``, against the groups it carries.

    .venv/bin/python benchmarks/caravan_personas.py            # personas choose k; k-means at the same k
    .venv/bin/python benchmarks/caravan_personas.py --k 10     # k pinned to the 10 customer main types

The table is the sample of the Insurance Company Benchmark (CoIL 2000, ``ISLR::Caravan``) under
``tests/data/caravan/`` (README there; ``tests/features/caravan.py`` writes the workspace): 3,000
real customers, each with 41 sociodemographic attributes (coded 0-9, ordered bands) and the data
vendor's customer main type (``MOSHOOFD``, 10 groups) and subtype (``MOSTYPE``, 41). The build
sees the 41 attributes only, each declared ``ordinal``; the main type and subtype are left out
and used only to score the personas.

Agreement is the adjusted Rand index (ARI) and normalised mutual information (NMI) of each
clustering with ``MOSHOOFD``. Customers in no published persona count as one more group. The
comparison is k-means (scikit-learn, ``n_init=10``, the config's seed) at the number of segments
the personas found, on the same 41 attributes one-hot encoded and standardised.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.features.caravan import DATA, GROUPS, SEED, attributes, write_config  # noqa: E402


def scores(truth: np.ndarray, found: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return float(adjusted_rand_score(truth, found)), float(normalized_mutual_info_score(truth, found))


def main() -> None:
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import personacraft as pc

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=None, help="pin the number of personas (default: chosen)")
    ap.add_argument("--dir", type=Path, default=None, help="build in this folder (kept) instead of a temporary one")
    ap.add_argument("--scored", action="store_true", help="score the build already in --dir (no new build)")
    args = ap.parse_args()
    table = pd.read_csv(DATA, dtype=str)
    with tempfile.TemporaryDirectory(prefix="caravan-") as tmp:
        root = args.dir or Path(tmp)
        start = time.perf_counter()
        if args.scored:
            personas, out_dir = pc.PersonaSet.load(root / "out" / "personas.json"), root / "out"
        else:
            result = pc.build(write_config(root, k=args.k))
            personas, out_dir = result.personas, result.out_dir
        took = time.perf_counter() - start  # with --scored: reading only
        assigned = pd.read_csv(out_dir / "assignments.csv", dtype=str, keep_default_na=False)
    persona = dict(zip(assigned["customer_id"], assigned["persona_id"], strict=True))
    found = np.array([persona.get(c, "") or "none" for c in table["customer"]], dtype=object)
    k = len({p for p in found if p != "none"})
    print(f"{len(table):,} customers, {len(attributes())} attributes; personas: k = {k} "
          f"({(found == 'none').sum()} customers in no persona), build {took:.1f} s")  # fmt: skip
    X = table[attributes()].astype(int).to_numpy()
    onehot = OneHotEncoder(handle_unknown="ignore").fit_transform(X)
    standard = StandardScaler().fit_transform(X.astype(float))
    kmeans = {
        "k-means, one-hot": KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(onehot),
        "k-means, standardised": KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(standard),
    }
    print(f"{'clustering':<24} {'groups':>6}  " + "  ".join(f"{'ARI ' + g:>12} {'NMI ' + g:>12}" for g in GROUPS))
    for name, labels in {"personas": found, **kmeans}.items():
        cells = []
        for g in GROUPS:
            ari, nmi = scores(table[g].to_numpy(), np.asarray(labels).astype(str))
            cells.append(f"{ari:>12.3f} {nmi:>12.3f}")
        print(f"{name:<24} {len(set(np.asarray(labels).tolist())):>6}  " + "  ".join(cells))
    for p in personas:
        traits = "; ".join(f"{t.feature} = {t.value}" for t in p.traits[:4])
        print(f"  {p.id} {p.name} ({p.size}): {traits}")


if __name__ == "__main__":
    main()
