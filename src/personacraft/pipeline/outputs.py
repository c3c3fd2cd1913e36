"""The files of a build: written into the run's staging folder, then published at the top of ``out/``.

The tables a user opens in a spreadsheet (``assignments.csv``, ``customer_value.csv``,
``committees.csv``) and ``features.parquet`` are exported by DuckDB from the statements
below (the persona id through :func:`personacraft.segment.assignment.persona_id_sql`);
the rest are the persona set, the journey map, the accounting, the ideal customer profile
(``icp.*``, when deals or subscriptions exist), the CRM and audience
exports, the report and the cards. A run's folder is never overwritten; publishing copies
it to the top of ``out/``: every file is first copied beside the current ones (``out/.publish``, with a
journal naming the run), then the run is marked succeeded, then the copies are renamed into place, so a
process killed at any moment leaves ``out/`` holding one whole run once :func:`recover` has run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personacraft.activation import write_activation
from personacraft.config import Config
from personacraft.errors import NotFoundError
from personacraft.icp.learn import ICP
from personacraft.personas.change_alerts import change_alerts
from personacraft.personas.changes import describe, run_doc
from personacraft.personas.persona_set import PersonaSet
from personacraft.render import render_report
from personacraft.render.cards.writer import card_formats, render_cards
from personacraft.render.competitors import write_competitors_page
from personacraft.render.icp_card import save as save_icp
from personacraft.render.journey.page import render_journeys
from personacraft.segment.assignment import persona_id_sql
from personacraft.segment.lineage import Lineage
from personacraft.sources import Accounting
from personacraft.sources.columns import lit
from personacraft.store import Run
from personacraft.unify import MergeReport

# the files of a run that are copied to the top of the output folder
OUTPUTS = (
    "personas.json",
    "journeys.json",
    "assignments.csv",
    "features.parquet",
    "accounting.json",
    "customer_value.csv",
    "committees.csv",
    "accounts.csv",  # B2B: every account with its deals, money, buying group and churn
    "icp.json",  # with icp.md and icp.html: what `personacraft icp` writes, learned in the build
    "icp.md",
    "icp.html",
    "changes.json",  # what changed since the previous successful run (none on a first run)
    "experiments.json",  # each [[experiments]] entry read per persona (none without one)
    "hypotheses.json",  # the [beliefs] file graded on the run (none without one)
    "says_vs_does.json",  # the pairs of stated and behavioural families tested, and everyone's links
    "competitors.json",  # other brands' themes and weak points (none without texts of another brand)
)
SAYS_FILE = "says_vs_does.json"
COMPETITORS_FILE = "competitors.json"
# the folders of a run that replace those at the top of the output folder
FOLDERS = ("report", "activation")

# every unified customer, with the persona their segment is (empty when it was not published)
ASSIGNMENTS = """
SELECT l.customer_key AS customer_id, coalesce(c.email, '') AS email, {persona_id} AS persona_id, l.confidence,
       {second_id} AS second_persona_id, l.second_confidence
FROM {labels} l JOIN {customer_index} c USING (customer_key)
ORDER BY l.customer_key
"""
# each buyer's CLV figures, with their persona
CUSTOMER_VALUE = """
SELECT v.customer_key AS customer_id, {persona_id} AS persona_id, v.* EXCLUDE (customer_key)
FROM {customer_value} v LEFT JOIN {labels} l USING (customer_key)
ORDER BY v.customer_key
"""
# the buying committee of each account: who is in it, who signs, who uses, and the outcome
COMMITTEES = """
SELECT c.account_id, count(*) AS contacts,
       count(*) FILTER (WHERE c.type = 'decision_maker') AS decision_makers,
       count(*) FILTER (WHERE c.type = 'buyer') AS buyers,
       count(*) FILTER (WHERE c.type = 'influencer') AS influencers,
       count(*) FILTER (WHERE c.type = 'end_user') AS end_users,
       count(*) FILTER (WHERE c.type IS NULL) AS type_unknown,
       coalesce(string_agg(DISTINCT c.type, '; ' ORDER BY c.type) FILTER (WHERE c.pays), '') AS signed_by,
       count(*) FILTER (WHERE c.uses) AS product_users,
       CASE WHEN any_value(c.won) THEN 'won' WHEN NOT any_value(c.won) THEN 'lost' ELSE '' END AS deal,
       count(*) FILTER (WHERE c.role = 'economic_buyer') AS economic_buyers,
       count(*) FILTER (WHERE c.role = 'champion') AS champions,
       count(*) FILTER (WHERE c.role = 'technical_evaluator') AS technical_evaluators,
       count(*) FILTER (WHERE c.confirmed) AS roles_confirmed_contacts,
       any_value(a.stage) AS stage, any_value(a.won_amount) AS won_amount, any_value(a.open_amount) AS open_amount,
       any_value(a.roles_missing) AS roles_missing
