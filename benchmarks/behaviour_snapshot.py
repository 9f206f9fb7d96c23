"""A snapshot of everything a user sees, to prove a refactor changes nothing.

Writes (or compares against) one JSON file holding, through the public API only:

* ``align(plan)`` on every seed plan in ``corpus/raw`` with the default frameworks:
  every target's score for every item, the ranked ids, strengths, shares, evidence
  (sub-item and shared words), coverage, gaps and the linkage table;
* ``align(texts, name)`` of the 148 dev statements against each built-in framework;
* ``PlanIndex.search`` of the 40 planner queries over the dev statements (hybrid with
  the default service-area re-rank, text only, dense, lexical), before and after a
  save and load;
* ``similar_goals`` for every dev statement (k=5, other organisations).

    python benchmarks/behaviour_snapshot.py --out before.json [--embedder hashing]
    python benchmarks/behaviour_snapshot.py --compare before.json

``--compare`` prints every difference: a changed id or label, or a score that moved by
more than ``--tol`` (default 1e-6), and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plansearch  # noqa: E402


def _dev_path() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent, Path("/work")):
        p = base / "shared" / "eval" / "dev_alignment.jsonl"
        if p.exists():
            return p
    raise SystemExit("no shared/eval/dev_alignment.jsonl next to the checkout")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _alignment(al: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"items": [], "coverage": [], "linkage": []}
    for it in al.items:
        rec: dict[str, Any] = {"id": it.item.id, "kind": it.item.kind, "fw": {}}
        for name in it.frameworks:
            rec["fw"][name] = {
                "scores": list(it.scores_for(name)),
                "ranked": [
                    [
                        m.target_id,
                        m.score,
                        m.strength,
                        m.share,
                        m.dense,
                        m.lexical,
                        m.evidence.sub_id,
                        list(m.evidence.shared_terms),
                        list(m.evidence.related_terms),
                        m.evidence.context,
                    ]
                    for m in it.for_framework(name)
                ],
            }
        out["items"].append(rec)
    for c in al.coverage:
        out["coverage"].append(
            [c.framework, c.target_id, c.strong, c.partial, c.weak, c.max_score, list(c.supporters)]
        )
    for row in al.linkage:
        out["linkage"].append(
            [
                row.strategy.id,
                [[c.column, c.framework, c.target_id, c.score, c.strength] for c in row.cells],
            ]
        )
    out["frameworks"] = [
        [f.name, f.title, f.level, f.column, list(f.target_ids)] for f in al.frameworks
    ]
    return out


def _hits(hits: Any) -> list[Any]:
    return [[h.section.id, h.score, h.dense, h.lexical, h.topic] for h in hits]


def snapshot(embedder: str) -> dict[str, Any]:
    from plansearch.embed import Embedder

    emb = Embedder(None if embedder == "default" else embedder)
    out: dict[str, Any] = {"embedder": emb.fingerprint, "plans": {}, "dev": {}}
    for path in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
        plan = plansearch.parse_plan(path)
        out["plans"][path.name] = _alignment(plansearch.align(plan, embedder=emb, k=3))
    dev = _read_jsonl(_dev_path())
    texts = [d["text"] for d in dev]
    for name in ("national", "masterplan", "nesdp13", "sdg", "dla", "nesdp12"):
        out["dev"][name] = _alignment(plansearch.align(texts, name, embedder=emb, k=3))
    sections = [
        plansearch.Section.from_text(d["text"], org=d["org"], kind="goal", id=d["id"]) for d in dev
    ]
    index = plansearch.PlanIndex.build(sections, embedder=emb)
    queries = [
        q["query"] for q in _read_jsonl(ROOT / "benchmarks" / "data" / "search_queries.jsonl")
    ]

    def searches(idx: Any) -> dict[str, Any]:
        res: dict[str, Any] = {}
        for q in queries:
            res[q] = {
                "hybrid+topics": _hits(idx.search(q, k=10)),
                "hybrid": _hits(idx.search(q, k=10, topics=None)),
                "dense": _hits(idx.search(q, k=10, mode="dense", topics=None)),
                "lexical": _hits(idx.search(q, k=10, mode="lexical", topics=None)),
                "dense+topics": _hits(idx.search(q, k=10, mode="dense")),
            }
        return res

    out["search"] = searches(index)
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp) / "ix")
        loaded = plansearch.PlanIndex.load(Path(tmp) / "ix", emb)
        out["search_loaded"] = searches(loaded)
    sim: dict[str, Any] = {}
    for d in dev:
        r = plansearch.similar_goals(index, d["text"], k=5, exclude_org=d["org"], where={})
        sim[d["id"]] = [
            [h.section.id, h.score, h.text_score, h.topic_score, h.topic] for h in r.hits
        ]
        r2 = plansearch.similar_goals(
            index, d["text"], k=5, exclude_org=d["org"], where={}, topics=None
        )
        sim[d["id"] + ":text"] = [[h.section.id, h.score] for h in r2.hits]
    out["similar"] = sim
    return out


def compare(a: Any, b: Any, tol: float, path: str = "") -> list[str]:
    """Differences between two snapshots (numbers within ``tol`` are equal)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, int | float) and isinstance(b, int | float):
        return [] if abs(a - b) <= tol else [f"{path}: {a!r} != {b!r} (Δ {abs(a - b):.2g})"]
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'after' if k not in a else 'before'}")
            else:
                out += compare(a[k], b[k], tol, f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += compare(x, y, tol, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="default")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args(argv)
    snap = snapshot(args.embedder)
    if args.out:
        args.out.write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        diffs = compare(before, snap, args.tol)
        for d in diffs[:200]:
            print(d)
        print(f"{len(diffs)} differences (tolerance {args.tol:g})")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
