"""The whole of ``init``'s reading: every file's kind or mapping, the joins, the options they imply, the features.

:func:`make_plan` returns a :class:`Plan`; :mod:`personacraft.onboard.writer` turns it into the
commented config. Nothing here writes to the user's folders.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from personacraft.errors import SourceNotFoundError
from personacraft.onboard.detect import ACCEPT, Guess, detect, notes_guess
from personacraft.onboard.features import propose_features, vary_within
from personacraft.onboard.files import Candidate, Skipped, discover
from personacraft.onboard.joins import Join, find_joins, key_columns
from personacraft.onboard.mapping import CHECK_BELOW, TableMapping, propose
from personacraft.onboard.orders import order_options
from personacraft.onboard.profile import Profile, profile
from personacraft.schema import CANONICAL
from personacraft.sources import REGISTRY

LEAVE_OUT_BELOW = 0.4  # a vendor kind less sure than this is listed with its choices and left out
# the system whose ids each vendor kind writes (the namespace of its customer ids)
SYSTEM = {
    "shopify": "shopify",
    "hubspot": "hubspot",
    "stripe": "stripe",
    "salesforce": "salesforce",
    "intercom": "intercom",
    "zendesk": "zendesk",
}
OWN_APP = "app"  # the namespace of user ids that no other file holds: the company's own app or site
USER_ID = {"ga4_bigquery": "user_id", "segment_events": "userId"}
FEATURE_KINDS = ("hubspot_contacts", "salesforce_contacts", "shopify_customers")


@dataclass
class Entry:
    """One proposed ``[[sources]]`` entry, with what ``init`` knows about it."""

    kind: str
    files: list[Candidate]
    confidence: float
    evidence: list[str]
    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # strings, lists of strings
    checks: list[str] = field(default_factory=list)  # what to check, with the alternatives
    features: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_features: dict[str, str] = field(default_factory=dict)  # few-valued columns that describe orders, and why
    include: bool = True  # False: ambiguous, written commented out until the user picks
    glob: str | None = None  # several files of one kind in one folder

    @property
    def display(self) -> str:
        return self.glob or self.files[0].display


@dataclass
class Plan:
    """What ``init`` found under the paths."""

    entries: list[Entry]
    skipped: list[Skipped]
    joins: list[Join]
    notes: list[str]


def make_plan(paths: list[Path]) -> Plan:
    """Read every file under ``paths`` and decide (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="personacraft-init-") as tmp:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # the command prints its own summary
        try:
            return _plan(con, paths, Path(tmp))
        finally:
            con.close()


def _plan(con: duckdb.DuckDBPyConnection, paths: list[Path], scratch: Path) -> Plan:
    cands, skipped = discover(con, paths, scratch)
    if not cands:
        looked = "; ".join(f"{s.display} {s.reason}" for s in skipped[:8]) or "the folder holds no file"
        raise SourceNotFoundError(
            f"{', '.join(str(p) for p in paths)}: no data file found to read ({looked}). init reads CSV, TSV, "
            "Excel .xlsx, JSON lines, Parquet, notes (.md/.txt) and zip archives of those."
        )
    notes = sorted({c.note for c in cands if c.note})
    profiles: dict[str, dict[str, Profile]] = {}
    entries: list[Entry] = []
    texts = [c for c in cands if c.format == "notes"]
    for cand in (c for c in cands if c.format != "notes"):
        profiles[cand.display] = prof = profile(con, cand)
        entries.extend(_entries(con, cand, prof))
    entries.extend(_notes(texts))
    entries = _group(entries)
    keyed = [(c, key_columns(profiles[c.display])) for c in cands if c.format != "notes" and c.display in profiles]
    joins = find_joins(con, [(c, k) for c, k in keyed if k])
    _namespaces(entries, joins)
    _generic_ids(entries, joins)
    return Plan(entries, skipped, joins, notes)


