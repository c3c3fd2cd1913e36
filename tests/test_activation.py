"""Activation exports: normalisation and hashing by the vendors' rules, CSV-injection safety,
and the files of a real (small) retail build checked against its assignments.csv."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from personacraft.activation import (
    _google_email_sql,
    normalise_email,
    normalise_phone_e164,
    normalise_phone_meta,
    safe_cell,
    sha256_hex,
    write_activation,
    write_crm_delta,
)
from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import build
from personacraft.store import Workspace


def h(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


# -- normalisation and hashing, against hand-written expectations ----------------------------
def test_email_google_and_meta_hashes() -> None:
    raw = "  John.Doe@GMAIL.com "
    assert normalise_email(raw, google=True) == "johndoe@gmail.com"
    assert normalise_email(raw, google=False) == "john.doe@gmail.com"
    assert sha256_hex(normalise_email(raw, google=True) or "") == hashlib.sha256(b"johndoe@gmail.com").hexdigest()
    assert sha256_hex(normalise_email(raw, google=False) or "") == hashlib.sha256(b"john.doe@gmail.com").hexdigest()


@pytest.mark.parametrize(
    ("raw", "google", "meta"),
    [
        # Google's own examples: gmail loses dots and +suffix, other domains keep both
        (
            "cloudy.sanfrancisco+shopping@gmail.com",
            "cloudysanfrancisco@gmail.com",
            "cloudy.sanfrancisco+shopping@gmail.com",
        ),
        ("user.name+NYC@Example.com", "user.name+nyc@example.com", "user.name+nyc@example.com"),
        ("A.B+news@GoogleMail.com", "ab@googlemail.com", "a.b+news@googlemail.com"),
        ("first.last@gmail.co.uk", "first.last@gmail.co.uk", "first.last@gmail.co.uk"),
        ("not an email", None, None),
        ("", None, None),
        ("a@@b.com", None, None),
        (".+x@gmail.com", None, ".+x@gmail.com"),  # nothing left of the local part for Google
    ],
)
def test_email_rules(raw: str, google: str | None, meta: str | None) -> None:
    assert normalise_email(raw, google=True) == google
    assert normalise_email(raw, google=False) == meta


def test_phone_google_and_meta_hashes() -> None:
    raw = "+1 (415) 555-0123"
    assert normalise_phone_e164(raw) == "+14155550123"
    assert normalise_phone_meta(raw) == "14155550123"
    assert sha256_hex(normalise_phone_e164(raw) or "") == hashlib.sha256(b"+14155550123").hexdigest()
    assert sha256_hex(normalise_phone_meta(raw) or "") == hashlib.sha256(b"14155550123").hexdigest()


def test_phone_national_and_unusable() -> None:
    # a national number takes its record's country; the trunk 0 goes, as Meta wants no leading zeros
    assert normalise_phone_e164("020 7946 0018", "GB") == "+442079460018"
    assert normalise_phone_meta("020 7946 0018", "GB") == "442079460018"
    assert normalise_phone_meta("0044 20 7946 0018") == "442079460018"
    assert normalise_phone_e164("call me") is None
    assert normalise_phone_meta("12") is None


def test_sha256_matches_duckdb_and_sql_email_rule_matches_python() -> None:
    emails = [
        "john.doe@gmail.com",
        "a.b+c@googlemail.com",
        "user.name+nyc@example.com",
        "zoë.pérez@gmail.com",
        ".+x@gmail.com",
    ]
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT e, sha256(e), sha256({_google_email_sql('e')}) FROM unnest(?::VARCHAR[]) t(e)", [emails]
        ).fetchall()
    finally:
        con.close()
    for e, plain, google in rows:
        assert plain == sha256_hex(e) == h(e)
        g = normalise_email(e, google=True)
        assert google == (h(g) if g else None)


# -- CSV injection -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"],
)
def test_formula_cells_are_escaped(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Deal hunter", "Deal hunter"),
        ("a=b", "a=b"),
        ("jane@example.com", "jane@example.com"),
        (None, ""),
        (0.9731, "0.9731"),
        (-1.5, "-1.5"),
        (3, "3"),
    ],
)
def test_normal_cells_are_unchanged(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


# -- end to end on a small retail build --------------------------------------------------------
EVIL_NAME = '=HYPERLINK("http://evil.example","x")'
SWITCHBOARD = "+1 (415) 555-0199"


@dataclass
class Exported:
    root: Path
    out: Path  # the activation folder with consent respected (the default)
    everyone: Path  # the activation folder with opted-out customers kept
    summary: dict[str, Any]
    summary_everyone: dict[str, Any]
    summary_skip: dict[str, Any]
    skip: Path
    names: list[str]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("activation")
    generate("retail", root, 300, 3)
    # plant hostile and messy emails in the shop's export, as a customer could type them
    export = root / "data" / "customers_export.csv"
    with export.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    rows[0]["Email"] = "  =Kelly.Farley+Promo@GMAIL.com "
    rows[1]["Email"] = "-dash@example.com"
    rows[2]["Email"] = "@at.Sign@example.com"  # not an email (two @): no published email
    for r in rows[10:13]:  # a switchboard: one number on three customers, kept out of identity and audiences
        r["Phone"] = SWITCHBOARD
    with export.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    config = root / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    result = build(load_config(config))
    names = [p.name for p in result.personas]
    assert len(names) >= 2
    names[0] = EVIL_NAME
    ws = Workspace(root / ".personacraft" / "workspace.duckdb")
    try:
        run = ws.run()
        kw: dict[str, Any] = {"published": len(names), "names": names}
        summary = write_activation(run, out_dir=root / "a", min_n=5, **kw)
        everyone = write_activation(run, out_dir=root / "b", min_n=5, exclude_opted_out=False, **kw)
        # a first export leaves files; a second one whose personas are all too small removes them
        write_activation(run, out_dir=root / "c", min_n=5, **kw)
        skip = write_activation(run, out_dir=root / "c", min_n=10**6, **kw)
        with pytest.raises(ValueError):
            write_activation(run, out_dir=root / "d", min_n=5, published=len(names), names=names[:-1])
    finally:
        ws.close()
    return Exported(
        root,
        root / "a" / "activation",
        root / "b" / "activation",
        summary,
        everyone,
        skip,
        root / "c" / "activation",
        names,
    )


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def assignments(e: Exported) -> list[dict[str, str]]:
    with (e.root / "out" / "assignments.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def shop_customers(e: Exported) -> dict[str, dict[str, str]]:
    """The shop's export by customer id as the build keys it (``shopify:<id>``)."""
    with (e.root / "data" / "customers_export.csv").open(newline="", encoding="utf-8") as fh:
        return {"shopify:" + r["Customer ID"].lstrip("'"): r for r in csv.DictReader(fh)}


