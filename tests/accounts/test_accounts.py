"""The account layer on the SaaS demo (20,000 contacts): every figure against a hand count of the raw exports.

The hand counts read the vendors' files with DuckDB, not the run's tables: the HubSpot
companies, contacts and deals, and the Stripe subscriptions.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from personacraft.pipeline import BuildResult

DECIDES = ("decision maker", "economic decision maker", "executive sponsor", "approver")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw(saas_demo: tuple[Path, BuildResult]) -> duckdb.DuckDBPyConnection:
    root, _ = saas_demo
    con = duckdb.connect()
    data = root / "data"
    for name, file in (
        ("companies", "hubspot-crm-exports-all-companies.csv"),
        ("contacts", "hubspot-crm-exports-all-contacts.csv"),
        ("deals", "hubspot-crm-exports-all-deals.csv"),
        ("subs", "subscriptions.csv"),
    ):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv('{data / file}', header = true, all_varchar = true)"
        )
    return con


@pytest.fixture(scope="module")
def accounts(saas_demo: tuple[Path, BuildResult]) -> list[dict[str, str]]:
    _, built = saas_demo
    return _rows(built.out_dir / "accounts.csv")


@pytest.fixture(scope="module")
def doc(saas_demo: tuple[Path, BuildResult]) -> dict[str, Any]:
    _, built = saas_demo
    return dict(json.loads((built.out_dir / "personas.json").read_text(encoding="utf-8")))


def test_every_account_is_listed_once(raw: duckdb.DuckDBPyConnection, accounts: list[dict[str, str]]) -> None:
    companies = {f"hubspot:{r[0]}" for r in raw.execute('SELECT "Record ID" FROM companies').fetchall()}
    listed = [r["account_id"] for r in accounts]
    assert len(listed) == len(set(listed))
    assert set(listed) == companies  # the Segment group ids of the same companies are not listed again
    for column in (
        "account_id",
        "name",
        "domain",
        "industry",
        "employees",
        "stage",
        "won_amount",
        "open_amount",
        "mrr",
        "arr",
        "plan",
        "active_users",
        "roles_confirmed",
        "roles_inferred",
        "roles_missing",
        "churned",
    ):
        assert column in accounts[0]


def test_won_and_open_amounts_equal_the_deals_export(
    raw: duckdb.DuckDBPyConnection, accounts: list[dict[str, str]], doc: dict[str, Any]
) -> None:
    won, open_ = raw.execute(
        """SELECT sum(Amount::DOUBLE) FILTER (WHERE "Is Closed Won" = 'true'),
                  sum(Amount::DOUBLE) FILTER (WHERE "Deal Stage" NOT IN ('Closed Won', 'Closed Lost'))
           FROM deals"""
    ).fetchone()
    assert open_ > 0  # the demo has open deals to act on
    assert sum(float(r["won_amount"]) for r in accounts) == pytest.approx(won)
    assert sum(float(r["open_amount"]) for r in accounts) == pytest.approx(open_)
    money = doc["provenance"]["accounts"]["money"]
    assert money["won_amount"] == pytest.approx(won) and money["open_amount"] == pytest.approx(open_)


def test_active_mrr_equals_the_running_subscriptions(
    raw: duckdb.DuckDBPyConnection, accounts: list[dict[str, str]], doc: dict[str, Any]
) -> None:
    (mrr,) = raw.execute(
        """SELECT sum(Amount::DOUBLE * Quantity::INT
                      * CASE lower(Interval) WHEN 'year' THEN 1 / 12 ELSE 1 END)
           FROM subs WHERE Status = 'active'"""
    ).fetchone()
    assert mrr > 0
    assert sum(float(r["mrr"]) for r in accounts) == pytest.approx(mrr)
    assert doc["provenance"]["accounts"]["money"]["mrr"] == pytest.approx(mrr)
    assert doc["provenance"]["accounts"]["unlinked_subscriptions"] == 0


def test_accounts_missing_a_confirmed_decision_maker(
    raw: duckdb.DuckDBPyConnection, accounts: list[dict[str, str]]
) -> None:
    roles = ", ".join(f"'{r}'" for r in DECIDES)
    (n,) = raw.execute(
        f"""SELECT count(*) FROM companies WHERE "Record ID" NOT IN (
                SELECT "Associated Company IDs (Primary)" FROM contacts
                WHERE lower(trim("Buying Role")) IN ({roles}))"""
    ).fetchone()
    assert n > 0
    assert sum("decision_maker" in r["roles_missing"].split(";") for r in accounts) == n


def _mrr_at(raw: duckdb.DuckDBPyConnection, day: str) -> dict[str, float]:
    """Each company's MRR on ``day``, by hand: paid subscriptions (not a trial cancelled by its end) running then,
    attached to the payer's company through the contact with the same email."""
    rows = raw.execute(
        f"""SELECT c."Associated Company IDs (Primary)" AS company, sum(s.Amount::DOUBLE) AS mrr
            FROM subs s JOIN contacts c ON lower(trim(s."Customer Email")) = lower(trim(c.Email))
            WHERE NOT (s."Canceled At (UTC)" IS NOT NULL
                       AND s."Canceled At (UTC)"::TIMESTAMP <= s."Trial End (UTC)"::TIMESTAMP)
              AND s."Start Date (UTC)"::TIMESTAMP <= TIMESTAMP '{day}'
              AND (s."Canceled At (UTC)" IS NULL OR s."Canceled At (UTC)"::TIMESTAMP > TIMESTAMP '{day}')
            GROUP BY 1"""
    ).fetchall()
    return {str(a): float(m) for a, m in rows}


