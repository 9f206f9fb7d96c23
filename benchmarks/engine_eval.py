"""Alignment-engine measurements for the issue-9 features (one process, cached encodings).

Tasks (labels are used to *measure* only; anything fitted is fitted on structure, never
on them):

* ``dev``: the 148 dev statements → the 6 national strategies (``../shared/eval``);
  hit@1, hit@3, MRR, and precision / coverage of "strong", share of correct top links
  labelled "none". Also per seed (the leave-one-plan-out folds).
* ``custom``: each seed's tactics re-attached to its own strategies, given only the
  strategy titles (numbering stripped): seed 000 แนวทาง → 6 ยุทธศาสตร์, seed 001
  16 กลยุทธ์ → 5 ประเด็น, seed 004 the department's 37 tactics → its 6 strategies.
* ``corrections``: per organisation, ``n`` of its dev statements confirmed by the
  planner (their first label as an :class:`Example`), hit@1 on the rest of that
  organisation's statements; mean over 3 random draws.

    python benchmarks/engine_eval.py [--embedder default|hashing] [--variants "base;{JSON}"]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plansearch  # noqa: E402
from plansearch.alignment.references import reference_from_dict  # noqa: E402

DEV = Path("/work/shared/eval/dev_alignment.jsonl")
if not DEV.exists():
    DEV = ROOT.parent / "shared" / "eval" / "dev_alignment.jsonl"
NUMBERING = re.compile(r"^\s*(?:ยุทธศาสตร์|กลยุทธ์|แนวทาง(?:การพัฒนา)?|ประเด็น\S*)?\s*(?:ที่)?\s*[\d.]+\s*")


def load_dev() -> list[dict]:
    with DEV.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def strip_numbering(title: str) -> str:
    return NUMBERING.sub("", title).strip() or title


def custom_tasks() -> list[tuple[str, object, list[str], list[str]]]:
    """(seed, reference, item texts, gold target ids) from the seeds' own structure."""
    out = []
    for seed, level in (("000", "local"), ("001", "local"), ("004", "department")):
        path = next((ROOT / "corpus" / "raw").glob(f"{seed}_*.txt"))
        plan = plansearch.parse_plan(path)
        strategies = plan.of("strategy", level=level)
        ids = {s.id for s in strategies}
        tactics = [t for t in plan.of("tactic", level=level) if t.parent_id in ids]
        if not tactics:
            continue
        ref = reference_from_dict(
            {
                "name": f"own{seed}",
                "title": f"ยุทธศาสตร์ของแผน {seed}",
                "level": "local",
                "items": [
                    {"id": s.id.replace(":", "_"), "title": strip_numbering(s.title)}
                    for s in strategies
                ],
            }
        )
        texts = [strip_numbering(t.title) for t in tactics]
        gold = [t.parent_id.replace(":", "_") for t in tactics]  # type: ignore[union-attr]
        out.append((seed, ref, texts, gold))
    return out


def metrics(al, name: str, gold: list[list[str]]) -> dict[str, float]:
    h1 = h3 = rr = 0.0
    strong = strong_ok = none_ok = ok_total = 0
    for it, g in zip(al.items, gold, strict=True):
        ranked = [m.target_id for m in it.for_framework(name)]
        scores = it.scores_for(name)
        ids = al.framework(name).target_ids
        full = [ids[j] for j in np.argsort(-np.array(scores), kind="stable")]
        gs = set(g)
        top = it.best(name)
        h1 += ranked[0] in gs
        h3 += any(x in gs for x in full[:3])
        rr += next((1.0 / (i + 1) for i, x in enumerate(full) if x in gs), 0.0)
        if top.strength == "strong":
            strong += 1
            strong_ok += top.target_id in gs
        if top.target_id in gs:
            ok_total += 1
            none_ok += top.strength == "none"
    n = max(len(gold), 1)
    return {
        "n": len(gold),
        "hit@1": h1 / n,
        "hit@3": h3 / n,
        "mrr": rr / n,
        "strong_prec": strong_ok / strong if strong else float("nan"),
        "strong_cov": strong / n,
        "none_of_correct": none_ok / ok_total if ok_total else float("nan"),
    }


def fmt(m: dict[str, float]) -> str:
    return (
        f"n={m['n']:<4} hit@1 {m['hit@1']:.3f} hit@3 {m['hit@3']:.3f} MRR {m['mrr']:.3f} "
        f"strong P {m['strong_prec']:.2f} cov {m['strong_cov']:.2f} "
        f"none|correct {m['none_of_correct']:.2f}"
    )


