"""``personacraft experiment FILE_OR_ID``: an A/B test read overall and per persona (or column), honestly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from personacraft.cli.common import console


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _is(p: float | None) -> str:
    """``= 0.123`` or ``< 0.001``, after a "p"."""
    shown = _p(p)
    return shown.replace("<", "< ") if shown.startswith("<") else f"= {shown}"


def _value(x: float | None, kind: str) -> str:
    if x is None:
        return "–"
    return f"{x:.2%}" if kind == "proportion" else f"{x:,.2f}"


def _diff(r: dict[str, Any]) -> str:
    if r["diff"] is None:
        return "–"
    if r["kind"] == "proportion":
        body = f"{r['diff'] * 100:+.2f} pts"
        ci = f"[{r['ci_low'] * 100:+.2f}, {r['ci_high'] * 100:+.2f}]" if r["ci_low"] is not None else ""
    else:
        body = f"{r['diff']:+,.2f}"
        ci = f"[{r['ci_low']:+,.2f}, {r['ci_high']:+,.2f}]" if r["ci_low"] is not None else ""
    return f"{body} {ci}".strip()


def _table(doc: dict[str, Any], names: dict[str, str]) -> Table:
    s = doc["settings"]
    table = Table(title=f"{', '.join(s['variants'])} against {s['control']!r} (95 % intervals; p adj: BH)")
    for col in ("group", "variant", "outcome", "n ctrl / var", "control", "variant mean", "difference [95 % CI]",
                "lift", "p", "p adj", "verdict"):  # fmt: skip
        table.add_column(col, justify="right" if col not in ("group", "variant", "outcome", "verdict") else "left")
    for r in doc["overall"] + doc["groups"]:
        lift = f"{r['relative_lift']:+.1%}" if r["relative_lift"] is not None else "–"
        table.add_row(
            names.get(r["group"], r["group"]), r["variant"], r["outcome"], f"{r['n_control']:,} / {r['n_variant']:,}",
            _value(r["mean_control"], r["kind"]), _value(r["mean_variant"], r["kind"]), _diff(r), lift,
            _p(r["p_value"]), _p(r["p_adjusted"]), r["verdict"],
        )  # fmt: skip
    return table


def _show(doc: dict[str, Any], names: dict[str, str], notes: list[str]) -> None:
    out = Console(highlight=False, markup=False, soft_wrap=False, width=200)
    out.print(_table(doc, names))
    srm = doc["srm"]
    obs = ", ".join(f"{k} {v:,}" for k, v in srm["observed"].items())
    out.print(f"Sample ratio: {obs}; chi-square p {_is(srm['p_value'])}" + ("" if srm["ok"] else "  MISMATCH"))
    for g in srm["groups"]:
        if not g["ok"]:
            out.print(f"  sample-ratio mismatch in {names.get(g['group'], g['group'])} (p {_is(g['p_value'])})")
    for h in doc["heterogeneity"]:
        if h["p_value"] is not None:
            out.print(
                f"Heterogeneity of {h['variant']} on {h['outcome']} across groups (Cochran's Q {h['q']:.2f}, "
                f"df {h['df']}): p {_is(h['p_value'])}, adjusted p {_is(h['p_adjusted'])}"
            )
    acc = doc["accounting"]
    out.print(f"Rows: {acc['read']:,} read = {acc['used']:,} used + {acc['excluded']:,} excluded.")
    for e in acc["reasons"]:
        where = "; ".join(f"line {x['line']}: {x['column']} = {x['value']!r}" for x in e["examples"] if x["line"])
        out.print(f"  excluded {e['rows']:,}: {e['reason']}" + (f" (e.g. {where})" if where else ""))
    groups = acc["groups"]
    if groups["pooled_into_other"]:
        n = groups["pooled_into_other"]
        out.print(f"{n} group{'s' if n > 1 else ''} under the minimum size pooled into 'other'.")
    if groups["left_out"]["groups"]:
        left = groups["left_out"]
        k = left["groups"]
        out.print(
            f"{k} small group{'s' if k > 1 else ''} ({left['units']:,} units) left out of the breakdown, kept overall."
        )
    for note in notes:
        out.print(f"Note: {note}.")


def experiment(
    file_or_id: str = typer.Argument(..., help="An export (CSV, TSV, Parquet, JSON lines) or an [[experiments]] id."),
    variant: str = typer.Option("variant", "--variant", help="The column naming each unit's variant."),
    control: str = typer.Option("control", "--control", help="The variant the others are compared with."),
    outcome: list[str] = typer.Option(
        [], "--outcome", help="An outcome column (repeatable; default: converted, revenue)."
    ),
    customer: str | None = typer.Option(None, "--customer", help="The customer column (an id or an email)."),
    by: str | None = typer.Option(
        None,
        "--by",
        help="persona, or a column of the file (default: persona when its customers are in the workspace).",
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Where to write the JSON reading."),
    bootstrap: int = typer.Option(0, "--bootstrap", help="Bootstrap resamples for the intervals of means (0: Welch)."),
    seed: int | None = typer.Option(None, "--seed", help="The bootstrap's seed (default 0)."),
    min_group_size: int = typer.Option(30, "--min-group-size", help="Smaller groups are pooled into 'other'."),
    weight: list[str] = typer.Option(
        [], "--weight", help="A planned share, NAME=SHARE (repeatable; default: equal allocation) for the SRM test."
    ),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file (for --by persona)."),
    run: str | None = typer.Option(None, "--run", help="The run whose personas to use (default: the latest)."),
) -> None:
    """Read an A/B test: each variant against the control, overall and per persona, with SRM and BH."""
    from personacraft.errors import ConfigError, SampleRatioMismatchError
    from personacraft.experiments.export import Options, read_configured, read_export

    weights: dict[str, float] = {}
    for w in weight:
        name, _, share = w.rpartition("=")
        try:
            weights[name] = float(share)
        except ValueError:
            raise ConfigError(
                f"--weight {w!r}: give a variant and its planned share, e.g. --weight control=2"
            ) from None
    opts = Options(
        variant=variant, control=control, outcomes=outcome, customer=customer, by=by, bootstrap=bootstrap,
        seed=seed or 0, min_group_size=min_group_size, config=config, run=run, weights=weights or None,
    )  # fmt: skip
    path = Path(file_or_id)
    names: dict[str, str] = {}
    if path.is_file():
        reading, used_run = read_export(path, opts)
    else:
        reading, used_run = read_configured(file_or_id, opts)
    if used_run is not None:
        names = _persona_names(config, reading.settings.get("run_id"))
    doc = reading.to_dict()
    if names:
        doc["settings"]["group_names"] = {k: v for k, v in names.items() if any(r["group"] == k for r in doc["groups"])}
    _show(doc, names, opts.notes)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        console.print(f"Written: {json_out}")
    if not reading.srm_ok:
        srm = doc["srm"]
        obs = ", ".join(f"{k} {v:,}" for k, v in srm["observed"].items())
        tiny = f"= {srm['p_value']:.2g}" if srm["p_value"] else "< 1e-300"
        raise SampleRatioMismatchError(
            f"sample-ratio mismatch: the arms hold {obs}, not the planned ratio (chi-square p {tiny}, under 0.001). "
            "Units were lost or added unevenly between assignment and this export; do not trust the "
            "effects above until the cause is found."
        )


def _persona_names(config: Path, run_id: str | None) -> dict[str, str]:
    """Persona id -> "Name (id)" from the run's personas.json (empty when it cannot be found)."""
    from personacraft.cli.icp import run_personas
    from personacraft.config import load_config
    from personacraft.store import Workspace

    if run_id is None:
        return {}
    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        personas = run_personas(ws.run(run_id))
    return {pid: f"{p.get('name', pid)} ({pid})" for pid, p in personas.items()}
