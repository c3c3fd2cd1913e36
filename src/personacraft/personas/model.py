"""The typed persona: dataclasses that mirror the objects of ``personas.json`` (declarations).

Each class's fields are the keys its JSON object has, in the order a build writes them (see
``data/personas.schema.json`` for their meaning). Reading and writing go through
:class:`~personacraft.personas.records.Record`, so a file read and written again is the
same file, and a file from an older version still reads.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from personacraft.personas.records import Record

STABILITY_BANDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"), (0.0, "do not trust"))


def stability_band(value: float) -> str:
    """Hennig's reading of a bootstrap Jaccard mean, in words."""
    return next(word for floor, word in STABILITY_BANDS if value >= floor)


@dataclasses.dataclass(kw_only=True)
class Trait(Record):
    """A value over-represented in the persona: its share there and in the population, lift, n, test."""

    feature: str
    value: str
    share: float
    population_share: float
    lift: float
    n: int
    p_adjusted: float | None = None
    effect_size: float | None = None
    source: str | None = None


@dataclasses.dataclass(kw_only=True)
class Goal(Record):
    """A survey answer to the goal question, with the same figures as a trait."""

    goal: str
    feature: str | None = None
    share: float | None = None
    population_share: float | None = None
    lift: float | None = None
    n: int | None = None
    p_adjusted: float | None = None
    effect_size: float | None = None
    source: str | None = None


@dataclasses.dataclass(kw_only=True)
class PainPoint(Record):
    """A text theme over-represented in the persona (a pain, or a need), with redacted quotes."""

    label: str
    keywords: list[str] = dataclasses.field(default_factory=list)
    share: float | None = None
    population_share: float | None = None
    lift: float | None = None
    n: int | None = None
    p_adjusted: float | None = None
    effect_size: float | None = None
    quotes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True)
class Channel(Record):
    """Where members first came from: share among members and lift."""

    channel: str
    share: float
    lift: float
    n: int | None = None


@dataclasses.dataclass(kw_only=True)
class Value(Record):
    """What the persona is worth: CLV with its interval, revenue share, churn risk, and why a figure is missing."""

    clv_mean: float | None = None
    clv_interval: list[float] | None = None
    clv_customers: int | None = None
    expected_value_share: float | None = None
    revenue_share: float | None = None
    churn_risk: float | None = None
    churn_drivers: list[dict[str, Any]] | None = None
    most_valuable: bool = False
    at_risk: bool = False
    revenue_per_customer: float | None = None
    orders_per_customer: float | None = None
    # how far the figures reach: clv_mean is over the next horizon_months ("next 12 months")
    horizon_months: int | None = None
    horizon: str | None = None
    # purchases per member in the next 12 months, and the spend per order behind clv_mean
    predicted_purchases_12m: float | None = None
    spend_per_order: float | None = None
    purchases_method: str | None = None  # "model" (BG/NBD, Pareto/NBD) | "empirical" (the persona's recent rate)
    # the posterior predictive check: the same forecast made at the start of a holdout, and what members did in it
    predicted_purchases_holdout: float | None = None
    observed_purchases_holdout: float | None = None
    holdout_months: float | None = None
    holdout_customers: int | None = None
    reliable: bool | None = None
    unreliable_because: str | None = None
    churn_risk_method: str | None = (
        None  # "model" | "empirical" | "observed" (B2B: accounts that cancelled): which churn_risk is shown
    )
    churn_risk_basis: str | None = None  # churn_risk in plain words
    lapsed_share: float | None = None  # members whose last order is over 365 days before the newest order
    new_share: float | None = None  # members whose first order is under [segment] new_days before the newest
    new_members: int | None = None  # how many members that is
    # B2B (accounts): the money of the accounts members belong to, and churn where it happens (docs/accounts.md)
    mrr: float | None = None
    arr: float | None = None
    acv: float | None = None
    win_rate: float | None = None
    nrr: float | None = None
    grr: float | None = None
    logo_churn: float | None = None
    mrr_churn: float | None = None
    clv_unit: str | None = None  # "account": clv_mean is a paying account's contract CLV
    accounts: dict[str, Any] | None = None
    account_churn: dict[str, Any] | None = None
    missing: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(kw_only=True)
class Story(Record):
    """The persona told as one invented person; every sentence cites the facts it was made from."""

    name: str = ""
    bio: str = ""
    typical_day: str | None = None
    quote: str | None = None
    age: Any = None
    occupation: Any = None
    location: Any = None
    income: Any = None
    values: list[Any] = dataclasses.field(default_factory=list)
    goals: list[Any] = dataclasses.field(default_factory=list)
    pains: list[Any] = dataclasses.field(default_factory=list)
    channels: list[Any] = dataclasses.field(default_factory=list)
    content: list[Any] = dataclasses.field(default_factory=list)
    triggers: list[Any] = dataclasses.field(default_factory=list)
    objections: list[Any] = dataclasses.field(default_factory=list)
    sentences: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    missing: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(kw_only=True)
