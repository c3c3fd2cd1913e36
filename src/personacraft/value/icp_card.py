"""The ICP card: who they are, why they buy, where to find them, with the evidence on every line.

In the spirit of the public ICP write-ups (HubSpot's, Evernote's), but every line is a count:

- **who they are**: the rules, then the attribute values over-represented among the best units;
- **why they buy**: the personas (and survey answers) over-represented among the people of the
  units that match the rules, with those personas' goals and needs from ``personas.json``;
- **where to find them**: the first channels and CRM sources of those people.

Each comparison is the persona profile's test (:mod:`personacraft.segment.profile`): share,
population share, lift, n, Fisher's exact test with Benjamini-Hochberg. A value is called
over-represented with lift >= 1.2 and ``p_adjusted < 0.05``; nothing under ``min_n`` is shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from personacraft.errors import NotFoundError
from personacraft.features import sql
from personacraft.segment.persist import load_model
from personacraft.segment.profile import ALPHA, PROFILE_SQL, add_tests, cell_facts
from personacraft.store import Run

MIN_LIFT = 1.2
CHANNELS = ("First channel", "CRM source")


def build_card(run: Run, kind: str, chosen: np.ndarray, ruled: bool, *, min_n: int) -> dict[str, Any]:
    """The card's sections, while the learning's temp tables are there.

    ``chosen``: the ids of the units that match the rules (of the best units when ``ruled`` is false).
    """
    group = f"{kind}s matching the rules" if ruled else f"best {kind}s"
    among = f"people of {group}" if kind == "account" else group
    who = _who(run, min_n)
    compared = f"{among} against {'the people of ' if kind == 'account' else ''}every {kind} with an outcome"
    why: dict[str, Any] = {"compared": compared}
    where: dict[str, Any] = {"compared": compared}
    missing: dict[str, str] = {}
    if not ruled:
        missing["rules"] = (
            f"no conjunction of attributes covers {min_n}+ best {kind}s with lift >= {MIN_LIFT} and p < {ALPHA}"
        )
    cells, reason = _people_cells(run, kind, chosen, min_n)
    if reason:
        missing["why"] = missing["where"] = reason
    else:
        personas = personas_of(run)
        why["personas"] = _persona_lines(cells, personas)
        why["answers"] = [_line(c) for c in cells if c["source"] == "survey" and _over(c)]
        where["channels"] = [
            _line(c) for f in CHANNELS for c in sorted(_of(cells, f), key=lambda c: (-c["share"], c["value"]))[:3]
        ]
        if not any(p["over_represented"] for p in why["personas"]):
            missing["why"] = (
                f"no persona is over-represented among the {among} (lift >= {MIN_LIFT}, p < {ALPHA}): "
                "the same kinds of people buy there as everywhere else, for the same reasons"
                if why["personas"]
                else "the run has no published personas to say why people buy"
            )
        if not any(c["over_represented"] for c in where["channels"]):
            missing["where"] = (
                f"no channel is over-represented among the {among}; the most common are shown"
                if where["channels"]
                else "the run has no channel data (web analytics first touch, CRM source)"
            )
    return {"who": who, "why": why, "where": where, "missing": missing}


def _profile(run: Run, attributes: str, labels: str) -> list[dict[str, Any]]:
    cells = run.dicts(PROFILE_SQL.format(attributes=attributes, labels=labels))
    return [c for c in add_tests(cells) if c["persona"] == 1]


def _over(c: dict[str, Any]) -> bool:
    return bool(c["lift"] >= MIN_LIFT and c["p_adjusted"] < ALPHA)


def _of(cells: list[dict[str, Any]], feature: str) -> list[dict[str, Any]]:
    return [c for c in cells if c["feature"] == feature]


def _line(c: dict[str, Any]) -> dict[str, Any]:
    return cell_facts(c) | {"over_represented": _over(c)}


def _who(run: Run, min_n: int) -> dict[str, Any]:
    """Attribute values over-represented among the best units, against every unit with an outcome."""
    run.execute(
        "CREATE OR REPLACE TEMP VIEW _icp_best_attrs AS SELECT unit AS customer_key, feature, value, "
        "'crm' AS source FROM _icp_attributes WHERE unit IN (SELECT unit FROM _icp_units)"
    )
    run.execute(
        "CREATE OR REPLACE TEMP VIEW _icp_best_labels AS SELECT unit AS customer_key, best::INT AS persona "
        "FROM _icp_units"
    )
    cells = [c for c in _profile(run, "_icp_best_attrs", "_icp_best_labels") if c["n"] >= min_n and _over(c)]
    cells.sort(key=lambda c: (-c["effect_size"], c["feature"], c["value"]))
    return {"profile": [_line(c) for c in cells[:8]]}


def _people_cells(run: Run, kind: str, chosen: np.ndarray, min_n: int) -> tuple[list[dict[str, Any]], str]:
    """Profile cells of the people of the chosen units against those of every unit; or why there are none."""
    if not (run.has_table("attributes") and run.has_table("labels")):
        return [], "the run has no per-person attributes or persona labels; build again with this version"
    try:
        published = load_model(run).published
    except NotFoundError:
        published = 0
    if kind == "account":
        who = (
            f"SELECT DISTINCT p.customer_key, p.account_id AS unit FROM {run.t('people')} p "
            "WHERE p.account_id IN (SELECT unit FROM _icp_units)"
        )
    else:
        who = "SELECT unit AS customer_key, unit FROM _icp_units"
    with run.arrays("icp_chosen", {"unit": np.asarray(chosen, dtype=object)}) as view:
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE _icp_people AS SELECT customer_key, "
            f"(unit IN (SELECT unit FROM {view}))::INT AS persona FROM ({who})"
        )
    run.execute(
        sql.ICP_PEOPLE_ATTRIBUTES.format(
            out="_icp_people_attrs", attributes=run.t("attributes"), labels=run.t("labels"), published=int(published)
        )
    )
    cells = [c for c in _profile(run, "_icp_people_attrs", "_icp_people") if c["n"] >= min_n]
    return cells, ""


def personas_of(run: Run) -> dict[str, dict[str, Any]]:
    """The run's personas by id, from its ``personas.json`` (empty when it cannot be found)."""
    row = next((r for r in run.ws.runs() if r["run_id"] == run.run_id), None)
    path = Path(str(row["out_dir"])) / "personas.json" if row and row.get("out_dir") else None
    if path is None or not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {p["id"]: p for p in doc.get("personas", [])}


