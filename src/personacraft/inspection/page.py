"""The inspection's HTML page, in the report's look (its environment, filters and stylesheet).

The page shows counts, shares, reasons and where rejected rows are (file, line, column), never a
rejected value nor a conflict's example: those may hold personal data and stay in ``inspect.json``.
Fields that other parts of personacraft add to the accounting or to identity resolution (a
``dict`` of counts, such as rows handled specially, or a list of conflicts) are shown generically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from personacraft.render.environment import environment
from personacraft.render.style import plain_filters

# accounting fields the page shows in their own columns; any other dict of counts is listed by name
KNOWN_ACCOUNTING = frozenset({"reasons", "encodings", "skipped_files"})
STATUS_WORDS = {"ready": "ready", "limited": "limited", "missing": "not yet"}


def counts_of(block: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> list[tuple[str, list[tuple[str, int]]]]:
    """Every field of ``block`` that is a non-empty ``{label: count}`` mapping, as (field, [(label, n)]) rows."""
    out = []
    for key, value in block.items():
        if key in skip or not isinstance(value, Mapping) or not value:
            continue
        if all(isinstance(n, int) and not isinstance(n, bool) for n in value.values()):
            out.append(
                (
                    str(key).replace("_", " "),
                    sorted(((str(k), int(n)) for k, n in value.items()), key=lambda kv: -kv[1]),
                )
            )
    return out


def lists_of(block: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Every field of ``block`` that is a list (examples, conflict lists), by name with its length only."""
    return [(str(k).replace("_", " "), len(v)) for k, v in block.items() if isinstance(v, list) and v]


def context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the template shows, from the ``inspect.json`` document."""
    sources = []
    for s in doc.get("sources", []):
        acc = s.get("accounting", {})
        sources.append(
            {
                **s,
                "file_names": sorted({Path(str(f)).name for f in s.get("files", [])}),
                "extra": counts_of(acc, KNOWN_ACCOUNTING),
                "where": [
                    {k: (Path(str(v)).name if k == "file" else v) for k, v in e.items() if k != "value"}
                    for e in s.get("examples", [])
                ],
            }
        )
    merge = doc.get("identity", {}).get("merge", {})
    sampled = [s for s in sources if s.get("sample")]
    return {
        "doc": doc,
        "sources": sources,
        "sampled": sampled,
        "sampled_labels": {s["source"] for s in sampled},
        "readiness": [{**v, "word": STATUS_WORDS.get(v["status"], v["status"])} for v in doc.get("readiness", [])],
        "merge_counts": counts_of(merge),
        "merge_lists": [(k, n) for k, n in lists_of(merge) if k != "conflict examples"],
    }


def write_page(doc: Mapping[str, Any], path: Path, *, title: str) -> Path:
    """Write the page of ``doc`` to ``path``; return it."""
    env = environment()
    env.filters.update(plain_filters())
    html = env.get_template("inspect.html.j2").render(title=title, **context(doc))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
