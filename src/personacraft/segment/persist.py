"""The fitted segmenter saved with its run and loaded back, and the files and customers it answers for.

A build stores, in its run: the columns of the design (family, value), each family's
weight, and the model's parameters (``segment_theta``, ``segment_weights``,
``segment_model``). ``assign`` scores customers given as feature values with the same
columns and tempering; ``explain`` says which of a customer's values pulled them into
their persona.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from personacraft.errors import ConfigError, InputFormatError, NotFoundError
from personacraft.features.custom import CustomFamilies
from personacraft.segment.assignment import REASONS, Decision, PersonaModel
from personacraft.segment.latent import LatentClassSegmenter
from personacraft.segment.lineage import run_ids
from personacraft.segment.matrix import Design, count_matrix
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.messages import duck_message
from personacraft.store import Run

ID_COLUMNS = ("customer_id", "customer_key", "id", "email")


def family_weights(names: Sequence[str], weights: Mapping[str, float]) -> np.ndarray:
    """Each family's weight from ``[segment.weights]`` (a name, or a pattern ending in ``*``)."""
    out = np.ones(len(names))
    for pattern, w in weights.items():
        hits = [i for i, n in enumerate(names) if fnmatch.fnmatchcase(n, pattern)]
        if not hits:
            raise ConfigError(
                f'[segment.weights] names "{pattern}", which matches no feature family of this build. '
                f"The families: {', '.join(names)}."
            )
        out[hits] = float(w)
    return out


def save_model(run: Run, model: LatentClassSegmenter, design: Design, published: int | None = None) -> None:
    """Store the fitted model and its columns in the run; ``published``: how many segments are personas."""
    fam = np.asarray(design.families, dtype=np.int64)
    run.write_arrays(
        "segment_columns",
        {
            "j": np.arange(len(design.columns), dtype=np.int64),
            "family": np.array([f for f, _ in design.columns], dtype=object),
            "value": np.array([v for _, v in design.columns], dtype=object),
            "f": fam,
        },
    )
    weights = model.family_weights if model.family_weights is not None else np.ones(len(design.family_names))
    run.write_arrays(
        "segment_families",
        {
            "f": np.arange(len(design.family_names), dtype=np.int64),
            "family": np.array(design.family_names, dtype=object),
            "weight": np.asarray(weights, dtype=np.float64),
        },
    )
    k, width = model.theta_.shape
    run.write_arrays(
        "segment_theta",
        {
            "persona": np.repeat(np.arange(k, dtype=np.int32), width),
            "j": np.tile(np.arange(width, dtype=np.int64), k),
            "theta": model.theta_.ravel(),
        },
    )
    run.write_arrays("segment_weights", {"persona": np.arange(k, dtype=np.int32), "weight": model.weights_})
    run.write_arrays(
        "segment_pairs",
        {
            "persona": np.repeat(np.arange(k, dtype=np.int32), k),
            "partner": np.tile(np.arange(k, dtype=np.int32), k),
            "weight": np.asarray(model.pairs_, dtype=np.float64).ravel(),
        },
    )
    run.write_arrays(
        "segment_model",
        {
            "k": np.array([k], dtype=np.int32),
            "cap": np.array([model.cap], dtype=np.float64),
            "blend": np.array([model.blend_], dtype=np.float64),
            "structure_found": np.array([bool(model.structure_found_)]),
            "published": np.array([k if published is None else published], dtype=np.int32),
        },
    )


