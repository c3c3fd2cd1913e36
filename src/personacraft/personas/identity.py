"""The persona as a person: an invented name, and the age, occupation, location and income most have.

Each fact comes with the sentence that cites it; only the name is invented. :func:`badge` is the one
place that decides how a persona is named, lettered and coloured on every page, card and export.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from faker import Faker

from personacraft.personas.facts import Facts, pct, top, variant
from personacraft.segment.profile import cell_facts
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
# the persona colours, in persona order (persona i: PALETTE[i % len(PALETTE)]); render.charts re-exports them
PALETTE = ["#2f6690", "#d1495b", "#3a7d44", "#edae49", "#6c4f9e", "#00798c", "#8c564b", "#4d5359"]


@dataclass(frozen=True)
class Badge:
    """How a persona is shown everywhere: its invented person (the headline), the segment name it stands
    for (also the CRM export's ``Persona``), the avatar's initials and the persona colour."""

    id: str
    name: str  # the segment's name ("Deal-seeking mobile shoppers"): personas.json ``name``, the CRM export
    person: str | None  # the invented person ("Gary Wilson"): ``story.name``
    initials: str
    color: str

    @property
    def who(self) -> str:
        """The headline: the person when there is one, else the segment's name."""
        return self.person or self.name


def initials(name: str) -> str:
    """The avatar's letters: the first letter of the first two words ("Gary Wilson" → "GW")."""
    words = [w for w in re.split(r"[\s\-]+", name) if w and w[0].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def color(index: int) -> str:
    """The colour of the ``index``-th persona (0-based, in personas.json order)."""
    return PALETTE[index % len(PALETTE)]


def badge(persona: Mapping[str, Any], index: int) -> Badge:
    """The name, initials and colour of the ``index``-th persona (a ``personas.json`` persona dict)."""
    pid = str(persona.get("id") or f"p{index + 1}")
    name = str(persona.get("name") or "").strip() or pid
    story = persona.get("story")
    person = str(story.get("name") or "").strip() if isinstance(story, Mapping) else ""
    return Badge(id=pid, name=name, person=person or None, initials=initials(person or name), color=color(index))


AGE_WORDS = re.compile(r"\b(how old|your age|age group|age range|age)\b", re.I)
INCOME_WORDS = re.compile(r"\b(income|salary|earn)\b", re.I)


def persona_name(run: Run, pid: str, country: str | None, seed: int, taken: set[str], prefer: str = "") -> str:
    """A person's name for the persona: the country's Faker locale, unique, never a customer's name;
    ``prefer`` (the person of the previous run) is tried first."""
    fake = Faker(LOCALES.get((country or "").upper(), "en_US"))
    fake.seed_instance(seed * 1009 + variant(pid, "name") % 100_000)
    for attempt in range(200):
        full = prefer if prefer and attempt == 0 else f"{fake.first_name()} {fake.last_name()}"
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


def identity(
    run: Run,
    pid: str,
    cells: list[dict[str, Any]],
    p: int,
    f: Facts,
    *,
    min_n: int,
    seed: int,
    taken: set[str],
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The story's ``name``, ``age``, ``occupation``, ``location`` and ``income``, said in ``f``; the person
    of ``previous`` (the persona's story in the previous run) is kept while its country is still the most common."""
    story: dict[str, Any] = {}
    country = top(cells, p, "Country", min_n)
    code = str(country["value"]) if country else None
    where = COUNTRY_NAMES.get(code.upper(), code) if code else None
    prefer = str(previous.get("name") or "") if previous and previous.get("location") == where else ""
    story["name"] = persona_name(run, pid, code, seed, taken, prefer)
    f.say(
        "name",
        f"{story['name']} is an invented name, drawn for "
        + (f"the persona's most common country, {country['value']}." if country else "an unknown country (en_US)."),
        [cell_facts(country)] if country else [],
        "Faker name lists of the dominant country's locale; never a customer's name",
    )
    age = top(cells, p, AGE_WORDS, min_n)
    story["age"] = str(age["value"]) if age else None
    if age:
        f.say("age", f"Age {age['value']}: the most common answer ({pct(age['share'])}).", [cell_facts(age)], "survey")
    else:
        f.missing["age"] = "no age or birth date, and no survey question about age, for enough members"
    job = top(cells, p, "Job title", min_n)
    seniority = top(cells, p, "Seniority", min_n)
    function = top(cells, p, "Job function", min_n)
    if job:
        story["occupation"] = str(job["value"])
        basis = [job] + [c for c in (seniority, function) if c]
        f.say(
            "occupation",
            f"Works as {job['value']}"
            + (f", {seniority['value']} in {function['value']}" if seniority and function else "")
            + f" (the most common title, {pct(job['share'])}).",
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
            f"Lives in {story['location']} ({pct(country['share'])} of members).",
            [cell_facts(country)],
            "customer records",
        )
    else:
        story["location"] = None
        f.missing["location"] = "no country known for enough members"
    income = top(cells, p, INCOME_WORDS, min_n)
    story["income"] = str(income["value"]) if income else None
    if income:
        f.say("income", f"Income: {income['value']} ({pct(income['share'])}).", [cell_facts(income)], "survey")
    else:
        f.missing["income"] = "no income in the sources (no survey question about it)"
    return story
