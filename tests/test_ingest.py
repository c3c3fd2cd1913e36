"""Ingest across files and runs: unchanged is a no-op, newer exports update, copies are read once."""

from pathlib import Path

from personacraft.config import load_config
from personacraft.ingest import ingest
from personacraft.sources import fingerprint, make_source
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
