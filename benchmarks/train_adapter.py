"""Train (and measure) the domain adapter of the default embedding model.

The adapter (:mod:`plansearch.embed.adapter`) is a residual low-rank linear map on
the frozen multilingual-e5-small vectors. It is trained on pairs that contain no
evaluation labels, only structure already in the repository:

* ``hier``     frameworks' own hierarchies (``plansearch/frameworks/data/*.json``):
               a sub-item's title (query) ↔ its parent's content (passage), e.g.
               sub-strategy/master plan → national strategy, milestone → dimension;
* ``plans``    the seed plans' own hierarchies (``corpus/raw`` via ``parse_plan``):
               tactic / objective / target (query) ↔ its strategy (passage);
* ``kb``       the knowledge base: each keyword and each descriptive phrase of a
               node's text (query) ↔ the node's content (passage) — service areas,
               budget programmes, SDGs, master plans … whatever the data files hold.

Queries get e5's ``query: `` prefix and passages ``passage: ``, as ``align`` uses
them. The loss is the in-batch-negatives contrastive loss of sentence-transformers'
``MultipleNegativesRankingLoss`` (cross-entropy over scaled cosines), with each
pair's candidates being the passages of its own group (one framework level, one
plan, one knowledge file), so a child's siblings' parent is never a false negative.

Base vectors are embedded once and cached on disk (:mod:`plansearch.embed.cache`);
training then takes seconds on 2 CPU cores.

    python benchmarks/train_adapter.py                     # train + save the shipped adapter
    python benchmarks/train_adapter.py --exclude-seed 004_a1e98dc7ddb37713.txt --out /tmp/a.npz
    python benchmarks/train_adapter.py --evaluate          # dev + leave-one-plan-out tables
    python benchmarks/train_adapter.py --check-labels plansearch/embed/data/thai-local-gov-v1.npz
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plansearch.embed.adapter import DEFAULT_ADAPTER_NAME, Adapter  # noqa: E402
from plansearch.embed.base import BaseEmbedder  # noqa: E402

DATA = ROOT / "plansearch" / "frameworks" / "data"
#: The knowledge files the adapter was trained on, beside the frameworks (the newer
#: knowledge files of issue 22 are not training data).
KNOWLEDGE = ("local_duties.json", "local_programs.json", "local_strategy_families.json")
SEEDS = ROOT / "corpus" / "raw"
DEV = ROOT.parent / "shared" / "eval" / "dev_alignment.jsonl"
if not DEV.is_file():
    DEV = Path("/work/shared/eval/dev_alignment.jsonl")
OUT = ROOT / "plansearch" / "embed" / "data" / f"{DEFAULT_ADAPTER_NAME}.npz"
#: The framework written from seed 004's department plan: not knowledge when 004 is held out.
SEED_FRAMEWORKS = {"dla.json": "004_"}
#: Plan sections used as the query side of a plan pair (their parent is the passage).
PLAN_CHILD_KINDS = ("tactic", "objective", "target", "goal", "project", "indicator")
FAMILIES = ("hier", "plans", "kb")


@dataclass(frozen=True)
class Pair:
    query: str
    passage: str
    group: str
    family: str


@dataclass(frozen=True)
class Config:
    """One training variant."""

    name: str = "default"
    rank: int = 32
    temperature: float = 0.05  # MNRL's scale 20
    families: tuple[str, ...] = FAMILIES
    epochs: int = 40
    lr: float = 2e-3
    weight_decay: float = 1e-2
    batch: int = 64
    seed: int = 13


# --------------------------------------------------------------------------- pairs


def _content(node: dict) -> str:
    parts = [node.get("title", ""), node.get("text", "") or ""]
    if node.get("text") == node.get("title"):
        parts = parts[:1]
    parts.extend(node.get("keywords", ()) or ())
    return " ".join(" ".join(p.split()) for p in parts if p)


def _walk(items: Iterable[dict], parent: dict | None = None) -> Iterable[tuple[dict, dict | None]]:
    for it in items:
        yield it, parent
        yield from _walk(it.get("children", ()) or (), it)


_PHRASE_SPLIT = re.compile(r"\s+|[:;,()]")


def _phrases(text: str, title: str) -> list[str]:
    """Descriptive phrases of a node's text (Thai separates phrases by spaces)."""
    out = []
    for ph in _PHRASE_SPLIT.split(text or ""):
        ph = ph.strip(" .-–")
        if 8 <= len(ph) <= 80 and ph != title and not re.fullmatch(r"[\d๐-๙.()]+", ph):
            out.append(ph)
    return list(dict.fromkeys(out))


