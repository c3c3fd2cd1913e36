"""Ingest across files and runs: unchanged is a no-op, newer exports update, copies are read once."""

import inspect
import shutil
from pathlib import Path

import personacraft.ingest
from personacraft.config import load_config
from personacraft.ingest import code_files, code_fingerprint, hash_code, ingest
from personacraft.sources import REGISTRY, fingerprint, make_source, make_sources
from personacraft.store import Workspace

HEADER = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Country Code,Total Orders\n"


def _setup(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers_2025-01-01.csv").write_text(
        HEADER + "'1,Ann,Lee,ann@x.com,no,US,1\n'2,Bob,Ray,bob@x.com,no,GB,2\n"
    )
    (data / "customers_2025-02-01.csv").write_text(
        HEADER + "'2,Bob,Ray,bob.ray@x.com,yes,GB,3\n'3,Cy,Dee,cy@x.com,no,US,1\n"
    )
    cfg = tmp_path / "personacraft.toml"
    cfg.write_text('[[sources]]\nkind = "shopify_customers"\npath = "data/customers_*.csv"\n')
    return cfg


def _ingest(cfg_path: Path, finish: bool = True):  # type: ignore[no-untyped-def]
    cfg = load_config(cfg_path)
    sources = [make_source(s, cfg.root) for s in cfg.sources]
    inputs = fingerprint(sources)
    ws = Workspace(cfg.workspace_path)
    run = ws.new_run(config_hash=cfg.fingerprint(), config=cfg.to_dict(), inputs=inputs, version="t")
    [acc] = ingest(cfg, run, sources, inputs, lambda _m: None)
    rows = run.dicts(f"SELECT customer_id, email, accepts_marketing FROM {run.t('customers')} ORDER BY 1")
    if finish:
        run.finish(out_dir="", summary={})
    ws.close()
    return acc, rows


def test_a_newer_export_updates_by_natural_key(tmp_path: Path) -> None:
    acc, rows = _ingest(_setup(tmp_path))
    assert (acc.read, acc.accepted, acc.rejected, acc.superseded) == (4, 4, 0, 1)
    assert rows == [
        {"customer_id": "shopify:1", "email": "ann@x.com", "accepts_marketing": False},
        {"customer_id": "shopify:2", "email": "bob.ray@x.com", "accepts_marketing": True},
        {"customer_id": "shopify:3", "email": "cy@x.com", "accepts_marketing": False},
    ]


def test_reingesting_unchanged_files_is_a_no_op(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    first, rows1 = _ingest(cfg)
    again, rows2 = _ingest(cfg)
    assert first.reused_from is None and again.reused_from == "run_0001"
    assert rows2 == rows1
    assert (again.read, again.accepted, again.rejected) == (first.read, first.accepted, first.rejected)
    # a changed file is read again
    (tmp_path / "data" / "customers_2025-02-01.csv").write_text(HEADER + "'3,Cy,Dee,cy@x.com,no,US,1\n")
    changed, rows3 = _ingest(cfg)
    assert changed.reused_from is None and len(rows3) == 3


def test_an_identical_copy_is_read_once(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    data = tmp_path / "data"
    (data / "customers_2025-02-01 (1).csv").write_bytes((data / "customers_2025-02-01.csv").read_bytes())
    acc, rows = _ingest(cfg)
    assert acc.read == 4 and len(rows) == 3
    [(skipped, why)] = acc.skipped_files.items()
    assert "customers_2025-02-01" in skipped and why.startswith("identical to customers_2025-02-01")


def test_the_code_fingerprint_holds_the_module_of_every_registered_kind() -> None:
    hashed = {p.resolve() for p in code_files()}
    outside = {
        kind: inspect.getfile(cls)
        for kind, cls in REGISTRY.items()
        if Path(inspect.getfile(cls)).resolve() not in hashed
    }
    assert outside == {}
    # and the reading code they all share, in its subpackage
    assert Path(personacraft.ingest.__file__).parent.joinpath("sources", "reading", "delimited.py").resolve() in hashed


def test_a_change_in_a_subpackage_of_sources_changes_the_code_fingerprint(tmp_path: Path) -> None:
    root = Path(personacraft.ingest.__file__).parent
    copy = tmp_path / "personacraft"
    shutil.copytree(root / "sources", copy / "sources", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("ingest.py", "schema.py"):
        shutil.copy(root / name, copy / name)
    before = hash_code(copy)
    assert before == code_fingerprint()  # the copy is hashed as the installed code is
    nested = copy / "sources" / "reading" / "raw.py"
    nested.write_text(nested.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    changed = hash_code(copy)
    assert changed != before
    # a connector moved into a subfolder still counts, and the move itself changes the hash
    (copy / "sources" / "vendors").mkdir()
    (copy / "sources" / "stripe.py").rename(copy / "sources" / "vendors" / "stripe.py")
    assert copy / "sources" / "vendors" / "stripe.py" in code_files(copy)
    assert hash_code(copy) not in (before, changed)


FLAT = """\
[[sources]]
kind = "csv"
path = "data/sales.csv"
table = "orders"
[sources.columns]
order_id = "Order ID"
customer_id = "Customer ID"
email = "Email"
ordered_at = "Order Date"
amount = "Total"

[[sources]]
kind = "csv"
path = "data/sales.csv"
table = "customers"
[sources.columns]
customer_id = "Customer ID"
email = "Email"
country = "Country"
"""


def test_one_flat_export_feeds_two_tables_and_each_source_balances(tmp_path: Path) -> None:
    """The same file mapped to orders and to customers: two sources, each counting its own rows (issue 22 #5)."""
    (tmp_path / "data").mkdir()
    lines = [
        f"O{i},C{i % 7},c{i % 7}@example.com,2024-03-{i + 1:02d},{10 + i}.50,{'US' if i % 2 else 'DE'}"
        for i in range(20)
    ]
    (tmp_path / "data" / "sales.csv").write_text(
        "Order ID,Customer ID,Email,Order Date,Total,Country\n" + "\n".join(lines) + "\n"
    )
    (tmp_path / "personacraft.toml").write_text(FLAT)
    cfg = load_config(tmp_path / "personacraft.toml")
    sources = make_sources(cfg)
    assert [s.label for s in sources] == ["csv:sales.csv (orders)", "csv:sales.csv (customers)"]
    inputs = fingerprint(sources)
    with Workspace(cfg.workspace_path) as ws:
        run = ws.new_run(config_hash=cfg.fingerprint(), config=cfg.to_dict(), inputs=inputs, version="t")
        orders, customers = ingest(cfg, run, sources, inputs, lambda _m: None)
        assert (orders.read, orders.accepted, orders.rejected) == (20, 20, 0)
        assert (customers.read, customers.accepted, customers.rejected) == (20, 20, 0)
        assert run.scalar(f"SELECT count(*) FROM {run.t('orders')}") == 20
        assert run.scalar(f"SELECT count(DISTINCT customer_id) FROM {run.t('customers')}") == 7
        run.finish(out_dir="", summary={})
