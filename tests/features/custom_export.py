"""A HubSpot contacts export with custom properties ("Use case", "Team size", "Seats"), generated with a fixed seed.

Three planted groups of contacts differ by job title and by their custom properties; a share
of each property is noise, and some cells are empty (a property nobody filled in).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Job Title", "Lifecycle Stage", "Buying Role",
    "Create Date", "Country/Region", "Use case", "Team size", "Seats",
]  # fmt: skip
TEAM_SIZES = ["1-10", "11-50", "51-200", "201-1000"]
# group -> (job titles, buying role, use case, team size index, seats mean)
GROUPS = {
    "finance": (("CFO", "Controller", "VP Finance"), "Decision Maker", "Reporting", 0, 5),
    "engineering": (("Software Engineer", "DevOps Engineer", "Developer"), "End User", "API integration", 2, 80),
    "operations": (("Operations Manager", "Office Manager", "Ops Lead"), "Influencer", "Approvals", 1, 20),
}
USE_CASES = ["Reporting", "API integration", "Approvals"]


def write_export(path: Path, contacts: int = 900, seed: int = 5) -> dict[str, str]:
    """Write the export to ``path``; return each contact's planted group by Record ID."""
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    truth: dict[str, str] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(HEADER)
        for i in range(contacts):
            g = names[i % len(names)]
            titles, role, use, size, seats = GROUPS[g]
            rid = str(500000000000 + i)
            truth[rid] = g
            use_case = use if rng.random() < 0.8 else str(rng.choice(USE_CASES))
            if rng.random() < 0.01:
                use_case = f"Rare use {i}"  # a value too rare to publish: folded into "other"
            team = TEAM_SIZES[min(3, max(0, size + int(rng.choice([-1, 0, 0, 0, 1]))))]
            out.writerow(
                [
                    rid, f"First{i}", f"Last{i}", f"person{i}@company{i % 97}.example", str(rng.choice(titles)),
                    "Customer", role if rng.random() < 0.85 else "", "2024-03-01 10:00", "United States",
                    use_case if rng.random() < 0.95 else "", team, str(int(rng.poisson(seats))),
                ]
            )  # fmt: skip
    return truth


CONFIG = """name = "custom features"
seed = 3

[[sources]]
kind = "hubspot_contacts"
path = "data/hubspot-crm-exports-all-contacts.csv"
[sources.features]
"Use case" = "categorical"
"Team size" = { type = "ordinal", order = ["1-10", "11-50", "51-200", "201-1000"] }
"Seats" = "numeric"

[text]
method = "tfidf"
"""


def write_workspace(root: Path, contacts: int = 900, seed: int = 5) -> Path:
    """The export and a config declaring its custom properties under ``root``; the config's path."""
    write_export(root / "data" / "hubspot-crm-exports-all-contacts.csv", contacts, seed)
    config = root / "personacraft.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config
