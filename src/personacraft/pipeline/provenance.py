"""Where a build's personas came from: version, config, inputs, seed, and how each stage decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from personacraft.accounts.build import Accounts
from personacraft.config import Config
from personacraft.pipeline.stages import Segmentation
from personacraft.store import Run
from personacraft.text.objections import summary
from personacraft.text.sentiment import source_name
from personacraft.text.voice import TextThemes
from personacraft.unify import MergeReport
from personacraft.value.stage import ValueResult
from personacraft.version import __version__

NO_STRUCTURE = (
    "No stable personas were found: no split of the customers into segments separates them better than "
    "one group does, with every segment's bootstrap stability at least {min_stability}. Publishing "
    "segments anyway would invent personas. Add sources with more behaviour (orders, events, surveys), "
    "or check the feature families in provenance.segmentation."
)
ALGORITHM = (
    "latent class model (mixture of multinomials per behaviour family); k by ICL among the k whose every segment "
    "is stable"
)


# the data period the pages state ("Orders from March 2023 to December 2024"): the first table with dates
PERIOD_SOURCES = (
    ("orders", "ordered_at", "orders"),
    ("events", "occurred_at", "events"),
    ("deals", "created_at", "deals"),
    ("subscriptions", "started_at", "subscriptions"),
)
DATA_PERIOD = "SELECT min({column})::DATE AS first, max({column})::DATE AS last FROM {table}"


def data_period(run: Run) -> dict[str, Any] | None:
    """``{what, from, to}``: the first and last day of the run's orders (else events, deals or
    subscriptions), ISO dates; ``None`` when no such table has a date."""
    for table, column, what in PERIOD_SOURCES:
        if not run.has_table(table) or not run.has_rows(table):
            continue
        rows = run.dicts(DATA_PERIOD.format(column=column, table=run.t(table)))
        if rows and rows[0]["first"] is not None and rows[0]["last"] is not None:
            return {"what": what, "from": rows[0]["first"].isoformat(), "to": rows[0]["last"].isoformat()}
    return None


def segmentation(config: Config, seg: Segmentation) -> dict[str, Any]:
    """How the number of personas was chosen, and what was left unassigned."""
    model, found = seg.model, seg.found
    return {
        "algorithm": ALGORITHM,
        "structure_found": found,
        "message": NO_STRUCTURE.format(min_stability=config.segment.min_stability) if not found else None,
        "k": model.k_ if found else 0,
        "published": seg.published,
        "unassigned": int(seg.sizes[seg.published :].sum()) if found else len(model.labels_),
        "bic": {str(k): round(v, 1) for k, v in model.bic_.items()},
        "icl": {str(k): round(v, 1) for k, v in model.icl_.items()},
        "separation": {str(k): round(v, 3) for k, v in model.separation_.items()},
        "least_stable_segment": {str(k): round(v, 3) for k, v in model.screen_.items()},
        "weights": dict(config.segment.weights),
        "families": seg.design.family_names,
        "columns": len(seg.design.columns),
    }


def provenance(
    config: Config,
    inputs: list[dict[str, Any]],
    seg: Segmentation,
    merge: MergeReport,
    value: ValueResult,
    texts: TextThemes,
    run: Run | None = None,
    accounts: Accounts | None = None,
) -> dict[str, Any]:
    """The ``provenance`` block of ``personas.json``; with ``run``, the ``data_period`` the pages state;
    with ``accounts`` (B2B), the money and churn drivers of all accounts."""
    out: dict[str, Any] = {
        "data_period": data_period(run) if run is not None else None,
        "version": __version__,
        "config_hash": config.fingerprint(),
        "inputs": [{k: v for k, v in i.items() if k != "mtime_ns"} for i in inputs],
        "seed": config.seed,
        "min_group_size": config.privacy.min_group_size,
        "segmentation": segmentation(config, seg),
        "identity": merge.to_dict(),
        "value": value.provenance or {"clv": value.missing_clv, "churn": value.missing_churn},
        "voice": {
            "method": texts.themes.method if texts.themes else None,
            "texts": len(texts.bodies),
            "themes": [{k: v for k, v in t.items() if k != "theme"} for t in texts.theme_rows],
            "sentiment_scales": {source_name(k, v): v for k, v in texts.scales.items()},
        },
        "objections": summary(texts.lost, lost_reason_columns(config)) if texts.lost is not None else None,
    }
    if accounts is not None:
        out["accounts"] = {
            "end": accounts.end,
            "money": accounts.population,
            "churn_drivers": accounts.drivers,
            "unlinked_subscriptions": accounts.unlinked_subscriptions,
        }
    return out


def lost_reason_columns(config: Config) -> dict[str, str]:
    """Source label -> the file column a generic source maps to ``lost_reason``."""
    return {
        s.name or f"{s.kind}:{Path(s.path).name}": str(s.columns["lost_reason"])
        for s in config.sources
        if s.columns.get("lost_reason")
    }
