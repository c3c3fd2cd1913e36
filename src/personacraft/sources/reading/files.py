"""One file as a source reads it (:class:`FileLoad`): its encoding, and a UTF-8 copy DuckDB can read."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from personacraft.sources.columns import lit

SNIFF_BYTES = 1 << 22
# a cell may be long (a pasted email thread); DuckDB's default limit is 2 MB per line
MAX_LINE = 1 << 26
# DuckDB reads in buffers of 16 lines of the longest size by default (1 GiB here); buffers of
# two long lines read 2M Shopify order lines in 2.0 s instead of 2.6 s (benchmarks/bench_ingest.py)
BUFFER = 2 * MAX_LINE


@dataclass(frozen=True)
class FileLoad:
    """One file being read by one source: what its rows, rejects and raw table are named by,
    and the file DuckDB reads for it. Made by whoever starts reading the file, for that read."""

    source: str  # the source's label, as canonical rows, rejects and read counts name it
    kind: str  # the source's kind, which names its raw tables (raw_<kind>_<n>)
    path: Path  # the file as configured, as rows, rejects and the accounting name it
    readable: Path  # the UTF-8 file DuckDB reads: ``path`` itself or a transcoded copy (text_copy)
    encoding: str  # the file's own encoding, before any transcoding
    keep_raw: bool = True  # keep the rows as read in the run's raw tables (ingest.keep_raw)
    footer: str | None = None  # regex of trailing report lines that are not rows

    @property
    def duck_path(self) -> str:
        """The SQL literal of the file DuckDB reads: always UTF-8 (see :func:`text_copy`)."""
        return lit(str(self.readable))


def detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 (by its BOM), else cp1252 or latin-1."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
            return "utf-8"  # the sample ends inside a character
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


@contextmanager
def text_copy(path: Path, scratch: Path) -> Iterator[tuple[Path, str]]:
    """A file DuckDB can read, and the file's original encoding.

    UTF-8 is read in place; UTF-16 (Google Play exports), cp1252 or latin-1 (an Excel
    re-save) is transcoded to UTF-8 in ``scratch`` in streamed chunks, keeping its lines as
    they are; a byte that is not valid in the encoding becomes U+FFFD rather than failing.
    """
    if path.suffix.lower() == ".parquet":  # binary: read as it is
        yield path, "parquet"
        return
    encoding = detect_encoding(path)
    if encoding == "utf-8":
        yield path, encoding
        return
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{path.stem}.utf8{path.suffix}"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        for chunk in iter(lambda: src.read(1 << 22), b""):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    try:
        yield target, encoding
    finally:
        target.unlink(missing_ok=True)
