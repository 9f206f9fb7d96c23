"""Bulk alignment of a whole corpus on a Dask cluster: sharded, resumable, exact.

:func:`align_corpus` aligns every plan's own strategies, tactics and projects (the
items :func:`~plansearch.align` would take from each plan, each with its parent
strategy/tactic as context) against the same frameworks, shard by shard:

* the frameworks are embedded **once, here** (:func:`.bulk.prepare_spaces`) and sent to
  every worker; each worker embeds its shard's items and scores them with
  :func:`.bulk.align_bulk`, the very code a single process runs (no second scoring
  implementation), and reports its model's fingerprint, which must equal ours;
* **deterministic** - shard boundaries depend only on the items' order and
  ``shard_size``; ``cluster=None`` runs the same shards here, so a cluster gives the
  same top-``k`` ids and scores as one process, merged back in input order;
* **resumable** - every finished shard is kept in ``work_dir`` (``align-NNNNNN.npz`` +
  a ``.json`` naming its items' hash, the model, the frameworks and the settings); a
  rerun skips the shards already there, a failed shard is retried ``retries`` times.

Scores are :func:`.bulk.align_bulk`'s: those of :func:`~plansearch.align` (without
examples, which a corpus run does not take) rounded the same way.

>>> from plansearch.alignment.distributed import align_corpus
>>> res = align_corpus(plans, ["national", "sdg"], cluster="local:2",
...                    work_dir="align-shards")                       # doctest: +SKIP
>>> res.best("national")[:2]                                          # doctest: +SKIP
['NS2', 'NS4']
>>> res.to_csv("ความเชื่อมโยง.csv")                                     # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ModelError
from ..fileio import atomic_write_text, atomic_writer
from ..frameworks.registry import default_frameworks
from ..search.distributed import ShardReport, run_shards, shard_bounds
from ..sections import Plan, Section
from .bulk import BulkResult, align_bulk, prepare_spaces
from .items import ItemQueries, items_from
from .prepare import PreparedSpace
from .settings import DEFAULT_SETTINGS, AlignSettings

__all__ = ["DEFAULT_ALIGN_SHARD_SIZE", "CorpusAlignment", "align_corpus", "align_shard"]

#: Items per shard: a few plans' worth (a plan has about 50-300 strategies/tactics/projects).
DEFAULT_ALIGN_SHARD_SIZE = 1024
_SEP = "\x1f"  # joins a plan's number to a section id, so ids of two plans never meet


@dataclass(frozen=True)
class CorpusAlignment:
    """The top-``k`` targets of every item of a corpus, per framework.

    ``items[i]`` is the section whose targets are row ``i`` of each
    ``results[framework]`` (:class:`~.bulk.BulkResult`: ``ids`` into the framework's
    ``target_ids``, ``scores`` in (0, 1), best first).
    """

    items: tuple[Section, ...]
    results: dict[str, BulkResult]
    report: ShardReport

    @property
    def framework_names(self) -> tuple[str, ...]:
        return tuple(self.results)

    def best(self, framework: str) -> list[str]:
        """The best target id of every item in ``framework``, in item order."""
        res = self.results[framework]
        return [res.space.target_ids[int(t)] for t in res.ids[:, 0]] if len(self.items) else []

    def to_records(self) -> list[dict[str, Any]]:
        """One row per (item, framework, rank): ids, titles and the score."""
        rows: list[dict[str, Any]] = []
        for i, item in enumerate(self.items):
            for name, res in self.results.items():
                for r in range(res.ids.shape[1]):
                    t = int(res.ids[i, r])
                    rows.append(
                        {
                            "item_id": item.id,
                            "org": item.org or "",
                            "province": item.province or "",
                            "source": item.source or "",
                            "kind": item.kind,
                            "item": item.title,
                            "framework": name,
                            "rank": r + 1,
                            "target_id": res.space.target_ids[t],
                            "target_title": res.space.target_titles[t],
                            "score": round(float(res.scores[i, r]), 4),
                        }
                    )
        return rows

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_records` as UTF-8 CSV (with a BOM, so Excel reads Thai)."""
        rows = self.to_records()
        out = Path(path)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(_FIELDS))
            w.writeheader()
            w.writerows(rows)
        return out

    def to_jsonl(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_records` as JSON lines (UTF-8, Thai kept readable)."""
        out = Path(path)
        with out.open("w", encoding="utf-8") as fh:
            for row in self.to_records():
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return out


_FIELDS = (
    "item_id",
    "org",
    "province",
    "source",
    "kind",
    "item",
    "framework",
    "rank",
    "target_id",
    "target_title",
    "score",
)


# --------------------------------------------------------------------- items


def plans_from_sections(sections: Sequence[Section]) -> list[Plan]:
    """Group sections (e.g. a corpus ``.jsonl``) back into plans by (source, org),
    in order of first appearance."""
    groups: dict[tuple[str, str], list[Section]] = {}
    for s in sections:
        groups.setdefault((s.source or "", s.org or ""), []).append(s)
    return [
        Plan(org=o or None, province=None, source=src or None, sections=tuple(secs))
        for (src, o), secs in groups.items()
    ]


def corpus_items(plans: Sequence[Plan]) -> tuple[list[Section], list[Section], list[Section]]:
    """``(items, shard items, ancestors)``: what ``align(plan)`` takes from each plan.

    ``shard items`` and ``ancestors`` are the same sections with ids made unique across
    plans (the plan's number in front), so a shard holding several plans still finds
    each item's own parent strategy or tactic for its context.
    """
    items: list[Section] = []
    keyed: list[Section] = []
    ancestors: list[Section] = []
    for p, plan in enumerate(plans):
        mine, _ = items_from(plan)
        pool = {s.id: s for s in plan.sections}
        for s in mine:
            items.append(s)
            keyed.append(_keyed(s, p))
            parent = pool.get(s.parent_id) if s.parent_id else None
            grand = pool.get(parent.parent_id) if parent and parent.parent_id else None
            ancestors.extend(_keyed(a, p) for a in (parent, grand) if a is not None)
    return items, keyed, ancestors


def _keyed(s: Section, p: int) -> Section:
    return replace(
        s, id=f"{p}{_SEP}{s.id}", parent_id=f"{p}{_SEP}{s.parent_id}" if s.parent_id else None
    )


# --------------------------------------------------------------------- worker


def align_shard(
    prepared: list[PreparedSpace],
    spec: str | None,
    items: list[Section],
    ancestors: list[Section],
    top_k: int,
    settings: AlignSettings,
    threads: int | None,
) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Worker task: ``(fingerprint, [(ids, scores) per framework])`` of one shard.

    The items' vectors and words come from :class:`.items.ItemQueries` (context and
    the frozen view included) and the scores from :func:`.bulk.align_bulk`, exactly as
    in one process.
    """
    from ..search.distributed import _load_embedder

    emb = _load_embedder(spec, threads)
    pool = Plan(org=None, province=None, source=None, sections=tuple(ancestors) + tuple(items))
    card = settings.card
    qs = ItemQueries.of(items, pool, emb, card, settings.context_weight)
    res = align_bulk(
        qs.vectors,
        prepared,
        top_k=top_k,
        item_tokens=qs.tokens,
        card=card,
        frozen_vectors=qs.frozen,
    )
    return emb.fingerprint, [(res[p.space.name].ids, res[p.space.name].scores) for p in prepared]


# --------------------------------------------------------------------- shard files


def _sha(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def _shard_key(items: list[Section], ancestors: list[Section]) -> str:
    def rec(s: Section) -> list[Any]:
        return [s.id, s.parent_id, s.kind, s.content]

    return _sha([[rec(s) for s in items], [rec(s) for s in ancestors]])


def _frameworks_key(prepared: Sequence[PreparedSpace]) -> str:
    """A hash of everything the scores depend on in the frameworks: their targets and
    node vectors, with the frozen-model view and the parent level when there are."""
    h = hashlib.sha256()
    seen: list[PreparedSpace] = list(prepared)
    for p in prepared:
        extra = [p.frozen, p.parent, p.parent.frozen if p.parent is not None else None]
        seen += [x for x in extra if x is not None]
    for p in seen:
        h.update(json.dumps([p.space.name, list(p.space.target_ids)]).encode("utf-8"))
        h.update(np.ascontiguousarray(p.node_vecs, np.float32).tobytes())
        h.update(np.ascontiguousarray(p.background, np.float32).tobytes())
    return h.hexdigest()


def _path(work: Path, k: int) -> Path:
    return work / f"align-{k:06d}.npz"


def _write(
    work: Path, k: int, arrays: list[tuple[np.ndarray, np.ndarray]], meta: dict[str, Any]
) -> None:
    path = _path(work, k)
    named = {}
    for f, (ids, scores) in enumerate(arrays):
        named[f"ids_{f}"] = np.asarray(ids, np.int32)
        named[f"scores_{f}"] = np.asarray(scores, np.float32)
    with atomic_writer(path, durable=False) as fh:
        np.savez(fh, **named)  # type: ignore[arg-type]
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta), durable=False)


def _read(
    work: Path, k: int, expect: dict[str, Any], widths: list[int]
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """A finished shard whose items, model, frameworks and settings match, else ``None``."""
    path = _path(work, k)
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or any(meta.get(f) != v for f, v in expect.items()):
            return None
        with np.load(path, allow_pickle=False) as z:
            out = [(z[f"ids_{f}"], z[f"scores_{f}"]) for f in range(len(widths))]
    except (OSError, ValueError, KeyError):
        return None
    for (ids, scores), w in zip(out, widths, strict=True):
        shape = (expect["count"], w)
        if ids.dtype != np.int32 or scores.dtype != np.float32:
            return None
        if ids.shape != shape or scores.shape != shape or not np.isfinite(scores).all():
            return None
    return out


# --------------------------------------------------------------------- driver


def align_corpus(
    plans: Sequence[Plan] | Sequence[Section],
    against: Any = None,
    spec: str | None = None,
    *,
    cluster: str | Any | None = None,
    work_dir: str | os.PathLike[str],
    k: int = 3,
    settings: AlignSettings | None = None,
    shard_size: int = DEFAULT_ALIGN_SHARD_SIZE,
    threads_per_worker: int = 1,
    retries: int = 2,
    progress: Callable[[int, int], None] | None = None,
    connect_timeout: str = "20s",
    task: Callable[..., Any] = align_shard,
    security: Any = None,
) -> CorpusAlignment:
    """Align every plan of a corpus against ``against``, shard by shard (see the module).

    Args:
        plans: parsed plans, or their sections (grouped back into plans by source/org).
        against: built-in framework names, framework files or References (default
            national, nesdp13, sdg, dla). Levels a plan quotes (``province``…) differ
            per plan and are refused here: align those plans one by one.
        spec: the embedder spec every worker loads (``None``/``"default"``, ``"hashing"``…).
        cluster: ``None`` (this process), ``"local:N"``, a scheduler address, or an
            open ``dask.distributed.Client`` (left open).
        work_dir: where finished shards are kept (a rerun reuses them).
        k: targets kept per framework.
        settings: the user's choices and the score card (default :data:`DEFAULT_SETTINGS`).
        shard_size: items per shard; keep it between runs that must reuse shards.
        progress: called with ``(done, total)`` shards as they finish.
        task: the worker function (for tests that inject failures).
        security: for a scheduler address: TLS
            (:func:`plansearch.search.distributed.cluster_security`) or ``"insecure"``
            (plain tcp:// on a trusted network); required there.

    Raises:
        InputError: bad ``k``/``shard_size``/``against`` or a plan-quoted level.
        ClusterError: the cluster is unreachable or shards failed after their retries
            (finished shards stay in ``work_dir``; rerun to resume).
        ModelError: a worker has another model than this process.
    """
    from ..search.distributed import _load_embedder

    t0 = time.perf_counter()
    if k < 1:
        raise InputError(f"k must be at least 1, not {k}")
    cfg = settings if settings is not None else DEFAULT_SETTINGS
    if not isinstance(cfg, AlignSettings):
        raise InputError(f"settings must be AlignSettings, not {type(cfg).__name__}")
    seq = list(plans)
    if seq and all(isinstance(x, Section) for x in seq):
        plan_list = plans_from_sections(seq)  # type: ignore[arg-type]
    elif all(isinstance(x, Plan) for x in seq):
        plan_list = seq  # type: ignore[assignment]
    else:
        raise InputError("plans must be Plan objects or Section objects, not a mixture")
    items, keyed, ancestors = corpus_items(plan_list)
    bounds = shard_bounds(len(items), shard_size)
    emb = _load_embedder(spec, None)
    try:
        prepared = prepare_spaces(
            list(default_frameworks()) if against is None else against, emb, card=cfg.card
        )
    except ValueError as exc:
        raise InputError(
            f"กรอบยุทธศาสตร์ใช้ไม่ได้ — cannot align a corpus against {against!r}: {exc}"
        ) from exc
    if not prepared:
        raise InputError("nothing to align against: no framework has any target")
    widths = [min(k, len(p.space)) for p in prepared]
    fingerprint = emb.fingerprint
    by_id = {a.id: a for a in ancestors}

    def shard_ancestors(a: int, b: int) -> list[Section]:
        """The parents and grandparents of the shard's items (their context)."""
        want: dict[str, Section] = {}
        for s in keyed[a:b]:
            parent = by_id.get(s.parent_id) if s.parent_id else None
            grand = by_id.get(parent.parent_id) if parent and parent.parent_id else None
            for x in (parent, grand):
                if x is not None:
                    want.setdefault(x.id, x)
        return list(want.values())

    payloads = [(keyed[a:b], shard_ancestors(a, b)) for a, b in bounds]
    common = {
        "fingerprint": fingerprint,
        "frameworks": _frameworks_key(prepared),
        "settings": cfg.fingerprint(),
        "k": k,
    }
    expects = [
        {**common, "items_sha256": _shard_key(its, anc), "count": len(its)} for its, anc in payloads
    ]
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for s in range(len(bounds)):
        got = _read(work, s, expects[s], widths)
        if got is not None:
            results[s] = got
    reused = done = len(results)
    if progress:
        progress(done, len(bounds))

    def accept(s: int, out: tuple[str, list[tuple[np.ndarray, np.ndarray]]]) -> None:
        nonlocal done
        fp, arrays = out
        if fp != fingerprint:
            raise ModelError(
                f"a worker aligned shard {s} with model {fp}, expected {fingerprint}: "
                "install the same plansearch and model on every worker"
            )
        _write(work, s, arrays, expects[s])
        results[s] = [(np.asarray(i, np.int32), np.asarray(v, np.float32)) for i, v in arrays]
        done += 1
        if progress:
            progress(done, len(bounds))

    workers = run_shards(
        [s for s in range(len(bounds)) if s not in results],
        lambda s, threads: (spec, *payloads[s], k, cfg, threads),
        accept,
        task=task,
        cluster=cluster,
        threads_per_worker=threads_per_worker,
        retries=retries,
        connect_timeout=connect_timeout,
        total=len(bounds),
        work=work,
        broadcast=(prepared,),
        security=security,
    )
    merged: dict[str, BulkResult] = {}
    for f, p in enumerate(prepared):
        parts = [results[s][f] for s in range(len(bounds))]
        ids = np.concatenate([i for i, _ in parts]) if parts else np.zeros((0, widths[f]), np.int32)
        sc = (
            np.concatenate([v for _, v in parts]) if parts else np.zeros((0, widths[f]), np.float32)
        )
        merged[p.space.name] = BulkResult(p.space, ids, sc, cfg.card)
    report = ShardReport(
        shards=len(bounds),
        computed=len(bounds) - reused,
        reused=reused,
        seconds=time.perf_counter() - t0,
        workers=workers,
    )
    return CorpusAlignment(tuple(items), merged, report)
