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
  never joins two ids of one system): ``[identity] method = "splink"`` with that ``match_threshold``.

Splink runs as the build runs it (``personacraft.unify.linkage``): on the customers table's first and
last name, email, phone and city (the fixture's street and postcode are not in the canonical table,
so neither method sees them).
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

from personacraft.errors import MissingExtraError
from personacraft.store import Run, Workspace
from personacraft.unify import keyed, unify
from personacraft.unify.linkage import linkage_records, score_pairs

FIELDS = ("rec", "person", "customer_id", "email", "first_name", "last_name", "phone", "street", "city", "postcode")
THRESHOLDS = (0.9, 0.999, 0.99999, 0.9999999)


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


def load(records: Sequence[dict[str, Any]], run: Run) -> None:
    """The fixture as the customers table of ``run`` (what the customer sources of a build would write)."""
    cols = ("customer_id", "email", "phone", "first_name", "last_name", "city", "rec")
    run.con.executemany(
        f"INSERT INTO {run.t('customers')} (customer_id, email, phone, first_name, last_name, city, _line, "
        "country, _source, _file) VALUES (?, ?, ?, ?, ?, ?, ?, 'US', 'f', 'f')",
        [tuple(r[c] for c in cols) for r in records],
    )


def resolve(run: Run, links: str | None = None) -> dict[int, str]:
    """record → customer key by personacraft's identity resolution (``links``: SQL of matched pairs)."""
    unify(run, links=links)
    return dict(run.execute(f"SELECT _line, customer_key FROM {keyed(run, 'customers')}").fetchall())


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


def splink_alone(run: Run, threshold: float) -> dict[int, str]:
    """Splink alone: records in connected components of its pairs at ``threshold`` (over their strongest keys)."""
    hubs = dict(
        run.execute(
            f"SELECT _line, coalesce('id:' || customer_id, 'email:' || email) FROM {run.t('customers')}"
        ).fetchall()
    )
    parent = {h: h for h in hubs.values()}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in run.execute(f"SELECT hub_l, hub_r FROM _pairs WHERE match_probability >= {threshold}").fetchall():
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {rec: find(h) for rec, h in hubs.items()}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    records = fixture(args.people, args.seed)
    print(f"fixture: {args.people} people, {len(records)} records, seed {args.seed}")
    rows: list[tuple[str, dict[str, float], float]] = []
    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "bench.duckdb") as ws:
        run = ws.new_run(config_hash="bench", config={}, inputs=[], version="bench")
        load(records, run)
        t0 = time.perf_counter()
        rows.append(("rules", score(records, resolve(run)), time.perf_counter() - t0))
        try:
            t0 = time.perf_counter()
            run.con.register("_pairs", score_pairs(run, linkage_records(run), args.seed))
            fit = time.perf_counter() - t0
        except MissingExtraError as exc:
            print(f"{exc}: rules only")
            fit = -1.0
        if fit >= 0:
            n = run.scalar("SELECT count(*) FROM _pairs")
            print(f"splink: {n} scored pairs in {fit:.1f} s (training and prediction)")
            for th in THRESHOLDS:
                rows.append((f"splink >= {th}", score(records, splink_alone(run, th)), fit))
                t0 = time.perf_counter()
                links = f"SELECT hub_l AS a, hub_r AS b FROM _pairs WHERE match_probability >= {th}"
                combined = resolve(run, links)
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
