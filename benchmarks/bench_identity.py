"""Identity resolution: the deterministic rules against Splink on a fixture with a ground truth.

    .venv/bin/python benchmarks/bench_identity.py                      # 3,000 people, seed 1
    .venv/bin/python benchmarks/bench_identity.py --people 10000 --seed 2
    unshare -rn .venv/bin/python benchmarks/bench_identity.py          # proves it runs without network

The fixture (Faker, seeded) holds people with a shop account (``shopify:`` ids), some of them also
in a CRM (``hubspot:`` ids) and some with guest records (no id). Duplicates carry a second email,
typos in names and an abbreviated street; families share a surname, an address and often a
landline (the hard negatives). Every record knows its person: a link is true when both records
belong to one person. Figures are over record pairs put in one customer: precision, recall, and
the true links found. Methods:

* ``rules``: personacraft's identity resolution (``unify``), precedence and all;
* ``splink``: Splink (``pip install 'personacraft[linkage]'``) alone, clustered at each threshold;
* ``rules+splink``: Splink's matches fed into ``unify`` as links under the same precedence (a link
  never joins two ids of one system), which is what ``[identity] method = "splink"`` would do.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from faker import Faker

from personacraft.store import Workspace
from personacraft.unify import keyed, unify

FIELDS = ("rec", "person", "customer_id", "email", "first_name", "last_name", "phone", "street", "city", "postcode")
THRESHOLDS = (0.9, 0.999, 0.99999, 0.9999999)
NAME_M = [0.85, 0.08, 0.03, 0.02, 0.02]  # exact, Jaro-Winkler >= 0.92, >= 0.88, >= 0.7, other


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 2)
    return rng.choice([s[:i] + s[i + 1] + s[i] + s[i + 2 :], s[:i] + s[i + 1 :], s[:i] + s[i] + s[i:]])


def fixture(people: int, seed: int) -> list[dict[str, Any]]:
    """Records with their person; deterministic for ``(people, seed)``."""
    fake = Faker("en_US")
    Faker.seed(seed)
    rng = random.Random(seed)
    persons: list[dict[str, Any]] = []
    while len(persons) < people:
        last = fake.last_name()
        home = {"street": fake.street_address(), "city": fake.city(), "postcode": fake.postcode()}
        landline = fake.numerify("+1##########") if rng.random() < 0.6 else None
        size = rng.choice([1] * 8 + [2, 3])  # one in five households has several people
        for _ in range(size):
            first = fake.first_name()
            n = len(persons)
            persons.append(
                {
                    "person": n,
                    "first_name": first,
                    "last_name": last,
                    **home,
                    "phone": landline if size > 1 and landline else fake.numerify("+1##########"),
                    "email": f"{first}.{last}{n}@{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com'])}".lower(),
                    "email2": f"{first[0]}{last}{n}@{rng.choice(['work.io', 'corp.com', 'icloud.com'])}".lower(),
                }
            )
    records: list[dict[str, Any]] = []

    def add(p: dict[str, Any], customer_id: str | None, email: str, *, typo: bool, phone: bool, street: bool) -> None:
        records.append(
            {
                "rec": len(records) + 1,
                "person": p["person"],
                "customer_id": customer_id,
                "email": email,
                "first_name": _typo(rng, p["first_name"]) if typo and rng.random() < 0.5 else p["first_name"],
                "last_name": _typo(rng, p["last_name"]) if typo and rng.random() < 0.5 else p["last_name"],
                "phone": p["phone"] if phone else None,
                "street": (p["street"].replace("Street", "St").replace("Avenue", "Ave") if street else p["street"]),
                "city": p["city"],
                "postcode": p["postcode"],
            }
        )

    for p in persons:
        n = p["person"]
        if rng.random() < 0.85:
            add(p, f"shopify:{1000 + n}", p["email"], typo=False, phone=rng.random() < 0.7, street=False)
        if rng.random() < 0.4:  # the CRM: half under the work email, some typos, a phone on half
            email = p["email2"] if rng.random() < 0.5 else p["email"]
            add(p, f"hubspot:{5000 + n}", email, typo=rng.random() < 0.3, phone=rng.random() < 0.5, street=True)
        if rng.random() < 0.25:  # guest checkouts: no id, another email now and then
            email = p["email2"] if rng.random() < 0.4 else p["email"]
            add(p, None, email, typo=rng.random() < 0.2, phone=False, street=rng.random() < 0.5)
    return records


def rules(records: Sequence[dict[str, Any]], root: Path, links: str | None = None) -> dict[int, str]:
    """record → customer key by personacraft's identity resolution (``links``: extra matched pairs)."""
    with Workspace(root / f"bench-{links is not None}.duckdb") as ws:
        run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
        cols = ("customer_id", "email", "phone", "first_name", "last_name", "city", "rec")
        rows = [tuple(r[c] for c in cols) for r in records]
        run.con.executemany(
            f"INSERT INTO {run.t('customers')} (customer_id, email, phone, first_name, last_name, city, _line, "
            "country, _source, _file) VALUES (?, ?, ?, ?, ?, ?, ?, 'US', 'f', 'f')",
            rows,
        )
        if links is not None:
            run.con.register("_pairs", duckdb.sql(links).df())
        unify(run, links=None if links is None else "SELECT * FROM _pairs")
        return dict(run.execute(f"SELECT _line, customer_key FROM {keyed(run, 'customers')}").fetchall())


