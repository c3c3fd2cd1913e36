"""The ``[[experiments]]`` entries of a config: which experiment a build reads per persona, and how.

A leaf below :mod:`personacraft.config` (it imports only the errors), as ``[[sources]]`` options are.

```toml
[[experiments]]
experiment = "spring-email"          # its experiment_id in the experiments table, or
# source = "email test"              # the [[sources]] entry (its name) whose every experiment is read
control = "control"                  # the variant the others are compared with
outcomes = ["converted", "revenue"]  # outcomes the export carries (converted, revenue, or a mapped extra)
compute = ["orders"]                 # outcomes computed from the workspace, within window_days of exposure
window_days = 30
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from personacraft.errors import ConfigError

# what the build can compute from the workspace for each exposed customer, within the window
COMPUTED = {
    "converted": "placed an order (or sent conversion_event) within window_days of exposure: 0 or 1",
    "revenue": "the amount of their orders within window_days of exposure",
    "orders": "how many orders they placed within window_days of exposure",
    "churned": "a subscription of theirs was cancelled within window_days of exposure: 0 or 1",
}
KEYS = ("experiment", "source", "name", "control", "outcomes", "compute", "window_days", "conversion_event")


@dataclass(frozen=True)
class ExperimentConfig:
    """One ``[[experiments]]`` entry (docs/config.md, docs/experiments.md)."""

    experiment: str = ""  # the experiment_id read, or "" with a source
    source: str = ""  # the [[sources]] entry's name whose every experiment is read
    name: str = ""  # a label for reports; defaults to the experiment id
    control: str = "control"
    outcomes: tuple[str, ...] = ()  # carried by the export
    compute: tuple[str, ...] = ()  # computed from the workspace (:data:`COMPUTED`)
    window_days: int = 30
    conversion_event: str = ""  # computed converted: an event of this name instead of an order
    where: str = ""  # "personacraft.toml [[experiments]] #1", for errors found while building

    @property
    def all_outcomes(self) -> tuple[str, ...]:
        return (*self.outcomes, *self.compute)


# (key, default, help) of every [[experiments]] key, for docs/config.md
HELP: tuple[tuple[str, Any, str], ...] = (
    ("experiment", "", "The experiment_id read (from any source feeding the experiments table)."),
    ("source", "", "Instead of experiment: the [[sources]] entry (its name) whose every experiment is read."),
    ("name", "", "A label for reports; defaults to the experiment id."),
    ("control", "control", "The variant every other variant is compared with."),
    ("outcomes", [], "Outcomes the export carries: converted, revenue, or an extra outcome its columns map."),
    ("compute", [], "Outcomes computed from the workspace: converted, revenue, orders, churned."),
    ("window_days", 30, "Computed outcomes count what happened within this many days after exposure."),
    ("conversion_event", "", "Computed converted counts this event (e.g. Order Completed) instead of an order."),
)


def experiment_config(raw: Any, where: str) -> ExperimentConfig:
    """One ``[[experiments]]`` entry, checked; errors name the file, the entry and the key."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: an [[experiments]] entry must be a table.")
    for key in raw:
        if key not in KEYS:
            raise ConfigError(f'{where}: unknown setting "{key}". Known keys: {", ".join(KEYS)}.')
    for key in ("experiment", "source", "name", "control", "conversion_event"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ConfigError(f'{where}: "{key}" must be a non-empty string, got {raw[key]!r}.')
    if bool(raw.get("experiment")) == bool(raw.get("source")):
        raise ConfigError(f'{where}: name the experiment read with "experiment" (its id) or "source" (one of them).')
    lists = {}
    for key in ("outcomes", "compute"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f'{where}: "{key}" must be a list of outcome names, got {value!r}.')
        lists[key] = tuple(v.strip() for v in value)
    unknown = [c for c in lists["compute"] if c not in COMPUTED]
    if unknown:
        raise ConfigError(
            f'{where}: "compute" names {", ".join(repr(c) for c in unknown)}; the workspace can compute '
            f"{', '.join(COMPUTED)}."
        )
    both = sorted(set(lists["outcomes"]) & set(lists["compute"]))
    if both:
        raise ConfigError(f'{where}: {", ".join(both)} is in both "outcomes" and "compute"; name it once.')
    if not lists["outcomes"] and not lists["compute"]:
        raise ConfigError(f'{where}: name at least one outcome in "outcomes" (the export\'s) or "compute".')
    window = raw.get("window_days", 30)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ConfigError(f'{where}: "window_days" must be a positive whole number of days, got {window!r}.')
    return ExperimentConfig(
        experiment=str(raw.get("experiment", "")).strip(),
        source=str(raw.get("source", "")).strip(),
        name=str(raw.get("name", "")).strip(),
        control=str(raw.get("control", "control")),
        outcomes=lists["outcomes"],
        compute=lists["compute"],
        window_days=window,
        conversion_event=str(raw.get("conversion_event", "")),
        where=where,
    )
