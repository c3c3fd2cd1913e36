"""Journey maps per persona: writes the run's journey tables and assembles the ``journeys.json`` document.

:func:`journeys` writes ``journey_touches``, ``journey_customers``, ``journey_paths``,
``journey_sessions``, ``journey_starts`` and ``journey_prospects`` in the run, and returns the
``journeys.json`` document: for all customers (with the anonymous visitors as prospects in the
funnel) and for each published persona, the funnel, the time between stages, first-touch
channels, the top paths before the first purchase, touches before conversion, abandonment, and
per stage its actions, touchpoints, channels, emotion, barriers and one opportunity. Every
figure covers at least ``min_n`` customers, or is null with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from personacraft.config import JourneyConfig
from personacraft.engine import Engine
from personacraft.journey import barriers
from personacraft.journey.accounts import account_funnels, is_b2b, write_account_tables
from personacraft.journey.barriers import ALL
from personacraft.journey.cells import stage_cells, stage_lists
from personacraft.journey.funnel import before_conversion, funnel, stage_times, visitor_note
from personacraft.journey.paths import abandonment, first_touch, paths
from personacraft.journey.stages import describe
from personacraft.journey.tables import write_groups, write_tables
from personacraft.journey.vocabulary import stage_labels
from personacraft.segment.assignment import persona_id
from personacraft.store import Run
from personacraft.text.voice import TextThemes


def journeys(
    run: Run,
    cfg: JourneyConfig,
    *,
    published: int,
    names: Sequence[str],
    min_n: int,
    texts: TextThemes | None = None,
    ids: Sequence[str] | None = None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Compute the run's journey tables (the per-customer ones on ``engine``) and return the ``journeys.json``
    document (``ids``: each persona's id)."""
    write_tables(run, cfg, engine)
    sizes = write_groups(run, published)
    group_ids = [ALL, *range(published)]
    blocks: dict[int, dict[str, Any]] = {g: {"customers": int(sizes.get(g, 0))} for g in group_ids}
    b2b = is_b2b(run)
    if b2b:
        write_account_tables(run, cfg)
    labels = stage_labels(cfg.advocacy_rating)
    funnels, prospects = funnel(run, group_ids, min_n, labels)
    for g, stages in funnels.items():
        blocks[g]["funnel"] = stages
    visitor_note(blocks, prospects, min_n)
    for g, times in stage_times(run, group_ids, min_n).items():
        blocks[g]["stage_times"] = times
    first_touch(run, blocks, min_n)
    paths(run, blocks, cfg.top_paths, min_n)
    before_conversion(run, blocks, min_n)
    abandonment(run, blocks, min_n, by_account=b2b)
    funnels_of_accounts = account_funnels(run, group_ids, min_n) if b2b else {}
    for g in group_ids:
        blocks[g]["account_funnel"] = funnels_of_accounts.get(g)
        if not b2b:
            blocks[g]["missing"]["account_funnel"] = (
                "not B2B: no deal names an account and no subscription's customer belongs to one"
            )
    placed = barriers.place_texts(run, cfg, texts) if texts is not None and texts.themes is not None else None
    lists = stage_lists(run, group_ids, min_n)
    for g in group_ids:
        blocks[g]["stages"] = stage_cells(g, blocks, lists[g], placed, min_n)
    doc: dict[str, Any] = {
        "run_id": run.run_id,
        "definition": {
            **{k: v for k, v in describe(cfg).items() if b2b or not k.startswith(("account_", "renewal_"))},
            "min_group_size": min_n,
        },
        "population": blocks[ALL],
        "personas": [
            {"persona_id": persona_id(g, ids), "name": names[g] if g < len(names) else f"Persona {g + 1}", **blocks[g]}
            for g in range(published)
        ],
    }
    return doc
