"""The named stages of a build, each a function of the config and the run with a typed result.

Every stage reads what earlier stages wrote into the run (DuckDB tables) plus the typed
results passed to it, and can be called alone on a run that holds those tables: the tests
of ``tests/pipeline/`` do so on small fixtures. :func:`personacraft.pipeline.build` calls
them in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from personacraft.accounts.build import Accounts, build_accounts
from personacraft.config import Config
from personacraft.engine import engine_for
from personacraft.engine.script import SparkScript
from personacraft.engine.spark import SparkEngine
from personacraft.errors import InputError, NotFoundError, PersonaError
from personacraft.experiments.personas import Readings, cite, evidence, persona_experiments
from personacraft.features import add_text_themes, build_features, customer_status
from personacraft.features.custom import build_custom, declared
from personacraft.hypotheses.says import says_vs_does as find_says_vs_does
from personacraft.hypotheses.service import grade_beliefs
from personacraft.icp.learn import ICP, learn_icp
from personacraft.ingest import ingest as ingest_sources
from personacraft.journey.build import journeys as journey_map
from personacraft.personas.build import SegmentResult, build_personas
from personacraft.personas.changes import run_doc
from personacraft.segment import LatentClassSegmenter, family_weights, lineage, load_design, profile, save_model
from personacraft.segment.assignment import Decision, PersonaModel, membership, persona_id_sql
from personacraft.segment.matrix import Design, assign_everyone
from personacraft.segment.profile import save_cells
from personacraft.sources import Accounting, Source
from personacraft.store import Run
from personacraft.text import rival_mentions
from personacraft.text.competitors import competitor_voice
from personacraft.text.embed import precision
from personacraft.text.objections import lost_reasons, objections
from personacraft.text.redact import Redactor
from personacraft.text.voice import TextThemes, Voice, text_themes, voice_of_customer, why_they_left
from personacraft.unify import IDENTITY_TABLES, MergeReport, keyed
from personacraft.unify import unify as resolve_identities
from personacraft.value.stage import CustomerValue, ValueResult, customer_value, fit_customer_value

Say = Callable[[str], None]


def ingest(config: Config, run: Run, sources: list[Source], inputs: list[dict[str, Any]], say: Say) -> list[Accounting]:
    """Read every source into the run's canonical tables; each source's rows read, accepted and rejected."""
    return ingest_sources(config, run, sources, inputs, say)


def unify(config: Config, run: Run) -> MergeReport:
    """Join each customer across sources (``customer_index``); what was merged on, and the conflicts."""
    if config.identity.method == "splink":
        from personacraft.unify.linkage import splink_linker  # Splink is imported only when asked for

        found: dict[str, Any] = {}
        rep = resolve_identities(run, links=splink_linker(config.identity.match_threshold, config.seed, found))
        rep.linkage = found
        return rep
    engine = engine_for(config)
    if isinstance(engine, SparkEngine):  # the same statements on Spark; the tables it makes come back as Parquet
        with SparkScript(engine, run) as script:
            rep = resolve_identities(script)
            script.keep(IDENTITY_TABLES)
        return rep
    return resolve_identities(run)


def features(config: Config, run: Run) -> None:
    """Compute the per-customer feature tables (``feature_counts``, ``attributes``, ``order_features`` …)."""
    engine = engine_for(config)  # [engine]: DuckDB, or Spark SQL for the per-customer tables (docs/spark.md)
    build_features(run, min_group=config.privacy.min_group_size, new_days=config.segment.new_days, engine=engine)
    build_custom(run, declared(config), min_group=config.privacy.min_group_size)  # [sources.features]


def value(config: Config, run: Run) -> CustomerValue:
    """Fit CLV on the buyers (``customer_value``), then say who left and who stayed (``customer_status``)."""
    fitted = fit_customer_value(run, config.value, engine_for(config))
    customer_status(run, lapsed_days=config.text.lapsed_days, lapsed_p_alive=config.text.lapsed_p_alive)
    return fitted


def text(config: Config, run: Run) -> TextThemes:
    """Redact every text, find its theme, and add the themes to the features when the config says so."""
    names = run.numpy(f"SELECT first_name, last_name FROM {keyed(run, 'customers')}")
    redactor = Redactor.from_names(names.get("first_name", []), names.get("last_name", []))
    with precision(config.text.precision):
        texts = text_themes(run, redactor, method=config.text.method, seed=config.seed, company=config.name)
        if config.segment.text_themes and texts.themes is not None:
            add_text_themes(run)
        texts.lost = lost_reasons(run, redactor, method=config.text.method, seed=config.seed)
    texts.competitors = competitor_voice(texts, min_n=config.privacy.min_group_size)  # before the personas
    return texts


def competitors(config: Config, run: Run, texts: TextThemes, personas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Competitor voice (``competitors.json``), with each persona's mentions of competitors and its angles."""
    doc = texts.competitors
    if doc is None:
        return None
    labels = run.numpy(f"SELECT customer_key, persona FROM {run.t('labels')}")
    ids = [str(p.get("id")) for p in personas]
    doc["mentions"] = rival_mentions.mentions(
        texts, doc, labels["customer_key"], labels["persona"], ids, config.privacy.min_group_size
    )
    doc["angles"] = rival_mentions.angles(doc, personas)
    return doc


