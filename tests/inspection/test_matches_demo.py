"""Acceptance: the cross-source matches ``inspect`` reports equal a hand count on both demos.

The hand count reads the demo's files directly with DuckDB, independently of personacraft's sources
and identity resolution: a person is a normalised email (trimmed, lower case); a system id (a Shopify
customer id in GA4, a HubSpot contact id on a deal, a Segment userId, an Intercom contact id) stands
for the email the same system gives it, or for itself when it has none. A source holds the people
its rows name; two sources share the people both hold.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import duckdb
import pytest

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.inspection import inspect

pytestmark = pytest.mark.slow

CUSTOMERS = 2000
EMAIL = "CASE WHEN regexp_matches(lower(trim({e})), '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') THEN lower(trim({e})) END"


def _people(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None}


def _email(expr: str) -> str:
    return EMAIL.format(e=expr)


def retail_hand_count(root: Path) -> dict[str, set[str]]:
    d = root / "data"
    con = duckdb.connect()
    csv = "read_csv('{}', all_varchar = true, header = true)"
    con.execute(
        f"""CREATE TABLE ids AS SELECT ltrim("Customer ID", '''') AS id, {_email('"Email"')} AS email
        FROM {csv.format(d / "customers_export.csv")}"""
    )
    out = {
        "shopify_customers:customers_export.csv": _people(
            con,
            f"SELECT coalesce({_email(chr(34) + 'Email' + chr(34))}, 'id:' || ltrim(\"Customer ID\", ''''))"
            f" FROM {csv.format(d / 'customers_export.csv')}",
        ),
        "shopify_orders:orders_export.csv": _people(
            con, f"SELECT {_email(chr(34) + 'Email' + chr(34))} FROM {csv.format(d / 'orders_export.csv')}"
        ),
        "reviews:judgeme_reviews.csv": _people(
            con, f"SELECT {_email('reviewer_email')} FROM {csv.format(d / 'judgeme_reviews.csv')}"
        ),
        "typeform:typeform_responses.csv": _people(
            con, f"SELECT {_email('email')} FROM {csv.format(d / 'typeform_responses.csv')}"
        ),
        # exposures of an A/B test name no customer to identity resolution (an exposure must not make a
        # customer), so inspect counts none for it (docs/experiments.md)
        "email A/B test": set(),
        # other brands' reviews (Trustpilot-style) carry a reviewer's display name, never one of our customers
        "reviews:trustpilot_competitors.csv": set(),
        "ga4_bigquery:*.ndjson": _people(
            con,
            f"""SELECT coalesce(i.email, 'id:' || g.user_id) FROM (SELECT DISTINCT user_id
            FROM read_json('{d / "ga4" / "*.ndjson"}', columns = {{'user_id': 'VARCHAR'}})
            WHERE user_id IS NOT NULL) g LEFT JOIN ids i ON i.id = g.user_id""",
        ),
    }
    con.close()
    return out


def saas_hand_count(root: Path) -> dict[str, set[str]]:
    d = root / "data"
    con = duckdb.connect()
    csv = "read_csv('{}', all_varchar = true, header = true)"
    contacts = csv.format(d / "hubspot-crm-exports-all-contacts.csv")
    con.execute(
        f'CREATE TABLE ids AS SELECT "Record ID" AS id, {_email(chr(34) + "Email" + chr(34))} AS email FROM {contacts}'
    )
    seg = f"read_json('{d / 'segment' / '*.jsonl'}', format = 'newline_delimited', union_by_name = true)"
    con.execute(
        f"""CREATE TABLE seg AS SELECT "userId" AS uid,
        {
            _email(
                "coalesce(try_cast(json_extract_string(to_json(context), '$.traits.email') AS VARCHAR), "
                "json_extract_string(to_json(traits), '$.email'))"
            )
        } AS email FROM {seg}"""
    )
    con.execute("CREATE TABLE seg_ids AS SELECT uid, min(email) AS email FROM seg WHERE uid IS NOT NULL GROUP BY uid")
    intercom = f"read_json('{d / 'intercom_conversations.jsonl'}', format = 'newline_delimited')"
    out = {
        "hubspot_contacts:hubspot-crm-exports-all-contacts.csv": _people(
            con, "SELECT coalesce(email, 'id:' || id) FROM ids"
        ),
        "hubspot_companies:hubspot-crm-exports-all-companies.csv": set(),
        "hubspot_deals:hubspot-crm-exports-all-deals.csv": _people(
            con,
            f"""SELECT coalesce(i.email, 'id:' || c.id) FROM (SELECT DISTINCT trim(unnest(string_split(
            "Associated Contact IDs", ';'))) AS id FROM {csv.format(d / "hubspot-crm-exports-all-deals.csv")}) c
            LEFT JOIN ids i USING (id) WHERE c.id <> ''""",
        ),
        "stripe_subscriptions:subscriptions.csv": _people(
            con,
            f"SELECT coalesce({_email(chr(34) + 'Customer Email' + chr(34))}, 'stripe:' || \"Customer ID\") "
            f"FROM {csv.format(d / 'subscriptions.csv')}",
        ),
        "segment_events:*.jsonl": _people(
            con,
            """SELECT coalesce(s.email, i.email, 'app:' || s.uid) FROM seg s LEFT JOIN seg_ids i USING (uid)
            WHERE s.uid IS NOT NULL OR s.email IS NOT NULL""",
        ),
        "intercom_conversations:intercom_conversations.jsonl": _people(
            con, f"SELECT {_email('source.author.email')} FROM {intercom}"
        ),
        "google_forms:nps_survey_responses.csv": _people(
            con,
            f"SELECT {_email(chr(34) + 'Email Address' + chr(34))} FROM {csv.format(d / 'nps_survey_responses.csv')}",
        ),
    }
    con.close()
    return out


@pytest.mark.parametrize("kind", ["retail", "saas"])
def test_match_rates_equal_a_hand_count(tmp_path: Path, kind: str) -> None:
    generate(kind, tmp_path, CUSTOMERS, 5)
    doc = inspect(load_config(tmp_path / "personacraft.toml"))
    hand = retail_hand_count(tmp_path) if kind == "retail" else saas_hand_count(tmp_path)
    ident = doc["identity"]
    assert set(ident["per_source"]) == set(hand)
    for label, people in hand.items():
        assert ident["per_source"][label] == len(people), label
    pairs = {(p["a"], p["b"]): p for p in ident["pairs"]}
    for a, b in combinations(list(ident["per_source"]), 2):
        p = pairs[(a, b)]
        both = len(hand[a] & hand[b])
        assert p["both"] == both, (a, b)
        assert p["share_of_a"] == (round(both / len(hand[a]), 4) if hand[a] else None)
        assert p["share_of_b"] == (round(both / len(hand[b]), 4) if hand[b] else None)
    # the demo's sources do share customers: the test compares something
    assert max(p["both"] for p in ident["pairs"]) > CUSTOMERS // 4
