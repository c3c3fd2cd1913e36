"""Who ``forget`` is asked about: each key (email, phone, any source id) to identity nodes, through every run's graph.

A key is read the way the ingest reads it: an email trimmed and in lower case, a phone in E.164
(:mod:`personacraft.phones`, or as any run's phone map read it), an id with or without its system's
prefix (``400000000078`` finds ``id:hubspot:400000000078``). Each run's ``identity`` table then gives
the customers those nodes belong to, and every node of those customers: their other emails, ids,
phones and cookies. The result lands in temporary tables of the connection (``_fg_asked``,
``_fg_keys``, ``_fg_nodes``, ``_fg_values``, ``_fg_tokens``) that :mod:`personacraft.forget.tables` reads.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from personacraft.errors import InputFormatError, SourceNotFoundError
from personacraft.phones import to_e164

# the nodes of the keys asked for, one row per (key number, node pattern)
ASKED = "CREATE OR REPLACE TEMP TABLE _fg_asked (k INTEGER, node VARCHAR, pattern BOOLEAN)"
FOUND_KEYS = """
INSERT INTO _fg_found SELECT DISTINCT a.k, i.customer_key FROM {identity} i JOIN _fg_asked a
ON (NOT a.pattern AND i.node = a.node) OR (a.pattern AND i.node LIKE a.node ESCAPE '\\')
"""
PHONE_KEYS = """
INSERT INTO _fg_found SELECT DISTINCT a.k, i.customer_key FROM {phones} p JOIN _fg_asked a
ON a.node = 'rawphone:' || trim(p.raw) JOIN {identity} i ON i.node = 'phone:' || p.e164
"""
NODES = """
INSERT INTO _fg_nodes SELECT DISTINCT node, customer_key FROM {identity}
WHERE customer_key IN (SELECT customer_key FROM _fg_found)
"""
RAW_PHONES = """
INSERT INTO _fg_values SELECT DISTINCT 'phone', trim(raw) FROM {phones}
WHERE 'phone:' || e164 IN (SELECT node FROM _fg_nodes)
"""
# every value of the people found, by kind: key, node, id, email, phone, anon
VALUES = """
INSERT INTO _fg_values
SELECT DISTINCT 'key', customer_key FROM _fg_nodes
UNION SELECT DISTINCT 'node', node FROM _fg_nodes
UNION SELECT 'id', substr(node, 4) FROM _fg_nodes WHERE node LIKE 'id:%'
UNION SELECT 'email', substr(node, 7) FROM _fg_nodes WHERE node LIKE 'email:%'
UNION SELECT 'phone', substr(node, 7) FROM _fg_nodes WHERE node LIKE 'phone:%'
UNION SELECT 'anon', substr(node, 6) FROM _fg_nodes WHERE node LIKE 'anon:%'
"""
# the whole fields a line as read holds for them: each value, and an id's or a cookie's part after its system
TOKENS = """
CREATE OR REPLACE TEMP TABLE _fg_tokens AS
SELECT DISTINCT lower(value) AS value FROM _fg_values WHERE kind IN ('id', 'email', 'phone', 'anon', 'key')
UNION SELECT DISTINCT lower(regexp_extract(value, '[^:]+$')) FROM _fg_values WHERE kind IN ('id', 'anon', 'key')
"""


@dataclass(frozen=True)
class Asked:
    """One key as given, and the identity nodes it may be (``pattern``: a LIKE pattern)."""

    given: str
    nodes: tuple[tuple[str, bool], ...]


def read_key(given: str) -> Asked:
    """The nodes a key given on the command line or in the file may be."""
    key = given.strip()
    if "@" in key:
        return Asked(given, ((f"email:{key.lower()}", False),))
    nodes: list[tuple[str, bool]] = [(f"id:{key}", False), ("id:%:" + _like(key), True), (f"rawphone:{key}", False)]
    e164 = to_e164(key, None, None)
    if e164:
        nodes.append((f"phone:{e164}", False))
    return Asked(given, tuple(nodes))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find(con: duckdb.DuckDBPyConnection, asked: list[Asked], graphs: list[str]) -> dict[int, int]:
    """Fill the temporary tables with everyone ``asked`` names in the runs whose schemas are ``graphs`` (those with
    an ``identity`` table); return, per key number, how many customers it found in any run."""
    con.execute(ASKED)
    rows = [(i, node, pattern) for i, a in enumerate(asked) for node, pattern in a.nodes]
    if rows:
        con.executemany("INSERT INTO _fg_asked VALUES (?, ?, ?)", rows)
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_found (k INTEGER, customer_key VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_nodes (node VARCHAR, customer_key VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_values (kind VARCHAR, value VARCHAR)")
    for schema in graphs:
        identity = f'"{schema}".identity'
        con.execute(FOUND_KEYS.format(identity=identity))
        if _has(con, schema, "phones"):
            con.execute(PHONE_KEYS.format(identity=identity, phones=f'"{schema}".phones'))
    for schema in graphs:
        con.execute(NODES.format(identity=f'"{schema}".identity'))
    con.execute(VALUES)
    for schema in graphs:
        if _has(con, schema, "phones"):
            con.execute(RAW_PHONES.format(phones=f'"{schema}".phones'))
    con.execute(TOKENS)
    counts = dict(con.execute("SELECT k, count(DISTINCT customer_key) FROM _fg_found GROUP BY k").fetchall())
    return {i: int(counts.get(i, 0)) for i in range(len(asked))}


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows[0][0])


def nodes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every identity node of the people found (what the suppression list hashes)."""
    return [str(r[0]) for r in con.execute("SELECT DISTINCT node FROM _fg_nodes ORDER BY 1").fetchall()]


def tokens(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every field a line as read may hold for the people found (the suppression list hashes them as ``token:…``)."""
    return [str(r[0]) for r in con.execute("SELECT DISTINCT value FROM _fg_tokens ORDER BY 1").fetchall()]


HEADERS = {"key", "keys", "id", "email", "phone", "customer_id", "id_or_email"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_list(path: Path) -> list[str]:
    """The keys of a list file: CSV, one key per line in its first column, an optional header (``email``, ``id``,
    ``key`` …); blank lines are skipped. A line with a second value, or an email that is not one, is an error
    naming the file, the line and the value."""
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such file (the list of people to forget).")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputFormatError(path, "is not UTF-8 text", line=line, hint="save the list as UTF-8 CSV") from exc
    keys: list[str] = []
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise InputFormatError(path, f"is not valid CSV ({exc})", hint="one key per line") from exc
    for n, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells[0].lower() in HEADERS:
            continue
        key = cells[0]
        if not key:
            raise InputFormatError(path, "has an empty key before its other values", line=n, value=",".join(row))
        if any(cells[1:]):
            raise InputFormatError(
                path, "holds more than one value", line=n, value=",".join(row), hint="one key per line"
            )
        if "@" in key and not _EMAIL.match(key):
            raise InputFormatError(path, "is not an email address", line=n, value=key)
        keys.append(key)
    if not keys:
        raise InputFormatError(path, "holds no key", hint="one email, phone or id per line")
    return keys
