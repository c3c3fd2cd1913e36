"""The feature families declared in ``[sources.features]``: their published values, decided once per build.

A declared column is a family named after the column as written (``Use case``), in the counts
segmentation reads and in the attributes traits are profiled on, so it flows through personas,
``explain``, ``assign`` and the API like a built-in family. Its values:

- **categorical**: the values as written; a value held by fewer than ``min_group`` customers is
  folded into ``other``;
- **ordinal**: the values in their declared ``order``, else in natural order (numbers inside a value
  compare as numbers: ``2-10`` before ``11-50``); a level held by fewer than ``min_group`` customers
  is merged with its smaller neighbour (``11-50 to 51-200``). A value outside a declared order is no
  value, and counted;
- **numeric**: cut at the quartiles of the customers' numbers (``under 120``, ``120 to 450``,
  ``450 and more``; a bound belongs to the band above it); a band under ``min_group`` is merged
  with its smaller neighbour. A value that is not a number is no value, and counted.

A customer with no value is missing from the family, as from a built-in one. No published
value covers fewer than ``min_group`` customers: a value still under it after folding (``other``
itself) is dropped, and counted. The decisions are stored in the run (``custom_families``), and
:class:`CustomFamilies` maps an ``assign`` input's raw values the same way.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from personacraft.config import Config, FeatureSpec
from personacraft.errors import ConfigError
from personacraft.features import custom_sql as sql
from personacraft.sources.columns import lit
from personacraft.store import Run
from personacraft.unify import node_sql

QUANTILES = (0.25, 0.5, 0.75)  # the cuts of a numeric family
TABLE = "custom_families"
COLUMNS = {
    "family": "VARCHAR",
    "type": "VARCHAR",
    "value": "VARCHAR",  # the published value (NULL: dropped)
    "rank": "INTEGER",  # ordinal and numeric: the value's place, lowest first
    "raw": "VARCHAR",  # categorical and ordinal: the value as written
    "lo": "DOUBLE",  # numeric: the band's bounds, lo <= x < hi
    "hi": "DOUBLE",
}
Row = tuple[str, str, str | None, int, str | None, float | None, float | None]


def declared(config: Config) -> dict[str, FeatureSpec]:
    """Every family of every source's ``[sources.features]``; one column declared by two sources is one family."""
    out: dict[str, FeatureSpec] = {}
    for i, src in enumerate(config.sources, 1):
        for spec in src.features.values():
            prev = out.get(spec.family)
            if prev is not None and (
                prev.type != spec.type or (prev.order and spec.order and prev.order != spec.order)
            ):
                raise ConfigError(
                    f'{config.path.name} [[sources]] #{i} [sources.features] "{spec.column}": declared as '
                    f"{spec.type!r} here and as {prev.type!r} (or with another order) in another source; "
                    "a family has one type and one order."
                )
            if prev is None or (spec.order and not prev.order):
                out[spec.family] = spec
    return out


def natural_key(value: str) -> tuple[tuple[int, float, str], ...]:
    """Sort key of the natural order: the numbers inside a value compare as numbers (``2-10`` < ``11-50``)."""
    parts = re.findall(r"\d+(?:\.\d+)?|\D+", value.casefold())
    return tuple((0, float(p), "") if p[0].isdigit() else (1, 0.0, p.strip()) for p in parts)


