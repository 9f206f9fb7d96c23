"""Alignment quality on every framework and on the plans' own frameworks (issue 9).

Used by ``benchmarks/quality.py``. For each *task* — the dev statements against the
national strategy, the 23 master plans, the 13 NESDP-13 milestones and the 17 SDGs, and
each seed plan's tactics against that plan's own strategy titles — it measures three
methods side by side:

* ``plansearch`` – :func:`plansearch.align` itself (its scores and its strength labels;
  nothing is re-derived here);
* ``e5``         – zero-shot cosine between ``"query: item"`` and ``"passage: target
  title + text"`` with the same embedder, no subtree, no calibration;
* ``tfidf``      – TF-IDF over PyThaiNLP words (item vs target title + text), cosine.

Metrics: hit@1, hit@3, MRR (a hit is any labelled target), and for plansearch the
precision of the top-ranked target among items whose top link is labelled "strong"
and the share of items that get such a label (coverage).

Two splits: ``dev`` (the method as shipped) and ``lopo`` — leave one plan out: for
each seed plan, whatever the method fits from labelled data (today: the strength
thresholds) is re-fitted on the other plans' items only and the held-out plan's items
are scored with it; seed 004's department framework (``dla``) is never aligned
against, or passed as knowledge, in the fold that holds seed 004 out.

Embeddings are cached on disk (``benchmarks/out/``, gitignored) per model fingerprint
and text, so a re-run with the real model only embeds what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / "benchmarks" / "out"
DATA = ROOT / "benchmarks" / "data"
#: precision the strong label should reach (issue 9's aim); LOPO refits to this
STRONG_PRECISION = 0.85
DEV_FRAMEWORKS = ("national", "masterplan", "nesdp13", "sdg")
METHODS = ("plansearch", "e5", "tfidf")
#: The shipped pipeline with the unadapted model (dev only; when the embedder is adapted).
UNADAPTED = "plansearch (unadapted model)"


# --------------------------------------------------------------------------- cache


class CachedEmbedder:
    """Wrap an embedder; remember every vector on disk keyed by fingerprint, kind, text.

    Behaves like the wrapped :class:`~plansearch.embed.base.BaseEmbedder` (same
    fingerprint, dimension and vectors); unknown attributes are forwarded.
    """

    def __init__(self, inner: Any, cache_dir: Path = CACHE_DIR) -> None:
        self.inner = inner
        self.cache_dir = cache_dir
        self._frozen: CachedEmbedder | None = None
        self.fingerprint: str = inner.fingerprint
        self.dimension: int = inner.dimension
        self.name = getattr(inner, "name", "embedder")
        tag = hashlib.sha256(self.fingerprint.encode()).hexdigest()[:16]
        self._keys_path = cache_dir / f"emb-{tag}.json"
        self._vecs_path = cache_dir / f"emb-{tag}.npy"
        self._index: dict[str, int] = {}
        self._vecs = np.zeros((0, self.dimension), np.float32)
        self._dirty = False
        self.hits = self.misses = 0
        if self._keys_path.exists() and self._vecs_path.exists():
            meta = json.loads(self._keys_path.read_text(encoding="utf-8"))
            vecs = np.load(self._vecs_path, allow_pickle=False)
            if meta.get("fingerprint") == self.fingerprint and len(meta["keys"]) == len(vecs):
                self._index = {k: i for i, k in enumerate(meta["keys"])}
                self._vecs = vecs.astype(np.float32)

    def frozen_embedder(self) -> Any:
        """The wrapped embedder's frozen base model, cached the same way (or ``None``)."""
        get = getattr(self.inner, "frozen_embedder", None)
        inner = get() if callable(get) else None
        if inner is None:
            return None
        if self._frozen is None:
            self._frozen = CachedEmbedder(inner, self.cache_dir)
        return self._frozen

    def save(self) -> None:
        self._save()
        if self._frozen is not None:
            self._frozen.save()

    def __getattr__(self, name: str) -> Any:  # only called for attributes not set above
        return getattr(self.inner, name)

    def encode(
        self,
        texts: str | Sequence[str],
        *,
        kind: str = "passage",
        batch_size: int = 32,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        keys = [f"{kind}\x1f{' '.join(str(t).split())}" for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._index))
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            new = self.inner.encode(
                [k.split("\x1f", 1)[1] for k in missing],
                kind=kind,
                batch_size=batch_size,
                show_progress=show_progress,
            )
            base = len(self._vecs)
            self._vecs = np.vstack([self._vecs, np.asarray(new, np.float32)])
            for j, k in enumerate(missing):
                self._index[k] = base + j
            self._dirty = True
        if not keys:
            return np.zeros((0, self.dimension), np.float32)
        return self._vecs[[self._index[k] for k in keys]].copy()

    def _save(self) -> None:
        if not self._dirty:
            return
        self._keys_path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._index, key=self._index.__getitem__)
        np.save(self._vecs_path, self._vecs, allow_pickle=False)
        payload = {"fingerprint": self.fingerprint, "keys": keys}
        self._keys_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        self._dirty = False


