"""What ``personacraft experiment FILE_OR_ID`` reads: an export (with or without a workspace) or a configured one.

:func:`read_export` reads a file on its own (``by`` = a column of it, or no breakdown) or joined
to the personas of the workspace's latest successful run (``by="persona"``; the default when the
file's customers are mostly known there). :func:`read_configured` reads an ``[[experiments]]``
entry from the ``experiments`` table of that run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from personacraft.errors import ConfigError, InputFormatError, NotFoundError
from personacraft.experiments.files import LINE, load_file
from personacraft.experiments.join import PERSONA, matched_share, with_personas
from personacraft.experiments.reading import read_experiment
from personacraft.experiments.result import ExperimentReading
from personacraft.sources.columns import lit
from personacraft.store import Run, Workspace, scratch

CUSTOMER_NAMES = ("customer_id", "email", "user_id", "customer", "recipient", "contact_id", "email_address")
DEFAULT_OUTCOMES = ("converted", "revenue")
MATCHED = 0.5  # by default the file is read per persona when at least this share of its rows are known customers


@dataclass
class Options:
    """The command's settings (flags and config)."""

    variant: str = "variant"
    control: str = "control"
    outcomes: Sequence[str] = ()
    customer: str | None = None
    by: str | None = None
    bootstrap: int = 0
    seed: int = 0
    min_group_size: int = 30
    alpha: float = 0.05
    weights: dict[str, float] | None = None  # planned shares for the SRM test (None: equal allocation)
    config: Path | None = None  # personacraft.toml; None or missing: no workspace
    run: str | None = None
    notes: list[str] = field(default_factory=list)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]


def _pick(columns: list[str], wanted: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[w] for w in wanted if w in lower), None)


def _outcomes(columns: list[str], opts: Options, path: Path) -> list[str]:
    if opts.outcomes:
        return list(opts.outcomes)
    found = [c for c in (_pick(columns, [o]) for o in DEFAULT_OUTCOMES) if c]
    if not found:
        raise InputFormatError(path, "has neither a 'converted' nor a 'revenue' column", line=1,
                               hint="name the outcome columns with --outcome COL")  # fmt: skip
    return found


def _workspace(opts: Options, *, open_it: bool) -> Workspace | None:
    """The workspace of ``opts.config`` (read-only) when ``open_it``, or None when there is no config or no
    workspace; a config found also raises ``opts.min_group_size`` to its ``[privacy] min_group_size``."""
    if opts.config is None or not opts.config.is_file():
        return None
    from personacraft.config import load_config

    cfg = load_config(opts.config)
    opts.min_group_size = max(opts.min_group_size, cfg.privacy.min_group_size)
    if not open_it or not cfg.workspace_path.exists():
        return None
    return Workspace(cfg.workspace_path, read_only=True)


def read_export(path: Path, opts: Options) -> tuple[ExperimentReading, Run | None]:
    """Read the export ``path``; returns the reading and the run whose personas it used (None without)."""
    ws = _workspace(opts, open_it=opts.by in (None, "persona"))
    if opts.by == "persona" and ws is None:
        raise NotFoundError(
            f"--by persona needs a workspace with a build: {opts.config or 'personacraft.toml'} has none "
            "(run `personacraft build`, or break the file down by one of its columns with --by COL)."
        )
    con = ws.con if ws is not None else scratch()
    try:
        table = load_file(con, path)
        columns = _columns(con, table)
        outcomes = _outcomes(columns, opts, path)
        customer = opts.customer or _pick(columns, CUSTOMER_NAMES)
        relation, group, run = table, None, None
        if opts.by not in (None, "persona"):
            group = opts.by
        elif ws is None:
            opts.notes.append("no workspace: read overall only (--by COL breaks it down by a column of the file)")
        elif ws is not None:
            if customer is None:
                hint = "name it with --customer COL (an id or an email), or use --by COL"
                raise InputFormatError(path, "has no customer column to join to the personas", line=1, hint=hint)
            if _pick(columns, [customer]) is None:
                raise InputFormatError(path, f"has no column {customer!r} (the customer)", line=1, column=customer)
            run = ws.run(opts.run)
            joined = with_personas(run, table, _pick(columns, [customer]) or customer)
            share = matched_share(run, joined)
            if opts.by == "persona" or share >= MATCHED:
                relation, group = joined, PERSONA
                if share < 1:
                    opts.notes.append(f"{1 - share:.1%} of the rows name a customer run {run.run_id} does not know")
            else:
                run = None
                opts.notes.append(
                    f"only {share:.1%} of the file's customers are in the workspace: read overall only "
                    "(--by persona forces the breakdown, --by COL breaks it down by a column)"
                )
        reading = read_experiment(
            con, relation, variant=opts.variant, control=opts.control, outcomes=outcomes, group=group,
            min_group_size=opts.min_group_size, alpha=opts.alpha, bootstrap=opts.bootstrap, seed=opts.seed,
            unit=customer if customer and _pick(columns, [customer]) else None, line=LINE, source=str(path),
            weights=opts.weights,
        )  # fmt: skip
        reading.settings["by"] = "persona" if group == PERSONA else group
        reading.settings["file"] = str(path)
        reading.settings["customer"] = customer
        if run is not None:
            reading.settings["run_id"] = run.run_id
        return reading, run
    finally:
        if ws is not None:
            ws.close()
        else:
            con.close()


