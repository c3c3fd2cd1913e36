"""One inspection: read the sources into a run as a build does, resolve identities, and describe what came in.

It reuses the build's ingest and identity resolution (:mod:`personacraft.ingest`, :mod:`personacraft.unify`)
and stops there: no features, no models, no personas. Differences from a build, all on purpose:

- a source that cannot be made or read (no file, unknown kind, unreadable file) is reported with its
  error, and the others are still inspected;
- no reject threshold stops it: a source over ``ingest.max_reject_share`` is a finding;
- raw rows are not kept (``ingest.keep_raw`` off) and files are hashed only where two of a source's
  files have the same size (the only case where "identical file" can hold), to stay fast;
- the run is recorded with status ``inspected`` (never ``succeeded``) and its tables are dropped
  when it ends (:meth:`personacraft.store.Run.inspected`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from personacraft.config import Config, SourceConfig
from personacraft.errors import PersonaError
from personacraft.ingest import ingest
from personacraft.inspection.matches import event_keys, matches
from personacraft.inspection.profile import source_profile
from personacraft.inspection.readiness import counts, verdicts
from personacraft.inspection.sample import DEFAULT_BUDGET, SourceSample, restore_lines, take
from personacraft.schema import CANONICAL
from personacraft.sources import Accounting, Source, make_source, make_sources
from personacraft.sources.base import file_sha256, reject_examples
from personacraft.sources.columns import lit
from personacraft.sources.reading import containers
from personacraft.store import Run, Workspace
from personacraft.unify import unify
from personacraft.version import __version__

Say = Callable[[str], None]
TOP_REASONS = 5


def _label(s: SourceConfig) -> str:
    return s.name or f"{s.kind}:{Path(s.path).name}"


def _error(label: str, kind: str, path: str, exc: PersonaError) -> dict[str, Any]:
    """A source that could not be made or read: what and where, the message, and its exit code."""
    return {"source": label, "kind": kind, "path": path, "error": str(exc), "code": exc.exit_code}


def usable_sources(config: Config) -> tuple[list[Source], list[dict[str, Any]]]:
    """The sources that can be made (kind known, files found), and an error entry for each that cannot."""
    ok, errors = [], []
    for i, s in enumerate(config.sources, 1):
        try:
            make_source(s, config.root, f"{config.path.name} [[sources]] #{i}")
        except PersonaError as exc:
            errors.append(
                {"source": _label(s), "kind": s.kind, "path": s.path, "error": str(exc), "code": exc.exit_code}
            )
        else:
            ok.append(s)
    return make_sources(dataclasses.replace(config, sources=tuple(ok))), errors


def quick_inputs(sources: list[Source]) -> list[dict[str, Any]]:
    """Each file's source, size and time; its SHA-256 only when another file of its source has the same size
    (only then can they be identical), else a unique stand-in (``size:…``), which no build will ever match."""
    out = []
    for src in sources:
        sizes = Counter(containers.size(p) for p in src.files)  # a zip member or a sheet: its own size
        for p in src.files:
            size, mtime = containers.size(p), containers.split(p)[0].stat().st_mtime_ns
            digest = file_sha256(p) if sizes[size] > 1 else f"size:{size}:{p}"
            out.append({"source": src.label, "path": str(p), "bytes": size, "mtime_ns": mtime, "sha256": digest})
    return out


def _forget(run: Run, label: str) -> None:
    """Remove whatever a source that failed half-way left in the run."""
    for table in CANONICAL:
        run.execute(f"DELETE FROM {run.t(table)} WHERE _source = {lit(label)}")
    for table in ("rejects", "read_counts", "accounting", "handled"):
        run.execute(f"DELETE FROM {run.t(table)} WHERE source = {lit(label)}")


def _examples(acc: Accounting, src: Source) -> list[dict[str, Any]]:
    """The first rejects; where a generic source's mapping names the canonical column, with the file's column."""
    mapped = {str(k): str(v) for k, v in (getattr(src.config, "columns", {}) or {}).items()}
    return [
        {**e, "file_column": mapped[str(e.get("column_name"))]} if str(e.get("column_name")) in mapped else dict(e)
        for e in acc.examples
    ]


def _source_doc(
    src: Source, acc: Accounting, profile: dict[str, Any], max_share: float, part: SourceSample | None
) -> dict[str, Any]:
    reasons = sorted(acc.reasons.items(), key=lambda kv: -kv[1])[:TOP_REASONS]
    sampled = None
    if part is not None:  # the counts cover the sample; the whole source's rows, estimated by its bytes
        sampled = {**part.to_dict(), "read_estimate": round(acc.read / part.share) if part.share else acc.read}
    return {
        "source": acc.source,
        "kind": acc.kind,
        "status": "read",
        "files": acc.files,
        "read": acc.read,
        "accepted": acc.accepted,
        "rejected": acc.rejected,
        "reject_share": round(acc.reject_share, 4),
        "over_threshold": acc.reject_share > max_share,
        "top_reasons": [{"reason": r, "n": n} for r, n in reasons],
        "examples": _examples(acc, src),
        "sample": sampled,
        "accounting": acc.to_dict(),
        **profile,
    }


def _read(
    config: Config, run: Run, src: Source, inputs: list[dict[str, Any]], budget: int | None, say: Say
) -> tuple[Accounting, SourceSample | None]:
    """Ingest one source into ``run``: whole, or from a sample of its files when they hold more than ``budget``
    bytes (:mod:`personacraft.inspection.sample`); the rejects then name the original files and lines."""
    originals = list(src.files)
    part = take(originals, budget, run.scratch / "sample", src.label)
    if part is None:
        (acc,) = ingest(config, run, [src], inputs, say)
        return acc, None
    say(f"Sampling {src.label} ({part.share:.1%} of its bytes)")
    src.files = [f.sample for f in part.files]
    stand_ins = [{"path": str(f.sample), "sha256": f"sample:{f.sample}"} for f in part.files]
    try:
        (acc,) = ingest(config, run, [src], [*inputs, *stand_ins], say)
    finally:
        for f in part.files:
            f.sample.unlink(missing_ok=True)
    restore_lines(run, src.label, part)
    names = {str(f.sample): str(f.original) for f in part.files}
    acc.files = [str(p) for p in originals]
    acc.encodings = {names.get(k, k): v for k, v in acc.encodings.items()}
    acc.examples = reject_examples(run, src.label)
    return acc, part


def inspect_run(
    config: Config,
    run: Run,
    sources: list[Source],
    inputs: list[dict[str, Any]],
    say: Say,
    budget: int | None = DEFAULT_BUDGET,
) -> dict[str, Any]:
    """Ingest and unify into ``run``, then describe every source, the identities and each stage's readiness.
    A source whose files hold more than ``budget`` bytes is read from a sample (``None``: read everything)."""
    quiet = dataclasses.replace(config, ingest=dataclasses.replace(config.ingest, keep_raw=False, max_reject_share=1.0))
    timings: dict[str, float] = {}
    docs, errors, read = [], [], []
    samples: dict[str, SourceSample] = {}
    for src in sources:
        started = time.perf_counter()
        try:
            acc, part = _read(quiet, run, src, inputs, budget, say)
        except PersonaError as exc:
            _forget(run, src.label)
            errors.append(_error(src.label, src.kind, src.config.path, exc))
            continue
        if part is not None:
            samples[src.label] = part
        timings[f"read {src.label}"] = round(time.perf_counter() - started, 2)
        docs.append((src, acc))
        read.append(src.label)
    say("Resolving identities")
    started = time.perf_counter()
    merge = unify(run)
    timings["identities"] = round(time.perf_counter() - started, 2)
    say("Profiling the sources")
    started = time.perf_counter()
    max_share = config.ingest.max_reject_share
    described = [
        _source_doc(src, acc, source_profile(run, src), max_share, samples.get(src.label)) for src, acc in docs
    ]
    timings["profiles"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    events = event_keys(run)
    found = matches(run, read)
    timings["matches"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    figures = counts(run, events)
    run.execute(f"DROP TABLE IF EXISTS {events}")
    ready = verdicts(config, merge.customers, figures)
    timings["readiness"] = round(time.perf_counter() - started, 2)
    over = [d for d in described if d["over_threshold"]]
    build = {
        "stage": "build",
        "status": "missing" if over else "ready",
        "message": "build: "
        + (
            "; ".join(
                f"{d['source']} rejects {d['reject_share']:.1%} of its rows, more than ingest.max_reject_share = "
                f"{max_share:.0%}, so a build would stop"
                for d in over
            )
            if over
            else f"every source rejects at most {max_share:.0%} of its rows (ingest.max_reject_share)"
        ),
        "unlock": "fix the rows the reasons name, or raise [ingest] max_reject_share" if over else None,
    }
    return {
        "sources": described,
        "errors": errors,
        "identity": {
            "customers": merge.customers,
            "visitors": merge.visitors,
            "per_source": found["customers"],
            "pairs": found["pairs"],
            "merge": merge.to_dict(),
        },
        "figures": figures,
        "readiness": [build, *ready],
        "timings": timings,
    }


def inspect(
    config: Config, json_path: Path | None = None, say: Say | None = None, budget: int | None = DEFAULT_BUDGET
) -> dict[str, Any]:
    """Inspect ``config``'s sources; write ``inspect.json`` (``json_path``, default ``out/inspect.json`` next to
    the config) and ``inspect.html`` beside it; record the inspection in the workspace; return the document.
    A source whose files hold more than ``budget`` bytes is read from a sample; ``None`` reads everything."""
    from personacraft.inspection.page import write_page

    tell: Say = say or (lambda _m: None)
    started = time.perf_counter()
    target = (json_path or config.root / "out" / "inspect.json").resolve()
    tell("Checking sources")
    sources, errors = usable_sources(config)
    inputs = quick_inputs(sources)
    checked = round(time.perf_counter() - started, 2)
    with Workspace(config.workspace_path, wait=config.lock_wait, memory_limit=config.engine.memory_limit) as ws:
        run = ws.new_run(config_hash=config.fingerprint(), config=config.to_dict(), inputs=inputs, version=__version__)
        try:
            body = inspect_run(config, run, sources, inputs, tell, budget)
            doc = {
                "kind": "inspection",
                "run_id": run.run_id,
                "created_at": run.created_at.isoformat(timespec="seconds") + "Z",
                "version": __version__,
                "config": str(config.path),
                "sample_bytes": budget,
                **body,
                "errors": errors + body["errors"],
            }
            doc["timings"] = {"check sources": checked, **doc["timings"]}
            writing = time.perf_counter()
            doc["html"] = str(target.with_suffix(".html"))
            doc["seconds"] = round(time.perf_counter() - started, 1)
            page = write_page(doc, target.with_suffix(".html"), title=config.report.title)
            doc["timings"]["write"] = round(time.perf_counter() - writing, 2)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
            run.inspected(out_dir=str(target.parent), summary=summary(doc, target, page))
        except BaseException as exc:
            run.fail(f"{type(exc).__name__}: {exc}")
            raise
    return doc


def summary(doc: dict[str, Any], json_path: Path, page: Path) -> dict[str, Any]:
    """What the runs table keeps of an inspection: where its files are, and the verdicts' statuses."""
    return {
        "json": str(json_path),
        "html": str(page),
        "customers": doc["identity"]["customers"],
        "sources": len(doc["sources"]),
        "errors": len(doc["errors"]),
        "ready": {v["stage"]: v["status"] for v in doc["readiness"]},
    }
