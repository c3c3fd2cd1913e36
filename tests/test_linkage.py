"""``[identity] method = "splink"``: Splink's matches join records the rules cannot, never two ids of one system."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from faker import Faker

from personacraft.store import Workspace
from personacraft.unify import unify
from personacraft.unify.linkage import splink_linker

pytest.importorskip("splink", reason="the linkage extra is not installed: pip install 'personacraft[linkage]'")
pytestmark = pytest.mark.slow  # trains a Splink model (about 10 s)


def _records(seed: int) -> list[tuple[str | None, str, str, str, str, str, int]]:
    """200 shop customers; 60 of them also in a CRM under a work email (same name and city; the first 30 with
    their phone, the others without); 30 pairs of relatives with two shop accounts sharing a surname, a city
    and a landline."""
    fake, rng = Faker("en_US"), random.Random(seed)
    Faker.seed(seed)
    rows: list[tuple[str | None, str, str, str, str, str, int]] = []
    for n in range(200):
        first, last, city, phone = fake.first_name(), fake.last_name(), fake.city(), fake.numerify("+1415#######")
        rows.append((f"shopify:{n}", f"{first}.{last}{n}@gmail.com", first, last, city, phone, len(rows) + 2))
        if n < 60:
            crm_phone = phone if n < 30 else ""
            rows.append((f"hubspot:{n}", f"{first[0]}{last}{n}@work.io", first, last, city, crm_phone, len(rows) + 2))
        elif n < 90:
            other = fake.first_name()
            rows.append((f"shopify:r{n}", f"{other}.{last}{n}@yahoo.com", other, last, city, phone, len(rows) + 2))
    rng.shuffle(rows)
    return rows


def _build(tmp_path: Path, name: str, splink: bool = True) -> tuple[dict[str, str], dict[str, object]]:
    with Workspace(tmp_path / f"{name}.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.con.executemany(
            f"INSERT INTO {run.t('customers')} (customer_id, email, first_name, last_name, city, phone, _line, "
            "country, _source, _file) VALUES (?, ?, ?, ?, ?, ?, ?, 'US', 's', 'f')",
            _records(7),
        )
        found: dict[str, object] = {}
        rep = unify(run, links=splink_linker(0.99999, seed=1, found=found) if splink else None)
        ids = f"SELECT node, customer_key FROM {run.t('identity')} WHERE node LIKE 'id:%'"
        keys = dict(run.execute(ids).fetchall())
        assert rep.kept_apart["phone"] >= 30  # the relatives' landlines: two shop ids each
        return keys, found


def test_splink_links_crm_duplicates_and_never_two_shop_accounts(tmp_path: Path) -> None:
    rules, _ = _build(tmp_path, "rules", splink=False)
    keys, found = _build(tmp_path, "a")

    def joined(k: dict[str, str], ns: range) -> int:
        return sum(k[f"id:hubspot:{n}"] == k[f"id:shopify:{n}"] for n in ns)

    assert joined(rules, range(30)) == joined(keys, range(30)) == 30  # the phone joins them; Splink keeps that
    assert joined(rules, range(30, 60)) == 0  # no shared key: the rules cannot join them
    assert joined(keys, range(30, 60)) >= 20  # Splink does, on name, city and the email's user name
    assert all(keys[f"id:shopify:r{n}"] != keys[f"id:shopify:{n}"] for n in range(60, 90))
    shop = [k for node, k in keys.items() if node.startswith("id:shopify:")]
    assert len(shop) == len(set(shop)) == 230  # no two shop accounts in one customer
    assert found["method"] == "splink" and found["records"] == 290 and int(str(found["links"])) > 0
    again, _ = _build(tmp_path, "b")
    assert again == keys  # deterministic


def test_records_with_nothing_in_common_train_and_link_nothing(tmp_path: Path) -> None:
    """No pair agrees on email or on full name and city (Splink's own prior estimate is 0): no crash, no link."""
    fake = Faker("en_US")
    Faker.seed(3)
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        rows = [(f"shopify:{n}", f"u{n}@x.com", f"{fake.first_name()}{n}", fake.last_name(), fake.city(), n + 2)
                for n in range(80)]  # fmt: skip
        run.con.executemany(
            f"INSERT INTO {run.t('customers')} (customer_id, email, first_name, last_name, city, _line, "
            "_source, _file) VALUES (?, ?, ?, ?, ?, ?, 's', 'f')",
            rows,
        )
        found: dict[str, object] = {}
        rep = unify(run, links=splink_linker(0.9999999, seed=1, found=found))
        assert rep.customers == 80 and found["records"] == 80 and found["links"] == 0
