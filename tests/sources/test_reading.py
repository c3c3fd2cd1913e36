"""Files as people really have them: other encodings, delimiters and header spellings."""

from tests.sources.conftest import Loader

HEADER = ["Name", "Email", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"]


def rows(sep: str, *values: list[str]) -> str:
    return "\n".join(sep.join(r) for r in [HEADER, *values]) + "\n"


def test_cp1252_excel_resave_is_transcoded(load: Loader) -> None:
    text = rows(",", ["#1", "renée@x.com", "12.00", "2024-01-01 10:00:00", "1", "Café crème - Large", "12.00"])
    acc, run = load("shopify_orders", "orders.csv", text.encode("cp1252"))
    assert acc.encodings == {acc.files[0]: "cp1252"} and acc.accepted == 1
    [line] = run.dicts(f"SELECT product FROM {run.t('order_lines')}")
    assert line["product"] == "Café crème"
    [order] = run.dicts(f"SELECT email FROM {run.t('orders')}")
    assert order["email"] == "renée@x.com"


def test_bom_semicolons_and_european_money(load: Loader) -> None:
    text = rows(";", ["#1", "a@x.com", '"1.234,50 €"', "2024-01-01 10:00:00 +0100", "1", "Mug", "1.234,50"])
    acc, run = load("shopify_orders", "orders.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert acc.encodings == {acc.files[0]: "utf-8"} and acc.accepted == 1
    [order] = run.dicts(f"SELECT amount FROM {run.t('orders')}")
    assert order["amount"] == 1234.5


def test_utf16_tabs_and_other_header_case(load: Loader) -> None:
    header = "\t".join(h.upper() for h in HEADER)
    text = header + "\n" + "\t".join(["#1", "a@x.com", "9", "2024-01-01", "2", "Mug", "4.5"]) + "\n"
    acc, run = load("shopify_orders", "orders.csv", text.encode("utf-16"))
    assert acc.encodings == {acc.files[0]: "utf-16"} and acc.accepted == 1
    [line] = run.dicts(f"SELECT quantity, price FROM {run.t('order_lines')}")
    assert (line["quantity"], line["price"]) == (2, 4.5)


def test_extra_and_reordered_columns(load: Loader) -> None:
    header = ["Lineitem price", "Something else", *reversed(HEADER[:-1])]
    values = ["3", "x", "Mug", "1", "2024-01-01 10:00:00", "3", "a@x.com", "#7"]
    acc, run = load("shopify_orders", "orders.csv", ",".join(header) + "\n" + ",".join(values) + "\n")
    assert acc.accepted == 1
    [order] = run.dicts(f"SELECT order_id, amount FROM {run.t('orders')}")
    assert (order["order_id"], order["amount"]) == ("shopify:#7", 3.0)


def test_lines_longer_than_duckdbs_default_limit_are_read_and_kept_whole(load: Loader) -> None:
    # DuckDB reads lines of up to 2 MB by default; a pasted email thread can be longer
    note = "word " * 700_000  # 3.5 MB in one cell
    text = rows(
        ",",
        ["#1", "a@x.com", "9", "2024-01-01", "1", note.strip(), "9"],
        ["#2", "b@x.com", "5", "2024-01-02", "1", "Mug", "5"],
    )
    acc, run = load("shopify_orders", "orders.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (2, 2, 0)
    [raw] = run.dicts(f"SELECT table_name FROM {run.t('raw_files')}")
    kept = [r[0] for r in run.execute(f"SELECT j FROM {run.t(raw['table_name'])} ORDER BY rowid").fetchall()]
    assert kept == text.splitlines()

    event = '{"type": "track", "event": "Note", "userId": "u1", "timestamp": "2024-01-01T10:00:00Z", '
    lines = [event + f'"properties": {{"text": "{note.strip()}"}}}}', event.rstrip(", ") + "}"]
    acc, run = load("segment_events", "events.jsonl", "\n".join(lines) + "\n")
    assert (acc.read, acc.accepted, acc.rejected) == (2, 2, 0)
    [raw] = run.dicts(f"SELECT table_name FROM {run.t('raw_files')}")
    assert run.scalar(f"SELECT max(length(j)) FROM {run.t(raw['table_name'])}") == len(lines[0])