def test_nrr_and_grr_equal_a_hand_computation(raw: duckdb.DuckDBPyConnection, doc: dict[str, Any]) -> None:
    money = doc["provenance"]["accounts"]["money"]
    period = money["period"]
    start, end = _mrr_at(raw, period["start"]), _mrr_at(raw, period["end"])
    base = sum(start.values())
    assert len(start) == period["accounts"]
    nrr = sum(end.get(a, 0.0) for a in start) / base
    grr = sum(min(end.get(a, 0.0), m) for a, m in start.items()) / base
    logos = sum(end.get(a, 0.0) == 0 for a in start) / len(start)
    assert money["nrr"] == pytest.approx(nrr, abs=1e-4)
    assert money["grr"] == pytest.approx(grr, abs=1e-4)
    assert money["logo_churn"] == pytest.approx(logos, abs=1e-4)
    assert 0.5 < grr <= nrr or grr == pytest.approx(nrr)


def test_persona_value_blocks_show_money_never_unknown(doc: dict[str, Any]) -> None:
    for p in doc["personas"]:
        v = p["value"]
        for key in ("mrr", "arr", "win_rate", "nrr", "grr", "clv_mean", "churn_risk"):
            assert isinstance(v[key], int | float), (p["name"], key)
            assert key not in v.get("missing", {})
        assert v["clv_unit"] == "account" and v["clv_interval"][0] <= v["clv_mean"] <= v["clv_interval"][1]
        assert p["firmographics"]["company_size"] and p["firmographics"]["plan"] and p["firmographics"]["arr"]
    # who signs: the budget holders pay most subscriptions, and revenue share and committee agree
    signs = {p["committee_role"]: p["value"]["revenue_share"] for p in doc["personas"]}
    assert max(signs, key=lambda r: signs[r]) == "economic_buyer" and signs["economic_buyer"] > 0.6
    for p in doc["personas"]:
        assert p["committee"]["sign"] == pytest.approx(p["value"]["revenue_share"], abs=0.05)


def test_the_planted_churn_drivers_lead_in_plain_words(doc: dict[str, Any]) -> None:
    drivers = doc["provenance"]["accounts"]["churn_drivers"]
    top = [d["driver"] for d in drivers[:2]]
    assert top[0] == "hands_on" and top[1].startswith("last_plan:"), top
    assert drivers[0]["summary"].startswith("Accounts with one hands-on user or none churned")
    assert drivers[0]["churn_risky"] > 2 * drivers[0]["churn_safe"]
    # the persona of the hands-on users carries the churn of the accounts where it is alone
    hands_on = next(p for p in doc["personas"] if p["committee_role"] == "end_user")
    churn = hands_on["value"]["account_churn"]
    assert churn["basis"] == "own" and churn["rate"] > 1.5 * churn["population"]["rate"]
    assert hands_on["value"]["at_risk"] is True
    assert sum(p["value"]["at_risk"] for p in doc["personas"]) == 1
    retention = " ".join(r["text"] for r in hands_on["recommendations"]["retention"] or [])
    assert "cancelled" in retention and "not above average" not in retention


def test_committee_roles_name_and_type_the_personas(doc: dict[str, Any]) -> None:
    roles = [p["committee_role"] for p in doc["personas"]]
    assert sorted(roles) == sorted(["economic_buyer", "decision_maker", "champion", "technical_evaluator", "end_user"])
    champion = next(p for p in doc["personas"] if p["committee_role"] == "champion")
    assert "champion" in champion["name"].lower() and champion["persona_type"] == "influencer"
    for p in doc["personas"]:
        assert not p["name"].lower().endswith(" user"), p["name"]
        assert p["committee"]["role"] == p["committee_role"]
    blocks = [json.dumps({k: v for k, v in p["committee"].items() if k != "method"}) for p in doc["personas"]]
    assert len(set(blocks)) == len(blocks)  # no two persona pages show the same committee block