def load_model(run: Run) -> PersonaModel:
    """The segmenter saved by ``run``'s build."""
    try:
        meta = run.dicts(f"SELECT * FROM {run.t('segment_model')}")[0]
    except duckdb.CatalogException as exc:
        raise NotFoundError(
            f"run {run.run_id} has no saved segmentation model; build again with this version of personacraft."
        ) from exc
    cols = run.numpy(f"SELECT family, value, f FROM {run.t('segment_columns')} ORDER BY j")
    fams = run.numpy(f"SELECT weight FROM {run.t('segment_families')} ORDER BY f")
    k, width = int(meta["k"]), len(cols["family"])
    theta = np.zeros((k, width))
    t = run.numpy(f"SELECT persona, j, theta FROM {run.t('segment_theta')}")
    theta[t["persona"].astype(np.int64), t["j"].astype(np.int64)] = t["theta"]
    w = run.numpy(f"SELECT weight FROM {run.t('segment_weights')} ORDER BY persona")["weight"]
    model = LatentClassSegmenter(
        families=np.asarray(cols["f"], dtype=np.int64),
        family_weights=np.asarray(fams["weight"], dtype=np.float64),
        cap=float(meta["cap"]),
        blend="blend" in meta,
    )
    model.theta_ = theta
    model.weights_ = np.asarray(w, dtype=np.float64)
    model.blend_ = float(meta.get("blend") or 0.0)
    if "blend" in meta:
        p = run.numpy(f"SELECT persona, partner, weight FROM {run.t('segment_pairs')}")
        model.pairs_ = np.zeros((k, k))
        model.pairs_[p["persona"].astype(np.int64), p["partner"].astype(np.int64)] = p["weight"]
    else:  # a run saved before the blend model: its segments' weights alone
        model.pairs_ = np.diag(model.weights_)
    model.k_ = k
    model.structure_found_ = bool(meta["structure_found"])
    columns = [(str(f), str(v)) for f, v in zip(cols["family"], cols["value"], strict=True)]
    published = int(meta.get("published", k))
    return PersonaModel(model, columns, bool(meta["structure_found"]), published, run_ids(run, published))


def read_input(run: Run, path: Path) -> list[str]:
    """Load ``path`` (CSV or Parquet) into the temp table ``_assign_in``; return its column names."""
    if not path.is_file():
        raise InputFormatError(path, "does not exist")
    reader = (
        f"read_parquet({lit(str(path))})"
        if path.suffix.lower() == ".parquet"
        else f"read_csv({lit(str(path))}, header = true, all_varchar = true)"
    )
    try:
        run.execute(f"CREATE OR REPLACE TEMP TABLE _assign_in AS SELECT * FROM {reader}")
    except duckdb.Error as exc:
        raise InputFormatError(path, "cannot be read as CSV or Parquet", hint=f"DuckDB: {duck_message(exc)}") from exc
    return [d[0] for d in run.execute("SELECT * FROM _assign_in LIMIT 0").description or []]


def input_counts(run: Run, path: Path, families: set[str], custom: CustomFamilies | None = None) -> str:
    """The input as long counts in ``_assign_counts`` (customer_key, family, value, n); returns the id column.

    Long form: an id column plus ``family``, ``value`` and optionally ``n`` (what a build
    writes to ``features.parquet``). Wide form: an id column plus one column per feature
    family, a cell holding a value, or several separated by ``|``. Values of the families of
    ``[sources.features]`` may be given as in the source file (a number, a raw category):
    ``custom`` maps them as the build did.
    """
    names = read_input(run, path)
    lower = {n.lower(): n for n in names}
    id_col = next((lower[c] for c in ID_COLUMNS if c in lower), None)
    if id_col is None:
        raise InputFormatError(
            path,
            f"has no customer id column (one of {', '.join(ID_COLUMNS)})",
            hint=f"its columns: {', '.join(names)}",
        )
    key = f"CAST({q(id_col)} AS VARCHAR)"
    if "family" in lower and "value" in lower:
        if "n" in lower:
            bad = run.execute(
                f"SELECT rowid, CAST({q(lower['n'])} AS VARCHAR) FROM _assign_in "
                f"WHERE {q(lower['n'])} IS NOT NULL AND try_cast({q(lower['n'])} AS DOUBLE) IS NULL "
                "ORDER BY rowid LIMIT 1"
            ).fetchall()
            if bad:
                raise InputFormatError(
                    path,
                    "is not a number (a count of the value)",
                    line=int(bad[0][0]) + 2 if path.suffix.lower() != ".parquet" else int(bad[0][0]) + 1,
                    column=lower["n"],
                    value=str(bad[0][1]),
                )
        n = f"CAST({q(lower['n'])} AS DOUBLE)" if "n" in lower else "1.0"
        select = (
            f"SELECT {key} AS customer_key, CAST({q(lower['family'])} AS VARCHAR) AS family, "
            f"CAST({q(lower['value'])} AS VARCHAR) AS value, {n} AS n FROM _assign_in"
        )
    else:
        feature_cols = [c for c in names if c != id_col and c in families]
        if not feature_cols:
            raise InputFormatError(
                path,
                "has no column named like a feature family of the build",
                hint=f"the families: {', '.join(sorted(families))}; or give long form: {id_col}, family, value, n",
            )
        select = " UNION ALL ".join(
            f"SELECT {key} AS customer_key, {lit(c)} AS family, trim(unnest(string_split(CAST({q(c)} AS VARCHAR), "
            f"'|'))) AS value, 1.0 AS n FROM _assign_in WHERE {q(c)} IS NOT NULL"
            for c in feature_cols
        )
    run.execute(f"CREATE OR REPLACE TEMP TABLE _assign_counts AS {select}")
    if custom:  # raw values of [sources.features] families, mapped as the build mapped them
        custom.remap(run, "_assign_counts")
    run.execute(f"CREATE OR REPLACE TEMP TABLE _assign_keys AS SELECT DISTINCT {key} AS customer_key FROM _assign_in")
    return id_col


