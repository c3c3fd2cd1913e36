"""A run's folder written again without the people forgotten: its customer files, its JSON, its cards and report.

Done in a copy of the folder (``out/runs/.<run>.forget``) while the workspace's transaction that removed
the rows is still open, so the files are read from the cleaned tables:

- the files with a row per customer (``assignments.csv``, ``features.parquet``, ``customer_value.csv``,
  ``committees.csv``, the CRM and audience exports) are exported again by the build's own code
  (:func:`personacraft.pipeline.outputs.write_customer_files`);
- every JSON document of the folder loses the strings that were a forgotten person's text (a quote
  is a text as stored) and the reject examples of their lines;
- a persona whose members would fall below ``[privacy] min_group_size`` is suppressed: it leaves
  ``personas.json`` and its card goes;
- when ``personas.json`` or ``journeys.json`` changed, the cards, the report and the journey page are
  rendered again by the build's renderer (:func:`personacraft.pipeline.outputs.render_pages`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from personacraft.config import Config
from personacraft.personas.persona_set import PersonaSet
from personacraft.pipeline.outputs import COMPETITORS_FILE, SAYS_FILE, render_pages, write_customer_files
from personacraft.sources.columns import lit
from personacraft.store import Run

# members each persona loses, from the run's assignments before the rows went
LOST = """
SELECT persona_id, count(*) AS n FROM read_csv({path}, header = true, all_varchar = true)
WHERE customer_id IN (SELECT value FROM _fg_values WHERE kind = 'key') GROUP BY persona_id
"""
_SIZE_KEYS = ("size", "n", "customers")


def scrub(doc: Any, texts: set[str], lines: set[tuple[str, int]], quoted: bool = False) -> tuple[Any, int]:
    """``doc`` without the quotes in ``texts`` (strings under a key naming a quote: dropped from lists, None as
    values) and the dicts naming a ``(file, line)`` of ``lines`` (reject examples, dropped from lists); returns
    the new document and how many went. Other strings stay: a trait's value may read like someone's answer."""
    if isinstance(doc, list):
        out, gone = [], 0
        for item in doc:
            if quoted and isinstance(item, str) and item in texts:
                gone += 1
                continue
            if isinstance(item, dict) and _names_line(item, lines):
                gone += 1
                continue
            new, n = scrub(item, texts, lines, quoted)
            out.append(new)
            gone += n
        return out, gone
    if isinstance(doc, dict):
        result: dict[str, Any] = {}
        gone = 0
        for key, value in doc.items():
            inner = quoted or "quote" in str(key).lower()
            if inner and isinstance(value, str) and value in texts:
                result[key] = None
                gone += 1
                continue
            new, n = scrub(value, texts, lines, inner)
            result[key] = new
            gone += n
        return result, gone
    return doc, 0


def _names_line(item: dict[str, Any], lines: set[tuple[str, int]]) -> bool:
    file, line = item.get("file"), item.get("line")
    return isinstance(file, str) and isinstance(line, int) and (file, line) in lines


def rewrite(config: Config, run: Run, staged: Path, texts: set[str], lines: set[tuple[str, int]]) -> dict[str, int]:
    """Write the run's files again in ``staged`` (a copy of its folder); return what changed, per file."""
    changed: dict[str, int] = {}
    personas_path = staged / "personas.json"
    doc = json.loads(personas_path.read_text(encoding="utf-8"))
    # every persona keeps its id and its audiences' rules; a suppressed one only leaves the documents and cards
    every = PersonaSet.from_dict(json.loads(json.dumps(doc)))
    suppressed = _suppress_small(run, staged, doc, config.privacy.min_group_size)
    write_customer_files(run, every, len(every), staged, config.privacy.min_group_size)
    render = bool(suppressed)
    for path in sorted(staged.rglob("*.json")):
        if path.parent.name == "cards" or path.name == "summary.json":
            continue  # the cards are rendered again below; the audiences' summary was just written
        before = doc if path == personas_path else json.loads(path.read_text(encoding="utf-8"))
        after, gone = scrub(before, texts, lines)
        if gone or (path == personas_path and suppressed):
            path.write_text(json.dumps(after, indent=1 if path.name != "accounting.json" else 2) + "\n", "utf-8")
            changed[str(path.relative_to(staged))] = gone
            render = render or path.name in ("personas.json", "journeys.json")
            if path == personas_path:
                doc = after
    if render:
        pset = PersonaSet.from_dict(doc)
        if suppressed:
            pset.validate()
        shutil.rmtree(staged / "report", ignore_errors=True)
        accounting = _read(staged / "accounting.json") or {}
        changes = _read(staged / "changes.json")
        journeys = _read(staged / "journeys.json") or {}
        render_pages(
            config,
            run.run_id,
            pset,
            accounting.get("sources", []),
            changes,
            journeys,
            staged,
            beliefs=_read(staged / "hypotheses.json"),
            says_vs_does=_read(staged / SAYS_FILE),
            competitors=_read(staged / COMPETITORS_FILE),
        )
        changed["report"] = 1
    if suppressed:
        changed["personas suppressed"] = len(suppressed)
    return changed


def _suppress_small(run: Run, staged: Path, doc: dict[str, Any], min_n: int) -> list[str]:
    """Drop from ``doc`` the personas whose members would fall below ``min_n``; return their ids."""
    assignments = staged / "assignments.csv"
    if not assignments.is_file():
        return []
    lost = dict(run.execute(LOST.format(path=lit(str(assignments)))).fetchall())
    gone = []
    keep = []
    for p in doc.get("personas", []):
        size = next((p[k] for k in _SIZE_KEYS if isinstance(p.get(k), int)), None)
        if size is not None and lost.get(p.get("id"), 0) and size - int(lost[p["id"]]) < min_n:
            gone.append(str(p["id"]))
        else:
            keep.append(p)
    doc["personas"] = keep
    return gone


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
