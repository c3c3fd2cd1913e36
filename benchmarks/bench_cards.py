"""Time the persona cards: every format for 8 personas; print seconds per format, the total, and peak memory.

    .venv/bin/python benchmarks/bench_cards.py                         # a fresh retail demo build (2,000 customers)
    .venv/bin/python benchmarks/bench_cards.py --personas out/personas.json

The 8 personas are the build's (5 in the retail demo), then copies of them under new ids and names
until there are 8. First each format is timed alone, card by card (HTML: the card at its first
density; PDF: WeasyPrint's layouts until the card fits one page, and the file; PNG: pypdfium2 from
that PDF; Markdown; JSON); then ``render_cards`` writes all of them end to end, which is the figure
a build pays. The demo build runs in its own process, so the peak resident memory printed is the
cards' own (with the Python libraries loaded); ``--heap`` adds the Python heap peak of ``render_cards``
from tracemalloc, in an extra run (WeasyPrint's Pango and pypdfium2's PDFium allocate outside it).
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import re
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from demo_build import build_demo

PERSONAS = 8


def eight(personas: list[dict[str, Any]], n: int = PERSONAS) -> list[dict[str, Any]]:
    """The personas, then renamed copies of them, up to ``n``."""
    if not personas:
        raise SystemExit("the build has no personas to render")
    out = [copy.deepcopy(p) for p in personas[:n]]
    i = 0
    while len(out) < n:
        p = copy.deepcopy(personas[i % len(personas)])
        p["id"] = f"p{len(out) + 1}"
        p["name"] = f"{p['name']} (copy {len(out) + 1 - len(personas)})"
        out.append(p)
        i += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--personas", type=Path, help="a personas.json to read (default: build a retail demo)")
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--heap", action="store_true", help="also measure the Python heap peak (a slower, extra run)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        root = Path(tmp)
        source = args.personas or build_demo(root / "demo", args.customers, args.seed).parent / "out" / "personas.json"
        doc = json.loads(source.read_text(encoding="utf-8"))
        personas = eight(doc["personas"])
        title, run_id = "Card benchmark", str(doc.get("run_id"))

        t = time.perf_counter()
        from personacraft.render.cards import page, pdf, writer
        from personacraft.render.charts import PALETTE

        pdf.layout_pdf("<p>warm up</p>")  # WeasyPrint's import and font set-up, paid once per process
        warmup = time.perf_counter() - t

        seconds = dict.fromkeys(("html", "pdf", "png", "md", "json"), 0.0)
        densities, pages = [], []
        alone = root / "alone"
        alone.mkdir()
        for i, p in enumerate(personas):
            color, stem = PALETTE[i % len(PALETTE)], alone / p["id"]
            t = time.perf_counter()
            stem.with_suffix(".html").write_text(
                page.card_html(p, color=color, title=title, run_id=run_id), encoding="utf-8"
            )
            seconds["html"] += time.perf_counter() - t
            t = time.perf_counter()
            html, layout = pdf.fit_card(p, color=color, title=title, run_id=run_id)
            layout.write_pdf(stem.with_suffix(".pdf"))
            seconds["pdf"] += time.perf_counter() - t
            t = time.perf_counter()
            pdf.pdf_to_png(stem.with_suffix(".pdf"), stem.with_suffix(".png"))
            seconds["png"] += time.perf_counter() - t
            t = time.perf_counter()
            stem.with_suffix(".md").write_text(page.card_markdown(p, title=title, run_id=run_id), encoding="utf-8")
            seconds["md"] += time.perf_counter() - t
            t = time.perf_counter()
            stem.with_suffix(".json").write_text(json.dumps(p, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            seconds["json"] += time.perf_counter() - t
            densities.append(m.group(1) if (m := re.search(r'data-density="(\w+)"', html)) else "?")
            pages.append(pdf.pdf_page_count(stem.with_suffix(".pdf")))

        t = time.perf_counter()
        paths = writer.render_cards(personas, root / "out", title=title, run_id=run_id)
        total = time.perf_counter() - t
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
        heap_peak = None
        if args.heap:  # tracemalloc slows WeasyPrint several times over: a run of its own, not timed
            tracemalloc.start()
            writer.render_cards(personas, root / "heap", title=title, run_id=run_id)
            heap_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

        sizes = {ext: sum(p.stat().st_size for p in paths if p.suffix == f".{ext}") for ext in seconds}
        print(f"personacraft cards: {len(personas)} personas from {source.name} (run {run_id})")
        print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
        print(f"WeasyPrint import and font set-up (once per process): {warmup:.2f} s")
        print(f"{'format':<8}{'seconds':>9}{'per card':>10}{'bytes':>12}")
        for ext, s in seconds.items():
            print(f"{ext:<8}{s:>9.2f}{s / len(personas):>10.3f}{sizes[ext]:>12,}")
        print(f"{'sum':<8}{sum(seconds.values()):>9.2f}{sum(seconds.values()) / len(personas):>10.3f}")
        print(f"render_cards, all formats end to end: {total:.2f} s ({total / len(personas):.2f} s a card)")
        print(f"densities: {', '.join(densities)}; PDF pages: {pages}")
        print(f"peak memory: {rss_peak / 2**20:.0f} MiB resident (this process: the cards, with their libraries)")
        if heap_peak is not None:
            print(f"Python heap peak of render_cards (tracemalloc): {heap_peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
