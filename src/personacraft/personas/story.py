"""The persona's story, assembled section by section from the facts, each sentence citing its own.

The sections: who they are, a typical day, values, goals, pains, a quote, channels, triggers
and objections.

Every sentence is made from data by a template and carries its evidence (``story.sentences``);
a field with no data is null, and ``story.missing`` says why. Nothing is invented except the
name, which is a label (:mod:`personacraft.personas.identity`): drawn from Faker's name lists
for the persona's dominant country, deterministic for a seed, unique in the set, and never the
name of a customer in the data.

A :class:`~personacraft.personas.narrator.Narrator` turns the facts into sentences. The default
(:class:`~personacraft.personas.narrator.TemplateNarrator`) needs no network; an optional LLM
narrator could rewrite the same facts later, never add new ones (it gets only the facts, and
its output would be checked against them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from personacraft.personas.facts import Facts, pct, top, variant
from personacraft.personas.identity import identity
from personacraft.personas.narrator import Narrator, TemplateNarrator
from personacraft.personas.prompts import prompted
from personacraft.personas.purpose import support_only
from personacraft.segment.profile import cell_facts, cells_for
from personacraft.store import Run
from personacraft.wording import channel_label, lift_words

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
    have: frozenset[str] | None = None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``story`` block of one persona (see the module doc); ``have``: the kinds of source the build
    had (:func:`~personacraft.personas.prompts.present`): a field empty for want of one says which to add;
    ``previous``: the same persona's story in the previous run (its person is kept where it still fits)."""
    say = narrator or TemplateNarrator()
    pid = persona["id"]
    f = Facts()
    story = identity(run, pid, cells, p, f, min_n=min_n, seed=seed, taken=taken, previous=previous)
    story["bio"] = _bio(persona, story["name"], say, f)
    story["typical_day"] = _typical_day(pid, cells, p, min_n, say, f)
    # goals the persona holds more than the average (the most common one at least)
    goals = [g for i, g in enumerate(persona.get("goals") or []) if i == 0 or g["lift"] >= 1.1]
    story["goals"] = _goals(persona, goals, say, f)
    pains = persona.get("pain_points") or []
    story["values"] = _values(goals, pains, f)
    story["pains"] = _pains(pid, pains, say, f)
    story["quote"] = _quote(pains, f)
    story["channels"] = _channels(persona, cells, p, min_n, f)
    story["content"] = _content(cells, p, min_n, f)
    story["triggers"] = _triggers(cells, p, min_n, f)
    story["objections"] = _objections(persona, pains, f)
    story["sentences"] = f.sentences
    story["missing"] = prompted("story", f.missing, have) if have is not None else f.missing
    return story


def _bio(persona: dict[str, Any], name: str, say: Narrator, f: Facts) -> str:
    """Who they are: the segment's size, then its defining traits."""
    pid = persona["id"]
    bio = [
        f.say(
            "bio",
            say.phrase(
                "intro",
                variant(pid, "intro"),
                name=name,
                size=persona["size"],
                share=pct(persona["share"]),
                people="contacts" if persona.get("committee_role") else "customers",  # B2B: contacts of accounts
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
                    variant(pid, f"trait{i}"),
                    feature=t["feature"],
                    feature_l=t["feature"].lower(),
                    value=t["value"],
                    share=pct(t["share"]),
                    lift=t["lift"],
                ),
                [t],
                "a defining trait: over-represented against all customers, Fisher test, BH-adjusted",
            )
        )
    return " ".join(bio)


def _typical_day(pid: str, cells: list[dict[str, Any]], p: int, min_n: int, say: Narrator, f: Facts) -> str | None:
    """A typical day, from habits."""
    parts, basis = [], []
    for feature, template in (
        ("Shopping time", "shop mostly in the {v}"),
        ("Shopping days", "buy {v}"),
        ("Device", "use {v}"),
        ("Top action", "work in the product most on \u201c{v}\u201d"),
        ("Product use", "use the product: {v}"),
    ):
        c = top(cells, p, feature, min_n)
        if c:
            parts.append(template.format(v=c["value"]))
            basis.append(c)
    if parts:
        return f.say(
            "typical_day",
            say.phrase("day", variant(pid, "day"), parts=", ".join(parts)),
            [cell_facts(c) for c in basis],
            "the most common value of each habit among members",
        )
    f.missing["typical_day"] = "no order times, devices, visit days or product actions known for enough members"
    return None


def _goals(persona: dict[str, Any], goals: list[dict[str, Any]], say: Narrator, f: Facts) -> list[str]:
    """The goals they hold (from the survey), then what they ask for (a need theme of their texts)."""
    pid = persona["id"]
    said = [
        f.say(
            "goals",
            say.phrase("goal", variant(pid, f"goal{i}"), goal=g["goal"], share=pct(g["share"]), lift=g["lift"]),
            [g],
            "answers to the survey's goal question",
        )
        for i, g in enumerate(goals[:2])
    ]
    for n in (persona.get("needs") or [])[:1]:
        said.append(
            f.say(
                "goals",
                f"They ask for: \u201c{n['label']}\u201d ({pct(n['share'])} of those who wrote).",
                [{k: v for k, v in n.items() if k != "quotes"}],
                "a need theme of their texts",
            )
        )
    if not said:
        f.missing["goals"] = "no survey goal or need theme reaches the minimum group for this persona"
    return said


