"""Typed configuration, loaded from ``personacraft.toml`` by :func:`load_config`.

Every setting is declared once, as a dataclass field with a default and a help text
(``metadata["help"]``). The docs and a test list them all from here.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from personacraft.alerts.settings import AlertsConfig
from personacraft.engine_settings import EngineConfig
from personacraft.errors import ConfigError
from personacraft.experiment_settings import HELP as EXPERIMENT_HELP
from personacraft.experiment_settings import ExperimentConfig, experiment_config
from personacraft.icp.settings import IcpConfig
from personacraft.journey.settings import JourneyConfig
from personacraft.report_settings import BeliefsConfig, ReportConfig
from personacraft.source_settings import FEATURE_KINDS, SOURCE_OPTIONS, FeatureSpec, feature_spec


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[sources]]`` entry: a file (or glob) in a vendor format."""

    kind: str = _setting("", "A built-in vendor format (e.g. shopify_orders) or csv/parquet/jsonl.")
    path: str = _setting("", "File or glob, relative to the config file.")
    table: str | None = _setting(None, "Canonical table a generic csv/parquet/jsonl source feeds.")
    columns: Mapping[str, str] = field(
        default_factory=dict,
        metadata={"help": "Canonical column = column in the file (generic kinds)."},
    )
    options: Mapping[str, Any] = field(
        default_factory=dict,
        metadata={"help": 'Kind-specific options, e.g. user_id_namespace = "shopify".'},
    )
    name: str = _setting("", "A label for reports; defaults to kind and file name.")
    features: Mapping[str, FeatureSpec] = field(
        default_factory=dict,
        metadata={
            "help": 'Extra columns used as feature families: column = "categorical", "ordinal" or "numeric", '
            'or { type = "ordinal", order = [...] } (docs/sources.md, "Any column as a feature").'
        },
    )

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}:{self.path}"


@dataclass(frozen=True)
class IngestConfig:
    max_reject_share: float = _setting(0.05, "Fail the build when a source rejects more than this share of its rows.")
    keep_raw: bool = _setting(
        True, "Keep every source file's lines as read in the run; off is about 15 % faster on CSV (docs/sources.md)."
    )


@dataclass(frozen=True)
class SegmentConfig:
    k: int | None = _setting(None, "Pin the number of personas; by default it is chosen.")
    k_min: int = _setting(3, "Smallest number of personas considered.")
    k_max: int = _setting(8, "Largest number of personas considered.")
    sample_size: int = _setting(20000, "Customers sampled to choose k (the final fit uses all customers).")
    min_size_share: float = _setting(0.02, "Segments smaller than this share (and min_size) are not published.")
    min_size: int = _setting(30, "Segments smaller than this many customers are not published.")
    new_days: int = _setting(
        90,
        "A customer whose first order is fewer than this many days before the newest order is new: their order "
        "frequency is not judged yet, and they are assigned by the behaviour they have shown.",
    )
    min_stability: float = _setting(
        0.75, "A k is accepted only if every segment's bootstrap Jaccard reaches this (Hennig: 0.75 = stable)."
    )
    text_themes: bool = _setting(
        False, "Add each customer's text themes (reviews, tickets, answers) as a feature family to segment on."
    )
    weights: Mapping[str, float] = field(
        default_factory=dict,
        metadata={
            "help": "Weight of a feature family in segmentation, e.g. { device = 0.5 }; a name ending in * "
            'covers every family it starts (e.g. "survey:*"). Families not named weigh 1.'
        },
    )

    def __post_init__(self) -> None:
        for name, w in self.weights.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w <= 100:
                raise ConfigError(f'[segment.weights]: "{name}" must be a number from 0 to 100, got {w!r}.')


@dataclass(frozen=True)
class TextConfig:
    method: str = _setting(
        "auto", 'Themes from text: "minilm" (the sentence model, text extra), "tfidf" (TF-IDF and NMF) or "auto".'
    )
    precision: str = _setting(
        "auto",
        'MiniLM arithmetic: "auto" (bfloat16 where the CPU has native bfloat16 units, twice as fast; '
        'else float32) or "float32" (the same vectors on every machine).',
    )

    lapsed_days: int = _setting(
        365, "A shop customer whose last order is older than this (days before the newest order) has lapsed."
    )
    lapsed_p_alive: float = _setting(
        0.3, "A shop customer whose P(alive) from the CLV model is below this has lapsed too (0 turns it off)."
    )

    def __post_init__(self) -> None:
        if self.method not in ("auto", "minilm", "tfidf"):
            raise ConfigError(f'[text]: "method" must be "auto", "minilm" or "tfidf", got {self.method!r}.')
        if self.precision not in ("auto", "float32"):
            raise ConfigError(f'[text]: "precision" must be "auto" or "float32", got {self.precision!r}.')


