"""What the values of each column look like, from a sample: emails, dates, money, ids, few distinct values.

One DuckDB query per file profiles every column of its sample (no Python loop over rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from personacraft.onboard.files import Candidate
from personacraft.sources.columns import ANY_DATE, lit, q
from personacraft.unify import EMAIL_RE

# an amount: digits with optional thousands separators, cents, a sign and a currency symbol or code
MONEY = r"^-?\s*[$€£¥]?\s*-?([0-9]+|[0-9]{1,3}([.,' ][0-9]{3})+)([.,][0-9]{1,4})?\s*([$€£¥]|EUR|USD|GBP|CHF)?$"
DATE_FORMATS = "[" + ", ".join(lit(f) for f in ANY_DATE) + "]"


@dataclass(frozen=True)
class Profile:
    """Shares of a column's non-empty sample values that look like each thing (0..1)."""

    column: str
    filled: float  # non-empty share of the sample rows
    n: int  # non-empty values
    distinct: int
    email: float
    date: float
    money: float
    integer: float
    fraction: float  # numbers with a fractional part
    id_like: float  # one token of letters and digits with a digit, no spaces
    avg_len: float
    top: tuple[str, ...] = ()  # the most common values, for few-valued columns

    @property
    def unique(self) -> float:
        return self.distinct / self.n if self.n else 0.0


def profile(con: duckdb.DuckDBPyConnection, cand: Candidate) -> dict[str, Profile]:
    """A :class:`Profile` of every column of the candidate's sample."""
    sample = cand.sample
    parts = []
    for c in cand.columns:
        v = f"nullif(trim({q(c)}), '')"
        num = f"try_cast({v} AS DOUBLE)"
        parts.append(
            f"count({v}), count(DISTINCT {v}), "
            f"count(*) FILTER (WHERE regexp_matches(lower({v}), '{EMAIL_RE}')), "
            f"count(*) FILTER (WHERE try_strptime({v}, {DATE_FORMATS}) IS NOT NULL), "
            f"count(*) FILTER (WHERE regexp_matches({v}, {lit(MONEY)})), "
            f"count(*) FILTER (WHERE regexp_matches({v}, '^-?[0-9]+$')), "
            f"count(*) FILTER (WHERE {num} IS NOT NULL AND {num} <> floor({num})), "
            f"count(*) FILTER (WHERE regexp_matches({v}, '^''?[A-Za-z0-9_#:.\\-]*[0-9][A-Za-z0-9_#:.\\-]*$')), "
            f"coalesce(avg(length({v})), 0)"
        )
    if not parts:
        return {}
    row = con.execute(f"SELECT count(*), {', '.join(parts)} FROM {sample}").fetchone() or ()
    total = int(row[0]) if row else 0
    out: dict[str, Profile] = {}
    tops = _tops(con, cand, sample)
    for i, c in enumerate(cand.columns):
        n, d, em, dt, mo, it, fr, idl, ln = row[1 + 9 * i : 10 + 9 * i]
        n = int(n)
        share = _shares(n)
        out[c] = Profile(
            c,
            n / total if total else 0.0,
            n,
            int(d),
            share(em),
            share(dt),
            share(mo),
            share(it),
            share(fr),
            share(idl),
            float(ln),
            tops.get(c, ()),
        )
    return out


def _shares(n: int) -> Callable[[object], float]:
    """The share of ``n`` a count is (0 when ``n`` is 0)."""
    return lambda x: int(str(x)) / n if n else 0.0


def _tops(con: duckdb.DuckDBPyConnection, cand: Candidate, sample: str) -> dict[str, tuple[str, ...]]:
    """The (at most 8) most common values of each column that has at most 20 distinct values."""
    if not cand.columns:
        return {}
    # the distinct values themselves (sorted, so the order is deterministic); at most 20 per column
    row = con.execute(
        f"SELECT {', '.join(f'list_distinct(x{i})' for i in range(len(cand.columns)))} FROM (SELECT "
        + ", ".join(
            f"CASE WHEN count(DISTINCT {q(c)}) <= 20 THEN list(DISTINCT {q(c)}) "
            f"FILTER (WHERE nullif(trim({q(c)}), '') IS NOT NULL) END AS x{i}"
            for i, c in enumerate(cand.columns)
        )
        + f" FROM {sample})"
    ).fetchone()
    out = {}
    for c, values in zip(cand.columns, row or (), strict=False):
        if values:
            out[c] = tuple(sorted(str(v) for v in values)[:8])
    return out