# --------------------------------------------------------------------------- tasks


@dataclass
class Task:
    """Items to rank against one framework, with every acceptable target per item."""

    name: str  # e.g. "dev:sdg", "custom:seed001"
    framework: str  # framework name inside the Alignment
    against: Any  # what align() is given (a built-in name or a Reference)
    items: list[str]
    gold: list[list[str]]
    seeds: list[str]  # the plan each item comes from (LOPO folds)
    target_ids: list[str] = field(default_factory=list)
    target_docs: list[str] = field(default_factory=list)  # title + text (baselines)
    #: per item, the heading it is printed under (``align(context=...)``), or ``None``
    contexts: list[str] | None = None
    #: per item, where it comes from (``seed`` / ``budget-style``): one table row each
    origins: list[str] | None = None

    def rows(self) -> dict[str, list[int]]:
        """Table rows of this task: ``name`` (every item), or ``name [origin]`` per origin."""
        if self.origins is None:
            return {self.name: list(range(len(self.items)))}
        out: dict[str, list[int]] = {}
        for i, o in enumerate(self.origins):
            out.setdefault(f"{self.name} [{o}]", []).append(i)
        return out


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _builtin_targets(framework: str) -> tuple[list[str], list[str]]:
    """Ids and texts (title + text: the baselines' documents) of the targets ``align``
    scores in a built-in framework (the registry's ``targets_of``)."""
    from plansearch import targets_of

    ts = targets_of(framework)
    return [t.id for t in ts], [f"{t.title} {t.text}".strip() for t in ts]


def dev_tasks(dev_path: Path, labels_path: Path) -> list[Task]:
    dev = load_jsonl(dev_path)
    labels = {d["id"]: d for d in load_jsonl(labels_path)} if labels_path.exists() else {}
    tasks = []
    for fw in DEV_FRAMEWORKS:
        rows = [(d, d.get(fw) or labels.get(d["id"], {}).get(fw)) for d in dev]
        rows = [(d, g) for d, g in rows if g]
        if not rows:
            continue
        ids, docs = _builtin_targets(fw)
        tasks.append(
            Task(
                name=f"dev:{fw}",
                framework=fw,
                against=fw,
                items=[d["text"] for d, _ in rows],
                gold=[list(g) for _, g in rows],
                seeds=[d["seed"][:3] for d, _ in rows],
                target_ids=ids,
                target_docs=docs,
            )
        )
    return tasks


#: Frameworks the project-level dev set is labelled for.
PROJECT_FRAMEWORKS = ("national", "masterplan", "nesdp13", "sdg", "dla")
#: Frameworks the formal-register set is labelled for.
FORMAL_FRAMEWORKS = ("national", "masterplan", "nesdp13", "sdg")


def project_tasks(path: Path) -> list[Task]:
    """``proj:<framework>``: project names (``benchmarks/data/dev_projects.jsonl``), each
    with the heading path it is printed under as context (seed items) and its origin
    (``seed`` items come from a seed plan and are held out with it; ``budget-style``
    items belong to no plan, so leave-one-plan-out has only the seed rows)."""
    rows = load_jsonl(path)
    tasks = []
    for fw in PROJECT_FRAMEWORKS:
        got = [r for r in rows if r.get(fw)]
        if not got:
            continue
        ids, docs = _builtin_targets(fw)
        tasks.append(
            Task(
                name=f"proj:{fw}",
                framework=fw,
                against=fw,
                items=[r["text"] for r in got],
                gold=[list(r[fw]) for r in got],
                seeds=[(r.get("seed") or "")[:3] for r in got],
                target_ids=ids,
                target_docs=docs,
                contexts=[r.get("context") or "" for r in got],
                origins=[r.get("origin") or "budget-style" for r in got],
            )
        )
    return tasks