def _entries(con: duckdb.DuckDBPyConnection, cand: Candidate, prof: dict[str, Profile]) -> list[Entry]:
    guess = detect(con, cand)
    if not guess.generic and guess.confidence < ACCEPT and not guess.alternatives:
        # a weak vendor guess (with no other vendor kind in the running: that choice is the user's) loses to a
        # generic mapping that finds every column its table needs, more surely
        # (an orders table: a customer key, a date and an amount; a survey's email and name prove less)
        mappings = propose(prof)
        orders = any(m.table == "orders" and not m.missing and m.confidence > guess.confidence for m in mappings)
        complete = [m for m in mappings if not m.missing] if orders else []
        if complete:
            out = [_generic(con, cand, guess, m, prof) for m in complete]
            out[0].checks.append(f"or kind = {guess.kind!r} ({guess.confidence:.2f}): {'; '.join(guess.evidence)}")
            return out
    if not guess.generic:
        entry = _vendor(cand, guess, prof)
        if entry.checks:  # a weak vendor guess: the generic mapping is one more choice
            generic = [m for m in propose(prof) if not m.missing]
            for m in generic[:1]:
                cols = ", ".join(f'{c} = "{p.column}"' for c, p in m.picks.items())
                entry.checks[-1] += f'; or kind = "{cand.format}", table = "{m.table}" with {cols}'
        return [entry]
    out = []
    for m in propose(prof):
        out.append(_generic(con, cand, guess, m, prof))
    mapped = {col for e in out for col in e.columns.values()}  # one flat file: what its orders entry already reads
    for e in out:
        e.features = {c: f for c, f in e.features.items() if c not in mapped}
        e.not_features = {c: why for c, why in e.not_features.items() if c not in mapped}
    return out


def _vendor(cand: Candidate, guess: Guess, prof: dict[str, Profile]) -> Entry:
    entry = Entry(guess.kind, [cand], guess.confidence, guess.evidence)
    alts = ", ".join(f"{k} ({c:.2f})" for k, c in guess.alternatives) or "a generic csv/jsonl mapping"
    if guess.confidence < LEAVE_OUT_BELOW:
        entry.include = False
        entry.checks.append(f"not sure which kind this is: {guess.kind} ({guess.confidence:.2f}) or {alts}")
    elif guess.confidence < ACCEPT:
        entry.checks.append(f"kind {guess.kind} is a guess ({guess.confidence:.2f}); alternatives: {alts}")
    if guess.kind in FEATURE_KINDS:
        known = REGISTRY[guess.kind].known_columns()
        entry.features = propose_features(prof, set(known))
    return entry


def _generic(
    con: duckdb.DuckDBPyConnection, cand: Candidate, guess: Guess, m: TableMapping, prof: dict[str, Profile]
) -> Entry:
    kind = cand.format if cand.format in ("csv", "parquet", "jsonl") else "csv"
    evidence = [f'{p.canonical} = "{p.column}" ({p.why}, {p.score:.2f})' for p in m.picks.values()]
    if guess.alternatives:
        evidence.append("nearest built-in kinds: " + ", ".join(f"{k} ({c:.2f})" for k, c in guess.alternatives))
    entry = Entry(kind, [cand], m.confidence, evidence, table=m.table)
    order = list(CANONICAL[m.table]) + [c for c in CANONICAL["order_lines"] if c not in CANONICAL[m.table]]
    entry.columns = {c: m.picks[c].column for c in sorted(m.picks, key=order.index)}
    for c, p in m.picks.items():
        if p.score < CHECK_BELOW:
            alts = ", ".join(f'"{a}" ({s:.2f})' for a, s in p.alternatives) or "no other column"
            entry.checks.append(f'{c} = "{p.column}" is a guess ({p.score:.2f}); alternatives: {alts}')
    if m.missing:
        entry.include = False
        cols = ", ".join(f'"{c}"' for c in cand.columns[:12]) + (" …" if len(cand.columns) > 12 else "")
        entry.checks.append(
            f"no column found for {', '.join(m.missing)} of table {m.table}: map them by hand "
            f"(its columns: {cols}) or pick another table"
        )
    if m.table == "orders" and not m.missing:  # returns, postage, test orders, currencies: proposed, to check
        options, checks = order_options(con, cand, entry.columns)
        entry.options.update(options)
        entry.checks += checks
    if m.table == "customers":
        proposed = propose_features(prof, set(entry.columns.values()))
        key = entry.columns.get("customer_id") or entry.columns.get("email")
        varying = vary_within(con, cand, key, list(proposed)) if key else {}
        entry.features = {}
        for col, (kind, holds) in proposed.items():
            share = varying.get(col, 0.0)
            if share > 0.5:  # a fact of each order, not of the customer
                entry.not_features[col] = f"changes between the orders of {share:.0%} of repeat customers"
            elif share > 0.05:
                note = f"changes for {share:.0%} of repeat customers, the newest is kept"
                entry.features[col] = (kind, f"{holds}; {note}")
            else:
                entry.features[col] = (kind, holds)
    return entry


