"""build(config) -> BuildResult: the stages in order, nothing else.

ingest → unify → features → value → text → segment → profile → journeys → personas → experiments → ICP → outputs;
each stage is a function of :mod:`personacraft.pipeline.stages`, the files are written by
:mod:`personacraft.pipeline.outputs`, and the provenance by :mod:`personacraft.pipeline.provenance`; the
fingerprint that ``build --if-changed`` compares by :mod:`personacraft.pipeline.refresh`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personacraft import upkeep
from personacraft.alerts.delivery import deliver
from personacraft.config import Config
from personacraft.errors import disk_full
from personacraft.personas.model import Persona
from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline import outputs, stages
from personacraft.pipeline.outputs import Report, write_outputs
from personacraft.pipeline.provenance import provenance
from personacraft.pipeline.refresh import inputs_fingerprint
from personacraft.sources import Accounting, fingerprint, make_sources
from personacraft.store import Workspace
from personacraft.version import __version__

LOG = logging.getLogger("personacraft.build")
# progress(message, step, steps): called as each stage starts
Progress = Callable[[str, int, int], None]
FIXED_STEPS = 10  # checking, identities, features, value, text themes, segments, profiles, journeys, ICP, outputs


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
    """Run the whole pipeline for ``config``; outputs go to ``out_dir`` (default ``out/`` next to the config)."""
    say = _Steps(progress, FIXED_STEPS + len(config.sources))
    out = (out_dir or config.root / "out").resolve()
    say("Checking sources")
    sources = make_sources(config)
    inputs = fingerprint(sources)
    with Workspace(config.workspace_path, wait=config.lock_wait, memory_limit=config.engine.memory_limit) as ws:
        recover(ws, out)
        run = ws.new_run(
            config_hash=config.fingerprint(),
            config=config.to_dict(),
            inputs=inputs,
            version=__version__,
            fingerprint=inputs_fingerprint(config, inputs),
            out_dir=str(out / "runs"),
        )
        staging = out / "runs" / f".{run.run_id}.partial"
        try:
            accounting = stages.ingest(config, run, sources, inputs, say)
            say("Resolving identities")
            merge = stages.unify(config, run)
            say("Computing features")
            stages.features(config, run)
            say("Estimating customer value")
            fitted = stages.value(config, run)
            say("Finding themes in the texts")
            texts = stages.text(config, run)
            say("Segmenting customers")
            seg = stages.match_personas(config, run, stages.segment(config, run))
            say("Profiling personas")
            prof = stages.profile_segments(config, run, texts)
            value = stages.persona_value(config, run, fitted, seg)
            accounts = stages.accounts(config, run, seg, value)
            say("Mapping journeys")
            journey_doc = stages.journeys(config, run, seg, texts)
            built = stages.personas(config, run, seg, prof, value, journey_doc, accounts)
            tested = stages.experiments(config, run, built)
            said = stages.says_vs_does(config, run, seg, built)
            graded = stages.beliefs(config, run, built)
            personas = [Persona.from_dict(p) for p in built]
            say("Learning the ideal customer profile")
            icp = stages.icp(config, run, built)
            pset = PersonaSet(
                run_id=run.run_id,
                created_at=run.created_at.isoformat(timespec="seconds") + "Z",
                customers=len(seg.design.customers),
                personas=personas,
                provenance=provenance(config, inputs, seg, merge, value, texts, run, accounts),
                why_they_left=prof.why_they_left,
            )
            say("Writing outputs")
            extra = Report(accounting, merge, journey_doc, icp, tested.experiments, said, graded)
            extra = dataclasses.replace(
                extra, competitors=stages.competitors(config, run, texts, [p.to_dict() for p in pset])
            )
            alerts = write_outputs(config, run, pset, seg.published, extra, staging, seg.lineage)
            run_dir = out / "runs" / run.run_id
            staging.rename(run_dir)
            outputs.stage(run_dir, out, run.run_id)  # copies beside the current outputs, which stay as they are
            ws.record_persona_ids(run.run_id, [p.id for p in pset])
            summary = {"customers": pset.customers, "personas": len(pset), "seconds": say.seconds()}
            run.finish(out_dir=str(run_dir), summary=summary)
            outputs.swap(out)  # renames only; a swap cut short is finished by the next recover()
            if config.privacy.keep_runs or config.privacy.keep_days:
                pruned = upkeep.prune(ws, config.privacy.keep_runs, config.privacy.keep_days)
                LOG.info("retention removed runs %s", ", ".join(pruned.runs) or "none")
        except BaseException as exc:
            with contextlib.suppress(Exception):  # a full disk may refuse this too: the next build marks it
                run.fail(f"{type(exc).__name__}: {exc}")
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                outputs.recover(out, lambda _run_id: False)
            full = disk_full(exc, config.workspace_path.parent, out)
            if full is not None:
                raise full from exc
            raise
    _deliver(config, alerts, run.run_id, out)
    return BuildResult(run.run_id, out, run_dir, out / "report" / "index.html", pset, accounting)


def recover(ws: Workspace, out: Path | None = None) -> list[str]:
    """Clean up after builds whose process died (killed, crashed): mark their runs ``killed`` and drop their
    tables, finish or undo a publishing they cut short, and remove their half-written folders, in ``out`` and
    in the output folder each dead run named. Needs the workspace opened for writing (it holds the lock, so
    no build of another process is running). Returns what was done, for the log."""
    done = []
    folders = {out} if out is not None else set()
    for dead in upkeep.mark_killed(ws):
        done.append(f"run {dead['run_id']} (pid {dead['pid']}) was killed before it finished")
        if dead["out_dir"]:  # out/runs: the run's own folder is out/runs/<run_id>
            runs_dir = Path(str(dead["out_dir"]))
            shutil.rmtree(runs_dir / str(dead["run_id"]), ignore_errors=True)
            folders.add(runs_dir.parent)
    succeeded = {r["run_id"] for r in ws.runs() if r["status"] == "succeeded"}
    for folder in sorted(folders):
        fixed = outputs.recover(folder, lambda run_id: run_id in succeeded)
        if fixed:
            done.append(fixed)
    if ws.lock is not None and ws.lock.fresh:
        from personacraft.forget import journal  # a forget cut short: finished, or its copies dropped

        forgotten = journal.recover(ws)
        if forgotten:
            done.append(forgotten)
    for line in done:
        LOG.warning("%s", line)
    return done


def _deliver(config: Config, alerts: list[dict[str, Any]], run_id: str, out: Path) -> None:
    """Deliver the build's alerts (alerts.jsonl, webhook, email); a failure is logged, never raised."""
    if not alerts:
        return
    try:
        deliver(alerts, config, config.workspace_path.parent, run_id, report_url=config.report.base_url or None)
    except Exception as exc:  # a delivery must never fail a build that succeeded
        LOG.warning("the alerts of run %s were not delivered: %s", run_id, exc)


class _Steps:
    """``say(message)``: report the next step of ``total`` to ``progress``, and time each step (until the next
    one starts) for the run's summary: ``personacraft runs --json`` and the runs page show where the time went."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total = progress, total
        self.started: list[tuple[str, float]] = []

    def __call__(self, message: str) -> None:
        self.started.append((message, time.perf_counter()))
        if self.progress is not None:
            self.progress(message, len(self.started) - 1, self.total)

    def seconds(self) -> dict[str, float]:
        """Each step's wall seconds so far, in order (the step in progress until now)."""
        ends = [t for _, t in self.started[1:]] + [time.perf_counter()]
        took: dict[str, float] = {}
        for (message, start), end in zip(self.started, ends, strict=True):
            took[message] = round(took.get(message, 0.0) + end - start, 2)
        return took
