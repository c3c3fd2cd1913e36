from pathlib import Path

from personacraft.store import Workspace
from personacraft.unify import keyed, unify


def _rows(ws: Workspace) -> None:
    run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
    ex = run.execute
    ex(
        f"INSERT INTO {run.t('customers')} (customer_id, email, _source, _file, _line) VALUES "
        "('shopify:1', 'Ann@X.com', 's', 'f', 2), ('shopify:2', 'bob@x.com', 's', 'f', 3)"
    )
    ex(
        f"INSERT INTO {run.t('orders')} (order_id, email, _source, _file, _line) VALUES "
        "('o1', '  ANN@x.com ', 's', 'f', 2), ('o2', 'new@y.com', 's', 'f', 3), ('o3', 'not-an-email', 's', 'f', 4)"
    )
    ex(
        f"INSERT INTO {run.t('events')} (customer_id, anonymous_id, event_name, _source, _file, _line) VALUES "
        "(NULL, 'ga4:c1', 'page_view', 's', 'f', 1), ('shopify:1', 'ga4:c1', 'purchase', 's', 'f', 2), "
        "(NULL, 'ga4:c9', 'page_view', 's', 'f', 3)"
    )
    ex(
        f"INSERT INTO {run.t('survey_answers')} (response_id, email, question, answer, _source, _file, _line) "
        "VALUES ('r1', 'bob@x.com', 'q', 'a', 's', 'f', 2), ('r2', 'BOB@x.com', 'q2', 'b', 's', 'f', 2)"
    )


def test_one_customer_across_sources(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        _rows(ws)
        run = ws.run(ws.runs()[0]["run_id"])
        rep = unify(run)
        idx = {r["customer_key"]: r for r in run.dicts(f"SELECT * FROM {run.t('customer_index')}")}
        # Ann (id + two spellings of her email + a cookie), Bob, and the new email; the lone cookie is a visitor
        assert set(k for k in idx if not k.startswith("pc:")) == {"shopify:1", "shopify:2"}
        assert rep.customers == 3 and rep.visitors == 1
        assert idx["shopify:1"]["email"] == "ann@x.com" and idx["shopify:1"]["n_cookies"] == 1
        ev = run.dicts(f"SELECT anonymous_id, customer_key FROM {keyed(run, 'events')} ORDER BY _line")
        assert [e["customer_key"] for e in ev] == ["shopify:1", "shopify:1", None]  # the cookie is stitched
        orders = run.dicts(f"SELECT order_id, customer_key FROM {keyed(run, 'orders')} ORDER BY order_id")
        assert orders[0]["customer_key"] == "shopify:1" and orders[2]["customer_key"] is None
        assert rep.conflicts == {"customers with two ids from the same system": 0, "customers with several emails": 0}


def test_conflicts_are_counted(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.execute(
            f"INSERT INTO {run.t('customers')} (customer_id, email, _source, _file, _line) VALUES "
            "('shopify:1', 'a@x.com', 's', 'f', 2), ('shopify:1', 'b@x.com', 's', 'f', 3)"
        )
        rep = unify(run)
        assert rep.customers == 1
        assert rep.conflicts["customers with several emails"] == 1
        assert rep.conflict_examples == [{"customer_key": "shopify:1", "n_ids": 1, "n_emails": 2, "n_phones": 0}]


def test_phones_link_in_e164_and_shared_numbers_do_not_merge(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.execute(
            f"INSERT INTO {run.t('customers')} (customer_id, email, phone, country, _source, _file, _line) VALUES "
            "('hubspot:1', 'mia@acme.io', '(415) 555-0101', 'United States', 'h', 'f', 2), "
            "('shopify:9', 'mia.chen@gmail.com', '+1 415-555-0101', NULL, 's', 'f', 2), "
            # one switchboard number on three people's records
            "('hubspot:2', 'a@corp.com', '+44 20 7946 0000', 'GB', 'h', 'f', 3), "
            "('hubspot:3', 'b@corp.com', '020 7946 0000', 'GB', 'h', 'f', 4), "
            "('hubspot:4', 'c@corp.com', '+442079460000', NULL, 'h', 'f', 5)"
        )
        rep = unify(run)
        keys = dict(run.execute(f"SELECT email, customer_key FROM {keyed(run, 'customers')}").fetchall())
        assert keys["mia@acme.io"] == keys["mia.chen@gmail.com"] == "hubspot:1"
        assert len({keys["a@corp.com"], keys["b@corp.com"], keys["c@corp.com"]}) == 3
        assert rep.phones_shared == 1 and rep.phones_normalised == 5
        assert rep.customers == 4