def framework_pairs(exclude_seed: str | None = None) -> list[Pair]:
    pairs = []
    files = [*DATA.glob("*.json"), *(DATA / "knowledge" / name for name in KNOWLEDGE)]
    for path in sorted(files, key=lambda p: p.name):
        owner = SEED_FRAMEWORKS.get(path.name)
        if owner and exclude_seed and exclude_seed.startswith(owner):
            continue
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            continue
        for node, parent in _walk(items):
            if not isinstance(node, dict) or not node.get("title"):
                continue
            content = _content(node)
            if parent is not None:
                pairs.append(
                    Pair(
                        node["title"],
                        _content(parent),
                        f"{path.stem}:{parent.get('type', '')}",
                        "hier",
                    )
                )
            for kw in node.get("keywords", ()) or ():
                pairs.append(Pair(str(kw), content, f"{path.stem}:{node.get('type', '')}", "kb"))
            for ph in _phrases(node.get("text", ""), node["title"]):
                pairs.append(Pair(ph, content, f"{path.stem}:{node.get('type', '')}", "kb"))
    return pairs


def plan_pairs(exclude_seed: str | None = None) -> list[Pair]:
    from plansearch import parse_plan

    pairs = []
    for path in sorted(SEEDS.glob("*.txt")):
        if exclude_seed and path.name.startswith(exclude_seed.split(".")[0]):
            continue
        plan = parse_plan(path)
        for s in plan.sections:
            if s.kind not in PLAN_CHILD_KINDS or not s.parent_id:
                continue
            parent = plan.get(s.parent_id)
            if parent is None or parent.kind != "strategy":
                continue
            pairs.append(Pair(s.content, parent.content, f"plan:{path.stem}", "plans"))
    return pairs


def collect_pairs(exclude_seed: str | None = None) -> list[Pair]:
    pairs = framework_pairs(exclude_seed) + plan_pairs(exclude_seed)
    # a query equal to its passage teaches nothing
    return list(dict.fromkeys(p for p in pairs if p.query.strip() and p.query != p.passage))


