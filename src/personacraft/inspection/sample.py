"""Reading part of a large source for a quick inspection: evenly spaced blocks of its files, and their lines.

A source whose text files hold more than the budget (``inspect --sample-mb``, 256 MiB by default)
is read from a sample: its files are taken as one stream of bytes, :data:`BLOCKS` evenly spaced
blocks of it (the first starts at the first byte, the last ends at the last) are copied to
scratch files, one per original file that a block falls in, each starting with the original's
header line (a delimited file) and holding whole lines only. The source then reads the sample
files as it would read the originals, and :func:`restore_lines` gives each reject the file and
line it has in the original (counting the line breaks before its block, only for files with
rejects). With ``--full`` (budget ``None``) every byte is read.

Not sampled, read whole: zip members and workbooks, Parquet, JSON documents (not one per line),
and files in an encoding whose line break is not the byte ``\\n`` (UTF-16). A delimited file
whose quoted cells hold line breaks may have a block start inside such a cell: its first row is
then misshapen and counted as a reject (the page says the source was sampled). A block of a delimited
file starts where the first cell changes (:func:`_group_start`), so that a record written over several
lines (a Shopify order, one line per item) is read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from personacraft.sources.columns import lit
from personacraft.sources.reading import containers
from personacraft.sources.reading.files import detect_encoding
from personacraft.store import Run

BLOCKS = 16
DEFAULT_BUDGET = 256 << 20
CHUNK = 1 << 24
GROUP_LINES = 1000  # how far a block's start moves to the start of a record written over several lines
_BYTE_LINES = ("utf-8", "cp1252", "latin-1")  # encodings whose line break is the byte \n


@dataclass(frozen=True)
class Block:
    """Whole lines of one file: where they start (byte offset) in the original, and in the sample (line)."""

    start: int
    length: int
    sample_line: int  # the sample file's line that holds the block's first line (1-based)
    lines: int


@dataclass
class SampledFile:
    """One original file and the sample file that holds its blocks."""

    original: Path
    sample: Path
    header: bool  # the sample's first line is the original's header line (not part of a block)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class SourceSample:
    """What part of a source was read: its sampled files, and the bytes read of the bytes it holds."""

    files: list[SampledFile]
    files_total: int
    bytes_total: int
    bytes_read: int

    @property
    def share(self) -> float:
        return self.bytes_read / self.bytes_total if self.bytes_total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": f"{sum(len(f.blocks) for f in self.files)} evenly spaced blocks of whole lines",
            "files_read": len(self.files),
            "files_total": self.files_total,
            "bytes_read": self.bytes_read,
            "bytes_total": self.bytes_total,
            "share": round(self.share, 4),
        }


def _sampleable(path: Path) -> bool:
    """A plain text file with one record per line: delimited text, or JSON lines (not a JSON document)."""
    if containers.is_part(path) or path.suffix.lower() in (*containers.EXCEL, ".parquet", ".zip"):
        return False
    if detect_encoding(path) not in _BYTE_LINES:
        return False
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return not head.startswith(b"[")


def _positions(sizes: list[int], budget: int) -> list[tuple[int, int, int]]:
    """(file index, offset, length) of :data:`BLOCKS` blocks evenly spaced over the files taken as one stream."""
    total, size = sum(sizes), max(budget // BLOCKS, 1)
    starts = [round(i * (total - size) / (BLOCKS - 1)) for i in range(BLOCKS)]
    out = []
    for s in starts:
        base = 0
        for i, n in enumerate(sizes):
            if s < base + n:
                off = s - base
                out.append((i, off, min(size, n - off)))
                break
            base += n
    return out


def plan(files: list[Path], budget: int | None) -> list[tuple[Path, list[tuple[int, int]]]] | None:
    """The blocks to read of each file, or ``None`` to read the source whole (within budget, or not sampleable)."""
    if budget is None or not files:
        return None
    sizes = [containers.size(p) for p in files]
    if sum(sizes) <= budget or not all(_sampleable(p) for p in files):
        return None
    chosen: dict[int, list[tuple[int, int]]] = {}
    for i, off, length in _positions(sizes, budget):
        chosen.setdefault(i, []).append((off, length))
    return [(files[i], _merged(spans)) for i, spans in sorted(chosen.items())]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Blocks of one file, sorted, with overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for off, length in sorted(spans):
        if out and off <= out[-1][0] + out[-1][1]:
            last = out[-1]
            out[-1] = (last[0], max(last[0] + last[1], off + length) - last[0])
        else:
            out.append((off, length))
    return out


def _line_start(fh: Any, offset: int) -> int:
    """The offset of the first line that starts at or after ``offset``."""
    if offset == 0:
        return 0
    fh.seek(offset - 1)
    pos = offset - 1
    while chunk := fh.read(1 << 16):
        at = chunk.find(b"\n")
        if at >= 0:
            return pos + at + 1
        pos += len(chunk)
    return pos


def _delimiter(header: bytes) -> bytes:
    """The delimiter of a delimited file's header line: the most frequent of comma, semicolon, tab and bar."""
    return max((b",", b";", b"\t", b"|"), key=header.count)


