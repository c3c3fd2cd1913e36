"""Finding the data files under the paths given to ``init``, and what each one holds as a DuckDB view.

Every file is looked at: CSV, TSV, Excel workbooks (one entry per sheet of data), JSON lines
(``.jsonl``, ``.ndjson`` or ``.json``), Parquet, notes (``.md``/``.txt`` with front matter or
text), and zip archives of those (members are streamed to a scratch folder, never beside the
user's files). A file that cannot be used is kept as a :class:`Skipped` with the reason.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from personacraft.errors import InputFormatError
from personacraft.sources.columns import lit, q
from personacraft.sources.reading import containers
from personacraft.sources.reading.files import detect_encoding, text_copy

DELIMITED = (".csv", ".tsv", ".tab", ".psv")
JSONL = (".jsonl", ".ndjson", ".json")
NOTES = (".md", ".markdown", ".txt")
SAMPLE_ROWS = 5000  # rows read to tell kinds and map columns (joins use whole columns)
SHEET_ROWS = 100_000  # rows of a workbook sheet read by init (the build reads all)


@dataclass
class Candidate:
    """One table-shaped thing a config entry could point at: a file, a zip member or a sheet."""

    path: Path  # as the config names it (a zip member or sheet after "!"), absolute
    display: str  # the name shown to the user
    format: str  # csv | jsonl | parquet | notes
    local: Path  # a plain file holding the data (the file itself or a scratch copy)
    columns: list[str] = field(default_factory=list)  # flattened names for JSON (a.b.c)
    view: str = ""  # the DuckDB view over every row, every column as text
    sample: str = ""  # a table of the view's first SAMPLE_ROWS rows (read once)
    rows: int = 0  # rows in the sample
    note: str = ""  # something the user should know (e.g. a workbook with several sheets)


@dataclass(frozen=True)
class Skipped:
    """A file ``init`` did not use, and why."""

    display: str
    reason: str


def _display(path: Path, bases: list[Path]) -> str:
    for base in bases:
        try:
            return str(path.relative_to(base.parent if base.is_file() else base))
        except ValueError:
            continue
    return str(path)


def walk(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Every file under ``paths`` (hidden files and folders, like the workspace, are left out), sorted."""
    files: list[Path] = []
    missing: list[Skipped] = []
    for base in paths:
        if base.is_file():
            files.append(base.resolve())
        elif base.is_dir():
            # a build's own outputs (a folder holding personas.json) are not exports
            outputs = {p.parent for p in base.rglob("personas.json")}
            for out in sorted(outputs):
                missing.append(
                    Skipped(str(out.relative_to(base)) + "/", "holds a personacraft build's outputs; not read")
                )
            for p in sorted(base.rglob("*")):
                rel = p.relative_to(base).parts
                hidden = any(part.startswith(".") for part in rel)
                if p.is_file() and not hidden and not any(o in p.parents for o in outputs):
                    files.append(p.resolve())
        else:
            missing.append(Skipped(str(base), "does not exist"))
    return sorted(dict.fromkeys(files)), missing


def discover(con: duckdb.DuckDBPyConnection, paths: list[Path], scratch: Path) -> tuple[list[Candidate], list[Skipped]]:
    """The candidates under ``paths`` (each with its view in ``con``) and the files skipped, with reasons."""
    files, skipped = walk(paths)
    bases = [p.resolve() for p in paths]
    found: list[Candidate] = []
    for path in files:
        name = _display(path, bases)
        if path.name.endswith(".toml"):
            continue
        try:
            found.extend(_open(path, name, scratch, skipped))
        except InputFormatError as exc:
            skipped.append(Skipped(name, exc.problem))
    notes = [c for c in found if c.format == "notes"]
    out = [c for c in found if c.format != "notes"]
    for i, cand in enumerate(out):
        try:
            _view(con, cand, f"f{i}", scratch)
        except (duckdb.Error, ValueError, UnicodeDecodeError) as exc:
            skipped.append(Skipped(cand.display, f"could not be read ({str(exc).splitlines()[0][:160]})"))
            cand.view = ""
    return [c for c in out if c.view] + notes, skipped


def _open(path: Path, name: str, scratch: Path, skipped: list[Skipped]) -> list[Candidate]:
    """The candidates one file on disk holds (several for a zip or a workbook)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        skipped.append(Skipped(name, "is empty (0 bytes)"))
        return []
    if suffix == ".zip":
        return _zip(path, name, scratch, skipped)
    return _plain(path, path, name, scratch, skipped)


def _plain(config_path: Path, local: Path, name: str, scratch: Path, skipped: list[Skipped]) -> list[Candidate]:
    suffix = local.suffix.lower()
    if suffix in DELIMITED:
        return [Candidate(config_path, name, "csv", local)]
    if suffix == ".parquet":
        return [Candidate(config_path, name, "parquet", local)]
    if suffix in JSONL:
        problem = _json_problem(local)
        if problem:
            skipped.append(Skipped(name, problem))
            return []
        return [Candidate(config_path, name, "jsonl", local)]
    if suffix in NOTES:
        return [Candidate(config_path, name, "notes", local)]
    if suffix in containers.EXCEL:
        return _sheets(config_path, local, name, scratch, skipped)
    if suffix in (".xls", ".numbers", ".ods"):
        skipped.append(Skipped(name, f"is a {suffix} spreadsheet; save it as .xlsx or CSV"))
        return []
    kind = "an image" if suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff") else ""
    skipped.append(Skipped(name, f"is {kind or 'not a data file'} ({suffix or 'no extension'}); not read"))
    return []


def _json_problem(path: Path) -> str:
    """Why a .json/.jsonl file is not JSON lines (empty when it is)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
    first = next((line for line in head.splitlines() if line.strip()), "")
    if first.lstrip().startswith("["):
        return "is a JSON array; the build reads JSON lines (one object a line): convert it with jq -c '.[]'"
    try:
        doc = json.loads(first)
    except ValueError:
        return "is one JSON document, not JSON lines (one record a line); not read"
    return "" if isinstance(doc, dict) else "holds no JSON objects; not read"


