"""The CoIL 2000 insurance customers sample (tests/data/caravan) as a workspace whose attributes are declared features.

Shared by ``tests/features/test_caravan.py`` and ``benchmarks/caravan_personas.py``. The build sees the 41
sociodemographic attributes only, each declared ``ordinal`` (ordered bands 0-9); the data vendor's
customer main type and subtype (``MOSHOOFD``, ``MOSTYPE``) are left out, to score the personas.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "caravan" / "caravan_sample.csv"
GROUPS = ("MOSHOOFD", "MOSTYPE")  # the vendor's main type and subtype: never given to the build
LEFT_OUT = (*GROUPS, "customer", "Purchase")
SEED = 7


def attributes(path: Path = DATA) -> list[str]:
    """The columns declared as features: every sociodemographic attribute but the vendor's groups."""
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    return [c for c in header if c not in LEFT_OUT]


def write_config(root: Path, *, k: int | None = None, data: Path = DATA) -> Path:
    """The sample under ``root`` with a config declaring its attributes as ordinal features; the config's path."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(data, root / "data" / data.name)
    features = "\n".join(f'{c} = "ordinal"' for c in attributes(data))
    segment = f"\n[segment]\nk = {k}\n" if k else ""
    config = root / "personacraft.toml"
    config.write_text(
        f'name = "Insurance customers (CoIL 2000)"\nseed = {SEED}\n\n[[sources]]\nkind = "csv"\n'
        f'path = "data/{data.name}"\ntable = "customers"\n[sources.columns]\ncustomer_id = "customer"\n'
        f'[sources.features]\n{features}\n{segment}\n[text]\nmethod = "tfidf"\n',
        encoding="utf-8",
    )
    return config
