"""The ICP card rendered: Markdown, a self-contained HTML snippet, and the three files ``personacraft icp`` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from personacraft.icp.learn import ICP


def save(icp: ICP, out_dir: str | Path) -> dict[str, Path]:
    """Write ``icp.json``, ``icp.md`` and ``icp.html`` under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "icp.json", "md": out / "icp.md", "html": out / "icp.html"}
    d = icp.to_dict()
    paths["json"].write_text(icp.to_json() + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(d), encoding="utf-8")
    paths["html"].write_text(html(d), encoding="utf-8")
    return paths


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
            warn = f"<br>_Warning: {r['warning']}._" if r.get("warning") else ""
            best = r.get("evidence") or pct(r["precision"])
            lines.append(
                f"| **{r['label']}**{warn} | {best} (vs {pct(r['best_rate'])}) | {r['lift']:.1f}× | "
                f"{pct(r['coverage'])} (n = {r['n']:,}) | {pct(r['recall'])} | {pvalue(r['p_adjusted'])} |"
            )
        lines += ["", "Likely: the 95 % Wilson score interval of the best rate in the rule."]
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
    if d.get("ignored"):
        lines += ["", f"Not scored, for want of variation among the {unit}s learned from:", ""]
        lines += [f"- {i['feature']} = {i['value']}: {i['reason']}." for i in d["ignored"]]
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
