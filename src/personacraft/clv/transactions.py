"""Read transactions for CLV (a file, any layout, or a pandas DataFrame): one row per purchase.

Comma (or any single character) separated files go through DuckDB's CSV reader;
``sep="whitespace"`` splits each line on runs of spaces and tabs, as in the CDNOW files.
Columns are named by the header, or, in files without one, by their 1-based position
(``--customer 1``). A DataFrame is read as a file would be, each value as its text, and
its rows are numbered from 1. Every row is accounted for: rows whose customer, date or
amount cannot be read are rejects that keep their line, column, value and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import duckdb

from personacraft.errors import InputFormatError, RejectThresholdError, SourceNotFoundError
from personacraft.sources.columns import ANY_DATE, Col, lit, q
from personacraft.sources.reading.messages import duck_message

if TYPE_CHECKING:
    import pandas as pd

Source: TypeAlias = "str | Path | pd.DataFrame"  # a file's path, or a DataFrame
FRAME = "the DataFrame"  # what errors name as the file when the input is a DataFrame
WHITESPACE = ("whitespace", "space", "ws", " ")
COMPACT_DATES = ("%Y%m%d",)  # 19970101, as in CDNOW
EMPTY = {
    "customer_key": "is empty: every purchase needs a customer",
    "ordered_at": "is empty: every purchase needs a date",
    "amount": "is empty: every purchase needs an amount",
}


@dataclass
class Loaded:
    """The accepted purchases (``table``: customer_key, ordered_at, amount) and the accounting."""

    table: str
    read: int
    accepted: int
    rejected: int
    rejects: str  # table: line, column, value, reason


def _split_whitespace(con: duckdb.DuckDBPyConnection, path: Path, header: bool | None) -> list[str]:
    """Load ``raw`` with one VARCHAR column per field and ``_line``; return the names."""
    con.execute(
        f"""CREATE TEMP TABLE lines AS
        SELECT regexp_split_to_array(trim(replace(l, chr(13), '')), '\\s+') AS f, n AS _line
        FROM (SELECT unnest(s) AS l, generate_subscripts(s, 1) AS n
              FROM (SELECT string_split(content, chr(10)) AS s FROM read_text({lit(str(path))})))
        WHERE trim(replace(l, chr(13), '')) <> ''"""
    )
    width, first = con.execute("SELECT max(len(f)), arg_min(f, _line) FROM lines").fetchall()[0]
    if not width:
        raise InputFormatError(path, "has no rows")
    if header is None:  # a header is a first line with a field that is not a number
        header = any(_number(v) is None for v in first)
    names = [str(v) for v in first] if header else [f"column{i}" for i in range(1, width + 1)]
    names += [f"column{i}" for i in range(len(names) + 1, width + 1)]
    select = ", ".join(f"f[{i + 1}] AS {q(n)}" for i, n in enumerate(names))
    skip = "WHERE _line > (SELECT min(_line) FROM lines)" if header else ""
    con.execute(f"CREATE TEMP TABLE raw AS SELECT {select}, _line FROM lines {skip}")
    return names


def _number(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, sep: str, header: bool | None) -> list[str]:
    opts = f"delim={lit(sep)}, " if sep else ""
    opts += f"header={'true' if header else 'false'}, " if header is not None else ""
    try:
        con.execute(f"CREATE TEMP TABLE raw AS SELECT * FROM read_csv({lit(str(path))}, {opts}all_varchar=true)")
    except duckdb.Error as exc:
        raise InputFormatError(
            path, "cannot be read as a delimited text file", hint=f"DuckDB: {duck_message(exc)}"
        ) from None
    names = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
    has_header = header if header is not None else not all(n.startswith("column") for n in names)
    if not has_header:
        names_1 = {n: f"column{int(n.removeprefix('column')) + 1}" for n in names}
        for old, new in sorted(names_1.items(), key=lambda kv: -int(kv[0].removeprefix("column"))):
            con.execute(f"ALTER TABLE raw RENAME {q(old)} TO {q(new)}")
        names = [names_1[n] for n in names]
    con.execute(f"ALTER TABLE raw ADD COLUMN _line BIGINT; UPDATE raw SET _line = rowid + {2 if has_header else 1}")
    return names


def read_delimited(con: duckdb.DuckDBPyConnection, path: Path, sep: str = ",", header: bool | None = None) -> list[str]:
    """Load ``path`` as the temp table ``raw``: one VARCHAR column per field and ``_line``, the
    line each row came from; return the field names. ``sep`` is a character, ``\\t`` or ``tab``,
    or ``whitespace`` (runs of spaces and tabs); ``header`` None means: guess."""
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such file; check the path")
    if sep.lower() in WHITESPACE:
        return _split_whitespace(con, path, header)
    return _read_csv(con, path, {"\\t": "\t", "tab": "\t"}.get(sep, sep), header)


def read_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[str]:
    """Load a DataFrame as :func:`read_delimited` loads a file: ``raw``, one VARCHAR column per
    column and ``_line``, the 1-based row; return the column names."""
    con.register("_frame", frame)
    try:
        names = [r[0] for r in con.execute("DESCRIBE _frame").fetchall()]
        text = ", ".join(f"CAST({q(n)} AS VARCHAR) AS {q(n)}" for n in names)
        con.execute(f"CREATE TEMP TABLE raw AS SELECT {text} FROM _frame")
    finally:
        con.unregister("_frame")
    con.execute("ALTER TABLE raw ADD COLUMN _line BIGINT; UPDATE raw SET _line = rowid + 1")
    return names


def read_source(
    con: duckdb.DuckDBPyConnection, source: Source, sep: str = ",", header: bool | None = None
) -> tuple[str | Path, list[str]]:
    """Load a file (:func:`read_delimited`) or a DataFrame (:func:`read_frame`) as ``raw``;
    return what errors call it (the path, or :data:`FRAME`) and the column names."""
    if isinstance(source, str | Path):
        return Path(source), read_delimited(con, Path(source), sep, header)
    return FRAME, read_frame(con, source)


def pick_column(path: str | Path, names: list[str], wanted: str, option: str) -> str:
    """The file column a command option names: by header (exact, then any case), or by 1-based position."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.lower() == wanted.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    shown = ", ".join(repr(n) for n in names[:20]) + (" …" if len(names) > 20 else "")
    hint = f"its columns: {shown}; pass one of them (or its position, 1 = first) with {option}"
    if len(names) == 1:
        hint += " (one column only: is --sep right?)"
    raise InputFormatError(path, f'has no column "{wanted}" ({option})', line=1, column=wanted, hint=hint)


