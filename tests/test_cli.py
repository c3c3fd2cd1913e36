"""The command as a user runs it: a real process, exit codes, no tracebacks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from personacraft.errors import ConfigError, InputError, InputFormatError, SourceNotFoundError

pytestmark = pytest.mark.slow  # each test starts the command in its own process


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_demo_then_build_prints_the_report_path(tmp_path: Path) -> None:
    r = cli("demo", "--dir", "shop", "--customers", "600", "--seed", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("customers_export.csv", "orders_export.csv", "judgeme_reviews.csv", "typeform_responses.csv"):
        assert (tmp_path / "shop" / "data" / name).is_file()
    assert list((tmp_path / "shop" / "data" / "ga4").glob("*.ndjson"))
    assert (tmp_path / "shop" / "ground_truth.csv").is_file()
    # one bad date: the row is kept as a reject and reported, and the build goes on
    reviews = tmp_path / "shop" / "data" / "judgeme_reviews.csv"
    rows = reviews.read_text().splitlines(keepends=True)
    rows[3] = rows[3].replace(" UTC,", " soon,", 1)
    reviews.write_text("".join(rows))
    r = cli("build", "--config", "shop/personacraft.toml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 rejected" in r.stderr
    assert "first: judgeme_reviews.csv line 4, column 'review_date'" in r.stderr
    report = Path(r.stdout.strip().splitlines()[-1])
    assert report == tmp_path / "shop" / "out" / "report" / "index.html" and report.is_file()
    assert "Traceback" not in r.stderr
    r = cli("runs", "--config", "shop/personacraft.toml", cwd=tmp_path)
    assert r.returncode == 0 and "succeeded" in r.stderr


@pytest.mark.parametrize(
    ("setup", "code", "needle"),
    [
        ("", ConfigError.exit_code, "config file not found"),
        ('[[sources]]\nkind = "shopify_orders"\npath = "nope.csv"\n', SourceNotFoundError.exit_code, "no file matches"),
        (
            '[[sources]]\nkind = "shopify_order"\npath = "o.csv"\n',
            ConfigError.exit_code,
            'Did you mean "shopify_orders"',
        ),
        (
            '[[sources]]\nkind = "shopify_orders"\npath = "o.csv"\n',
            InputFormatError.exit_code,
            'o.csv, line 1, column "Email"',
        ),
        # brackets are the user's text, not Rich markup: they print as written
        ('name = "x"\n', ConfigError.exit_code, "personacraft.toml: no [[sources]] configured; add at least one"),
        (
            '[[sources]]\nkind = "shopify_orders"\npath = "o.csv"\n',
            InputFormatError.exit_code,
            'use kind = "csv" with a [sources.columns] mapping',
        ),
        (
            '[[sources]]\nkind = "reviews"\npath = "o.csv"\nbrandd = "x"\n',
            ConfigError.exit_code,
            'personacraft.toml [[sources]] #1 (kind = "reviews"): unknown setting "brandd". Did you mean "brand"?',
        ),
    ],
)
def test_errors_are_one_paragraph_with_their_exit_code(tmp_path: Path, setup: str, code: int, needle: str) -> None:
    if setup:
        (tmp_path / "personacraft.toml").write_text(setup)
        (tmp_path / "o.csv").write_text("Name,Total\n#1,3\n")
    r = cli("build", cwd=tmp_path)
    assert r.returncode == code, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and "Error:" in r.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    r = cli("--debug", "build", cwd=tmp_path)
    assert r.returncode == ConfigError.exit_code
    assert "Traceback" in r.stderr


def test_a_customer_list_alone_says_what_to_add(tmp_path: Path) -> None:
    """The simplest first try: a customers export and nothing else. Exit 3, and what export to add."""
    header = "Customer ID,First Name,Last Name,Email,Default Address Country Code,Total Spent,Total Orders\n"
    rows = "".join(f"{i},Ann,Lee{i},ann{i}@example.com,US,0.00,0\n" for i in range(1, 201))
    (tmp_path / "customers_export.csv").write_text(header + rows, encoding="utf-8")
    (tmp_path / "personacraft.toml").write_text(
        '[[sources]]\nkind = "shopify_customers"\npath = "customers_export.csv"\n', encoding="utf-8"
    )
    r = cli("build", cwd=tmp_path)
    assert r.returncode == InputError.exit_code == 3, r.stderr
    assert "200 customers were read (shopify_customers), but there is nothing to segment them on" in r.stderr
    assert "Add an orders, events or survey export as another [[sources]] entry" in r.stderr
    assert "Internal error" not in r.stderr and "Traceback" not in r.stderr
    # progress lines say what is happening, and no line of personacraft's code
    assert "Resolving identities" in r.stderr and "Segmenting customers" in r.stderr
    assert not re.search(r"\w+\.py:\d+", r.stderr), r.stderr
