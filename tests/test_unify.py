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


def _customers(run, rows: str) -> None:  # type: ignore[no-untyped-def]
    run.execute(
        f"INSERT INTO {run.t('customers')} (customer_id, email, phone, country, _source, _file, _line) VALUES {rows}"
    )


def test_two_shop_customers_sharing_a_phone_stay_two_and_the_conflict_is_listed(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _customers(
            run,
            "('shopify:1', 'ann@x.com', '+1 415 555 0101', 'US', 's', 'f', 2), "
            "('shopify:2', 'ben@x.com', '(415) 555-0101', 'US', 's', 'f', 3)",
        )
        run.execute(
            f"INSERT INTO {run.t('orders')} (order_id, email, _source, _file, _line) VALUES "
            "('o1', 'ann@x.com', 'o', 'f', 2), ('o2', 'BEN@x.com', 'o', 'f', 3)"
        )
        rep = unify(run)
        idx = dict(run.execute(f"SELECT customer_key, email FROM {run.t('customer_index')}").fetchall())
        assert idx == {"shopify:1": "ann@x.com", "shopify:2": "ben@x.com"}
        orders = dict(run.execute(f"SELECT order_id, customer_key FROM {keyed(run, 'orders')}").fetchall())
        assert orders == {"o1": "shopify:1", "o2": "shopify:2"}
        assert rep.customers == 2 and rep.kept_apart == {"email": 0, "phone": 1, "cookie": 0}
        [ex] = rep.kept_apart_examples
        assert ex["key"] == "phone" and ex["namespace"] == "shopify" and ex["ids"] == ["id:shopify:1", "id:shopify:2"]
        assert "415" not in str(rep.to_dict())  # the number itself is never reported, only a hash
        assert rep.conflicts["customers with two ids from the same system"] == 0


def test_precedence_email_beats_phone_and_chains_do_not_merge_two_ids(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _customers(
            run,
            # A-phone-B-email-C: B and C share an email (HubSpot and Shopify: two systems, one person);
            # A shares B's phone but holds another Shopify id than C: the phone is left out
            "('shopify:A', 'a@x.com', '+14155550101', NULL, 's', 'f', 2), "
            "('hubspot:B', 'c@x.com', '+14155550101', NULL, 'h', 'f', 2), "
            "('shopify:C', 'c@x.com', NULL, NULL, 's', 'f', 3), "
            # a chain through a key-less middle: shopify:D -phone1- (email m) -phone2- shopify:E
            "('shopify:D', 'd@x.com', '+14155550111', NULL, 's', 'f', 4), "
            "(NULL, 'm@x.com', '+14155550111', NULL, 'f', 'f', 2), "
            "(NULL, 'm@x.com', '+14155550122', NULL, 'f', 'f', 3), "
            "('shopify:E', 'e@x.com', '+14155550122', NULL, 's', 'f', 5), "
            # two Shopify ids with one email: the email links neither to the other
            "('shopify:F', 'same@x.com', NULL, NULL, 's', 'f', 6), "
            "('shopify:G', 'same@x.com', NULL, NULL, 's', 'f', 7)",
        )
        run.execute(
            f"INSERT INTO {run.t('orders')} (order_id, email, _source, _file, _line) VALUES "
            "('o1', 'same@x.com', 'o', 'f', 2), ('o2', 'c@x.com', 'o', 'f', 3)"
        )
        run.execute(
            f"INSERT INTO {run.t('events')} (customer_id, anonymous_id, event_name, _source, _file, _line) VALUES "
            "('shopify:A', 'ga4:c1', 'e', 'g', 'f', 1), ('shopify:C', 'ga4:c1', 'e', 'g', 'f', 2), "
            "(NULL, 'ga4:c1', 'page_view', 'g', 'f', 3)"
        )
        rep = unify(run)
        keys = dict(run.execute(f"SELECT node, customer_key FROM {run.t('identity')}").fetchall())
        assert keys["id:hubspot:B"] == keys["id:shopify:C"] == keys["email:c@x.com"]
        assert keys["id:shopify:A"] != keys["id:shopify:C"]
        assert len({keys["id:shopify:D"], keys["id:shopify:E"]}) == 2
        assert keys["id:shopify:F"] != keys["id:shopify:G"] and "email:same@x.com" not in keys
        assert "anon:ga4:c1" not in keys  # the cookie seen with two shop ids is nobody's
        assert rep.kept_apart == {"email": 1, "phone": 3, "cookie": 1}
        assert {(e["key"], e["rule"]) for e in rep.kept_apart_examples} == {
            ("email", "local"),
            ("phone", "local"),
            ("phone", "chain"),
            ("cookie", "local"),
        }
        # the email-only order of the shared email belongs to no one, and is counted
        orders = dict(run.execute(f"SELECT order_id, customer_key FROM {keyed(run, 'orders')}").fetchall())
        assert orders == {"o1": None, "o2": keys["id:shopify:C"]}
        assert rep.unattributed == {"events": 1, "orders": 1}  # and the page view of the shared cookie
        # both shop customers keep the shared email as theirs (the CRM write-back has it)
        emails = run.execute(f"SELECT customer_key, email FROM {run.t('customer_emails')} ORDER BY ALL").fetchall()
        assert ("shopify:F", "same@x.com") in emails and ("shopify:G", "same@x.com") in emails
        assert rep.customers == len(set(keys.values()))


def test_ids_of_different_systems_still_merge_on_any_key(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _customers(
            run,
            "('shopify:1', 'ann@x.com', '+14155550101', NULL, 's', 'f', 2), "
            "('hubspot:7', 'ann@work.io', '+14155550101', NULL, 'h', 'f', 2), "
            "('stripe:cus_1', 'ann@work.io', NULL, NULL, 'p', 'f', 2)",
        )
        rep = unify(run)
        assert rep.customers == 1 and sum(rep.kept_apart.values()) == 0
        [row] = run.dicts(f"SELECT * FROM {run.t('customer_index')}")
        assert row["customer_key"] == "hubspot:7" and row["n_emails"] == 2 and row["n_ids"] == 3


def test_a_linkers_matches_link_below_phones_and_never_join_two_ids_of_one_system(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _customers(
            run,
            "('shopify:1', 'jo@x.com', NULL, NULL, 's', 'f', 2), ('shopify:2', 'jo.b@y.com', NULL, NULL, 's', 'f', 3), "
            "(NULL, 'jo.work@z.io', NULL, NULL, 'pos', 'f', 2)",
        )
        links = (
            "SELECT * FROM (VALUES ('id:shopify:1', 'email:jo.work@z.io'), ('id:shopify:1', 'id:shopify:2')) t(a, b)"
        )
        rep = unify(run, links=links)
        keys = dict(run.execute(f"SELECT node, customer_key FROM {run.t('identity')}").fetchall())
        assert keys["email:jo.work@z.io"] == keys["id:shopify:1"] == "shopify:1"  # the guest record joins
        assert keys["id:shopify:2"] == "shopify:2"  # two shop ids stay two
        assert rep.kept_apart["link"] == 1 and rep.customers == 2
        assert not any(n.startswith("link:") for n in keys)