def run_variant(name: str, kwargs: dict, emb, dev: list[dict], args) -> dict:
    from plansearch.alignment.engine import align
    from plansearch.alignment.settings import AlignSettings

    out: dict = {}
    texts = [d["text"] for d in dev]
    gold = [d["national"] for d in dev]
    if args.corrections_only:
        return _corrections(name, kwargs, emb, dev, texts, gold, out)
    al = align(texts, "national", embedder=emb, k=6, **kwargs)
    out["dev"] = metrics(al, "national", gold)
    print(f"[{name}] dev national     {fmt(out['dev'])}")
    for seed in sorted({d["seed"][:3] for d in dev}):
        rows = [i for i, d in enumerate(dev) if d["seed"].startswith(seed)]
        sub = type(al)(
            items=tuple(al.items[i] for i in rows),
            frameworks=al.frameworks,
            coverage=(),
            linkage=(),
            thresholds=al.thresholds,
        )
        m = metrics(sub, "national", [gold[i] for i in rows])
        out[f"dev_{seed}"] = m
        print(f"[{name}]   seed {seed}       {fmt(m)}")
    if args.lopo:
        temps = json.loads(args.lopo)
        base = kwargs.get("settings") or AlignSettings()
        pooled_items, pooled_gold = [], []
        for seed, t in sorted(temps.items()):
            rows = [i for i, d in enumerate(dev) if d["seed"].startswith(seed)]
            a = align(
                [texts[i] for i in rows],
                "national",
                embedder=emb,
                k=6,
                **{**kwargs, "settings": base.replace(temperature=t)},
            )
            pooled_items.extend(a.items)
            pooled_gold.extend(gold[i] for i in rows)
        sub = type(al)(
            items=tuple(pooled_items),
            frameworks=al.frameworks,
            coverage=(),
            linkage=(),
            thresholds=al.thresholds,
        )
        out["dev_lopo"] = metrics(sub, "national", pooled_gold)
        print(f"[{name}] dev LOPO temp.   {fmt(out['dev_lopo'])}")
    folded = {" ".join(d["text"].split()): i for i, d in enumerate(dev)}
    plan_items, plan_gold = [], []
    for path in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
        plan = plansearch.parse_plan(path)
        a = align(plan, "national", embedder=emb, k=6, **kwargs)
        for it in a.items:
            for text in (it.item.content, it.item.title):
                k = folded.get(" ".join(text.split()))
                if k is not None:
                    plan_items.append(it)
                    plan_gold.append(gold[k])
                    break
        fw = a.frameworks
    if plan_items:
        sub = type(al)(
            items=tuple(plan_items),
            frameworks=fw,
            coverage=(),
            linkage=(),
            thresholds=al.thresholds,
        )
        out["plan"] = metrics(sub, "national", plan_gold)
        print(f"[{name}] dev items in their plans {fmt(out['plan'])}")
    for seed, ref, ctexts, cgold in custom_tasks():
        al = align(ctexts, ref, embedder=emb, k=3, **kwargs)
        m = metrics(al, ref.name, [[g] for g in cgold])
        out[f"custom_{seed}"] = m
        print(f"[{name}] custom {seed}       {fmt(m)}")
    if args.corrections:
        _corrections(name, kwargs, emb, dev, texts, gold, out)
    return out


def _corrections(name, kwargs, emb, dev, texts, gold, out) -> dict:
    from plansearch.alignment.engine import align
    from plansearch.alignment.examples import Example

    if True:
        for n_ex in (5, 20):
            hits, total = 0.0, 0
            base_hits = 0.0
            for org in sorted({d["org"] for d in dev}):
                rows = [i for i, d in enumerate(dev) if d["org"] == org]
                if len(rows) <= n_ex:
                    continue
                for draw in range(3):
                    rng = random.Random(1000 * draw + n_ex)
                    chosen = set(rng.sample(rows, n_ex))
                    exs = [
                        Example(dev[i]["text"], "national", dev[i]["national"][0]) for i in chosen
                    ]
                    rest = [i for i in rows if i not in chosen]
                    a1 = align(
                        [texts[i] for i in rest], "national", embedder=emb, examples=exs, **kwargs
                    )
                    a0 = align([texts[i] for i in rest], "national", embedder=emb, **kwargs)
                    hits += sum(
                        b in set(gold[i]) for b, i in zip(a1.best("national"), rest, strict=True)
                    )
                    base_hits += sum(
                        b in set(gold[i]) for b, i in zip(a0.best("national"), rest, strict=True)
                    )
                    total += len(rest)
            out[f"corr{n_ex}"] = {"with": hits / total, "without": base_hits / total, "n": total}
            print(
                f"[{name}] {n_ex:>2} corrections/org: hit@1 on the org's other items "
                f"{base_hits / total:.3f} → {hits / total:.3f} (n={total})"
            )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="default")
    ap.add_argument("--variants", default="base")
    ap.add_argument("--corrections", action="store_true")
    ap.add_argument("--corrections-only", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--lopo", help="per-seed temperatures as JSON, e.g. '{\"000\": 0.5}'")
    args = ap.parse_args()
    from plansearch.alignment.settings import AlignSettings
    from plansearch.embed import Embedder

    emb = Embedder(None if args.embedder == "default" else args.embedder)
    dev = load_dev()
    variants = {"base": {}}
    for v in args.variants.split(";"):
        if v.startswith("{"):
            variants[v] = {"settings": AlignSettings.from_dict(json.loads(v))}
    chosen = {
        k: variants[k] for k in variants if k in args.variants.split(";") or k.startswith("{")
    }
    results = {}
    t0 = time.perf_counter()
    for name, kw in chosen.items():
        results[name] = run_variant(name, kw, emb, dev, args)
    print(f"elapsed {time.perf_counter() - t0:.0f} s, embedder {emb.fingerprint}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