@dataclass(frozen=True)
class ValueConfig:
    model: str = _setting("bgnbd", 'Purchase model of shop customers: "bgnbd" (BG/NBD) or "pareto_nbd" (Pareto/NBD).')
    period: str = _setting("week", 'Time unit of the purchase model: "week" or "day".')
    months: int = _setting(12, "CLV horizon in months: the discounted revenue expected over this many months.")
    discount_rate: float = _setting(0.10, "Annual discount rate of CLV.")
    draws: int = _setting(100, "Parameter draws behind the CLV intervals (90 %); 1 turns intervals off.")
    churn_horizon_days: int = _setting(
        90, "Subscriptions: the churn model predicts cancellation within this many days."
    )

    def __post_init__(self) -> None:
        if self.model not in ("bgnbd", "pareto_nbd"):
            raise ConfigError(f'[value]: "model" must be "bgnbd" or "pareto_nbd", got {self.model!r}.')
        if self.period not in ("week", "day"):
            raise ConfigError(f'[value]: "period" must be "week" or "day", got {self.period!r}.')
        if self.months < 1 or self.draws < 1 or self.churn_horizon_days < 1:
            raise ConfigError('[value]: "months", "draws" and "churn_horizon_days" must be at least 1.')

    @property
    def period_days(self) -> float:
        return 7.0 if self.period == "week" else 1.0


@dataclass(frozen=True)
class IdentityConfig:
    method: str = _setting(
        "rules",
        'How records join into customers: "rules" (ids, emails, phones, cookies, in that precedence) or "splink" '
        "(the rules plus Splink's probabilistic matches on name, email, phone and city; the linkage extra).",
    )
    match_threshold: float = _setting(
        0.9999999,
        'With method = "splink": the match probability at or above which two records are linked (docs/identity.md).',
    )

    def __post_init__(self) -> None:
        if self.method not in ("rules", "splink"):
            raise ConfigError(f'[identity]: "method" must be "rules" or "splink", got {self.method!r}.')
        if isinstance(self.match_threshold, bool) or not 0 < self.match_threshold < 1:
            raise ConfigError(f'[identity]: "match_threshold" must be between 0 and 1, got {self.match_threshold!r}.')


