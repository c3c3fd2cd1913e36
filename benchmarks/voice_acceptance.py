"""Check the voice of the customer against the demos' planted pain themes, on both text paths.

    .venv/bin/python benchmarks/voice_acceptance.py                     # retail and SaaS, 20k, seed 1
    .venv/bin/python benchmarks/voice_acceptance.py --customers 5000 --methods tfidf

Each demo plants complaint sentences per persona (retail: review texts; SaaS: Intercom
conversations). For every planted sentence: the theme that holds most of its texts, and
whether that theme is among the top-3 pain points (by effect size) of the persona the
planted customers landed in, with lift > 1.5. Purity: over the texts holding a planted
sentence, the share that sit in a theme whose majority is their own sentence's persona.
The demos are generated and built under --dir, then rebuilt with [text] method set.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from personacraft.config import load_config
from personacraft.demo import generate
from personacraft.store import Workspace

CLI = [sys.executable, "-m", "personacraft"]


def planted_sentences(kind: str) -> dict[str, str]:
    """Planted complaint sentence -> the planted persona's name."""
    if kind == "retail":
        from personacraft.demo.retail_personas import PERSONAS as RETAIL

        return {s: p.name for p in RETAIL for s in p.pains}
    from personacraft.demo.saas_personas import PERSONAS as SAAS

    return {s: p.name for p in SAAS for s in p.topics}


def check(kind: str, folder: Path, method: str) -> dict[str, object]:
    config = folder / "personacraft.toml"
    text = config.read_text(encoding="utf-8").split("\n[text]")[0]
    config.write_text(text + f'\n[text]\nmethod = "{method}"\n', encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([*CLI, "build", "--config", str(config)], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    doc = json.loads((folder / "out" / "personas.json").read_text())
    with (folder / "ground_truth.csv").open() as fh:
        truth = {r["email"].strip().lower(): r["persona"] for r in csv.DictReader(fh)}
    with (folder / "out" / "assignments.csv").open() as fh:
        built = {r["email"]: r["persona_id"] for r in csv.DictReader(fh)}
    # planted persona -> the built persona most of its customers are in
    home: dict[str, str] = {}
    for planted_name in set(truth.values()):
        ids = Counter(built.get(e, "") for e, p in truth.items() if p == planted_name)
        home[planted_name] = ids.most_common(1)[0][0]
    cfg = load_config(config)
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run()
        rows = run.execute(f"SELECT body_redacted, theme FROM {run.t('text_themes')}").fetchall()
    sentences = planted_sentences(kind)
    owner = np.array([next((p for s, p in sentences.items() if s.rstrip(".") in b), "") for b, _ in rows], dtype=object)
    sentence = np.array([next((s for s in sentences if s.rstrip(".") in b), "") for b, _ in rows], dtype=object)
    theme = np.array([t for _, t in rows])
    m = owner != ""
    pure = 0
    for c in np.unique(theme[m]):
        pure += Counter(owner[m & (theme == c)]).most_common(1)[0][1]
    pains = {p["id"]: (p["pain_points"] or []) for p in doc["personas"]}
    found = []
    for s, planted_name in sentences.items():
        in_s = sentence == s
        if not in_s.any():
            continue
        t = Counter(theme[in_s]).most_common(1)[0][0]
        top = pains.get(home[planted_name], [])[:3]
        hit = any(pp["theme"] == t and pp["lift"] > 1.5 for pp in top)
        found.append((s, planted_name, home[planted_name], hit))
    return {
        "themes": len(doc["provenance"]["voice"]["themes"]),
        "purity": pure / max(int(m.sum()), 1),
        "found": found,
        "seconds": seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", nargs="+", default=["retail", "saas"])
    ap.add_argument("--methods", nargs="+", default=["minilm", "tfidf"])
    ap.add_argument("--dir", type=Path, default=Path("bench-out") / "voice")
    args = ap.parse_args()
    ok = True
    for kind in args.kinds:
        folder = args.dir / f"{kind}-{args.customers}-{args.seed}"
        if not (folder / "personacraft.toml").exists():
            generate(kind, folder, args.customers, args.seed)
        for method in args.methods:
            r = check(kind, folder, method)
            found = r["found"]
            assert isinstance(found, list)
            hits = sum(1 for *_, hit in found if hit)
            print(
                f"{kind:<7} {method:<7} build {r['seconds']:5.1f} s  themes {r['themes']:>3}  "
                f"purity {r['purity']:.3f}  "
                f"planted complaints in the right persona's top 3 pains: {hits}/{len(found)}",
                flush=True,
            )
            for s, planted_name, pid, hit in found:
                if not hit:
                    print(f"    missed: {s!r} ({planted_name}, built {pid})")
            ok &= hits == len(found) and float(r["purity"]) >= 0.8  # type: ignore[arg-type]
    print("every planted complaint found, purity >= 0.8:", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
