"""What a persona card says, built from a persona dict: ``card_context`` and its parts (pure functions).

Every field may be absent or null (older ``personas.json`` files have no story fields yet): the
card then says "unknown" with the reason from the matching ``missing`` dict, never "None" and never
an empty box. Texts are shown whole and in plain words (:mod:`~personacraft.render.cards.band`);
how many items of each list a card shows is its ``Density``: the roomiest that fits one page wins,
so a card with space to spare shows its lists in full.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from personacraft.personas import identity
from personacraft.render import style
from personacraft.render.cards import band
from personacraft.render.cards.figures import NO_FIELD, committee, label, missing, type_label, value
from personacraft.render.cards.svg import Colors, avatar_svg, trait_bars_svg
from personacraft.render.cards.text import as_dict, as_strings, as_text, brief, sentences
from personacraft.render.environment import newcomers
from personacraft.render.forest import tested_line
from personacraft.render.style import WHITE
from personacraft.wording import channel_label, emotion_words, lift_words, value_label

RECOMMENDATIONS = ("messaging", "channels", "sales", "product", "retention")
FACTS = (("age", "Age"), ("occupation", "Occupation"), ("location", "Location"), ("income", "Income"))
# B2B: the persona's accounts, in place of a consumer's age and income (persona["firmographics"])
B2B_FACTS = (("company_size", "Company size"), ("occupation", "Occupation"), ("plan", "Plan"), ("arr", "ARR"))
# a story field with no reason of its own takes the reason of the persona field it is made from
ALIASES = {"pains": "pain_points", "objections": "pain_points", "quote": "pain_points"}


@dataclass(frozen=True)
class Density:
    """How much of each list a card shows, and how large it sets the type."""

    name: str
    font_pt: float  # body text
    items: int  # bullets per list (goals, pains, channels, …)
    recs: int  # recommendations per kind
    traits: int  # bars in the trait chart
    bio: int  # characters of the bio and of the typical day (whole sentences)
    reason: int  # characters of a "why unknown" (its first clause when longer)
    clip: bool = False  # the last resort: the sheet is cut at one page


DENSITIES = (
    Density("full", 8.1, items=6, recs=4, traits=6, bio=600, reason=140),
    Density("roomy", 7.9, items=4, recs=3, traits=5, bio=440, reason=120),
    Density("snug", 7.7, items=3, recs=2, traits=5, bio=320, reason=110),
    Density("compact", 7.4, items=3, recs=1, traits=4, bio=240, reason=100),
    Density("dense", 7.0, items=2, recs=1, traits=4, bio=160, reason=80),
    Density("clipped", 6.45, items=2, recs=1, traits=3, bio=120, reason=70, clip=True),
)
# Markdown has no page to fill: every item, whole sentences, whole reasons
MARKDOWN = Density("markdown", 0.0, items=10, recs=10, traits=8, bio=100_000, reason=100_000)

# ---------------------------------------------------------------- small helpers


def _missing(persona: Mapping[str, Any], *sources: Mapping[str, Any]) -> dict[str, str]:
    """The reasons of every ``missing`` dict that may explain a field, story fields taking their source's."""
    out = missing(persona, *sources)
    for field, alias in ALIASES.items():
        if field not in out and alias in out:
            out[field] = out[alias]
    return out


# ---------------------------------------------------------------- the card's parts


@dataclass
class Items:
    """A list for the card, or why there is none."""

    items: list[str]
    why: str | None = None
    more: int = 0  # items left out for want of room


def _items(persona: Mapping[str, Any], key: str, reasons: Mapping[str, str], fallback: list[str], d: Density) -> Items:
    items = [band.plain(t, persona) for t in as_strings(as_dict(persona.get("story")).get(key)) or fallback]
    if items:
        return Items(items[: d.items], more=max(len(items) - d.items, 0))
    return Items([], brief(reasons.get(key) or NO_FIELD, d.reason))


