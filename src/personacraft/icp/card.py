"""The ICP card's data: who they are, why they buy, where to find them, with the evidence on every line.

In the spirit of the public ICP write-ups (HubSpot's, Evernote's), but every line is a count:

- **who they are**: the rules, then the attribute values over-represented among the best units;
- **why they buy**: the personas (and survey answers) over-represented among the people of the
  units that match the rules, with those personas' goals and needs (given by the caller, e.g. from
  the run's ``personas.json``);
- **where to find them**: the first channels and CRM sources of those people.

Each comparison is the persona profile's test (:mod:`personacraft.segment.profile`): share,
population share, lift, n, Fisher's exact test with Benjamini-Hochberg. A value is called
over-represented with lift >= 1.2 and ``p_adjusted < 0.05``; nothing under ``min_n`` is shown.
The card is rendered (Markdown, HTML) by :mod:`personacraft.render.icp_card`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from personacraft.errors import NotFoundError
from personacraft.features import sql
from personacraft.icp import sql as icp_sql
from personacraft.segment.assignment import persona_id_sql
from personacraft.segment.persist import load_model
from personacraft.segment.profile import ALPHA, PROFILE_SQL, add_tests, cell_facts
from personacraft.store import Run

MIN_LIFT = 1.2
CHANNELS = ("First channel", "CRM source")


Personas = Mapping[str, Mapping[str, Any]]  # persona id -> its name, goals and needs, as in personas.json


def build_card(
    run: Run, kind: str, chosen: np.ndarray, ruled: bool, *, min_n: int, personas: Personas | None = None
) -> dict[str, Any]:
    """The card's sections, while the learning's temp tables are there.

    ``chosen``: the ids of the units that match the rules (of the best units when ``ruled`` is false);
    ``personas``: the run's personas by id (``name``, ``goals``, ``needs``), to name them and say what they want.
    """
    group = f"{kind}s matching the rules" if ruled else f"best {kind}s"
    among = f"people of {group}" if kind == "account" else group
    who = _who(run, min_n)
    compared = f"{among} against {'the people of ' if kind == 'account' else ''}every {kind} with an outcome"
    why: dict[str, Any] = {"compared": compared}
    where: dict[str, Any] = {"compared": compared}
    missing: dict[str, str] = {}
    if not ruled:
        missing["rules"] = (
            f"no conjunction of attributes covers {min_n}+ best {kind}s with lift >= {MIN_LIFT} and p < {ALPHA}"
        )
    cells, reason = _people_cells(run, kind, chosen, min_n)
    if reason:
        missing["why"] = missing["where"] = reason
    else:
        why["personas"] = _persona_lines(cells, personas or {})
        why["answers"] = [_line(c) for c in cells if c["source"] == "survey" and _over(c)]
        where["channels"] = [
            _line(c) for f in CHANNELS for c in sorted(_of(cells, f), key=lambda c: (-c["share"], c["value"]))[:3]
        ]
        if not any(p["over_represented"] for p in why["personas"]):
            missing["why"] = (
                f"no persona is over-represented among the {among} (lift >= {MIN_LIFT}, p < {ALPHA}): "
                "the same kinds of people buy there as everywhere else, for the same reasons"
                if why["personas"]
                else "the run has no published personas to say why people buy"
            )
        if not any(c["over_represented"] for c in where["channels"]):
            missing["where"] = (
                f"no channel is over-represented among the {among}; the most common are shown"
                if where["channels"]
                else "the run has no channel data (web analytics first touch, CRM source)"
            )
    return {"who": who, "why": why, "where": where, "missing": missing}


def _profile(run: Run, attributes: str, labels: str) -> list[dict[str, Any]]:
    cells = run.dicts(PROFILE_SQL.format(attributes=attributes, labels=labels))
    return [c for c in add_tests(cells) if c["persona"] == 1]


def _over(c: dict[str, Any]) -> bool:
    return bool(c["lift"] >= MIN_LIFT and c["p_adjusted"] < ALPHA)


def _of(cells: list[dict[str, Any]], feature: str) -> list[dict[str, Any]]:
    return [c for c in cells if c["feature"] == feature]


def _line(c: dict[str, Any]) -> dict[str, Any]:
    return cell_facts(c) | {"over_represented": _over(c)}


def _who(run: Run, min_n: int) -> dict[str, Any]:
    """Attribute values over-represented among the best units, against every unit with an outcome."""
    run.execute(icp_sql.BEST_ATTRIBUTES)
    run.execute(icp_sql.BEST_LABELS)
    cells = [c for c in _profile(run, "_icp_best_attrs", "_icp_best_labels") if c["n"] >= min_n and _over(c)]
    cells.sort(key=lambda c: (-c["effect_size"], c["feature"], c["value"]))
    return {"profile": [_line(c) for c in cells[:8]]}


def _people_cells(run: Run, kind: str, chosen: np.ndarray, min_n: int) -> tuple[list[dict[str, Any]], str]:
    """Profile cells of the people of the chosen units against those of every unit; or why there are none."""
    if not (run.has_table("attributes") and run.has_table("labels")):
        return [], "the run has no per-person attributes or persona labels; build again with this version"
    try:
        saved = load_model(run)
        published, ids = saved.published, saved.persona_ids
    except NotFoundError:
        published, ids = 0, ()
    who = icp_sql.ACCOUNT_PEOPLE.format(people=run.t("people")) if kind == "account" else icp_sql.CUSTOMER_PEOPLE
    with run.arrays("icp_chosen", {"unit": np.asarray(chosen, dtype=object)}) as view:
        run.execute(icp_sql.PEOPLE.format(chosen=view, who=who))
    run.execute(
        sql.ICP_PEOPLE_ATTRIBUTES.format(
            out="_icp_people_attrs",
            attributes=run.t("attributes"),
            labels=run.t("labels"),
            published=int(published),
            persona_id=persona_id_sql("persona", published, ids),
        )
    )
    cells = [c for c in _profile(run, "_icp_people_attrs", "_icp_people") if c["n"] >= min_n]
    return cells, ""


def _persona_lines(cells: list[dict[str, Any]], personas: Personas) -> list[dict[str, Any]]:
    out = []
    for c in sorted(_of(cells, "Persona"), key=lambda c: (-c["share"], c["value"])):
        p = personas.get(c["value"], {})
        line = _line(c) | {"persona_id": c["value"], "name": p.get("name") or c["value"]}
        line["goals"] = [
            {"goal": g["goal"], "share": g["share"], "lift": g["lift"], "n": g["n"]}
            for g in (p.get("goals") or [])
            if g.get("lift", 0) > 1
        ][:2]
        line["needs"] = [
            {"need": n.get("label"), "share": n.get("share"), "lift": n.get("lift"), "n": n.get("n")}
            for n in (p.get("needs") or [])
        ][:2]
        out.append(line)
    return out
