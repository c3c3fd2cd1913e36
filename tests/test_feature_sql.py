"""Feature SQL on small tables: job titles give seniority and function; who lapsed or churned."""

import duckdb
import pytest

from personacraft.features import sql


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("VP Finance", "executive", "finance and accounting"),
        ("CFO", "executive", "finance and accounting"),
        ("Head of Procurement", "director", "procurement"),
        ("IT Manager", "manager", "IT and engineering"),
        ("Accounts Payable Specialist", "individual contributor", "finance and accounting"),
        ("Chief of Staff", "executive", "other"),
        ("Helpdesk agent", "individual contributor", "other"),  # 'head' inside a word is not a head
    ],
)
def test_titles_give_seniority_and_function(title: str, seniority: str, function: str) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE c AS SELECT 1 AS customer_key, ? AS job_title, NULL AS buying_role, "
        "NULL AS lifecycle_stage, NULL AS acquisition_source, NULL AS account_id",
        [title],
    )
    con.execute(sql.PEOPLE.format(out="p", customers="c"))
    assert con.execute("SELECT seniority, job_function FROM p").fetchall() == [(seniority, function)]


def test_a_shop_customer_lapses_by_recency_or_by_p_alive() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE o AS SELECT * FROM (VALUES ('a', 30), ('b', 30), ('c', 400), ('d', 30)) "
        "t(customer_key, recency_days)"
    )
    con.execute("CREATE TABLE v AS SELECT * FROM (VALUES ('a', 0.1), ('b', 0.9), ('c', 0.9)) t(customer_key, p_alive)")
    con.execute("CREATE TABLE s (customer_key VARCHAR, canceled_at TIMESTAMP, status VARCHAR)")
    con.execute(
        sql.CUSTOMER_STATUS.format(
            out="st", order_features="o", subscriptions="s", customer_value="v", lapsed_days=365, lapsed_p_alive=0.3
        )
    )
    got = dict(con.execute("SELECT customer_key, gone FROM st").fetchall())
    assert got == {"a": True, "b": False, "c": True, "d": False}  # d has no P(alive): recency alone decides