def read_configured(experiment_id: str, opts: Options) -> tuple[ExperimentReading, Any]:
    """Read the ``[[experiments]]`` entry ``experiment_id`` from the latest run's ``experiments`` table, per persona."""
    from personacraft.config import load_config

    if opts.config is None or not opts.config.is_file():
        raise NotFoundError(
            f"{experiment_id}: no such file, and no config ({opts.config or 'personacraft.toml'}) "
            "whose [[experiments]] could name it."
        )
    cfg = load_config(opts.config)
    entries = list(getattr(cfg, "experiments", ()) or ())
    names = [str(getattr(e, "experiment", "") or getattr(e, "name", "")) for e in entries]
    entry = next((e for e, n in zip(entries, names, strict=True) if experiment_id in (n, getattr(e, "name", ""))), None)
    if entry is None:
        known = ", ".join(repr(n) for n in names if n) or "none"
        raise ConfigError(
            f"{experiment_id}: no such file, and no [[experiments]] entry of {opts.config.name} names it "
            f"(entries: {known})."
        )
    control = str(getattr(entry, "control", opts.control) or opts.control)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run(opts.run)
        if not run.has_table("experiments") or not run.has_rows("experiments"):
            raise NotFoundError(f"run {run.run_id} has no experiments table rows; run `personacraft build` again.")
        columns = _columns(ws.con, run.t("experiments"))
        # the exposure's customer: its id, else the email an email tool's export names it by
        who = [c for c in ("customer_id", "email") if c in columns]
        table = (
            f"(SELECT *, coalesce({', '.join(who)}) AS _xp_customer FROM {run.t('experiments')} "
            f"WHERE experiment_id = {lit(experiment_id)})"
        )
        wanted = list(opts.outcomes) or list(getattr(entry, "outcomes", ()) or DEFAULT_OUTCOMES)
        outcomes = [o for o in wanted if o in columns] if not opts.outcomes else wanted
        if not outcomes:
            raise ConfigError(
                f"{experiment_id}: none of its outcomes ({', '.join(wanted)}) is a column of the experiments table; "
                "outcomes computed by the build are read in the personas (docs/experiments.md)."
            )
        if len(outcomes) < len(wanted):
            opts.notes.append(f"read here: {', '.join(outcomes)}; the build reads the others per persona")
        joined = with_personas(run, table, "_xp_customer")
        reading = read_experiment(
            ws.con, joined, variant="variant", control=control, outcomes=outcomes, group=PERSONA,
            min_group_size=max(opts.min_group_size, cfg.privacy.min_group_size), alpha=opts.alpha,
            bootstrap=opts.bootstrap, seed=opts.seed, unit="_xp_customer", source=f"experiment {experiment_id}",
            weights=opts.weights,
        )  # fmt: skip
        reading.settings.update(by="persona", experiment=experiment_id, run_id=run.run_id)
        return reading, run.run_id
