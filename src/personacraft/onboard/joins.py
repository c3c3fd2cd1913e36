"""How the files join: which columns share values across files, with the match rate of each pair.

Email columns are compared as emails (trimmed, lower case), id columns as ids (trimmed, lower
case, without the leading apostrophe spreadsheets add). The distinct values of every key column
of every file go into one DuckDB table; one self-join counts the shared values of every pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from personacraft.onboard.files import Candidate
from personacraft.onboard.profile import Profile
from personacraft.sources.columns import lit, q

NOT_A_PERSON = ("anonymous", "pseudo", "session", "message", "product", "sku", "ip", "network", "stream", "variant")


@dataclass(frozen=True)
class Join:
    """Two columns of two files that share values: how many, and the share of each side found in the other."""

    left: str  # file as shown
    left_column: str
    right: str
    right_column: str
    what: str  # email | id
    shared: int
    left_rate: float  # share of the left column's distinct values found on the right
    right_rate: float

    @property
    def rate(self) -> float:
        return max(self.left_rate, self.right_rate)


def key_columns(profiles: dict[str, Profile]) -> dict[str, str]:
    """The columns of a file worth joining on: column -> email | id."""
    out: dict[str, str] = {}
    for c, p in profiles.items():
        name = c.lower()
        if p.n == 0 or any(w in name for w in NOT_A_PERSON):
            continue
        if p.email >= 0.8:
            out[c] = "email"
        elif (
            p.id_like >= 0.8
            and p.date < 0.2
            and p.fraction < 0.1
            and p.distinct >= 2
            and (
                "id" in name.replace(".", " ").split()
                or name.endswith(("id", "_id", " id", "ids", "(primary)"))
                or "customer" in name
                or "user" in name
                or "kunde" in name
                or "client" in name
            )
        ):
            out[c] = "id"
    return out


def norm(column: str, what: str) -> str:
    v = f"lower(trim({q(column)}))"
    if what == "id":
        v = f"ltrim({v}, '''')"
    return f"nullif({v}, '')"


def find_joins(con: duckdb.DuckDBPyConnection, files: list[tuple[Candidate, dict[str, str]]]) -> list[Join]:
    """Every pair of key columns of two different files that share values (at least one, and 5 % of a side)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _keys (f INTEGER, c VARCHAR, what VARCHAR, v VARCHAR)")
    for i, (cand, keys) in enumerate(files):
        for col, what in keys.items():
            con.execute(
                f"INSERT INTO _keys SELECT DISTINCT {i}, {lit(col)}, {lit(what)}, {norm(col, what)} AS v "
                f"FROM {cand.view} WHERE v IS NOT NULL"
            )
    rows = con.execute(
        """
        WITH n AS (SELECT f, c, count(*) AS n FROM _keys GROUP BY f, c),
        pairs AS (
            SELECT a.f AS fa, a.c AS ca, b.f AS fb, b.c AS cb, a.what, count(*) AS shared
            FROM _keys a JOIN _keys b ON a.v = b.v AND a.what = b.what AND a.f < b.f
            GROUP BY ALL
        )
        SELECT p.fa, p.ca, p.fb, p.cb, p.what, p.shared, p.shared / na.n, p.shared / nb.n
        FROM pairs p JOIN n na ON na.f = p.fa AND na.c = p.ca JOIN n nb ON nb.f = p.fb AND nb.c = p.cb
        WHERE p.shared / least(na.n, nb.n) >= 0.05
        ORDER BY p.fa, p.fb, p.shared DESC, p.ca, p.cb
        """
    ).fetchall()
    return [
        Join(files[fa][0].display, ca, files[fb][0].display, cb, what, int(n), round(float(ra), 3), round(float(rb), 3))
        for fa, ca, fb, cb, what, n, ra, rb in rows
    ]