def _zip(path: Path, name: str, scratch: Path, skipped: list[Skipped]) -> list[Candidate]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        skipped.append(Skipped(name, f"is not a readable zip archive ({exc})"))
        return []
    out: list[Candidate] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")]
        if not infos:
            skipped.append(Skipped(name, "is an empty zip archive"))
        for info in infos:
            member = f"{name}{containers.SEP}{info.filename}"
            if containers.encrypted(info):
                skipped.append(Skipped(member, "is password-protected; unzip it with its password first"))
                continue
            if info.file_size == 0:
                skipped.append(Skipped(member, "is empty (0 bytes)"))
                continue
            suffix = Path(info.filename).suffix.lower()
            if suffix == ".zip":
                skipped.append(Skipped(member, "is a zip inside a zip; unzip the outer one first"))
                continue
            target = scratch / f"z{len(list(scratch.iterdir()))}_{Path(info.filename).name}"
            try:
                containers.extract(path, info.filename, target)
            except InputFormatError as exc:
                skipped.append(Skipped(member, exc.problem))
                continue
            config_path = Path(f"{path}{containers.SEP}{info.filename}")
            out.extend(_plain(config_path, target, member, scratch, skipped))
    return out


def _sheets(config_path: Path, local: Path, name: str, scratch: Path, skipped: list[Skipped]) -> list[Candidate]:
    try:
        names = containers.sheet_names(local)
    except InputFormatError as exc:
        skipped.append(Skipped(name, exc.problem))
        return []
    if not names:
        skipped.append(Skipped(name, "is an Excel workbook with no sheet of data"))
        return []
    out = []
    several = len(names) > 1
    for sheet in names:
        target = scratch / f"x{len(list(scratch.iterdir()))}_{local.stem}.csv"
        containers.sheet_to_csv(local, sheet, target, rows=SHEET_ROWS)
        path = Path(f"{config_path}{containers.SEP}{sheet}") if several else config_path
        display = f"{name}{containers.SEP}{sheet}" if several else name
        note = (
            f"{name} has {len(names)} sheets of data ({', '.join(names)}): each is its own entry, "
            f'named with "!" (e.g. "{name}{containers.SEP}{names[0]}")'
            if several
            else ""
        )
        out.append(Candidate(path, display, "csv", target, note=note))
    return out


def _view(con: duckdb.DuckDBPyConnection, cand: Candidate, name: str, scratch: Path) -> None:
    """Create view ``name`` over the candidate, every column as text; fill its columns and sample row count."""
    src = lit(str(cand.local))
    if cand.format == "csv":
        if detect_encoding(cand.local) != "utf-8":
            src = lit(str(_utf8(cand.local, scratch / f"{name}.utf8.csv")))
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_csv({src}, header = true, all_varchar = true, "
            "ignore_errors = true, max_line_size = 67108864)"
        )
    elif cand.format == "parquet":
        names = [d[0] for d in con.execute(f"SELECT * FROM read_parquet({src}) LIMIT 0").description or []]
        cols = ", ".join(f"CAST({q(n)} AS VARCHAR) AS {q(n)}" for n in names)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} FROM read_parquet({src})")
    else:
        paths = _json_paths(cand.local)
        if not paths:
            raise ValueError("no JSON object found")
        cols = ", ".join(f"json_extract_string(j, {lit(_pointer(p))}) AS {q('.'.join(p))}" for p in paths)
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} FROM (SELECT j FROM read_csv({src}, "
            "columns = {'j': 'VARCHAR'}, header = false, delim = '\\x1e', quote = '', escape = '', "
            "auto_detect = false, max_line_size = 67108864) WHERE json_valid(j) AND left(ltrim(j), 1) = '{')"
        )
    cand.view = name
    cand.columns = [d[0] for d in con.execute(f"SELECT * FROM {name} LIMIT 0").description or []]
    cand.sample = f"{name}_sample"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {cand.sample} AS SELECT * FROM {name} LIMIT {SAMPLE_ROWS}")
    cand.rows = int(con.execute(f"SELECT count(*) FROM {cand.sample}").fetchone()[0])  # type: ignore[index]
    if not cand.rows:
        raise ValueError("it holds a header but no rows")


def _utf8(path: Path, target: Path) -> Path:
    """A UTF-8 copy of a text file in another encoding (cp1252, latin-1, UTF-16), streamed."""
    with text_copy(path, target.parent) as (readable, _):
        shutil.copyfile(readable, target)
    return target


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _json_paths(path: Path, lines: int = 200) -> list[tuple[str, ...]]:
    """The key paths of the first JSON objects: top-level keys, and keys of nested objects up to three deep."""
    seen: dict[tuple[str, ...], None] = {}

    def visit(obj: dict[str, object], prefix: tuple[str, ...]) -> None:
        for k, v in obj.items():
            here = (*prefix, str(k))
            seen.setdefault(here, None)
            if isinstance(v, dict) and len(here) < 3:
                visit(v, here)

    with path.open(encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh):
            if i >= lines:
                break
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict):
                visit(doc, ())
    return list(seen)