@dataclass(frozen=True)
class PrivacyConfig:
    min_group_size: int = _setting(10, "Every published figure covers at least this many customers.")
    keep_runs: int = _setting(
        0, "Keep the newest N successful runs (and any newer run); older runs, their tables and files go. 0: all."
    )
    keep_days: int = _setting(
        0, "Remove runs created more than this many days ago (never the newest good one). 0: off."
    )

    def __post_init__(self) -> None:
        for name in ("keep_runs", "keep_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"[privacy] {name} must be a whole number of at least 0, got {value!r}.")


@dataclass(frozen=True)
class Config:
    """The whole configuration of a workspace."""

    path: Path = _setting(Path("personacraft.toml"), "The config file itself.")
    sources: tuple[SourceConfig, ...] = _setting((), "The inputs, one [[sources]] entry each.")
    experiments: tuple[ExperimentConfig, ...] = _setting(
        (), "The experiments read per persona, one [[experiments]] entry each (docs/experiments.md)."
    )
    name: str = _setting("personacraft", "Name of the project, shown in the report.")
    seed: int = _setting(0, "Seed for every random step; the same input and seed give the same personas.")
    workspace: str = _setting(".personacraft/workspace.duckdb", "The DuckDB workspace file, relative to the config.")
    lock_wait: float = _setting(
        30.0,
        "Seconds a build or an inspection waits for another process writing the workspace, then stops naming it.",
    )
    ingest: IngestConfig = _setting(IngestConfig(), "[ingest] section.")
    segment: SegmentConfig = _setting(SegmentConfig(), "[segment] section.")
    text: TextConfig = _setting(TextConfig(), "[text] section.")
    value: ValueConfig = _setting(ValueConfig(), "[value] section.")
    journey: JourneyConfig = _setting(JourneyConfig(), "[journey] section.")
    icp: IcpConfig = _setting(IcpConfig(), "[icp] section (docs/icp.md).")
    identity: IdentityConfig = _setting(IdentityConfig(), "[identity] section (docs/identity.md).")
    privacy: PrivacyConfig = _setting(PrivacyConfig(), "[privacy] section.")
    report: ReportConfig = _setting(ReportConfig(), "[report] section.")
    alerts: AlertsConfig = _setting(AlertsConfig(), "[alerts] section (docs/alerts.md).")
    beliefs: BeliefsConfig = _setting(BeliefsConfig(), "[beliefs] section (docs/hypotheses.md).")
    engine: EngineConfig = _setting(EngineConfig(), "[engine] section (docs/spark.md).")

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def workspace_path(self) -> Path:
        return (self.root / self.workspace).resolve()

    def resolve(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["path"] = self.path.name
        d["sources"] = [
            dict(s, columns=dict(s["columns"]), options=dict(s["options"]), features=dict(s["features"]))
            for s in d["sources"]
        ]
        return d

    def fingerprint(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


SECTIONS: dict[str, type] = {
    "ingest": IngestConfig,
    "segment": SegmentConfig,
    "text": TextConfig,
    "value": ValueConfig,
    "journey": JourneyConfig,
    "icp": IcpConfig,
    "identity": IdentityConfig,
    "privacy": PrivacyConfig,
    "report": ReportConfig,
    "alerts": AlertsConfig,
    "beliefs": BeliefsConfig,
    "engine": EngineConfig,
}


def settings() -> list[tuple[str, Any, str]]:
    """Every documented setting as ``(dotted name, default, help)``."""
    out: list[tuple[str, Any, str]] = []
    for f in dataclasses.fields(Config):
        if f.name in ("path", "sources", "experiments"):
            continue
        if f.name in SECTIONS:
            for sf in dataclasses.fields(SECTIONS[f.name]):
                out.append((f"{f.name}.{sf.name}", _default(sf), sf.metadata["help"]))
        else:
            out.append((f.name, f.default, f.metadata["help"]))
    for sf in dataclasses.fields(SourceConfig):
        out.append((f"sources.{sf.name}", _default(sf), sf.metadata["help"]))
    out.extend((f"experiments.{key}", default, help) for key, default, help in EXPERIMENT_HELP)
    return out


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _unknown(where: str, key: str, allowed: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f' Did you mean "{close[0]}"?' if close else f" Known keys: {', '.join(sorted(allowed))}."
    return ConfigError(f'{where}: unknown setting "{key}".{hint}')


def _build(cls: type, raw: Mapping[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise _unknown(where, key, list(fields))
        default = _default(fields[key])
        if isinstance(default, Mapping) and not isinstance(value, Mapping):
            raise ConfigError(f'{where}: "{key}" must be a table, e.g. {key} = {{ name = 1.0 }}, got {value!r}.')
        if default is not None and not isinstance(default, (Mapping, tuple)):
            expected = type(default)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f'{where}: "{key}" must be {expected.__name__}, got {value!r}.')
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except ConfigError as exc:  # a section's own check: say which file
        file = where.split(" [", 1)[0]
        raise ConfigError(str(exc) if str(exc).startswith(file) else f"{file} {exc}") from exc


def _source(raw: Mapping[str, Any], where: str) -> SourceConfig:
    raw = dict(raw)
    for key in ("kind", "path"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f'{where}: every [[sources]] entry needs "{key}" (a string).')
    where = f'{where} (kind = "{raw["kind"]}")'
    known = {"kind", "path", "table", "columns", "name"}
    for key in raw:
        if key not in known and key not in SOURCE_OPTIONS:
            raise _unknown(where, key, [*known, *SOURCE_OPTIONS])
    columns = raw.get("columns", {})
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise ConfigError(f"{where}: [sources.columns] maps canonical names to column names (strings).")
    features = raw.get("features", {})
    if not isinstance(features, Mapping):
        raise ConfigError(
            f"{where}: [sources.features] maps column names to one of {', '.join(FEATURE_KINDS)}, "
            f'e.g. "Use case" = "categorical".'
        )
    specs = {str(c): feature_spec(where, c, v) for c, v in features.items()}
    options = {k: v for k, v in raw.items() if k not in known}
    return SourceConfig(
        kind=raw["kind"],
        path=raw["path"],
        table=raw.get("table"),
        columns=dict(columns),
        options=options,
        name=str(raw.get("name", "")),
        features=specs,
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a personacraft TOML file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"{path}: config file not found. Create one (see docs/config.md) or run "
            "`personacraft demo` to get an example."
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}.") from exc
    return config_from_dict(raw, path)


def config_from_dict(raw: Mapping[str, Any], path: Path) -> Config:
    """Build a :class:`Config` from already-parsed TOML."""
    raw = dict(raw)
    where = path.name
    sources_raw = raw.pop("sources", [])
    if not isinstance(sources_raw, list) or not sources_raw:
        raise ConfigError(f"{where}: no [[sources]] configured; add at least one input file.")
    sources = tuple(_source(s, f"{where} [[sources]] #{i + 1}") for i, s in enumerate(sources_raw))
    experiments_raw = raw.pop("experiments", [])
    if not isinstance(experiments_raw, list):
        raise ConfigError(f"{where}: experiments must be [[experiments]] entries (an array of tables).")
    experiments = tuple(
        experiment_config(e, f"{where} [[experiments]] #{i + 1}") for i, e in enumerate(experiments_raw)
    )
    sections = {}
    for name, cls in SECTIONS.items():
        section = raw.pop(name, {})
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where}: [{name}] must be a table.")
        sections[name] = _build(cls, section, f"{where} [{name}]")
    top = _build(Config, raw, where) if raw else Config()
    cfg = dataclasses.replace(top, path=path.resolve(), sources=sources, experiments=experiments, **sections)
    seg = cfg.segment
    if seg.k is not None and seg.k < 1:
        raise ConfigError(f"{where} [segment]: k must be at least 1, got {seg.k}.")
    if not 1 <= seg.k_min <= seg.k_max:
        raise ConfigError(f"{where} [segment]: need 1 <= k_min <= k_max, got {seg.k_min}, {seg.k_max}.")
    return cfg
