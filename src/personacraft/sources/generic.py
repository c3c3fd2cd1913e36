"""Any other file: csv, parquet or jsonl, with the canonical table it feeds and a column map.

```toml
[[sources]]
kind = "csv"
path = "data/sales.csv"
table = "orders"
[sources.columns]          # canonical column = column in the file
customer_id = "Customer ID"
ordered_at = "Purchase Date"
amount = "Total Price"
```

Without ``[sources.columns]``, file columns named like canonical columns (any case) are
used. An experiments source may map more names than the table has: each is a numeric outcome
(:mod:`personacraft.sources.experiments`). Values are parsed by the canonical column's type; dates in any common format.
For parquet, ``line`` in rejects is the row number (1 = first row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import duckdb

from personacraft.errors import ConfigError, InputFormatError, MissingColumnError
from personacraft.schema import CANONICAL
from personacraft.sources import experiments, order_rules
from personacraft.sources.base import Source, register
from personacraft.sources.columns import Col, for_type, lit, q
from personacraft.sources.reading.delimited import cells, csv_header, load_cells
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.jsonl import read_json_lines
from personacraft.sources.reading.messages import unreadable
from personacraft.sources.reading.names import find_column, table_names
from personacraft.sources.reading.raw import keep_raw, note_read
from personacraft.sources.reading.stage import insert
from personacraft.sources.reading.values import value_pass
from personacraft.store import Run


class Generic(Source):
    """Shared by the generic kinds: the table, the column map and the specs it implies."""

    tables = ()
    _mapped: Mapping[str, str] = {}  # the column map found in the header (plan)

    @property
    def table(self) -> str:
        table = self.config.table
        if not table or table not in CANONICAL:
            raise ConfigError(
                f'source "{self.label}": kind = "{self.kind}" needs table = one of {", ".join(CANONICAL)}.'
            )
        return table

    @property
    def rules(self) -> order_rules.Rules:
        """The order options of this source (:mod:`personacraft.sources.order_rules`), checked."""
        return order_rules.parse(self.config.options, self.table, self.label, self.root)

    def mapping(self, header: list[str]) -> dict[str, str]:
        """canonical column -> file column; an orders source may also map the line columns of a line-level file."""
        cols = [*CANONICAL[self.table], *(order_rules.LINE_COLUMNS if self.table == "orders" else ())]
        given = dict(self.config.columns)
        unknown = [c for c in given if c not in cols]
        if unknown and self.table == experiments.TABLE:  # the export's other outcomes
            unknown = [c for c in unknown if not c.isidentifier()]
            if unknown:
                raise ConfigError(
                    f'source "{self.label}": [sources.columns] maps {", ".join(repr(c) for c in unknown)}: an '
                    'outcome\'s name is a plain name (letters, digits and _), e.g. clicks = "Clicks".'
                )
        if unknown:
            raise ConfigError(
                f'source "{self.label}": [sources.columns] names {", ".join(unknown)}, which table '
                f'"{self.table}" does not have. Its columns: {", ".join(cols)}.'
            )
        if given:
            return given
        lower = {h.lower(): h for h in header}
        return {c: lower[c] for c in cols if c in lower}

    def feeds(self) -> tuple[str, ...]:
        if self.table == experiments.TABLE and experiments.extra_outcomes(self.config.columns):
            return (experiments.TABLE, experiments.OUTCOMES)
        if self.table == "orders" and order_rules.line_level(self.config.columns or self._mapped):
            return ("orders", "order_lines")
        return (self.table,)

    def plan(self, path: Path, header: list[str]) -> tuple[dict[str, str], dict[str, Col]]:
        """Which file column feeds each canonical column, and how each is parsed."""
        mapping = self.mapping(header)
        if not mapping:
            raise ConfigError(
                f'source "{self.label}": no column of {path.name} matches table "{self.table}"; '
                "map them in [sources.columns]."
            )
        self._mapped = dict(mapping)
        extra = order_rules.extra_columns(self.rules)  # the file columns the order options read
        rename: dict[str, str] = {}
        for canon, file_col in {**mapping, **extra}.items():
            found = find_column(header, file_col)
            if found is not None:
                rename[canon] = found
        missing = [f for c, f in {**mapping, **extra}.items() if c not in rename]
        if missing:
            raise MissingColumnError(path, missing, header, self.kind)
        types = {**CANONICAL["order_lines"], **CANONICAL[self.table]}
        specs = {canon: for_type(types.get(canon, "DOUBLE")) for canon in mapping}
        if self.table == experiments.TABLE:
            specs = experiments.column_specs(mapping, specs)
        if self.table == "orders" and order_rules.line_level(mapping):  # a line needs the order it belongs to
            if "order_id" not in rename:
                raise ConfigError(
                    f'source "{self.label}": {path.name} maps line columns ({", ".join(mapping)}), so each row is '
                    "an order line and needs the order it belongs to: map order_id (the invoice or order number)."
                )
            specs["order_id"] = replace(specs["order_id"], required=True)
        return rename, {**specs, **{name: Col() for name in extra}}

    def land(self, run: Run, file: FileLoad, kept: str, header: list[str]) -> None:
        """Parse the mapped columns of ``kept`` and insert them into the canonical table."""
        rename, specs = self.plan(file.path, header)
        value_pass(run, file, kept, rename, specs, stage="_stage")
        self.insert_stage(run, file, specs)

    def insert_stage(self, run: Run, file: FileLoad, specs: Mapping[str, Col]) -> None:
        if self.table == "orders":  # returns, postage, guests, test orders, currencies
            order_rules.land(run, file, self.rules, specs)
            return
        if self.table == experiments.TABLE:
            experiments.land(run, file, specs)
            return
        insert(run, file, self.table, {canon: q(canon) for canon in specs}, "_stage")


@register
class GenericCSV(Generic):
    """A delimited text file (any delimiter, header on line 1)."""

    kind = "csv"
    description = "Any delimited file mapped onto a canonical table."

    def load_file(self, run: Run, file: FileLoad) -> None:
        header = csv_header(run, file)
        self.table  # noqa: B018 - fail early on a bad table
        found = cells(run, file, header)
        rename, specs = self.plan(file.path, found.header)
        load_cells(run, file, found, rename, specs, stage="_stage")
        self.insert_stage(run, file, specs)


@register
class GenericParquet(Generic):
    """A Parquet file; every column is read as text and parsed like a CSV cell."""

    kind = "parquet"
    description = "Any Parquet file mapped onto a canonical table."

    def load_file(self, run: Run, file: FileLoad) -> None:
        self.table  # noqa: B018
        parquet = f"read_parquet({file.duck_path})"
        try:
            names = [d[0] for d in run.execute(f"SELECT * FROM {parquet} LIMIT 0").description or []]
            header = table_names(names)
            cols = "".join(f", {q(n)}::VARCHAR AS {q(h)}" for n, h in zip(names, header, strict=True))
            kept = keep_raw(run, file, f"SELECT row_number() OVER () AS _line{cols} FROM {parquet}")
        except duckdb.Error as exc:
            raise unreadable(file.path, "is not a readable Parquet file", exc) from exc
        except RuntimeError as exc:  # Python cannot take the names
            raise InputFormatError(file.path, "has a column name that is not valid UTF-8 text") from exc
        note_read(run, file, int(run.scalar(f"SELECT count(*) FROM {kept}") or 0))
        self.land(run, file, kept, header)


@register
class GenericJSONL(Generic):
    """Newline-delimited JSON objects; top-level keys are the columns (nested values as JSON text)."""

    kind = "jsonl"
    description = "Any JSON-lines file mapped onto a canonical table."

    def load_file(self, run: Run, file: FileLoad) -> None:
        self.table  # noqa: B018
        read_json_lines(run, file, stage="_lines")
        keys = [r[0] for r in run.execute("SELECT DISTINCT unnest(json_keys(j)) FROM _lines ORDER BY 1").fetchall()]
        header = table_names(keys)
        cols = "".join(
            f", json_extract_string(j, {lit(json_pointer(k))}) AS {q(h)}" for k, h in zip(keys, header, strict=True)
        )
        run.execute(f"CREATE OR REPLACE TEMP TABLE _kept_json AS SELECT _line{cols} FROM _lines")
        self.land(run, file, "_kept_json", header)


def json_pointer(key: str) -> str:
    """The JSON Pointer (RFC 6901) of a top-level key: any key, even "" or one with / or ~."""
    return "/" + key.replace("~", "~0").replace("/", "~1")
