"""Keys in order of precedence: system ids, then emails, then phones, then cookies (docs/identity.md).

Each level links the components the stronger keys built: a key of the level joins every component
it sits with on a record, unless that would put two different ids of one system (one namespace,
``shopify:1`` and ``shopify:2``) in one customer. Such a key is left out of linking and listed
(rule ``local``: its own records name the two ids; rule ``chain``: several keys of the level
together would, as in A-phone-X-phone-B, and each that bridges two parts is left out). Everything
is SQL over whole tables (``unify.sql``); components come from label propagation.
"""

from __future__ import annotations

from typing import Protocol

from personacraft.engine.script import SparkScript
from personacraft.store import Run
from personacraft.unify import sql

# (kind, level, column of ``_rec``): strongest first; "link" (a probabilistic linker's matches, when the
# config asks for one) ranks below phones and above cookies, and touches no record column
LEVELS: tuple[tuple[str, int, str], ...] = (
    ("id", 1, "n_id"),
    ("email", 2, "n_email"),
    ("phone", 3, "n_phone"),
    ("link", 4, ""),
    ("cookie", 5, "n_anon"),
)
MAX_STEPS = 200


class Counts(Protocol):
    iterations: int


def resolve_components(run: Run | SparkScript, rep: Counts, links: bool = False) -> None:
    """``_comp`` (node → component) from ``_rec``, level by level; ``_contested`` lists the keys left out.

    With ``links``, the pairs of ``_links`` (records' strongest keys) link at their level too."""
    run.execute(sql.ID_COMPONENTS)
    run.execute(sql.CONTESTED)
    namespace = sql.NAMESPACE.format(node="node")
    for kind, level, col in LEVELS[1:]:
        names = {"col": col, "level": level, "kind": kind}
        if kind == "link" and not links:
            continue
        run.execute(sql.ADJACENT_LINKS if kind == "link" else sql.ADJACENT.format(**names))
        run.execute(sql.COMPONENT_IDS.format(namespace=namespace))
        run.execute(sql.LOCAL_CONFLICTS.format(**names))
        run.execute(sql.DROP_CONTESTED)
        rep.iterations += propagate(run)
        run.execute(sql.BAD_COMPONENTS)
        run.execute(sql.CHAIN_CONFLICTS.format(**names))
        run.execute(sql.NEXT_COMPONENTS.format(**names))
        run.execute("CREATE OR REPLACE TEMP TABLE _comp AS SELECT * FROM _comp2")
    run.execute(sql.DROP_LINK_NODES)


def propagate(run: Run | SparkScript) -> int:
    """Label propagation over the keys of ``_adj`` that bridge components, until no label changes: ``_v``
    (vertex → smallest label of its component)."""
    run.execute(sql.BRIDGES)
    run.execute(sql.VERTICES)
    run.execute(sql.EDGES)
    for step in range(1, MAX_STEPS):
        run.execute(sql.PROPAGATE)
        changed = run.scalar(sql.CHANGED)
        run.execute("CREATE OR REPLACE TEMP TABLE _v AS SELECT * FROM _v2")
        if not changed:
            return step
    return MAX_STEPS
