"""The persona's story: a name, who they are, a typical day, values, goals, pains, a quote,
channels, triggers and objections. Every sentence is made from data by a template and
carries its evidence (``story.sentences``); a field with no data is null, and
``story.missing`` says why. Nothing is invented except the name, which is a label: drawn
from Faker's name lists for the persona's dominant country, deterministic for a seed,
unique in the set, and never the name of a customer in the data.

A :class:`Narrator` turns the facts into sentences. The default (:class:`TemplateNarrator`)
needs no network; an optional LLM narrator could rewrite the same facts later, never add
new ones (it gets only the facts, and its output would be checked against them).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from faker import Faker

from personacraft.segment.profile import cell_facts, cells_for
from personacraft.store import Run

LOCALES = {"US": "en_US", "CA": "en_CA", "GB": "en_GB", "UK": "en_GB", "AU": "en_AU", "IE": "en_IE", "NZ": "en_NZ"}
COUNTRY_NAMES = {
    "US": "the United States",
    "CA": "Canada",
    "GB": "the United Kingdom",
    "UK": "the United Kingdom",
    "AU": "Australia",
    "IE": "Ireland",
    "NZ": "New Zealand",
    "DE": "Germany",
    "FR": "France",
    "UNITED STATES": "the United States",
}
AGE_WORDS = re.compile(r"\b(how old|your age|age group|age range|age)\b", re.I)
INCOME_WORDS = re.compile(r"\b(income|salary|earn)\b", re.I)
HEAR_WORDS = re.compile(r"\b(hear about|find us|found us|first hear)\b", re.I)
# what a goal or a pain says about what the persona values
VALUES: list[tuple[str, str]] = [
    (r"quality|lasts|durable|craft", "quality that lasts"),
    (r"save|money|price|cheap|bargain|deal|discount|coupon|cost", "value for money"),
    (r"fast|quick|slow|speed|time|late|delay|wait", "speed and convenience"),
    (r"gift|present|birthday|christmas", "thoughtful gifting"),
    (r"adventure|outdoor|hike|trail", "adventure and the outdoors"),
    (r"trend|latest|style|fashion", "style and novelty"),
    (r"plastic|packag|recycl|waste|sustainab", "sustainability"),
    (r"reliab|crash|bug|error|broken|down|outage|disconnect|stopped", "reliability"),
    (r"secur|sso|saml|okta|complian|audit", "security and compliance"),
    (r"integrat|sync|api|netsuite|xero|quickbooks", "tools that fit together"),
    (r"report|visib|forecast|insight|dashboard|close", "visibility and control"),
    (r"invoice|billing|billed|vat|refund", "accurate billing"),
    (r"stock|sold out|sells out|restock", "availability"),
    (r"size|sizing|fit", "a good fit"),
]


@dataclass
class Facts:
    """The facts a narrator may use, and the sentences made from them."""

    sentences: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    def say(self, fld: str, text: str, facts: list[dict[str, Any]], method: str) -> str:
        self.sentences.append({"field": fld, "text": text, "evidence": {"method": method, "facts": facts}})
        return text


class Narrator(Protocol):
    """Turns one fact into a sentence; ``variant`` picks among phrasings, deterministically."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str: ...


TEMPLATES: dict[str, list[str]] = {
    "intro": [
        "{name} stands for {size:,} customers, {share} of the base.",
        "{name} represents {size:,} customers ({share} of all).",
        "Meet {name}: {size:,} customers, {share} of the base, behave like this.",
    ],
    "trait": [
        "{feature}: {value} for {share} of them, {lift:.1f}× the average.",
        "{share} have {feature_l} \u201c{value}\u201d, {lift:.1f}× more often than the average customer.",
        "Compared with everyone, {lift:.1f}× as many report {feature_l} \u201c{value}\u201d ({share}).",
    ],
    "answer": [
        "Asked “{feature}”, {share} answer “{value}” ({lift:.1f}× the average).",
        "{share} answer “{value}” to “{feature}”, {lift:.1f}× the average.",
    ],
    "day": [
        "A typical day: {parts}.",
        "On a usual day they {parts}.",
    ],
    "goal": [
        "Their main goal: \u201c{goal}\u201d ({share} of those surveyed, {lift:.1f}× the average).",
        "\u201c{goal}\u201d is what {share} of them want ({lift:.1f}× the average).",
    ],
    "pain": [
        "What hurts: \u201c{label}\u201d, raised by {share} of those who wrote ({lift:.1f}× the average).",
        "They complain about \u201c{label}\u201d: {share} of writers, {lift:.1f}× the average.",
    ],
}


