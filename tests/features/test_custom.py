"""The families of [sources.features]: rare values folded, ordinal levels merged, numbers binned, mapped alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from personacraft.config import FeatureSpec
from personacraft.errors import ConfigError
from personacraft.features.custom import CustomFamilies, build_custom, merge_small, natural_key
from personacraft.store import Run, Workspace

MIN = 5


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A run holding identity, empty built-in features and the custom values of 40 customers."""
    ws = Workspace(tmp_path / "ws.duckdb")
    r = ws.new_run(config_hash="t", config={}, inputs=[], version="test")
    r.execute(
        f"CREATE TABLE {r.t('identity')} AS SELECT 'id:c' || i AS node, 'c' || i AS customer_key FROM range(40) t(i)"
    )
    r.execute(f"CREATE TABLE {r.t('feature_counts')} (customer_key VARCHAR, family VARCHAR, value VARCHAR, n DOUBLE)")
    r.execute(f"INSERT INTO {r.t('feature_counts')} VALUES ('c0', 'device', 'mobile', 1)")
    r.execute(
        f"CREATE TABLE {r.t('attributes')} (customer_key VARCHAR, feature VARCHAR, value VARCHAR, source VARCHAR)"
    )
    # Use case: A x20, B x16, C x3, D x1 (C and D together are 4 < MIN: "other" is dropped);
    # Team size: 1-10 x18, 11-50 x2, 51-200 x20 (11-50 merges with its smaller neighbour, 1-10);
    # Seats: i for customer i, and "n/a" once (not a number); c39 holds an old and a new Use case in one file
    r.execute(
        f"""INSERT INTO {r.t("custom_attributes")}
        SELECT 'c' || i, NULL, 'Use case',
               CASE WHEN i < 20 THEN 'A' WHEN i < 36 THEN 'B' WHEN i < 39 THEN 'C' ELSE 'D' END, 'src', 'f.csv', i + 2
        FROM range(40) t(i)
        UNION ALL SELECT 'c39', NULL, 'Use case', 'A', 'src', 'f.csv', 1
        UNION ALL SELECT 'c' || i, NULL, 'Team size',
               CASE WHEN i < 18 THEN '1-10' WHEN i < 20 THEN '11-50' ELSE '51-200' END, 'src', 'f.csv', i + 2
        FROM range(40) t(i)
        UNION ALL SELECT 'c' || i, NULL, 'Seats', CASE WHEN i = 0 THEN 'n/a' ELSE CAST(i AS VARCHAR) END,
               'src', 'f.csv', i + 2 FROM range(40) t(i)"""
    )
    yield r
    ws.close()


SPECS = {
    "Use case": FeatureSpec("Use case", "categorical"),
    "Team size": FeatureSpec("Team size", "ordinal"),
    "Seats": FeatureSpec("Seats", "numeric"),
}


def test_natural_order_and_merging() -> None:
    assert sorted(["51-200", "1-10", "201-1000", "11-50", "1000+"], key=natural_key) == [
        "1-10", "11-50", "51-200", "201-1000", "1000+"
    ]  # fmt: skip
    assert merge_small([20, 2, 20], 5) == [[0, 1], [2]]
    assert merge_small([20, 6, 2], 5) == [[0], [1, 2]]
    assert merge_small([1, 1], 5) == [[0, 1]]  # still small: the caller drops it
    assert merge_small([], 5) == []


def test_values_are_folded_merged_and_binned(run: Run) -> None:
    summary = build_custom(run, SPECS, min_group=MIN)
    counts = {
        (f, v): int(n)
        for f, v, n in run.execute(
            f"SELECT family, value, count(*) FROM {run.t('feature_counts')} WHERE family <> 'device' GROUP BY ALL"
        ).fetchall()
    }
    # the newest line wins within a source: c39's Use case is D (line 41), not A (line 1)
    assert counts[("Use case", "A")] == 20 and counts[("Use case", "B")] == 16
    assert ("Use case", "other") not in counts and summary["Use case"]["without_published_value"] == 4
    assert counts[("Team size", "1-10 to 11-50")] == 20 and counts[("Team size", "51-200")] == 20
    seats = {v: n for (f, v), n in counts.items() if f == "Seats"}
    assert sum(seats.values()) == 39 and summary["Seats"]["unparsed"] == 1
    assert min(seats.values()) >= MIN
    assert all(n >= MIN for n in counts.values())
    # traits are profiled on the same values, labelled with the column as written
    features = {r[0] for r in run.execute(f"SELECT DISTINCT feature FROM {run.t('attributes')}").fetchall()}
    assert features == {"Use case", "Team size", "Seats"}

    custom = CustomFamilies.load(run)
    assert custom.value("Team size", "11-50") == "1-10 to 11-50"
    assert custom.value("Use case", "A") == "A" and custom.value("Use case", "C") == "C"  # not published: unknown
    bins = sorted(seats)
    assert custom.value("Seats", "0") == next(b for b in bins if b.startswith("under"))
    assert custom.value("Seats", "1,000") == next(b for b in bins if b.endswith("and more"))
    assert custom.numeric("Seats") and not custom.numeric("Use case")
    assert custom.value("device", "mobile") == "mobile"
    # the same mapping in SQL, for assign files of any size
    run.execute(
        "CREATE TEMP TABLE _in AS SELECT * FROM (VALUES ('x', 'Team size', '11-50', 1.0), ('x', 'Seats', '1000', 1.0),"
        " ('x', 'device', 'mobile', 1.0), ('x', 'Use case', 'B', 1.0)) t(customer_key, family, value, n)"
    )
    custom.remap(run, "_in")
    got = {r[1]: r[2] for r in run.execute("SELECT * FROM _in").fetchall()}
    assert got == {
        "Team size": "1-10 to 11-50",
        "Seats": custom.value("Seats", "1000"),
        "device": "mobile",
        "Use case": "B",
    }


def test_rare_categories_fold_into_other(run: Run) -> None:
    build_custom(run, SPECS, min_group=4)  # C (3) and D (1) are rare, together 4: "other" is published
    custom = CustomFamilies.load(run)
    assert custom.value("Use case", "C") == "other" and custom.value("Use case", "D") == "other"
    assert custom.value("Use case", "never seen") == "other"


def test_a_family_may_not_take_a_built_in_name(run: Run) -> None:
    with pytest.raises(ConfigError, match='built-in feature of this build is called "device"'):
        build_custom(run, {"Device": FeatureSpec("Device", "categorical")}, min_group=MIN)


def test_an_explicit_order_leaves_other_values_out(run: Run) -> None:
    spec = FeatureSpec("Team size", "ordinal", ("51-200", "1-10"))
    summary = build_custom(run, {"Team size": spec}, min_group=MIN)
    assert summary["Team size"]["without_published_value"] == 2  # the two "11-50", not in the order
    ranks = run.execute(
        f"SELECT value, rank FROM {run.t('custom_families')} WHERE value IS NOT NULL ORDER BY rank"
    ).fetchall()
    assert [v for v, _ in ranks] == ["51-200", "1-10"]
