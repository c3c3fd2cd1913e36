"""How ``forget`` finds a person's rows in every table of every schema, by the columns each table has.

No list of tables: every table of the workspace is looked at (``duckdb_tables()``), and its columns
decide how a person's rows are found in it:

- **person columns** (:data:`PERSON_COLUMNS`): ``customer_key`` (a run's unified customer),
  ``customer_id`` (a source's id, or a key), ``email``, ``phone``, ``anonymous_id``;
- **record columns** (:data:`RECORD_COLUMNS`): ``order_id``, ``text_id`` … of a record found above
  (an order's lines, a text's statements and themes);
- **provenance**: ``(_file, _line)`` of a canonical row, ``(file, line)`` of a reject or a handled row,
  and the raw tables (one per source file, named in ``raw_files``), by the lines found above;
- **raw lines**: a ``raw`` column (the rejects keep the line as read) holding one of the person's
  values as a whole field.

A table with none of these is either listed in :data:`NO_PERSON_ROWS` (aggregates, settings, the run
list) or unknown: then :func:`plan` raises :class:`~personacraft.errors.ForgetCoverageError`, so a new
table holding customer rows cannot be missed silently (``tests/test_forget.py`` builds both demos).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from personacraft.errors import ForgetCoverageError

# column -> the kinds of value in ``_fg_values`` it is compared with (``key``: a run's customer_key; ``node``: an
# identity node such as ``anon:ga4:123``); ``unit`` (churn) is also read as ``customer:<key>``
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_key": ("key",),
    "customer_id": ("id", "key"),
    "email": ("email",),
    "phone": ("phone",),
    "anonymous_id": ("anon",),
    "visitor_key": ("key", "node", "anon"),
    "unit": ("key", "id"),
}
# a record of the person found by a person column takes its children with it
RECORD_COLUMNS = ("order_id", "text_id", "response_id", "subscription_id")
# tables that hold no row of one person: aggregates over groups of at least the minimum size, settings,
# the run list, the tables of companies (docs/forget.md says why each may stay)
NO_PERSON_ROWS = frozenset(
    {
        "runs",
        "persona_ids",
        "erasure_marks",  # a random token per forget, so that a forget cut short is finished or undone
        "tokens",
        "accounts",  # companies (B2B), not people
        "deals",  # a company's deals; their contacts are in deal_contacts
        "read_counts",
        "raw_files",
        "themes",
        "journey_event_map",
        "journey_lifecycle",
        "journey_steps",
        "journey_account_lifecycle",
    }
)
# names of tables that hold no person rows, by pattern (model parameters, per-persona or per-theme aggregates)
NO_PERSON_PATTERNS = (re.compile(r"^(persona|segment_|theme|cluster|model|centroid|profile_)"),)
# a table whose only key is a company's is about companies (B2B accounts, their deals and journeys)
COMPANY_COLUMNS = ("account_id", "domain")
_TEXT = ("VARCHAR",)


@dataclass
class Table:
    """One table of the workspace and how a person's rows are found in it."""

    schema: str
    name: str
    columns: dict[str, str]  # column -> DuckDB type
    raw_file: str | None = None  # a raw table: the source file it holds the lines of
    rules: list[str] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        return f'"{self.schema}"."{self.name}"'

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"


def tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Every base table of the open database, with its columns and, for raw tables, their file."""
    rows = con.execute(
        "SELECT schema_name, table_name, list(column_name ORDER BY column_index), "
        "list(data_type ORDER BY column_index) FROM duckdb_columns() "
        "WHERE database_name = current_database() AND NOT internal "
        "AND (schema_name, table_name) IN (SELECT (schema_name, table_name) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT temporary) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    found = [Table(s, t, dict(zip(cols, types, strict=True))) for s, t, cols, types in rows]
    raw = _raw_files(con, [t for t in found if t.name == "raw_files"])
    for t in found:
        t.raw_file = raw.get((t.schema, t.name))
    return found


def _raw_files(con: duckdb.DuckDBPyConnection, lists: list[Table]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for t in lists:
        sql = f"SELECT table_name, file FROM {t.qualified} WHERE table_name IS NOT NULL"
        for name, file in con.execute(sql).fetchall():
            schema, _, table = str(name).rpartition(".")
            out[(schema or t.schema, table)] = str(file)
    return out


def plan(found: list[Table]) -> list[Table]:
    """Decide for each table how a person's rows are found (``Table.rules``); raise for any table that may hold
    customer rows but has no column forget knows."""
    unknown = []
    for t in found:
        cols = set(t.columns)
        if _no_person_rows(t):
            t.rules = ["accounting"] if t.name == "accounting" else []
            continue
        t.rules = [c for c in PERSON_COLUMNS if c in cols] + [c for c in RECORD_COLUMNS if c in cols]
        if not any(c in PERSON_COLUMNS for c in t.rules):
            # rows with no person column of their own go with the line or the record they came from
            if {"_file", "_line"} <= cols:
                t.rules.append("provenance")
            elif {"file", "line"} <= cols:
                t.rules.append("lines")
        if "raw" in cols and t.columns["raw"] in _TEXT:
            t.rules.append("raw")
        if t.raw_file is not None:
            t.rules.append("raw_table")
        if not t.rules and not any(c in cols for c in COMPANY_COLUMNS):
            unknown.append(t)
    if unknown:
        shown = ", ".join(f"{t.label} ({', '.join(t.columns)})" for t in unknown[:8])
        raise ForgetCoverageError(
            f"forget does not know how to find a person's rows in {len(unknown)} table(s): {shown}. Nothing was "
            "removed. Name the person column of the table (customer_key, customer_id, email …) or, if it holds "
            "only aggregates, add it to personacraft.forget.tables.NO_PERSON_ROWS."
        )
    return found


def _no_person_rows(t: Table) -> bool:
    return t.name in NO_PERSON_ROWS or t.name == "accounting" or any(p.match(t.name) for p in NO_PERSON_PATTERNS)


# the fields of a line as read: split on the usual delimiters (CSV, TSV, JSON), in lower case, trimmed
FIELDS = "list_transform(regexp_split_to_array(lower({col}), '[,;\\t|{{}}\\[\\]\"]'), lambda x: trim(x, ' '':'))"


def condition(t: Table) -> str:
    """SQL: the rows of ``t`` that are the person's, against the temporary tables ``_fg_values`` (kind, value),
    ``_fg_records`` (col, value), ``_fg_lines`` (file, line) and ``_fg_tokens`` (value)."""
    parts = []
    for col in t.rules:
        if col in PERSON_COLUMNS:
            kinds = ", ".join(f"'{k}'" for k in PERSON_COLUMNS[col])
            cast = f'CAST("{col}" AS VARCHAR)'
            expr = f"lower(trim({cast}))" if col == "email" else f"trim({cast})"
            parts.append(f"{expr} IN (SELECT value FROM _fg_values WHERE kind IN ({kinds}))")
            if col == "unit":  # customer:<key>
                parts.append(f"substr({cast}, strpos({cast}, ':') + 1) IN (SELECT value FROM _fg_values)")
        elif col in RECORD_COLUMNS:
            parts.append(f"CAST(\"{col}\" AS VARCHAR) IN (SELECT value FROM _fg_records WHERE col = '{col}')")
        elif col == "provenance":
            parts.append("(CAST(_file AS VARCHAR), CAST(_line AS BIGINT)) IN (SELECT (file, line) FROM _fg_lines)")
        elif col == "lines":
            parts.append("(CAST(file AS VARCHAR), CAST(line AS BIGINT)) IN (SELECT (file, line) FROM _fg_lines)")
        elif col in ("raw", "raw_table"):
            # a line as read: one of its fields is one of their values
            for c in ["raw"] if col == "raw" else [c for c, k in t.columns.items() if k in _TEXT]:
                fields = FIELDS.format(col=f'"{c}"')
                parts.append(f"len(list_intersect({fields}, (SELECT list(value) FROM _fg_tokens))) > 0")
    return " OR ".join(f"({p})" for p in parts) if parts else "false"


def texts_of(t: Table, where: str) -> str:
    """SQL: the free texts (values with a space, 12 characters or more) of the rows ``where`` selects in ``t``;
    their quotes are taken out of the run's files."""
    cols = [c for c, kind in t.columns.items() if kind in _TEXT and not c.startswith("_")]
    if not cols:
        return ""
    arr = ", ".join(f'"{c}"' for c in cols)
    return (
        f"SELECT DISTINCT v AS value FROM (SELECT unnest([{arr}]) AS v FROM {t.qualified} WHERE {where}) "
        "WHERE length(v) >= 12 AND contains(v, ' ')"
    )
