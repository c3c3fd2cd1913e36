"""A planted set of texts with personal data, to measure the redaction's recall.

Each text is a customer sentence with one or two pieces of personal data planted in it:
an email, a phone number (US, UK, German and French formats), a customer's own name (one
the workspace knows), another person's name (a support agent, a friend: not known to the
workspace), an order number, or a street address. Names and addresses come from Faker's
offline locale data, so the set is the same for the same seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

SENTENCES = (
    "Shipping costs are too high for small orders.",
    "The discount code did not work at checkout.",
    "The app crashes when I export a report.",
    "Great quality, the fabric lasts for years.",
    "Delivery was late and the gift missed the birthday.",
    "Onboarding took far too long for our team.",
)
TEMPLATES = {
    "email": ("Reach me at {x}.", "My email is {x} if you need it.", "Contact {x} about the refund."),
    "phone": ("Call me at {x}.", "My number is {x}, call after 5.", "Phone: {x}"),
    "known_name": ("{x} here, long-time customer.", "Thanks, {x}", "This is {x} writing again."),
    "other_name": ("{x} from support was very helpful.", "I asked {x} at the store.", "Bought it for {x}."),
    "order": ("Order {x} never arrived.", "See order {x}.", "About my order {x}, please check."),
    "address": ("Please ship to {x} next time.", "I live at {x}.", "Deliver to {x}, not the office."),
}


@dataclass(frozen=True)
class Planted:
    text: str
    pii: tuple[tuple[str, str], ...]  # (kind, the string planted)


def _phone(rng: random.Random) -> str:
    n = [rng.randint(0, 9) for _ in range(9)]
    d = "".join(map(str, n))
    return rng.choice(
        (
            f"+1 ({rng.randint(201, 989)}) 555-{d[:4]}",
            f"({rng.randint(201, 989)}) 555 {d[:4]}",
            f"{rng.randint(201, 989)}-555-{d[:4]}",
            f"020 7946 {d[:4]}",
            f"+44 7700 900{d[:3]}",
            f"+49 30 {d[:7]}",
            f"030 {d[:8]}",
            f"+33 6 {d[:2]} {d[2:4]} {d[4:6]} {d[6:8]}",
        )
    )


def _order(rng: random.Random) -> str:
    n = rng.randint(1001, 999999)
    return rng.choice((f"#{n}", f"number {n}", f"no. {n}", f"#{n}"))


def planted_pii(n: int = 600, seed: int = 0) -> tuple[list[Planted], list[tuple[str, str]]]:
    """``n`` texts with planted personal data, and the (first, last) names the workspace knows."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES")}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed + i)
    known = [(fakers["en_US"].first_name(), fakers["en_US"].last_name()) for _ in range(200)]
    out: list[Planted] = []
    kinds = list(TEMPLATES)
    for i in range(n):
        pieces = []
        for kind in rng.sample(kinds, 2 if i % 3 == 0 else 1):
            f = fakers[rng.choice(list(fakers))]
            if kind == "email":
                x = f.email()
            elif kind == "phone":
                x = _phone(rng)
            elif kind == "known_name":
                first, last = rng.choice(known)
                x = rng.choice((f"{first} {last}", first))
            elif kind == "other_name":
                x = rng.choice((f.first_name(), f"{f.first_name()} {f.last_name()}"))
            elif kind == "order":
                x = _order(rng)
            else:
                x = fakers["en_US"].street_address()
            pieces.append((kind, x, rng.choice(TEMPLATES[kind]).format(x=x)))
        text = " ".join([rng.choice(SENTENCES), *(p[2] for p in pieces)])
        out.append(Planted(text, tuple((k, x) for k, x, _ in pieces)))
    return out, known
