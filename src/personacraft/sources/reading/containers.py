"""Files inside other files: a member of a zip archive or a sheet of an Excel workbook, as a readable copy.

A configured path names the part after a ``!``::

    path = "exports.zip!orders.csv"          # a member of a zip archive (a glob is allowed after the !)
    path = "customers.xlsx"                  # a workbook with one sheet of data
    path = "crm.xlsx!Contacts"               # one sheet of a workbook with several
    path = "exports.zip!crm.xlsx!Contacts"   # a sheet of a workbook inside a zip

The build reads such a part from a copy in the run's scratch folder (:func:`readable_copy`): a zip
member is streamed out, a sheet is written as UTF-8 CSV (python-calamine, Rust's calamine). Nothing is
written next to the user's files.
"""

from __future__ import annotations

import csv
import fnmatch
import os
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from personacraft.errors import InputFormatError

SEP = "!"
EXCEL = (".xlsx", ".xlsm")


def split(path: Path | str) -> tuple[Path, list[str]]:
    """The file on disk and the parts inside it (zip member, sheet), from a path with ``!``."""
    text = str(path)
    if SEP not in text:
        return Path(text), []
    head, *inner = text.split(SEP)
    return Path(head), inner


def is_part(path: Path | str) -> bool:
    """Whether ``path`` names a zip member or a sheet rather than a plain file."""
    return split(path)[1] != []


def expand(path: Path) -> list[Path]:
    """The zip members a configured ``archive.zip!pattern`` names (a glob after the ``!`` is allowed), sorted."""
    disk, inner = split(path)
    if not inner or disk.suffix.lower() != ".zip" or not disk.is_file():
        return [path] if inner and disk.is_file() else []
    try:
        with zipfile.ZipFile(disk) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFormatError(disk, f"is not a readable zip archive ({exc})") from exc
    pattern, rest = inner[0], inner[1:]
    hits = sorted(n for n in names if fnmatch.fnmatchcase(n, pattern)) if any(c in pattern for c in "*?[") else []
    if not hits and pattern in names:
        hits = [pattern]
    return [Path(SEP.join([str(disk), n, *rest])) for n in hits]


def size(path: Path) -> int:
    """The size in bytes of a file or zip member (a sheet counts its workbook's bytes)."""
    disk, inner = split(path)
    if inner and disk.suffix.lower() == ".zip":
        with zipfile.ZipFile(disk) as zf:
            return zf.getinfo(inner[0]).file_size
    return disk.stat().st_size


@contextmanager
def open_bytes(path: Path) -> Iterator[IO[bytes]]:
    """The bytes of a file or of a zip member (for fingerprints)."""
    disk, inner = split(path)
    if inner and disk.suffix.lower() == ".zip":
        with zipfile.ZipFile(disk) as zf, zf.open(inner[0]) as fh:
            yield fh
        return
    with disk.open("rb") as fh:
        yield fh


def encrypted(info: zipfile.ZipInfo) -> bool:
    """Whether a zip member is password-protected (bit 0 of its flags)."""
    return bool(info.flag_bits & 0x1)


def extract(archive: Path, member: str, target: Path) -> None:
    """Stream one member of ``archive`` to ``target``; a clear error when it is encrypted or damaged."""
    where = f"{archive.name}{SEP}{member}"
    try:
        with zipfile.ZipFile(archive) as zf:
            info = zf.getinfo(member)
            if encrypted(info):
                raise InputFormatError(
                    where, "is password-protected; unzip it with its password and point the config at the file"
                )
            with zf.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
    except KeyError as exc:
        raise InputFormatError(archive, f'holds no member "{member}"') from exc
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise InputFormatError(where, f"cannot be read from the archive ({exc})") from exc


def _cell(value: Any) -> str:
    """A cell as CSV text: dates in ISO form, whole floats without ``.0``, empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def sheet_names(book: Path) -> list[str]:
    """The names of the sheets of a workbook that hold at least one cell."""
    wb = _open_book(book)
    return [name for name in wb.sheet_names if _filled(wb, name)]


def _filled(wb: Any, name: str) -> bool:
    rows = wb.get_sheet_by_name(name).to_python(nrows=5)
    return any(any(v is not None and str(v).strip() for v in row) for row in rows)


def _open_book(book: Path) -> Any:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # a base dependency; only a broken install lacks it
        raise InputFormatError(book, "is an Excel workbook, and reading it needs python-calamine") from exc
    try:
        return CalamineWorkbook.from_path(str(book))
    except Exception as exc:  # calamine raises its own errors for a damaged or encrypted workbook
        raise InputFormatError(book, f"is not a readable Excel workbook ({type(exc).__name__}: {exc})") from exc


def sheet_to_csv(
    book: Path, sheet: str | None, target: Path, *, label: str | None = None, rows: int | None = None
) -> str:
    """Write one sheet of ``book`` as UTF-8 CSV to ``target`` (the first ``rows`` rows only, when given).

    Without ``sheet`` the workbook must hold one sheet of data; else the error names its sheets.
    Returns the sheet's name. The sheet is read by calamine (Rust): 100k rows of 10 columns take
    about a second, where openpyxl took over ten.
    """
    name = label or book.name
    wb = _open_book(book)
    filled = [s for s in wb.sheet_names if _filled(wb, s)]
    if sheet is None:
        if len(filled) != 1:
            shown = ", ".join(f'"{s}"' for s in filled) or "none"
            raise InputFormatError(
                name,
                f"is an Excel workbook with {len(filled)} sheets of data ({shown}); name one in the path, "
                f'e.g. path = "{name}{SEP}{filled[0] if filled else "Sheet1"}"',
            )
        sheet = filled[0]
    if sheet not in wb.sheet_names:
        raise InputFormatError(name, f'has no sheet "{sheet}" (its sheets: {", ".join(wb.sheet_names)})')
    values = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=True, nrows=rows)
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([_cell(v) for v in row] for row in values)
    return sheet


@contextmanager
def readable_copy(path: Path, scratch: Path) -> Iterator[Path]:
    """A plain file holding what ``path`` names: ``path`` itself, or a copy in ``scratch`` of a zip
    member (streamed out) or of a sheet (as CSV). The copy goes when the block ends."""
    disk, inner = split(path)
    if not inner and disk.suffix.lower() not in EXCEL:
        yield disk
        return
    scratch.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    try:
        current, label = disk, disk.name
        parts = list(inner)
        if current.suffix.lower() == ".zip":
            member = parts.pop(0)
            target = scratch / f"{os.getpid()}_{len(made)}_{Path(member).name}"
            extract(current, member, target)
            made.append(target)
            current, label = target, f"{label}{SEP}{member}"
        if current.suffix.lower() in EXCEL:
            sheet = parts.pop(0) if parts else None
            target = scratch / f"{os.getpid()}_{len(made)}_{current.stem}.csv"
            made.append(target)
            sheet_to_csv(current, sheet, target, label=label)
            current = target
        if parts:
            raise InputFormatError(
                label, f'cannot hold "{SEP.join(parts)}": only zip archives and workbooks have parts'
            )
        yield current
    finally:
        for p in made:
            p.unlink(missing_ok=True)