FROM {committee} c LEFT JOIN {account_view} a USING (account_id) GROUP BY c.account_id ORDER BY c.account_id
"""
# every account (B2B), the columns of the contract first (docs/accounts.md)
ACCOUNTS = """
SELECT account_id, name, domain, industry, employees, stage, won_amount, open_amount, mrr, arr, plan,
       active_users, roles_confirmed, roles_inferred, roles_missing, churned,
       country, seats, contacts, hands_on_users, signed_by, deals_won, deals_lost, deals_open, lost_amount,
       CAST(first_paid_at AS DATE) AS first_paid_at, tenure_days, CAST(churned_at AS DATE) AS churned_at,
       CAST(renews_at AS DATE) AS renews_at, round(churn_risk, 4) AS churn_risk,
       active_users_before, pricing_views_30d, CAST(last_used_at AS DATE) AS last_used_at, persona_mix
FROM {account_view} ORDER BY account_id
"""
# each customer's feature values, as `personacraft assign` reads them
FEATURES = """
SELECT customer_key AS customer_id, family, value, n FROM {feature_counts}
WHERE value IS NOT NULL AND n > 0 ORDER BY ALL
"""


@dataclass(frozen=True)
class Report:
    """What the report shows besides the personas."""

    accounting: list[Accounting]
    merge: MergeReport
    journeys: dict[str, Any]
    icp: ICP | None = None  # the ideal customer profile, when the run has deals or subscriptions
    experiments: list[dict[str, Any]] | None = None  # each [[experiments]] reading, per persona (experiments.json)
    says_vs_does: dict[str, Any] | None = None  # pairs tested, everyone's links (hypotheses.says)
    beliefs: dict[str, Any] | None = None  # the [beliefs] file graded on the run (hypotheses.json)
    competitors: dict[str, Any] | None = None  # competitor voice (competitors.json), when texts of other brands exist


def _copy(run: Run, select: str, path: Path, fmt: str = "HEADER, DELIMITER ','") -> None:
    run.execute(f"COPY ({select}) TO {lit(str(path))} ({fmt})")


def write_tables(run: Run, published: int, staging: Path, ids: Sequence[str] | None = None) -> None:
    """``assignments.csv``, ``features.parquet``, and ``customer_value.csv`` and ``committees.csv`` when they apply;
    ``ids``: each published segment's persona id (as matched across runs)."""
    pid = persona_id_sql("l.persona", published, ids)
    t = run.t
    sql = ASSIGNMENTS.format(
        persona_id=pid,
        second_id=persona_id_sql("l.second_persona", published, ids),
        labels=t("labels"),
        customer_index=t("customer_index"),
    )
    _copy(run, sql, staging / "assignments.csv")
    if run.has_table("customer_value") and run.has_rows("customer_value"):
        sql = CUSTOMER_VALUE.format(persona_id=pid, customer_value=t("customer_value"), labels=t("labels"))
        _copy(run, sql, staging / "customer_value.csv")
    if run.has_table("account_view"):
        _copy(
            run, COMMITTEES.format(committee=t("committee"), account_view=t("account_view")), staging / "committees.csv"
        )
        _copy(run, ACCOUNTS.format(account_view=t("account_view")), staging / "accounts.csv")
    _copy(run, FEATURES.format(feature_counts=t("feature_counts")), staging / "features.parquet", "FORMAT parquet")


