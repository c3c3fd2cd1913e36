"""Column specs: how a vendor column is parsed, checked and named in SQL."""

from __future__ import annotations

from dataclasses import dataclass


def q(name: str) -> str:
    """Quote an identifier (a vendor column name may hold any character)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Col:
    """How one vendor column is parsed and checked.

    ``type`` is one of text, int, number, money, timestamp, date, bool. ``formats`` are
    strptime formats tried in order for timestamps and dates. A spec named
    ``"Column@variant"`` parses ``Column`` a second way (e.g. local time) without
    checking it again.
    """

    type: str = "text"
    required: bool = False  # the column must exist and every value be non-empty
    present: bool = False  # the column must exist (values may be empty)
    formats: tuple[str, ...] = ()
    example: str = ""
    local: bool = False  # timestamps: keep the wall-clock time, drop the UTC offset

    def parse(self, raw: str) -> str:
        """SQL expression that parses the text expression ``raw`` (NULL when it fails)."""
        t = f"nullif(trim({raw}), '')"
        if self.local:
            # drop a zone suffix: " -0500", "+01:00", "Z", " UTC", " GMT+1", " GMT-04:00"
            zone = (
                r"(\s*(GMT|UTC)\s*[+-][0-9]{1,2}(:?[0-9]{2})?|\s+[+-][0-9]{4}|[+-][0-9]{2}:[0-9]{2}|\s*Z|\s+(GMT|UTC))$"
            )
            t = f"regexp_replace({t}, '{zone}', '')"
        if self.type == "text":
            return t
        if self.type == "int":
            # CRMs write whole numbers as floats ("468.0"); a fraction is not a whole number
            d = f"try_cast(replace({t}, ',', '') AS DOUBLE)"
            return f"CASE WHEN isfinite({d}) AND {d} = floor({d}) AND abs({d}) < 1e18 THEN CAST({d} AS BIGINT) END"
        if self.type == "number":
            return finite(f"try_cast({t} AS DOUBLE)")
        if self.type == "money":
            return finite(money_sql(t))
        if self.type in ("timestamp", "date"):
            # one call tries the formats in order, so ``t`` (a regexp for local times) is computed once
            formats = "[" + ", ".join(lit(f) for f in self.formats) + "]"
            expr = f"try_strptime({t}, {formats})::TIMESTAMP" if self.formats else f"try_cast({t} AS TIMESTAMP)"
            return f"CAST({expr} AS DATE)" if self.type == "date" else expr
        if self.type == "bool":
            return (
                f"CASE WHEN lower({t}) IN ('true', 'yes', 'y', '1', 'subscribed') THEN TRUE "
                f"WHEN lower({t}) IN ('false', 'no', 'n', '0', 'not_subscribed', "
                f"'unsubscribed', 'pending') THEN FALSE END"
            )
        raise ValueError(f"unknown column type {self.type!r}")

    def problem(self) -> str:
        what = {
            "int": "a whole number",
            "number": "a number",
            "money": "an amount of money",
            "timestamp": "a date and time",
            "date": "a date",
            "bool": "a yes/no value",
        }.get(self.type, "text")
        hint = f" (expected e.g. {self.example})" if self.example else ""
        return f"is not {what}{hint}"


def finite(expr: str) -> str:
    """``expr`` unless it is NaN or infinite ("nan" and "inf" are not amounts); ``expr`` is computed once."""
    return f"nullif(nullif(nullif({expr}, 'nan'::DOUBLE), 'inf'::DOUBLE), '-inf'::DOUBLE)"


def domain_sql(t: str) -> str:
    """A bare host name from 'https://www.acme.io/', 'www.acme.io' or 'acme.io'."""
    return f"nullif(lower(regexp_replace(trim({t}), '^([a-z]+://)?(www[.])?|/.*$', '', 'g')), '')"


def money_sql(t: str) -> str:
    """Parse '$1,234.50', '1.234,50 €', '-12.3' and '1234' as DOUBLE.

    A plain number (most exports) is cast directly; only the rest go through the regexps.
    """
    s = f"regexp_replace({t}, '[^0-9,.\\-]', '', 'g')"
    return (
        f"coalesce(try_cast({t} AS DOUBLE), CASE WHEN regexp_matches({s}, '^-?[0-9.]*,[0-9]{{1,2}}$') "
        f"THEN try_cast(replace(replace({s}, '.', ''), ',', '.') AS DOUBLE) "
        f"WHEN regexp_matches({t}, '[0-9]') THEN try_cast(replace({s}, ',', '') AS DOUBLE) END)"
    )


# Formats tried for timestamps of files whose vendor format is not known. Day-first and
# month-first dates are told apart per column by the values themselves (sniff_dates).
ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")
ANY_DATE = ISO_FORMATS + DAY_FIRST + MONTH_FIRST


def for_type(duck_type: str) -> Col:
    """The spec that reads a text cell into a canonical column of this DuckDB type."""
    if duck_type == "TIMESTAMP":
        return Col("timestamp", formats=ANY_DATE, example="2025-02-28 13:05:00")
    if duck_type == "DATE":
        return Col("date", formats=ANY_DATE, example="2025-02-28")
    if duck_type == "DOUBLE":
        return Col("money", example="1234.50")
    if duck_type in ("INTEGER", "BIGINT"):
        return Col("int", example="42")
    if duck_type == "BOOLEAN":
        return Col("bool", example="true")
    return Col()
