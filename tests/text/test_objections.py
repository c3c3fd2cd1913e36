"""Texts by their purpose: lost-deal reasons as sales objections, read from real CRM layouts, and bad reasons said."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from personacraft.config import SourceConfig
from personacraft.pipeline.provenance import lost_reason_columns
from personacraft.sources import make_source
from personacraft.store import Run, Workspace
from personacraft.text.objections import lost_reasons, objections, readable_reason, summary
from personacraft.text.redact import Redactor

HEADER = '"Record ID","Deal Stage","Is Closed Won","Associated Company IDs (Primary)","Closed Lost Reason"\n'


def _deals(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A HubSpot deals export: (stage, company id, lost reason) per deal."""
    lines = [
        f'"{190000 + i}","{stage}","{str(stage == "Closed Won").lower()}","{company}","{reason}"'
        for i, (stage, company, reason) in enumerate(rows)
    ]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load(run: Run, tmp_path: Path, cfg: SourceConfig) -> None:
    make_source(cfg, tmp_path).load(run)


def _personas(run: Run, accounts: dict[int, list[str]]) -> None:
    """People in accounts and their personas, as the features and segment stages write them."""
    keys, persona, account = [], [], []
    for p, accs in accounts.items():
        for a in accs:
            keys.append(f"c{p}-{a}")
            persona.append(p)
            account.append(f"hubspot:{a}")
    run.write_arrays("labels", {"customer_key": np.array(keys, dtype=object), "persona": np.array(persona)})
    run.write_arrays(
        "people", {"customer_key": np.array(keys, dtype=object), "account_id": np.array(account, dtype=object)}
    )
    run.execute(f"CREATE TABLE {run.t('identity')} (node VARCHAR, customer_key VARCHAR)")


def test_a_reason_that_says_nothing_is_not_read() -> None:
    assert readable_reason("  Went with   a competitor ") == "Went with a competitor"
    assert readable_reason("competitor_chosen") == "competitor chosen"  # a picklist's internal value
    for junk in ("", "n/a", "#N/A", "-", "0", "12345", "None.", "Ã©tait trop cher", "prix \ufffd"):
        assert readable_reason(junk) is None, junk


def test_objections_per_persona_come_from_its_accounts_lost_deals(tmp_path: Path) -> None:
    reasons = ["Too expensive for our team size"] * 12 + ["Went with a competitor"] * 12 + ["No budget this year"] * 6
    rows = [("Closed Lost", str(100 + i), r) for i, r in enumerate(reasons)]
    rows += [("Closed Lost", "200", ""), ("Closed Won", "201", "")]  # a lost deal with no reason; a won one
    export = _deals(tmp_path / "deals.csv", rows)
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _load(run, tmp_path, SourceConfig(kind="hubspot_deals", path=str(export)))
        # persona 0: the accounts of the 12 price and 6 budget reasons, and the one without a reason;
        # persona 1: every lost account
        _personas(run, {0: [str(100 + i) for i in range(12)] + [str(124 + i) for i in range(6)] + ["200"],
                        1: [str(100 + i) for i in range(30)] + ["200"]})  # fmt: skip
        lr = lost_reasons(run, Redactor.from_names([], []))
        assert (lr.lost_deals, lr.blank, len(lr.unreadable), lr.method) == (31, 1, 0, "picklist")
        found, why = objections(run, lr, 2, min_n=10)
    assert why == {}
    first = found[0][0]
    assert first["label"] == "Too expensive for our team size"
    assert (first["n"], first["n_known"], first["lost_deals"]) == (12, 18, 19)
    assert first["share"] == pytest.approx(12 / 18, abs=1e-4)
    assert first["lift"] == pytest.approx((12 / 18) / (12 / 30), abs=1e-3)
    assert first["quotes"] == ["Too expensive for our team size"] and first["source"].startswith("lost-deal reasons")
    # the budget reason (6 deals) is under the minimum group of 10: not published
    assert [x["label"] for x in found[0]] == ["Too expensive for our team size"]
    assert {x["label"] for x in found[1]} == {"Too expensive for our team size", "Went with a competitor"}


