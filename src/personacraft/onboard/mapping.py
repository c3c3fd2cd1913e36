"""A generic file's mapping onto canonical tables: which table, and which column is the key, the date, the amount.

Each canonical column has names it goes by (English, German, French, Spanish, Italian, Dutch,
Portuguese) and a value test (an email, a date, money, an id). A column's score for a canonical
column mixes the two; a name alone, or values alone, gives a weaker score. One flat export with
both order and customer columns gets two entries: ``orders`` and ``customers``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from personacraft.onboard.names import NAMES, VALUE_TEST
from personacraft.onboard.profile import Profile

LINE_COLUMNS = ("quantity", "price", "sku", "product")  # a line-level orders file (sources/order_rules.py)
CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "phone",
    "city",
    "country",
    "gender",
    "age",
    "birth_date",
    "company",
    "job_title",
)
ORDER_COLUMNS = ("customer_id", "email", "ordered_at", "amount", "order_id", "currency", "status", *LINE_COLUMNS)
CHECK_BELOW = 0.6  # a mapped column scoring less is marked CHECK


@dataclass
class Pick:
    """The file column chosen for a canonical column, its score, and the runners-up."""

    canonical: str
    column: str
    score: float
    why: str
    alternatives: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class TableMapping:
    """One proposed ``[[sources]]`` entry for a generic file: the table and the column map."""

    table: str
    picks: dict[str, Pick]
    missing: list[str]  # canonical columns the table needs that no column gave

    @property
    def confidence(self) -> float:
        needed = [
            p.score
            for c, p in self.picks.items()
            if c in ("customer_id", "email", "ordered_at", "amount", "quantity", "price")
        ]
        if self.missing or not needed:
            return 0.3 if not self.missing else 0.2
        return round(min(needed), 2)


def normalise(name: str) -> str:
    """Lower case, accents dropped, words split on anything not a letter or digit and on camelCase."""
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", s))


def name_score(canonical: str, column: str) -> float:
    """How well a column's name says it is ``canonical``: 1 exact, 0.85 all words of a name, 0.7 a close spelling."""
    col = normalise(column)
    best = 0.0
    for syn in NAMES.get(canonical, ()):
        if col == syn or col.replace(" ", "") == syn.replace(" ", ""):
            return 1.0
        words, have = syn.split(), col.split()
        if (len(words) > 1 and all(w in have for w in words)) or (
            len(words) == 1 and words[0] in have and len(have) <= 3
        ):
            best = max(best, 0.85 if len(have) - len(words) <= 1 else 0.7)
        elif difflib.SequenceMatcher(None, col, syn).ratio() >= 0.85:
            best = max(best, 0.7)
    return best


def value_score(canonical: str, p: Profile) -> float:
    """How well the column's values fit ``canonical`` (1 when they clearly do)."""
    test = VALUE_TEST.get(canonical)
    if p.n == 0:
        return 0.0
    if test is None:
        return 0.5 if p.avg_len < 40 else 0.2
    if test == "email":
        return p.email
    if test == "date":
        return p.date if p.integer < 0.5 else 0.2 * p.date
    if test == "money":
        return p.money if p.date < 0.5 and p.email == 0 else 0.0
    if test == "integer":
        return p.integer
    # an id: one token with a digit, not a date, not an amount with cents
    return p.id_like * (1 - p.date) * (1 - p.fraction) * (1 - p.email)


def score(canonical: str, p: Profile) -> tuple[float, str]:
    """A column's score for a canonical column, and why."""
    name, value = name_score(canonical, p.column), value_score(canonical, p)
    test = VALUE_TEST.get(canonical)
    if test and value < 0.5:  # the values say no, whatever the name
        return 0.25 * name * value, "values do not fit"
    if name and test:
        s = 0.55 + 0.45 * min(1.0, (name + value) / 2 + 0.1)
        return min(1.0, s), f"name and values ({test})"
    if name:
        return 0.75 * name, "name"
    if test == "email" and value >= 0.9:
        return 0.85, "values are emails"
    if test == "date" and value >= 0.9 and canonical == "ordered_at":
        return 0.55, "values are dates"
    if test == "money" and value >= 0.9 and canonical == "amount" and p.fraction > 0.3:
        return 0.5, "values are amounts with cents"
    return 0.0, ""


def _pick(canonical: str, profiles: dict[str, Profile], taken: set[str]) -> Pick | None:
    ranked = sorted(
        ((score(canonical, p), c) for c, p in profiles.items() if c not in taken), key=lambda t: (-t[0][0], t[1])
    )
    ranked = [r for r in ranked if r[0][0] > 0.2]
    if not ranked:
        return None
    (best, why), col = ranked[0]
    if canonical in ("customer_id", "order_id") and profiles[col].filled < 0.5:
        best *= 0.7
    alts = [(c, round(s, 2)) for (s, _), c in ranked[1:3]]
    return Pick(canonical, col, round(best, 2), why, alts)


