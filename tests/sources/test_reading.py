"""Files as people really have them: other encodings, delimiters and header spellings."""

import ast
from pathlib import Path

import personacraft.sources.reading
from personacraft.config import SourceConfig
from personacraft.sources import Source
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.raw import note_read
from personacraft.store import Run, Workspace
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


def test_reading_knows_nothing_of_sources() -> None:
    # the reading package sits below the connectors: it imports no Source, base or connector module
    package = Path(personacraft.sources.reading.__file__).parent
    allowed = (
        "personacraft.errors",
        "personacraft.store",
        "personacraft.engine.script",  # where the statements run: the run (DuckDB), or Spark (SparkScript)
        "personacraft.sources.columns",
        "personacraft.sources.reading",
    )
    for module in sorted(package.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        ours = [m for m in imported if m.startswith("personacraft")]
        assert all(m.startswith(allowed) for m in ours), (module.name, ours)


def test_each_file_is_handed_to_load_file_as_a_file_load(tmp_path: Path) -> None:
    seen: list[FileLoad] = []

    class Recorder(Source):
        kind = "recorder"
        tables = ("customers",)
        footer = "^Total"

        def load_file(self, run: Run, file: FileLoad) -> None:
            seen.append(file)
            assert file.readable.read_text(encoding="utf-8") == "Name\nRenée\n"
            note_read(run, file, 0)

    path = tmp_path / "people.csv"
    path.write_bytes("Name\nRenée\n".encode("cp1252"))
    src = Recorder(SourceConfig(kind="recorder", path="people.csv", name="crm"), [path])
    src.keep_raw = False
    with Workspace(tmp_path / "w.duckdb") as ws:
        acc = src.load(ws.new_run(config_hash="t", config={}, inputs=[], version="t"))
    [file] = seen
    assert (file.source, file.kind, file.path, file.encoding, file.keep_raw, file.footer) == (
        "crm",
        "recorder",
        path,
        "cp1252",
        False,
        "^Total",
    )
    assert file.readable != path and not file.readable.exists()  # the UTF-8 copy goes with the load
    assert acc.encodings == {str(path): "cp1252"} and acc.balanced
