"""Write sales.csv: a SYNTHETIC line-level sales export in the layout of UCI "Online Retail II", with its problems.

Not real data (no registry package we reach ships a real export with these problems; see README.md).
Run from the repository root: ``python tests/data/retail_lines/make.py``. Deterministic (seed 22).
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
PRODUCTS = [  # stock code, description, unit price (GBP), family
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55, "home"),
    ("71053", "WHITE METAL LANTERN", 3.39, "home"),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75, "home"),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65, "home"),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25, "home"),
    ("22633", "HAND WARMER UNION JACK", 1.85, "gifts"),
    ("22632", "HAND WARMER RED POLKA DOT", 1.85, "gifts"),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69, "gifts"),
    ("22960", "JAM MAKING SET WITH JARS", 4.25, "gifts"),
    ("21754", "HOME BUILDING BLOCK WORD", 5.95, "gifts"),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", 2.95, "christmas"),
    ("22910", "PAPER CHAIN KIT VINTAGE CHRISTMAS", 2.95, "christmas"),
    ("23084", "RABBIT NIGHT LIGHT", 2.08, "christmas"),
    ("22197", "SMALL POPCORN HOLDER", 0.85, "party"),
    ("47566", "PARTY BUNTING", 4.95, "party"),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", 0.55, "party"),
]
POSTAGE = ("POST", "POSTAGE", 18.0)
HEADER = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Email"]
HEADER += ["Country", "Currency"]
START = datetime(2010, 1, 4, 8, 0)
DAYS = 700


def main(customers: int = 600, seed: int = 22) -> None:
    rng = np.random.default_rng(seed)
    families = sorted({p[3] for p in PRODUCTS})
    rows: list[list[str]] = []
    invoice = 500000

    def line(inv: str, prod: tuple[str, str, float], qty: int, at: datetime, cid: str, email: str, where: str) -> None:
        cur, factor = ("EUR", 1.16) if where in ("France", "Germany") else ("GBP", 1.0)
        price = prod[2] * factor
        rows.append(
            [inv, prod[0], prod[1], str(qty), f"{at:%Y-%m-%d %H:%M:%S}", f"{price:.2f}", cid, email, where, cur]
        )

    kinds = rng.choice(3, size=customers, p=[0.25, 0.35, 0.40])  # wholesale, gift shopper, occasional
    countries = rng.choice(["United Kingdom", "France", "Germany", "EIRE"], size=customers, p=[0.7, 0.1, 0.1, 0.1])
    for c in range(customers):
        kind, where = int(kinds[c]), str(countries[c])
        cid, email = str(12346 + c), (f"buyer{12346 + c}@mail.example" if rng.random() < 0.8 else "")
        favourite = ["home", "christmas", "party"][kind] if rng.random() < 0.85 else str(rng.choice(families))
        n_orders = 1 + int(rng.poisson([6.0, 2.0, 0.2][kind]))
        first = int(rng.integers(0, DAYS - 60))
        for _ in range(n_orders):
            day = first + int(rng.integers(0, DAYS - first))
            if kind == 1 and rng.random() < 0.6:  # gift shoppers buy before Christmas
                year = 2010 if day < 365 else 2011
                day = (datetime(year, 11, 1) - START).days + int(rng.integers(0, 50))
            hour = [int(rng.integers(0, 3)), 10 + int(rng.integers(0, 4)), int(rng.integers(0, 13))][kind]
            at = START + timedelta(days=day, hours=hour, minutes=int(rng.integers(0, 60)))
            invoice += 1
            picks = [p for p in PRODUCTS if p[3] == favourite or rng.random() < 0.05] or PRODUCTS[:1]
            bought = []
            for _ in range(1 + int(rng.poisson(2 if kind == 0 else 0.5))):
                prod = picks[int(rng.integers(len(picks)))]
                qty = int(rng.choice([12, 24, 48])) if kind == 0 else int(rng.integers(1, 5))
                line(str(invoice), prod, qty, at, cid, email, where)
                bought.append((prod, qty))
            if where != "United Kingdom":
                line(str(invoice), POSTAGE, 1, at, cid, email, where)
            if rng.random() < 0.06:  # a credit note a few days later returns part of one line
                prod, qty = bought[int(rng.integers(len(bought)))]
                back = at + timedelta(days=int(rng.integers(1, 20)))
                line(f"C{invoice + 900000}", prod, -max(1, qty // 2), back, cid, email, where)
    for _g in range(int(customers * 0.12)):  # guest checkouts: no customer id, no email
        invoice += 1
        at = START + timedelta(days=int(rng.integers(0, DAYS)), hours=int(rng.integers(0, 9)))
        for _ in range(1 + int(rng.poisson(2))):
            line(
                str(invoice),
                PRODUCTS[int(rng.integers(len(PRODUCTS)))],
                int(rng.integers(1, 5)),
                at,
                "",
                "",
                "United Kingdom",
            )
    for t in range(8):  # the shop's own test orders
        invoice += 1
        at = START + timedelta(days=int(rng.integers(0, DAYS)))
        line(str(invoice), PRODUCTS[t], 1, at, "99999", f"test+{t}@shop.example", "United Kingdom")
    rows.sort(key=lambda r: (r[4], r[0]))
    with (HERE / "sales.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows(rows)


if __name__ == "__main__":
    main()
