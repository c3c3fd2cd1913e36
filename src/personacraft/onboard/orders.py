"""What ``init`` proposes for the messy rows of an orders file: returns, postage and fees, test orders, currencies.

Each proposal is an option of a generic orders source (docs/sources.md, "Messy orders"), found from
the whole file in one DuckDB query per question, and each is written with a ``# CHECK:`` line that
says what was seen, because a wrong guess would move revenue:

- **returns**: order ids that start with letters where the others are digits, on rows whose
  quantity or amount is negative (``C536379`` in Online Retail) -> ``return_prefix``;
- **postage and fees**: SKUs without a digit where most SKUs have one (``POST``, ``DOT``,
  ``BANK CHARGES``) -> ``exclude_skus``;
- **test orders**: emails or customer ids that start with ``test`` -> ``test_pattern``;
- **currencies**: more than one -> ``currency`` (the most common one) and a note that the others
  need ``[sources.rates]`` or are kept apart.
"""

from __future__ import annotations

from typing import Any

import duckdb

from personacraft.onboard.files import Candidate
from personacraft.sources.columns import q

TEST_PATTERN = r"^test([^a-z]|$)"


def _negative(columns: dict[str, str]) -> str:
    """SQL: the row's quantity or amount is below zero."""
    parts = [
        f"try_cast(replace({q(columns[c])}, ',', '.') AS DOUBLE) < 0" for c in ("quantity", "amount") if c in columns
    ]
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def order_options(
    con: duckdb.DuckDBPyConnection, cand: Candidate, columns: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The options to propose for an orders entry mapped as ``columns`` (canonical -> file column), and the
    CHECK lines that say why."""
    options: dict[str, Any] = {}
    checks: list[str] = []
    view = cand.view
    if "order_id" in columns:
        oid = f"trim({q(columns['order_id'])})"
        rows = con.execute(
            f"""SELECT regexp_extract({oid}, '^([A-Za-z]+)[0-9]', 1) AS prefix, count(*) AS n,
                       count(*) FILTER (WHERE {_negative(columns)}) AS negative
                FROM {view} WHERE nullif({oid}, '') IS NOT NULL GROUP BY 1 ORDER BY n DESC"""
        ).fetchall()
        total = sum(int(n) for _, n, _ in rows)
        plain = sum(int(n) for p, n, _ in rows if not p)
        for prefix, n, negative in rows:
            if prefix and plain >= 0.5 * total and int(negative) >= 0.5 * int(n):
                options["return_prefix"] = str(prefix)
                checks.append(
                    f'return_prefix = "{prefix}": {int(n):,} order ids start with "{prefix}" and {int(negative):,} '
                    "of their rows are negative: returns, netted against the customer's earlier orders"
                )
                break
    if "sku" in columns:
        sku = f"trim({q(columns['sku'])})"
        with_digit = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_matches({sku}, '[0-9]')) / greatest(count({sku}), 1) "
            f"FROM {view} WHERE nullif({sku}, '') IS NOT NULL"
        ).fetchone()
        if with_digit and float(with_digit[0] or 0) >= 0.8:
            words = con.execute(
                f"""SELECT {sku}, count(*) FROM {view} WHERE nullif({sku}, '') IS NOT NULL
                    AND NOT regexp_matches({sku}, '[0-9]') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12"""
            ).fetchall()
            if words:
                options["exclude_skus"] = [str(w) for w, _ in words]
                shown = ", ".join(f"{w} ({int(n):,})" for w, n in words)
                checks.append(
                    f"exclude_skus: these codes have no digit where the others do, so they look like postage, fees "
                    f"or manual lines, set aside from revenue: {shown}. Keep only those that are not products"
                )
    keys = [columns[c] for c in ("email", "customer_id") if c in columns]
    if keys:
        hit = " OR ".join(f"regexp_matches(lower(trim({q(k)})), '{TEST_PATTERN}')" for k in keys)
        found = con.execute(f"SELECT count(*) FROM {view} WHERE {hit}").fetchone()
        if found and int(found[0] or 0):
            options["test_pattern"] = TEST_PATTERN
            checks.append(
                f'test_pattern: {int(found[0]):,} rows have an email or customer id starting with "test": '
                "the shop's own test orders, set aside"
            )
    if "currency" in columns:
        cur = f"upper(trim({q(columns['currency'])}))"
        found_currencies = con.execute(
            f"SELECT {cur}, count(*) FROM {view} WHERE nullif({cur}, '') IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        if len(found_currencies) > 1:
            main = str(found_currencies[0][0])
            others = ", ".join(f"{c} ({int(n):,} rows)" for c, n in found_currencies[1:])
            options["currency"] = main
            checks.append(
                f'currency = "{main}": the file holds other currencies too ({others}); give their rates in a '
                f"[sources.rates] table (e.g. {found_currencies[1][0]} = 0.86), or their rows are kept apart"
            )
    return options, checks
