"""The retail demo written in chunks: one header per file, ids unique across chunks, one events shard per chunk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest

from personacraft.demo import chunks, generate


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_sizes_and_streams() -> None:
    assert chunks.sizes(60_000, 25_000) == [25_000, 25_000, 10_000]
    assert chunks.sizes(500) == [500]
    # the first chunk draws from the demo's own stream: a demo of one chunk is what it always was
    assert chunks.stream(7, 0).random() == np.random.default_rng(7).random()
    assert chunks.stream(7, 1).random() != chunks.stream(7, 2).random()


@pytest.mark.slow  # writes a demo (about 3 s)
def test_a_chunked_demo_keeps_ids_unique_and_its_files_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(chunks, "sizes", lambda total, chunk=chunks.CHUNK: [120, 120, total - 240])
    generate("retail", tmp_path, 300, 4, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(120, 300), (240, 300), (300, 300)]
    d = tmp_path / "data"
    assert sorted(p.name for p in (d / "ga4").iterdir()) == [f"events_00{i}.ndjson" for i in range(3)]
    assert "(300 customers, seed 4)" in (tmp_path / "personacraft.toml").read_text(encoding="utf-8")
    con = duckdb.connect()
    csv = "read_csv('{}', all_varchar = true)"
    customers = con.execute(
        f'SELECT count(*), count(DISTINCT "Customer ID"), count(DISTINCT "Email"), count(DISTINCT "Phone"), '
        f'count("Phone") FROM {csv.format(d / "customers_export.csv")}'
    ).fetchall()[0]
    assert customers[:3] == (300, 300, 300) and customers[3] == customers[4]
    orders = con.execute(
        f'SELECT count(DISTINCT "Name"), count("Id"), count(DISTINCT "Id") FROM {csv.format(d / "orders_export.csv")}'
    ).fetchall()[0]
    assert orders[0] == orders[1] == orders[2] > 300
    for name in ("customers_export.csv", "orders_export.csv", "judgeme_reviews.csv", "typeform_responses.csv"):
        header = (d / name).read_text(encoding="utf-8").splitlines()[0]
        assert (d / name).read_text(encoding="utf-8").count(header + "\n") == 1, name
    ga4 = f"read_json('{d / 'ga4' / '*.ndjson'}', columns = {{'user_pseudo_id': 'VARCHAR', 'user_id': 'VARCHAR'}})"
    cookies = con.execute(
        f"SELECT count(DISTINCT user_pseudo_id), count(DISTINCT (user_pseudo_id, user_id)) FILTER "
        f"(WHERE user_id IS NOT NULL), count(DISTINCT user_id) FROM {ga4}"
    ).fetchall()[0]
    assert cookies[1] == cookies[2]  # each customer's cookie is theirs alone across chunks
    truth = con.execute(f"SELECT count(DISTINCT customer_id) FROM {csv.format(tmp_path / 'ground_truth.csv')}")
    assert truth.fetchall()[0][0] == 300
    # writing again into the same folder gives the same bytes (stale shards are removed first)
    before = _digest(tmp_path)
    generate("retail", tmp_path, 300, 4)
    assert _digest(tmp_path) == before
