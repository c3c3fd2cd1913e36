"""Identity on a real (small) retail build: two shop customers sharing a phone stay two, and every
email of every source is in the CRM write-back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.pipeline import build

pytestmark = pytest.mark.slow  # builds a 300-customer retail demo
EMAIL_COLUMNS = {  # every file of the demo that names people by email, and its email column
    "customers_export.csv": "Email",
    "orders_export.csv": "Email",
    "typeform_responses.csv": "email",
    "judgeme_reviews.csv": "reviewer_email",
    "pos_customers.csv": "Email",
}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_shared_phone_keeps_two_customers_and_every_email_is_written_back(tmp_path: Path) -> None:
    generate("retail", tmp_path, 300, 3)
    data = tmp_path / "data"
    fields, shop = _read(data / "customers_export.csv")
    with_phone = [r for r in shop if r["Phone"]]
    a, b = with_phone[0], with_phone[1]
    b["Phone"] = a["Phone"]  # the reported case: two Customer IDs, one number
    _write(data / "customers_export.csv", fields, shop)
    # a point-of-sale export: the same people under a second email, found by their phone
    pos = [{"Email": f"pos.{i}@till.example", "Phone": r["Phone"]} for i, r in enumerate(with_phone[2:12])]
    _write(data / "pos_customers.csv", ["Email", "Phone"], pos)
    config = tmp_path / "personacraft.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[sources]]\nkind = "csv"\npath = "data/pos_customers.csv"\ntable = "customers"\n'
        + '[sources.columns]\nemail = "Email"\nphone = "Phone"\n\n[text]\nmethod = "tfidf"\n',
        encoding="utf-8",
    )
    result = build(load_config(config))
    out = result.out_dir
    _, assignments = _read(out / "assignments.csv")
    by_id = {r["customer_id"]: r for r in assignments}
    ida, idb = ("shopify:" + r["Customer ID"].lstrip("'") for r in (a, b))
    assert by_id[ida]["email"] == a["Email"].strip().lower() and by_id[idb]["email"] == b["Email"].strip().lower()
    identity = json.loads((out / "accounting.json").read_text(encoding="utf-8"))["identity"]
    assert identity["kept_apart"]["phone"] == 1
    assert [sorted(x["ids"]) for x in identity["kept_apart_examples"]] == [sorted(["id:" + ida, "id:" + idb])]
    assert a["Email"].lower() not in json.dumps(identity) and a["Phone"] not in json.dumps(identity)
    # every email any source gives a customer is in the CRM write-back, with a persona
    _, crm = _read(out / "activation" / "crm_personas.csv")
    written = {r["Email"].lstrip("'"): r["Persona ID"] for r in crm}
    assert all(written.values())
    for name, column in EMAIL_COLUMNS.items():
        _, rows = _read(data / name)
        emails = {r[column].strip().lower() for r in rows if "@" in r[column]}
        assert emails and emails <= set(written), (name, sorted(emails - set(written))[:5])
    # the POS emails join their shop customers: one persona for both of a person's emails
    for i, r in enumerate(with_phone[2:12]):
        assert written[f"pos.{i}@till.example"] == written[r["Email"].strip().lower()]