def propose(profiles: dict[str, Profile]) -> list[TableMapping]:
    """The tables a generic file feeds: an A/B test's exposures, orders, customers (both for a flat sales
    export) or texts."""
    experiment = _experiment(profiles)
    if experiment is not None:
        return [experiment]
    taken: set[str] = set()
    picks: dict[str, Pick] = {}
    for canonical in ("email", "ordered_at", "amount", "order_id", "customer_id", "currency", "status"):
        pick = _pick(canonical, profiles, taken)
        if pick is not None and pick.score >= 0.35:
            # an order id that every row repeats less than a customer id would: keep both, told apart by name
            picks[canonical] = pick
            taken.add(pick.column)
    picks.update(_line_level(profiles, picks, taken))
    key = "customer_id" if "customer_id" in picks else "email" if "email" in picks else None
    people = {}
    for canonical in CUSTOMER_COLUMNS:
        pick = _pick(canonical, profiles, taken)
        if pick is not None and pick.score >= 0.5:
            people[canonical] = pick
            taken.add(pick.column)
    out: list[TableMapping] = []
    if "ordered_at" in picks and ("amount" in picks or "price" in picks):
        cols = {c: p for c, p in picks.items() if c in ORDER_COLUMNS}
        missing = [] if key else ["customer_id or email"]
        out.append(TableMapping("orders", cols, missing))
        if people and key:
            cust = {c: picks[c] for c in ("customer_id", "email") if c in picks} | people
            out.append(TableMapping("customers", cust, []))
        return out
    texts = _texts(profiles, {c: picks[c] for c in ("email", "customer_id") if c in picks})
    if texts is not None:
        return [texts]
    if key and (people or "email" in picks):
        cust = {c: picks[c] for c in ("customer_id", "email") if c in picks} | people
        created = _pick("created_at", profiles, taken | {p.column for p in people.values()})
        if created is not None and created.score >= 0.5:
            cust["created_at"] = created
        return [TableMapping("customers", cust, [])]
    if key:
        return [TableMapping("customers", {c: picks[c] for c in ("customer_id", "email") if c in picks}, [])]
    # nothing fits well: say what is missing for an orders table, the likeliest one
    missing = [c for c in ("customer_id or email", "ordered_at", "amount") if c.split(" ")[0] not in picks]
    return [TableMapping("orders", dict(picks), missing)]


def _experiment(profiles: dict[str, Profile]) -> TableMapping | None:
    """An A/B test's export: a variant column of a few values named so, an experiment column, and a customer."""
    variant = _pick("variant", profiles, set())
    if variant is None or variant.score < CHECK_BELOW or not 2 <= profiles[variant.column].distinct <= 12:
        return None
    picks, taken = {"variant": variant}, {variant.column}
    for canonical in ("experiment_id", "email", "customer_id", "exposed_at", "converted", "revenue"):
        pick = _pick(canonical, profiles, taken)
        if pick is not None and pick.score >= CHECK_BELOW:
            picks[canonical] = pick
            taken.add(pick.column)
    if "experiment_id" not in picks or not ("email" in picks or "customer_id" in picks):
        return None
    return TableMapping("experiments", picks, [])


def _line_level(profiles: dict[str, Profile], picks: dict[str, Pick], taken: set[str]) -> dict[str, Pick]:
    """The line columns of a line-level file (an order id on several rows, and a quantity): quantity, price, sku,
    product. The amount then comes from quantity × price, so a unit price taken for the amount becomes the price."""
    order = picks.get("order_id")
    if order is None or profiles[order.column].unique >= 0.9:
        return {}
    quantity = _pick("quantity", profiles, taken)
    if quantity is None or quantity.score < 0.5:
        return {}
    out = {"quantity": quantity}
    used = taken | {quantity.column}
    amount = picks.get("amount")
    if amount is not None and name_score("price", amount.column) >= 0.85:  # "Price": a unit price, not a total
        del picks["amount"]
        out["price"] = Pick("price", amount.column, amount.score, amount.why, amount.alternatives)
    elif amount is None:
        price = _pick("price", profiles, used)
        if price is not None and price.score >= 0.5:
            out["price"] = price
            used.add(price.column)
    for canonical in ("sku", "product"):
        pick = _pick(canonical, profiles, used)
        if pick is not None and pick.score >= 0.5:
            out[canonical] = pick
            used.add(pick.column)
    taken.update(p.column for p in out.values())
    return out


def _texts(profiles: dict[str, Profile], keys: dict[str, Pick]) -> TableMapping | None:
    """A texts table when one column holds free text (long, mostly distinct values)."""
    taken = {p.column for p in keys.values()}
    body = max(
        (
            p
            for c, p in profiles.items()
            if c not in taken
            and (p.avg_len >= 12 or name_score("body", c) >= 0.85)
            and p.unique >= 0.6
            and p.money < 0.5
            and p.date < 0.5
            and p.email < 0.5
        ),
        key=lambda p: (name_score("body", p.column), p.avg_len),
        default=None,
    )
    if body is None or (body.avg_len < 25 and not name_score("body", body.column)):
        return None
    picks = {"body": Pick("body", body.column, round(0.6 + 0.3 * name_score("body", body.column), 2), "long free text")}
    used = taken | {body.column}
    for canonical, target in (("text_id", "text_id"), ("rating", "rating"), ("created_at@texts", "created_at")):
        pick = _pick(canonical, profiles, used)
        if pick is not None and pick.score >= 0.5:
            pick.canonical = target
            picks[target] = pick
            used.add(pick.column)
    return TableMapping("texts", picks | keys, [])
