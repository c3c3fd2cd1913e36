"""Lead scores sales can import: record id and name kept, synonyms mapped, unknown values flagged, constants ignored."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from personacraft.cli import icp as icp_cli
from personacraft.config import load_config
from personacraft.errors import ConfigError, InputFormatError
from personacraft.icp import sql as icp_sql
from personacraft.icp.industries import SYNONYMS, synonym_arrays
from personacraft.icp.lead_fields import tiers
from personacraft.icp.leads import score_leads
from personacraft.icp.learn import ICP, learn_icp
from personacraft.icp.rules import PEOPLE_FEATURES, find_rules, wilson
from personacraft.icp.units import Units
from personacraft.pipeline import BuildResult
from personacraft.render.icp_card import markdown
from personacraft.store import Workspace
from tests.conftest import read_csv

HEADER = ["Record ID", "Company name", "Industry", "Number of Employees", "Country/Region"]
EVIDENCE = re.compile(r"^\d[\d,]* of \d[\d,]* won and kept \(likely \d+–\d+ %\)$")


def score(
    root: Path, rows: list[list[str]], tmp: Path, *, header: list[str] = HEADER, **kwargs: object
) -> tuple[list[dict[str, str]], dict[str, object], ICP]:
    """Score ``rows`` (a leads file written with ``header``); the scores, the summary and the profile."""
    leads = tmp / "leads.csv"
    with leads.open("w", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n" + "".join(",".join(f'"{v}"' for v in r) + "\n" for r in rows))
    out = tmp / "scored.csv"
    synonyms = kwargs.pop("synonyms", None)
    cfg = load_config(root / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        icp = learn_icp(run, min_n=10, synonyms=synonyms)  # type: ignore[arg-type]
        summary = score_leads(run, icp, leads, out, synonyms=synonyms, **kwargs)  # type: ignore[arg-type]
    return read_csv(out), summary, icp


def pair(industry: str, employees: str = "500", country: str = "United States") -> list[str]:
    return ["1", "Acme", industry, employees, country]


# -- acceptance -----------------------------------------------------------------------------------
def test_leads_that_differ_only_in_a_synonym_of_their_industry_score_the_same(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    names = ["Computer Software", "Software", "COMPUTER_SOFTWARE", "computer software", "Software Development"]
    health = ["Hospital & Health Care", "Healthcare", "HOSPITAL_HEALTH_CARE", "Hospitals and Health Care"]
    rows, summary, _ = score(root, [pair(n) for n in names + health], tmp_path)
    got = [(r["fit_score"], r["fit_reasons"]) for r in rows]
    assert len(set(got[: len(names)])) == 1 and len(set(got[len(names) :])) == 1
    assert float(rows[0]["fit_score"]) > float(rows[-1]["fit_score"]) + 30  # the planted profile against hospitals
    assert "Industry = Computer Software" in rows[1]["fit_reasons"]
    assert all(r["unrecognised"] == "" for r in rows) and summary["unrecognised"] == {}


def test_an_unknown_industry_and_an_unreadable_size_are_flagged_per_lead(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    rows, summary, _ = score(
        root,
        [pair("Computer Software"), pair("Biotech Widgets"), pair("Biotech Widgets", "lots"), pair("Retail", "")],
        tmp_path,
    )
    assert [r["unrecognised"] for r in rows] == ["", "Industry", "Industry;Number of Employees", ""]
    assert rows[1]["unrecognised_values"] == "Industry = Biotech Widgets"
    assert rows[2]["unrecognised_values"] == "Industry = Biotech Widgets; Number of Employees = lots"
    assert summary["unrecognised"] == {"Industry": 2, "Number of Employees": 1}
    # an unknown value counts as average: it neither adds nor takes points
    assert "Industry" not in rows[1]["fit_reasons"]


def test_a_constant_attribute_carries_no_points_and_the_card_says_why(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    rows, summary, icp = score(
        root, [pair("Retail", "120", "United States"), pair("Retail", "120", "Germany")], tmp_path
    )
    assert rows[0]["fit_score"] == rows[1]["fit_score"] and rows[0]["fit_reasons"] == rows[1]["fit_reasons"]
    assert rows[1]["unrecognised"] == ""  # an ignored attribute is not scored, so not flagged either
    assert "Country" not in summary["scored_attributes"]  # type: ignore[operator]
    assert "no variation" in summary["ignored_attributes"]["Country"]  # type: ignore[index]
    d = icp.to_dict()
    country = [i for i in d["ignored"] if i["feature"] == "Country"]
    assert country and country[0]["value"] == "United States" and country[0]["units"] == country[0]["of"]
    assert all(f != "Country" for f, _ in icp.model.columns)
    assert all(p["feature"] != "Country" for p in d["fit_score"]["points"])
    assert all(c["feature"] != "Country" for r in d["rules"] for c in r["conditions"])
    assert "Not scored, for want of variation" in markdown(d) and "Country = United States" in markdown(d)


def test_a_value_the_profile_knows_but_ignores_is_not_flagged(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    contacts = read_csv(root / "data/hubspot-crm-exports-all-contacts.csv")[:300]
    header = ["Record ID", "Job Title", "Buying Role"]
    rows, summary, icp = score(root, [[c[h] for h in header] for c in contacts], tmp_path, header=header)
    # every account has an executive (the demo's committees): the value is known, carries no points
    assert ("Seniority", "executive") in {(i["feature"], i["value"]) for i in icp.ignored}
    assert any(c["Job Title"].startswith(("CFO", "Chief", "VP")) for c in contacts)
    assert summary["unrecognised"] == {} and all(r["unrecognised"] == "" for r in rows)
    assert summary["kept_columns"] == ["Record ID"]


def test_the_output_keeps_the_record_id_and_the_company_name(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    companies = read_csv(root / "data/hubspot-crm-exports-all-companies.csv")[:30]
    hubspot = [[c[h] for h in HEADER] for c in companies]
    rows, summary, _ = score(root, hubspot, tmp_path)
    assert summary["kept_columns"] == ["Record ID", "Company name"]
    assert [(r["Record ID"], r["Company name"]) for r in rows] == [(c[0], c[1]) for c in hubspot]
    assert list(rows[0])[:5] == ["lead_id", "Record ID", "Company name", "fit_score", "fit_tier"]
    assert {"unrecognised", "unrecognised_values", "fit_reasons"} <= set(rows[0])
    # Salesforce's names
    sf = ["Id", "Account Name", "Industry", "NumberOfEmployees", "BillingCountry"]
    rows, summary, _ = score(root, [["001A", "Acme", "Finance", "300", "United States"]], tmp_path, header=sf)
    assert summary["kept_columns"] == ["Id", "Account Name"] and rows[0]["Id"] == "001A"
    assert rows[0]["Account Name"] == "Acme" and rows[0]["unrecognised"] == ""  # Finance = Financial Services
    # any names, given by the flags
    generic = ["ref", "org", "Industry", "employees"]
    rows, summary, _ = score(
        root, [["x-1", "Acme", "Retail", "50"]], tmp_path, header=generic, id_column="ref", name_column="ORG"
    )
    assert summary["kept_columns"] == ["ref", "org"] and (rows[0]["ref"], rows[0]["org"]) == ("x-1", "Acme")


def test_a_missing_id_or_name_column_is_refused_naming_the_file_and_value(
    saas_demo: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    root, _ = saas_demo
    for flags in ({"id_column": "Acct Ref"}, {"name_column": "Acct Ref"}, {"id_column": " "}):
        with pytest.raises(InputFormatError) as exc:
            score(root, [pair("Retail")], tmp_path, **flags)
        msg = str(exc.value)
        assert "leads.csv" in msg and "is not a column of the file" in msg and "Record ID" in msg
        assert repr(next(iter(flags.values()))) in msg
    assert not (tmp_path / "scored.csv").exists()
    # the command, as a user runs it: an exit code, the message, no traceback
    (tmp_path / "leads.csv").write_text("Record ID,Industry\n1,Retail\n", encoding="utf-8")
    args = ["score", str(tmp_path / "leads.csv"), "--out", str(tmp_path / "s.csv"), "--id-column", "nope"]
    res = subprocess.run(
        [sys.executable, "-m", "personacraft", "icp", *args, "--config", str(root / "personacraft.toml")],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        timeout=300,
    )
    assert res.returncode == 3 and "'nope' is not a column of the file (given by --id-column)" in res.stderr
    assert "leads.csv" in res.stderr and "Traceback" not in res.stderr


def test_industry_synonyms_from_the_config_map_a_label(saas_demo: tuple[Path, BuildResult], tmp_path: Path) -> None:
    root, _ = saas_demo
    leads = [pair("Computer Software"), pair("Technology")]
    rows, _, _ = score(root, leads, tmp_path)
    assert rows[1]["unrecognised"] == "Industry" and rows[0]["fit_score"] != rows[1]["fit_score"]
    rows, _, _ = score(root, leads, tmp_path, synonyms={"Technology": "Computer Software"})
    assert rows[1]["unrecognised"] == "" and rows[0]["fit_score"] == rows[1]["fit_score"]
    # the config file's [icp] section reaches the command
    config = tmp_path / "personacraft.toml"
    text = (root / "personacraft.toml").read_text(encoding="utf-8")
    workspace = load_config(root / "personacraft.toml").workspace_path.as_posix()
    sources = text.replace('path = "', f'path = "{root.as_posix()}/')
    synonyms = '\n[icp]\nindustry_synonyms = { "Technology" = "Computer Software" }\n'
    config.write_text(f'workspace = "{workspace}"\n{sources}{synonyms}', encoding="utf-8")
    assert load_config(config).icp.industry_synonyms == {"Technology": "Computer Software"}
    res = CliRunner().invoke(
        icp_cli.app, ["score", str(tmp_path / "leads.csv"), "--out", str(tmp_path / "c.csv"), "--config", str(config)]
    )
    assert res.exit_code == 0, res.output
    got = read_csv(tmp_path / "c.csv")
    assert got[0]["fit_score"] == got[1]["fit_score"] and got[1]["unrecognised"] == ""


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('industry_synonyms = { "Technology" = 3 }', r'\[icp\] industry_synonyms: "Technology" = 3 must map'),
        ('industry_synonyms = { "Technology" = "" }', r"\[icp\] industry_synonyms: \"Technology\" = '' must map"),
        ('industry_synonyms = "Technology"', r'"industry_synonyms" must be a table'),
        ("industry_synonym = {}", r'unknown setting "industry_synonym". Did you mean "industry_synonyms"'),
    ],
)
def test_a_bad_icp_section_names_the_file_key_and_value(tmp_path: Path, line: str, message: str) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text(f'[[sources]]\nkind = "csv"\npath = "x.csv"\n\n[icp]\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as exc:
        load_config(p)
    assert str(exc.value).startswith("personacraft.toml")


# -- the parts ------------------------------------------------------------------------------------
def test_rules_about_accounts_leave_people_out_and_say_their_evidence() -> None:
    rng = np.random.default_rng(0)
    n = 400
    small = np.zeros(n, dtype=bool)
    small[:14] = True  # 14 accounts in a small industry, 12 of them best
    role = rng.random(n) < 0.5
    best = np.where(small, np.arange(n) < 12, np.where(role, rng.random(n) < 0.8, rng.random(n) < 0.1))
    industry = np.where(small, 0, rng.integers(1, 3, n))
    columns = (
        ("Industry", "Tiny"),
        ("Industry", "A"),
        ("Industry", "B"),
        ("Buying role", "Decision Maker"),
        ("Seniority", "executive"),
    )
    X = np.column_stack([industry == 0, industry == 1, industry == 2, role, role])
    units = Units("account", "won", np.arange(n).astype(str).astype(object), best, best, ~best, columns, X, frozenset())
    rules = find_rules(units, min_n=10)
    assert rules and all(c["feature"] not in PEOPLE_FEATURES for r in rules for c in r["conditions"])
    tiny = [r for r in rules if r["label"] == "Industry = Tiny"]
    assert tiny and tiny[0]["evidence"] == "12 of 14 won and kept (likely 60–96 %)"
    assert tiny[0]["warning"] and "only 14 accounts" in tiny[0]["warning"]
    for r in rules:
        assert EVIDENCE.match(r["evidence"]) and r["precision_low"] <= r["precision"] <= r["precision_high"]
        assert (r["warning"] is not None) == (r["n"] < 30)
    # customers are people: their roles stay in their rules
    people = Units("customer", "top", units.ids, best, None, None, columns, X, frozenset())
    assert any(c["feature"] in PEOPLE_FEATURES for r in find_rules(people, min_n=10) for c in r["conditions"])


def test_the_wilson_interval() -> None:
    assert wilson(12, 14) == pytest.approx((0.6006, 0.9599), abs=1e-4)
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0 and wilson(0, 0) == (0.0, 1.0)


def test_the_tiers_follow_the_best_rate() -> None:
    fit = np.array([80.0, 68.0, 67.9, 36.0, 18.0, 17.9])  # twice 36 % is 72, halfway to 100 is 68: the lower
    assert list(tiers(fit, 0.36)) == ["A", "A", "B", "B", "C", "D"]
    assert list(tiers(np.array([40.0, 39.9]), 0.2)) == ["A", "B"]
    assert list(tiers(np.array([80.0, 79.0]), 0.6)) == ["A", "B"]  # twice 60 % is out of reach: halfway to 100


def test_the_built_in_synonyms_give_each_key_one_label() -> None:
    arrays = synonym_arrays()
    con = duckdb.connect()
    con.execute("CREATE TABLE t (synonym VARCHAR, label VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(zip(arrays["synonym"], arrays["label"], strict=True)))
    key = icp_sql.INDUSTRY_KEY.format(e="synonym")
    clashes = con.sql(f"SELECT {key} AS k FROM t GROUP BY k HAVING count(DISTINCT label) > 1").fetchall()
    assert clashes == []
    same = con.execute(
        "SELECT " + ", ".join(key.replace("synonym", f"'{v}'") for v in ("COMPUTER_SOFTWARE", "Computer Software"))
    ).fetchall()
    assert same == [("computersoftware", "computersoftware")]
    assert len(SYNONYMS) >= 20
