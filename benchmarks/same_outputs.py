"""Check that a change of code changes no output: build both demos with an older commit and with the working tree.

    .venv/bin/python benchmarks/same_outputs.py --base f04a128                 # 20k customers, seed 1
    .venv/bin/python benchmarks/same_outputs.py --base HEAD~3 --customers 2000

One demo per kind is written once (by the base commit's generator) and copied, so both trees
read the same bytes, each with its own workspace. The files a refactor must not change are
compared after run ids, timestamps and the two folders' paths are replaced by placeholders:
``personas.json``, ``assignments.csv``, ``journeys.json``, ``committees.csv``,
``customer_value.csv`` and every card's Markdown. Exit 1 when any differs, with the first lines
that do.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trees import REPO, personacraft, worktree

FILES = ("personas.json", "assignments.csv", "journeys.json", "committees.csv", "customer_value.csv")
STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?Z?")


def normalised(path: Path, folder: Path, run_id: str) -> list[str]:
    """The file's lines with its run id, timestamps and folder replaced by placeholders."""
    text = path.read_text(encoding="utf-8").replace(run_id, "<run>").replace(str(folder), "<dir>")
    return STAMP.sub("<time>", text).splitlines()


def run_id_of(out: Path) -> str:
    import json

    return str(json.loads((out / "personas.json").read_text(encoding="utf-8"))["run_id"])


def compare(base: Path, head: Path) -> list[str]:
    """What differs between the two builds' outputs; empty when nothing does."""
    problems: list[str] = []
    ob, oh = base / "out", head / "out"
    rb, rh = run_id_of(ob), run_id_of(oh)
    names = [*FILES, *sorted(str(p.relative_to(ob)) for p in (ob / "report" / "cards").glob("*.md"))]
    head_cards = sorted(str(p.relative_to(oh)) for p in (oh / "report" / "cards").glob("*.md"))
    if [n for n in names if n.endswith(".md")] != head_cards:
        problems.append(f"card files differ: {names} vs {head_cards}")
    for name in names:
        a, b = ob / name, oh / name
        if a.exists() != b.exists():
            problems.append(f"{name}: present in {'base' if a.exists() else 'head'} only")
            continue
        if not a.exists():
            continue
        la, lb = normalised(a, base, rb), normalised(b, head, rh)
        if la != lb:
            diff = list(difflib.unified_diff(la, lb, "base/" + name, "head/" + name, n=1, lineterm=""))
            problems.append("\n".join(diff[:24]))
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the commit to compare with (e.g. the one before a refactor)")
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", nargs="+", default=["retail", "saas"])
    ap.add_argument("--keep", type=Path, help="keep both builds under this folder")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="personacraft-same-"))
    head_src = REPO / "src"
    failed = False
    with worktree(args.base) as base_src:
        print(f"# same outputs: base {args.base} vs working tree, {args.customers:,} customers, seed {args.seed}")
        for kind in args.kinds:
            base, head = root / f"{kind}-base", root / f"{kind}-head"
            for folder in (base, head):
                shutil.rmtree(folder, ignore_errors=True)
            personacraft(
                base_src, "demo", "--dir", str(base), "--kind", kind, "--customers", str(args.customers),
                "--seed", str(args.seed),
            )  # fmt: skip
            shutil.copytree(base, head)
            seconds = []
            for src, folder in ((base_src, base), (head_src, head)):
                start = time.perf_counter()
                personacraft(src, "build", "--config", str(folder / "personacraft.toml"))
                seconds.append(time.perf_counter() - start)
            problems = compare(base, head)
            cards = len(list((head / "out" / "report" / "cards").glob("*.md")))
            verdict = "identical" if not problems else f"{len(problems)} file(s) differ"
            print(
                f"{kind:>7}: {verdict} ({len(FILES)} files and {cards} card(s) in Markdown); "
                f"build {seconds[0]:.1f} s base, {seconds[1]:.1f} s head"
            )
            for problem in problems:
                print(problem)
            failed = failed or bool(problems)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