def _persona_lines(cells: list[dict[str, Any]], personas: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in sorted(_of(cells, "Persona"), key=lambda c: (-c["share"], c["value"])):
        p = personas.get(c["value"], {})
        line = _line(c) | {"persona_id": c["value"], "name": p.get("name") or c["value"]}
        line["goals"] = [
            {"goal": g["goal"], "share": g["share"], "lift": g["lift"], "n": g["n"]}
            for g in (p.get("goals") or [])
            if g.get("lift", 0) > 1
        ][:2]
        line["needs"] = [
            {"need": n.get("label"), "share": n.get("share"), "lift": n.get("lift"), "n": n.get("n")}
            for n in (p.get("needs") or [])
        ][:2]
        out.append(line)
    return out


# -- rendering ---------------------------------------------------------------------------------
def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def pvalue(x: float) -> str:
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def evidence(line: dict[str, Any]) -> str:
    """``31 % vs 20 % of all (lift 1.6×, n = 210, p < 0.001)``."""
    p = line["p_adjusted"]
    return (
        f"{pct(line['share'])} vs {pct(line['population_share'])} of all (lift {line['lift']:.1f}×, "
        f"n = {line['n']:,}, p {'< 0.001' if p < 0.001 else f'= {p:.3f}'})"
    )


def markdown(d: dict[str, Any]) -> str:
    """The card as Markdown."""
    o, unit = d["outcome"], d["outcome"]["unit"]
    lines = [
        "# Ideal customer profile",
        "",
        f"Learned from run `{d['run_id']}`: {o['units']:,} {unit}s with an outcome, of which {o['best']:,} "
        f"({pct(o['best_rate'])}) are best: they {o['definition']}.",
        "",
        "## Who they are",
        "",
    ]
    if d["rules"]:
        lines += [
            f"| rule | best {unit}s in it | lift | {unit}s covered | share of all best | p (adjusted) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in d["rules"]:
            lines.append(
                f"| **{r['label']}** | {pct(r['precision'])} (vs {pct(r['best_rate'])}) | {r['lift']:.1f}× | "
                f"{pct(r['coverage'])} (n = {r['n']:,}) | {pct(r['recall'])} | {pvalue(r['p_adjusted'])} |"
            )
    else:
        lines.append(f"No rule: {d['missing'].get('rules', 'unknown')}.")
    if d["who"]["profile"]:
        lines += ["", f"Over-represented among the best {unit}s:", ""]
        lines += [f"- {c['feature']} = {c['value']}: {evidence(c)}" for c in d["who"]["profile"]]
    lines += ["", "## Why they buy", "", f"Compared: {d['why']['compared']}.", ""]
    if "why" in d["missing"]:
        lines += [f"_{d['missing']['why']}._", ""]
    for p in d["why"].get("personas", []):
        mark = " (over-represented)" if p["over_represented"] else ""
        lines.append(f"- **{p['name']}**{mark}: {evidence(p)}")
        lines += [
            f"  - goal: {g['goal']} ({pct(g['share'])}, lift {g['lift']:.1f}×, n = {g['n']:,})" for g in p["goals"]
        ]
        lines += [f"  - need: {n['need']} ({pct(n['share'])}, n = {n['n']})" for n in p["needs"]]
    lines += [f"- {c['feature']}: {c['value']}: {evidence(c)}" for c in d["why"].get("answers", [])]
    lines += ["", "## Where to find them", ""]
    if "where" in d["missing"]:
        lines += [f"_{d['missing']['where']}._", ""]
    for c in d["where"].get("channels", []):
        mark = " (over-represented)" if c["over_represented"] else ""
        lines.append(f"- {c['feature']}: {c['value']}{mark}: {evidence(c)}")
    s, ev = d["fit_score"], d["fit_score"]["evaluation"]
    lines += [
        "",
        "## Fit score",
        "",
        f"0 to 100 = 100 × P(best) from who a lead is, never from what they did: {s['model']}. "
        f"A lead with nothing known scores {s['score_with_nothing_known']:.0f}; a scored lead's points add up to "
        "its score minus that. Below, the points one value adds on its own.",
    ]
    if ev.get("cv_auc") is not None:
        won = f"; won against lost deals: {ev['cv_auc_won']:.3f}" if "cv_auc_won" in ev else ""
        lines.append(f"Out-of-fold AUC, best against the rest: {ev['cv_auc']:.3f}{won} ({ev['method']}).")
    lines += ["", "| attribute | value | points alone |", "|---|---|---:|"]
    lines += [f"| {p['feature']} | {p['value']} | {p['points']:+.0f} |" for p in s["points"][:12]]
    return "\n".join(lines) + "\n"


def html(d: dict[str, Any]) -> str:
    """The card as a self-contained HTML snippet."""
    env = Environment(
        loader=PackageLoader("personacraft", "render/templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["pvalue"] = pvalue
    env.filters["evidence"] = evidence
    return env.get_template("icp.html.j2").render(d=d)