def formal_tasks(path: Path) -> list[Task]:
    """``formal:<register>:<framework>``: statements in other registers (Thai official
    documents, English report prose; ``benchmarks/data/formal_register.jsonl``). They
    come from no plan: leave-one-plan-out has nothing to hold out."""
    rows = load_jsonl(path)
    tasks = []
    for reg in dict.fromkeys(r["register"] for r in rows):
        for fw in FORMAL_FRAMEWORKS:
            got = [r for r in rows if r["register"] == reg and r.get(fw)]
            if not got:
                continue
            ids, docs = _builtin_targets(fw)
            tasks.append(
                Task(
                    name=f"formal:{reg}:{fw}",
                    framework=fw,
                    against=fw,
                    items=[r["text"] for r in got],
                    gold=[list(r[fw]) for r in got],
                    seeds=[""] * len(got),
                    target_ids=ids,
                    target_docs=docs,
                )
            )
    return tasks


def custom_tasks(path: Path) -> list[Task]:
    from plansearch.frameworks import reference_from_dict

    out = []
    for t in load_jsonl(path):
        name = f"own_{t['task']}"
        ref = reference_from_dict(
            {"name": name, "title": t["note"], "level": "local", "items": t["targets"]},
            where=str(path),
        )
        out.append(
            Task(
                name=f"custom:{t['task']}",
                framework=name,
                against=ref,
                items=[it["text"] for it in t["items"]],
                gold=[it["gold"] for it in t["items"]],
                seeds=[t["seed"][:3]] * len(t["items"]),
                target_ids=[x["id"] for x in t["targets"]],
                target_docs=[x["title"] for x in t["targets"]],
            )
        )
    return out


# --------------------------------------------------------------------------- metrics


def rank_rows(scores: np.ndarray, ids: Sequence[str]) -> list[list[str]]:
    return [[ids[j] for j in np.argsort(-row, kind="stable")] for row in scores]


def metrics(
    ranked: list[list[str]], gold: list[list[str]], strengths: list[str] | None = None
) -> dict[str, float | None]:
    n = max(len(gold), 1)
    h1 = sum(r[0] in g for r, g in zip(ranked, gold, strict=True)) / n
    h3 = sum(any(x in g for x in r[:3]) for r, g in zip(ranked, gold, strict=True)) / n
    mrr = (
        sum(
            next((1.0 / (i + 1) for i, x in enumerate(r) if x in g), 0.0)
            for r, g in zip(ranked, gold, strict=True)
        )
        / n
    )
    out: dict[str, float | None] = {"n": float(len(gold)), "hit@1": h1, "hit@3": h3, "mrr": mrr}
    for key in ("strong_p", "strong_cov", "partial_p", "partial_cov", "none_right"):
        out[key] = None
    if strengths is not None:
        right = [r[0] in g for r, g in zip(ranked, gold, strict=True)]
        for key, labels in (("strong", {"strong"}), ("partial", {"strong", "partial"})):
            got = [i for i, s in enumerate(strengths) if s in labels]
            out[f"{key}_cov"] = len(got) / n
            out[f"{key}_p"] = sum(right[i] for i in got) / len(got) if got else None
        n_right = sum(right)
        none = sum(ok and s == "none" for ok, s in zip(right, strengths, strict=True))
        out["none_right"] = none / n_right if n_right else None
    return out


# --------------------------------------------------------------------------- methods


