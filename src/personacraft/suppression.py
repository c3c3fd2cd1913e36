"""The hashed suppression list applied at ingest: people forgotten stay out of every later build.

``personacraft forget`` adds to ``.personacraft/suppressed.txt`` the salted hash of every identity
node of the people it removed (``email:…``, ``id:…``, ``phone:+…``, ``anon:…``) and of every value a
line as read may hold for them (``token:<value>``) (:mod:`personacraft.erasure`). When a source is read,
:func:`suppress` drops its rows whose nodes hash into the list, the lines of its kept raw tables and
its rejects with such a field, and the children of the dropped records (an order's lines). The lines
are counted as ``suppressed`` in the source's accounting, so ``read = accepted + rejected + suppressed``.
"""

from __future__ import annotations

import numpy as np

from personacraft.erasure import salt, suppressed
from personacraft.phones import to_e164
from personacraft.schema import CANONICAL
from personacraft.store import Run

# the node of each kind of person column, as identity resolution writes it (unify.node_sql)
NODES = {
    "customer_id": "'id:' || trim(\"customer_id\")",
    "email": "'email:' || lower(trim(\"email\"))",
    "anonymous_id": "'anon:' || trim(\"anonymous_id\")",
}
HASHED = "sha256({salt} || {node}) IN (SELECT h FROM _suppressed)"
# the fields of a line as read (forget.tables.FIELDS), each hashed as a token
FIELD_HASHES = (
    "len(list_intersect(list_transform(regexp_split_to_array(lower({col}), '[,;\\t|{{}}\\[\\]\"]'), "
    "lambda x: sha256({salt} || 'token:' || trim(x, ' '':'))), (SELECT list(h) FROM _suppressed))) > 0"
)
CHILDREN = {"order_lines": ("orders", "order_id")}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def suppress(run: Run, label: str, tables: tuple[str, ...]) -> tuple[int, int]:
    """Drop the rows of source ``label`` that belong to someone forgotten; return (accepted lines, rejected lines)
    that went, for the accounting (0, 0 when the suppression list is empty)."""
    workspace = run.ws.path
    hashes = suppressed(workspace)
    key = salt(workspace)
    if not hashes or key is None:
        return 0, 0
    run.con.register("_suppressed_list", {"h": np.array(sorted(hashes), dtype=object)})
    try:
        run.execute("CREATE OR REPLACE TEMP TABLE _suppressed AS SELECT h FROM _suppressed_list")
    finally:
        run.con.unregister("_suppressed_list")
    s, src = _lit(key), _lit(label)
    run.execute("CREATE OR REPLACE TEMP TABLE _supp_lines (file VARCHAR, line BIGINT)")
    for table in tables:
        if table not in CANONICAL:
            continue
        cols = CANONICAL[table]
        parts = [HASHED.format(salt=s, node=node) for c, node in NODES.items() if c in cols]
        if "phone" in cols:
            parts.append(_phones(run, table, label, s))
        if not parts:
            continue
        where = f"_source = {src} AND (" + " OR ".join(f"({p})" for p in parts) + ")"
        _drop(run, table, where)
        for child, (parent, fk) in CHILDREN.items():
            if parent == table and child in tables:
                _drop(run, child, f'_source = {src} AND "{fk}" IN (SELECT "{fk}" FROM _supp_parent)')
    # a line counts as suppressed when nothing of it is left (a deal's line keeps its deal without the contact)
    left = " UNION ALL ".join(
        f"SELECT _file, _line FROM {run.t(t)} WHERE _source = {src}" for t in tables if t in CANONICAL
    )
    accepted = int(
        run.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT file, line FROM _supp_lines) s "
            f"WHERE NOT EXISTS (SELECT 1 FROM ({left}) l WHERE l._file = s.file AND l._line = s.line)"
        )
        or 0
    )
    for file_table in run.execute(
        f"SELECT table_name FROM {run.t('raw_files')} WHERE source = ? AND table_name IS NOT NULL", [label]
    ).fetchall():
        _raw(run, str(file_table[0]), s)
    fields = FIELD_HASHES.format(col="raw", salt=s)
    rejected = int(
        run.scalar(f"SELECT count(*) FROM {run.t('rejects')} WHERE source = {src} AND raw IS NOT NULL AND {fields}")
        or 0
    )
    if rejected:
        run.execute(f"DELETE FROM {run.t('rejects')} WHERE source = {src} AND raw IS NOT NULL AND {fields}")
    run.execute(
        f"DELETE FROM {run.t('handled')} WHERE source = {src} "
        "AND (file, line) IN (SELECT (file, line) FROM _supp_lines)"
    )
    return accepted, rejected


def _drop(run: Run, table: str, where: str) -> None:
    t = run.t(table)
    run.execute(f"INSERT INTO _supp_lines SELECT DISTINCT _file, _line FROM {t} WHERE {where}")
    if "order_id" in CANONICAL[table]:
        run.execute(f"CREATE OR REPLACE TEMP TABLE _supp_parent AS SELECT DISTINCT order_id FROM {t} WHERE {where}")
    run.execute(f"DELETE FROM {t} WHERE {where}")


def _phones(run: Run, table: str, label: str, s: str) -> str:
    """SQL: the row's phone, in E.164, hashes into the list (numbers read as identity resolution reads them)."""
    pairs = run.execute(
        f"SELECT DISTINCT phone, country FROM {run.t(table)} WHERE _source = ? AND nullif(trim(phone), '') IS NOT NULL",
        [label],
    ).fetchall()
    e164 = [(raw, country, to_e164(raw, country)) for raw, country in pairs]
    run.con.register(
        "_supp_phone_list",
        {
            "raw": np.array([p[0] for p in e164], dtype=object),
            "country": np.array([p[1] for p in e164], dtype=object),
            "e164": np.array([p[2] for p in e164], dtype=object),
        },
    )
    try:
        run.execute("CREATE OR REPLACE TEMP TABLE _supp_phones AS SELECT * FROM _supp_phone_list")
    finally:
        run.con.unregister("_supp_phone_list")
    return (
        "EXISTS (SELECT 1 FROM _supp_phones p WHERE p.raw = phone AND p.country IS NOT DISTINCT FROM country "
        f"AND sha256({s} || 'phone:' || p.e164) IN (SELECT h FROM _suppressed))"
    )


def _raw(run: Run, table_name: str, s: str) -> None:
    """Drop the lines of a kept raw table that hold a field of someone forgotten."""
    schema, _, name = table_name.rpartition(".")
    if schema and schema != run.schema:
        return  # a raw table reused from an earlier run: that run's, cleaned by forget
    t = run.t(name)
    cols = [
        str(r[0])
        for r in run.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND data_type = 'VARCHAR'",
            [run.schema, name],
        ).fetchall()
    ]
    if cols:
        where = " OR ".join(FIELD_HASHES.format(col=f'"{c}"', salt=s) for c in cols)
        run.execute(f"DELETE FROM {t} WHERE {where}")
