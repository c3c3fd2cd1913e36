import pytest

from personacraft.errors import MissingColumnError
from tests.sources.conftest import Loader, rejects

ORDERS_HEADER = (
    "Name,Email,Financial Status,Paid at,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Cancelled at,Source,Id\n"
)


def order_row(
    name: str,
    email: str,
    created: str,
    total: str = "54.80",
    first: bool = True,
    item: str = "Mug - Blue",
    paid: str | None = None,
) -> str:
    paid = created if paid is None else paid
    if first:
        return (
            f"{name},{email},paid,{paid},USD,49.90,4.90,0.00,{total},,0.00,{created},1,{item},49.90,SKU-1,"
            '"Ann Lee",,web,1\n'
        )
    return f"{name},{email},,,,,,,,,,{created},2,{item},5.00,SKU-2,,,,\n"


def test_orders_one_row_per_line_item_order_fields_on_first(load: Loader) -> None:
    text = ORDERS_HEADER + order_row("#1001", "ann@x.com", "2024-03-01 10:00:00 -0500")
    text += order_row("#1001", "ann@x.com", "2024-03-01 10:00:00 -0500", first=False, item="Spoon - Red")
    text += order_row("#1002", " BOB@X.com ", "2024-03-02 23:30:00 +0100", total='"$1,234.50"')
    acc, run = load("shopify_orders", "orders_export.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (3, 3, 0)
    orders = run.dicts(f"SELECT * FROM {run.t('orders')} ORDER BY order_id")
    assert [o["order_id"] for o in orders] == ["shopify:#1001", "shopify:#1002"]
    assert orders[1]["amount"] == 1234.50
    # stored in UTC; the shop's wall-clock time is kept for habits
    assert str(orders[0]["ordered_at"]) == "2024-03-01 15:00:00"
    assert str(orders[0]["ordered_at_local"]) == "2024-03-01 10:00:00"
    assert str(orders[1]["ordered_at"]) == "2024-03-02 22:30:00"
    lines = run.dicts(f"SELECT * FROM {run.t('order_lines')} ORDER BY _line")
    assert [(r["product"], r["quantity"]) for r in lines] == [("Mug", 1), ("Spoon", 2), ("Mug", 1)]


def test_bad_date_is_rejected_with_line_column_and_value_not_dropped(load: Loader) -> None:
    text = ORDERS_HEADER + order_row("#1", "a@x.com", "2024-03-01 10:00:00 -0500")
    text += order_row("#2", "b@x.com", "31/02/2025", paid="")
    text += order_row("#3", "c@x.com", "2024-03-03 10:00:00 -0500")
    acc, run = load("shopify_orders", "orders_export.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (3, 2, 1)
    [r] = rejects(run)
    assert (r["line"], r["column_name"], r["value"]) == (3, "Created at", "31/02/2025")
    assert "is not a date and time" in r["reason"] and "2025-02-28 13:05:00 +0000" in r["reason"]
    # the file stays in the run as read, line by line, in file order (line = rowid + 1)
    [raw] = run.dicts(f"SELECT * FROM {run.t('raw_files')}")
    assert raw["kind"] == "shopify_orders" and raw["file"].endswith("orders_export.csv")
    kept = run.execute(f"SELECT rowid + 1, j FROM {run.t(raw['table_name'])} ORDER BY rowid").fetchall()
    assert kept == [(i + 1, line) for i, line in enumerate(text.splitlines())]
    assert "31/02/2025" in kept[2][1]


def test_truncated_row_is_rejected_with_its_line(load: Loader) -> None:
    text = ORDERS_HEADER + order_row("#1", "a@x.com", "2024-03-01 10:00:00 -0500")
    text += "#2,b@x.com,paid,2024-03-01\n"  # cut short
    text += order_row("#3", "c@x.com", "2024-03-03 10:00:00 -0500")
    text += order_row("#4", "d@x.com", "not a date")
    acc, run = load("shopify_orders", "orders_export.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (4, 2, 2)
    rows = rejects(run)
    assert [r["line"] for r in rows] == [3, 5]
    assert "MISSING COLUMNS" in rows[0]["reason"]
    assert rows[1]["value"] == "not a date"


def test_lines_of_an_order_whose_first_row_was_rejected_are_rejected_too(load: Loader) -> None:
    text = ORDERS_HEADER + order_row("#1", "a@x.com", "2024-03-01 10:00:00 -0500", total="lots")
    text += order_row("#1", "a@x.com", "2024-03-01 10:00:00 -0500", first=False)
    acc, run = load("shopify_orders", "orders_export.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (2, 0, 2)
    assert [r["line"] for r in rejects(run)] == [2, 3]


def test_multiline_cells_count_as_one_record(load: Loader) -> None:
    text = ORDERS_HEADER + order_row("#1", "a@x.com", "2024-03-01 10:00:00 -0500", item='"Mug\nwith a note"')
    text += order_row("#2", "b@x.com", "bad")
    acc, run = load("shopify_orders", "orders_export.csv", text)
    assert acc.rejected == 1
    assert rejects(run)[0]["line"] == 3  # the spreadsheet row, as Excel or Sheets show it


def test_missing_required_column_names_file_line_and_column(load: Loader) -> None:
    header = ORDERS_HEADER.replace("Created at,", "")
    body = "#1,a@x.com,paid,2024-03-01 10:00:00,USD,1,1,0,2,,0,1,Mug,1,SKU,Ann,,web,1\n"
    with pytest.raises(MissingColumnError) as exc:
        load("shopify_orders", "orders_export.csv", header + body)
    msg = str(exc.value)
    assert msg.startswith('orders_export.csv, line 1, column "Created at"')
    assert "shopify_orders" in msg


def test_customers_current_and_legacy_layouts(load: Loader) -> None:
    current = (
        "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
        "Default Address City,Default Address Province Code,Default Address Country Code,Phone,Total Spent,"
        "Total Orders,Tags\n'7012345678901,Ann,Lee,ann@x.com,yes,,Austin,TX,us,+1 512 555 0100,120.50,3,vip\n"
    )
    _, run = load("shopify_customers", "customers_export.csv", current)
    [c] = run.dicts(f"SELECT * FROM {run.t('customers')}")
    assert (c["customer_id"], c["country"], c["accepts_marketing"]) == ("shopify:7012345678901", "US", True)
    legacy = (
        "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,"
        "Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt\n"
        "Bob,Ray,bob@x.com,,1 Main St,,Leeds,,,United Kingdom,GB,LS1,,no,10.00,1,,,no\n"
    )
    _, run = load("shopify_customers", "old_customers.csv", legacy)
    [c] = run.dicts(f"SELECT * FROM {run.t('customers')}")
    assert (c["customer_id"], c["email"], c["country"], c["accepts_marketing"]) == (None, "bob@x.com", "GB", False)


def test_empty_file_reads_nothing(load: Loader) -> None:
    acc, _ = load("shopify_orders", "empty.csv", "")
    assert (acc.read, acc.accepted, acc.rejected) == (0, 0, 0)