def load(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    customer: str,
    date: str,
    amount: str,
    date_format: str | None = None,
    sep: str = ",",
    header: bool | None = None,
    max_reject_share: float = 0.05,
) -> Loaded:
    """Read ``source`` (a file or a DataFrame) into the temp table ``purchases`` and its rejects into ``rejects``."""
    path, names = read_source(con, source, sep, header)
    cols = {
        "customer_key": (pick_column(path, names, customer, "--customer"), Col("text", example="C-1001")),
        "ordered_at": (
            pick_column(path, names, date, "--date"),
            Col("date", formats=(date_format,) if date_format else ANY_DATE + COMPACT_DATES, example="1997-01-31"),
        ),
        "amount": (pick_column(path, names, amount, "--amount"), Col("money", example="29.95")),
    }
    parsed = ", ".join(f"{spec.parse(q(src))} AS {name}" for name, (src, spec) in cols.items())
    con.execute(f"CREATE TEMP TABLE parsed AS SELECT _line, {parsed} FROM raw")
    checks = " UNION ALL ".join(
        f"SELECT p._line, {lit(src)} AS {q('column')}, coalesce(r.{q(src)}, '') AS value, "
        f"CASE WHEN nullif(trim(r.{q(src)}), '') IS NULL THEN {lit(EMPTY[name])} ELSE {lit(spec.problem())} END "
        f"AS reason FROM parsed p JOIN raw r USING (_line) WHERE p.{name} IS NULL"
        for name, (src, spec) in cols.items()
    )
    con.execute(f"CREATE TEMP TABLE rejects AS SELECT * FROM ({checks}) ORDER BY _line, 2")
    con.execute(
        "CREATE TEMP TABLE purchases AS SELECT customer_key, ordered_at, amount FROM parsed "
        "WHERE _line NOT IN (SELECT _line FROM rejects) ORDER BY _line"
    )
    read = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    rejected = con.execute("SELECT count(DISTINCT _line) FROM rejects").fetchall()[0][0]
    if read and rejected / read > max_reject_share:
        first = con.execute("SELECT * FROM rejects ORDER BY _line LIMIT 3").fetchall()
        shown = "; ".join(f"line {ln}, column {c!r}: {v!r} {why}" for ln, c, v, why in first)
        empty = con.execute("SELECT count(*) FROM rejects WHERE reason LIKE 'is empty%'").fetchall()[0][0]
        hint = (
            " Most are empty cells: in an export with one row per line item (Shopify orders), only an order's "
            'first row carries its date and total; read it with personacraft build (kind = "shopify_orders"), '
            "or keep one row per order."
            if empty > rejected / 2
            else " Check --customer/--date/--amount, --sep and --date-format."
        )
        raise RejectThresholdError(
            f"{path}: {rejected} of {read} rows cannot be read ({rejected / read:.1%}, more than the "
            f"{max_reject_share:.0%} allowed), e.g. {shown}.{hint}"
        )
    return Loaded("purchases", read, read - rejected, rejected, "rejects")