def _notes(texts: list[Candidate]) -> list[Entry]:
    """Interview notes: one entry per folder of notes."""
    by_dir: dict[str, list[Candidate]] = {}
    for c in texts:
        by_dir.setdefault(str(c.path.parent), []).append(c)
    out = []
    for _, files in sorted(by_dir.items()):
        guess = notes_guess(files)
        entry = Entry("interviews", files, guess.confidence, guess.evidence)
        if guess.confidence < ACCEPT:
            entry.checks.append("few notes carry a tag block (email:, role:); check these are interview notes")
        out.append(entry)
    return out


def _group(entries: list[Entry]) -> list[Entry]:
    """Several files of one vendor kind in one folder (and nothing else with their extension there): one glob."""
    out: list[Entry] = []
    by_key: dict[tuple[str, str, str], list[Entry]] = {}
    ext_count: dict[tuple[str, str], int] = {}
    for e in entries:
        f = e.files[0]
        folder, ext = str(f.path.parent), f.path.suffix.lower()
        ext_count[(folder, ext)] = ext_count.get((folder, ext), 0) + len(e.files)
        if e.kind in ("csv", "parquet", "jsonl") or "!" in str(f.path):
            out.append(e)
            continue
        by_key.setdefault((e.kind, folder, ext), []).append(e)
    for (kind, folder, ext), group in by_key.items():
        files = [f for e in group for f in e.files]
        merged = Entry(
            kind,
            files,
            min(e.confidence for e in group),
            group[0].evidence,
            checks=[c for e in group for c in e.checks],
            include=all(e.include for e in group),
        )
        merged.features = {k: v for e in group for k, v in e.features.items()}
        if len(files) > 1 or kind == "interviews":
            if ext_count[(folder, ext)] == len(files):
                merged.glob = os.path.join(os.path.dirname(files[0].display), f"*{ext}")
            else:
                out.extend(group)
                continue
        out.append(merged)
    order = {id(f): i for i, e in enumerate(entries) for f in e.files}
    return sorted(out, key=lambda e: order[id(e.files[0])])


def _namespaces(entries: list[Entry], joins: list[Join]) -> None:
    """``user_id_namespace`` of GA4 and Segment sources: the system whose customer ids their user ids match."""
    kind_of = {f.display: e.kind for e in entries for f in e.files}
    for e in entries:
        column = USER_ID.get(e.kind)
        if column is None:
            continue
        names = {f.display for f in e.files}
        best: tuple[float, str, str] | None = None
        for j in joins:
            if j.what != "id":
                continue
            if j.left in names and j.left_column == column:
                rate, other = j.left_rate, j.right
            elif j.right in names and j.right_column == column:
                rate, other = j.right_rate, j.left
            else:
                continue
            system = SYSTEM.get(kind_of.get(other, "").split("_", 1)[0])
            if system and (best is None or rate > best[0]):
                best = (rate, system, other)
        if best is not None and best[0] >= 0.5:
            e.options["user_id_namespace"] = best[1]
            e.evidence.append(f"{best[0]:.0%} of its {column} values are {best[1]} customer ids ({best[2]})")
        elif best is not None:
            e.checks.append(
                f"only {best[0]:.0%} of its {column} values match {best[1]} customer ids: "
                f'set user_id_namespace = "{best[1]}" if they are'
            )
        else:  # ids of no other file: the user ids of the company's own app or site
            e.options["user_id_namespace"] = OWN_APP
            e.evidence.append(
                f"its {column} values match no other file's ids: taken as your own app's user ids (\"{OWN_APP}\")"
            )


def _generic_ids(entries: list[Entry], joins: list[Join]) -> None:
    """A generic file's customer ids are read as they are, not as a vendor's namespaced ids: when they match a
    vendor file's ids and no email is mapped beside them, say so (the customers would not link)."""
    kind_of = {f.display: e.kind for e in entries for f in e.files}
    for e in entries:
        col = e.columns.get("customer_id")
        if e.kind not in ("csv", "parquet", "jsonl") or col is None or "email" in e.columns:
            continue
        name = e.files[0].display
        for j in joins:
            mine, other = (j.left_column, j.right) if j.left == name else (j.right_column, j.left)
            if name not in (j.left, j.right) or mine != col or kind_of.get(other, "csv") in ("csv", "parquet", "jsonl"):
                continue
            e.checks.append(
                f'"{col}" holds {kind_of[other]} ids ({j.rate:.0%} match {other}), but a {e.kind} source reads ids '
                "as they are, so its customers link to the others by email only: map an email column too"
            )
            break
