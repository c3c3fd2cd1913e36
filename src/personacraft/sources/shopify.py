"""Shopify admin exports: Customers and Orders CSV, as Shopify writes them."""

from __future__ import annotations

from typing import ClassVar

from personacraft.errors import MissingColumnError
from personacraft.sources.base import Source, register
from personacraft.sources.columns import Col, q
from personacraft.sources.reading.delimited import csv_header, read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

TS_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
TS_EXAMPLE = "2025-02-28 13:05:00 +0000"


def _ts(present: bool = False) -> Col:
    return Col("timestamp", present=present, formats=TS_FORMATS, example=TS_EXAMPLE)


@register
class ShopifyCustomers(Source):
    """Admin → Customers → Export (CSV for Excel or plain CSV)."""

    kind = "shopify_customers"
    tables = ("customers",)
    description = "Shopify customers export (current layout, and the older layout before 2023)."

    SPECS: ClassVar[dict[str, Col]] = {
        "Customer ID": Col(),
        "First Name": Col(),
        "Last Name": Col(),
        "Email": Col(),
        "Accepts Email Marketing": Col("bool", example="yes"),
        "Default Address Company": Col(),
        "Default Address City": Col(),
        "Default Address Province Code": Col(),
        "Default Address Country Code": Col(),
        "Phone": Col(),
        "Total Spent": Col("money", example="123.45"),
        "Total Orders": Col("int", example="3"),
        "Tags": Col(),
    }
    # the layout Shopify used before the 2023 customer export redesign
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Accepts Email Marketing": ("Accepts Marketing",),
        "Default Address Company": ("Company",),
        "Default Address City": ("City",),
        "Default Address Province Code": ("Province Code",),
        "Default Address Country Code": ("Country Code",),
        "Phone": ("Default Address Phone",),
    }
    REQUIRED_ANY = ("Email", "Customer ID")

    def load_file(self, run: Run, file: FileLoad) -> None:
        header = csv_header(run, file)
        if not any(c in header for c in self.REQUIRED_ANY):
            raise MissingColumnError(file.path, list(self.REQUIRED_ANY), header, self.kind)
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES, header=header)
        reject_where(
            run,
            file,
            "_stage",
            '"Email" IS NULL AND "Customer ID" IS NULL AND "Phone" IS NULL',
            "Email",
            "NULL",
            "'has no Email, Customer ID or Phone to identify the customer'",
        )
        insert(
            run,
            file,
            "customers",
            {
                # Shopify prefixes ids with ' so spreadsheets keep all digits
                "customer_id": "'shopify:' || ltrim(\"Customer ID\", '''')",
                "email": '"Email"',
                "phone": '"Phone"',
                "first_name": '"First Name"',
                "last_name": '"Last Name"',
                "company": '"Default Address Company"',
                "city": '"Default Address City"',
                "region": '"Default Address Province Code"',
                "country": 'upper("Default Address Country Code")',
                "accepts_marketing": '"Accepts Email Marketing"',
            },
            "_stage",
        )


@register
class ShopifyOrders(Source):
    """Admin → Orders → Export: one row per line item, order fields on the first row."""

    kind = "shopify_orders"
    tables = ("orders", "order_lines")
    description = "Shopify orders export (one row per line item)."

    SPECS: ClassVar[dict[str, Col]] = {
        "Name": Col(required=True),
        "Email": Col(present=True),
        "Financial Status": Col(),
        "Paid at": _ts(),
        "Currency": Col(),
        "Subtotal": Col("money", example="49.90"),
        "Shipping": Col("money", example="4.90"),
        "Total": Col("money", present=True, example="54.80"),
        "Discount Code": Col(),
        "Discount Amount": Col("money", example="5.00"),
        "Created at": _ts(present=True),
        "Created at@local": Col("timestamp", formats=TS_FORMATS, local=True),
        "Lineitem quantity": Col("int", present=True, example="1"),
        "Lineitem name": Col(present=True),
        "Lineitem price": Col("money", present=True, example="24.95"),
        "Lineitem sku": Col(),
        "Cancelled at": _ts(),
        "Source": Col(),
        "Id": Col(),
        "Vendor": Col(),
    }

    # what the first row of an order carries (the orders table is built from these)
    ORDER_FIELDS = (
        "Name",
        "Email",
        "Financial Status",
        "Currency",
        "Total",
        "Discount Code",
        "Discount Amount",
        "Created at",
        "Created at@local",
        "Cancelled at",
        "Source",
    )

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage")
        # the first row of an order carries the order fields; later rows only the line
        order_fields = ", ".join(q(c) for c in self.ORDER_FIELDS)
        heads = (
            f'SELECT _line, {order_fields} FROM _stage WHERE "Total" IS NOT NULL OR "Financial Status" IS NOT NULL '
            'QUALIFY row_number() OVER (PARTITION BY "Name" ORDER BY _line) = 1'
        )
        run.execute(f"CREATE OR REPLACE TEMP TABLE _heads AS {heads}")
        if reject_where(
            run,
            file,
            "_stage",
            '_line IN (SELECT _line FROM _heads WHERE "Created at" IS NULL)',
            "Created at",
            "NULL",
            "'is empty on the first row of the order; an order needs its date'",
        ):
            run.execute(f"CREATE OR REPLACE TEMP TABLE _heads AS {heads}")
        reject_where(
            run,
            file,
            "_stage",
            '"Name" NOT IN (SELECT "Name" FROM _heads)',
            "Name",
            '"Name"',
            "'belongs to an order whose first row (with its Total) is missing or was rejected'",
        )
        insert(
            run,
            file,
            "orders",
            {
                "order_id": "'shopify:' || \"Name\"",
                "customer_id": "NULL",
                "email": '"Email"',
                "ordered_at": '"Created at"',
                "ordered_at_local": '"Created at@local"',
                "amount": '"Total"',
                "currency": '"Currency"',
                "discount_amount": 'coalesce("Discount Amount", 0)',
                "discount_code": '"Discount Code"',
                "status": 'CASE WHEN "Cancelled at" IS NOT NULL THEN \'cancelled\' ELSE "Financial Status" END',
                "channel": '"Source"',
            },
            "_heads",
        )
        # a product title is "Product - Variant"; the product family is the part before
        insert(
            run,
            file,
            "order_lines",
            {
                "order_id": "'shopify:' || \"Name\"",
                "product": "trim(split_part(\"Lineitem name\", ' - ', 1))",
                "sku": '"Lineitem sku"',
                "category": "NULL",
                "quantity": 'coalesce("Lineitem quantity", 1)',
                "price": '"Lineitem price"',
            },
            "_stage",
        )
