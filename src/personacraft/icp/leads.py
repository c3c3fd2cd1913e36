"""Lead scoring: fit (who they are), engagement (what they did) kept apart, and the nearest persona.

:func:`score_leads` reads a leads file (CSV or Parquet: a CRM export of contacts or companies)
and writes one row per lead, with property-like column names a CRM import can map:

- ``lead_id``, then the file's record id and company name columns under their own names
  (:func:`personacraft.icp.lead_fields.kept_columns`), so the scores can be imported back;
- ``fit_score`` (0 to 100), ``fit_tier`` (A to D) and ``fit_reasons``, from the ICP's fit scorer
  (:mod:`personacraft.icp.fit_score`) and the lead's fit columns only: industry (under its label in
  the synonym table, :mod:`personacraft.icp.industries`), number of employees (a number or a band
  such as ``201-1000``), country, region, gender, age, buying role and job title (its seniority and
  job function, as the build derives them). A column the file lacks, or a value past accounts never
  had, counts as average; an attribute with no variation in the training units is not scored;
- ``unrecognised`` and ``unrecognised_values``: the fields whose values the profile did not know;
- ``engagement_score`` (0 to 100), only when the file has activity counts (sessions, page
  views, email opens, clicks, form submissions, events …): each count's percentile among the
  file's leads, averaged. It is never mixed into the fit score;
- ``persona_id``, ``persona_name``, ``persona_confidence``: the run's saved segmenter
  (:func:`personacraft.segment.persist.assign_file`) applied to the lead's buying role, seniority
  and job function; ``persona_note`` says why when there is no persona (no such column, no value
  the personas know, no stable personas).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from personacraft.errors import InputFormatError, NotFoundError
from personacraft.features import sql
from personacraft.icp import sql as icp_sql
from personacraft.icp.card import Personas
from personacraft.icp.fit_score import FitModel
from personacraft.icp.lead_fields import (
    FIT_COLUMNS,
    ID_COLUMNS,
    PERSON_COLUMNS,
    PERSON_FEATURES,
    first,
    flag_unrecognised,
    kept_columns,
    tiers,
)
from personacraft.icp.learn import ICP
from personacraft.icp.units import canonical_industries
from personacraft.segment.persist import assign_file, read_input
from personacraft.sources.columns import lit, q
from personacraft.store import Run

ENGAGEMENT = re.compile(
    r"session|visit|page ?views?|pageview|opens?\b|opened|clicks?|clicked|form submission|events?\b|activit|"
    r"actions?\b|logins?|meetings?|calls?\b|downloads?|replies|replied",
    re.IGNORECASE,
)
PERSON_NAMES = {"buying_role": "Buying role", "job_title": "Job title"}
# the column a file would give for each attribute the model scores (seniority and function come from the title)
EXAMPLE_COLUMN = {f: names[0] for f, names in FIT_COLUMNS.items()} | {
    "Buying role": "Buying Role",
    "Seniority": "Job Title",
    "Job function": "Job Title",
}
PERSON_FAMILIES = {"Buying role": "buying role", "Seniority": "seniority", "Job function": "job function"}
OUTPUT = (
    "lead_id",
    "fit_score",
    "fit_tier",
    "fit_reasons",
    "unrecognised",
    "unrecognised_values",
    "engagement_score",
    "persona_id",
    "persona_name",
    "persona_confidence",
    "persona_note",
)


def score_leads(
    run: Run,
    icp: ICP,
    path: Path,
    out: Path,
    *,
    reasons: int = 3,
    personas: Personas | None = None,
    synonyms: Mapping[str, str] | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> dict[str, Any]:
    """Score every lead of ``path`` with ``icp`` (learned from ``run``); write a CSV to ``out``.

    ``personas``: the run's personas by id (as in its ``personas.json``), to name each lead's
    persona; without, a persona goes by its id. ``synonyms``: industry = label lines added to the
    built-in table (as the profile was learned with). ``id_column``, ``name_column``: the record id
    and name columns to keep (default: found by name, :data:`~personacraft.icp.lead_fields.RECORD_ID_COLUMNS`).
    """
    header = read_input(run, path)
    kept = kept_columns(path, header, id_column, name_column, OUTPUT)
    run.execute("CREATE OR REPLACE TEMP TABLE _icp_leads AS SELECT rowid AS _row, * FROM _assign_in")
    found = {f: c for f in FIT_COLUMNS if (c := first(header, FIT_COLUMNS[f]))}
    person = {k: c for k in PERSON_COLUMNS if (c := first(header, PERSON_COLUMNS[k]))}
    model = icp.model
    features = set(found) | ({"Buying role"} if "buying_role" in person else set())
    features |= {"Seniority", "Job function"} if "job_title" in person else set()
    scored = features & {f for f, _ in model.columns}
    if not scored:
        wanted = sorted({f for f, _ in model.columns})
        raise InputFormatError(
            path,
            "has none of the fit columns the ideal customer profile scores",
            hint=f"the profile scores {', '.join(wanted)}: give columns such as "
            f"{', '.join(dict.fromkeys(EXAMPLE_COLUMN.get(f, f) for f in wanted))}; "
            f"the file has {', '.join(header[:12])}",
        )
    _lead_attributes(run, found, person, synonyms)
    # a fetchall, not a scalar: DuckDB refuses to register arrays while a result is half read
    rows = int(run.dicts("SELECT count(*) AS n FROM _icp_leads")[0]["n"])
    D = _design(run, model, rows, [(i["feature"], i["value"]) for i in icp.ignored])
    fit, points = model.score(D)
    _reasons(run, model, fit, points, D, reasons, tiers(fit, icp.outcome["best_rate"]))
    fields = {f: c for f, c in found.items() if f in scored}
    fields |= {f: c for k, c in person.items() for f in PERSON_FEATURES[k] if f in scored}
    flag_unrecognised(run, fields)
    used = set(found.values()) | set(person.values())
    engagement = _engagement(run, [c for c in header if c not in used and c != "_row" and ENGAGEMENT.search(c)])
    note = _personas(run, person, personas or {})
    id_col = first(header, ID_COLUMNS)
    lead = f"CAST(l.{q(id_col)} AS VARCHAR)" if id_col else "CAST(l._row + 1 AS VARCHAR)"
    keep = "".join(f"l.{q(c)}, " for c in kept)
    out.parent.mkdir(parents=True, exist_ok=True)
    run.execute(
        f"""COPY (SELECT {lead} AS lead_id, {keep}s.fit_score, s.fit_tier, s.fit_reasons,
                 coalesce(u.unrecognised, '') AS unrecognised,
                 coalesce(u.unrecognised_values, '') AS unrecognised_values,
                 e.engagement_score, p.persona_id, p.persona_name, p.persona_confidence,
                 coalesce(p.persona_note, {lit(note)}) AS persona_note
                 FROM _icp_leads l JOIN _icp_lead_scores s USING (_row)
                 LEFT JOIN _icp_lead_unrecognised u USING (_row)
                 LEFT JOIN _icp_lead_engagement e USING (_row) LEFT JOIN _icp_lead_personas p USING (_row)
                 ORDER BY l._row) TO {lit(str(out))} (HEADER, DELIMITER ',')"""
    )
    assigned = int(run.scalar("SELECT count(persona_id) FROM _icp_lead_personas") or 0)
    flagged = run.dicts(
        "SELECT field, count(*) AS n FROM (SELECT unnest(string_split(unrecognised, ';')) AS field "
        "FROM _icp_lead_unrecognised) GROUP BY field ORDER BY field"
    )
    ignored = {i["feature"]: i["reason"] for i in icp.ignored if i["feature"] in found or i["feature"] in scored}
    return {
        "run_id": run.run_id,
        "leads": rows,
        "kept_columns": kept,
        "fit_columns": found | {PERSON_NAMES[k]: c for k, c in person.items()},
        "scored_attributes": sorted(scored),
        "ignored_attributes": ignored,
        "unrecognised": {str(r["field"]): int(r["n"]) for r in flagged},
        "engagement_columns": engagement,
        "with_persona": assigned,
        "mean_fit_score": round(float(fit.mean()), 1) if rows else None,
        "tiers": {t: int((tiers(fit, icp.outcome["best_rate"]) == t).sum()) for t in ("A", "B", "C", "D")},
        "out": str(out),
    }


def _lead_attributes(
    run: Run, found: dict[str, str], person: dict[str, str], synonyms: Mapping[str, str] | None
) -> None:
    """``_icp_lead_attrs`` (_row, feature, value) from the columns the file has, industries under their labels."""
    if person:
        role = q(person["buying_role"]) if "buying_role" in person else "NULL"
        title = q(person["job_title"]) if "job_title" in person else "NULL"
        leads = (
            f"(SELECT CAST(_row AS VARCHAR) AS customer_key, CAST({title} AS VARCHAR) AS job_title, "
            f"CAST({role} AS VARCHAR) AS buying_role, NULL AS lifecycle_stage, NULL AS acquisition_source, "
            "NULL AS account_id FROM _icp_leads)"
        )
        # the build's own job-title rules, so a lead's seniority and function read as the personas' do
        people = sql.PEOPLE.replace("CREATE OR REPLACE TABLE", "CREATE OR REPLACE TEMP TABLE", 1)
        run.execute(people.format(out="_icp_lead_people", customers=leads))
    parts = []
    for feature, col in found.items():
        c = f"CAST({q(col)} AS VARCHAR)"
        parts.append(
            sql.ICP_LEAD_PARTS[feature].format(
                c=c,
                leads="_icp_leads",
                size_band=sql.ICP_SIZE_BAND.format(e=sql.ICP_EMPLOYEES_TEXT.format(c=c)),
                age_band=sql.ICP_AGE_BAND.format(e=f"try_cast({c} AS DOUBLE)"),
            )
        )
    if "buying_role" in person:
        parts.append(sql.ICP_LEAD_PARTS["Buying role"].format(people="_icp_lead_people"))
    if "job_title" in person:
        parts += [sql.ICP_LEAD_PARTS[f].format(people="_icp_lead_people") for f in ("Seniority", "Job function")]
    if not parts:
        parts = ["SELECT NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR WHERE false"]
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _icp_lead_raw AS SELECT DISTINCT * FROM ("
        + " UNION ALL ".join(parts)
        + ") t(_row, feature, value) WHERE nullif(trim(value), '') IS NOT NULL"
    )
    canonical_industries(run, "_icp_lead_raw", "_icp_lead_attrs", synonyms)


def _design(run: Run, model: FitModel, rows: int, ignored: list[tuple[str, str]]) -> np.ndarray:
    """The leads as the model's design: known values 1, known-absent 0, unknown at the training mean.

    ``ignored``: values the profile knows but does not score (no variation): known (j = -1), never in the design.
    """
    cols = model.columns
    arrays = {
        "feature": np.array([f for f, _ in cols] + [f for f, _ in ignored], dtype=object),
        "value": np.array([v for _, v in cols] + [v for _, v in ignored], dtype=object),
        "j": np.array(list(range(len(cols))) + [-1] * len(ignored), dtype=np.int64),
    }
    with run.arrays("icp_model_columns", arrays) as view:
        key = icp_sql.INDUSTRY_KEY
        run.execute(icp_sql.LEAD_KNOWN.format(columns=view, a=key.format(e="a.value"), m=key.format(e="m.value")))
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _icp_lead_matches AS SELECT DISTINCT _row, j, feature, model_value AS value "
        "FROM _icp_lead_known WHERE j >= 0"
    )
    hit = run.numpy("SELECT _row, j FROM _icp_lead_matches")
    r, j = hit["_row"].astype(np.int64), hit["j"].astype(np.int64)
    width = len(cols)
    D = np.tile(model.mean, (rows, 1))
    feature_of = np.array([f for f, _ in cols], dtype=object)
    for f in dict.fromkeys(feature_of):
        if f in model.multi:
            continue
        on = feature_of == f
        known = np.unique(r[on[j]])
        D[np.ix_(known, np.flatnonzero(on))] = 0.0  # one known value rules out the others
    D[r, j] = 1.0
    index = {c: k for k, c in enumerate(cols)}
    for k, rule in enumerate(model.rules):
        idx = [index[c] for c in rule]
        met = (D[:, idx] == 1.0).all(axis=1)
        single = np.array([c[0] not in model.multi for c in rule])
        broken = ((D[:, idx] == 0.0) & single).any(axis=1)
        D[:, width + k] = np.where(met, 1.0, np.where(broken, 0.0, model.mean[width + k]))
    return D


def _reasons(
    run: Run, model: FitModel, fit: np.ndarray, points: np.ndarray, D: np.ndarray, top: int, tier: np.ndarray
) -> None:
    """``_icp_lead_scores`` (_row, fit_score, fit_tier, fit_reasons): the ``top`` largest contributions in words."""
    groups = model.groups
    n_feat = len(groups) - len(model.rules)
    met = D[:, len(model.columns) :] == 1.0
    # a feature speaks when the lead has a value for it; a rule when the lead meets it
    show = np.abs(points) >= 0.5
    show[:, n_feat:] &= met
    rr, gg = np.nonzero(show)
    arrays = {"_row": rr.astype(np.int64), "g": gg.astype(np.int64), "points": points[rr, gg]}
    names = {
        "g": np.arange(len(groups), dtype=np.int64),
        "name": np.array(groups, dtype=object),
        "is_rule": np.arange(len(groups)) >= n_feat,
    }
    scores = {"_row": np.arange(len(fit), dtype=np.int64), "fit_score": np.round(fit, 1), "fit_tier": tier}
    with (
        run.arrays("icp_points", arrays) as pts,
        run.arrays("icp_groups", names) as grp,
        run.arrays("icp_scores", scores) as sc,
    ):
        run.execute(
            f"""CREATE OR REPLACE TEMP TABLE _icp_lead_scores AS
                WITH vals AS (SELECT _row, feature, string_agg(value, ', ' ORDER BY value) AS vals
                              FROM _icp_lead_matches GROUP BY ALL),
                lab AS (SELECT p._row, p.points,
                               CASE WHEN g.is_rule THEN 'Matches the ICP: ' || g.name
                                    ELSE g.name || ' = ' || v.vals END AS label
                        FROM {pts} p JOIN {grp} g USING (g) LEFT JOIN vals v ON v._row = p._row AND v.feature = g.name),
                ranked AS (SELECT *, row_number() OVER (PARTITION BY _row ORDER BY abs(points) DESC, label) AS k
                           FROM lab WHERE label IS NOT NULL)
                SELECT s._row, s.fit_score, s.fit_tier,
                       coalesce(string_agg(r.label || ' (' || printf('%+d', CAST(round(r.points) AS INTEGER)) || ')',
                                           '; ' ORDER BY r.k) FILTER (WHERE r.k <= {int(top)}), '') AS fit_reasons
                FROM {sc} s LEFT JOIN ranked r USING (_row) GROUP BY s._row, s.fit_score, s.fit_tier"""
        )


def _engagement(run: Run, candidates: list[str]) -> list[str]:
    """``_icp_lead_engagement`` (_row, engagement_score) from the numeric activity columns; returns them."""
    numeric = []
    for c in candidates:
        n, ok = run.execute(
            f"SELECT count(nullif(trim(CAST({q(c)} AS VARCHAR)), '')), "
            f"count(try_cast(replace(CAST({q(c)} AS VARCHAR), ',', '') AS DOUBLE)) FROM _icp_leads"
        ).fetchone() or (0, 0)
        if n and ok >= 0.9 * n:
            numeric.append(c)
    if not numeric:
        run.execute(
            "CREATE OR REPLACE TEMP TABLE _icp_lead_engagement AS SELECT NULL::BIGINT AS _row, "
            "NULL::DOUBLE AS engagement_score WHERE false"
        )
        return []
    ranks = " + ".join(
        f"percent_rank() OVER (ORDER BY coalesce(try_cast(replace(CAST({q(c)} AS VARCHAR), ',', '') AS DOUBLE), 0))"
        for c in numeric
    )
    run.execute(
        f"CREATE OR REPLACE TEMP TABLE _icp_lead_engagement AS SELECT _row, "
        f"round(100 * ({ranks}) / {len(numeric)}, 1) AS engagement_score FROM _icp_leads"
    )
    return numeric


def _personas(run: Run, person: dict[str, str], names: Personas) -> str:
    """``_icp_lead_personas`` from the run's saved segmenter; returns the note for leads without one."""
    empty = (
        "CREATE OR REPLACE TEMP TABLE _icp_lead_personas AS SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS persona_id, "
        "NULL::VARCHAR AS persona_name, NULL::DOUBLE AS persona_confidence, NULL::VARCHAR AS persona_note WHERE false"
    )
    if not person:
        run.execute(empty)
        return "unknown: the file has no buying role or job title, and personas are told apart by people's roles"
    counts = " UNION ALL ".join(
        f"SELECT CAST(_row AS VARCHAR) AS customer_id, {lit(fam)} AS family, value, 1.0 AS n "
        f"FROM _icp_lead_attrs WHERE feature = {lit(f)}"
        for f, fam in PERSON_FAMILIES.items()
    )
    with tempfile.TemporaryDirectory(prefix="personacraft-icp-") as tmp:
        src, dst = Path(tmp) / "leads.parquet", Path(tmp) / "personas.csv"
        run.execute(
            f"COPY (SELECT * FROM ({counts}) UNION ALL SELECT CAST(_row AS VARCHAR), 'buying role', NULL, 0.0 "
            f"FROM _icp_leads) TO {lit(str(src))} (FORMAT parquet)"
        )
        try:
            assign_file(run, src, dst)
        except NotFoundError as exc:
            run.execute(empty)
            return f"unknown: {exc}"
        with run.arrays(
            "icp_persona_names",
            {
                "persona_id": np.array(list(names), dtype=object),
                "name": np.array([p["name"] for p in names.values()], dtype=object),
            },
        ) as view:
            run.execute(
                f"""CREATE OR REPLACE TEMP TABLE _icp_lead_personas AS
                    SELECT CAST(a.customer_id AS BIGINT) AS _row, nullif(a.persona_id, '') AS persona_id,
                           CASE WHEN nullif(a.persona_id, '') IS NOT NULL THEN coalesce(n.name, a.persona_id) END
                               AS persona_name,
                           CASE WHEN nullif(a.persona_id, '') IS NOT NULL THEN a.confidence END AS persona_confidence,
                           CASE WHEN nullif(a.persona_id, '') IS NOT NULL THEN NULL
                                WHEN a.known_values = 0 THEN 'unknown: none of the lead''s buying role, seniority '
                                     || 'or job function is a value the personas were built on'
                                ELSE 'unknown: the nearest segment is under the minimum size, not a persona' END
                               AS persona_note
                    FROM read_csv({lit(str(dst))}, header = true, all_varchar = false) a
                    LEFT JOIN {view} n ON n.persona_id = a.persona_id"""
            )
    return ""