def _with_figures(text: str, share: Any, share_words: str, lift: Any) -> str:
    """``text (share words, 2.2× more common than average)`` with whichever figures are numbers."""
    figures = []
    if isinstance(share, int | float):
        figures.append(f"{style.pct(share)} {share_words}")
    if isinstance(lift, int | float):
        figures.append(lift_words(lift))
    return text + (f" ({', '.join(figures)})" if figures else "")


def _fallback(persona: Mapping[str, Any], field: str, key: str, share_words: str, held: bool = False) -> list[str]:
    """Items of ``persona[field]`` (goals, pain points, channels) with their figures, when the story
    has none; ``held``: after the first, only those held above average (lift >= 1.1)."""
    out = []
    for i, x in enumerate(persona.get(field) or []):
        if not isinstance(x, Mapping) or not as_text(x.get(key)):
            continue
        lift, share = x.get("lift"), x.get("share")
        if held and i > 0 and not (isinstance(lift, int | float) and lift >= 1.1):
            continue
        text = as_text(x.get(key)) or ""
        out.append(_with_figures(channel_label(text) if field == "channels" else text, share, share_words, lift))
    return out


def _rest(items: Items, glanced: Mapping[str, Any], key: str) -> Items:
    """The items the band does not show already (a list the band shows in full becomes empty, with no reason)."""
    shown = next(x["raw"] for x in glanced["lists"] if x["key"] == key)
    kept = [t for t in items.items if not any(s in t for s in shown)]
    return Items(kept, items.why if not items.items else None, items.more)


def _objections(persona: Mapping[str, Any], reasons: Mapping[str, str], d: Density) -> Items:
    """The objections, less those that only repeat a pain point the card lists already."""
    items = _items(persona, "objections", reasons, [], d)
    labels = [band.plain(as_text(as_dict(x).get("label")) or "", persona) for x in persona.get("pain_points") or []]
    kept = [t for t in items.items if not any(lab and lab in t for lab in labels)]
    if kept or not items.items:
        return Items(kept, items.why, items.more)
    return Items([])  # nothing to add: the pains say it


def _sentiment(persona: Mapping[str, Any]) -> list[str]:
    """Each source's sentiment, labelled by it: "Support-chat sentiment: unhappy (−0.77; everyone −0.70; n = 370)"."""
    out = []
    for x in persona.get("sentiment") or []:
        x = as_dict(x)
        s, pop, n = x.get("sentiment"), x.get("population_sentiment"), x.get("n")
        if not isinstance(s, int | float) or not as_text(x.get("source")):
            continue
        label = str(as_text(x.get("source")))
        tail = f"; everyone {pop:+.2f}".replace("-", "\u2212") if isinstance(pop, int | float) else ""
        count = f"; n = {style.num(n)}" if isinstance(n, int | float) else ""
        figure = f"{s:+.2f}".replace("-", "\u2212")
        out.append(f"{label[0].upper()}{label[1:]}: {emotion_words(float(s))} ({figure}{tail}{count})")
    return out


def _quote(persona: Mapping[str, Any], story: Mapping[str, Any]) -> str | None:
    quote = as_text(story.get("quote"))
    if quote:
        return quote
    for x in persona.get("pain_points") or []:
        for q in as_dict(x).get("quotes") or []:
            if as_text(q):
                return as_text(q)
    return None


def _type(persona: Mapping[str, Any], reasons: Mapping[str, str], color: str, d: Density) -> dict[str, Any]:
    typ = as_text(persona.get("committee_role")) or as_text(persona.get("persona_type"))  # B2B: the role
    mix: list[dict[str, Any]] = []
    for k, v in as_dict(persona.get("persona_type_mix")).items():
        if isinstance(v, int | float) and v > 0:
            mix.append({"key": str(k), "label": type_label(k), "share": float(v), "pct": style.pct(v)})
    mix.sort(key=lambda m: -m["share"])
    base = Colors.of(color).base
    for i, m in enumerate(mix):  # shades of the persona colour, lighter down the list; "unknown" grey
        m["color"] = "#c4c9cf" if m["key"] == "unknown" else style.mix(base, WHITE, min(0.2 * i, 0.7))
    return {
        "key": typ,
        "label": type_label(typ) if typ else None,
        "mix": mix,
        "why": None if typ else brief(reasons.get("persona_type") or NO_FIELD, d.reason),
    }