def test_crm_file_is_assignments_with_a_persona(exported: Exported) -> None:
    rows = read_rows(exported.out / "crm_personas.csv")
    assert rows[0] == ["Email", "Persona", "Persona ID", "Persona Confidence"]
    body = rows[1:]
    expected = sorted(
        (a["email"], a["persona_id"], float(a["confidence"]))
        for a in assignments(exported)
        if a["email"] and a["persona_id"]
    )
    got = [(unescape(r[0]), r[2], float(r[3])) for r in body]
    assert got == expected  # exactly those customers, sorted by email
    for r in body:
        k = int(r[2][1:]) - 1
        assert unescape(r[1]) == exported.names[k]
    assert len(body) == exported.summary["files"]["crm_personas.csv"]
    # the planted emails are published, trimmed and lower-cased, and escaped in the CRM file
    emails = {r[0] for r in body}
    assert "'=kelly.farley+promo@gmail.com" in emails
    assert "'-dash@example.com" in emails
    assert not any("at.sign" in e for e in emails)
    assert exported.summary["escaped_cells"] >= 2


def expected_audiences(e: Exported, *, consent: bool) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """Per persona id and platform, the (email hash, phone hash) rows recomputed from
    assignments.csv and the shop's export with hashlib."""
    shop = shop_customers(e)
    # a number on more than two customers' emails is not theirs to share (identity resolution's rule)
    emails_per_phone: dict[str, set[str]] = {}
    for r in shop.values():
        if r["Phone"]:
            p = normalise_phone_e164(r["Phone"], r["Default Address Country Code"]) or ""
            emails_per_phone.setdefault(p, set()).add(r["Email"].strip().lower())
    shared = {p for p, emails in emails_per_phone.items() if len(emails) > 2}
    assert shared == {"+14155550199"}
    out: dict[str, dict[str, set[tuple[str, str]]]] = {}
    for a in assignments(e):
        if not a["persona_id"]:
            continue
        row = shop.get(a["customer_id"], {})
        if consent and row.get("Accepts Email Marketing") == "no":
            continue
        email = a["email"]
        e164 = normalise_phone_e164(row["Phone"], row["Default Address Country Code"]) if row.get("Phone") else None
        if e164 in shared:
            e164 = None
        if not email and not e164:
            continue
        local, _, domain = email.partition("@")
        g_email = (
            local.split("+")[0].replace(".", "") + "@" + domain if domain in ("gmail.com", "googlemail.com") else email
        )
        google = (h(g_email) if email else "", h(e164) if e164 else "")
        meta = (h(email) if email else "", h(e164[1:]) if e164 else "")
        per = out.setdefault(a["persona_id"], {"google": set(), "meta": set()})
        per["google"].add(google)
        per["meta"].add(meta)
    return out