def splink_pairs(records: Sequence[dict[str, Any]], seed: int) -> duckdb.DuckDBPyRelation:
    """Splink's scored pairs (``rec_l``, ``rec_r``, ``match_probability``) over the records."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.DataFrame(records).rename(columns={"rec": "unique_id"}).drop(columns=["person", "customer_id"])
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            # starting m values (EM refines those it sees): a person's records rarely disagree on a name
            cl.NameComparison("first_name").configure(m_probabilities=NAME_M),
            cl.NameComparison("last_name").configure(m_probabilities=NAME_M),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.LevenshteinAtThresholds("street", [2, 5]),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("postcode"),
            block_on("last_name", "first_name"),
        ],
    )
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("first_name", "last_name", "postcode")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    predicted = linker.inference.predict(threshold_match_probability=min(THRESHOLDS)).as_pandas_dataframe()
    out = predicted[["unique_id_l", "unique_id_r", "match_probability"]].rename(
        columns={"unique_id_l": "rec_l", "unique_id_r": "rec_r"}
    )
    return duckdb.from_df(out)


def score(records: Sequence[dict[str, Any]], cluster: dict[int, Any]) -> dict[str, float]:
    """Pairwise precision and recall of ``cluster`` (record → cluster) against the persons."""
    con = duckdb.connect()
    con.execute("CREATE TABLE r (rec INTEGER, person INTEGER, c VARCHAR)")
    con.executemany("INSERT INTO r VALUES (?, ?, ?)", [(x["rec"], x["person"], cluster.get(x["rec"])) for x in records])
    pairs = "SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM r {where} GROUP BY {by})"
    t, f, h = (
        float(con.execute(pairs.format(where=w, by=by)).fetchone()[0])  # type: ignore[index]
        for w, by in (("", "person"), ("WHERE c IS NOT NULL", "c"), ("WHERE c IS NOT NULL", "c, person"))
    )
    return {"true_links": t, "links": f, "found": h, "precision": h / f if f else 1.0, "recall": h / t if t else 1.0}


def components(records: Sequence[dict[str, Any]], pairs: duckdb.DuckDBPyRelation, threshold: float) -> dict[int, int]:
    """Splink alone: connected components of its pairs at ``threshold`` (union-find over the few pairs)."""
    parent = {r["rec"]: r["rec"] for r in records}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in duckdb.sql(f"SELECT rec_l, rec_r FROM pairs WHERE match_probability >= {threshold}").fetchall():
        ra, rb = find(int(a)), find(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    return {r: find(r) for r in parent}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    records = fixture(args.people, args.seed)
    print(f"fixture: {args.people} people, {len(records)} records, seed {args.seed}")
    rows: list[tuple[str, dict[str, float], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rows.append(("rules", score(records, rules(records, Path(tmp))), time.perf_counter() - t0))
        try:
            t0 = time.perf_counter()
            pairs = splink_pairs(records, args.seed)
            fit = time.perf_counter() - t0
        except ImportError:
            print("splink is not installed (pip install 'personacraft[linkage]'): rules only")
            pairs = None
        if pairs is not None:
            import pandas as pd

            duckdb.register("pairs", pairs.df())
            duckdb.register("recs", pd.DataFrame(records))
            recs = "SELECT rec, customer_id, email FROM recs"
            for th in THRESHOLDS:
                rows.append((f"splink >= {th}", score(records, components(records, pairs, th)), fit))
                # the records' strongest keys, as unify's links want them
                hub = "coalesce('id:' || {t}.customer_id, 'email:' || {t}.email)"
                links = (
                    f"SELECT {hub.format(t='a')} AS a, {hub.format(t='b')} AS b FROM pairs p "
                    f"JOIN ({recs}) a ON a.rec = p.rec_l JOIN ({recs}) b ON b.rec = p.rec_r "
                    f"WHERE p.match_probability >= {th}"
                )
                t0 = time.perf_counter()
                (Path(tmp) / str(th)).mkdir()
                combined = rules(records, Path(tmp) / str(th), links)
                rows.append((f"rules+splink >= {th}", score(records, combined), fit + time.perf_counter() - t0))
    print(f"{'method':<22} {'true links':>10} {'found':>7} {'links':>7} {'precision':>9} {'recall':>7} {'seconds':>8}")
    for name, s, sec in rows:
        print(
            f"{name:<22} {s['true_links']:>10.0f} {s['found']:>7.0f} {s['links']:>7.0f} "
            f"{s['precision']:>9.3f} {s['recall']:>7.3f} {sec:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