def run_plansearch(
    task: Task, emb: Any, idx: Sequence[int] | None = None, **kwargs: Any
) -> tuple[np.ndarray, list[str], list[str]]:
    """``align()`` on the task's items (or a subset): scores, target ids, top-1 strengths."""
    from plansearch import align

    rows = list(range(len(task.items))) if idx is None else list(idx)
    if task.contexts is not None:
        kwargs = {"context": [task.contexts[i] for i in rows], **kwargs}
    al = align([task.items[i] for i in rows], task.against, embedder=emb, k=1, **kwargs)
    ids = list(al.framework(task.framework).target_ids)
    scores = np.array([it.scores_for(task.framework) for it in al.items], dtype=np.float64)
    strengths = [(it.best(task.framework).strength if it.best(task.framework) else "none")
                 for it in al.items]  # fmt: skip
    return scores, ids, strengths


def run_e5(task: Task, emb: Any) -> np.ndarray:
    q = emb.encode(task.items, kind="query")
    p = emb.encode(task.target_docs, kind="passage")
    return np.asarray(q @ p.T, dtype=np.float64)


def run_tfidf(task: Task) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from plansearch.thai import tokenize

    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
    x = vec.fit_transform(task.items + task.target_docs)
    n = len(task.items)
    return np.asarray((x[:n] @ x[n:].T).toarray(), dtype=np.float64)


# --------------------------------------------------------------------------- fitting (LOPO)


def fit_strong_threshold(rows: list[tuple[float, bool]], target: float = STRONG_PRECISION) -> float:
    """Lowest top-1 score above which the top link is right with precision ≥ ``target``
    (at least 10 items above it); ``inf`` when no such cut exists."""
    rows = sorted(rows, key=lambda r: -r[0])
    best = float("inf")
    tp = 0
    for n, (s, ok) in enumerate(rows, 1):
        tp += ok
        if n >= 10 and tp / n >= target and (n == len(rows) or rows[n][0] < s):
            best = s
    return best


# --------------------------------------------------------------------------- driver


@dataclass
class Report:
    dev: dict[str, dict[str, dict[str, float | None]]]
    lopo: dict[str, dict[str, dict[str, float | None]]]
    lopo_folds: dict[str, float]
    notes: list[str]


