"""Messy orders in a generic order source: returns netted, postage, guests and test orders set aside, currencies.

A generic ``csv``, ``parquet`` or ``jsonl`` source with ``table = "orders"`` is read through
:func:`land`. Its ``[sources.columns]`` may also name the line columns of ``order_lines``
(``product``, ``sku``, ``category``, ``quantity``, ``price``): the file is then line-level, one row
per line and several per order (an Online Retail or ERP export), and its orders are its lines
grouped by ``order_id``. Every row a rule touches is kept in the run's ``handled`` table with its
reason and counts as accepted (``Accounting.handled``). Rules, first match wins for setting aside:

1. ``test_pattern``: a row whose ``test_columns`` match the regex is a test order: set aside.
2. No customer id and no email (after ``guest_ids``): a guest order, set aside, never a customer.
3. ``exclude_skus`` / ``exclude_products``: postage, fees, gift cards: set aside, not revenue.
4. ``cancelled_statuses``: a row whose status says it never happened: set aside.
5. Another currency than ``currency`` with no rate: kept apart, named in the reason.

Then rows in another currency are converted by ``rates``; a return (a negative quantity or amount,
or an order id starting with ``return_prefix``) is netted against the latest earlier order of its
customer (one holding the same product first). An order whose returns reach its amount is
``refunded``: not a purchase. Nothing here loops over rows: it is SQL over the staged file.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personacraft.config import SOURCE_OPTIONS
from personacraft.errors import ConfigError, InputFormatError
from personacraft.schema import CANONICAL
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert
from personacraft.store import Run

# the order options (their help is in config.SOURCE_OPTIONS, whose entries for them start "orders:")
ORDER_OPTIONS: dict[str, str] = {k: v for k, v in SOURCE_OPTIONS.items() if v.startswith("orders:")}
LINE_COLUMNS = tuple(c for c in CANONICAL["order_lines"] if c != "order_id")
DEFAULT_CANCELLED = ("cancelled", "canceled", "refunded", "voided", "failed")


@dataclass(frozen=True)
class Rules:
    """The order options of one source, checked (see :func:`parse`)."""

    return_prefix: tuple[str, ...] = ()
    cancelled_statuses: tuple[str, ...] = DEFAULT_CANCELLED
    exclude_skus: tuple[str, ...] = ()
    exclude_products: tuple[str, ...] = ()
    test_pattern: str | None = None
    test_columns: tuple[str, ...] = ()
    guest_ids: tuple[str, ...] = ()
    currency: str | None = None
    rates: Mapping[str, float] | None = None
    rates_from: str = ""  # the option or file the rates came from, for messages


def line_level(columns: Mapping[str, object]) -> bool:
    """Whether a column map names line columns, making the file one row per order line."""
    return any(c in LINE_COLUMNS for c in columns)


def _strings(options: Mapping[str, Any], key: str, label: str) -> tuple[str, ...]:
    value = options.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f'source "{label}": {key} must be a string or a list of strings, got {value!r}.')
    return tuple(v.strip() for v in value)


def _regex(pattern: str, key: str, label: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f'source "{label}": {key} = {pattern!r} is not a valid regular expression ({exc}).') from exc
    return pattern


def parse(options: Mapping[str, Any], table: str, label: str, root: Path) -> Rules:
    """The order options of a source, each checked; a clear error for a wrong type, regex or rates table."""
    given = [k for k in options if k in ORDER_OPTIONS]
    if given and table != "orders":
        raise ConfigError(
            f'source "{label}": {", ".join(given)} apply to table = "orders" only (this source feeds "{table}"). '
            'A line-level file is mapped as table = "orders" with its line columns (quantity, price, sku, product).'
        )
    statuses = _strings(options, "cancelled_statuses", label) if "cancelled_statuses" in options else None
    test = options.get("test_pattern")
    if test is not None and (not isinstance(test, str) or not test):
        raise ConfigError(f'source "{label}": test_pattern must be a regular expression (a string), got {test!r}.')
    currency = options.get("currency")
    if currency is not None and (not isinstance(currency, str) or not currency.strip()):
        raise ConfigError(f'source "{label}": currency must be a currency code such as "GBP", got {currency!r}.')
    rates, rates_from = _rates(options.get("rates"), label, root)
    if rates is not None and currency is None:
        raise ConfigError(
            f'source "{label}": rates convert into the reporting currency; say which with currency = "GBP" (say).'
        )
    return Rules(
        return_prefix=_strings(options, "return_prefix", label),
        cancelled_statuses=tuple(s.lower() for s in statuses) if statuses is not None else DEFAULT_CANCELLED,
        exclude_skus=_strings(options, "exclude_skus", label),
        exclude_products=tuple(
            _regex(p, "exclude_products", label) for p in _strings(options, "exclude_products", label)
        ),
        test_pattern=_regex(test, "test_pattern", label) if test else None,
        test_columns=_strings(options, "test_columns", label),
        guest_ids=_strings(options, "guest_ids", label),
        currency=currency.strip().upper() if isinstance(currency, str) else None,
        rates=rates,
        rates_from=rates_from,
    )


def _rate(value: Any) -> float | None:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return None
    return rate if math.isfinite(rate) and rate > 0 and not isinstance(value, bool) else None


def _rates(value: Any, label: str, root: Path) -> tuple[dict[str, float] | None, str]:
    """Currency -> rate, from an inline table or a CSV file (a header, then currency,rate rows)."""
    if value is None:
        return None, ""
    if isinstance(value, Mapping):
        out = {}
        for cur, raw in value.items():
            rate = _rate(raw)
            if rate is None:
                raise ConfigError(f'source "{label}": rates.{cur} = {raw!r} is not a positive number.')
            out[str(cur).strip().upper()] = rate
        return out, "[sources.rates]"
    if not isinstance(value, str):
        raise ConfigError(f'source "{label}": rates must be a CSV path or a table (EUR = 0.86), got {value!r}.')
    path = Path(value) if Path(value).is_absolute() else root / value
    if not path.is_file():
        raise ConfigError(f'source "{label}": rates = "{value}": no such file (looked in {root}).')
    with path.open(encoding="utf-8-sig", newline="") as fh:  # a handful of rows: read in Python
        rows = list(csv.reader(fh))
    out = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        rate = _rate(row[1]) if len(row) > 1 else None
        if rate is None or not row[0].strip():
            raise InputFormatError(
                path,
                "is not a currency and a positive rate",
                line=line,
                value=",".join(row),
                hint="each row: currency,rate (1 unit of the currency = rate units of the reporting currency)",
            )
        out[row[0].strip().upper()] = rate
    return out, str(path)


def extra_columns(rules: Rules) -> dict[str, str]:
    """Staging names of the file columns the rules read besides the mapped ones (test_columns)."""
    return {f"_test{i}": col for i, col in enumerate(rules.test_columns)}


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"lower(trim({expr})) IN ({', '.join(lit(v.lower()) for v in values)})" if values else "FALSE"


def land(run: Run, file: FileLoad, rules: Rules, staged: Mapping[str, object]) -> None:
    """Insert the staged rows (``_stage``) of an order source, applying the rules (see module doc)."""
    lines = line_level(staged)

    types = {**CANONICAL["order_lines"], **CANONICAL["orders"]}

    def c(name: str) -> str:
        return q(name) if name in staged else f"NULL::{types[name]}"

    cid = f"nullif(trim({c('customer_id')}), '')"
    if rules.guest_ids:
        cid = f"CASE WHEN {_in(cid, rules.guest_ids)} THEN NULL ELSE {cid} END"
    value = f"coalesce({c('amount')}, coalesce({c('quantity')}, 1) * {c('price')})" if lines else c("amount")
    prefix = " OR ".join(f"starts_with(upper(trim({c('order_id')})), {lit(p.upper())})" for p in rules.return_prefix)
    keep = [n for n in (*CANONICAL["orders"], *LINE_COLUMNS) if n not in ("customer_id", "amount")]
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ord AS SELECT _line, {cid} AS customer_id,
        {", ".join(f"{c(n)} AS {q(n)}" for n in [*keep, *extra_columns(rules)])}, {value}::DOUBLE AS value,
        coalesce('id:' || {cid}, 'email:' || nullif(lower(trim({c("email")})), '')) AS who,
        upper(nullif(trim({c("currency")}), '')) AS cur,
        coalesce({c("quantity")} < 0 OR {value} < 0{" OR " + prefix if prefix else ""}, FALSE) AS is_return
        FROM _stage"""
    )
    reporting = _reporting(run, rules, "currency" in staged)
    _set_aside(run, file, rules, staged, reporting)
    if reporting is not None:
        _convert(run, file, rules, reporting)
    key = "order_id" if lines else "_line"
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _orders AS SELECT {key} AS key, min(_line) AS _line,
        {", ".join(f"arg_min({q(n)}, _line) AS {q(n)}" for n in CANONICAL["orders"] if n != "amount")},
        arg_min(who, _line) AS who, sum(value::DECIMAL(38, 6))::DOUBLE AS amount
        FROM _ord WHERE NOT is_return GROUP BY {key}"""
    )
    _net_returns(run, file, lines)
    cols = {n: q(n) for n in CANONICAL["orders"]}
    if reporting is not None:
        cols["currency"] = lit(reporting)
    insert(run, file, "orders", cols, "_orders")
    if lines:
        insert(run, file, "order_lines", {n: q(n) for n in CANONICAL["order_lines"]}, "_ord WHERE NOT is_return")


def _reporting(run: Run, rules: Rules, has_currency: bool) -> str | None:
    """The reporting currency: the option, else the most common one in the file (None without currencies)."""
    if rules.currency:
        run.execute("UPDATE _ord SET cur = coalesce(cur, ?)", [rules.currency])
        return rules.currency
    if not has_currency:
        return None
    top = run.execute("SELECT cur FROM _ord WHERE cur IS NOT NULL GROUP BY cur ORDER BY count(*) DESC, cur LIMIT 1")
    row = top.fetchone()
    if row is None:
        return None
    run.execute("UPDATE _ord SET cur = coalesce(cur, ?)", [row[0]])
    return str(row[0])


def _handle(run: Run, file: FileLoad, where: str, column: str, value: str, reason: str, move: bool) -> None:
    """Note the rows of ``_ord`` matching ``where`` as handled with a reason; ``move``: take them out."""
    run.execute(
        f"INSERT INTO {run.t('handled')} SELECT ?, ?, _line, ?, CAST({value} AS VARCHAR), {reason} "
        f"FROM _ord WHERE {where}",
        [file.source, str(file.path), column],
    )
    if move:
        run.execute(f"DELETE FROM _ord WHERE {where}")


def _set_aside(run: Run, file: FileLoad, rules: Rules, staged: Mapping[str, object], reporting: str | None) -> None:
    """Rules 1 to 5 of the module doc, in order: each row set aside once, for the first reason that fits."""
    if rules.test_pattern:
        tested = [q(n) for n in extra_columns(rules)] or [q(n) for n in ("email", "customer_id") if n in staged]
        hit = " OR ".join(f"coalesce(regexp_matches({t}, {lit(rules.test_pattern)}, 'i'), FALSE)" for t in tested)
        if hit:
            _handle(run, file, hit, "", "NULL", "'test order (test_pattern)'", True)
    guest = "'guest order: no customer id or email, kept out of customer features'"
    _handle(run, file, "who IS NULL", "customer_id", "NULL", guest, True)
    if rules.exclude_skus and "sku" in staged:
        _handle(run, file, _in("sku", rules.exclude_skus), "sku", "sku", "'excluded product (exclude_skus)'", True)
    if rules.exclude_products and "product" in staged:
        hit = " OR ".join(f"coalesce(regexp_matches(product, {lit(p)}, 'i'), FALSE)" for p in rules.exclude_products)
        _handle(run, file, hit, "product", "product", "'excluded product (exclude_products)'", True)
    if "status" in staged and rules.cancelled_statuses:
        where = _in("status", rules.cancelled_statuses)
        _handle(run, file, where, "status", "status", "'cancelled or refunded (cancelled_statuses)'", True)
    if reporting is not None:
        known = ", ".join(lit(cur) for cur in (*(rules.rates or {}), reporting))
        missing = f"cur NOT IN ({known})"
        if rules.rates is not None:
            found = run.execute(f"SELECT cur, count(*) FROM _ord WHERE {missing} GROUP BY 1 ORDER BY 1").fetchall()
            if found:
                shown = ", ".join(f"{cur} ({n} rows)" for cur, n in found)
                raise ConfigError(
                    f'source "{file.source}": {file.path.name} has amounts in {shown}, which the rates of '
                    f"{rules.rates_from} do not convert into {reporting}. Add a rate for each, "
                    f"or leave rates out to keep other currencies apart."
                )
        reason = f"'amount in ' || cur || ', no rate into {reporting}: kept apart from revenue (give rates)'"
        _handle(run, file, missing, "currency", "cur", reason, True)


def _convert(run: Run, file: FileLoad, rules: Rules, reporting: str) -> None:
    """Amounts in another currency times its rate into the reporting currency; each row noted."""
    if not rules.rates:
        return
    others = {cur: rate for cur, rate in rules.rates.items() if cur != reporting}
    if not others:
        return
    values = ", ".join(f"({lit(cur)}, {rate!r}::DOUBLE)" for cur, rate in others.items())
    run.execute(f"CREATE OR REPLACE TEMP TABLE _rates AS SELECT * FROM (VALUES {values}) t(cur, rate)")
    reason = f"'converted from ' || _ord.cur || ' into {reporting} at ' || r.rate"
    run.execute(
        f"INSERT INTO {run.t('handled')} SELECT ?, ?, _line, 'currency', _ord.cur, {reason} "
        "FROM _ord JOIN _rates r USING (cur)",
        [file.source, str(file.path)],
    )
    run.execute(
        "UPDATE _ord SET value = value * r.rate, price = price * r.rate, "
        "discount_amount = discount_amount * r.rate FROM _rates r WHERE _ord.cur = r.cur"
    )


def _net_returns(run: Run, file: FileLoad, lines: bool) -> None:
    """Net each return against the latest earlier order of its customer; mark fully returned orders refunded.

    The order preferred is the one with the same order id, then one holding the same SKU (or
    product), then the latest. A return with no earlier order of its customer is not counted.
    """
    same = "FALSE"
    if lines:
        run.execute("CREATE OR REPLACE TEMP TABLE _skus AS SELECT DISTINCT order_id AS key, sku, product FROM _ord")
        same = "(s.key IS NOT NULL)"
    join = (
        "LEFT JOIN _skus s ON s.key = o.key AND (s.sku = r.sku OR (r.sku IS NULL AND s.product = r.product))"
        if lines
        else ""
    )
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _match AS SELECT rl, key, order_id FROM (
        SELECT r._line AS rl, o.key, o.order_id, row_number() OVER (PARTITION BY r._line ORDER BY
            coalesce(o.order_id = r.order_id, FALSE) DESC, {same} DESC,
            o.ordered_at DESC NULLS LAST, o._line DESC) AS rn
        FROM _ord r JOIN _orders o ON o.who = r.who
            AND (r.ordered_at IS NULL OR o.ordered_at IS NULL OR o.ordered_at <= r.ordered_at) {join}
        WHERE r.is_return) WHERE rn = 1"""
    )
    run.execute(
        f"INSERT INTO {run.t('handled')} SELECT ?, ?, r._line, 'order_id', m.order_id, CASE WHEN m.rl IS NULL "
        "THEN 'return with no earlier order of its customer in this source: not counted' "
        "ELSE 'return netted against an earlier order of its customer' END "
        "FROM _ord r LEFT JOIN _match m ON m.rl = r._line WHERE r.is_return",
        [file.source, str(file.path)],
    )
    excess = (
        "SELECT m.key FROM _ord r JOIN _match m ON m.rl = r._line JOIN _orders o ON o.key = m.key "
        "GROUP BY m.key HAVING round(any_value(o.amount) - sum(abs(r.value)::DECIMAL(38, 6))::DOUBLE, 6) < 0"
    )
    run.execute(
        f"INSERT INTO {run.t('handled')} SELECT ?, ?, r._line, 'order_id', m.order_id, "
        "'return larger than the order it was netted against: the excess is not counted' "
        f"FROM _ord r JOIN _match m ON m.rl = r._line WHERE m.key IN ({excess})",
        [file.source, str(file.path)],
    )
    run.execute(
        """UPDATE _orders SET amount = greatest(round(_orders.amount + n.back, 6), 0),
        status = CASE WHEN round(_orders.amount + n.back, 6) <= 0 THEN 'refunded' ELSE _orders.status END
        FROM (SELECT m.key, sum(-abs(r.value)::DECIMAL(38, 6))::DOUBLE AS back
              FROM _ord r JOIN _match m ON m.rl = r._line GROUP BY m.key) n
        WHERE _orders.key = n.key"""
    )