@dataclass(frozen=True)
class Segmentation:
    """The fitted segmenter, the customers' decisions, and which segments are published as personas."""

    design: Design
    personas: PersonaModel
    decision: Decision
    sizes: np.ndarray  # customers per segment, segments ordered by size
    lineage: lineage.Lineage | None = None  # the match with the previous run (set by :func:`match_personas`)

    @property
    def model(self) -> LatentClassSegmenter:
        return self.personas.model

    @property
    def published(self) -> int:
        return self.personas.published

    @property
    def found(self) -> bool:
        return self.personas.structure_found

    def result(self) -> SegmentResult:
        return SegmentResult(
            k=self.published,
            sizes=self.sizes,
            stability=self.model.stability_,
            membership=membership(self.decision, self.published),
            ids=self.personas.persona_ids,
        )


def segment(config: Config, run: Run) -> Segmentation:
    """Fit the latent class model, label every customer (``labels``) and save the model with the run."""
    design = load_design(run)
    seg = config.segment
    if len(design.customers) < max(2 * seg.min_size, 20):
        raise PersonaError(
            f"only {len(design.customers)} customers were found across the sources; personas need at least "
            f"{max(2 * seg.min_size, 20)}. Check that the sources share emails or ids."
        )
    if design.N.shape[1] == 0:
        kinds = ", ".join(sorted({s.kind for s in config.sources}))
        raise InputError(
            f"{len(design.customers):,} customers were read ({kinds}), but there is nothing to segment them on: "
            "a customer list alone says who they are, not what they do. Add an orders, events or survey export "
            'as another [[sources]] entry (for example kind = "shopify_orders", "ga4_bigquery" or "typeform") '
            "and build again."
        )
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
    sizes = np.bincount(model.labels_, minlength=model.k_)
    # segments are ordered by size: those under the minimum size (possible when k is pinned)
    # are not published, and their customers are unassigned
    floor = max(seg.min_size, int(np.ceil(seg.min_size_share * len(model.labels_))))
    published = int((sizes >= floor).sum()) if model.structure_found_ else 0
    personas = PersonaModel(model, design.columns, bool(model.structure_found_), published)
    save_model(run, model, design, published)
    engine = engine_for(config)
    if engine.name == "duckdb":  # the counts are in memory already: the fit's labels, and the decision here
        decision, persona = personas.decide(design.N), model.labels_
    else:  # every customer assigned on the engine with the saved model (mapInPandas on Spark), back as Parquet
        decision = assign_everyone(run, engine, personas, design.customers)
        persona = decision.segment
    run.write_arrays(
        "labels",
        {
            "customer_key": design.customers,
            "persona": persona.astype(np.int32),
            "confidence": decision.best,
            # a hybrid's second persona; k (never published) for everyone else
            "second_persona": np.where(decision.hybrid, decision.second, model.k_).astype(np.int32),
            "second_confidence": decision.second_confidence,
        },
    )
    return Segmentation(design, personas, decision, sizes)