def write_outputs(
    config: Config,
    run: Run,
    pset: PersonaSet,
    published: int,
    extra: Report,
    staging: Path,
    found: Lineage | None = None,
) -> list[dict[str, Any]]:
    """Every file of the run into ``staging``; ``published``: how many segments are personas; ``found``: the
    match with the previous run (``changes.json``). Returns the alerts of the changes."""
    min_n = config.privacy.min_group_size
    staging.mkdir(parents=True, exist_ok=True)
    pset.save_json(staging / "personas.json")
    changes = write_changes(config, run, found, staging)
    _json(staging / "journeys.json", extra.journeys, indent=1)
    if extra.experiments:
        _json(staging / "experiments.json", {"run_id": run.run_id, "experiments": extra.experiments}, indent=1)
    if extra.beliefs is not None:
        _json(staging / "hypotheses.json", extra.beliefs, indent=2, ensure_ascii=False)
    if extra.says_vs_does is not None:
        _json(staging / SAYS_FILE, extra.says_vs_does, indent=1, ensure_ascii=False, default=str)
    if extra.competitors:
        _json(staging / COMPETITORS_FILE, {"run_id": run.run_id, **extra.competitors}, indent=1)
    write_customer_files(run, pset, published, staging, min_n)
    accounting: dict[str, Any] = {
        "run_id": run.run_id,
        "balanced": all(a.balanced for a in extra.accounting),
        "sources": [a.to_dict() for a in extra.accounting],
        "identity": extra.merge.to_dict(),
    }
    _json(staging / "accounting.json", accounting, indent=2, default=str)
    render_pages(
        config,
        run.run_id,
        pset,
        accounting["sources"],
        changes,
        extra.journeys,
        staging,
        beliefs=extra.beliefs,
        says_vs_does=extra.says_vs_does,
        competitors={"run_id": run.run_id, **extra.competitors} if extra.competitors else None,
    )
    if extra.icp is not None:
        save_icp(extra.icp, staging)
    return list(changes["alerts"]) if changes and "alerts" in changes else []


def write_customer_files(run: Run, pset: PersonaSet, published: int, staging: Path, min_n: int) -> None:
    """The files with a row per customer, from the run's tables: ``assignments.csv``, ``features.parquet``,
    ``customer_value.csv``, ``committees.csv``, and the CRM and audience exports with their ``summary.json``
    (written again by ``personacraft forget`` once the run's tables have lost a person's rows)."""
    ids = [p.id for p in pset]
    write_tables(run, published, staging, ids if len(ids) == published else None)
    # what marketing and sales push into their tools: CRM write-back, hashed ad audiences
    activation = write_activation(
        run, published=len(pset), names=[p.name for p in pset], out_dir=staging, min_n=min_n, ids=ids
    )
    _json(staging / "activation" / "summary.json", activation, indent=2, default=str)


def render_pages(
    config: Config,
    run_id: str,
    pset: PersonaSet,
    accounting: list[dict[str, Any]],
    changes: dict[str, Any] | None,
    journeys: dict[str, Any],
    staging: Path,
    *,
    beliefs: dict[str, Any] | None = None,
    says_vs_does: dict[str, Any] | None = None,
    competitors: dict[str, Any] | None = None,
) -> None:
    """The cards (and slides), the report and the journey page of a persona set into ``staging`` (also what
    ``personacraft forget`` renders again from a stored run once a forgotten person's quotes are out);
    ``beliefs``, ``says_vs_does`` and ``competitors``: the report's sections of the graded beliefs file, of
    says against does and of the competitors' voice (``competitors.json``, with its own page)."""
    title = config.report.title
    # the cards (and slides) first: the report links the files it finds
    render_cards(
        [p.to_dict() for p in pset],
        staging,
        title=title,
        run_id=run_id,
        base_url=config.report.base_url or None,
        formats=card_formats(config.report.card_formats),
    )
    render_report(
        pset,
        staging,
        title=title,
        accounting=accounting,
        max_quotes=config.report.max_quotes,
        journeys=True,
        cards=bool(len(pset)),
        changes=changes if changes and "personas" in changes else None,
        beliefs=beliefs,
        says_vs_does=says_vs_does,
        competitors=competitors,
    )
    if competitors:
        write_competitors_page(competitors, staging / "report", title=title)
    render_journeys(journeys, staging, title=f"{title}: customer journeys")