def assign_input(run: Run, path: Path) -> tuple[np.ndarray, Decision]:
    """Every customer of ``path`` (CSV or Parquet, long or wide form), sorted by id, and their decisions."""
    saved = load_model(run)
    if not saved.structure_found:
        raise NotFoundError(f"run {run.run_id} found no stable personas, so there is nothing to assign to.")
    input_counts(run, path, {f for f, _ in saved.columns}, CustomFamilies.load(run))
    with run.arrays("columns", saved.column_arrays()) as columns:
        customers, N = count_matrix(run, "_assign_counts", "SELECT customer_key FROM _assign_keys", columns)
    return customers, saved.decide(N)


def assign_file(run: Run, path: Path, out: Path) -> dict[str, Any]:
    """Assign every customer of ``path`` to a persona of ``run``; write a CSV to ``out``.

    The CSV has customer_id, persona_id, confidence, second_persona_id, second_confidence
    and known_values (how many of the customer's values the model knows; 0 means it could
    not assign them).
    """
    customers, decision = assign_input(run, path)
    result = {
        "customer_id": customers,
        "persona_id": decision.persona_ids,
        "confidence": decision.confidence,
        "second_persona_id": decision.second_persona_ids,
        "second_confidence": decision.second_confidence,
        "known_values": decision.known,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with run.arrays("assigned", result) as view:
        run.execute(f"COPY (SELECT * FROM {view} ORDER BY customer_id) TO {lit(str(out))} (HEADER, DELIMITER ',')")
    return {
        "run_id": run.run_id,
        "customers": len(customers),
        "assigned": int(decision.assigned.sum()),
        "unassigned": int((~decision.assigned).sum()),
        "out": str(out),
    }


def explain(run: Run, who: str, *, top: int = REASONS) -> dict[str, Any]:
    """Why the customer ``who`` (customer id or email) is in their persona.

    Each of the customer's values adds ``log(persona share / population share)`` (times its
    tempered count) to the persona's score against the population; the largest are the reasons.
    """
    saved = load_model(run)
    rows = run.execute(
        f"SELECT customer_key FROM {run.t('customer_index')} WHERE customer_key = ? OR email = lower(trim(?)) "
        "ORDER BY customer_key LIMIT 1",
        [who, who],
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no customer with id or email {who!r} in run {run.run_id}.")
    key = str(rows[0][0])
    labels = run.execute(f"SELECT persona, confidence FROM {run.t('labels')} WHERE customer_key = ?", [key]).fetchall()
    label = labels[0] if labels else None
    with run.arrays("columns", saved.column_arrays()) as columns:
        _, N = count_matrix(run, run.t("feature_counts"), f"SELECT {lit(key)} AS customer_key", columns)
    result: dict[str, Any] = {"customer_id": key, "run_id": run.run_id, "reasons": []}
    if not saved.structure_found or label is None or int(label[0]) >= saved.published:
        result["persona_id"] = None  # no persona: none found, or a segment under the minimum size
        return result
    p, confidence = int(label[0]), float(label[1])
    result.update(persona_id=saved.persona_id(p), confidence=confidence, reasons=saved.reasons(N[0], p, top=top))
    return result
