"""Snapshot of alignment outputs on the seed plans, to prove a refactor changes nothing.

Writes (or compares against) a JSON file holding, for every seed plan in ``corpus/raw``:
the score of every target of every framework for every aligned item, the best ids, the
strength labels of the ranked targets, and the bulk API's top-3 ids and scores.

    python benchmarks/align_snapshot.py --embedder hashing --out before.json
    python benchmarks/align_snapshot.py --embedder hashing --compare before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plansearch  # noqa: E402
from plansearch.alignment.bulk import align_bulk, prepare_spaces  # noqa: E402
from plansearch.alignment.engine import _item_vectors, align  # noqa: E402
from plansearch.thai import tokenize  # noqa: E402


def snapshot(embedder: str, settings_json: str | None = None) -> dict:
    from plansearch.embed import Embedder

    kw = {}
    if settings_json:
        from plansearch.alignment.settings import AlignSettings

        kw["settings"] = AlignSettings.from_dict(json.loads(settings_json))

    emb = Embedder(None if embedder == "default" else embedder)
    out: dict = {"embedder": emb.fingerprint, "plans": {}}
    for path in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
        plan = plansearch.parse_plan(path)
        al = align(plan, embedder=emb, k=3, **kw)
        rec: dict = {"items": [], "gaps": {}}
        for it in al.items:
            rec["items"].append(
                {
                    "id": it.item.id,
                    "scores": {n: list(it.scores_for(n)) for n in it.frameworks},
                    "best": {n: it.best(n).target_id for n in it.frameworks},  # type: ignore[union-attr]
                    "strength": {
                        n: [m.strength for m in it.for_framework(n)] for n in it.frameworks
                    },
                    "raw": {
                        n: [(m.dense, m.lexical, m.evidence.sub_id) for m in it.for_framework(n)]
                        for n in it.frameworks
                    },
                }
            )
        for f in al.framework_names:
            rec["gaps"][f] = [g.target_id for g in al.gaps(f)]
        items = [it.item for it in al.items]
        if items:
            names = list(al.framework_names)
            prepared = prepare_spaces(names, emb, plan)
            q = _item_vectors(items, plan, emb, True)
            toks = [tokenize(s.content) for s in items]
            bulk = align_bulk(q, prepared, top_k=3, item_tokens=toks)
            rec["bulk"] = {
                n: {"ids": r.ids.tolist(), "scores": r.scores.astype(float).tolist()}
                for n, r in bulk.items()
            }
        out["plans"][path.name] = rec
    return out


def compare(a: dict, b: dict) -> list[str]:
    diffs: list[str] = []

    def walk(x, y, where: str) -> None:
        if isinstance(x, dict):
            if set(x) != set(y):
                diffs.append(f"{where}: keys {sorted(set(x) ^ set(y))}")
            for k in x:
                if k in y:
                    walk(x[k], y[k], f"{where}.{k}")
        elif isinstance(x, list):
            if len(x) != len(y):
                diffs.append(f"{where}: length {len(x)} vs {len(y)}")
            for i, (u, v) in enumerate(zip(x, y, strict=False)):
                walk(u, v, f"{where}[{i}]")
        elif isinstance(x, float) or isinstance(y, float):
            if abs(float(x) - float(y)) > 1e-6:
                diffs.append(f"{where}: {x} vs {y}")
        elif x != y:
            diffs.append(f"{where}: {x!r} vs {y!r}")

    walk(a, b, "")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="hashing")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--settings", help='AlignSettings as JSON, e.g. \'{"calibration": "score"}\'')
    args = ap.parse_args()
    snap = snapshot(args.embedder, args.settings)
    n = sum(len(p["items"]) for p in snap["plans"].values())
    print(f"{len(snap['plans'])} plans, {n} items, embedder {snap['embedder']}")
    if args.out:
        args.out.write_text(json.dumps(snap, ensure_ascii=False))
    if args.compare:
        diffs = compare(json.loads(args.compare.read_text()), json.loads(json.dumps(snap)))
        for d in diffs[:30]:
            print("DIFF", d)
        print(f"{len(diffs)} differences (tolerance 1e-6)")
        return 1 if diffs else 0
    _ = np
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
