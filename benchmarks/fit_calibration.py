"""Fit the strength temperature on structure, never on labelled dev data.

The share rule (:func:`plansearch.alignment.calibrate.strength_labels`) turns an item's
evidence row within a framework into shares ``softmax(evidence / T)``. ``T`` is chosen so
the shares behave as probabilities of the right target, by maximum likelihood on links
the documents themselves state:

* ``national``: each sub-strategy and master plan → its strategy (the node, and the
  knowledge hanging under it, is removed from the subtree it is scored against:
  leave-one-node-out; the spaces are the built-in ones, knowledge nodes included);
* ``dla``: each of the department's goals and tactics → its strategy (from seed 004's
  department plan; left out when seed 004 is held out);
* ``own000`` / ``own001``: each seed's tactics → its own strategies, given only the
  strategy titles (left out when that seed is held out);
* ``pol000``: seed 000's executive policy items → its 6 policy areas (the
  ``seed000-policy`` task of ``benchmarks/data/custom_tasks.jsonl``, read from the
  document's layout; left out when seed 000 is held out).

Prints the fitted ``T`` on all tasks and for every leave-one-plan-out fold.

    python benchmarks/fit_calibration.py [--embedder default|hashing]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import plansearch  # noqa: E402
from plansearch.alignment.calibrate import shares  # noqa: E402
from plansearch.alignment.evidence import evidence, mixed_z, view_scores  # noqa: E402
from plansearch.alignment.lexical import LexicalModel, lexical_scores  # noqa: E402
from plansearch.alignment.prepare import (  # noqa: E402
    PreparedSpace,
    background_scores,
    frozen_embedder,
    prepare_space,
)
from plansearch.alignment.scorecard import score_card  # noqa: E402
from plansearch.alignment.subject import without_subject  # noqa: E402
from plansearch.frameworks import reference_from_dict, space_from_reference  # noqa: E402
from plansearch.frameworks.knowledge import programme_texts  # noqa: E402
from plansearch.frameworks.space import builtin_space  # noqa: E402
from plansearch.thai import tokenize  # noqa: E402

GRID = np.exp(np.linspace(np.log(0.2), np.log(8.0), 81))
#: The shipped score card: every constant but the temperature being fitted.
CARD = score_card()
NUMBERING = re.compile(r"^\s*(?:ยุทธศาสตร์|กลยุทธ์|แนวทาง(?:การพัฒนา)?|ประเด็น\S*)?\s*(?:ที่)?\s*[\d.]+\s*")


def strip_numbering(title: str) -> str:
    return NUMBERING.sub("", title).strip() or title


def custom_tasks() -> list[tuple[str, object, list[str], list[str]]]:
    """(seed, reference, item texts, gold target ids) from the seeds' own structure:
    each plan's tactics → its strategies, given only the titles (numbering stripped)."""
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


def _views(emb) -> list[tuple[object, float]]:
    """The embedders align() mixes: the (adapted) model and, with an adapter, its frozen
    base (the score card's ``frozen_weight``)."""
    w = CARD.frozen_weight
    frozen = frozen_embedder(emb) if w > 0 else None
    return [(emb, 1.0 - w)] + ([(frozen, w)] if frozen is not None else [])


def _embedded(text: str) -> str:
    """What ``align`` embeds of an item's text."""
    return without_subject(text, CARD.subject_min_left)


def evidence_rows(texts: list[str], prep: PreparedSpace, emb) -> np.ndarray:
    views = []
    for e, w in _views(emb):
        p = prep if e is emb else prepare_space(prep.space, e, CARD)
        q = e.encode([_embedded(t) for t in texts], kind="query", show_progress=False)
        views.append((view_scores(q, p, CARD)[1], *p.mu_sd, w))
    model = LexicalModel(prep.space)
    lex = lexical_scores(texts, prep.space, [tokenize(t) for t in texts], model=model)
    return evidence(mixed_z(views), lex.coverage, CARD)