def evaluate(
    tasks: list[Task],
    emb: Any,
    log: Callable[[str], None] = print,
    *,
    base: Any = None,
    fold_emb: Callable[[str], Any] | None = None,
) -> Report:
    """Every method on every task, dev and leave-one-plan-out.

    ``base`` is the unadapted embedder for the zero-shot ``e5`` column (default ``emb``)
    and, when it differs from ``emb``, for a dev row of the same pipeline without the
    domain adapter;
    ``fold_emb(seed)`` the embedder of the fold that holds ``seed`` out — with a domain
    adapter, one re-trained without that plan (``benchmarks/train_adapter.py
    --exclude-seed``), so nothing the held-out plan taught is used on it.

    A task with ``origins`` gives one row per origin (``proj:sdg [seed]``); items of no
    plan (seed ``""``: budget-style project names, formal-register statements) have no
    leave-one-plan-out row.
    """
    dev: dict[str, dict[str, dict[str, float | None]]] = {}
    cache: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}
    for t in tasks:
        scores, ids, strengths = run_plansearch(t, emb)
        cache[t.name] = (scores, ids, strengths)
        ranked = {
            "plansearch": rank_rows(scores, ids),
            "e5": rank_rows(run_e5(t, base or emb), t.target_ids),
            "tfidf": rank_rows(run_tfidf(t), t.target_ids),
        }
        unadapted = None
        if base is not None and base.fingerprint != emb.fingerprint:
            ub, uids, ust = run_plansearch(t, base)
            unadapted = (rank_rows(ub, uids), ust)
        for row, idx in t.rows().items():
            gold = [t.gold[i] for i in idx]
            dev[row] = {
                m: metrics(
                    [r[i] for i in idx],
                    gold,
                    [strengths[i] for i in idx] if m == "plansearch" else None,
                )
                for m, r in ranked.items()
            }
            if unadapted is not None:
                dev[row][UNADAPTED] = metrics(
                    [unadapted[0][i] for i in idx], gold, [unadapted[1][i] for i in idx]
                )
            log(f"  {row}: plansearch hit@1 {dev[row]['plansearch']['hit@1']:.3f}")

    # leave one plan out: refit the strong threshold without the held-out plan
    seeds = sorted({s for t in tasks for s in t.seeds if s})
    folds: dict[str, float] = {}
    held: dict[str, dict[int, tuple[list[str], str]]] = {t.name: {} for t in tasks}
    notes = []
    for s in seeds:
        train = []
        for t in tasks:
            scores, ids, _ = cache[t.name]
            for i, seed in enumerate(t.seeds):
                if seed and seed != s:
                    j = int(np.argmax(scores[i]))
                    train.append((float(scores[i, j]), ids[j] in t.gold[i]))
        # strengths come from the target's share of the item's evidence, with a
        # temperature fitted on the frameworks' and plans' own structure (never on
        # labels): nothing is refitted on the other plans' dev labels; the score cut
        # that a label-fitted rule would choose is reported beside the tables
        folds[s] = fit_strong_threshold(train)
        emb_s = fold_emb(s) if fold_emb is not None else emb
        for t in tasks:
            rows = [i for i, seed in enumerate(t.seeds) if seed == s]
            if not rows:
                continue
            if s == "004" and t.against == "dla":
                continue  # the department framework is seed 004's own knowledge
            sc, ids, strengths = run_plansearch(t, emb_s, rows)
            for k, i in enumerate(rows):
                held[t.name][i] = (rank_rows(sc[k : k + 1], ids)[0], strengths[k])
    lopo: dict[str, dict[str, dict[str, float | None]]] = {}
    for t in tasks:
        for row, idx in t.rows().items():
            order = [i for i in idx if i in held[t.name]]
            if not order:
                continue
            ranked = [held[t.name][i][0] for i in order]
            strengths = [held[t.name][i][1] for i in order]
            gold = [t.gold[i] for i in order]
            lopo[row] = {"plansearch": metrics(ranked, gold, strengths)}
            # the baselines fit nothing: their held-out numbers are their dev numbers
            # on the same items
            if len(order) == len(idx):
                lopo[row]["e5"] = dev[row]["e5"]
                lopo[row]["tfidf"] = dev[row]["tfidf"]
            else:
                for m, r in (("e5", run_e5(t, base or emb)), ("tfidf", run_tfidf(t))):
                    lopo[row][m] = metrics([rank_rows(r, t.target_ids)[i] for i in order], gold)
    notes.append(
        "no built-in knowledge in this version derives from seed 004 except the "
        "`dla` framework, which no task aligns against in seed 004's fold"
    )
    return Report(dev, lopo, folds, notes)