def data_hash(pairs: list[Pair]) -> str:
    h = hashlib.sha256()
    for p in pairs:
        h.update(f"{p.family}\t{p.group}\t{p.query}\t{p.passage}\n".encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- vectors


class VectorBank:
    """Base-model vectors of every text, embedded once (and cached on disk)."""

    def __init__(self, emb: BaseEmbedder) -> None:
        self.emb = emb
        self.vecs: dict[tuple[str, str], np.ndarray] = {}

    def ensure(self, kind: str, texts: Iterable[str]) -> None:
        from plansearch.embed.cache import encode_cached

        todo = [t for t in dict.fromkeys(texts) if (kind, t) not in self.vecs]
        if todo:
            for t, v in zip(todo, encode_cached(self.emb, todo, kind), strict=True):
                self.vecs[(kind, t)] = v

    def get(self, kind: str, texts: list[str]) -> np.ndarray:
        self.ensure(kind, texts)
        return np.stack([self.vecs[(kind, t)] for t in texts]).astype(np.float32)


class AdaptedBank(BaseEmbedder):
    """An embedder that reads base vectors from a :class:`VectorBank` and adapts them.

    Used for measurement only: ``align`` runs on exactly the vectors the real
    ``Embedder(adapter=...)`` would give, without re-running the model per variant.
    """

    def __init__(self, bank: VectorBank, adapter: Adapter | None) -> None:
        self.bank = bank
        self.adapter = adapter
        self.name = bank.emb.name + (f"+{adapter.name}" if adapter else "")

    @property
    def dimension(self) -> int:
        return self.bank.emb.dimension

    @property
    def fingerprint(self) -> str:
        base = self.bank.emb.fingerprint
        return self.adapter.fingerprint(base) if self.adapter else base

    def encode(self, texts, *, kind="passage", batch_size=32, show_progress=None):  # type: ignore[override]
        items = [texts] if isinstance(texts, str) else list(texts)
        items = [" ".join(str(t).split()) for t in items]
        if not items:
            return np.zeros((0, self.dimension), np.float32)
        v = self.bank.get(kind, items)
        return self.adapter.apply(v) if self.adapter else v

    def _encode(self, texts, *, batch_size, show_progress):  # pragma: no cover - unused
        raise NotImplementedError


# --------------------------------------------------------------------------- training


def train(pairs: list[Pair], bank: VectorBank, cfg: Config) -> tuple[Adapter, dict]:
    import torch

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(1)  # deterministic and polite on a shared 2-core machine
    use = [p for p in pairs if p.family in cfg.families]
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(len(use))
    n_val = max(1, len(use) // 10)
    val_idx, train_idx = set(order[:n_val].tolist()), order[n_val:]
    q = torch.from_numpy(bank.get("query", [p.query for p in use]))
    passages = sorted({p.passage for p in use})
    pv = torch.from_numpy(bank.get("passage", passages))
    pid = {t: i for i, t in enumerate(passages)}
    target = torch.tensor([pid[p.passage] for p in use])
    groups = sorted({p.group for p in use})
    members = {g: sorted({pid[p.passage] for p in use if p.group == g}) for g in groups}
    # mask[i, j] = 0 where passage j is a candidate for pair i (same group), else -inf
    mask = torch.full((len(use), len(passages)), float("-inf"))
    for i, p in enumerate(use):
        mask[i, members[p.group]] = 0.0
    dim = q.shape[1]
    init = Adapter.identity(dim, rank=cfg.rank, seed=cfg.seed)
    A = torch.nn.Parameter(torch.from_numpy(init.A.copy()))
    B = torch.nn.Parameter(torch.zeros(dim, cfg.rank))
    opt = torch.optim.AdamW([A, B], lr=cfg.lr, weight_decay=cfg.weight_decay)

    def adapt(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.normalize(x + (x @ A.T) @ B.T, dim=1)

    def loss_acc(idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        logits = adapt(q[idx]) @ adapt(pv).T / cfg.temperature + mask[idx]
        loss = torch.nn.functional.cross_entropy(logits, target[idx])
        acc = float((logits.argmax(1) == target[idx]).float().mean())
        return loss, acc

    val = torch.tensor(sorted(val_idx))
    with torch.no_grad():
        base_val_loss, base_val_acc = loss_acc(val)
    tr = torch.from_numpy(np.asarray(train_idx))
    history = []
    for _epoch in range(cfg.epochs):
        perm = tr[torch.randperm(len(tr))]
        total = 0.0
        for start in range(0, len(perm), cfg.batch):
            idx = perm[start : start + cfg.batch]
            loss, _ = loss_acc(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(tr))
    with torch.no_grad():
        val_loss, val_acc = loss_acc(val)
        train_loss, train_acc = loss_acc(tr)
    stats = {
        "pairs": len(use),
        "pairs_by_family": {f: sum(p.family == f for p in use) for f in cfg.families},
        "groups": len(groups),
        "train_loss": round(float(train_loss), 4),
        "train_acc": round(train_acc, 4),
        "heldout_pairs": len(val),
        "heldout_loss_before": round(float(base_val_loss), 4),
        "heldout_loss": round(float(val_loss), 4),
        "heldout_acc_before": round(base_val_acc, 4),
        "heldout_acc": round(val_acc, 4),
        "loss_by_epoch": [round(x, 4) for x in history[:: max(1, cfg.epochs // 10)]],
    }
    ad = Adapter(
        DEFAULT_ADAPTER_NAME if cfg.name == "default" else f"adapter-{cfg.name}",
        A.detach().numpy().copy(),
        B.detach().numpy().copy(),
    )
    return ad, stats


def card(ad: Adapter, pairs: list[Pair], cfg: Config, stats: dict, base_fp: str, excl) -> dict:
    return {
        "base_fingerprint": base_fp,
        "training_data_sha256": data_hash([p for p in pairs if p.family in cfg.families]),
        "script": "benchmarks/train_adapter.py",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "config": {k: v for k, v in cfg.__dict__.items() if k != "name"},
        "excluded_seed": excl,
        "loss": "MultipleNegativesRankingLoss (in-group negatives), cosine / temperature",
        **stats,
    }


# --------------------------------------------------------------------------- measuring


#: Labels of the dev statements for the other frameworks (benchmarks/data/README.md).
DEV_FRAMEWORKS = ROOT / "benchmarks" / "data" / "dev_frameworks.jsonl"


def load_dev(path: Path) -> list[dict]:
    """Dev statements, with master-plan / milestone / SDG labels joined by id when present."""
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if DEV_FRAMEWORKS.is_file():
        extra = {}
        with DEV_FRAMEWORKS.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    d = json.loads(line)
                    extra[d["id"]] = d
        for r in rows:
            for k, v in extra.get(r["id"], {}).items():
                r.setdefault(k, v)
    return rows


def metrics(ranked: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    """hit@1, hit@3 and MRR, as ``quality.py`` computes them."""
    from quality import rank_metrics

    return rank_metrics(ranked, gold)


def evaluate(emb: BaseEmbedder, rows: list[dict], frameworks: list[str]) -> dict[str, dict]:
    """Zero-shot cosine (item vs target title+text) and full ``align`` per framework."""
    from plansearch import align, reference
    from plansearch.alignment.prepare import clear_caches

    clear_caches()
    texts = [r["text"] for r in rows]
    out: dict[str, dict] = {}
    q = emb.encode(texts, kind="query")
    al = align(texts, frameworks, embedder=emb, k=1)
    for fw in frameworks:
        gold_rows = [i for i, r in enumerate(rows) if r.get(fw)]
        if not gold_rows:
            continue
        gold = [rows[i][fw] for i in gold_rows]
        ref = reference("national" if fw == "masterplan" else fw)
        if fw == "masterplan":
            tg = [t for t in ref.items if t.type == "master_plan"]
        else:
            info = next(f for f in al.frameworks if f.name == fw)
            tg = [ref.get(t) for t in info.target_ids]
        ids = [t.id for t in tg]
        p = emb.encode([f"{t.title} {t.text}" for t in tg], kind="passage")
        sims = q[gold_rows] @ p.T
        zero = [[ids[j] for j in np.argsort(-s, kind="stable")] for s in sims]
        k = (
            al.names.index(fw)
            if hasattr(al, "names")
            else [f.name for f in al.frameworks].index(fw)
        )
        info = al.frameworks[k]
        full = []
        for i in gold_rows:
            sc = np.asarray(al.items[i].scores[k])
            full.append([info.target_ids[j] for j in np.argsort(-sc, kind="stable")])
        out[fw] = {"n": len(gold_rows), "cosine": metrics(zero, gold), "align": metrics(full, gold)}
    return out


VARIANTS = [
    Config("default"),
    Config("r8", rank=8),
    Config("full", rank=384, weight_decay=1e-1),
    Config("t10", temperature=0.1),
    Config("hier+plans", families=("hier", "plans")),
    Config("kb-only", families=("kb",)),
]


def _fmt(m: dict) -> str:
    return f"{m['hit@1']:.3f} / {m['mrr']:.3f}"


def custom_tasks() -> dict[str, list[tuple[list[str], list[list[str]], object]]]:
    """The plans' own frameworks: each tactic → its plan's strategies (titles only).

    Per seed and planning level, every tactic whose parent is a strategy; targets are
    that plan's strategy titles (numbering already stripped by the parser). The
    "labels" are the plan's own structure, so this is measured leave-one-plan-out
    only (the dev-trained adapter saw these very pairs).
    """
    from plansearch import parse_plan
    from plansearch.frameworks import reference_from_dict

    out: dict[str, list] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        plan = parse_plan(path)
        for level in sorted({s.level for s in plan.sections}):
            strategies = [s for s in plan.sections if s.kind == "strategy" and s.level == level]
            ids = {s.id for s in strategies}
            tactics = [
                s
                for s in plan.sections
                if s.kind == "tactic" and s.level == level and s.parent_id in ids
            ]
            if len(strategies) < 2 or len(tactics) < 5:
                continue
            ref = reference_from_dict(
                {
                    "name": f"own-{path.stem[:3]}-{level}",
                    "level": "local",
                    "items": [{"id": s.id, "title": s.title} for s in strategies],
                }
            )
            item = ([t.content for t in tactics], [[t.parent_id] for t in tactics], ref)
            out.setdefault(path.name, []).append(item)
    return out


def evaluate_custom(emb: BaseEmbedder, tasks: list[tuple]) -> dict[str, dict]:
    from plansearch import align

    ranked_cos: list[list[str]] = []
    ranked_al: list[list[str]] = []
    gold_all: list[list[str]] = []
    for texts, gold, ref in tasks:
        ids = [t.id for t in ref.roots()]
        q = emb.encode(texts, kind="query")
        p = emb.encode([t.title for t in ref.roots()], kind="passage")
        ranked_cos += [[ids[j] for j in np.argsort(-r, kind="stable")] for r in q @ p.T]
        al = align(texts, ref, embedder=emb, k=1)
        info = al.frameworks[0]
        for it in al.items:
            sc = np.asarray(it.scores[0])
            ranked_al.append([info.target_ids[j] for j in np.argsort(-sc, kind="stable")])
        gold_all += gold
    if not gold_all:
        return {}
    return {
        "custom": {
            "n": len(gold_all),
            "cosine": metrics(ranked_cos, gold_all),
            "align": metrics(ranked_al, gold_all),
        }
    }


def _pool(parts: list[tuple[int, dict]]) -> dict[str, float]:
    n = sum(c for c, _ in parts)
    return {k: sum(c * m[k] for c, m in parts) / n for k in ("hit@1", "hit@3", "mrr")}


def run_evaluation(bank: VectorBank, variants: list[Config]) -> None:
    rows = load_dev(DEV)
    fws = [f for f in ("national", "masterplan", "nesdp13", "sdg") if any(r.get(f) for r in rows)]
    customs = custom_tasks()
    seeds = sorted({r["seed"] for r in rows} | set(customs))
    all_custom = [t for s in sorted(customs) for t in customs[s]]
    t0 = time.perf_counter()

    def measure(emb: BaseEmbedder, sub: list[dict], tasks: list[tuple]) -> dict[str, dict]:
        out = evaluate(emb, sub, fws) if sub else {}
        out.update(evaluate_custom(emb, tasks))
        return out

    base_dev = measure(AdaptedBank(bank, None), rows, all_custom)
    tasks = [*fws, "custom"]
    print(
        f"# dev set: {len(rows)} items, frameworks with labels: {fws}; custom task: "
        f"{base_dev['custom']['n']} tactics of {len(customs)} plans",
        flush=True,
    )
    results: dict[str, dict] = {"base": {"dev": base_dev}}
    all_pairs = collect_pairs(None)
    fold_pairs = {s: collect_pairs(s) for s in seeds}
    for cfg in variants:
        ad, stats = train(all_pairs, bank, cfg)
        dev = measure(AdaptedBank(bank, ad), rows, all_custom)
        # leave one plan out: re-train without the held-out plan, measure on its items
        pooled: dict[str, list] = {}
        for s in seeds:
            ad_s, _ = train(fold_pairs[s], bank, cfg)
            sub = [r for r in rows if r["seed"] == s]
            for task, m in measure(AdaptedBank(bank, ad_s), sub, customs.get(s, [])).items():
                for meth in ("cosine", "align"):
                    pooled.setdefault(f"{task}:{meth}", []).append((m["n"], m[meth]))
        lopo = {key: _pool(parts) for key, parts in pooled.items()}
        results[cfg.name] = {"dev": dev, "lopo": lopo, "stats": stats}
        print(f"  trained+measured {cfg.name} ({time.perf_counter() - t0:.0f} s)", flush=True)
    print("\nhit@1 / MRR  (cosine = plain zero-shot item vs target; align = plansearch.align)")
    for task in tasks:
        if task not in base_dev:
            continue
        print(f"\n## {task} (n = {base_dev[task]['n']})")
        print(
            "| model | dev cosine | dev align | LOPO cosine | LOPO align | pairs "
            "| held-out pair acc |"
        )
        print("|---|---|---|---|---|---|---|")
        b = results["base"]["dev"][task]
        print(
            f"| base (unadapted) | {_fmt(b['cosine'])} | {_fmt(b['align'])} | "
            f"{_fmt(b['cosine'])} | {_fmt(b['align'])} | – | – |"
        )
        for cfg in variants:
            r = results[cfg.name]
            d, lo, st = r["dev"][task], r["lopo"], r["stats"]
            print(
                f"| {cfg.name} (r={cfg.rank}, τ={cfg.temperature}, {'+'.join(cfg.families)}) | "
                f"{_fmt(d['cosine'])} | {_fmt(d['align'])} | {_fmt(lo[f'{task}:cosine'])} | "
                f"{_fmt(lo[f'{task}:align'])} | {st['pairs']} | "
                f"{st['heldout_acc_before']:.2f} → {st['heldout_acc']:.2f} |"
            )
    print(
        "\n(The unadapted model needs no training, so its LOPO numbers equal its dev numbers. "
        "Custom-task dev numbers are contaminated: the dev-trained adapter saw those pairs.)"
    )


def label_check(bank: VectorBank, adapter: Adapter) -> None:
    """Strength labels of the top national link and plain-cosine similar-goal P@5."""
    from plansearch import align
    from plansearch.alignment.prepare import clear_caches

    rows = load_dev(DEV)
    texts = [r["text"] for r in rows]
    for name, ad in (("unadapted", None), (adapter.name, adapter)):
        emb = AdaptedBank(bank, ad)
        clear_caches()
        al = align(texts, "national", embedder=emb, k=1)
        tops = [it.matches[0][0] for it in al.items]
        parts = []
        for label in ("strong", "partial", "weak", "none"):
            ok = [
                m.target_id in r["national"]
                for m, r in zip(tops, rows, strict=True)
                if m.strength == label
            ]
            prec = f"{sum(ok) / len(ok):.3f}" if ok else "-"
            parts.append(f"{label} {len(ok)} (precision {prec})")
        q = emb.encode(texts, kind="query")
        sims = q @ q.T
        p5 = []
        for i, r in enumerate(rows):
            nb = [j for j in np.argsort(-sims[i], kind="stable") if rows[j]["org"] != r["org"]]
            p5.append(np.mean([rows[j]["topic"] == r["topic"] for j in nb[:5]]))
        print(
            f"{name}: top national link labelled "
            + ", ".join(parts)
            + f"; plain-cosine similar-goal P@5 {np.mean(p5):.3f}"
        )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the .npz (+ .json card)")
    ap.add_argument(
        "--exclude-seed",
        default=None,
        help="leave this seed plan (and knowledge "
        "written from it) out of the training pairs, e.g. 004_a1e98dc7ddb37713.txt",
    )
    ap.add_argument("--variant", default="default", choices=[c.name for c in VARIANTS])
    ap.add_argument(
        "--evaluate",
        action="store_true",
        help="measure every variant on the dev set and leave-one-plan-out instead of saving",
    )
    ap.add_argument("--only", nargs="*", default=None, help="with --evaluate: these variants")
    ap.add_argument(
        "--check-labels",
        type=Path,
        default=None,
        metavar="ADAPTER",
        help="print strength labels and similar-goal P@5 on the dev set, unadapted vs ADAPTER",
    )
    args = ap.parse_args(argv)

    from plansearch.embed import Embedder

    emb = Embedder("multilingual-e5-small", adapter=None)
    bank = VectorBank(emb)
    if args.check_labels is not None:
        from plansearch.embed.adapter import load_adapter

        label_check(bank, load_adapter(args.check_labels))
        return 0
    if args.evaluate:
        chosen = [c for c in VARIANTS if args.only is None or c.name in args.only]
        run_evaluation(bank, chosen)
        return 0
    cfg = next(c for c in VARIANTS if c.name == args.variant)
    pairs = collect_pairs(args.exclude_seed)
    t0 = time.perf_counter()
    bank.ensure("query", [p.query for p in pairs])
    bank.ensure("passage", [p.passage for p in pairs])
    t1 = time.perf_counter()
    ad, stats = train(pairs, bank, cfg)
    t2 = time.perf_counter()
    ad = Adapter(
        ad.name, ad.A, ad.B, card(ad, pairs, cfg, stats, emb.fingerprint, args.exclude_seed)
    )
    path = ad.save(args.out)
    print(json.dumps({k: v for k, v in stats.items() if k != "loss_by_epoch"}, ensure_ascii=False))
    print(
        f"embedded in {t1 - t0:.1f} s, trained in {t2 - t1:.1f} s; wrote {path} "
        f"({path.stat().st_size} bytes), fingerprint {ad.fingerprint(emb.fingerprint)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