def _recommendations(persona: Mapping[str, Any], d: Density, shown: Collection[str] = ()) -> list[dict[str, Any]]:
    """The recommendations by kind, less those ``shown`` already (in the band); a kind whose every
    recommendation is shown there is left out, a kind with none says why."""
    recs = as_dict(persona.get("recommendations"))
    why = _missing(persona, recs)
    out = []
    keys = list(RECOMMENDATIONS) + [k for k in recs if k not in RECOMMENDATIONS and k != "missing"]
    for key in keys:
        raw = recs.get(key)
        texts = []
        for r in raw if isinstance(raw, list) else []:
            text = as_text(r.get("text")) if isinstance(r, Mapping) else as_text(r)
            if text:
                texts.append(band.plain(text, persona))
        had = bool(texts)
        texts = [t for t in texts if t not in shown]
        if (key not in RECOMMENDATIONS or had) and not texts:
            continue
        out.append(
            {
                "key": key,
                "label": label(key),
                "texts": texts[: d.recs],
                "more": max(len(texts) - d.recs, 0),
                "why": None if texts else brief(why.get(key) or NO_FIELD, d.reason),
            }
        )
    return out


def _stability(persona: Mapping[str, Any]) -> str | None:
    s, band = persona.get("stability"), as_text(persona.get("stability_band"))
    if isinstance(s, int | float):
        return f"{s:.2f}" + (f" · {band}" if band else "")
    return band


