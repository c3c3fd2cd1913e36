"""Forget, proven by search: 20 customers of each demo forgotten, then nothing of theirs left anywhere.

Each demo (retail and SaaS, 2,000 customers, TF-IDF themes, every card format) is built; 20 customers
with orders (subscriptions in SaaS), texts, survey answers and events are picked, those whose text is
quoted on a card first; ``personacraft forget --file`` removes them. Then every table of the
workspace (all schemas, every row cast to text) and every file under ``out/`` and ``.personacraft/``
(parquet read with DuckDB, PDFs by their text, the workspace file and other binaries byte by byte)
is searched for their emails, phones, names, source ids and texts: 0 hits. Every other customer keeps
their persona; the next build from the same exports leaves them out, counted as suppressed; the
erasure record holds no clear value. PNG cards cannot be searched without OCR: they must be drawn
again after the forget from the cleaned card (their PDF, searched, is what they are drawn from).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from personacraft.config import load_config
from personacraft.web.service import Service
from tests.conftest import tfidf_demo
from tests.web.loopback import serve

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "personacraft"]
PICK = 20


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=1800, check=False)


def quotes(doc: object) -> set[str]:
    """Every string under a key naming a quote in a JSON document."""
    found: set[str] = set()

    def walk(x: object, quoted: bool) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, quoted or "quote" in str(k).lower())
        elif isinstance(x, list):
            for v in x:
                walk(v, quoted)
        elif quoted and isinstance(x, str):
            found.add(x)

    walk(doc, False)
    return found


def pick(ws: Path, shown: set[str], kind: str) -> dict[str, list[str]]:
    """20 customers with orders (or subscriptions), texts, survey answers and events, quoted ones first; their
    search terms by kind."""
    con = duckdb.connect(str(ws), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE shown (body VARCHAR)")
        con.executemany("INSERT INTO shown VALUES (?)", [[q] for q in shown])
        money = "orders" if kind == "retail" else "subscriptions"
        keys = [
            r[0]
            for r in con.execute(
                f"""WITH has AS (
                  SELECT c.customer_key,
                    EXISTS (SELECT 1 FROM run_0001.text_themes t JOIN shown s ON s.body = t.body_redacted
                            WHERE t.customer_key = c.customer_key) AS quoted,
                    EXISTS (SELECT 1 FROM run_0001.text_themes t WHERE t.customer_key = c.customer_key
                            AND lower(t.body_redacted) IN (SELECT lower(body_redacted) FROM run_0001.text_themes
                                GROUP BY 1 HAVING count(DISTINCT customer_key) = 1)) AS own_words
                  FROM run_0001.customer_index c
                  WHERE c.customer_key IN (SELECT i.customer_key FROM run_0001.{money} m
                                           JOIN run_0001.identity i ON i.node = 'id:' || m.customer_id
                                              OR i.node = 'email:' || lower(trim(m.email)))
                    AND c.customer_key IN (SELECT customer_key FROM run_0001.text_themes)
                    AND c.customer_key IN (SELECT customer_key FROM run_0001.survey_features)
                    AND c.customer_key IN (SELECT customer_key FROM run_0001.journey_touches))
                -- half quoted on a card, half with words nobody else wrote (a template quoted proves little)
                (SELECT customer_key FROM has WHERE quoted ORDER BY own_words DESC, customer_key LIMIT {PICK // 2})
                UNION ALL (SELECT customer_key FROM has WHERE NOT quoted ORDER BY own_words DESC, customer_key
                           LIMIT {PICK})"""
            ).fetchall()
        ][:PICK]
        assert len(keys) == PICK
        con.execute("CREATE TEMP TABLE picked (customer_key VARCHAR)")
        con.executemany("INSERT INTO picked VALUES (?)", [[k] for k in keys])
        nodes = [
            r[0]
            for r in con.execute(
                "SELECT node FROM run_0001.identity WHERE customer_key IN (SELECT customer_key FROM picked)"
            ).fetchall()
        ]
        terms: dict[str, set[str]] = {"email": set(), "id": set(), "phone": set(), "text": set(), "name": set()}
        for node in nodes:
            kind_, _, value = node.partition(":")
            if kind_ == "email":
                terms["email"].add(value)
            elif kind_ in ("id", "anon"):
                terms["id"].add(value)
                terms["id"].add(value.rsplit(":", 1)[-1])
            elif kind_ == "phone":
                terms["phone"].add(value)
        terms["id"].update(keys)
        for raw, e164 in con.execute("SELECT raw, e164 FROM run_0001.phones").fetchall():
            if e164 and e164 in terms["phone"]:
                terms["phone"].add(raw)
        mine = "(SELECT node FROM run_0001.identity WHERE customer_key IN (SELECT customer_key FROM picked))"
        person = f"coalesce('id:' || customer_id IN {mine} OR 'email:' || lower(trim(email)) IN {mine}, false)"
        # their texts, where nobody else wrote the same words (in any case)
        others = (
            f"SELECT lower(body) FROM run_0001.texts WHERE NOT {person} AND body IS NOT NULL "
            f"UNION ALL SELECT lower(answer) FROM run_0001.survey_answers WHERE NOT {person} AND answer IS NOT NULL"
        )
        for (body,) in con.execute(
            f"""SELECT DISTINCT body FROM run_0001.texts WHERE {person} AND length(body) >= 25
            AND lower(body) NOT IN ({others})"""
        ).fetchall():
            terms["text"].add(body)
        for (answer,) in con.execute(
            f"""SELECT DISTINCT answer FROM run_0001.survey_answers WHERE {person} AND length(answer) >= 25
            AND lower(answer) NOT IN ({others})"""
        ).fetchall():
            terms["text"].add(answer)
        # a full name nobody else has
        for first, last in con.execute(
            f"""SELECT DISTINCT first_name, last_name FROM run_0001.customers WHERE {person}
            AND first_name IS NOT NULL AND last_name IS NOT NULL AND (first_name, last_name) NOT IN (
              SELECT (first_name, last_name) FROM run_0001.customers WHERE NOT {person} AND first_name IS NOT NULL)"""
        ).fetchall():
            terms["name"].add(f"{first}\t{last}")
        quoted = con.execute(
            "SELECT count(DISTINCT t.customer_key) FROM run_0001.text_themes t "
            "JOIN shown s ON s.body = t.body_redacted WHERE t.customer_key IN (SELECT customer_key FROM picked)"
        ).fetchall()[0][0]
    finally:
        con.close()
    out = {k: sorted(v) for k, v in terms.items()}
    out["keys"] = keys
    out["quoted"] = [str(quoted)]
    return out


def full_name(first: str, last: str) -> re.Pattern[str]:
    """First then last name, as one field ("Ann Lee"), two fields ("Ann,Lee") or a row cast to text
    ("first_name: ann, last_name: lee")."""
    gap = r"(?:[\s,;|\t\"']{1,4}|[\s,;|\"']+'?last_name'?[\s:=\"']+)"
    return re.compile(rf"(?<![a-z]){re.escape(first)}{gap}{re.escape(last)}(?![a-z])")


class Terms:
    """The values searched for, each as a whole word (``usr_6`` is not found in ``usr_61``), and the full names."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.words = sorted({t.lower() for k in ("email", "id", "phone", "text") for t in terms[k] if len(t) >= 4})
        self.names = [full_name(*pair.lower().split("\t")) for pair in terms["name"]]
        self.lasts = "|".join(re.escape(pair.lower().split("\t")[1]) for pair in terms["name"])
        # for DuckDB (RE2 has no lookbehind): a word with a non-word character or an end on each side
        alternation = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
        self.sql = rf"(^|[^a-z0-9_])({alternation})($|[^a-z0-9_])"

    def hits(self, text: str, *, names: bool = True) -> list[str]:
        low = text.lower()
        found = []
        for w in self.words:
            start = low.find(w)
            while start >= 0:
                before = low[start - 1] if start else " "
                end = start + len(w)
                after = low[end] if end < len(low) else " "
                if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                    found.append(w)
                    break
                start = low.find(w, start + 1)
        if names:
            found += [m.group(0) for p in self.names for m in [p.search(low)] if m]
        return found


def search_tables(ws: Path, terms: Terms) -> list[str]:
    """Every row of every table of every schema, cast to text (values found by DuckDB, names checked per row)."""
    con = duckdb.connect(str(ws), read_only=True)
    found = []
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        assert len(tables) > 30
        lasts = terms.lasts
        for schema, table in tables:
            q = f'SELECT lower(CAST(t AS VARCHAR)) AS r FROM "{schema}"."{table}" t'
            rows = con.execute(f"SELECT r FROM ({q}) WHERE regexp_matches(r, ?) LIMIT 3", [terms.sql]).fetchall()
            for (r,) in rows:
                got = terms.hits(r, names=False)
                if got:
                    found.append(f"{schema}.{table}: {got[:3]}")
                    break
            if lasts:
                for (r,) in con.execute(f"SELECT r FROM ({q}) WHERE regexp_matches(r, ?)", [lasts]).fetchall():
                    got = [h for h in terms.hits(r) if h not in terms.words]
                    if got:
                        found.append(f"{schema}.{table}: name {got[0]}")
                        break
    finally:
        con.close()
    return found


def search_files(roots: list[Path], terms: Terms) -> tuple[list[str], dict[str, int]]:
    """Every file under ``roots``: parquet through DuckDB, PDF by its text and its bytes, the rest by its bytes
    (full names too, first then last)."""
    found, seen = [], {"parquet": 0, "pdf": 0, "png": 0, "other": 0}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix == ".parquet":
                seen["parquet"] += 1
                con = duckdb.connect()
                rows = con.execute(f"SELECT CAST(t AS VARCHAR) FROM read_parquet('{path}') t").fetchall()
                con.close()
                text = "\n".join(r[0] for r in rows) + "\n" + path.read_bytes().decode("latin-1")
            elif path.suffix == ".pdf":
                seen["pdf"] += 1
                import pypdfium2 as pdfium

                doc = pdfium.PdfDocument(str(path))
                text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
                doc.close()
                text += "\n" + path.read_bytes().decode("latin-1")
            else:
                seen["png" if path.suffix == ".png" else "other"] += 1
                raw = path.read_bytes()
                text = raw.decode("utf-8", errors="replace")
            got = terms.hits(text)
            if got:
                found.append(f"{path}: {got[:3]}")
    return found, seen


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as r:
        return str(r.read().decode("utf-8"))


def assignments(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {r["customer_id"]: r["persona_id"] for r in csv.DictReader(f)}


@pytest.mark.parametrize("kind", ["retail", "saas"])
def test_forgotten_customers_are_found_nowhere(tmp_path: Path, kind: str) -> None:
    config = tfidf_demo(tmp_path / kind, kind, 2000, 1)
    root = config.parent
    built = cli("build", "--config", str(config))
    assert built.returncode == 0, built.stderr
    ws = root / ".personacraft" / "workspace.duckdb"
    shown = quotes(json.loads((root / "out" / "personas.json").read_text(encoding="utf-8")))
    terms = pick(ws, shown, kind)
    assert int(terms["quoted"][0]) >= 5, "too few of them are quoted on a card: the test would prove little"
    assert terms["email"] and terms["id"] and terms["name"]
    # the SaaS demo's chats and answers are shared templates: no text there is one person's alone
    assert terms["text"] or kind == "saas"
    search = Terms(terms)
    # the search finds them before the forget: it can fail
    assert search_tables(ws, search)
    before_files, _ = search_files([root / "out"], search)
    assert before_files
    before = assignments(root / "out" / "assignments.csv")

    listing = tmp_path / "forget.csv"
    emails = {}
    con = duckdb.connect(str(ws), read_only=True)
    for key in terms["keys"]:
        rows = con.execute("SELECT email FROM run_0001.customer_index WHERE customer_key = ?", [key]).fetchall()
        emails[key] = rows[0][0] if rows and rows[0][0] else key
    con.close()
    # by email, by bare source id, by namespaced key: every way a request names someone
    given = [
        emails[k] if i % 3 == 0 else (k.rsplit(":", 1)[-1] if i % 3 == 1 else k) for i, k in enumerate(terms["keys"])
    ]
    listing.write_text("key\n" + "\n".join(given) + "\n", encoding="utf-8")
    # a server running through the forget picks it up on its next request
    server = serve(Service(load_config(config)))
    base = next(server)
    personas = json.loads((root / "out" / "personas.json").read_text(encoding="utf-8"))["personas"]
    pages = ["/", "/health", "/journeys", "/activation/crm.csv"] + [f"/personas/{p['id']}" for p in personas]
    assert "No erasure request recorded" in get(base + "/health")
    assert any(search.hits(get(base + page)) for page in pages)
    started = time.time()
    done = cli("forget", "--file", str(listing), "nobody-at-all@example.com", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "1 of 21 key(s) named nobody" in " ".join(done.stderr.split())
    salt = (root / ".personacraft" / "erasure.salt").read_text(encoding="ascii").strip()
    assert salt not in done.stdout + done.stderr

    try:
        assert "1 erasure request recorded" in " ".join(get(base + "/health").split())
        served = {page: search.hits(get(base + page)) for page in pages}
        assert not any(served.values()), served
    finally:
        next(server, None)
    table_hits = search_tables(ws, search)
    file_hits, seen = search_files([root / "out", root / ".personacraft"], search)
    assert not table_hits, table_hits[:10]
    assert not file_hits, file_hits[:10]
    assert seen["parquet"] >= 1 and seen["pdf"] >= 1 and seen["other"] > 10
    # PNG cards are drawn from the cleaned PDF again
    for png in (root / "out").rglob("*.png"):
        assert png.stat().st_mtime >= started, png

    after = assignments(root / "out" / "assignments.csv")
    forgotten = set(terms["keys"])
    assert set(after) == set(before) - forgotten
    assert all(after[c] == before[c] for c in after)
    record = [json.loads(line) for line in (root / ".personacraft" / "erasures.jsonl").read_text().splitlines()]
    assert len(record) == 1 and record[0]["people"] == PICK
    assert sum(k["found"] for k in record[0]["keys"]) == PICK

    rebuilt = cli("build", "--config", str(config))
    assert rebuilt.returncode == 0, rebuilt.stderr
    acc = json.loads((root / "out" / "accounting.json").read_text(encoding="utf-8"))
    assert acc["balanced"] and sum(s.get("suppressed", 0) for s in acc["sources"]) >= PICK
    new = assignments(root / "out" / "assignments.csv")
    assert len(new) == len(before) - PICK
    assert not search_tables(ws, search)
    file_hits, _ = search_files([root / "out", root / ".personacraft"], search)
    assert not file_hits, file_hits[:10]
