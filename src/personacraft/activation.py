"""Activation exports: the CRM write-back and hashed ad audiences of a build's personas.

``write_activation`` writes ``crm_personas.csv`` (HubSpot and Salesforce import it as a contact
update), ``crm_personas_delta.csv`` (only the rows that differ from the previous successful run's
write-back, for incremental imports; SQL over the two runs' ``crm_personas`` tables), and per
persona ``google/<id>.csv`` (Customer Match) and ``meta/<id>.csv`` (custom audiences) with SHA-256
of the email and phone normalised by each platform's rules. How to import them, the hashing rules
with their sources, consent, small groups and CSV-injection safety: ``docs/activation.md``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from personacraft.phones import to_e164
from personacraft.segment.assignment import persona_id, persona_id_sql
from personacraft.store import Run
from personacraft.unify import EMAIL_RE, keyed

CRM_FILE = "crm_personas.csv"
CRM_DELTA_FILE = "crm_personas_delta.csv"
CRM_TABLE = "crm_personas"  # each run keeps its CRM rows, so the next run's delta is SQL over two tables
CRM_HEADER = ("Email", "Persona", "Persona ID", "Persona Confidence")
GOOGLE_HEADER = ("Email", "Phone")
META_HEADER = ("email", "phone")
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
# OWASP CSV injection: a cell starting with one of these may be read as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Meta advises against customer lists of fewer than 100 people
META_SMALL_LIST = 100

_EMAIL = re.compile(EMAIL_RE)
_BATCH = 10_000


# -- normalisation and hashing (the reference the SQL below implements) ---------------------
def normalise_email(raw: str, *, google: bool) -> str | None:
    """``raw`` trimmed and lower-cased, or None when it is not an email.

    With ``google``, a ``gmail.com`` or ``googlemail.com`` address also loses the dots of its
    local part and any ``+suffix`` (Google's rule); Meta takes the address as is.
    """
    email = raw.strip().lower()
    if not _EMAIL.fullmatch(email):
        return None
    if google:
        local, domain = email.split("@")
        if domain in GMAIL_DOMAINS:
            local = local.split("+", 1)[0].replace(".", "")
            if not local:
                return None
            email = f"{local}@{domain}"
    return email


def normalise_phone_e164(raw: str, country: str | None = None, default_region: str | None = None) -> str | None:
    """``raw`` in E.164 with its ``+`` (Google's form), read in ``country`` when it has no
    country code; None when it is not a possible number."""
    return to_e164(raw, country, default_region)


def normalise_phone_meta(raw: str, country: str | None = None, default_region: str | None = None) -> str | None:
    """``raw`` as Meta wants it: digits only, country code first, no ``+``, no leading zeros."""
    e164 = to_e164(raw, country, default_region)
    digits = e164.lstrip("+").lstrip("0") if e164 else ""
    return digits or None


def sha256_hex(s: str) -> str:
    """SHA-256 of the UTF-8 bytes of ``s``, lower-case hex (as DuckDB's ``sha256``)."""
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def safe_cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula.

    None is the empty cell; numbers are written as they are (a number is not a formula);
    text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# -- SQL -------------------------------------------------------------------------------------
def _google_email_sql(email: str) -> str:
    """SQL: Google's form of an already trimmed, lower-cased, valid ``email``."""
    domain = f"split_part({email}, '@', 2)"
    local = f"replace(split_part(split_part({email}, '@', 1), '+', 1), '.', '')"
    gmail = ", ".join(f"'{d}'" for d in GMAIL_DOMAINS)
    return f"CASE WHEN {domain} IN ({gmail}) THEN nullif({local}, '') || '@' || {domain} ELSE {email} END"


def _prepare(run: Run, published: int) -> None:
    """``_activation``: each customer of a published persona with their identifiers."""
    customers = keyed(run, "customers")
    has_phones = run.has_table("phones") and run.has_rows("phones")
    phone = (
        f"""SELECT customer_key, e164 FROM (
                SELECT k.customer_key, p.e164,
                       row_number() OVER (PARTITION BY k.customer_key ORDER BY count(*) DESC, p.e164) AS rank
                FROM {customers} k
                JOIN {run.t("phones")} p ON p.raw = k.phone AND p.country IS NOT DISTINCT FROM k.country
                JOIN {run.t("identity")} i ON i.node = 'phone:' || p.e164 AND i.customer_key = k.customer_key
                WHERE p.e164 IS NOT NULL
                GROUP BY k.customer_key, p.e164
            ) WHERE rank = 1"""
        if has_phones
        else "SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS e164 WHERE false"
    )
    run.execute(
        f"""CREATE OR REPLACE TEMP TABLE _activation AS
        WITH phone AS ({phone}),
        opted_out AS (
            SELECT DISTINCT customer_key FROM {customers}
            WHERE customer_key IS NOT NULL AND accepts_marketing = false
        )
        SELECT l.persona, l.customer_key, l.confidence, c.email, ph.e164 AS phone,
               o.customer_key IS NOT NULL AS opted_out
        FROM {run.t("labels")} l
        JOIN {run.t("customer_index")} c USING (customer_key)
        LEFT JOIN phone ph USING (customer_key)
        LEFT JOIN opted_out o USING (customer_key)
        WHERE l.persona >= 0 AND l.persona < {int(published)}"""
    )


def _audience_sql(persona: int, platform: str, exclude_opted_out: bool) -> str:
    if platform == "google":
        email = f"sha256({_google_email_sql('email')})"
        phone = "sha256(phone)"
    else:
        email = "sha256(email)"
        phone = "sha256(nullif(ltrim(replace(phone, '+', ''), '0'), ''))"
    consent = "AND NOT opted_out" if exclude_opted_out else ""
    # a row with nothing left to hash (a Gmail local part of dots only) is not written
    return f"""SELECT DISTINCT e, p FROM (
            SELECT coalesce({email}, '') AS e, coalesce({phone}, '') AS p FROM _activation
            WHERE persona = {int(persona)} AND (email IS NOT NULL OR phone IS NOT NULL) {consent}
        ) WHERE e <> '' OR p <> '' ORDER BY e, p"""


# the CRM write-back of a run: every email of every customer of a published persona, one row per email (an
# email that identity resolution gave two customers, two ids of one system, goes to the one whose customer
# record holds it, then to the smallest key)
CRM_ROWS = """
CREATE OR REPLACE TABLE {table} AS
SELECT a.customer_key, e.email, (?::VARCHAR[])[a.persona + 1] AS persona, {persona_id} AS persona_id, a.confidence,
       a.persona AS label
FROM _activation a JOIN {customer_emails} e USING (customer_key)
QUALIFY row_number() OVER (PARTITION BY e.email ORDER BY e.from_customers DESC, a.customer_key) = 1
"""
# a run built before ``customer_emails`` existed: the published email of each customer
CRM_ROWS_PUBLISHED = """
CREATE OR REPLACE TABLE {table} AS
SELECT customer_key, email, (?::VARCHAR[])[persona + 1] AS persona, {persona_id} AS persona_id, confidence,
       persona AS label
FROM _activation WHERE email IS NOT NULL
"""
# the rows of this run's write-back whose persona (id or name) is not what the previous run's said:
# new emails, changed personas, and emails no longer written back (empty persona: the import clears it)
CRM_DELTA = """
SELECT coalesce(n.email, p.email) AS email, coalesce(n.persona, '') AS persona,
       coalesce(n.persona_id, '') AS persona_id, n.confidence,
       CASE WHEN p.email IS NULL THEN 'new' WHEN n.email IS NULL THEN 'left' ELSE 'changed' END AS change
FROM (SELECT * FROM {current} QUALIFY row_number() OVER (PARTITION BY email ORDER BY customer_key) = 1) n
FULL OUTER JOIN (SELECT * FROM {previous} QUALIFY row_number() OVER (PARTITION BY email ORDER BY customer_key) = 1) p
    ON n.email = p.email
WHERE n.persona_id IS DISTINCT FROM p.persona_id OR n.persona IS DISTINCT FROM p.persona
"""
_NO_ROWS = (
    "(SELECT NULL::VARCHAR AS customer_key, NULL::VARCHAR AS email, NULL::VARCHAR AS persona, "
    "NULL::VARCHAR AS persona_id WHERE false)"
)


# -- writing ---------------------------------------------------------------------------------
def _rows(run: Run, sql: str, params: Sequence[Any] | None = None) -> Iterable[tuple[Any, ...]]:
    """A query's rows in batches (the result is read to its end)."""
    cursor = run.execute(sql, params)
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, quote_all: bool) -> tuple[int, int]:
    """Write ``rows`` under ``header``; returns (rows written, cells escaped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = escaped = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            escaped += sum(1 for v in row if isinstance(v, str) and v.startswith(FORMULA_START))
            n += 1
    return n, escaped


def _clear_stale(folder: Path) -> None:
    """Remove persona files an earlier export left in ``folder`` (a skipped persona must not
    leave an outdated list behind)."""
    if folder.is_dir():
        for f in folder.iterdir():
            if re.fullmatch(r"p\d+\.csv", f.name):
                f.unlink()


def write_crm_delta(run: Run, path: Path) -> dict[str, Any]:
    """Write the rows of ``run``'s CRM write-back that differ from the previous successful run's (every
    row when there is none) to ``path``, as ``crm_personas.csv`` has them; returns the counts."""
    previous = run.ws.previous_run(run.run_id)
    if previous is not None and not previous.has_table(CRM_TABLE):
        previous = None  # built by a version without the table: every row is sent again
    sql = CRM_DELTA.format(current=run.t(CRM_TABLE), previous=previous.t(CRM_TABLE) if previous else _NO_ROWS)
    listed = f"SELECT * EXCLUDE (change) FROM ({sql}) ORDER BY email"
    rows, _ = _write_csv(path, CRM_HEADER, _rows(run, listed), quote_all=True)
    counts = dict(run.execute(f"SELECT change, count(*) FROM ({sql}) GROUP BY change").fetchall())
    return {
        "file": path.name,
        "since_run": previous.run_id if previous else None,
        "rows": rows,
        **{k: int(counts.get(k, 0)) for k in ("new", "changed", "left")},
    }


def write_activation(
    run: Run,
    *,
    published: int,
    names: list[str],
    out_dir: Path,
    min_n: int,
    exclude_opted_out: bool = True,
    ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write the CRM write-back file and the per-persona Google and Meta audience files.

    Persona ``k`` (0-based label) is published as ``ids[k]`` (default ``p{k+1}``) named ``names[k]``; labels at or
    above ``published`` are not published. Files go to ``out_dir/activation``. Returns a
    summary: rows per file (paths relative to that folder), and per persona its counts and,
    when its audience files were not written, why.
    """
    if published < 0 or len(names) != published:
        raise ValueError(f"write_activation: {published} published personas but {len(names)} names")
    root = out_dir / "activation"
    root.mkdir(parents=True, exist_ok=True)
    for platform in ("google", "meta"):
        _clear_stale(root / platform)
    _prepare(run, published)
    try:
        table = run.t(CRM_TABLE)
        pid_sql = persona_id_sql("a.persona", published, ids)
        if run.has_table("customer_emails"):
            crm = CRM_ROWS.format(table=table, persona_id=pid_sql, customer_emails=run.t("customer_emails"))
        else:
            crm = CRM_ROWS_PUBLISHED.format(table=table, persona_id=persona_id_sql("persona", published, ids))
        run.execute(crm, [names])
        crm_counts = dict(run.execute(f"SELECT label, count(*) FROM {table} GROUP BY label").fetchall())
        crm_rows, escaped = _write_csv(
            root / CRM_FILE,
            CRM_HEADER,
            _rows(run, f"SELECT email, persona, persona_id, confidence FROM {table} ORDER BY email, customer_key"),
            quote_all=True,
        )
        delta = write_crm_delta(run, root / CRM_DELTA_FILE)
        counts = {
            int(r["persona"]): r
            for r in run.dicts(
                """SELECT persona, count(*) AS customers,
                       count(email) AS with_email,
                       count(*) FILTER (WHERE opted_out) AS opted_out,
                       count(*) FILTER (WHERE (email IS NOT NULL OR phone IS NOT NULL) AND NOT opted_out)
                           AS reachable_consenting,
                       count(*) FILTER (WHERE email IS NOT NULL OR phone IS NOT NULL) AS reachable,
                       count(phone) AS with_phone
                FROM _activation GROUP BY persona"""
            )
        }
        files: dict[str, int] = {CRM_FILE: crm_rows, CRM_DELTA_FILE: delta["rows"]}
        personas: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        notes: list[str] = []
        for k in range(published):
            pid = persona_id(k, ids)
            c = counts.get(k, {})
            reachable = int(c.get("reachable_consenting" if exclude_opted_out else "reachable", 0))
            entry: dict[str, Any] = {
                "id": pid,
                "name": names[k],
                "customers": int(c.get("customers", 0)),
                "crm_rows": int(crm_counts.get(k, 0)),
                "with_phone": int(c.get("with_phone", 0)),
                "opted_out": int(c.get("opted_out", 0)),
                "audience_customers": reachable,
                "google": None,
                "meta": None,
                "skipped": None,
            }
            if reachable < min_n:
                why = (
                    f"{reachable} customers with an email or phone"
                    + (" who accept marketing" if exclude_opted_out else "")
                    + f", under the minimum group size of {min_n}: no audience file"
                )
                entry["skipped"] = why
                skipped.append({"id": pid, "name": names[k], "reason": why})
            else:
                for platform, header in (("google", GOOGLE_HEADER), ("meta", META_HEADER)):
                    rel = f"{platform}/{pid}.csv"
                    rows, _ = _write_csv(
                        root / rel,
                        header,
                        _rows(run, _audience_sql(k, platform, exclude_opted_out)),
                        quote_all=False,
                    )
                    files[rel] = rows
                    entry[platform] = {"file": rel, "rows": rows}
                    if platform == "meta" and rows < META_SMALL_LIST:
                        notes.append(f"{rel}: {rows} rows; Meta advises lists of at least {META_SMALL_LIST} people")
            personas.append(entry)
    finally:
        run.execute("DROP TABLE IF EXISTS _activation")
    return {
        "folder": "activation",
        "files": files,
        "personas": personas,
        "skipped": skipped,
        "min_group_size": min_n,
        "exclude_opted_out": exclude_opted_out,
        "escaped_cells": escaped,
        "crm_delta": delta,
        "identifiers": "published email and the most-seen E.164 phone per customer, SHA-256 hex "
        "(Google: gmail dots and +suffix removed, phone with +; Meta: phone digits without +)",
        "notes": notes,
    }