def match_personas(config: Config, run: Run, seg: Segmentation) -> Segmentation:
    """Match the segments to the previous run's personas (``persona_lineage``): the ids every output uses."""
    found = lineage.link(run, seg.published)
    personas = dataclasses.replace(seg.personas, ids=found.ids)
    decision = dataclasses.replace(seg.decision, ids=personas.persona_ids)
    return dataclasses.replace(seg, personas=personas, decision=decision, lineage=found)


@dataclass(frozen=True)
class Profiles:
    """What sets each segment apart: attribute cells with their tests, text themes, and why customers left."""

    cells: list[dict[str, Any]]
    voice: Voice
    why_they_left: dict[str, Any]


def profile_segments(config: Config, run: Run, texts: TextThemes) -> Profiles:
    """Compare every segment with the population: traits, pains and needs, and the reasons of those who left."""
    min_n, quotes = config.privacy.min_group_size, config.report.max_quotes
    cells = profile(run)
    save_cells(run, cells)
    voice = voice_of_customer(run, texts, min_n=min_n, quotes=quotes)
    if texts.lost is not None and texts.lost.lost_deals:  # sales objections: the lost deals' reasons
        published = int(run.scalar(f"SELECT coalesce(max(persona) + 1, 0) FROM {run.t('labels')}") or 0)
        voice.deals = True
        voice.objections, voice.no_objections = objections(run, texts.lost, published, min_n=min_n, quotes=quotes)
    return Profiles(cells, voice, why_they_left(run, texts, min_n=min_n, quotes=quotes))


def persona_value(config: Config, run: Run, fitted: CustomerValue, seg: Segmentation) -> ValueResult:
    """Roll CLV and churn up to the published personas."""
    return customer_value(
        run,
        config.value,
        fitted,
        seg.published,
        config.privacy.min_group_size,
        seed=config.seed,
        new_days=config.segment.new_days,
        engine=engine_for(config),
    )


def accounts(config: Config, run: Run, seg: Segmentation, val: ValueResult) -> Accounts | None:
    """B2B: every account (``account_view``) with its money, buying group and churn; per persona, the money
    of its accounts and the churn of the accounts it decides or works in. None without accounts."""
    return build_accounts(
        run,
        ids=seg.personas.persona_ids[: seg.published],
        churn=val.churn,
        cfg=config.value,
        min_n=config.privacy.min_group_size,
        seed=config.seed,
    )


def journeys(config: Config, run: Run, seg: Segmentation, texts: TextThemes) -> dict[str, Any]:
    """The journey map of all customers and of each persona (names are filled in by :func:`personas`)."""
    return journey_map(
        run,
        config.journey,
        published=seg.published,
        names=[],
        min_n=config.privacy.min_group_size,
        texts=texts,
        ids=seg.personas.persona_ids,
        engine=engine_for(config),
    )


def personas(
    config: Config,
    run: Run,
    seg: Segmentation,
    prof: Profiles,
    val: ValueResult,
    journey_doc: dict[str, Any],
    accounts: Accounts | None = None,
) -> list[dict[str, Any]]:
    """The persona objects of ``personas.json``, in segment order; their names go into the journey map too."""
    if not seg.found:
        return []
    built = build_personas(
        run,
        dataclasses.replace(seg.result(), previous=_previous_personas(run, seg)),
        prof.cells,
        prof.voice,
        val,
        min_n=config.privacy.min_group_size,
        max_traits=config.report.max_traits,
        seed=config.seed,
        journeys=journey_doc["personas"],
        accounts=accounts,
    )
    for block, persona in zip(journey_doc["personas"], built, strict=True):
        block["name"] = persona["name"]
    return built