def _group_start(fh: Any, offset: int, delimiter: bytes) -> int:
    """From the line at ``offset``, the offset of the first line whose first cell differs from the line before.

    Exports that write one record over several lines (a Shopify order: one line per item, the
    order's number first, its total on the first line only) would otherwise have a block start
    in the middle of a record. A file whose first cell never changes within :data:`GROUP_LINES`
    lines starts where it was.
    """
    fh.seek(offset)
    pos, first = offset, None
    for _ in range(GROUP_LINES):
        line = fh.readline()
        if not line:
            break
        cell = line.split(delimiter, 1)[0]
        if first is None:
            first = cell
        elif cell != first:
            return pos
        pos += len(line)
    return offset


def _write(path: Path, spans: list[tuple[int, int]], target: Path) -> SampledFile:
    """Copy the whole lines of ``spans`` of ``path`` to ``target``, after the header line of a delimited file."""
    with path.open("rb") as src, target.open("wb") as dst:
        first = src.readline()
        header = not first.lstrip(b"\xef\xbb\xbf \t").startswith(b"{")
        out = SampledFile(path, target, header)
        line, written_to = 1, 0  # the sample's next line; the original's bytes copied so far
        if header and spans[0][0] > 0:
            dst.write(first if first.endswith(b"\n") else first + b"\n")
            line, written_to = 2, len(first)
        delimiter = _delimiter(first)
        for off, length in spans:
            start = _line_start(src, off)
            if header and start > 0:
                start = _group_start(src, start, delimiter)
            start = max(start, written_to)
            src.seek(start)
            data = src.read(max(off + length - start, 0))
            if data and not data.endswith(b"\n"):
                rest = src.readline()  # finish the last line
                data += rest
            if not data:
                continue
            if not data.endswith(b"\n"):
                data += b"\n"  # the file's last line had no line break
            n = data.count(b"\n")
            # the header line opens the first block: the block's rows start after it
            skip = len(first) if header and start == 0 else 0
            out.blocks.append(Block(start + skip, len(data) - skip, line + bool(skip), n - bool(skip)))
            dst.write(data)
            line += n
            written_to = start + len(data)
    return out


def take(files: list[Path], budget: int | None, scratch: Path, label: str) -> SourceSample | None:
    """Write the sample files of a source's ``files`` to ``scratch``; ``None`` when the source is read whole."""
    chosen = plan(files, budget)
    if chosen is None:
        return None
    scratch.mkdir(parents=True, exist_ok=True)
    tag = "".join(ch if ch.isalnum() else "_" for ch in label)[:40]
    sampled = [
        _write(path, spans, scratch / f"sample_{tag}_{i}{path.suffix}") for i, (path, spans) in enumerate(chosen)
    ]
    return SourceSample(
        files=sampled,
        files_total=len(files),
        bytes_total=sum(containers.size(p) for p in files),
        bytes_read=sum(b.length for f in sampled for b in f.blocks),
    )


def _newlines_before(path: Path, offsets: list[int]) -> Iterator[int]:
    """For each of the sorted ``offsets``, how many line breaks ``path`` holds before it (one pass)."""
    count, pos = 0, 0
    with path.open("rb", buffering=0) as fh:
        for off in offsets:
            while pos < off:
                chunk = fh.read(min(CHUNK, off - pos))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                pos += len(chunk)
            yield count


def restore_lines(run: Run, source: str, sample: SourceSample) -> None:
    """Give the source's rejects read from sample files their original file and line (the sample's own lines
    are shifted by the line breaks before their block). Only files with rejects are counted through."""
    for f in sample.files:
        lines = [
            int(r[0])
            for r in run.execute(
                f"SELECT DISTINCT line FROM {run.t('rejects')} WHERE source = ? AND file = ? AND line IS NOT NULL",
                [source, str(f.sample)],
            ).fetchall()
        ]
        if lines:
            last = max(lines)
            needed = [b for b in f.blocks if b.sample_line <= last]
            starts = [b.start for b in needed]
            before = dict(zip(starts, _newlines_before(f.original, starts), strict=True))
            cases = " ".join(
                f"WHEN line BETWEEN {b.sample_line} AND {b.sample_line + b.lines - 1} "
                f"THEN line - {b.sample_line} + {before[b.start] + 1}"
                for b in needed
            )
            if cases:
                run.execute(
                    f"UPDATE {run.t('rejects')} SET line = CASE {cases} ELSE line END WHERE source = ? AND file = ?",
                    [source, str(f.sample)],
                )
        run.execute(
            f"UPDATE {run.t('rejects')} SET file = {lit(str(f.original))} WHERE source = ? AND file = ?",
            [source, str(f.sample)],
        )