class Recommendations(Record):
    """First actions: messaging, channels, sales, product and retention, each from the evidence."""

    messaging: Any = None
    channels: Any = None
    sales: Any = None
    product: Any = None
    retention: Any = None
    missing: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(kw_only=True)
class ExperimentResult(Record):
    """One variant × outcome of an A/B test read for the persona: its effect here and for everyone, and the verdict.

    ``persona`` and ``everyone`` hold ``n_control, n_variant, mean_control, mean_variant, diff, ci_low, ci_high,
    relative_lift, p_value, p_adjusted``; ``persona`` is null (with ``persona_reason``) when an arm has fewer of
    the persona's customers than the minimum group size. ``verdict``: "works here", "no evidence", "hurts here"
    or "works better here than elsewhere"; ``text`` says it in words (docs/experiments.md).
    """

    experiment: str
    name: str | None = None
    control: str | None = None
    variant: str
    outcome: str
    kind: str | None = None  # "proportion" or "mean"
    persona: dict[str, Any] | None = None
    persona_reason: str | None = None
    everyone: dict[str, Any] | None = None
    everyone_verdict: str | None = None
    heterogeneity_p: float | None = None
    srm_ok: bool | None = None
    verdict: str
    text: str | None = None


@dataclasses.dataclass(kw_only=True)
class SaysDoes(Record):
    """A contradiction between what the persona's customers state and what they do, with both sides' numbers.

    ``says``: ``{family, value, source, n}``; ``does``: ``{family, value, source}``; ``share_sayers`` against
    ``share_others`` (the persona's customers who state another value), their ``difference`` with its 95 %
    interval, the test and its adjusted p-value; ``elsewhere``: the same comparison outside the persona, which
    points the other way (docs/hypotheses.md).
    """

    says: dict[str, Any]
    does: dict[str, Any]
    share_sayers: float
    share_others: float
    n_others: int | None = None
    difference: float
    ci: list[float] | None = None
    phi: float | None = None
    test: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    elsewhere: dict[str, Any] | None = None
    other_cells: int | None = None
    text: str | None = None


@dataclasses.dataclass(kw_only=True)
class Evidence(Record):
    """How one claim was derived: the field, the claim, the method and the facts behind it."""

    field: str
    claim: str
    method: str
    facts: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True)
class Persona(Record):
    """One persona of a run, with the evidence behind every claim."""

    nested: ClassVar[dict[str, type[Record]]] = {
        "traits": Trait,
        "goals": Goal,
        "needs": PainPoint,
        "pain_points": PainPoint,
        "objections": PainPoint,
        "channels": Channel,
        "value": Value,
        "story": Story,
        "recommendations": Recommendations,
        "experiments": ExperimentResult,
        "says_vs_does": SaysDoes,
        "evidence": Evidence,
    }

    id: str
    name: str
    size: int
    share: float
    stability: float
    stability_band: str | None = None
    fit: dict[str, Any] | None = None  # how clearly members fit: mean_confidence, hybrid_share, hybrid_with, words
    persona_type: str | None = None
    persona_type_mix: dict[str, Any] | None = None
    committee_role: str | None = None  # B2B: economic_buyer, decision_maker, champion, technical_evaluator …
    firmographics: dict[str, Any] | None = None  # B2B: company size, plan and ARR of their accounts in words
    traits: list[Trait] = dataclasses.field(default_factory=list)
    goals: list[Goal] | None = None
    needs: list[PainPoint] | None = None
    pain_points: list[PainPoint] | None = None
    # B2B: the reasons the persona's accounts' lost deals give (n, n_known, lost_deals in ``extra``)
    objections: list[PainPoint] | None = None
    # the persona's sentiment per kind of text, each labelled by its source ("support-chat sentiment")
    sentiment: list[dict[str, Any]] | None = None
    channels: list[Channel] = dataclasses.field(default_factory=list)
    value: Value = dataclasses.field(default_factory=Value)
    committee: dict[str, Any] | None = None
    story: Story = dataclasses.field(default_factory=Story)
    recommendations: Recommendations = dataclasses.field(default_factory=Recommendations)
    # what the A/B tests of [[experiments]] found for the persona; None (reason in missing) without any
    experiments: list[ExperimentResult] | None = None
    # where what its customers state contradicts what they do; None (reason in missing) without stated answers
    says_vs_does: list[SaysDoes] | None = None
    evidence: list[Evidence] = dataclasses.field(default_factory=list)
    missing: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.stability_band is None and isinstance(self.stability, int | float):
            self.stability_band = stability_band(float(self.stability))  # files before the band was written