def hierarchy_task(name: str, emb, types: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-node-out: each node of ``types`` scored against the space without it."""
    space = builtin_space(name)
    views = []
    for e, w in _views(emb):
        full = prepare_space(space, e, CARD)
        prog_q = e.encode(programme_texts(), kind="query", show_progress=False)
        views.append((e, w, full, prog_q))
    space = views[0][2].space
    picked = [k for k, n in enumerate(space.nodes) if n.type in types]
    texts = [space.nodes[k].content for k in picked]
    qs = [
        e.encode([_embedded(t) for t in texts], kind="query", show_progress=False)
        for e, *_ in views
    ]
    rows, gold = [], []
    for j, k in enumerate(picked):
        left_out = space.nodes[k].id
        keep = np.array([i != k and n.of != left_out for i, n in enumerate(space.nodes)])
        rest = replace(space, nodes=tuple(n for i, n in enumerate(space.nodes) if keep[i]))
        parts = []
        for (_e, w, full, prog_q), q in zip(views, qs, strict=True):
            vecs = full.node_vecs[keep]
            bg = background_scores(prog_q, vecs, rest, CARD)
            prep = PreparedSpace(rest, vecs, bg, CARD, register=full.register)
            parts.append((view_scores(q[j : j + 1], prep, CARD)[1], *prep.mu_sd, w))
        z = mixed_z(parts)
        text = space.nodes[k].content
        lex = lexical_scores([text], rest, [tokenize(text)]).coverage
        rows.append(evidence(z, lex, CARD)[0])
        gold.append(space.nodes[k].root)
    return np.array(rows), np.array(gold)


def custom_task(seed: str, emb) -> tuple[np.ndarray, np.ndarray]:
    for s, ref, texts, gold in custom_tasks():
        if s == seed:
            prep = prepare_space(space_from_reference(ref), emb, CARD)
            ids = list(prep.space.target_ids)
            return evidence_rows(texts, prep, emb), np.array([ids.index(g) for g in gold])
    raise KeyError(seed)


def layout_task(name: str, emb) -> tuple[np.ndarray, np.ndarray]:
    """A task of ``custom_tasks.jsonl`` (gold from the document layout) as evidence rows."""
    import align_eval

    path = ROOT / "benchmarks" / "data" / "custom_tasks.jsonl"
    task = next(t for t in align_eval.custom_tasks(path) if t.name == name)
    prep = prepare_space(space_from_reference(task.against), emb, CARD)
    ids = list(prep.space.target_ids)
    gold = np.array([ids.index(g[0]) for g in task.gold])
    return evidence_rows(task.items, prep, emb), gold


def nll(tasks: list[tuple[np.ndarray, np.ndarray]], t: float) -> float:
    total = 0.0
    for ev, gold in tasks:
        p = shares(ev, t)
        total -= float(np.log(np.maximum(p[np.arange(len(gold)), gold], 1e-12)).sum())
    return total


def fit(tasks: list[tuple[np.ndarray, np.ndarray]]) -> float:
    return float(min(GRID, key=lambda t: nll(tasks, t)))


def describe(name: str, ev: np.ndarray, gold: np.ndarray, t: float) -> str:
    p = shares(ev, t)
    top = p.argmax(axis=1)
    ok = top == gold
    strong = p.max(axis=1) >= CARD.thresholds.strong
    prec = ok[strong].mean() if strong.any() else float("nan")
    return (
        f"  {name:<10} n={len(gold):<3} hit@1 {ok.mean():.3f}  strong P {prec:.2f} "
        f"cov {strong.mean():.2f}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="default")
    args = ap.parse_args()
    from plansearch.embed import Embedder

    emb = Embedder(None if args.embedder == "default" else args.embedder)
    if getattr(emb, "adapter", None) is not None:
        # an adapter was trained on these very links: score each plan-derived task with
        # the adapter re-trained without that plan (and the department framework for
        # seed 004); the national hierarchy is in every adapter's training, so it is left
        # out of the fit and only printed
        import align_eval
        import quality

        _, fold, _ = quality.fold_embedders(emb, align_eval.CACHE_DIR, "auto")
        print("domain adapter: plan-derived tasks use fold adapters; national not fitted")
        tasks = {
            "dla": (hierarchy_task("dla", fold("004"), {"goal", "tactic"}), "004"),
            "own000": (custom_task("000", fold("000")), "000"),
            "own001": (custom_task("001", fold("001")), "001"),
            "pol000": (layout_task("custom:seed000-policy", fold("000")), "000"),
        }
        ev, gold = hierarchy_task("national", emb, {"sub_strategy", "master_plan"})
        print("contaminated (trained on):", describe("national", ev, gold, fit([(ev, gold)])))
    else:
        tasks = {
            "national": (hierarchy_task("national", emb, {"sub_strategy", "master_plan"}), None),
            "dla": (hierarchy_task("dla", emb, {"goal", "tactic"}), "004"),
            "own000": (custom_task("000", emb), "000"),
            "own001": (custom_task("001", emb), "001"),
            "pol000": (layout_task("custom:seed000-policy", emb), "000"),
        }
    t_all = fit([v for v, _ in tasks.values()])
    print(f"embedder {emb.fingerprint}; temperature fitted on all structure tasks: {t_all:.3f}")
    for name, ((ev, gold), _) in tasks.items():
        print(describe(name, ev, gold, t_all))
    print("leave-one-plan-out (tasks derived from the held-out seed dropped):")
    for seed in ("000", "001", "003", "004"):
        kept = [v for v, s in tasks.values() if s != seed]
        print(f"  without seed {seed}: temperature {fit(kept):.3f}")
    # frameworks of bare titles (a plan's own strategies, policy areas) against described
    # ones (the hierarchies of the national strategy and the DLA plan)
    bare = {k: v for k, v in tasks.items() if k.startswith(("own", "pol"))}
    rich = {k: v for k, v in tasks.items() if k not in bare}
    for label, group in (("bare-title tasks", bare), ("described tasks", rich)):
        if not group:
            continue
        t = fit([v for v, _ in group.values()])
        print(f"temperature fitted on {label} ({', '.join(group)}): {t:.3f}")
        for name, ((ev, gold), _) in group.items():
            print(describe(name, ev, gold, t))
        for seed in ("000", "001", "004"):
            kept = [v for v, s in group.values() if s != seed]
            if kept and len(kept) < len(group):
                print(f"  without seed {seed}: temperature {fit(kept):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
