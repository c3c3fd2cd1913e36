"""build(config) -> BuildResult: the stages in order, nothing else."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from personacraft import __version__
from personacraft.activation import write_activation
from personacraft.config import Config
from personacraft.errors import PersonaError
from personacraft.features import add_text_themes, build_features, customer_status
from personacraft.ingest import ingest
from personacraft.journey.build import journeys
from personacraft.personas.build import SegmentResult, build_personas
from personacraft.personas.model import PersonaSet
from personacraft.render import render_report
from personacraft.render.cards.writer import render_cards
from personacraft.render.journey.page import render_journeys
from personacraft.segment import LatentClassSegmenter, family_weights, load_design, profile, save_model
from personacraft.sources import Accounting, fingerprint, make_source
from personacraft.store import Run, Workspace
from personacraft.text.redact import Redactor
from personacraft.text.voice import text_themes, voice_of_customer, why_they_left
from personacraft.unify import keyed, unify
from personacraft.value.stage import customer_value, fit_customer_value

NO_STRUCTURE = (
    "No stable personas were found: no split of the customers into segments separates them better than "
    "one group does, with every segment's bootstrap stability at least {min_stability}. Publishing "
    "segments anyway would invent personas. Add sources with more behaviour (orders, events, surveys), "
    "or check the feature families in provenance.segmentation."
)

# the files of a run that are copied to the top of the output folder
OUTPUTS = (
    "personas.json",
    "journeys.json",
    "assignments.csv",
    "features.parquet",
    "accounting.json",
    "customer_value.csv",
    "committees.csv",
)
# the folders of a run that replace those at the top of the output folder
FOLDERS = ("report", "activation")
# progress(message, step, steps): called as each stage starts
Progress = Callable[[str, int, int], None]
FIXED_STAGES = 9  # checking, identities, features, value, text themes, segments, profiles, journeys, outputs


@dataclass(frozen=True)
class BuildResult:
    """Where a successful build put its outputs, and what it found."""

    run_id: str
    out_dir: Path
    run_dir: Path
    report: Path
    personas: PersonaSet
    accounting: list[Accounting]


def build(config: Config, out_dir: Path | None = None, progress: Progress | None = None) -> BuildResult:
    """Run the whole pipeline for ``config``; outputs go to ``out_dir`` (default ``out/``)."""
    total = FIXED_STAGES + len(config.sources)
    step = iter(range(total))

    def say(message: str) -> None:
        if progress is not None:
            progress(message, next(step), total)

    out = (out_dir or config.root / "out").resolve()
    say("Checking sources")
    sources = [make_source(s, config.root) for s in config.sources]
    inputs = fingerprint(sources)
    with Workspace(config.workspace_path) as ws:
        run = ws.new_run(config_hash=config.fingerprint(), config=config.to_dict(), inputs=inputs, version=__version__)
        staging = out / "runs" / f".{run.run_id}.partial"
        try:
            result = _stages(config, run, sources, inputs, staging, out, say)
        except BaseException as exc:
            run.fail(f"{type(exc).__name__}: {exc}")
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return result


def _stages(
    config: Config,
    run: Run,
    sources: list[Any],
    inputs: list[dict[str, Any]],
    staging: Path,
    out: Path,
    say: Callable[[str], None],
) -> BuildResult:
    min_n = config.privacy.min_group_size
    accounting = ingest(config, run, sources, inputs, say)
    say("Resolving identities")
    merge = unify(run)
    say("Computing features")
    build_features(run, min_group=min_n)
    names = run.numpy(f"SELECT first_name, last_name FROM {keyed(run, 'customers')}")
    redactor = Redactor.from_names(names.get("first_name", []), names.get("last_name", []))
    say("Estimating customer value")
    fitted_value = fit_customer_value(run, config.value)
    customer_status(run, lapsed_days=config.text.lapsed_days, lapsed_p_alive=config.text.lapsed_p_alive)
    say("Finding themes in the texts")
    texts = text_themes(run, redactor, method=config.text.method, seed=config.seed)
    if config.segment.text_themes and texts.themes is not None:
        add_text_themes(run)
    say("Segmenting customers")
    design = load_design(run)
    if len(design.customers) < max(2 * config.segment.min_size, 20):
        raise PersonaError(
            f"only {len(design.customers)} customers were found across the sources; personas need at least "
            f"{max(2 * config.segment.min_size, 20)}. Check that the sources share emails or ids."
        )
    seg = config.segment
    model = LatentClassSegmenter(
        families=design.families,
        family_weights=family_weights(design.family_names, seg.weights),
        k=seg.k,
        k_min=seg.k_min,
        k_max=seg.k_max,
        sample_size=seg.sample_size,
        min_size=seg.min_size,
        min_size_share=seg.min_size_share,
        min_stability=seg.min_stability,
        random_state=config.seed,
    ).fit(design.N)
    labels = model.labels_
    confidence = model.predict_proba(design.N).max(axis=1)
    run.write_arrays(
        "labels",
        {
            "customer_key": design.customers,
            "persona": labels.astype(np.int32),
            "confidence": np.round(confidence, 4),
        },
    )
    say("Profiling personas")
    cells = profile(run)
    voice = voice_of_customer(run, texts, min_n=min_n, quotes=config.report.max_quotes)
    left = why_they_left(run, texts, min_n=min_n, quotes=config.report.max_quotes)
    sizes = np.bincount(labels, minlength=model.k_)
    # segments are ordered by size: those under the minimum size (possible when k is pinned)
    # are not published, and their customers are unassigned
    floor = max(seg.min_size, int(np.ceil(seg.min_size_share * len(labels))))
    published = int((sizes >= floor).sum()) if model.structure_found_ else 0
    save_model(run, model, design, published)
    value = customer_value(run, config.value, fitted_value, published, min_n, seed=config.seed)
    say("Mapping journeys")
    # before the personas, whose actions read their journeys; names are set once personas have them
    journey_doc = journeys(run, config.journey, published=published, names=[], min_n=min_n, texts=texts)
    personas = (
        build_personas(
            run,
            SegmentResult(k=published, sizes=sizes, stability=model.stability_),
            cells,
            voice,
            value,
            min_n=min_n,
            max_traits=config.report.max_traits,
            seed=config.seed,
            journeys=journey_doc["personas"],
        )
        if model.structure_found_
        else []
    )
    for block, persona in zip(journey_doc["personas"], personas, strict=True):
        block["name"] = persona["name"]
    pset = PersonaSet(
        run_id=run.run_id,
        created_at=run.created_at.isoformat(timespec="seconds") + "Z",
        customers=len(design.customers),
        personas=personas,
        why_they_left=left,
        provenance={
            "version": __version__,
            "config_hash": config.fingerprint(),
            "inputs": [{k: v for k, v in i.items() if k != "mtime_ns"} for i in inputs],
            "seed": config.seed,
            "min_group_size": min_n,
            "segmentation": {
                "algorithm": "latent class model (mixture of multinomials per behaviour family); "
                "k by ICL among the k whose every segment is stable",
                "structure_found": bool(model.structure_found_),
                "message": NO_STRUCTURE.format(min_stability=seg.min_stability) if not model.structure_found_ else None,
                "k": model.k_ if model.structure_found_ else 0,
                "published": published,
                "unassigned": int(sizes[published:].sum()) if model.structure_found_ else len(labels),
                "bic": {str(k): round(v, 1) for k, v in model.bic_.items()},
                "icl": {str(k): round(v, 1) for k, v in model.icl_.items()},
                "separation": {str(k): round(v, 3) for k, v in model.separation_.items()},
                "least_stable_segment": {str(k): round(v, 3) for k, v in model.screen_.items()},
                "weights": dict(seg.weights),
                "families": design.family_names,
                "columns": len(design.columns),
            },
            "identity": merge.to_dict(),
            "value": value.provenance or {"clv": value.missing_clv, "churn": value.missing_churn},
            "voice": {
                "method": texts.themes.method if texts.themes else None,
                "texts": len(texts.bodies),
                "themes": [{k: v for k, v in t.items() if k != "theme"} for t in texts.theme_rows],
            },
        },
    )
    say("Writing outputs")
    staging.mkdir(parents=True, exist_ok=True)
    pset.save_json(staging / "personas.json")
    (staging / "journeys.json").write_text(json.dumps(journey_doc, indent=1) + "\n", encoding="utf-8")
    run.execute(
        f"""COPY (SELECT l.customer_key AS customer_id, coalesce(c.email, '') AS email,
                 CASE WHEN l.persona < {published} THEN 'p' || (l.persona + 1) ELSE '' END AS persona_id,
                 l.confidence
                 FROM {run.t("labels")} l JOIN {run.t("customer_index")} c USING (customer_key)
                 ORDER BY l.customer_key) TO '{staging / "assignments.csv"}' (HEADER, DELIMITER ',')"""
    )
    if run.has_table("customer_value") and run.has_rows("customer_value"):
        run.execute(
            f"""COPY (SELECT v.customer_key AS customer_id,
                     CASE WHEN l.persona < {published} THEN 'p' || (l.persona + 1) ELSE '' END AS persona_id,
                     v.* EXCLUDE (customer_key)
                     FROM {run.t("customer_value")} v LEFT JOIN {run.t("labels")} l USING (customer_key)
                     ORDER BY v.customer_key) TO '{staging / "customer_value.csv"}' (HEADER, DELIMITER ',')"""
        )
    if run.has_table("committee"):
        # the buying committee of each account: who is in it, who signs, who uses, and the outcome
        run.execute(
            f"""COPY (SELECT account_id, count(*) AS contacts,
                     count(*) FILTER (WHERE type = 'decision_maker') AS decision_makers,
                     count(*) FILTER (WHERE type = 'buyer') AS buyers,
                     count(*) FILTER (WHERE type = 'influencer') AS influencers,
                     count(*) FILTER (WHERE type = 'end_user') AS end_users,
                     count(*) FILTER (WHERE type IS NULL) AS type_unknown,
                     coalesce(string_agg(DISTINCT type, '; ' ORDER BY type) FILTER (WHERE pays), '') AS signed_by,
                     count(*) FILTER (WHERE uses) AS product_users,
                     CASE WHEN any_value(won) THEN 'won' WHEN NOT any_value(won) THEN 'lost' ELSE '' END AS deal
                     FROM {run.t("committee")} GROUP BY account_id ORDER BY account_id)
                TO '{staging / "committees.csv"}' (HEADER, DELIMITER ',')"""
        )
    # each customer's feature values, as `personacraft assign` reads them
    run.execute(
        f"""COPY (SELECT customer_key AS customer_id, family, value, n FROM {run.t("feature_counts")}
                 WHERE value IS NOT NULL AND n > 0 ORDER BY ALL)
            TO '{staging / "features.parquet"}' (FORMAT parquet)"""
    )
    # what marketing and sales push into their tools: CRM write-back, hashed ad audiences
    activation = write_activation(
        run, published=len(personas), names=[p["name"] for p in personas], out_dir=staging, min_n=min_n
    )
    (staging / "activation" / "summary.json").write_text(
        json.dumps(activation, indent=2, default=str) + "\n", encoding="utf-8"
    )
    acc_doc: dict[str, Any] = {
        "run_id": run.run_id,
        "balanced": all(a.balanced for a in accounting),
        "sources": [a.to_dict() for a in accounting],
        "identity": merge.to_dict(),
    }
    (staging / "accounting.json").write_text(json.dumps(acc_doc, indent=2, default=str) + "\n", encoding="utf-8")
    render_report(
        pset,
        staging,
        title=config.report.title,
        accounting=acc_doc["sources"],
        max_quotes=config.report.max_quotes,
        journeys=True,
        cards=bool(personas),
    )
    render_journeys(journey_doc, staging, title=f"{config.report.title}: customer journeys")
    render_cards(personas, staging, title=config.report.title, run_id=run.run_id)
    run_dir = out / "runs" / run.run_id
    staging.rename(run_dir)
    _publish(run_dir, out)
    run.finish(out_dir=str(run_dir), summary={"customers": pset.customers, "personas": len(personas)})
    return BuildResult(run.run_id, out, run_dir, out / "report" / "index.html", pset, accounting)


def _publish(run_dir: Path, out: Path) -> None:
    """Make ``run_dir`` the current outputs at the top of ``out`` (the run folder stays as is)."""
    for name in OUTPUTS:
        if not (run_dir / name).exists():
            (out / name).unlink(missing_ok=True)  # the newest run has none: an older one must not pass for it
            continue
        tmp = out / f".{name}.tmp"
        shutil.copyfile(run_dir / name, tmp)
        tmp.replace(out / name)
    for folder in FOLDERS:
        new = out / f".{folder}.tmp"
        shutil.rmtree(new, ignore_errors=True)
        shutil.copytree(run_dir / folder, new)
        old = out / f".{folder}.old"
        shutil.rmtree(old, ignore_errors=True)
        if (out / folder).exists():
            (out / folder).rename(old)
        new.rename(out / folder)
        shutil.rmtree(old, ignore_errors=True)
