"""The columns a source declares in ``[sources.features]``, kept per line in the canonical ``custom_attributes``.

Each file is read a second time for its declared columns only (every cell as text), with the
line numbers the source's own reader gives its rows. A line's values are keyed to the customer
that the same line landed as (the ``customer_id`` and ``email`` of its rows in the tables the
source feeds), so identity resolution links them as it links that record, and a line the
source rejected adds no value. An empty cell is no value (a customer without it is missing
from that family, as from a built-in one). Vendor kinds keep the columns they do not map
(e.g. HubSpot custom properties) this way too.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from personacraft.errors import ConfigError, InputFormatError
from personacraft.schema import CANONICAL
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.delimited import read_cells, set_lines
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.names import find_column, table_names
from personacraft.sources.reading.raw import lines_of
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.sources.base import Source

TABLE = "custom_attributes"
# the canonical tables whose rows name a person (a customer id or an email)
PERSON_TABLES = tuple(t for t, cols in CANONICAL.items() if t != TABLE and ("customer_id" in cols or "email" in cols))


def land_features(run: Run, source: Source, file: FileLoad) -> int:
    """Keep the declared columns of ``file`` in ``custom_attributes``, keyed to each line's customer; return how
    many values were kept."""
    specs = source.config.features
    if not specs:
        return 0
    tables = [t for t in source.feeds() if t in PERSON_TABLES]
    if not tables:
        raise ConfigError(
            f'source "{source.label}": [sources.features] needs a source whose rows name customers, but kind '
            f'"{source.kind}" feeds {", ".join(source.feeds()) or "no table"}. Declare the columns on a source '
            f"that feeds {', '.join(PERSON_TABLES)}."
        )
    header = _cells(run, file)
    columns = {}
    for spec in specs.values():
        found = find_column(header, spec.column)
        if found is None:
            raise missing_column(file, spec.column, header)
        columns[spec.family] = found
    values = " UNION ALL ".join(
        f"SELECT _line, {lit(family)} AS family, nullif(trim({q(col)}), '') AS value FROM _feat_cells"
        for family, col in columns.items()
    )
    where = f"_source = {lit(file.source)} AND _file = {lit(str(file.path))}"
    keys = " UNION ALL ".join(
        f"SELECT _line, {'customer_id' if 'customer_id' in CANONICAL[t] else 'NULL'} AS customer_id, "
        f"{'email' if 'email' in CANONICAL[t] else 'NULL'} AS email FROM {run.t(t)} WHERE {where}"
        for t in tables
    )
    row = run.execute(
        f"""INSERT INTO {run.t(TABLE)} (customer_id, email, family, value, _source, _file, _line)
        SELECT DISTINCT k.customer_id, k.email, f.family, f.value, {lit(file.source)}, {lit(str(file.path))}, f._line
        FROM ({values}) f JOIN ({keys}) k USING (_line)
        WHERE f.value IS NOT NULL AND (k.customer_id IS NOT NULL OR k.email IS NOT NULL)"""
    ).fetchone()
    run.execute("DROP TABLE IF EXISTS _feat_cells")
    return int(row[0]) if row else 0


def missing_column(file: FileLoad, column: str, header: list[str]) -> InputFormatError:
    """The error for a declared column the file does not have, with the header's closest names."""
    lower = {h.lower(): h for h in header}
    close = [lower[c] for c in difflib.get_close_matches(column.lower(), list(lower), n=3, cutoff=0.6)]
    shown = ", ".join(repr(c) for c in header[:12]) + (" …" if len(header) > 12 else "")
    hint = (f"did you mean {' or '.join(repr(c) for c in close)}? " if close else "") + f"the header has {shown}"
    return InputFormatError(
        file.path, f'has no column "{column}", which [sources.features] declares', line=1, column=column, hint=hint
    )


def _cells(run: Run, file: FileLoad) -> list[str]:
    """Every cell of ``file`` as text into ``_feat_cells`` with its ``_line`` (as the source's reader numbers
    its rows); return the header, named as the run's tables name it."""
    suffix = file.readable.suffix.lower()  # the file read: a zip member or a workbook sheet is a copy
    if suffix == ".parquet":
        parquet = f"read_parquet({file.duck_path})"
        names = [d[0] for d in run.execute(f"SELECT * FROM {parquet} LIMIT 0").description or []]
        header = table_names(names)
        cols = "".join(f", {q(n)}::VARCHAR AS {q(h)}" for n, h in zip(names, header, strict=True))
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE _feat_cells AS SELECT row_number() OVER () AS _line{cols} FROM {parquet}"
        )
        return header
    if suffix in (".jsonl", ".ndjson", ".json"):
        run.execute(f"CREATE OR REPLACE TEMP TABLE _feat_lines AS {lines_of(file)}")
        # each object as a map of its top-level keys (any key, even "" or "a/b"), values as text
        lines = (
            "(SELECT rowid + 1 AS _line, json_transform(j, '\"MAP(VARCHAR, VARCHAR)\"') AS m FROM _feat_lines "
            "WHERE j <> '' AND json_valid(j) AND json_type(j) = 'OBJECT')"
        )
        run.execute(f"CREATE OR REPLACE TEMP TABLE _feat_maps AS SELECT * FROM {lines}")
        keys = [r[0] for r in run.execute("SELECT DISTINCT unnest(map_keys(m)) FROM _feat_maps ORDER BY 1").fetchall()]
        header = table_names(keys)
        cols = "".join(f", m[{lit(k)}] AS {q(h)}" for k, h in zip(keys, header, strict=True))
        run.execute(f"CREATE OR REPLACE TEMP TABLE _feat_cells AS SELECT _line{cols} FROM _feat_maps")
        run.execute("DROP TABLE _feat_lines")
        run.execute("DROP TABLE _feat_maps")
        return header
    for t in ("_rej_errors", "_rej_scans"):
        run.execute(f"DROP TABLE IF EXISTS {t}")
    reader = read_cells(file, rejects=True)
    try:
        found = [d[0] for d in run.execute(f"SELECT * FROM {reader} LIMIT 0").description or []]
    finally:
        for t in ("_rej_errors", "_rej_scans"):
            run.execute(f"DROP TABLE IF EXISTS {t}")
    header = table_names(found)
    select = ", ".join(f"{q(old)} AS {q(new)}" for old, new in zip(found, header, strict=True))
    run.execute(f"CREATE OR REPLACE TEMP TABLE _feat_cells AS SELECT NULL::BIGINT AS _line, {select} FROM {reader}")
    set_lines(run, "_feat_cells")
    for t in ("_rej_errors", "_rej_scans"):
        run.execute(f"DROP TABLE IF EXISTS {t}")
    return header