def _cell(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def table(results: dict[str, dict[str, dict[str, float | None]]]) -> str:
    head = (
        "| task | n | method | hit@1 | hit@3 | MRR | strong P | strong cov | partial+ P "
        "| partial+ cov | right but none |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for task, per in results.items():
        for m in (*METHODS, UNADAPTED):
            if m not in per:
                continue
            r = per[m]
            lines.append(
                f"| {task} | {int(r['n'] or 0)} | {m} | {_cell(r['hit@1'])} | {_cell(r['hit@3'])} "
                f"| {_cell(r['mrr'])} | {_cell(r['strong_p'])} | {_cell(r['strong_cov'])} "
                f"| {_cell(r.get('partial_p'))} | {_cell(r.get('partial_cov'))} "
                f"| {_cell(r.get('none_right'))} |"
            )
    return "\n".join(lines)


def compact_table(
    dev: dict[str, dict[str, dict[str, float | None]]],
    lopo: dict[str, dict[str, dict[str, float | None]]],
) -> str:
    """One row per task: plansearch (dev and leave-one-plan-out) beside the baselines;
    "right → none": the share of right top links labelled "none"."""
    lines = [
        "| task | n | plansearch hit@1 / hit@3 / MRR | strong P / cov | partial+ P / cov | "
        "right → none | LOPO n | LOPO hit@1 | LOPO strong P / cov | e5 hit@1 / MRR | "
        "TF-IDF hit@1 / MRR |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    missing: dict[str, float | None] = {"n": None, "hit@1": None, "strong_p": None,
                                        "strong_cov": None}  # fmt: skip
    for task, per in dev.items():
        p, lp = per["plansearch"], lopo.get(task, {}).get("plansearch", missing)
        e, t = per["e5"], per["tfidf"]
        ln = "—" if lp["n"] is None else str(int(lp["n"]))
        lines.append(
            f"| {task} | {int(p['n'] or 0)} | {_cell(p['hit@1'])} / {_cell(p['hit@3'])} / "
            f"{_cell(p['mrr'])} | {_cell(p['strong_p'])} / {_cell(p['strong_cov'])} | "
            f"{_cell(p.get('partial_p'))} / {_cell(p.get('partial_cov'))} | "
            f"{_cell(p.get('none_right'))} | {ln} | "
            f"{_cell(lp['hit@1'])} | {_cell(lp['strong_p'])} / {_cell(lp['strong_cov'])} | "
            f"{_cell(e['hit@1'])} / {_cell(e['mrr'])} | {_cell(t['hit@1'])} / {_cell(t['mrr'])} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- evidence


def evidence_agreement(
    items: Sequence[str], emb: Any, contexts: Sequence[str] | None = None
) -> dict[str, float]:
    """Does the sub-item quoted for an item's national link support the claim? Label-free:
    the national evidence lies under a master plan (``under_mp``) and that master plan is
    the item's own top master-plan link (``agrees``), or it is the strategy or one of its
    sub-strategies (``strategy_level``); ``disagrees`` = under another master plan."""
    from plansearch import align, reference

    ref = reference("national")
    mp_of: dict[str, str] = {}
    for mp in ref.of_type("master_plan"):
        for node in ref.subtree(mp.id):
            mp_of[node.id] = mp.id
    kw: dict[str, Any] = {} if contexts is None else {"context": list(contexts)}
    al = align(list(items), ["national", "masterplan"], embedder=emb, k=1, **kw)
    agree = strat = 0
    for it in al.items:
        nat, mp = it.best("national"), it.best("masterplan")
        if nat is None or mp is None:
            continue
        under = mp_of.get(nat.evidence.sub_id)
        if under is None:
            strat += 1
        elif under == mp.target_id:
            agree += 1
    n = max(len(al.items), 1)
    return {
        "n": float(len(al.items)),
        "agrees": agree / n,
        "strategy_level": strat / n,
        "disagrees": (len(al.items) - agree - strat) / n,
    }


# --------------------------------------------------------------------------- corrections


def examples_kwargs(pairs: list[tuple[str, str]], task: Task) -> dict[str, Any]:
    """How confirmed links reach ``align``: ``examples=[Example(text, framework, target)]``."""
    from plansearch.alignment import Example

    return {"examples": [Example(text, task.framework, target) for text, target in pairs]}


def corrections_gain(
    tasks: list[Task],
    emb: Any,
    ks: Sequence[int] = (5, 20),
    repeats: int = 5,
    fold_emb: Callable[[str], Any] | None = None,
) -> dict[str, dict[str, float]]:
    """hit@1 on the remaining items after ``k`` corrections, with and without them.

    For each task and ``k``, ``repeats`` random draws (fixed seeds) of ``k`` items become
    confirmed links (their first labelled target); the other items are scored with and
    without them.
    """
    out: dict[str, dict[str, float]] = {}
    for t in tasks:
        one_plan = len(set(t.seeds)) == 1
        e = fold_emb(t.seeds[0]) if (fold_emb is not None and one_plan) else emb
        for k in ks:
            if len(t.items) < k + 5:
                continue
            base = withx = 0.0
            for r in range(repeats):
                order = np.random.default_rng(r).permutation(len(t.items))
                train, test = [int(i) for i in order[:k]], [int(i) for i in order[k:]]
                pairs = [(t.items[i], t.gold[i][0]) for i in train]
                gold = [t.gold[i] for i in test]
                s0, ids0, _ = run_plansearch(t, e, test)
                s1, ids1, _ = run_plansearch(t, e, test, **examples_kwargs(pairs, t))
                base += float(metrics(rank_rows(s0, ids0), gold)["hit@1"] or 0.0)
                withx += float(metrics(rank_rows(s1, ids1), gold)["hit@1"] or 0.0)
            out[f"{t.name} k={k}"] = {
                "hit@1 without": base / repeats,
                "hit@1 with": withx / repeats,
                "gain": (withx - base) / repeats,
            }
    return out