def fmt(x: float) -> str:
    """A bound as a label shows it: ``1,250``, ``0.35``."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def merge_small(sizes: Sequence[int], min_group: int) -> list[list[int]]:
    """Adjacent groups of levels (indices) each holding at least ``min_group``: the smallest under it is
    merged with its smaller neighbour until none is (a single group under it stays: the caller drops it)."""
    groups = [[i] for i in range(len(sizes))]
    n = [int(s) for s in sizes]
    while len(groups) > 1:
        small = [g for g in range(len(groups)) if n[g] < min_group]
        if not small:
            break
        g = min(small, key=lambda k: (n[k], k))
        if g == 0:
            other = 1
        elif g == len(groups) - 1:
            other = g - 1
        else:
            other = g - 1 if n[g - 1] <= n[g + 1] else g + 1
        a, b = sorted((g, other))
        groups[a : b + 1] = [groups[a] + groups[b]]
        n[a : b + 1] = [n[a] + n[b]]
    return groups


def _categorical(family: str, levels: list[tuple[str, int]], min_group: int) -> list[Row]:
    return [(family, "categorical", v if n >= min_group else "other", 0, v, None, None) for v, n in levels]


def _ordinal(spec: FeatureSpec, levels: list[tuple[str, int]], min_group: int) -> list[Row]:
    count = dict(levels)
    order = list(spec.order) if spec.order else sorted(count, key=natural_key)
    rows: list[Row] = [(spec.family, "ordinal", None, -1, v, None, None) for v in count if v not in order]
    sizes = [count.get(v, 0) for v in order]
    for rank, group in enumerate(merge_small(sizes, min_group)):
        names = [order[i] for i in group]
        label = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
        for v in names:
            rows.append((spec.family, "ordinal", label, rank, v, None, None))
    return rows


def _numeric_bins(cuts: Iterable[float], lo: float) -> list[tuple[float, float]]:
    bounds = sorted({float(c) for c in cuts if c is not None and float(c) > lo})
    edges = [-math.inf, *bounds, math.inf]
    return list(itertools.pairwise(edges))


def _bin_label(lo: float, hi: float) -> str:
    if math.isinf(lo) and math.isinf(hi):
        return "any"
    if math.isinf(lo):
        return f"under {fmt(hi)}"
    if math.isinf(hi):
        return f"{fmt(lo)} and more"
    return f"{fmt(lo)} to {fmt(hi)}"


def _write(run: Run, name: str, rows: Sequence[Row], *, temp: bool = False) -> str:
    """The rows as a table of the run (or a temp table); return its SQL name."""
    table = name if temp else run.t(name)
    cols = ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
    run.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {table} ({cols})")
    if rows:
        run.con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?)", [list(r) for r in rows])
    return table


def keyed_attributes(run: Run) -> str:
    """SQL subquery: the run's ``custom_attributes`` with each row's ``customer_key`` (NULL when none)."""
    ni, ne, _ = node_sql("r.customer_id", "r.email", "NULL")
    return (
        f"(SELECT r.*, idn.customer_key FROM {run.t('custom_attributes')} r "
        f"LEFT JOIN {run.t('identity')} idn ON idn.node = coalesce({ni}, {ne}))"
    )


def _check_names(run: Run, specs: Mapping[str, FeatureSpec]) -> None:
    """A declared family may not take the name of a built-in one (the two would be counted as one)."""
    taken = {
        str(r[0]).casefold(): str(r[0])
        for r in run.execute(
            f"SELECT DISTINCT family FROM {run.t('feature_counts')} UNION SELECT DISTINCT feature "
            f"FROM {run.t('attributes')}"
        ).fetchall()
    }
    for family in specs:
        if family.casefold() in taken:
            raise ConfigError(
                f'[sources.features] "{family}": a built-in feature of this build is called '
                f'"{taken[family.casefold()]}"; '
                "rename the column in the file (the family is named after it), or drop it from [sources.features]."
            )


def build_custom(run: Run, specs: Mapping[str, FeatureSpec], *, min_group: int) -> dict[str, dict[str, Any]]:
    """Add the declared families to ``feature_counts`` and ``attributes``; store their values in
    ``custom_families``. Returns per family what was kept and dropped (customers)."""
    if not specs:
        return {}
    _check_names(run, specs)
    t = run.t
    run.execute(sql.CUSTOM_RAW.format(out=t("custom_raw"), attributes_keyed=keyed_attributes(run)))
    types: list[Row] = [(f, s.type, None, 0, None, None, None) for f, s in specs.items()]
    families = _write(run, "_custom_types", types, temp=True)
    run.execute(sql.CUSTOM_NUMBERS.format(out=t("custom_numbers"), custom_raw=t("custom_raw"), families=families))
    rows: list[Row] = []
    named = [f for f, s in specs.items() if s.type != "numeric"]
    if named:
        levels: dict[str, list[tuple[str, int]]] = {}
        names = ", ".join(lit(f) for f in named)
        for family, value, n in run.execute(
            sql.CUSTOM_LEVELS.format(custom_raw=t("custom_raw"), names=names)
        ).fetchall():
            levels.setdefault(str(family), []).append((str(value), int(n)))
        for family in named:
            spec = specs[family]
            found = levels.get(family, [])
            rows += (
                _categorical(family, found, min_group)
                if spec.type == "categorical"
                else _ordinal(spec, found, min_group)
            )
    summary: dict[str, dict[str, Any]] = {f: {"type": s.type, "unparsed": 0} for f, s in specs.items()}
    numeric = [f for f, s in specs.items() if s.type == "numeric"]
    if numeric:
        cuts = "[" + ", ".join(str(q) for q in QUANTILES) + "]"
        stats = run.dicts(sql.CUSTOM_QUANTILES.format(custom_numbers=t("custom_numbers"), cuts=cuts))
        candidate: list[Row] = []
        for s in stats:
            summary[s["family"]]["unparsed"] = int(s["unparsed"] or 0)
            if s["lo"] is None:
                continue
            for b, (lo, hi) in enumerate(_numeric_bins(s["cuts"], float(s["lo"]))):
                candidate.append((s["family"], "numeric", None, b, None, lo, hi))
        bins = _write(
            run, "_custom_bins", [(f, ty, v, r, raw, lo, hi) for f, ty, v, r, raw, lo, hi in candidate], temp=True
        )
        sizes: dict[str, list[int]] = {}
        for family, _, n in run.execute(
            sql.CUSTOM_BIN_COUNTS.format(
                bins=f"(SELECT family, rank AS b, lo, hi FROM {bins})", custom_numbers=t("custom_numbers")
            )
        ).fetchall():
            sizes.setdefault(str(family), []).append(int(n))
        for family in numeric:
            edges = [(lo, hi) for f, _, _, _, _, lo, hi in candidate if f == family]
            for rank, group in enumerate(merge_small(sizes.get(family, []), min_group)):
                lo, hi = float(edges[group[0]][0] or 0.0), float(edges[group[-1]][1] or 0.0)
                rows.append((family, "numeric", _bin_label(lo, hi), rank, None, lo, hi))
    _publish(run, rows, min_group)
    for row in run.execute(
        f"SELECT family, value, count(DISTINCT customer_key) FROM {t('custom_values')} GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        summary[str(row[0])].setdefault("values", {})[str(row[1])] = int(row[2])
    for family, n in run.execute(
        f"SELECT family, count(DISTINCT customer_key) FROM {t('custom_raw')} GROUP BY 1"
    ).fetchall():
        if str(family) not in summary:
            continue
        kept = sum(summary[str(family)].get("values", {}).values())
        summary[str(family)].update(customers=int(n), without_published_value=max(int(n) - kept, 0))
    run.execute(sql.CUSTOM_FEATURE_COUNTS.format(feature_counts=t("feature_counts"), custom_values=t("custom_values")))
    run.execute(sql.CUSTOM_PROFILE_ATTRIBUTES.format(attributes=t("attributes"), custom_values=t("custom_values")))
    return summary


def _publish(run: Run, rows: list[Row], min_group: int) -> None:
    """Write ``custom_families`` and ``custom_values``; a value still under ``min_group`` customers is dropped."""
    t = run.t
    for _ in range(3):
        _write(run, TABLE, rows)
        run.execute(
            sql.CUSTOM_VALUES.format(
                out=t("custom_values"),
                custom_raw=t("custom_raw"),
                custom_numbers=t("custom_numbers"),
                families=t(TABLE),
            )
        )
        small = {
            (str(f), str(v))
            for f, v in run.execute(
                f"SELECT family, value FROM {t('custom_values')} GROUP BY ALL "
                f"HAVING count(DISTINCT customer_key) < {int(min_group)}"
            ).fetchall()
        }
        if not small:
            return
        rows = [(f, ty, None if (f, v) in small else v, r, raw, lo, hi) for f, ty, v, r, raw, lo, hi in rows]
    raise AssertionError("custom families: values under the minimum group size remain")  # pragma: no cover


@dataclass
class CustomFamilies:
    """The declared families of a run, to map an ``assign`` input's raw values as its build did."""

    rows: list[Row] = field(default_factory=list)
    _by_family: dict[str, list[Row]] = field(default_factory=dict, init=False, repr=False)
    _raw: dict[tuple[str, str], str] = field(default_factory=dict, init=False, repr=False)
    _published: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        for r in self.rows:
            family, ty, value, _, raw, _, _ = r
            self._by_family.setdefault(family, []).append(r)
            if value is not None:
                self._published.add((family, value))
                if ty != "numeric" and raw is not None:
                    self._raw[(family, raw)] = value

    @classmethod
    def load(cls, run: Run) -> CustomFamilies:
        """The run's ``custom_families`` (none for a run without declared families)."""
        if not run.has_table(TABLE):
            return cls()
        found = run.execute(f"SELECT {', '.join(COLUMNS)} FROM {run.t(TABLE)} ORDER BY family, rank, raw").fetchall()
        return cls([tuple(r) for r in found])

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def families(self) -> frozenset[str]:
        """The declared families (their values may need :meth:`value`)."""
        return frozenset(self._by_family)

    def numeric(self, family: str) -> bool:
        """Whether ``family`` is a numeric family of ``[sources.features]``."""
        mine = self._by_family.get(family, [])
        return bool(mine) and mine[0][1] == "numeric"

    def remap(self, run: Run, counts: str) -> None:
        """Map the values of table ``counts`` (customer_key, family, value, n) in place (SQL, any size)."""
        if not self.rows:
            return
        families = _write(run, "_custom_map", self.rows, temp=True)
        run.execute(sql.CUSTOM_ASSIGN_MAP.format(out="_custom_mapped", families=families, counts=counts))
        run.execute(f"CREATE OR REPLACE TEMP TABLE {counts} AS SELECT * FROM _custom_mapped")

    def value(self, family: str, given: str) -> str:
        """One raw value of ``family`` as the build published it (unchanged when it is not a declared family)."""
        mine = self._by_family.get(family)
        if not mine or (family, given) in self._published:
            return given
        if (family, given) in self._raw:
            return self._raw[(family, given)]
        if mine[0][1] == "numeric":
            try:
                x = float(given.replace(",", ""))
            except ValueError:
                return given
            for _, _, value, _, _, lo, hi in mine:
                if value is not None and lo is not None and hi is not None and lo <= x < hi:
                    return value
        if mine[0][1] == "categorical" and (family, "other") in self._published:
            return "other"
        return given