def experiments(config: Config, run: Run, built: list[dict[str, Any]]) -> Readings:
    """Read the config's ``[[experiments]]`` per persona: each persona's ``experiments`` block (null, with the
    reason in its ``missing``, when there is none), cited in its messaging recommendations."""
    if not built:
        return Readings({}, [], "no persona was published")
    # as `personacraft experiment` reads by default: 30 per arm, never fewer than the privacy floor
    min_n = max(30, config.privacy.min_group_size)
    found = persona_experiments(run, config.experiments, [str(p["id"]) for p in built], min_n=min_n, seed=config.seed)
    for persona in built:
        items = found.blocks.get(str(persona["id"])) or []
        if not items:
            persona["experiments"] = None
            persona.setdefault("missing", {})["experiments"] = found.reason or "no experiment exposed this persona"
            continue
        persona["experiments"] = items
        cite(persona, items)
        persona.setdefault("evidence", []).append(evidence(items))
    return found


def says_vs_does(config: Config, run: Run, seg: Segmentation, built: list[dict[str, Any]]) -> dict[str, Any]:
    """Each persona's ``says_vs_does``: where what its customers state contradicts what they do
    (:mod:`personacraft.hypotheses.says`); the whole finding (pairs tested, everyone's links) for the report."""
    ids = [str(p["id"]) for p in built]
    if not built:
        return {"personas": {}, "tested": 0, "pairs": 0, "links": []}
    min_n = config.privacy.min_group_size
    found = find_says_vs_does(run, ids, persona_id_sql("l.persona", seg.published, ids), min_group=min_n)
    for persona in built:
        items = found["personas"].get(str(persona["id"]), [])
        if not found["pairs"]:
            persona["says_vs_does"] = None
            persona.setdefault("missing", {})["says_vs_does"] = (
                "no customer has both a stated answer (survey, CRM, interview) and a recorded behaviour"
            )
            continue
        persona["says_vs_does"] = items
        if items:
            persona.setdefault("evidence", []).append(
                {
                    "field": "says_vs_does",
                    "claim": "What these customers say contradicts what they do: " + " ".join(x["text"] for x in items),
                    "method": "2x2 tables of a stated value against a behaviour, inside the persona and outside it; "
                    "chi-square or Fisher, Benjamini-Hochberg over all pairs; difference of shares >= "
                    f"{found['rule']['min_effect']:.0%} points, opposite to the link outside (docs/hypotheses.md)",
                    "facts": [{k: v for k, v in x.items() if k != "text"} for x in items],
                }
            )
    return found


def beliefs(config: Config, run: Run, built: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``[beliefs] file`` graded against this run, as ``personacraft hypotheses`` grades it; None without one."""
    if not config.beliefs.file:
        return None
    names = {str(p["id"]): str(p["name"]) for p in built}
    return grade_beliefs(config, config.resolve(config.beliefs.file), run, names)


def _previous_personas(run: Run, seg: Segmentation) -> dict[str, dict[str, Any]] | None:
    """The previous run's personas by id (their names and persons are kept where they still fit)."""
    if seg.lineage is None or seg.lineage.previous is None:
        return None
    try:
        doc = run_doc(run.ws, run.ws.run(seg.lineage.previous))
    except NotFoundError:
        return None
    return {str(p["id"]): p for p in doc.get("personas", [])}


def icp(config: Config, run: Run, built: list[dict[str, Any]]) -> ICP | None:
    """The ideal customer profile, as ``personacraft icp`` learns it, when the run has deals or subscriptions.

    None without them, or when no unit is best (or every one is): the card then has nothing to compare.
    """
    if not (run.has_rows("deals") or run.has_rows("subscriptions")):
        return None
    try:
        return learn_icp(
            run,
            min_n=config.privacy.min_group_size,
            seed=config.seed,
            personas={p["id"]: p for p in built},
            synonyms=config.icp.industry_synonyms,
        )
    except NotFoundError:
        return None
