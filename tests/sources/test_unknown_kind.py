"""An unknown kind: the error suggests the built-in kind whose columns the file's header has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import SourceConfig
from personacraft.errors import ConfigError
from personacraft.sources import make_source

STRIPE_SUBSCRIPTIONS = "id,Customer ID,Customer Email,Plan,Status,Created (UTC),Canceled At (UTC)\n"
HUBSPOT_DEALS = "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Is Closed Won\n"


@pytest.mark.parametrize(
    ("kind", "name", "first_line", "expected"),
    [
        ("subscriptions", "subs.csv", STRIPE_SUBSCRIPTIONS, "stripe_subscriptions"),
        ("deals", "deals.csv", HUBSPOT_DEALS, "hubspot_deals"),
        # the name is closest to hubspot_contacts, the header is Shopify's: the header wins
        ("hubspot_contact", "people.csv", "Customer ID,First Name,Last Name,Email,Total Spent,Total Orders\n",
         "shopify_customers"),
        ("intercom", "c.jsonl", json.dumps({"id": "1", "created_at": 1, "state": "closed"}) + "\n",
         "intercom_conversations"),
    ],
)  # fmt: skip
def test_the_header_names_the_kind(tmp_path: Path, kind: str, name: str, first_line: str, expected: str) -> None:
    (tmp_path / name).write_text(first_line, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        make_source(SourceConfig(kind=kind, path=name), tmp_path, "personacraft.toml [[sources]] #3")
    msg = str(err.value)
    assert msg.startswith(f'personacraft.toml [[sources]] #3: unknown source kind "{kind}".'), msg
    suggestion = msg.split(" Built-in kinds:")[0]
    assert f"The header of {name} has" in suggestion and f'"{expected}"' in suggestion, msg
    if kind == "hubspot_contact":  # the name alone would suggest hubspot_contacts
        assert 'use kind = "shopify_customers"' in suggestion and "hubspot_contacts" not in suggestion, msg


def test_without_a_matching_header_the_nearest_name(tmp_path: Path) -> None:
    (tmp_path / "o.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r'unknown source kind "shopify_order"\. Did you mean "shopify_orders"\?'):
        make_source(SourceConfig(kind="shopify_order", path="o.csv"), tmp_path)
