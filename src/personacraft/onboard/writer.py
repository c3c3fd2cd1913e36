"""The commented ``personacraft.toml`` that ``init`` writes from a :class:`~personacraft.onboard.plan.Plan`.

Every entry says its kind, confidence and evidence in a comment; every guess below the
threshold is a ``# CHECK:`` line with the alternatives; an ambiguous file is written commented
out, with its choices. Paths are relative to the config file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from personacraft.onboard.detect import ACCEPT
from personacraft.onboard.plan import Entry, Plan


def s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML value: a string, a boolean, a number or a list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return s(str(value))


def key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return name if name.replace("_", "").replace("-", "").isalnum() and name.isascii() else s(name)


def relative(path: Path | str, root: Path) -> str:
    """``path`` relative to the config's folder, with forward slashes (a zip member or sheet keeps its ``!``)."""
    text = str(path)
    head, sep, rest = text.partition("!")
    rel = os.path.relpath(head, root)
    return (rel.replace(os.sep, "/") + sep + rest) if sep else rel.replace(os.sep, "/")


def entry_path(e: Entry, root: Path) -> str:
    if e.glob:
        folder = os.path.dirname(str(e.files[0].path))
        return relative(os.path.join(folder, os.path.basename(e.glob)), root)
    return relative(e.files[0].path, root)


def _entry(e: Entry, root: Path) -> list[str]:
    lines = [
        f"# {e.display}: {e.kind}" + (f" -> table {e.table}" if e.table else "") + f" (confidence {e.confidence:.2f})"
    ]
    lines += [f"#   evidence: {ev}" for ev in e.evidence[:8]]
    lines += [f"# CHECK: {c}" for c in e.checks]
    body = ["[[sources]]", f"kind = {s(e.kind)}", f"path = {s(entry_path(e, root))}"]
    if e.table:
        body.append(f"table = {s(e.table)}")
    for k, v in sorted(e.options.items()):
        body.append(f"{key(k)} = {toml_value(v)}")
    if e.columns:
        body.append("[sources.columns]  # canonical column = column in the file")
        body += [f"{key(c)} = {s(v)}" for c, v in e.columns.items()]
    if not e.include:
        lines.append("# Left out until you pick: uncomment the entry below once it is right.")
        body = [f"# {line}" for line in body]
    lines += body
    if e.features:
        lines.append(
            "# CHECK: columns with few values that no canonical column takes; uncomment those to segment on "
            "(categorical, ordinal, or numeric = binned by quantiles)"
        )
        lines.append("# [sources.features]")
        lines += [f"# {s(col)} = {s(kind)}  # {what}" for col, (kind, what) in sorted(e.features.items())]
    if e.not_features:
        lines.append("# Not proposed as features, being facts of each order rather than of the customer:")
        lines += [f"#   {s(col)}: {why}" for col, why in sorted(e.not_features.items())]
    return lines


def render(plan: Plan, root: Path, command: str) -> str:
    """The config text."""
    n_check = sum(1 for e in plan.entries if e.include and e.checks)
    out = [
        f"# personacraft.toml written by `{command}`.",
        "# Each [[sources]] entry says the kind init found, how sure it is (confidence 0-1) and why.",
        f'# A line "# CHECK:" marks a guess below {ACCEPT:.2f} confidence, with the alternatives: check it',
        "# before you build. An entry written commented out was ambiguous: pick, then uncomment it.",
        "# Paths are relative to this file. Docs: docs/init.md, docs/sources.md, docs/config.md.",
        f"# {sum(e.include for e in plan.entries)} sources, {n_check} to check, "
        f"{sum(not e.include for e in plan.entries)} left out, {len(plan.skipped)} files not read.",
        "",
    ]
    for e in plan.entries:
        out += [*_entry(e, root), ""]
    if plan.joins:
        out.append(
            "# How the files join (columns sharing values; share of each side's distinct values found in the other):"
        )
        for j in plan.joins[:30]:
            out.append(
                f"#   {j.left} [{j.left_column}] ~ {j.right} [{j.right_column}]: {j.shared:,} shared {j.what}s "
                f"({j.left_rate:.0%} / {j.right_rate:.0%})"
            )
        out.append("")
    if plan.skipped:
        out.append("# Files not read:")
        out += [f"#   {sk.display}: {sk.reason}" for sk in plan.skipped]
        out.append("")
    for note in plan.notes:
        out.append(f"# Note: {note}")
    return "\n".join(out).rstrip() + "\n"