class TemplateNarrator:
    """The default narrator: fixed templates with a few phrasings each, no network."""

    def phrase(self, kind: str, variant: int, **facts: Any) -> str:
        options = TEMPLATES[kind]
        return options[variant % len(options)].format(**facts)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _variant(pid: str, kind: str) -> int:
    return int(hashlib.sha256(f"{pid}:{kind}".encode()).hexdigest()[:8], 16)


def _top(cells: list[dict[str, Any]], p: int, match: re.Pattern[str] | str, min_n: int) -> dict[str, Any] | None:
    """The most common published value of the first feature that matches (a name or a pattern)."""
    if isinstance(match, str):
        found = cells_for(cells, p, match, min_n=min_n)
        return found[0] if found else None
    features = sorted({c["feature"] for c in cells if c["persona"] == p and match.search(str(c["feature"]))})
    for f in features:
        found = cells_for(cells, p, f, min_n=min_n)
        if found:
            return found[0]
    return None


def persona_name(run: Run, pid: str, country: str | None, seed: int, taken: set[str]) -> str:
    """A person's name for the persona: the country's Faker locale, unique, never a customer's name."""
    fake = Faker(LOCALES.get((country or "").upper(), "en_US"))
    fake.seed_instance(seed * 1009 + _variant(pid, "name") % 100_000)
    for _ in range(200):
        first, last = fake.first_name(), fake.last_name()
        full = f"{first} {last}"
        if full in taken:
            continue
        # no customer's full name may appear in it ("Ann Lee" is inside "Joann Lee")
        clash = run.scalar(
            f"SELECT count(*) FROM {run.t('customers')} WHERE nullif(trim(first_name), '') IS NOT NULL "
            "AND nullif(trim(last_name), '') IS NOT NULL "
            "AND contains(?, lower(trim(first_name) || ' ' || trim(last_name)))",
            [full.lower()],
        )
        if not clash:
            taken.add(full)
            return full
    raise RuntimeError("no free persona name after 200 draws")  # pragma: no cover - 200 clashes in a row