def write_changes(config: Config, run: Run, found: Lineage | None, staging: Path) -> dict[str, Any] | None:
    """``changes.json`` against the previous successful run, with its alerts; None on a first run."""
    if found is None or found.previous is None or found.match is None:
        return None
    old = run.ws.run(found.previous)
    try:
        old_doc = run_doc(run.ws, old)
    except NotFoundError as exc:  # the earlier run's folder was deleted: nothing to compare with
        doc = {"from_run": old.run_id, "to_run": run.run_id, "error": str(exc)}
        _json(staging / "changes.json", doc, indent=1)
        return doc
    new_doc = json.loads((staging / "personas.json").read_text(encoding="utf-8"))
    changes = describe(old, run, old_doc, new_doc, found.match, found.previous_ids, found.ids)
    changes["alerts"] = change_alerts(changes, config.alerts)
    _json(staging / "changes.json", changes, indent=1, default=str)
    return changes


def _json(path: Path, doc: Any, **dump: Any) -> None:
    path.write_text(json.dumps(doc, **dump) + "\n", encoding="utf-8")


STAGE = ".publish"  # the next outputs, copied beside the current ones before any is replaced
JOURNAL = ".publishing.json"  # which run the staged outputs are; present from staging to the end of the swap


def stage(run_dir: Path, out: Path, run_id: str) -> None:
    """Copy ``run_dir``'s top-level outputs to ``out/.publish`` and write the journal naming the run; the current
    outputs are not touched (the slow part of publishing, done before the run is marked succeeded)."""
    staged = out / STAGE
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for name in OUTPUTS:
        if (run_dir / name).exists():
            shutil.copyfile(run_dir / name, staged / name)
    for folder in FOLDERS:
        shutil.copytree(run_dir / folder, staged / folder)
    doc = {"run_id": run_id, "run_dir": str(run_dir), "files": [n for n in OUTPUTS if (run_dir / n).exists()]}
    tmp = out / f"{JOURNAL}.tmp"
    _json(tmp, doc)
    tmp.replace(out / JOURNAL)


def swap(out: Path) -> None:
    """Move the staged outputs into place (renames only: a fraction of a second) and end the journal.

    Each step can be done again: a swap cut short (the process killed half-way) is finished by the
    next one, from the journal (:func:`recover`)."""
    journal = out / JOURNAL
    doc = json.loads(journal.read_text(encoding="utf-8"))
    staged = out / STAGE
    for name in OUTPUTS:
        if (staged / name).exists():
            (staged / name).replace(out / name)
        elif name not in doc["files"]:
            (out / name).unlink(missing_ok=True)  # the newest run has none: an older one must not pass for it
    for folder in FOLDERS:
        old = out / f".{folder}.old"
        if (staged / folder).exists():
            if (out / folder).exists():
                shutil.rmtree(old, ignore_errors=True)
                (out / folder).rename(old)
            (staged / folder).rename(out / folder)
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staged, ignore_errors=True)
    journal.unlink()


def publish(run_dir: Path, out: Path, run_id: str) -> None:
    """Make ``run_dir`` the current outputs at the top of ``out`` (the run folder stays as is)."""
    stage(run_dir, out, run_id)
    swap(out)


def recover(out: Path, succeeded: Callable[[str], bool]) -> str | None:
    """After a process died while publishing into ``out``: finish the swap when its run had succeeded
    (``succeeded(run_id)``), else drop the staged copies, so ``out/`` holds one whole run; also remove the
    staging folders of runs that never finished. Returns what was done, or None when nothing was left."""
    done = None
    journal, staged = out / JOURNAL, out / STAGE
    if journal.exists():
        run_id = str(json.loads(journal.read_text(encoding="utf-8")).get("run_id"))
        if succeeded(run_id):
            swap(out)
            done = f"finished publishing run {run_id}"
        else:
            journal.unlink()
            done = f"dropped the outputs of run {run_id}, which did not finish"
    if staged.exists():
        shutil.rmtree(staged, ignore_errors=True)
        done = done or "dropped staged outputs of a run that did not finish"
    (out / f"{JOURNAL}.tmp").unlink(missing_ok=True)
    for partial in sorted((out / "runs").glob(".*.partial")) if (out / "runs").is_dir() else []:
        shutil.rmtree(partial, ignore_errors=True)
        done = done or f"removed {partial.name}"
    return done