def card_context(
    persona: Mapping[str, Any],
    *,
    color: str,
    title: str,
    run_id: str | None = None,
    density: int | Density = 0,
    base_url: str | None = None,
) -> dict[str, Any]:
    """What a card shows, as plain values: the HTML and Markdown templates (and the slide) render this.
    ``density``: an index into ``DENSITIES`` (or a ``Density``): how much of each list fits;
    ``base_url``: where the persona pages are published (a link and QR code to ``<base_url>/personas/<id>``)."""
    d = density if isinstance(density, Density) else DENSITIES[max(0, min(density, len(DENSITIES) - 1))]
    story = as_dict(persona.get("story"))
    reasons = _missing(persona, story)
    c = Colors.of(color)
    name = as_text(persona.get("name")) or as_text(persona.get("id")) or "Persona"
    person = as_text(story.get("name"))
    initials = identity.initials(person or name)  # the same letters as on the pages and in the app
    facts = []
    firm = as_dict(persona.get("firmographics"))
    for key, label_ in B2B_FACTS if firm else FACTS:
        fact = as_text(firm.get(key)) or as_text(story.get(key))
        why = None if fact else brief(reasons.get(key) or NO_FIELD, d.reason)
        facts.append({"key": key, "label": label_, "value": fact, "why": why})
    size, share = persona.get("size"), persona.get("share")
    bio, day = as_text(story.get("bio")), as_text(story.get("typical_day"))
    values = as_strings(story.get("values"))
    traits = [dict(t) for t in persona.get("traits") or [] if isinstance(t, Mapping)]
    shown = [
        dict(t, feature=band.feature_label(t.get("feature")), value=value_label(t.get("feature"), t.get("value")))
        for t in traits[: d.traits]
    ]
    goals = _fallback(persona, "goals", "goal", "of members", held=True)
    channels = _fallback(persona, "channels", "channel", "first came this way")
    pains = _fallback(persona, "pain_points", "label", "of those who wrote")
    typ = _type(persona, reasons, c.base, d)
    quote = _quote(persona, story)
    unknown: list[tuple[str, str]] = [(str(f["label"]), str(f["why"])) for f in facts if f["why"]]
    if typ["why"]:
        unknown.append(("Type", typ["why"]))
    return {
        "id": as_text(persona.get("id")) or "",
        "name": name,
        "person": person,
        "initials": initials,
        "colors": c,
        "density": d,
        "avatar": Markup(avatar_svg(initials, c.base, str(persona.get("id") or name))),
        "type": typ,
        "size": style.num(size) if isinstance(size, int | float) else None,
        "people": "Contacts" if persona.get("committee_role") else "Customers",  # B2B: contacts of accounts
        "share": style.pct(share) if isinstance(share, int | float) else None,
        "stability": _stability(persona),
        "fit": as_text(as_dict(persona.get("fit")).get("words")) or None,
        "newcomers": newcomers(as_dict(persona.get("value"))),
        "facts": facts,
        "known_facts": [f for f in facts if f["value"]],
        "band": (glanced := band.band(persona)),
        "bio": band.plain(sentences(bio, d.bio), persona) if bio else None,
        "bio_why": None if bio else brief(reasons.get("bio") or NO_FIELD, d.reason),
        "day": band.plain(sentences(day, d.bio // 2), persona) if day else None,
        "day_why": None if day else brief(reasons.get("typical_day") or NO_FIELD, d.reason),
        "goals": (all_goals := _items(persona, "goals", reasons, goals, d)),
        "more_goals": _rest(all_goals, glanced, "wants"),  # the card's: less what the band shows
        "values": Items(values[:4]) if values else Items([], brief(reasons.get("values") or NO_FIELD, d.reason)),
        "pains": (all_pains := _items(persona, "pains", reasons, pains, d)),
        "more_pains": _rest(all_pains, glanced, "frustrations"),
        "quote": quote and sentences(quote, 240),
        "sentiment": _sentiment(persona),
        "quote_why": None if quote else brief(reasons.get("quote") or NO_FIELD, d.reason),
        "channels": _items(persona, "channels", reasons, channels, d),
        "content": _items(persona, "content", reasons, [], d),
        "triggers": _items(persona, "triggers", reasons, [], d),
        "objections": _objections(persona, reasons, d),
        "traits": shown,
        "traits_svg": Markup(trait_bars_svg(shown, c.base)),
        "traits_why": None if traits else brief(reasons.get("traits") or "no value stands out", d.reason),
        "value": value(persona, d.reason),
        "committee": committee(persona, d),
        "recs": _recommendations(persona, d),
        "tested": tested_line(dict(persona)),  # the A/B tests read for the persona, in one line
        "says": says_line(persona),  # the first says-against-does contradiction, in one line
        "more_recs": _recommendations(
            persona, d, shown=next(x["items"] for x in glanced["lists"] if x["key"] == "actions")
        ),
        "analysts": band.analysts(persona, traits[: d.traits], unknown),
        "link": (link := band.link(persona, base_url)),
        "more_where": "on the persona's page" if link else "in the full report",
        "title": title,
        "run_id": run_id,
    }


def says_line(persona: Mapping[str, Any]) -> str | None:
    """The card's line on what the persona's customers say against what they do: the first contradiction of
    ``says_vs_does`` (and how many more), None without one."""
    items = [x for x in persona.get("says_vs_does") or [] if isinstance(x, Mapping)]
    if not items:
        return None
    x, more = items[0], len(items) - 1
    says, does = as_dict(x.get("says")), as_dict(x.get("does"))
    sayers, others = float(x.get("share_sayers") or 0.0), float(x.get("share_others") or 0.0)
    line = (
        f"{style.pct(sayers)} of those who say “{says.get('value')}” show {str(does.get('family')).lower()} "
        f"“{does.get('value')}”, against {style.pct(others)} of the others"
    )
    return line + (f" (and {more} more)" if more else "")