def test_free_text_reasons_are_themed_like_every_text(tmp_path: Path) -> None:
    wordings = {
        "price": ["Too expensive for our team size", "Price too high for their budget", "Said the price was too steep"],
        "rival": ["Went with a competitor", "Signed with a competitor after a bake-off", "Chose a competitor instead"],
        "sheet": ["Chose to stay on spreadsheets", "Decided to keep doing it in Excel", "Staying with spreadsheets"],
        "sso": ["IT blocked it over single sign-on", "Failed their security review, no SSO", "Needs SAML SSO first"],
        "erp": ["Missing integration with NetSuite", "No native NetSuite integration", "Needs a Sage Intacct sync"],
    }
    reasons = [w for ws in wordings.values() for w in ws for _ in range(8)]
    export = _deals(tmp_path / "deals.csv", [("Closed Lost", str(i), r) for i, r in enumerate(reasons)])
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _load(run, tmp_path, SourceConfig(kind="hubspot_deals", path=str(export)))
        lr = lost_reasons(run, Redactor.from_names(["Said"], []), method="tfidf")
    assert lr.method == "tfidf" and (lr.theme >= 0).all()
    assert 2 <= len(lr.names) <= 12
    assert not any("[" in n for n in lr.names)  # a theme is never named by a redacted reason
    # nothing is lost: every reason is in one theme, and the summary counts them all
    s = summary(lr)
    assert sum(t["n"] for t in s["themes"]) == s["with_reason"] == len(reasons) and s["message"] is None


def test_a_mapped_lost_reason_column_left_empty_is_said(tmp_path: Path) -> None:
    export = tmp_path / "opps.csv"
    export.write_text(
        "id,account,stage,won,why\n" + "".join(f"d{i},a{i},Closed Lost,false,\n" for i in range(15)), encoding="utf-8"
    )
    cfg = SourceConfig(
        kind="csv",
        path=str(export),
        table="deals",
        columns={"deal_id": "id", "account_id": "account", "stage": "stage", "won": "won", "lost_reason": "why"},
    )
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _load(run, tmp_path, cfg)
        lr = lost_reasons(run, Redactor.from_names([], []))
        _personas(run, {0: [f"a{i}" for i in range(15)]})
        found, why = objections(run, lr, 1, min_n=10)
    s = summary(lr, {"csv:opps.csv": "why"})
    assert (s["lost_deals"], s["blank"], s["with_reason"]) == (15, 15, 0)
    assert "None of the 15 lost deals" in s["message"] and "'why' mapped to lost_reason is empty" in s["message"]
    assert found == {} and "none of the 15 lost deals" in why[0]


def test_garbled_reasons_are_counted_and_shown_with_their_line(tmp_path: Path) -> None:
    rows = [("Closed Lost", str(i), "Went with a competitor") for i in range(12)]
    rows += [("Closed Lost", "50", "#N/A"), ("Closed Lost", "51", "0"), ("Closed Lost", "52", "Ã©Ã©Ã©")]
    rows += [("Closed Won", "60", "No budget this year")]  # a lost reason on a won deal: a mapping mistake?
    export = _deals(tmp_path / "deals.csv", rows)
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        _load(run, tmp_path, SourceConfig(kind="hubspot_deals", path=str(export)))
        lr = lost_reasons(run, Redactor.from_names([], []))
    s = summary(lr)
    assert (s["lost_deals"], s["with_reason"], s["unreadable"], s["blank"], s["on_won_deals"]) == (15, 12, 3, 0, 1)
    assert s["lost_deals"] == s["with_reason"] + s["unreadable"] + s["blank"]  # nothing dropped silently
    assert [u["value"] for u in s["unreadable_examples"]] == ["#N/A", "0", "Ã©Ã©Ã©"]
    assert [u["line"] for u in s["unreadable_examples"]] == [14, 15, 16]
    assert "3 of the 15 lost deals' reasons could not be read" in s["message"] and "deals.csv line 14" in s["message"]
    assert "1 won deals carry a lost reason" in s["message"]


def test_the_config_names_the_column_mapped_to_lost_reason() -> None:
    sources = [
        SourceConfig(kind="csv", path="data/opps.csv", table="deals", columns={"lost_reason": "Why lost"}),
        SourceConfig(kind="hubspot_deals", path="data/deals.csv"),
    ]
    assert lost_reason_columns(SimpleNamespace(sources=sources)) == {"csv:opps.csv": "Why lost"}  # type: ignore[arg-type]