@pytest.mark.parametrize("consent", [True, False])
def test_audience_files_hash_each_personas_customers(exported: Exported, consent: bool) -> None:
    folder, summary = (exported.out, exported.summary) if consent else (exported.everyone, exported.summary_everyone)
    expected = expected_audiences(exported, consent=consent)
    assert summary["exclude_opted_out"] is consent
    assert not summary["skipped"]
    for pid, per in expected.items():
        for platform, header in (("google", ["Email", "Phone"]), ("meta", ["email", "phone"])):
            rows = read_rows(folder / platform / f"{pid}.csv")
            assert rows[0] == header
            got = {(r[0], r[1]) for r in rows[1:]}
            assert got == per[platform], (pid, platform)
            assert len(rows) - 1 == summary["files"][f"{platform}/{pid}.csv"]
    if not consent:
        # the planted gmail address: Google's hash drops dots and +suffix, Meta's keeps them
        google = "".join(p.read_text(encoding="utf-8") for p in (folder / "google").glob("*.csv"))
        meta = "".join(p.read_text(encoding="utf-8") for p in (folder / "meta").glob("*.csv"))
        assert h("=kellyfarley@gmail.com") in google
        assert h("=kelly.farley+promo@gmail.com") in meta
        assert h("=kelly.farley+promo@gmail.com") not in google


def test_opted_out_customers_are_counted_and_left_out(exported: Exported) -> None:
    kept = sum(p["audience_customers"] for p in exported.summary["personas"])
    everyone = sum(p["audience_customers"] for p in exported.summary_everyone["personas"])
    opted_out = sum(p["opted_out"] for p in exported.summary["personas"])
    assert opted_out > 0
    assert kept < everyone


def test_no_cell_starts_a_formula_and_lines_end_in_newline(exported: Exported) -> None:
    files = [p for folder in (exported.out, exported.everyone) for p in folder.rglob("*.csv")]
    assert len(files) == 2 * (2 + 2 * len(exported.names))  # the CRM file and its delta, two audiences each
    for path in files:
        raw = path.read_bytes()
        assert b"\r\n" not in raw
        assert raw.endswith(b"\n")
        for row in read_rows(path):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path, cell)


def test_small_personas_write_no_audience_and_say_why(exported: Exported) -> None:
    summary = exported.summary_skip
    assert [s["id"] for s in summary["skipped"]] == [f"p{k + 1}" for k in range(len(exported.names))]
    assert all("under the minimum group size" in s["reason"] for s in summary["skipped"])
    assert all(p["google"] is None and p["meta"] is None for p in summary["personas"])
    assert list(summary["files"]) == ["crm_personas.csv", "crm_personas_delta.csv"]
    # files from the earlier export into the same folder are gone: no stale audience is left
    assert not list((exported.skip / "google").glob("*.csv"))
    assert not list((exported.skip / "meta").glob("*.csv"))
    assert (exported.skip / "crm_personas.csv").exists()


# -- the CRM delta, over two runs' crm_personas tables in a real workspace -------------------
def _crm_run(ws: Workspace, rows: list[tuple[str, str, str, str, float]], finish: bool = True) -> Any:
    """A run whose CRM write-back is ``rows`` of (customer_key, email, persona, persona_id, confidence)."""
    run = ws.new_run(config_hash="h", config={}, inputs=[], version="test")
    run.execute(
        f"CREATE TABLE {run.t('crm_personas')} (customer_key VARCHAR, email VARCHAR, persona VARCHAR, "
        "persona_id VARCHAR, confidence DOUBLE)"
    )
    for r in rows:
        run.execute(f"INSERT INTO {run.t('crm_personas')} VALUES (?, ?, ?, ?, ?)", list(r))
    if finish:
        run.finish(out_dir="x", summary={})
    return run