def build_story(
    run: Run,
    persona: dict[str, Any],
    cells: list[dict[str, Any]],
    p: int,
    *,
    min_n: int,
    seed: int,
    taken: set[str],
    narrator: Narrator | None = None,
) -> dict[str, Any]:
    """The ``story`` block of one persona (see the module doc)."""
    say = narrator or TemplateNarrator()
    pid = persona["id"]
    f = Facts()
    story: dict[str, Any] = {}
    country = _top(cells, p, "Country", min_n)
    story["name"] = persona_name(run, pid, str(country["value"]) if country else None, seed, taken)
    f.say(
        "name",
        f"{story['name']} is an invented name, drawn for "
        + (f"the persona's most common country, {country['value']}." if country else "an unknown country (en_US)."),
        [cell_facts(country)] if country else [],
        "Faker name lists of the dominant country's locale; never a customer's name",
    )
    age = _top(cells, p, AGE_WORDS, min_n)
    story["age"] = str(age["value"]) if age else None
    if age:
        f.say("age", f"Age {age['value']}: the most common answer ({_pct(age['share'])}).", [cell_facts(age)], "survey")
    else:
        f.missing["age"] = "no age or birth date, and no survey question about age, for enough members"
    job = _top(cells, p, "Job title", min_n)
    seniority = _top(cells, p, "Seniority", min_n)
    function = _top(cells, p, "Job function", min_n)
    if job:
        story["occupation"] = str(job["value"])
        basis = [job] + [c for c in (seniority, function) if c]
        f.say(
            "occupation",
            f"Works as {job['value']}"
            + (f", {seniority['value']} in {function['value']}" if seniority and function else "")
            + f" (the most common title, {_pct(job['share'])}).",
            [cell_facts(c) for c in basis],
            "CRM job titles, parsed into seniority and function",
        )
    else:
        story["occupation"] = None
        f.missing["occupation"] = "no job titles in the sources for enough members"
    if country:
        code = str(country["value"])
        story["location"] = COUNTRY_NAMES.get(code.upper(), code)
        f.say(
            "location",
            f"Lives in {story['location']} ({_pct(country['share'])} of members).",
            [cell_facts(country)],
            "customer records",
        )
    else:
        story["location"] = None
        f.missing["location"] = "no country known for enough members"
    income = _top(cells, p, INCOME_WORDS, min_n)
    story["income"] = str(income["value"]) if income else None
    if income:
        f.say("income", f"Income: {income['value']} ({_pct(income['share'])}).", [cell_facts(income)], "survey")
    else:
        f.missing["income"] = "no income in the sources (no survey question about it)"
    # bio: who they are, from the defining traits
    bio = [
        f.say(
            "bio",
            say.phrase(
                "intro", _variant(pid, "intro"), name=story["name"], size=persona["size"], share=_pct(persona["share"])
            ),
            [],
            "size of the segment",
        )
    ]
    for i, t in enumerate(persona["traits"][:3]):
        kind = "answer" if str(t["feature"]).rstrip().endswith("?") else "trait"
        bio.append(
            f.say(
                "bio",
                say.phrase(
                    kind,
                    _variant(pid, f"trait{i}"),
                    feature=t["feature"],
                    feature_l=t["feature"].lower(),
                    value=t["value"],
                    share=_pct(t["share"]),
                    lift=t["lift"],
                ),
                [t],
                "a defining trait: over-represented against all customers, Fisher test, BH-adjusted",
            )
        )
    story["bio"] = " ".join(bio)
    # a typical day, from habits
    parts, basis = [], []
    for feature, template in (
        ("Shopping time", "shop mostly in the {v}"),
        ("Shopping days", "buy {v}"),
        ("Device", "use {v}"),
        ("Top action", "work in the product most on \u201c{v}\u201d"),
        ("Product use", "use the product: {v}"),
    ):
        c = _top(cells, p, feature, min_n)
        if c:
            parts.append(template.format(v=c["value"]))
            basis.append(c)
    if parts:
        story["typical_day"] = f.say(
            "typical_day",
            say.phrase("day", _variant(pid, "day"), parts=", ".join(parts)),
            [cell_facts(c) for c in basis],
            "the most common value of each habit among members",
        )
    else:
        story["typical_day"] = None
        f.missing["typical_day"] = "no order times, devices, visit days or product actions known for enough members"
    # goals and values
    # goals the persona holds more than the average (the most common one at least)
    goals = [g for i, g in enumerate(persona.get("goals") or []) if i == 0 or g["lift"] >= 1.1]
    story["goals"] = [
        f.say(
            "goals",
            say.phrase("goal", _variant(pid, f"goal{i}"), goal=g["goal"], share=_pct(g["share"]), lift=g["lift"]),
            [g],
            "answers to the survey's goal question",
        )
        for i, g in enumerate(goals[:2])
    ]
    for n in (persona.get("needs") or [])[:1]:
        story["goals"].append(
            f.say(
                "goals",
                f"They ask for: \u201c{n['label']}\u201d ({_pct(n['share'])} of those who wrote).",
                [{k: v for k, v in n.items() if k != "quotes"}],
                "a need theme of their texts",
            )
        )
    if not story["goals"]:
        f.missing["goals"] = "no survey goal or need theme reaches the minimum group for this persona"
    pains = persona.get("pain_points") or []
    values: list[str] = []
    held = [(g, g["goal"]) for g in goals[:2] if g["lift"] >= 1.1]
    for item, text in held + [(x, x["label"]) for x in pains[:2]]:
        for pattern, value in VALUES:
            if value not in values and re.search(pattern, text, re.I):
                values.append(value)
                f.say(
                    "values",
                    f"Values {value}: it shows in \u201c{text}\u201d.",
                    [{k: v for k, v in item.items() if k != "quotes"}],
                    "a goal or pain point, read through a fixed lexicon of values",
                )
                break
    story["values"] = values
    if not values:
        f.missing["values"] = "no goal or pain point of this persona names something it values"
    story["pains"] = [
        f.say(
            "pains",
            say.phrase("pain", _variant(pid, f"pain{i}"), label=x["label"], share=_pct(x["share"]), lift=x["lift"]),
            [{k: v for k, v in x.items() if k != "quotes"}],
            "a pain theme of their texts",
        )
        for i, x in enumerate(pains[:3])
    ]
    if not pains:
        f.missing["pains"] = "no pain theme reaches the minimum group, lift 1.2 and significance for this persona"
    quotes = [q for x in pains for q in x["quotes"]]
    story["quote"] = quotes[0] if quotes else None
    if quotes:
        f.sentences.append(
            {
                "field": "quote",
                "text": quotes[0],
                "evidence": {"method": "a real text of a member, personal data removed", "facts": [pains[0]["label"]]},
            }
        )
    else:
        f.missing["quote"] = "no text of a member fits a pain point"
    # channels and content
    story["channels"] = []
    for c in (persona.get("channels") or [])[:2]:
        story["channels"].append(
            f.say(
                "channels",
                f"First reached through {c['channel']} ({_pct(c['share'])}, {c['lift']:.1f}× the average).",
                [c],
                "first-touch source / medium",
            )
        )
    heard = _top(cells, p, HEAR_WORDS, min_n)
    if heard:
        story["channels"].append(
            f.say(
                "channels",
                f"Say they heard of us through \u201c{heard['value']}\u201d ({_pct(heard['share'])}).",
                [cell_facts(heard)],
                "survey",
            )
        )
    if not story["channels"]:
        f.missing["channels"] = "no web analytics or survey answer about channels for enough members"
    content = [c for c in (_top(cells, p, "Top product", min_n), _top(cells, p, "Top action", min_n)) if c]
    story["content"] = [
        f.say(
            "content",
            f"Most interested in {c['value']} ({_pct(c['share'])}, {c['lift']:.1f}× the average).",
            [cell_facts(c)],
            "most bought product family or most used product action",
        )
        for c in content
    ]
    if not content:
        f.missing["content"] = "no products or product actions known for enough members"
    # buying triggers and objections
    triggers = []
    for feature, words, text in (
        ("Discount use", "most orders", "a discount code: {s} use one on most orders"),
        ("Season", "holiday", "the holiday season: {s} buy mostly in November and December"),
        ("Season", "summer", "spring and summer: {s} buy mostly from April to August"),
        ("Top action", "plan compared", "comparing plans: {s} do it most"),
        ("Lifecycle stage", "evangelist", "being asked for a recommendation: {s} are evangelists"),
    ):
        c = next((x for x in cells_for(cells, p, feature, min_n=min_n) if words in str(x["value"]).lower()), None)
        if c and c["lift"] >= 1.2:
            triggers.append(
                f.say(
                    "triggers",
                    "Buys on " + text.format(s=_pct(c["share"])) + f" ({c['lift']:.1f}× the average).",
                    [cell_facts(c)],
                    "a buying habit over-represented in this persona",
                )
            )
    story["triggers"] = triggers
    if not triggers:
        f.missing["triggers"] = "no discount, season or evaluation habit stands out for this persona"
    story["objections"] = [
        f.say(
            "objections",
            f"May object: \u201c{x['label']}\u201d ({_pct(x['share'])} raise it).",
            [{k: v for k, v in x.items() if k != "quotes"}],
            "a pain theme, as an objection to answer",
        )
        for x in pains[:2]
    ]
    if not pains:
        f.missing["objections"] = "no pain theme to anticipate as an objection"
    story["sentences"] = f.sentences
    story["missing"] = f.missing
    return story