def _values(goals: list[dict[str, Any]], pains: list[dict[str, Any]], f: Facts) -> list[str]:
    """What they value, read from the goals they hold and their pains through :data:`VALUES`."""
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
    if not values:
        f.missing["values"] = "no goal or pain point of this persona names something it values"
    return values


def _pains(pid: str, pains: list[dict[str, Any]], say: Narrator, f: Facts) -> list[str]:
    """The pain themes of their texts."""
    said = [
        f.say(
            "pains",
            say.phrase("pain", variant(pid, f"pain{i}"), label=x["label"], share=pct(x["share"]), lift=x["lift"]),
            [{k: v for k, v in x.items() if k != "quotes"}],
            "a pain theme of their texts",
        )
        for i, x in enumerate(pains[:3])
    ]
    if not pains:
        f.missing["pains"] = "no pain theme reaches the minimum group, lift 1.2 and significance for this persona"
    return said


def _quote(pains: list[dict[str, Any]], f: Facts) -> str | None:
    """A real text of a member that fits a pain point."""
    quotes = [q for x in pains for q in x["quotes"]]
    if not quotes:
        f.missing["quote"] = "no text of a member fits a pain point"
        return None
    f.sentences.append(
        {
            "field": "quote",
            "text": quotes[0],
            "evidence": {"method": "a real text of a member, personal data removed", "facts": [pains[0]["label"]]},
        }
    )
    return quotes[0]


def _channels(persona: dict[str, Any], cells: list[dict[str, Any]], p: int, min_n: int, f: Facts) -> list[str]:
    """Where they were first reached, and where they say they heard of us."""
    said = []
    for c in (persona.get("channels") or [])[:2]:
        said.append(
            f.say(
                "channels",
                f"First reached through {channel_label(c['channel'])} ({pct(c['share'])}, {lift_words(c['lift'])}).",
                [c],
                "first-touch source / medium",
            )
        )
    heard = top(cells, p, HEAR_WORDS, min_n)
    if heard:
        said.append(
            f.say(
                "channels",
                f"Say they heard of us through \u201c{heard['value']}\u201d ({pct(heard['share'])}).",
                [cell_facts(heard)],
                "survey",
            )
        )
    if not said:
        f.missing["channels"] = "no web analytics or survey answer about channels for enough members"
    return said


def _content(cells: list[dict[str, Any]], p: int, min_n: int, f: Facts) -> list[str]:
    """What they are most interested in: the product family they buy or the action they use most."""
    content = [c for c in (top(cells, p, "Top product", min_n), top(cells, p, "Top action", min_n)) if c]
    said = [
        f.say(
            "content",
            f"Most interested in {c['value']} ({pct(c['share'])}, {lift_words(c['lift'])}).",
            [cell_facts(c)],
            "most bought product family or most used product action",
        )
        for c in content
    ]
    if not content:
        f.missing["content"] = "no products or product actions known for enough members"
    return said


def _triggers(cells: list[dict[str, Any]], p: int, min_n: int, f: Facts) -> list[str]:
    """What makes them buy: a discount, season or evaluation habit over-represented in the persona."""
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
                    "Buys on " + text.format(s=pct(c["share"])) + f" ({lift_words(c['lift'])}).",
                    [cell_facts(c)],
                    "a buying habit over-represented in this persona",
                )
            )
    if not triggers:
        f.missing["triggers"] = "no discount, season or evaluation habit stands out for this persona"
    return triggers


def _objections(persona: dict[str, Any], pains: list[dict[str, Any]], f: Facts) -> list[str]:
    """The objections to answer: the reasons their accounts' lost deals give where the sources record them;
    else pains from reviews, surveys or interviews. A support ticket or chat is a customer's problem, never
    an objection (docs/voice.md, 'Texts by their purpose')."""
    lost = persona.get("objections") or []
    if lost:
        return [
            f.say(
                "objections",
                f"Lost deals of their accounts give \u201c{x['label']}\u201d ({x['n']:,} of {x['n_known']:,} "
                f"with a reason, {pct(x['share'])}).",
                [{k: v for k, v in x.items() if k != "quotes"}],
                "a lost-deal reason of the persona's accounts",
            )
            for x in lost[:2]
        ]
    if persona.get("objections", []) is None:  # deals exist, but no lost reason reaches the minimum group
        f.missing["objections"] = "no lost-deal reason reaches the minimum group size for this persona"
        return []
    voiced = [x for x in pains if not support_only(x)]
    said = [
        f.say(
            "objections",
            f"May object: \u201c{x['label']}\u201d ({pct(x['share'])} raise it).",
            [{k: v for k, v in x.items() if k != "quotes"}],
            "a pain theme from reviews, surveys or interviews, as an objection to answer",
        )
        for x in voiced[:2]
    ]
    if not said:
        f.missing["objections"] = (
            "their pain themes come from support tickets and chats, which are not objections"
            if pains
            else "no pain theme to anticipate as an objection"
        )
    return said