def test_crm_delta_lists_new_changed_and_left_customers(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        first = _crm_run(ws, [("c1", "a@x.io", "Bargain hunter", "p1", 0.9), ("c2", "b@x.io", "Loyal", "p2", 0.8),
                              ("c3", "c@x.io", "Loyal", "p2", 0.7), ("c4", "d@x.io", "Loyal", "p2", 0.6)])  # fmt: skip
        assert write_crm_delta(first, tmp_path / "first.csv")["since_run"] is None  # no earlier run: every row
        assert len(read_rows(tmp_path / "first.csv")) == 5
        _crm_run(ws, [("c1", "a@x.io", "Bargain hunter", "p1", 0.9)], finish=False)  # a failed run is no baseline
        second = _crm_run(
            ws,
            [
                ("c1", "a@x.io", "Bargain hunter", "p1", 0.5),  # same persona, other confidence: not listed
                ("c2", "b@x.io", "Bargain hunter", "p1", 0.8),  # moved
                ("c3", "c@x.io", "=Loyal fans", "p2", 0.7),  # same id, persona renamed: the CRM's name is stale
                ("c5", "e@x.io", "Loyal", "p2", 0.9),  # new
            ],  # c4 left (or is in no published persona now)
        )
        summary = write_crm_delta(second, tmp_path / "delta.csv")
    assert summary == {"file": "delta.csv", "since_run": first.run_id, "rows": 4, "new": 1, "changed": 2, "left": 1}
    assert read_rows(tmp_path / "delta.csv") == [
        ["Email", "Persona", "Persona ID", "Persona Confidence"],
        ["b@x.io", "Bargain hunter", "p1", "0.8"],
        ["c@x.io", "'=Loyal fans", "p2", "0.7"],
        ["d@x.io", "", "", ""],
        ["e@x.io", "Loyal", "p2", "0.9"],
    ]


# -- every email a source gives a customer is written back, on a small hand-made run ----------------
def test_every_email_of_every_source_is_in_the_crm_write_back(tmp_path: Path) -> None:
    from personacraft.unify import unify

    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.execute(
            f"INSERT INTO {run.t('customers')} (customer_id, email, phone, country, _source, _file, _line) VALUES "
            # the reported case: two shop customers with one phone number
            "('shopify:1', 'ann@x.com', '+1 415 555 0101', 'US', 'shop', 'f', 2), "
            "('shopify:2', 'ben@x.com', '(415) 555-0101', 'US', 'shop', 'f', 3), "
            # a point-of-sale export gives Cleo a second email, found by her phone
            "('shopify:3', 'cleo@x.com', '+14155550133', NULL, 'shop', 'f', 4), "
            "(NULL, 'Cleo.Work@Y.io', '+1 415 555 0133', NULL, 'pos', 'g', 2), "
            # two shop ids with one email: each keeps it
            "('shopify:4', 'same@x.com', NULL, NULL, 'shop', 'f', 5), "
            "('shopify:5', 'same@x.com', NULL, NULL, 'shop', 'f', 6)"
        )
        run.execute(
            f"INSERT INTO {run.t('orders')} (order_id, email, _source, _file, _line) VALUES "
            "('o1', 'ben@x.com', 'orders', 'o', 2), ('o2', 'guest@z.com', 'orders', 'o', 3)"
        )
        run.execute(
            f"INSERT INTO {run.t('texts')} (text_id, customer_id, email, body, _source, _file, _line) VALUES "
            "('t1', 'shopify:1', 'ann.reviews@x.com', 'good', 'reviews', 'r', 2)"
        )
        rep = unify(run)
        assert rep.kept_apart["phone"] == 1 and rep.kept_apart["email"] == 1
        run.execute(
            f"CREATE TABLE {run.t('labels')} AS SELECT customer_key, "
            "(row_number() OVER (ORDER BY customer_key) % 2)::INTEGER AS persona, 0.9 AS confidence "
            f"FROM {run.t('customer_index')}"
        )
        summary = write_activation(run, published=2, names=["A", "B"], out_dir=tmp_path, min_n=1)
        rows = read_rows(tmp_path / "activation" / "crm_personas.csv")[1:]
    emails = [r[0] for r in rows]
    source_emails = {"ann@x.com", "ben@x.com", "cleo@x.com", "cleo.work@y.io", "same@x.com", "guest@z.com"}
    assert sorted(emails) == sorted(source_emails | {"ann.reviews@x.com"})  # each email once
    by_email = {r[0]: r[2] for r in rows}
    assert all(by_email[e] in ("p1", "p2") for e in emails)  # every contact gets a persona
    assert by_email["cleo@x.com"] == by_email["cleo.work@y.io"]  # one customer, one persona, two rows
    assert sum(p["crm_rows"] for p in summary["personas"]) == len(rows)
