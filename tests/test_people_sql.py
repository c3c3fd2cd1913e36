"""The PEOPLE feature SQL reads seniority and job function from job titles."""

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
