"""The retail demo's beliefs: a planted says-against-does contradiction, and ``hypotheses.yaml`` with ten claims.

**The contradiction.** A fifth (:data:`SHARE`) of the Weekend Adventurers are *contrarians*: when they
answer the survey, their main goal is "Save money on everyday things", yet they never use a discount
code. Elsewhere in the shop, those who say they shop to save money use codes far more than the others
(most of them are Deal Hunters), so inside this one persona what is said and what is done point opposite
ways. The contrarians are drawn from a random stream of their own (:func:`contrarians`), and the shop's
main stream draws exactly what it drew before: with ``says_does=False`` the demo is the one written
before the plant existed.

**The claims** (:data:`CLAIMS`, written as ``hypotheses.yaml`` next to the config, which names it in
``[beliefs] file``) are about all customers, so they hold whatever the personas are called at any size:
4 true, 3 false, 2 naming what this shop does not record, and a hand-made persona that does not exist.
:data:`EXPECTED` is the verdict each should get (``tests/hypotheses/test_demo_claims.py``).
"""

from __future__ import annotations

import numpy as np

from personacraft.demo.retail_personas import GOALS, PERSONAS

PERSONA = "Weekend Adventurer"
GOAL = GOALS[0]  # "Save money on everyday things"
SHARE = 0.2
STREAM = 19  # the second word of the contrarians' seed sequence: [seed, STREAM, chunk]


def contrarians(seed: int, part: int, pidx: np.ndarray) -> np.ndarray:
    """Which customers of this chunk (persona indices ``pidx``) are contrarians: say "save money", never use a
    code."""
    who = np.random.default_rng([seed, STREAM, part]).random(len(pidx)) < SHARE
    return who & (pidx == [p.name for p in PERSONAS].index(PERSONA))


# id -> the verdict it should get (a hand-made persona's: its "verdict", matched or no_evidence)
EXPECTED = {
    "mobile-first": "supported",
    "codes-common": "supported",
    "repeat-buyers": "supported",
    "all-year": "supported",
    "sweater-shop": "contradicted",
    "young-crowd": "contradicted",
    "night-shop": "contradicted",
    "loyalty": "not_testable",
    "smartwatch": "not_testable",
    "retired-night-owl": "no_evidence",
}

CLAIMS = """\
# Beliefs about the demo shop, checked against the data by every build ([beliefs] file in
# personacraft.toml) and by `personacraft hypotheses hypotheses.yaml`. Write claims with the
# names `personacraft features` lists. Planted: the first four hold, the next three and the
# hand-made persona do not, and two name what this shop does not record (not testable).
hypotheses:
  - id: mobile-first
    claim: "Most of our customers shop on their phone"
    persona: all
    family: Device
    value: mobile
    expect: most_common
  - id: codes-common
    claim: "At least a quarter of our customers use a discount code on most orders"
    persona: all
    family: Discount use
    value: a code on most orders
    expect: at_least
    share: 0.25
  - id: repeat-buyers
    claim: "Most customers come back: four orders or more"
    persona: all
    family: Orders
    value: 4 or more orders
    expect: majority
  - id: all-year
    claim: "Most customers buy all year, not in one season"
    persona: all
    family: Season
    value: all year
    expect: most_common
  - id: sweater-shop
    claim: "A quarter of our customers buy the cashmere sweater above all"
    persona: all
    family: Top product
    value: Cashmere Crew Sweater
    expect: at_least
    share: 0.25
  - id: young-crowd
    claim: "Our customers are mostly 18 to 24"
    persona: all
    family: How old are you?
    value: 18-24
    expect: majority
  - id: night-shop
    claim: "Night is when most people shop with us"
    persona: all
    family: Shopping time
    value: night (0 to 6 h)
    expect: most_common
  - id: loyalty
    claim: "Most customers are in our gold loyalty tier"
    persona: all
    family: Loyalty tier
    value: gold
    expect: majority
  - id: smartwatch
    claim: "Smartwatch shoppers are a big group"
    persona: all
    family: Device
    value: smartwatch
    expect: at_least
    share: 0.2
personas:
  - id: retired-night-owl
    name: "The retired night-owl collector"
    size: 15%
    description: "A workshop's guess: retired customers who buy tailored coats in the small hours."
    claims:
      - family: How old are you?
        value: 55+
      - family: Shopping time
        value: night (0 to 6 h)
      - family: Top product
        value: Tailored Wool Coat
"""

CONFIG = """
[beliefs]
file = "hypotheses.yaml"  # checked by every build: the report's "Beliefs vs evidence" section
"""
