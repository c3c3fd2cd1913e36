"""init maps generic files with renamed columns (ten namings, six languages) onto orders and customers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.onboard import make_plan

N = 60


def _rows(seed: int) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    cust = rng.integers(1000, 1040, N)
    days = rng.integers(0, 365, N)
    cents = rng.integers(500, 40000, N)
    first = np.array(["Ann", "Bob", "Cy", "Dana", "Eli", "Fay"])[cust % 6]
    return {
        "cust": [f"C{c}" for c in cust],
        "email": [f"user{c}@example.com" for c in cust],
        "day": [str(np.datetime64("2024-01-01") + d) for d in days],
        "dmy": [(np.datetime64("2024-01-01") + d).astype(object).strftime("%d.%m.%Y") for d in days],
        "mdy": [(np.datetime64("2024-01-01") + d).astype(object).strftime("%m/%d/%Y") for d in days],
        "amount": [f"{c / 100:.2f}" for c in cents],
        "eu_amount": [f"{c / 100:.2f}".replace(".", ",") for c in cents],
        "order": [f"A{i:05d}" for i in range(N)],
        "first": list(first),
        "city": list(np.array(["Paris", "Lyon", "Lille"])[cust % 3]),
        "country": list(np.array(["FR", "DE", "ES"])[cust % 3]),
        "tier": list(np.array(["Gold", "Silver", "Bronze", "Silver"])[cust % 4]),
    }


# file name -> (columns as named in the file -> which generated values), the truth (key, date, amount), delimiter
CASES: dict[str, tuple[dict[str, str], tuple[str, str, str], str]] = {
    "sales_en.csv": (
        {"Cust No": "cust", "Purchase Date": "day", "Total Price": "amount", "Invoice": "order"},
        ("Cust No", "Purchase Date", "Total Price"),
        ",",
    ),
    "bestellungen.csv": (
        {"Kundennummer": "cust", "Bestelldatum": "dmy", "Gesamtbetrag": "eu_amount", "Bestellnummer": "order"},
        ("Kundennummer", "Bestelldatum", "Gesamtbetrag"),
        ";",
    ),
    "commandes.csv": (
        {
            "Numéro client": "cust",
            "Date de commande": "dmy",
            "Montant total": "eu_amount",
            "N° commande": "order",
            "Prénom": "first",
            "Ville": "city",
        },
        ("Numéro client", "Date de commande", "Montant total"),
        ";",
    ),
    "pedidos.tsv": (
        {"Correo electrónico": "email", "Fecha de compra": "day", "Importe": "amount", "Pedido": "order"},
        ("Correo electrónico", "Fecha de compra", "Importe"),
        "\t",
    ),
    "bestellingen.csv": (
        {"Klantnummer": "cust", "Besteldatum": "day", "Bedrag": "amount"},
        ("Klantnummer", "Besteldatum", "Bedrag"),
        ",",
    ),
    "ordini.csv": (
        {"Codice cliente": "cust", "Data ordine": "dmy", "Totale": "eu_amount", "Numero ordine": "order"},
        ("Codice cliente", "Data ordine", "Totale"),
        ";",
    ),
    "pedidos_br.csv": (
        {"Cliente": "cust", "Data do pedido": "day", "Valor total": "amount"},
        ("Cliente", "Data do pedido", "Valor total"),
        ",",
    ),
    "flat_export.csv": (
        {
            "CustomerID": "cust",
            "InvoiceNo": "order",
            "InvoiceDate": "mdy",
            "Amount": "amount",
            "Email": "email",
            "First Name": "first",
            "Country": "country",
            "Tier": "tier",
        },
        ("CustomerID", "InvoiceDate", "Amount"),
        ",",
    ),
    "app_orders.jsonl": (
        {"userId": "cust", "createdAt": "day", "orderTotal": "amount"},
        ("userId", "createdAt", "orderTotal"),
        "",
    ),
    "export_42.csv": (
        {"ref": "email", "when": "day", "value_eur": "amount", "Kunde Stadt": "city"},
        ("ref", "when", "value_eur"),
        ",",
    ),
}


def write_cases(folder: Path) -> None:
    con = duckdb.connect()
    for i, (name, (cols, _, delim)) in enumerate(sorted(CASES.items())):
        data = _rows(i)
        path = folder / name
        table = {col: data[src] for col, src in cols.items()}
        if name.endswith(".jsonl"):
            import json

            lines = [json.dumps(dict(zip(table, vals, strict=True))) for vals in zip(*table.values(), strict=True)]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            continue
        lines = [delim.join(table)] + [delim.join(v) for v in zip(*table.values(), strict=True)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con.close()


def test_init_maps_key_date_and_amount_of_renamed_generic_files(tmp_path: Path) -> None:
    write_cases(tmp_path)
    plan = make_plan([tmp_path])
    orders = {e.files[0].display: e for e in plan.entries if e.table == "orders"}
    found, checked = [], []
    for name, (_, (key, date, amount), _) in sorted(CASES.items()):
        e = orders.get(name)
        got = (
            (
                e.columns.get("customer_id") or e.columns.get("email"),
                e.columns.get("ordered_at"),
                e.columns.get("amount"),
            )
            if e
            else None
        )
        if got == (key, date, amount):
            found.append(name)
            if e is not None and e.checks:
                checked.append(name)
        else:
            # not found: it must be marked for checking, or left out with its choices
            assert e is None or e.checks or not e.include, (name, got)
    print(f"generic mapping: {len(found)}/{len(CASES)} found ({len(checked)} of them marked CHECK)")
    assert len(found) >= 9, sorted(set(CASES) - set(found))
    # one flat export with customer columns feeds two tables (item 5)
    tables = {(e.files[0].display, e.table) for e in plan.entries}
    assert ("flat_export.csv", "customers") in tables and ("commandes.csv", "customers") in tables
    flat = next(e for e in plan.entries if e.files[0].display == "flat_export.csv" and e.table == "customers")
    assert flat.columns["customer_id"] == "CustomerID" and flat.columns["first_name"] == "First Name"


def test_the_written_config_reads_every_generic_file(tmp_path: Path) -> None:
    """The config init writes is valid, and each entry it keeps reads its file with no reject (dates and
    amounts of every naming parse); one flat file feeds orders and customers, each balancing on its own."""
    from personacraft.config import load_config
    from personacraft.onboard import init
    from personacraft.sources import make_sources
    from personacraft.store import Workspace

    data = tmp_path / "exports"
    data.mkdir()
    write_cases(data)
    init([data], tmp_path / "personacraft.toml")
    text = (tmp_path / "personacraft.toml").read_text()
    assert 'path = "exports/commandes.csv"' in text and "# CHECK:" in text
    # the proposed features, once uncommented, are valid config
    assert '# "Tier" = "ordinal"  # 3 values: Bronze, Gold, Silver' in text
    uncommented = text.replace("# [sources.features]", "[sources.features]").replace('# "Tier" = ', '"Tier" = ')
    (tmp_path / "with_features.toml").write_text(uncommented)
    cfg = load_config(tmp_path / "with_features.toml")
    sources = make_sources(cfg)
    assert len(sources) == 13  # ten files, three of them feeding customers too
    assert [s.config.options.get("features") for s in sources if s.config.options.get("features")] == [
        {"Tier": "ordinal"}
    ]
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        for src in sources:
            acc = src.load(run)
            assert acc.balanced and acc.rejected == 0 and acc.accepted == N, acc.to_dict()
        n = run.scalar(
            f"SELECT count(*) FROM {run.t('orders')} WHERE ordered_at IS NOT NULL AND amount > 0 "
            "AND coalesce(customer_id, email) IS NOT NULL"
        )
        assert n == 10 * N
